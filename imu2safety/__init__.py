"""IMU2Safety: video and skeletons in, realistic safety-labelled wrist IMU out.

The engine lives in :mod:`imu2safety.core` (no Qt), the Qt panels in
:mod:`imu2safety.widgets`, and the main window and command line in
:mod:`imu2safety.app`.
"""

__version__ = "0.1.0"
