"""The single writer: stores what workers return and commits each clip, one transaction per file.

The process that runs a batch holds the project's writer lock for the whole batch; only it touches the
project folder. For each successful :class:`~.items.Result` it writes the clip's files (motion, simulated
IMU, attachments such as a real reference recording) atomically under ``cache/``, then adds the clip and its
labelled segments as one undoable step (:meth:`Project.add_prepared_clip`).

Killed at any moment (``kill -9`` included), a batch leaves committed clips complete and nothing else: files
written for a clip whose commit never happened are removed when the next batch starts
(:meth:`Writer.remove_orphans`), and a re-run redoes exactly the files that are not in the project.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from ..base.atomic import atomic_path, fsync_paths
from ..base.errors import InputError, path_text
from ..project.store import CACHE_DIR
from .items import Item, Label, Result, is_video

CACHE_KINDS = ("motion", "imu", "real")  # subfolders of cache/ the writer fills


class Writer:
    """Commits results into an open (writable) project; see the module's docstring."""

    def __init__(self, project, force: bool = False, sync_every_s: float = 2.0):
        self.project = project
        self.force = force
        # durability in rounds: each clip commits without waiting for the disk (SQLite synchronous=NORMAL, files
        # without fsync: a killed process loses nothing the kernel has), and every sync_every_s the files written
        # since are flushed together and then the database (see sync()); one fsync per file and per commit cost
        # 20 ms a clip, which capped a whole cluster at ~50 clips/s through this one writer
        self.sync_every_s = sync_every_s
        self._unsynced: List[Path] = []
        self._last_sync = time.monotonic()
        project.db.execute("PRAGMA synchronous = NORMAL")
        self.keys: Dict[str, List[str]] = project.import_keys()  # import key -> ids of clips made with it
        self.stats: Dict[Tuple[str, int, int, str], str] = {}  # (path, size, mtime_ns, fingerprint) -> key
        for c in project.clips():
            src = c.provenance.get("source") or {}
            if c.import_key and {"path", "size", "mtime_ns", "fingerprint"} <= set(src):
                self.stats[(src["path"], src["size"], src["mtime_ns"], src["fingerprint"])] = c.import_key
        self.cache = Path(project.folder) / CACHE_DIR

    # -- before the batch ------------------------------------------------------------------------
    def remove_orphans(self) -> List[Path]:
        """Delete cache files no clip (now, or anywhere in the undo history) refers to: what a batch killed
        between writing a clip's files and committing it left behind. Returns the removed paths."""
        used = set()
        db = self.project.db
        for (row,) in db.execute("SELECT motion_path FROM clips WHERE motion_path IS NOT NULL"):
            used.add(os.path.normpath(row))
        for (prov,) in db.execute("SELECT provenance FROM clips"):
            used |= _paths_in(prov)
        rows = db.execute(
            "SELECT json_extract(c.value, '$.before.motion_path'), json_extract(c.value, '$.after.motion_path'), "
            "json_extract(c.value, '$.before.provenance'), json_extract(c.value, '$.after.provenance') "
            "FROM edit_log, json_each(edit_log.changes) AS c WHERE json_extract(c.value, '$.table') = 'clips'"
        )
        for mb, ma, pb, pa in rows:
            used |= {os.path.normpath(m) for m in (mb, ma) if m}
            used |= _paths_in(pb) | _paths_in(pa)
        removed = []
        for kind in CACHE_KINDS:
            folder = self.cache / kind
            if not folder.is_dir():
                continue
            for f in folder.iterdir():
                rel = os.path.normpath(os.path.join(CACHE_DIR, kind, f.name))
                if f.is_file() and rel not in used and not f.name.startswith("."):
                    f.unlink()
                    removed.append(f)
                elif f.is_file() and f.name.startswith(".") and f.suffix in (".npz", ".h5", ".tmp"):
                    f.unlink()  # an atomic write's temporary that a kill left behind
                    removed.append(f)
        return removed

    def existing(self, item: Item, key: Optional[str]) -> Optional[str]:
        """The clip that already holds this item: one made with the same key (file hash + settings) and, when
        the item asks for a clip id, with that id (the same file under another explicit id is another clip)."""
        ids = self.keys.get(key or "", [])
        if item.clip_id:
            return item.clip_id if item.clip_id in ids else None
        return ids[0] if ids else None

    def known(self, item: Item, fingerprint: str) -> Optional[str]:
        """The clip holding an item whose file is unchanged (same path, size and modification time) since a
        clip was made from it with the same settings; None when the file must be read to know."""
        try:
            st = os.stat(item.path)
        except OSError:
            return None
        return self.existing(item, self.stats.get((path_text(item.path), st.st_size, st.st_mtime_ns, fingerprint)))

    # -- one result --------------------------------------------------------------------------------
    def commit(self, item: Item, res: Result, fingerprint: str, settings) -> Tuple[str, str]:
        """Store and commit a successful result. Returns ("added" | "skipped", clip id)."""
        existing = self.existing(item, res.key)
        if existing and not self.force:
            return "skipped", existing  # the same file twice in one batch, or the same bytes under another name
        replace = existing if self.force else None
        if replace:
            cid = replace
        elif item.clip_id:
            cid = item.clip_id
            if self.project.unique_clip_id(cid) != cid:
                raise InputError(item.path, f"clip id '{cid}' is taken by another clip in the project")
        else:
            cid = self.project.unique_clip_id(_slug(item.id_hint or Path(item.path).stem))
        from ..project.add_checks import twin_warnings

        res.warnings += [w.message for w in twin_warnings(self.project, res.motion_sha256, item.path, item.subject)]
        written: List[Path] = []
        try:
            motion_rel = self._store("motion", cid, res.motion_sha256, ".npz", res.motion, written)
            prov: Dict[str, Any] = dict(item.provenance)
            try:
                st = os.stat(item.path)
                prov["source"] = {
                    "path": path_text(item.path),
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                    "fingerprint": fingerprint,
                }
            except OSError:
                prov["source"] = {"path": path_text(item.path)}
            prov["import"] = res.meta
            prov["settings"] = settings.fingerprint_data(is_video(item.path))
            if res.imu is not None:
                imu_rel = self._store("imu", cid, res.imu_info["key"], ".h5", res.imu, written)
                prov["imu"] = dict(res.imu_info, path=imu_rel)
            for name, data in item.attachments.items():
                rel = self._store("real", f"{cid}.{name}", res.key, ".h5", data, written)
                prov.setdefault("attachments", {})[name] = rel
            if res.warnings:
                prov["warnings"] = res.warnings
            fps = Fraction(res.fps_num, res.fps_den)
            video = res.meta.get("video_sha256")
            row = dict(
                id=cid,
                motion_path=motion_rel,
                motion_sha256=res.motion_sha256,
                source_path=path_text(item.path),
                subject=str(item.subject or ""),
                fps=float(fps),
                n_frames=res.n_frames,
                trim_in=0,
                trim_out=res.n_frames,
                notes="",
                added_utc=_now(),
                fps_num=fps.numerator,
                fps_den=fps.denominator,
                video_path=path_text(item.path) if video and not str(item.path).lower().endswith(".zip") else None,
                video_sha256=res.source_sha256 if video else None,
                wrist=settings.wrist,
                profile=settings.device,
                seed=int(res.seed) if settings.simulate else _default_seed(res, settings),
                source_sha256=res.source_sha256,
                import_key=res.key,
                provenance=prov,
            )
            segments = [segment_of(lab, fps, res.n_frames, item.path) for lab in item.labels]
            recipe = (item.provenance.get("recipe") or {}).get("name")
            text = f"add {path_text(Path(item.path).name)}" + (f" ({recipe})" if recipe else "")
            self.project.add_prepared_clip(row, [s for s in segments if s], replace=replace, text=text)
        except BaseException:
            for f in written:
                try:
                    f.unlink()
                except OSError:
                    pass
            raise
        self.keys.setdefault(res.key, []).append(cid)
        self._unsynced += written
        if time.monotonic() - self._last_sync > self.sync_every_s:
            self.sync()
        return "added", cid

    def sync(self) -> None:
        """Make everything committed so far durable: the files first, then the database's log."""
        fsync_paths(self._unsynced)
        self._unsynced = []
        self.project.db.execute("PRAGMA wal_checkpoint(PASSIVE)")  # syncs the write-ahead log
        self._last_sync = time.monotonic()

    def close(self) -> None:
        """The last sync; the project's connection goes back to syncing every commit."""
        try:
            self.sync()
        finally:
            self.project.db.execute("PRAGMA synchronous = FULL")

    def _store(self, kind: str, cid: str, digest: str, suffix: str, data: bytes, written: List[Path]) -> str:
        """Write ``data`` under cache/<kind>/ as <cid><suffix>, or <cid>.<digest12><suffix> when that name is
        used (a redo keeps the replaced clip's file for its undo). Returns the path relative to the project."""
        folder = self.cache / kind
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{cid}{suffix}"
        if path.exists():
            path = folder / f"{cid}.{digest[:12]}{suffix}"
        with atomic_path(path, suffix=suffix, fsync=False, owner=self.project.folder) as tmp:
            tmp.write_bytes(data)
        written.append(path)
        return os.path.join(CACHE_DIR, kind, path.name)


def segment_of(lab: Label, fps: Fraction, n_frames: int, where) -> Optional[Dict[str, Any]]:
    """A label as AddSegment arguments in source frames (half-open, clipped to the clip); None when empty."""
    if lab.unit not in ("s", "frame"):
        raise InputError(where, f"label unit must be 's' or 'frame', got {lab.unit!r}")

    def frame(v, default):
        if v is None:
            return default
        if lab.unit == "frame":
            return int(v)
        return int(round(Fraction(str(v)) * fps))  # exact: a decimal number of seconds times the rational rate

    a = max(0, min(n_frames, frame(lab.start, 0)))
    b = max(0, min(n_frames, frame(lab.end, n_frames)))
    if b <= a:
        return None
    seg = dict(start_frame=a, end_frame=b, behaviour=lab.behaviour, safety=lab.safety, confidence=lab.confidence)
    if lab.phase:
        seg["phase"] = lab.phase
    if lab.annotator:
        seg["annotator"] = lab.annotator
    return seg


def _paths_in(prov_json) -> set:
    if not prov_json:
        return set()
    try:
        prov = json.loads(prov_json)
    except (TypeError, ValueError):
        return set()
    out = set()
    if isinstance(prov.get("imu"), dict) and prov["imu"].get("path"):
        out.add(os.path.normpath(prov["imu"]["path"]))
    for rel in (prov.get("attachments") or {}).values():
        out.add(os.path.normpath(rel))
    return out


def _default_seed(res: Result, settings) -> int:
    if settings.seed is not None:
        return int(settings.seed)
    return int(res.motion_sha256[:8], 16) % (2**31)


def _slug(stem: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_-") or "clip"
    return s if s[0].isalpha() else "c" + s


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
