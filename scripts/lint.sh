#!/usr/bin/env bash
# The shape of the code: ruff (lint + format) and import-linter contracts (pyproject.toml).
# Run after scripts/setup.sh; scripts/test.sh runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
"$PY/ruff" check .
"$PY/ruff" format --check .
# The package maps imu2safety.core -> core/ etc. (setuptools package-dir), so the import
# graph is read from a mirror of the installed layout made of symbolic links.
mirror=$(mktemp -d)
trap 'rm -rf "$mirror"' EXIT
mkdir "$mirror/imu2safety"
ln -s "$PWD/imu2safety/__init__.py" "$mirror/imu2safety/__init__.py"
for d in core app widgets resources; do ln -s "$PWD/$d" "$mirror/imu2safety/$d"; done
cp pyproject.toml "$mirror/"
(cd "$mirror" && PYTHONPATH="$mirror" "$OLDPWD/$PY/lint-imports" --no-cache --no-logo pyproject.toml)
