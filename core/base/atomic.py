"""Atomic file writes: write to a temporary file beside the target, then rename.

A crash, Ctrl+C or ``kill -9`` leaves either the old file or the new one,
never a half-written file at the destination. The destination is checked first
(:mod:`.files`): an output never replaces a special file, a link, an input of
the command or a project's own files.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, Optional

from .errors import InputError
from .files import check_output_file


def _umask() -> int:
    """The process umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(
    dest: str | os.PathLike,
    suffix: str | None = None,
    fsync: bool = True,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    owner: Optional[str | os.PathLike] = None,
) -> Iterator[Path]:
    """Yield a temporary path in ``dest``'s folder; rename it onto ``dest`` on success.

    On any exception (including KeyboardInterrupt, and SIGTERM where the command
    line turns it into an exception) the temporary file is removed and ``dest`` is
    untouched; an OSError (disk full, permission denied) becomes an InputError
    naming ``dest`` (never the temporary). ``fsync=False`` leaves flushing the bytes
    to the disk to the caller (a writer of many files syncs them together, see
    :func:`fsync_paths`); the rename is atomic either way.

    ``dest`` is checked with :func:`~.files.check_output_file` before writing and
    again before the rename (inputs the work read meanwhile count too): it must be
    new or a regular file, not a link, not one of ``inputs`` or of the command's
    recorded inputs, and not a project's own file unless ``owner`` is that project.

    While the temporary exists this process holds an ``flock`` on it; temporaries
    of the same output that nobody holds (left by ``kill -9``) are deleted first.
    HDF5 locks files with ``flock`` too: open the temporary with
    ``h5py.File(tmp, "w", locking=False)``.
    """
    dest = Path(dest)
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(dest, f"output folder {folder} does not exist")
    inputs = list(inputs)
    check_output_file(dest, inputs, owner)
    sfx = suffix or ".tmp"
    _sweep_stale(folder, dest.name, sfx)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=sfx, dir=folder)
    except OSError as exc:  # name the output, never the temporary file we tried to make
        why = exc.strerror or exc.__class__.__name__
        raise InputError(
            dest, f"cannot write in {folder} ({why}); nothing was written"
        ) from exc  # callers read the cause
    tmp_path = Path(tmp)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # marks a live writer (see _sweep_stale)
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual umask-based mode
        yield tmp_path
        if fsync:
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
        check_output_file(dest, inputs, owner)
        os.replace(tmp_path, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(exc, OSError):
            why = exc.strerror or str(exc).replace(str(tmp_path), str(dest))
            raise InputError(dest, f"could not write ({why}); nothing was written") from exc
        raise
    finally:
        os.close(fd)


def _sweep_stale(folder: Path, name: str, suffix: str) -> None:
    """Delete temporaries of ``folder/name`` that no live writer holds a lock on."""
    pattern = re.compile(rf"\.{re.escape(name)}\.[a-z0-9_]{{8}}{re.escape(suffix)}")
    try:
        candidates = [p for p in folder.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for p in candidates:
        try:
            fd = os.open(p, os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                p.unlink()
        except OSError:
            pass  # a live writer holds it
        finally:
            os.close(fd)


def fsync_paths(paths, threads: int = 8) -> None:
    """Flush files (and their folders) to the disk, several at a time: the file system commits concurrent
    syncs together, so N files cost far less than N one-by-one ``fsync`` calls."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [Path(p) for p in paths]
    folders = {p.parent for p in paths}

    def sync(p: Path) -> None:
        try:
            fd = os.open(p, os.O_RDONLY)
        except FileNotFoundError:
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    if not paths:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(threads, len(paths)))) as pool:
        list(pool.map(sync, paths))
        list(pool.map(sync, folders))
