"""Physics-based wrist IMU: motion in, accelerometer and gyroscope out.

Public API:

- :mod:`.simulate`      ``simulate(motion, config) -> ImuSignal``, ``SimConfig``
- :mod:`.kinematics`    gap bridging, zero-phase low-pass, quintic splines
- :mod:`.sensor_frame`  where the device sits and how it is oriented (forearm roll rules)
- :mod:`.devices`       device presets (``load_preset``, ``DevicePreset``, ``G``)
- :mod:`.noise`         the MEMS error model (``apply_device``)
- :mod:`.imu_io`        simulated IMU files (``write_imu_h5``, ``read_imu_h5``)
"""
