"""Label CSV import is idempotent (and --replace replaces), accepts the names people write, checks a phase
against its behaviour, and reads numbers strictly and in bounded time (issue 11)."""

import subprocess
import sys

import pytest
from project_factory import make_project, motion_file

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.project.labels_csv import import_labels
from imu2safety.core.project.project import Project

HEADER = "clip,start_s,end_s,behaviour,safety,phase,severity,confidence\n"


@pytest.fixture
def proj(tmp_path):
    p = Project.create(tmp_path / "p", who="ann")
    p.add_clip(motion_file(tmp_path, "walk", seconds=10.0), subject="S1")
    yield p
    p.close()


def _csv(tmp_path, rows, header=HEADER, name="l.csv"):
    f = tmp_path / name
    f.write_text(header + "".join(r + "\n" for r in rows))
    return f


def _segs(p):
    return [(s.clip_id, s.start_frame, s.end_frame, s.behaviour, s.safety, s.phase, s.severity) for s in p.segments()]


# -- idempotent ---------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing_the_second_time(proj, tmp_path):
    f = _csv(tmp_path, ["walk,0,1,walking,safe,,,", "walk,1,2,falling,unsafe,impact,2,0.9"])
    r = import_labels(proj, f)
    assert (r.added, r.updated, r.unchanged) == (2, 0, 0)
    first = _segs(proj)
    r = import_labels(proj, f)
    assert (r.added, r.updated, r.unchanged) == (0, 0, 2)
    assert _segs(proj) == first


def test_a_re_import_of_an_edited_file_updates_in_place(proj, tmp_path):
    import_labels(proj, _csv(tmp_path, ["walk,1,2,falling,unsafe,impact,2,0.9"]))
    (seg,) = proj.segments()
    r = import_labels(proj, _csv(tmp_path, ["walk,1,2,falling,unsafe,onset,3,0.5"], name="m.csv"))
    assert (r.added, r.updated, r.unchanged) == (0, 1, 0)
    (after,) = proj.segments()
    assert after.id == seg.id and (after.phase, after.severity, after.confidence) == ("onset", 3, 0.5)
    proj.undo()  # one undo step
    assert proj.segments()[0].phase == "impact"


def test_replace_swaps_the_labels_of_the_clips_in_the_file(tmp_path):
    folder = make_project(tmp_path / "P", subjects=("S1", "S2"), clips_per_subject=1, seconds=4.0)
    f = _csv(tmp_path, ["s1_0,0,1,running,safe,,,"])
    assert main(["project", "import-labels", str(folder), str(f), "--replace"]) == 0
    with Project.open(folder, readonly=True) as p:
        assert [s.behaviour for s in p.segments("s1_0")] == ["running"]
        assert len(p.segments("s2_0")) == 2  # a clip not in the file keeps its labels
    assert main(["project", "import-labels", str(folder), str(f), "--replace"]) == 0  # idempotent too
    with Project.open(folder) as p:
        assert [s.behaviour for s in p.segments("s1_0")] == ["running"]
        p.undo()
        p.undo()
        assert sorted(s.behaviour for s in p.segments("s1_0")) == ["falling", "walking"]


def test_the_cli_reports_added_updated_unchanged(tmp_path, capsys):
    folder = make_project(tmp_path / "P", subjects=("S1",), clips_per_subject=1, seconds=4.0, labels=False)
    f = _csv(tmp_path, ["s1_0,0,1,walking,safe,,,", "s1_0,1,2,running,safe,,,"])
    assert main(["project", "import-labels", str(folder), str(f)]) == 0
    assert "2 added" in capsys.readouterr().err
    assert main(["project", "import-labels", str(folder), str(f)]) == 0
    err = capsys.readouterr().err
    assert "0 added" in err and "2 already there" in err
    with Project.open(folder, readonly=True) as p:
        assert len(p.segments()) == 2


def test_a_row_repeated_in_one_file_is_an_error(proj, tmp_path):
    f = _csv(tmp_path, ["walk,0,1,walking,safe,,,", "walk,0,1,walking,safe,,,"])
    with pytest.raises(InputError, match=r"l.csv:3: .*repeats line 2"):
        import_labels(proj, f)
    assert proj.segments() == []


# -- names people write -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "behaviour, safety, phase",
    [
        ("Losing balance", "Unsafe", "Onset"),
        ("losing-balance", "UNSAFE", "onset"),
        ("LOSING_BALANCE", "1", ""),
        ("  losing  balance ", "unsafe", "ONSET"),
        ("1", "unsafe", ""),  # the behaviour code
        ("Jumping from height", "unsafe", "Lying after"),
    ],
)
def test_ids_codes_and_display_names_are_accepted(proj, tmp_path, behaviour, safety, phase):
    if behaviour.startswith("Jumping"):
        phase = "recovery"
    import_labels(proj, _csv(tmp_path, [f"walk,0,1,{behaviour},{safety},{phase},,"]))
    (s,) = proj.segments()
    assert s.behaviour == ("jumping_from_height" if behaviour.startswith("Jumping") else "losing_balance")
    assert s.safety == "unsafe" and s.phase in (None, "onset", "recovery")


def test_an_unknown_name_lists_what_is_known(proj, tmp_path):
    with pytest.raises(InputError, match=r"unknown behaviour 'Losing ballance'.*losing_balance \(Losing balance\)"):
        import_labels(proj, _csv(tmp_path, ["walk,0,1,Losing ballance,unsafe,,,"]))


@pytest.mark.parametrize(
    "row, words",
    [
        ("walk,0,1,walking,safe,impact,,", "phase 'impact' does not belong to behaviour 'walking'"),
        ("walk,0,1,losing_balance,unsafe,impact,,", "phase 'impact' does not belong to behaviour 'losing_balance'"),
    ],
)
def test_a_phase_is_checked_against_its_behaviour(proj, tmp_path, row, words):
    with pytest.raises(InputError, match=words):
        import_labels(proj, _csv(tmp_path, [row]))


# -- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "row, words",
    [
        ("walk,1_0,2,walking,safe,,,", "start_s must be a number"),
        ("walk,0,1_0,walking,safe,,,", "end_s must be a number"),
        ("walk,0,1,falling,unsafe,,1_0,", "severity must be a whole number"),
        ("walk,0,1,falling,unsafe,,2,0_5", "confidence must be a number"),
        ("walk,0,0x1,walking,safe,,,", "end_s must be a number"),
        ("walk,0,1e999999999,walking,safe,,,", "lies outside clip"),
        ("walk,-1e999999999,1,walking,safe,,,", "lies outside clip"),
        ("walk,1e-999999999,1,walking,safe,,,", None),  # = 0 s: fine
        ("walk,0,inf,walking,safe,,,", "must be a finite number"),
        ("walk,0,1,falling,unsafe,,２,", "severity must be a whole number"),  # a full-width digit
        ("walk,0,1,falling,unsafe,," + "9" * 5000 + ",", "severity must be a whole number"),  # int() refuses 4300+
    ],
)
def test_numbers_are_read_strictly(proj, tmp_path, row, words):
    f = _csv(tmp_path, [row])
    if words is None:
        import_labels(proj, f)
        assert proj.segments()[0].start_frame == 0
        return
    with pytest.raises(InputError, match=words):
        import_labels(proj, f)
    assert proj.segments() == []


def test_a_huge_exponent_does_not_spin_while_holding_the_lock(tmp_path):
    """'1e999999999' spun at full CPU (an exact fraction with a billion digits) holding the writer lock."""
    folder = make_project(tmp_path / "P", subjects=("S1",), clips_per_subject=1, seconds=4.0, labels=False)
    f = _csv(tmp_path, ["s1_0,0,1e999999999,walking,safe,,,", "s1_0,1e-999999999,1,walking,safe,,,"])
    try:
        r = subprocess.run(
            [sys.executable, "-m", "imu2safety.app.cli", "project", "import-labels", str(folder), str(f)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("import-labels spun on a huge exponent")
    assert r.returncode == 2 and "l.csv:2:" in r.stderr and "outside clip" in r.stderr, r.stderr
