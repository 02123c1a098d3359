"""The generated demo: plausible walk-and-fall physics, a frame-exact video, labels, reuse."""

import json

import cv2
import numpy as np
import pytest

from imu2safety.core.motion.interchange import validate_motion
from imu2safety.core.project import demo
from imu2safety.core.sim.devices import G
from imu2safety.core.sim.simulate import SimConfig, simulate


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return demo.ensure_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def motion():
    return demo.demo_motion()


def test_motion_is_valid_walk_then_fall(motion):
    validate_motion(motion)
    assert motion.n_frames == demo.FPS * demo.DURATION_S
    t = motion.times()
    pelvis = motion.joints[:, 0]
    walk = (t > 0.5) & (t < demo.WALK_END_S - 0.5)
    speed = np.diff(pelvis[walk, 0]) * motion.fps
    assert abs(np.median(speed) - demo.WALK_SPEED) < 0.05
    assert pelvis[walk, 2].min() > 0.85  # upright while walking
    lying = t > demo.LYING_S + 0.3
    assert pelvis[lying, 2].max() < 0.25  # on the ground afterwards
    head = motion.joints[:, 10]
    assert head[lying, 2].max() < 0.35
    assert motion.joints[:, :, 2].min() >= 0.029  # nothing goes below the floor


def test_impact_happens_inside_the_labelled_impact_phase(motion):
    t = motion.times()
    z = motion.joints[:, 10, 2]  # the head's height
    vz = np.gradient(z, 1 / motion.fps)
    k = int(np.argmin(vz))  # fastest downward: just before the body stops
    assert demo.WALK_END_S < t[k] <= demo.LYING_S
    # the body is still 0.1 s into the lying phase
    after = t > demo.LYING_S + 0.1
    assert np.abs(vz[after]).max() < 0.2


def test_simulated_imu_shows_gravity_at_rest_and_a_fall_peak(motion):
    sig = simulate(motion, "ideal", SimConfig(wrist="left"))
    mag = np.linalg.norm(sig.acc, axis=1)
    rest = sig.time > demo.LYING_S + 1.0
    assert np.allclose(np.median(mag[rest]), G, atol=0.3)  # lying still: the accelerometer reads 1 g
    walking = (sig.time > 0.5) & (sig.time < 3.5)
    fall = (sig.time > demo.WALK_END_S) & (sig.time < demo.LYING_S + 0.3)
    assert mag[fall].max() > 2 * mag[walking].max()


def test_video_is_frame_exact(files, motion):
    cap = cv2.VideoCapture(str(files.video))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == motion.n_frames
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(demo.FPS)
    cam = demo.Camera()
    for k in (0, 77, 150, motion.n_frames - 1):
        cap.set(cv2.CAP_PROP_POS_FRAMES, k)
        ok, img = cap.read()
        assert ok and img.shape == (cam.height, cam.width, 3)
        same = demo.render_frame(motion.joints, k, motion.fps, cam, demo.label_at(k / motion.fps))
        other = demo.render_frame(
            motion.joints, max(k - 1, 0) if k else 1, motion.fps, cam, demo.label_at(k / motion.fps)
        )
        d_same = np.abs(img.astype(float) - same).mean()
        d_other = np.abs(img.astype(float) - other).mean()
        assert d_same < 3.0 and d_same < d_other
    cap.release()


def test_labels_file_has_phases_in_seconds_and_frames(files):
    data = json.loads(files.labels.read_text())
    segs = data["segments"]
    assert [(s["behaviour"], s["phase"]) for s in segs] == [
        ("walking", None),
        ("falling", "onset"),
        ("falling", "impact"),
        ("falling", "lying_after"),
    ]
    assert [s["safety"] for s in segs] == ["safe", "unsafe", "unsafe", "unsafe"]
    from imu2safety.core.project.taxonomy import load_taxonomy

    tax = load_taxonomy()
    for s in segs:
        tax.check_segment(s["behaviour"], s["safety"], s["phase"])
        assert s["start_frame"] == round(s["start_s"] * demo.FPS)
        assert s["end_frame"] == round(s["end_s"] * demo.FPS)
    for a, b in zip(segs, segs[1:]):  # contiguous, no gaps
        assert a["end_frame"] == b["start_frame"]


def test_demo_is_generated_once_and_reused(files):
    before = {p: p.stat().st_mtime_ns for p in (files.motion, files.video, files.labels)}
    again = demo.ensure_demo(files.folder)
    assert {p: p.stat().st_mtime_ns for p in (again.motion, again.video, again.labels)} == before
    files.labels.unlink()  # a missing file regenerates the demo
    assert not demo.demo_is_current(files)
    demo.ensure_demo(files.folder)
    assert files.labels.is_file()


def test_user_data_dir_respects_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("IMU2SAFETY_DATA", str(tmp_path / "x"))
    assert demo.user_data_dir() == tmp_path / "x"
    monkeypatch.delenv("IMU2SAFETY_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert demo.user_data_dir() == tmp_path / "imu2safety"


def test_demo_project_has_the_fall_clip_with_video_and_the_mocap_walk(tmp_path):
    from imu2safety.core.sim.devices import G

    p = demo.open_demo_project(tmp_path / "demo")
    try:
        ids = [c.id for c in p.clips()]
        assert ids == sorted([demo.MAIN_CLIP, demo.MOCAP_CLIP])
        main = p.clip(demo.MAIN_CLIP)
        assert main.video_path and (p.folder / main.video_path).is_file()
        assert len(p.segments(main.id)) == 4
        walk = p.clip(demo.MOCAP_CLIP)
        assert walk.subject != main.subject  # two subjects: the export can split them
        assert walk.trim_in == demo.MOCAP_TRIM_IN and [s.behaviour for s in p.segments(walk.id)] == ["walking"]
        # the trimmed mocap walk simulates without the T-pose blend's spikes: a walk stays under 3 g
        sig = simulate(p.load_motion(walk.id, trimmed=True), "ideal")
        assert np.nanmax(np.linalg.norm(sig.acc, axis=1)) < 3 * G
    finally:
        p.close()
    # reopened, not rebuilt: an edit survives
    p = demo.open_demo_project(tmp_path / "demo")
    try:
        from imu2safety.core.project import commands as C

        p.execute(C.UpdateClip(demo.MAIN_CLIP, notes="edited"))
    finally:
        p.close()
    p = demo.open_demo_project(tmp_path / "demo")
    try:
        assert p.clip(demo.MAIN_CLIP).notes == "edited"
    finally:
        p.close()
    p = demo.open_demo_project(tmp_path / "demo", reset=True)
    try:
        assert p.clip(demo.MAIN_CLIP).notes != "edited"
    finally:
        p.close()
