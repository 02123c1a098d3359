"""Video -> motion end to end with random-weight models saved like real checkpoints (no downloads)."""

import json

import numpy as np
import pytest
from recon_helpers import person_video, save_official_checkpoint, save_tiny_vitpose, tiny_lifter

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.base.progress import Cancelled, CancelToken
from imu2safety.core.motion.interchange import load_motion
from imu2safety.core.reconstruct.detect import Detector
from imu2safety.core.reconstruct.pipeline import list_people, reconstruct_video, resample_uniform, track_people
from imu2safety.core.reconstruct.pose2d import PoseEstimator

N = 30
MISSING = range(10, 14)
BOX = [30.0, 5.0, 90.0, 115.0]


class ScriptedDetector(Detector):
    """One person (a fixed box) except on MISSING frames; optionally a second person."""

    propagate = False

    def __init__(self, two=False):
        self.i = -1
        self.two = two
        self.name = "scripted" + ("2" if two else "")

    def detect(self, frame):
        self.i += 1
        if self.i in MISSING:
            return np.zeros((0, 5))
        boxes = [BOX + [0.9]]
        if self.two and self.i >= 5:
            boxes.append([100.0, 20.0, 150.0, 110.0, 0.8])
        return np.array(boxes)


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    d = tmp_path_factory.mktemp("recon")
    return {
        "video": person_video(d / "walk.avi", n=N),
        "pose": save_tiny_vitpose(d / "vitpose-tiny"),
        "lifter": save_official_checkpoint(tiny_lifter(), d / "pretrained_h36m_detectron_coco.bin"),
        "dir": d,
    }


def test_reconstruct_motion_nan_confidence_and_cache(assets, tmp_path):
    pose = PoseEstimator(assets["pose"])
    cache = tmp_path / "cache"
    out = tmp_path / "m.npz"
    seen = []
    m = reconstruct_video(
        assets["video"],
        out=out,
        pose_model=pose,
        lifter=assets["lifter"],
        detector=ScriptedDetector(),
        cache_dir=cache,
        progress=lambda f, msg: seen.append(f),
    )
    assert m.skeleton == "h36m17" and m.joints.shape == (N, 17, 3) and m.fps == pytest.approx(30)
    miss = np.zeros(N, bool)
    miss[list(MISSING)] = True
    assert np.isnan(m.joints[miss]).all() and np.isfinite(m.joints[~miss]).all()
    assert (m.confidence[miss] == 0).all() and (m.confidence[~miss] > 0).all()
    assert m.confidence.max() <= 1
    assert np.allclose(m.up, [0, 0, 1])
    assert pose.crops == N - len(MISSING)  # one crop per frame with a box, none invented
    assert seen[-1] == 1.0 and all(b >= a for a, b in zip(seen, seen[1:]))
    meta = m.meta
    assert meta["observed_frames"] == N - len(MISSING) and meta["missing_frames"] == len(MISSING)
    assert meta["detector"] == "scripted" and meta["pose_model"].startswith("vitpose:vitpose-tiny@")
    assert meta["lifter"].startswith("videopose3d:") and len(meta["video_sha256"]) == 64
    assert meta["pose_from_cache"] is False
    back = load_motion(out)
    assert np.array_equal(np.isnan(back.joints), np.isnan(m.joints)) and back.meta["person"] == 1
    assert len(list(cache.glob("*.npz"))) == 1

    # reopening: the 2D pose comes from the cache, no forward pass at all
    pose2 = PoseEstimator(assets["pose"])
    m2 = reconstruct_video(
        assets["video"], pose_model=pose2, lifter=assets["lifter"], detector=ScriptedDetector(), cache_dir=cache
    )
    assert pose2.calls == 0 and m2.meta["pose_from_cache"] is True
    assert np.allclose(m2.joints, m.joints, equal_nan=True, atol=1e-4)
    # other settings (another detector) = another cache entry, computed again
    pose3 = PoseEstimator(assets["pose"])
    reconstruct_video(
        assets["video"], pose_model=pose3, lifter=assets["lifter"], detector=ScriptedDetector(two=True), cache_dir=cache
    )
    assert pose3.calls > 0 and len(list(cache.glob("*.npz"))) == 2


def test_people_listing_and_choice(assets, tmp_path):
    pose = PoseEstimator(assets["pose"])
    cache = tmp_path / "c"
    people = list_people(assets["video"], detector=ScriptedDetector(two=True), pose_model=pose, cache_dir=cache)
    assert [p["id"] for p in people] == [1, 2]
    assert people[0]["frames"] == N - len(MISSING) and people[0]["first"] == 0
    assert people[1]["first"] == 5
    m = reconstruct_video(
        assets["video"],
        person=2,
        pose_model=pose,
        lifter=assets["lifter"],
        detector=ScriptedDetector(two=True),
        cache_dir=cache,
    )
    assert m.meta["person"] == 2
    assert np.isnan(m.joints[:5]).all() and np.isfinite(m.joints[5:10]).all()
    with pytest.raises(InputError, match=r"no person with id 7 \(ids: 1, 2\)"):
        reconstruct_video(
            assets["video"],
            person=7,
            pose_model=pose,
            lifter=assets["lifter"],
            detector=ScriptedDetector(two=True),
            cache_dir=cache,
        )


def test_cancel_leaves_nothing(assets, tmp_path):
    tok = CancelToken()

    def prog(f, msg):
        if f > 0.3:
            tok.cancel()

    out, cache = tmp_path / "m.npz", tmp_path / "cache"
    with pytest.raises(Cancelled):
        reconstruct_video(
            assets["video"],
            out=out,
            pose_model=PoseEstimator(assets["pose"]),
            lifter=assets["lifter"],
            detector=ScriptedDetector(),
            cache_dir=cache,
            progress=prog,
            cancel=tok,
        )
    assert not out.exists()
    assert not cache.exists() or not any(cache.iterdir())


def test_damaged_cache_is_recomputed(assets, tmp_path):
    cache = tmp_path / "cache"
    tr = track_people(
        assets["video"], detector=ScriptedDetector(), pose_model=PoseEstimator(assets["pose"]), cache_dir=cache
    )
    (f,) = cache.glob("*.npz")
    f.write_bytes(b"garbage")
    pose = PoseEstimator(assets["pose"])
    tr2 = track_people(assets["video"], detector=ScriptedDetector(), pose_model=pose, cache_dir=cache)
    assert pose.calls > 0 and not tr2.from_cache
    assert np.allclose(tr2.keypoints, tr.keypoints, equal_nan=True, atol=1e-3)


def test_resample_uniform_by_timestamps():
    t = np.array([0.0, 0.1, 0.15, 0.3, 0.4])  # a variable-rate clip
    v = (2.0 * t + 1)[:, None]
    r = resample_uniform(v, t, fps=20)
    assert r.shape == (9, 1)
    assert np.allclose(r[:, 0], 2.0 * np.arange(9) / 20 + 1)  # a linear signal is reproduced exactly
    v2 = v.copy()
    v2[2] = np.nan
    r2 = resample_uniform(v2, t, fps=20)
    assert np.isnan(r2[2:6]).all() and np.isfinite(r2[:2]).all() and np.isfinite(r2[6:]).all()


# -- command line ---------------------------------------------------------------
def box_arg():
    return "box:" + ",".join(str(v) for v in BOX)


def test_cli_reconstruct_and_cache_hit(assets, tmp_path, capsys, monkeypatch):
    calls = {"n": 0}
    orig = PoseEstimator.estimate_many

    def counting(self, items):
        calls["n"] += 1
        return orig(self, items)

    monkeypatch.setattr(PoseEstimator, "estimate_many", counting)
    out = tmp_path / "walk.npz"
    argv = [
        "reconstruct",
        str(assets["video"]),
        "--out",
        str(out),
        "--pose-model",
        str(assets["pose"]),
        "--lifter",
        str(assets["lifter"]),
        "--detector",
        box_arg(),
        "--cache",
        str(tmp_path / "c"),
        "--compute",
        "cpu",
        "--quiet",
    ]
    assert main(argv) == 0
    n_first = calls["n"]
    assert 1 <= n_first < N  # fixed box: crops batched across frames
    m = load_motion(out)
    assert m.joints.shape == (N, 17, 3) and np.isfinite(m.joints).all()
    assert json.loads(json.dumps(m.meta))["detector"].startswith("box:")
    assert "30 frames" in capsys.readouterr().out
    assert main(argv) == 0 and calls["n"] == n_first  # second run: from the cache, no pose at all
    assert "from cache" in capsys.readouterr().out
    assert (
        main(
            [
                "reconstruct",
                str(assets["video"]),
                "--list-people",
                "--pose-model",
                str(assets["pose"]),
                "--detector",
                box_arg(),
                "--cache",
                str(tmp_path / "c"),
                "--quiet",
            ]
        )
        == 0
    )
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["id", "frames"] and table[1].split()[:2] == ["1", str(N)]


def test_cli_missing_weights_one_line(assets, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    out = tmp_path / "x.npz"
    rc = main(
        [
            "reconstruct",
            str(assets["video"]),
            "--out",
            str(out),
            "--pose-model",
            str(assets["pose"]),
            "--lifter",
            str(tmp_path / "nope.bin"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "dl.fbaipublicfiles.com/video-pose-3d/pretrained_h36m_detectron_coco.bin" in err
    # ViTPose named but absent, and the lifter absent: one line naming both, and what works without them
    rc = main(
        [
            "reconstruct",
            str(assets["video"]),
            "--out",
            str(out),
            "--pose-model",
            "usyd-community/vitpose-base-simple",
            "--lifter",
            str(tmp_path / "nope.bin"),
            "--cache",
            str(tmp_path / "c"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1, err
    assert "2 model files are missing" in err
    assert "huggingface-cli download usyd-community/vitpose-base-simple" in err and "nope.bin" in err
    assert "default BlazePose engine needs no download" in err and "without --lifter" in err
    # ViTPose alone needs a lifter for 3D: said before any work, with the alternative
    rc = main(["reconstruct", str(assets["video"]), "--out", str(out), "--pose-model", str(assets["pose"]), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1 and "need a 3D lifter" in err and "without --lifter" in err
    rc = main(
        [
            "reconstruct",
            str(tmp_path / "no.mp4"),
            "--out",
            str(out),
            "--pose-model",
            str(assets["pose"]),
            "--lifter",
            str(assets["lifter"]),
            "--quiet",
        ]
    )
    assert rc == 2 and "no.mp4: no such file" in capsys.readouterr().err
    assert not out.exists()


# -- box propagation and the weightless full-frame bootstrap --------------------------
class FakePose:
    """Duck-typed pose model: 17 keypoints spread over each box (10-90 %), with a fixed score."""

    model_id = "fake"
    batch_size = 8

    def __init__(self, score=0.9):
        self.score, self.calls, self.boxes = score, 0, []

    def estimate(self, frame, boxes):
        return self.estimate_many([(frame, boxes)])[0]

    def estimate_many(self, items):
        self.calls += 1
        out = []
        for _, boxes in items:
            boxes = np.asarray(boxes, float).reshape(-1, 4)
            self.boxes.extend(boxes.tolist())
            u = np.linspace(0.1, 0.9, 17)  # real keypoints span most of a tight person box
            k = np.stack(
                [
                    boxes[:, None, 0] + u * (boxes[:, None, 2] - boxes[:, None, 0]),
                    boxes[:, None, 1] + u[::-1] * (boxes[:, None, 3] - boxes[:, None, 1]),
                ],
                axis=-1,
            )
            out.append((k, np.full((len(boxes), 17), self.score)))
        return out


class SparseDetector(Detector):
    """Finds the person only on frames 0 and >= 20; keypoints must carry the track in between."""

    name = "sparse"

    def __init__(self):
        self.i = -1

    def detect(self, frame):
        self.i += 1
        return np.array([BOX + [0.9]]) if self.i == 0 or self.i >= 20 else np.zeros((0, 5))


def test_keypoint_propagation_keeps_the_person(assets, tmp_path):
    tr = track_people(assets["video"], detector=SparseDetector(), pose_model=FakePose(), cache_dir=tmp_path)
    assert tr.track_ids.tolist() == [1]
    src = tr.source[0]
    assert src[0] == 1 and (src[1:20] == 2).all() and (src[20:] == 1).all()
    assert np.isfinite(tr.keypoints[0]).all()


def test_full_frame_bootstrap(assets, tmp_path):
    from imu2safety.core.reconstruct.detect import FullFrameDetector

    pose = FakePose(0.9)
    tr = track_people(assets["video"], detector=FullFrameDetector(), pose_model=pose, cache_dir=tmp_path / "a")
    assert tr.track_ids.tolist() == [1] and np.isfinite(tr.keypoints[0]).all()
    assert pose.boxes[0] == [0, 0, 159, 119]  # the whole-frame guess first,
    assert len(pose.boxes) == N + 1  # re-run once on the keypoints' box,
    assert (tr.source[0][1:] == 2).all()  # then followed by propagation
    # an unconfident pose on the whole frame is not a person: nothing is invented
    tr2 = track_people(
        assets["video"], detector=FullFrameDetector(), pose_model=FakePose(0.1), cache_dir=tmp_path / "b"
    )
    assert len(tr2.track_ids) == 0
    with pytest.raises(InputError, match="no person was found"):
        reconstruct_video(
            assets["video"],
            pose_model=FakePose(0.1),
            lifter=assets["lifter"],
            detector=FullFrameDetector(),
            cache_dir=tmp_path / "b",
        )
