#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite under a virtual X server,
# so the OpenGL 3D view is tested too, after the code-shape checks (scripts/lint.sh).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# the shape of the code first: ruff (lint, format) and the import-linter contracts
bash scripts/lint.sh
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-xcb}
if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
  exec xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python -m pytest "$@"
fi
exec .venv/bin/python -m pytest "$@"
