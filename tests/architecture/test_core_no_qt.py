"""core/ never imports Qt: import every core module with Qt and its view libraries blocked."""

import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "core"


def test_every_core_module_imports_without_qt():
    modules = sorted(
        ".".join(
            p.relative_to(CORE).with_suffix("").parts[:-1]
            if p.stem == "__init__"
            else p.relative_to(CORE).with_suffix("").parts
        )
        for p in CORE.rglob("*.py")
        if p.relative_to(CORE).parts != ("__init__.py",)
    )
    assert "sim.simulate" in modules and "motion.interchange" in modules and "motion" in modules
    code = (
        "import sys\n"
        "for name in ('PySide6', 'PyQt5', 'PyQt6', 'shiboken6', 'qtpy', 'pyqtgraph', 'vispy'):\n"
        "    sys.modules[name] = None\n"
        "import importlib\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('imu2safety.core.' + m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'vispy') and sys.modules[m] is not None]\n"
        "assert not bad, bad\n"
        "print('ok', len(" + repr(modules) + "))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.startswith("ok")


def test_the_check_itself_catches_a_qt_import(tmp_path):
    # the same blocking makes a Qt import fail, so the test above can fail
    code = "import sys\nsys.modules['PySide6'] = None\nimport PySide6.QtCore\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode != 0 and "PySide6" in r.stderr
