"""Which pose engine, person detector and 3D lifter a reconstruction uses, loaded together.

``--pose-model`` picks the 2D/3D pose engine:

- ``lite``, ``full`` (the default) or ``heavy``, a folder with BlazePose ``.tflite``
  files, or one such file: BlazePose (:mod:`.blazepose`; 33 landmarks with hands and
  3D world landmarks; the detector and the full model ship with IMU2Safety);
- a ViTPose checkpoint folder (with ``config.json``) or a Hugging Face id such as
  ``usyd-community/vitpose-base-simple`` in the local cache: ViTPose (:mod:`.pose2d`,
  COCO-17, needs ``--lifter`` for 3D).

``--detector auto`` is BlazePose's own detector (whole frame + tiles) with BlazePose
and HOG with ViTPose. :func:`load_models` loads everything a run needs before any
frame is read, and reports every missing or unusable model file in one line together
with what works without it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List, Optional, Tuple

from ..base.errors import InputError
from .detect import Detector, make_detector

BLAZEPOSE_NAMES = ("lite", "full", "heavy")


def pose_engine(spec) -> str:
    """``blazepose`` or ``vitpose`` for a ``--pose-model`` value (or an estimator object's layout)."""
    if spec is not None and not isinstance(spec, (str, os.PathLike)):
        return "blazepose" if getattr(spec, "layout", "coco17") == "blazepose33" else "vitpose"
    if spec is None or str(spec).strip() in BLAZEPOSE_NAMES:
        return "blazepose"
    p = Path(os.path.expanduser(str(spec)))
    if p.suffix == ".tflite" or (p.is_dir() and any(p.glob("pose_landmark_*.tflite"))):
        return "blazepose"
    return "vitpose"


def needs_torch(pose_model=None, lifter=None, detector=None) -> bool:
    """Whether a run uses a torch model (ViTPose, VideoPose3D, RT-DETR); BlazePose alone does not."""
    det = str(detector or "") if isinstance(detector, (str, os.PathLike)) or detector is None else ""
    return lifter is not None or pose_engine(pose_model) == "vitpose" or det.startswith("rtdetr")


def resolve_compute(device: Optional[str], pose_model=None, lifter=None, detector=None) -> str:
    """The torch device for a run (``cpu`` without importing torch when no torch model is used)."""
    if not needs_torch(pose_model, lifter, detector):
        name = (device or "cpu").lower()
        if not re.fullmatch(r"cpu|auto|cuda(:\d{1,3})?", name):
            raise InputError(None, f"unknown compute device '{device}' (use cpu, cuda, cuda:N or auto)")
        return "cpu"
    from .pose2d import resolve_device

    return resolve_device(device)


def make_pose_estimator(spec=None, device: str = "cpu", allow_download: bool = False, threads: int = 1):
    """The pose estimator for ``spec`` (an estimator object passes through)."""
    if spec is not None and hasattr(spec, "estimate") and hasattr(spec, "model_id"):
        return spec
    if pose_engine(spec) == "blazepose":
        from .blazepose import BlazePoseEstimator

        return BlazePoseEstimator(None if spec is None else str(spec), threads=threads)
    from .pose2d import PoseEstimator

    return PoseEstimator(spec, device=device, allow_download=allow_download)


def make_pose_detector(spec, pose, device: str = "cpu", allow_download: bool = False) -> Detector:
    """``auto`` → the engine's own detector (BlazePose) or HOG; ``blazepose`` / ``blazepose:frame`` need BlazePose."""
    if isinstance(spec, Detector):
        return spec
    s = (spec or "auto").strip()
    own = getattr(pose, "default_detector", None)
    if s in ("auto", "blazepose", "blazepose:frame") and own is not None:
        det = own()
        if s == "blazepose:frame":
            det.tiles = False
            det.name = "blazepose"
        return det
    if s.startswith("blazepose"):
        raise InputError(None, f"--detector {s} needs the BlazePose engine (--pose-model lite, full or heavy)")
    return make_detector(s, device, allow_download)


def _works_without(kind: str) -> str:
    return {
        "lifter": "without --lifter, BlazePose's own 3D world landmarks make the motion",
        "vitpose": "without --pose-model, the default BlazePose engine needs no download",
        "blazepose": "--pose-model full ships with IMU2Safety",
        "detector": "--detector auto needs no weights",
    }[kind]


def load_models(pose_model=None, lifter=None, detector=None, device: str = "cpu", allow_download: bool = False,
                threads: int = 1, need_lifter: bool = False) -> Tuple[object, Detector, Optional[object], Optional[str]]:  # fmt: skip
    """``(pose estimator, detector, lifter model or None, lifter id)``; every problem reported at once.

    ``need_lifter``: the run makes 3D from COCO-17 keypoints (ViTPose), so a lifter is required.
    """
    problems: List[Tuple[str, InputError]] = []
    lift_model, lifter_id = None, None
    if lifter is not None:
        from .lift3d import TemporalModel, load_lifter

        if isinstance(lifter, TemporalModel):
            lift_model, lifter_id = lifter, "videopose3d:in-memory"
        else:
            try:
                lift_model, _traj, lifter_id = load_lifter(lifter)
            except InputError as exc:
                problems.append(("lifter", exc))
    elif need_lifter and pose_engine(pose_model) == "vitpose":
        from .lift3d import lifter_help

        problems.append(("lifter", InputError(None, f"ViTPose's 2D keypoints need a 3D lifter: {lifter_help()}")))
    pose = None
    try:
        pose = make_pose_estimator(pose_model, device=device, allow_download=allow_download, threads=threads)
    except InputError as exc:
        problems.append((pose_engine(pose_model), exc))
    det = None
    if pose is not None or not isinstance(detector, str) or not detector.startswith("blazepose"):
        try:
            det = make_pose_detector(detector, pose, device=device, allow_download=allow_download)
        except InputError as exc:
            problems.append(("detector", exc))
    if problems:
        if len(problems) == 1:
            kind, exc = problems[0]
            raise InputError(exc.where, f"{exc.problem} ({_works_without(kind)})") from None
        parts = "; ".join(str(exc) for _, exc in problems)
        hints = "; ".join(dict.fromkeys(_works_without(k) for k, _ in problems))
        raise InputError(None, f"{len(problems)} model files are missing or unusable: {parts}. {hints}") from None
    return pose, det, lift_model, lifter_id
