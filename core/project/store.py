"""The project folder on disk: ``project.sqlite`` (schema, migrations), the writer lock, ``cache/``.

Layout of a project folder::

    project.sqlite        SQLite, WAL journal, foreign keys on, synchronous=FULL
    project.lock          held with fcntl.flock(LOCK_EX) while a process has the project open for writing
    cache/motion/         copies of the clips' motion files (the project is self-contained)
    cache/imu/            simulated IMU of clips added in batches (HDF5, named by clip and settings)
    cache/real/           real recordings added as references for clips (e.g. UP-Fall's wrist IMU)

Schema versions (``PRAGMA user_version``), applied in order by :func:`migrate`:

- v1 (the first release): clips with a float ``fps``, segments without phase,
  severity or flags, no device profiles, no project taxonomy.
- v2: exact rational fps (``fps_num``/``fps_den``), clip ``wrist``,
  ``profile`` and ``seed``, video source columns; segments gain ``severity``,
  ``phase``, ``occluded``, ``partly_out_of_frame``; ``profiles`` table; the edit
  log gains ``merge_key`` and triggers that refuse UPDATE/DELETE on it
  (append-only). The v1 float fps is snapped to a rational with
  :func:`~imu2safety.core.motion.timebase.rational_fps` (29.97 -> 30000/1001).
- v3: clips gain ``source_sha256`` (the file the clip was made from),
  ``import_key`` (that hash plus the conversion settings: a batch skips a file
  whose key is in the project) and ``provenance`` (JSON: how the clip and its
  labels were made, e.g. the dataset recipe and mapping table). Earlier clips
  get NULL, NULL and ``{}``.
- v4 (current): same tables; a clip's ``profile`` names a profile row or a built-in
  preset, never a file. v3 and earlier stored a device JSON given as a path as that path,
  relative to the working directory of the command that added the clip (a later
  export from another folder failed or used another file). The migration stores
  each such file's content as a profile (found relative to the working directory,
  else to the project folder or its parent; the edit log names the file and its
  sha256); a file it cannot find is left as it was, and using it says how to store it.

Concurrency: one writer. Opening for writing takes an exclusive, non-blocking
``flock`` on ``project.lock``; a second writer gets ``InputError("project is
open elsewhere (pid N)")``. The lock dies with the process (also on kill -9).
Read-only opening needs no lock (SQLite WAL gives it a consistent snapshot); on
read-only storage, where SQLite cannot create the WAL index, the database is
opened as immutable (after checking that no unmerged WAL is left).

Confinement: the project reads and writes only inside its folder.
:func:`check_folder` refuses a project whose own files or cache folders are
symbolic links or special files (a linked ``project.lock`` was followed and
truncated, a linked ``cache/motion`` made ``add`` write elsewhere);
:func:`cache_file` resolves a clip's stored ``motion_path`` only to a regular
file under ``cache/`` reached without links, ``..`` or absolute paths.

Damage: every SQLite error of a project database becomes one InputError naming
``project.sqlite`` (:class:`ProjectConnection`); a zero-byte database is refused
(never silently recreated empty) with the way back. :func:`backup` keeps copies
of the database in ``backups/`` (made when a session opens it for writing and it
changed since the last copy; the newest :data:`BACKUPS_KEPT` are kept).
"""

from __future__ import annotations

import datetime as _dt
import errno
import fcntl
import os
import sqlite3
import stat
from fractions import Fraction
from pathlib import Path, PurePosixPath
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from ..base.atomic import atomic_path
from ..base.errors import InputError, path_text
from ..base.files import PROJECT_BACKUPS, PROJECT_CACHE, PROJECT_DB, PROJECT_FILES, PROJECT_LOCK
from ..motion.timebase import rational_fps

DB_NAME = PROJECT_DB
LOCK_NAME = PROJECT_LOCK
CACHE_DIR = PROJECT_CACHE
BACKUP_DIR = PROJECT_BACKUPS
CACHE_SUBDIRS = ("motion", "pose2d", "imu", "real")
BACKUPS_KEPT = 5
SCHEMA_VERSION = 4
READABLE_VERSIONS = (3, 4)  # versions a read-only open can read without migrating

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE clips (
    id TEXT PRIMARY KEY,
    motion_path TEXT, motion_sha256 TEXT, source_path TEXT,
    subject TEXT NOT NULL DEFAULT '',
    fps REAL NOT NULL,
    n_frames INTEGER NOT NULL,
    trim_in INTEGER NOT NULL DEFAULT 0,
    trim_out INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    added_utc TEXT NOT NULL
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    clip_id TEXT NOT NULL REFERENCES clips(id) ON DELETE CASCADE,
    start_frame INTEGER NOT NULL, end_frame INTEGER NOT NULL,
    behaviour TEXT NOT NULL, safety TEXT NOT NULL,
    confidence REAL NOT NULL DEFAULT 1.0,
    annotator TEXT NOT NULL DEFAULT '',
    created_utc TEXT NOT NULL, modified_utc TEXT NOT NULL,
    CHECK (end_frame > start_frame)
);
CREATE INDEX segments_clip ON segments(clip_id, start_frame);
CREATE TABLE edit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time_utc TEXT NOT NULL, who TEXT NOT NULL, action TEXT NOT NULL,
    command TEXT NOT NULL, text TEXT NOT NULL, changes TEXT NOT NULL
);
"""

_V2 = """
CREATE TABLE profiles (
    name TEXT PRIMARY KEY,
    base TEXT NOT NULL,
    data TEXT NOT NULL,
    modified_utc TEXT NOT NULL
);
ALTER TABLE clips ADD COLUMN fps_num INTEGER NOT NULL DEFAULT 0;
ALTER TABLE clips ADD COLUMN fps_den INTEGER NOT NULL DEFAULT 1;
ALTER TABLE clips ADD COLUMN video_path TEXT;
ALTER TABLE clips ADD COLUMN video_sha256 TEXT;
ALTER TABLE clips ADD COLUMN wrist TEXT NOT NULL DEFAULT 'left';
ALTER TABLE clips ADD COLUMN profile TEXT;
ALTER TABLE clips ADD COLUMN seed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE segments ADD COLUMN severity INTEGER;
ALTER TABLE segments ADD COLUMN phase TEXT;
ALTER TABLE segments ADD COLUMN occluded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE segments ADD COLUMN partly_out_of_frame INTEGER NOT NULL DEFAULT 0;
ALTER TABLE edit_log ADD COLUMN merge_key TEXT;
CREATE TRIGGER edit_log_append_only_update BEFORE UPDATE ON edit_log
    BEGIN SELECT RAISE(ABORT, 'the edit log is append-only'); END;
CREATE TRIGGER edit_log_append_only_delete BEFORE DELETE ON edit_log
    BEGIN SELECT RAISE(ABORT, 'the edit log is append-only'); END;
"""


_V3 = """
ALTER TABLE clips ADD COLUMN source_sha256 TEXT;
ALTER TABLE clips ADD COLUMN import_key TEXT;
ALTER TABLE clips ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}';
CREATE INDEX clips_import_key ON clips(import_key);
"""


def _script(db: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one inside the open transaction (executescript would commit it)."""
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            db.execute(buf)
            buf = ""
    if buf.strip():
        db.execute(buf)


def _migrate_0_to_1(db: sqlite3.Connection) -> None:
    _script(db, _V1)


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    _script(db, _V2)
    for cid, fps in db.execute("SELECT id, fps FROM clips").fetchall():
        f = rational_fps(fps)
        db.execute("UPDATE clips SET fps_num=?, fps_den=? WHERE id=?", (f.numerator, f.denominator, cid))


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    _script(db, _V3)


def is_device_file(name: Optional[str]) -> bool:
    """Whether a clip's ``profile`` text names a JSON file rather than a profile or preset id."""
    return bool(name) and (name.endswith(".json") or os.sep in name or bool(os.altsep and os.altsep in name))


def legacy_device_file(name: str, folder: Optional[Path], cwd_only: bool = False) -> Optional[Path]:
    """Where a device file stored as a path by schema v3 or earlier is now: absolute as given; relative to the
    working directory, else (unless ``cwd_only``) to the project folder or its parent."""
    p = Path(name).expanduser()
    if p.is_absolute():
        return p if p.is_file() else None
    bases = [Path.cwd()] + ([] if cwd_only or folder is None else [Path(folder), Path(folder).resolve().parent])
    for b in bases:
        if (b / p).is_file():
            return b / p
    return None


def device_profile_from_file(path: Path, taken: Dict[str, str]) -> Tuple[str, Dict, str, bool]:
    """``(name, preset data, base, new)`` for storing the device JSON at ``path`` as a profile.

    ``taken`` maps existing profile names to their stored JSON. The name is the file's stem
    (``mydev.json`` -> ``mydev``); the same content reuses that profile (``new`` False); other
    content under a taken name gets ``<stem>-<sha256[:8]>``.
    """
    import hashlib
    import json
    import re

    from ..sim.devices import load_preset

    preset = load_preset(path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    data = preset.data
    text = json.dumps(data, sort_keys=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("._-") or "device"
    base = f"file {path.resolve()} sha256:{sha}"
    for name in (stem, f"{stem}-{sha[:8]}"):
        if name not in taken:
            return name, data, base, True
        if json.loads(taken[name]) == json.loads(text):
            return name, data, base, False
    return f"{stem}-{sha[:16]}", data, base, True


def _migrate_3_to_4(db: sqlite3.Connection, folder: Optional[Path] = None) -> None:
    import datetime as dt
    import json

    taken = {r[0]: r[1] for r in db.execute("SELECT name, data FROM profiles")}
    cols = [r[1] for r in db.execute("PRAGMA table_info(clips)")]
    changes, stored = [], []
    for row in db.execute("SELECT * FROM clips WHERE profile IS NOT NULL ORDER BY id").fetchall():
        before = dict(zip(cols, row))
        prof = before["profile"]
        if prof in taken or not is_device_file(prof):
            continue
        path = legacy_device_file(prof, folder)
        if path is None:
            continue
        try:
            name, data, base, new = device_profile_from_file(path, taken)
        except InputError:
            continue  # not a valid preset: left as it was; using it names the problem
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if new:
            prow = {"name": name, "base": base, "data": json.dumps(data, sort_keys=True), "modified_utc": now}
            db.execute("INSERT INTO profiles VALUES (:name, :base, :data, :modified_utc)", prow)
            taken[name] = prow["data"]
            changes.append({"table": "profiles", "key": name, "before": None, "after": prow})
        after = dict(before, profile=name)
        db.execute("UPDATE clips SET profile=? WHERE id=?", (name, before["id"]))
        changes.append({"table": "clips", "key": before["id"], "before": before, "after": after})
        stored.append(f"{prof} -> profile '{name}' ({base})")
    if changes:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        db.execute(
            "INSERT INTO edit_log (time_utc, who, action, command, text, changes, merge_key) VALUES (?,?,?,?,?,?,?)",
            (
                now,
                "imu2safety upgrade",
                "do",
                "StoreDeviceFiles",
                "store device file(s) in the project: " + "; ".join(stored),
                json.dumps(changes, default=str),
                None,
            ),
        )


# version N -> N + 1; each takes the connection and the project folder
MIGRATIONS: Dict[int, Callable[[sqlite3.Connection, Optional[Path]], None]] = {
    0: lambda db, folder: _migrate_0_to_1(db),
    1: lambda db, folder: _migrate_1_to_2(db),
    2: lambda db, folder: _migrate_2_to_3(db),
    3: _migrate_3_to_4,
}


def migrate(db: sqlite3.Connection, target: int = SCHEMA_VERSION, where=None) -> int:
    """Bring the schema to ``target``, one version per transaction. Returns the version before."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(
            where,
            f"project schema version {version} is newer than this program's ({SCHEMA_VERSION}); update imu2safety",
        )
    start = version
    while version < target:
        db.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](db, Path(where) if where is not None else None)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version += 1
    return start


# -- the folder ---------------------------------------------------------------------------------------


def _link_or_special(path: Path, want_dir: bool) -> Optional[str]:
    """Why ``path`` cannot be one of the project's own entries (None: fine or absent)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        return (
            f"is a symbolic link (to {os.readlink(path)}); a project's own files must be real files inside its "
            "folder (a link would make it read or write elsewhere): replace the link by the file it points to"
        )
    if want_dir and not stat.S_ISDIR(st.st_mode):
        return "is not a folder"
    if not want_dir and not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    return None


def check_folder(folder: Path, writable: bool = False) -> None:
    """InputError when a project file or cache folder is a link or a special file (see the module doc);
    for writing also when the database or lock has other hard links (writing it would change them too)."""
    folder = Path(folder)
    for name in PROJECT_FILES:
        why = _link_or_special(folder / name, want_dir=False)
        if why:
            raise InputError(folder / name, why)
        if writable and name in (DB_NAME, LOCK_NAME) and os.path.isfile(folder / name):
            links = os.stat(folder / name).st_nlink
            if links > 1:
                raise InputError(
                    folder / name,
                    f"has {links - 1} other hard link(s) (a folder copied with 'cp -al'?): editing would change "
                    "those files too; copy the folder with 'cp -a' instead",
                )
    for rel in [CACHE_DIR, BACKUP_DIR] + [f"{CACHE_DIR}/{d}" for d in CACHE_SUBDIRS]:
        why = _link_or_special(folder / rel, want_dir=True)
        if why:
            raise InputError(folder / rel, why)


def cache_file(folder: Path, rel: Optional[str], what: str) -> Path:
    """The file a stored relative path names, only if it lies under ``cache/`` without links.

    Refuses absolute paths, ``..``, backslashes and any link on the way (``what``
    names the owner in the message, e.g. "clip 'walk'").
    """
    folder = Path(folder)
    if not rel:
        raise InputError(folder, f"{what} has no file in the project")
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or "\\" in rel or not p.parts or p.parts[0] != CACHE_DIR or len(p.parts) < 2:
        raise InputError(
            folder / DB_NAME,
            f"{what} names the file {rel!r}, which is not inside the project's {CACHE_DIR}/ folder; "
            "a project reads only its own files (the database was edited by another program?)",
        )
    path = folder
    for part in p.parts[:-1]:
        path = path / part
        why = _link_or_special(path, want_dir=True)
        if why:
            raise InputError(path, f"{what}: {why}")
    path = path / p.parts[-1]
    if not os.path.lexists(path):
        raise InputError(path, f"{what}: its file is missing from the project cache")
    why = _link_or_special(path, want_dir=False)
    if why:
        raise InputError(path, f"{what}: {why}")
    return path


def sweep_cache(folder: Path, referenced: Iterable[str]) -> List[str]:
    """Delete files in ``cache/motion`` that no clip row or edit-log entry names (left by a killed add).

    Call only while holding the writer lock. Returns the names removed.
    """
    keep = {PurePosixPath(r).name for r in referenced if r}
    d = Path(folder) / CACHE_DIR / "motion"
    removed = []
    try:
        entries = list(os.scandir(d))
    except OSError:
        return removed
    for e in entries:
        if e.name in keep or not e.is_file(follow_symlinks=False):
            continue
        if not (e.name.endswith(".npz") or e.name.startswith(".")):
            continue
        try:
            os.unlink(e.path)
            removed.append(e.name)
        except OSError:
            pass
    return removed


class WriterLock:
    """Exclusive, non-blocking flock on ``project.lock``; records the holder's pid."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: Optional[int] = None

    def acquire(self) -> None:
        why = _link_or_special(self.path, want_dir=False)
        if why:
            raise InputError(self.path, why)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(self.path, "is a symbolic link; a project's own files must be real files") from None
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise InputError(
                    self.path.parent,
                    f"project is on read-only storage or not writable ({exc.strerror}): it can be read "
                    "(project info, export) but not edited; copy it to a writable folder to edit it",
                ) from None
            raise InputError(self.path, f"cannot open the writer lock ({exc.strerror or exc})") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(self.path, "is not a regular file")
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (OSError, InputError) as exc:
            try:
                pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            if isinstance(exc, InputError):
                raise
            raise InputError(
                self.path.parent,
                f"project is open elsewhere (pid {pid}); close it there to edit it here. Reading works "
                "meanwhile: imu2safety project info, project segments, project export-labels, export",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None


def lock_holder(folder: Path) -> Optional[str]:
    """The pid (as text) of a process holding the writer lock, or None (nobody, or it cannot be told)."""
    path = Path(folder) / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


# -- the database -------------------------------------------------------------------------------------


def db_error(path: Path, exc: sqlite3.Error) -> InputError:
    """A one-line InputError for an SQLite error on a project database."""
    text = str(exc)
    low = text.lower()
    if "could not decode to utf-8" in low:
        col = text.split("column", 1)[1].split("with text", 1)[0].strip() if "column" in text else "?"
        return InputError(
            path,
            f"the project database holds text that is not valid UTF-8 (column {col}); it was edited by "
            f"another program: {_restore_hint(path.parent)}",
        )
    if "locked" in low or "busy" in low:
        return InputError(path, f"the project database is busy ({text}); try again in a moment")
    if "full" in low:
        return InputError(path, f"the disk is full ({text}); free space and try again")
    if "readonly" in low or "read-only" in low:
        return InputError(path, f"the project is on read-only storage ({text}); it can be read but not edited")
    if "i/o" in low or "unable to open" in low:
        return InputError(path, f"the project database cannot be read ({text})")
    return InputError(path, f"the project database is damaged ({text}): {_restore_hint(path.parent)}")


def _backups(folder: Path) -> List[Path]:
    try:
        return sorted(p for p in (Path(folder) / BACKUP_DIR).glob("project-*.sqlite") if p.is_file())
    except OSError:
        return []


def _restore_hint(folder: Path) -> str:
    b = _backups(folder)
    if b:
        return (
            f"restore the latest backup, made when the project was last opened for editing: "
            f"cp {b[-1]} {Path(folder) / DB_NAME}"
        )
    return (
        f"restore {DB_NAME} from a copy of the folder; the clips' motions are still in "
        f"{Path(folder) / CACHE_DIR / 'motion'} (add them to a new project)"
    )


def _text_params(params) -> Iterable[str]:
    """Every string among SQL parameters (a sequence, a mapping, or executemany's sequence of them)."""
    stack = list(params)
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            stack.extend(v)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Cursor(sqlite3.Cursor):
    """A cursor whose SQLite errors are one-line InputErrors naming the database (IntegrityError excepted:
    a constraint is a program error, or the append-only edit log defending itself)."""

    db_path: Path = Path(DB_NAME)

    def _wrap(self, fn, *args):
        try:
            return fn(*args)
        except UnicodeDecodeError as exc:  # SQLite's own message quotes damaged schema bytes
            raise db_error(
                self.connection.db_path, sqlite3.DatabaseError(f"malformed database ({exc.reason})")
            ) from None
        except UnicodeEncodeError:  # a text parameter in another locale's bytes (a name typed on such a terminal)
            bad = next((v for v in _text_params(args[1:]) if not _is_utf8(v)), None)
            raise InputError(
                path_text(bad) if bad is not None else None,
                "is not UTF-8 text (bytes of another locale); names kept in a project (clip ids, profiles, "
                "subjects, labels) must be UTF-8",
            ) from None
        except sqlite3.IntegrityError:
            raise
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if type(exc) not in (sqlite3.OperationalError, sqlite3.DatabaseError):
                raise
            raise db_error(self.connection.db_path, exc) from None

    def execute(self, *args):
        return self._wrap(super().execute, *args)

    def executemany(self, *args):
        return self._wrap(super().executemany, *args)

    def fetchone(self):
        return self._wrap(super().fetchone)

    def fetchall(self):
        return self._wrap(super().fetchall)

    def fetchmany(self, *args):
        return self._wrap(super().fetchmany, *args)

    def __next__(self):
        return self._wrap(super().__next__)


class ProjectConnection(sqlite3.Connection):
    """``sqlite3.Connection`` whose cursors turn SQLite errors into InputErrors (see :class:`_Cursor`)."""

    db_path: Path = Path(DB_NAME)

    def cursor(self, factory=_Cursor):
        return super().cursor(factory)

    def execute(self, *args):
        return self.cursor().execute(*args)

    def executemany(self, *args):
        return self.cursor().executemany(*args)


def connect(folder: Path, readonly: bool = False, create: bool = False) -> sqlite3.Connection:
    """Open ``project.sqlite`` (autocommit mode: transactions are explicit)."""
    folder = Path(folder)
    path = folder / DB_NAME
    check_folder(folder, writable=not readonly)
    if not create:
        if not path.is_file():
            raise InputError(folder, f"not a project folder (no {DB_NAME}); make one with 'imu2safety project new'")
        if path.stat().st_size == 0:
            raise InputError(
                path,
                "is empty (0 bytes): the project database was lost (a full disk, or a copy that failed?); "
                f"nothing was changed; {_restore_hint(folder)}",
            )
    try:
        db = _open(path, readonly)
    except sqlite3.OperationalError as exc:
        if not _on_read_only_storage(folder):
            raise db_error(path, exc) from None
        if not readonly:
            raise InputError(
                folder,
                "project is on read-only storage: it can be read (project info, export) but not edited; "
                "copy it to a writable folder to edit it",
            ) from None
        wal = folder / (DB_NAME + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise InputError(
                path,
                "the project is on read-only storage and was not closed cleanly (its journal "
                f"{wal.name} holds changes): copy the folder to writable storage to read it",
            ) from None
        db = _open(path, readonly, immutable=True)
    except sqlite3.DatabaseError as exc:
        raise db_error(path, exc) from None
    except UnicodeDecodeError as exc:  # SQLite's message quotes damaged schema text
        raise db_error(path, sqlite3.DatabaseError(f"malformed database schema ({exc.reason})")) from None
    return db


def _on_read_only_storage(folder: Path) -> bool:
    probe = None
    try:
        import tempfile

        fd, probe = tempfile.mkstemp(prefix=".write-probe.", dir=folder)
        os.close(fd)
        return False
    except OSError:
        return True
    finally:
        if probe:
            try:
                os.unlink(probe)
            except OSError:
                pass


def _open(path: Path, readonly: bool, immutable: bool = False) -> sqlite3.Connection:
    kw = dict(isolation_level=None, check_same_thread=False, factory=ProjectConnection)
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("&immutable=1" if immutable else "")
        db = sqlite3.connect(uri, uri=True, **kw)
    else:
        db = sqlite3.connect(path, **kw)
    db.db_path = path
    db.row_factory = sqlite3.Row
    raw = db.cursor(sqlite3.Cursor)  # plain SQLite errors here: connect() tells them apart
    try:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            raw.execute("PRAGMA journal_mode = WAL")
            raw.execute("PRAGMA synchronous = FULL")
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except BaseException:
        db.close()
        raise
    return db


def backup(db: sqlite3.Connection, folder: Path) -> Optional[Path]:
    """Copy the database into ``backups/`` when it changed since the newest copy; keep the newest few."""
    folder = Path(folder)
    d = folder / BACKUP_DIR
    state = _state(db)
    existing = _backups(folder)
    if existing:
        try:
            old = sqlite3.connect(f"{existing[-1].resolve().as_uri()}?mode=ro", uri=True)
            try:
                same = _state(old) == state
            finally:
                old.close()
            if same:
                return None
        except sqlite3.Error:
            pass
    d.mkdir(exist_ok=True)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    dest = d / f"project-{stamp}.sqlite"
    with atomic_path(dest, suffix=".sqlite", owner=folder) as tmp:
        out = sqlite3.connect(tmp)
        try:
            db.backup(out)
        finally:
            out.close()
    for old in _backups(folder)[:-BACKUPS_KEPT]:
        try:
            old.unlink()
        except OSError:
            pass
    return dest


def _state(db: sqlite3.Connection):
    """What tells whether a backup is current: the schema version and the edit log's length (every change
    to a project is an edit-log entry; the log is append-only)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    try:
        seq = db.execute("SELECT max(seq), count(*) FROM edit_log").fetchone()
    except sqlite3.Error:
        seq = None
    return (version, tuple(seq) if seq else None)


def fps_fraction(row) -> Fraction:
    """The exact rate of a clip row; 0 when the stored n/d is not a positive rate (see Clip.seconds)."""
    num, den = row["fps_num"], row["fps_den"]
    ok = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (num, den))
    return Fraction(num, den) if ok else Fraction(0)
