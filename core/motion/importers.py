"""Import precomputed skeletons into the motion interchange (:mod:`.motion`).

``import_motion(path, **options) -> Motion`` picks the importer from ``format``
or, when not given, from the file:

=========  ===========================================  =========================
format     file                                         module
=========  ===========================================  =========================
ntu        NTU RGB+D ``.skeleton`` (Kinect v2, 25 j.)   :mod:`.import_ntu`
bvh        BVH mocap ``.bvh``                           :mod:`.import_bvh`
humanml    HumanML3D / T2M-GPT joints ``.npy``          :mod:`.import_humanml`
npy        plain keypoints ``.npy`` (T, J, 3|4)         :mod:`.import_keypoints`
csv        plain keypoints ``.csv`` (wide or long)      :mod:`.import_keypoints`
deepmimic  DeepMimic clip ``.txt`` (JSON, pybullet)     :mod:`.import_deepmimic`
npz        a motion ``.npz`` already (validated copy)   :mod:`.motion`
=========  ===========================================  =========================

A ``.npy`` without ``--format`` is read as HumanML3D when it holds (T, 22, 3),
(1, T, 22, 3) or (T, 263) and no ``skeleton`` is given; otherwise as plain
keypoints.

Options (each importer accepts the ones that make sense for it and rejects the
others): ``skeleton`` (name), ``fps`` (override), ``up`` (3 numbers, in the
file's own frame), ``units`` (``m``, ``cm``, ``mm`` or ``in``), ``body`` (NTU only).

Every importer returns a validated :class:`~.motion.Motion` whose ``meta``
holds the provenance: ``importer``, ``source`` (absolute path), ``sha256`` of
the file, ``units`` (file unit and the scale to metres, and how it was chosen),
and importer-specific details.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional

from ..base.errors import InputError
from .import_common import UNITS, check_file, check_fps, parse_up, provenance, unit_scale  # noqa: F401  (re-exported)
from .interchange import Motion

FORMATS = ("ntu", "bvh", "humanml", "npy", "csv", "deepmimic", "npz")

# options each format takes (besides path)
_ALLOWED = {
    "ntu": {"fps", "up", "units", "body"},
    "bvh": {"fps", "up", "units"},
    "humanml": {"fps", "up", "units"},
    "npy": {"skeleton", "fps", "up", "units"},
    "csv": {"skeleton", "fps", "up", "units"},
    "deepmimic": {"fps", "loop_s"},
    "npz": set(),
}
_EXT = {".skeleton": "ntu", ".bvh": "bvh", ".csv": "csv", ".npz": "npz"}


def detect_format(path: Path, options: Dict[str, Any]) -> str:
    ext = path.suffix.lower()
    if ext in _EXT:
        return _EXT[ext]
    if ext == ".npy":
        if options.get("skeleton") is None:
            from .import_humanml import looks_like_humanml

            if looks_like_humanml(path):
                return "humanml"
        return "npy"
    if ext in (".txt", ".json"):
        from .import_deepmimic import looks_like_deepmimic

        if looks_like_deepmimic(path):
            return "deepmimic"
    raise InputError(
        path,
        f"cannot tell the format from the extension '{ext or '(none)'}' "
        f"(known: .skeleton, .bvh, .npy, .csv, .npz, DeepMimic .txt); pass --format "
        f"{'|'.join(f for f in FORMATS if f != 'npz')}",
    )


def import_motion(path: str | os.PathLike, format: Optional[str] = None, **options: Any) -> Motion:
    """Read a skeleton file of any supported format into a validated Motion."""
    path = check_file(path)
    options = {k: v for k, v in options.items() if v is not None}
    if format is None:
        format = detect_format(path, options)
    if format not in FORMATS:
        raise InputError(path, f"unknown format {format!r} (known: {', '.join(FORMATS)})")
    extra = sorted(set(options) - _ALLOWED[format])
    if extra:
        raise InputError(
            path,
            f"{', '.join('--' + e for e in extra)} "
            f"{'does' if len(extra) == 1 else 'do'} not apply to the {format} format",
        )
    if format == "ntu":
        from .import_ntu import import_ntu as fn
    elif format == "bvh":
        from .import_bvh import import_bvh as fn
    elif format == "humanml":
        from .import_humanml import import_humanml as fn
    elif format == "npy":
        from .import_keypoints import import_npy as fn
    elif format == "csv":
        from .import_keypoints import import_csv as fn
    elif format == "deepmimic":
        from .import_deepmimic import import_deepmimic as fn
    else:
        from .interchange import load_motion

        return load_motion(path)
    return fn(path, **options)
