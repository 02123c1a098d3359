"""Label CSV import/export: round trips, exact frames at 30000/1001 fps, bad rows applied not at all."""

import csv
from fractions import Fraction

import pytest
from project_factory import make_project, motion_file

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.project import commands as C
from imu2safety.core.project.labels_csv import export_labels, import_labels
from imu2safety.core.project.project import Project

HEADER = "clip,start_s,end_s,behaviour,safety,phase,confidence,annotator\n"


@pytest.fixture
def proj(tmp_path):
    src = motion_file(tmp_path, "walk", seconds=40.0)  # 1199 frames at 30000/1001
    p = Project.create(tmp_path / "p", who="ann")
    p.add_clip(src, subject="S1")
    yield p
    p.close()


def test_import_snaps_to_exact_frames(proj, tmp_path):
    f = tmp_path / "l.csv"
    f.write_text(HEADER + "walk,1.001,2.002,falling,unsafe,impact,0.75,bob\nwalk,0,0.5,walking,safe,,,\n")
    assert import_labels(proj, f).added == 2
    a, b = proj.segments()
    assert (a.start_frame, a.end_frame) == (0, 15)  # 0.5 s * 29.97 = 14.985 -> 15
    assert (b.start_frame, b.end_frame) == (30, 60)  # 1.001 s is exactly frame 30
    assert b.start_s == Fraction(1001, 1000) and b.phase == "impact" and b.confidence == 0.75
    assert b.annotator == "bob" and a.annotator == "ann"
    proj.undo()  # one import = one undo step
    assert proj.segments() == []


def test_every_frame_round_trips_through_csv(proj, tmp_path):
    clip = proj.clips()[0]
    n = clip.n_frames
    cmds = [C.AddSegment(clip.id, k, k + 1 + (k % 7), "walking", "safe") for k in range(0, n - 10, 3)]
    proj.execute(C.Batch(cmds))
    out = tmp_path / "out.csv"
    export_labels(proj, out)
    want = [(s.start_frame, s.end_frame) for s in proj.segments()]
    proj.execute(C.Batch([C.DeleteSegment(s.id) for s in proj.segments()]))
    import_labels(proj, out)
    assert [(s.start_frame, s.end_frame) for s in proj.segments()] == want


def test_project_to_csv_to_project_round_trip(tmp_path):
    make_project(tmp_path / "a", subjects=("S1", "S2"))
    with Project.open(tmp_path / "a") as p:
        fall = next(s for s in p.segments() if s.behaviour == "falling")  # a phase must be its behaviour's
        p.execute(C.UpdateSegment(fall.id, partly_out_of_frame=True, phase="onset", annotator="carol"))
        export_labels(p, tmp_path / "a.csv")
        clips = p.clips()
        before = p.segments()
    with Project.create(tmp_path / "b") as q:
        for c in clips:
            q.add_clip(p.folder / c.motion_path, subject=c.subject, clip_id=c.id)
        import_labels(q, tmp_path / "a.csv")
        after = q.segments()
        export_labels(q, tmp_path / "b.csv")
    fields = (
        "clip_id",
        "start_frame",
        "end_frame",
        "start_s",
        "end_s",
        "behaviour",
        "safety",
        "severity",
        "phase",
        "confidence",
        "occluded",
        "partly_out_of_frame",
        "annotator",
    )
    assert [[getattr(s, f) for f in fields] for s in after] == [[getattr(s, f) for f in fields] for s in before]
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@pytest.mark.parametrize(
    "row,msg",
    [
        ("nope,1,2,walking,safe,,,", "unknown clip 'nope'"),
        ("walk,x,2,walking,safe,,,", "start_s must be a number"),
        ("walk,2,1,walking,safe,,,", "must be after start_s"),
        ("walk,1,1.01,walking,safe,,,", "shorter than one frame"),
        ("walk,1,999,walking,safe,,,", "outside clip"),
        ("walk,1,2,flying,safe,,,", "unknown behaviour 'flying'"),
        ("walk,1,2,walking,sure,,,", "unknown safety level"),
        ("walk,1,2,walking,safe,landing,,", "unknown phase"),
        ("walk,1,2,walking,safe,,1.5,", "confidence"),
        ("walk,1,2,walking,safe,,", "has 7 fields"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_applied(proj, tmp_path, row, msg):
    f = tmp_path / "l.csv"
    f.write_text(HEADER + "walk,0,1,walking,safe,,,\n" + "walk,3,4,running,safe,,,\n" + row + "\n")
    n_log = len(proj.history())
    with pytest.raises(InputError, match=msg) as e:
        import_labels(proj, f)
    assert str(e.value).startswith(f"{f}:4:")
    assert proj.segments() == [] and len(proj.history()) == n_log


def test_bad_header(proj, tmp_path):
    f = tmp_path / "l.csv"
    f.write_text("clip,start,end_s,behaviour,safety\n")
    with pytest.raises(InputError, match=r"l.csv:1: missing column\(s\) start_s"):
        import_labels(proj, f)
    f.write_text("clip,start_s,end_s,behaviour,safety,colour\n")
    with pytest.raises(InputError, match="unknown column 'colour'"):
        import_labels(proj, f)


def test_cli_import_export_and_bad_row_exit_code(tmp_path, capsys):
    make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, labels=False)
    good = tmp_path / "g.csv"
    good.write_text(HEADER + "s1_0,0.5,1.5,shoving,unsafe,onset,0.9,dan\n")
    assert main(["project", "import-labels", str(tmp_path / "p"), str(good)]) == 0
    assert main(["project", "export-labels", str(tmp_path / "p"), str(tmp_path / "o.csv")]) == 0
    rows = list(csv.DictReader(open(tmp_path / "o.csv")))
    assert len(rows) == 1 and rows[0]["behaviour"] == "shoving" and rows[0]["annotator"] == "dan"
    bad = tmp_path / "b.csv"
    bad.write_text(HEADER + "s1_0,0.5,1.5,shoving,unsafe,,,\ns1_0,0.5,1.5,shoving,maybe,,,\n")
    capsys.readouterr()
    assert main(["project", "import-labels", str(tmp_path / "p"), str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:" in err and "Traceback" not in err
    with Project.open(tmp_path / "p", readonly=True) as p:
        assert len(p.segments()) == 1
