"""BlazePose with its real weights on real images and footage (OpenCV sample data, tests/data/opencv_samples).

Points annotated by hand (see CREDITS.md there) are compared with the landmarks. Tolerances are
fractions of the person's landmark height in the image: 4 % for elbows and wrists, 6 % for shoulders
and hips (joint centres under clothing, where the annotation itself is uncertain by several pixels).
"""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.interchange import load_motion
from imu2safety.core.motion.skeletons import BLAZEPOSE33, COCO17
from imu2safety.core.reconstruct import model_files
from imu2safety.core.reconstruct.blazepose import MIRROR, BlazePoseEstimator, Roi, ssd_anchors, tile_grid
from imu2safety.core.reconstruct.pipeline import COCO_FROM_BLAZEPOSE, reconstruct_video, track_people
from imu2safety.core.sim.sensor_frame import roll_angle

DATA = Path(__file__).resolve().parents[1] / "data" / "opencv_samples"
CLIP = DATA / "vtest_walk_664-695.mp4"

# hand-annotated joint centres, pixels of each file (BlazePose indices: 11/12 shoulders, 13/14 elbows,
# 15/16 wrists, 23/24 hips; odd = the person's left)
ANNOTATED = {
    "messi5.jpg": {11: (282, 131), 12: (203, 130), 13: (305, 148), 14: (148, 121), 15: (343, 166),
                   16: (101, 102), 23: (290, 224), 24: (247, 240)},
    # the left elbow and wrist are hidden behind the right arm and the ball: not annotated
    "basketball1_left.png": {11: (113, 120), 12: (50, 122), 14: (87, 164), 16: (129, 124), 23: (104, 250),
                             24: (69, 250)},
}  # fmt: skip
CRISP = {13, 14, 15, 16}


@pytest.fixture(scope="module")
def est():
    return BlazePoseEstimator("full")


def landmarks(est, img):
    """Detect on the whole frame, then one tracked pass (the ROI from the first pass's landmarks)."""
    est.reset()
    det = est.default_detector()
    det.tiles = False
    boxes = det.detect(img)
    assert len(boxes) == 1, f"expected one person, found {len(boxes)}"
    est.estimate(img, boxes[:, :4], ids=[1])
    kps, vis, extra = est.estimate(img, boxes[:, :4], ids=[1])
    return kps[0], vis[0], extra["world"][0]


def mirror_points(kps, width):
    """Landmarks of the mirrored image brought back: x mirrored, left and right swapped."""
    return np.c_[width - 1 - kps[list(MIRROR), 0], kps[list(MIRROR), 1]]


@pytest.fixture(scope="module")
def image_results(est):
    out = {}
    for name in ANNOTATED:
        img = cv2.imread(str(DATA / name))
        out[name, False] = landmarks(est, img)
        out[name, True] = landmarks(est, np.ascontiguousarray(img[:, ::-1]))
    return out


# -- the engine's pieces ------------------------------------------------------------------------
def test_anchor_grid_matches_the_detector_output():
    a = ssd_anchors()
    assert a.shape == (2254, 2)  # 28*28*2 + 14*14*2 + 7*7*6
    np.testing.assert_allclose(a[0], [0.5 / 28, 0.5 / 28])
    np.testing.assert_allclose(a[-1], [6.5 / 7, 6.5 / 7])
    assert [len(np.unique(p, axis=0)) for p in (a[:1568], a[1568:1960], a[1960:])] == [784, 196, 49]


def test_roi_from_alignment_points_and_back():
    # hips at (100, 200), the body circle's top straight above: upright, side 2 * 100 * 1.25
    r = Roi.from_alignment((100.0, 200.0), (100.0, 100.0))
    assert r.size == pytest.approx(250.0) and r.rotation == pytest.approx(0.0)
    # leaning 90 deg to the right (the top point to the right of the hips): rotation +90 deg
    r = Roi.from_alignment((100.0, 200.0), (180.0, 200.0))
    assert r.rotation == pytest.approx(np.pi / 2)
    m = r.crop_to_frame(256)
    # the crop's top centre (128, 0) is where the body circle's top direction points: to the right
    np.testing.assert_allclose(m @ [128, 0, 1], [100 + 100, 200], atol=1e-9)
    np.testing.assert_allclose(m @ [128, 128, 1], [100, 200], atol=1e-9)


def test_heatmap_refinement_finds_the_peak_as_mediapipe_does():
    from imu2safety.core.reconstruct.blazepose import refine_from_heatmap

    hm = np.full((64, 64, 3), -10.0, np.float32)  # sigmoid ~ 0 everywhere
    hm[20, 30, 0] = hm[20, 31, 0] = 10.0  # landmark 0: a confident peak between columns 30 and 31, row 20
    hm[40:43, 10, 1] = 0.0  # landmark 1: probability 0.5 at most, which reaches the bar (>= 0.5): refined
    xy = np.array([[31.4 / 64, 21.9 / 64], [10.2 / 64, 41.5 / 64], [50 / 64, 50 / 64]])
    out = refine_from_heatmap(xy, hm)
    np.testing.assert_allclose(out[0], [30.5 / 64, 20 / 64], atol=1e-4)  # cell indices / 64, no half-cell shift
    np.testing.assert_allclose(out[1], [10 / 64, 41 / 64], atol=1e-3)
    np.testing.assert_array_equal(out[2], xy[2])  # nothing confident near it: unchanged
    far = refine_from_heatmap(np.array([[1.2, 0.5], [-0.1, 0.5], [np.nan, 0.2]]), hm)
    np.testing.assert_array_equal(far[:2], [[1.2, 0.5], [-0.1, 0.5]])  # outside the heatmap: unchanged


def test_tiles_cover_the_frame_without_enlarging():
    for w, h in ((768, 576), (1920, 1080), (448, 224)):
        tiles = tile_grid(w, h)
        assert tiles and all(t[2] >= 224 and t[0] + t[2] <= w + 1e-9 and t[1] + t[2] <= h + 1e-9 for t in tiles)
        cover = np.zeros((h, w), bool)
        for x, y, s in tiles:
            cover[int(y) : int(np.ceil(y + s)), int(x) : int(np.ceil(x + s))] = True
        assert cover.all()
    assert tile_grid(240, 240) == [] and tile_grid(280, 224) == []  # a tile would be most of the frame


# -- landmarks against hand annotations ------------------------------------------------------------
@pytest.mark.parametrize("name", list(ANNOTATED))
@pytest.mark.parametrize("flip", [False, True], ids=["as-is", "mirrored"])
def test_landmarks_land_on_hand_annotated_joints(image_results, name, flip):
    img = cv2.imread(str(DATA / name))
    kps, vis, _ = image_results[name, flip]
    if flip:
        kps = mirror_points(kps, img.shape[1])  # the mirrored image's person, brought back
    height = np.ptp(kps[:, 1])
    assert height > 200
    for j, xy in ANNOTATED[name].items():
        err = float(np.hypot(*(kps[j] - xy)))
        tol = (0.04 if j in CRISP else 0.06) * height
        assert err <= tol, f"{name} {'mirrored ' if flip else ''}{BLAZEPOSE33.joints[j]}: {err:.1f} px > {tol:.1f}"
        # left and right not swapped: the annotated point of the other side is much farther
        partner = ANNOTATED[name].get(MIRROR[j])
        if partner is not None:
            assert np.hypot(*(kps[j] - partner)) > max(2 * err, tol)
    assert (vis[[11, 12, 23, 24]] > 0.9).all()


@pytest.mark.parametrize("name", list(ANNOTATED))
def test_mirroring_the_image_swaps_left_and_right(image_results, name):
    img = cv2.imread(str(DATA / name))
    a, _, _ = image_results[name, False]
    b, _, _ = image_results[name, True]
    height = np.ptp(a[:, 1])
    body = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    back = mirror_points(b, img.shape[1])
    err = np.hypot(*(back[body] - a[body]).T)
    assert err.max() < 0.06 * height, dict(zip(body, err.round(1)))
    # and without swapping the labels back, the two sides are far apart
    raw = np.c_[img.shape[1] - 1 - b[:, 0], b[:, 1]]
    assert np.median(np.hypot(*(raw[[11, 13, 15, 23]] - a[[11, 13, 15, 23]]).T)) > 3 * err.max()


def test_hand_plane_roll_changes_sign_under_mirroring(image_results):
    # world landmarks are camera axes (x right, y down, z away): up is -y, a mirror negates x
    up = np.array([0.0, -1.0, 0.0])
    flipped_rolls = []
    for name in ANNOTATED:
        _, _, w0 = image_results[name, False]
        _, _, w1 = image_results[name, True]
        for side, other in (("left", "right"), ("right", "left")):
            psi0, c0 = roll_angle(w0[None], BLAZEPOSE33, side, up)
            psi1, c1 = roll_angle(w1[None], BLAZEPOSE33, other, up)
            assert c0["hand"] == 1 and c1["hand"] == 1  # the roll comes from the hand
            from imu2safety.core.sim.sensor_frame import forearm_axes

            z0 = forearm_axes(w0[None], BLAZEPOSE33, side, up)[1][0]
            z1 = forearm_axes(w1[None], BLAZEPOSE33, other, up)[1][0]
            # the back of the wrist seen in the mirror is the mirror image of the back of the wrist
            ang = np.degrees(np.arccos(np.clip(z0 * [-1, 1, 1] @ z1, -1, 1)))
            assert ang < 35.0, (name, side, ang)
            if abs(np.degrees(psi0[0])) > 30:
                flipped_rolls.append((name, side, np.degrees(psi0[0]), np.degrees(psi1[0])))
    assert flipped_rolls, "no clearly rolled forearm in the images"
    for name, side, a, b in flipped_rolls:
        assert np.sign(a) == -np.sign(b) and abs(b) > 15, (name, side, a, b)


def test_world_limb_lengths_are_human(image_results):
    # metres, joint centre to joint centre, from a child of 1.2 m to a tall adult (BlazePose's GHUM
    # world landmarks measure 0.19-0.24 m upper arms on these adults: about 20 % short of adult norms)
    ranges = {
        "upper arm": ((11, 13), (12, 14), 0.17, 0.38),
        "forearm": ((13, 15), (14, 16), 0.15, 0.32),
        "thigh": ((23, 25), (24, 26), 0.28, 0.55),
        "shin": ((25, 27), (26, 28), 0.25, 0.50),
    }
    for (name, flip), (_, _, w) in image_results.items():
        for limb, (a, b, lo, hi) in ranges.items():
            for i, j in (a, b):
                length = np.linalg.norm(w[i] - w[j])
                assert lo <= length <= hi, (name, flip, limb, length)
        assert 0.25 <= np.linalg.norm(w[11] - w[12]) <= 0.50
        assert 0.40 <= np.linalg.norm((w[11] + w[12]) / 2 - (w[23] + w[24]) / 2) <= 0.65  # hips to shoulders
        for i, j, k in ((11, 13, 15), (12, 14, 16)):  # forearm / upper arm: about 0.8 in adults
            assert 0.6 <= np.linalg.norm(w[j] - w[k]) / np.linalg.norm(w[i] - w[j]) <= 1.1, (name, flip, i)
        np.testing.assert_allclose((w[23] + w[24]) / 2, 0.0, atol=0.01)  # hip-centred


def test_lite_and_heavy_models_agree_with_full(image_results):
    """The fetched models (scripts/setup.sh runs `imu2safety models fetch lite heavy`) load and agree."""
    img = cv2.imread(str(DATA / "messi5.jpg"))
    full, _, _ = image_results["messi5.jpg", False]
    for variant in ("lite", "heavy"):
        try:
            e = BlazePoseEstimator(variant)
        except InputError as exc:
            pytest.fail(f"{exc} (scripts/setup.sh fetches it)")
        k, _, _ = landmarks(e, img)
        body = [11, 12, 13, 14, 15, 16, 23, 24]
        assert np.hypot(*(k[body] - full[body]).T).max() < 0.06 * np.ptp(full[:, 1]), variant


# -- model files ---------------------------------------------------------------------------------
def test_shipped_models_verify_and_missing_ones_say_how_to_get_them(tmp_path, monkeypatch):
    for f in (model_files.DETECTOR, model_files.LANDMARK_MODELS["full"]):
        path, data = model_files.load_verified(f, [model_files.shipped_dir()])
        assert len(data) == f.size and path.parent == model_files.shipped_dir()
    monkeypatch.setenv("IMU2SAFETY_MODELS", str(tmp_path / "none"))
    with pytest.raises(InputError) as e:
        BlazePoseEstimator("heavy")
    assert "imu2safety models fetch heavy" in str(e.value) and "\n" not in str(e.value)


def test_corrupt_model_is_refused_with_one_line(tmp_path):
    src = model_files.shipped_dir() / "pose_landmark_full.tflite"
    bad = tmp_path / "models"
    bad.mkdir()
    data = bytearray(src.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (bad / "pose_landmark_full.tflite").write_bytes(bytes(data))
    with pytest.raises(InputError) as e:
        BlazePoseEstimator(str(bad))
    msg = str(e.value)
    assert "fails its SHA-256 check" in msg and "imu2safety models fetch full" in msg and "\n" not in msg
    assert str(bad / "pose_landmark_full.tflite") in msg


def test_fetch_checks_the_tarball_integrity(tmp_path):
    import io
    import tarfile

    fake = tmp_path / "pose-0.5.1675469404.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        blob = b"not a model"
        info = tarfile.TarInfo("package/pose_landmark_lite.tflite")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    with pytest.raises(InputError, match="integrity check"):
        model_files.fetch(["lite"], dest=tmp_path / "dest", source=fake, force=True)
    assert not (tmp_path / "dest" / "pose_landmark_lite.tflite").exists()


def test_fetch_installs_all_or_nothing_and_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import subprocess
    import tempfile
    import zipfile

    # a wheel whose full model is right and whose detector is damaged: "nothing was installed" must be true
    wheel = tmp_path / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
    full = model_files.LANDMARK_MODELS["full"]
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr(full.wheel_member, (model_files.shipped_dir() / full.filename).read_bytes())
        z.writestr(model_files.DETECTOR.wheel_member, b"damaged")
    with pytest.raises(InputError, match="nothing was installed"):
        model_files.fetch(["full", "detector"], dest=tmp_path / "dest", source=wheel, force=True)
    assert not (tmp_path / "dest" / full.filename).exists()
    # pip download fails (no network): its temporary folder is removed too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(
        model_files.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "ERROR: no network")
    )
    with pytest.raises(InputError, match="pip download failed"):
        model_files.fetch(["detector"], dest=tmp_path / "dest", force=True)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_coco_mapping_names_the_same_joints():
    assert [BLAZEPOSE33.joints[i] for i in COCO_FROM_BLAZEPOSE] == list(COCO17.joints)


# -- footage: far pedestrians, tracking, PnP, cache -------------------------------------------------------
@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    cache = tmp_path_factory.mktemp("pose-cache")
    est = BlazePoseEstimator("full")
    out = cache / "walk.npz"
    m = reconstruct_video(CLIP, out=out, pose_model=est, cache_dir=cache)
    return {"motion": m, "est": est, "cache": cache, "calls": est.calls, "out": out}


def test_far_pedestrian_is_found_and_followed(walk):
    m = walk["motion"]
    meta = m.meta
    assert m.skeleton == "blazepose33" and m.joints.shape == (32, 33, 3)
    assert meta["detector"] == "blazepose+tiles" and meta["pose_layout"] == "blazepose33"
    # the person seen longest is the walker, followed on every frame mostly by the ROI tracking
    assert meta["observed_frames"] >= 30 and meta["box_sources"]["keypoints"] >= 25
    tr = track_people(CLIP, pose_model=walk["est"], cache_dir=walk["cache"])
    row = int(np.nonzero(tr.track_ids == meta["person"])[0][0])
    hips = np.nanmean(tr.keypoints[row][:, [23, 24]], axis=1)
    assert hips[0, 0] - hips[-1, 0] > 250  # walks right to left across the image
    assert np.ptp(tr.keypoints[row][0, :, 1][np.isfinite(tr.keypoints[row][0, :, 1])]) < 140  # a small person
    assert len(tr.track_ids) >= 2  # other people in the clip have their own tracks


def test_pnp_root_of_a_walking_pedestrian_moves_steadily_one_way(walk):
    m = walk["motion"]
    hip = m.joints[:, [23, 24]].mean(axis=1)
    ok = np.isfinite(hip).all(axis=1)
    hip = hip[ok]
    d = hip[-1] - hip[0]
    assert np.linalg.norm(d[:2]) > 2.0  # metres in 3.1 s: walking pace at the assumed focal length
    assert d[0] < 0  # right to left in the image: -x in the world (x = the camera's right)
    steps = np.diff(hip[:, :2], axis=0) @ (d[:2] / np.linalg.norm(d[:2]))
    assert (steps > 0).mean() >= 0.9
    speed = np.linalg.norm(np.diff(hip[:, :2], axis=0), axis=1) * m.fps
    assert 0.5 < np.median(speed) < 3.5
    assert json.loads(json.dumps(m.meta))["world"]["trajectory"].startswith("PnP")


def test_the_motion_says_where_the_subject_is_in_the_picture(walk):
    m = walk["motion"]
    tr = track_people(CLIP, pose_model=walk["est"], cache_dir=walk["cache"])
    row = int(np.nonzero(tr.track_ids == m.meta["person"])[0][0])
    assert m.image_points.shape == (32, 33, 2)
    seen = np.isfinite(m.joints).all(axis=2)
    assert (np.isfinite(m.image_points).all(axis=2) == seen).all()  # shown only where the 3D is
    # the subject's own 2D landmarks (no left/right swap in this clip), not another person's
    np.testing.assert_allclose(m.image_points[seen], tr.keypoints[row][seen], atol=1e-3)
    # it survives the file
    back = load_motion(walk["out"])
    np.testing.assert_allclose(back.image_points, m.image_points, atol=1e-3, equal_nan=True)


def test_low_visibility_landmarks_are_nan_never_invented(walk):
    m = walk["motion"]
    conf = m.confidence
    assert np.isnan(m.joints[conf == 0]).all() and np.isfinite(m.joints[conf > 0]).all()
    assert (conf[conf > 0] >= 0.5).all()


def test_second_run_comes_from_the_cache_without_inference(walk):
    est = walk["est"]
    before = est.calls
    assert walk["calls"] > 32  # the first run did run the models
    m2 = reconstruct_video(CLIP, pose_model=est, cache_dir=walk["cache"])
    assert est.calls == before and m2.meta["pose_from_cache"] is True
    np.testing.assert_array_equal(np.isnan(m2.joints), np.isnan(walk["motion"].joints))
    np.testing.assert_allclose(m2.joints, walk["motion"].joints, atol=1e-5, equal_nan=True)


def test_hands_of_small_people_are_not_trusted(image_results):
    from imu2safety.core.reconstruct.landmarks3d import HAND_POINTS, landmarks_to_world

    kps, vis, world = image_results["basketball1_left.png", False]
    big = landmarks_to_world(kps[None], vis[None], world[None], 260, 440, 30.0, trajectory=False)
    assert np.isfinite(big.joints[0, list(HAND_POINTS)]).all() and big.info["hands_too_small_frames"] == 0
    # the same person a third as large in the image (torso ~40 px): the hands are a guess, left out
    small = landmarks_to_world(kps[None] / 3, vis[None], world[None], 260, 440, 30.0, trajectory=False)
    assert np.isnan(small.joints[0, list(HAND_POINTS)]).all() and small.info["hands_too_small_frames"] == 1
    assert np.isfinite(small.joints[0, [11, 12, 13, 14, 15, 16]]).all()  # the arms stay


def test_smoothing_is_zero_phase_and_never_crosses_a_gap():
    from imu2safety.core.reconstruct.landmarks3d import zero_phase_lowpass

    fps = 30.0
    t = np.arange(300) / fps
    clean = np.sin(2 * np.pi * 1.0 * t)
    noisy = clean + np.random.default_rng(1).normal(0, 0.2, t.size)
    noisy[140:150] = np.nan
    out = zero_phase_lowpass(noisy[:, None], fps, 6.0)[:, 0]
    assert np.isnan(out[140:150]).all() and np.isfinite(out[:140]).all() and np.isfinite(out[150:]).all()
    inner = np.r_[10:130, 160:290]
    assert np.sqrt(np.mean((out[inner] - clean[inner]) ** 2)) < 0.5 * 0.2  # jitter well below the input's
    # no lag: the best alignment of the output with the clean signal is at zero shift
    seg = out[160:290] - out[160:290].mean()
    lags = range(-5, 6)
    corr = [np.dot(seg, np.roll(clean, k)[160:290]) for k in lags]
    assert list(lags)[int(np.argmax(corr))] == 0
