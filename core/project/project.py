"""Annotation projects: clips, labelled segments, device profiles and an edit log in one folder.

The API the command line and the workbench use (all plain Python, no Qt)::

    from imu2safety.core.project.project import Project
    from imu2safety.core import commands as C

    p = Project.create("myproj")              # new folder; Project.open("myproj") later
    p = Project.open("myproj", readonly=True)  # no lock, edits refused
    with Project.open("myproj") as p: ...      # close() releases the writer lock

    clip = p.add_clip("walk.npz", subject="S01")   # copies into cache/, one undoable command
    p.add_clip("walk.mp4", reconstruct={"person": 2})   # a video: reconstructed (BlazePose) into cache/
    p.clips(); p.clip(clip.id)                       # Clip records (frozen dataclasses)
    p.load_motion(clip.id, trimmed=True)             # core.motion.Motion
    p.device_for(clip.id)                            # DevicePreset of its profile (or preset id)
    p.segments(clip.id); p.segment(seg_id)           # Segment records, start/end frames + exact seconds
    p.profiles(); p.profile(name)                    # named device/noise profiles
    p.taxonomy                                       # built-in taxonomy + project extension

    cmd = p.execute(C.AddSegment(clip.id, 30, 90, "falling", "unsafe", phase="impact"))
    p.execute(C.UpdateSegment(cmd.segment_id, merge_key="drag-1", end_frame=95))  # drags merge
    p.execute(C.DeleteSegment(cmd.segment_id))
    p.execute(C.SetTrim(clip.id, 10, 500)); p.execute(C.UpdateClip(clip.id, subject="S02", seed=3))
    p.execute(C.SetProfile("my watch", load_preset("watch-bmi270").with_changes({...}).data))
    p.execute(C.UpdateClip(clip.id, profile="my watch"))   # a profile name or a built-in preset id
    p.undo(); p.redo(); p.can_undo(); p.undo_text()
    p.history()                                      # the edit log, oldest first (LogEntry)

    token = p.subscribe(callback)   # callback(ProjectEvent) after every committed do/undo/redo
    p.unsubscribe(token)

Every ``execute``/``undo``/``redo`` (and a Qt ``QUndoCommand`` calling ``cmd.do``/
``cmd.undo`` directly, see :mod:`.commands`) is one SQLite transaction that also
appends to the edit log: a crash or ``kill -9`` loses at most the edit in flight.
On reopening, the undo stack is rebuilt from the log. Frames are source-video
frame indices (segments and trims are half-open ``[start, end)``); seconds are
``Fraction``s derived exactly from the clip's rational fps.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from ..base.atomic import atomic_path
from ..base.errors import InputError, path_text
from ..base.files import check_output_file, writing_for_project
from ..base.hashing import sha256_file
from .add_checks import AddWarning, ClipWarning, check_motion_storable, check_new_motion
from .commands import TABLE_KEYS, AddClip, Batch, Change, Command, SetProfile, UndoStack
from .store import (
    CACHE_DIR,
    DB_NAME,
    READABLE_VERSIONS,
    SCHEMA_VERSION,
    WriterLock,
    backup,
    cache_file,
    check_folder,
    connect,
    device_profile_from_file,
    fps_fraction,
    is_device_file,
    legacy_device_file,
    migrate,
    sweep_cache,
)
from .taxonomy import Taxonomy, load_taxonomy

_SQL_INT_MIN, _SQL_INT_MAX = -(2**63), 2**63 - 1
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")


@dataclass(frozen=True)
class Clip:
    id: str
    motion_path: Optional[str]  # relative to the project folder (cache/motion/<id>.npz)
    motion_sha256: Optional[str]
    source_path: Optional[str]  # where the motion was added from
    video_path: Optional[str]
    video_sha256: Optional[str]
    subject: str
    fps: Fraction  # exact
    n_frames: int
    trim_in: int  # first frame kept
    trim_out: int  # one past the last frame kept
    wrist: str
    profile: Optional[str]  # profile name or preset id; None: the default preset
    seed: int
    notes: str
    added_utc: str
    source_sha256: Optional[str] = None  # the file the clip was made from (skeleton, video or motion)
    import_key: Optional[str] = None  # source hash + conversion settings (batch adds skip a key they have)
    # how the clip and its labels were made: recipe, mapping table, settings (JSON object)
    provenance: Dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def n_trimmed(self) -> int:
        return self.trim_out - self.trim_in

    def seconds(self, frame: int) -> Fraction:
        if self.fps <= 0:
            raise InputError(
                None,
                f"clip '{self.id}' has no valid frame rate stored ({self.fps}); remove it "
                "(imu2safety project remove) and add its motion again",
            )
        return Fraction(int(frame)) / self.fps

    @property
    def duration_s(self) -> Fraction:
        """Trimmed duration (frames / fps)."""
        return self.seconds(self.n_trimmed)


@dataclass(frozen=True)
class Segment:
    id: int
    clip_id: str
    start_frame: int  # source frames, half-open
    end_frame: int
    start_s: Fraction  # exact: frame / fps
    end_s: Fraction
    behaviour: str
    safety: str
    severity: Optional[int]
    phase: Optional[str]
    confidence: float
    occluded: bool
    partly_out_of_frame: bool
    annotator: str
    created_utc: str
    modified_utc: str

    @property
    def duration_s(self) -> Fraction:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Profile:
    name: str
    base: str
    data: Dict[str, Any]
    modified_utc: str

    def preset(self):
        from ..sim.devices import preset_from_dict

        return preset_from_dict(json.loads(json.dumps(self.data)), f"profile '{self.name}'")


@dataclass(frozen=True)
class LogEntry:
    seq: int
    time_utc: str
    who: str
    action: str  # do | undo | redo
    command: str  # class name
    text: str
    changes: List[Change]
    merge_key: Optional[str]


@dataclass(frozen=True)
class ProjectEvent:
    action: str  # do | undo | redo
    command: Command
    tables: frozenset  # tables touched
    clip_ids: frozenset  # clips whose data or segments changed


class Project:
    """An open project folder. Create with :meth:`create` or :meth:`open`; close when done."""

    def __init__(self, folder: Path, db: sqlite3.Connection, lock: Optional[WriterLock], readonly: bool, who: str):
        self.folder = Path(folder)
        self.db = db
        self._lock = lock
        self.readonly = readonly
        self.who = who
        self._listeners: Dict[int, Callable[[ProjectEvent], None]] = {}
        self._next_token = 0
        self._taxonomy: Optional[Taxonomy] = None
        self.stack = UndoStack(self)
        if not readonly:
            self.stack.restore_from_log(self.history())

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, folder, who: Optional[str] = None, name: Optional[str] = None) -> "Project":
        folder = Path(folder)
        if (folder / DB_NAME).exists():
            raise InputError(folder, "already holds a project")
        check_output_file(folder / DB_NAME)  # not inside another project's cache/ or backups/
        if folder.exists() and not folder.is_dir():
            raise InputError(folder, "exists and is not a folder")
        if folder.is_dir() and any(folder.iterdir()):
            raise InputError(folder, "folder is not empty; choose a new or empty folder")
        try:
            (folder / CACHE_DIR / "motion").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(folder, f"cannot create the project folder ({exc.strerror})") from None
        lock = WriterLock(folder)
        lock.acquire()
        try:
            db = connect(folder, create=True)
            migrate(db, where=folder)
            now = _now()
            with _tx(db):
                db.execute("INSERT INTO meta VALUES ('name', ?)", (name or path_text(folder.resolve().name),))
                db.execute("INSERT INTO meta VALUES ('created_utc', ?)", (now,))
        except BaseException:
            lock.release()
            raise
        return cls(folder, db, lock, False, who or _default_who())

    @classmethod
    def open(cls, folder, readonly: bool = False, who: Optional[str] = None) -> "Project":
        """Open a project folder; ``readonly`` takes no lock and refuses edits (also on read-only storage)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise InputError(folder, "is a file, not a project folder" if folder.exists() else "no such project folder")
        if not os.path.lexists(folder / DB_NAME):
            raise InputError(folder, f"not a project folder (no {DB_NAME})")
        check_folder(folder, writable=not readonly)
        lock = None
        if not readonly:
            lock = WriterLock(folder)
            lock.acquire()
        try:
            db = connect(folder, readonly=readonly)
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if readonly and version not in READABLE_VERSIONS:
                    raise InputError(
                        folder,
                        f"project schema version {version} needs upgrading to {SCHEMA_VERSION}: "
                        "open it once for writing",
                    )
                if not readonly:
                    migrate(db, where=folder)
                check = db.execute("PRAGMA quick_check").fetchone()[0]
                if check != "ok":
                    raise InputError(folder / DB_NAME, f"the project database is damaged ({check})")
                project = cls(folder, db, lock, readonly, who or _default_who())
                if not readonly:
                    backup(db, folder)
                    sweep_cache(folder, project._referenced_files())
            except BaseException:
                db.close()
                raise
        except BaseException:
            if lock:
                lock.release()
            raise
        return project

    def _referenced_files(self) -> List[str]:
        """Cache files a clip row or the edit log (undo/redo may bring a clip back) names."""
        out = [r["motion_path"] for r in self.db.execute("SELECT motion_path FROM clips")]
        for (text,) in self.db.execute("SELECT changes FROM edit_log WHERE changes LIKE '%motion_path%'"):
            try:
                changes = json.loads(text)
            except ValueError:
                continue
            for c in changes if isinstance(changes, list) else []:
                for row in (c.get("before"), c.get("after")) if isinstance(c, dict) else ():
                    if isinstance(row, dict) and isinstance(row.get("motion_path"), str):
                        out.append(row["motion_path"])
        return out

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def name(self) -> str:
        row = self._row("meta", "name")
        return row["value"] if row else self.folder.name

    # -- reading -------------------------------------------------------------------------------
    @property
    def taxonomy(self) -> Taxonomy:
        if self._taxonomy is None:
            row = self._row("meta", "taxonomy_extension")
            ext = None
            if row:
                try:
                    ext = json.loads(row["value"])
                except (TypeError, ValueError):
                    raise InputError(
                        self.folder / DB_NAME,
                        "the project's taxonomy extension is not valid JSON (the database was edited by another "
                        f"program?): {_restore_hint_for(self.folder)}",
                    ) from None
            self._taxonomy = load_taxonomy().extend(ext)
        return self._taxonomy

    def clips(self) -> List[Clip]:
        return [_clip(r) for r in self.db.execute("SELECT * FROM clips ORDER BY id")]

    def clip(self, clip_id: str) -> Clip:
        r = self.db.execute("SELECT * FROM clips WHERE id=?", (clip_id,)).fetchone()
        if r is None:
            raise InputError(self.folder, f"no clip '{clip_id}' in this project")
        return _clip(r)

    def segments(self, clip_id: Optional[str] = None) -> List[Segment]:
        sql = "SELECT s.*, c.fps_num, c.fps_den FROM segments s JOIN clips c ON s.clip_id = c.id"
        if clip_id is None:
            rows = self.db.execute(sql + " ORDER BY s.clip_id, s.start_frame, s.id")
        else:
            rows = self.db.execute(sql + " WHERE s.clip_id=? ORDER BY s.start_frame, s.id", (clip_id,))
        return [_segment(r) for r in rows]

    def segment(self, segment_id: int) -> Segment:
        sid = int(segment_id)
        r = None
        if _SQL_INT_MIN <= sid <= _SQL_INT_MAX:  # a larger number is no segment (SQLite cannot even compare it)
            r = self.db.execute(
                "SELECT s.*, c.fps_num, c.fps_den FROM segments s JOIN clips c ON s.clip_id = c.id WHERE s.id=?", (sid,)
            ).fetchone()
        if r is None:
            raise InputError(self.folder, f"no segment {segment_id} in this project")
        return _segment(r)

    def profiles(self) -> List[Profile]:
        return [_profile(r) for r in self.db.execute("SELECT * FROM profiles ORDER BY name")]

    def profile(self, name: str) -> Profile:
        r = self.db.execute("SELECT * FROM profiles WHERE name=?", (name,)).fetchone()
        if r is None:
            raise InputError(self.folder, f"no device profile '{name}' in this project")
        return _profile(r)

    def device_for(self, clip_id: str, override: Optional[str] = None):
        """The DevicePreset a clip simulates with: ``override`` (profile name, preset id or JSON
        path), else the clip's profile, else the default preset."""
        from ..sim.devices import DEFAULT_PRESET, load_preset

        clip = self.clip(clip_id)
        name = override or clip.profile or DEFAULT_PRESET
        r = self.db.execute("SELECT * FROM profiles WHERE name=?", (name,)).fetchone()
        if r is not None:
            return _profile(r).preset()
        if not override and is_device_file(name):  # stored as a path by schema v2 (see store)
            found = legacy_device_file(name, self.folder, cwd_only=True)
            if found is None:
                stem = Path(name).stem
                raise InputError(
                    None,
                    f"clip '{clip.id}' uses the device file '{name}', which an older version stored as a path "
                    "relative to the folder it was added from; it is not found from here: store it in the "
                    f"project with: imu2safety project profile {self.folder} {stem} --from PATH/{Path(name).name} "
                    f"--clips {clip.id}",
                )
            return load_preset(found)
        return load_preset(name)

    def motion_file(self, clip_id: str) -> Path:
        """The clip's motion file in the project cache (never a file outside the project folder)."""
        c = self.clip(clip_id)
        if not c.motion_path:
            raise InputError(self.folder, f"clip '{clip_id}' has no motion yet (video not reconstructed)")
        return cache_file(self.folder, c.motion_path, f"clip '{clip_id}'")

    def load_motion(self, clip_id: str, trimmed: bool = False):
        """The clip's Motion (checked against the stored hash); ``trimmed`` applies the trim."""
        return load_clip_motion(self.folder, self.clip(clip_id), trimmed)

    def history(self, limit: Optional[int] = None) -> List[LogEntry]:
        """The edit log, oldest first (the last ``limit`` entries if given)."""
        if limit is None:
            rows = self.db.execute("SELECT * FROM edit_log ORDER BY seq").fetchall()
        else:
            rows = self.db.execute("SELECT * FROM edit_log ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()[::-1]
        return [
            LogEntry(
                r["seq"], r["time_utc"], r["who"], r["action"], r["command"], r["text"], _changes(r), r["merge_key"]
            )
            for r in rows
        ]

    def snapshot(self) -> Dict[str, Any]:
        """Clips, segments, profiles and taxonomy read in one transaction (for export)."""
        self.db.execute("BEGIN")
        try:
            out = {
                "clips": self.clips(),
                "segments": self.segments(),
                "profiles": self.profiles(),
                "taxonomy": self.taxonomy,
                "name": self.name,
            }
        finally:
            self.db.execute("COMMIT")
        return out

    # -- editing -------------------------------------------------------------------------------
    def execute(self, cmd: Command) -> Command:
        """Do a command and push it on the undo stack (merging drags). Returns the command."""
        self.stack.push(cmd)
        return cmd

    def undo(self) -> Optional[Command]:
        return self.stack.undo()

    def redo(self) -> Optional[Command]:
        return self.stack.redo()

    def can_undo(self) -> bool:
        return self.stack.can_undo()

    def can_redo(self) -> bool:
        return self.stack.can_redo()

    def undo_text(self) -> Optional[str]:
        return self.stack.undo_text()

    def redo_text(self) -> Optional[str]:
        return self.stack.redo_text()

    def add_clip(
        self,
        path,
        subject: str = "",
        clip_id: Optional[str] = None,
        wrist: str = "left",
        profile: Optional[str] = None,
        seed: Optional[int] = None,
        notes: str = "",
        reconstruct: Optional[Dict[str, Any]] = None,
        progress=None,
        cancel=None,
        warn: Optional[Callable[[AddWarning], None]] = None,
    ) -> Clip:
        """Add a motion ``.npz`` or a video as a new clip; one undoable command.

        A motion file is copied into ``cache/motion/<id>.npz``. A video (``.mp4``, ``.avi``, ...) is
        reconstructed with :func:`core.reconstruct.reconstruct_video` (keyword arguments in
        ``reconstruct``: person, pose_model, lifter, detector, device; 2D keypoints are cached in
        ``cache/pose2d``) and the motion written there; the clip keeps the video's path and hash.

        ``clip_id`` must be free (an error otherwise); without it the id comes from the file name,
        with ``-2``, ``-3``, ... when taken. The motion is checked with
        :func:`.add_checks.check_motion_storable` (errors) and :func:`.add_checks.check_new_motion`;
        each :class:`.add_checks.AddWarning` goes to ``warn`` (default: ``warnings.warn``).
        """
        from ..motion.interchange import load_motion

        self._writable()
        path = Path(path)
        is_video = path.suffix.lower() in VIDEO_SUFFIXES
        if clip_id is not None:
            check_clip_id(clip_id, self.folder)
            if self._id_taken(clip_id):
                raise InputError(
                    self.folder,
                    f"clip id '{clip_id}' is already used by a clip of this project (or by one that undo may bring "
                    "back): choose another --id, or leave it out to name the clip after its file",
                )
        cid = clip_id if clip_id is not None else self._unique_clip_id(_slug(path.stem))
        profile_cmd = None
        if is_device_file(profile) and self._row("profiles", profile) is None:
            profile, profile_cmd = self._profile_from_file(Path(profile))
        rel = Path(CACHE_DIR) / "motion" / f"{cid}.npz"
        dest = self.folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        video_path = video_sha = None
        if is_video:
            try:
                from ..reconstruct.pipeline import reconstruct_video
            except ImportError:
                raise InputError(
                    path,
                    "adding videos needs the reconstruction step (core/reconstruct.py), "
                    "which this build does not have: reconstruct to a motion .npz and add that",
                ) from None
            kw = dict(reconstruct or {})
            kw.setdefault("cache_dir", self.folder / CACHE_DIR / "pose2d")
            with writing_for_project(self.folder):
                motion = reconstruct_video(path, out=dest, progress=progress, cancel=cancel, **kw)
            video_path = path_text(path.resolve())
            video_sha = motion.meta.get("video_sha256") or _sha256(path)
            sha = _sha256(dest)
        else:
            motion = load_motion(path)
            sha = _sha256(path)
        source_sha = video_sha if is_video else sha
        try:
            fps = check_motion_storable(motion, path)
            found = check_new_motion(self, motion, path, subject, sha)
            if not is_video:
                with atomic_path(dest, suffix=".npz", owner=self.folder) as tmp:
                    shutil.copyfile(path, tmp)
                if _sha256(dest) != sha:
                    raise InputError(path, "changed while it was being added; add it again")
            row = dict(
                id=cid,
                motion_path=str(rel),
                motion_sha256=sha,
                source_path=path_text(path.resolve()),
                subject=str(subject or ""),
                fps=float(fps),
                n_frames=motion.n_frames,
                trim_in=0,
                trim_out=motion.n_frames,
                notes=notes,
                added_utc=_now(),
                fps_num=fps.numerator,
                fps_den=fps.denominator,
                video_path=video_path,
                video_sha256=video_sha,
                wrist=wrist,
                profile=profile,
                seed=int(seed) if seed is not None else int(sha[:8], 16) % (2**31),
                source_sha256=source_sha,
            )
            self._validate_clip(row, new_profile=profile if profile_cmd else None)
            self.execute(Batch([profile_cmd, AddClip(row)], text="add clip") if profile_cmd else AddClip(row))
        except BaseException:
            if self._row("clips", cid) is None:
                try:
                    dest.unlink()
                except OSError:
                    pass
            raise
        for w in found:
            if warn is not None:
                warn(w)
            else:
                import warnings

                warnings.warn(str(w), ClipWarning, stacklevel=2)
        return self.clip(cid)

    def add_prepared_clip(
        self,
        row: Dict[str, Any],
        segments: Sequence[Dict[str, Any]] = (),
        replace: Optional[str] = None,
        text: Optional[str] = None,
    ) -> Clip:
        """Add a clip whose motion file is already in the project folder, with its labelled segments: one
        transaction and one undo step (what a batch's single writer commits for each converted file).

        ``row`` holds the clips columns (``motion_path`` relative to the folder, ``provenance`` a dict);
        ``segments`` are :class:`~.commands.AddSegment` keyword arguments (``start_frame``, ``end_frame``,
        ``behaviour``, ``safety``, optional ``phase``, ``confidence``, ``annotator``, ...). ``replace``: the id
        of a clip deleted in the same step (a batch's ``--force`` redo); the new clip may take its id.
        Any invalid field or segment rolls the whole step back.
        """
        from .commands import AddSegment, Batch, DeleteClip

        self._writable()
        row = dict(row)
        check_clip_id(row["id"], self.folder)
        row["provenance"] = json.dumps(row.get("provenance") or {}, sort_keys=True, default=str)
        if not (self.folder / row["motion_path"]).is_file():
            raise InputError(self.folder / row["motion_path"], "motion file of the new clip is missing")
        self._validate_clip(row)
        cmds: List[Command] = [DeleteClip(replace)] if replace else []
        cmds.append(AddClip(row))
        cmds += [AddSegment(row["id"], **s) for s in segments]
        self.execute(Batch(cmds, text=text or f"add clip {row['id']}"))
        return self.clip(row["id"])

    def unique_clip_id(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``, ...: an id no clip has and no cached motion file uses."""
        return self._unique_clip_id(base)

    def import_keys(self) -> Dict[str, List[str]]:
        """``{import_key: [clip ids]}`` of the clips that have one (see :attr:`Clip.import_key`)."""
        out: Dict[str, List[str]] = {}
        for key, cid in self.db.execute("SELECT import_key, id FROM clips WHERE import_key IS NOT NULL ORDER BY id"):
            out.setdefault(key, []).append(cid)
        return out

    def clip_ids_in_history(self) -> set:
        """Ids of every clip the edit log has ever added or changed (an undone clip can come back by redo,
        so its cached files must stay)."""
        rows = self.db.execute(
            "SELECT DISTINCT json_extract(c.value, '$.key') FROM edit_log, json_each(edit_log.changes) AS c "
            "WHERE json_extract(c.value, '$.table') = 'clips'"
        )
        return {r[0] for r in rows} | {c.id for c in self.clips()}

    def subscribe(self, callback: Callable[[ProjectEvent], None]) -> int:
        """Call ``callback(ProjectEvent)`` after every committed change; returns a token."""
        self._next_token += 1
        self._listeners[self._next_token] = callback
        return self._next_token

    def unsubscribe(self, token: int) -> None:
        self._listeners.pop(token, None)

    # -- internals used by commands ------------------------------------------------------------
    def _writable(self) -> None:
        if self.readonly:
            raise InputError(self.folder, "project is open read-only")
        if self.db is None:
            raise InputError(self.folder, "project is closed")

    def _run(self, cmd: Command, action: str) -> None:
        self._writable()
        with _tx(self.db):
            if action == "do":
                changes = cmd._compute_apply(self)
                cmd.changes = changes
            else:
                changes = cmd.changes
                self._apply(changes, forward=(action == "redo"))
            self.db.execute(
                "INSERT INTO edit_log (time_utc, who, action, command, text, changes, merge_key) "
                "VALUES (?,?,?,?,?,?,?)",
                (
                    _now(),
                    self.who,
                    action,
                    getattr(cmd, "kind", type(cmd).__name__),
                    cmd.text,
                    json.dumps([c.to_dict() for c in changes], default=str),
                    cmd.merge_key,
                ),
            )
        if any(c.table == "meta" for c in changes):
            self._taxonomy = None
        clip_ids = set()
        for c in changes:
            for row in (c.before, c.after):
                if row:
                    clip_ids.add(
                        row.get("clip_id") if c.table == "segments" else row.get("id") if c.table == "clips" else None
                    )
        event = ProjectEvent(action, cmd, frozenset(c.table for c in changes), frozenset(clip_ids - {None}))
        for cb in list(self._listeners.values()):
            cb(event)

    def _apply(self, changes: List[Change], forward: bool) -> None:
        seq = changes if forward else list(reversed(changes))
        for c in seq:
            old, new = (c.before, c.after) if forward else (c.after, c.before)
            key = TABLE_KEYS[c.table]
            if new is None:
                self.db.execute(f"DELETE FROM {c.table} WHERE {key}=?", (c.key,))
            elif old is None:
                cols = list(new)
                self.db.execute(
                    f"INSERT INTO {c.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    [new[k] for k in cols],
                )
            else:
                cols = [k for k in new if k != key]
                self.db.execute(
                    f"UPDATE {c.table} SET {', '.join(k + '=?' for k in cols)} WHERE {key}=?",
                    [new[k] for k in cols] + [c.key],
                )

    def _row(self, table: str, key) -> Optional[Dict[str, Any]]:
        if isinstance(key, int) and not _SQL_INT_MIN <= key <= _SQL_INT_MAX:
            return None
        r = self.db.execute(f"SELECT * FROM {table} WHERE {TABLE_KEYS[table]}=?", (key,)).fetchone()
        return None if r is None else dict(r)

    def _require(self, table: str, key) -> Dict[str, Any]:
        row = self._row(table, key)
        if row is None:
            what = {"clips": "clip", "segments": "segment", "profiles": "device profile"}.get(table, table)
            raise InputError(self.folder, f"no {what} '{key}' in this project")
        return row

    def _rows(self, table: str, column: str, value) -> List[Dict[str, Any]]:
        return [dict(r) for r in self.db.execute(f"SELECT * FROM {table} WHERE {column}=?", (value,))]

    def _all(self, table: str) -> List[Dict[str, Any]]:
        return [dict(r) for r in self.db.execute(f"SELECT * FROM {table}")]

    def _next_segment_id(self) -> int:
        r = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name='segments'").fetchone()
        top = self.db.execute("SELECT max(id) FROM segments").fetchone()[0]
        return max(r[0] if r else 0, top or 0) + 1

    @staticmethod
    def _now() -> str:
        return _now()

    def store_device_file(self, path: str | os.PathLike) -> str:
        """Store the device JSON at ``path`` as a profile (one undo step, unless a profile already holds that
        content) and return the profile's name (see :func:`.store.device_profile_from_file`)."""
        self._writable()
        name, cmd = self._profile_from_file(Path(path))
        if cmd is not None:
            self.execute(cmd)
        return name

    def _profile_from_file(self, path: Path):
        """``(profile name, SetProfile or None)`` storing the device JSON at ``path`` in the project."""
        taken = {r["name"]: r["data"] for r in self.db.execute("SELECT name, data FROM profiles")}
        name, data, base, new = device_profile_from_file(path, taken)
        return name, (SetProfile(name, data, base=base) if new else None)

    def _validate_clip(
        self, row: Dict[str, Any], before: Optional[Dict[str, Any]] = None, new_profile: Optional[str] = None
    ) -> None:
        """InputError for an invalid clip row (``before``: the row it replaces; a profile that did not
        change is not checked again, so a clip keeps working while its v2 device file is missing)."""
        n = int(row["n_frames"])
        a, b = row["trim_in"], row["trim_out"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b)):
            raise InputError(None, f"trim frames must be whole numbers, got {a!r}, {b!r}")
        if not (0 <= a < b <= n) or b - a < 2:
            raise InputError(
                None, f"clip '{row['id']}': trim [{a}, {b}) must lie in [0, {n}] and keep at least 2 frames"
            )
        if row["wrist"] not in ("left", "right"):
            raise InputError(None, f"wrist must be 'left' or 'right', got {row['wrist']!r}")
        if isinstance(row["seed"], bool) or not isinstance(row["seed"], int) or row["seed"] < 0:
            raise InputError(None, f"seed must be a whole number >= 0, got {row['seed']!r}")
        prof = row.get("profile")
        if prof and prof != new_profile and not (before is not None and before.get("profile") == prof):
            if self._row("profiles", prof) is None and is_device_file(prof):
                raise InputError(
                    None,
                    f"device '{prof}' is a file: store it in the project first "
                    f"(imu2safety project profile {self.folder} NAME --from {prof}) and use that profile's name",
                )
            if self._row("profiles", prof) is None:
                from ..sim.devices import load_preset

                load_preset(row["profile"])  # a built-in preset id, or PresetError

    def _validate_segment(self, row: Dict[str, Any]) -> None:
        clip = self._row("clips", row["clip_id"])
        if clip is None:
            raise InputError(None, f"no clip '{row['clip_id']}' in this project")
        a, b = row["start_frame"], row["end_frame"]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b)):
            raise InputError(None, f"segment frames must be whole numbers, got {a!r}, {b!r}")
        if not (0 <= a < b <= clip["n_frames"]):
            raise InputError(
                None,
                f"segment [{a}, {b}) must satisfy 0 <= start < end <= {clip['n_frames']} "
                f"(frames of clip '{row['clip_id']}')",
            )
        self.taxonomy.check_segment(row["behaviour"], row["safety"], row.get("phase"), row.get("severity"))
        c = row["confidence"]
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not 0.0 <= c <= 1.0:
            raise InputError(None, f"confidence must be in [0, 1], got {c!r}")

    def _id_taken(self, cid: str) -> bool:
        """A clip has the id, or its cache file exists (a clip that undo removed may come back)."""
        return self._row("clips", cid) is not None or os.path.lexists(self.folder / CACHE_DIR / "motion" / f"{cid}.npz")

    def _unique_clip_id(self, base: str) -> str:
        """``base``, or ``base-2``, ``base-3``, ... : the first id not taken."""
        if not self._id_taken(base):
            return base
        k = 2
        while self._id_taken(f"{base}-{k}"):
            k += 1
        return f"{base}-{k}"


class _tx:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on any exception)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self):
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")
        return False


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _default_who() -> str:
    try:
        return os.environ.get("IMU2SAFETY_ANNOTATOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


_sha256 = sha256_file


def load_clip_motion(folder: Path, clip: Clip, trimmed: bool = False):
    """A clip's Motion from the project cache, checked against its stored hash (no database: thread-safe)."""
    from ..motion.interchange import load_motion

    if not clip.motion_path:
        raise InputError(folder, f"clip '{clip.id}' has no motion yet (video not reconstructed)")
    path = cache_file(folder, clip.motion_path, f"clip '{clip.id}'")
    check_motion_hash(path, clip.motion_sha256, clip.id)
    m = load_motion(path)
    if not isinstance(m.meta, dict):
        raise InputError(path, f"clip '{clip.id}': the motion's 'meta' is not a JSON object; re-add the clip")
    clip.seconds(0)  # InputError when no valid frame rate is stored
    n, a, b = clip.n_frames, clip.trim_in, clip.trim_out
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (n, a, b)) or n != m.n_frames:
        raise InputError(
            Path(folder) / DB_NAME,
            f"clip '{clip.id}': the stored frame count {n!r} is not its motion's {m.n_frames} (the database was "
            f"edited by another program?): remove the clip (imu2safety project remove {folder} {clip.id}) and add "
            "it again",
        )
    if not (0 <= a < b <= n and b - a >= 2):
        raise InputError(
            Path(folder) / DB_NAME,
            f"clip '{clip.id}': the stored trim {a!r}-{b!r} does not fit its {n} frames; reset it: "
            f"imu2safety project trim {folder} {clip.id} --reset",
        )
    m.meta = dict(m.meta, path=str(path), clip=clip.id)
    return m.slice(clip.trim_in, clip.trim_out) if trimmed else m


def check_motion_hash(path: Path, sha256: Optional[str], clip_id: str) -> None:
    """InputError when a clip's cached motion is not the file that was added (or no hash was stored:
    a clip's file is never read unchecked)."""
    if not sha256:
        raise InputError(
            path,
            f"clip '{clip_id}' has no recorded sha256, so its motion cannot be checked (the project database "
            "was edited by another program?); re-add the clip",
        )
    if _sha256(path) != sha256:
        raise InputError(
            path, f"motion of clip '{clip_id}' changed since it was added (sha256 differs); re-add the clip"
        )


def check_clip_id(clip_id: str, where=None) -> None:
    """InputError unless ``clip_id`` is a plain name (it names files and HDF5 groups)."""
    if (
        not isinstance(clip_id, str)
        or not clip_id.strip()
        or clip_id.startswith(".")
        or any(ch in "/\\" or not ch.isprintable() for ch in clip_id)
    ):
        raise InputError(
            where,
            f"clip id {clip_id!r} must be a plain name: no '/' or '\\', "
            "no control characters, not blank, not starting with '.'",
        )


def _slug(stem: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-") or "clip"
    return s if s[0].isalpha() else "c" + s


def _stored_int(v) -> int:
    """An integer column as stored, or -1 when another program stored something else (reported where used)."""
    return v if isinstance(v, int) and not isinstance(v, bool) else -1


def _clip(r) -> Clip:
    return Clip(
        id=r["id"],
        motion_path=r["motion_path"],
        motion_sha256=r["motion_sha256"],
        source_path=r["source_path"],
        video_path=r["video_path"],
        video_sha256=r["video_sha256"],
        subject=r["subject"],
        fps=fps_fraction(r),
        n_frames=_stored_int(r["n_frames"]),
        trim_in=_stored_int(r["trim_in"]),
        trim_out=_stored_int(r["trim_out"]),
        wrist=r["wrist"],
        profile=r["profile"],
        seed=_stored_int(r["seed"]),
        notes=r["notes"],
        added_utc=r["added_utc"],
        source_sha256=r["source_sha256"],
        import_key=r["import_key"],
        provenance=json.loads(r["provenance"] or "{}"),
    )


def _segment(r) -> Segment:
    fps = fps_fraction(r) or Fraction(1)  # a clip without a valid rate is reported where its times are used
    return Segment(
        id=r["id"],
        clip_id=r["clip_id"],
        start_frame=r["start_frame"],
        end_frame=r["end_frame"],
        start_s=Fraction(r["start_frame"]) / fps,
        end_s=Fraction(r["end_frame"]) / fps,
        behaviour=r["behaviour"],
        safety=r["safety"],
        severity=r["severity"],
        phase=r["phase"],
        confidence=r["confidence"],
        occluded=bool(r["occluded"]),
        partly_out_of_frame=bool(r["partly_out_of_frame"]),
        annotator=r["annotator"],
        created_utc=r["created_utc"],
        modified_utc=r["modified_utc"],
    )


def _changes(r) -> List[Change]:
    """An edit-log entry's changes; none when another program stored something unreadable (its undo does
    nothing rather than keeping the project from opening)."""
    try:
        return [Change.from_dict(c) for c in json.loads(r["changes"])]
    except (TypeError, ValueError, KeyError, AttributeError):
        return []


def _restore_hint_for(folder: Path) -> str:
    from .store import _restore_hint

    return _restore_hint(folder)


def _profile(r) -> Profile:
    try:
        data = json.loads(r["data"])
    except (TypeError, ValueError):
        data = None
    if not isinstance(data, dict):
        raise InputError(
            None,
            f"device profile '{r['name']}' in the project is not a JSON object (the database was edited by "
            "another program?); set it again: imu2safety project profile DIR NAME --from PRESET",
        )
    return Profile(name=r["name"], base=r["base"], data=data, modified_utc=r["modified_utc"])
