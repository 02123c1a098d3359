"""Physics-based wrist IMU simulation from a skeleton motion.

Pipeline (each step documented where it lives):

1. per frame, the arm's shoulder/elbow/wrist joints; frames with a missing or
   low-confidence joint are "not observed" (:mod:`.kinematics` bridges short
   gaps, longer ones split the clip into segments);
2. sensor position: ``offset_m`` along the forearm from the wrist joint
   (negative = proximal; watches sit ~3 cm proximal); sensor axes from the
   forearm (:mod:`.sensor_frame`);
3. zero-phase Butterworth low-pass at ``cutoff_hz`` (default 10 Hz, never above
   0.4 x the video rate nor 0.45 x the output rate) of positions and axes;
4. quintic splines through the filtered frames; acceleration is the spline's
   second derivative at each output sample time, orientation the orthonormalised
   axes there (this is also the resampling to the device rate);
5. accelerometer = specific force in the sensor frame ``f = R^T (a + g up)``;
   gyroscope = body angular velocity ``vee(R^T dR/dt)``, with dR/dt the exact
   derivative of the orthonormalised axes from the spline's first derivative
   (:func:`.sensor_frame.frames_and_body_rates`; independent of the output rate);
6. device errors from the preset (:mod:`.noise`), optionally mapped to the
   device's native axes.

Output samples lie at ``n / rate`` for ``n = 0 .. floor(duration * rate)``,
where the clip spans ``[0, (T - 1) / fps]``; samples outside an observed
segment are NaN and marked invalid.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Optional

import numpy as np
from scipy.interpolate import BSpline

from ..base.errors import InputError
from ..base.limits import (
    MAX_FPS,
    MAX_OFFSET_M,
    MAX_PRONATION_DEG,
    MAX_RATE_HZ,
    MAX_SEED,
    MIN_CUTOFF_HZ,
    MIN_FPS,
    MIN_RATE_HZ,
    check_range,
    check_samples,
)
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import Motion, implausible_frames
from .devices import DEFAULT_PRESET, DevicePreset, G, load_preset
from .kinematics import EDGE_FRAMES, fill_short_gaps, lowpass, runs, spline
from .noise import apply_device
from .sensor_frame import arm_joints, forearm_axes_of, frames_and_body_rates

SENSOR_FRAME = (
    "x: along the forearm toward the hand (distal); z: normal to the back of the wrist, "
    "away from the skin (dorsal); y = z cross x. Accelerometer: specific force f = R^T (a - g_vec), "
    "m/s^2 (+9.81 on the axis pointing up at rest); gyroscope: body-frame angular velocity, rad/s."
)


@dataclass
class SimConfig:
    wrist: str = "left"
    rate_hz: Optional[float] = None  # None: the device preset's output rate
    cutoff_hz: float = 10.0
    max_gap_s: float = 0.25  # bridge gaps up to this long
    min_segment_s: float = 0.2  # shorter observed runs are dropped
    min_confidence: float = 0.3
    offset_m: Optional[float] = None  # None: the device preset's placement
    pronation_deg: float = 0.0
    native_axes: bool = False  # map to the device's own axis names
    seed: int = 0

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def validate(self) -> "SimConfig":
        """Check every setting against :mod:`..base.limits`; an InputError names the setting (not a file)."""
        if self.wrist not in ("left", "right"):
            raise InputError(None, f"wrist must be 'left' or 'right', got {self.wrist!r}")
        if self.rate_hz is not None:
            check_range(self.rate_hz, MIN_RATE_HZ, MAX_RATE_HZ, "output rate (rate_hz)", unit="Hz")
        check_range(self.cutoff_hz, MIN_CUTOFF_HZ, MAX_RATE_HZ, "low-pass cut-off (cutoff_hz)", unit="Hz")
        check_range(self.pronation_deg, -MAX_PRONATION_DEG, MAX_PRONATION_DEG, "pronation_deg", unit="degrees")
        if self.offset_m is not None:
            check_range(self.offset_m, -MAX_OFFSET_M, MAX_OFFSET_M, "sensor offset (offset_m)", unit="m")
        check_range(self.max_gap_s, 0.0, 60.0, "max_gap_s", unit="s")
        check_range(self.min_segment_s, 0.0, 3600.0, "min_segment_s", unit="s")
        check_range(self.min_confidence, 0.0, 1.0, "min_confidence")
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, (int, np.integer))
            or not 0 <= int(self.seed) <= MAX_SEED
        ):
            raise InputError(None, f"seed must be a whole number from 0 to 2^63-1, got {self.seed!r}")
        return self


@dataclass
class ImuSignal:
    time: np.ndarray  # (N,) s
    acc: np.ndarray  # (N, 3) m/s^2, with device errors
    gyro: np.ndarray  # (N, 3) rad/s, with device errors
    acc_clean: np.ndarray
    gyro_clean: np.ndarray
    valid: np.ndarray  # (N,) bool
    interpolated: np.ndarray  # (N,) bool, inside a bridged gap
    acc_saturated: np.ndarray  # (N,) bool
    gyro_saturated: np.ndarray  # (N,) bool
    rate_hz: float
    wrist: str
    device: DevicePreset
    seed: int
    provenance: Dict[str, Any] = field(default_factory=dict)
    gravity: Optional[np.ndarray] = None  # (N, 3) the gravity part of acc_clean (R^T g up), m/s^2

    @property
    def n(self) -> int:
        return int(self.time.shape[0])


def output_times(n_frames: int, fps: float, rate: float) -> np.ndarray:
    duration = (n_frames - 1) / fps
    n = int(np.floor(duration * rate + 1e-9)) + 1
    return np.arange(n) / rate


CHUNK = 8192  # output samples per block of the fused kinematics pass (a few hundred kB: stays in cache)
MIN_FOREARM_M = 0.01  # a shorter forearm (elbow and wrist on one point) is a detector glitch


def _frames_observed(motion: Motion, idx, min_conf: float) -> np.ndarray:
    """Frames with shoulder, elbow and wrist observed (finite, confident, forearm not collapsed)."""
    j = motion.joints[:, list(idx)]
    ok = np.isfinite(j).all(axis=(1, 2))
    with np.errstate(invalid="ignore"):
        ok &= np.linalg.norm(j[:, 2] - j[:, 1], axis=1) > MIN_FOREARM_M
    if motion.confidence is not None:
        c = motion.confidence[:, list(idx)]
        ok &= (np.nan_to_num(c, nan=0.0) >= min_conf).all(axis=1)
    return ok


def simulate(
    motion: Motion,
    device: DevicePreset | str | None = None,
    config: SimConfig | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    implausible: Optional[np.ndarray] = None,
) -> ImuSignal:
    """The wrist IMU of ``motion`` (see the module's docstring). ``implausible``: the motion's
    :func:`~imu2safety.core.motion.interchange.implausible_frames` when the caller has them already
    (they go into the provenance; computed here otherwise)."""
    cfg = config or SimConfig()
    dev = load_preset(device or DEFAULT_PRESET) if not isinstance(device, DevicePreset) else device
    skel = motion.skel
    cfg.validate()
    if cfg.wrist not in skel.arms:
        raise InputError(motion.source, f"skeleton '{skel.name}' has no {cfg.wrist} arm")
    rate = float(cfg.rate_hz or dev.output_rate_hz)
    check_range(rate, MIN_RATE_HZ, MAX_RATE_HZ, "output rate", unit="Hz")
    fps = float(motion.fps)
    if not (np.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
        raise InputError(motion.source, f"'fps' must be between {MIN_FPS:g} and {MAX_FPS:g}, got {fps:g}")
    duration = (motion.n_frames - 1) / fps
    check_samples(duration * rate + 1, f"a {duration:.4g} s clip at {rate:g} Hz", motion.source)
    up = np.asarray(motion.up, float)
    if up.shape != (3,) or not np.isfinite(up).all() or np.linalg.norm(up) < 1e-9:
        raise InputError(motion.source, f"'up' must be a non-zero 3-vector, got {up.tolist()}")
    up = up / np.linalg.norm(up)  # a Motion built in code need not have gone through validate_motion
    offset = dev.offset_m if cfg.offset_m is None else float(cfg.offset_m)
    cutoff = float(min(cfg.cutoff_hz, 0.4 * fps, 0.45 * rate))
    report(progress, 0.0, "preparing joints")

    arm = list(skel.arms[cfg.wrist])
    observed = _frames_observed(motion, arm, cfg.min_confidence)
    # copies of only the joints the sensor pose needs (arm, other shoulder, hand); frames not observed are NaN
    T = motion.n_frames
    joints = {k: v.copy() for k, v in arm_joints(motion.joints, skel, cfg.wrist).items()}
    for v in joints.values():
        v[~observed] = np.nan
    # bridge the arm only: hand joints in a bridged gap stay unobserved (the roll is carried there)
    names = ("shoulder", "elbow", "wrist")
    flat = np.stack([joints[k] for k in names], axis=1).reshape(T, -1)
    max_gap = int(np.floor(cfg.max_gap_s * fps + 1e-9))
    flat, ok, interp_frames = fill_short_gaps(flat, observed, max_gap)
    for i, k in enumerate(names):
        joints[k] = flat[:, 3 * i : 3 * i + 3]
    hand = list(skel.hands.get(cfg.wrist, ()))
    if hand and motion.confidence is not None:  # a low-confidence hand does not set the roll
        low = (np.nan_to_num(motion.confidence[:, hand], nan=0.0) < cfg.min_confidence).any(axis=1)
        joints["hand"][low] = np.nan
        joints["thumb"][low] = np.nan

    x_axis, z_axis, roll_counts = forearm_axes_of(joints, cfg.wrist, up, cfg.pronation_deg)
    wrist = joints["wrist"]
    pos = wrist + offset * x_axis
    # never differentiate through a frame whose sensor pose is undefined (a bridge that collapsed the forearm)
    defined = np.isfinite(pos).all(axis=1) & np.isfinite(x_axis).all(axis=1) & np.isfinite(z_axis).all(axis=1)
    interp_frames &= defined
    ok &= defined

    t_frames = np.arange(T) / fps
    t_out = output_times(T, fps, rate)
    n = len(t_out)
    acc_clean = np.full((n, 3), np.nan)
    gyro_clean = np.full((n, 3), np.nan)
    gravity = np.full((n, 3), np.nan)
    valid = np.zeros(n, bool)
    min_len = max(6, int(np.ceil(cfg.min_segment_s * fps)))
    g_up = G * up
    segs = [(a, b) for a, b in runs(ok) if b - a >= min_len]
    for k, (a, b) in enumerate(segs):
        check(cancel)
        sig = np.concatenate([pos[a:b], x_axis[a:b], z_axis[a:b]], axis=1)
        sig = lowpass(sig, fps, cutoff, keep=EDGE_FRAMES)
        sp = spline(np.arange(a - EDGE_FRAMES, b + EDGE_FRAMES) / fps, sig)
        lo = np.searchsorted(t_out, t_frames[a] - 1e-9)
        hi = np.searchsorted(t_out, t_frames[b - 1] + 1e-9, side="right")
        if hi <= lo:
            continue
        # positions' second derivative; axes and their first derivative (analytic body rate). One pass over
        # the output in blocks of CHUNK samples: spline, frames, body rates and specific force of a block stay
        # in the CPU cache (each sample is computed exactly as in one block: the same numbers, bit for bit)
        pos_sp = BSpline(sp.t, sp.c[:, :3], sp.k, extrapolate=True)
        ax_sp = BSpline(sp.t, sp.c[:, 3:], sp.k, extrapolate=True)
        for c0 in range(lo, hi, CHUNK):
            c1 = min(hi, c0 + CHUNK)
            ts = t_out[c0:c1]
            accel = pos_sp(ts, 2)
            axes, axes_dot = ax_sp(ts), ax_sp(ts, 1)
            R, w = frames_and_body_rates(axes[:, :3], axes[:, 3:], axes_dot[:, :3], axes_dot[:, 3:])
            grav = np.einsum("nji,j->ni", R, g_up)
            gravity[c0:c1] = grav
            acc_clean[c0:c1] = np.einsum("nji,nj->ni", R, accel) + grav
            gyro_clean[c0:c1] = w
        valid[lo:hi] = np.isfinite(acc_clean[lo:hi]).all(axis=1) & np.isfinite(gyro_clean[lo:hi]).all(axis=1)
        report(progress, 0.1 + 0.7 * (k + 1) / len(segs), "kinematics")
    acc_clean[~valid] = np.nan
    gyro_clean[~valid] = np.nan
    gravity[~valid] = np.nan
    if not valid.any():
        raise InputError(
            motion.source,
            f"the {cfg.wrist} arm is never observed long enough to simulate "
            f"(need {min_len} consecutive frames with shoulder, elbow and wrist)",
        )
    # samples that depend on bridged frames: strictly between the observed frames around each bridge
    interp = np.zeros(n, bool)
    for a, b in runs(interp_frames):
        interp |= (t_out > (a - 1) / fps + 1e-9) & (t_out < b / fps - 1e-9)
    interp &= valid

    check(cancel)
    report(progress, 0.85, "device errors")
    acc, gyro, acc_sat, gyro_sat, realisation = apply_device(acc_clean, gyro_clean, dev, rate, cfg.seed)
    axes = "sensor"
    if cfg.native_axes:
        M = dev.axis_map(cfg.wrist)
        acc, gyro = acc @ M.T, gyro @ M.T
        acc_clean, gyro_clean, gravity = acc_clean @ M.T, gyro_clean @ M.T, gravity @ M.T
        axes = f"device-native ({dev.id}, {cfg.wrist})"
    bad_frames = implausible_frames(motion) if implausible is None else np.asarray(implausible)
    prov = {
        "config": cfg.to_dict(),
        "rate_hz": rate,
        "video_fps": fps,
        "cutoff_hz": cutoff,
        "band_hz": [0.0, cutoff],
        "filter": "Butterworth order 4, zero-phase (sosfiltfilt), quadratic edge padding",
        "interpolant": "quintic interpolating spline",
        "offset_m": offset,
        "roll_source_frames": roll_counts,
        "roll_reference": "neutral: the shoulder line turned by the smallest rotation from down to the forearm",
        "edges": "the first and last ~0.1 s of each segment rest on a quadratic extrapolation of one-sided data",
        "segments": [[int(a), int(b)] for a, b in segs],
        "frames_bridged": int(interp_frames.sum()),
        "axes": axes,
        "realisation": realisation,
        "skeleton": skel.name,
        "implausible_frames": bad_frames.tolist()[:100],
        "acc_saturated_samples": int(acc_sat.sum()),
        "gyro_saturated_samples": int(gyro_sat.sum()),
    }
    report(progress, 1.0, "done")
    return ImuSignal(
        time=t_out,
        acc=acc,
        gyro=gyro,
        acc_clean=acc_clean,
        gyro_clean=gyro_clean,
        valid=valid,
        interpolated=interp,
        acc_saturated=acc_sat,
        gyro_saturated=gyro_sat,
        rate_hz=rate,
        wrist=cfg.wrist,
        device=dev,
        seed=int(cfg.seed),
        provenance=prov,
        gravity=gravity,
    )


def provenance_json(sig: ImuSignal) -> str:
    return json.dumps(sig.provenance, default=float)
