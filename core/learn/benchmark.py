"""The field's sim-to-real protocol in one call: TSTR, TRTR and real + synthetic, both models, several seeds.

Arms (each trained for every model and seed, always tested on the same real test units):

- ``TSTR``: train on synthetic windows only (:mod:`.sources`; validation = held-out augmentation
  draws of the same sources), test on real;
- ``TRTR 10 %`` / ``TRTR 100 %``: train on that share of the real training units (validation = real
  units held out of training), test on real;
- ``mixed 10 %`` / ``mixed 100 %``: synthetic plus that share of the real training units;
- ``shuffled``: the TRTR 100 % training set with its labels permuted among its windows (a control:
  with the association between signal and label destroyed, it must land near chance).

Real data is split by *unit*, never by window: a unit is a recording, or, when some class occurs in a
single recording only, a contiguous labelled stretch of a recording whose windows are cut inside it
(so no window of the test set overlaps one of the training set). Units are drawn per class
(stratified); every share keeps at least one unit of each class. Scores: macro-F1 over the classes
both sides have (the *class overlap*, stated in the report), mean and standard deviation over seeds,
beside the chance levels of label-blind guessers on the same test units.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..base.errors import InputError
from ..base.progress import CancelToken, ProgressFn, check, report
from ..project.taxonomy import load_taxonomy
from .checkpoint import write_json
from .data import UNMAPPED_BASE, Windows, concat
from .evaluate import recordings_to_windows
from .labels import LabelMap, parse_label_map
from .metrics import chance_macro_f1, confusion, scores
from .recordings import LabelledRecording, load_labelled
from .sources import DEFAULT_SOURCES, Augment, SyntheticSpec, synthetic_windows, variant_of_unit
from .train import TrainConfig, train_model

ARMS = ("TSTR", "TRTR 10 %", "TRTR 100 %", "mixed 10 %", "mixed 100 %", "shuffled")


@dataclass
class BenchmarkConfig:
    models: Tuple[str, ...] = ("patchformer", "cnn")
    seeds: Tuple[int, ...] = (0, 1, 2)
    epochs: int = 30
    patience: int = 6
    fractions: Tuple[float, ...] = (0.1, 1.0)
    test_fraction: float = 0.5
    val_fraction: float = 0.2
    window_s: float = 2.0
    hop_s: float = 1.0
    rate_hz: Optional[float] = None  # None: the real recordings' rate
    sources: Tuple[str, ...] = DEFAULT_SOURCES
    variants: int = 8
    min_fraction: float = 0.5
    split: str = "auto"  # auto | recording | segment
    threads: Optional[int] = 1
    augment: Augment = field(default_factory=Augment)


def _stratified(units: np.ndarray, labels: np.ndarray, frac: float, rng, at_least_one=True, keep_one_back=False):
    """Pick ~frac of the units of each class (by the unit's majority label)."""
    picked = []
    for c in np.unique(labels):
        us = units[labels == c]
        us = us[rng.permutation(us.size)]
        k = int(round(frac * us.size))
        if at_least_one:
            k = max(k, 1)
        if keep_one_back:
            k = min(k, us.size - 1)
        picked += us[:k].tolist()
    return np.array(sorted(picked), dtype=np.int64)


def split_units(units: np.ndarray, ulab: np.ndarray, cfg: BenchmarkConfig, seed: int):
    """(test, val, fit) unit ids for one seed, stratified by class, disjoint; and the rng that drew them."""
    rng = np.random.default_rng([seed, 7])
    test_u = _stratified(units, ulab, cfg.test_fraction, rng, keep_one_back=True)
    pool = np.setdiff1d(units, test_u)
    val_u = _stratified(pool, ulab[np.isin(units, pool)], cfg.val_fraction, rng, at_least_one=False, keep_one_back=True)
    return test_u, val_u, np.setdiff1d(pool, val_u), rng


def _unit_labels(w: Windows) -> Tuple[np.ndarray, np.ndarray]:
    units = np.unique(w.unit)
    lab = np.array([np.bincount(w.y[w.unit == u] - w.y.min()).argmax() + w.y.min() for u in units])
    return units, lab


def segment_units(labelled: Sequence[LabelledRecording]) -> List[LabelledRecording]:
    """Each labelled stretch of each recording as its own unit (windows are then cut inside it)."""
    from dataclasses import replace as dc_replace

    from ..realism.real_io import RealRecording

    out = []
    for lr in labelled:
        r = lr.rec
        for k, (s0, s1, lab, saf, sev) in enumerate(sorted(lr.segments)):
            a, b = int(math.ceil(s0 * r.rate_hz)), min(r.n, int(math.ceil(s1 * r.rate_hz)))
            if b - a < 2:
                continue
            rec = RealRecording(
                time=r.time[a:b] - r.time[a],
                acc=r.acc[a:b],
                gyro=r.gyro[a:b],
                valid=r.valid[a:b],
                rate_hz=r.rate_hz,
                gravity=r.gravity,
                source=f"{r.source}@{s0:g}-{s1:g}s",
                label=lab,
                meta=r.meta,
            )
            out.append(
                dc_replace(lr, rec=rec, segments=[(0.0, s1 - s0, lab, saf, sev)], name=f"{lr.name}@{s0:g}-{s1:g}s")
            )
    return out


def run_benchmark(
    paths: Sequence[str],
    out_dir,
    cfg: BenchmarkConfig,
    reader_options: Optional[Dict] = None,
    segments: Optional[str] = None,
    label_map: Optional[str] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    log: Optional[Callable[[str], None]] = None,
) -> Dict[str, Any]:
    say = log or (lambda s: None)
    out_dir = Path(out_dir)  # created once the inputs are read and checked: a refused run leaves no folder
    tax = load_taxonomy()
    user, where = parse_label_map(label_map)
    lmap = LabelMap(tax, user, where)
    labelled = load_labelled(paths, dict(reader_options or {}), segments)
    rates = sorted({round(lr.rec.rate_hz, 6) for lr in labelled})
    rate = float(cfg.rate_hz or rates[0])
    gravity = "removed" if any(lr.rec.gravity == "removed" for lr in labelled) else "included"
    W = int(round(cfg.window_s * rate))
    H = max(1, int(round(cfg.hop_s * rate)))
    notes: List[str] = []
    if W < 8:
        raise InputError(None, f"a {cfg.window_s:g} s window is {W} samples at {rate:g} Hz: too short")
    # real windows by recording; by segment when some class lives in one recording only
    mode = cfg.split
    if mode == "auto":
        per_class: Dict[str, set] = {}
        for i, lr in enumerate(labelled):
            for s in lr.segments:
                per_class.setdefault(str(lmap.resolve(s[2])), set()).add(i)
        mode = "recording" if all(len(v) >= 2 for v in per_class.values()) else "segment"
    units_src = labelled if mode == "recording" else segment_units(labelled)
    real = recordings_to_windows(units_src, lmap, rate, W, H, gravity, cfg.min_fraction, notes)
    if real is None or len(real) == 0:
        raise InputError(None, "no labelled windows in the real recordings")
    unmapped = {lab: int((real.y == c).sum()) for c, lab in real.unmapped.items()}
    real_codes = sorted({int(c) for c in real.y if c < UNMAPPED_BASE})
    report(progress, 0.02, "simulating synthetic sources")
    spec = SyntheticSpec(
        sources=tuple(cfg.sources),
        rate_hz=rate,
        window_s=W / rate,
        hop_s=H / rate,
        gravity=gravity,
        variants=cfg.variants,
        seed=0,
        min_fraction=cfg.min_fraction,
        augment=cfg.augment,
    )
    synth, prov = synthetic_windows(spec, tax, progress=lambda f, m: report(progress, 0.02 + 0.1 * f, m), cancel=cancel)
    synth_codes = sorted({int(c) for c in synth.y})
    overlap = [c for c in real_codes if c in synth_codes]
    if not overlap:
        raise InputError(
            None,
            "the real recordings and the synthetic sources share no class "
            f"(real: {[tax.behaviour_of_code(c) for c in real_codes]}, "
            f"synthetic: {[tax.behaviour_of_code(c) for c in synth_codes]})",
        )
    names = [tax.behaviour_of_code(c) for c in overlap]
    real_only = {tax.behaviour_of_code(c): int((real.y == c).sum()) for c in real_codes if c not in overlap}
    synth_only = {tax.behaviour_of_code(c): int((synth.y == c).sum()) for c in synth_codes if c not in overlap}
    real = real.subset(np.isin(real.y, overlap))
    synth = synth.subset(np.isin(synth.y, overlap))
    say(
        f"class overlap: {', '.join(names)}; real-only (excluded): {real_only or 'none'}; unmapped real labels "
        f"(excluded): {unmapped or 'none'}; synthetic-only (excluded): {sorted(synth_only) or 'none'}"
    )
    say(
        f"real: {len(real)} windows in {len(np.unique(real.unit))} units ({mode} split); synthetic: {len(synth)} "
        f"windows; model input {rate:g} Hz, {W} samples ({W / rate:g} s), hop {H}, gravity {gravity}"
    )
    s_var = variant_of_unit(synth, cfg.variants)
    s_val = s_var >= max(1, int(round(cfg.variants * (1 - cfg.val_fraction))))
    units, ulab = _unit_labels(real)
    runs: List[Dict[str, Any]] = []
    jobs = [(seed, arm, m) for seed in cfg.seeds for arm in ARMS for m in cfg.models]
    input_info = {
        "rate_hz": rate,
        "hop": H,
        "gravity": gravity,
        "min_fraction": cfg.min_fraction,
        "axes": "device-native (as each preset's watch reports)" if cfg.augment.native_axes else "sensor",
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for j, (seed, arm, model) in enumerate(jobs):
        check(cancel)
        test_u, val_u, fit_pool, rng = split_units(units, ulab, cfg, seed)
        fit_lab = ulab[np.isin(units, fit_pool)]
        frac = {"10 %": 0.1, "100 %": 1.0}
        test = real.subset(np.isin(real.unit, test_u))
        rval = real.subset(np.isin(real.unit, val_u)) if val_u.size else None
        if arm == "TSTR":
            tr, va = synth.subset(~s_val), synth.subset(s_val)
        elif arm == "shuffled":
            tr = real.subset(np.isin(real.unit, fit_pool))
            tr = tr.with_labels(np.random.default_rng([seed, 11]).permutation(tr.y))
            va = None
        else:
            share = frac[arm.split(" ", 1)[1]]
            keep_u = fit_pool if share >= 1.0 else _stratified(fit_pool, fit_lab, share, rng)
            tr = real.subset(np.isin(real.unit, keep_u))
            va = rval
            if arm.startswith("mixed"):
                tr = concat([synth.subset(~s_val), tr])
                va = rval if rval is not None and len(rval) else synth.subset(s_val)
        tc = TrainConfig(model=model, epochs=cfg.epochs, patience=cfg.patience, seed=int(seed), threads=cfg.threads)
        folder = out_dir / "runs" / f"{arm.replace(' %', 'pct').replace(' ', '_')}-{model}-seed{seed}"
        report(progress, 0.12 + 0.88 * j / len(jobs), f"{arm} {model} seed {seed}")
        res = train_model(
            tr, va, tax, folder, tc, input_info, provenance={"benchmark_arm": arm}, cancel=cancel, resume=False
        )
        from .checkpoint import load_model

        lm = load_model(folder)
        pred_idx = lm.predict(test.X)["behaviour"].argmax(1)
        pred_codes = np.array(lm.codes)[pred_idx]
        idx = {c: i for i, c in enumerate(overlap)}
        # a prediction outside the overlap (the model knows more classes) is wrong for every overlap class
        yp = np.array([idx.get(int(c), len(overlap)) for c in pred_codes])
        yt = np.array([idx[int(c)] for c in test.y])
        cm = confusion(yt, yp, len(overlap) + 1)[: len(overlap)]
        sc = scores(np.pad(cm, ((0, 1), (0, 0))), names + ["(other)"])
        f1 = float(np.mean([sc["per_class"][n]["f1"] for n in names if sc["per_class"][n]["support"] > 0]))
        runs.append(
            {
                "arm": arm,
                "model": model,
                "seed": int(seed),
                "macro_f1": f1,
                "accuracy": sc["accuracy"],
                "train_windows": int(len(tr)),
                "test_windows": int(len(test)),
                "epochs_run": res.metrics["epochs_run"],
                "best_epoch": res.metrics["best_epoch"],
                "test_units": len(test_u),
                "train_units": int(len(np.unique(tr.unit))) if arm != "TSTR" else 0,
                "confusion": cm[:, : len(overlap) + 1].tolist(),
            }
        )
        say(f"{arm:12s} {model:11s} seed {seed}: macro-F1 {f1:.3f} ({len(tr)} training windows)")
    table = {}
    for arm in ARMS:
        for m in cfg.models:
            v = [r["macro_f1"] for r in runs if r["arm"] == arm and r["model"] == m]
            if v:
                table[f"{arm} | {m}"] = {
                    "mean": float(np.mean(v)),
                    "sd": float(np.std(v, ddof=1)) if len(v) > 1 else 0.0,
                    "n": len(v),
                }
    # chance on the test units (averaged over seeds' splits)
    ch = []
    for seed in cfg.seeds:
        test_u = split_units(units, ulab, cfg, seed)[0]
        t = real.subset(np.isin(real.unit, test_u))
        ch.append(chance_macro_f1([int((t.y == c).sum()) for c in overlap]))
    chance = {k: float(np.mean([c[k] for c in ch])) for k in ("uniform", "majority")}
    rep = {
        "class_overlap": names,
        "excluded": {"real_only": real_only, "unmapped_real_labels": unmapped, "synthetic_only": synth_only},
        "split": mode,
        "model_input": dict(input_info, window=W),
        "real_windows": int(len(real)),
        "real_units": int(units.size),
        "synthetic_windows": int(len(synth)),
        "synthetic_spec": {k: v for k, v in asdict(spec).items() if k != "augment"},
        "augment": asdict(cfg.augment),
        "config": {k: v for k, v in asdict(cfg).items() if k != "augment"},
        "table": table,
        "chance": chance,
        "runs": runs,
        "notes": sorted(set(notes))[:20],
        "synthetic_provenance": prov[:200],
    }
    write_json(out_dir / "report.json", rep)
    md = markdown_table(rep)
    from ..base.atomic import atomic_path

    with atomic_path(out_dir / "report.md", suffix=".md") as tmp:
        tmp.write_text(md, encoding="utf-8")
    report(progress, 1.0, "done")
    return rep


def markdown_table(rep: Dict[str, Any]) -> str:
    models = sorted({k.split(" | ")[1] for k in rep["table"]}, key=lambda m: (m != "patchformer", m))
    lines = [
        f"Class overlap: {', '.join(rep['class_overlap'])} (macro-F1 over these; mean ± sd over seeds)",
        "",
        "| arm | " + " | ".join(models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for arm in ARMS:
        cells = []
        for m in models:
            t = rep["table"].get(f"{arm} | {m}")
            cells.append(f"{t['mean']:.3f} ± {t['sd']:.3f}" if t else "-")
        lines.append(f"| {arm} | " + " | ".join(cells) + " |")
    ch = rep["chance"]
    lines.append(
        f"| chance (uniform guess / majority class) | {ch['uniform']:.3f} / {ch['majority']:.3f} |"
        + " |" * (len(models) - 1)
    )
    ex = rep["excluded"]
    lines += [
        "",
        f"Excluded: real-only {ex['real_only'] or 'none'}; unmapped real labels "
        f"{ex['unmapped_real_labels'] or 'none'}; synthetic-only {sorted(ex['synthetic_only']) or 'none'}.",
        f"Split by {rep['split']}; {rep['real_units']} real units, {rep['real_windows']} real windows, "
        f"{rep['synthetic_windows']} synthetic windows; input {rep['model_input']['rate_hz']:g} Hz, "
        f"{rep['model_input']['window']} samples, gravity {rep['model_input']['gravity']}.",
    ]
    return "\n".join(lines) + "\n"
