"""Apply a device preset's MEMS errors to clean specific force and angular rate.

Order, per sensor: misalignment and scale (``T = I + diag(s) + M``), then
turn-on bias, Gauss-Markov bias instability, bias random walk and white noise
(for the gyroscope also g-sensitivity times the true specific force), then
quantisation to the LSB and saturation at the ends of the two's-complement code
range (-2^(b-1) .. 2^(b-1)-1 LSB); a sample is flagged saturated when its code
had to be clipped (without quantisation: when it lies beyond the range).

Each error term draws from its own random stream (spawned from the seed), so
changing one parameter rescales that term only and leaves the others' draws
as they were: tuning a noise profile in the workbench changes what was tuned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict

import numpy as np
from scipy.signal import lfilter

from .devices import DevicePreset, SensorErrors

TERMS = ("scale", "cross_axis", "turn_on_bias", "bias_instability", "random_walk", "white", "g_sensitivity")


@dataclass
class Realisation:
    """What was drawn for one sensor (kept for provenance)."""

    transform: np.ndarray  # (3, 3) T = I + diag(scale) + misalignment
    turn_on_bias: np.ndarray  # (3,)
    g_sensitivity: np.ndarray  # (3,)

    def to_dict(self) -> Dict[str, list]:
        return {k: np.asarray(v).tolist() for k, v in self.__dict__.items()}


def gauss_markov(rng: np.random.Generator, n: int, sigma: float, tau: float, dt: float) -> np.ndarray:
    """First-order Gauss-Markov process (n, 3), stationary with std ``sigma``, correlation time ``tau``."""
    phi = np.exp(-dt / tau)
    e = rng.standard_normal((n, 3))
    x0 = sigma * rng.standard_normal(3)
    y, _ = lfilter([sigma * np.sqrt(1.0 - phi * phi)], [1.0, -phi], e, axis=0, zi=(phi * x0)[None, :])
    return y


def apply_sensor_errors(
    clean: np.ndarray,
    err: SensorErrors,
    rate: float,
    seed_seq: np.random.SeedSequence,
    specific_force: np.ndarray | None = None,
):
    """Return (measured (N,3), saturated (N,) bool, Realisation)."""
    n = clean.shape[0]
    dt = 1.0 / rate
    streams = dict(zip(TERMS, (np.random.default_rng(s) for s in seed_seq.spawn(len(TERMS)))))
    scale = err.scale_error * streams["scale"].standard_normal(3)
    mis = err.cross_axis * streams["cross_axis"].standard_normal((3, 3))
    np.fill_diagonal(mis, 0.0)
    T = np.eye(3) + np.diag(scale) + mis
    b0 = err.turn_on_bias * streams["turn_on_bias"].standard_normal(3)
    gs = err.g_sensitivity * streams["g_sensitivity"].standard_normal(3)

    # in place where possible: each term is the same number as written out, with fewer full-size arrays
    y = clean @ T.T
    y += b0
    if err.bias_instability > 0:
        y += gauss_markov(streams["bias_instability"], n, err.bias_instability, err.bias_tau_s, dt)
    buf = None
    if err.random_walk > 0:
        buf = streams["random_walk"].standard_normal((n, 3))
        buf *= err.random_walk * np.sqrt(dt)
        np.cumsum(buf, axis=0, out=buf)
        y += buf
    if err.noise_density > 0:
        if buf is None:
            buf = streams["white"].standard_normal((n, 3))
        else:
            streams["white"].standard_normal(out=buf)  # the same draws as standard_normal((n, 3))
        buf *= err.noise_density * np.sqrt(rate / 2.0)
        y += buf
    if specific_force is not None and err.g_sensitivity > 0:
        y += gs * specific_force
    saturated = np.zeros(n, bool)
    if err.lsb > 0:
        # two's-complement output: codes -2^(b-1) .. 2^(b-1)-1 (+range itself is one LSB above the top code);
        # saturated = the code had to be clipped, i.e. the output differs from the input by more than rounding
        lo, hi = -round(err.range / err.lsb), round(err.range / err.lsb) - 1
        codes = np.divide(y, err.lsb, out=y)
        np.round(codes, out=codes)
        with np.errstate(invalid="ignore"):
            saturated = ((codes < lo) | (codes > hi)).any(axis=1)
        y = np.clip(codes, lo, hi, out=codes)
        y *= err.lsb
    elif np.isfinite(err.range):
        with np.errstate(invalid="ignore"):
            saturated = (np.abs(y) > err.range).any(axis=1)
        y = np.clip(y, -err.range, err.range)
    return y, saturated, Realisation(T, b0, gs)


def apply_device(acc_clean: np.ndarray, gyro_clean: np.ndarray, device: DevicePreset, rate: float, seed: int):
    """Both sensors: (acc, gyro, acc_saturated, gyro_saturated, realisation dict)."""
    if device.is_ideal:
        n = len(acc_clean)
        return acc_clean.copy(), gyro_clean.copy(), np.zeros(n, bool), np.zeros(n, bool), {}
    ss_acc, ss_gyro = np.random.SeedSequence(int(seed)).spawn(2)
    acc, acc_sat, r_acc = apply_sensor_errors(acc_clean, device.acc, rate, ss_acc)
    gyro, gyro_sat, r_gyro = apply_sensor_errors(gyro_clean, device.gyro, rate, ss_gyro, specific_force=acc_clean)
    return acc, gyro, acc_sat, gyro_sat, {"accelerometer": r_acc.to_dict(), "gyroscope": r_gyro.to_dict()}
