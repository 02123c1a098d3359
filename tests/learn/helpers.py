"""Constructed data with known answers for the learning tests."""

from __future__ import annotations

import numpy as np

from imu2safety.core.learn.data import Windows
from imu2safety.core.project.taxonomy import load_taxonomy

TAX = load_taxonomy()
CLASSES = ("walking", "standing", "running")
TINY = {"d_model": 16, "layers": 1, "heads": 2, "ff": 32, "d_ch": 2, "ch_heads": 1}


def class_signal(kind: str, n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 6): walking = 1 Hz swing, running = 3 Hz and 4x stronger, standing = noise only."""
    t = np.arange(n) / rate
    ph = rng.uniform(0, 2 * np.pi)
    x = 0.05 * rng.standard_normal((n, 6))
    if kind == "walking":
        x[:, 0] += 2.0 * np.sin(2 * np.pi * 1.0 * t + ph)
        x[:, 5] += 1.0 * np.cos(2 * np.pi * 1.0 * t + ph)
    elif kind == "running":
        x[:, 0] += 8.0 * np.sin(2 * np.pi * 3.0 * t + ph)
        x[:, 5] += 4.0 * np.cos(2 * np.pi * 3.0 * t + ph)
    x[:, 2] += 9.80665
    return x


def separable(n_per_class: int, window: int = 32, rate: float = 25.0, seed: int = 0) -> Windows:
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in CLASSES:
        for _ in range(n_per_class):
            X.append(class_signal(c, window, rate, rng))
            y.append(TAX.code(c))
    X = np.asarray(X, np.float32)
    y = np.asarray(y, np.int64)
    m = len(y)
    safety = np.zeros(m, np.int8)
    return Windows(
        X,
        y,
        safety,
        np.full(m, -1, np.int8),
        np.arange(m),
        np.zeros(m, np.int64),
        rate,
        "included",
        units=[f"w{i}" for i in range(m)],
    )


INPUT = {"rate_hz": 25.0, "hop": 16, "gravity": "included", "min_fraction": 0.5, "axes": "sensor"}
