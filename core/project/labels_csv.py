"""Label tables as CSV: what researchers edit in a spreadsheet and script.

Columns (header required, any order): ``clip,start_s,end_s,behaviour,safety``
and optionally ``phase,confidence,annotator,severity,occluded,partly_out_of_frame``.
Times are seconds of the clip's source video (not of the trimmed part); they
snap to the nearest frame of the clip's exact rate, and an end is exclusive.
``clip`` is the clip id. Behaviours and safety levels may be written as ids,
codes or display names, phases as ids or names, in any case and with spaces,
'-' or '_' between words ("Losing balance" = ``losing_balance`` = ``1``); a phase
must be one of its behaviour's phases. Numbers are plain decimals (``1.5``,
``2e-3``; not ``1_0``, ``0x1`` or ``inf``). Flags are 0/1 (also true/false,
yes/no). Export writes times with 9 decimals, so export -> import reproduces the
frames exactly.

Import is idempotent: a row whose clip, start and end frames and behaviour match
an existing segment leaves it as it is, or updates the fields the file gives
(safety, phase, severity, confidence, flags, annotator); other rows are added.
Importing the same file twice changes nothing the second time. With
``replace=True`` the segments of every clip named in the file are deleted first
(the file becomes those clips' labels; other clips keep theirs).

Import checks every row first and applies all of them as one command (one
transaction, one undo step); any bad row is an error naming ``FILE:LINE`` and
nothing of that file is applied.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Dict, List, Tuple

from ..base.atomic import atomic_path
from ..base.csvio import csv_rows, read_header, read_text_file
from ..base.errors import InputError
from .commands import AddSegment, Batch, Command, DeleteSegment, UpdateSegment
from .project import Project

REQUIRED = ("clip", "start_s", "end_s", "behaviour", "safety")
OPTIONAL = ("phase", "confidence", "annotator", "severity", "occluded", "partly_out_of_frame")
COLUMNS = REQUIRED + OPTIONAL
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]{1,9}", re.ASCII)
MAX_SECONDS = Decimal(10) ** 9  # ~32 years: far beyond any clip, small enough to convert exactly at once


@dataclass
class LabelRow:
    """One checked CSV row: the segment fields, and which optional columns the file gave."""

    line: int
    fields: Dict[str, object]
    given: Tuple[str, ...]

    @property
    def key(self) -> Tuple:
        f = self.fields
        return (f["clip_id"], f["start_frame"], f["end_frame"], f["behaviour"])


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0  # replaced segments (replace=True)

    def __str__(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} already there"
        return text + (f", {self.deleted} replaced" if self.deleted else "")


def read_label_rows(project: Project, path: str | os.PathLike) -> List[LabelRow]:
    """Parse and check a label CSV against the project (see the module doc)."""
    path = Path(path)
    reader = csv_rows(io.StringIO(read_text_file(path)), path)
    header = read_header(reader, path, REQUIRED, COLUMNS)
    given = tuple(c for c in OPTIONAL if c in header)
    tax = project.taxonomy
    clips = {c.id: c for c in project.clips()}
    rows: List[LabelRow] = []
    seen: Dict[Tuple, int] = {}
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
        if not end > start:
            raise InputError(where, f"end_s {r['end_s']} must be after start_s {r['start_s']}")
        span = f"(0-{float(clip.seconds(clip.n_frames)):.3f} s)"
        if start < 0 or end > MAX_SECONDS:
            raise InputError(where, f"segment {r['start_s']}-{r['end_s']} s lies outside clip '{clip.id}' {span}")
        a, b = _frame(Fraction(start), clip.fps), _frame(Fraction(end), clip.fps)
        if b <= a:
            raise InputError(where, f"segment {r['start_s']}-{r['end_s']} s is shorter than one frame")
        if a < 0 or b > clip.n_frames:
            raise InputError(where, f"segment {r['start_s']}-{r['end_s']} s lies outside clip '{clip.id}' {span}")
        severity = None
        if r.get("severity"):
            if not _INTEGER.fullmatch(r["severity"]):
                raise InputError(where, f"severity must be a whole number, got '{r['severity']}'")
            severity = int(r["severity"])
        behaviour = tax.resolve_behaviour(r["behaviour"], where)
        safety = tax.resolve_safety(r["safety"], where)
        phase = tax.resolve_phase(r.get("phase"), where)
        tax.check_segment(behaviour, safety, phase, severity, where)
        conf = 1.0
        if r.get("confidence"):
            conf = float(r["confidence"]) if _DECIMAL.fullmatch(r["confidence"]) else float("nan")
            if not 0.0 <= conf <= 1.0:
                raise InputError(where, f"confidence must be a number in [0, 1], got '{r['confidence']}'")
        fields = dict(
            clip_id=clip.id,
            start_frame=a,
            end_frame=b,
            behaviour=behaviour,
            safety=safety,
            phase=phase,
            confidence=conf,
            severity=severity,
            occluded=_flag(r.get("occluded", ""), "occluded", where),
            partly_out_of_frame=_flag(r.get("partly_out_of_frame", ""), "partly_out_of_frame", where),
            annotator=r.get("annotator") or None,
        )
        lr = LabelRow(line, fields, given)
        if lr.key in seen:
            raise InputError(
                where,
                f"repeats line {seen[lr.key]} (same clip, frames {a}-{b} and behaviour '{behaviour}'); "
                "remove one of them",
            )
        seen[lr.key] = line
        rows.append(lr)
    return rows


def plan_import(project: Project, rows: List[LabelRow], replace: bool = False) -> Tuple[List[Command], ImportResult]:
    """The commands that make the project hold ``rows`` (see the module doc) and what they do."""
    result = ImportResult()
    cmds: List[Command] = []
    existing: Dict[Tuple, object] = {}
    if replace:
        for cid in sorted({r.fields["clip_id"] for r in rows}):
            for s in project.segments(cid):
                cmds.append(DeleteSegment(s.id))
                result.deleted += 1
    else:
        for s in project.segments():
            existing.setdefault((s.clip_id, s.start_frame, s.end_frame, s.behaviour), s)
    for r in rows:
        f = r.fields
        seg = existing.get(r.key)
        if seg is None:
            cmds.append(AddSegment(**f))
            result.added += 1
            continue
        want = {"safety": f["safety"]}
        for col in r.given:
            want[col] = f[col]
        have = {k: getattr(seg, k) for k in want}
        for k in ("occluded", "partly_out_of_frame"):
            if k in have:
                have[k], want[k] = bool(have[k]), bool(want[k])
        if "annotator" in want and want["annotator"] is None:
            want.pop("annotator")
            have.pop("annotator")
        changed = {k: v for k, v in want.items() if have[k] != v}
        if changed:
            cmds.append(UpdateSegment(seg.id, **changed))
            result.updated += 1
        else:
            result.unchanged += 1
    return cmds, result


def import_labels(project: Project, path: str | os.PathLike, replace: bool = False) -> ImportResult:
    """Import a label CSV as one undoable command (idempotent; ``replace``: see the module doc)."""
    rows = read_label_rows(project, path)
    cmds, result = plan_import(project, rows, replace)
    if cmds:
        verb = "replace labels from" if replace else "import labels from"
        project.execute(Batch(cmds, text=f"{verb} {Path(path).name}"))
    return result


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


def _seconds(text: str, name: str, where: str) -> Decimal:
    """A plain decimal number of seconds, rounded to 1e-12 s (so that converting it is cheap)."""
    low = text.strip().lower()
    if low.lstrip("+-") in ("inf", "infinity", "nan"):
        raise InputError(where, f"{name} must be a finite number, got '{text}'")
    if not _DECIMAL.fullmatch(text.strip()):
        raise InputError(where, f"{name} must be a number of seconds (like 1.25 or 2e-3), got '{text}'")
    mantissa, _, exponent = text.strip().lower().partition("e")
    if exponent and len(exponent.lstrip("+-").lstrip("0")) > 4:  # |exponent| >= 10000: no clip is that long
        if exponent.startswith("-") or not Decimal(mantissa):
            return Decimal(0)
        return (MAX_SECONDS + 1).copy_sign(Decimal(mantissa))  # outside every clip; reported by the caller
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise InputError(where, f"{name} must be a number of seconds, got '{text}'") from None
    if abs(d) > MAX_SECONDS:
        return (MAX_SECONDS + 1).copy_sign(d)  # outside every clip; reported by the caller
    return d.quantize(Decimal("1e-12"))


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
