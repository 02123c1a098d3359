#!/usr/bin/env bash
# Set up (if needed) and open the workbench on the demo project.
# With no screen (no DISPLAY or WAYLAND_DISPLAY, e.g. over ssh or in CI) the workbench runs under a
# virtual X display (xvfb-run, which setup installs when run as root), or else on Qt's offscreen
# platform; it says which. Set IMU2SAFETY_NO_XVFB=1 to skip that and see Qt's own error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${IMU2SAFETY_NO_XVFB:-}" ]; then
  if command -v xvfb-run >/dev/null 2>&1; then
    echo "[workbench] no display: running under a virtual X display (xvfb-run); nothing appears on screen" >&2
    exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/imu2safety demo "$@"
  fi
  echo "[workbench] no display and no xvfb-run: running on Qt's offscreen platform; nothing appears on screen" >&2
  export QT_QPA_PLATFORM=offscreen
fi
exec .venv/bin/imu2safety demo "$@"
