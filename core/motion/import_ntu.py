"""NTU RGB+D ``.skeleton`` files (Kinect v2, 25 joints with hands) -> motion interchange.

File layout (text, whitespace separated): the frame count; per frame the body
count; per body a line of 10 values (bodyID clipedEdges handLeftConfidence
handLeftState handRightConfidence handRightState isResticted leanX leanY
trackingState), the joint count (25), then one line per joint of 12 values
(x y z depthX depthY colorX colorY orientationW orientationX orientationY
orientationZ trackingState).

- Coordinates: Kinect camera space, metres, x to the sensor's left, y up, z
  away from the sensor: right-handed, kept as is, skeleton ``ntu25`` (same joint
  order). ``up`` is (0, 1, 0), the camera's y axis: exact for a level sensor;
  NTU's sensors are close to level (the files carry no floor plane). Pass
  ``up`` to correct a tilt.
- Joint tracking state -> confidence: 2 tracked -> 1.0, 1 inferred -> 0.5,
  0 not tracked -> 0.0 with the position set to NaN (Kinect has no estimate).
- A frame without the chosen body -> NaN joints, confidence 0.
- Body choice: bodies are told apart by bodyID and numbered 0, 1, ... in order
  of first appearance. ``body`` picks one by that number (or by its bodyID);
  by default, among the bodies seen in at least 80 % as many frames as the most
  seen one, the one with the largest motion (sum over joints of the variance
  of the tracked positions) -- the usual NTU rule that drops short-lived false
  detections and, in two-person actions, keeps the more active person.
- Frame rate 30 fps unless ``fps`` is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from ..base.errors import InputError
from .import_common import check_file, check_fps, parse_up, provenance, unit_scale
from .interchange import Motion, validate_motion
from .skeletons import NTU25

NTU_FPS = 30.0
N_JOINTS = 25
_CONF = {0: 0.0, 1: 0.5, 2: 1.0}


class _Lines:
    """Non-empty lines with their 1-based numbers, for errors that point at the line."""

    def __init__(self, path: Path):
        self.path = path
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
        self.lines = text.splitlines()
        self.i = 0

    def next(self, what: str, frame: Optional[int]) -> tuple:
        while self.i < len(self.lines):
            s = self.lines[self.i].strip()
            self.i += 1
            if s:
                return s.split(), self.i
        at = f" in frame {frame}" if frame is not None else ""
        raise InputError(self.path, f"line {self.i + 1}: file ends where {what} was expected{at} (truncated?)")

    def ints(self, what: str, frame: Optional[int]) -> int:
        parts, ln = self.next(what, frame)
        at = f" (frame {frame})" if frame is not None else ""
        if len(parts) != 1:
            raise InputError(self.path, f"line {ln}{at}: expected {what} (one integer), got {len(parts)} values")
        try:
            v = int(parts[0])
        except ValueError:
            raise InputError(self.path, f"line {ln}{at}: {what} {parts[0]!r} is not an integer") from None
        if v < 0:
            raise InputError(self.path, f"line {ln}{at}: {what} is negative ({v})")
        return v

    def floats(self, n: int, what: str, frame: int) -> tuple:
        parts, ln = self.next(what, frame)
        if len(parts) != n:
            raise InputError(self.path, f"line {ln} (frame {frame}): {what} needs {n} values, got {len(parts)}")
        try:
            return [float(p) for p in parts], parts, ln
        except ValueError:
            raise InputError(
                self.path, f"line {ln} (frame {frame}): {what} holds a value that is not a number"
            ) from None


def read_ntu(path: Path):
    """Per body id: {frame: (xyz (25, 3), tracking state (25,))}, frame count, body order.

    A well-formed file is read a body (25 joint lines) at a time; anything unexpected is read again line by
    line, which names the line and the problem."""
    src = _Lines(path)
    try:
        return _read_blocks(src.lines)
    except (ValueError, IndexError, KeyError):
        return _read_lines(path, src)


def _read_blocks(all_lines):
    lines = [s for s in (ln.strip() for ln in all_lines) if s]
    n_frames = int(lines[0])
    if n_frames <= 0:
        raise ValueError
    bodies: Dict[str, Dict[int, tuple]] = {}
    order: List[str] = []
    i = 1
    for f in range(n_frames):
        n_bodies = int(lines[i])
        if n_bodies < 0:
            raise ValueError
        i += 1
        for _ in range(n_bodies):
            info = lines[i].split()
            if len(info) != 10 or int(lines[i + 1]) != N_JOINTS:
                raise ValueError
            float(info[1])  # the info line holds numbers (the body id is kept as written)
            rows = [ln.split() for ln in lines[i + 2 : i + 2 + N_JOINTS]]
            if len(rows) != N_JOINTS or any(len(r) != 12 for r in rows):
                raise ValueError
            vals = np.array(rows, dtype=float)
            state = vals[:, 11]
            if not (np.isin(state, (0.0, 1.0, 2.0)).all() and np.isfinite(vals[:, :3]).all()):
                raise ValueError
            body_id = info[0]
            frames = bodies.get(body_id)
            if frames is None:
                frames = bodies[body_id] = {}
                order.append(body_id)
            if f in frames:
                raise ValueError
            frames[f] = (vals[:, :3].copy(), state.astype(int))
            i += 2 + N_JOINTS
    if i != len(lines):
        raise ValueError
    return bodies, n_frames, order


def _read_lines(path: Path, src: _Lines):
    n_frames = src.ints("the frame count", None)
    if n_frames == 0:
        raise InputError(path, "the file declares 0 frames")
    bodies: Dict[str, Dict[int, tuple]] = {}
    order: List[str] = []
    for f in range(n_frames):
        n_bodies = src.ints("the body count", f)
        for _ in range(n_bodies):
            _, parts, _ = src.floats(10, "the body info line", f)
            body_id = parts[0]
            n_j = src.ints("the joint count", f)
            if n_j != N_JOINTS:
                raise InputError(path, f"line {src.i} (frame {f}): joint count {n_j}, NTU has {N_JOINTS}")
            xyz = np.empty((N_JOINTS, 3))
            state = np.empty(N_JOINTS, int)
            for j in range(N_JOINTS):
                vals, _, ln = src.floats(12, f"joint {j}", f)
                xyz[j] = vals[:3]
                st = vals[11]
                if st not in (0.0, 1.0, 2.0):
                    raise InputError(
                        path, f"line {ln} (frame {f}): joint {j} tracking state {st:g} (expected 0, 1 or 2)"
                    )
                state[j] = int(st)
                if not np.isfinite(xyz[j]).all():
                    raise InputError(path, f"line {ln} (frame {f}): joint {j} has a non-finite coordinate")
            if body_id not in bodies:
                bodies[body_id] = {}
                order.append(body_id)
            if f in bodies[body_id]:
                raise InputError(path, f"line {src.i} (frame {f}): body {body_id} appears twice in one frame")
            bodies[body_id][f] = (xyz, state)
    while src.i < len(src.lines):
        if src.lines[src.i].strip():
            raise InputError(path, f"line {src.i + 1}: more data after the {n_frames} frames declared")
        src.i += 1
    return bodies, n_frames, order


def _motion_score(frames: Dict[int, tuple]) -> float:
    xyz = np.array([v[0] for v in frames.values()])
    st = np.array([v[1] for v in frames.values()])
    xyz = np.where((st > 0)[..., None], xyz, np.nan)
    if len(xyz) < 2:
        return 0.0
    var = np.nanvar(xyz, axis=0) if np.isfinite(xyz).any() else np.zeros(1)
    return float(np.nansum(var))


def choose_body(bodies, order, body, where) -> int:
    if not order:
        raise InputError(where, "no body in any frame")
    if body is not None:
        key = str(body).strip()
        if key in bodies:
            return order.index(key)
        try:
            k = int(key)
        except ValueError:
            k = -1
        if not 0 <= k < len(order):
            raise InputError(
                where,
                f"no body {body!r}: the file has {len(order)} bodies, numbered 0-"
                f"{len(order) - 1} in order of appearance (bodyIDs {', '.join(order)})",
            )
        return k
    counts = [len(bodies[b]) for b in order]
    keep = [k for k, c in enumerate(counts) if c >= 0.8 * max(counts)]
    return max(keep, key=lambda k: (_motion_score(bodies[order[k]]), -k))


def import_ntu(path, fps=None, up=None, units=None, body=None) -> Motion:
    path = check_file(path)
    bodies, T, order = read_ntu(path)
    k = choose_body(bodies, order, body, path)
    frames = bodies[order[k]]
    unit, scale, how = unit_scale(units, "m", path)
    if units is None:
        how = "Kinect camera space is in metres"
    up_vec, up_how = parse_up(up, (0.0, 1.0, 0.0), path)
    if up is None:
        up_how = "Kinect camera y axis (level sensor assumed)"
    fps_used = check_fps(fps, path) or NTU_FPS
    joints = np.full((T, N_JOINTS, 3), np.nan)
    conf = np.zeros((T, N_JOINTS))
    for f, (xyz, st) in frames.items():
        joints[f] = xyz * scale
        conf[f] = [_CONF[s] for s in st]
        joints[f, st == 0] = np.nan
    meta = provenance(
        "ntu",
        path,
        scale,
        unit,
        how,
        fps={"used": fps_used, "how": "given by the user" if fps else "NTU RGB+D is recorded at 30 fps"},
        up={"vector": up_vec.tolist(), "how": up_how},
        body={
            "index": k,
            "body_id": order[k],
            "n_bodies": len(order),
            "frames_present": len(frames),
            "frames": T,
            "how": "given by the user"
            if body is not None
            else "most frames (>= 80 % of the best), then largest motion",
        },
        confidence="tracking state 2 -> 1.0, 1 (inferred) -> 0.5, 0 (not tracked) -> 0.0 and NaN position",
    )
    m = Motion(
        joints=joints, fps=fps_used, skeleton=NTU25.name, up=up_vec, confidence=conf, joint_names=None, meta=meta
    )
    return validate_motion(m, path)
