"""Synthetic h36m17 motions with known, analytic kinematics (for physics tests).

World: x forward, y left, z up (right-handed), metres. The person stands at the
origin facing +x.
"""

from __future__ import annotations

import numpy as np

from imu2safety.core.motion.interchange import Motion

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


def lateral_raise(theta_max: float, f: float = 0.5, seconds: float = 4.0, fps: float = 30.0):
    """Straight arms raised sideways in the frontal plane (jumping-jack arms).

    Each arm's angle from hanging is theta(t) = theta_max (1 - cos 2 pi f t) / 2.
    Returns (motion, theta, theta_dot, theta_ddot) as functions of time."""
    T = int(round(seconds * fps))
    w = 2 * np.pi * f

    def th(t):
        return theta_max * (1 - np.cos(w * t)) / 2

    def thd(t):
        return theta_max * w * np.sin(w * t) / 2

    def thdd(t):
        return theta_max * w * w * np.cos(w * t) / 2

    t = np.arange(T) / fps
    j = np.tile(standing_pose("down"), (T, 1, 1))
    for sh, el, wr, side in ((11, 12, 13, 1.0), (14, 15, 16, -1.0)):
        d = np.stack([np.zeros(T), side * np.sin(th(t)), -np.cos(th(t))], 1)
        j[:, el] = j[:, sh] + L_UPPER * d
        j[:, wr] = j[:, el] + L_FORE * d
    return Motion(j, fps, "h36m17"), th, thd, thdd


# ntu25 (Kinect v2) joints from the h36m17 standing pose; hands from a roll angle
NTU_FROM_H36M = {
    0: 0,
    1: 7,
    2: 9,
    3: 10,
    20: 8,
    4: 11,
    5: 12,
    6: 13,
    8: 14,
    9: 15,
    10: 16,
    12: 4,
    13: 5,
    14: 6,
    16: 1,
    17: 2,
    18: 3,
}


def rolling_hands(phi, arms: str = "elbow90", fps: float = 30.0) -> Motion:
    """ntu25 motion: the h36m17 pose with hands; phi (T,) is each forearm's pronation
    (0 = thumb up, +90 deg = palm down). The hand points along the forearm."""
    phi = np.asarray(phi, float)
    T = len(phi)
    b = standing_pose(arms)
    j = np.zeros((T, 25, 3))
    for k, h in NTU_FROM_H36M.items():
        j[:, k] = b[h]
    j[:, 15] = b[6] + [0.1, 0, 0]
    j[:, 19] = b[3] + [0.1, 0, 0]
    for (el, wr, hand, tip, thumb), side in (((5, 6, 7, 21, 22), 1.0), ((9, 10, 11, 23, 24), -1.0)):
        x = (b[NTU_FROM_H36M[wr]] - b[NTU_FROM_H36M[el]]) / L_FORE
        assert np.allclose(x, [1, 0, 0]), "the roll helper wants the forearm pointing forward"
        up = np.array([0.0, 0.0, 1.0])
        medial = np.array([0.0, -side, 0.0])  # toward the body's midline
        # thumb up at phi = 0; pronation turns the thumb toward the midline
        thumb_dir = np.cos(phi)[:, None] * up + np.sin(phi)[:, None] * medial
        j[:, hand] = j[:, wr] + 0.08 * x
        j[:, tip] = j[:, wr] + 0.16 * x
        j[:, thumb] = j[:, wr] + 0.03 * x + 0.05 * thumb_dir
    return Motion(j, fps, "ntu25")


def rolling_hands_blazepose(phi, arms: str = "elbow90", fps: float = 30.0) -> Motion:
    """The :func:`rolling_hands` posture as a blazepose33 motion: wrist, elbow and shoulder the same,
    the hand as BlazePose sees it: index and pinky knuckles 8 cm along the forearm, 3.5 cm to either
    side of it across the palm (index on the thumb's side), the thumb knuckle beside the wrist."""
    ntu = rolling_hands(phi, arms, fps)
    T = ntu.n_frames
    j = np.full((T, 33, 3), np.nan)
    for bp, nt in {11: 4, 12: 8, 13: 5, 14: 9, 15: 6, 16: 10, 23: 12, 24: 16, 25: 13, 26: 17, 27: 14, 28: 18}.items():
        j[:, bp] = ntu.joints[:, nt]
    j[:, 0] = ntu.joints[:, 3]
    for wr, thumb, pinky, index, bp_thumb in ((6, 22, 17, 19, 21), (10, 24, 18, 20, 22)):
        w = ntu.joints[:, wr]
        x = ntu.joints[:, wr] - ntu.joints[:, wr - 1]
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        t = ntu.joints[:, thumb] - w - 0.03 * x  # 0.05 * the thumb's (radial) direction
        radial = t / np.linalg.norm(t, axis=1, keepdims=True)
        j[:, index] = w + 0.08 * x + 0.035 * radial
        j[:, pinky] = w + 0.08 * x - 0.035 * radial
        j[:, bp_thumb] = ntu.joints[:, thumb]
    return Motion(j, fps, "blazepose33", up=ntu.up)


def mirrored(m: Motion, partner) -> Motion:
    """The motion seen in a mirror: world x negated, left and right joints swapped (``partner[j]``)."""
    j = m.joints[:, list(partner)] * np.array([-1.0, 1.0, 1.0])
    conf = None if m.confidence is None else m.confidence[:, list(partner)]
    return Motion(j, m.fps, m.skeleton, up=m.up * np.array([-1.0, 1.0, 1.0]), confidence=conf)
