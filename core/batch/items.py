"""What a batch converts and what comes back: plain, picklable data (it crosses process and machine borders).

- :class:`Label`     a labelled span of a clip, in source seconds or frames (or the whole clip)
- :class:`Item`      one file to turn into a clip: path, subject, clip id, labels, import options, provenance
- :class:`Settings`  what every item of a batch shares: wrist, device, seed, reconstruction, simulation
- :class:`Result`    what a worker returns for an item: the clip's files as bytes, or why it failed
- :func:`settings_fingerprint`, :func:`import_key`: the idempotency key (source hash + conversion settings)
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

# conversion settings that change the clip a file becomes; the rest (subject, clip id, labels, where the
# work runs) does not, so a file re-added with other labels is "already in the project" (--force redoes it)
KEY_VERSION = 1
VIDEO_COMPUTE_KEYS = ("device", "threads", "cache_dir", "use_cache", "allow_download")  # how, not what


@dataclass
class Label:
    behaviour: str
    safety: str
    start: Optional[float] = None  # None: from the first frame
    end: Optional[float] = None  # None: to the end (exclusive)
    unit: str = "s"  # "s": seconds of the source file; "frame": 0-based frame index
    phase: Optional[str] = None
    confidence: float = 1.0
    annotator: Optional[str] = None


@dataclass
class Item:
    path: str  # absolute path of the source: a skeleton or motion file, or a video
    subject: str = ""
    clip_id: Optional[str] = None  # asked for explicitly (manifest, --id): used as is, an error when taken
    id_hint: Optional[str] = None  # a recipe's natural id: used when free, else made unique (-2, -3, ...)
    labels: List[Label] = field(default_factory=list)
    import_options: Dict[str, Any] = field(default_factory=dict)  # import_motion options (format, body, fps, ...)
    provenance: Dict[str, Any] = field(default_factory=dict)  # recipe, mapping, label source
    # files the writer stores with the clip (name -> bytes), e.g. a real reference recording; never sent to
    # workers
    attachments: Dict[str, bytes] = field(default_factory=dict, repr=False)
    origin: str = ""  # where the item was listed (a manifest line), for messages
    error: str = ""  # a recipe could not make a clip of this file (reported as failed, never converted)


@dataclass
class Settings:
    wrist: str = "left"
    device: Optional[str] = None  # profile name or preset id; None: the default preset
    device_data: Optional[Dict[str, Any]] = None  # the resolved preset (a profile's data), filled by the runner
    seed: Optional[int] = None  # None: from the motion file's hash, as a single add does
    simulate: bool = True  # simulate each clip and keep its IMU in the project cache
    reconstruct: Dict[str, Any] = field(default_factory=dict)  # reconstruct_video options, for videos
    force: bool = False  # redo files already in the project (replacing their clips)

    def fingerprint_data(self, video: bool = True) -> Dict[str, Any]:
        """The settings that decide the clip (reconstruction settings only for videos)."""
        recon = {k: v for k, v in sorted(self.reconstruct.items()) if k not in VIDEO_COMPUTE_KEYS and v is not None}
        return {
            "v": KEY_VERSION,
            "wrist": self.wrist,
            "device": self.device,
            "seed": self.seed,
            "reconstruct": {k: str(v) for k, v in recon.items()} if video else {},
        }


VIDEO_LIKE = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".zip")  # reconstructed from frames


def is_video(path) -> bool:
    return str(path).lower().endswith(VIDEO_LIKE)


def settings_fingerprint(settings: Settings, item: Item) -> str:
    """Hash of everything besides the file's bytes that decides the clip the item becomes."""
    data = dict(
        settings.fingerprint_data(is_video(item.path)),
        importer={k: str(v) for k, v in sorted(item.import_options.items())},
    )
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def import_key(source_sha256: str, fingerprint: str) -> str:
    return hashlib.sha256(f"{source_sha256}:{fingerprint}".encode()).hexdigest()


@dataclass
class Result:
    index: int  # the item's position in the batch
    status: str  # "ok" | "failed"
    source_sha256: Optional[str] = None
    key: Optional[str] = None
    stage: str = ""  # failed: read | import | reconstruct | simulate | worker
    error: str = ""
    motion: Optional[bytes] = field(default=None, repr=False)  # the motion .npz
    motion_sha256: Optional[str] = None
    n_frames: int = 0
    fps_num: int = 0
    fps_den: int = 1
    seed: int = 0
    imu: Optional[bytes] = field(default=None, repr=False)  # the simulated IMU (HDF5), when simulated
    imu_info: Dict[str, Any] = field(default_factory=dict)  # rate, device, seed, settings key of the IMU
    meta: Dict[str, Any] = field(default_factory=dict)  # import / reconstruction provenance
    warnings: List[str] = field(default_factory=list)
    seconds: Dict[str, float] = field(default_factory=dict)  # time per stage in the worker
    worker: str = ""  # host:pid that did the work

    def light(self) -> Dict[str, Any]:
        """The result without its file bytes (for logs and summaries)."""
        d = asdict(self)
        d.pop("motion"), d.pop("imu")
        return d
