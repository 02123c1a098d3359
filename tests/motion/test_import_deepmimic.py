"""DeepMimic clips: forward kinematics against hand-computed poses, seam-free loops, glitch repair, import CLI."""

import json

import numpy as np
import pytest

from imu2safety.app.cli.main import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.motion import import_deepmimic as dm
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.interchange import load_motion
from imu2safety.core.sim.simulate import SimConfig, simulate

CLIPS = dm.JOINTS


def identity_frames(n=3, dt=1 / 30, elbow=0.0):
    f = np.zeros((n, dm.N_VALUES))
    f[:, 0] = dt
    f[-1, 0] = 0.0
    f[:, 1:4] = [0.0, 0.85, 0.0]
    for s in list(dm.SPHERICAL.values()) + [4]:
        f[:, s] = 1.0  # w of every quaternion
    f[:, dm.REVOLUTE["l_elbow"]] = elbow
    return f


def write(path, frames, loop="none"):
    path.write_text(json.dumps({"Loop": loop, "Frames": np.asarray(frames).tolist()}))
    return path


def test_rest_pose_is_the_urdf_offsets_at_quarter_scale(tmp_path):
    m = import_motion(write(tmp_path / "rest.txt", identity_frames()))
    j = {n: m.joints[0, i] for i, n in enumerate(CLIPS)}
    assert m.skeleton == "deepmimic15" and np.allclose(m.up, [0, 1, 0]) and m.fps == 30
    assert np.allclose(j["chest"], [0, 0.85 + 0.25 * 0.944604, 0])
    sh = j["chest"] + 0.25 * np.array([-0.0962, 0.974, -0.73244])
    assert np.allclose(j["l_shoulder"], sh)
    assert np.allclose(j["l_wrist"], sh + 0.25 * np.array([0, -1.099152 - 1.035788, 0]))  # arm hangs down
    assert j["r_hip"][2] > 0 > j["l_hip"][2]  # z points to the right


def test_elbow_flexion_brings_the_forearm_forward(tmp_path):
    m = import_motion(write(tmp_path / "flex.txt", identity_frames(elbow=np.pi / 2)))
    el, wr = m.joints[0, CLIPS.index("l_elbow")], m.joints[0, CLIPS.index("l_wrist")]
    assert np.allclose(wr - el, [0.25 * 1.035788, 0, 0], atol=1e-9)  # +x is forward


def test_cyclic_clip_loops_without_seams_and_travels():
    from imu2safety.core.learn.sources import deepmimic_dir

    walk = deepmimic_dir() / "humanoid3d_walk.txt"
    m = dm.import_deepmimic(walk, loop_s=8.0)
    assert m.meta["cyclic"] and abs(m.duration_s - 8.0) < 0.1
    _, F = dm.read_frames(walk)
    cycle_frames = len(F) - 1
    root = m.joints[:, 0]
    assert root[-1, 0] - root[0, 0] > 5.0  # ~1 m/s forward for 8 s
    wr = m.joints[:, CLIPS.index("l_wrist")]
    acc = np.linalg.norm(np.diff(wr, 2, axis=0), axis=1) * m.fps**2
    seams = [k * cycle_frames - 1 for k in range(1, 5)]
    assert acc[seams].max() < 3 * np.median(acc) + 5.0  # the loop closes: no jump at the seams
    assert acc.max() < 40.0  # and the shoulder glitch is spread out
    assert {g["joint"] for g in m.meta["glitches_repaired"]} == {"root", "chest", "l_shoulder"}


def test_every_vendored_clip_imports_and_simulates():
    from imu2safety.core.learn.sources import deepmimic_dir, deepmimic_labels

    for name, info in deepmimic_labels().items():
        m = dm.import_deepmimic(deepmimic_dir() / info["file"], loop_s=4.0 if info["cyclic"] else None)
        sig = simulate(m, "watch-bmi270", SimConfig(wrist="left", rate_hz=50))
        assert sig.valid.mean() > 0.9, name


def test_bad_files(tmp_path):
    (tmp_path / "a.txt").write_text("not json")
    with pytest.raises(InputError, match="not a DeepMimic motion"):
        dm.import_deepmimic(tmp_path / "a.txt")
    write(tmp_path / "b.txt", np.zeros((3, 10)))
    with pytest.raises(InputError, match="44 numbers"):
        dm.import_deepmimic(tmp_path / "b.txt")


def test_import_cli_loops(tmp_path, capsys):
    from imu2safety.core.learn.sources import deepmimic_dir

    out = tmp_path / "run.npz"
    assert main(["import", str(deepmimic_dir() / "humanoid3d_run.txt"), "--out", str(out), "--loop", "5"]) == 0
    m = load_motion(out)
    assert m.skeleton == "deepmimic15" and abs(m.duration_s - 5.0) < 0.1
    assert "from deepmimic" in capsys.readouterr().out
