"""The simulator against analytic truths (DESIGN.md section 2 conventions)."""

import numpy as np
import pytest
from motion_factory import (
    L_FORE,
    L_UPPER,
    lateral_raise,
    rolling_hands,
    spinning_forearm,
    standing_pose,
    still,
    translated,
    turning_body,
)

from imu2safety.core.motion.interchange import Motion
from imu2safety.core.motion.skeletons import NTU25
from imu2safety.core.sim.devices import G
from imu2safety.core.sim.simulate import SimConfig, output_times, simulate

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
    m = translated(np.stack([np.zeros(T), np.zeros(T), -0.5 * G * t**2], 1), fps)
    s = sim(m)
    # everywhere, including the clip's edges (quadratic edge padding)
    assert np.abs(s.acc).max() < 0.05
    np.testing.assert_allclose(s.gyro, 0, atol=1e-9)


@pytest.mark.parametrize("wrist,expected", [("left", [-G, -2.0, 0.0]), ("right", [-G, 2.0, 0.0])])
def test_constant_forward_acceleration(wrist, expected):
    fps, T = 30.0, 90
    t = np.arange(T) / fps
    m = translated(np.stack([0.5 * 2.0 * t**2, np.zeros(T), np.zeros(T)], 1), fps)
    s = sim(m, wrist)
    np.testing.assert_allclose(s.acc, np.tile(expected, (s.n, 1)), atol=0.02)


@pytest.mark.parametrize("omega", [np.pi, 20.0])  # half a turn per second; a fast punch's rate
@pytest.mark.parametrize("wrist,sign", [("left", -1), ("right", 1)])
def test_uniform_forearm_rotation_centripetal_and_rate(wrist, sign, omega):
    s = sim(spinning_forearm(omega), wrist)
    r = L_FORE - 0.03  # the device sits 3 cm proximal to the wrist joint
    k = interior(s)
    np.testing.assert_allclose(s.acc[k, 0], -(omega**2) * r, atol=0.01 * omega**2 * r + 1e-3)
    np.testing.assert_allclose(s.acc[k, 1], sign * G, atol=0.01)
    np.testing.assert_allclose(s.acc[k, 2], 0, atol=max(0.01, 2e-3 * omega**2 * r))  # 30 fps sampling
    np.testing.assert_allclose(np.linalg.norm(s.gyro[k], axis=1), omega, rtol=1e-3)
    np.testing.assert_allclose(s.gyro[k, 1], sign * omega, rtol=1e-3)
    # the gravity part alone, and what is left is the centripetal acceleration
    np.testing.assert_allclose(np.linalg.norm(s.gravity, axis=1), G, rtol=1e-9)
    np.testing.assert_allclose(np.linalg.norm(s.acc_clean - s.gravity, axis=1)[k], omega**2 * r, rtol=0.01)


@pytest.mark.parametrize("wrist", SIDES)
def test_turning_on_the_spot(wrist):
    omega = 2.0
    s = sim(turning_body(omega), wrist)
    k = interior(s)
    # world rate omega*z; the hanging forearm's x points down, so gyro x = -omega
    np.testing.assert_allclose(s.gyro[k], np.tile([-omega, 0, 0], (k.sum(), 1)), atol=2e-3 * omega)
    # centripetal acceleration of the wrist 0.18 m from the axis, toward the midline (-z in sensor)
    np.testing.assert_allclose(s.acc[k], np.tile([-G, 0, -(omega**2) * 0.18], (k.sum(), 1)), atol=0.01)


@pytest.mark.parametrize("f,A", [(1.0, 0.1), (2.5, 0.03)])
@pytest.mark.parametrize("fps,rate", [(30.0, 100.0), (120.0, 50.0), (25.0, 25.0)])
def test_sinusoidal_sway_peak_acceleration(f, A, fps, rate):
    T = int(6 * fps)
    t = np.arange(T) / fps
    m = translated(np.stack([A * np.sin(2 * np.pi * f * t), np.zeros(T), np.zeros(T)], 1), fps)
    s = sim(m, "left", rate_hz=rate)
    k = interior(s, 1.0)
    truth = -A * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * s.time)  # d2/dt2 of A sin(2 pi f t)
    # left hanging arm: sensor y points backward, so it reads minus the forward acceleration
    measured = -s.acc[:, 1]
    peak = np.abs(truth[k]).max()  # A (2 pi f)^2, as far as the sample times reach it
    assert peak > 0.95 * A * (2 * np.pi * f) ** 2
    assert abs(np.abs(measured[k]).max() - peak) < 0.02 * peak
    assert np.sqrt(np.mean((measured[k] - truth[k]) ** 2)) < 0.01 * peak


def test_output_time_base_is_exact():
    m = still(seconds=10.0, fps=30.0)  # 300 frames span 299/30 s
    s = sim(m, rate_hz=100.0)
    assert s.n == int(np.floor(299 / 30 * 100)) + 1 == 997
    np.testing.assert_array_equal(s.time, np.arange(997) / 100.0)
    assert s.time[0] == 0.0
    np.testing.assert_array_equal(output_times(300, 30000 / 1001, 50.0), np.arange(499) / 50.0)


def test_long_gap_is_not_differentiated_across_and_short_gap_is_bridged():
    m = still(seconds=4.0, fps=30.0)
    m.joints[30:33, 13] = np.nan  # 3 frames (0.1 s): bridged
    m.joints[60:80, 12] = np.nan  # 20 frames (0.67 s): a gap
    s = sim(m)
    gap = (s.time > 59 / 30 + 1e-9) & (s.time < 80 / 30 - 1e-9)  # between the last and next observed frame
    assert not s.valid[gap].any()
    assert np.isnan(s.acc[gap]).all() and np.isnan(s.acc_clean[gap]).all()
    ok = s.valid
    assert ok.sum() == s.n - gap.sum()
    np.testing.assert_allclose(s.acc[ok], np.tile([-G, 0, 0], (ok.sum(), 1)), atol=1e-6)
    bridged = (s.time > 29 / 30 + 1e-9) & (s.time < 33 / 30 - 1e-9)  # between observed frames 29 and 33
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
    from imu2safety.core.base.errors import InputError

    m = still()
    m.joints[:, 12] = np.nan
    with pytest.raises(InputError, match="left arm is never observed"):
        sim(m)
    assert sim(m, "right").valid.all()


def test_native_axes_map_of_a_watch_on_the_right_wrist():
    s = simulate(still("down"), "watch-bmi270", SimConfig(wrist="right", native_axes=True, seed=1))
    # the preset maps right-wrist sensor (x, y, z) to device (-x, -y, z)
    np.testing.assert_allclose(s.acc_clean, np.tile([G, 0, 0], (s.n, 1)), atol=1e-9)


@pytest.mark.parametrize("wrist", SIDES)
def test_result_does_not_depend_on_the_world_frame(wrist):
    # the same sway in a y-up world (x->z, y->x, z->y) reads the same in the sensor frame
    fps, T = 30.0, 120
    t = np.arange(T) / fps
    m = translated(np.stack([0.1 * np.sin(2 * np.pi * t), 0.05 * t**2, 0 * t], 1), fps, arms="elbow90")
    a = sim(m, wrist)
    m2 = translated(np.zeros((T, 3)), fps)
    m2.joints = m.joints[..., [1, 2, 0]]
    m2.up = np.array([0.0, 1.0, 0.0])
    b = sim(m2, wrist)
    np.testing.assert_allclose(b.acc, a.acc, atol=1e-9)
    np.testing.assert_allclose(b.gyro, a.gyro, atol=1e-9)


def finite_where_valid(s):
    return (
        np.isfinite(s.acc[s.valid]).all()
        and np.isfinite(s.gyro[s.valid]).all()
        and np.isfinite(s.acc_clean[s.valid]).all()
        and np.isfinite(s.gyro_clean[s.valid]).all()
    )


@pytest.mark.parametrize("wrist,sign", [("left", -1.0), ("right", 1.0)])
def test_hand_plane_roll_at_a_known_rate(wrist, sign):
    # ntu25: forearm forward and still, the hand pronates at omega from 60 deg supinated to 120 deg
    fps, T, omega = 30.0, 120, 1.5
    phi0 = np.deg2rad(-60.0)
    m = rolling_hands(phi0 + omega * np.arange(T) / fps, fps=fps)
    s = sim(m, wrist)
    assert s.provenance["roll_source_frames"]["hand"] == T
    k = interior(s)
    phi = phi0 + omega * s.time[k]
    # pronation turns the right forearm negatively about its distal x axis, the left positively
    np.testing.assert_allclose(s.gyro[k], np.tile([-sign * omega, 0, 0], (k.sum(), 1)), atol=1e-3)
    # the device sits on the roll axis: gravity only, z (back of the wrist) up at phi = 90 deg
    want = G * np.stack([0 * phi, sign * np.cos(phi), np.sin(phi)], 1)
    np.testing.assert_allclose(s.acc[k], want, atol=1e-3)
    # an observed hand roll is not turned further by the assumed pronation
    s90 = sim(m, wrist, pronation_deg=90)
    np.testing.assert_allclose(s90.acc, s.acc, atol=1e-12)


@pytest.mark.parametrize("wrist", SIDES)
def test_missing_hand_carries_the_hand_roll_and_short_arm_gap_is_bridged(wrist):
    T = 120
    m = rolling_hands(np.full(T, np.pi / 2))  # palm down: the arm plane would say thumb up
    hand, thumb = NTU25.hands[wrist]
    m.joints[30:80, hand] = np.nan  # hand lost for 50 frames
    m.joints[50:53, NTU25.arms[wrist][2]] = np.nan  # and the wrist for 3 of them
    s = sim(m, wrist)
    assert s.valid.all() and finite_where_valid(s)
    assert s.interpolated.any() and s.provenance["frames_bridged"] == 3
    np.testing.assert_allclose(s.acc, np.tile([0, 0, G], (s.n, 1)), atol=1e-6)
    assert s.provenance["roll_source_frames"] == {"hand": 70, "arm-plane": 0, "carried": 50, "lateral": 0}


def test_low_confidence_hand_does_not_set_the_roll():
    T = 90
    phi = np.where(np.arange(T) < 45, np.pi / 2, 0.0)  # palm down, then a (wrong) thumb-up hand
    m = rolling_hands(phi)
    m.confidence = np.ones((T, 25))
    m.confidence[45:, NTU25.hands["left"][0]] = 0.1  # ... that the detector is unsure of
    s = sim(m, "left")
    assert s.provenance["roll_source_frames"]["carried"] == 45
    np.testing.assert_allclose(s.acc, np.tile([0, 0, G], (s.n, 1)), atol=1e-6)


@pytest.mark.parametrize("wrist", SIDES)
def test_straight_arms_raised_sideways_past_the_shoulder_line(wrist):
    # jumping-jack arms: the straight arm turns about the forward axis through the shoulder,
    # from hanging to 20 deg above the shoulder line and back (no arm plane: neutral roll)
    m, th, thd, thdd = lateral_raise(np.deg2rad(110.0))
    s = sim(m, wrist)
    assert s.provenance["roll_source_frames"]["lateral"] == m.n_frames
    k = interior(s)
    t = s.time[k]
    r = L_UPPER + L_FORE - 0.03
    # neutral roll follows the arm: back of the wrist lateral when hanging, up at the shoulder line;
    # the rotation axis (forward) is -y on both wrists
    np.testing.assert_allclose(s.gyro[k], np.stack([0 * t, -thd(t), 0 * t], 1), atol=0.02)
    want = np.stack([-r * thd(t) ** 2 - G * np.cos(th(t)), 0 * t, r * thdd(t) + G * np.sin(th(t))], 1)
    np.testing.assert_allclose(s.acc[k], want, atol=0.05)


@pytest.mark.parametrize("wrist", SIDES)
def test_t_pose_with_jitter_keeps_a_calm_gyro(wrist):
    # arms straight out along the shoulder line, 1 mm keypoint jitter
    m, th, _, _ = lateral_raise(np.pi / 2, f=0.0)
    m.joints[:] = m.joints[0]
    b = m.joints[0].copy()
    for sh, el, wr, side in ((11, 12, 13, 1.0), (14, 15, 16, -1.0)):
        b[el] = b[sh] + [0, side * L_UPPER, 0]
        b[wr] = b[el] + [0, side * L_FORE, 0]
    m.joints = np.tile(b, (90, 1, 1)) + np.random.default_rng(0).normal(0, 1e-3, (90, 17, 3))
    s = sim(m, wrist)
    assert np.abs(s.gyro).max() < 1.0
    # palms down: the back of the wrist (z) faces up
    np.testing.assert_allclose(s.acc[interior(s)].mean(0), [0, 0, G], atol=0.3)


def test_degenerate_geometry_is_unobserved_never_non_finite():
    # a forearm collapsed to a point for two frames (a detector glitch): unobserved, bridged
    m = still("elbow90", 3)
    m.joints[40:42, 13] = m.joints[40:42, 12]
    s = sim(m)
    assert s.valid.all() and finite_where_valid(s) and s.interpolated.any()
    np.testing.assert_allclose(s.acc, np.tile([0, -G, 0], (s.n, 1)), atol=1e-6)
    # both shoulders at one point (no shoulder line), arm hanging straight
    m = still("down", 3)
    m.joints[:, 14] = m.joints[:, 11]
    s = sim(m)
    assert s.valid.all() and finite_where_valid(s)
    np.testing.assert_allclose(s.acc, np.tile([-G, 0, 0], (s.n, 1)), atol=1e-6)
    # a skeleton with a single arm, hanging straight
    one = Motion(
        np.tile(standing_pose("down")[[11, 12, 13]], (60, 1, 1)),
        30.0,
        "onearm",
        joint_names=("l_shoulder", "l_elbow", "l_wrist"),
    )
    s = sim(one)
    assert s.valid.all() and finite_where_valid(s)
    np.testing.assert_allclose(s.acc, np.tile([-G, 0, 0], (s.n, 1)), atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_random_glitchy_motion_is_finite_wherever_valid(seed):
    rng = np.random.default_rng(seed)
    T = 150
    j = standing_pose(["down", "forward", "elbow90"][seed % 3])[None] + np.cumsum(rng.normal(0, 0.01, (T, 17, 3)), 0)
    for _ in range(6):  # holes of random length in random joints
        a = rng.integers(0, T - 1)
        j[a : a + rng.integers(1, 20), rng.integers(11, 17)] = np.nan
    a = rng.integers(0, T - 2)
    j[a : a + 2, 13] = j[a : a + 2, 12]  # collapsed forearm
    j[rng.integers(0, T), 14] = j[rng.integers(0, T), 11]
    m = Motion(j, 30.0, "h36m17")
    for wrist in SIDES:
        for rate in (20.0, 100.0):
            s = sim(m, wrist, rate_hz=rate)
            assert finite_where_valid(s)
            assert np.isnan(s.acc[~s.valid]).all()


@pytest.mark.parametrize("wrist,sign", [("left", -1.0), ("right", 1.0)])
def test_roll_across_the_arctan2_branch_cut_is_seamless(wrist, sign):
    # the hand held at 180 deg +/- 0.5 deg (palm up, thumb out): the measured roll jumps between
    # +pi and -pi every frame; frames without a hand carry it. Nothing may jump.
    T = 120
    phi = np.pi + np.deg2rad(0.5) * (-1.0) ** np.arange(T)
    m = rolling_hands(phi)
    m.joints[40:60, NTU25.hands[wrist][1]] = np.nan  # thumb lost: roll carried
    s = sim(m, wrist)
    assert s.provenance["roll_source_frames"]["carried"] == 20
    np.testing.assert_allclose(s.acc, np.tile([0, -sign * G, 0], (s.n, 1)), atol=0.02 * G)
    assert np.abs(s.gyro).max() < 0.5  # +/-0.5 deg at 15 Hz stays well below this


def test_up_vector_need_not_be_unit():
    m = still("down")
    m.up = np.array([0.0, 0.0, 2.0])
    np.testing.assert_allclose(sim(m).acc, np.tile([-G, 0, 0], (sim(m).n, 1)), atol=1e-9)


def test_segment_edges_are_not_noisier_than_the_interior():
    # 5 mm keypoint jitter on a still pose: the first and last samples (one-sided data) must not
    # amplify it beyond what the interior shows
    rng = np.random.default_rng(0)
    edge, inner = [], []
    for _ in range(30):
        m = still("elbow90", 2)
        m.joints = m.joints + rng.normal(0, 0.005, m.joints.shape)
        s = sim(m, rate_hz=30.0)
        a = s.acc - s.gravity
        edge.append(np.r_[a[:2], a[-2:]])
        inner.append(a[10:-10])
    assert np.sqrt(np.mean(np.square(edge))) < 1.4 * np.sqrt(np.mean(np.square(inner)))


def test_a_cut_clip_agrees_with_the_whole_at_its_edge():
    # a smooth multi-sine sway: the acceleration at the first/last sample of a cut clip, against the
    # same instant inside the whole clip, errs by well under the signal's own size
    fps, T = 30.0, 240
    t = np.arange(T) / fps
    off = np.stack(
        [
            0.08 * np.sin(2 * np.pi * 0.9 * t) + 0.03 * np.sin(2 * np.pi * 2.3 * t + 1),
            0.05 * np.sin(2 * np.pi * 1.3 * t + 2),
            0.04 * np.cos(2 * np.pi * 1.7 * t),
        ],
        1,
    )
    whole = sim(translated(off, fps, "elbow90"), rate_hz=fps)
    errs = []
    for cut in range(30, 200, 7):
        head = sim(translated(off[cut:], fps, "elbow90"), rate_hz=fps)
        tail = sim(translated(off[: cut + 1], fps, "elbow90"), rate_hz=fps)
        errs += [np.linalg.norm(head.acc[0] - whole.acc[cut]), np.linalg.norm(tail.acc[-1] - whole.acc[cut])]
    size = np.sqrt(np.mean(np.sum((whole.acc - whole.gravity) ** 2, axis=1)))
    assert np.sqrt(np.mean(np.square(errs))) < 0.7 * size


@pytest.mark.parametrize("wrist", SIDES)
@pytest.mark.parametrize("deg", [-45.0, 30.0, 90.0])
def test_assumed_pronation_and_observed_hand_roll_agree(wrist, deg):
    # the same posture told two ways: an h36m17 arm with --pronation, an ntu25 hand rolled as much
    a = sim(still("elbow90"), wrist, pronation_deg=deg)
    b = sim(rolling_hands(np.full(90, np.deg2rad(deg))), wrist)
    np.testing.assert_allclose(b.acc, a.acc, atol=1e-9)
    sign = 1.0 if wrist == "right" else -1.0
    phi = np.deg2rad(deg)
    np.testing.assert_allclose(a.acc[0], G * np.array([0, sign * np.cos(phi), np.sin(phi)]), atol=1e-9)
