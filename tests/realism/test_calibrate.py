"""Calibration estimators recover parameters the test puts in."""

import json

import numpy as np
import pytest
from motion_factory import still
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from imu2safety.core.base.errors import InputError
from imu2safety.core.realism.calibrate import QuantileMap, apply_geometry, calibration_record, fit_device, fit_geometry
from imu2safety.core.realism.compare import compare, set_from_arrays, set_from_signal
from imu2safety.core.sim.devices import DEG, G, load_preset, preset_from_dict
from imu2safety.core.sim.simulate import SimConfig, simulate


def _still_set(n_acc, n_gyro, rate=100.0, seconds=120, bias_g=(0.01, -0.02, 0.005), seed=0):
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    acc = np.array([0.0, 0.0, G]) + n_acc * np.sqrt(rate / 2) * rng.standard_normal((n, 3))
    gyro = np.array(bias_g) + n_gyro * np.sqrt(rate / 2) * rng.standard_normal((n, 3))
    return set_from_arrays("still", rate, acc, gyro)


@pytest.mark.parametrize("seed", [0, 1])
def test_device_fit_recovers_noise_density_and_gyro_bias(seed):
    n_acc = 200e-6 * G  # 200 ug/sqrt(Hz)
    n_gyro = 12e-3 * DEG  # 12 mdps/sqrt(Hz)
    fit = fit_device(_still_set(n_acc, n_gyro, seed=seed), "watch-bmi270", preset_id="fit-test")
    d = fit.data
    assert d["accelerometer"]["noise_density_ug_per_rthz"] == pytest.approx(200, rel=0.1)
    assert d["gyroscope"]["noise_density_mdps_per_rthz"] == pytest.approx(12, rel=0.1)
    bias = np.array(fit.report["report"]["gyroscope"]["bias_rad_s"])
    np.testing.assert_allclose(bias, [0.01, -0.02, 0.005], atol=3e-4)
    assert d["gyroscope"]["turn_on_bias_dps"] == pytest.approx(np.sqrt(np.mean(bias**2)) / DEG, rel=1e-6)
    # one orientation: accelerometer bias only along gravity, |a| = g here -> ~0
    assert d["accelerometer"]["turn_on_bias_mg"] < 1.0
    assert d["output_rate_hz"] == 100.0
    # a valid preset, loadable from disk, that records its calibration
    again = preset_from_dict(json.loads(fit.preset.to_json()))
    assert again.id == "fit-test" and again.data["calibration"]["kind"] == "device_fit"
    assert "gyroscope.noise_density_mdps_per_rthz" in again.data["calibration"]["fitted"]


def test_device_fit_on_the_simulator_at_rest_recovers_the_preset_noise(tmp_path):
    """End to end: simulate a still wrist with a known (unquantised) device, fit it back."""
    dev = load_preset("watch-bmi270").with_changes(
        {
            "accelerometer.bits": 32,
            "gyroscope.bits": 32,
            "accelerometer.bias_instability_mg": 0.0,
            "gyroscope.bias_instability_dph": 0.0,
            "accelerometer.random_walk_mg_per_rts": 0.0,
            "gyroscope.random_walk_dps_per_rts": 0.0,
        }
    )
    sig = simulate(still(seconds=60.0), dev, SimConfig(seed=3))
    fit = fit_device(set_from_signal(sig), "watch-bmi270")
    assert fit.data["accelerometer"]["noise_density_ug_per_rthz"] == pytest.approx(160, rel=0.1)
    assert fit.data["gyroscope"]["noise_density_mdps_per_rthz"] == pytest.approx(7, rel=0.1)
    p = tmp_path / "fit.json"
    p.write_text(fit.preset.to_json())
    assert load_preset(p).gyro.noise_density == pytest.approx(fit.preset.gyro.noise_density)


def test_device_fit_accelerometer_bias_by_sphere_fit():
    rng = np.random.default_rng(4)
    rate = 50.0
    bias = np.array([0.15, -0.1, 0.2])
    parts_acc, parts_gyro = [], []
    for rv in ([0, 0, 0], [1.5, 0, 0], [0, 1.5, 0], [-1.5, 0, 0], [0, -1.5, 0], [3.1, 0, 0]):
        g = Rotation.from_rotvec(rv).apply([0, 0, G])
        n = int(5 * rate)
        parts_acc.append(g + bias + 0.005 * rng.standard_normal((n, 3)))
        parts_gyro.append(0.001 * rng.standard_normal((n, 3)))
        # a burst of motion between orientations
        parts_acc.append(g + 3 * rng.standard_normal((int(rate), 3)))
        parts_gyro.append(2 * rng.standard_normal((int(rate), 3)))
    s = set_from_arrays("turns", rate, np.concatenate(parts_acc), np.concatenate(parts_gyro))
    fit = fit_device(s)
    rep = fit.report["report"]["accelerometer"]
    assert "sphere fit" in rep["bias_from"]
    np.testing.assert_allclose(rep["bias_m_s2"], bias, atol=0.02)
    assert rep["gravity_radius_m_s2"] == pytest.approx(G, abs=0.02)


def test_device_fit_without_stationary_stretch_is_an_input_error():
    rng = np.random.default_rng(0)
    s = set_from_arrays("moving", 50.0, 3 * rng.standard_normal((1000, 3)), 2 * rng.standard_normal((1000, 3)))
    with pytest.raises(InputError, match="no stationary stretch"):
        fit_device(s)


def _motion_pair(rotvec_deg, scale, lag, n=900, rate=50.0, seed=0):
    rng = np.random.default_rng(seed)
    base = gaussian_filter1d(rng.standard_normal((n + 100, 6)), 3, axis=0) * [6, 6, 6, 4, 4, 4]
    base[:, 2] += G
    R = Rotation.from_rotvec(rotvec_deg, degrees=True).as_matrix()
    real_full = np.concatenate([(base[:, :3] @ R.T) * scale, (base[:, 3:] @ R.T) * scale], 1)
    sim = base[50 : 50 + n]
    real = real_full[50 - lag : 50 - lag + n] + 0.01 * rng.standard_normal((n, 6))  # real[n] = sim[n - lag]
    return sim, real, R


@pytest.mark.parametrize("rotvec,lag", [([10, -25, 15], 7), ([0, 0, 90], -12), ([120, 30, -40], 0)])
def test_geometric_fit_recovers_lag_rotation_and_scale(rotvec, lag):
    scale = np.array([1.08, 0.93, 1.02])
    sim, real, R = _motion_pair(rotvec, scale, lag)
    fit = fit_geometry([(sim, real)], 50.0)
    assert abs(fit.lag_samples[0] - lag) <= 1
    err = np.rad2deg((Rotation.from_matrix(fit.rotation) * Rotation.from_matrix(R).inv()).magnitude())
    assert err < 2.0
    np.testing.assert_allclose(fit.gyro_scale, scale, rtol=0.02)
    np.testing.assert_allclose(fit.acc_scale, scale, rtol=0.02)
    d = fit.to_dict()
    assert d["rms_after"]["gyro"] < 0.2 * d["rms_before"]["gyro"]
    json.dumps(d)


def test_geometric_fit_applied_to_a_set_brings_it_closer():
    sim, real, _ = _motion_pair([30, 0, -20], np.array([1.1, 1.0, 0.9]), 5, seed=2)
    fit = fit_geometry([(sim, real)], 50.0)
    s = set_from_arrays("sim", 50.0, sim[:, :3], sim[:, 3:])
    r = set_from_arrays("real", 50.0, real[:, :3], real[:, 3:])
    before = compare(s, r).numbers["summary"]["wasserstein_mean_acc_xyz"]
    s2 = apply_geometry(s, fit)
    after = compare(s2, r).numbers["summary"]["wasserstein_mean_acc_xyz"]
    assert after < 0.3 * before
    assert s2.meta["calibration"][0]["kind"] == "geometric_fit"


def test_quantile_map_is_optional_per_class_and_maps_distributions():
    rng = np.random.default_rng(0)
    sim = set_from_arrays("sim", 50.0, rng.standard_normal((3000, 3)), rng.standard_normal((3000, 3)))
    real_walk = set_from_arrays(
        "rw", 50.0, 2 + 3 * rng.gamma(2.0, size=(3000, 3)), 0.5 * rng.standard_normal((3000, 3)), label="walk"
    )
    qm = QuantileMap.fit(sim, real_walk, per_class=True)
    mapped = qm.apply(sim, label="walk")
    before = compare(sim, real_walk, harmonise_sets=False).numbers["channels"]["acc_x"]["wasserstein"]
    after = compare(mapped, real_walk, harmonise_sets=False).numbers["channels"]["acc_x"]["wasserstein"]
    assert after < 0.05 * before
    # ranks (temporal order of values) are preserved by a monotone map
    x = sim.parts[0][:, 0]
    y = mapped.parts[0][:, 0]
    assert np.all(np.diff(y[np.argsort(x)]) >= -1e-12)
    with pytest.raises(InputError, match="no real data of class 'fall'"):
        qm.apply(sim, label="fall")
    rec = calibration_record(quantile=qm)
    assert rec["applied"] == ["quantile_map (optional)"]
    assert rec["quantile_map"]["optional"] is True and "maps" not in rec["quantile_map"]
    json.dumps(rec)


def test_unsynchronised_geometric_fit_recovers_rotation_and_scale_from_independent_recordings():
    """Two independent recordings of one anisotropic, skewed 'activity'; no sample pairing exists.
    (A uniform scale: an anisotropic one tilts the principal axes, a documented limit.)"""
    rate = 50.0

    def activity(seed, n=8000):
        rng = np.random.default_rng(seed)
        z = gaussian_filter1d(rng.standard_normal((n, 6)), 2, axis=0)
        z = z / z.std(axis=0)
        acc = np.stack([3.0 * z[:, 0], 1.5 * z[:, 1] + 0.5 * z[:, 1] ** 2, 0.5 * z[:, 2]], 1)
        gyro = np.stack([2.0 * z[:, 3] + 0.4 * z[:, 3] ** 2, 0.8 * z[:, 4], 0.3 * z[:, 5]], 1)
        return np.concatenate([acc, gyro], 1)

    R = Rotation.from_rotvec([20, -35, 50], degrees=True).as_matrix()
    scale = np.array([1.15, 1.15, 1.15])
    sim = activity(1)
    other = activity(2)
    real = np.concatenate([(other[:, :3] @ R.T) * scale, (other[:, 3:] @ R.T) * scale], 1)
    fit = fit_geometry([(sim, real)], rate, scale_method="std", rotation_method="covariance")
    err = np.rad2deg((Rotation.from_matrix(fit.rotation) * Rotation.from_matrix(R).inv()).magnitude())
    assert err < 2.0
    np.testing.assert_allclose(fit.acc_scale, scale, rtol=0.05)
    np.testing.assert_allclose(fit.gyro_scale, scale, rtol=0.05)
    assert fit.to_dict()["rotation_method"] == "covariance"
    with pytest.raises(InputError, match="rotation method"):
        fit_geometry([(sim, real)], rate, rotation_method="guess")
