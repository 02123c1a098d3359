"""``python -m imu2safety.app.cli``: the command line."""

import sys

from .main import main

sys.exit(main())
