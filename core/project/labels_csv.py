"""Label tables as CSV: what researchers edit in a spreadsheet and script.

Columns (header required, any order): ``clip,start_s,end_s,behaviour,safety``
and optionally ``phase,confidence,annotator,severity,occluded,partly_out_of_frame``.
Times are seconds of the clip's source video (not of the trimmed part); they
snap to the nearest frame of the clip's exact rate, and an end is exclusive.
``clip`` is the clip id. Flags are 0/1 (also true/false, yes/no). Export writes
times with 9 decimals, so export -> import reproduces the frames exactly.

Import checks every row first and applies all of them as one command (one
transaction, one undo step); any bad row is an error naming ``FILE:LINE`` and
nothing of that file is applied.
"""

from __future__ import annotations

import csv
import io
import os
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import List

from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.files import check_input_file
from .commands import AddSegment, Batch
from .project import Project

REQUIRED = ("clip", "start_s", "end_s", "behaviour", "safety")
OPTIONAL = ("phase", "confidence", "annotator", "severity", "occluded", "partly_out_of_frame")
COLUMNS = REQUIRED + OPTIONAL
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


def read_label_rows(project: Project, path: str | os.PathLike) -> List[AddSegment]:
    """Parse and check a label CSV against the project; one AddSegment per row."""
    path = Path(path)
    check_input_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(path, "empty file (needs a header: " + ",".join(REQUIRED) + ")") from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path}:1", f"missing column(s) {', '.join(missing)} (header: {','.join(header)})")
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise InputError(f"{path}:1", f"unknown column '{unknown[0]}' (known: {', '.join(COLUMNS)})")
    if len(set(header)) != len(header):
        raise InputError(f"{path}:1", "a column name appears twice")
    tax = project.taxonomy
    clips = {c.id: c for c in project.clips()}
    cmds: List[AddSegment] = []
    for row in reader:
        line = reader.line_num
        where = f"{path}:{line}"
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(where, f"has {len(row)} fields, the header has {len(header)}")
        r = {h: v.strip() for h, v in zip(header, row)}
        clip = clips.get(r["clip"])
        if clip is None:
            raise InputError(
                where,
                f"unknown clip '{r['clip']}' (project clips: {', '.join(sorted(clips)[:8])}"
                f"{' ...' if len(clips) > 8 else ''})",
            )
        start, end = _seconds(r["start_s"], "start_s", where), _seconds(r["end_s"], "end_s", where)
        a, b = _frame(start, clip.fps), _frame(end, clip.fps)
        if not end > start:
            raise InputError(where, f"end_s {r['end_s']} must be after start_s {r['start_s']}")
        if b <= a:
            raise InputError(where, f"segment {r['start_s']}-{r['end_s']} s is shorter than one frame")
        if a < 0 or b > clip.n_frames:
            raise InputError(
                where,
                f"segment {r['start_s']}-{r['end_s']} s lies outside clip '{clip.id}' "
                f"(0-{float(clip.seconds(clip.n_frames)):.3f} s)",
            )
        severity = None
        if r.get("severity"):
            try:
                severity = int(r["severity"])
            except ValueError:
                raise InputError(where, f"severity must be a whole number, got '{r['severity']}'") from None
        phase = r.get("phase") or None
        tax.check_segment(r["behaviour"], r["safety"], phase, severity, where)
        conf = 1.0
        if r.get("confidence"):
            try:
                conf = float(r["confidence"])
            except ValueError:
                conf = float("nan")
            if not 0.0 <= conf <= 1.0:
                raise InputError(where, f"confidence must be a number in [0, 1], got '{r['confidence']}'")
        cmds.append(
            AddSegment(
                clip.id,
                a,
                b,
                r["behaviour"],
                r["safety"],
                phase=phase,
                confidence=conf,
                severity=severity,
                occluded=_flag(r.get("occluded", ""), "occluded", where),
                partly_out_of_frame=_flag(r.get("partly_out_of_frame", ""), "partly_out_of_frame", where),
                annotator=r.get("annotator") or None,
            )
        )
    return cmds


def import_labels(project: Project, path: str | os.PathLike) -> int:
    """Add every row of a label CSV as one undoable command; returns the number of segments added."""
    cmds = read_label_rows(project, path)
    if cmds:
        project.execute(Batch(cmds, text=f"import labels from {Path(path).name}"))
    return len(cmds)


def export_labels(project: Project, path: str | os.PathLike) -> int:
    """Write all segments (sorted by clip, start) to a CSV atomically; returns the row count."""
    path = Path(path)
    segs = project.segments()
    with atomic_path(path, suffix=".csv") as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            for s in segs:
                w.writerow(
                    [
                        s.clip_id,
                        _fmt(s.start_s),
                        _fmt(s.end_s),
                        s.behaviour,
                        s.safety,
                        s.phase or "",
                        repr(float(s.confidence)),
                        s.annotator,
                        "" if s.severity is None else s.severity,
                        int(s.occluded),
                        int(s.partly_out_of_frame),
                    ]
                )
    return len(segs)


def _fmt(x: Fraction) -> str:
    return f"{Decimal(x.numerator) / Decimal(x.denominator):.9f}"


def _seconds(text: str, name: str, where: str) -> Fraction:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise InputError(where, f"{name} must be a number of seconds, got '{text}'") from None
    if not d.is_finite():
        raise InputError(where, f"{name} must be a finite number, got '{text}'")
    return Fraction(d)


def _frame(seconds: Fraction, fps: Fraction) -> int:
    x = seconds * fps
    return int((x + Fraction(1, 2)).__floor__())  # nearest frame, halves up


def _flag(text: str, name: str, where: str) -> bool:
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise InputError(where, f"{name} must be 0 or 1, got '{text}'")
