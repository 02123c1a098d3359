"""Atomic file writes: write to a temporary file beside the target, then rename.

A crash, Ctrl+C or ``kill -9`` leaves either the old file or the new one,
never a half-written file at the destination.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator


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
def atomic_path(dest: str | os.PathLike, suffix: str | None = None, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path in ``dest``'s folder; rename it onto ``dest`` on success.

    On any exception (including KeyboardInterrupt) the temporary file is removed
    and ``dest`` is untouched; an OSError (disk full, permission denied) becomes
    an InputError naming ``dest``. ``fsync=False`` leaves flushing the bytes to the
    disk to the caller (a writer of many files syncs them together, see
    :func:`fsync_paths`); the rename is atomic either way.
    """
    dest = Path(dest)
    folder = dest.parent if str(dest.parent) else Path(".")
    if not folder.is_dir():
        from .errors import InputError

        raise InputError(dest, f"output folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix or ".tmp", dir=folder)
    except OSError as exc:  # name the output, never the temporary file we tried to make
        from .errors import InputError

        why = exc.strerror or exc.__class__.__name__
        raise InputError(
            dest, f"cannot write in {folder} ({why}); nothing was written"
        ) from exc  # callers read the cause
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual umask-based mode
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if fsync:
            with open(tmp_path, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_path, dest)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(exc, OSError):
            from .errors import InputError

            why = exc.strerror or str(exc).replace(str(tmp_path), str(dest))
            raise InputError(dest, f"could not write ({why}); nothing was written") from exc
        raise


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
