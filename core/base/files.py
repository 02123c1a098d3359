"""What a command may read and what it may replace.

Inputs: :func:`check_input_file` admits a regular file (or a link to one) and
refuses a FIFO, a device, a socket or a folder *before* anything opens it, so
no command blocks forever on a named pipe or reads ``/dev/zero`` to the end of
memory. Every reader of user files calls it.

Outputs: :func:`check_output_file` (called by :func:`~.atomic.atomic_path`
before it writes and again before it renames) refuses a destination that

- exists and is not a regular file (a device such as ``/dev/null``, a FIFO, a
  socket, a folder) or is a symbolic link: the rename would replace the node itself;
- is an input of the running command (the same file, also through a hard link):
  either named by the caller (``inputs=``) or recorded by :func:`check_input_file`
  inside :func:`command_inputs`, which the command line opens around every command;
- is one of a project folder's own files (its database, journal, lock, or
  anything under ``cache/``), unless the writer is that project (``owner=``, or
  code running inside :func:`writing_for_project`, e.g. a reconstruction that a
  project runs into its cache).

The project folder layout is named here (and only here) so that every writer
of the engine can recognise a project folder without importing the project code.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import stat
import threading
from pathlib import Path
from typing import Iterable, Iterator, Optional, Set, Tuple

from .errors import InputError

# -- the project folder layout (core.project.store uses these names) ---------------------------------
PROJECT_DB = "project.sqlite"
PROJECT_LOCK = "project.lock"
PROJECT_CACHE = "cache"
PROJECT_BACKUPS = "backups"
# files of a project folder that only the project itself may write
PROJECT_FILES = (PROJECT_DB, PROJECT_DB + "-wal", PROJECT_DB + "-shm", PROJECT_DB + "-journal", PROJECT_LOCK)
# folders of a project folder whose contents only the project itself may write
PROJECT_DIRS = (PROJECT_CACHE, PROJECT_BACKUPS)

_KINDS = (
    (stat.S_ISDIR, "is a folder"),
    (stat.S_ISFIFO, "is a named pipe (FIFO)"),
    (stat.S_ISCHR, "is a character device"),
    (stat.S_ISBLK, "is a block device"),
    (stat.S_ISSOCK, "is a socket"),
)


def _kind(mode: int) -> str:
    for test, words in _KINDS:
        if test(mode):
            return words
    return "is not a regular file"


# -- inputs ---------------------------------------------------------------------------------------------
_lock = threading.Lock()
_scopes: list = []  # stack of sets of (st_dev, st_ino) read by the running command


@contextlib.contextmanager
def command_inputs() -> Iterator[Set[Tuple[int, int]]]:
    """Record the files :func:`check_input_file` admits until the block ends (one command)."""
    seen: Set[Tuple[int, int]] = set()
    with _lock:
        _scopes.append(seen)
    try:
        yield seen
    finally:
        with _lock:
            _scopes.remove(seen)


def _recorded() -> Set[Tuple[int, int]]:
    with _lock:
        return set().union(*_scopes) if _scopes else set()


def check_input_file(path: str | os.PathLike, what: str = "file") -> Path:
    """``path`` if it is a regular file (links followed); else an InputError naming it.

    Never opens the file, so a FIFO cannot block. Inside :func:`command_inputs`
    the file is recorded as an input: no output of the same command may replace it.
    """
    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(p, f"no such {what}") from None
    except NotADirectoryError:
        raise InputError(p, f"no such {what} (a part of the path is a file)") from None
    except OSError as exc:
        raise InputError(p, f"cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(p, f"{_kind(st.st_mode)}, not a regular file")
    with _lock:
        for scope in _scopes:
            scope.add((st.st_dev, st.st_ino))
    return p


# -- outputs --------------------------------------------------------------------------------------------
_owner: contextvars.ContextVar[Optional[Path]] = contextvars.ContextVar("imu2safety_output_owner", default=None)


@contextlib.contextmanager
def writing_for_project(folder: str | os.PathLike) -> Iterator[None]:
    """Inside the block, outputs into ``folder``'s own files are allowed (the project writing itself)."""
    token = _owner.set(Path(folder).resolve())
    try:
        yield
    finally:
        _owner.reset(token)


def project_root_of(path: str | os.PathLike) -> Optional[Path]:
    """The nearest folder at or above ``path``'s folder that holds a project (resolved), or None."""
    p = Path(path)
    try:
        folder = (p.parent if str(p.parent) else Path(".")).resolve()
    except (OSError, RuntimeError):
        return None
    for d in (folder, *folder.parents):
        try:
            if any(os.path.lexists(d / name) for name in (PROJECT_DB, PROJECT_LOCK)):
                return d
        except OSError:
            return None
    return None


def _project_part(dest: Path, root: Path) -> Optional[str]:
    """The project-managed part ``dest`` falls in (a file name or folder), or None."""
    try:
        rel = (dest.parent.resolve() / dest.name).relative_to(root)
    except (ValueError, OSError, RuntimeError):
        return None
    parts = rel.parts
    if not parts:
        return None
    if len(parts) == 1 and parts[0] in PROJECT_FILES:
        return parts[0]
    if parts[0] in PROJECT_DIRS:
        return parts[0] + "/"
    return None


def check_output_file(
    dest: str | os.PathLike, inputs: Iterable[str | os.PathLike] = (), owner: Optional[str | os.PathLike] = None
) -> Path:
    """``dest`` if a command may replace it; else an InputError saying why not (see the module doc)."""
    dest = Path(dest)
    try:
        st = os.lstat(dest)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(dest, f"cannot write here ({exc.strerror or exc})") from None
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise InputError(
                dest,
                f"is a symbolic link (to {os.readlink(dest)}); outputs never replace links: "
                "give the real path or a new file name",
            )
        if not stat.S_ISREG(st.st_mode):
            raise InputError(dest, f"{_kind(st.st_mode)}; an output must be a new or a regular file")
        ident = (st.st_dev, st.st_ino)
        named = set()
        for i in inputs:
            try:
                s = os.stat(i)
            except OSError:
                continue
            named.add((s.st_dev, s.st_ino))
        if ident in named or ident in _recorded():
            raise InputError(
                dest, "is an input of this command; an output never replaces its input: choose another output file"
            )
    root = project_root_of(dest)
    if root is not None:
        part = _project_part(dest, root)
        owner = owner if owner is not None else _owner.get()
        own = owner is not None and Path(owner).resolve() == root
        if part is not None and not own:
            raise InputError(
                dest,
                f"is part of the project in {root} ({part}); an output never replaces "
                "a project's own files: choose a file outside them",
            )
    return dest
