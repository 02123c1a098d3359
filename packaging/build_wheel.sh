#!/usr/bin/env bash
# Build the wheel and sdist into dist/ (uses the project's .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
.venv/bin/python -m pip install -q -c .venv/constraints.txt build
.venv/bin/python -m build --no-isolation --outdir dist .
ls -l dist
