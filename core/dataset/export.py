"""One-step dataset export: a project -> a training-ready HDF5 file (DESIGN.md section 7).

The file layout is :mod:`.layout` (``SCHEMA_VERSION``).

Splits are drawn over subjects (or clips) before windowing: every window of a
clip is in its clip's split, so no subject appears in two splits. A clip without
a subject counts as its own subject. Subjects are shuffled with ``seed``; the
val/test counts are ``round(fraction * subjects)`` (at least one when the
fraction is > 0 and at least 3 subjects exist); train keeps the rest.

Device realisations: variant 0 uses the clip's seed; variant k > 0 uses
``SeedSequence([clip seed, k, export seed])``. Everything except ``created_utc``
is a function of the project, the settings and the program version: the same
inputs give the same content.

The file is written to a temporary name beside ``out`` and renamed when
complete; an interrupted export leaves any earlier file untouched. HDF5 itself
does not survive a failed write (h5py 3.16 segfaults on a full disk), so the file
is written through :class:`~.h5sink.GuardedFile`: a full disk, a file-size limit
or an I/O error ends the export with a clear error after the current clip.

Settings are checked against the project before any work: a window or hop
longer than every clip, and more device variants than :data:`MAX_VARIANT_BYTES`
of simulated signals per clip allow, are refused with the limit named. An export
that would hold no window is refused unless ``allow_empty``; an empty validation
or test split that was asked for is a warning.
"""

from __future__ import annotations

import errno
import json
import math
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

from ... import __version__
from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.limits import check_samples
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import MAX_PLAUSIBLE_SPEED, implausible_frames
from .h5sink import GuardedFile
from .layout import SCHEMA_VERSION, SEG_DTYPE, SPLITS, UNITS
from .windows import LABEL_RULE, intervals_for, label_windows

TIME_CHUNK = 4096
MAX_VARIANTS = 1000
MAX_VARIANT_BYTES = 2 * 2**30  # simulated signals of one clip's variants held in memory at once
SIGNAL_BYTES_PER_SAMPLE = 5 * 3 * 8  # acc, gyro, their clean versions and gravity: (N, 3) float64 each


@dataclass
class ExportConfig:
    window_s: float = 2.0
    hop_s: float = 1.0
    split: str = "subject"  # subject | clip
    val: float = 0.15
    test: float = 0.15
    seed: int = 0
    device: Optional[str] = None  # profile name / preset id / JSON path overriding every clip's
    variants: int = 1
    rate_hz: Optional[float] = None  # None: the devices' output rate (must agree across clips)
    min_fraction: float = 0.5
    keep_unlabelled: bool = False
    compression: str = "gzip"  # gzip | lzf | none
    workers: int = 1  # simulation threads ahead of the writer; the output does not depend on it
    allow_empty: bool = False  # write a dataset even when it holds no window

    def check(self) -> None:
        def bad(msg):
            raise InputError(None, msg)

        for opt, v in (("--window", self.window_s), ("--hop", self.hop_s)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not v > 0:
                bad(f"{opt} must be a finite number of seconds > 0, got {v}")
        if self.split not in ("subject", "clip"):
            bad(f"--split must be 'subject' or 'clip', got {self.split!r}")
        for name in ("val", "test"):
            f = getattr(self, name)
            if not 0.0 <= f < 1.0:
                bad(f"--{name} must be a fraction in [0, 1), got {f}")
        if self.val + self.test >= 1.0:
            bad(f"--val + --test must leave something to train on, got {self.val} + {self.test}")
        if int(self.variants) < 1:
            bad(f"--variants must be >= 1, got {self.variants}")
        if int(self.variants) > MAX_VARIANTS:
            bad(
                f"--variants {self.variants} is more than {MAX_VARIANTS} device realisations per clip; use at most "
                f"{MAX_VARIANTS} (or export several datasets with different --seed)"
            )
        if self.rate_hz is not None and not (math.isfinite(self.rate_hz) and self.rate_hz > 0):
            bad(f"--rate must be a finite number of Hz > 0, got {self.rate_hz}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**63:
            bad(f"--seed must be a whole number from 0 to 2**63 - 1, got {self.seed}")
        if not 0.0 < self.min_fraction <= 1.0:
            bad(f"min_fraction must be in (0, 1], got {self.min_fraction}")
        if self.workers is not None and int(self.workers) < 1:
            bad(f"--workers must be >= 1, got {self.workers}")
        if self.compression not in ("gzip", "lzf", "none"):
            bad(f"compression must be gzip, lzf or none, got {self.compression!r}")


@dataclass
class ExportSummary:
    path: Path
    n_clips: int
    n_windows: int
    windows_per_split: Dict[str, int]
    clips_per_split: Dict[str, List[str]]
    windows_per_class: Dict[str, int]
    seconds: float
    bytes: int
    warnings: List[str] = field(default_factory=list)


def assign_splits(groups: Dict[str, str], val: float, test: float, seed: int) -> Dict[str, str]:
    """clip id -> split, drawing whole groups (subjects or clips) into val/test."""
    names = sorted(set(groups.values()))
    n = len(names)
    order = [names[i] for i in np.random.default_rng(seed).permutation(n)]

    def count(f, avail):
        k = int(round(f * n))
        if f > 0 and k == 0 and n >= 3:
            k = 1
        return min(k, avail)

    n_test = count(test, n - 1)
    n_val = count(val, n - 1 - n_test)
    where = {}
    for i, g in enumerate(order):
        where[g] = "test" if i < n_test else "val" if i < n_test + n_val else "train"
    return {cid: where[g] for cid, g in groups.items()}


def variant_seed(clip_seed: int, k: int, export_seed: int) -> int:
    if k == 0:
        return int(clip_seed)
    return int(np.random.SeedSequence([int(clip_seed), int(k), int(export_seed)]).generate_state(1)[0] % (2**31))


def git_sha() -> Optional[str]:
    try:
        here = Path(__file__).resolve().parent
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def export_dataset(
    project,
    out,
    config: Optional[ExportConfig] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> ExportSummary:
    """Simulate every clip and write the dataset to ``out`` (atomically). ``project``: a Project or a folder
    (opened read-only, so export works while the workbench edits)."""
    from ..project.project import Project

    cfg = config or ExportConfig()
    cfg.check()
    t0 = time.perf_counter()
    own = not isinstance(project, Project)
    proj = Project.open(project, readonly=True) if own else project
    try:
        snap = proj.snapshot()
        clips = snap["clips"]
        if not clips:
            raise InputError(proj.folder, "project has no clips to export")
        out = Path(out)
        if out.is_dir():
            raise InputError(out, "is a folder; give a file name such as dataset.h5")
        tax = snap["taxonomy"]
        segs_by_clip: Dict[str, list] = {c.id: [] for c in clips}
        for s in snap["segments"]:
            unknown = (
                f"behaviour '{s.behaviour}'"
                if s.behaviour not in tax.behaviours
                else f"safety level '{s.safety}'"
                if s.safety not in tax.safety_levels
                else None
            )  # what the dataset needs a code for (an older project may hold a phase its behaviour lacks: kept)
            if unknown:
                raise InputError(
                    proj.folder,
                    f"segment {s.id} of clip '{s.clip_id}' has the {unknown}, which the project's taxonomy does not "
                    f"know (the database was edited by another program?): delete it (imu2safety project segments "
                    f"{proj.folder} --delete {s.id}) or extend the taxonomy",
                )
            segs_by_clip[s.clip_id].append(s)
        warnings: List[str] = []
        if cfg.split == "subject":
            nosub = [c.id for c in clips if not c.subject]
            if nosub:
                warnings.append(
                    f"{len(nosub)} clip(s) without a subject count as their own subject: {', '.join(nosub[:5])}"
                )
            groups = {c.id: (c.subject or f"clip:{c.id}") for c in clips}
        else:
            groups = {c.id: c.id for c in clips}
        split_of = assign_splits(groups, cfg.val, cfg.test, cfg.seed)
        devices = {c.id: proj.device_for(c.id, cfg.device) for c in clips}
        rates = {float(cfg.rate_hz or d.output_rate_hz) for d in devices.values()}
        if len(rates) > 1:
            raise InputError(
                proj.folder,
                f"clips use devices with different output rates "
                f"({', '.join(f'{r:g}' for r in sorted(rates))} Hz); pass --rate to resample all",
            )
        rate = rates.pop()
        for opt, seconds in (("--window", cfg.window_s), ("--hop", cfg.hop_s)):
            if not math.isfinite(
                seconds * rate
            ):  # before int(): 1e308 s; a long finite one is checked against the clips
                check_samples(seconds * rate, f"a {opt} of {seconds:g} s at {rate:g} Hz")
        W = int(round(cfg.window_s * rate))
        H = int(round(cfg.hop_s * rate))
        if W < 2 or H < 1:
            raise InputError(None, f"window {cfg.window_s} s / hop {cfg.hop_s} s are too short at {rate:g} Hz")
        _check_against_clips(cfg, clips, rate)
        if not snap["segments"] and not cfg.keep_unlabelled and not cfg.allow_empty:
            raise InputError(
                proj.folder,
                "the project has no labelled segments, so the dataset would hold no window: label clips first, "
                "or pass --keep-unlabelled (windows with y = -1), or --allow-empty",
            )
        settings = dict(asdict(cfg), rate_hz=rate, window=W, hop=H)
        settings.pop("workers")  # does not change the content
        settings.pop("allow_empty")
        clip_ids = [c.id for c in clips]
        token = _Either(cancel)

        def write():  # runs in a worker thread: signals (Ctrl+C, SIGTERM) never land inside HDF5's callbacks
            with atomic_path(out, suffix=".h5") as tmp, GuardedFile(tmp) as sink:
                with h5py.File(sink, "w", track_order=True) as f:
                    _write_root(f, tax, settings, snap["name"])
                    win = _Windows(f, W, cfg, clip_ids, rate)
                    for i, (c, motion, sigs) in enumerate(_simulated(proj.folder, clips, devices, cfg, rate, token)):
                        sink.check()  # a write failed: stop (HDF5 was told it succeeded, see h5sink)
                        report(progress, i / len(clips), f"clip {c.id}")
                        glitches = implausible_frames(motion) + c.trim_in
                        if len(glitches):
                            warnings.append(
                                f"clip '{c.id}': joints jump faster than {MAX_PLAUSIBLE_SPEED:g} m/s at frames "
                                f"{', '.join(str(int(j)) for j in glitches[:8])}{' ...' if len(glitches) > 8 else ''} "
                                "inside its trim: these capture glitches become unreal accelerations in the "
                                "windows (imu2safety project trim ... --drop-glitches, or --start/--end)"
                            )
                        _write_clip(
                            f,
                            c,
                            motion,
                            sigs,
                            segs_by_clip[c.id],
                            devices[c.id],
                            cfg,
                            rate,
                            split_of[c.id],
                            tax,
                            win,
                            i,
                        )
                    win.finish()
                    masks = f.create_group("mask")
                    for s in SPLITS:
                        masks.create_dataset(
                            s, data=np.array([c for c in clip_ids if split_of[c] == s], dtype=h5py.string_dtype())
                        )
                    counts = {s: int(win.count_split[s]) for s in SPLITS}
                    n_windows = win.n
                    y = win.cols["y"][()]
                    per_class = {
                        (tax.behaviour_of_code(int(k)) if k >= 0 else "unlabelled"): int((y == k).sum())
                        for k in np.unique(y)
                    }
                    if n_windows == 0 and not cfg.allow_empty:
                        raise InputError(
                            out,
                            f"the dataset would hold 0 windows ({_why_no_windows(clips, segs_by_clip, cfg, rate)}); "
                            "nothing was written; pass --allow-empty to write it anyway",
                        )
                sink.check()
                token.check()  # interrupted while the last clip was written: the rename must not happen
            return counts, n_windows, per_class

        try:
            counts, n_windows, per_class = _off_main_thread(write, token)
        except (OSError, InputError) as exc:
            os_exc = exc if isinstance(exc, OSError) else exc.__cause__
            if not isinstance(os_exc, OSError):
                raise
            if os_exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise InputError(
                    out,
                    f"disk full while writing the dataset; nothing was written ({os_exc.strerror}; "
                    "free space or choose another disk)",
                ) from None
            if os_exc.errno == errno.EFBIG:
                raise InputError(
                    out,
                    f"the file system refused a larger file ({os_exc.strerror}; a file-size limit?); nothing was written",
                ) from None
            if isinstance(os_exc, PermissionError) or os_exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise InputError(
                    out, f"cannot write here ({os_exc.strerror or 'permission denied'}); choose a writable folder"
                ) from None
            raise InputError(
                out, f"could not write the dataset ({os_exc.strerror or os_exc}); nothing was written"
            ) from None
        report(progress, 1.0, "done")
        warnings += _split_warnings(cfg, groups, split_of, counts)
        return ExportSummary(
            path=out,
            n_clips=len(clips),
            n_windows=n_windows,
            windows_per_split=counts,
            clips_per_split={s: [c for c in clip_ids if split_of[c] == s] for s in SPLITS},
            windows_per_class=per_class,
            seconds=time.perf_counter() - t0,
            bytes=out.stat().st_size,
            warnings=warnings,
        )
    finally:
        if own:
            proj.close()


class _Either:
    """A cancel token that is set when the caller's token is, or when :func:`_off_main_thread` is interrupted."""

    def __init__(self, outer: Optional[CancelToken]):
        self.outer, self.own = outer, CancelToken()

    def cancel(self) -> None:
        self.own.cancel()

    def check(self) -> None:
        if self.outer is not None:
            self.outer.check()
        self.own.check()


def _off_main_thread(fn, token: _Either):
    """Run ``fn`` in a worker thread and return its result (or raise its exception).

    The HDF5 writer calls back into Python (:mod:`.h5sink`); a signal handler that raises there
    (KeyboardInterrupt, the command line's SIGTERM) would make HDF5 fail mid-write and crash. Signal
    handlers run only in the main thread, so the writing happens elsewhere: an interrupt in the main
    thread cancels the writer, waits for it to clean up (the temporary is removed), then propagates.
    """
    box: Dict[str, Any] = {}
    done = threading.Event()  # not Thread.join: an interrupted join can leave is_alive() wrong (CPython)

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="export-writer", daemon=True).start()
    try:
        while not done.wait(0.25):
            pass
    except BaseException:
        token.cancel()
        while not done.is_set():
            try:
                done.wait(0.25)
            except BaseException:  # noqa: BLE001 - a second Ctrl+C: keep waiting for the cleanup
                token.cancel()
        raise
    if "error" in box:
        raise box["error"]
    return box["result"]


def _check_against_clips(cfg: ExportConfig, clips, rate: float) -> None:
    """Refuse settings that no clip can satisfy, before any simulation (see the module doc)."""
    longest = max(clips, key=lambda c: c.duration_s)
    dur = float(longest.duration_s)
    for opt, v in (("--window", cfg.window_s), ("--hop", cfg.hop_s)):
        if v > dur:
            raise InputError(
                None,
                f"{opt} {v:g} s is longer than every clip (the longest, '{longest.id}', lasts {dur:.1f} s "
                "after its trim)",
            )
    per_variant = int(math.ceil(dur * rate)) * SIGNAL_BYTES_PER_SAMPLE
    need = per_variant * int(cfg.variants)
    if need > MAX_VARIANT_BYTES:
        most = max(1, MAX_VARIANT_BYTES // max(per_variant, 1))
        raise InputError(
            None,
            f"--variants {cfg.variants} would hold about {_size(need)} of simulated signals in memory "
            f"for clip '{longest.id}' ({dur:.1f} s at {rate:g} Hz; limit {_size(MAX_VARIANT_BYTES)}): "
            f"use at most {most}",
        )


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MB"


def _why_no_windows(clips, segs_by_clip, cfg: ExportConfig, rate: float) -> str:
    W = cfg.window_s
    if all(float(c.duration_s) < W for c in clips):
        return f"every clip is shorter than the {W:g} s window"
    labelled = [c for c in clips if segs_by_clip[c.id]]
    if not labelled and not cfg.keep_unlabelled:
        return "no clip has labelled segments"
    return (
        f"no {W:g} s window is covered to {cfg.min_fraction:g} by one behaviour, or the arm is not observed "
        "throughout: use a shorter --window, a lower --min-fraction, or --keep-unlabelled"
    )


def _split_warnings(cfg: ExportConfig, groups: Dict[str, str], split_of: Dict[str, str], counts) -> List[str]:
    """Warnings for a validation or test split that was asked for but is empty."""
    out = []
    unit = "subject" if cfg.split == "subject" else "clip"
    n_groups = len(set(groups.values()))
    for name, frac in (("val", cfg.val), ("test", cfg.test)):
        if frac <= 0:
            continue
        members = [c for c, s in split_of.items() if s == name]
        label = "validation" if name == "val" else "test"
        if not members:
            out.append(
                f"the {label} split is empty: --{name} {frac:g} of {n_groups} {unit}(s) rounds to none "
                f"(at least 3 {unit}s are needed for every split)"
            )
        elif counts.get(name, 0) == 0:
            out.append(f"the {label} split has {len(members)} clip(s) but no windows: {', '.join(sorted(members)[:5])}")
    return out


def _comp(cfg: ExportConfig) -> Dict[str, Any]:
    if cfg.compression == "gzip":
        return {"compression": "gzip", "compression_opts": 4, "shuffle": True}
    if cfg.compression == "lzf":
        return {"compression": "lzf", "shuffle": True}
    return {}


def _write_root(f: h5py.File, tax, settings: Dict[str, Any], name: str) -> None:
    import datetime as dt

    f.attrs["schema_version"] = SCHEMA_VERSION
    f.attrs["created_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    f.attrs["generator"] = json.dumps({"package": "imu2safety", "version": __version__, "git_sha": git_sha()})
    f.attrs["taxonomy"] = tax.to_json()
    f.attrs["units"] = json.dumps(UNITS)
    f.attrs["project"] = name
    f.attrs["settings"] = json.dumps(settings, sort_keys=True)
    f.create_group("clips", track_order=True)


class _Windows:
    """Resizable /windows datasets, appended clip by clip."""

    def __init__(self, f: h5py.File, W: int, cfg: ExportConfig, clip_ids: List[str], rate: float):
        g = f.create_group("windows")
        comp = _comp(cfg)
        self.X = g.create_dataset(
            "X",
            shape=(0, W, 6),
            maxshape=(None, W, 6),
            dtype=np.float32,
            chunks=(max(1, min(256, 65536 // W)), W, 6),
            **comp,
        )
        self.cols = {}
        for name, dt in (
            ("y", np.int32),
            ("safety", np.int8),
            ("clip_index", np.int32),
            ("start_sample", np.int64),
            ("variant", np.int16),
        ):
            self.cols[name] = g.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dt, chunks=(8192,), **comp)
        g.attrs.update(
            window=W,
            hop=int(round(cfg.hop_s * rate)),
            window_s=cfg.window_s,
            hop_s=cfg.hop_s,
            rate_hz=rate,
            label_rule=LABEL_RULE,
            min_fraction=cfg.min_fraction,
            keep_unlabelled=cfg.keep_unlabelled,
            clip_ids=json.dumps(clip_ids),
        )
        self.n = 0
        self.W = W
        self.count_split = {s: 0 for s in SPLITS}

    def append(self, X: np.ndarray, cols: Dict[str, np.ndarray], split: str) -> None:
        m = X.shape[0]
        if m == 0:
            return
        self.X.resize(self.n + m, axis=0)
        self.X[self.n :] = X
        for k, ds in self.cols.items():
            ds.resize(self.n + m, axis=0)
            ds[self.n :] = cols[k]
        self.n += m
        self.count_split[split] += m

    def finish(self) -> None:
        pass


def simulate_clip(folder: Path, clip, device, cfg: ExportConfig, rate: float):
    """The trimmed motion of a clip and its ``cfg.variants`` simulated signals (thread-safe: no database)."""
    from ..project.project import load_clip_motion
    from ..sim.simulate import SimConfig, simulate

    motion = load_clip_motion(Path(folder), clip, trimmed=True)
    seeds = [variant_seed(clip.seed, k, cfg.seed) for k in range(int(cfg.variants))]
    try:
        return motion, [
            _stored_signal(folder, clip, device, SimConfig(wrist=clip.wrist, rate_hz=rate, seed=s))
            or simulate(motion, device, SimConfig(wrist=clip.wrist, rate_hz=rate, seed=s))
            for s in seeds
        ]
    except InputError as exc:
        raise InputError(exc.where, f"clip '{clip.id}': {exc.problem}") from None


def _stored_signal(folder: Path, clip, device, config):
    """The clip's IMU as a batch stored it (``cache/imu``), when it was simulated from exactly this motion,
    trim, device and configuration -- the numbers the simulation would give now; else None."""
    from ..sim.imu_io import read_signal, signal_key

    imu = (getattr(clip, "provenance", None) or {}).get("imu") or {}
    path = Path(folder) / imu.get("path", "")
    if not imu.get("key") or not path.is_file():
        return None
    if imu["key"] != signal_key(clip.motion_sha256, (clip.trim_in, clip.trim_out), device.data, config.to_dict()):
        return None
    try:
        return read_signal(path, device)
    except InputError:
        return None  # unreadable: simulate instead


def _simulated(folder, clips, devices, cfg: ExportConfig, rate: float, cancel):
    """Yield (clip, motion, signals) in order, simulating up to ``workers`` clips ahead in threads."""
    workers = int(cfg.workers or 1)
    if workers <= 1:
        for c in clips:
            check(cancel)
            yield (c,) + simulate_clip(folder, c, devices[c.id], cfg, rate)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="export-sim")
    futures = {}
    try:
        for i, c in enumerate(clips):
            for j in range(i, min(len(clips), i + workers + 1)):
                if j not in futures:
                    cj = clips[j]
                    futures[j] = pool.submit(simulate_clip, folder, cj, devices[cj.id], cfg, rate)
            check(cancel)
            yield (c,) + futures.pop(i).result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _write_clip(
    f: h5py.File,
    clip,
    motion,
    sigs,
    segments,
    device,
    cfg: ExportConfig,
    rate: float,
    split: str,
    tax,
    win: _Windows,
    clip_index: int,
) -> None:
    from ..sim.simulate import provenance_json

    seeds = [s.seed for s in sigs]
    s0 = sigs[0]
    comp = _comp(cfg)
    g = f["clips"].create_group(clip.id)
    a = g.attrs
    a["subject"] = clip.subject
    a["split"] = split
    a["source"] = json.dumps(
        {
            "motion_path": clip.source_path,
            "motion_sha256": clip.motion_sha256,
            "video_path": clip.video_path,
            "video_sha256": clip.video_sha256,
            "project_motion": clip.motion_path,
        },
        sort_keys=True,
    )
    a["fps"] = f"{clip.fps.numerator}/{clip.fps.denominator}"
    a["fps_num"], a["fps_den"] = clip.fps.numerator, clip.fps.denominator
    a["trim_in"], a["trim_out"] = clip.trim_in, clip.trim_out
    a["wrist"] = clip.wrist
    a["imu_rate_hz"] = rate
    a["device"] = device.to_json()
    a["device_name"] = cfg.device or clip.profile or device.id
    a["seed"] = clip.seed
    a["variant_seeds"] = json.dumps(seeds)
    a["provenance"] = provenance_json(s0)
    a["notes"] = clip.notes
    n = s0.n
    tchunk = (min(n, TIME_CHUNK), 3)
    imu = g.create_group("imu")
    for name in ("acc", "gyro", "acc_clean", "gyro_clean"):
        imu.create_dataset(name, data=getattr(s0, name).astype(np.float32), chunks=tchunk, **comp)
    imu.create_dataset("valid", data=s0.valid, chunks=(min(n, TIME_CHUNK),), **comp)
    imu.attrs["rate_hz"] = rate
    if len(sigs) > 1:
        for name in ("acc", "gyro"):
            imu.create_dataset(
                f"{name}_variants",
                data=np.stack([getattr(s, name) for s in sigs]).astype(np.float32),
                chunks=(1,) + tchunk,
                **comp,
            )
    sk = g.create_group("skeleton")
    J = motion.joints.shape[1]
    sk.create_dataset(
        "joints", data=motion.joints.astype(np.float32), chunks=(min(motion.n_frames, 1024), J, 3), **comp
    )
    sk.attrs["skeleton"] = motion.skeleton
    sk.attrs["joint_names"] = json.dumps(list(motion.skel.joints))
    sk.attrs["up"] = np.asarray(motion.up, float)
    sk.attrs["fps"] = a["fps"]

    t_in, t_out = clip.trim_in, clip.trim_out
    inside = [s for s in segments if s.end_frame > t_in and s.start_frame < t_out]
    rows = np.zeros(len(inside), dtype=SEG_DTYPE)
    for i, s in enumerate(inside):
        a_f, b_f = max(s.start_frame, t_in), min(s.end_frame, t_out)
        rows[i] = (
            float(Fraction(a_f - t_in) / clip.fps),
            float(Fraction(b_f - t_in) / clip.fps),
            a_f,
            b_f,
            tax.code(s.behaviour),
            s.behaviour,
            tax.safety_code(s.safety),
            -1 if s.severity is None else s.severity,
            s.phase or "",
            s.annotator,
            s.confidence,
            (1 if s.occluded else 0) | (2 if s.partly_out_of_frame else 0),
        )
    lab = g.create_group("labels")
    lab.create_dataset("segments", data=rows, maxshape=(None,))

    ivs = intervals_for(inside, clip.seconds(t_in), rate, tax)
    starts, labels, safety = label_windows(
        n, s0.valid, ivs, win.W, int(round(cfg.hop_s * rate)), cfg.min_fraction, cfg.keep_unlabelled
    )
    if starts.size:
        idx = starts[:, None] + np.arange(win.W)[None, :]
        for k, s in enumerate(sigs):
            X = np.concatenate([s.acc[idx], s.gyro[idx]], axis=2).astype(np.float32)
            m = starts.size
            win.append(
                X,
                {
                    "y": labels,
                    "safety": safety,
                    "clip_index": np.full(m, clip_index, np.int32),
                    "start_sample": starts,
                    "variant": np.full(m, k, np.int16),
                },
                split,
            )
