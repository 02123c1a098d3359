"""``imu2safety train DATASET.h5 --out MODEL_DIR``: train a safety classifier on an exported dataset."""

from __future__ import annotations

import sys
from pathlib import Path

from ...core.base.errors import InputError
from .arguments import number, seed
from .progressbar import progress_bar


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train a behaviour + safety classifier (IMU-Patchformer or a 1D CNN) on an exported dataset",
        description="Train on the dataset's train split, early-stop on its val split (macro-F1), and write the "
        "model folder: model.safetensors (tensors only), config.json, labels.json, metrics.json. Running the "
        "same command again after an interruption resumes from the last finished epoch.",
    )
    p.add_argument("dataset", help="dataset .h5 written by 'imu2safety export'")
    p.add_argument("--out", required=True, help="model folder to write (created if missing)")
    p.add_argument(
        "--model", choices=("patchformer", "cnn"), default="patchformer", help="network (default patchformer)"
    )
    p.add_argument(
        "--epochs",
        type=number(1, 100_000, integer=True),
        default=30,
        help="most epochs (default 30; early stopping may end sooner)",
    )
    p.add_argument(
        "--patience",
        type=number(1, 100_000, integer=True),
        default=6,
        help="epochs without a better val macro-F1 before stopping",
    )
    p.add_argument("--seed", type=seed, default=0, help="seed of the weights, shuffling and dropout (default 0)")
    p.add_argument("--compute", choices=("cpu", "cuda"), default="cpu", help="device (default cpu)")
    p.add_argument(
        "--threads",
        type=number(1, 1024, integer=True),
        default=1,
        help="torch CPU threads (default 1: on a busy 2-core machine 2 threads were many times slower)",
    )
    p.add_argument("--batch", type=number(1, 1_000_000, integer=True), default=256, help="batch size (default 256)")
    p.add_argument("--lr", type=number(1e-9, 10.0), default=2e-3, help="AdamW learning rate (default 2e-3)")
    p.add_argument(
        "--balance",
        choices=("weights", "sampler"),
        default="weights",
        help="rare classes: inverse-frequency loss weights (default) or balanced sampling",
    )
    p.add_argument(
        "--gravity",
        choices=("included", "removed"),
        default="included",
        help="'removed': train on linear acceleration (gravity estimated by a 0.3 Hz low-pass per clip), "
        "for watches that report it",
    )
    p.add_argument(
        "--patch",
        type=number(1, 100_000, integer=True),
        default=None,
        help="patchformer patch length in samples (default: 32, or smaller for short windows)",
    )
    p.add_argument(
        "--stride",
        type=number(1, 100_000, integer=True),
        default=None,
        help="patchformer patch stride in samples (default patch/2)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace a finished or unfinished model in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...core.learn import checkpoint as ck  # torch: loaded when the command runs
    from ...core.learn.data import dataset_info, from_dataset
    from ...core.learn.train import TrainConfig, train_model

    out = Path(args.out)
    data = Path(args.dataset)
    if out.exists() and not out.is_dir():
        raise InputError(out, "exists and is not a folder (give a folder for the model)")
    if data.resolve() == out.resolve():
        raise InputError(out, "the model folder must not be the dataset")
    if out.is_dir() and (out / ck.CONFIG).is_file() and not args.overwrite:
        raise InputError(out, "already holds a trained model; give another --out or --overwrite")
    if args.overwrite:
        for name in (ck.CONFIG, ck.WEIGHTS, ck.LABELS, ck.METRICS, ck.STATE, ck.STATE_JSON):
            (out / name).unlink(missing_ok=True)
    info = dataset_info(data)
    train = from_dataset(data, "train", gravity=args.gravity)
    val = from_dataset(data, "val", gravity=args.gravity)
    if len(train) == 0:
        raise InputError(data, "the train split has no windows")
    if len(val) == 0:
        print(
            f"warning: {data}: the val split has no windows: no early stopping, {args.epochs} epochs are trained",
            file=sys.stderr,
        )
    opts = {k: v for k, v in (("patch", args.patch), ("stride", args.stride)) if v is not None}
    cfg = TrainConfig(
        model=args.model,
        epochs=args.epochs,
        batch=args.batch,
        lr=args.lr,
        patience=args.patience,
        seed=args.seed,
        compute=args.compute,
        threads=args.threads,
        balance=args.balance,
        model_options=opts,
    )
    wa = info["window_attrs"]
    input_info = {
        "rate_hz": float(wa["rate_hz"]),
        "hop": int(wa["hop"]),
        "gravity": args.gravity,
        "min_fraction": float(wa.get("min_fraction", 0.5)),
        "label_rule": wa.get("label_rule"),
        "axes": "product sensor frame (x distal along the forearm, z dorsal)",
    }
    prov = {
        "dataset": str(data.resolve()),
        "dataset_generator": info.get("generator"),
        "train_windows": len(train),
        "val_windows": len(val),
    }
    log = None if args.quiet else (lambda s: print(s, file=sys.stderr))
    with progress_bar("train", enabled=not args.quiet) as cb:
        res = train_model(
            train, val if len(val) else None, info["taxonomy"], out, cfg, input_info, prov, progress=cb, log=log
        )
    m = res.metrics
    val_txt = (
        f", val macro-F1 {m['validation']['macro_f1']:.3f} at epoch {m['best_epoch']}" if m.get("validation") else ""
    )
    print(
        f"{out}: {args.model}, {len(m['train_windows_per_class'])} classes, {m['train_windows']} training windows, "
        f"{m['epochs_run']} epochs{' (stopped early)' if m['stopped_early'] else ''}{val_txt}"
        + (f"; resumed after epoch {res.resumed_from}" if res.resumed_from else "")
    )
    return 0
