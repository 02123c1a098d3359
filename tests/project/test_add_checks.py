"""'project add' refuses what would break the project later, refuses a taken --id, and warns about a
train/test leak and capture glitches (issue 11)."""

import json
from fractions import Fraction
from importlib import resources

import numpy as np
import pytest
from motion_factory import still
from project_factory import motion_file, waving

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.interchange import save_motion
from imu2safety.core.project.add_checks import AddWarning, check_new_motion, glitch_trim
from imu2safety.core.project.project import Project


def _err(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imu2safety: error: "), err
    for n in needles:
        assert n in err[0], err
    return err[0]


def _npz(path, **changes):
    m = waving(seconds=2.0)
    save_motion(m, path)
    z = dict(np.load(path))
    z.update(changes)
    np.savez(path, **z)
    return path


@pytest.fixture
def folder(tmp_path):
    f = tmp_path / "P"
    Project.create(f).close()
    return f


# -- what would break info or every export ------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"fps": np.float64(1e-300)}, "fps"),  # was stored as 0/1: info and export divided by zero
        ({"fps": np.float64(1e-6)}, "fps"),
        ({"fps": np.float64(1e300)}, "fps"),  # did not fit an SQLite integer
        ({"meta": np.str_(json.dumps([1, 2]))}, "'meta' must be a JSON object"),  # broke every export
        ({"meta": np.str_(json.dumps("text"))}, "'meta' must be a JSON object"),
    ],
)
def test_a_clip_that_would_break_the_project_is_refused_at_add(tmp_path, folder, capsys, changes, words):
    f = _npz(tmp_path / "bad.npz", **changes)
    rc = main(["project", "add", str(folder), str(f)])
    err = capsys.readouterr().err
    assert rc == 2 and words in err and "bad.npz" in err and "internal error" not in err, err
    assert main(["project", "info", str(folder)]) == 0
    assert "0 clip(s)" in capsys.readouterr().out
    assert list((folder / "cache" / "motion").iterdir()) == []


@pytest.mark.parametrize("fps", [1e-300, 1e-6, 1e300, 1.0005, float("nan")])
def test_a_rate_without_an_exact_small_fraction_is_not_storable(fps):
    """The motion layer bounds fps (1-10,000); the project also needs an exact n/d with d <= 1001 close to it."""
    from imu2safety.core.project.add_checks import storable_fps

    with pytest.raises(InputError, match="frame rate"):
        storable_fps(fps, "m.npz")
    assert storable_fps(30000 / 1001, "m.npz") == Fraction(30000, 1001) and storable_fps(0.5, "m.npz") == Fraction(1, 2)


def test_a_one_frame_motion_is_refused():
    from imu2safety.core.motion.interchange import Motion
    from imu2safety.core.project.add_checks import check_motion_storable

    m = still(seconds=1.0, fps=30.0)
    one = Motion.__new__(Motion)  # the motion layer refuses this too; the project does not rely on it
    one.__dict__.update(m.__dict__)
    one.joints = m.joints[:1]
    with pytest.raises(InputError, match="at least 2 frames"):
        check_motion_storable(one, "one.npz")


def test_a_bad_clip_already_in_a_store_does_not_break_info(tmp_path, folder, capsys):
    import sqlite3

    with Project.open(folder) as p:
        p.add_clip(motion_file(tmp_path, "w", seconds=2.0), subject="S1")
    db = sqlite3.connect(folder / "project.sqlite")
    db.execute("UPDATE clips SET fps_num=0, fps_den=1")
    db.commit()
    db.close()
    assert main(["project", "info", str(folder)]) == 0
    assert "invalid" in capsys.readouterr().out
    assert main(["export", str(folder), "--out", str(tmp_path / "d.h5"), "--quiet", "--keep-unlabelled"]) == 2
    _err(capsys, "clip 'w'", "frame rate")


# -- ids --------------------------------------------------------------------------------------------------


def test_an_id_that_is_taken_is_an_error_not_a_silent_suffix(tmp_path, folder, capsys):
    m = motion_file(tmp_path, "w", seconds=2.0)
    assert main(["project", "add", str(folder), str(m), "--id", "walk", "--subject", "S1"]) == 0
    capsys.readouterr()
    other = motion_file(tmp_path, "other", seconds=2.0, phase=1.0)
    assert main(["project", "add", str(folder), str(other), "--id", "walk", "--subject", "S1"]) == 2
    _err(capsys, "clip id 'walk' is taken")
    assert main(["project", "add", str(folder), str(other), "--id", ""]) == 2  # was ignored: named after the file
    _err(capsys, "must be a plain name")
    with Project.open(folder, readonly=True) as p:
        assert [c.id for c in p.clips()] == ["walk"]


def test_a_default_id_from_the_file_name_still_gets_a_free_suffix(tmp_path, folder, capsys):
    a = motion_file(tmp_path / "a", "walk", seconds=2.0) if (tmp_path / "a").mkdir() is None else None
    b = motion_file(tmp_path / "b", "walk", seconds=2.0, phase=1.0) if (tmp_path / "b").mkdir() is None else None
    assert main(["project", "add", str(folder), str(a), "--subject", "S1"]) == 0
    assert main(["project", "add", str(folder), str(b), "--subject", "S1"]) == 0
    assert capsys.readouterr().out.split() == ["walk", "walk-2"]


# -- warnings ----------------------------------------------------------------------------------------------


def test_the_same_motion_under_two_subjects_warns_of_a_leak(tmp_path, folder, capsys):
    m = motion_file(tmp_path, "w", seconds=2.0)
    assert main(["project", "add", str(folder), str(m), "--subject", "S1"]) == 0
    capsys.readouterr()
    copy = tmp_path / "copy.npz"
    copy.write_bytes(m.read_bytes())
    assert main(["project", "add", str(folder), str(copy), "--subject", "S2"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "clip 'w'" in err and "subject S1" in err and "leak" in err, err
    other = tmp_path / "Q"
    Project.create(other).close()
    assert main(["project", "add", str(other), str(m), "--subject", "S1"]) == 0
    assert main(["project", "add", str(other), str(m), "--subject", "S1", "--id", "again"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "same motion" in err and "count twice" in err and "leak" not in err, err


def test_the_leak_check_is_a_core_function_the_batch_path_can_call(tmp_path, folder):
    m = motion_file(tmp_path, "w", seconds=2.0)
    with Project.open(folder) as p:
        p.add_clip(m, subject="S1")
        from imu2safety.core.motion.interchange import load_motion

        motion = load_motion(m)
        warns = check_new_motion(p, motion, m, subject="S2")
        assert [w.kind for w in warns] == ["leak"] and all(isinstance(w, AddWarning) for w in warns)
        collected = []
        p.add_clip(m, subject="S3", warn=collected.append)
        assert [w.kind for w in collected] == ["leak"]


def _cmu_walk(tmp_path):
    from imu2safety.core.motion.importers import import_motion

    bvh = resources.files("imu2safety.resources") / "demo" / "cmu_16_15_walk.bvh"
    m = import_motion(str(bvh))
    path = tmp_path / "cmu_walk.npz"
    save_motion(m, path)
    return path


def test_glitch_frames_are_warned_about_at_add_with_the_trim_to_run(tmp_path, folder, capsys):
    """The shipped CMU walk's first frames reach 41 g and 2,037 deg/s in the simulation."""
    f = _cmu_walk(tmp_path)
    assert main(["project", "add", str(folder), str(f), "--subject", "S1"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "frames 1, 2, 3, 4" in err and "glitch" in err, err
    assert f"imu2safety project trim {folder} cmu_walk --drop-glitches" in err
    assert main(["project", "trim", str(folder), "cmu_walk", "--drop-glitches"]) == 0
    with Project.open(folder, readonly=True) as p:
        c = p.clip("cmu_walk")
        assert (c.trim_in, c.trim_out) == (4, c.n_frames)
        assert len(glitch_trim(p.load_motion("cmu_walk", trimmed=True)) or ()) == 0


def test_glitch_trim_finds_leading_and_trailing_runs_only(tmp_path):
    m = waving(seconds=2.0)
    m.joints[0] += 1.0  # frame 0 far off
    m.joints[-2:] += 2.0  # the last two frames far off
    m.joints[30] += 1.0  # a glitch inside: not trimmed (the user decides)
    a, b = glitch_trim(m)
    assert (a, b) == (1, m.n_frames - 2)
