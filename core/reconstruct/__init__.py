"""Video → motion: person boxes, tracks, 2D keypoints, 3D joints, world frame.

Public API:

- :mod:`.pipeline`      ``reconstruct_video``, ``track_people``, ``list_people``, ``Tracks2D``
  (re-exported here)
- :mod:`.video`         ``VideoReader``: frame-accurate reading with an exact rational fps
- :mod:`.detect`        person detectors (``make_detector``: HOG, RT-DETR, a fixed box)
- :mod:`.tracking`      ``Tracker``: stable person ids
- :mod:`.engines`       ``load_models``: the pose engine, detector and lifter of a run (missing files reported together)
- :mod:`.blazepose`     ``BlazePoseEstimator``, ``BlazePoseDetector`` (MediaPipe BlazePose on LiteRT: 33 landmarks
  with hands, 3D world landmarks, ROI tracking)
- :mod:`.model_files`   the BlazePose ``.tflite`` files: checksums, where they live, ``fetch`` from npm/PyPI
- :mod:`.landmarks3d`   ``landmarks_to_world``: BlazePose world landmarks + PnP root + zero-phase smoothing
- :mod:`.pose2d`        ``PoseEstimator`` (ViTPose, COCO-17)
- :mod:`.lift3d`        VideoPose3D (COCO-17 2D → H36M-17 3D)
- :mod:`.camera_world`  camera space → world frame (``to_world``)
- :mod:`.checkpoints`   local model files: fingerprints, quiet loading
"""

from .pipeline import (
    CACHE_VERSION,
    Tracks2D,
    default_cache_dir,
    list_people,
    reconstruct_video,
    resample_uniform,
    track_people,
)

__all__ = [
    "CACHE_VERSION",
    "Tracks2D",
    "default_cache_dir",
    "list_people",
    "reconstruct_video",
    "resample_uniform",
    "track_people",
]
