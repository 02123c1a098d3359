"""Labelled windows in memory, and the signal steps that bring any source to a model's input.

:class:`Windows` holds ``X (M, W, 6)`` float32 [acc xyz m/s^2, gyro xyz rad/s] with per-window
behaviour code ``y`` (taxonomy code; codes >= ``UNMAPPED_BASE`` are labels the label map did not map),
``safety`` (0 safe, 1 unsafe, -1 unknown), ``severity`` (-1 none/unknown, else 1..3), ``unit`` (the
recording, clip or segment it came from: splits are drawn over units, never over windows) and
``start`` (sample index of the window in its unit).

Signal steps, shared by training, evaluation and the workbench's pre-labels:

- :func:`resample_signal`: polyphase resampling (``scipy.signal.resample_poly``, its anti-alias
  FIR) onto ``n / rate``; short gaps are bridged for the filter only, and output samples that fall in
  an invalid stretch stay invalid;
- :func:`remove_gravity`: the same estimate as the realism report (Butterworth order 2 low-pass at
  0.3 Hz, zero-phase, scaled to length g), per valid stretch, for models trained on
  gravity-removed ("linear acceleration") data;
- :func:`label_recording`: cuts windows exactly as export does (:mod:`..dataset.windows`: whole
  windows every hop, no invalid sample, a label covering >= ``min_fraction``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import signal as sps

from ..base.errors import InputError
from ..base.limits import LimitError, check_samples
from ..dataset.windows import LabelInterval, label_windows, sample_bounds
from ..sim.devices import G

UNMAPPED_BASE = 1_000_000
GRAVITY = ("included", "removed")


@dataclass
class Windows:
    X: np.ndarray
    y: np.ndarray
    safety: np.ndarray
    severity: np.ndarray
    unit: np.ndarray
    start: np.ndarray
    rate_hz: float
    gravity: str = "included"
    units: List[str] = field(default_factory=list)  # unit index -> name
    unmapped: Dict[int, str] = field(default_factory=dict)  # code >= UNMAPPED_BASE -> recording label

    def __len__(self) -> int:
        return int(self.y.shape[0])

    @property
    def window(self) -> int:
        return int(self.X.shape[1])

    def subset(self, mask) -> "Windows":
        m = np.asarray(mask)
        return Windows(
            self.X[m],
            self.y[m],
            self.safety[m],
            self.severity[m],
            self.unit[m],
            self.start[m],
            self.rate_hz,
            self.gravity,
            list(self.units),
            dict(self.unmapped),
        )

    def with_labels(self, y: np.ndarray) -> "Windows":
        w = self.subset(np.arange(len(self)))
        w.y = np.asarray(y, np.int64)
        return w


def empty_windows(window: int, rate_hz: float, gravity: str = "included") -> Windows:
    z = np.zeros(0, np.int64)
    return Windows(
        np.zeros((0, window, 6), np.float32), z, z.astype(np.int8), z.astype(np.int8), z, z, rate_hz, gravity
    )


def concat(parts: Sequence[Windows]) -> Windows:
    parts = [p for p in parts if p is not None]
    if not parts:
        raise ValueError("nothing to concatenate")
    W = {p.window for p in parts if len(p)}
    rates = {round(p.rate_hz, 6) for p in parts}
    grav = {p.gravity for p in parts}
    if len(W) > 1 or len(rates) > 1 or len(grav) > 1:
        raise InputError(None, f"windows differ in length {sorted(W)}, rate {sorted(rates)} or gravity {sorted(grav)}")
    units: List[str] = []
    offs = []
    for p in parts:
        offs.append(len(units))
        units += p.units
    unmapped: Dict[int, str] = {}
    for p in parts:
        unmapped.update(p.unmapped)
    return Windows(
        np.concatenate([p.X for p in parts]).astype(np.float32, copy=False),
        np.concatenate([p.y for p in parts]),
        np.concatenate([p.safety for p in parts]),
        np.concatenate([p.severity for p in parts]),
        np.concatenate([p.unit + o for p, o in zip(parts, offs)]),
        np.concatenate([p.start for p in parts]),
        parts[0].rate_hz,
        parts[0].gravity,
        units,
        unmapped,
    )


# ---------------------------------------------------------------- signal steps


def _runs(ok: np.ndarray) -> List[Tuple[int, int]]:
    d = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return list(zip(np.nonzero(d == 1)[0], np.nonzero(d == -1)[0]))


def resample_signal(x: np.ndarray, valid: np.ndarray, rate_from: float, rate_to: float):
    """(x at rate_to, valid at rate_to) for x (N, C) at rate_from; NaN where invalid."""
    x = np.asarray(x, float)
    valid = np.asarray(valid, bool) & np.isfinite(x).all(axis=1)
    if np.isclose(rate_from, rate_to, rtol=1e-9, atol=0):
        out = x.copy()
        out[~valid] = np.nan
        return out, valid
    n = x.shape[0]
    if valid.sum() < 2:
        raise ValueError("fewer than two valid samples")
    check_samples((n - 1) * rate_to / rate_from + 1, f"resampled to {rate_to:g} Hz, the recording")
    idx = np.arange(n)
    filled = np.empty_like(x)
    for c in range(x.shape[1]):
        filled[:, c] = np.interp(idx, idx[valid], x[valid, c])
    fr = Fraction(rate_to / rate_from).limit_denominator(1000)
    y = sps.resample_poly(filled, fr.numerator, fr.denominator, axis=0, padtype="line")
    m = int(np.floor((n - 1) * rate_to / rate_from + 1e-9)) + 1
    y = y[:m]
    t_old = np.arange(y.shape[0]) * rate_from / rate_to  # new sample times in old sample units
    lo = np.clip(np.floor(t_old + 1e-9).astype(int), 0, n - 1)
    hi = np.clip(np.ceil(t_old - 1e-9).astype(int), 0, n - 1)
    v = valid[lo] & valid[hi]
    y[~v] = np.nan
    return y, v


def remove_gravity(acc: np.ndarray, valid: np.ndarray, rate_hz: float, cutoff_hz: float = 0.3) -> np.ndarray:
    """acc minus a low-pass gravity estimate scaled to length g, per valid stretch (invalid stays NaN)."""
    acc = np.asarray(acc, float).copy()
    sos = sps.butter(2, min(cutoff_hz, 0.45 * rate_hz), fs=rate_hz, output="sos")
    for a, b in _runs(np.asarray(valid, bool)):
        part = acc[a:b]
        if b - a > 18:
            low = sps.sosfiltfilt(sos, part, axis=0, padlen=min(b - a - 1, 18))
        else:
            low = np.repeat(part.mean(axis=0, keepdims=True), b - a, axis=0)
        acc[a:b] = part - G * low / np.maximum(np.linalg.norm(low, axis=1, keepdims=True), 1e-9)
    return acc


def to_model_input(
    acc,
    gyro,
    valid,
    rate_hz: float,
    gravity: str,
    model_rate: float,
    model_gravity: str,
    where=None,
    notes: Optional[List[str]] = None,
):
    """acc/gyro at any rate and gravity convention -> (x (N, 6), valid) at the model's."""
    if gravity == "removed" and model_gravity == "included":
        raise InputError(
            where,
            "the recording has gravity removed but the model was trained with gravity; "
            "train with --gravity removed (or give a recording with gravity)",
        )
    x = np.concatenate([np.asarray(acc, float), np.asarray(gyro, float)], axis=1)
    valid = np.asarray(valid, bool) & np.isfinite(x).all(axis=1)
    if not np.isclose(rate_hz, model_rate, rtol=1e-6, atol=0):
        try:
            x, valid = resample_signal(x, valid, rate_hz, model_rate)
        except LimitError as exc:
            raise LimitError(where, exc.problem) from None
        except ValueError as exc:
            raise InputError(where, str(exc)) from None
        if notes is not None:
            notes.append(
                f"{where}: recorded at {rate_hz:g} Hz, resampled to the model's {model_rate:g} Hz"
                + (
                    f" (no content above the recording's Nyquist frequency {rate_hz / 2:g} Hz)"
                    if rate_hz < model_rate
                    else ""
                )
            )
    if gravity == "included" and model_gravity == "removed":
        x[:, :3] = remove_gravity(x[:, :3], valid, model_rate)
    return x.astype(np.float32), valid


def label_recording(
    x: np.ndarray,
    valid: np.ndarray,
    segments: Sequence[Tuple],
    rate_hz: float,
    window: int,
    hop: int,
    min_fraction: float = 0.5,
    critical=frozenset(),
    unit: int = 0,
):
    """Windows of one signal. ``segments``: (start_s, end_s, code, safety, severity) with codes already
    mapped (taxonomy codes, or >= UNMAPPED_BASE). Returns (X, y, safety, severity, start)."""
    n = x.shape[0]
    ivs = []
    for s0, s1, code, safety, _sev in segments:
        lo, hi = sample_bounds(Fraction(s0).limit_denominator(10**6), Fraction(s1).limit_denominator(10**6), rate_hz)
        ivs.append(LabelInterval(lo, hi, int(code), int(code) in critical, int(safety)))
    starts, y, safety = label_windows(n, valid, ivs, window, hop, min_fraction, keep_unlabelled=False)
    sev = np.full(starts.size, -1, np.int8)
    for i, (s, c) in enumerate(zip(starts, y)):
        vals = [
            int(seg[4])
            for seg, iv in zip(segments, ivs)
            if iv.code == c and iv.lo < s + window and iv.hi > s and seg[4] is not None and seg[4] >= 0
        ]
        if vals:
            sev[i] = max(vals)
    if starts.size:
        X = x[starts[:, None] + np.arange(window)[None, :]].astype(np.float32)
    else:
        X = np.zeros((0, window, x.shape[1]), np.float32)
    return X, y.astype(np.int64), safety.astype(np.int8), sev, starts.astype(np.int64)


# ---------------------------------------------------------------- exported datasets


def from_dataset(path, split: Optional[str], gravity: str = "included") -> Windows:
    """The windows of one split of an exported dataset (:mod:`..dataset.export`), with severities from
    the clips' segments. ``gravity='removed'``: windows are re-cut from each clip's signal after
    removing gravity over the whole clip (not per window)."""
    from ..dataset.reader import open_dataset

    with open_dataset(path) as ds:
        idx = ds.window_indices(split)
        wg = ds.windows
        a = ds.window_attrs
        rate = float(a["rate_hz"])
        W = int(a["window"])
        y = wg["y"][()][idx].astype(np.int64)
        safety = wg["safety"][()][idx].astype(np.int8)
        ci = wg["clip_index"][()][idx].astype(np.int64)
        st = wg["start_sample"][()][idx].astype(np.int64)
        var = wg["variant"][()][idx].astype(np.int64)
        if gravity == "included":
            X = _read_rows(wg["X"], idx, W)
        else:
            X = np.zeros((idx.size, W, 6), np.float32)
            for c in np.unique(ci):
                g = ds.h5["clips"][ds.clip_ids[c]]["imu"]
                sel = np.nonzero(ci == c)[0]
                for v in np.unique(var[sel]):
                    acc = g["acc"][()] if v == 0 else g["acc_variants"][int(v)]
                    gyro = g["gyro"][()] if v == 0 else g["gyro_variants"][int(v)]
                    ok = g["valid"][()].astype(bool)
                    lin = remove_gravity(acc, ok, rate)
                    s2 = sel[var[sel] == v]
                    rows = st[s2][:, None] + np.arange(W)[None, :]
                    X[s2] = np.concatenate([lin[rows], gyro[rows]], axis=2)
        sev = np.full(idx.size, -1, np.int8)
        for c in np.unique(ci):
            segs = ds.h5["clips"][ds.clip_ids[c]]["labels"]["segments"][()]
            if not len(segs) or not (segs["severity"] >= 0).any():
                continue
            sel = np.nonzero(ci == c)[0]
            for r in segs[segs["severity"] >= 0]:
                lo, hi = sample_bounds(
                    Fraction(float(r["start_s"])).limit_denominator(10**6),
                    Fraction(float(r["end_s"])).limit_denominator(10**6),
                    rate,
                )
                hit = sel[(y[sel] == int(r["label"])) & (st[sel] < hi) & (st[sel] + W > lo)]
                sev[hit] = np.maximum(sev[hit], int(r["severity"]))
        units = list(ds.clip_ids)
    return Windows(np.asarray(X, np.float32), y, safety, sev, ci, st, rate, gravity, units=units, unmapped={})


def _read_rows(ds, idx: np.ndarray, W: int) -> np.ndarray:
    """ds[idx] for sorted idx, read as contiguous runs (a split's windows are whole clips in a row)."""
    out = np.empty((idx.size, W, ds.shape[2]), np.float32)
    if not idx.size:
        return out
    cut = np.nonzero(np.diff(idx) != 1)[0] + 1
    pos = 0
    for run in np.split(idx, cut):
        out[pos : pos + run.size] = ds[int(run[0]) : int(run[-1]) + 1]
        pos += run.size
    return out


def dataset_info(path) -> Dict:
    from ..dataset.reader import open_dataset

    with open_dataset(path) as ds:
        return {
            "taxonomy": ds.taxonomy,
            "window_attrs": dict(ds.window_attrs),
            "clip_ids": list(ds.clip_ids),
            "splits": {s: len(ds.window_indices(s)) for s in ("train", "val", "test")},
            "generator": ds.attrs.get("generator"),
            "schema_version": ds.attrs.get("schema_version"),
        }
