"""Le2i fall dataset: ``<scene>/Videos/video (N).avi`` with ``<scene>/Annotation_files/video (N).txt``.

The annotation file's first two lines are the frame where the fall starts and the frame where it ends (both
0 when the video has no fall); then one line per frame ``frame,?,x1,y1,x2,y2`` with the person's box. Frame
numbers count from 1, as the box lines do; the fall covers frames start..end inclusive, which is the half-open
span ``[start - 1, end)`` of the clip's 0-based frames. The fall maps through ``le2i_events.csv`` (``fall``
-> falling / unsafe; ``no_fall`` -> no segment unless the table names a behaviour). Some scenes spell the
folder ``Annotations_files``; an annotation next to the video (same name, ``.txt``) is read too.

Le2i names no actors: the subject is the scene (``le2i-Home_01``), so a split by subject keeps a scene's
videos together.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from ..convert import VIDEO_SUFFIXES
from ..items import Item, Label
from ..sources import expand_paths
from .mapping import load_mapping

ANNOTATION_DIRS = ("Annotation_files", "Annotations_files", "Annotation", "Annotations")
DESCRIPTION = "Le2i fall videos with their annotation files: fall start/end frames -> falling"


def read_annotation(path: Path) -> Tuple[Optional[Tuple[int, int]], int]:
    """((start, end) 1-based inclusive, or None for no fall; number of box lines). ValueError names the line."""
    lines = [(n, ln.strip()) for n, ln in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)]
    lines = [(n, ln) for n, ln in lines if ln]
    head = [x for x in lines[:2] if "," not in x[1]]
    boxes = [x for x in lines if "," in x[1]]
    for n, ln in boxes:
        parts = ln.split(",")
        if len(parts) < 5 or not all(re.fullmatch(r"-?\d+(\.\d+)?", p.strip()) for p in parts):
            raise ValueError(f"line {n}: expected frame,...,x1,y1,x2,y2 numbers, got {ln[:40]!r}")
    if len(head) < 2:
        return None, len(boxes)
    try:
        start, end = int(head[0][1]), int(head[1][1])
    except ValueError:
        raise ValueError(f"line {head[0][0]}: the fall's start and end frames must be whole numbers") from None
    if start == 0 and end == 0:
        return None, len(boxes)
    if not 1 <= start <= end:
        raise ValueError(f"line {head[0][0]}: fall frames {start}..{end} (need 1 <= start <= end)")
    return (start, end), len(boxes)


def find_annotation(video: Path) -> Optional[Path]:
    candidates = [video.with_suffix(".txt")]
    scene = video.parent.parent if video.parent.name.lower() == "videos" else video.parent
    candidates += [scene / d / f"{video.stem}.txt" for d in ANNOTATION_DIRS]
    return next((c for c in candidates if c.is_file()), None)


def items(paths: Sequence[str], taxonomy, mapping: Optional[str] = None) -> List[Item]:
    table = load_mapping("le2i_events", "event", taxonomy, mapping)
    fall, nofall = table.get("fall"), table.get("no_fall")
    out = []
    for v in expand_paths(paths, suffixes=VIDEO_SUFFIXES):
        scene_dir = v.parent.parent if v.parent.name.lower() == "videos" else v.parent
        scene = scene_dir.name
        ann = find_annotation(v)
        base = dict(
            path=str(v),
            subject=f"le2i-{scene}",
            id_hint=f"{scene}-{re.sub(r'[^A-Za-z0-9_-]+', '_', v.stem).strip('_')}",
        )
        if ann is None:
            out.append(Item(**base, error="no annotation file (Annotation_files/<video>.txt) for this video"))
            continue
        try:
            span, n_boxes = read_annotation(ann)
        except (OSError, ValueError) as exc:
            out.append(Item(**base, error=f"annotation {ann}: {exc}"))
            continue
        labels = []
        row = fall if span else nofall
        if row and row["behaviour"]:
            if span:
                labels.append(Label(row["behaviour"], row["safety"], start=span[0] - 1, end=span[1], unit="frame"))
            else:
                labels.append(Label(row["behaviour"], row["safety"]))
        out.append(
            Item(
                **base,
                labels=labels,
                provenance={
                    "recipe": {"name": "le2i", "dataset": "Le2i fall detection"},
                    "mapping": table.provenance(),
                    "label_source": {
                        "annotation": os.path.abspath(ann),
                        "fall_frames_1based": list(span) if span else None,
                        "box_lines": n_boxes,
                        "scene": scene,
                    },
                },
            )
        )
    return out
