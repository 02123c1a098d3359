"""Person boxes (detectors, propagation) and stable track ids."""

import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.detect import (
    FixedBoxDetector,
    FullFrameDetector,
    HogDetector,
    RTDetrDetector,
    box_from_keypoints,
    hog_available,
    iou_matrix,
    make_detector,
    nms,
)
from imu2safety.core.reconstruct.tracking import SRC_DETECTOR, SRC_KEYPOINTS, Tracker


def test_iou_matrix_analytic():
    a = np.array([[0, 0, 10, 10]], float)
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 5, 5]], float)
    assert np.allclose(iou_matrix(a, b), [[1.0, 50 / 150, 0.0, 25 / 100]])
    assert iou_matrix(a, np.zeros((0, 4))).shape == (1, 0)


def test_nms_keeps_best_of_overlaps():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], float)
    keep = nms(boxes, np.array([0.5, 0.9, 0.3]), 0.5)
    assert sorted(keep.tolist()) == [1, 2]


def test_box_from_keypoints():
    k = np.array([[10, 20], [30, 20], [20, 60], [15, 100], [25, 100]] + [[np.nan, np.nan]] * 12, float)
    s = np.array([0.9] * 5 + [0.0] * 12)
    b = box_from_keypoints(k, s, (200, 200), margin=0.2)
    # margin: 20 % of each side, at least 10 % of the longer side (80 px -> 8 px)
    assert np.allclose(b, [10 - 8, 20 - 16, 30 + 8, 100 + 16])
    s_low = s.copy()
    s_low[:2] = 0.1  # only 3 confident points left
    assert box_from_keypoints(k, s_low, (200, 200)) is None
    clipped = box_from_keypoints(k - [20, 30], s, (200, 200))
    assert clipped[0] == 0 and clipped[1] == 0


def test_fixed_and_full_frame_boxes():
    f = np.zeros((48, 64, 3), np.uint8)
    d = FixedBoxDetector([5, 6, 300, 40]).detect(f)
    assert np.allclose(d, [[5, 6, 63, 40, 1.0]])
    assert np.allclose(FullFrameDetector().detect(f), [[0, 0, 63, 47, 1.0]])
    with pytest.raises(InputError, match="x2>x1"):
        FixedBoxDetector([10, 10, 5, 20])


def test_make_detector_specs():
    assert isinstance(make_detector("box:1,2,30,40"), FixedBoxDetector)
    assert isinstance(make_detector("fullframe"), FullFrameDetector)
    auto = make_detector(None)
    assert isinstance(auto, HogDetector if hog_available() else FullFrameDetector)
    with pytest.raises(InputError, match="unknown detector"):
        make_detector("yolo")
    with pytest.raises(InputError, match="box:x1,y1,x2,y2"):
        make_detector("box:1,2,three,4")


def test_hog_detector_matches_opencv_version():
    if hog_available():  # OpenCV 4.x: runs, returns (N, 5) boxes inside the frame
        f = np.full((240, 320, 3), 128, np.uint8)
        d = HogDetector().detect(f)
        assert d.ndim == 2 and d.shape[1] == 5
    else:  # OpenCV 5 dropped HOGDescriptor: a clear error, not a crash
        with pytest.raises(InputError, match="OpenCV 5"):
            HogDetector()


def tiny_rtdetr():
    import torch
    from transformers import RTDetrConfig, RTDetrForObjectDetection, RTDetrResNetConfig
    from transformers.models.rt_detr import RTDetrImageProcessorPil

    torch.manual_seed(0)
    bb = RTDetrResNetConfig(
        embedding_size=16,
        hidden_sizes=[16, 32, 64, 128],
        depths=[1, 1, 1, 1],
        layer_type="basic",
        out_features=["stage2", "stage3", "stage4"],
    )
    labels = {i: f"thing{i}" for i in range(4)}
    labels[2] = "person"
    cfg = RTDetrConfig(
        backbone_config=bb,
        encoder_hidden_dim=32,
        d_model=32,
        encoder_in_channels=[32, 64, 128],
        decoder_layers=1,
        encoder_layers=1,
        num_queries=30,
        decoder_ffn_dim=64,
        encoder_ffn_dim=64,
        decoder_attention_heads=2,
        encoder_attention_heads=2,
        decoder_in_channels=[32, 32, 32],
        num_denoising=0,
        num_labels=4,
        id2label=labels,
        label2id={v: k for k, v in labels.items()},
    )
    return RTDetrForObjectDetection(cfg).eval(), RTDetrImageProcessorPil(size={"height": 128, "width": 128})


def test_rtdetr_tiny_random_weights(tmp_path):
    import torch

    model, proc = tiny_rtdetr()
    frame = (np.random.default_rng(0).random((96, 128, 3)) * 255).astype(np.uint8)
    inp = proc(images=[frame[..., ::-1].copy()], return_tensors="pt")
    with torch.no_grad():
        out = model(**inp)
    ref = proc.post_process_object_detection(out, target_sizes=[(96, 128)], threshold=0.0)[0]
    # call the label the random net predicts most often 'person', so the filter has work to do
    labels = ref["labels"].numpy()
    person = int(np.bincount(labels).argmax())
    model.config.id2label = {i: ("person" if i == person else f"thing{i}") for i in range(4)}
    model.save_pretrained(tmp_path / "rt")
    proc.save_pretrained(tmp_path / "rt")
    det = RTDetrDetector(tmp_path / "rt", threshold=0.0)
    assert det.person_label == person and det.name.startswith("rtdetr:rt@")
    boxes = det.detect(frame)
    assert boxes.ndim == 2 and boxes.shape[1] == 5
    n_person = int((labels == person).sum())
    assert 0 < len(boxes) <= n_person < len(labels)
    assert (boxes[:, [0, 2]] >= 0).all() and (boxes[:, [0, 2]] <= 127).all()
    assert (boxes[:, [1, 3]] >= 0).all() and (boxes[:, [1, 3]] <= 95).all()
    # every returned box is one of the processor's 'person' boxes (after clipping)
    ref_b = ref["boxes"].numpy()[labels == person]
    ref_b[:, [0, 2]] = ref_b[:, [0, 2]].clip(0, 127)
    ref_b[:, [1, 3]] = ref_b[:, [1, 3]].clip(0, 95)
    assert all(np.abs(ref_b - b[:4]).max(axis=1).min() < 1e-3 for b in boxes)


def test_rtdetr_missing_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (tmp_path / "rt").mkdir()
    with pytest.raises(InputError, match="huggingface-cli download PekingU/rtdetr_r50vd_coco_o365"):
        make_detector(f"rtdetr:{tmp_path / 'rt'}")


def moving(x0, dx, t, w=40, h=100, y=20):
    return np.array([x0 + dx * t, y, x0 + dx * t + w, y + h, 0.9])


def test_two_people_keep_their_ids():
    """Two people walking towards each other in separate lanes, detections in shuffled order."""
    tr = Tracker()
    seen = {"a": set(), "b": set()}
    for t in range(30):
        a, b = moving(10, 6, t), moving(200, -6, t, y=130)
        out = tr.update(t, np.array([b, a]) if t % 2 else np.array([a, b]))
        assert len(out) == 2
        for tid, box, _ in out:
            seen["a" if abs(box[1] - 20) < 1 else "b"].add(tid)
    assert seen == {"a": {1}, "b": {2}}
    assert sorted(tr.tracks) == [1, 2]


def test_missed_detections_and_propagation():
    tr = Tracker(max_age=5)
    ((tid, _, src),) = tr.update(0, np.array([moving(10, 2, 0)]))
    assert tid == 1 and src == SRC_DETECTOR
    # no detection but a keypoint-propagated box: same id, source 'keypoints'
    out = tr.update(1, np.zeros((0, 5)), {1: moving(10, 2, 1)[:4]})
    assert out[0][0] == 1 and out[0][2] == SRC_KEYPOINTS
    # unseen for 3 frames (< max_age), then detected again: same id
    for t in (2, 3, 4):
        assert tr.update(t, np.zeros((0, 5))) == []
    assert tr.update(5, np.array([moving(10, 2, 5)]))[0][0] == 1
    # unseen for longer than max_age: a new id (ids are never reused)
    for t in range(6, 13):
        tr.update(t, np.zeros((0, 5)))
    assert tr.update(13, np.array([moving(10, 2, 13)]))[0][0] == 2


def test_duplicate_tracks_merge():
    tr = Tracker()
    tr.update(0, np.array([moving(10, 0, 0)]))
    tr.update(1, np.array([moving(10, 0, 1)]))
    # a second, far away person appears, then walks onto the first (same box): the younger track ends
    tr.update(2, np.array([moving(10, 0, 2), moving(150, 0, 2)]))
    out = tr.update(3, np.zeros((0, 5)), {1: moving(10, 0, 3)[:4], 2: moving(11, 0, 3)[:4]})
    assert [o[0] for o in out] == [1]
    assert tr.tracks[2].ended
