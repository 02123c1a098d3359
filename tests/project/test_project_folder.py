"""A project reads and writes only inside its own folder, survives damage with one-line errors, and
can be read from read-only storage (issue 11)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from project_factory import make_project, motion_file

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.project.project import Project


def _err(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imu2safety: error: "), err
    assert "internal error" not in err[0] and "Traceback" not in err[0]
    for n in needles:
        assert n in err[0], err
    return err[0]


def _sql(folder, sql, *args):
    db = sqlite3.connect(Path(folder) / "project.sqlite")
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute(sql, args)
    db.commit()
    db.close()


@pytest.fixture
def proj(tmp_path):
    return make_project(tmp_path / "P", subjects=("S1", "S2", "S3"), clips_per_subject=1, seconds=3.0)


# -- nothing outside the folder -----------------------------------------------------------------------


def test_a_symlinked_lock_is_refused_and_its_target_untouched(tmp_path, proj, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (proj / "project.lock").unlink()
    (proj / "project.lock").symlink_to(victim)
    m = motion_file(tmp_path, "w", seconds=2.0)
    assert main(["project", "add", str(proj), str(m)]) == 2
    _err(capsys, "project.lock", "symbolic link")
    assert victim.read_text() == "precious"
    with pytest.raises(InputError, match="symbolic link"):
        Project.open(proj)


@pytest.mark.parametrize("link", ["cache", "cache/motion"])
def test_a_symlinked_cache_folder_is_refused(tmp_path, proj, capsys, link):
    outside = tmp_path / "outside"
    (proj / link).rename(outside)
    (proj / link).symlink_to(outside)
    before = sorted(p.name for p in outside.rglob("*"))
    assert main(["project", "add", str(proj), str(motion_file(tmp_path, "w", seconds=2.0))]) == 2
    _err(capsys, link, "symbolic link")
    assert sorted(p.name for p in outside.rglob("*")) == before  # nothing written outside


@pytest.mark.parametrize("name", ["project.sqlite", "project.sqlite-wal"])
def test_symlinked_database_files_are_refused(tmp_path, proj, capsys, name):
    real = tmp_path / "elsewhere.bin"
    if (proj / name).exists():
        (proj / name).rename(real)
    else:
        real.write_bytes(b"")
    (proj / name).symlink_to(real)
    assert main(["project", "info", str(proj)]) == 2
    _err(capsys, name, "symbolic link")


@pytest.mark.parametrize(
    "motion_path, sha",
    [
        ("{outside}", ""),  # absolute, hash check skipped when empty
        ("../outside/secret.npz", ""),
        ("../outside/secret.npz", None),
        ("cache/motion/../../../outside/secret.npz", "{sha}"),
        ("cache/motion/s1_0.npz", ""),  # its own file but no hash: never read unchecked
    ],
)
def test_a_store_cannot_point_a_clip_outside_the_project(tmp_path, proj, capsys, motion_path, sha):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.npz"
    secret.write_bytes((proj / "cache" / "motion" / "s2_0.npz").read_bytes())
    import hashlib

    real_sha = hashlib.sha256(secret.read_bytes()).hexdigest()
    mp = motion_path.format(outside=secret)
    _sql(
        proj,
        "UPDATE clips SET motion_path=?, motion_sha256=? WHERE id='s1_0'",
        mp,
        None if sha is None else sha.format(sha=real_sha),
    )
    assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 2
    _err(capsys, "s1_0")
    assert not (tmp_path / "d.h5").exists()
    with Project.open(proj, readonly=True) as p, pytest.raises(InputError, match="s1_0"):
        p.load_motion("s1_0")


def test_a_cache_file_swapped_for_a_link_is_refused(tmp_path, proj):
    outside = tmp_path / "o.npz"
    f = proj / "cache" / "motion" / "s1_0.npz"
    f.rename(outside)
    f.symlink_to(outside)  # same bytes, same hash: still outside the folder
    with Project.open(proj, readonly=True) as p, pytest.raises(InputError, match="symbolic link"):
        p.load_motion("s1_0")
    with pytest.raises(InputError, match="symbolic link"):
        export_dataset(proj, tmp_path / "d.h5", ExportConfig(val=0, test=0))


# -- a lost or damaged database ---------------------------------------------------------------------------


def test_a_zero_byte_database_is_refused_not_recreated(proj, capsys):
    with Project.open(proj):  # a writable open keeps a backup of the database
        pass
    backups = sorted((proj / "backups").glob("project-*.sqlite"))
    assert backups
    (proj / "project.sqlite").write_bytes(b"")
    for argv in (
        ["project", "info", str(proj)],
        ["project", "add", str(proj), str(proj / "x.npz")],
        ["export", str(proj), "--out", str(proj.parent / "d.h5"), "--quiet"],
    ):
        assert main(argv) == 2
        line = _err(capsys, "project.sqlite", "empty (0 bytes)")
        assert str(backups[-1].name) in line
    assert (proj / "project.sqlite").stat().st_size == 0  # not silently recreated as an empty project
    (proj / "project.sqlite").write_bytes(backups[-1].read_bytes())  # what the message says to do
    with Project.open(proj, readonly=True) as p:
        assert len(p.clips()) == 3 and len(p.segments()) == 6


def test_a_zero_byte_database_without_backup_points_to_the_cache(tmp_path, capsys):
    folder = tmp_path / "P"
    Project.create(folder).close()
    (folder / "project.sqlite").write_bytes(b"")
    assert main(["project", "info", str(folder)]) == 2
    _err(capsys, "empty (0 bytes)", "cache/motion")


def test_backups_are_kept_few_and_only_when_something_changed(tmp_path, proj):
    for _ in range(3):
        Project.open(proj).close()
    assert len(list((proj / "backups").glob("project-*.sqlite"))) == 1  # nothing changed in between
    for i in range(8):
        with Project.open(proj) as p:
            p.execute(__import__("imu2safety.core.project.commands", fromlist=["x"]).UpdateClip("s1_0", notes=str(i)))
    kept = sorted((proj / "backups").glob("project-*.sqlite"))
    assert 1 < len(kept) <= 5
    db = sqlite3.connect(kept[-1])
    assert db.execute("SELECT notes FROM clips WHERE id='s1_0'").fetchone()[0] == "6"  # as the last session began


def _corrupt_table_root(folder, table):
    db = sqlite3.connect(folder / "project.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name=?", (table,)).fetchone()[0]
    db.close()
    with open(folder / "project.sqlite", "r+b") as fh:
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * 64)


@pytest.mark.parametrize("table", ["clips", "segments", "edit_log"])
def test_a_corrupted_btree_page_is_a_one_line_error(tmp_path, proj, capsys, table):
    _corrupt_table_root(proj, table)
    for argv in (
        ["project", "info", str(proj)],
        ["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"],
        ["project", "add", str(proj), str(motion_file(tmp_path, "w", seconds=2.0))],
        ["project", "export-labels", str(proj), str(tmp_path / "l.csv")],
    ):
        assert main(argv) == 2, argv
        _err(capsys, "project.sqlite", "damaged")


@pytest.mark.parametrize(
    "table, column",
    [("clips", "subject"), ("clips", "id"), ("segments", "behaviour"), ("profiles", "name"), ("meta", "value")],
)
def test_invalid_utf8_in_the_store_is_a_one_line_error(tmp_path, proj, capsys, table, column):
    with Project.open(proj) as p:
        from imu2safety.core.project import commands as C
        from imu2safety.core.sim.devices import load_preset

        p.execute(C.SetProfile("watch", load_preset("watch-bmi270").data))
    _sql(proj, f"UPDATE {table} SET {column}=CAST(X'caff41' AS TEXT) WHERE rowid=(SELECT min(rowid) FROM {table})")
    for argv in (
        ["project", "info", str(proj)],
        ["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"],
        ["project", "export-labels", str(proj), str(tmp_path / "l.csv")],
    ):
        rc = main(argv)
        err = capsys.readouterr().err
        assert "internal error" not in err and "Traceback" not in err, err
        if rc != 0:
            assert rc == 2 and "not valid UTF-8" in err and len(err.strip().splitlines()) == 1, err


# -- read-only storage and a project open elsewhere -------------------------------------------------------


def _read_only(folder):
    """Make ``folder`` read-only for real (chattr +i as root, chmod otherwise). Returns an undo."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("as root a folder is read-only only with chattr +i")
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


def test_a_project_on_read_only_storage_can_be_read_and_exported(tmp_path, proj, capsys):
    for name in ("project.sqlite-wal", "project.sqlite-shm"):
        assert not (proj / name).exists()  # a cleanly closed project: SQLite cannot create them there
    undo = _read_only(proj)
    try:
        assert main(["project", "info", str(proj)]) == 0
        assert "3 clip(s), 6 segment(s)" in capsys.readouterr().out
        assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 0
        assert main(["project", "export-labels", str(proj), str(tmp_path / "l.csv")]) == 0
        assert len((tmp_path / "l.csv").read_text().splitlines()) == 7
        capsys.readouterr()
        assert main(["project", "add", str(proj), str(motion_file(tmp_path, "w", seconds=2.0))]) == 2
        _err(capsys, "read-only")
    finally:
        undo()


def test_reading_commands_work_while_another_process_edits(tmp_path, proj, capsys):
    with Project.open(proj) as p:
        assert main(["project", "add", str(proj), str(motion_file(tmp_path, "w", seconds=2.0))]) == 2
        line = _err(capsys, "open elsewhere", f"pid {os.getpid()}")
        assert "project info" in line  # says what still works
        assert main(["project", "info", str(proj)]) == 0
        out = capsys.readouterr().out
        assert "3 clip(s)" in out and f"being edited by process {os.getpid()}" in out
        p.execute(__import__("imu2safety.core.project.commands", fromlist=["x"]).UpdateClip("s1_0", subject="S9"))
        assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 0


# -- orphans of a killed add ----------------------------------------------------------------------------------


def test_orphan_cache_files_of_a_killed_add_are_removed_on_the_next_open(tmp_path, proj, capsys):
    """kill -9 between copying the motion and committing the clip left cache files no clip uses."""
    m = motion_file(tmp_path, "walk", seconds=2.0)
    cache = proj / "cache" / "motion"
    (cache / "walk.npz").write_bytes(m.read_bytes())  # copied, never committed
    (cache / ".walk.npz.abcd1234.npz").write_bytes(b"PK half")  # a half-written copy
    keep = set(os.listdir(cache)) - {"walk.npz", ".walk.npz.abcd1234.npz"}
    assert main(["project", "add", str(proj), str(m)]) == 0
    assert capsys.readouterr().out.strip() == "walk"  # not walk-2
    assert set(os.listdir(cache)) == keep | {"walk.npz"}
    with Project.open(proj, readonly=True) as p:
        p.load_motion("walk")


def test_a_deleted_clips_file_stays_while_the_log_can_bring_it_back(tmp_path, proj):
    from imu2safety.core.project import commands as C

    with Project.open(proj) as p:
        p.execute(C.DeleteClip("s1_0"))
    with Project.open(proj) as p:  # reopening must not sweep it: undo brings the clip back
        assert (proj / "cache" / "motion" / "s1_0.npz").is_file()
        p.undo()
        p.load_motion("s1_0")


def test_a_killed_add_really_leaves_nothing_behind(tmp_path, proj):
    """kill -9 at random moments of 'project add': the next open leaves the cache consistent."""
    m = motion_file(tmp_path, "big", seconds=60.0)
    code = (
        "import sys; from imu2safety.core.project.project import Project\n"
        "p = Project.open(sys.argv[1]); print('open', flush=True)\n"
        "p.add_clip(sys.argv[2], subject='S9'); print('added', flush=True)\n"
    )
    for delay in (0.0, 0.05, 0.15, 0.3):
        proc = subprocess.Popen([sys.executable, "-c", code, str(proj), str(m)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "open"
        import time

        time.sleep(delay)
        proc.kill()
        proc.wait()
        with Project.open(proj) as p:
            used = {Path(c.motion_path).name for c in p.clips()}
            logged = set()
            for e in p.history():
                for ch in e.changes:
                    for row in (ch.before, ch.after):
                        if ch.table == "clips" and row and row.get("motion_path"):
                            logged.add(Path(row["motion_path"]).name)
            assert set(os.listdir(proj / "cache" / "motion")) <= used | logged


@pytest.mark.parametrize("seed", [0, 5, 11])
def test_random_byte_flips_give_one_line_errors(tmp_path, proj, capsys, seed):
    """Flipped bytes in the schema made SQLite quote invalid UTF-8 in its own message (a UnicodeDecodeError)."""
    import random

    rnd = random.Random(seed)
    db = sqlite3.connect(proj / "project.sqlite")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray((proj / "project.sqlite").read_bytes())
    for _ in range(40):
        data[rnd.randrange(100, 4096)] = rnd.randrange(256)  # page 1: the schema
    (proj / "project.sqlite").write_bytes(bytes(data))
    for argv in (["project", "info", str(proj)], ["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"]):
        rc = main(argv)
        err = capsys.readouterr().err
        assert "internal error" not in err and "Traceback" not in err, err
        assert rc in (0, 2)


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("fps_num", "'abc'", "frame rate"),
        ("trim_in", "1000000", "trim"),
        ("n_frames", "5", "frame count"),
        ("trim_out", "'x'", "trim"),
        ("seed", "'s'", "seed"),
    ],
)
def test_odd_values_in_a_clip_row_are_named_where_used(tmp_path, proj, capsys, column, value, words):
    _sql(proj, f"UPDATE clips SET {column}={value} WHERE id='s1_0'")
    assert main(["project", "info", str(proj)]) == 0
    capsys.readouterr()
    assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 2
    _err(capsys, "s1_0", words)


@pytest.mark.parametrize(
    "sql, argv0, words",
    [
        ("UPDATE segments SET behaviour='flying' WHERE id=1", "export", "behaviour 'flying'"),
        ("UPDATE segments SET safety='maybe' WHERE id=1", "export", "safety level 'maybe'"),
        ("INSERT INTO meta VALUES ('taxonomy_extension', '{not json')", "info", "taxonomy extension is not valid JSON"),
        ("INSERT INTO profiles VALUES ('p', 'x', '[1, 2]', 't')", "profile", "not a JSON object"),
    ],
)
def test_odd_store_contents_are_one_line_errors(tmp_path, proj, capsys, sql, argv0, words):
    _sql(proj, sql)
    if argv0 == "profile":
        _sql(proj, "UPDATE clips SET profile='p' WHERE id='s1_0'")
    argv = {
        "export": ["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"],
        "info": ["project", "info", str(proj)],
        "profile": ["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet"],
    }[argv0]
    assert main(argv) == 2
    _err(capsys, words)


def test_an_unreadable_edit_log_entry_does_not_keep_the_project_from_opening(tmp_path, proj):
    db = sqlite3.connect(proj / "project.sqlite")
    db.execute("DROP TRIGGER edit_log_append_only_update")
    db.execute("UPDATE edit_log SET changes='{not json' WHERE seq=(SELECT max(seq) FROM edit_log)")
    db.commit()
    db.close()
    with Project.open(proj) as p:
        p.undo()  # the unreadable entry: nothing to undo
        p.undo()  # the one before it works
        assert len(p.segments()) == 5


@pytest.mark.parametrize("name", ["project.lock", "project.sqlite"])
def test_a_hard_linked_lock_or_database_is_not_written(tmp_path, proj, capsys, name):
    """Truncating a hard-linked project.lock truncated the other name's file too."""
    other = tmp_path / "other"
    if not (proj / name).exists():
        (proj / name).write_text("")
    (proj / name).write_bytes((proj / name).read_bytes()) if name == "project.lock" else None
    os.link(proj / name, other)
    if name == "project.lock":
        other.write_text("precious")
    before = other.read_bytes()
    assert main(["project", "add", str(proj), str(motion_file(tmp_path, "w", seconds=2.0))]) == 2
    _err(capsys, name, "hard link")
    assert other.read_bytes() == before
    assert main(["project", "info", str(proj)]) == 0  # reading is fine
