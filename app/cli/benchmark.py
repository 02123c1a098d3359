"""``imu2safety benchmark --real REAL... --out report/``: TSTR, TRTR and real + synthetic in one command."""

from __future__ import annotations

import argparse
import sys

from ...core.base.errors import InputError
from ...core.base.limits import MAX_RATE_HZ, MIN_RATE_HZ
from ...core.learn.sources import DEFAULT_SOURCES, Augment, available_sources
from .arguments import number, seed
from .progressbar import progress_bar
from .realism import _opts, _reader_args


def seed_list(text: str):
    """``--seeds``: one or more comma-separated seeds (each 0 to 2^63-1)."""
    out = tuple(seed(v.strip()) for v in text.split(",") if v.strip())
    if not out:
        raise argparse.ArgumentTypeError(f"must name at least one seed, got {text!r}")
    return out


def register(sub) -> None:
    p = sub.add_parser(
        "benchmark",
        help="sim-to-real benchmark: synthetic-only (TSTR), real-only (TRTR) and mixed training, tested on real",
        description="Train both models with several seeds on: the shipped synthetic sources only (TSTR); 10 %% and "
        "100 %% of the real training recordings (TRTR); synthetic plus that real share; and a shuffled-label "
        "control. Real data is split by recording (or contiguous labelled stretch), never by window. Scores are "
        "macro-F1 over the classes both sides share (stated in the report), mean and sd over seeds. Writes "
        "report.json, report.md and one model folder per run.",
    )
    p.add_argument("--real", nargs="+", required=True, help="real recording(s): .csv, .h5 or .ts")
    p.add_argument("--out", required=True, help="report folder (created if missing)")
    p.add_argument("--segments", default=None, help="segments CSV for the real recordings")
    p.add_argument("--label-map", default=None, help="recording label -> taxonomy behaviour (see 'evaluate')")
    p.add_argument("--models", default="patchformer,cnn", help="comma-separated (default patchformer,cnn)")
    p.add_argument("--seeds", type=seed_list, default=(0, 1, 2), help="comma-separated seeds (default 0,1,2)")
    p.add_argument("--epochs", type=number(1, 100_000, integer=True), default=30)
    p.add_argument(
        "--variants",
        type=number(1, 256, integer=True),
        default=8,
        help="augmented simulations of each synthetic source (default 8)",
    )
    p.add_argument("--window", type=number(0.01, 3600.0, "s"), default=2.0, help="window in s (default 2)")
    p.add_argument("--hop", type=number(1e-3, 3600.0, "s"), default=1.0, help="hop in s (default 1)")
    p.add_argument(
        "--model-rate",
        type=number(MIN_RATE_HZ, MAX_RATE_HZ, "Hz"),
        default=None,
        help="model input rate in Hz (default: the recordings')",
    )
    p.add_argument(
        "--sources",
        default=",".join(DEFAULT_SOURCES),
        help="comma-separated synthetic sources (default: all shipped; known: "
        + ", ".join(available_sources())
        + "; project:FOLDER adds a project)",
    )
    p.add_argument("--project", default=None, help="add every labelled clip of this project as a synthetic source")
    p.add_argument(
        "--sensor-axes",
        action="store_true",
        help="simulate in the product's sensor frame instead of each watch's own axes",
    )
    p.add_argument("--split", choices=("auto", "recording", "segment"), default="auto")
    p.add_argument("--threads", type=number(1, 1024, integer=True), default=1)
    p.add_argument("--quiet", action="store_true")
    _reader_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...core.learn.benchmark import BenchmarkConfig, run_benchmark  # torch: loaded when the command runs

    opts, _ = _opts(args)
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    bad = [m for m in models if m not in ("patchformer", "cnn")]
    if bad or not models:
        raise InputError(None, f"--models: unknown model(s) {bad} (known: patchformer, cnn)")
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    if args.project:
        sources += (f"project:{args.project}",)
    cfg = BenchmarkConfig(
        models=models,
        seeds=tuple(args.seeds),
        epochs=args.epochs,
        variants=args.variants,
        window_s=args.window,
        hop_s=args.hop,
        rate_hz=args.model_rate,
        sources=sources,
        split=args.split,
        threads=args.threads,
        augment=Augment(native_axes=not args.sensor_axes),
    )
    log = None if args.quiet else (lambda s: print(s, file=sys.stderr))
    with progress_bar("benchmark", enabled=not args.quiet) as cb:
        rep = run_benchmark(
            args.real,
            args.out,
            cfg,
            reader_options=opts,
            segments=args.segments,
            label_map=args.label_map,
            progress=cb,
            log=log,
        )
    from ...core.learn.benchmark import markdown_table

    print(markdown_table(rep), end="")
    return 0
