"""Video -> motion: people boxes, tracks, 2D keypoints (cached), 3D joints, world frame.

Stage A (:func:`track_people`, expensive, cached): for every frame, person
boxes from the detector (every ``detector.every`` frames) and from the previous
frame's keypoints (:func:`~.detect.box_from_keypoints`), stable track ids
(:class:`~.tracking.Tracker`) and keypoints for every tracked person from the
pose engine (:mod:`.engines`): BlazePose by default (33 landmarks with hands,
visibility, presence and 3D world landmarks; each person followed by
MediaPipe's ROI tracking, so the engine gets the track ids), or ViTPose
(COCO-17; crops batched across frames when the boxes do not depend on
keypoints, e.g. a user-given box). The result (:class:`Tracks2D`: per track
boxes, keypoints, scores, box source, and BlazePose's world landmarks) is
stored as one ``.npz`` in the cache folder, written atomically, named by the
SHA-256 of the video's bytes and a hash of the pose model id, the detector and
the settings. Reopening a clip with the same models never runs pose again.

Stage B (:func:`reconstruct_video`, cheap): the chosen track (``person``; by
default the one seen on most frames) becomes 3D joints in the world frame:
BlazePose's world landmarks placed by PnP (:mod:`.landmarks3d`, skeleton
``blazepose33``), or, with a ``lifter``, VideoPose3D on the COCO-17 keypoints
(BlazePose's mapped to COCO-17) put in the world frame by :mod:`.camera_world`
(skeleton ``h36m17``). Frames without keypoints for that person are NaN with
confidence 0 in the motion: joints are never invented (the lifter sees an
interpolated input there, but its output for those frames is discarded).
Variable-frame-rate videos are resampled by their timestamps onto a uniform
grid at the mean rate before 3D (linear, NaN where a neighbour is missing).
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
from ..base.files import check_input_file
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import Motion, save_motion, validate_motion
from ..motion.skeletons import get_skeleton
from .camera_world import FOCAL_FACTOR, to_world
from .detect import Detector, box_from_keypoints
from .engines import load_models, resolve_compute
from .landmarks3d import CUTOFF_HZ, DEPTH_CUTOFF_HZ, MIN_HAND_TORSO_PX, MIN_VISIBILITY, landmarks_to_world
from .sides import consistent_sides
from .tracking import SOURCE_NAMES, SRC_DETECTOR, Tracker
from .video import VideoReader, file_hash

CACHE_VERSION = 2
N_KP = 17  # COCO-17 (ViTPose, and the lifter's input)
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
    keypoints: np.ndarray  # (K, T, J, 2) pixels (J = 17 COCO or 33 BlazePose), NaN where no keypoints
    scores: np.ndarray  # (K, T, J) ViTPose heatmap scores or BlazePose visibility, 0 where no keypoints
    source: np.ndarray  # (K, T) int8: 0 none, 1 detector, 2 keypoint propagation
    timestamps: np.ndarray  # (T,) seconds
    fps: Fraction
    width: int
    height: int
    vfr: bool = False
    meta: Dict = field(default_factory=dict)
    from_cache: bool = False
    layout: str = "coco17"  # or "blazepose33"
    world: Optional[np.ndarray] = None  # (K, T, J, 3) BlazePose world landmarks, metres, camera axes
    presence: Optional[np.ndarray] = None  # (K, T, J) BlazePose landmark presence

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
            layout=np.str_(self.layout),
        )
        if self.world is not None:
            arrays["world"] = self.world.astype(np.float32)
        if self.presence is not None:
            arrays["presence"] = self.presence.astype(np.float32)
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
                    layout=str(z["layout"]),
                    world=z["world"].astype(float) if "world" in z.files else None,
                    presence=z["presence"].astype(float) if "presence" in z.files else None,
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
            "every": getattr(det, "every_s", det.every),
            **settings,
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


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
    threads: int = 1,
) -> Tracks2D:
    """Stage A: 2D keypoints of every person in the video, from the cache when it has them."""
    path = Path(path)
    check_input_file(path)
    pose, det, _, _ = load_models(pose_model, None, detector, device, allow_download, threads)
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
    if hasattr(pose, "reset"):
        pose.reset()
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
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(cache_dir, f"cannot create the pose cache folder ({exc.strerror or exc})") from None
        result.save(cache_file)
    return result


def _unpack(res):
    """``(keypoints, scores, extra)`` from an estimator's result (ViTPose returns no extra)."""
    return (res[0], res[1], res[2]) if len(res) > 2 else (res[0], res[1], {})


def _run_tracking(video: VideoReader, det: Detector, pose, progress, cancel, min_score, max_people) -> Tracks2D:
    T, w, h = len(video), video.width, video.height
    if hasattr(det, "set_fps"):
        det.set_fps(float(video.fps))
    J = int(getattr(pose, "n_keypoints", N_KP))
    stateful = bool(getattr(pose, "stateful", False))
    tracker = Tracker()
    store: Dict[int, dict] = {}
    prev: Dict[int, tuple] = {}
    propagate = getattr(det, "propagate", True)
    bootstrap = getattr(det, "bootstrap", False)

    def slot(tid):
        if tid not in store:
            store[tid] = {
                "boxes": np.full((T, 4), np.nan),
                "kps": np.full((T, J, 2), np.nan),
                "scores": np.zeros((T, J)),
                "source": np.zeros(T, np.int8),
                "world": np.full((T, J, 3), np.nan),
                "presence": np.zeros((T, J)),
            }
        return store[tid]

    def put(tid, i, b, k, sc, src, extra, n):
        st = slot(tid)
        st["boxes"][i], st["kps"][i], st["scores"][i], st["source"][i] = b, k, sc, src
        if "world" in extra:
            st["world"][i], st["presence"][i] = extra["world"][n], extra["presence"][n]

    if not propagate and not bootstrap and not stateful:
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
            for (i, assigned), res in zip(assigned_all, results):
                kps, scs, extra = _unpack(res)
                for n, ((tid, b, src), k, sc) in enumerate(zip(assigned, kps, scs)):
                    put(tid, i, b, k, sc, src, extra, n)
            report(progress, 0.02 + 0.96 * min(s0 + chunk, T) / T, f"2D pose frame {min(s0 + chunk, T)}/{T}")
    else:  # boxes (or the engine's regions of interest) follow the previous frame: one frame at a time
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
                if stateful:
                    kps, scs, extra = _unpack(pose.estimate(frame, boxes, ids=[tid for tid, _, _ in assigned]))
                else:
                    kps, scs, extra = _unpack(pose.estimate(frame, boxes))
                for n, ((tid, b, src), k, s) in enumerate(zip(assigned, kps, scs)):
                    if stateful and not np.isfinite(k).any():
                        if src == SRC_DETECTOR and bootstrap:
                            tracker.tracks[tid].ended = True  # the whole-frame guess holds nobody
                        continue
                    if bootstrap and src == SRC_DETECTOR and not stateful:
                        # a whole-frame guess: tighten the box on the keypoints, keep it only if confident
                        tight = box_from_keypoints(k, s, (w, h), min_score=min_score)
                        if tight is not None:
                            k2, s2, _ = _unpack(pose.estimate(frame, tight[None]))
                            b, k, s = tight, k2[0], s2[0]
                        if tight is None or float(np.mean(s)) < BOOTSTRAP_MIN_SCORE:
                            tracker.tracks[tid].ended = True
                            continue
                    put(tid, i, b, k, s, src, extra, n)
                    prev[tid] = (k, s)
            report(progress, 0.02 + 0.96 * (i + 1) / T, f"2D pose frame {i + 1}/{T}")
    ids = sorted(store)
    K = len(ids)
    layout = str(getattr(pose, "layout", "coco17"))
    has_world = layout == "blazepose33"
    return Tracks2D(
        track_ids=np.array(ids, dtype=int),
        boxes=np.stack([store[t]["boxes"] for t in ids]) if K else np.zeros((0, T, 4)),
        keypoints=np.stack([store[t]["kps"] for t in ids]) if K else np.zeros((0, T, J, 2)),
        scores=np.stack([store[t]["scores"] for t in ids]) if K else np.zeros((0, T, J)),
        source=np.stack([store[t]["source"] for t in ids]) if K else np.zeros((0, T), np.int8),
        timestamps=video.timestamps,
        fps=video.fps,
        width=w,
        height=h,
        vfr=video.vfr,
        meta={"frames": T, "rotation": video.rotation, "box_sources": SOURCE_NAMES, "layout": layout},
        layout=layout,
        world=(np.stack([store[t]["world"] for t in ids]) if K else np.zeros((0, T, J, 3))) if has_world else None,
        presence=(np.stack([store[t]["presence"] for t in ids]) if K else np.zeros((0, T, J))) if has_world else None,
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


# BlazePose landmarks that are COCO-17's keypoints (the lifter's input)
COCO_FROM_BLAZEPOSE = (0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
MIN_OBSERVED_FRACTION = 0.5  # of the frames between a person's first and last appearance


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
    threads: int = 1,
    min_visibility: float = MIN_VISIBILITY,
    min_hand_torso_px: float = MIN_HAND_TORSO_PX,
    smooth_hz: Optional[float] = CUTOFF_HZ,
    depth_smooth_hz: Optional[float] = DEPTH_CUTOFF_HZ,
) -> Motion:
    """A video of a person -> a :class:`~..motion.interchange.Motion` (saved to ``out`` when given).

    BlazePose without a lifter gives a ``blazepose33`` motion (:mod:`.landmarks3d`);
    with ``lifter`` (VideoPose3D) an ``h36m17`` one.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "no such file" if not path.exists() else "is not a file")
    device = resolve_compute(device, pose_model, lifter, detector)
    # every model the run needs, loaded (or reported missing, all at once) before any frame is read
    pose, det, lift_model, lifter_id = load_models(
        pose_model, lifter, detector, device, allow_download, threads, need_lifter=True
    )
    sub = (lambda f, m: report(progress, 0.9 * f, m)) if progress else None
    tr = track_people(
        path,
        detector=det,
        pose_model=pose,
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
    seen = np.isfinite(kps).any(axis=2).any(axis=1)
    if not seen.any():
        raise InputError(path, f"person {tid} has no frame with keypoints")
    fps = tr.fps
    world_lm = tr.world[row] if tr.world is not None else None
    if tr.vfr:
        kps = resample_uniform(kps, tr.timestamps, fps)
        scores = np.nan_to_num(resample_uniform(np.where(seen[:, None], scores, np.nan), tr.timestamps, fps))
        if world_lm is not None:
            world_lm = resample_uniform(world_lm, tr.timestamps, fps)
    # a pose model that changes its mind about which way the person faces swaps left and right: undo it
    kps, scores, world_lm, _, sides = consistent_sides(
        kps, scores, get_skeleton(tr.layout).joints, float(fps), world_lm
    )
    meta_3d: Dict = {}
    image_points = None
    if tr.layout == "blazepose33" and lift_model is None:
        report(progress, 0.92, "3D from world landmarks")
        lm = landmarks_to_world(
            kps, scores, world_lm, tr.width, tr.height, float(fps), min_visibility=min_visibility,
            min_hand_torso_px=min_hand_torso_px, focal_factor=focal_factor, cutoff_hz=smooth_hz, depth_cutoff_hz=depth_smooth_hz, trajectory=trajectory,
        )  # fmt: skip
        joints, conf, skeleton, info, up_c = lm.joints, lm.confidence, "blazepose33", lm.info, lm.up_camera
        # where each joint is in the picture (the workbench shows the subject), only where the 3D is
        image_points = np.where(np.isfinite(joints).all(axis=2)[..., None], kps, np.nan)
        meta_3d = {"lifter": None, "three_d": "BlazePose world landmarks"}
    else:
        from .lift3d import lift

        if tr.layout == "blazepose33":  # the seed's route: BlazePose's 2D as COCO-17 for VideoPose3D
            kps, scores = kps[:, COCO_FROM_BLAZEPOSE], scores[:, COCO_FROM_BLAZEPOSE]
        report(progress, 0.92, "lifting to 3D")
        joints_cam, obs = lift(lift_model, kps, tr.width, tr.height, flip=flip, device=device)
        check(cancel)
        conf = np.zeros((len(kps), 17))
        for j, src in enumerate(H36M_CONF_FROM_COCO):
            conf[:, j] = scores[:, list(src)].mean(axis=1)
        conf[~obs] = 0.0
        world = to_world(joints_cam, kps, scores, tr.width, tr.height, focal_factor=focal_factor, trajectory=trajectory)
        joints, skeleton, info, up_c = world.joints, "h36m17", world.info, world.up_camera
        meta_3d = {"lifter": lifter_id, "lifter_flip_tta": flip, "receptive_field": lift_model.receptive_field()}
    obs = np.isfinite(joints).any(axis=2).any(axis=1)
    idx = np.flatnonzero(seen)
    span = int(idx[-1] - idx[0] + 1)
    if obs.sum() < MIN_OBSERVED_FRACTION * span:
        raise InputError(
            path,
            f"person {tid} is observed on only {int(obs.sum())} of the {span} frames between their first and last "
            f"appearance ({idx[0]}-{idx[-1]}): lost for most of the clip, nothing was written "
            "(see --list-people for other people)",
        )
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
        "pose_layout": tr.layout,
        "detector": tr.meta.get("detector"),
        "detector_every": tr.meta.get("detector_every"),
        **meta_3d,
        "observed_frames": int(obs.sum()),
        "missing_frames": int((~obs).sum()),
        "observed_fraction": float(obs.mean()),
        "person_span": [int(idx[0]), int(idx[-1])],
        "box_sources": {name: int((tr.source[row] == code).sum()) for code, name in SOURCE_NAMES.items()},
        "left_right": sides,
        "world": info,
        "up_camera": np.asarray(up_c).tolist(),
        "pose_from_cache": tr.from_cache,
        "settings": tr.meta.get("settings"),
    }
    m = Motion(joints=joints, fps=float(fps), skeleton=skeleton, up=np.array([0.0, 0.0, 1.0]), confidence=conf,
               meta=meta, image_points=image_points)  # fmt: skip
    validate_motion(m, path)
    if out is not None:
        save_motion(m, out)
    report(progress, 1.0, "done")
    return m
