"""Plain 3D keypoints (``.npy`` or ``.csv``) -> motion interchange.

``.npy``: shape (T, J, 3), or (T, J, 4) whose last value is a confidence in
[0, 1]. Needs ``fps`` and a ``skeleton`` name (or a joint count that only one
known skeleton has: 22 -> smpl22, 25 -> ntu25).

``.csv`` (comma separated -- or tab or semicolon when the first line has no
comma --, one header line, ``#`` lines are comments), one of:

- wide: ``frame,<joint>_x,<joint>_y,<joint>_z,...`` with optional
  ``<joint>_conf`` columns; one row per frame;
- long: ``frame,joint,x,y,z`` with an optional ``conf`` (or ``confidence``)
  column; one row per joint and frame.

``frame`` is an integer frame index; frames are counted from the smallest one
and frames that never appear are NaN. Empty cells and ``nan`` are missing
values (NaN). Joint names: if ``skeleton`` names a known skeleton, the file must
have exactly its joints (any column order); with no ``skeleton``, a file whose
joints are exactly a known skeleton's gets that skeleton; otherwise the file's
own names are kept (skeleton ``skeleton`` or ``csv``), which must include
``l_shoulder, l_elbow, l_wrist`` and/or the ``r_`` ones. Needs ``fps``.

Both: coordinates in ``units`` (default metres; a body larger than 5 units
per frame without ``units`` is an error asking for it), ``up`` in the file's frame
(default (0, 0, 1), the interchange's default: pass ``--up 0,1,0`` for y-up data).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..base.errors import InputError
from .import_common import check_file, check_fps, parse_up, provenance, unit_scale
from .import_humanml import load_npy
from .interchange import Motion, validate_motion
from .skeletons import SKELETONS, get_skeleton

_CONF_SUFFIX = ("_conf", "_confidence", "_c")


def _need_fps(fps, where) -> float:
    f = check_fps(fps, where)
    if f is None:
        raise InputError(where, "plain keypoints carry no frame rate: pass --fps")
    return f


def body_size(joints: np.ndarray) -> float:
    """Median over frames of the largest per-frame extent of the observed joints (file units)."""
    ok = np.isfinite(joints).all(axis=2)
    sizes = [np.ptp(joints[t, ok[t]], axis=0).max() for t in range(joints.shape[0]) if ok[t].sum() >= 2]
    return float(np.median(sizes)) if sizes else 0.0


def _finish(kind, path, joints, conf, skeleton, names, fps, up, units, extra) -> Motion:
    if units is None:
        size = body_size(joints[:: max(1, joints.shape[0] // 200)])
        if size > 5.0:
            raise InputError(
                path, f"a body spans {size:.4g} units per frame, too big for metres: pass --units cm or --units mm"
            )
    unit, scale, how = unit_scale(units, "m", path)
    up_vec, up_how = parse_up(up, (0.0, 0.0, 1.0), path)
    if up is None:
        up_how = "interchange default (z up); not stated by the file"
    meta = provenance(
        kind,
        path,
        scale,
        unit,
        how,
        fps={"used": fps, "how": "given by the user"},
        up={"vector": up_vec.tolist(), "how": up_how},
        **extra,
    )
    m = Motion(
        joints=joints * scale, fps=fps, skeleton=skeleton, up=up_vec, confidence=conf, joint_names=names, meta=meta
    )
    return validate_motion(m, path)


def _check_conf(conf: Optional[np.ndarray], path) -> None:
    if conf is None:
        return
    bad = ~((conf >= 0) & (conf <= 1)) & ~np.isnan(conf)
    if bad.any():
        f = int(np.nonzero(bad.any(axis=1))[0][0])
        raise InputError(path, f"frame {f}: confidence outside [0, 1]")


def import_npy(path, skeleton=None, fps=None, up=None, units=None) -> Motion:
    path = check_file(path)
    arr = load_npy(path)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise InputError(path, f"shape {arr.shape}: plain keypoints are (T, J, 3) or (T, J, 4) with confidence")
    if not np.issubdtype(arr.dtype, np.number):
        raise InputError(path, f"holds {arr.dtype} values, not numbers")
    arr = np.asarray(arr, dtype=np.float64)
    J = arr.shape[1]
    if skeleton is None:
        fits = sorted(n for n, s in SKELETONS.items() if s.n_joints == J)
        if len(fits) != 1:
            raise InputError(
                path, f"{J} joints: pass --skeleton ({', '.join(fits) if fits else ', '.join(sorted(SKELETONS))})"
            )
        skeleton = fits[0]
        how = f"the only known skeleton with {J} joints"
    else:
        how = "given by the user"
    sk = get_skeleton(skeleton)
    if sk is None:
        raise InputError(path, f"unknown skeleton {skeleton!r} (known: {', '.join(sorted(SKELETONS))})")
    if sk.n_joints != J:
        raise InputError(path, f"{J} joints but skeleton '{skeleton}' has {sk.n_joints}")
    f = _need_fps(fps, path)
    if np.isinf(arr).any():
        fr = int(np.nonzero(np.isinf(arr).any(axis=(1, 2)))[0][0])
        raise InputError(path, f"frame {fr}: infinite value")
    conf = arr[..., 3].copy() if arr.shape[2] == 4 else None
    _check_conf(conf, path)
    return _finish(
        "npy",
        path,
        arr[..., :3].copy(),
        conf,
        skeleton,
        None,
        f,
        up,
        units,
        {"skeleton_how": how, "shape": list(arr.shape)},
    )


def _cell(text: str, path, ln: int, col: str) -> float:
    t = text.strip()
    if t == "" or t.lower() in ("nan", "na", "null"):
        return math.nan
    try:
        v = float(t)
    except ValueError:
        raise InputError(path, f"line {ln}, column '{col}': {t[:30]!r} is not a number") from None
    if math.isinf(v):
        raise InputError(path, f"line {ln}, column '{col}': infinite value")
    return v


def _frame(text: str, path, ln: int) -> int:
    try:
        v = float(text.strip())
    except ValueError:
        raise InputError(path, f"line {ln}: frame {text.strip()[:30]!r} is not an integer") from None
    if not v.is_integer():
        raise InputError(path, f"line {ln}: frame {text.strip()} is not an integer")
    return int(v)


def _rows(path: Path):
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
    with fh:
        try:
            head = fh.readline()
            delim = "," if "," in head else "\t" if "\t" in head else ";" if ";" in head else ","
            fh.seek(0)
            for ln, row in enumerate(csv.reader(fh, delimiter=delim), start=1):
                if not row or all(not c.strip() for c in row) or row[0].lstrip().startswith("#"):
                    continue
                yield ln, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(path, f"not a readable CSV file ({exc})") from None


def _wide(path, header, rows) -> Tuple[Dict[int, dict], List[str], bool]:
    cols = [h.strip() for h in header]
    names: List[str] = []
    where: Dict[Tuple[str, str], int] = {}
    for k, c in enumerate(cols[1:], start=1):
        low = c.lower()
        for suf in _CONF_SUFFIX:
            if low.endswith(suf):
                where[(c[: -len(suf)], "c")] = k
                break
        else:
            if len(c) > 2 and low[-2:] in ("_x", "_y", "_z"):
                j = c[:-2]
                if j not in names:
                    names.append(j)
                where[(j, low[-1])] = k
            else:
                raise InputError(path, f"line 1: column '{c}' is not <joint>_x/_y/_z or <joint>_conf")
    for j in names:
        miss = [a for a in "xyz" if (j, a) not in where]
        if miss:
            raise InputError(path, f"line 1: joint '{j}' has no {'/'.join('_' + a for a in miss)} column")
    orphan = [j for (j, a) in where if a == "c" and j not in names]
    if orphan:
        raise InputError(path, f"line 1: confidence column for '{orphan[0]}' without its _x/_y/_z columns")
    has_conf = any(a == "c" for (_, a) in where)
    data: Dict[int, dict] = {}
    for ln, row in rows:
        if len(row) != len(cols):
            raise InputError(path, f"line {ln}: {len(row)} values, the header has {len(cols)} columns")
        fr = _frame(row[0], path, ln)
        if fr in data:
            raise InputError(path, f"line {ln}: frame {fr} appears twice")
        data[fr] = {
            j: (
                [_cell(row[where[(j, a)]], path, ln, cols[where[(j, a)]]) for a in "xyz"],
                _cell(row[where[(j, "c")]], path, ln, cols[where[(j, "c")]]) if (j, "c") in where else math.nan,
            )
            for j in names
        }
    return data, names, has_conf


def _long(path, header, rows) -> Tuple[Dict[int, dict], List[str], bool]:
    cols = [h.strip().lower() for h in header]
    idx = {c: k for k, c in enumerate(cols)}
    ci = idx.get("conf", idx.get("confidence"))
    extra = set(cols) - {"frame", "joint", "x", "y", "z", "conf", "confidence"}
    if extra:
        raise InputError(
            path,
            f"line 1: unexpected column(s) {', '.join(sorted(extra))} in the long format (frame,joint,x,y,z[,conf])",
        )
    data: Dict[int, dict] = {}
    names: List[str] = []
    for ln, row in rows:
        if len(row) != len(cols):
            raise InputError(path, f"line {ln}: {len(row)} values, the header has {len(cols)} columns")
        fr = _frame(row[idx["frame"]], path, ln)
        j = row[idx["joint"]].strip()
        if not j:
            raise InputError(path, f"line {ln}: empty joint name")
        if j not in names:
            names.append(j)
        d = data.setdefault(fr, {})
        if j in d:
            raise InputError(path, f"line {ln}: joint '{j}' appears twice in frame {fr}")
        d[j] = (
            [_cell(row[idx[a]], path, ln, a) for a in "xyz"],
            _cell(row[ci], path, ln, cols[ci]) if ci is not None else math.nan,
        )
    return data, names, ci is not None


def import_csv(path, skeleton=None, fps=None, up=None, units=None) -> Motion:
    path = check_file(path)
    rows = _rows(path)
    first = next(rows, None)
    if first is None:
        raise InputError(path, "empty CSV file (no header)")
    hl, header = first
    low = [h.strip().lower() for h in header]
    if not low or low[0] != "frame":
        raise InputError(path, f"line {hl}: the first column must be 'frame' (got {header[0].strip()[:30]!r})")
    if "joint" in low:
        if not {"x", "y", "z"} <= set(low):
            raise InputError(path, f"line {hl}: the long format needs columns frame,joint,x,y,z")
        data, names, has_conf = _long(path, header, rows)
        layout = "long"
    else:
        data, names, has_conf = _wide(path, header, rows)
        layout = "wide"
    if not data:
        raise InputError(path, "no data rows after the header")
    if not names:
        raise InputError(path, "no joint columns")
    f = _need_fps(fps, path)
    sk = get_skeleton(skeleton) if skeleton else None
    if sk is None and skeleton is None:
        sk = next((s for s in SKELETONS.values() if set(s.joints) == set(names)), None)
    if sk is not None:
        missing = [j for j in sk.joints if j not in names]
        unknown = [j for j in names if j not in sk.joints]
        if missing or unknown:
            raise InputError(
                path,
                f"joints do not match skeleton '{sk.name}'"
                + (f"; missing: {', '.join(missing[:6])}" if missing else "")
                + (f"; not in it: {', '.join(unknown[:6])}" if unknown else ""),
            )
        order, sk_name, joint_names = list(sk.joints), sk.name, None
    else:
        order, sk_name, joint_names = names, skeleton or "csv", tuple(names)
    f0, f1 = min(data), max(data)
    if f1 - f0 + 1 > 10_000_000:
        raise InputError(path, f"frames span {f0}..{f1}: too many")
    T = f1 - f0 + 1
    joints = np.full((T, len(order), 3), np.nan)
    conf = np.full((T, len(order)), np.nan) if has_conf else None
    col = {j: k for k, j in enumerate(order)}
    for fr, d in data.items():
        for j, (xyz, c) in d.items():
            joints[fr - f0, col[j]] = xyz
            if conf is not None:
                conf[fr - f0, col[j]] = c
    if conf is not None:
        conf = np.where(np.isnan(conf), 0.0, conf)
    _check_conf(conf, path)
    return _finish(
        "csv",
        path,
        joints,
        conf,
        sk_name,
        joint_names,
        f,
        up,
        units,
        {"layout": layout, "first_frame": f0, "frames_missing": int(T - len(data))},
    )
