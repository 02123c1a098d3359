"""``imu2safety export DIR --out DATASET.h5``: a project -> a training-ready HDF5 dataset."""

from __future__ import annotations

import sys

from ...core.base.limits import MAX_RATE_HZ, MIN_RATE_HZ
from ...core.dataset.export import ExportConfig, export_dataset
from .arguments import number, seed
from .progressbar import progress_bar


def register(sub) -> None:
    p = sub.add_parser(
        "export",
        help="export a project as an HDF5 dataset (simulated IMU, labels, windows)",
        description="Simulate every clip of a project and write one HDF5 dataset: per-clip IMU "
        "(clean and with device errors), skeleton and labels, labelled windows, and "
        "train/val/test splits drawn by subject before windowing.",
    )
    p.add_argument("dir", help="project folder")
    p.add_argument("--out", required=True, help="output .h5 (written atomically)")
    p.add_argument("--window", type=float, default=2.0, help="window length in seconds (default 2)")
    p.add_argument("--hop", type=float, default=1.0, help="hop between windows in seconds (default 1)")
    p.add_argument("--split", choices=("subject", "clip"), default="subject", help="split unit (default subject)")
    p.add_argument("--val", type=float, default=0.15, help="validation fraction of subjects/clips (default 0.15)")
    p.add_argument("--test", type=float, default=0.15, help="test fraction of subjects/clips (default 0.15)")
    p.add_argument("--seed", type=seed, default=0, help="seed of the split and extra variants, 0 to 2^63-1 (default 0)")
    p.add_argument("--device", default=None, help="device profile/preset for every clip (default: each clip's)")
    p.add_argument("--variants", type=int, default=1, help="device/noise realisations per clip (default 1)")
    p.add_argument(
        "--rate",
        type=number(MIN_RATE_HZ, MAX_RATE_HZ, "Hz"),
        default=None,
        help="IMU rate in Hz (default: the device's)",
    )
    p.add_argument(
        "--min-fraction",
        type=float,
        default=0.5,
        help="a window's label must cover at least this fraction of it (default 0.5)",
    )
    p.add_argument("--keep-unlabelled", action="store_true", help="keep windows without a label (y = -1)")
    p.add_argument(
        "--allow-empty", action="store_true", help="write the dataset even when it holds no window (refused otherwise)"
    )
    p.add_argument("--compression", choices=("gzip", "lzf", "none"), default="gzip")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="threads simulating clips ahead of the writer (default 1; the output does not depend on it)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = ExportConfig(
        window_s=args.window,
        hop_s=args.hop,
        split=args.split,
        val=args.val,
        test=args.test,
        seed=args.seed,
        device=args.device,
        variants=args.variants,
        rate_hz=args.rate,
        min_fraction=args.min_fraction,
        keep_unlabelled=args.keep_unlabelled,
        compression=args.compression,
        workers=args.workers,
        allow_empty=args.allow_empty,
    )
    with progress_bar("export", enabled=not args.quiet) as cb:
        s = export_dataset(args.dir, args.out, cfg, progress=cb)
    for w in s.warnings:
        print(f"warning: {w}", file=sys.stderr)
    per = ", ".join(f"{k} {v} ({len(s.clips_per_split[k])} clips)" for k, v in s.windows_per_split.items())
    print(f"{s.path}: {s.n_clips} clips, {s.n_windows} windows ({per}), {s.bytes / 1e6:.1f} MB in {s.seconds:.1f} s")
    if s.windows_per_class:
        print(
            "windows per behaviour: "
            + ", ".join(f"{k} {v}" for k, v in sorted(s.windows_per_class.items(), key=lambda kv: -kv[1]))
        )
    return 0
