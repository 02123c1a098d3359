"""The session model driven without Qt: it follows the project's edits, and says so in events."""

import sys

import numpy as np
import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project
from imu2safety.core.session.session import Session
from imu2safety.core.sim.devices import load_preset
from imu2safety.core.sim.simulate import SimConfig, simulate


@pytest.fixture
def project(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=2, seconds=3.0)
    p = Project.open(folder, who="tester")
    yield p
    p.close()


class Recorder:
    def __init__(self, session):
        self.events = []
        session.connect(self)

    def __call__(self, event, session):
        self.events.append(event)

    def take(self):
        out, self.events = self.events, []
        return out


@pytest.fixture
def session(project):
    problems = []
    s = Session(report=problems.append)
    s.problems = problems
    s.set_project(project)
    s.open_clip(project.clips()[0].id)
    yield s
    s.close_project()


def test_the_session_runs_without_qt():
    import subprocess

    code = (
        "import sys; sys.modules['PySide6'] = None; "
        "from imu2safety.core.session.session import Session; "
        "s = Session(); print(s.project, s.clip, s.playhead.n_frames)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "None", "1"]


def test_opening_a_project_and_a_clip(project):
    s = Session()
    rec = Recorder(s)
    frames = []
    s.playhead.connect(lambda ev, ph: frames.append((ev, ph.frame)))
    s.set_project(project)
    assert rec.take() == ["project", "clips"] and s.clip is None
    clip = project.clips()[1]
    project.execute(C.SetTrim(clip.id, 10, 60))
    assert rec.take() == ["clips"]  # no clip on show yet: only the list changed
    s.open_clip(clip.id)
    assert rec.take() == ["clip", "stale"]
    assert s.clip.id == clip.id and s.motion.n_frames == clip.n_frames
    assert [x.id for x in s.segments] == [x.id for x in project.segments(clip.id)]
    assert s.device.id == "watch-bmi270" and not s.device_edited and s.profile_name == "watch-bmi270"
    assert s.video is None and s.selected is None and s.open_start is None
    # the playhead takes the clip right after "clip": its length, rate and trim
    assert s.playhead.n_frames == clip.n_frames and s.playhead.fps == clip.fps
    assert s.playhead.frame == 10 and s.playhead.range == (10, 59)
    assert ("frame", 10) in frames
    assert s.segment_counts() == {c.id: 2 for c in project.clips()}


def test_a_clip_that_cannot_be_read_changes_nothing(session):
    before = session.clip
    with pytest.raises(InputError):
        session.open_clip("no-such-clip")
    assert session.clip is before


def test_the_session_follows_edits_made_on_the_project(session, project):
    rec = Recorder(session)
    cid = session.clip.id
    project.execute(C.SetTrim(cid, 5, 40))
    assert rec.take() == ["trim", "clips", "stale"] and session.playhead.range == (5, 39)
    project.execute(C.UpdateClip(cid, wrist="right"))
    assert rec.take() == ["wrist", "clips", "stale"] and session.clip.wrist == "right"
    project.execute(C.UpdateClip(cid, seed=11))
    assert rec.take() == ["seed", "clips", "stale"]
    project.execute(C.UpdateClip(cid, profile="ideal"))
    assert rec.take() == ["profile", "clips", "stale"] and session.device.id == "ideal"
    project.undo()
    assert rec.take() == ["profile", "clips", "stale"] and session.device.id == "watch-bmi270"
    project.execute(C.SetProfile("mine", dict(load_preset("ideal").data, id="mine")))
    assert rec.take() == ["profiles", "clips"] and set(session.profiles) == {"mine"}
    project.execute(C.AddSegment(cid, 3, 9, "fighting", "unsafe"))
    assert rec.take() == ["segments", "clips"] and len(session.segments) == 3
    # edits to another clip touch only the list of clips
    other = [c.id for c in project.clips() if c.id != cid][0]
    project.execute(C.SetTrim(other, 1, 20))
    assert rec.take() == ["clips"]


def test_deleting_the_selected_segment_clears_the_selection(session, project):
    seg = session.segments[1]
    rec = Recorder(session)
    session.select(seg.id)
    assert session.selected == seg.id and session.segment(seg.id) == seg
    session.select(seg.id)  # again: observers show it afresh
    assert rec.take() == ["selection", "selection"]
    project.execute(C.DeleteSegment(seg.id))
    assert session.selected is None and session.segment(seg.id) is None
    assert rec.take() == ["segments", "clips"]
    project.undo()
    assert session.segment(seg.id) is not None and session.selected is None


def test_deleting_the_clip_on_show_opens_the_first_one_left_then_none(session, project):
    first, second = sorted(c.id for c in project.clips())
    session.open_clip(second)
    rec = Recorder(session)
    project.execute(C.DeleteClip(second))
    assert session.clip.id == first and "clip" in rec.take()
    project.execute(C.DeleteClip(first))
    assert session.clip is None and session.motion is None and session.segments == []
    assert session.playhead.n_frames == 1 and session.simulation_job() is None
    assert rec.take()[-1] == "clip"
    project.undo()  # the clip comes back in the list; nothing is opened behind the user's back
    assert rec.take() == ["clips"] and session.clip is None


def test_open_and_close_a_segment_either_way_round(session):
    rec = Recorder(session)
    session.playhead.seek(40)
    assert session.open_segment() == 40
    session.playhead.seek(12)
    assert session.close_open_segment() == (12, 41)  # half-open, the playhead's frame included
    assert session.open_start is None
    assert session.open_segment(7) == 7 and session.cancel_open_segment()
    assert not session.cancel_open_segment()
    assert rec.take() == ["open_segment"] * 4
    with pytest.raises(InputError):
        session.close_open_segment()


def test_live_device_edits_are_flagged_until_saved_or_undone(session):
    base = session.device
    rec = Recorder(session)
    tuned = base.with_changes({"accelerometer.noise_density_ug_per_rthz": 8000.0})
    session.set_device(tuned)
    assert session.device is tuned and session.device_edited
    assert rec.take() == ["device", "stale"]
    session.set_device(base)  # back to the clip's own device: nothing to save
    assert not session.device_edited
    session.set_device(tuned, edited=False)
    assert not session.device_edited
    session.set_device(tuned)
    session.mark_device_saved()
    assert not session.device_edited and rec.take()[-1] == "device"


def test_the_simulation_job_is_what_the_export_simulates(session, project):
    cid = session.clip.id
    project.execute(C.SetTrim(cid, 15, 75))
    job = session.simulation_job()
    assert job.config.wrist == session.clip.wrist and job.config.seed == session.clip.seed
    rec = Recorder(session)
    sig, ms = job.run()
    session.set_signal(sig, ms)
    assert rec.take() == ["signal"] and session.signal is sig and session.signal_count == 1 and ms > 0
    ref = simulate(
        project.load_motion(cid, trimmed=True),
        project.device_for(cid),
        SimConfig(wrist=session.clip.wrist, seed=int(session.clip.seed)),
    )
    assert np.array_equal(sig.acc, ref.acc, equal_nan=True)
    # times are on the source clip: the first sample at the trim-in
    assert sig.time[0] == pytest.approx(ref.time[0] + 15 / float(session.clip.fps))
    # a new clip drops the old clip's result
    session.open_clip([c.id for c in project.clips() if c.id != cid][0])
    assert session.signal is None and session.signal_count == 1


def test_a_video_that_does_not_open_is_reported_and_the_clip_opens(session, project):
    cid = session.clip.id
    project.db.execute("UPDATE clips SET video_path='gone.mp4' WHERE id=?", (cid,))  # a damaged project
    session.open_clip(cid)
    assert session.clip.id == cid and session.motion is not None
    assert session.video is None and session.video_path == project.folder / "gone.mp4"
    assert len(session.problems) == 1 and "gone.mp4" in session.problems[0]


def test_closing_releases_the_project(session, project):
    folder = project.folder
    rec = Recorder(session)
    session.close_project()
    assert session.project is None and session.clip is None
    assert rec.take() == ["clip", "project"]
    with Project.open(folder) as again:  # the writer lock is free
        assert again.clips()
    session.close_project()  # twice is fine
    assert rec.take() == []


def test_when_the_clip_left_cannot_be_read_no_clip_is_shown(session, project):
    first, second = sorted(c.id for c in project.clips())
    session.open_clip(second)
    project.motion_file(first).unlink()  # the other clip's motion is gone from the cache
    project.execute(C.DeleteClip(second))  # the edit itself is not refused
    assert session.clip is None and session.motion is None
    assert len(session.problems) == 1 and first in session.problems[0]
    assert [c.id for c in project.clips()] == [first]
