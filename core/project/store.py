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
- v3 (current): clips gain ``source_sha256`` (the file the clip was made from),
  ``import_key`` (that hash plus the conversion settings: a batch skips a file
  whose key is in the project) and ``provenance`` (JSON: how the clip and its
  labels were made, e.g. the dataset recipe and mapping table). Earlier clips
  get NULL, NULL and ``{}``.

Concurrency: one writer. Opening for writing takes an exclusive, non-blocking
``flock`` on ``project.lock``; a second writer gets ``InputError("project is
open elsewhere (pid N)")``. The lock dies with the process (also on kill -9).
Read-only opening needs no lock (SQLite WAL gives it a consistent snapshot).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from fractions import Fraction
from pathlib import Path
from typing import Callable, Dict, Optional

from ..base.errors import InputError
from ..motion.timebase import rational_fps

DB_NAME = "project.sqlite"
LOCK_NAME = "project.lock"
CACHE_DIR = "cache"
SCHEMA_VERSION = 3

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


# version N -> N + 1
MIGRATIONS: Dict[int, Callable[[sqlite3.Connection], None]] = {
    0: _migrate_0_to_1,
    1: _migrate_1_to_2,
    2: _migrate_2_to_3,
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
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version += 1
    return start


class WriterLock:
    """Exclusive, non-blocking flock on ``project.lock``; records the holder's pid."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: Optional[int] = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise InputError(
                self.path.parent, f"project is open elsewhere (pid {pid}); close it there, or open it read-only"
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


def connect(folder: Path, readonly: bool = False, create: bool = False) -> sqlite3.Connection:
    """Open ``project.sqlite`` (autocommit mode: transactions are explicit)."""
    path = Path(folder) / DB_NAME
    if not create and not path.is_file():
        raise InputError(folder, f"not a project folder (no {DB_NAME}); make one with 'imu2safety project new'")
    try:
        if readonly:
            db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
            )
        else:
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InputError(path, f"not a readable project database ({exc})") from None
    return db


def fps_fraction(row) -> Fraction:
    return Fraction(int(row["fps_num"]), int(row["fps_den"]))
