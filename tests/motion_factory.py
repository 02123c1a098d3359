"""Synthetic h36m17 motions with known, analytic kinematics (for physics tests).

World: x forward, y left, z up (right-handed), metres. The person stands at the
origin facing +x.
"""
from __future__ import annotations

import numpy as np

from imu2safety.core.motion import Motion

L_UPPER = 0.30
L_FORE = 0.26


def standing_pose(arms: str = "down") -> np.ndarray:
    """(17, 3) joints. arms: 'down' (hanging), 'forward' (straight ahead),
    'elbow90' (upper arm down, forearm forward)."""
    b = np.zeros((17, 3))
    b[0] = [0, 0, 1.0]
    b[7] = [0, 0, 1.2]
    b[8] = [0, 0, 1.45]
    b[9] = [0, 0, 1.55]
    b[10] = [0, 0, 1.65]
    b[1] = [0, -0.1, 1.0]
    b[2] = [0, -0.1, 0.55]
    b[3] = [0, -0.1, 0.1]
    b[4] = [0, 0.1, 1.0]
    b[5] = [0, 0.1, 0.55]
    b[6] = [0, 0.1, 0.1]
    for sh, el, wr, y in ((11, 12, 13, 0.18), (14, 15, 16, -0.18)):
        b[sh] = [0, y, 1.45]
        if arms == "down":
            b[el] = b[sh] + [0, 0, -L_UPPER]
            b[wr] = b[el] + [0, 0, -L_FORE]
        elif arms == "forward":
            b[el] = b[sh] + [L_UPPER, 0, 0]
            b[wr] = b[el] + [L_FORE, 0, 0]
        elif arms == "elbow90":
            b[el] = b[sh] + [0, 0, -L_UPPER]
            b[wr] = b[el] + [L_FORE, 0, 0]
        else:
            raise ValueError(arms)
    return b


def still(arms: str = "down", seconds: float = 3.0, fps: float = 30.0) -> Motion:
    T = int(round(seconds * fps))
    return Motion(np.tile(standing_pose(arms), (T, 1, 1)), fps, "h36m17")


def translated(offsets: np.ndarray, fps: float, arms: str = "down") -> Motion:
    """The still pose moved rigidly by offsets (T, 3)."""
    j = standing_pose(arms)[None] + offsets[:, None, :]
    return Motion(j, fps, "h36m17")


def spinning_forearm(omega: float, seconds: float = 4.0, fps: float = 30.0) -> Motion:
    """Upper arms hang; each forearm is horizontal and turns about the vertical
    through its elbow at ``omega`` rad/s (uniform rotation)."""
    T = int(round(seconds * fps))
    t = np.arange(T) / fps
    j = np.tile(standing_pose("elbow90"), (T, 1, 1))
    for el, wr in ((12, 13), (15, 16)):
        j[:, wr] = j[:, el] + L_FORE * np.stack([np.cos(omega * t), np.sin(omega * t), np.zeros(T)], 1)
    return Motion(j, fps, "h36m17")


def turning_body(omega: float, seconds: float = 4.0, fps: float = 30.0, arms: str = "down") -> Motion:
    """The whole still body turns about the vertical (z) axis at ``omega`` rad/s."""
    T = int(round(seconds * fps))
    t = np.arange(T) / fps
    base = standing_pose(arms)
    c, s = np.cos(omega * t), np.sin(omega * t)
    Rz = np.zeros((T, 3, 3))
    Rz[:, 0, 0], Rz[:, 0, 1], Rz[:, 1, 0], Rz[:, 1, 1], Rz[:, 2, 2] = c, -s, s, c, 1
    return Motion(np.einsum("tij,kj->tki", Rz, base), fps, "h36m17")
