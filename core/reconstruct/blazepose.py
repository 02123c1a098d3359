"""BlazePose (MediaPipe Pose, GHUM 3D) on the LiteRT interpreter: 33 body landmarks with hands, and 3D world landmarks.

The trained models ship as ``.tflite`` files (:mod:`.model_files`); this module
re-implements the MediaPipe graph around them in numpy/OpenCV (never importing
``mediapipe``), following ``pose_detection_cpu.pbtxt``, ``pose_landmark_cpu.pbtxt``
and their calculators:

1. **Detector** (``pose_detection.tflite``, 224 x 224, RGB in [-1, 1], the
   image letterboxed with black): 2,254 SSD anchors (strides 8, 16, 32, 32, 32,
   two anchors per cell per layer, layers of equal stride merged, fixed size 1,
   centres at (i + 0.5) / feature-map size). Each anchor regresses a box and 4
   key points in 224-pixel units; the score is ``sigmoid(clip(logit, +-100))``.
   Candidates >= ``min_score`` (0.5) go through *weighted* non-maximum suppression
   (IoU 0.3: the overlapping candidates' boxes and key points are averaged,
   weighted by score, under the best one's score).
2. **Region of interest**: key point 0 is the hip centre, key point 1 the top of
   the body circle. ROI centre = key point 0, side = 2 |kp1 - kp0| x 1.25, rotated
   so that kp0 -> kp1 points up (``AlignmentPointsRectsCalculator`` +
   ``RectTransformationCalculator``; the rotation is
   ``pi/2 - atan2(-(y1 - y0), x1 - x0)`` in image coordinates).
3. **Landmark model** (``pose_landmark_{lite,full,heavy}.tflite``, 256 x 256 RGB in
   [0, 1] of the rotated ROI, edge pixels replicated): 39 x (x, y, z, visibility
   logit, presence logit) in crop pixels (33 body points + 6 auxiliary), a pose
   presence probability, a 64 x 64 x 39 heatmap and 39 x 3 world landmarks.
   x, y are refined by the heatmap (score-weighted mean over a 7 x 7 window where
   the heatmap's peak probability is >= 0.5, ``RefineLandmarksFromHeatmapCalculator``)
   and mapped back into the frame through the ROI's affine transform; z is scaled
   like x (pixels, relative to the hips). World landmarks are metres, origin at
   the hip centre, rotated by the ROI's angle into camera axes (x right, y down,
   z away from the camera).
4. **Tracking** (MediaPipe's scheme): the next frame's ROI comes from this
   frame's auxiliary landmarks 33 (hip centre) and 34 (body circle), exactly as
   from a detection. When the pose presence drops below ``min_presence`` (0.5)
   the person is lost and must be detected again.

MediaPipe's detector is short-range (a person filling a good part of the
image). :class:`BlazePoseDetector` therefore also scans an overlapping grid of
tiles (side half the frame's short side), and :class:`BlazePoseEstimator`,
given any person box without a tracked ROI (HOG, RT-DETR, a user box), runs the
detector on a square crop around that box, falling back to an upright ROI on
the box itself; the pose presence decides whether a person is there.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from scipy.special import expit

from ..base.limits import MAX_THREADS, check_range
from ..motion.skeletons import BLAZEPOSE33
from .detect import Detector

N_LANDMARKS = 33
N_ALL = 39  # 33 body + 6 auxiliary (33: hip centre, 34: body circle; 35-38 unused here)
DET_SIZE = 224
LM_SIZE = 256
ROI_SCALE = 1.25
MIN_DET_SCORE = 0.5
NMS_IOU = 0.3
MIN_PRESENCE = 0.5
HEATMAP_KERNEL = 7
HEATMAP_MIN_CONF = 0.5
SEGMENTATION = ("Identity_2",)  # the landmark model's 256 x 256 person mask: not used, not copied out

LANDMARK_NAMES = BLAZEPOSE33.joints

# left <-> right partner of every landmark (for mirroring)
MIRROR = tuple(
    LANDMARK_NAMES.index(n.replace("l_", "#").replace("r_", "l_").replace("#", "r_")) for n in LANDMARK_NAMES
)


def ssd_anchors(size: int = DET_SIZE, strides: Sequence[int] = (8, 16, 32, 32, 32), per_layer: int = 2) -> np.ndarray:
    """(N, 2) anchor centres in [0, 1] (``SsdAnchorsCalculator`` with fixed anchor size 1)."""
    out = []
    i = 0
    while i < len(strides):
        j = i
        while j < len(strides) and strides[j] == strides[i]:
            j += 1
        fm = math.ceil(size / strides[i])
        ys, xs = np.mgrid[0:fm, 0:fm]
        centres = np.stack([(xs + 0.5) / fm, (ys + 0.5) / fm], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(centres, per_layer * (j - i), axis=1).reshape(-1, 2))
        i = j
    return np.concatenate(out)


def _box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1]) - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def weighted_nms(boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU):
    """MediaPipe's WEIGHTED non-maximum suppression: ``[(score, box, keypoints)]`` best first."""
    order = np.argsort(-scores, kind="stable")
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    left = np.arange(len(scores))
    out = []
    while len(left):
        top = left[0]
        together = (_box_iou(boxes[top], boxes[left]) > iou) | (left == top)
        cand = left[together]
        w = scores[cand]
        box = (boxes[cand] * w[:, None]).sum(axis=0) / w.sum()
        kps = (keypoints[cand] * w[:, None, None]).sum(axis=0) / w.sum()
        out.append((float(scores[top]), box, kps))
        left = left[~together]
    return out


@dataclass(frozen=True)
class Roi:
    """A rotated square region of interest in frame pixels (centre, side, rotation in radians)."""

    cx: float
    cy: float
    size: float
    rotation: float

    @classmethod
    def from_alignment(cls, p0, p1, scale: float = ROI_SCALE) -> "Roi":
        """Centre ``p0`` (hip centre), side ``2 |p1 - p0| * scale``, ``p0 -> p1`` pointing up in the crop."""
        d = np.asarray(p1, float) - np.asarray(p0, float)
        rot = math.pi / 2 - math.atan2(-d[1], d[0])
        rot -= 2 * math.pi * math.floor((rot + math.pi) / (2 * math.pi))
        return cls(float(p0[0]), float(p0[1]), 2.0 * float(np.hypot(d[0], d[1])) * scale, rot)

    @classmethod
    def upright_on_box(cls, box: Sequence[float]) -> "Roi":
        """An upright ROI for a person box: centred on it, side 1.25 x its longer side."""
        x1, y1, x2, y2 = (float(v) for v in box[:4])
        return cls((x1 + x2) / 2, (y1 + y2) / 2, ROI_SCALE * max(x2 - x1, y2 - y1), 0.0)

    def crop_to_frame(self, n: int = LM_SIZE) -> np.ndarray:
        """2 x 3 affine matrix taking crop pixel coordinates (0..n) to frame pixel coordinates."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        k = self.size / n
        a = np.array([[c * k, -s * k], [s * k, c * k]])
        t = np.array([self.cx, self.cy]) - a @ np.array([n / 2.0, n / 2.0])
        return np.c_[a, t]

    def corners(self) -> np.ndarray:
        """(4, 2) frame pixels of the crop's corners (top-left, top-right, bottom-right, bottom-left)."""
        m = self.crop_to_frame(1)
        return np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float) @ m[:, :2].T + m[:, 2]

    def valid(self) -> bool:
        return all(math.isfinite(v) for v in (self.cx, self.cy, self.size, self.rotation)) and self.size >= 4.0


@dataclass
class PoseDetection:
    score: float
    box: np.ndarray  # (4,) the detector's own box (around the face and upper body), frame pixels xyxy
    keypoints: np.ndarray  # (4, 2) frame pixels; 0 hip centre, 1 body circle

    @property
    def roi(self) -> Roi:
        return Roi.from_alignment(self.keypoints[0], self.keypoints[1])


@dataclass
class Landmarks:
    """One landmark-model result, in the original frame."""

    xy: np.ndarray  # (39, 2) frame pixels (33 body points, then 6 auxiliary ones)
    z: np.ndarray  # (39,) depth relative to the hips, in pixels (scaled like x)
    visibility: np.ndarray  # (39,) probability of being in the image and not occluded
    presence: np.ndarray  # (39,) probability of being in the image
    pose_presence: float  # probability that the ROI holds a person
    world: np.ndarray  # (33, 3) metres, hip-centred, camera axes (x right, y down, z away from the camera)
    roi: Roi

    def next_roi(self) -> Roi:
        """The next frame's ROI, from the auxiliary landmarks (MediaPipe's tracking)."""
        return Roi.from_alignment(self.xy[33], self.xy[34])

    def box(self, frame_wh, min_visibility: float = 0.5, margin: float = 0.1) -> Optional[np.ndarray]:
        """xyxy box around the visible body landmarks (widened by ``margin``), clipped; None if < 4 visible."""
        ok = self.visibility[:N_LANDMARKS] >= min_visibility
        if ok.sum() < 4:
            return None
        p = self.xy[:N_LANDMARKS][ok]
        (x1, y1), (x2, y2) = p.min(axis=0), p.max(axis=0)
        mx, my = margin * max(x2 - x1, 4.0), margin * max(y2 - y1, 4.0)
        w, h = frame_wh
        b = np.array([max(x1 - mx, 0.0), max(y1 - my, 0.0), min(x2 + mx, w - 1.0), min(y2 + my, h - 1.0)])
        return b if b[2] - b[0] >= 2 and b[3] - b[1] >= 2 else None


@contextlib.contextmanager
def _quiet_stderr():
    """Silence the C++ runtime's one-time "Created TensorFlow Lite XNNPACK delegate" line."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)


class TfliteModel:
    """One ``.tflite`` model on the LiteRT interpreter (XNNPACK on CPU), from verified bytes."""

    def __init__(self, content: bytes, threads: int = 1, name: str = "model", skip: Sequence[str] = ()):
        from ai_edge_litert.interpreter import Interpreter

        self.name = name
        with _quiet_stderr():
            self.interpreter = Interpreter(model_content=content, num_threads=max(int(threads), 1))
            self.interpreter.allocate_tensors()
        inp = self.interpreter.get_input_details()[0]
        self.input_index = inp["index"]
        self.input_shape = tuple(int(v) for v in inp["shape"])
        self.output_names = {d["name"] for d in self.interpreter.get_output_details()}
        self.outputs = {d["name"]: d["index"] for d in self.interpreter.get_output_details() if d["name"] not in skip}
        self.calls = 0

    def __call__(self, x: np.ndarray) -> Dict[str, np.ndarray]:
        self.interpreter.set_tensor(self.input_index, x)
        self.interpreter.invoke()
        self.calls += 1
        return {k: self.interpreter.get_tensor(i) for k, i in self.outputs.items()}


class PoseDetectorModel:
    """The BlazePose person detector on one image region (letterboxed to 224 x 224)."""

    def __init__(self, model: TfliteModel, min_score: float = MIN_DET_SCORE):
        if model.input_shape != (1, DET_SIZE, DET_SIZE, 3) or model.output_names != {"Identity", "Identity_1"}:
            raise ValueError(f"{model.name} is not the BlazePose detector (input {model.input_shape})")
        self.model = model
        self.anchors = ssd_anchors()
        self.min_score = min_score
        self.best_score = 0.0  # best anchor score of the last call (diagnostics)

    def detect(self, rgb: np.ndarray, region: Optional[Tuple[float, float, float]] = None) -> List[PoseDetection]:
        """Detections in frame pixels; ``region`` = (x0, y0, side) limits the search to that square."""
        h, w = rgb.shape[:2]
        x0, y0, side_w, side_h = (
            (0.0, 0.0, float(w), float(h)) if region is None else (*region[:2], region[2], region[2])
        )
        s = DET_SIZE / max(side_w, side_h)
        px, py = (DET_SIZE - side_w * s) / 2, (DET_SIZE - side_h * s) / 2
        m = np.array([[s, 0.0, px - s * x0], [0.0, s, py - s * y0]])
        img = cv2.warpAffine(rgb, m, (DET_SIZE, DET_SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
        out = self.model(np.ascontiguousarray(img, np.float32)[None] * (2.0 / 255.0) - 1.0)
        raw = out["Identity"][0].astype(np.float64)
        scores = expit(np.clip(out["Identity_1"][0, :, 0].astype(np.float64), -100.0, 100.0))
        self.best_score = float(scores.max())
        keep = scores >= self.min_score
        if not keep.any():
            return []
        raw, scores, a = raw[keep], scores[keep], self.anchors[keep]
        cx, cy = raw[:, 0] / DET_SIZE + a[:, 0], raw[:, 1] / DET_SIZE + a[:, 1]
        bw, bh = raw[:, 2] / DET_SIZE, raw[:, 3] / DET_SIZE
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=-1)
        kps = raw[:, 4:12].reshape(-1, 4, 2) / DET_SIZE + a[:, None, :]
        dets = []
        for score, box, k in weighted_nms(boxes, kps, scores):
            # letterboxed [0, 1] -> frame pixels
            box = (box * DET_SIZE - [px, py, px, py]) / s + [x0, y0, x0, y0]
            k = (k * DET_SIZE - [px, py]) / s + [x0, y0]
            dets.append(PoseDetection(score, box, k))
        return dets


def refine_from_heatmap(xy_norm: np.ndarray, heatmap: np.ndarray, kernel: int = HEATMAP_KERNEL,
                        min_conf: float = HEATMAP_MIN_CONF) -> np.ndarray:  # fmt: skip
    """Landmarks (N, 2) in [0, 1] refined by the heatmap (H, W, N) as ``RefineLandmarksFromHeatmapCalculator``:
    the sigmoid-weighted mean position over a ``kernel`` x ``kernel`` window (cut at the edges) around each
    landmark's cell, where the window's peak probability reaches ``min_conf``; points outside stay."""
    hgt, wid, n = heatmap.shape
    out = np.array(xy_norm, float, copy=True)
    m = min(n, len(out))
    off = (kernel - 1) // 2
    with np.errstate(invalid="ignore"):
        col = np.trunc(np.nan_to_num(out[:m, 0], nan=-1.0) * wid).astype(int)  # C++ int(): toward zero
        row = np.trunc(np.nan_to_num(out[:m, 1], nan=-1.0) * hgt).astype(int)
    inside = (col >= 0) & (col < wid) & (row >= 0) & (row < hgt) & np.isfinite(out[:m]).all(axis=1)
    d = np.arange(-off, off + 1)
    rr = row[:, None, None] + d[None, :, None]  # (m, k, 1)
    cc = col[:, None, None] + d[None, None, :]  # (m, 1, k)
    valid = (rr >= 0) & (rr < hgt) & (cc >= 0) & (cc < wid) & inside[:, None, None]
    ch = np.arange(m)[:, None, None]
    vals = heatmap[np.clip(rr, 0, hgt - 1), np.clip(cc, 0, wid - 1), ch].astype(np.float64)
    p = np.where(valid, expit(vals), 0.0)
    total = p.sum(axis=(1, 2))
    use = inside & (p.max(axis=(1, 2)) >= min_conf) & (total > 0)
    if use.any():
        safe = np.where(total > 0, total, 1.0)
        out[:m][use, 0] = ((cc * p).sum(axis=(1, 2)) / wid / safe)[use]
        out[:m][use, 1] = ((rr * p).sum(axis=(1, 2)) / hgt / safe)[use]
    return out


class LandmarkModel:
    """The BlazePose landmark model on a rotated ROI of a frame."""

    def __init__(self, model: TfliteModel):
        want = {"Identity", "Identity_1", "Identity_2", "Identity_3", "Identity_4"}
        if model.input_shape != (1, LM_SIZE, LM_SIZE, 3) or model.output_names != want:
            raise ValueError(f"{model.name} is not a BlazePose landmark model (input {model.input_shape})")
        self.model = model

    def crop(self, rgb: np.ndarray, roi: Roi) -> np.ndarray:
        """The 256 x 256 RGB model input for ``roi`` (uint8, edges replicated)."""
        return cv2.warpAffine(rgb, roi.crop_to_frame(), (LM_SIZE, LM_SIZE),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)  # fmt: skip

    def run(self, rgb: np.ndarray, roi: Roi) -> Landmarks:
        crop = self.crop(rgb, roi)
        out = self.model(np.ascontiguousarray(crop, np.float32)[None] * (1.0 / 255.0))
        raw = out["Identity"][0].reshape(N_ALL, 5).astype(np.float64)
        heat = out["Identity_3"][0]
        world = out["Identity_4"][0].reshape(N_ALL, 3)[:N_LANDMARKS].astype(np.float64)
        xy = refine_from_heatmap(raw[:, :2] / LM_SIZE, heat) * LM_SIZE
        m = roi.crop_to_frame()
        c, s = math.cos(roi.rotation), math.sin(roi.rotation)
        world = np.c_[c * world[:, 0] - s * world[:, 1], s * world[:, 0] + c * world[:, 1], world[:, 2]]
        return Landmarks(
            xy=xy @ m[:, :2].T + m[:, 2],
            z=raw[:, 2] * roi.size / LM_SIZE,
            visibility=expit(raw[:, 3]),
            presence=expit(raw[:, 4]),
            pose_presence=float(out["Identity_1"].reshape(-1)[0]),
            world=world,
            roi=roi,
        )


# -- the pipeline's interfaces ------------------------------------------------------------------
def tile_grid(width: int, height: int, overlap: float = 0.25) -> List[Tuple[float, float, float]]:
    """Overlapping square tiles ``(x0, y0, side)`` for finding people too small for the whole-frame search.

    The side is half the frame's short side, at least the detector's 224 pixels (a
    tile is never enlarged) and at most the short side; none when a tile would be
    most of the frame.
    """
    short = float(min(width, height))
    side = min(max(short / 2.0, float(DET_SIZE)), short)
    if side > 0.75 * max(width, height):
        return []
    step = side * (1.0 - overlap)

    def starts(length: float) -> List[float]:
        n = max(int(math.ceil((length - side) / step)), 0) + 1
        return [float(v) for v in np.linspace(0.0, max(length - side, 0.0), n)]

    return [(x, y, side) for y in starts(height) for x in starts(width)]


class BlazePoseEstimator:
    """BlazePose landmarks for person boxes, with MediaPipe's per-person ROI tracking.

    The pipeline calls :meth:`estimate` once per frame with the boxes of the
    tracked people and their track ids. A person whose landmarks were found on
    the previous frame is followed through the ROI from those landmarks; a new
    or lost person starts from the detection that found them (the
    :class:`BlazePoseDetector` of this estimator hands its ROIs over), else from
    the detector run on a square crop around the box (1.5 x its longer side),
    else from an upright ROI on the box. A pose presence below ``min_presence``
    gives NaN landmarks with score 0 and drops the ROI.

    ``estimate`` returns ``(keypoints (N, 33, 2) frame pixels, scores (N, 33)
    visibility, extra)`` with ``extra["world"] (N, 33, 3)`` metres (hip-centred,
    camera axes), ``extra["presence"] (N, 33)`` and ``extra["pose_presence"] (N,)``.
    """

    layout = "blazepose33"
    n_keypoints = N_LANDMARKS
    stateful = True
    batch_size = 1

    def __init__(self, model: Optional[str] = None, threads: int = 1, min_presence: float = MIN_PRESENCE,
                 min_detection_score: float = MIN_DET_SCORE):  # fmt: skip
        from . import model_files

        check_range(threads, 1, MAX_THREADS, "--threads")  # before the models load; LiteRT takes a C int
        (det_file, det_dirs), (lm_file, lm_dirs), variant = model_files.resolve(model)
        det_path, det_bytes = model_files.load_verified(det_file, det_dirs)
        lm_path, lm_bytes = model_files.load_verified(lm_file, lm_dirs)
        self.threads = max(int(threads), 1)
        self.variant = variant
        self.paths = {"detector": det_path, "landmarks": lm_path}
        self.detector_model = PoseDetectorModel(
            TfliteModel(det_bytes, self.threads, det_path.name), min_detection_score
        )
        self.landmark_model = LandmarkModel(TfliteModel(lm_bytes, self.threads, lm_path.name, skip=SEGMENTATION))
        self.min_presence = float(min_presence)
        self.model_id = f"blazepose-{variant}:{lm_file.sha256[:12]}+{det_file.sha256[:12]}"
        self._rois: Dict[int, Roi] = {}
        self._handover: Dict[Tuple[float, ...], Landmarks] = {}  # this frame's detections, by box
        self.live_boxes: Dict[int, np.ndarray] = {}

    @property
    def calls(self) -> int:
        """Model invocations so far (detector + landmarks): tests count them to prove the cache works."""
        return self.detector_model.model.calls + self.landmark_model.model.calls

    def reset(self) -> None:
        self._rois.clear()
        self._handover.clear()
        self.live_boxes.clear()

    def default_detector(self) -> "BlazePoseDetector":
        return BlazePoseDetector(self)

    # -- one box -------------------------------------------------------------------------------
    def _detect_in_box(self, rgb: np.ndarray, box: np.ndarray) -> Optional[Landmarks]:
        h, w = rgb.shape[:2]
        bw, bh = box[2] - box[0], box[3] - box[1]
        side = min(1.5 * max(bw, bh), float(max(w, h)))
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        best = None
        for d in self.detector_model.detect(rgb, (cx - side / 2, cy - side / 2, side)):
            if not (box[0] <= d.keypoints[0, 0] <= box[2] and box[1] <= d.keypoints[0, 1] <= box[3]):
                continue  # a detection whose hips are outside the box is somebody else
            if d.roi.valid():
                best = self.landmark_model.run(rgb, d.roi)
                break
        if best is None or best.pose_presence < self.min_presence:
            upright = self.landmark_model.run(rgb, Roi.upright_on_box(box))
            if best is None or upright.pose_presence > best.pose_presence:
                best = upright
        return best

    def _one(self, rgb: np.ndarray, box: np.ndarray, tid: Optional[int]) -> Optional[Landmarks]:
        roi = self._rois.get(tid) if tid is not None else None
        if roi is not None:
            lm = self.landmark_model.run(rgb, roi)
            if lm.pose_presence >= self.min_presence:
                return lm
        lm = self._handover.get(tuple(np.round(box[:4], 3)))
        if lm is None:
            lm = self._detect_in_box(rgb, box)
        return lm if lm is not None and lm.pose_presence >= self.min_presence else None

    def estimate(self, frame_bgr: np.ndarray, boxes_xyxy: np.ndarray, ids: Optional[Sequence[int]] = None):
        boxes = np.asarray(boxes_xyxy, float).reshape(-1, 4) if len(boxes_xyxy) else np.zeros((0, 4))
        n = len(boxes)
        kps = np.full((n, N_LANDMARKS, 2), np.nan)
        scores = np.zeros((n, N_LANDMARKS))
        extra = {
            "world": np.full((n, N_LANDMARKS, 3), np.nan),
            "presence": np.zeros((n, N_LANDMARKS)),
            "pose_presence": np.zeros(n),
        }
        rgb = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB) if n else None
        seen: Dict[int, Roi] = {}
        live: Dict[int, np.ndarray] = {}
        for k in range(n):
            tid = None if ids is None else int(ids[k])
            lm = self._one(rgb, boxes[k], tid)
            if lm is None:
                continue
            kps[k], scores[k] = lm.xy[:N_LANDMARKS], lm.visibility[:N_LANDMARKS]
            extra["world"][k], extra["presence"][k] = lm.world, lm.presence[:N_LANDMARKS]
            extra["pose_presence"][k] = lm.pose_presence
            if tid is not None:
                nxt = lm.next_roi()
                if nxt.valid():
                    seen[tid] = nxt
                b = lm.box(frame_bgr.shape[1::-1])
                if b is not None:
                    live[tid] = b
        if ids is not None:
            self._rois, self.live_boxes = seen, live
        self._handover.clear()
        return kps, scores, extra

    def estimate_many(self, items: Sequence[Tuple[np.ndarray, np.ndarray]]):
        """Frames with boxes and no track ids (each box detected afresh): ``[(kps, scores, extra)]``."""
        return [self.estimate(frame, boxes) for frame, boxes in items]


class BlazePoseDetector(Detector):
    """Person boxes from the BlazePose detector on the whole frame and an overlapping grid of tiles.

    Every detection is checked by the landmark model (pose presence >= the
    estimator's ``min_presence``); its box is the box around the visible
    landmarks, so that it matches the boxes the pipeline propagates from
    landmarks, and its landmarks are handed to the estimator for this frame.
    Detections of a person already tracked (the detector's hip point, or the
    landmarks' hip centre, inside that person's box) are dropped: that person is
    followed by its ROI. While somebody is tracked, the search for new people
    runs once every ``every_s`` seconds of video (1 s); with nobody tracked, on
    every frame. ``tiles=False`` searches the whole frame only, as MediaPipe does
    (people filling a good part of it).
    """

    every = 10  # frames; set from the video's frame rate by set_fps (every_s seconds)
    every_s = 1.0

    def __init__(self, estimator: BlazePoseEstimator, tiles: bool = True, every_s: Optional[float] = None):
        self.estimator = estimator
        self.tiles = bool(tiles)
        if every_s is not None:
            self.every_s = float(every_s)
        self.name = "blazepose" + ("+tiles" if self.tiles else "")

    def set_fps(self, fps: float) -> None:
        self.every = max(int(round(float(fps) * self.every_s)), 1)

    @staticmethod
    def _inside(p: np.ndarray, boxes: Sequence[np.ndarray]) -> bool:
        return any(b[0] <= p[0] <= b[2] and b[1] <= p[1] <= b[3] for b in boxes)

    def detect(self, frame: np.ndarray) -> np.ndarray:
        est = self.estimator
        h, w = frame.shape[:2]
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        found: List[PoseDetection] = list(est.detector_model.detect(rgb))
        if self.tiles:
            for region in tile_grid(w, h):
                found.extend(est.detector_model.detect(rgb, region))
        if not found:
            return np.zeros((0, 5))
        found.sort(key=lambda d: -d.score)
        taken = list(est.live_boxes.values())  # people followed by their ROI, then the ones found here
        out: List[Tuple[np.ndarray, float, Landmarks]] = []
        for d in found:
            if self._inside(d.keypoints[0], taken) or not d.roi.valid():
                continue
            lm = est.landmark_model.run(rgb, d.roi)
            if lm.pose_presence < est.min_presence:
                continue
            box = lm.box((w, h))
            if box is None or self._inside(lm.xy[[23, 24]].mean(axis=0), taken):
                continue  # somebody already taken, seen from another tile
            out.append((box, d.score * lm.pose_presence, lm))
            taken.append(box)
        est._handover = {tuple(np.round(b, 3)): lm for b, _, lm in out}
        return np.array([[*b, s] for b, s, _ in out]).reshape(-1, 5)
