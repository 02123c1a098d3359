"""Project store: opening and locking, commands with undo/redo, the edit log, migrations, crashes."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from project_factory import NTSC, motion_file

from imu2safety.core.base.errors import InputError
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project
from imu2safety.core.project.store import DB_NAME, SCHEMA_VERSION, connect, migrate
from imu2safety.core.sim.devices import load_preset

HERE = Path(__file__).parent


@pytest.fixture
def proj(tmp_path):
    src = motion_file(tmp_path, "walk", seconds=5.0)
    p = Project.create(tmp_path / "p", who="ann")
    clip = p.add_clip(src, subject="S1")
    yield p, clip
    p.close()


def test_create_refuses_non_empty_folder_and_open_needs_a_project(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file.txt").write_text("hi")
    with pytest.raises(InputError, match="not empty"):
        Project.create(tmp_path / "x")
    with pytest.raises(InputError, match="not a project folder"):
        Project.open(tmp_path / "x")
    with pytest.raises(InputError, match="no such project folder"):
        Project.open(tmp_path / "nope")


def test_clip_fields_are_exact(proj, tmp_path):
    p, clip = proj
    assert clip.fps == Fraction(30000, 1001)
    assert clip.n_frames == round(5.0 * NTSC)
    assert (clip.trim_in, clip.trim_out) == (0, clip.n_frames)
    assert clip.subject == "S1" and clip.wrist == "left"
    assert (p.folder / clip.motion_path).is_file()  # copied into the project cache
    import hashlib

    assert clip.motion_sha256 == hashlib.sha256((tmp_path / "walk.npz").read_bytes()).hexdigest()
    m = p.load_motion(clip.id)
    assert m.n_frames == clip.n_frames


def test_add_segment_seconds_are_exact_fractions(proj):
    p, clip = proj
    cmd = p.execute(
        C.AddSegment(clip.id, 1001, 1002 if clip.n_frames > 1002 else 30, "falling", "unsafe")
        if False
        else C.AddSegment(clip.id, 30, 60, "falling", "unsafe")
    )
    s = p.segment(cmd.segment_id)
    assert s.start_s == Fraction(30 * 1001, 30000) and s.end_s == Fraction(60 * 1001, 30000)
    assert s.annotator == "ann"


def test_undo_redo_add_update_delete_restore_rows(proj):
    p, clip = proj
    add = p.execute(C.AddSegment(clip.id, 10, 40, "falling", "unsafe", phase="impact", severity=3))
    sid = add.segment_id
    original = p.segment(sid)
    p.execute(C.UpdateSegment(sid, behaviour="fainting", confidence=0.5))
    assert p.segment(sid).behaviour == "fainting"
    p.execute(C.DeleteSegment(sid))
    assert p.segments(clip.id) == []
    p.undo()
    assert p.segment(sid).behaviour == "fainting"
    p.undo()
    assert p.segment(sid) == original
    p.undo()
    assert p.segments(clip.id) == []
    p.redo()
    assert p.segment(sid) == original
    assert p.can_redo() and p.redo_text() == "edit segment"
    p.execute(C.UpdateSegment(sid, end_frame=50))  # a new edit clears the redo stack
    assert not p.can_redo()


def test_drag_steps_merge_into_one_undo_step(proj):
    p, clip = proj
    sid = p.execute(C.AddSegment(clip.id, 10, 40, "walking", "safe")).segment_id
    for end in range(41, 60):
        p.execute(C.UpdateSegment(sid, merge_key="drag-1", end_frame=end))
    p.execute(C.UpdateSegment(sid, merge_key="drag-2", start_frame=5))
    assert (p.segment(sid).start_frame, p.segment(sid).end_frame) == (5, 59)
    p.undo()
    assert (p.segment(sid).start_frame, p.segment(sid).end_frame) == (10, 59)
    p.undo()  # the whole first drag at once
    assert p.segment(sid).end_frame == 40
    assert p.undo_text() == "add segment"


def test_delete_clip_undo_restores_its_segments(proj):
    p, clip = proj
    p.execute(C.AddSegment(clip.id, 10, 40, "walking", "safe"))
    p.execute(C.AddSegment(clip.id, 50, 70, "shoving", "unsafe"))
    before = p.segments(clip.id)
    p.execute(C.DeleteClip(clip.id))
    assert p.clips() == [] and p.segments() == []
    p.undo()
    assert p.segments(clip.id) == before and p.clip(clip.id) == clip


def test_bad_edits_change_nothing_and_log_nothing(proj):
    p, clip = proj
    n_log = len(p.history())
    for bad in (
        C.AddSegment(clip.id, 10, 5, "walking", "safe"),
        C.AddSegment(clip.id, 0, clip.n_frames + 1, "walking", "safe"),
        C.AddSegment(clip.id, 0, 10, "flying", "safe"),
        C.AddSegment(clip.id, 0, 10, "walking", "dangerous"),
        C.AddSegment(clip.id, 0, 10, "walking", "safe", severity=2),
        C.AddSegment(clip.id, 0, 10, "walking", "safe", confidence=1.5),
        C.AddSegment("nope", 0, 10, "walking", "safe"),
        C.SetTrim(clip.id, 10, 10),
        C.UpdateClip(clip.id, wrist="ankle"),
    ):
        with pytest.raises(InputError):
            p.execute(bad)
    assert p.segments() == [] and len(p.history()) == n_log
    assert p.clip(clip.id) == clip


def test_batch_is_one_transaction(proj):
    p, clip = proj
    good = C.AddSegment(clip.id, 0, 10, "walking", "safe")
    bad = C.AddSegment(clip.id, 0, 10, "walking", "nonsense")
    with pytest.raises(InputError):
        p.execute(C.Batch([good, bad], "two"))
    assert p.segments() == []
    p.execute(
        C.Batch(
            [C.AddSegment(clip.id, 0, 10, "walking", "safe"), C.AddSegment(clip.id, 10, 20, "running", "safe")], "two"
        )
    )
    assert len(p.segments()) == 2
    p.undo()
    assert p.segments() == []


def test_edit_log_records_who_what_before_after(proj):
    p, clip = proj
    sid = p.execute(C.AddSegment(clip.id, 10, 40, "walking", "safe")).segment_id
    p.execute(C.UpdateSegment(sid, end_frame=45))
    p.undo()
    log = p.history()
    assert [e.action for e in log[-3:]] == ["do", "do", "undo"]
    upd = log[-2]
    assert upd.who == "ann" and upd.command == "UpdateSegment"
    (ch,) = upd.changes
    assert ch.before["end_frame"] == 40 and ch.after["end_frame"] == 45
    # append-only: the log only grows
    n = len(log)
    p.redo()
    assert len(p.history()) == n + 1 and p.history()[-1].action == "redo"


def test_undo_stack_survives_reopening(tmp_path):
    src = motion_file(tmp_path, "walk", seconds=3.0)
    with Project.create(tmp_path / "p") as p:
        clip = p.add_clip(src)
        sid = p.execute(C.AddSegment(clip.id, 10, 40, "walking", "safe")).segment_id
        for end in (41, 42, 43):
            p.execute(C.UpdateSegment(sid, merge_key="d", end_frame=end))
        p.execute(C.SetTrim(clip.id, 5, 80))
        p.undo()
    with Project.open(tmp_path / "p") as p:
        assert p.clip(clip.id).trim_in == 0
        assert p.redo_text() == "trim clip"
        p.undo()  # the merged drag
        assert p.segment(sid).end_frame == 40
        p.undo()
        assert p.segments() == []


def test_subscribers_hear_every_commit(proj):
    p, clip = proj
    events = []
    tok = p.subscribe(events.append)
    sid = p.execute(C.AddSegment(clip.id, 10, 40, "walking", "safe")).segment_id
    p.undo()
    p.unsubscribe(tok)
    p.redo()
    assert [e.action for e in events] == ["do", "undo"]
    assert events[0].tables == {"segments"} and events[0].clip_ids == {clip.id}
    assert p.segment(sid)


def test_profiles_are_editable_preset_copies(proj):
    p, clip = proj
    data = load_preset("watch-bmi270").with_changes({"gyroscope.bits": 12}).data
    p.execute(C.SetProfile("cheap watch", data, base="watch-bmi270"))
    p.execute(C.UpdateClip(clip.id, profile="cheap watch", seed=7))
    dev = p.device_for(clip.id)
    assert dev.data["gyroscope"]["bits"] == 12 and p.clip(clip.id).seed == 7
    assert p.device_for(clip.id, override="ideal").is_ideal
    with pytest.raises(InputError, match="used by clip"):
        p.execute(C.DeleteProfile("cheap watch"))
    bad = dict(data, output_rate_hz=-1)
    with pytest.raises(InputError):
        p.execute(C.SetProfile("broken", bad))
    with pytest.raises(InputError, match="unknown device preset"):
        p.execute(C.UpdateClip(clip.id, profile="no-such-thing"))


def test_taxonomy_extension_adds_behaviours_with_new_codes(proj):
    p, clip = proj
    p.execute(
        C.SetTaxonomyExtension(
            {
                "behaviours": [
                    {
                        "id": "climbing",
                        "name": "Climbing",
                        "group": "safety_critical",
                        "colour": "#882255",
                        "phases": [],
                    }
                ]
            }
        )
    )
    assert p.taxonomy.code("climbing") == 100
    sid = p.execute(C.AddSegment(clip.id, 0, 10, "climbing", "unsafe")).segment_id
    with pytest.raises(InputError, match="used by segments"):
        p.execute(C.SetTaxonomyExtension(None))
    p.execute(C.DeleteSegment(sid))
    p.execute(C.SetTaxonomyExtension(None))
    assert "climbing" not in p.taxonomy.behaviours
    p.undo()
    assert p.taxonomy.code("climbing") == 100


def test_trim_is_frame_exact(proj):
    p, clip = proj
    p.execute(C.SetTrim(clip.id, 17, 101))
    c = p.clip(clip.id)
    assert c.duration_s == Fraction(84 * 1001, 30000)
    m_full, m_trim = p.load_motion(clip.id), p.load_motion(clip.id, trimmed=True)
    assert m_trim.n_frames == 84
    np.testing.assert_array_equal(m_trim.joints, m_full.joints[17:101])


# -- locking ---------------------------------------------------------------------------------------


def test_second_writer_is_refused_reader_allowed(proj):
    p, clip = proj
    with pytest.raises(InputError, match=rf"project is open elsewhere \(pid {os.getpid()}\)"):
        Project.open(p.folder)
    code = (
        f"from imu2safety.core.project.project import Project\n"
        f"try:\n    Project.open({str(p.folder)!r})\nexcept Exception as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert f"project is open elsewhere (pid {os.getpid()})" in out.stdout
    p.execute(C.AddSegment(clip.id, 0, 10, "walking", "safe"))
    with Project.open(p.folder, readonly=True) as r:
        assert len(r.segments()) == 1
        with pytest.raises(InputError, match="read-only"):
            r.execute(C.AddSegment(clip.id, 0, 10, "walking", "safe"))
    p.close()
    with Project.open(p.folder) as again:  # released on close
        assert len(again.segments()) == 1


KILL_EDITOR = textwrap.dedent("""
    import sys
    from imu2safety.core.project import commands as C
    from imu2safety.core.project.project import Project
    p = Project.open(sys.argv[1])
    clip = p.clips()[0].id
    i = 0
    while True:
        p.execute(C.AddSegment(clip, i % 100, i % 100 + 5, "walking", "safe"))
        if i % 3 == 0:
            p.undo(); p.redo()
        i += 1
        print(i, flush=True)
""")


@pytest.mark.parametrize("kill_after", [1, 17, 40])
def test_kill_9_during_edits_loses_at_most_the_edit_in_flight(proj, kill_after):
    p, clip = proj
    folder = p.folder
    p.close()
    proc = subprocess.Popen([sys.executable, "-c", KILL_EDITOR, str(folder)], stdout=subprocess.PIPE, text=True)
    last = 0
    for line in proc.stdout:
        last = int(line)
        if last >= kill_after:
            break
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    for line in rest.split():
        last = int(line)
    with Project.open(folder) as q:  # the lock died with the process
        assert q.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = len(q.segments())
        assert last <= n <= last + 1
        log = q.history()
        # log and data committed together: the editor may have been killed between an undo and its redo
        sign = {"do": 1, "redo": 1, "undo": -1}
        live = sum(sign[e.action] for e in log if e.command == "AddSegment")
        assert live == n
        # every segment in the database has the fields of a complete edit
        assert all(s.end_frame - s.start_frame == 5 for s in q.segments())
        q.undo()  # the rebuilt undo stack works
        assert len(q.segments()) == n - 1


# -- migrations ------------------------------------------------------------------------------------


def test_migration_from_v1(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    db = connect(folder, create=True)
    migrate(db, target=1)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.execute("INSERT INTO meta VALUES ('name', 'old')")
    db.execute(
        "INSERT INTO clips (id, motion_path, motion_sha256, source_path, subject, fps, n_frames, trim_in,"
        " trim_out, notes, added_utc) VALUES ('c1', NULL, NULL, NULL, 'S9', 29.97002997, 300, 3, 290, "
        "'old note', '2020-01-01T00:00:00Z')"
    )
    db.execute(
        "INSERT INTO segments (clip_id, start_frame, end_frame, behaviour, safety, confidence, annotator,"
        " created_utc, modified_utc) VALUES ('c1', 30, 60, 'falling', 'unsafe', 0.8, 'x', 't', 't')"
    )
    db.close()
    with Project.open(folder) as p:
        assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        c = p.clip("c1")
        assert c.fps == Fraction(30000, 1001) and (c.trim_in, c.trim_out) == (3, 290)
        assert c.notes == "old note" and c.wrist == "left" and c.profile is None
        (s,) = p.segments()
        assert s.phase is None and s.severity is None and not s.occluded
        assert s.start_s == Fraction(30 * 1001, 30000)
        p.execute(C.UpdateSegment(s.id, phase="impact"))  # the new columns work
        assert p.segment(s.id).phase == "impact"


def test_newer_schema_is_refused(tmp_path):
    with Project.create(tmp_path / "p"):
        pass
    db = sqlite3.connect(tmp_path / "p" / DB_NAME)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(InputError, match="newer than this program"):
        Project.open(tmp_path / "p")


def test_project_uses_wal_and_foreign_keys(proj):
    p, _ = proj
    assert p.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert p.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_cached_motion_is_checked_and_never_reused_for_another_clip(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = motion_file(tmp_path / "a", "walk", seconds=2.0)
    b = motion_file(tmp_path / "b", "walk", seconds=3.0)
    with Project.create(tmp_path / "p") as p:
        first = p.add_clip(a)
        p.execute(C.DeleteClip(first.id))
        second = p.add_clip(b)  # same stem: must not overwrite the deleted clip's copy
        assert second.id != first.id
        p.undo()
        p.undo()  # the first clip comes back with its own motion
        assert p.load_motion(first.id).n_frames == first.n_frames
        (p.folder / first.motion_path).write_bytes(b.read_bytes())  # tampered cache
        with pytest.raises(InputError, match="changed since it was added"):
            p.load_motion(first.id)


def test_edit_log_is_append_only_in_the_database(proj):
    p, clip = proj
    p.execute(C.AddSegment(clip.id, 0, 10, "walking", "safe"))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        p.db.execute("DELETE FROM edit_log")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        p.db.execute("UPDATE edit_log SET who='mallory'")
    assert {e.who for e in p.history()} == {"ann"}


def test_a_failed_migration_changes_nothing(tmp_path, monkeypatch):
    from imu2safety.core.project import store as project_store

    folder = tmp_path / "old"
    folder.mkdir()
    db = connect(folder, create=True)
    migrate(db, target=1)
    db.execute(
        "INSERT INTO clips (id, subject, fps, n_frames, trim_in, trim_out, added_utc) "
        "VALUES ('c1', 'S1', 25.0, 100, 0, 100, 't')"
    )
    db.close()
    real = project_store.MIGRATIONS[1]

    def half_done(db, folder=None):
        project_store._script(db, "ALTER TABLE clips ADD COLUMN fps_num INTEGER NOT NULL DEFAULT 0")
        raise RuntimeError("power cut")

    monkeypatch.setitem(project_store.MIGRATIONS, 1, half_done)
    with pytest.raises(RuntimeError, match="power cut"):
        Project.open(folder)
    db = connect(folder, readonly=True)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert "fps_num" not in [r[1] for r in db.execute("PRAGMA table_info(clips)")]
    db.close()
    monkeypatch.setitem(project_store.MIGRATIONS, 1, real)
    with Project.open(folder) as p:  # the lock was released; the migration now runs
        assert p.clip("c1").fps == 25
