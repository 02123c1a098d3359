"""Video -> motion: people boxes, tracks, ViTPose 2D keypoints (cached), VideoPose3D lifting, world frame.

Stage A (:func:`track_people`, expensive, cached): for every frame, person
boxes from the detector (every ``detector.every`` frames) and from the previous
frame's keypoints (:func:`~.detect.box_from_keypoints`), stable track ids
(:class:`~.tracking.Tracker`), ViTPose keypoints for every tracked person
(crops batched across frames when the boxes do not depend on keypoints, e.g.
a user-given box; one frame at a time when they are propagated). The
result (:class:`Tracks2D`: per track boxes, keypoints, scores, box source) is
stored as one ``.npz`` in the cache folder, written atomically, named by the
SHA-256 of the video's bytes and a hash of the pose model id, the detector and
the settings. Reopening a clip with the same models never runs pose again.

Stage B (:func:`reconstruct_video`, cheap): the chosen track (``person``; by
default the one seen on most frames) is lifted to 3D and put in the world frame
(:mod:`.camera_world`). Frames without a box for that person are NaN with
confidence 0 in the motion: joints are never invented (the lifter sees an
interpolated input there, but its output for those frames is discarded).
Variable-frame-rate videos are resampled by their timestamps onto a uniform
grid at the mean rate before lifting (linear, NaN where a neighbour is missing).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import Motion, save_motion, validate_motion
from .camera_world import FOCAL_FACTOR, to_world
from .detect import Detector, box_from_keypoints, make_detector
from .tracking import SOURCE_NAMES, SRC_DETECTOR, Tracker
from .video import VideoReader, file_hash

CACHE_VERSION = 1
N_KP = 17
BOOTSTRAP_MIN_SCORE = 0.3  # mean keypoint score needed to accept a full-frame guess


def default_cache_dir() -> Path:
    env = os.environ.get("IMU2SAFETY_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "imu2safety" / "pose2d"


@dataclass
class Tracks2D:
    """2D keypoints of every tracked person in one video (stage A's result, the cache content)."""

    track_ids: np.ndarray  # (K,) int
    boxes: np.ndarray  # (K, T, 4) xyxy pixels, NaN where the person has no box
    keypoints: np.ndarray  # (K, T, 17, 2) COCO-17 pixels, NaN where no box
    scores: np.ndarray  # (K, T, 17) ViTPose heatmap scores, 0 where no box
    source: np.ndarray  # (K, T) int8: 0 none, 1 detector, 2 keypoint propagation
    timestamps: np.ndarray  # (T,) seconds
    fps: Fraction
    width: int
    height: int
    vfr: bool = False
    meta: Dict = field(default_factory=dict)
    from_cache: bool = False

    @property
    def n_frames(self) -> int:
        return len(self.timestamps)

    def people(self) -> List[dict]:
        """One summary per track: id, frames seen, first/last frame, mean score, mean box height."""
        out = []
        for k, tid in enumerate(self.track_ids):
            seen = np.isfinite(self.boxes[k, :, 0])
            idx = np.nonzero(seen)[0]
            h = self.boxes[k, seen, 3] - self.boxes[k, seen, 1]
            out.append(
                {
                    "id": int(tid),
                    "frames": int(seen.sum()),
                    "first": int(idx[0]) if len(idx) else -1,
                    "last": int(idx[-1]) if len(idx) else -1,
                    "mean_score": float(self.scores[k, seen].mean()) if len(idx) else 0.0,
                    "mean_box_height": float(h.mean()) if len(idx) else 0.0,
                }
            )
        return out

    def choose(self, person: Optional[int] = None, where=None) -> int:
        """Row of the chosen track: ``person`` by id, else the one seen on most frames (then tallest)."""
        if len(self.track_ids) == 0:
            raise InputError(where, "no person was found in the video")
        if person is None:
            p = self.people()
            return max(range(len(p)), key=lambda k: (p[k]["frames"], p[k]["mean_box_height"]))
        hits = np.nonzero(self.track_ids == int(person))[0]
        if not len(hits):
            raise InputError(
                where, f"no person with id {person} (ids: {', '.join(str(int(t)) for t in self.track_ids)})"
            )
        return int(hits[0])

    # -- cache file --------------------------------------------------------------
    def save(self, path: Path) -> None:
        arrays = dict(
            track_ids=self.track_ids.astype(np.int64),
            boxes=self.boxes.astype(np.float32),
            keypoints=self.keypoints.astype(np.float32),
            scores=self.scores.astype(np.float32),
            source=self.source.astype(np.int8),
            timestamps=self.timestamps.astype(np.float64),
            fps=np.array([self.fps.numerator, self.fps.denominator], np.int64),
            size=np.array([self.width, self.height], np.int64),
            vfr=np.bool_(self.vfr),
            meta=np.str_(json.dumps(self.meta, default=str)),
            version=np.int64(CACHE_VERSION),
        )
        with atomic_path(path, suffix=".npz") as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path: Path) -> Optional["Tracks2D"]:
        try:
            with np.load(path, allow_pickle=False) as z:
                if int(z["version"]) != CACHE_VERSION:
                    return None
                fps = Fraction(int(z["fps"][0]), int(z["fps"][1]))
                return cls(
                    track_ids=z["track_ids"].astype(int),
                    boxes=z["boxes"].astype(float),
                    keypoints=z["keypoints"].astype(float),
                    scores=z["scores"].astype(float),
                    source=z["source"].astype(np.int8),
                    timestamps=z["timestamps"].astype(float),
                    fps=fps,
                    width=int(z["size"][0]),
                    height=int(z["size"][1]),
                    vfr=bool(z["vfr"]),
                    meta=json.loads(str(z["meta"])),
                    from_cache=True,
                )
        except Exception:  # a damaged cache entry is recomputed, never trusted
            return None


# -- stage A --------------------------------------------------------------------
def _settings_key(video_hash: str, pose_id: str, det: Detector, settings: dict) -> str:
    blob = json.dumps(
        {
            "v": CACHE_VERSION,
            "video": video_hash,
            "pose": pose_id,
            "detector": det.name,
            "every": det.every,
            **settings,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _pose_estimator(pose_model, device: str, allow_download: bool):
    from .pose2d import PoseEstimator

    if hasattr(pose_model, "estimate_many") and hasattr(pose_model, "model_id"):
        return pose_model  # a PoseEstimator (or another backend with the same interface)
    return PoseEstimator(pose_model, device=device, allow_download=allow_download)


def track_people(
    path: str | os.PathLike,
    detector: Detector | str | None = None,
    pose_model=None,
    device: str = "cpu",
    allow_download: bool = False,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    min_score: float = 0.3,
    max_people: int = 10,
) -> Tracks2D:
    """Stage A: 2D keypoints of every person in the video, from the cache when it has them."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file" if not path.exists() else "is not a file")
    det = detector if isinstance(detector, Detector) else make_detector(detector, device, allow_download)
    pose = _pose_estimator(pose_model, device, allow_download)
    report(progress, 0.0, "hashing video")
    vhash = file_hash(path)
    settings = {"min_score": min_score, "max_people": max_people, "propagate": getattr(det, "propagate", True)}
    key = _settings_key(vhash, pose.model_id, det, settings)
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache_file = cache_dir / f"{vhash[:16]}-{key}.npz"
    if use_cache and cache_file.is_file():
        hit = Tracks2D.load(cache_file)
        if hit is not None:
            report(progress, 1.0, "2D keypoints from cache")
            return hit
    with VideoReader(path) as video:
        result = _run_tracking(video, det, pose, progress, cancel, min_score, max_people)
    result.meta.update(
        {
            "video": str(path),
            "video_sha256": vhash,
            "pose_model": pose.model_id,
            "detector": det.name,
            "detector_every": det.every,
            "settings": settings,
            "cache_key": key,
        }
    )
    if use_cache:
        cache_dir.mkdir(parents=True, exist_ok=True)
        result.save(cache_file)
    return result


def _run_tracking(video: VideoReader, det: Detector, pose, progress, cancel, min_score, max_people) -> Tracks2D:
    T, w, h = len(video), video.width, video.height
    tracker = Tracker()
    store: Dict[int, dict] = {}
    prev: Dict[int, tuple] = {}
    propagate = getattr(det, "propagate", True)
    bootstrap = getattr(det, "bootstrap", False)

    def slot(tid):
        if tid not in store:
            store[tid] = {
                "boxes": np.full((T, 4), np.nan),
                "kps": np.full((T, N_KP, 2), np.nan),
                "scores": np.zeros((T, N_KP)),
                "source": np.zeros(T, np.int8),
            }
        return store[tid]

    if not propagate and not bootstrap:
        # boxes do not depend on earlier keypoints: detect a chunk, then one batched pose pass for it
        chunk = max(int(getattr(pose, "batch_size", 8)), 1)
        for s0 in range(0, T, chunk):
            items, assigned_all = [], []
            for i in range(s0, min(s0 + chunk, T)):
                check(cancel)
                frame = video.frame(i)
                dets = det.detect(frame)
                assigned = tracker.update(i, dets, {})[:max_people]
                items.append((frame, np.array([b for _, b, _ in assigned]).reshape(-1, 4)))
                assigned_all.append((i, assigned))
            results = pose.estimate_many(items)
            for (i, assigned), (kps, scs) in zip(assigned_all, results):
                for (tid, b, src), k, sc in zip(assigned, kps, scs):
                    st = slot(tid)
                    st["boxes"][i], st["kps"][i], st["scores"][i], st["source"][i] = b, k, sc, src
            report(progress, 0.02 + 0.96 * min(s0 + chunk, T) / T, f"2D pose frame {min(s0 + chunk, T)}/{T}")
    else:  # boxes follow the keypoints of the previous frame: one frame at a time
        for i in range(T):
            check(cancel)
            frame = video.frame(i)
            prop = {}
            if propagate:
                for tid, (k, s) in prev.items():
                    b = box_from_keypoints(k, s, (w, h), min_score=min_score)
                    if b is not None:
                        prop[tid] = b
            if bootstrap:
                run_det = not prop
            else:
                run_det = (i % det.every == 0) or not prop
            dets = det.detect(frame) if run_det else np.zeros((0, 5))
            assigned = tracker.update(i, dets, prop)[:max_people]
            prev = {}
            if assigned:
                boxes = np.array([b for _, b, _ in assigned])
                kps, scs = pose.estimate(frame, boxes)
                for (tid, b, src), k, s in zip(assigned, kps, scs):
                    if bootstrap and src == SRC_DETECTOR:
                        # a whole-frame guess: tighten the box on the keypoints, keep it only if confident
                        tight = box_from_keypoints(k, s, (w, h), min_score=min_score)
                        if tight is not None:
                            k2, s2 = pose.estimate(frame, tight[None])
                            b, k, s = tight, k2[0], s2[0]
                        if tight is None or float(np.mean(s)) < BOOTSTRAP_MIN_SCORE:
                            tracker.tracks[tid].ended = True
                            continue
                    st = slot(tid)
                    st["boxes"][i], st["kps"][i], st["scores"][i], st["source"][i] = b, k, s, src
                    prev[tid] = (k, s)
            report(progress, 0.02 + 0.96 * (i + 1) / T, f"2D pose frame {i + 1}/{T}")
    ids = sorted(store)
    K = len(ids)
    return Tracks2D(
        track_ids=np.array(ids, dtype=int),
        boxes=np.stack([store[t]["boxes"] for t in ids]) if K else np.zeros((0, T, 4)),
        keypoints=np.stack([store[t]["kps"] for t in ids]) if K else np.zeros((0, T, N_KP, 2)),
        scores=np.stack([store[t]["scores"] for t in ids]) if K else np.zeros((0, T, N_KP)),
        source=np.stack([store[t]["source"] for t in ids]) if K else np.zeros((0, T), np.int8),
        timestamps=video.timestamps,
        fps=video.fps,
        width=w,
        height=h,
        vfr=video.vfr,
        meta={"frames": T, "rotation": video.rotation, "box_sources": SOURCE_NAMES},
    )


def list_people(path, **kwargs) -> List[dict]:
    """Stage A (cached) and a summary of every tracked person, so a caller can choose the subject."""
    return track_people(path, **kwargs).people()


# -- stage B ----------------------------------------------------------------------
# COCO keypoints whose scores make each H36M joint's confidence
H36M_CONF_FROM_COCO = [
    (11, 12),
    (12,),
    (14,),
    (16,),
    (11,),
    (13,),
    (15,),
    (5, 6, 11, 12),
    (5, 6),
    (0,),
    (0, 1, 2, 3, 4),
    (5,),
    (7,),
    (9,),
    (6,),
    (8,),
    (10,),
]


def resample_uniform(values: np.ndarray, t: np.ndarray, fps: Fraction) -> np.ndarray:
    """Linear resampling of per-frame values at times ``t`` onto k / fps; NaN where a neighbour is NaN."""
    n = int(np.floor(float(t[-1] * fps))) + 1
    grid = np.arange(n) / float(fps)
    j = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(t) - 2)
    a = ((grid - t[j]) / np.maximum(t[j + 1] - t[j], 1e-12)).clip(0, 1)
    shape = (-1,) + (1,) * (values.ndim - 1)
    return values[j] * (1 - a).reshape(shape) + values[j + 1] * a.reshape(shape)


def _load_lifter(lifter, device):
    from .lift3d import TemporalModel, lifter_help, load_lifter

    if isinstance(lifter, TemporalModel):
        return lifter, "videopose3d:in-memory"
    if lifter is None:
        raise InputError(None, f"no 3D lifter given; {lifter_help()}")
    model, _traj, lid = load_lifter(lifter)
    return model, lid


def reconstruct_video(
    path: str | os.PathLike,
    out: str | os.PathLike | None = None,
    person: Optional[int] = None,
    device: str = "cpu",
    pose_model=None,
    lifter=None,
    detector: Detector | str | None = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    allow_download: bool = False,
    flip: bool = True,
    focal_factor: float = FOCAL_FACTOR,
    trajectory: bool = True,
) -> Motion:
    """A video of a person -> an ``h36m17`` :class:`~.motion.Motion` (saved to ``out`` when given)."""
    from .lift3d import lift
    from .pose2d import resolve_device

    path = Path(path)
    device = resolve_device(device)
    lift_model, lifter_id = _load_lifter(lifter, device)  # fail early on a missing lifter
    sub = (lambda f, m: report(progress, 0.9 * f, m)) if progress else None
    tr = track_people(
        path,
        detector=detector,
        pose_model=pose_model,
        device=device,
        allow_download=allow_download,
        progress=sub,
        cancel=cancel,
        cache_dir=cache_dir,
        use_cache=use_cache,
    )
    check(cancel)
    row = tr.choose(person, path)
    tid = int(tr.track_ids[row])
    kps, scores = tr.keypoints[row], np.clip(tr.scores[row], 0.0, 1.0)
    observed = np.isfinite(kps).all(axis=(1, 2))
    if not observed.any():
        raise InputError(path, f"person {tid} has no frame with keypoints")
    fps = tr.fps
    if tr.vfr:
        kps = resample_uniform(kps, tr.timestamps, fps)
        scores = np.nan_to_num(resample_uniform(np.where(observed[:, None], scores, np.nan), tr.timestamps, fps))
        observed = np.isfinite(kps).all(axis=(1, 2))
    report(progress, 0.92, "lifting to 3D")
    joints_cam, obs = lift(lift_model, kps, tr.width, tr.height, flip=flip, device=device)
    check(cancel)
    conf = np.zeros((len(kps), 17))
    for j, src in enumerate(H36M_CONF_FROM_COCO):
        conf[:, j] = scores[:, list(src)].mean(axis=1)
    conf[~obs] = 0.0
    world = to_world(joints_cam, kps, scores, tr.width, tr.height, focal_factor=focal_factor, trajectory=trajectory)
    people = tr.people()
    meta = {
        "source": "video",
        "importer": "imu2safety.core.reconstruct.pipeline",
        "video": str(path.resolve()),
        "video_sha256": tr.meta.get("video_sha256"),
        "fps_exact": str(fps),
        "vfr_resampled": bool(tr.vfr),
        "frame_size": [tr.width, tr.height],
        "person": tid,
        "people": people,
        "pose_model": tr.meta.get("pose_model"),
        "detector": tr.meta.get("detector"),
        "detector_every": tr.meta.get("detector_every"),
        "lifter": lifter_id,
        "lifter_flip_tta": flip,
        "receptive_field": lift_model.receptive_field(),
        "observed_frames": int(obs.sum()),
        "missing_frames": int((~obs).sum()),
        "box_sources": {name: int((tr.source[row] == code).sum()) for code, name in SOURCE_NAMES.items()},
        "world": world.info,
        "up_camera": world.up_camera.tolist(),
        "pose_from_cache": tr.from_cache,
        "settings": tr.meta.get("settings"),
    }
    m = Motion(joints=world.joints, fps=float(fps), skeleton="h36m17", up=world.up, confidence=conf, meta=meta)
    validate_motion(m, path)
    if out is not None:
        save_motion(m, out)
    report(progress, 1.0, "done")
    return m
