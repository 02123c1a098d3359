"""Mending a project from the command line: project remove, trim, segments (list, delete), undo (issue 11)."""

import pytest
from project_factory import make_project

from imu2safety.app.cli import main
from imu2safety.core.project.project import Project


@pytest.fixture
def proj(tmp_path):
    return make_project(tmp_path / "P", subjects=("S1", "S2"), clips_per_subject=1, seconds=4.0)


def _err(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imu2safety: error: "), err
    for n in needles:
        assert n in err[0], err


def test_remove_a_clip_and_undo_it(proj, capsys):
    assert main(["project", "remove", str(proj), "s1_0"]) == 0
    assert "removed clip 's1_0' and its 2 segment(s)" in capsys.readouterr().out
    with Project.open(proj, readonly=True) as p:
        assert [c.id for c in p.clips()] == ["s2_0"] and len(p.segments()) == 2
    assert main(["project", "undo", str(proj)]) == 0
    assert "undid: remove s1_0" in capsys.readouterr().out
    with Project.open(proj, readonly=True) as p:
        assert [c.id for c in p.clips()] == ["s1_0", "s2_0"] and len(p.segments()) == 4
        p.load_motion("s1_0")  # its motion stayed in the cache
    assert main(["project", "remove", str(proj), "nope"]) == 2
    _err(capsys, "no clip 'nope'")


def test_trim_by_seconds_snaps_to_frames(proj, capsys):
    assert main(["project", "trim", str(proj), "s1_0", "--start", "1.001", "--end", "3.003"]) == 0
    assert "keeps frames 30-90" in capsys.readouterr().out  # 30000/1001 fps: 1.001 s is frame 30
    with Project.open(proj, readonly=True) as p:
        c = p.clip("s1_0")
        assert (c.trim_in, c.trim_out) == (30, 90)
    assert main(["project", "trim", str(proj), "s1_0", "--end", "2.002"]) == 0  # the start stays
    with Project.open(proj, readonly=True) as p:
        assert (p.clip("s1_0").trim_in, p.clip("s1_0").trim_out) == (30, 60)
    assert main(["project", "trim", str(proj), "s1_0", "--reset"]) == 0
    with Project.open(proj, readonly=True) as p:
        c = p.clip("s1_0")
        assert (c.trim_in, c.trim_out) == (0, c.n_frames)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--start", "3", "--end", "2"], "end after it starts"),
        (["--end", "99"], "must lie in the clip"),
        (["--start", "nan"], "--start must be a number"),
        (["--end", "inf"], "--end must be a number"),
        ([], "give --start"),
        (["--reset", "--drop-glitches"], "one of them"),
    ],
)
def test_trim_mistakes_are_one_line_errors(proj, capsys, argv, words):
    assert main(["project", "trim", str(proj), "s1_0"] + argv) == 2
    _err(capsys, words)


def test_trim_drop_glitches_without_glitches_changes_nothing(proj, capsys):
    assert main(["project", "trim", str(proj), "s1_0", "--drop-glitches"]) == 0
    assert "no glitch frames" in capsys.readouterr().out


def test_list_and_delete_segments(proj, capsys):
    assert main(["project", "segments", str(proj)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["id", "clip", "start_s"] and len(out) == 5
    first = out[1].split()
    assert first[1] == "s1_0" and first[4] == "walking"
    assert main(["project", "segments", str(proj), "--clip", "s2_0"]) == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert len(rows) == 2 and all(r.split()[1] == "s2_0" for r in rows)
    ids = [int(r.split()[0]) for r in rows]
    assert main(["project", "segments", str(proj), "--delete", str(ids[0]), str(ids[1])]) == 0
    with Project.open(proj, readonly=True) as p:
        assert p.segments("s2_0") == [] and len(p.segments()) == 2
    capsys.readouterr()
    assert main(["project", "segments", str(proj), "--delete", "999", str(ids[0])]) == 2
    _err(capsys, "no segment 999")
    assert main(["project", "segments", str(proj), "--delete", str(2**70)]) == 2  # was an internal error
    _err(capsys, f"no segment {2**70}")
    assert main(["project", "undo", str(proj)]) == 0
    with Project.open(proj, readonly=True) as p:
        assert len(p.segments("s2_0")) == 2
    assert main(["project", "segments", str(proj), "--clip", "nope"]) == 2
    _err(capsys, "no clip 'nope'")


def test_undo_with_nothing_left(tmp_path, capsys):
    Project.create(tmp_path / "E").close()
    assert main(["project", "undo", str(tmp_path / "E")]) == 0
    assert "nothing to undo" in capsys.readouterr().out
