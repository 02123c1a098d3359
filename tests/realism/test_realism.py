"""Sim-vs-real metrics against analytic truths."""

import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.realism.allan import allan_deviation, noise_terms, stationary_mask, stretches
from imu2safety.core.realism.compare import (
    autocorr_set,
    best_lag,
    compare,
    harmonise,
    peak_stats,
    set_from_arrays,
    spectral_distance_db,
    welch_set,
)
from imu2safety.core.sim.devices import G


def _set(name, acc, gyro, rate=50.0, gravity="included"):
    return set_from_arrays(name, rate, acc, gyro, gravity=gravity)


def _noise_set(name, n=4000, rate=50.0, shift=0.0, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    acc = scale * rng.standard_normal((n, 3)) + shift + [0, 0, G]
    gyro = scale * rng.standard_normal((n, 3))
    return _set(name, acc, gyro, rate)


def test_wasserstein_equals_mean_shift():
    a = _noise_set("a", n=20000, seed=1)
    b = _noise_set("b", n=20000, shift=0.7, seed=1)  # same draws shifted: W1 is exactly the shift
    c = compare(a, b).numbers["channels"]
    assert c["acc_x"]["wasserstein"] == pytest.approx(0.7, abs=1e-9)
    assert c["gyro_x"]["wasserstein"] == pytest.approx(0.0, abs=1e-12)


def test_spectral_distance_of_a_scaled_copy_is_20log10_k():
    a = _noise_set("a", seed=2)
    b = set_from_arrays("b", 50.0, a.parts[0][:, :3] * 2.0, a.parts[0][:, 3:] * 2.0)
    num = compare(a, b).numbers["channels"]
    assert num["gyro_x"]["spectral_distance_db"] == pytest.approx(20 * np.log10(2.0), rel=1e-6)
    # and a different spectrum is further away than a same-shape one
    t = np.arange(4000) / 50.0
    slow = np.stack([np.sin(2 * np.pi * 1.0 * t)] * 3, 1)
    fast = np.stack([np.sin(2 * np.pi * 7.0 * t)] * 3, 1)
    s1 = _set("s1", slow + [0, 0, G], slow)
    s2 = _set("s2", 1.1 * slow + [0, 0, G], 1.1 * slow)
    s3 = _set("s3", fast + [0, 0, G], fast)
    _, p1 = welch_set(s1, "gyro_x", 256)
    _, p2 = welch_set(s2, "gyro_x", 256)
    _, p3 = welch_set(s3, "gyro_x", 256)
    assert spectral_distance_db(p1, p2) < 1.0 < spectral_distance_db(p1, p3)


def test_autocorrelation_of_a_sine_peaks_at_its_period():
    t = np.arange(2000) / 50.0
    x = np.stack([np.sin(2 * np.pi * 1.0 * t)] * 3, 1)
    acf = autocorr_set(_set("s", x + [0, 0, G], x), "gyro_x", 60)
    assert acf[0] == pytest.approx(1.0)
    assert acf[50] > 0.95 and acf[25] < -0.95


@pytest.mark.parametrize("lag", [-9, 0, 4, 13])
def test_best_lag_recovers_shift(lag):
    rng = np.random.default_rng(5)
    base = np.convolve(rng.standard_normal(600), np.ones(5) / 5, mode="same")
    a = base[50:450]
    b = base[50 - lag : 450 - lag]  # b[n] = a[n - lag]
    got, r = best_lag(a, b)
    assert abs(got - lag) <= 1 and r > 0.99


def test_harmonise_resamples_and_removes_gravity():
    rate = 100.0
    t = np.arange(3000) / rate
    gyro = np.stack([np.sin(2 * np.pi * 0.8 * t), 0 * t, 0 * t], 1)
    acc = np.tile([0.0, 0.0, G], (len(t), 1)) + 0.3 * gyro
    sim = _set("sim", acc, gyro, rate)
    real = _set("real", 0.3 * gyro[::10], gyro[::10], 10.0, gravity="removed")
    s2, r2 = harmonise(sim, real)
    assert s2.rate_hz == 10.0 and s2.gravity == "removed"
    assert abs(len(s2.parts[0]) - 300) <= 1
    mid = s2.parts[0][20:-20]
    assert np.abs(mid[:, 2]).max() < 0.05  # gravity gone
    assert np.corrcoef(mid[:, 3], r2.parts[0][20 : 20 + len(mid), 3])[0, 1] > 0.99


def test_peak_and_saturation_statistics():
    t = np.arange(5000) / 100.0
    x = 30 * np.sin(2 * np.pi * 0.5 * t)
    clipped = np.clip(x, -20, 20)
    z = np.zeros_like(t)
    a = _set("a", np.stack([clipped, z, z + G], 1), np.stack([x / 10, z, z], 1), 100.0)
    pa = peak_stats(a, "acc_x")
    assert pa["max_abs"] == pytest.approx(20.0)
    truth = np.mean(np.abs(x) >= 20)
    assert pa["clipped_fraction"] == pytest.approx(truth, abs=0.01)
    assert peak_stats(a, "gyro_x")["clipped_fraction"] < 0.01
    # a pulse train: 2 spikes per second over small noise
    rng = np.random.default_rng(0)
    g = 0.05 * rng.standard_normal(len(t))
    g[::50] += 5.0
    b = _set("b", np.stack([z, z, z + G], 1), np.stack([g, z, z], 1), 100.0)
    assert peak_stats(b, "gyro_x")["peaks_per_s"] == pytest.approx(2.0, abs=0.05)


def test_stationary_mask_and_allan_white_noise():
    rng = np.random.default_rng(0)
    rate = 100.0
    n = 6000
    gyro = 0.002 * rng.standard_normal((n, 3))
    gyro[2000:3000] += np.sin(np.arange(1000) / 10.0)[:, None]  # 10 s of motion
    acc = np.tile([0.0, 0.0, G], (n, 1)) + 0.01 * rng.standard_normal((n, 3))
    m = stationary_mask(acc, gyro, rate)
    st = stretches(m)
    assert len(st) == 2
    assert st[0][0] == 0 and 1900 <= st[0][1] <= 2000 and 3000 <= st[1][0] <= 3100
    taus, adev = allan_deviation(gyro[:2000, 0], rate)
    # white noise: sigma_A(tau) = sigma / sqrt(fs tau)
    expect = 0.002 / np.sqrt(rate * taus)
    assert np.all(np.abs(adev[:10] / expect[:10] - 1) < 0.1)
    nd = noise_terms(gyro[:2000, 0], rate)["noise_density_allan"]
    assert nd == pytest.approx(0.002 / np.sqrt(rate / 2), rel=0.1)


def test_compare_reports_everything_and_rejects_empty():
    a = _noise_set("a", seed=3)
    b = _noise_set("b", seed=4, scale=1.5)
    res = compare(a, b)
    n = res.numbers
    assert set(n["channels"]) == {"acc_x", "acc_y", "acc_z", "acc_mag", "gyro_x", "gyro_y", "gyro_z", "gyro_mag"}
    assert n["channels"]["gyro_x"]["std"][1] == pytest.approx(1.5, rel=0.05)
    assert {"peaks", "allan", "alignment", "summary"} <= set(n)
    assert res.curves["hist"]["acc_x"][0].shape == (41,)
    empty = set_from_arrays("e", 50.0, np.full((10, 3), np.nan), np.full((10, 3), np.nan))
    with pytest.raises(InputError, match="no valid samples"):
        compare(a, empty)
