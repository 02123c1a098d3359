"""BlazePose world landmarks -> world-frame joints of a ``blazepose33`` motion.

1. **Confidence.** A landmark whose visibility is below ``min_visibility``
   (default 0.5, MediaPipe's own drawing threshold) is NaN in the motion, in 2D
   and in 3D: occluded or out-of-frame points are never invented. The motion's
   confidence is the visibility (0 where NaN). A frame without the person is
   NaN throughout. The hand points (pinky, index and thumb knuckles, which set
   the forearm roll) count only where the hand is large enough in the image to
   be seen: where the person's torso (hip centre to shoulder centre) is at least
   ``min_hand_torso_px`` (default 60) pixels long, a hand is about 12 pixels or
   more. For smaller people the model still outputs hand points, but they are a
   guess from the body's posture (their knuckles lie about a pixel apart), so
   they are NaN and the simulator takes the roll from the arm plane.
2. **Root (PnP).** The world landmarks are metric and hip-centred in camera axes;
   the root translation ``T`` of each frame is the one that best reprojects them
   onto the 2D landmarks through a pinhole camera with the principal point at the
   image centre and an *assumed* focal length ``f = focal_factor * max(w, h)``
   (default 1.15, a normal lens; :func:`~.camera_world.solve_translation`,
   visibility-weighted, at least 6 landmarks). Depth (along the optical axis)
   follows from the body's image size and is the least reliable component; it
   scales with the assumed focal length.
3. **Smoothing without lag.** Every landmark coordinate (hip-centred) and the
   root's two image-plane components are low-passed with a zero-phase
   Butterworth filter (order 2, run forward and backward with
   ``scipy.signal.sosfiltfilt``: no phase shift, so no lag) at
   ``min(cutoff_hz, 0.3 * fps)`` (default 6 Hz: 3 Hz for 10 fps video); the
   root's depth at ``depth_cutoff_hz`` (default 0.5 Hz), since its frame-to-frame
   noise is several centimetres to decimetres for people far from the camera.
   Each run of consecutive finite frames is filtered on its own (never across a
   gap); runs shorter than 4 frames stay as they are. The simulator low-passes
   again before differentiating (:mod:`..sim.kinematics`).
4. **World frame**, as for the lifter (:mod:`.camera_world`): up from the
   mean torso direction (hip centre -> shoulder centre) of upright frames, z up,
   origin below the first hip centre, floor (5th percentile of the lowest heel
   or toe) at z = 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np
from scipy.signal import butter, sosfiltfilt

from .camera_world import FOCAL_FACTOR, Body, estimate_up, place_in_world, solve_translation

BLAZEPOSE_BODY = Body(pelvis=(23, 24), thorax=(11, 12), feet=(29, 30, 31, 32))
MIN_VISIBILITY = 0.5
MIN_HAND_TORSO_PX = 60.0
HAND_POINTS = (17, 18, 19, 20, 21, 22)
CUTOFF_HZ = 6.0
CUTOFF_FPS_FRACTION = 0.3
DEPTH_CUTOFF_HZ = 0.5
FILTER_ORDER = 2
MIN_RUN = 4


def zero_phase_lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int = FILTER_ORDER) -> np.ndarray:
    """Forward-backward Butterworth low-pass of (T, ...) along time, each finite run on its own."""
    x = np.asarray(x, float)
    out = x.copy()
    if not (cutoff_hz and 0 < cutoff_hz < 0.5 * fps):
        return out
    sos = butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    flat = out.reshape(len(out), -1)
    for c in range(flat.shape[1]):
        col = flat[:, c]
        ok = np.isfinite(col)
        edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
        for a, b in zip(edges[::2], edges[1::2]):
            if b - a >= MIN_RUN:
                col[a:b] = sosfiltfilt(sos, col[a:b], padlen=min(3 * (2 * len(sos) + 1), b - a - 1))
    return out


@dataclass
class LandmarkMotion:
    joints: np.ndarray  # (T, 33, 3) world metres, NaN where not visible
    confidence: np.ndarray  # (T, 33) visibility, 0 where NaN
    up_camera: np.ndarray
    info: dict = field(default_factory=dict)


def landmarks_to_world(
    keypoints: np.ndarray,
    visibility: np.ndarray,
    world: np.ndarray,
    width: int,
    height: int,
    fps: float,
    min_visibility: float = MIN_VISIBILITY,
    min_hand_torso_px: float = MIN_HAND_TORSO_PX,
    focal_factor: float = FOCAL_FACTOR,
    cutoff_hz: Optional[float] = CUTOFF_HZ,
    depth_cutoff_hz: Optional[float] = DEPTH_CUTOFF_HZ,
    trajectory: bool = True,
) -> LandmarkMotion:
    """(T, 33, 2) pixels, (T, 33) visibility and (T, 33, 3) world landmarks -> world joints (module doc)."""
    kps = np.array(keypoints, float)
    vis = np.nan_to_num(np.asarray(visibility, float))
    rel = np.array(world, float)
    low = (vis < min_visibility) | ~np.isfinite(kps).all(axis=2) | ~np.isfinite(rel).all(axis=2)
    with np.errstate(invalid="ignore"):
        torso_px = np.linalg.norm(kps[:, [11, 12]].mean(axis=1) - kps[:, [23, 24]].mean(axis=1), axis=1)
    small = ~(torso_px >= min_hand_torso_px)  # NaN torso: no hand either
    present = np.isfinite(np.asarray(keypoints, float)).all(axis=2).any(axis=1)
    low[np.ix_(small, list(HAND_POINTS))] = True
    kps[low] = np.nan
    rel[low] = np.nan
    conf = np.where(low, 0.0, vis)
    info: dict = {
        "landmarks": "BlazePose world landmarks (GHUM, metres, hip-centred)",
        "min_visibility": min_visibility,
        "min_hand_torso_px": min_hand_torso_px,
        "hands_too_small_frames": int((small & present).sum()),
        "median_torso_px": float(np.nanmedian(torso_px)) if np.isfinite(torso_px).any() else None,
        "hidden_landmark_fraction": float(low[np.isfinite(np.asarray(keypoints, float)).all(axis=2)].mean())
        if np.isfinite(np.asarray(keypoints, float)).any()
        else 1.0,
    }
    f_cut = None if not cutoff_hz else float(min(cutoff_hz, CUTOFF_FPS_FRACTION * fps))
    traj = None
    if trajectory:
        f = focal_factor * max(width, height)
        c = np.array([width / 2.0, height / 2.0])
        traj = solve_translation(rel, kps, conf, f, c, min_conf=min_visibility)
        good = np.isfinite(traj).all(axis=1)
        info.update(focal_px=f, focal_factor=focal_factor, solved_frames=int(good.sum()))
        if good.any():
            traj[:, :2] = zero_phase_lowpass(traj[:, :2], fps, f_cut) if f_cut else traj[:, :2]
            if depth_cutoff_hz:
                traj[:, 2] = zero_phase_lowpass(traj[:, 2], fps, float(min(depth_cutoff_hz, f_cut or depth_cutoff_hz)))
            info["trajectory"] = "PnP of the world landmarks on the 2D landmarks (static pinhole camera)"
        else:
            traj = None
            info["trajectory"] = "none: too few visible landmarks (root fixed at the origin)"
    else:
        info["trajectory"] = "none: root fixed at the origin (whole-body translation lost)"
    if f_cut:
        rel = zero_phase_lowpass(rel, fps, f_cut)
    info["smoothing"] = {
        "method": f"zero-phase Butterworth order {FILTER_ORDER} (sosfiltfilt), each finite run on its own",
        "cutoff_hz": f_cut,
        "depth_cutoff_hz": depth_cutoff_hz if traj is not None else None,
    }
    if traj is not None:
        # frames whose translation could not be solved (too few landmarks) lose the root: NaN, not a guess
        rel = rel + traj[:, None, :]
    up_c, up_info = estimate_up(rel, BLAZEPOSE_BODY)
    info.update(up_info)
    res = place_in_world(rel, up_c, info, traj, BLAZEPOSE_BODY)
    conf[~np.isfinite(res.joints).all(axis=2)] = 0.0
    return LandmarkMotion(joints=res.joints, confidence=conf, up_camera=up_c, info=res.info)
