"""Kinetics-, UCF- and XD-Violence-style sets: a folder per class, or a CSV of video, start, end, label.

- ``folders``: ``ROOT/<class>/<video>``: every video gets its class folder's name as the label of the whole
  clip; the subject is the video's file name (in these sets each video is its own source).
- ``csv``: a CSV with columns ``video,start,end,label`` (optional ``subject``): one row per labelled span,
  start/end in seconds of the video (empty: its first / last frame); rows of one video make one clip.
  Relative video paths are relative to the CSV's folder.

Labels go through ``generic_labels.csv`` (``--mapping`` for your own): a label that is a taxonomy behaviour
id maps to itself; others by the table (Kinetics' "falling off chair" -> falling, UCF-Crime "Fighting" ->
fighting, XD-Violence "B1" -> fighting, ...); a label found in neither becomes "other"/"safe", and the batch
lists those labels in its warnings so they can be added to the table.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ...base.errors import InputError
from ..convert import VIDEO_SUFFIXES
from ..items import Item, Label
from ..sources import default_safety, listed_path, read_csv_rows
from .mapping import Mapping, load_mapping

DESCRIPTION_FOLDERS = "a folder per class of videos (Kinetics, UCF101 style): class -> taxonomy"
DESCRIPTION_CSV = "a CSV of video,start,end,label (optional subject): spans -> taxonomy"


def map_label(label: str, table: Mapping, taxonomy, unmapped: set) -> Optional[Tuple[str, str]]:
    """(behaviour, safety) for a dataset label, None for a label mapped to no segment."""
    row = table.get(label)
    if row is not None:
        return (row["behaviour"], row["safety"]) if row["behaviour"] else None
    b = label.strip()
    if b in taxonomy.behaviours:
        return b, default_safety(b, taxonomy)
    unmapped.add(label)
    return "other", "safe"


def _provenance(recipe: str, table: Mapping, source: Dict) -> Dict:
    return {"recipe": {"name": recipe}, "mapping": table.provenance(), "label_source": source}


def folder_items(paths: Sequence[str], taxonomy, mapping: Optional[str] = None, warnings=None) -> List[Item]:
    table = load_mapping("generic_labels", "label", taxonomy, mapping)
    unmapped: set = set()
    out = []
    for root in map(Path, paths):
        if not root.is_dir():
            raise InputError(root, "the folders recipe takes folders that hold one folder per class")
        for cls in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            videos = sorted(
                f for f in cls.rglob("*") if f.is_file() and f.suffix.lower() in VIDEO_SUFFIXES and f.name[0] != "."
            )
            lab = map_label(cls.name, table, taxonomy, unmapped)
            for v in videos:
                out.append(
                    Item(
                        path=os.path.abspath(v),
                        subject=v.stem,
                        id_hint=f"{cls.name}-{v.stem}",
                        labels=[Label(*lab)] if lab else [],
                        provenance=_provenance("folders", table, {"class": cls.name}),
                    )
                )
    if warnings is not None and unmapped:
        warnings.append(
            f"{len(unmapped)} class(es) not in {table.path} labelled 'other': {', '.join(sorted(unmapped)[:10])}"
        )
    return out


def csv_items(paths: Sequence[str], taxonomy, mapping: Optional[str] = None, warnings=None) -> List[Item]:
    table = load_mapping("generic_labels", "label", taxonomy, mapping)
    unmapped: set = set()
    out = []
    for csv_path in map(Path, paths):
        _, rows = read_csv_rows(csv_path, ("video", "label"), ("video", "start", "end", "label", "subject"))
        base = csv_path.resolve().parent
        videos: "OrderedDict[str, Dict]" = OrderedDict()
        for n, r in rows:
            where = f"{csv_path}:{n}"
            try:
                start = float(r["start"]) if r.get("start") else None
                end = float(r["end"]) if r.get("end") else None
            except ValueError:
                raise InputError(where, "start and end must be seconds (numbers) or empty") from None
            if not all(v is None or math.isfinite(v) for v in (start, end)):
                raise InputError(where, "start and end must be finite numbers of seconds (or empty)")
            if start is not None and end is not None and not 0 <= start < end:
                raise InputError(where, f"need 0 <= start < end, got {start}, {end}")
            v = listed_path(r["video"], base, where)
            entry = videos.setdefault(str(v), {"subject": r.get("subject") or v.stem, "labels": [], "lines": []})
            lab = map_label(r["label"], table, taxonomy, unmapped)
            if lab:
                entry["labels"].append(Label(lab[0], lab[1], start=start, end=end))
            entry["lines"].append(n)
        for v, e in videos.items():
            out.append(
                Item(
                    path=os.path.abspath(v),
                    subject=e["subject"],
                    labels=e["labels"],
                    origin=f"{csv_path}:{e['lines'][0]}",
                    provenance=_provenance("csv", table, {"csv": str(csv_path.resolve()), "lines": e["lines"]}),
                )
            )
    if warnings is not None and unmapped:
        warnings.append(
            f"{len(unmapped)} label(s) not in {table.path} labelled 'other': {', '.join(sorted(unmapped)[:10])}"
        )
    return out
