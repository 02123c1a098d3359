"""ViTPose through transformers: real architecture from a tiny config with random weights."""

import numpy as np
import pytest
import torch
from recon_helpers import POSE_H, POSE_W, save_tiny_vitpose, tiny_vitpose

from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.pose2d import PoseEstimator, load_vitpose, resolve_device


@pytest.fixture(scope="module")
def estimator():
    model, proc = tiny_vitpose()
    return PoseEstimator(_model=model, _processor=proc)


def textured(h=120, w=160, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def test_shapes_and_batching(estimator):
    frame = textured()
    boxes = np.array([[10, 10, 60, 100], [70, 5, 150, 115], [0, 0, 159, 119]], float)
    calls = estimator.calls
    k, s = estimator.estimate(frame, boxes)
    assert k.shape == (3, 17, 2) and s.shape == (3, 17)
    assert np.isfinite(k).all() and np.isfinite(s).all()
    assert estimator.calls == calls + 1  # three crops, one forward pass
    k0, s0 = estimator.estimate(frame, np.zeros((0, 4)))
    assert k0.shape == (0, 17, 2) and s0.shape == (0, 17)
    # batched across frames = the same as one by one
    many = estimator.estimate_many([(frame, boxes[:1]), (textured(seed=1), boxes[1:])])
    one = estimator.estimate(textured(seed=1), boxes[1:])
    assert np.allclose(many[1][0], one[0], atol=1e-3) and np.allclose(many[0][0], k[:1], atol=1e-3)


def test_crop_matches_the_processor(estimator):
    """Our cv2 crop + normalisation equals transformers' VitPoseImageProcessor output."""
    frame = textured()
    rgb = np.ascontiguousarray(frame[..., ::-1])
    box = [40.0, 20.0, 60.0, 80.0]  # COCO x, y, w, h, well inside the frame
    ref = estimator.processor(images=rgb, boxes=[[box]], return_tensors="pt")["pixel_values"][0].numpy()
    ours = estimator.pixel_values(estimator.crop(rgb, box)[None])[0].numpy()
    assert ours.shape == ref.shape == (3, POSE_H, POSE_W)
    d = np.abs(ours - ref)
    # OpenCV 4's bilinear warp interpolates in fixed point: up to one grey level apart
    one_grey = 1.0 / (255 * 0.224)  # after normalisation by the processor's (smallest) std
    assert np.median(d) <= 1.01 * one_grey and np.percentile(d, 95) < 0.05


def test_keypoints_are_in_original_frame_pixels(estimator):
    """Shifting the picture and the box by (dx, dy) shifts every keypoint by exactly (dx, dy)."""
    patch = textured(100, 80, seed=3)
    a = np.full((300, 320, 3), 70, np.uint8)
    b = a.copy()
    a[40:140, 40:120] = patch
    dx, dy = 150, 120
    b[40 + dy : 140 + dy, 40 + dx : 120 + dx] = patch
    box_a = np.array([[40, 40, 120, 140]], float)  # padded crops stay inside both frames
    ka, sa = estimator.estimate(a, box_a)
    kb, sb = estimator.estimate(b, box_a + [dx, dy, dx, dy])
    # crops differ by float32 rounding (<= 1 grey level); DARK refinement on a random net amplifies it a little
    assert np.allclose(kb - ka, [dx, dy], atol=0.5)
    assert np.allclose(sa, sb, atol=1e-3)


class PeakHead(torch.nn.Module):
    """Stands in for the network: a Gaussian heatmap peak at a chosen heatmap pixel for every joint."""

    def __init__(self, real, hx, hy, amp=1.0):
        super().__init__()
        self.config, self.hx, self.hy, self.amp = real.config, hx, hy, amp

    def forward(self, pixel_values, **kw):
        from transformers.models.vitpose.modeling_vitpose import VitPoseEstimatorOutput

        n = pixel_values.shape[0]
        hh, ww = POSE_H // 4, POSE_W // 4
        yy, xx = torch.meshgrid(torch.arange(hh), torch.arange(ww), indexing="ij")
        g = self.amp * torch.exp(-((xx - self.hx) ** 2 + (yy - self.hy) ** 2) / 2.0)
        return VitPoseEstimatorOutput(heatmaps=g.expand(n, 17, hh, ww).clone())


def test_heatmap_to_pixel_mapping():
    """A heatmap peak maps to the analytic pixel: padded box (1.25x, 3:4) spread over the heatmap (UDP)."""
    model, proc = tiny_vitpose()
    hx, hy = 3, 10
    est = PoseEstimator(_model=model, _processor=proc)
    est.model = PeakHead(model, hx, hy)
    x, y, w, h = 30.0, 20.0, 60.0, 80.0  # aspect 3:4 = the model input's, so no widening
    k, s = est.estimate(textured(), np.array([[x, y, x + w, y + h]]))
    sw, sh = 1.25 * w, 1.25 * h
    hh, ww = POSE_H // 4, POSE_W // 4
    want_x = x + w / 2 - sw / 2 + hx * sw / (ww - 1)
    want_y = y + h / 2 - sh / 2 + hy * sh / (hh - 1)
    assert np.allclose(k[0, :, 0], want_x, atol=0.05) and np.allclose(k[0, :, 1], want_y, atol=0.05)
    assert np.allclose(s, 1.0, atol=1e-5)  # the score is the heatmap maximum, kept as is


def test_low_scores_are_kept_not_dropped():
    model, proc = tiny_vitpose()
    est = PoseEstimator(_model=model, _processor=proc)
    est.model = PeakHead(model, 5, 5, amp=0.05)
    k, s = est.estimate(textured(), np.array([[10, 10, 70, 90]], float))
    assert np.isfinite(k).all()
    assert np.allclose(s, 0.05, atol=1e-4)


def test_load_from_saved_folder(tmp_path):
    folder = save_tiny_vitpose(tmp_path / "vp")
    model, proc = tiny_vitpose()
    est_mem = PoseEstimator(_model=model, _processor=proc)
    est_dir = PoseEstimator(folder)
    assert est_dir.model_id.startswith("vitpose:vp@")
    assert (est_dir.in_w, est_dir.in_h) == (POSE_W, POSE_H)
    frame = textured()
    box = np.array([[20, 10, 90, 110]], float)
    assert np.allclose(est_dir.estimate(frame, box)[0], est_mem.estimate(frame, box)[0], atol=1e-3)


def test_missing_checkpoints_say_what_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    with pytest.raises(InputError, match="usyd-community/vitpose-base-simple"):
        load_vitpose(tmp_path / "nothing-here")
    with pytest.raises(InputError, match="huggingface-cli download usyd-community/vitpose-small-simple"):
        load_vitpose("usyd-community/vitpose-small-simple")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="config.json"):
        load_vitpose(tmp_path / "empty")


def test_device_selection():
    assert resolve_device(None) == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(InputError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="no CUDA"):
            resolve_device("cuda")
