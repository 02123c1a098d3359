"""Each device error term against its own parameter (statistics on static runs)."""

import numpy as np
import pytest
from motion_factory import still, translated

from imu2safety.core.sim.devices import DEG, G, load_preset
from imu2safety.core.sim.noise import apply_sensor_errors
from imu2safety.core.sim.simulate import SimConfig, simulate

ZERO = {
    "accelerometer.range_g": 0,
    "accelerometer.noise_density_ug_per_rthz": 0,
    "accelerometer.turn_on_bias_mg": 0,
    "accelerometer.scale_error_pct": 0,
    "accelerometer.cross_axis_pct": 0,
    "accelerometer.bias_instability_mg": 0,
    "accelerometer.random_walk_mg_per_rts": 0,
    "gyroscope.range_dps": 0,
    "gyroscope.noise_density_mdps_per_rthz": 0,
    "gyroscope.turn_on_bias_dps": 0,
    "gyroscope.scale_error_pct": 0,
    "gyroscope.cross_axis_pct": 0,
    "gyroscope.bias_instability_dph": 0,
    "gyroscope.random_walk_dps_per_rts": 0,
    "gyroscope.g_sensitivity_dps_per_g": 0,
}


def device(**only):
    changes = dict(ZERO)
    changes.update({k.replace("__", "."): v for k, v in only.items()})
    return load_preset("watch-bmi270").with_changes(changes)


def errors(dev, seconds=60.0, seed=0, rate=100.0):
    s = simulate(still("down", seconds=seconds), dev, SimConfig(seed=seed, rate_hz=rate))
    return s, s.acc - s.acc_clean, s.gyro - s.gyro_clean


def adev(x, rate, taus):
    """Overlapping Allan deviation of a rate signal (written here, independent of the product)."""
    theta = np.concatenate([[0.0], np.cumsum(x)]) / rate
    out = []
    for tau in taus:
        m = int(round(tau * rate))
        d = theta[2 * m :] - 2 * theta[m:-m] + theta[: -2 * m]
        out.append(np.sqrt(np.mean(d**2) / (2 * (m / rate) ** 2)))
    return np.array(out)


def test_all_zero_device_is_ideal():
    s, ea, eg = errors(device(), seconds=5)
    assert np.abs(ea).max() == 0 and np.abs(eg).max() == 0


@pytest.mark.parametrize("rate", [50.0, 100.0, 400.0])
def test_white_noise_std_follows_density(rate):
    s, ea, eg = errors(
        device(accelerometer__noise_density_ug_per_rthz=160, gyroscope__noise_density_mdps_per_rthz=7),
        seconds=200,
        rate=rate,
    )
    np.testing.assert_allclose(ea.std(0), 160e-6 * G * np.sqrt(rate / 2), rtol=0.03)
    np.testing.assert_allclose(eg.std(0), 7e-3 * DEG * np.sqrt(rate / 2), rtol=0.03)
    # white: neighbouring samples uncorrelated
    r1 = np.corrcoef(ea[:-1, 0], ea[1:, 0])[0, 1]
    assert abs(r1) < 0.02


def test_allan_slopes_white_then_random_walk():
    rate = 50.0
    N, K = 7e-3 * DEG, 1e-3 * DEG
    s, _, eg = errors(
        device(gyroscope__noise_density_mdps_per_rthz=7, gyroscope__random_walk_dps_per_rts=1e-3),
        seconds=3600,
        rate=rate,
    )
    taus = np.array([0.1, 0.4, 30.0, 300.0])
    a = adev(eg[:, 0], rate, taus)
    slope_short = np.log(a[1] / a[0]) / np.log(taus[1] / taus[0])
    slope_long = np.log(a[3] / a[2]) / np.log(taus[3] / taus[2])
    assert -0.56 < slope_short < -0.44
    assert 0.35 < slope_long < 0.65
    # white noise: adev(tau) = sigma_sample / sqrt(tau * rate) with sigma_sample = N sqrt(rate/2)
    np.testing.assert_allclose(a[0], N * np.sqrt(rate / 2) / np.sqrt(0.1 * rate), rtol=0.1)
    # random walk: adev(tau) = K sqrt(tau / 3)
    np.testing.assert_allclose(a[3], K * np.sqrt(300.0 / 3), rtol=0.3)


def test_gauss_markov_bias_instability():
    sigma_mg, tau = 0.5, 5.0
    s, ea, _ = errors(
        device(accelerometer__bias_instability_mg=sigma_mg, accelerometer__bias_tau_s=tau), seconds=2000, rate=20.0
    )
    np.testing.assert_allclose(ea.std(0), sigma_mg * 1e-3 * G, rtol=0.15)
    lag = int(tau * 20)
    x = ea[:, 0] - ea[:, 0].mean()
    rho = np.mean(x[:-lag] * x[lag:]) / np.var(x)
    assert abs(rho - np.exp(-1)) < 0.12


def _per_seed(dev, n_seeds=300):
    out = []
    for seed in range(n_seeds):
        s = simulate(still("down", seconds=0.3), dev, SimConfig(seed=seed))
        out.append(
            (s.acc - s.acc_clean).mean(0).tolist()
            + (s.gyro - s.gyro_clean).mean(0).tolist()
            + s.acc[0].tolist()
            + s.gyro[0].tolist()
        )
    return np.array(out)


def test_turn_on_bias_spread():
    r = _per_seed(device(accelerometer__turn_on_bias_mg=20, gyroscope__turn_on_bias_dps=0.5))
    np.testing.assert_allclose(r[:, :3].std(0), 20e-3 * G, rtol=0.15)
    np.testing.assert_allclose(r[:, 3:6].std(0), 0.5 * DEG, rtol=0.15)
    # constant within a clip
    s = simulate(still("down", seconds=1), device(accelerometer__turn_on_bias_mg=20), SimConfig(seed=3))
    assert np.ptp(s.acc - s.acc_clean, axis=0).max() < 1e-12


def test_scale_and_cross_axis_spread():
    # static hanging arm: clean acc = (-g, 0, 0). Scale error shows on x, cross-axis on y and z.
    r = _per_seed(device(accelerometer__scale_error_pct=1.0))
    np.testing.assert_allclose((r[:, 6] / -G - 1).std(), 0.01, rtol=0.15)
    assert np.abs(r[:, 7:9]).max() < 1e-9
    r = _per_seed(device(accelerometer__cross_axis_pct=2.0))
    np.testing.assert_allclose((r[:, 7:9] / -G).std(0), 0.02, rtol=0.15)
    assert np.abs(r[:, 6] + G).max() < 1e-9


def test_gyro_g_sensitivity():
    r = _per_seed(device(gyroscope__g_sensitivity_dps_per_g=0.1))
    # gyro error = coefficient (1 sigma = 0.1 dps/g) times the specific force (-1 g on x)
    np.testing.assert_allclose(r[:, 9].std(), 0.1 * DEG, rtol=0.15)
    assert np.abs(r[:, 10:12]).max() < 1e-9


def test_saturation_at_the_range():
    fps, T = 100.0, 400
    t = np.arange(T) / fps
    A, f = 0.25, 2.0  # peak 0.25 (4 pi)^2 = 39.5 m/s^2 (4 g)
    m = translated(np.stack([A * np.sin(2 * np.pi * f * t), 0 * t, 0 * t], 1), fps)
    dev = device(accelerometer__range_g=2, accelerometer__bits=16)
    s = simulate(m, dev, SimConfig(rate_hz=100.0))
    rng = 2 * G
    assert np.nanmax(np.abs(s.acc_clean)) > 1.5 * rng
    assert np.nanmax(s.acc) <= rng and np.nanmin(s.acc) >= -rng
    lsb = 2 * rng / 2**16
    codes = np.round(s.acc_clean / lsb)
    over = ((codes > 2**15 - 1) | (codes < -(2**15))).any(axis=1)  # beyond the two's-complement codes
    assert over.sum() > 20
    np.testing.assert_array_equal(s.acc_saturated, over)
    assert s.provenance["acc_saturated_samples"] == int(over.sum())
    np.testing.assert_allclose(np.abs(s.acc[over, 1]), rng, atol=lsb * 1.01)


def test_quantisation_step():
    dev = device(
        accelerometer__range_g=2,
        accelerometer__bits=8,
        accelerometer__noise_density_ug_per_rthz=3000,
        gyroscope__range_dps=250,
        gyroscope__bits=10,
        gyroscope__noise_density_mdps_per_rthz=500,
    )
    s = simulate(still("down", seconds=5), dev, SimConfig(seed=1))
    lsb_a, lsb_g = 4 * G / 256, 500 * DEG / 1024
    for x, lsb in ((s.acc, lsb_a), (s.gyro, lsb_g)):
        codes = x / lsb
        np.testing.assert_allclose(codes, np.round(codes), atol=1e-6)
        steps = np.unique(np.round(np.abs(np.diff(codes, axis=0))))
        assert 1 in steps and len(np.unique(np.round(codes))) > 3
    assert (s.acc / lsb_a).min() >= -128 and (s.acc / lsb_a).max() <= 127


def test_same_seed_same_bits_different_seed_differs():
    dev = load_preset("watch-bmi270")
    m = still("elbow90", seconds=3)
    a = simulate(m, dev, SimConfig(seed=7))
    b = simulate(m, dev, SimConfig(seed=7))
    c = simulate(m, dev, SimConfig(seed=8))
    assert a.acc.tobytes() == b.acc.tobytes() and a.gyro.tobytes() == b.gyro.tobytes()
    assert not np.array_equal(a.acc, c.acc) and not np.array_equal(a.gyro, c.gyro)


def test_tuning_one_term_keeps_the_other_draws():
    base = load_preset("watch-bmi270")
    m = still(seconds=2)
    a = simulate(m, base, SimConfig(seed=5))
    b = simulate(m, base.with_changes({"accelerometer.noise_density_ug_per_rthz": 320}), SimConfig(seed=5))
    # same gyroscope, and the accelerometer white noise doubled on the same draws
    np.testing.assert_array_equal(a.gyro, b.gyro)
    # sample-to-sample differences isolate the white noise from the slow terms
    np.testing.assert_allclose(
        np.diff(b.acc - b.acc_clean, axis=0).std(0), 2 * np.diff(a.acc - a.acc_clean, axis=0).std(0), rtol=0.05
    )


def test_saturation_flag_marks_exactly_the_clipped_samples():
    # 8 bits over +/-2 g: codes -128 .. 127, so +range itself is not representable but -range is
    err = device(accelerometer__range_g=2, accelerometer__bits=8).acc
    lsb, rng = err.lsb, err.range
    assert lsb == pytest.approx(4 * G / 256)
    x = np.array(
        [rng - 0.6 * lsb, rng - 0.4 * lsb, rng - 1.6 * lsb, 1.5 * rng, -rng, -rng - 0.4 * lsb, -rng - 0.6 * lsb, np.nan]
    )
    y, sat, _ = apply_sensor_errors(np.stack([x, 0 * x, 0 * x], 1), err, 100.0, np.random.SeedSequence(0))
    np.testing.assert_array_equal(y[:, 0] / lsb, [127, 127, 126, 127, -128, -128, -128, np.nan])
    # saturated = the output differs from the input by more than the rounding
    np.testing.assert_array_equal(sat, [False, True, False, True, False, False, True, False])
