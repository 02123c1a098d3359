"""The fast paths of the simulation give the same numbers, bit for bit, as the straightforward ones.

The blocked kinematics pass, the in-place noise, the arm-only joint copy, the one-pass implausible-frame
check and the uncompressed IMU file are speed-ups only: each is compared here with the plain expression it
replaced, on motions with gaps, low-confidence joints, hands and glitches.
"""

import h5py
import numpy as np
import pytest
from motion_factory import standing_pose
from scipy.signal import lfilter
from skeleton_files import write_ntu

import imu2safety.core.sim.simulate as sim_module
from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.interchange import Motion, implausible_frames, validate_motion
from imu2safety.core.sim import noise
from imu2safety.core.sim.devices import load_preset
from imu2safety.core.sim.imu_io import read_imu_h5, write_imu_h5
from imu2safety.core.sim.sensor_frame import arm_joints, forearm_axes, forearm_axes_of
from imu2safety.core.sim.simulate import SimConfig, simulate

KEYS = ("time", "acc", "gyro", "acc_clean", "gyro_clean", "gravity", "valid", "interpolated")


def swinging(seconds=40.0, fps=30.0, seed=0):
    """h36m17 walk-in-place with arm swing, sensor jitter, a short and a long gap and one glitch."""
    T = int(seconds * fps)
    t = np.arange(T) / fps
    j = np.tile(standing_pose("elbow90"), (T, 1, 1))
    for el, wr, ph in ((12, 13, 0.0), (15, 16, np.pi)):
        ang = 0.6 * np.sin(2 * np.pi * 0.9 * t + ph)
        j[:, wr, 0] = j[:, el, 0] + 0.26 * np.cos(ang)
        j[:, wr, 2] = j[:, el, 2] + 0.26 * np.sin(ang)
    j += np.random.default_rng(seed).normal(0, 0.002, j.shape)
    j[100:104, 13] = np.nan  # bridged
    j[500:560, 12] = np.nan  # splits the clip
    j[800, 16] += 1.0  # a capture glitch (implausible speed)
    return Motion(j, fps, "h36m17")


def ntu_with_hands(tmp_path):
    rng = np.random.default_rng(2)
    T = 300
    frames = []
    for f in range(T):
        xyz = np.stack([np.zeros(25), np.linspace(0.0, 1.7, 25), np.full(25, 3.0)], axis=1)
        xyz[4:8, 0] += 0.2  # left arm out to the side
        xyz[5:8, 2] -= 0.25 * np.sin(0.2 * f) * np.arange(1, 4) / 3
        xyz[[7, 21, 22], 0] += 0.05 * np.cos(0.3 * f)
        xyz[8:12, 0] -= 0.2
        xyz += rng.normal(0, 0.003, xyz.shape)
        st = np.full(25, 2)
        st[rng.random(25) < 0.05] = 1
        if 120 <= f < 125:
            st[6] = 0  # wrist lost: a bridged gap
        frames.append([("72057594037931101", xyz, st)])
    return import_motion(write_ntu(tmp_path / "S001C001P001R001A043.skeleton", frames))


@pytest.fixture
def motions(tmp_path):
    return {"swing": swinging(), "ntu": ntu_with_hands(tmp_path)}


def same(a, b):
    return all(np.array_equal(getattr(a, k), getattr(b, k), equal_nan=True) for k in KEYS) and (
        a.provenance == b.provenance
    )


@pytest.mark.parametrize("wrist", ["left", "right"])
@pytest.mark.parametrize("name", ["swing", "ntu"])
def test_blocked_pass_equals_one_block(monkeypatch, motions, name, wrist):
    m = motions[name]
    cfg = SimConfig(wrist=wrist, seed=4, rate_hz=120.0)
    monkeypatch.setattr(sim_module, "CHUNK", 10**9)  # the whole segment as one block
    whole = simulate(m, "watch-bmi270", cfg)
    monkeypatch.setattr(sim_module, "CHUNK", 97)  # many blocks, none aligned with anything
    blocked = simulate(m, "watch-bmi270", cfg)
    assert whole.valid.sum() > 1000 and same(whole, blocked)


def test_given_implausible_frames_equal_computed_ones(motions):
    m = motions["swing"]
    bad = implausible_frames(m)
    assert list(bad) == [800, 801]
    a = simulate(m, "band-bmi160", SimConfig(seed=1))
    b = simulate(m, "band-bmi160", SimConfig(seed=1), implausible=bad)
    assert same(a, b) and a.provenance["implausible_frames"] == [800, 801]


def test_implausible_frames_equal_the_plain_formula(motions):
    for m in motions.values():
        step = np.linalg.norm(np.diff(m.joints, axis=0), axis=2) * m.fps
        with np.errstate(invalid="ignore"):
            plain = np.flatnonzero(np.nanmax(np.where(np.isfinite(step), step, -1.0), axis=1) > 15.0) + 1
        assert np.array_equal(implausible_frames(m), plain)
    # blocks: a jump exactly at a block boundary is found once
    from imu2safety.core.motion import interchange

    j = np.zeros((3 * interchange._CHUNK + 5, 17, 3))
    j[interchange._CHUNK + 1 :, 3] += 1.0
    assert list(implausible_frames(Motion(j, 30.0, "h36m17"))) == [interchange._CHUNK + 1]


def test_arm_only_axes_equal_whole_skeleton_axes(motions):
    for m in motions.values():
        for side in ("left", "right"):
            x0, z0, c0 = forearm_axes(m.joints, m.skel, side, m.up, 20.0)
            x1, z1, c1 = forearm_axes_of(
                {k: v.copy() for k, v in arm_joints(m.joints, m.skel, side).items()}, side, m.up, 20.0
            )
            assert np.array_equal(x0, x1, equal_nan=True) and np.array_equal(z0, z1, equal_nan=True) and c0 == c1


def plain_sensor_errors(clean, err, rate, seed_seq, specific_force=None):
    """The error model as first written (one expression per term), for comparison."""
    n, dt = clean.shape[0], 1.0 / rate
    streams = dict(zip(noise.TERMS, (np.random.default_rng(s) for s in seed_seq.spawn(len(noise.TERMS)))))
    scale = err.scale_error * streams["scale"].standard_normal(3)
    mis = err.cross_axis * streams["cross_axis"].standard_normal((3, 3))
    np.fill_diagonal(mis, 0.0)
    T = np.eye(3) + np.diag(scale) + mis
    b0 = err.turn_on_bias * streams["turn_on_bias"].standard_normal(3)
    gs = err.g_sensitivity * streams["g_sensitivity"].standard_normal(3)
    y = clean @ T.T + b0
    if err.bias_instability > 0:
        rng, phi = streams["bias_instability"], np.exp(-dt / err.bias_tau_s)
        e = rng.standard_normal((n, 3))
        x0 = err.bias_instability * rng.standard_normal(3)
        g, _ = lfilter([err.bias_instability * np.sqrt(1 - phi * phi)], [1.0, -phi], e, axis=0, zi=(phi * x0)[None])
        y += g
    if err.random_walk > 0:
        y += np.cumsum(err.random_walk * np.sqrt(dt) * streams["random_walk"].standard_normal((n, 3)), axis=0)
    if err.noise_density > 0:
        y += err.noise_density * np.sqrt(rate / 2.0) * streams["white"].standard_normal((n, 3))
    if specific_force is not None and err.g_sensitivity > 0:
        y += gs * specific_force
    if err.lsb > 0:
        lo, hi = -round(err.range / err.lsb), round(err.range / err.lsb) - 1
        codes = np.round(y / err.lsb)
        sat = ((codes < lo) | (codes > hi)).any(axis=1)
        y = np.clip(codes, lo, hi) * err.lsb
    else:
        sat = (np.abs(y) > err.range).any(axis=1)
        y = np.clip(y, -err.range, err.range)
    return y, sat


@pytest.mark.parametrize("preset", ["watch-bmi270", "band-bmi160", "phone-lsm6dsv"])
@pytest.mark.parametrize("no_walk", [False, True])
def test_in_place_noise_equals_the_plain_expressions(preset, no_walk):
    dev = load_preset(preset)
    if no_walk:  # white noise then draws into a fresh array instead of the random walk's buffer
        dev = dev.with_changes({"accelerometer.random_walk_mg_per_rts": 0, "gyroscope.random_walk_dps_per_rts": 0})
    rng = np.random.default_rng(7)
    clean = rng.normal(0, 30, (5000, 3))  # reaches the ranges: saturation is part of the comparison
    for err, sf in ((dev.acc, None), (dev.gyro, clean)):
        y, sat, _ = noise.apply_sensor_errors(clean, err, 100.0, np.random.SeedSequence(3), specific_force=sf)
        y0, sat0 = plain_sensor_errors(clean, err, 100.0, np.random.SeedSequence(3), specific_force=sf)
        assert np.array_equal(y, y0) and np.array_equal(sat, sat0) and sat.any()


def test_validate_span_check_ignores_nan_like_nanmax():
    j = np.zeros((5, 17, 3))
    j[:, :, 0] = np.nan  # an axis never observed
    j[2, 4, 1] = 99_999.0
    validate_motion(Motion(j.copy(), 30.0, "h36m17"))
    j[3, 5, 1] = -2.0  # the y axis now spans 100,001
    with pytest.raises(InputError, match="span 100001 units"):
        validate_motion(Motion(j, 30.0, "h36m17"))


def test_uncompressed_file_holds_the_same_data_as_gzip(tmp_path, motions):
    sig = simulate(motions["ntu"], "watch-bmi270", SimConfig(seed=2))
    plain = read_imu_h5(write_imu_h5(sig, tmp_path / "a.h5"))
    packed = read_imu_h5(write_imu_h5(sig, tmp_path / "b.h5", compress=True))
    for k in KEYS[:-2] + ("acc_saturated", "gyro_saturated"):
        assert np.array_equal(plain[k], packed[k], equal_nan=True)
    with h5py.File(tmp_path / "a.h5") as fa, h5py.File(tmp_path / "b.h5") as fb:
        assert fa["acc"].compression is None and fb["acc"].compression == "gzip"
