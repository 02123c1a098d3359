"""From what the user names to batch items: files, folders and manifests.

- :func:`expand_paths`  files as given; folders searched recursively for motion, skeleton and video files
  (``.npz``, ``.skeleton``, ``.bvh``, ``.npy`` and the video suffixes; ``.csv`` only when named)
- :func:`read_manifest` a CSV with a header: ``path`` and ``subject`` (required), ``clip`` (clip id),
  ``label`` (one behaviour for the whole clip, ``behaviour`` or ``behaviour/safety``) and ``labels`` (a CSV
  of segments for that clip: ``start_s,end_s,behaviour,safety`` and optionally ``phase,confidence,
  annotator``). Relative paths are relative to the manifest's folder.
- :func:`whole_clip_label` a behaviour id (+ optional safety) as one label over the whole clip

Mistakes in a manifest or labels file are errors naming ``FILE:LINE`` before any work starts; a listed file
that is missing or unreadable fails on its own in the batch.
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Iterable, List, Optional

from ..base.csvio import csv_rows, read_header, read_text_file
from ..base.errors import InputError
from .convert import VIDEO_SUFFIXES
from .items import Item, Label

SCAN_SUFFIXES = (".npz", ".skeleton", ".bvh", ".npy") + VIDEO_SUFFIXES
MANIFEST_COLUMNS = ("path", "subject", "clip", "label", "labels")
LABEL_COLUMNS = ("start_s", "end_s", "behaviour", "safety", "phase", "confidence", "annotator")


def expand_paths(paths: Iterable[str | os.PathLike], suffixes=SCAN_SUFFIXES) -> List[Path]:
    """Files in the order given, each folder's files sorted by path; a path that does not exist is kept (it
    fails on its own, naming itself)."""
    out: List[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.suffix.lower() in suffixes and f.is_file() and not f.name.startswith(".")
            )
            out += found
        else:
            out.append(p)
    seen, unique = set(), []
    for p in out:
        key = os.path.abspath(p)
        if key not in seen:
            seen.add(key)
            unique.append(Path(key))
    return unique


def read_csv_rows(path: Path, required, allowed):
    """Header (lower-cased) and (line number, row dict) pairs of a CSV; errors name FILE:LINE."""
    reader = csv_rows(io.StringIO(read_text_file(path)), path)
    header = read_header(reader, path, required, allowed)
    rows = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{path}:{n}", f"{len(row)} values for {len(header)} columns")
        rows.append((n, {h: v.strip() for h, v in zip(header, row)}))
    return header, rows


def whole_clip_label(text: str, taxonomy, where) -> Label:
    """``behaviour`` or ``behaviour/safety`` as a label over the whole clip; the safety level defaults to
    unsafe for the taxonomy's safety-critical behaviours and safe for the others."""
    behaviour, _, safety = text.partition("/")
    behaviour, safety = behaviour.strip(), safety.strip() or default_safety(behaviour.strip(), taxonomy)
    taxonomy.check_segment(behaviour, safety, where=where)
    return Label(behaviour=behaviour, safety=safety)


def default_safety(behaviour: str, taxonomy) -> str:
    b = taxonomy.behaviours.get(behaviour)
    return "unsafe" if b and b.get("group") == "safety_critical" else "safe"


def read_labels_file(path: Path, taxonomy) -> List[Label]:
    """A clip's segments: ``start_s,end_s,behaviour,safety`` (+ ``phase,confidence,annotator``)."""
    _, rows = read_csv_rows(path, LABEL_COLUMNS[:4], LABEL_COLUMNS)
    out = []
    for n, r in rows:
        where = f"{path}:{n}"
        try:
            start, end = float(r["start_s"]), float(r["end_s"])
            conf = float(r["confidence"]) if r.get("confidence") else 1.0
        except ValueError:
            raise InputError(where, "start_s, end_s and confidence must be numbers") from None
        if not all(math.isfinite(v) for v in (start, end, conf)):
            raise InputError(where, "start_s, end_s and confidence must be finite numbers")
        if not (0 <= start < end):
            raise InputError(where, f"need 0 <= start_s < end_s, got {start}, {end}")
        taxonomy.check_segment(r["behaviour"], r["safety"], r.get("phase") or None, where=where)
        out.append(
            Label(
                behaviour=r["behaviour"],
                safety=r["safety"],
                start=start,
                end=end,
                phase=r.get("phase") or None,
                confidence=conf,
                annotator=r.get("annotator") or None,
            )
        )
    return out


def listed_path(text: str, base: Path, where: str) -> Path:
    """A path named in a manifest or recipe CSV, relative to ``base``; one that no file system can hold
    (a NUL byte, a name over 255 bytes, a path over 4096) is an error at ``where`` before anything uses it."""
    if "\0" in text:
        raise InputError(where, "the path holds a NUL byte")
    p = Path(text)
    p = p if p.is_absolute() else base / p
    raw = os.fsencode(p)
    if len(raw) > 4096 or any(len(part) > 255 for part in raw.split(b"/")):
        raise InputError(where, f"the path is too long for a file system ({len(raw)} bytes; names at most 255)")
    return p


def read_manifest(path: str | os.PathLike, taxonomy) -> List[Item]:
    path = Path(path)
    _, rows = read_csv_rows(path, ("path", "subject"), MANIFEST_COLUMNS + ("clip_id",))
    base = path.resolve().parent
    items = []
    clip_ids = {}
    for n, r in rows:
        where = f"{path}:{n}"
        if not r["path"]:
            raise InputError(where, "empty path")
        src = listed_path(r["path"], base, where)
        labels: List[Label] = []
        if r.get("label"):
            labels.append(whole_clip_label(r["label"], taxonomy, where))
        if r.get("labels"):
            labels += read_labels_file(listed_path(r["labels"], base, where), taxonomy)
        cid: Optional[str] = r.get("clip") or r.get("clip_id") or None
        if cid:
            from ..project.project import check_clip_id

            check_clip_id(cid, where)
            if cid in clip_ids:
                raise InputError(where, f"clip id '{cid}' is also on line {clip_ids[cid]}")
            clip_ids[cid] = n
        items.append(
            Item(
                path=str(src.resolve()) if src.exists() else str(src),
                subject=r["subject"],
                clip_id=cid,
                labels=labels,
                origin=where,
                provenance={"manifest": {"path": str(path.resolve()), "line": n}}
                | ({"labels_file": str(r["labels"])} if r.get("labels") else {}),
            )
        )
    if not items:
        raise InputError(path, "the manifest lists no files")
    return items
