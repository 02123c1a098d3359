"""The motion interchange: the one interface between reconstruction and simulation.

A motion clip file is an ``.npz`` with

- ``joints``     float (T, J, 3), metres, right-handed world frame; NaN = not observed
- ``fps``        float scalar (> 0)
- ``skeleton``   string, a name from :mod:`.skeletons` (``h36m17``, ``coco17``, ...)
- ``up``         float (3,), unit vector opposite to gravity (default (0, 0, 1))
- ``confidence`` optional float (T, J) in [0, 1]
- ``joint_names`` optional string (J,): lets a file use a skeleton the product does
  not know, as long as it names ``l_shoulder l_elbow l_wrist`` and/or the ``r_`` ones
- ``meta``       optional JSON string (provenance: source, importer, settings)
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np

from ..base.atomic import atomic_path
from ..base.errors import InputError
from .skeletons import Skeleton, get_skeleton
from .timebase import rational_fps


@dataclass
class Motion:
    joints: np.ndarray  # (T, J, 3) float64, metres
    fps: float
    skeleton: str
    up: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 1.0]))
    confidence: Optional[np.ndarray] = None  # (T, J) in [0, 1]
    joint_names: Optional[tuple] = None
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.fps

    @property
    def fps_exact(self) -> Fraction:
        return rational_fps(self.fps)

    @property
    def skel(self) -> Skeleton:
        return resolve_skeleton(self.skeleton, self.joint_names, None)

    def times(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    def slice(self, start: int, stop: int) -> "Motion":
        """Frames [start, stop) as a new motion (used for trims)."""
        return Motion(
            joints=self.joints[start:stop].copy(),
            fps=self.fps,
            skeleton=self.skeleton,
            up=self.up.copy(),
            confidence=None if self.confidence is None else self.confidence[start:stop].copy(),
            joint_names=self.joint_names,
            meta=dict(self.meta),
        )


def resolve_skeleton(name: str, joint_names, where) -> Skeleton:
    sk = get_skeleton(name)
    if sk is not None:
        if joint_names is not None and len(joint_names) != sk.n_joints:
            raise InputError(
                where, f"'joint_names' has {len(joint_names)} names but skeleton '{name}' has {sk.n_joints} joints"
            )
        return sk
    if joint_names is None:
        from .skeletons import SKELETONS

        raise InputError(
            where,
            f"unknown skeleton '{name}' (known: {', '.join(sorted(SKELETONS))}; "
            "or add 'joint_names' naming l_/r_shoulder, elbow, wrist)",
        )
    names = tuple(str(n) for n in joint_names)
    arms = {}
    for side, p in (("left", "l_"), ("right", "r_")):
        want = [p + "shoulder", p + "elbow", p + "wrist"]
        if all(w in names for w in want):
            arms[side] = tuple(names.index(w) for w in want)
    if not arms:
        raise InputError(
            where,
            f"unknown skeleton '{name}' and its 'joint_names' name no arm "
            "(need l_shoulder, l_elbow, l_wrist or the r_ ones)",
        )
    return Skeleton(name=name, joints=names, arms=arms)


def validate_motion(m: Motion, where: str | os.PathLike | None = None) -> Motion:
    """Check shapes, values and units; raise InputError naming the key and frames."""
    j = m.joints
    if not isinstance(j, np.ndarray) or j.ndim != 3 or j.shape[2] != 3:
        raise InputError(where, f"'joints' must have shape (T, J, 3), got {getattr(j, 'shape', type(j))}")
    if j.shape[0] < 2:
        raise InputError(where, f"'joints' has {j.shape[0]} frame(s); at least 2 are needed")
    if j.shape[1] < 1:
        raise InputError(where, "'joints' has no joints")
    if not np.issubdtype(j.dtype, np.floating):
        raise InputError(where, f"'joints' must be floating point, got {j.dtype}")
    if np.isinf(j).any():
        bad = np.unique(np.nonzero(np.isinf(j))[0])
        raise InputError(where, f"'joints' holds infinite values in frames {_frames(bad)}")
    if not np.isfinite(j).any():
        raise InputError(where, "'joints' are all NaN: no frame has an observed joint")
    if not np.isfinite(m.fps) or m.fps <= 0:
        raise InputError(where, f"'fps' must be a positive number, got {m.fps}")
    up = np.asarray(m.up, dtype=float)
    if up.shape != (3,) or not np.isfinite(up).all() or np.linalg.norm(up) < 1e-9:
        raise InputError(where, f"'up' must be a non-zero 3-vector, got {up.tolist()}")
    m.up = up / np.linalg.norm(up)
    sk = resolve_skeleton(m.skeleton, m.joint_names, where)
    if sk.n_joints != j.shape[1]:
        raise InputError(where, f"'joints' has {j.shape[1]} joints but skeleton '{m.skeleton}' has {sk.n_joints}")
    if m.confidence is not None:
        c = m.confidence
        if c.shape != j.shape[:2]:
            raise InputError(where, f"'confidence' must have shape {j.shape[:2]}, got {c.shape}")
        outside = ~((c >= 0) & (c <= 1)) & ~np.isnan(c)
        if outside.any():
            raise InputError(
                where, f"'confidence' outside [0, 1] in frames {_frames(np.unique(np.nonzero(outside)[0]))}"
            )
    span = np.nanmax(j, axis=(0, 1)) - np.nanmin(j, axis=(0, 1))
    if np.nanmax(span) > 1000:
        raise InputError(
            where,
            f"'joints' span {np.nanmax(span):.0f} units: expected metres (convert millimetres or centimetres first)",
        )
    return m


MAX_PLAUSIBLE_SPEED = 15.0  # m/s: faster than any joint moves in the taxonomy's activities


def implausible_frames(m: Motion, max_speed: float = MAX_PLAUSIBLE_SPEED) -> np.ndarray:
    """Frames reached by a joint jump faster than ``max_speed`` m/s (capture glitches, identity swaps).

    Such jumps differentiate into huge accelerations; the caller warns and the
    user trims them. NaN joints are ignored.
    """
    step = np.linalg.norm(np.diff(m.joints, axis=0), axis=2) * m.fps  # (T-1, J) m/s
    with np.errstate(invalid="ignore"):
        fast = np.nanmax(np.where(np.isfinite(step), step, -1.0), axis=1) > max_speed
    return np.flatnonzero(fast) + 1


def implausible_warning(m: Motion, where) -> Optional[str]:
    """A one-line warning naming the frames of :func:`implausible_frames`, or None."""
    bad = implausible_frames(m)
    if not len(bad):
        return None
    return (
        f"warning: {where}: joints jump faster than {MAX_PLAUSIBLE_SPEED:g} m/s at frames {_frames(bad)} "
        "(a capture glitch?); they give unreal accelerations: trim them before simulating"
    )


def _frames(idx: np.ndarray, most: int = 8) -> str:
    idx = [int(i) for i in idx]
    text = ", ".join(str(i) for i in idx[:most])
    return text + (f" and {len(idx) - most} more" if len(idx) > most else "")


def load_motion(path: str | os.PathLike) -> Motion:
    """Read and validate a motion ``.npz``; every problem is an InputError naming the file."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if path.is_dir():
        raise InputError(path, "is a folder, not a motion file")
    with open(path, "rb") as fh:
        is_zip = fh.read(2) == b"PK"  # every .npz is a zip archive
    if not is_zip:
        raise InputError(
            path,
            "not a motion .npz; convert skeleton files (BVH, NTU, .npy, .csv) first with "
            "'imu2safety import FILE --out MOTION.npz'",
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InputError(path, f"not a readable .npz archive ({exc.__class__.__name__}: {exc})") from None
    for key in ("joints", "fps", "skeleton"):
        if key not in data:
            raise InputError(path, f"missing key '{key}' (has: {', '.join(sorted(data)) or 'nothing'})")
    try:
        fps = float(np.asarray(data["fps"]).reshape(()))
    except (TypeError, ValueError):
        raise InputError(path, f"'fps' must be a scalar, got shape {np.asarray(data['fps']).shape}") from None
    skeleton = str(np.asarray(data["skeleton"]).reshape(()))
    joints = np.asarray(data["joints"])
    if np.issubdtype(joints.dtype, np.floating):
        joints = joints.astype(np.float64)
    up = np.asarray(data["up"], dtype=float).reshape(-1) if "up" in data else np.array([0.0, 0.0, 1.0])
    conf = np.asarray(data["confidence"], dtype=float) if "confidence" in data else None
    names = tuple(str(n) for n in data["joint_names"]) if "joint_names" in data else None
    meta = {}
    if "meta" in data:
        try:
            meta = json.loads(str(np.asarray(data["meta"]).reshape(())))
        except (json.JSONDecodeError, ValueError):
            raise InputError(path, "'meta' is not valid JSON") from None
    m = Motion(joints=joints, fps=fps, skeleton=skeleton, up=up, confidence=conf, joint_names=names, meta=meta)
    return validate_motion(m, path)


def save_motion(m: Motion, path: str | os.PathLike) -> Path:
    """Validate and write atomically (a crash leaves no half-written file)."""
    path = Path(path)
    validate_motion(m, path)
    arrays = dict(
        joints=np.asarray(m.joints, dtype=np.float64),
        fps=np.float64(m.fps),
        skeleton=np.str_(m.skeleton),
        up=np.asarray(m.up, dtype=np.float64),
        meta=np.str_(json.dumps(m.meta, default=str)),
    )
    if m.confidence is not None:
        arrays["confidence"] = np.asarray(m.confidence, dtype=np.float32)
    if m.joint_names is not None:
        arrays["joint_names"] = np.array(m.joint_names, dtype=str)
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return path
