"""Evaluate a trained model on labelled real recordings: macro-F1, per-class precision and recall,
a confusion matrix (PNG) and a JSON report.

Each recording is read (:mod:`.recordings`), its labels mapped to taxonomy ids (:mod:`.labels`),
brought to the model's rate and gravity convention (:func:`.data.to_model_input`: resampled and
said so) and cut into windows exactly as export cuts them (:func:`.data.label_recording`: the
model's window and hop, a label covering >= ``min_fraction``). Windows whose label maps to a class
the model knows are scored; windows with unmapped labels, or with behaviours the model was not
trained on, are counted and listed with what the model predicted for them, never dropped silently.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.progress import ProgressFn, report
from ..project.taxonomy import Taxonomy
from .checkpoint import LoadedModel, load_model, write_json
from .data import UNMAPPED_BASE, Windows, concat, label_recording, to_model_input
from .labels import LabelMap, parse_label_map
from .metrics import confusion, plot_confusion, scores
from .recordings import LabelledRecording, load_labelled


def recordings_to_windows(
    labelled: Sequence[LabelledRecording],
    label_map: LabelMap,
    rate_hz: float,
    window: int,
    hop: int,
    gravity: str,
    min_fraction: float = 0.5,
    notes: Optional[List[str]] = None,
) -> Optional[Windows]:
    """Windows at the model's input convention; labels mapped (unmapped ones get codes >= UNMAPPED_BASE)."""
    tax = label_map.taxonomy
    critical = frozenset(tax.code(b) for b in tax.behaviour_ids if tax.is_critical(b))
    unmapped_codes: Dict[str, int] = {}
    parts = []
    for lr in labelled:
        rec = lr.rec
        x, valid = to_model_input(
            rec.acc, rec.gyro, rec.valid, rec.rate_hz, rec.gravity, rate_hz, gravity, where=rec.source, notes=notes
        )
        segs = []
        for s0, s1, lab, safety, sev in lr.segments:
            target = label_map.resolve(lab)
            if target == "ignore":
                continue
            if target is None:
                code = unmapped_codes.setdefault(lab, UNMAPPED_BASE + len(unmapped_codes))
            else:
                code = tax.code(target)
            segs.append((s0, s1, code, safety, sev))
        X, y, saf, sev, st = label_recording(x, valid, segs, rate_hz, window, hop, min_fraction, critical)
        parts.append(
            Windows(X, y, saf, sev, np.zeros(len(y), np.int64), st, rate_hz, gravity, units=[lr.name], unmapped={})
        )
    w = concat(parts) if parts else None
    if w is not None:
        w.units = [lr.name for lr in labelled]
        w.unmapped = {v: k for k, v in unmapped_codes.items()}
    return w


def evaluate(
    model_dir,
    paths: Sequence[str],
    out_dir,
    reader_options: Optional[Dict[str, Any]] = None,
    segments: Optional[str] = None,
    label_map: Optional[str] = None,
    min_fraction: float = 0.5,
    hop_s: Optional[float] = None,
    progress: Optional[ProgressFn] = None,
) -> Dict[str, Any]:
    lm: LoadedModel = load_model(model_dir)
    tax = Taxonomy(lm.config["taxonomy"], f"{model_dir} taxonomy")
    user, where = parse_label_map(label_map)
    lmap = LabelMap(tax, user, where)
    report(progress, 0.05, "reading recordings")
    opts = dict(reader_options or {})
    labelled = load_labelled(paths, opts, segments)
    notes: List[str] = []
    hop = lm.hop if hop_s is None else max(1, int(round(hop_s * lm.rate_hz)))
    w = recordings_to_windows(labelled, lmap, lm.rate_hz, lm.window, hop, lm.gravity, min_fraction, notes)
    if w is None or len(w) == 0:
        short = [lr.name for lr in labelled if lr.rec.n / lr.rec.rate_hz < lm.window / lm.rate_hz]
        why = (
            f" (shorter than the model's {lm.window / lm.rate_hz:g} s window: {', '.join(short[:3])})" if short else ""
        )
        raise InputError(paths[0] if len(paths) == 1 else None, f"no labelled windows in the recording(s){why}")
    report(progress, 0.4, "predicting")
    probs = lm.predict(w.X)
    pred_idx = probs["behaviour"].argmax(1)
    codes = lm.codes
    names = lm.classes
    index = {c: i for i, c in enumerate(codes)}
    inside = np.isin(w.y, codes)
    yt = np.array([index[int(c)] for c in w.y[inside]], np.int64)
    cm = confusion(yt, pred_idx[inside], len(codes))
    sc = scores(cm, names)
    outside: Dict[str, Dict[str, Any]] = {}
    for c in sorted(set(int(v) for v in w.y[~inside])):
        sel = w.y == c
        label = w.unmapped.get(c) if c >= UNMAPPED_BASE else tax.behaviour_of_code(c)
        kind = "unmapped label" if c >= UNMAPPED_BASE else "behaviour the model was not trained on"
        pc = np.bincount(pred_idx[sel], minlength=len(codes))
        outside[label] = {
            "kind": kind,
            "windows": int(sel.sum()),
            "predicted_as": {names[i]: int(k) for i, k in enumerate(pc) if k},
        }
    safety = None
    known = w.safety >= 0
    if known.any():
        ps = probs["safety"][:, 1] >= 0.5
        ts = w.safety[known] == 1
        tp = int((ps[known] & ts).sum())
        fp = int((ps[known] & ~ts).sum())
        fn = int((~ps[known] & ts).sum())
        safety = {
            "windows": int(known.sum()),
            "accuracy": float((ps[known] == ts).mean()),
            "unsafe_precision": tp / (tp + fp) if tp + fp else 0.0,
            "unsafe_recall": tp / (tp + fn) if tp + fn else 0.0,
        }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    png = plot_confusion(
        cm,
        names,
        out_dir / "confusion.png",
        title=f"{Path(model_dir).name}: macro-F1 {sc['macro_f1']:.3f} on {int(inside.sum())} windows",
    )
    _write_predictions(out_dir / "predictions.csv", w, probs, names, tax)
    label_table = {}
    for lr in labelled:
        for _, _, lab, _, _ in lr.segments:
            label_table.setdefault(lab, lmap.resolve(lab))
    rep = {
        "model": str(model_dir),
        "model_kind": lm.config["model"]["kind"],
        "classes": names,
        "recordings": [
            {
                "name": lr.name,
                "labels_from": lr.label_source,
                "rate_hz": lr.rec.rate_hz,
                "gravity": lr.rec.gravity,
                "samples": lr.rec.n,
                "windows": int((w.unit == i).sum()),
            }
            for i, lr in enumerate(labelled)
        ],
        "model_input": {
            "rate_hz": lm.rate_hz,
            "window": lm.window,
            "hop": hop,
            "gravity": lm.gravity,
            "min_fraction": min_fraction,
            "axes": lm.config["input"].get("axes"),
        },
        "label_map": {k: v for k, v in sorted(label_table.items())},
        "unmapped_labels": sorted(k for k, v in label_table.items() if v is None),
        "ignored_labels": sorted(k for k, v in label_table.items() if v == "ignore"),
        "scored_windows": int(inside.sum()),
        "not_scored": outside,
        "metrics": sc,
        "confusion": {"rows_true_cols_predicted": names, "matrix": cm.tolist()},
        "safety": safety,
        "notes": notes,
        "files": {"confusion_png": png.name, "predictions_csv": "predictions.csv"},
    }
    write_json(out_dir / "report.json", rep)
    report(progress, 1.0, "done")
    return rep


def _write_predictions(path: Path, w: Windows, probs, names: List[str], tax) -> None:
    buf = io.StringIO()
    wr = csv.writer(buf)
    wr.writerow(["recording", "start_s", "true", "predicted", "p_predicted", "p_unsafe"])
    bi = probs["behaviour"].argmax(1)
    for i in range(len(w)):
        c = int(w.y[i])
        true = w.unmapped.get(c, "?") if c >= UNMAPPED_BASE else tax.behaviour_of_code(c)
        wr.writerow(
            [
                w.units[int(w.unit[i])],
                f"{w.start[i] / w.rate_hz:.3f}",
                true,
                names[bi[i]],
                f"{probs['behaviour'][i, bi[i]]:.4f}",
                f"{probs['safety'][i, 1]:.4f}",
            ]
        )
    with atomic_path(path, suffix=".csv") as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
