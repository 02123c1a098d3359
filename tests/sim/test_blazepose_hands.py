"""The forearm roll from BlazePose hands (pinky and index knuckles), through the NTU hand-plane path."""

import numpy as np
import pytest
from motion_factory import mirrored, rolling_hands, rolling_hands_blazepose

from imu2safety.core.motion.skeletons import BLAZEPOSE33
from imu2safety.core.reconstruct.blazepose import MIRROR
from imu2safety.core.sim.sensor_frame import roll_angle
from imu2safety.core.sim.simulate import SimConfig, simulate

SIDES = ("left", "right")


def sim(m, wrist):
    return simulate(m, "ideal", SimConfig(wrist=wrist, rate_hz=100.0))


@pytest.mark.parametrize("wrist", SIDES)
@pytest.mark.parametrize("deg", [-45.0, 30.0, 90.0, 170.0])
def test_blazepose_hand_gives_the_same_roll_as_the_ntu_hand(wrist, deg):
    phi = np.full(60, np.deg2rad(deg))
    a, b = sim(rolling_hands(phi), wrist), sim(rolling_hands_blazepose(phi), wrist)
    assert b.provenance["roll_source_frames"] == {"hand": 60, "arm-plane": 0, "carried": 0, "lateral": 0}
    np.testing.assert_allclose(b.acc, a.acc, atol=1e-9)
    np.testing.assert_allclose(b.gyro, a.gyro, atol=1e-9)


@pytest.mark.parametrize("wrist", SIDES)
def test_mirroring_turns_the_roll_the_other_way(wrist):
    # the hand pronates at 1.5 rad/s; in a mirror the other wrist does the same motion reflected
    fps, T, omega = 30.0, 90, 1.5
    phi = np.deg2rad(-30.0) + omega * np.arange(T) / fps
    m = rolling_hands_blazepose(phi, fps=fps)
    mm = mirrored(m, MIRROR)
    other = "left" if wrist == "right" else "right"
    psi, counts = roll_angle(m.joints, BLAZEPOSE33, wrist, m.up)
    psi_m, counts_m = roll_angle(mm.joints, BLAZEPOSE33, other, mm.up)
    assert counts["hand"] == counts_m["hand"] == T
    assert np.ptp(psi) > 2.0  # the roll really sweeps
    np.testing.assert_allclose(psi_m, -psi, atol=1e-9)
    a, b = sim(m, wrist), sim(mm, other)
    # a reflection keeps sensor x and z (distal, dorsal) and flips y; the body rate is a pseudovector
    np.testing.assert_allclose(b.acc, a.acc * [1, -1, 1], atol=1e-9)
    np.testing.assert_allclose(b.gyro, a.gyro * [-1, 1, -1], atol=1e-9)
    k = a.valid & ~a.interpolated
    assert np.abs(a.gyro[k, 0]).min() > 1.0  # the roll rate is there to flip


def test_unsure_or_lost_knuckles_carry_the_hand_roll():
    T = 80
    m = rolling_hands_blazepose(np.full(T, np.pi / 2))  # palm down
    m.confidence = np.ones((T, 33))
    pinky, index = BLAZEPOSE33.hands["left"]
    m.joints[20:30, index] = np.nan  # index knuckle lost
    m.confidence[50:60, pinky] = 0.1  # pinky there but unsure
    s = sim(m, "left")
    assert s.provenance["roll_source_frames"] == {"hand": 60, "arm-plane": 0, "carried": 20, "lateral": 0}
    ref = sim(rolling_hands_blazepose(np.full(T, np.pi / 2)), "left")
    np.testing.assert_allclose(s.acc, ref.acc, atol=1e-9)  # the carried roll is the hand's, not the arm plane's
