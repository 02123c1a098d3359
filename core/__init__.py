"""The IMU2Safety engine: pure Python (numpy, scipy, torch, h5py), never Qt.

One package per stage that data flows through, one way only::

    video ──► reconstruct ──┐
                            ├──► motion (the interchange) ──► sim ──► project ──► dataset ──► learn
    skeleton files ─────────┘                                  │
                                                     realism (real recordings, beside sim)

- :mod:`.base`        errors, atomic writes, hashing, progress and cancellation
- :mod:`.motion`      the motion interchange (``Motion``), skeletons, time base, importers
- :mod:`.reconstruct` video → person boxes → tracks → 2D keypoints → 3D → world frame
- :mod:`.sim`         ``simulate(motion, ...) -> ImuSignal``, device presets, sensor errors, IMU files
- :mod:`.project`     annotation projects: store, edit commands, taxonomy, label CSV, the demo
- :mod:`.dataset`     HDF5 export, windows, the reader and the torch ``Dataset``
- :mod:`.realism`     real recordings, comparisons, Allan deviation, calibration, reports
- :mod:`.session`     Qt-free models the workbench observes (playhead)

Layering (checked by import-linter, see ``pyproject.toml``): a package imports only
packages below it, and siblings on one level never import each other.
Old flat module names (``imu2safety.core.simulate``, ...) still import, with a
DeprecationWarning, until 0.2 (:mod:`._moved`).
"""

from ._moved import install as _install_moved

_install_moved()
