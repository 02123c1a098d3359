"""Where the wrist device is and how it is oriented, from skeleton joints.

Sensor frame of a wrist device (DESIGN.md section 2):
x along the forearm toward the hand (distal), z normal to the back of the wrist
pointing away from the skin (dorsal), y = z x x. Both wrists use this rule.

Forearm roll about x (the pronation a 17-joint skeleton cannot see):

1. ``hand``: skeletons with hand joints (NTU RGB+D) give the palm plane
   from wrist, hand and thumb; the back of the hand is its normal.
2. ``arm-plane``: otherwise the shoulder-elbow-wrist plane. Its lateral normal
   (pointing away from the body's midline) is the back of the wrist in the
   neutral "handshake" posture (thumb up, forearm mid-way between pronation
   and supination); the configured pronation angle then turns it about x
   (0 deg = neutral, 90 deg = palm down with the forearm pointing forward).
3. ``carried``: when the arm is nearly straight (elbow angle within 15 deg of
   straight) the plane is undefined; the roll angle, measured about x from a
   lateral reference (the line through both shoulders), is carried from the
   last frame with a good plane (or back-filled from the first one).
4. ``lateral``: a clip where the plane is never defined uses the lateral
   reference itself (roll 0). With arms hanging that is the natural posture
   (back of the wrist facing outward).

The counts of frames from each rule go into the output's provenance.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from .skeletons import Skeleton

STRAIGHT_ARM_SIN = np.sin(np.deg2rad(15.0))
ROLL_SOURCES = ("hand", "arm-plane", "carried", "lateral")


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _ffill_bfill(a: np.ndarray, good: np.ndarray) -> np.ndarray:
    """Carry a's last good value forward, and the first good one backward."""
    if not good.any():
        return np.zeros_like(a)
    idx = np.where(good, np.arange(len(a)), 0)
    np.maximum.accumulate(idx, out=idx)
    first = int(np.argmax(good))
    idx[:first] = first
    return a[idx]


def forearm_axes(joints: np.ndarray, skel: Skeleton, side: str, up: np.ndarray,
                 pronation_deg: float = 0.0) -> Tuple[np.ndarray, np.ndarray, Dict[str, int]]:
    """Sensor x and z axes in world coordinates, (T, 3) each, plus roll-source counts.

    Frames with NaN shoulder/elbow/wrist give NaN axes.
    """
    if side not in skel.arms:
        raise ValueError(f"skeleton '{skel.name}' has no {side} arm")
    s_sign = 1.0 if side == "right" else -1.0
    sh, el, wr = (joints[:, i] for i in skel.arms[side])
    x = _unit(wr - el)
    upper = el - sh

    # lateral reference, perpendicular to x: the shoulder line pointing to this side
    other = "left" if side == "right" else "right"
    if other in skel.arms:
        lat = joints[:, skel.arms[side][0]] - joints[:, skel.arms[other][0]]
        lat_ok = np.isfinite(lat).all(axis=1)
        lat = _ffill_bfill(lat, lat_ok) if lat_ok.any() else np.tile(np.cross(up, [1.0, 0, 0]), (len(x), 1))
    else:
        lat = np.tile(np.asarray(up, float), (len(x), 1))
    e1 = _unit(lat - np.sum(lat * x, axis=1, keepdims=True) * x)
    # if the forearm is parallel to the reference, fall back to `up`
    bad_e1 = ~np.isfinite(e1).all(axis=1) | (np.linalg.norm(lat - np.sum(lat * x, 1, keepdims=True) * x, axis=1) < 1e-6)
    if bad_e1.any():
        alt = np.tile(np.asarray(up, float), (len(x), 1))
        e1_alt = _unit(alt - np.sum(alt * x, axis=1, keepdims=True) * x)
        e1[bad_e1] = e1_alt[bad_e1]
    e2 = np.cross(x, e1)

    # neutral dorsal direction where it is defined
    n = np.full_like(x, np.nan)
    source = np.full(len(x), 3, dtype=np.int8)       # 3 = lateral
    if side in skel.hands:
        hand, thumb = (joints[:, i] for i in skel.hands[side])
        # palm plane: distal direction (wrist->hand) x thumb direction
        palm_n = np.cross(hand - wr, thumb - wr) * s_sign
        ok_h = np.linalg.norm(palm_n, axis=1) > 1e-6
        n[ok_h] = palm_n[ok_h]
        source[ok_h] = 0
    else:
        ok_h = np.zeros(len(x), bool)
    plane = np.cross(upper, x) * s_sign
    sin_elbow = np.linalg.norm(plane, axis=1) / np.maximum(np.linalg.norm(upper, axis=1), 1e-12)
    ok_p = ~ok_h & (sin_elbow > STRAIGHT_ARM_SIN)
    n[ok_p] = plane[ok_p]
    source[ok_p] = 1
    good = ok_h | ok_p
    n_perp = n - np.sum(n * x, axis=1, keepdims=True) * x
    psi = np.arctan2(np.sum(n_perp * e2, axis=1), np.sum(n_perp * e1, axis=1))
    finite = np.isfinite(psi) & good
    if finite.any():
        carried = ~finite & np.isfinite(x).all(axis=1)
        source[carried] = 2
        psi = _ffill_bfill(psi, finite)
    else:
        psi = np.zeros(len(x))
    # pronation turns the back of the wrist about x: right arm negative, left positive
    psi = psi - s_sign * np.deg2rad(pronation_deg)
    z = np.cos(psi)[:, None] * e1 + np.sin(psi)[:, None] * e2
    invalid = ~np.isfinite(x).all(axis=1) | ~np.isfinite(upper).all(axis=1)
    x[invalid] = np.nan
    z[invalid] = np.nan
    counts = {name: int(np.sum((source == k) & ~invalid)) for k, name in enumerate(ROLL_SOURCES)}
    return x, z, counts


def orthonormal_frames(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Rotation matrices (N, 3, 3), columns = sensor x, y, z in world coordinates."""
    x = _unit(x)
    z = _unit(z - np.sum(z * x, axis=1, keepdims=True) * x)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=2)
