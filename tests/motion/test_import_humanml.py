"""HumanML3D / T2M-GPT joint arrays importer."""

from __future__ import annotations

import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.import_humanml import import_humanml
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.skeletons import SMPL22
from imu2safety.core.sim.simulate import SimConfig, simulate


def walking_smpl(T=60) -> np.ndarray:
    """A standing SMPL-22 body, y up, metres, whose left forearm swings about the elbow."""
    rest = {
        "pelvis": (0, 0.95, 0),
        "l_hip": (0.08, 0.88, 0),
        "r_hip": (-0.08, 0.88, 0),
        "spine1": (0, 1.05, 0),
        "l_knee": (0.09, 0.5, 0),
        "r_knee": (-0.09, 0.5, 0),
        "spine2": (0, 1.18, 0),
        "l_ankle": (0.09, 0.08, 0),
        "r_ankle": (-0.09, 0.08, 0),
        "spine3": (0, 1.3, 0),
        "l_foot": (0.09, 0.02, 0.1),
        "r_foot": (-0.09, 0.02, 0.1),
        "neck": (0, 1.5, 0),
        "l_collar": (0.08, 1.42, 0),
        "r_collar": (-0.08, 1.42, 0),
        "head": (0, 1.62, 0),
        "l_shoulder": (0.18, 1.4, 0),
        "r_shoulder": (-0.18, 1.4, 0),
        "l_elbow": (0.2, 1.12, 0),
        "r_elbow": (-0.2, 1.12, 0),
        "l_wrist": (0.2, 0.88, 0),
        "r_wrist": (-0.2, 0.88, 0),
    }
    base = np.array([rest[n] for n in SMPL22.joints], float)
    out = np.repeat(base[None], T, axis=0)
    t = np.arange(T) / 20.0
    ang = 0.4 * np.sin(2 * np.pi * 0.8 * t)
    li = SMPL22.index("l_wrist")
    out[:, li, 1] = 1.12 - 0.24 * np.cos(ang)
    out[:, li, 2] = 0.24 * np.sin(ang)
    return out


def test_joints_npy_is_detected_and_read(tmp_path):
    arr = walking_smpl()
    p = tmp_path / "000021.npy"
    np.save(p, arr.astype(np.float32))
    m = import_motion(p)
    assert m.meta["importer"] == "humanml" and m.skeleton == "smpl22"
    assert m.fps == 20.0 and m.meta["units"]["scale_to_m"] == 1.0
    np.testing.assert_allclose(m.up, [0, 1, 0])
    np.testing.assert_allclose(m.joints, arr.astype(np.float32), atol=1e-7)
    # batch of one (T2M-GPT) reads the same
    q = tmp_path / "batch.npy"
    np.save(q, arr[None])
    np.testing.assert_allclose(import_motion(q).joints, arr)
    # the arm swings in the y-z plane with the body at rest: simulator sees gravity on the y-up axis
    sig = simulate(m, "ideal", SimConfig(wrist="left"))
    acc = np.linalg.norm(sig.acc_clean[sig.valid], axis=1)
    assert abs(np.median(acc) - 9.80665) < 1.0


def test_options_and_explicit_format(tmp_path):
    p = tmp_path / "x.npy"
    np.save(p, walking_smpl() * 100)
    m = import_motion(p, format="humanml", fps=30, units="cm", up="0,0,1")
    assert m.fps == 30 and m.meta["fps"]["how"] == "given by the user"
    np.testing.assert_allclose(m.joints, walking_smpl(), atol=1e-12)
    np.testing.assert_allclose(m.up, [0, 0, 1])


def features(T=6, turn=0.0):
    """HumanML3D 263-value features: root walks forward (+z in its heading frame) 0.05 m per frame."""
    data = np.zeros((T, 263))
    data[:, 0] = turn  # heading half-angle per frame
    data[:, 2] = 0.05
    data[:, 3] = 0.9
    rest = walking_smpl(1)[0]
    data[:, 4:67] = rest[1:].reshape(-1)  # ric: x/z relative to the root (at x = z = 0)
    data[:, 67:] = np.random.default_rng(1).normal(size=(T, 263 - 67))  # rotations etc.: not used
    return data, rest


def test_feature_vectors_straight_walk(tmp_path):
    data, rest = features()
    p = tmp_path / "vec.npy"
    np.save(p, data)
    m = import_motion(p)
    assert m.meta["content"].startswith("features")
    # root: height from feature 3, z advances 0.05 m per frame starting at 0
    np.testing.assert_allclose(
        m.joints[:, 0], np.stack([np.zeros(6), np.full(6, 0.9), 0.05 * np.arange(6)], 1), atol=1e-12
    )
    np.testing.assert_allclose(m.joints[4, 1:], rest[1:] + [0, 0, 0.2], atol=1e-12)


def test_feature_vectors_turning(tmp_path):
    # half-angle pi/4 per frame: from frame 1 on the body is turned by -90 deg about y: (x, y, z) -> (-z, y, x)
    data, rest = features(T=2, turn=np.pi / 4)
    data[0, 4:7] = data[1, 4:7] = [1.0, 1.0, 0.0]  # joint 1 one metre to the side
    p = tmp_path / "turn.npy"
    np.save(p, data)
    m = import_humanml(p)
    np.testing.assert_allclose(m.joints[0, 1], [1.0, 1.0, 0.0], atol=1e-12)  # frame 0: no turn yet
    np.testing.assert_allclose(m.joints[1, 0], [-0.05, 0.9, 0.0], atol=1e-12)  # forward step turned to -x
    np.testing.assert_allclose(m.joints[1, 1], [-0.05, 1.0, 1.0], atol=1e-12)


def test_feature_vectors_and_wrong_shapes(tmp_path):
    p = tmp_path / "vec.npy"
    data, _ = features(T=40)
    data[:, 4:67] = np.random.default_rng(0).normal(size=(40, 63))  # normalised-looking values
    np.save(p, data)
    with pytest.raises(InputError, match=r"look normalised"):
        import_motion(p)
    q = tmp_path / "bad.npy"
    np.save(q, np.zeros((40, 21, 3)))
    with pytest.raises(InputError, match=rf"{q}: shape \(40, 21, 3\)"):
        import_humanml(q)
    arr = walking_smpl()
    arr[7, 3, 1] = np.inf
    np.save(q, arr)
    with pytest.raises(InputError, match="frame 7: infinite"):
        import_humanml(q)


def test_truncated_npy(tmp_path):
    p = tmp_path / "t.npy"
    np.save(p, walking_smpl())
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=rf"{p}: not a readable .npy array"):
        import_humanml(p)
