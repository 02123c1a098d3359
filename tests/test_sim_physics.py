"""The simulator against analytic truths (DESIGN.md section 2 conventions)."""
import numpy as np
import pytest

from imu2safety.core.devices import G
from imu2safety.core.simulate import SimConfig, simulate, output_times
from motion_factory import L_FORE, spinning_forearm, still, translated, turning_body

SIDES = ("left", "right")


def sim(m, wrist="left", device="ideal", **kw):
    return simulate(m, device, SimConfig(wrist=wrist, **kw))


def interior(sig, margin_s=0.5):
    return (sig.time > margin_s) & (sig.time < sig.time[-1] - margin_s)


@pytest.mark.parametrize("wrist", SIDES)
def test_rest_reads_plus_g_on_the_axis_pointing_up(wrist):
    s = sim(still("down"), wrist)
    # hanging arm: sensor x (toward the hand) points down, so it reads -g
    np.testing.assert_allclose(s.acc, np.tile([-G, 0, 0], (s.n, 1)), atol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(s.acc, axis=1), G, atol=1e-9)
    np.testing.assert_allclose(s.gyro, 0, atol=1e-9)
    assert s.valid.all()


@pytest.mark.parametrize("wrist,expected", [("left", [0, -G, 0]), ("right", [0, G, 0])])
@pytest.mark.parametrize("arms", ["forward", "elbow90"])
def test_neutral_forearm_frame_is_right_handed_on_both_wrists(wrist, expected, arms):
    # forearm forward, thumb up: z (back of the wrist) points away from the body's
    # midline, so y = z x x points up on the right wrist and down on the left.
    s = sim(still(arms), wrist)
    np.testing.assert_allclose(s.acc, np.tile(expected, (s.n, 1)), atol=1e-9)
    src = s.provenance["roll_source_frames"]
    assert src["arm-plane" if arms == "elbow90" else "lateral"] == still(arms).n_frames


@pytest.mark.parametrize("wrist", SIDES)
def test_arms_forward_palms_down_read_z_up_on_both_wrists(wrist):
    s = sim(still("forward"), wrist, pronation_deg=90)
    np.testing.assert_allclose(s.acc, np.tile([0, 0, G], (s.n, 1)), atol=1e-9)


@pytest.mark.parametrize("fps", [25.0, 30.0, 120.0])
def test_free_fall_reads_zero(fps):
    T = int(2 * fps)
    t = np.arange(T) / fps
    m = translated(np.stack([np.zeros(T), np.zeros(T), -0.5 * G * t ** 2], 1), fps)
    s = sim(m)
    # everywhere, including the clip's edges (quadratic edge padding)
    assert np.abs(s.acc).max() < 0.05
    np.testing.assert_allclose(s.gyro, 0, atol=1e-9)


@pytest.mark.parametrize("wrist,expected", [("left", [-G, -2.0, 0.0]), ("right", [-G, 2.0, 0.0])])
def test_constant_forward_acceleration(wrist, expected):
    fps, T = 30.0, 90
    t = np.arange(T) / fps
    m = translated(np.stack([0.5 * 2.0 * t ** 2, np.zeros(T), np.zeros(T)], 1), fps)
    s = sim(m, wrist)
    np.testing.assert_allclose(s.acc, np.tile(expected, (s.n, 1)), atol=0.02)


@pytest.mark.parametrize("wrist,sign", [("left", -1), ("right", 1)])
def test_uniform_forearm_rotation_centripetal_and_rate(wrist, sign):
    omega = np.pi          # 0.5 turn per second
    s = sim(spinning_forearm(omega), wrist)
    r = L_FORE - 0.03      # the device sits 3 cm proximal to the wrist joint
    k = interior(s)
    np.testing.assert_allclose(s.acc[k, 0], -omega ** 2 * r, atol=0.01 * omega ** 2 * r + 1e-3)
    np.testing.assert_allclose(s.acc[k, 1], sign * G, atol=0.01)
    np.testing.assert_allclose(s.acc[k, 2], 0, atol=0.01)
    np.testing.assert_allclose(np.linalg.norm(s.gyro[k], axis=1), omega, rtol=1e-3)
    np.testing.assert_allclose(s.gyro[k, 1], sign * omega, rtol=1e-3)
    # the gravity part alone, and what is left is the centripetal acceleration
    np.testing.assert_allclose(np.linalg.norm(s.gravity, axis=1), G, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(s.acc_clean - s.gravity, axis=1)[k], omega ** 2 * r, rtol=0.01)


@pytest.mark.parametrize("wrist", SIDES)
def test_turning_on_the_spot(wrist):
    omega = 2.0
    s = sim(turning_body(omega), wrist)
    k = interior(s)
    # world rate omega*z; the hanging forearm's x points down, so gyro x = -omega
    np.testing.assert_allclose(s.gyro[k], np.tile([-omega, 0, 0], (k.sum(), 1)), atol=2e-3 * omega)
    # centripetal acceleration of the wrist 0.18 m from the axis, toward the midline (-z in sensor)
    np.testing.assert_allclose(s.acc[k], np.tile([-G, 0, -omega ** 2 * 0.18], (k.sum(), 1)), atol=0.01)


@pytest.mark.parametrize("f,A", [(1.0, 0.1), (2.5, 0.03)])
@pytest.mark.parametrize("fps,rate", [(30.0, 100.0), (120.0, 50.0), (25.0, 25.0)])
def test_sinusoidal_sway_peak_acceleration(f, A, fps, rate):
    T = int(6 * fps)
    t = np.arange(T) / fps
    m = translated(np.stack([A * np.sin(2 * np.pi * f * t), np.zeros(T), np.zeros(T)], 1), fps)
    s = sim(m, "left", rate_hz=rate)
    k = interior(s, 1.0)
    truth = -A * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * s.time)   # d2/dt2 of A sin(2 pi f t)
    # left hanging arm: sensor y points backward, so it reads minus the forward acceleration
    measured = -s.acc[:, 1]
    peak = np.abs(truth[k]).max()              # A (2 pi f)^2, as far as the sample times reach it
    assert peak > 0.95 * A * (2 * np.pi * f) ** 2
    assert abs(np.abs(measured[k]).max() - peak) < 0.02 * peak
    assert np.sqrt(np.mean((measured[k] - truth[k]) ** 2)) < 0.01 * peak


def test_output_time_base_is_exact():
    m = still(seconds=10.0, fps=30.0)          # 300 frames span 299/30 s
    s = sim(m, rate_hz=100.0)
    assert s.n == int(np.floor(299 / 30 * 100)) + 1 == 997
    np.testing.assert_array_equal(s.time, np.arange(997) / 100.0)
    assert s.time[0] == 0.0
    np.testing.assert_array_equal(output_times(300, 30000 / 1001, 50.0), np.arange(499) / 50.0)


def test_long_gap_is_not_differentiated_across_and_short_gap_is_bridged():
    m = still(seconds=4.0, fps=30.0)
    m.joints[30:33, 13] = np.nan           # 3 frames (0.1 s): bridged
    m.joints[60:80, 12] = np.nan           # 20 frames (0.67 s): a gap
    s = sim(m)
    gap = (s.time > 59 / 30 + 1e-9) & (s.time < 80 / 30 - 1e-9)     # between the last and next observed frame
    assert not s.valid[gap].any()
    assert np.isnan(s.acc[gap]).all() and np.isnan(s.acc_clean[gap]).all()
    ok = s.valid
    assert ok.sum() == s.n - gap.sum()
    np.testing.assert_allclose(s.acc[ok], np.tile([-G, 0, 0], (ok.sum(), 1)), atol=1e-6)
    bridged = (s.time > 29 / 30 + 1e-9) & (s.time < 33 / 30 - 1e-9)   # between observed frames 29 and 33
    assert s.interpolated[bridged].all() and s.valid[bridged].all()
    assert not s.interpolated[~bridged].any()
    assert s.provenance["segments"] == [[0, 60], [80, 120]]


def test_low_confidence_frames_count_as_unobserved():
    m = still(seconds=3.0, fps=30.0)
    m.confidence = np.ones(m.joints.shape[:2])
    m.confidence[40:70, 13] = 0.1
    s = sim(m)
    hole = (s.time > 40 / 30 + 1e-9) & (s.time < 69 / 30 - 1e-9)
    assert not s.valid[hole].any() and s.valid[~hole].sum() > 0


def test_arm_never_observed_is_an_error():
    from imu2safety.core.errors import InputError
    m = still()
    m.joints[:, 12] = np.nan
    with pytest.raises(InputError, match="left arm is never observed"):
        sim(m)
    assert sim(m, "right").valid.all()


def test_native_axes_map_of_a_watch_on_the_right_wrist():
    s = simulate(still("down"), "watch-bmi270",
                 SimConfig(wrist="right", native_axes=True, seed=1))
    # the preset maps right-wrist sensor (x, y, z) to device (-x, -y, z)
    np.testing.assert_allclose(s.acc_clean, np.tile([G, 0, 0], (s.n, 1)), atol=1e-9)


@pytest.mark.parametrize("wrist", SIDES)
def test_result_does_not_depend_on_the_world_frame(wrist):
    # the same sway in a y-up world (x->z, y->x, z->y) reads the same in the sensor frame
    fps, T = 30.0, 120
    t = np.arange(T) / fps
    m = translated(np.stack([0.1 * np.sin(2 * np.pi * t), 0.05 * t ** 2, 0 * t], 1), fps, arms="elbow90")
    a = sim(m, wrist)
    m2 = translated(np.zeros((T, 3)), fps)
    m2.joints = m.joints[..., [1, 2, 0]]
    m2.up = np.array([0.0, 1.0, 0.0])
    b = sim(m2, wrist)
    np.testing.assert_allclose(b.acc, a.acc, atol=1e-9)
    np.testing.assert_allclose(b.gyro, a.gyro, atol=1e-9)
