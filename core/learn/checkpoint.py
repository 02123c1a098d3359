"""A trained model on disk: tensors only, read without unpickling.

A model folder holds

- ``model.safetensors``: the weights and the normalisation buffers; its metadata carries
  ``format = imu2safety-model`` and ``version``, and nothing else is accepted;
- ``config.json``: format, version, the network (:class:`.models.ModelConfig`), the input (rate,
  window, hop, channels and units, gravity convention, axes), the classes (taxonomy ids and codes,
  in output order), the taxonomy version, training settings and provenance;
- ``labels.json``: output index -> behaviour id, display name, colour (and the safety and severity
  heads' labels);
- ``metrics.json``: training history and validation scores.

Loading checks the format marker and that every tensor name and shape is exactly what the config's
network expects; anything else is "not an imu2safety model". While training runs, the folder also
holds ``train_state.safetensors`` + ``train_state.json`` (weights, optimiser moments, best weights
so far, the epoch and the early-stopping counters): a second ``imu2safety train`` with the same
data and settings resumes from the last finished epoch. They are removed when training completes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import torch

from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.jsonio import read_json_file
from .models import Classifier, ModelConfig

FORMAT = "imu2safety-model"
VERSION = 1
WEIGHTS = "model.safetensors"
CONFIG = "config.json"
LABELS = "labels.json"
METRICS = "metrics.json"
STATE = "train_state.safetensors"
STATE_JSON = "train_state.json"


def write_json(path: Path, data: Any) -> None:
    with atomic_path(path, suffix=".json") as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=_json_default) + "\n", encoding="utf-8")


def _json_default(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def save_tensors(path: Path, tensors: Dict[str, torch.Tensor], kind: str, info: Any = None) -> None:
    """Write atomically; ``info`` (JSON-able) goes into the file's metadata, so it is written with the tensors."""
    from safetensors.torch import save_file

    flat = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    meta = {"format": FORMAT, "version": str(VERSION), "content": kind}
    if info is not None:
        meta["info"] = json.dumps(info, default=_json_default)
    with atomic_path(path, suffix=".safetensors") as tmp:
        save_file(flat, str(tmp), metadata=meta)


def load_tensors(path: Path, kind: str) -> Dict[str, torch.Tensor]:
    return load_tensors_info(path, kind)[0]


def load_tensors_info(path: Path, kind: str):
    """(tensors, the ``info`` that :func:`save_tensors` stored with them, or None)."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise InputError(path, "missing")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            if meta.get("format") != FORMAT or meta.get("content") != kind:
                raise InputError(path, f"checkpoint is not an imu2safety {kind} (no '{FORMAT}' marker)")
            if int(meta.get("version", "0")) > VERSION:
                raise InputError(
                    path, f"checkpoint version {meta.get('version')} is newer than this program ({VERSION})"
                )
            info = json.loads(meta["info"]) if "info" in meta else None
            return {k: f.get_tensor(k) for k in f.keys()}, info
    except SafetensorError as exc:
        raise InputError(path, f"checkpoint is not an imu2safety model (not a safetensors file: {exc})") from None
    except (OSError, ValueError) as exc:  # json.JSONDecodeError included
        raise InputError(path, f"checkpoint is not an imu2safety model (unreadable: {exc})") from None


def save_model(
    folder: Path, model: Classifier, config: Dict[str, Any], labels: Dict[str, Any], metrics: Dict[str, Any]
) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_tensors(folder / WEIGHTS, model.state_dict(), "model")
    write_json(folder / LABELS, labels)
    write_json(folder / METRICS, metrics)
    write_json(folder / CONFIG, config)  # last: a folder with a config is a finished model


@dataclass
class LoadedModel:
    model: Classifier
    config: Dict[str, Any]
    labels: Dict[str, Any]
    folder: Path

    @property
    def classes(self) -> List[str]:
        return [c["id"] for c in self.config["classes"]]

    @property
    def codes(self) -> List[int]:
        return [int(c["code"]) for c in self.config["classes"]]

    @property
    def rate_hz(self) -> float:
        return float(self.config["input"]["rate_hz"])

    @property
    def window(self) -> int:
        return int(self.config["input"]["window"])

    @property
    def hop(self) -> int:
        return int(self.config["input"]["hop"])

    @property
    def gravity(self) -> str:
        return str(self.config["input"]["gravity"])

    @torch.no_grad()
    def predict(self, X: np.ndarray, batch: int = 512) -> Dict[str, np.ndarray]:
        """Probabilities for windows (M, W, 6) in the model's input convention."""
        self.model.eval()
        outs: Dict[str, List[np.ndarray]] = {}
        for i in range(0, len(X), batch):
            o = self.model(torch.from_numpy(np.ascontiguousarray(X[i : i + batch], np.float32)))
            for k, v in o.items():
                outs.setdefault(k, []).append(torch.softmax(v, dim=1).numpy())
        if not outs:
            k = len(self.classes)
            return {"behaviour": np.zeros((0, k)), "safety": np.zeros((0, 2))}
        return {k: np.concatenate(v) for k, v in outs.items()}


def read_config(folder: Path) -> Dict[str, Any]:
    folder = Path(folder)
    if not folder.exists():
        raise InputError(folder, "no such model folder")
    if not folder.is_dir():
        raise InputError(folder, "is not a model folder (give the folder 'imu2safety train --out' wrote)")
    p = folder / CONFIG
    if not p.is_file():
        extra = (
            " (training did not finish: run the same 'imu2safety train' again to resume)"
            if (folder / STATE_JSON).is_file()
            else ""
        )
        raise InputError(folder, f"model folder without {CONFIG}: not a trained imu2safety model{extra}")
    cfg = read_json_file(p, "model config")
    if not isinstance(cfg, dict) or cfg.get("format") != FORMAT:
        raise InputError(p, f'not an imu2safety model config (no "format": "{FORMAT}")')
    if int(cfg.get("version", 0)) > VERSION:
        raise InputError(p, f"model version {cfg.get('version')} is newer than this program ({VERSION})")
    return cfg


def load_model(folder, device: str = "cpu") -> LoadedModel:
    folder = Path(folder)
    cfg = read_config(folder)
    try:
        mc = ModelConfig.from_dict(cfg["model"])
        model = Classifier(mc)
    except (KeyError, TypeError, InputError) as exc:
        raise InputError(folder / CONFIG, f"bad model description ({exc})") from None
    tensors = load_tensors(folder / WEIGHTS, "model")
    expect = model.state_dict()
    missing = sorted(set(expect) - set(tensors))
    extra = sorted(set(tensors) - set(expect))
    bad = [k for k in expect if k in tensors and tuple(tensors[k].shape) != tuple(expect[k].shape)]
    if missing or extra or bad:
        what = (
            f"missing {missing[:3]}"
            if missing
            else f"unexpected {extra[:3]}"
            if extra
            else f"shape of {bad[0]} {tuple(tensors[bad[0]].shape)} != {tuple(expect[bad[0]].shape)}"
        )
        raise InputError(folder / WEIGHTS, f"checkpoint is not this imu2safety model ({what})")
    model.load_state_dict(tensors, strict=True)
    model.to(device).eval()
    check_config(cfg, mc, folder / CONFIG)
    labels = {}
    if (folder / LABELS).is_file():
        labels = read_json_file(folder / LABELS, "label list")
    return LoadedModel(model, cfg, labels, folder)


def check_config(cfg: Dict[str, Any], mc: ModelConfig, where: Path) -> None:
    """The parts of a model's config.json that evaluation and pre-labels read: the input convention, the
    classes (one per behaviour output) and the taxonomy. A damaged or edited file is an InputError naming it."""
    from ..base.limits import MAX_RATE_HZ, MIN_RATE_HZ
    from ..project.taxonomy import Taxonomy
    from .data import GRAVITY

    def bad(msg):
        raise InputError(where, f"bad model description ({msg})")

    inp = cfg.get("input")
    if not isinstance(inp, dict):
        bad("no 'input' object")
    rate = inp.get("rate_hz")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        bad(f"input.rate_hz must be a number of Hz from {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g}, got {rate!r}")
    for key in ("window", "hop"):
        v = inp.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            bad(f"input.{key} must be a whole number of samples >= 1, got {v!r}")
    if inp["window"] != mc.window:
        bad(f"input.window {inp['window']} is not the network's window of {mc.window} samples")
    if inp.get("gravity") not in GRAVITY:
        bad(f"input.gravity must be one of {', '.join(GRAVITY)}, got {inp.get('gravity')!r}")
    classes = cfg.get("classes")
    if not isinstance(classes, list) or len(classes) != mc.n_classes:
        bad(f"'classes' must list the network's {mc.n_classes} behaviour outputs")
    for c in classes:
        if not (isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("code"), int)):
            bad(f"each class needs a behaviour 'id' and a 'code', got {c!r}"[:200])
    if not isinstance(cfg.get("taxonomy"), dict):
        bad("no 'taxonomy' object")
    Taxonomy(cfg["taxonomy"], str(where))


def state_exists(folder: Path) -> bool:
    return (Path(folder) / STATE_JSON).is_file() and (Path(folder) / STATE).is_file()


def remove_state(folder: Path) -> None:
    for name in (STATE, STATE_JSON):
        try:
            os.unlink(Path(folder) / name)
        except FileNotFoundError:
            pass


def optimizer_tensors(opt: torch.optim.Optimizer):
    """(tensors, json) of an optimiser's state: tensors by 'opt.<param>.<key>', the rest as JSON."""
    sd = opt.state_dict()
    tensors, plain = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"opt.{pid}.{k}"] = v
            else:
                plain[f"{pid}.{k}"] = v
    return tensors, {"param_groups": sd["param_groups"], "plain": plain}


def optimizer_from_tensors(opt: torch.optim.Optimizer, tensors: Dict[str, torch.Tensor], info: Dict[str, Any]) -> None:
    state: Dict[int, Dict[str, Any]] = {}
    for name, v in tensors.items():
        if not name.startswith("opt."):
            continue
        _, pid, k = name.split(".", 2)
        state.setdefault(int(pid), {})[k] = v
    for key, v in info.get("plain", {}).items():
        pid, k = key.split(".", 1)
        state.setdefault(int(pid), {})[k] = v
    opt.load_state_dict({"state": state, "param_groups": info["param_groups"]})
