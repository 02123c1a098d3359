"""Mistakes a new user makes on the command line: one clear line, exit 2, and outputs a user can read."""

import os
import stat
import subprocess
import sys

import numpy as np
import pytest
from motion_factory import still

from imu2safety.app.cli import main
from imu2safety.core.base.atomic import atomic_path
from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.interchange import save_motion
from imu2safety.core.project.project import Project


def _one_error_line(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("imu2safety: error: "), err
    for n in needles:
        assert n in err[0], err
    assert "Traceback" not in err[0] and "internal error" not in err[0]
    return err[0]


@pytest.mark.parametrize(
    "name, content",
    [
        ("walk.bvh", "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n}\nMOTION\nFrames: 0\n"),
        ("labels.csv", "clip,start_s,end_s,behaviour,safety\nwalk,0,1,walking,safe\n"),
    ],
)
def test_simulate_a_skeleton_file_points_to_import(tmp_path, capsys, name, content):
    src = tmp_path / name
    src.write_text(content)
    assert main(["simulate", str(src), "--out", str(tmp_path / "o.h5"), "--quiet"]) == 2
    line = _one_error_line(capsys, name, "imu2safety import")
    assert "pickle" not in line
    assert not (tmp_path / "o.h5").exists()


def test_simulate_a_plain_npy_is_an_input_error(tmp_path, capsys):
    src = tmp_path / "arr.npy"
    np.save(src, np.zeros((10, 17, 3)))
    assert main(["simulate", str(src), "--out", str(tmp_path / "o.h5"), "--quiet"]) == 2
    _one_error_line(capsys, "arr.npy", "imu2safety import")


def test_project_add_with_swapped_arguments_says_it_is_a_file(tmp_path, capsys):
    m = save_motion(still("down", seconds=1), tmp_path / "walk.npz")
    Project.create(tmp_path / "proj").close()
    assert main(["project", "add", str(m), str(tmp_path / "proj")]) == 2
    line = _one_error_line(capsys, "walk.npz")
    assert "no such" not in line and "not a project folder" in line


def test_debug_without_a_command_is_accepted(monkeypatch, capsys):
    """`imu2safety --debug` opens the workbench with tracebacks on (here: no display, so the
    InputError itself comes through, as --debug asks), instead of argparse rejecting --debug."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    with pytest.raises(InputError, match="display"):
        main(["--debug"])
    assert "unrecognized arguments" not in capsys.readouterr().err


def test_output_piped_into_head_is_not_an_error(tmp_path):
    m = tmp_path / "m.npz"
    save_motion(still("down", seconds=1), m)
    proj = tmp_path / "proj"
    Project.create(proj).close()
    for i in range(40):
        assert main(["project", "add", str(proj), str(m), "--id", f"c{i:02d}"]) == 0
    cmd = f"{sys.executable} -m imu2safety.app.cli project info {proj} | head -1; exit ${{PIPESTATUS[0]}}"
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert r.stdout.startswith("project "), r.stdout
    assert "Broken pipe" not in r.stderr and "error" not in r.stderr, r.stderr


def test_atomic_outputs_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "out.txt") as tmp:
            tmp.write_text("x")
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(tmp_path / "out.txt").st_mode)
    assert mode == 0o644, oct(mode)


@pytest.mark.parametrize("bad_id", ["../../escaped", "a/b", "a\\b", ".hidden", "  ", "tab\tid"])
def test_project_add_rejects_clip_ids_that_are_not_plain_names(tmp_path, capsys, bad_id):
    """The id names the cache file and the HDF5 group: '/' nested groups and '../' wrote outside the project."""
    m = save_motion(still("down", seconds=1), tmp_path / "walk.npz")
    proj = tmp_path / "a" / "b" / "proj"
    proj.parent.mkdir(parents=True)
    Project.create(proj).close()
    assert main(["project", "add", str(proj), str(m), "--id", bad_id]) == 2
    _one_error_line(capsys, "clip id")
    assert sorted(p.name for p in tmp_path.rglob("*.npz")) == ["walk.npz"]
    with Project.open(proj, readonly=True) as p:
        assert p.clips() == []


def test_project_add_keeps_ordinary_clip_ids(tmp_path, capsys):
    m = save_motion(still("down", seconds=1), tmp_path / "walk.npz")
    Project.create(tmp_path / "proj").close()
    for cid in ("walk 01", "S1_walk-2.b", "Gehen_ü"):
        assert main(["project", "add", str(tmp_path / "proj"), str(m), "--id", cid]) == 0
    assert capsys.readouterr().out.split("\n")[:3] == ["walk 01", "S1_walk-2.b", "Gehen_ü"]


def test_simulate_a_motion_too_short_names_the_file(tmp_path, capsys):
    m = still("down", seconds=1)
    m.joints = m.joints[:3]
    src = save_motion(m, tmp_path / "short.npz")
    assert main(["simulate", str(src), "--out", str(tmp_path / "o.h5"), "--quiet"]) == 2
    _one_error_line(capsys, "short.npz: ", "never observed")
    assert not (tmp_path / "o.h5").exists()


def test_native_axes_file_does_not_claim_the_sensor_frame(tmp_path):
    import h5py

    src = save_motion(still("down", seconds=2), tmp_path / "m.npz")
    for extra, native in (([], False), (["--native-axes"], True)):
        out = tmp_path / f"o{int(native)}.h5"
        assert main(["simulate", str(src), "--out", str(out), "--wrist", "right", "--quiet", *extra]) == 0
        with h5py.File(out) as f:
            frame = f.attrs["sensor_frame"]
        assert ("axis_map" in frame) == native, frame


def test_workbench_with_an_unknown_clip_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    """`imu2safety workbench PROJ --clip typo` said nothing and showed another clip; now it stops before any window."""
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    m = save_motion(still("down", seconds=1), tmp_path / "walk.npz")
    Project.create(tmp_path / "proj").close()
    assert main(["project", "add", str(tmp_path / "proj"), str(m)]) == 0
    capsys.readouterr()
    assert main(["workbench", str(tmp_path / "proj"), "--clip", "wlak"]) == 2
    _one_error_line(capsys, "proj", "no clip 'wlak'")
