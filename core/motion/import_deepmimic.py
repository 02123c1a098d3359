"""DeepMimic humanoid motion clips -> motion interchange.

The format (DeepMimic, Peng et al. 2018; the clips ship in pybullet's ``pybullet_data/data/motions``
as ``humanoid3d_*.txt``) is JSON: ``{"Loop": "wrap" | "none", "Frames": [[...44 numbers...], ...]}``.
Each frame: the duration to the next frame (s; 0 on the last), the root position (3, metres, y up),
the root orientation (quaternion w, x, y, z, world), then per joint a local rotation relative to its
parent: chest, neck, right hip (quaternions), right knee (angle, rad), right ankle, right shoulder
(quaternions), right elbow (angle), left hip (quaternion), left knee (angle), left ankle, left shoulder
(quaternions), left elbow (angle). Knees and elbows turn about their local z axis.

The skeleton is pybullet's ``humanoid/humanoid.urdf`` at the 0.25 scale pybullet loads it with
(x forward, y up, z to the right); its joint offsets are in :data:`LINKS`. Forward kinematics:
``R_child = R_parent R_local``, ``p_child = p_parent + R_parent offset``. The result is a motion
with joints ``root, chest, neck, r_hip, r_knee, r_ankle, r_shoulder, r_elbow, r_wrist, l_hip, ...``
(skeleton ``deepmimic15``), ``up = (0, 1, 0)``.

- Time: the frame rate is 1 / the median frame duration, rounded to a whole number when within
  0.1 % (the files round 1/30 s to 0.033332); frames are resampled (slerp for rotations, linear for positions and angles) onto a uniform
  grid at ``fps`` (default 1 / the median frame duration), so clips with an odd frame duration
  (the roll) are uniform too.
- Glitches: an isolated one-frame rotation step (> 2 rad/s, > 5x the joint's median rate and > 3x
  both neighbouring steps; e.g. in the walk, root, chest and left shoulder all jump between frames 18
  and 19, the shoulder twisting 28 degrees) is spread over 0.2 s with a smooth step; the repaired
  joints and frames are listed in ``meta``. Not repaired: the run is a mirrored half-cycle spliced at
  frame 11, where several joints step at once without being isolated spikes (the wrist's second
  difference reaches ~200 m/s^2 at 30 fps there, before the simulator's low-pass).
- Looping (``Loop: wrap``, e.g. walk and run; ``loop_s`` > the clip): the residual between the last
  and the first frame of each joint (rotations, angles, root height) is distributed linearly over the
  cycle so that the loop closes without a jump, and cycle k is shifted by k times the root's
  horizontal travel over one cycle. Non-cyclic clips are used once.

The wrist has no degree of freedom of its own (DeepMimic's wrist is fixed to the forearm) and the
skeleton has no hands: the simulator's arm-plane roll is used (its documented fallback).
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from ..base.errors import InputError
from ..base.jsonio import read_json_file
from ..base.limits import LimitError, check_samples
from .import_common import check_file, check_fps, provenance
from .interchange import Motion, validate_motion

SCALE = 0.25
LINKS: Dict[str, Tuple[str, Tuple[float, float, float]]] = {
    "chest": ("root", (0.0, 0.944604, 0.0)),
    "neck": ("chest", (0.0, 0.895576, 0.0)),
    "r_hip": ("root", (0.0, 0.0, 0.339548)),
    "r_knee": ("r_hip", (0.0, -1.686184, 0.0)),
    "r_ankle": ("r_knee", (0.0, -1.639480, 0.0)),
    "r_shoulder": ("chest", (-0.0962, 0.974, 0.73244)),
    "r_elbow": ("r_shoulder", (0.0, -1.099152, 0.0)),
    "r_wrist": ("r_elbow", (0.0, -1.035788, 0.0)),
    "l_hip": ("root", (0.0, 0.0, -0.339548)),
    "l_knee": ("l_hip", (0.0, -1.686184, 0.0)),
    "l_ankle": ("l_knee", (0.0, -1.639480, 0.0)),
    "l_shoulder": ("chest", (-0.0962, 0.974, -0.73244)),
    "l_elbow": ("l_shoulder", (0.0, -1.099152, 0.0)),
    "l_wrist": ("l_elbow", (0.0, -1.035788, 0.0)),
}
SPHERICAL = {
    "chest": 8,
    "neck": 12,
    "r_hip": 16,
    "r_ankle": 21,
    "r_shoulder": 25,
    "l_hip": 30,
    "l_ankle": 35,
    "l_shoulder": 39,
}
REVOLUTE = {"r_knee": 20, "r_elbow": 29, "l_knee": 34, "l_elbow": 43}
JOINTS = ("root",) + tuple(LINKS)
N_VALUES = 44
SKELETON = "deepmimic15"
GLITCH_RATE = 2.0  # rad/s
GLITCH_SPREAD_S = 0.2


def read_frames(path) -> Tuple[str, np.ndarray]:
    path = check_file(path)
    try:
        data = read_json_file(path, "DeepMimic motion")
    except LimitError:
        raise
    except InputError as exc:
        raise InputError(path, f"not a DeepMimic motion ({exc.problem})") from None
    if not isinstance(data, dict) or "Frames" not in data:
        raise InputError(path, "not a DeepMimic motion (no 'Frames')")
    try:
        F = np.asarray(data["Frames"], float)
    except (TypeError, ValueError):
        raise InputError(path, "'Frames' must be a list of equal-length number lists") from None
    if F.ndim != 2 or F.shape[1] != N_VALUES:
        raise InputError(path, f"frames must hold {N_VALUES} numbers each (DeepMimic humanoid), got shape {F.shape}")
    if F.shape[0] < 2:
        raise InputError(path, "a DeepMimic motion needs at least 2 frames")
    if not np.isfinite(F).all():
        raise InputError(path, "frames hold non-finite numbers")
    if (F[:-1, 0] <= 0).any():
        k = int(np.nonzero(F[:-1, 0] <= 0)[0][0])
        raise InputError(path, f"frame {k} has a non-positive duration {F[k, 0]:g}")
    loop = str(data.get("Loop", "none")).lower()
    return loop, F


def _quat(q_wxyz: np.ndarray) -> Rotation:
    return Rotation.from_quat(q_wxyz[:, [1, 2, 3, 0]])


def _params(F: np.ndarray):
    t = np.concatenate([[0.0], np.cumsum(F[:-1, 0])])
    rots = {"root": _quat(F[:, 4:8])}
    for n, s in SPHERICAL.items():
        rots[n] = _quat(F[:, s : s + 4])
    ang = {n: F[:, s].copy() for n, s in REVOLUTE.items()}
    return t, F[:, 1:4].copy(), rots, ang


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _repair_glitches(t, rots, ang) -> List[Dict]:
    """Spread isolated one-frame steps over GLITCH_SPREAD_S (in place); returns what was repaired."""
    fixed = []
    dt = np.diff(t)
    for n in list(rots) + list(ang):
        is_rot = n in rots
        step = (rots[n][1:] * rots[n][:-1].inv()).magnitude() if is_rot else np.abs(np.diff(ang[n]))
        rate = step / dt
        med = float(np.median(rate))
        for i in range(rate.size):
            nb = max(rate[i - 1] if i > 0 else 0.0, rate[i + 1] if i + 1 < rate.size else 0.0)
            if not (rate[i] > GLITCH_RATE and rate[i] > 5 * med and rate[i] > 3 * nb):
                continue
            centre = 0.5 * (t[i] + t[i + 1])
            s = _smoothstep((t - (centre - GLITCH_SPREAD_S / 2)) / GLITCH_SPREAD_S)
            after = np.arange(t.size) > i
            w = np.where(after, s - 1.0, s)  # applied step fraction minus what the data already has
            if is_rot:
                delta = (rots[n][i + 1] * rots[n][i].inv()).as_rotvec()
                rots[n] = Rotation.from_rotvec(np.outer(w, delta)) * rots[n]
            else:
                d = ang[n][i + 1] - ang[n][i]
                ang[n] = ang[n] + w * d
            fixed.append({"joint": n, "frame": int(i + 1), "rate_rad_s": round(float(rate[i]), 2)})
    return fixed


def _close_loop(t, pos, rots, ang):
    w = (t - t[0]) / (t[-1] - t[0])
    out = {}
    for n, R in rots.items():
        delta = R[-1] * R[0].inv()
        out[n] = Rotation.from_rotvec(-np.outer(w, delta.as_rotvec())) * R
    ang = {n: a - w * (a[-1] - a[0]) for n, a in ang.items()}
    pos = pos.copy()
    pos[:, 1] -= w * (pos[-1, 1] - pos[0, 1])
    return pos, out, ang


def forward_kinematics(pos: np.ndarray, rots: Dict[str, Rotation], ang: Dict[str, np.ndarray]) -> np.ndarray:
    world = {"root": rots["root"]}
    P = {"root": pos}
    for n, (par, off) in LINKS.items():
        P[n] = P[par] + world[par].apply(np.asarray(off) * SCALE)
        if n in SPHERICAL:
            world[n] = world[par] * rots[n]
        elif n in REVOLUTE:
            world[n] = world[par] * Rotation.from_rotvec(np.outer(ang[n], [0.0, 0.0, 1.0]))
        else:
            world[n] = world[par]
    return np.stack([P[n] for n in JOINTS], axis=1)


def import_deepmimic(
    path: str | os.PathLike, fps: Optional[float] = None, loop_s: Optional[float] = None, **_ignored
) -> Motion:
    """A DeepMimic clip as a Motion; cyclic clips are looped to ``loop_s`` seconds when given."""
    loop, F = read_frames(path)
    path = check_file(path)
    fps = check_fps(fps, path) or 1.0 / float(np.median(F[:-1, 0]))
    if abs(fps - round(fps)) < 1e-3 * fps:  # 0.033332 s frames are 30 fps
        fps = float(round(fps))
    t, pos, rots, ang = _params(F)
    repaired = _repair_glitches(t, rots, ang)
    cyclic = loop == "wrap"
    cycle = float(t[-1])
    if cyclic:
        pos, rots, ang = _close_loop(t, pos, rots, ang)
    if loop_s is not None and not (np.isfinite(loop_s) and loop_s > 0):
        raise InputError(path, f"loop length must be a positive number of seconds, got {loop_s}")
    total = float(loop_s) if (cyclic and loop_s) else cycle
    check_samples(total * fps + 1, f"a {total:g} s loop at {fps:g} fps (frames)", path)
    tn = np.arange(int(np.floor(total * fps + 1e-9)) + 1) / fps
    k = np.floor(tn / cycle + 1e-9).astype(int) if cyclic else np.zeros(tn.size, int)
    tau = np.clip(tn - k * cycle, t[0], t[-1])
    P = np.stack([np.interp(tau, t, pos[:, i]) for i in range(3)], axis=1)
    R = {n: Slerp(t, r)(tau) for n, r in rots.items()}
    A = {n: np.interp(tau, t, a) for n, a in ang.items()}
    if cyclic:
        off = pos[-1] - pos[0]
        off[1] = 0.0
        P = P + k[:, None] * off
    joints = forward_kinematics(P, R, A)
    meta = provenance(
        "deepmimic",
        path,
        SCALE,
        "urdf units x 0.25",
        "pybullet's humanoid scale",
        loop=loop,
        cyclic=cyclic,
        cycle_s=cycle,
        looped_s=float(tn[-1]) if cyclic else None,
        glitches_repaired=repaired,
        roll="arm plane (the skeleton has no hands)",
    )
    m = Motion(joints=joints, fps=float(fps), skeleton=SKELETON, up=np.array([0.0, 1.0, 0.0]), meta=meta)
    return validate_motion(m, path)


def looks_like_deepmimic(path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(256).decode("utf-8", "replace")
    except OSError:
        return False
    return '"Frames"' in head or '"Loop"' in head
