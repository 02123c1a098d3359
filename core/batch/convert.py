"""One file -> one clip's files, in a worker (a local process or a Ray task); no project, no database.

:func:`convert` hashes the source, imports the skeleton (or reconstructs the video), simulates the wrist IMU
and returns everything as bytes in a :class:`~.items.Result`. The single writer
(:mod:`.writer`) stores the bytes and commits the clip, so any number of workers can run while the project
keeps its one-writer lock; a worker on another machine needs only to read the source file.

Every problem with the file becomes a failed Result naming the stage and the reason; nothing raises, so one
bad file never stops a batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
import time
from pathlib import Path

from ..base.errors import InputError
from ..base.files import project_root_of, writing_for_project
from .items import Item, Result, Settings, import_key, is_video, settings_fingerprint

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v")
FRAMES_ZIP = ".zip"  # a camera's frames as images in a zip (UP-Fall ships its cameras so)


def convert(index: int, item: Item, settings: Settings) -> Result:
    """Convert ``item`` (see the module's docstring). Never raises for a problem of the file."""
    res = Result(index=index, status="failed", worker=f"{socket.gethostname()}:{os.getpid()}")
    stage = "read"
    t0 = time.perf_counter()
    try:
        res.source_sha256 = _sha256(item.path)
        res.key = import_key(res.source_sha256, settings_fingerprint(settings, item))
        res.seconds["read"] = time.perf_counter() - t0
        stage = "reconstruct" if is_video(item.path) else "import"
        motion = _motion(item, settings)
        implausible = _fill_motion(res, motion, item)
        res.seconds[stage] = time.perf_counter() - t0 - res.seconds["read"]
        if settings.simulate:
            stage = "simulate"
            t1 = time.perf_counter()
            _simulate(res, motion, settings, implausible)
            res.seconds["simulate"] = time.perf_counter() - t1
        res.status = "ok"
    except InputError as exc:
        res.stage, res.error = stage, exc.problem if exc.where in (None, item.path) else str(exc)
    except MemoryError:
        res.stage, res.error = stage, "out of memory"
    except Exception as exc:  # a bug, not the file: still reported for this file, the batch goes on
        res.stage, res.error = stage, f"internal error: {exc.__class__.__name__}: {exc}"
    if res.status != "ok":
        res.motion = res.imu = None
    return res


def _sha256(path: str) -> str:
    from ..base.hashing import sha256_file

    p = Path(path)
    if not p.exists():
        raise InputError(path, "no such file")
    if p.is_dir():
        raise InputError(path, "is a folder")
    try:
        return sha256_file(p)
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None


def _motion(item: Item, settings: Settings):
    if is_video(item.path):
        from ..reconstruct.pipeline import reconstruct_video

        opts = {k: v for k, v in settings.reconstruct.items() if v is not None}
        # the batch shares its project's 2D keypoint cache (cache/pose2d): the project writing its own files
        root = project_root_of(Path(opts["cache_dir"]) / "x") if opts.get("cache_dir") else None
        with writing_for_project(root) if root is not None else contextlib.nullcontext():
            if Path(item.path).suffix.lower() == FRAMES_ZIP:
                with tempfile.TemporaryDirectory(prefix="imu2safety-frames-") as tmp:
                    video, info = frames_zip_to_video(Path(item.path), Path(tmp) / "frames.avi")
                    motion = reconstruct_video(video, **opts)
                motion.meta.update(frames_zip=info)
                return motion
            return reconstruct_video(item.path, **opts)
    from ..motion.importers import import_motion

    return import_motion(item.path, **item.import_options)


def parse_time(s: str) -> float:
    """An ISO time stamp (``2018-07-04T12:04:17.738369``; file names may use ``_`` for ``:``) in seconds."""
    import datetime as _dt

    s = s.strip()
    if "T" in s:
        day, _, clock = s.partition("T")
        s = f"{day}T{clock.replace('_', ':')}"
    return _dt.datetime.fromisoformat(s).replace(tzinfo=_dt.timezone.utc).timestamp()


def frames_zip_to_video(path: Path, out: Path):
    """A zip of frame images (sorted by name; names may be time stamps) -> a lossless-enough MJPG video at the
    frames' mean rate. Returns (video path, what was done)."""
    import zipfile

    import cv2
    import numpy as np

    from ..motion.timebase import rational_fps

    try:
        z = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise InputError(path, "not a readable zip of frames") from None
    with z:
        names = sorted(n for n in z.namelist() if Path(n).suffix.lower() in (".png", ".jpg", ".jpeg", ".bmp"))
        if len(names) < 2:
            raise InputError(path, "the zip holds fewer than 2 frame images")
        times = []
        for n in names:
            try:
                times.append(parse_time(Path(n).stem))
            except ValueError:
                times = None
                break
        fps = rational_fps((len(names) - 1) / (times[-1] - times[0])) if times and times[-1] > times[0] else 30
        writer = None
        try:
            for n in names:
                img = cv2.imdecode(np.frombuffer(z.read(n), np.uint8), cv2.IMREAD_COLOR)
                if img is None:
                    raise InputError(path, f"frame {n} is not a readable image")
                if writer is None:
                    h, w = img.shape[:2]
                    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"MJPG"), float(fps), (w, h))
                writer.write(img)
        finally:
            if writer is not None:
                writer.release()
    return out, {"frames": len(names), "fps": str(fps), "from_time_stamps": bool(times), "first": names[0]}


def _fill_motion(res: Result, motion, item: Item):
    from ..motion.interchange import implausible_frames, implausible_warning, motion_npz_bytes
    from ..project.add_checks import check_motion_storable

    if Path(item.path).suffix.lower() == ".npz" and not item.import_options:
        res.motion = Path(item.path).read_bytes()  # a motion file already: kept byte for byte, as a single add
    else:
        res.motion = motion_npz_bytes(motion)
    res.motion_sha256 = hashlib.sha256(res.motion).hexdigest()
    fps = check_motion_storable(motion, item.path)  # what would break info or export later: refused now
    res.fps_num, res.fps_den, res.n_frames = fps.numerator, fps.denominator, motion.n_frames
    bad = implausible_frames(motion)
    res.meta = {
        k: motion.meta[k]
        for k in ("importer", "body", "units", "up", "fps", "video_sha256", "frames_zip")
        if k in motion.meta
    }
    res.meta["skeleton"] = motion.skeleton
    res.meta["implausible_frames"] = bad.tolist()[:100]
    warning = implausible_warning(motion, Path(motion.meta.get("source") or "motion").name, bad)
    if warning:
        res.warnings.append(warning.removeprefix("warning: "))
    return bad


def _simulate(res: Result, motion, settings: Settings, implausible) -> None:
    from ..sim.devices import DEFAULT_PRESET, load_preset, preset_from_dict
    from ..sim.imu_io import imu_h5_bytes
    from ..sim.simulate import SimConfig, simulate

    device = (
        preset_from_dict(settings.device_data, f"device '{settings.device}'")
        if settings.device_data
        else load_preset(settings.device or DEFAULT_PRESET)
    )
    res.seed = int(settings.seed) if settings.seed is not None else int(res.motion_sha256[:8], 16) % (2**31)
    # the rate spelled out, as the exporter does: the same configuration, so the export can reuse this IMU
    cfg = SimConfig(wrist=settings.wrist, seed=res.seed, rate_hz=float(device.output_rate_hz))
    try:
        sig = simulate(motion, device, cfg, implausible=implausible)
    except InputError as exc:
        raise InputError(exc.where, f"{exc.problem} (--no-simulate adds the clip without its IMU)") from None
    res.imu_info = imu_info(res.motion_sha256, res.n_frames, settings.wrist, device, sig.rate_hz, res.seed)
    res.imu_info.update(
        valid_samples=int(sig.valid.sum()),
        samples=sig.n,
        acc_saturated=sig.provenance["acc_saturated_samples"],
        gyro_saturated=sig.provenance["gyro_saturated_samples"],
    )
    res.imu = imu_h5_bytes(sig, source={"motion_sha256": res.motion_sha256})


def imu_key(motion_sha256: str, trim, device_data: dict, wrist: str, rate_hz: float, seed: int) -> str:
    """What a cached IMU was simulated from: the export reuses it only when every part is equal."""
    from ..sim.imu_io import signal_key
    from ..sim.simulate import SimConfig

    cfg = SimConfig(wrist=wrist, rate_hz=float(rate_hz), seed=int(seed)).to_dict()
    return signal_key(motion_sha256, trim, device_data, cfg)


def imu_info(motion_sha256: str, n_frames: int, wrist: str, device, rate_hz: float, seed: int) -> dict:
    return {
        "key": imu_key(motion_sha256, (0, n_frames), device.data, wrist, rate_hz, seed),
        "rate_hz": float(rate_hz),
        "seed": int(seed),
        "device_id": device.id,
        "wrist": wrist,
    }
