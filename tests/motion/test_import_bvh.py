"""BVH importer: analytic forward kinematics, units, joint names, the CMU walk, bad input."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from skeleton_files import write_chain

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.import_bvh import arm_map, import_bvh, side_part
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.interchange import load_motion, save_motion
from imu2safety.core.sim.simulate import SimConfig, simulate

G = 9.80665


def _rx(d):
    c, s = np.cos(np.radians(d)), np.sin(np.radians(d))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(d):
    c, s = np.cos(np.radians(d)), np.sin(np.radians(d))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(d):
    c, s = np.cos(np.radians(d)), np.sin(np.radians(d))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_forward_kinematics_matches_hand_computed_positions(tmp_path):
    m = import_bvh(write_chain(tmp_path))
    names = list(m.joint_names)
    assert names == ["Hips", "l_shoulder", "l_elbow", "l_wrist"]
    assert m.meta["joint_map"] == {"l_shoulder": "LeftArm", "l_elbow": "LeftForeArm", "l_wrist": "LeftHand"}
    assert m.skeleton == "bvh" and m.meta["units"]["file"] == "cm"
    assert m.fps == pytest.approx(30.0)
    # frame 0, worked by hand: R_root = Rz(90) Rx(90) (intrinsic Z, X, Y), LeftArm Y = 90, LeftForeArm Z = 90
    want = np.array([[1.0, 0.5, 0.0], [1.0, 0.5, 1.0], [0.0, 0.5, 1.0], [0.5, 0.5, 1.0]])
    np.testing.assert_allclose(m.joints[0], want, atol=1e-9)
    # the same with explicit matrices
    r_root = _rz(90) @ _rx(90)
    p0 = np.array([1.0, 0.5, 0.0])
    p1 = p0 + r_root @ [0, 1, 0]
    r1 = r_root @ _ry(90)
    p2 = p1 + r1 @ [1, 0, 0]
    p3 = p2 + r1 @ _rz(90) @ [0, 0.5, 0]
    np.testing.assert_allclose(m.joints[0], [p0, p1, p2, p3], atol=1e-9)
    # an extrinsic reading (Rx(90) Rz(90)) would put the shoulder elsewhere: the test can tell them apart
    assert np.linalg.norm((p0 + _rx(90) @ _rz(90) @ [0, 1, 0]) - want[1]) > 1
    # rest frames: offsets add up
    np.testing.assert_allclose(m.joints[1], [[0, 0, 0], [0, 1, 0], [1, 1, 0], [1, 1.5, 0]], atol=1e-12)
    np.testing.assert_allclose(m.up, [0, 1, 0])


def test_channel_order_is_respected(tmp_path):
    p = write_chain(tmp_path)
    text = p.read_text().replace(
        "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation",
        "CHANNELS 6 Xposition Yposition Zposition Xrotation Zrotation Yrotation",
    )
    q = tmp_path / "xzy.bvh"
    q.write_text(text)
    m = import_bvh(q)
    # root values are now X = 90 then Z = 90 (columns swapped in meaning, same numbers): R = Rx(90) Rz(90)
    np.testing.assert_allclose(m.joints[0, 1], np.array([1, 0.5, 0]) + _rx(90) @ _rz(90) @ [0, 1, 0], atol=1e-9)


def test_units_heuristic_and_override(tmp_path):
    cm = import_bvh(write_chain(tmp_path, 100.0, "cm.bvh"))
    m = import_bvh(write_chain(tmp_path, 1.0, "m.bvh"))
    mm = import_bvh(write_chain(tmp_path, 1000.0, "mm.bvh"))
    assert (m.meta["units"]["file"], mm.meta["units"]["file"]) == ("m", "mm")
    np.testing.assert_allclose(m.joints, cm.joints, atol=1e-9)
    np.testing.assert_allclose(mm.joints, cm.joints, atol=1e-9)
    forced = import_bvh(write_chain(tmp_path, 100.0, "cm2.bvh"), units="mm")
    np.testing.assert_allclose(forced.joints, cm.joints / 10, atol=1e-9)
    assert forced.meta["units"] == {"file": "mm", "scale_to_m": 0.001, "how": "given by the user"}
    with pytest.raises(InputError, match=r"cannot tell the units.*--units"):
        import_bvh(write_chain(tmp_path, 10.0, "dm.bvh"))
    assert import_bvh(write_chain(tmp_path, 10.0, "dm2.bvh"), units="m").meta["units"]["scale_to_m"] == 1.0


def test_arm_names_of_common_rigs():
    assert side_part("lhumerus") == ("left", "humerus")
    assert side_part("rradius") == ("right", "radius")
    assert side_part("mixamorig:LeftForeArm") == ("left", "forearm")
    assert side_part("Bip01 R UpperArm") == ("right", "upperarm")
    assert side_part("Hand_L") == ("left", "hand")
    assert side_part("LeftHandThumb1") is None
    assert side_part("radius") is None
    assert side_part("Character1_LeftForeArm") == ("left", "forearm")
    assert side_part("WristRight") == ("right", "wrist")  # Kinect-style names
    assert side_part("LowerArm_L") == ("left", "lowerarm")

    class J:
        def __init__(self, name, parent):
            self.name, self.parent = name, parent

    mixamo = [
        J("Hips", -1),
        J("Spine", 0),
        J("mixamorig:LeftShoulder", 1),
        J("mixamorig:LeftArm", 2),
        J("mixamorig:LeftForeArm", 3),
        J("mixamorig:LeftHand", 4),
        J("RightShoulder", 1),
        J("RightArm", 6),
        J("RightForeArm", 7),
        J("RightHand", 8),
    ]
    assert arm_map(mixamo) == {"l_shoulder": 3, "l_elbow": 4, "l_wrist": 5, "r_shoulder": 7, "r_elbow": 8, "r_wrist": 9}
    cmu = [J("root", -1), J("lclavicle", 0), J("lhumerus", 1), J("lradius", 2), J("lwrist", 3), J("lhand", 4)]
    assert arm_map(cmu) == {"l_shoulder": 2, "l_elbow": 3, "l_wrist": 4}
    # a wrist that is not below the elbow is no arm
    broken = [J("root", -1), J("lhumerus", 0), J("lradius", 1), J("lwrist", 0)]
    assert arm_map(broken) == {}


def cmu_path() -> Path:
    shared = Path("/work/shared/data/cmu_16_15_walk.bvh")
    if shared.exists():
        return shared
    return Path(str(resources.files("imu2safety.resources") / "demo" / "cmu_16_15_walk.bvh"))


def test_demo_copy_ships_with_credit():
    demo = resources.files("imu2safety.resources") / "demo"
    credits = (demo / "CREDITS.md").read_text()
    assert "mocap.cs.cmu.edu" in credits and "cmu_16_15_walk.bvh" in credits
    shipped = (demo / "cmu_16_15_walk.bvh").read_bytes()
    shared = Path("/work/shared/data/cmu_16_15_walk.bvh")
    if shared.exists():
        assert shipped == shared.read_bytes()
    assert shipped.startswith(b"HIERARCHY")


@pytest.fixture(scope="module")
def cmu():
    return import_motion(cmu_path())


def test_cmu_walk_facts(cmu):
    m = cmu
    names = list(m.joint_names)
    assert m.joints.shape == (471, 29, 3)
    assert m.fps == 120.0
    assert m.meta["units"]["file"] == "cm" and m.meta["sha256"] and m.meta["importer"] == "bvh"
    assert m.meta["joint_map"]["l_elbow"] == "lradius" and m.meta["joint_map"]["r_wrist"] == "rwrist"
    root = m.joints[:, 0]
    travel = np.linalg.norm((root[-1] - root[0])[[0, 2]])  # horizontal (y is up)
    assert 4.1 < travel < 4.5
    for side in "lr":
        s, e, w = (m.joints[:, names.index(f"{side}_{j}")] for j in ("shoulder", "elbow", "wrist"))
        upper, fore = np.linalg.norm(e - s, axis=1), np.linalg.norm(w - e, axis=1)
        # rigid segments of human size: FK keeps bone lengths exactly
        assert np.ptp(upper) < 1e-9 and np.ptp(fore) < 1e-9
        assert 0.25 < upper[0] < 0.35 and 0.18 < fore[0] < 0.28
        speed = np.linalg.norm(np.diff(w, axis=0), axis=1) * m.fps
        assert 0.7 < np.median(speed) < 1.4
        # walking: arms hang, wrist below elbow below shoulder most of the time
        assert np.median(s[:, 1] - e[:, 1]) > 0.2 and np.median(e[:, 1] - w[:, 1]) > 0.1
        hand = m.joints[:, names.index(f"{side}hand")]
        assert 0.05 < np.linalg.norm(hand - w, axis=1).mean() < 0.15  # hand lies beyond the wrist
    feet = m.joints[:, [names.index(n) for n in ("ltoes", "rtoes", "lfoot", "rfoot")], 1]
    assert -0.05 < feet.min() < 0.08  # on the floor, y up
    assert 1.4 < m.joints[:, names.index("head"), 1].max() < 1.9


def test_cmu_walk_simulates_plausibly(cmu):
    # frames 0-9 of the left arm hold a capture glitch (the humerus swings ~28 deg per frame), so skip them
    m = cmu.slice(10, cmu.n_frames)
    for wrist in ("left", "right"):
        sig = simulate(m, "ideal", SimConfig(wrist=wrist))
        assert sig.valid.mean() > 0.95
        acc = np.linalg.norm(sig.acc_clean[sig.valid], axis=1)
        gyro = np.linalg.norm(sig.gyro_clean[sig.valid], axis=1)
        assert abs(acc.mean() - G) < 0.5
        assert acc.max() < 3 * G
        assert gyro.max() < 10.0 and 0.3 < np.median(gyro) < 5.0


def test_round_trip_through_npz(cmu, tmp_path):
    out = save_motion(cmu, tmp_path / "walk.npz")
    back = load_motion(out)
    np.testing.assert_array_equal(back.joints, cmu.joints)
    assert back.joint_names == cmu.joint_names and back.skel.arms == cmu.skel.arms


def _lines(p: Path):
    return p.read_text().splitlines()


def test_truncated_file_names_file_and_line(tmp_path):
    p = write_chain(tmp_path)
    lines = _lines(p)
    p.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(InputError) as e:
        import_bvh(p)
    assert str(p) in str(e.value) and "2 of the 3 frames" in str(e.value) and "truncated" in str(e.value)
    # cut inside the second frame line
    p.write_text("\n".join(lines[:-2]) + "\n" + lines[-2][:9])
    with pytest.raises(
        InputError,
        match=rf"{p}: line {len(lines) - 1} \(frame 1\): 5 values.*1 frame short "
        r"\(truncated\?\)",
    ):
        import_bvh(p)


def test_wrong_value_count_and_bad_numbers(tmp_path):
    p = write_chain(tmp_path)
    lines = _lines(p)
    k = len(lines) - 2  # second frame line, 1-based number k + 1
    bad = lines.copy()
    bad[k] = bad[k] + " 7"
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=rf"line {k + 1} \(frame 1\): 16 values, the hierarchy has 15"):
        import_bvh(p)
    bad = lines.copy()
    bad[k] = bad[k].replace("0 0 0", "0 x 0", 1)
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=rf"line {k + 1} \(frame 1\): a value is not a number"):
        import_bvh(p)
    bad = [ln.replace("OFFSET 0 100 0", "OFFSET 0 1OO 0") for ln in lines]
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 8: OFFSET holds a value that is not a number"):
        import_bvh(p)
    p.write_text("not a bvh\n")
    with pytest.raises(InputError, match=r"not a BVH file"):
        import_bvh(p)


def test_no_arm_is_an_error(tmp_path):
    p = write_chain(tmp_path)
    p.write_text(p.read_text().replace("LeftForeArm", "Knee"))
    with pytest.raises(InputError, match="found no arm"):
        import_bvh(p)
