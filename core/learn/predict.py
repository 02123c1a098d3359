"""Pre-labels: a trained model run along a whole signal (the workbench's prediction band).

:func:`predict_signal` cuts the signal into the model's windows every ``hop_s`` (default: the model's
hop), after bringing it to the model's rate and gravity convention, and returns for each window its
centre time, the behaviour probabilities (in the model's class order) and the probability of
"unsafe". Windows with an invalid sample are skipped (their rows are absent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .checkpoint import LoadedModel
from .data import to_model_input


@dataclass
class Prediction:
    start_s: np.ndarray  # (M,) window starts (s, signal time)
    end_s: np.ndarray  # (M,)
    behaviour: np.ndarray  # (M, K) probabilities
    unsafe: np.ndarray  # (M,) probability of the unsafe level
    classes: List[str]  # behaviour ids, in column order
    colours: List[str]
    notes: List[str]

    @property
    def labels(self) -> List[str]:
        return [self.classes[i] for i in self.behaviour.argmax(axis=1)] if len(self.start_s) else []


def predict_signal(
    model: LoadedModel,
    acc,
    gyro,
    valid,
    rate_hz: float,
    gravity: str = "included",
    hop_s: Optional[float] = None,
    where=None,
) -> Prediction:
    notes: List[str] = []
    x, ok = to_model_input(acc, gyro, valid, rate_hz, gravity, model.rate_hz, model.gravity, where=where, notes=notes)
    W = model.window
    H = model.hop if hop_s is None else max(1, int(round(hop_s * model.rate_hz)))
    n = x.shape[0]
    starts = np.arange(0, max(n - W + 1, 0), H, dtype=np.int64)
    if starts.size:
        bad = np.concatenate([[0], np.cumsum(~ok)])
        starts = starts[(bad[starts + W] - bad[starts]) == 0]
    X = x[starts[:, None] + np.arange(W)[None, :]] if starts.size else np.zeros((0, W, 6), np.float32)
    probs = model.predict(X)
    classes = model.classes
    colours = [c.get("colour") or "#888888" for c in model.config["classes"]]
    return Prediction(
        start_s=starts / model.rate_hz,
        end_s=(starts + W) / model.rate_hz,
        behaviour=probs["behaviour"],
        unsafe=probs["safety"][:, 1] if len(starts) else np.zeros(0),
        classes=classes,
        colours=colours,
        notes=notes,
    )
