"""The IMU2Safety engine: pure Python (numpy, scipy, torch, h5py), never Qt.

Public entry points:

- :mod:`.motion`      the motion interchange (``Motion``, ``load_motion``, ``save_motion``)
- :mod:`.skeletons`   joint orders of the supported skeletons
- :mod:`.simulate`    ``simulate(motion, ...) -> ImuSignal``
- :mod:`.devices`     device presets (MEMS error models)
- :mod:`.imu_io`      reading/writing simulated IMU files
"""
