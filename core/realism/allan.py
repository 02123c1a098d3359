"""Allan deviation, noise-term fits and stationary stretches.

Conventions (as :mod:`.devices`): white noise of one-sided density N has a
per-sample standard deviation ``sigma = N * sqrt(fs / 2)``; its Allan deviation
is ``sigma_A(tau) = N / sqrt(2 tau)`` (IEEE Std 952 writes ``Q / sqrt(tau)`` with
the two-sided coefficient ``Q = N / sqrt(2)``). A flat Allan floor ``B_min`` is
bias instability ``B = B_min / 0.664``; a rising ``+1/2`` slope is a random
walk ``K`` with ``sigma_A = K sqrt(tau / 3)``. A hump (rise then fall) is a
first-order Gauss-Markov bias, the simulator's model (:mod:`.noise`): its Allan
maximum is ``0.617 sigma`` at ``tau = 1.89 tau_c``.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..sim.kinematics import runs


def allan_deviation(
    x: np.ndarray, rate_hz: float, taus: Optional[np.ndarray] = None, n_taus: int = 40
) -> Tuple[np.ndarray, np.ndarray]:
    """Overlapping Allan deviation of a rate signal ``x`` (N,) or (N, k); returns (taus, adev).

    ``taus`` defaults to log-spaced cluster lengths from one sample to a ninth
    of the record. Computed from cumulative sums (O(N) per tau).
    """
    x = np.asarray(x, float)
    one = x.ndim == 1
    if one:
        x = x[:, None]
    n = x.shape[0]
    if n < 4:
        raise ValueError("Allan deviation needs at least 4 samples")
    if taus is None:
        m_max = max(1, n // 9)
        ms = np.unique(np.round(np.logspace(0, np.log10(m_max), n_taus)).astype(int))
    else:
        ms = np.unique(np.maximum(1, np.round(np.asarray(taus) * rate_hz).astype(int)))
        ms = ms[2 * ms < n]
    theta = np.concatenate([np.zeros((1, x.shape[1])), np.cumsum(x, axis=0)]) / rate_hz
    out = np.empty((ms.size, x.shape[1]))
    for i, m in enumerate(ms):
        tau = m / rate_hz
        d = theta[2 * m :] - 2 * theta[m:-m] + theta[: -2 * m]
        out[i] = np.sqrt(np.mean(d * d, axis=0) / (2 * tau * tau))
    t = ms / rate_hz
    return t, (out[:, 0] if one else out)


def white_noise_density(taus: np.ndarray, adev: np.ndarray) -> float:
    """One-sided density N from the Allan curve's -1/2 slope region.

    Each tau gives ``N_i = adev_i sqrt(2 tau_i)``; taken as the median over the
    taus where the local log-log slope is within 0.2 of -1/2, falling back to the
    shortest taus (where white noise dominates).
    """
    taus, adev = np.asarray(taus, float), np.asarray(adev, float)
    n_i = adev * np.sqrt(2 * taus)
    if taus.size >= 3:
        slope = np.gradient(np.log(adev), np.log(taus))
        sel = np.abs(slope + 0.5) < 0.2
        if sel.sum() >= 2:
            return float(np.median(n_i[sel]))
    return float(np.median(n_i[: max(1, min(3, n_i.size))]))


def noise_terms(x: np.ndarray, rate_hz: float) -> Dict[str, float]:
    """White-noise density (Allan and variance methods), bias instability and random walk of one axis.

    Bias instability and random walk are ``None`` where the record is too short
    for the Allan curve to leave the white-noise slope.
    """
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    taus, adev = allan_deviation(x, rate_hz)
    n_allan = white_noise_density(taus, adev)
    n_var = float(np.std(x - x.mean(), ddof=1) * np.sqrt(2.0 / rate_hz))
    out: Dict[str, float] = {
        "noise_density_allan": n_allan,
        "noise_density_variance": n_var,
        "bias": float(np.mean(x)),
        "duration_s": x.size / rate_hz,
        "bias_instability": None,
        "bias_tau_s": None,
        "random_walk": None,
    }
    if taus.size >= 5:
        slope = np.gradient(np.log(adev), np.log(taus))
        i_min = int(np.argmin(adev))
        # a floor is real only if the curve flattens (slope near 0) before the longest tau and
        # lies clearly (x1.2) above the white-noise line there; else it is the scatter of few clusters
        white = n_allan / np.sqrt(2 * taus[i_min])
        if 0 < i_min < taus.size - 1 and abs(slope[i_min]) < 0.25 and adev[i_min] > 1.2 * white:
            j = i_min + int(np.argmax(adev[i_min:]))
            if i_min < j < taus.size - 1 and adev[j] > 1.1 * adev[i_min] and slope[-1] < 0:
                # a hump: first-order Gauss-Markov, whose Allan maximum is 0.617 sigma at 1.89 tau_c
                out["bias_instability"] = float(adev[j] / 0.617)
                out["bias_tau_s"] = float(taus[j] / 1.89)
                out["bias_model"] = "Gauss-Markov (Allan maximum 0.617 sigma at 1.89 tau)"
            else:
                out["bias_instability"] = float(adev[i_min] / 0.664)
                out["bias_model"] = "flicker floor (Allan minimum / 0.664); correlation time not identifiable"
        rw = slope > 0.35
        if rw.sum() >= 2:
            out["random_walk"] = float(np.median(adev[rw] * np.sqrt(3.0 / taus[rw])))
    out["taus"] = taus.tolist()
    out["adev"] = adev.tolist()
    return out


def moving_std(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving standard deviation over ``n`` samples, per column (NaN-free input)."""
    x = np.asarray(x, float)
    m = uniform_filter1d(x, n, axis=0, mode="nearest")
    m2 = uniform_filter1d(x * x, n, axis=0, mode="nearest")
    return np.sqrt(np.maximum(m2 - m * m, 0.0))


def stationary_mask(
    acc: np.ndarray,
    gyro: np.ndarray,
    rate_hz: float,
    window_s: float = 1.0,
    acc_std: float = 0.1,
    gyro_std: float = 0.02,
    min_s: float = 2.0,
) -> np.ndarray:
    """Samples in stationary stretches: moving std of every axis below the thresholds
    (defaults 0.1 m/s^2 and 0.02 rad/s over 1 s) for at least ``min_s`` seconds."""
    acc, gyro = np.asarray(acc, float), np.asarray(gyro, float)
    finite = np.isfinite(acc).all(axis=1) & np.isfinite(gyro).all(axis=1)
    n = max(3, int(round(window_s * rate_hz)))
    a = np.where(finite[:, None], acc, 0.0)
    g = np.where(finite[:, None], gyro, 0.0)
    quiet = (moving_std(a, n) < acc_std).all(axis=1) & (moving_std(g, n) < gyro_std).all(axis=1)
    # a window touching an invalid sample is not quiet
    bad = uniform_filter1d((~finite).astype(float), n, mode="nearest") > 0
    quiet &= ~bad
    out = np.zeros_like(quiet)
    min_n = int(np.ceil(min_s * rate_hz))
    for a0, b0 in runs(quiet):
        if b0 - a0 >= min_n:
            out[a0:b0] = True
    return out


def stretches(mask: np.ndarray) -> List[Tuple[int, int]]:
    """[start, stop) index pairs of the True runs of ``mask``."""
    return [(int(a), int(b)) for a, b in runs(np.asarray(mask, bool))]
