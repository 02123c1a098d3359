#!/usr/bin/env bash
# Set up (if needed) and open the workbench on the demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/imu2safety demo "$@"
