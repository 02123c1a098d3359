"""The import-linter contracts in pyproject.toml hold, and they catch a violation."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is in the [test] extra")


def mirror(tmp_path: Path) -> Path:
    """The installed layout (imu2safety/core, ...) as a copy of the source files."""
    pkg = tmp_path / "imu2safety"
    pkg.mkdir()
    shutil.copy(ROOT / "imu2safety" / "__init__.py", pkg / "__init__.py")
    for d in ("core", "app", "widgets", "resources"):
        shutil.copytree(ROOT / d, pkg / d, ignore=shutil.ignore_patterns("__pycache__", "*.npz", "*.bvh", "*.tflite"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(where: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "pyproject.toml"],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_tree_keeps_every_contract(tmp_path):
    r = lint(mirror(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout


@pytest.mark.parametrize(
    "where, code, contract",
    [
        ("core/motion/_upward.py", "from ..sim import simulate\n", "layered in data-flow order"),
        ("core/sim/_sideways.py", "from ..reconstruct import video\n", "layered in data-flow order"),
        ("core/base/_qt.py", "import PySide6\n", "never imports the GUI"),
        ("widgets/_app.py", "from ..app import main_window\n", "never import the app"),
        ("widgets/_ctrl.py", "from ..app.controllers import labels\n", "never import the app"),
        ("app/controllers/_window.py", "from ..main_window import MainWindow\n", "The app is layered"),
        ("app/controllers/labels.py", "from . import device\n", "never reach into each other"),
    ],
)
def test_a_violation_breaks_its_contract(tmp_path, where, code, contract):
    m = mirror(tmp_path)
    (m / "imu2safety" / where).write_text(code)
    r = lint(m)
    assert r.returncode != 0
    broken = [line for line in r.stdout.splitlines() if line.endswith("BROKEN")]
    assert broken, r.stdout[-3000:]
    assert contract in " ".join(r.stdout.split()), r.stdout[-3000:]
