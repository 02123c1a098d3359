"""Real recordings with their labels, for evaluation and the benchmark.

Signals are read by the realism package's readers (:func:`..realism.real_io.read_recordings`: CSV,
HDF5 and UEA ``.ts``; units, gravity and axis maps as options). Labels come from, in this order:

1. a segments CSV (``--segments``): header ``start_s,end_s,label`` and optionally ``safety`` (safe /
   unsafe / 0 / 1), ``severity`` and ``recording`` (the file name or path the row belongs to; needed
   when several recordings are given). Times are seconds from the recording's first sample, the end
   exclusive;
2. a per-row ``label`` column in a CSV recording (or a ``label`` dataset in an HDF5 one): each run of
   equal labels is a segment from its first row's time to the next run's first time (an empty cell
   is unlabelled);
3. the case label of a ``.ts`` file: one segment over the whole case.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..base.csvio import csv_rows, read_text_file
from ..base.errors import InputError
from ..base.h5read import open_h5

# (start_s, end_s, label, safety (-1 unknown, 0 safe, 1 unsafe), severity (-1 none))
Segment = Tuple[float, float, str, int, int]
_SAFETY = {"safe": 0, "0": 0, "unsafe": 1, "1": 1, "": -1}


@dataclass
class LabelledRecording:
    rec: object  # real_io.RealRecording
    segments: List[Segment]
    label_source: str
    name: str
    notes: List[str] = field(default_factory=list)


def read_segments_csv(path) -> Dict[Optional[str], List[Segment]]:
    """Rows of a segments CSV grouped by ``recording`` (None when the column is absent)."""
    path = Path(path)
    rows = list(csv_rows(io.StringIO(read_text_file(path)), path))
    rows = [(i + 1, r) for i, r in enumerate(rows) if r and "".join(r).strip() and not r[0].lstrip().startswith("#")]
    if not rows:
        raise InputError(path, "empty segments file (needs a header: start_s,end_s,label)")
    header = [h.strip().lower() for h in rows[0][1]]
    for need in ("start_s", "end_s", "label"):
        if need not in header:
            raise InputError(f"{path}:{rows[0][0]}", f"missing column '{need}' (header: {','.join(header)})")
    col = {h: i for i, h in enumerate(header)}
    out: Dict[Optional[str], List[Segment]] = {}
    for lineno, r in rows[1:]:
        where = f"{path}:{lineno}"
        if len(r) < len(header):
            raise InputError(where, f"expected {len(header)} columns, found {len(r)}")
        try:
            s0, s1 = float(r[col["start_s"]]), float(r[col["end_s"]])
        except ValueError:
            raise InputError(where, "start_s and end_s must be numbers (seconds)") from None
        if not (np.isfinite(s0) and np.isfinite(s1)) or s1 <= s0 or s0 < 0:
            raise InputError(where, f"segment {s0:g}..{s1:g} s must have 0 <= start_s < end_s")
        label = r[col["label"]].strip()
        if not label:
            raise InputError(where, "empty label")
        safety = -1
        if "safety" in col:
            v = r[col["safety"]].strip().lower()
            if v not in _SAFETY:
                raise InputError(where, f"safety {v!r} must be safe, unsafe, 0 or 1")
            safety = _SAFETY[v]
        sev = -1
        if "severity" in col and r[col["severity"]].strip():
            try:
                sev = int(r[col["severity"]])
            except ValueError:
                raise InputError(where, "severity must be a whole number 1..3") from None
        key = r[col["recording"]].strip() if "recording" in col else None
        out.setdefault(key, []).append((s0, s1, label, safety, sev))
    return out


def _runs_to_segments(t: np.ndarray, labels: Sequence[str], end_t: float) -> List[Segment]:
    segs: List[Segment] = []
    i = 0
    n = len(labels)
    while i < n:
        j = i
        while j + 1 < n and labels[j + 1] == labels[i]:
            j += 1
        if labels[i]:
            segs.append((float(t[i]), float(t[j + 1]) if j + 1 < n else float(end_t), labels[i], -1, -1))
        i = j + 1
    return segs


def csv_label_column(path: Path, time_units: str = "auto") -> Optional[List[Segment]]:
    """Segments from a CSV recording's ``label`` column (None when it has none). Rows are put in the order the
    recording reader puts them (sorted by time, a repeated timestamp dropped) and times are counted from the
    earliest, as the reader counts them."""
    from ..realism.real_io import _INT_RE, _TIME_NAMES, TIME_UNITS, _norm, detect_time_units, order_timestamps

    text = path.read_text(encoding="utf-8-sig")
    lines = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    if not lines:
        return None
    delim = ","
    for d in (",", ";", "\t"):
        if all(l.count(d) >= 3 for l in lines[:20]):
            delim = d
            break
    rows = list(csv_rows(lines, path, delimiter=delim))
    names = [_norm(h) for h in rows[0]]
    if "label" not in names:
        return None
    li = names.index("label")
    ti = next((i for i, n in enumerate(names) if n in _TIME_NAMES), None)
    if ti is None:
        return None
    cells, labs = [], []
    for r in rows[1:]:
        if len(r) <= max(li, ti):
            continue
        try:
            float(r[ti])
        except ValueError:
            continue
        cells.append(r[ti].strip())
        labs.append(r[li].strip())
    if len(cells) < 2:
        return None
    if all(_INT_RE.match(c) for c in cells):  # as the reader: integer timestamps (epoch ns) exactly
        t = np.array([int(c) for c in cells], dtype=np.int64)
    else:
        t = np.array([float(c) for c in cells])
    order, _ = order_timestamps(t)
    t = (t[order] - t[order[0]]).astype(np.float64)
    labs = [labs[i] for i in order]
    if len(t) < 2:
        return None
    units = detect_time_units(t) if time_units == "auto" else time_units
    t = t * TIME_UNITS[units]
    step = float(np.median(np.diff(t)))
    return _runs_to_segments(t, labs, t[-1] + step)


def h5_label_dataset(path: Path, group: str = "/") -> Optional[List[Segment]]:

    from ..realism.real_io import order_timestamps

    with open_h5(path) as f:
        g = f[group] if group in f else f
        if "label" not in g or "time" not in g:
            return None
        t = g["time"][()].astype(float)
        labs = [v.decode() if isinstance(v, bytes) else str(v) for v in g["label"][()]]
    if len(t) < 2 or len(labs) != len(t):
        return None
    order, _ = order_timestamps(t)  # the rows as the reader orders them
    t, labs = t[order], [labs[i] for i in order]
    t = t - t[0]
    return _runs_to_segments(t, labs, t[-1] + float(np.median(np.diff(t))))


def load_labelled(
    paths: Sequence[str], reader_options: Dict, segments_csv: Optional[str] = None
) -> List[LabelledRecording]:
    """Every recording of every file with its segments; errors name the file."""
    from ..realism.real_io import read_recordings

    seg_table = read_segments_csv(segments_csv) if segments_csv else None
    used_keys = set()
    out: List[LabelledRecording] = []
    for p in paths:
        path = Path(p)
        recs = read_recordings(path, **reader_options)
        for rec in recs:
            if rec.n == 0 or not np.asarray(rec.valid).any():
                raise InputError(rec.source, "empty recording (no valid samples)")
            name = rec.source
            segs: Optional[List[Segment]] = None
            how = ""
            if seg_table is not None:
                keys = [
                    k
                    for k in seg_table
                    if k is not None
                    and (k == os.fspath(path) or k == path.name or k == rec.source or Path(k).name == path.name)
                ]
                if keys:
                    segs = [s for k in keys for s in seg_table[k]]
                    used_keys.update(keys)
                elif None in seg_table:
                    if len(paths) > 1 or len(recs) > 1:
                        raise InputError(
                            segments_csv,
                            "several recordings given: the segments file needs a "
                            "'recording' column naming each row's file",
                        )
                    segs = seg_table[None]
                    used_keys.add(None)
                how = f"segments file {segments_csv}"
            if segs is None and path.suffix.lower() in (".csv", ".txt"):
                segs = csv_label_column(path, reader_options.get("time_units") or "auto")
                how = "per-row 'label' column"
            if segs is None and path.suffix.lower() in (".h5", ".hdf5"):
                segs = h5_label_dataset(path, reader_options.get("group", "/"))
                how = "per-row 'label' dataset"
            if segs is None and rec.label is not None:
                segs = [(0.0, float(rec.n / rec.rate_hz), rec.label, -1, -1)]
                how = "case label (.ts)"
            if segs is None:
                raise InputError(
                    rec.source, "no labels: give --segments FILE (start_s,end_s,label) or a 'label' column"
                )
            out.append(LabelledRecording(rec, segs, how, name))
    if seg_table is not None:
        unused = [k for k in seg_table if k not in used_keys]
        if unused:
            raise InputError(segments_csv, f"rows for recording(s) not given: {', '.join(map(str, unused[:3]))}")
    return out
