"""The motion interchange: the one interface between reconstruction and simulation.

A motion clip file is an ``.npz`` with

- ``joints``     float (T, J, 3), metres, right-handed world frame; NaN = not observed
- ``fps``        float scalar (> 0)
- ``skeleton``   string, a name from :mod:`.skeletons` (``h36m17``, ``coco17``, ...)
- ``up``         float (3,), unit vector opposite to gravity (default (0, 0, 1))
- ``confidence`` optional float (T, J) in [0, 1]
- ``joint_names`` optional string (J,): lets a file use a skeleton the product does
  not know, as long as it names ``l_shoulder l_elbow l_wrist`` and/or the ``r_`` ones
- ``image_points`` optional float (T, J, 2): where each joint is in the source video's
  frame, in pixels (column, row) of the original frame; NaN where not seen (motions
  reconstructed from video carry it, so the workbench can show who the subject is)
- ``meta``       optional JSON string (provenance: source, importer, settings)
"""

from __future__ import annotations

import io
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
from ..base.files import check_input_file
from ..base.jsonio import parse_json
from ..base.limits import FOREARM_M, MAX_FOREARM_M, MAX_FPS, MAX_SPAN_M, MIN_FPS, check_npz
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
    source: Optional[str] = field(default=None, compare=False)  # the file it was read from (not saved)
    image_points: Optional[np.ndarray] = None  # (T, J, 2) pixels in the source video's frames, NaN = not seen

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
            source=self.source,
            image_points=None if self.image_points is None else self.image_points[start:stop].copy(),
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
    if not MIN_FPS <= m.fps <= MAX_FPS:
        raise InputError(where, f"'fps' must be between {MIN_FPS:g} and {MAX_FPS:g} frames per second, got {m.fps:g}")
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
    # units: the forearm's length tells metres from centimetres or millimetres; the travelled span only
    # catches what has no forearm to measure (an hour's walk spans kilometres, which is fine)
    _check_limb_lengths(j, sk, where)
    if m.image_points is not None:
        ip = m.image_points
        if not isinstance(ip, np.ndarray) or ip.shape != j.shape[:2] + (2,):
            raise InputError(
                where, f"'image_points' must have shape {j.shape[:2] + (2,)}, got {getattr(ip, 'shape', ip)}"
            )
        if np.isinf(ip).any():
            raise InputError(where, "'image_points' holds infinite values")
    flat = j.reshape(-1, 3)
    # per axis: max - min ignoring NaN, as nanmax - nanmin (one strided pass per axis is ~5x faster)
    span = np.array([np.fmax.reduce(flat[:, k]) - np.fmin.reduce(flat[:, k]) for k in range(3)])
    if np.nanmax(span) > MAX_SPAN_M:
        raise InputError(
            where,
            f"'joints' span {np.nanmax(span):.0f} units: expected metres (convert millimetres or centimetres first)",
        )
    return m


def forearm_lengths(joints: np.ndarray, sk: Skeleton) -> Dict[str, float]:
    """Median elbow-wrist distance per arm over the frames where both are observed (metres if the file is)."""
    out = {}
    for side, (_, elbow, wrist) in sk.arms.items():
        d = np.linalg.norm(joints[:, wrist] - joints[:, elbow], axis=1)
        d = d[np.isfinite(d) & (d > 0)]
        if d.size:
            out[side] = float(np.median(d))
    return out


def _check_limb_lengths(j: np.ndarray, sk: Skeleton, where) -> None:
    """Joints in centimetres or millimetres give forearms of tens or hundreds of 'metres': an error."""
    for side, length in forearm_lengths(j, sk).items():
        if length > MAX_FOREARM_M:
            hint = "centimetres? divide by 100" if length < 100 else "millimetres? divide by 1000"
            raise InputError(
                where,
                f"the {side} forearm is {length:.3g} m long (median elbow-wrist distance), a human forearm is "
                f"{FOREARM_M[0]:g}-{FOREARM_M[1]:g} m: expected metres ({hint})",
            )


def units_warning(m: Motion, where) -> Optional[str]:
    """A one-line warning when a forearm is outside the human range (wrong units or a scaled skeleton)."""
    lo, hi = FOREARM_M
    odd = {s: v for s, v in forearm_lengths(m.joints, m.skel).items() if not lo <= v <= hi}
    if not odd:
        return None
    what = ", ".join(f"{s} {v:.3g} m" for s, v in odd.items())
    return (
        f"warning: {where}: implausible forearm length ({what}; a human forearm is {lo:g}-{hi:g} m): "
        "are the joints in metres? The simulated accelerations scale with it"
    )


MAX_PLAUSIBLE_SPEED = 15.0  # m/s: faster than any joint moves in the taxonomy's activities


def implausible_frames(m: Motion, max_speed: float = MAX_PLAUSIBLE_SPEED) -> np.ndarray:
    """Frames reached by a joint jump faster than ``max_speed`` m/s (capture glitches, identity swaps).

    Such jumps differentiate into huge accelerations; the caller warns and the
    user trims them. NaN joints are ignored.
    """
    j = m.joints
    fast = np.zeros(max(len(j) - 1, 0), bool)
    for a in range(0, len(fast), _CHUNK):  # in blocks that stay in the CPU cache
        d = np.diff(j[a : a + _CHUNK + 1], axis=0)
        d *= d
        step = np.sqrt(np.add.reduce(d, axis=2))  # = np.linalg.norm(diff, axis=2), bit for bit
        step *= m.fps  # (frames, J) m/s; NaN joints compare False
        fast[a : a + len(step)] = (step > max_speed).any(axis=1)
    return np.flatnonzero(fast) + 1


_CHUNK = 8192


def implausible_warning(m: Motion, where, frames: Optional[np.ndarray] = None) -> Optional[str]:
    """A one-line warning naming the frames of :func:`implausible_frames` (``frames`` when the caller has
    them already), or None."""
    bad = implausible_frames(m) if frames is None else frames
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
    if path.is_dir():
        raise InputError(path, "is a folder, not a motion file")
    check_input_file(path)
    with open(path, "rb") as fh:
        is_zip = fh.read(2) == b"PK"  # every .npz is a zip archive
    if not is_zip:
        raise InputError(
            path,
            "not a motion .npz; convert skeleton files (BVH, NTU, .npy, .csv) first with "
            "'imu2safety import FILE --out MOTION.npz'",
        )
    check_npz(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise InputError(path, f"not a readable .npz archive ({exc.__class__.__name__}: {exc})") from None
    for key in ("joints", "fps", "skeleton"):
        if key not in data:
            raise InputError(path, f"missing key '{key}' (has: {', '.join(sorted(data)) or 'nothing'})")
    fps_arr = np.asarray(data["fps"])
    if fps_arr.size != 1 or fps_arr.dtype.kind not in "fiu":
        raise InputError(path, f"'fps' must be one number, got {fps_arr.dtype} of shape {fps_arr.shape}")
    fps = float(fps_arr.reshape(()))
    skeleton = _string(data, "skeleton", path)
    joints = np.asarray(data["joints"])
    if np.issubdtype(joints.dtype, np.floating):
        joints = joints.astype(np.float64, copy=False)
    up = _numbers(data, "up", path, "(3,)").reshape(-1) if "up" in data else np.array([0.0, 0.0, 1.0])
    conf = _numbers(data, "confidence", path, "(T, J) in [0, 1]") if "confidence" in data else None
    names = None
    if "joint_names" in data:
        jn = np.asarray(data["joint_names"])
        if jn.dtype.kind not in "US" or jn.ndim != 1:
            raise InputError(path, f"'joint_names' must be a list of strings, got {jn.dtype} of shape {jn.shape}")
        names = tuple(str(n) for n in jn)
    image_points = _numbers(data, "image_points", path, "(T, J, 2) pixels") if "image_points" in data else None
    meta = {}
    if "meta" in data:
        meta = parse_json(_string(data, "meta", path), path, "'meta'")
        if not isinstance(meta, dict):
            raise InputError(path, f"'meta' must be a JSON object, got a {type(meta).__name__}")
    m = Motion(
        joints=joints,
        fps=fps,
        skeleton=skeleton,
        up=up,
        confidence=conf,
        joint_names=names,
        meta=meta,
        source=os.fspath(path),
        image_points=image_points,
    )
    return validate_motion(m, path)


def _numbers(data, key: str, path, shape_text: str) -> np.ndarray:
    a = np.asarray(data[key])
    if a.dtype.kind not in "fiub":
        got = "text" if a.dtype.kind in "US" else str(a.dtype)
        raise InputError(path, f"'{key}' must be numbers {shape_text}, got {got}")
    return a.astype(np.float64)


def _string(data, key: str, path) -> str:
    a = np.asarray(data[key])
    if a.dtype.kind not in "US" or a.ndim != 0:
        raise InputError(path, f"'{key}' must be one string, got {a.dtype} of shape {a.shape}")
    v = a.item()
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def save_motion(m: Motion, path: str | os.PathLike) -> Path:
    """Validate and write atomically (a crash leaves no half-written file)."""
    path = Path(path)
    validate_motion(m, path)
    with atomic_path(path, suffix=".npz") as tmp:
        with open(tmp, "wb") as fh:
            _write_npz(m, fh)
    return path


def motion_npz_bytes(m: Motion, where: str | os.PathLike | None = None) -> bytes:
    """The bytes :func:`save_motion` would write (validated), for a process that hands the file to another
    (batch workers return them to the one process that writes the project)."""
    validate_motion(m, where)
    buf = io.BytesIO()
    _write_npz(m, buf)
    return buf.getvalue()


def _write_npz(m: Motion, fh) -> None:
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
    if m.image_points is not None:
        arrays["image_points"] = np.asarray(m.image_points, dtype=np.float32)
    np.savez_compressed(fh, **arrays)
