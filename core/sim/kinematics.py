"""Signal conditioning of joint trajectories before differentiation.

- short gaps (not observed for at most ``max_gap`` frames) are bridged with a
  cubic spline through the observed frames and flagged as interpolated;
  longer gaps split the clip into segments, and nothing is differentiated
  across a gap;
- each segment is low-pass filtered with a zero-phase Butterworth filter
  (scipy ``sosfiltfilt``) whose cut-off is documented in the output's
  provenance. The ends are extended by a quadratic fitted to the first/last
  frames before filtering, so a constant acceleration (free fall, rest) is
  preserved right up to the edges instead of being bent by reflection padding.
  The quadratic is a least-squares fit over 0.15 s shifted to pass through
  the end frame. Edges stay the least certain samples: on the CMU walk at
  30 fps a segment's first/last sample is off by ~4 m/s^2 rms (0.3 rad/s gyro)
  against the same instant inside a longer clip, ~1 m/s^2 at 0.05 s and
  ~0.2 m/s^2 at 0.2 s in (at 120 fps: 3.2, 0.45, 0.02 m/s^2); keypoint jitter
  is not amplified there. Cubic, linear, exact-quadratic and spline
  extrapolation were measured too: each is better on clean sinusoids and worse
  on real or noisy data;
- a quintic interpolating spline (``make_interp_spline(k=5)``, as IMUSim's
  order-5 smoothing) through the filtered frames, and through ``EDGE_FRAMES``
  filtered padding frames beyond each end so that the spline's own end effects
  fall outside the data, gives positions, velocities and accelerations
  analytically at any device sample time.
"""

from __future__ import annotations

import functools
from typing import List, Tuple

import numpy as np
from scipy.interpolate import CubicSpline, make_interp_spline
from scipy.signal import butter, sosfiltfilt

from ..base.limits import MAX_FILTER_PAD, LimitError


def runs(mask: np.ndarray) -> List[Tuple[int, int]]:
    """[start, stop) index pairs of the True runs of a 1-D boolean mask."""
    m = np.concatenate(([False], np.asarray(mask, bool), [False]))
    d = np.diff(m.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    stops = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), stops.tolist()))


def fill_short_gaps(x: np.ndarray, ok: np.ndarray, max_gap: int):
    """Bridge interior gaps of at most ``max_gap`` frames.

    x: (T, C) values (anything where ~ok is ignored); ok: (T,) observed.
    Returns (x_filled, ok_filled, interpolated) with interpolated marking the
    frames that were bridged. Gaps at the clip's ends are never extrapolated.
    """
    ok = np.asarray(ok, bool)
    out = np.array(x, dtype=float, copy=True)
    filled = ok.copy()
    interp = np.zeros_like(ok)
    if ok.sum() < 2 or max_gap <= 0:
        return out, filled, interp
    gaps = [(a, b) for a, b in runs(~ok) if a > 0 and b < len(ok) and (b - a) <= max_gap]
    if not gaps:
        return out, filled, interp
    t = np.flatnonzero(ok)
    spline = CubicSpline(t, out[t], axis=0) if len(t) >= 4 else None
    for a, b in gaps:
        idx = np.arange(a, b)
        if spline is not None:
            out[idx] = spline(idx)
        else:
            for c in range(out.shape[1]):
                out[idx, c] = np.interp(idx, t, out[t, c])
        filled[idx] = True
        interp[idx] = True
    return out, filled, interp


EDGE_FRAMES = 3  # filtered padding frames kept at each end for the interpolating spline


def _quadratic_extend(x: np.ndarray, n_pad: int, n_fit: int) -> np.ndarray:
    """Extend (n, C) at both ends by a least-squares quadratic through n_fit end frames,
    shifted to pass through the end frame (no step at the junction)."""
    n = x.shape[0]
    n_fit = max(3, min(n_fit, n))
    out = [x]
    for side in (0, 1):
        seg = x[:n_fit] if side == 0 else x[-n_fit:]
        k = np.arange(n_fit, dtype=float)
        coef = np.polyfit(k, seg, 2)  # (3, C)
        k_end = 0.0 if side == 0 else n_fit - 1.0
        shift = seg[0 if side == 0 else -1] - (coef[0] * k_end**2 + coef[1] * k_end + coef[2])
        kk = np.arange(-n_pad, 0, dtype=float) if side == 0 else np.arange(n_fit, n_fit + n_pad, dtype=float)
        ext = (coef[0] * kk[:, None] ** 2 + coef[1] * kk[:, None] + coef[2]) + shift
        out.insert(0 if side == 0 else len(out), ext)
    return np.concatenate(out, axis=0)


def lowpass(x: np.ndarray, fs: float, cutoff_hz: float, order: int = 4, keep: int = 0) -> np.ndarray:
    """Zero-phase Butterworth low-pass of (n, C) samples at ``fs`` (quadratic edge padding).

    Returns n + 2 * keep rows: the filtered padding's ``keep`` frames next to each end are kept
    (a spline through them has its end effects outside the data)."""
    x = np.asarray(x, dtype=float)
    n_fit = max(3, int(round(0.15 * fs)))
    if cutoff_hz is None or cutoff_hz >= 0.5 * fs:
        return _quadratic_extend(x, keep, n_fit) if keep else x.copy()
    sos, n_transient = _design(int(order), float(cutoff_hz), float(fs))
    sos = sos.copy()  # the cached design stays as designed
    n_pad = max(n_transient, keep)
    if n_pad > MAX_FILTER_PAD:
        raise LimitError(
            None,
            f"a {cutoff_hz:g} Hz low-pass on {fs:g} frames/s needs {n_pad:,} padding frames, over the limit of "
            f"{MAX_FILTER_PAD:,}: raise the cut-off",
        )
    xe = _quadratic_extend(x, n_pad, n_fit)
    y = sosfiltfilt(sos, xe, axis=0, padtype=None)
    return y[n_pad - keep : n_pad + x.shape[0] + keep]


@functools.lru_cache(maxsize=64)
def _design(order: int, cutoff_hz: float, fs: float):
    """Butterworth sections, and the padding after which their start-up transient is below 1e-9 (the same
    few rates recur for every clip of a batch: designed once)."""
    sos = butter(order, cutoff_hz, btype="low", fs=fs, output="sos")
    r = max(np.abs(np.roots(sec[3:])).max() for sec in sos)
    return sos, int(np.ceil(np.log(1e-9) / np.log(r))) + 3 * order


def spline(t: np.ndarray, x: np.ndarray):
    """Interpolating spline through (t, x) of the highest order the frame count allows (<= 5)."""
    k = int(min(5, len(t) - 1))
    if k % 2 == 0:  # odd orders keep the knots at the data (Schoenberg-Whitney)
        k -= 1
    return make_interp_spline(t, x, k=max(k, 1), axis=0)
