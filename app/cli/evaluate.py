"""``imu2safety evaluate MODEL_DIR REAL... --out report/``: score a trained model on labelled real recordings."""

from __future__ import annotations

import sys

from .arguments import number
from .progressbar import progress_bar
from .realism import _opts, _reader_args


def register(sub) -> None:
    p = sub.add_parser(
        "evaluate",
        help="evaluate a trained model on labelled real recordings (macro-F1, per-class P/R, confusion matrix)",
        description="Read real recordings (CSV, HDF5, UEA .ts), map their labels to the taxonomy, resample them to "
        "the model's rate, cut windows as export does and score the model. Labels: --segments "
        "(start_s,end_s,label[,safety,severity,recording]), else a per-row 'label' column, else the .ts case "
        "label. Writes report.json, confusion.png and predictions.csv.",
    )
    p.add_argument("model", help="model folder written by 'imu2safety train'")
    p.add_argument("real", nargs="+", help="real recording(s): .csv, .h5 or .ts")
    p.add_argument("--out", required=True, help="report folder (created if missing)")
    p.add_argument("--segments", default=None, help="segments CSV: start_s,end_s,label (+ recording for several files)")
    p.add_argument(
        "--label-map",
        default=None,
        help="recording label -> taxonomy behaviour: a JSON/CSV file or 'Walk=walking,Jog=running' "
        "(names match case- and separator-insensitively; 'ignore' leaves a label out on purpose)",
    )
    p.add_argument(
        "--min-fraction", type=number(1e-9, 1.0), default=0.5, help="a window's label must cover this fraction"
    )
    p.add_argument(
        "--hop", type=number(1e-3, 3600.0, "s"), default=None, help="hop between windows in s (default: the model's)"
    )
    p.add_argument("--quiet", action="store_true")
    _reader_args(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ...core.learn.evaluate import evaluate  # torch: loaded when the command runs

    opts, _ = _opts(args)
    with progress_bar("evaluate", enabled=not args.quiet) as cb:
        rep = evaluate(
            args.model,
            args.real,
            args.out,
            reader_options=opts,
            segments=args.segments,
            label_map=args.label_map,
            min_fraction=args.min_fraction,
            hop_s=args.hop,
            progress=cb,
        )
    for n in rep["notes"]:
        print(f"note: {n}", file=sys.stderr)
    if rep["unmapped_labels"]:
        print(
            "warning: labels not mapped to the taxonomy (not scored): "
            + ", ".join(
                f"{k} ({v['windows']} windows)" for k, v in rep["not_scored"].items() if v["kind"] == "unmapped label"
            ),
            file=sys.stderr,
        )
    other = {k: v for k, v in rep["not_scored"].items() if v["kind"] != "unmapped label"}
    if other:
        print(
            "warning: behaviours the model was not trained on (not scored): "
            + ", ".join(f"{k} ({v['windows']} windows)" for k, v in other.items()),
            file=sys.stderr,
        )
    m = rep["metrics"]
    print(
        f"{args.out}: macro-F1 {m['macro_f1']:.3f} over {', '.join(m['evaluated_classes'])} "
        f"({rep['scored_windows']} windows), accuracy {m['accuracy']:.3f}"
    )
    for name, c in m["per_class"].items():
        if c["support"]:
            print(f"  {name:20s} precision {c['precision']:.3f}  recall {c['recall']:.3f}  ({c['support']} windows)")
    return 0
