"""``python -m imu2safety.app.cli``: the command line."""

from .main import entry

entry()
