"""`imu2safety reconstruct` with the default BlazePose engine: real footage, bad input, the lifter route."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from recon_helpers import save_official_checkpoint, tiny_lifter

from imu2safety.app.cli import main
from imu2safety.core.motion.interchange import load_motion
from imu2safety.core.reconstruct import model_files

DATA = Path(__file__).resolve().parents[1] / "data" / "opencv_samples"
CLIP = DATA / "vtest_walk_664-695.mp4"


def write_video(path, frames, fps=10):
    h, w = frames[0].shape[:2]
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    for f in frames:
        vw.write(f)
    vw.release()
    return path


def run(argv, capsys):
    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err.strip()


def test_reconstruct_then_simulate_a_real_pedestrian(tmp_path, capsys):
    out = tmp_path / "walk.npz"
    rc, o, err = run(["reconstruct", str(CLIP), "--out", str(out), "--cache", str(tmp_path / "c"), "--quiet"], capsys)
    assert rc == 0, err
    assert "skeleton blazepose33" in o and "32 frames at 10 fps" in o
    m = load_motion(out)
    assert m.skeleton == "blazepose33" and m.meta["pose_model"].startswith("blazepose-full:")
    imu = tmp_path / "walk_imu.h5"
    rc, o, err = run(["simulate", str(out), "--out", str(imu), "--wrist", "left", "--quiet"], capsys)
    assert rc == 0, err
    import h5py

    with h5py.File(imu, "r") as f:
        import json

        prov = json.loads(f.attrs["provenance"])
        acc = f["acc"][()]
    counts = prov["roll_source_frames"]
    # a far pedestrian (torso ~25 px): hands too small to see, the roll comes from the arm plane
    assert m.meta["world"]["hands_too_small_frames"] == 32 and counts["hand"] == 0 and counts["arm-plane"] > 0
    ok = np.isfinite(acc).all(axis=1)
    assert ok.mean() > 0.5
    # a person walking, not a glitch: gravity dominates the mean, nothing absurd
    assert 7.0 < np.linalg.norm(np.nanmean(acc[ok], axis=0)) < 12.0 and np.abs(acc[ok]).max() < 160


def test_video_without_a_person_is_one_line_and_writes_nothing(tmp_path, capsys):
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), (0, 0), 6)
    video = write_video(tmp_path / "empty.avi", [np.roll(base, 2 * i, axis=1) for i in range(12)])
    out = tmp_path / "m.npz"
    rc, _, err = run(["reconstruct", str(video), "--out", str(out), "--no-cache", "--quiet"], capsys)
    assert rc == 2 and len(err.splitlines()) == 1 and "no person was found" in err and "empty.avi" in err
    assert not out.exists()


def test_corrupt_video_is_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(CLIP.read_bytes()[:1500])
    out = tmp_path / "m.npz"
    rc, _, err = run(["reconstruct", str(bad), "--out", str(out), "--no-cache", "--quiet"], capsys)
    assert rc == 2 and len(err.splitlines()) == 1 and "broken.mp4" in err
    assert "Traceback" not in err and not out.exists()


def test_person_lost_for_most_of_the_clip_is_refused(tmp_path, capsys):
    # a still picture of a person, then 10 black frames (a camera drop-out), then the person again
    img = cv2.imread(str(DATA / "messi5.jpg"))
    black = np.zeros_like(img)
    video = write_video(tmp_path / "dropout.avi", [img] * 2 + [black] * 10 + [img] * 2)
    out = tmp_path / "m.npz"
    rc, _, err = run(["reconstruct", str(video), "--out", str(out), "--no-cache", "--quiet"], capsys)
    assert rc == 2 and len(err.splitlines()) == 1, err
    assert "observed on only 4 of the 14 frames" in err and "lost for most of the clip" in err
    assert not out.exists()
    # the same person seen throughout is fine
    video = write_video(tmp_path / "steady.avi", [img] * 6)
    rc, o, err = run(["reconstruct", str(video), "--out", str(out), "--no-cache", "--quiet"], capsys)
    assert rc == 0 and "6 observed / 0 missing" in o, err


def test_model_failing_its_checksum_is_one_line_and_writes_nothing(tmp_path, capsys):
    folder = tmp_path / "models"
    folder.mkdir()
    data = bytearray((model_files.shipped_dir() / "pose_landmark_full.tflite").read_bytes())
    data[1000] ^= 0x01
    (folder / "pose_landmark_full.tflite").write_bytes(bytes(data))
    out = tmp_path / "m.npz"
    argv = ["reconstruct", str(CLIP), "--out", str(out), "--pose-model", str(folder), "--no-cache", "--quiet"]
    rc, _, err = run(argv, capsys)
    assert rc == 2 and len(err.splitlines()) == 1
    assert "fails its SHA-256 check" in err and "imu2safety models fetch full" in err
    assert not out.exists()


def test_lifter_route_lifts_blazepose_2d_as_coco17(tmp_path, capsys):
    lifter = save_official_checkpoint(tiny_lifter(), tmp_path / "lifter.bin")
    out = tmp_path / "lifted.npz"
    argv = ["reconstruct", str(CLIP), "--out", str(out), "--lifter", str(lifter), "--cache", str(tmp_path / "c")]
    rc, o, err = run(argv + ["--quiet"], capsys)
    assert rc == 0, err
    m = load_motion(out)
    assert m.skeleton == "h36m17" and m.meta["pose_layout"] == "blazepose33" and m.meta["lifter"]
    assert m.meta["observed_frames"] >= 30


@pytest.mark.parametrize(
    "args,msg",
    [
        (["--threads", "0"], "--threads must be at least 1"),
        (["--min-visibility", "1.5"], "--min-visibility must be between 0 and 1"),
        (["--detector", "blazepose", "--pose-model", "usyd-community/vitpose-base-simple"], "model files"),
        # BlazePose needs no torch device, but a misspelt one is still refused (fuzz: 'tpu:7' exited 0)
        (["--compute", "tpu:7"], "unknown compute device 'tpu:7'"),
    ],
)
def test_bad_options_are_one_line(tmp_path, capsys, args, msg, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    rc, _, err = run(["reconstruct", str(CLIP), "--out", str(tmp_path / "m.npz"), "--quiet", *args], capsys)
    assert rc == 2 and len(err.splitlines()) == 1 and msg in err, err


def test_a_user_box_is_searched_by_blazepose(tmp_path, capsys):
    # BlazePose's detector runs on a crop around the box; the landmarks land on the person
    img = cv2.imread(str(DATA / "messi5.jpg"))
    video = write_video(tmp_path / "still.avi", [img] * 4)
    out = tmp_path / "m.npz"
    argv = ["reconstruct", str(video), "--out", str(out), "--detector", "box:90,30,430,341", "--no-cache", "--quiet"]
    rc, o, err = run(argv, capsys)
    assert rc == 0, err
    m = load_motion(out)
    assert m.meta["detector"].startswith("box:") and m.meta["observed_frames"] == 4
    from imu2safety.core.reconstruct.pipeline import track_people

    tr = track_people(video, detector="box:90,30,430,341", use_cache=False)
    k = tr.keypoints[tr.choose(None)][0]
    assert np.hypot(*(k[15] - (343, 166))) < 12 and np.hypot(*(k[16] - (101, 102))) < 12  # hand annotations


def test_hog_boxes_of_far_pedestrians_are_searched_by_blazepose(tmp_path, capsys):
    cap = cv2.VideoCapture(str(CLIP))
    frames = [cap.read()[1] for _ in range(6)]
    video = write_video(tmp_path / "six.avi", frames)
    out = tmp_path / "m.npz"
    rc, o, err = run(
        ["reconstruct", str(video), "--out", str(out), "--detector", "hog", "--no-cache", "--quiet"], capsys
    )
    assert rc == 0, err
    m = load_motion(out)
    assert m.meta["detector"] == "hog" and m.meta["observed_frames"] == 6
    hips = m.joints[:, [23, 24]].mean(axis=1)
    assert np.isfinite(hips).all() and hips[-1, 0] < hips[0, 0]  # the walker, walking to the left
