"""From camera space to the motion's world frame.

Input: joints relative to the pelvis in camera space (x right, y down, z
forward, metres): H36M-17 from VideoPose3D with the 2D keypoints they came from
and the image size (:func:`to_world`), or BlazePose's world landmarks with a
root translation already solved (:mod:`.landmarks3d` calls
:func:`place_in_world`). A :class:`Body` says which joints make the pelvis, the
thorax and the feet.

1. Up (gravity). Prior: the camera is level, so up is camera -y. Refinement:
   the torso direction pelvis -> thorax of every frame that is within 45 deg of
   the prior ("upright" frames). If at least 25 % of the observed frames are
   upright, up is the normalised mean of their unit torso vectors, else the
   prior stays. This absorbs the camera's pitch and roll but also any constant
   forward lean of the subject (a few degrees while walking). Clips where the
   person lies down most of the time keep the level-camera prior.
2. Root trajectory (camera space). A pinhole camera with the principal point at
   the image centre and an assumed focal length ``f = focal_factor * max(w, h)``
   (default 1.15, the ratio of Human3.6M's cameras the lifter was trained on).
   For each frame the translation T minimising the confidence-weighted
   reprojection error of all joints, ``f (X + T)_x / (X + T)_z + c_x = u``, is
   solved linearly; depth is then median-filtered over 5 frames and x, y re-solved
   with that depth. Absolute depth scales with the assumed focal length and with
   the lifter's body size; motion along the optical axis is the least reliable
   component. The camera must be static: a panning camera's motion appears as
   the person's. Without an image size or with too few keypoints
   (``trajectory=False``, or fewer than 6 confident joints) the root stays at
   the origin and everything the body does as a whole (walking across, falling
   to the floor, jumping) is lost; only motion relative to the pelvis remains.
3. World frame: z = up, x = the camera's right made horizontal, y = z cross x
   (away from the camera), right-handed. The origin is below the root's first
   observed position, the floor (5th percentile of the lower foot's height) at
   z = 0. The motion's ``up`` is then (0, 0, 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Tuple

import numpy as np
from scipy.ndimage import median_filter

PELVIS, THORAX, R_FOOT, L_FOOT = 0, 8, 3, 6


@dataclass(frozen=True)
class Body:
    """Joint indices whose mean is the pelvis and the thorax, and the joints that touch the floor."""

    pelvis: Tuple[int, ...]
    thorax: Tuple[int, ...]
    feet: Tuple[int, ...]

    def point(self, joints: np.ndarray, which: str) -> np.ndarray:
        """(T, 3) mean of the named group (NaN where any of its joints is NaN)."""
        return joints[:, list(getattr(self, which))].mean(axis=1)


H36M_BODY = Body(pelvis=(PELVIS,), thorax=(THORAX,), feet=(R_FOOT, L_FOOT))
FOCAL_FACTOR = 1.15
UPRIGHT_DEG = 45.0
MIN_UPRIGHT_FRACTION = 0.25


@dataclass
class WorldResult:
    joints: np.ndarray  # (T, 17, 3) world metres, NaN where unobserved
    up: np.ndarray  # (3,) in the world frame: (0, 0, 1)
    up_camera: np.ndarray  # (3,) the estimated up in camera coordinates
    rotation: np.ndarray  # (3, 3) world <- camera
    trajectory: Optional[np.ndarray]  # (T, 3) root position in camera space, or None
    info: dict = field(default_factory=dict)


def estimate_up(joints_cam: np.ndarray, body: Body = H36M_BODY) -> tuple:
    """Up in camera coordinates and how it was obtained (see module docstring)."""
    prior = np.array([0.0, -1.0, 0.0])
    torso = body.point(joints_cam, "thorax") - body.point(joints_cam, "pelvis")
    n = np.linalg.norm(torso, axis=1)
    ok = np.isfinite(n) & (n > 1e-6)
    if not ok.any():
        return prior, {"up_method": "camera-level prior (no torso observed)", "upright_fraction": 0.0}
    u = torso[ok] / n[ok, None]
    upright = u @ prior >= np.cos(np.radians(UPRIGHT_DEG))
    frac = float(upright.mean())
    if frac < MIN_UPRIGHT_FRACTION:
        return prior, {"up_method": "camera-level prior (subject rarely upright)", "upright_fraction": frac}
    up = u[upright].mean(axis=0)
    up /= np.linalg.norm(up)
    tilt = float(np.degrees(np.arccos(np.clip(up @ prior, -1, 1))))
    return up, {
        "up_method": "mean torso direction of upright frames",
        "upright_fraction": frac,
        "up_tilt_from_level_deg": tilt,
    }


def solve_translation(
    joints_rel: np.ndarray,
    kps: np.ndarray,
    conf: np.ndarray,
    f: float,
    c: np.ndarray,
    min_joints: int = 6,
    min_conf: float = 0.3,
) -> np.ndarray:
    """Per-frame camera-space root translation (T, 3) from 2D keypoints; NaN where it cannot be solved.

    ``joints_rel`` are the 3D joints (root-relative, camera space) that correspond
    one-to-one with ``kps`` (T, J, 2 pixels) and ``conf`` (T, J).
    """
    T = len(joints_rel)
    out = np.full((T, 3), np.nan)
    for t in range(T):
        X, u, w = joints_rel[t], kps[t] - c, np.nan_to_num(conf[t])
        ok = np.isfinite(X).all(1) & np.isfinite(u).all(1) & (w >= min_conf)
        if ok.sum() < min_joints:
            continue
        X, u, w = X[ok], u[ok], np.sqrt(w[ok])
        n = len(X)
        A = np.zeros((2 * n, 3))
        b = np.zeros(2 * n)
        A[:n, 0], A[:n, 2], b[:n] = f, -u[:, 0], u[:, 0] * X[:, 2] - f * X[:, 0]
        A[n:, 1], A[n:, 2], b[n:] = f, -u[:, 1], u[:, 1] * X[:, 2] - f * X[:, 1]
        W = np.r_[w, w]
        sol, *_ = np.linalg.lstsq(A * W[:, None], b * W, rcond=None)
        if sol[2] > 0:
            out[t] = sol
    ok = np.isfinite(out[:, 2])
    if ok.sum() >= 3:
        z = out[ok, 2].copy()
        out[ok, 2] = median_filter(z, size=min(5, len(z) | 1), mode="nearest")
        for t in np.nonzero(ok)[0]:  # x, y again with the smoothed depth
            X, u, w = joints_rel[t], kps[t] - c, np.nan_to_num(conf[t])
            m = np.isfinite(X).all(1) & np.isfinite(u).all(1) & (w >= min_conf)
            tz = out[t, 2]
            ww = w[m]
            out[t, 0] = np.sum(ww * (u[m, 0] * (X[m, 2] + tz) / f - X[m, 0])) / ww.sum()
            out[t, 1] = np.sum(ww * (u[m, 1] * (X[m, 2] + tz) / f - X[m, 1])) / ww.sum()
    return out


# H36M joints that have a COCO keypoint at the same body point (for the translation solve)
H36M_FROM_COCO = {1: 12, 2: 14, 3: 16, 4: 11, 5: 13, 6: 15, 11: 5, 12: 7, 13: 9, 14: 6, 15: 8, 16: 10}


def to_world(
    joints_cam: np.ndarray,
    kps_coco: Optional[np.ndarray] = None,
    conf_coco: Optional[np.ndarray] = None,
    width: Optional[int] = None,
    height: Optional[int] = None,
    focal_factor: float = FOCAL_FACTOR,
    trajectory: bool = True,
) -> WorldResult:
    """Camera-space root-relative H36M joints (T, 17, 3) -> world joints with up = +z (see module doc)."""
    J = np.asarray(joints_cam, float)
    up_c, info = estimate_up(J)
    traj = None
    if trajectory and kps_coco is not None and width and height:
        f = focal_factor * max(width, height)
        c = np.array([width / 2.0, height / 2.0])
        h_idx = np.array(list(H36M_FROM_COCO))
        c_idx = np.array(list(H36M_FROM_COCO.values()))
        conf = np.ones(kps_coco.shape[:2]) if conf_coco is None else conf_coco
        traj = solve_translation(J[:, h_idx], kps_coco[:, c_idx], conf[:, c_idx], f, c)
        good = np.isfinite(traj).all(1)
        obs = np.isfinite(J).all(axis=(1, 2))
        if good.sum() == 0:
            traj = None
            info["trajectory"] = "none: too few confident keypoints"
        else:
            # frames observed but unsolved: interpolate the translation in time
            t = np.arange(len(traj))
            for k in range(3):
                traj[:, k] = np.interp(t, t[good], traj[good, k])
            traj[~obs] = np.nan
            info.update(
                trajectory="estimated from 2D reprojection (static pinhole camera)",
                focal_px=f,
                focal_factor=focal_factor,
                solved_frames=int(good.sum()),
                observed_frames=int(obs.sum()),
            )
    else:
        info["trajectory"] = "none: root fixed at the origin (whole-body translation lost)"
    Pc = J + (traj[:, None, :] if traj is not None else 0.0)
    return place_in_world(Pc, up_c, info, traj)


def place_in_world(joints_cam: np.ndarray, up_c: np.ndarray, info: dict, trajectory: Optional[np.ndarray] = None,
                   body: Body = H36M_BODY) -> WorldResult:  # fmt: skip
    """Step 3: camera-space joints (T, J, 3) -> world (z up, origin below the first pelvis, floor at 0)."""
    z = up_c
    x = np.array([1.0, 0.0, 0.0]) - z[0] * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z])  # rows: world axes in camera coordinates
    W = joints_cam @ R.T
    pelvis = body.point(W, "pelvis")
    obs = np.isfinite(pelvis).all(axis=1)
    if obs.any():
        first = pelvis[np.argmax(obs)]
        W[..., 0] -= first[0]
        W[..., 1] -= first[1]
        fz = W[:, list(body.feet), 2]
        feet = np.where(np.isfinite(fz), fz, np.inf).min(axis=1)
        feet[~np.isfinite(feet)] = np.nan
        if np.isfinite(feet).any():
            floor = float(np.nanpercentile(feet, 5))
        else:
            floor = float(np.nanmin(W[..., 2]))
        W[..., 2] -= floor
        info["floor_shift_m"] = floor
    return WorldResult(
        joints=W, up=np.array([0.0, 0.0, 1.0]), up_camera=up_c, rotation=R, trajectory=trajectory, info=info
    )
