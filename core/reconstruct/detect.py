"""Person boxes for top-down 2D pose.

Every detector maps one BGR frame to an ``(N, 5)`` float array of
``x1, y1, x2, y2, score`` in pixel coordinates of that frame (people only).

- :class:`RTDetrDetector`: RT-DETR (``RTDetrForObjectDetection`` in
  transformers) from a local checkpoint folder or the Hugging Face cache, e.g.
  ``PekingU/rtdetr_r50vd_coco_o365``. Slow on CPU (seconds a frame), so the
  pipeline runs it every few frames and propagates boxes from keypoints between.
- :class:`HogDetector`: OpenCV's HOG + linear-SVM people detector, no weights
  to download. OpenCV 5 removed ``HOGDescriptor``; with OpenCV 5 this detector
  is unavailable (clear error) and ``auto`` falls back to the next one.
- :class:`FullFrameDetector`: no weights at all: proposes the whole frame as one
  person box. The pipeline keeps the result only when the pose model is
  confident, then follows the person with keypoint-propagated boxes. Works for
  one person filling a good part of the frame; not for crowds.
- :class:`FixedBoxDetector`: a box the user gives (the same every frame).
- :func:`box_from_keypoints`: the next frame's box from this frame's confident
  keypoints (box propagation).
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Optional, Sequence

import cv2
import numpy as np

from ..base.errors import InputError
from .checkpoints import hf_weights_kwargs, model_fingerprint, quiet_loading

DEFAULT_RTDETR = "PekingU/rtdetr_r50vd_coco_o365"
EMPTY = np.zeros((0, 5), dtype=np.float64)


def hog_available() -> bool:
    return hasattr(cv2, "HOGDescriptor")


class Detector:
    """Base class: ``detect(frame) -> (N, 5)`` boxes ``x1 y1 x2 y2 score``."""

    name = "detector"
    #: run on every n-th frame only; the pipeline propagates boxes in between
    every = 1
    #: follow people between frames with boxes made from their keypoints
    propagate = True

    def detect(self, frame: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list:
        return [self.detect(f) for f in frames]


class FixedBoxDetector(Detector):
    """The user's box (``x1, y1, x2, y2`` pixels) on every frame (no propagation: the user said where)."""

    propagate = False

    def __init__(self, box: Sequence[float]):
        b = np.asarray(box, dtype=float).reshape(-1)
        if b.size != 4 or not np.isfinite(b).all() or b[2] <= b[0] or b[3] <= b[1]:
            raise InputError(None, f"a person box must be x1,y1,x2,y2 with x2>x1 and y2>y1, got {list(box)}")
        self.box = b
        self.name = "box:" + ",".join(f"{v:g}" for v in b)

    def detect(self, frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        b = clip_boxes(self.box[None], w, h)
        return np.c_[b, [1.0]]


class FullFrameDetector(Detector):
    """The whole frame as one candidate box (weightless bootstrap)."""

    name = "fullframe"
    bootstrap = True

    def detect(self, frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        return np.array([[0.0, 0.0, w - 1.0, h - 1.0, 1.0]])


class HogDetector(Detector):
    """OpenCV's default HOG people detector (Dalal-Triggs, 64x128 window)."""

    name = "hog"

    def __init__(self, min_score: float = 0.3, nms_iou: float = 0.45, upscale_to: int = 480):
        if not hog_available():
            raise InputError(
                None,
                f"the HOG people detector is not in OpenCV {cv2.__version__} (OpenCV 5 "
                "removed it): install opencv-python-headless<5, or use --detector "
                "rtdetr:PATH or --detector fullframe",
            )
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.min_score = min_score
        self.nms_iou = nms_iou
        self.upscale_to = upscale_to

    def detect(self, frame: np.ndarray) -> np.ndarray:
        h, w = frame.shape[:2]
        s = 1.0
        if min(h, w) < self.upscale_to:  # HOG's window is 64x128: small frames need upscaling
            s = self.upscale_to / min(h, w)
            frame = cv2.resize(frame, (int(round(w * s)), int(round(h * s))))
        rects, weights = self.hog.detectMultiScale(frame, winStride=(8, 8), padding=(8, 8), scale=1.05)
        if len(rects) == 0:
            return EMPTY.copy()
        r = np.asarray(rects, dtype=float) / s
        sc = np.asarray(weights, dtype=float).reshape(-1)
        boxes = np.c_[r[:, 0], r[:, 1], r[:, 0] + r[:, 2], r[:, 1] + r[:, 3]]
        keep = nms(boxes, sc, self.nms_iou)
        out = np.c_[clip_boxes(boxes[keep], w, h), sc[keep]]
        return out[out[:, 4] >= self.min_score]


class RTDetrDetector(Detector):
    """RT-DETR person detection through transformers (COCO 'person' class)."""

    def __init__(
        self,
        model: str | os.PathLike = DEFAULT_RTDETR,
        device: str = "cpu",
        threshold: float = 0.5,
        allow_download: bool = False,
        every: int = 5,
        _model=None,
        _processor=None,
    ):

        self.device = device
        self.threshold = threshold
        self.every = max(int(every), 1)
        if _model is not None:
            self.model, self.processor = _model, _processor
            src = "in-memory"
        else:
            self.model, self.processor, src = _load_rtdetr(model, allow_download)
        self.model = self.model.to(device).eval()
        labels = {str(v).lower(): int(k) for k, v in (self.model.config.id2label or {}).items()}
        self.person_label = labels.get("person", 0)
        self.name = f"rtdetr:{src}"

    def detect(self, frame: np.ndarray) -> np.ndarray:
        return self.detect_batch([frame])[0]

    def detect_batch(self, frames: Sequence[np.ndarray]) -> list:
        import torch

        rgb = [np.ascontiguousarray(f[..., ::-1]) for f in frames]
        inputs = self.processor(images=rgb, return_tensors="pt")
        with torch.inference_mode():
            out = self.model(pixel_values=inputs["pixel_values"].to(self.device))
        sizes = [(f.shape[0], f.shape[1]) for f in frames]
        res = self.processor.post_process_object_detection(out, target_sizes=sizes, threshold=self.threshold)
        boxes = []
        for r, (h, w) in zip(res, sizes):
            lab = r["labels"].cpu().numpy()
            keep = lab == self.person_label
            b = r["boxes"].cpu().numpy()[keep].astype(float)
            s = r["scores"].cpu().numpy()[keep].astype(float)
            if len(b):
                k = nms(b, s, 0.7)
                b, s = clip_boxes(b[k], w, h), s[k]
            boxes.append(np.c_[b, s] if len(b) else EMPTY.copy())
        return boxes


def _load_rtdetr(model, allow_download: bool):
    with quiet_loading():
        return _load_rtdetr_quiet(model, allow_download)


def _load_rtdetr_quiet(model, allow_download: bool):
    from transformers import RTDetrForObjectDetection
    from transformers.models.rt_detr import RTDetrImageProcessorPil

    where = Path(model).expanduser()
    local = where.exists()
    if local and not (where / "config.json").is_file():
        raise InputError(where, f"no RT-DETR checkpoint here (config.json missing); {rtdetr_help()}")
    src = str(where) if local else str(model)
    try:
        m = RTDetrForObjectDetection.from_pretrained(
            src, local_files_only=not allow_download, **hf_weights_kwargs(where if local else None)
        )
        try:
            p = RTDetrImageProcessorPil.from_pretrained(src, local_files_only=not allow_download)
        except (OSError, ValueError):
            p = RTDetrImageProcessorPil()
    except OSError:
        raise InputError(src, f"RT-DETR weights not found; {rtdetr_help()}") from None
    except pickle.UnpicklingError as exc:
        raise InputError(
            src,
            "pickled weights hold code, not only tensors: refusing to load them (nothing from them was run; "
            f"{str(exc).splitlines()[0][:160]})",
        ) from None
    return m, p, model_fingerprint(where) if local else str(model)


def rtdetr_help() -> str:
    return (
        f"download '{DEFAULT_RTDETR}' on a machine with internet "
        f"(`huggingface-cli download {DEFAULT_RTDETR} --local-dir ~/models/rtdetr`) and pass "
        "--detector rtdetr:~/models/rtdetr"
    )


def make_detector(spec: Optional[str], device: str = "cpu", allow_download: bool = False) -> Detector:
    """``None``/``auto`` (HOG if OpenCV has it, else full frame), ``hog``, ``fullframe``,
    ``rtdetr`` / ``rtdetr:PATH``, or ``box:x1,y1,x2,y2``."""
    spec = (spec or "auto").strip()
    if spec == "auto":
        return HogDetector() if hog_available() else FullFrameDetector()
    if spec == "hog":
        return HogDetector()
    if spec in ("fullframe", "full", "none"):
        return FullFrameDetector()
    if spec.startswith("box:"):
        try:
            vals = [float(v) for v in spec[4:].split(",")]
        except ValueError:
            raise InputError(None, f"bad box '{spec}': expected box:x1,y1,x2,y2") from None
        return FixedBoxDetector(vals)
    if spec == "rtdetr" or spec.startswith("rtdetr:"):
        path = spec.split(":", 1)[1] if ":" in spec else DEFAULT_RTDETR
        return RTDetrDetector(os.path.expanduser(path), device=device, allow_download=allow_download)
    raise InputError(None, f"unknown detector '{spec}' (use auto, hog, fullframe, rtdetr:PATH or box:x1,y1,x2,y2)")


# -- box helpers ---------------------------------------------------------------
def clip_boxes(b: np.ndarray, w: int, h: int) -> np.ndarray:
    b = np.array(b, dtype=float, copy=True)
    b[:, [0, 2]] = b[:, [0, 2]].clip(0, w - 1)
    b[:, [1, 3]] = b[:, [1, 3]].clip(0, h - 1)
    return b


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU between every box of ``a`` (N, 4+) and ``b`` (M, 4+), xyxy."""
    a = np.asarray(a, float)[:, :4]
    b = np.asarray(b, float)[:, :4]
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
    area_a = (a[:, 2] - a[:, 0]).clip(0) * (a[:, 3] - a[:, 1]).clip(0)
    area_b = (b[:, 2] - b[:, 0]).clip(0) * (b[:, 3] - b[:, 1]).clip(0)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best score first."""
    order = np.argsort(-np.asarray(scores))
    keep = []
    m = iou_matrix(boxes, boxes)
    suppressed = np.zeros(len(order), bool)
    for i in order:
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= m[i] > iou
    return np.array(keep, dtype=int)


def box_from_keypoints(
    kps: np.ndarray, scores: np.ndarray, frame_wh, min_score: float = 0.3, min_points: int = 4, margin: float = 0.2
) -> Optional[np.ndarray]:
    """A person box around the confident keypoints, widened on each side by ``margin`` of its width
    (height), at least 10 % of its longer side; clipped to the frame.

    Returns ``None`` when fewer than ``min_points`` keypoints reach ``min_score``
    (the person is lost and must be detected again).
    """
    ok = np.isfinite(kps).all(axis=1) & (np.nan_to_num(scores) >= min_score)
    if ok.sum() < min_points:
        return None
    p = kps[ok]
    x1, y1 = p.min(axis=0)
    x2, y2 = p.max(axis=0)
    size = max(x2 - x1, y2 - y1, 8.0)
    mx = max(margin * (x2 - x1), 0.1 * size)
    my = max(margin * (y2 - y1), 0.1 * size)
    w, h = frame_wh
    b = clip_boxes(np.array([[x1 - mx, y1 - my, x2 + mx, y2 + my]]), w, h)[0]
    if b[2] - b[0] < 2 or b[3] - b[1] < 2:
        return None
    return b


def describe(det: Detector) -> str:
    return json.dumps({"name": det.name, "every": det.every})
