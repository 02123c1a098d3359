"""Inputs are regular files (nothing blocks on a FIFO); outputs never replace special files,
links, inputs of the command or a project's own files (core.base.files, core.base.atomic)."""

import errno
import fcntl
import os
import stat
import threading

import pytest

from imu2safety.core.base.atomic import atomic_path
from imu2safety.core.base.errors import InputError
from imu2safety.core.base.files import check_input_file, check_output_file, command_inputs, project_root_of


def _write(path, text="new"):
    with atomic_path(path, suffix=".txt") as tmp:
        tmp.write_text(text)


def _in_thread(fn, timeout=10.0):
    """Run fn in a thread; fail (instead of hanging the suite) when it blocks."""
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "blocked"
    return out


# -- inputs ----------------------------------------------------------------------------------------


def test_a_fifo_input_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "walk.npz"
    os.mkfifo(fifo)
    out = _in_thread(lambda: check_input_file(fifo))
    assert isinstance(out.get("error"), InputError)
    assert "walk.npz" in str(out["error"]) and "named pipe" in str(out["error"])


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: None, "no such file"),
    ],
)
def test_folders_and_missing_inputs_are_one_line_errors(tmp_path, make, words):
    p = tmp_path / "in.npz"
    make(p)
    with pytest.raises(InputError, match=words):
        check_input_file(p)


def test_a_device_input_is_refused():
    with pytest.raises(InputError, match="character device"):
        check_input_file("/dev/zero")


def test_a_regular_file_and_a_link_to_one_are_inputs(tmp_path):
    f = tmp_path / "a.npz"
    f.write_bytes(b"PK")
    link = tmp_path / "b.npz"
    link.symlink_to(f)
    assert check_input_file(f) == f
    assert check_input_file(link) == link


# -- outputs ---------------------------------------------------------------------------------------


def test_a_fifo_output_is_refused_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "out.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        _write(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temporary left


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_output_is_refused_and_stays_a_device(tmp_path):
    """As root, --out /dev/null replaced the system's /dev/null (here: a null device made in tmp)."""
    dev = tmp_path / "null"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    with pytest.raises(InputError, match="character device"):
        _write(dev)
    assert stat.S_ISCHR(os.lstat(dev).st_mode)


def test_a_symlink_output_is_refused_and_its_target_kept(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "out.txt"
    link.symlink_to(target)
    with pytest.raises(InputError, match="symbolic link"):
        _write(link)
    assert link.is_symlink() and target.read_text() == "old"


def test_a_folder_output_is_refused(tmp_path):
    (tmp_path / "out.txt").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        _write(tmp_path / "out.txt")


def test_new_and_regular_outputs_are_written(tmp_path):
    _write(tmp_path / "a.txt", "one")
    _write(tmp_path / "a.txt", "two")
    assert (tmp_path / "a.txt").read_text() == "two"


def test_an_input_of_the_command_is_never_replaced(tmp_path):
    src = tmp_path / "x.npz"
    src.write_text("input")
    hard = tmp_path / "hard.npz"
    os.link(src, hard)
    with pytest.raises(InputError, match="input"):
        with atomic_path(src, inputs=[src]) as tmp:
            tmp.write_text("output")
    with command_inputs():
        check_input_file(src)  # read by the command ...
        for dest in (src, hard):  # ... so neither it nor a hard link to it is an output
            with pytest.raises(InputError, match="is an input of this command"):
                _write(dest)
    assert src.read_text() == "input"
    _write(src, "replaced later")  # another command may replace it
    assert src.read_text() == "replaced later"


def test_an_input_read_while_writing_is_checked_before_the_rename(tmp_path):
    src = tmp_path / "x.txt"
    src.write_text("input")
    with command_inputs():
        with pytest.raises(InputError, match="is an input"):
            with atomic_path(src, suffix=".txt") as tmp:
                check_input_file(src)
                tmp.write_text("output")
    assert src.read_text() == "input"


def _fake_project(folder):
    (folder / "cache" / "motion").mkdir(parents=True)
    (folder / "cache" / "pose2d").mkdir()
    (folder / "project.sqlite").write_bytes(b"SQLite format 3\x00")
    (folder / "project.lock").write_text("")
    (folder / "cache" / "motion" / "w.npz").write_bytes(b"PK")
    return folder


@pytest.mark.parametrize(
    "rel",
    [
        "project.sqlite",
        "project.sqlite-wal",
        "project.lock",
        "cache/motion/w.npz",
        "cache/motion/new.npz",
        "cache/pose2d/x.npz",
        "cache",
    ],
)
def test_a_project_file_is_never_an_output(tmp_path, rel):
    proj = _fake_project(tmp_path / "P")
    before = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    with pytest.raises(InputError, match="is part of the project in|is a folder"):
        _write(proj / rel)
    assert {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()} == before


def test_other_files_in_a_project_folder_and_the_projects_own_writes_are_allowed(tmp_path):
    proj = _fake_project(tmp_path / "P")
    _write(proj / "dataset.h5")
    with atomic_path(proj / "cache" / "motion" / "new.npz", owner=proj) as tmp:
        tmp.write_bytes(b"PK")
    assert (proj / "cache" / "motion" / "new.npz").read_bytes() == b"PK"
    assert project_root_of(proj / "cache" / "motion" / "new.npz") == proj.resolve()
    assert project_root_of(tmp_path / "elsewhere.h5") is None


def test_check_output_file_explains_what_it_refuses(tmp_path):
    proj = _fake_project(tmp_path / "P")
    with pytest.raises(InputError) as e:
        check_output_file(proj / "project.sqlite")
    assert "project.sqlite" in str(e.value) and "choose a file outside" in str(e.value)


def test_an_unwritable_folder_names_the_output_not_a_temporary(tmp_path, monkeypatch):
    import tempfile

    def refuse(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".out.h5.abcd1234.h5"))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputError) as e:
        _write(tmp_path / "out.h5")
    msg = str(e.value)
    assert msg.startswith(str(tmp_path / "out.h5")) and "Read-only file system" in msg
    assert ".out.h5." not in msg


def test_stale_temporaries_of_killed_writers_are_swept_and_live_ones_kept(tmp_path):
    dead = tmp_path / ".out.txt.deadbeef.txt"
    dead.write_text("left by kill -9")
    live = tmp_path / ".out.txt.livelive.txt"
    live.write_text("being written")
    other = tmp_path / ".other.txt.deadbeef.txt"
    other.write_text("another output's")
    fd = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        _write(tmp_path / "out.txt")
    finally:
        os.close(fd)
    assert not dead.exists() and live.exists() and other.exists()
