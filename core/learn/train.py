"""Training: class-balanced, multi-task, early-stopped on validation macro-F1, resumable, reproducible.

- Classes are the behaviour codes present in the training windows (taxonomy order). Rare classes get
  inverse-frequency class weights in the behaviour loss (``balance='weights'``, default) or are
  drawn equally often (``balance='sampler'``).
- Loss: behaviour cross-entropy + ``safety_weight`` x safety cross-entropy (windows with a known
  safety) + ``severity_weight`` x severity cross-entropy (when the data has severities).
- Batches: ``batch`` windows, or fewer for small training sets so that an epoch has >= 8 steps.
- Normalisation: per-channel mean and standard deviation of the training windows only, stored in the
  model (so validation, test and real data never shape it).
- Reproducible: weights are initialised from ``seed``; every epoch's shuffling and dropout come from
  a generator seeded with (seed, epoch), so an epoch's result depends only on the weights it starts
  from. With deterministic CPU kernels the same seed and data give the same model, and a run resumed
  after an interruption ends with the same weights as one that never stopped.
- Early stopping: after each epoch the model is scored on the validation windows (macro-F1, ties by
  loss); training stops after ``patience`` epochs without improvement and the best weights are kept.
  Without validation windows it trains ``epochs`` epochs and says so.
- After every epoch the training state is written (atomically) into the model folder; a new call with
  the same data and settings continues from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from ... import __version__
from ..base.errors import InputError
from ..base.progress import CancelToken, ProgressFn, check, report
from . import checkpoint as ck
from .data import Windows
from .metrics import confusion, scores
from .models import Classifier, ModelConfig, n_parameters

EPS_STD = 1e-6
MIN_STEPS = 8  # a small training set gets smaller batches so that an epoch has at least this many steps


@dataclass
class TrainConfig:
    model: str = "patchformer"
    epochs: int = 30
    batch: int = 256
    lr: float = 2e-3
    weight_decay: float = 1e-2
    patience: int = 6
    seed: int = 0
    compute: str = "cpu"  # cpu | cuda
    threads: Optional[int] = 1  # torch CPU threads (None: torch's default)
    balance: str = "weights"  # weights | sampler
    safety_weight: float = 0.5
    severity_weight: float = 0.25
    model_options: Dict[str, Any] = field(default_factory=dict)  # ModelConfig overrides (e.g. patch, d_model)

    def check(self) -> None:
        def bad(msg):
            raise InputError(None, msg)

        if self.model not in ("patchformer", "cnn"):
            bad(f"--model must be patchformer or cnn, got {self.model!r}")
        if int(self.epochs) < 1:
            bad(f"--epochs must be >= 1, got {self.epochs}")
        if int(self.batch) < 1:
            bad(f"batch must be >= 1, got {self.batch}")
        if self.compute not in ("cpu", "cuda"):
            bad(f"--compute must be cpu or cuda, got {self.compute!r}")
        if self.compute == "cuda" and not torch.cuda.is_available():
            bad("--compute cuda: no CUDA device is available to this torch build (use --compute cpu)")
        if self.balance not in ("weights", "sampler"):
            bad(f"balance must be weights or sampler, got {self.balance!r}")
        if isinstance(self.seed, bool) or int(self.seed) < 0:
            bad(f"--seed must be a non-negative integer, got {self.seed}")
        if self.threads is not None and int(self.threads) < 1:
            bad(f"--threads must be >= 1, got {self.threads}")


@dataclass
class TrainResult:
    folder: Path
    metrics: Dict[str, Any]
    resumed_from: Optional[int]
    model: Classifier


def fingerprint(train: Windows, val: Optional[Windows], extra: Dict[str, Any]) -> str:
    """A hash of the training data and settings: a resume only continues the same training."""
    h = hashlib.sha256()
    for w in (train, val):
        if w is None:
            h.update(b"none")
            continue
        for a in (w.X, w.y, w.safety, w.severity):
            a = np.ascontiguousarray(a)
            h.update(str(a.shape).encode())
            h.update(a.reshape(-1).view(np.uint8))  # the buffer itself: no copy of the windows
    h.update(json.dumps(extra, sort_keys=True, default=str).encode())
    return h.hexdigest()


def channel_stats(X: np.ndarray, chunk: int = 4096):
    """Per-channel mean and standard deviation (+ EPS_STD) of windows (M, W, C), in float64, by chunks
    (no float64 copy of the whole set)."""
    C = X.shape[2]
    s1 = np.zeros(C)
    n = 0
    for i in range(0, len(X), chunk):
        part = X[i : i + chunk].reshape(-1, C)
        s1 += part.sum(axis=0, dtype=np.float64)
        n += part.shape[0]
    mean = s1 / max(n, 1)
    s2 = np.zeros(C)
    for i in range(0, len(X), chunk):
        part = X[i : i + chunk].reshape(-1, C).astype(np.float64) - mean
        s2 += np.einsum("ij,ij->j", part, part)
    return mean, np.sqrt(s2 / max(n, 1)) + EPS_STD


def class_table(codes: List[int], taxonomy) -> List[Dict[str, Any]]:
    out = []
    for c in codes:
        bid = taxonomy.behaviour_of_code(int(c))
        b = taxonomy.behaviours[bid]
        out.append(
            {"id": bid, "code": int(c), "name": b.get("name", bid), "colour": b.get("colour"), "group": b.get("group")}
        )
    return out


def _epoch_seed(seed: int, epoch: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(epoch), 12]).generate_state(1)[0])


class _Deterministic:
    def __enter__(self):
        self.prev = torch.are_deterministic_algorithms_enabled()
        torch.use_deterministic_algorithms(True, warn_only=True)
        return self

    def __exit__(self, *exc):
        torch.use_deterministic_algorithms(self.prev)
        return False


def train_model(
    train: Windows,
    val: Optional[Windows],
    taxonomy,
    out: Path,
    cfg: TrainConfig,
    input_info: Dict[str, Any],
    provenance: Optional[Dict[str, Any]] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    resume: bool = True,
    log: Optional[Callable[[str], None]] = None,
) -> TrainResult:
    """Train on ``train`` (early-stop on ``val``) and write the model folder ``out``."""
    cfg.check()
    out = Path(out)
    if len(train) == 0:
        raise InputError(None, "no training windows")
    if (train.y >= 10**6).any():
        raise InputError(None, "training windows carry labels that are not taxonomy behaviours")
    codes = sorted({int(c) for c in np.unique(train.y)})
    n_cls = len(codes)
    index = {c: i for i, c in enumerate(codes)}
    yi = np.array([index[int(c)] for c in train.y], np.int64)
    severity = bool((train.severity >= 0).any())
    mopts = dict(cfg.model_options)
    mcfg = ModelConfig(kind=cfg.model, window=train.window, n_classes=n_cls, severity=severity, **mopts)
    mcfg.check()
    mcfg = mcfg.resolved()
    vX = vy = None
    if val is not None and len(val):
        keep = np.isin(val.y, codes)
        vX, vy = val.X[keep], np.array([index[int(c)] for c in val.y[keep]], np.int64)
        if len(vy) == 0:
            vX = vy = None
    mean, std = channel_stats(train.X)
    counts = np.bincount(yi, minlength=n_cls)
    class_w = counts.sum() / (n_cls * np.maximum(counts, 1))
    settings = {k: v for k, v in asdict(cfg).items() if k not in ("threads", "compute")}
    fp = fingerprint(train, val, {"settings": settings, "model": mcfg.to_dict(), "input": input_info})

    device = torch.device(cfg.compute)
    out.mkdir(parents=True, exist_ok=True)
    with _FolderLock(out):
        plan = _Plan(
            train=train,
            vX=vX,
            vy=vy,
            yi=yi,
            codes=codes,
            n_cls=n_cls,
            class_w=class_w,
            counts=counts,
            mean=mean,
            std=std,
            severity=severity,
            mcfg=mcfg,
            settings=settings,
            fp=fp,
        )
        return _train(plan, taxonomy, out, cfg, device, input_info, provenance, progress, cancel, resume, log)


class _FolderLock:
    """An flock on MODEL_DIR/.train.lock: two trainings never write one folder at once."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / ".train.lock"

    def __enter__(self):
        import fcntl

        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self.fd)
            raise InputError(self.path.parent, "another training is writing this model folder") from None
        return self

    def __exit__(self, *exc):
        os.close(self.fd)
        try:
            self.path.unlink()
        except OSError:
            pass
        return False


@dataclass
class _Plan:
    """What train_model prepared for the loop: the windows, the class index and weights, the
    normalisation, the network's config, the settings and the run's fingerprint."""

    train: Windows
    vX: Optional[np.ndarray]
    vy: Optional[np.ndarray]
    yi: np.ndarray
    codes: List[int]
    n_cls: int
    class_w: np.ndarray
    counts: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    severity: bool
    mcfg: ModelConfig
    settings: Dict[str, Any]
    fp: str


def _train(
    plan: _Plan, taxonomy, out, cfg, device, input_info, provenance, progress, cancel, resume, log
) -> TrainResult:
    train, vX, vy, yi, codes, n_cls = plan.train, plan.vX, plan.vy, plan.yi, plan.codes, plan.n_cls
    class_w, counts, mean, std, severity = plan.class_w, plan.counts, plan.mean, plan.std, plan.severity
    mcfg, settings, fp = plan.mcfg, plan.settings, plan.fp
    prev_threads = torch.get_num_threads()
    if cfg.threads and cfg.compute == "cpu":
        torch.set_num_threads(int(cfg.threads))
    try:
        with _Deterministic():
            torch.manual_seed(int(cfg.seed))
            model = Classifier(mcfg, mean, std).to(device)
            opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
            state = _load_state(out, fp, model, opt, device) if resume else None
            start, best, history, resumed = 0, {"f1": -1.0, "loss": np.inf, "epoch": -1}, [], None
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if state is not None:
                start, best, history, best_state = state
                resumed = start
                if log:
                    log(f"resuming {out} after epoch {start} of {cfg.epochs}")
            Xt = torch.from_numpy(np.ascontiguousarray(train.X, np.float32))
            yt = torch.from_numpy(yi)
            st = torch.from_numpy(train.safety.astype(np.int64))
            sv = torch.from_numpy(train.severity.astype(np.int64))
            cw = torch.tensor(class_w, dtype=torch.float32, device=device)
            n = len(yi)
            batch = min(int(cfg.batch), max(16, -(-n // MIN_STEPS)))
            steps = max(1, -(-n // batch))
            stale = 0 if not history else history[-1].get("stale", 0)
            t_train = 0.0
            epoch = start
            # a run killed after the epoch that ended it early has nothing left to train
            done = vX is not None and stale >= cfg.patience
            for epoch in range(start, int(cfg.epochs) if not done else start):
                check(cancel)
                g = torch.Generator().manual_seed(_epoch_seed(cfg.seed, epoch))
                torch.manual_seed(_epoch_seed(cfg.seed, epoch) + 1)
                if cfg.balance == "sampler":
                    wts = torch.tensor(class_w[yi] / class_w[yi].sum(), dtype=torch.float64)
                    order = torch.multinomial(wts, n, replacement=True, generator=g)
                else:
                    order = torch.randperm(n, generator=g)
                model.train()
                t0 = time.perf_counter()
                tot = 0.0
                for b in range(steps):
                    check(cancel)
                    idx = order[b * batch : (b + 1) * batch]
                    xb = Xt[idx].to(device)
                    outp = model(xb)
                    loss = F.cross_entropy(
                        outp["behaviour"], yt[idx].to(device), weight=None if cfg.balance == "sampler" else cw
                    )
                    sb = st[idx].to(device)
                    if cfg.safety_weight > 0 and (sb >= 0).any():
                        loss = loss + cfg.safety_weight * F.cross_entropy(outp["safety"], sb, ignore_index=-1)
                    if "severity" in outp:
                        vb = sv[idx].to(device)
                        tgt = torch.where(vb < 0, torch.where(sb == 0, 0, -1), vb)  # safe windows: severity none
                        if (tgt >= 0).any():
                            loss = loss + cfg.severity_weight * F.cross_entropy(outp["severity"], tgt, ignore_index=-1)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    tot += float(loss.detach()) * len(idx)
                    report(progress, (epoch + (b + 1) / steps) / cfg.epochs, f"epoch {epoch + 1}/{cfg.epochs}")
                dt = time.perf_counter() - t0
                t_train += dt
                rec = {"epoch": epoch + 1, "train_loss": tot / n, "seconds": dt, "windows_per_s": n / max(dt, 1e-9)}
                if vX is not None:
                    vl, vf, _ = _validate(model, vX, vy, n_cls, device)
                    rec.update(val_loss=vl, val_macro_f1=vf)
                    better = vf > best["f1"] + 1e-9 or (abs(vf - best["f1"]) <= 1e-9 and vl < best["loss"])
                    if better:
                        best = {"f1": vf, "loss": vl, "epoch": epoch + 1}
                        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                        stale = 0
                    else:
                        stale += 1
                else:
                    best = {"f1": float("nan"), "loss": rec["train_loss"], "epoch": epoch + 1}
                    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
                rec["stale"] = stale
                history.append(rec)
                _save_state(out, fp, model, opt, epoch + 1, best, history, best_state)
                if log:
                    extra = f", val macro-F1 {rec['val_macro_f1']:.3f}" if "val_macro_f1" in rec else ""
                    log(
                        f"epoch {epoch + 1}: loss {rec['train_loss']:.4f}{extra} ({rec['windows_per_s']:.0f} windows/s)"
                    )
                if vX is not None and stale >= cfg.patience:
                    break
            model.load_state_dict(best_state)
            model.eval()
            val_scores = None
            if vX is not None:
                _, _, pred = _validate(model, vX, vy, n_cls, device)
                val_scores = scores(confusion(vy, pred, n_cls), [taxonomy.behaviour_of_code(c) for c in codes])
    finally:
        torch.set_num_threads(prev_threads)

    classes = class_table(codes, taxonomy)
    stopped_early = bool(vX is not None and len(history) < cfg.epochs)
    metrics = {
        "epochs_run": len(history),
        "best_epoch": best["epoch"],
        "stopped_early": stopped_early,
        "early_stopping": ("validation macro-F1, patience %d" % cfg.patience)
        if vX is not None
        else "none: no validation windows (trained every epoch, kept the last)",
        "history": history,
        "validation": val_scores,
        "train_windows": int(n),
        "val_windows": 0 if vy is None else int(len(vy)),
        "train_windows_per_class": {c["id"]: int(k) for c, k in zip(classes, counts)},
        "class_weights": {c["id"]: float(w) for c, w in zip(classes, class_w)},
        "train_seconds": t_train,
        "resumed_from_epoch": resumed,
    }
    config = {
        "format": ck.FORMAT,
        "version": ck.VERSION,
        "model": mcfg.to_dict(),
        "input": dict(
            input_info,
            channels=["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"],
            units={"acc": "m/s^2", "gyro": "rad/s"},
            window=int(train.window),
            normalisation={"mean": mean.tolist(), "std": std.tolist(), "from": "training windows only"},
        ),
        "classes": classes,
        "taxonomy_version": taxonomy.version,
        "taxonomy": json.loads(taxonomy.to_json()),
        "heads": {
            "behaviour": [c["id"] for c in classes],
            "safety": ["safe", "unsafe"],
            "severity": ["none", "minor", "serious", "critical"] if severity else None,
        },
        "training": dict(settings, parameters=n_parameters(model), fingerprint=fp),
        "provenance": dict(
            provenance or {},
            program={"package": "imu2safety", "version": __version__},
            torch=torch.__version__,
            python=platform.python_version(),
        ),
    }
    labels = {
        "behaviour": {
            str(i): {"id": c["id"], "name": c["name"], "colour": c["colour"], "code": c["code"]}
            for i, c in enumerate(classes)
        },
        "safety": {"0": "safe", "1": "unsafe"},
        "severity": {"0": "none", "1": "minor", "2": "serious", "3": "critical"} if severity else None,
    }
    model.to("cpu")
    ck.save_model(out, model, config, labels, metrics)
    ck.remove_state(out)
    report(progress, 1.0, "done")
    return TrainResult(out, metrics, resumed, model)


@torch.no_grad()
def _validate(model, X, y, n_cls, device, batch: int = 1024):
    model.eval()
    losses, preds = [], []
    for i in range(0, len(y), batch):
        o = model(torch.from_numpy(np.ascontiguousarray(X[i : i + batch], np.float32)).to(device))["behaviour"]
        t = torch.from_numpy(y[i : i + batch]).to(device)
        losses.append(float(F.cross_entropy(o, t, reduction="sum")))
        preds.append(o.argmax(1).cpu().numpy())
    pred = np.concatenate(preds)
    return sum(losses) / len(y), scores(confusion(y, pred, n_cls), [str(i) for i in range(n_cls)])["macro_f1"], pred


def _save_state(out: Path, fp: str, model, opt, epoch: int, best, history, best_state) -> None:
    out.mkdir(parents=True, exist_ok=True)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.update({f"best.{k}": v for k, v in best_state.items()})
    ot, oinfo = ck.optimizer_tensors(opt)
    tensors.update(ot)
    info = {
        "format": ck.FORMAT,
        "fingerprint": fp,
        "epoch": epoch,
        "best": {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in best.items()},
        "history": history,
        "optimizer": oinfo,
    }
    # the bookkeeping travels inside the tensors' file (one atomic write: a kill between two files left one
    # epoch's weights beside the previous epoch's counters); the JSON beside it is for people and tools
    ck.save_tensors(out / ck.STATE, tensors, "training state", info=info)
    ck.write_json(out / ck.STATE_JSON, info)


def _load_state(out: Path, fp: str, model, opt, device):
    if not (out / ck.STATE).is_file():
        return None
    try:
        tensors, info = ck.load_tensors_info(out / ck.STATE, "training state")
    except InputError:
        return None
    if not isinstance(info, dict) or info.get("format") != ck.FORMAT:
        return None
    if info.get("fingerprint") != fp:
        raise InputError(
            out,
            "holds an unfinished training with other data or settings; "
            "give another --out folder, or --overwrite to start again",
        )
    model.load_state_dict({k[6:]: v.to(device) for k, v in tensors.items() if k.startswith("model.")})
    best_state = {k[5:]: v.to(device) for k, v in tensors.items() if k.startswith("best.")}
    ck.optimizer_from_tensors(
        opt, {k: v.to(device) for k, v in tensors.items() if k.startswith("opt.")}, info["optimizer"]
    )
    best = dict(info["best"])
    best["f1"] = -1.0 if best.get("f1") is None else best["f1"]
    best["loss"] = np.inf if best.get("loss") is None else best["loss"]
    return int(info["epoch"]), best, list(info["history"]), best_state
