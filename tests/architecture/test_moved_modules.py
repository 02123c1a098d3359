"""Old flat module names (``imu2safety.core.simulate``, ...) still import, warn, and give the new module."""

import importlib
import subprocess
import sys

import pytest

from imu2safety.core._moved import MOVED, PREFIX


def test_every_old_name_points_at_a_module_that_exists():
    for new in MOVED.values():
        assert importlib.util.find_spec(PREFIX + new) is not None, new


@pytest.mark.parametrize(
    "old", ["simulate", "devices", "errors", "export", "realism_report", "project_store", "playhead"]
)
def test_old_name_warns_and_is_the_same_module(old):
    # a fresh interpreter: the warning fires on first import only
    code = (
        "import warnings, importlib\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        f"    old = importlib.import_module('imu2safety.core.{old}')\n"
        f"new = importlib.import_module('imu2safety.core.{MOVED[old]}')\n"
        "assert old is new, (old, new)\n"
        f"assert new.__spec__.name == 'imu2safety.core.{MOVED[old]}', new.__spec__.name\n"
        "msgs = [str(x.message) for x in w if issubclass(x.category, DeprecationWarning)]\n"
        "print(msgs[0])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"imu2safety.core.{old} has moved to imu2safety.core.{MOVED[old]}" in r.stdout


def test_from_core_import_old_name_and_package_reexports():
    code = (
        "import warnings\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "from imu2safety.core.motion import Motion, load_motion, save_motion, validate_motion\n"
        "from imu2safety.core.project import Project, check_motion_hash\n"
        "from imu2safety.core.dataset import WindowDataset, open_dataset\n"
        "from imu2safety.core.reconstruct import reconstruct_video, track_people\n"
        "from imu2safety.core.realism import SignalSet, compare, load_set\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from imu2safety.core import commands\n"
        "from imu2safety.core.project import commands as new\n"
        "assert commands is new\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_unknown_old_name_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("imu2safety.core.no_such_module")
