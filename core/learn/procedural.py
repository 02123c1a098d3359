"""A procedural person standing, in the demo's ``h36m17`` figure (no data, no weights).

Standing is not still: the body sways (centre of mass ~0.5-1 cm, below 0.5 Hz, as in quiet-stance
posturography), the chest rises and falls with breathing (0.2-0.33 Hz), the arms hang with slow small
drifts at the shoulder and elbow, and now and then a hand comes up for 1-3 s (checking the watch,
touching the face: elbow flexion of 30-90 degrees). Each seed draws its own amplitudes, arm carriage
and gestures.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfiltfilt

from ..motion.interchange import Motion
from ..project import demo as body


def _slow(rng: np.random.Generator, n: int, fps: float, cutoff_hz: float, amp: float) -> np.ndarray:
    sos = butter(2, cutoff_hz, fs=fps, output="sos")
    x = sosfiltfilt(sos, rng.standard_normal(n + 400))[200:-200]
    return amp * x / (x.std() + 1e-12)


def standing_motion(seed: int, duration_s: float = 40.0, fps: int = 30) -> Motion:
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fps))
    t = np.arange(n) / fps
    sway_x = _slow(rng, n, fps, 0.4, rng.uniform(0.004, 0.01))
    sway_y = _slow(rng, n, fps, 0.4, rng.uniform(0.003, 0.008))
    breath = 0.006 * np.sin(2 * np.pi * rng.uniform(0.2, 0.33) * t + rng.uniform(0, 2 * np.pi))
    drift = rng.uniform(0.03, 0.12)
    arms = {}
    for side in ("l", "r"):
        sh = np.radians(rng.uniform(-5, 10)) + _slow(rng, n, fps, 0.5, drift)
        el = np.radians(rng.uniform(5, 35)) + _slow(rng, n, fps, 0.7, 1.5 * drift)
        for _ in range(rng.poisson(duration_s / 20)):
            c, w, h = rng.uniform(0, duration_s), rng.uniform(1, 3), np.radians(rng.uniform(30, 90))
            bump = np.clip(1 - np.abs((t - c) / (w / 2)), 0, 1)
            el = el + h * bump * bump * (3 - 2 * bump)
        arms[side] = (sh, el)
    z = np.zeros(n)
    pelvis = np.stack([sway_x, sway_y, np.full(n, body.PELVIS_H)], 1)
    lhip, rhip = pelvis + [0, body.HIP_W, 0], pelvis + [0, -body.HIP_W, 0]
    lknee, rknee = body._limb(lhip, z, body.THIGH), body._limb(rhip, z, body.THIGH)
    knee = np.radians(3)
    lfoot, rfoot = body._limb(lknee, z - knee, body.SHIN), body._limb(rknee, z - knee, body.SHIN)
    spine = pelvis + [0, 0, body.SPINE]
    thorax = spine + [0, 0, body.THORAX]
    thorax[:, 2] += breath
    neck = thorax + [0, 0, body.NECK]
    head = neck + [0, 0, body.HEAD]
    lsh, rsh = thorax + [0, body.SHOULDER_W, -0.03], thorax + [0, -body.SHOULDER_W, -0.03]
    lel, rel = body._limb(lsh, arms["l"][0], body.UPPER_ARM), body._limb(rsh, arms["r"][0], body.UPPER_ARM)
    lwr = body._limb(lel, arms["l"][0] + arms["l"][1], body.FOREARM)
    rwr = body._limb(rel, arms["r"][0] + arms["r"][1], body.FOREARM)
    lel[:, 1] += 0.03
    lwr[:, 1] += 0.05
    rel[:, 1] -= 0.03
    rwr[:, 1] -= 0.05
    J = np.stack(
        [pelvis, rhip, rknee, rfoot, lhip, lknee, lfoot, spine, thorax, neck, head, lsh, lel, lwr, rsh, rel, rwr],
        axis=1,
    )
    meta = {"source": "imu2safety procedural standing", "generator": "core.learn.procedural", "seed": int(seed)}
    return Motion(joints=J, fps=float(fps), skeleton="h36m17", up=np.array([0.0, 0.0, 1.0]), meta=meta)
