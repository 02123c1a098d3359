"""Classification metrics (confusion matrix, per-class precision/recall/F1, macro-F1) and the
confusion-matrix figure.

Macro-F1 is the mean F1 over the classes that occur in the truth (``evaluated`` classes); a class the
model knows but the data never shows has no recall and is reported with ``support`` 0, outside the
mean. Predictions of such a class still count as false positives of the classes that were shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Sequence

import numpy as np


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    """Rows: true class index, columns: predicted class index (both 0..n-1)."""
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true, int), np.asarray(y_pred, int)), 1)
    return cm


def scores(cm: np.ndarray, names: Sequence[str]) -> Dict[str, Any]:
    cm = np.asarray(cm)
    tp = np.diag(cm).astype(float)
    support = cm.sum(axis=1)
    predicted = cm.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    shown = support > 0
    per_class = {
        str(n): {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
            "predicted": int(predicted[i]),
        }
        for i, n in enumerate(names)
    }
    total = int(cm.sum())
    return {
        "macro_f1": float(f1[shown].mean()) if shown.any() else 0.0,
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "balanced_accuracy": float(recall[shown].mean()) if shown.any() else 0.0,
        "evaluated_classes": [str(n) for n, s in zip(names, shown) if s],
        "windows": total,
        "per_class": per_class,
    }


def macro_f1(y_true, y_pred, n: int) -> float:
    return scores(confusion(y_true, y_pred, n), [str(i) for i in range(n)])["macro_f1"]


def chance_macro_f1(counts: Sequence[int]) -> Dict[str, float]:
    """Expected macro-F1 (over the classes with support) of two label-blind guessers: uniform random
    guessing over the classes, and always answering the most frequent class."""
    c = np.asarray(counts, float)
    c = c[c > 0]
    if c.size == 0:
        return {"uniform": 0.0, "majority": 0.0}
    p = c / c.sum()
    k = c.size
    # uniform guessing: precision_c = p_c, recall_c = 1/k (in expectation)
    uniform = float(np.mean(2 * p * (1 / k) / (p + 1 / k)))
    j = int(np.argmax(c))
    majority = float((2 * p[j] / (p[j] + 1)) / k)  # F1 of the majority class, 0 for the others
    return {"uniform": uniform, "majority": majority}


def plot_confusion(cm: np.ndarray, names: List[str], path: Path, title: str = "") -> Path:
    """A confusion-matrix PNG (counts and row-normalised colour), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from ..base.atomic import atomic_path

    cm = np.asarray(cm)
    n = len(names)
    rows = cm.sum(axis=1, keepdims=True)
    frac = np.divide(cm, rows, out=np.zeros(cm.shape, float), where=rows > 0)
    size = max(4.0, 0.7 * n + 2.5)
    fig = Figure(figsize=(size + 1.0, size))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(frac, cmap="Blues", vmin=0.0, vmax=1.0)
    ax.set_xticks(range(n), names, rotation=40, ha="right")
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                f"{cm[i, j]}",
                ha="center",
                va="center",
                fontsize=9,
                color="white" if frac[i, j] > 0.6 else "black",
            )
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of the true class")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    return path
