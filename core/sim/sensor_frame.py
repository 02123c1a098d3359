"""Where the wrist device is and how it is oriented, from skeleton joints.

Sensor frame of a wrist device (DESIGN.md section 2):
x along the forearm toward the hand (distal), z normal to the back of the wrist
pointing away from the skin (dorsal), y = z x x. Both wrists use this rule.

Forearm roll about x (the pronation a 17-joint skeleton cannot see) is an
angle about x measured from a neutral reference direction (below):

1. ``hand``: skeletons with hand joints give the palm plane through the wrist
   and two hand points on either side of the palm (NTU RGB+D: hand centre and
   thumb; BlazePose ``blazepose33``: pinky and index knuckles); the back of the
   hand is its normal. When a clip
   has any usable hand frame, frames without one carry the hand's roll (rule 3)
   rather than switching to the arm plane, which would make the roll jump.
2. ``arm-plane``: otherwise the shoulder-elbow-wrist plane. Its lateral normal
   (the elbow's hinge axis, pointing away from the body's midline) is the back
   of the wrist in the neutral "handshake" posture (thumb up, forearm mid-way
   between pronation and supination); the configured pronation angle then
   turns it about x (0 deg = neutral, 90 deg = palm down with the forearm
   pointing forward). The pronation angle is an assumption for the arm plane
   only: it never turns a roll observed from the hand.
3. ``carried``: when the arm is nearly straight (elbow angle within 15 deg of
   straight) or the hand plane is degenerate, the roll angle about x, measured
   from the neutral reference, is carried from the last frame with a good plane
   (or back-filled from the first one).
4. ``lateral``: a clip where the plane is never defined uses the neutral
   reference itself (roll 0).

Neutral reference: the back of the wrist of a straight arm hanging at the side
faces outward (the shoulder line, made horizontal); for any other forearm
direction it is that vector turned by the smallest rotation taking "down" to
the forearm direction (arm raised forward: still outward; raised sideways to
the shoulder line: up, palms down). This is smooth everywhere except with the
forearm pointing straight up; within 20 deg of straight up the last reference
is carried (projected perpendicular to the forearm). Without a shoulder line
(one-armed skeletons, or both shoulders in one place or vertically above each
other) the last good one is carried, or a fixed horizontal direction is used.

The counts of frames from each rule go into the output's provenance.
"""

from __future__ import annotations

from typing import Dict, Optional, Tuple

import numpy as np

from ..motion.skeletons import Skeleton

STRAIGHT_ARM_SIN = np.sin(np.deg2rad(15.0))
DEGENERATE_HAND_SIN = np.sin(np.deg2rad(10.0))
NEAR_UP = 1.0 - np.cos(np.deg2rad(20.0))  # 1 + cos(angle from down) below this: forearm near straight up
ROLL_SOURCES = ("hand", "arm-plane", "carried", "lateral")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", a, b) if b.ndim == 2 else a @ b


def _carry_index(good: np.ndarray) -> Optional[np.ndarray]:
    """Index of the last good frame at or before each frame (the first good one before it); None if none."""
    if not good.any():
        return None
    idx = np.where(good, np.arange(len(good)), 0)
    np.maximum.accumulate(idx, out=idx)
    idx[: int(np.argmax(good))] = int(np.argmax(good))
    return idx


def _ffill_bfill(a: np.ndarray, good: np.ndarray) -> np.ndarray:
    """Carry a's last good value forward, and the first good one backward."""
    idx = _carry_index(good)
    return np.zeros_like(a) if idx is None else a[idx]


def _horizontal(up: np.ndarray) -> np.ndarray:
    """A fixed unit vector perpendicular to up."""
    e = np.eye(3)[int(np.argmin(np.abs(up)))]
    return _unit(np.cross(up, e)[None])[0]


def neutral_reference(x: np.ndarray, lat: Optional[np.ndarray], up: np.ndarray) -> np.ndarray:
    """(T, 3) unit vectors perpendicular to x: the back of the wrist at roll 0 (see the module's docstring).

    x: (T, 3) unit forearm directions (NaN rows allowed); lat: (T, 3) the shoulder line pointing to this
    arm's side, or None; up: (3,) unit.
    """
    T = len(x)
    up = np.asarray(up, float)
    if lat is None:
        l = np.tile(_horizontal(up), (T, 1))
    else:
        l = lat - _dot(lat, up)[:, None] * up
        nl, nlat = np.linalg.norm(l, axis=1), np.linalg.norm(lat, axis=1)
        with np.errstate(invalid="ignore"):
            ok_l = np.isfinite(nl) & (nlat > 1e-6) & (nl > 0.25 * nlat)  # >= 14.5 deg from vertical
        l = _ffill_bfill(l, ok_l) if ok_l.any() else np.tile(_horizontal(up), (T, 1))
        l = _unit(l)
    d = -up
    c = 1.0 + _dot(x, d)  # 0 with the forearm straight up
    with np.errstate(invalid="ignore", divide="ignore"):
        ok = c > NEAR_UP
        # smallest rotation taking d to x, applied to l (l is perpendicular to d):
        # R l = l + 2 (d.l) x - ((d + x).l) / (1 + d.x) (d + x)
        e1 = l - (_dot(x, l) / c)[:, None] * (d[None] + x)
    if not ok.all():
        near = ~ok & np.isfinite(x).all(axis=1)
        prev = _ffill_bfill(e1, ok) if ok.any() else l
        e1[near] = prev[near]
    e1 = _unit(e1 - _dot(e1, x)[:, None] * x)
    return e1


def forearm_axes(
    joints: np.ndarray, skel: Skeleton, side: str, up: np.ndarray, pronation_deg: float = 0.0
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Sensor x and z axes in world coordinates, (T, 3) each, plus roll-source counts.

    Frames with NaN shoulder/elbow/wrist give NaN axes.
    """
    if side not in skel.arms:
        raise ValueError(f"skeleton '{skel.name}' has no {side} arm")
    return forearm_axes_of(arm_joints(joints, skel, side), side, up, pronation_deg)


def arm_joints(joints: np.ndarray, skel: Skeleton, side: str) -> Dict[str, np.ndarray]:
    """The joints :func:`forearm_axes_of` reads, (T, 3) views each: ``shoulder``, ``elbow``, ``wrist``, and
    where the skeleton has them ``other_shoulder`` and this side's ``hand`` and ``thumb``."""
    out = dict(zip(("shoulder", "elbow", "wrist"), (joints[:, i] for i in skel.arms[side])))
    other = "left" if side == "right" else "right"
    if other in skel.arms:
        out["other_shoulder"] = joints[:, skel.arms[other][0]]
    if side in skel.hands:
        out["hand"], out["thumb"] = (joints[:, i] for i in skel.hands[side])
    return out


def forearm_axes_of(
    arm: Dict[str, np.ndarray], side: str, up: np.ndarray, pronation_deg: float = 0.0
) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """:func:`forearm_axes` from the joints :func:`arm_joints` picks (for a caller that holds only those)."""
    s_sign = 1.0 if side == "right" else -1.0
    up = np.asarray(up, float)
    sh, el, wr = arm["shoulder"], arm["elbow"], arm["wrist"]
    x = _unit(wr - el)
    upper = el - sh
    T = len(x)

    # neutral reference from the shoulder line pointing to this side (missing shoulders: carried)
    lat = None
    if "other_shoulder" in arm:
        lat = sh - arm["other_shoulder"]
        lat_ok = np.isfinite(lat).all(axis=1)
        lat = _ffill_bfill(lat, lat_ok) if lat_ok.any() else None
    e1 = neutral_reference(x, lat, up)
    e2 = np.cross(x, e1)

    # dorsal direction where it is observed
    n = np.full_like(x, np.nan)
    source = np.full(T, 3, dtype=np.int8)  # 3 = lateral
    ok_h = np.zeros(T, bool)
    if "hand" in arm:
        hand, thumb = arm["hand"], arm["thumb"]
        # palm plane: distal direction (wrist->hand) x thumb direction
        a, b = hand - wr, thumb - wr
        palm_n = np.cross(a, b) * s_sign
        with np.errstate(invalid="ignore"):
            ok_h = np.linalg.norm(palm_n, axis=1) > DEGENERATE_HAND_SIN * np.linalg.norm(a, axis=1) * np.linalg.norm(
                b, axis=1
            )
            ok_h &= np.linalg.norm(palm_n - _dot(palm_n, x)[:, None] * x, axis=1) > 0.5 * np.linalg.norm(palm_n, axis=1)
        n[ok_h] = palm_n[ok_h]
    if ok_h.any():
        good = ok_h
        source[ok_h] = 0
    else:
        plane = np.cross(upper, x) * s_sign
        with np.errstate(invalid="ignore"):
            sin_elbow = np.linalg.norm(plane, axis=1) / np.maximum(np.linalg.norm(upper, axis=1), 1e-12)
            good = sin_elbow > STRAIGHT_ARM_SIN
        n[good] = plane[good]
        source[good] = 1
    psi = np.arctan2(_dot(n, e2), _dot(n, e1))
    good &= np.isfinite(psi)
    idx = _carry_index(good)
    from_hand = np.zeros(T, bool)
    if idx is not None:
        source[~good & np.isfinite(x).all(axis=1)] = 2
        psi = psi[idx]  # an angle about x, carried as is (no unwrapping needed)
        from_hand = ok_h[idx]
    else:
        psi = np.zeros(T)
    # pronation (assumed, not observed) turns the back of the wrist about x: right arm negative, left positive
    psi = psi - np.where(from_hand, 0.0, s_sign * np.deg2rad(pronation_deg))
    z = np.cos(psi)[:, None] * e1 + np.sin(psi)[:, None] * e2
    invalid = ~np.isfinite(x).all(axis=1) | ~np.isfinite(upper).all(axis=1) | ~np.isfinite(z).all(axis=1)
    x[invalid] = np.nan
    z[invalid] = np.nan
    counts = {name: int(np.sum((source == k) & ~invalid)) for k, name in enumerate(ROLL_SOURCES)}
    return x, z, counts


def roll_angle(joints: np.ndarray, skel: Skeleton, side: str, up: np.ndarray, pronation_deg: float = 0.0):
    """The forearm roll about sensor x, radians from the neutral reference (T,), and the roll-source counts.

    Positive turns the back of the wrist from the neutral reference e1 toward x cross e1.
    """
    up = np.asarray(up, float) / np.linalg.norm(up)
    x, z, counts = forearm_axes(joints, skel, side, up, pronation_deg)
    other = "left" if side == "right" else "right"
    lat = None
    if other in skel.arms:
        lat = joints[:, skel.arms[side][0]] - joints[:, skel.arms[other][0]]
        lat_ok = np.isfinite(lat).all(axis=1)
        lat = _ffill_bfill(lat, lat_ok) if lat_ok.any() else None
    e1 = neutral_reference(x, lat, up)
    e2 = np.cross(x, e1)
    return np.arctan2(_dot(z, e2), _dot(z, e1)), counts


def orthonormal_frames(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3), columns = sensor x, y, z in world coordinates."""
    x = _unit(x)
    z = _unit(z - np.sum(z * x, axis=1, keepdims=True) * x)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=2)


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise dot products of (N, 3) arrays, as an (N, 1) column."""
    return np.einsum("ni,ni->n", a, b)[:, None]


def frames_and_body_rates(x: np.ndarray, z: np.ndarray, x_dot: np.ndarray, z_dot: np.ndarray):
    """Orthonormal frames and their body-frame angular velocity, analytically.

    x, z: (N, 3) raw axis vectors and x_dot, z_dot their time derivatives (from
    the spline). The frame is x^ = x/|x|, z^ = Gram-Schmidt of z against x^,
    y^ = z^ x x^; differentiating that construction gives dR/dt exactly, and the
    body rate is the vee of R^T dR/dt: w = (z^.dy^, x^.dz^, y^.dx^).
    Returns (R (N, 3, 3) with columns x^, y^, z^; w (N, 3) rad/s).
    """
    nx = np.linalg.norm(x, axis=1, keepdims=True)
    xh = x / nx
    dxh = (x_dot - xh * _rowdot(xh, x_dot)) / nx
    c = _rowdot(z, xh)
    zp = z - c * xh
    dzp = z_dot - (_rowdot(z_dot, xh) + _rowdot(z, dxh)) * xh - c * dxh
    nz = np.linalg.norm(zp, axis=1, keepdims=True)
    zh = zp / nz
    dzh = (dzp - zh * _rowdot(zh, dzp)) / nz
    yh = np.cross(zh, xh)
    dyh = np.cross(dzh, xh) + np.cross(zh, dxh)
    w = np.concatenate([_rowdot(zh, dyh), _rowdot(xh, dzh), _rowdot(yh, dxh)], axis=1)
    return np.stack([xh, yh, zh], axis=2), w
