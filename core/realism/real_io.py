"""Readers for real wrist IMU recordings: CSV, HDF5 and the UEA/UCR ``.ts`` format.

Every reader returns :class:`RealRecording` objects in the product's units
(accelerometer m/s^2, gyroscope rad/s, time s from 0) on a uniform time grid.

- Units and gravity are declared by options or detected (:func:`detect_acc_units`,
  :func:`detect_gyro_units`); what was detected or declared is kept in ``meta``.
- Irregular timestamps are resampled onto a uniform grid with a shape-preserving
  PCHIP interpolant (:func:`resample_uniform`); grid points inside a gap longer
  than ``max_gap_s`` are NaN and marked invalid, never interpolated.
- :func:`apply_axis_map` maps the recording device's axes to the product's
  sensor frame (``v_sensor = M v_device``, M a rotation / signed permutation;
  :func:`parse_axis_spec` reads ``"-y,x,z"``). A device preset's
  ``axis_map[side]`` maps sensor -> native, so its transpose maps native -> sensor.

A bad file raises :class:`~.errors.InputError` naming the file and, where it
applies, the line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..base.csvio import csv_rows
from ..base.errors import InputError
from ..base.files import check_input_file
from ..base.h5read import open_h5
from ..base.jsonio import parse_json
from ..base.limits import (
    MAX_RATE_HZ,
    MAX_SAMPLES,
    MIN_RATE_HZ,
    MIN_RECORDING_SAMPLES,
    LimitError,
    check_alloc,
    check_range,
    check_samples,
)
from ..sim.devices import DEG, G

ACC_UNITS = {"m/s2": 1.0, "g": G, "mg": 1e-3 * G}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": DEG, "mdps": 1e-3 * DEG}
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
GRAVITY = ("included", "removed")


@dataclass
class RealRecording:
    """One real recording on a uniform grid, in SI units and (if mapped) the product's sensor frame."""

    time: np.ndarray  # (N,) s, uniform, from 0
    acc: np.ndarray  # (N, 3) m/s^2, NaN where invalid
    gyro: np.ndarray  # (N, 3) rad/s, NaN where invalid
    valid: np.ndarray  # (N,) bool
    rate_hz: float
    gravity: str  # 'included' or 'removed'
    source: str  # file (and case) it came from
    label: Optional[str] = None  # class label, if the file has one
    meta: Dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.time.shape[0])


# ---------------------------------------------------------------- detection


def _quiet_windows(acc: np.ndarray, n_win: int) -> np.ndarray:
    """The quietest quarter of non-overlapping windows (lowest spread of |a|), shape (k, n_win, 3)."""
    acc = np.asarray(acc, float)
    acc = acc[np.isfinite(acc).all(axis=1)]
    if acc.shape[0] == 0:
        raise ValueError("no finite accelerometer samples")
    n_win = max(3, min(n_win, acc.shape[0]))
    k = acc.shape[0] // n_win
    w = acc[: k * n_win].reshape(k, n_win, 3)
    spread = np.linalg.norm(w, axis=2).std(axis=1)
    return w[spread <= np.quantile(spread, 0.25)]


def _quiet_stats(acc: np.ndarray, rate_hz: float) -> Tuple[float, float]:
    """(median |a|, direction coherence) over the quietest 1 s windows."""
    w = _quiet_windows(acc, int(round(rate_hz)))
    mag = np.linalg.norm(w, axis=2)
    coherence = float(np.median(np.linalg.norm(w.mean(axis=1), axis=1) / np.maximum(mag.mean(axis=1), 1e-12)))
    return float(np.median(mag)), coherence


def detect_acc_units(acc: np.ndarray, rate_hz: float = 10.0) -> Tuple[str, str, str]:
    """(units, gravity, how) from the quietest 1 s windows.

    Gravity is present when the quiet windows' mean vector is about as long as their
    mean magnitude (a steady direction, coherence > 0.9); noise after gravity removal
    points every way (coherence well below 1). With gravity, the at-rest |a| tells the
    units: ~9.8 -> m/s^2, ~1 -> g. Without it, m/s^2 is assumed (g and m/s^2 cannot be
    told apart then: declare them).
    """
    q, coherence = _quiet_stats(acc, rate_hz)
    if coherence > 0.9:
        if 6.0 <= q <= 14.0:
            return "m/s2", "included", f"detected: at-rest |a| = {q:.3g} ~ 9.8, steady direction"
        if 0.6 <= q <= 1.4:
            return "g", "included", f"detected: at-rest |a| = {q:.3g} ~ 1, steady direction"
        if 600 <= q <= 1400:
            return "mg", "included", f"detected: at-rest |a| = {q:.3g} ~ 1000, steady direction"
        raise ValueError(
            f"cannot tell the accelerometer's units (at-rest |a| = {q:.3g} with a steady "
            "direction, neither ~9.8, ~1 nor ~1000); declare the units"
        )
    if coherence < 0.7:
        return (
            "m/s2",
            "removed",
            (
                f"detected: at-rest |a| = {q:.3g} with no steady direction (coherence "
                f"{coherence:.2f}), gravity removed; units assumed m/s^2 (declare if g)"
            ),
        )
    raise ValueError(
        f"cannot tell whether gravity is included (at-rest |a| = {q:.3g}, direction coherence "
        f"{coherence:.2f}); declare units and gravity"
    )


def gyro_gain_from_gravity(acc: np.ndarray, gyro: np.ndarray, rate_hz: float) -> Tuple[Optional[float], float]:
    """(k, r2): the gain with which the gyroscope explains how gravity turns in the sensor
    frame, ``du/dt = -k (w x u)`` for the low-passed accelerometer direction ``u``.

    k ~ 1 when the gyro is in rad/s, ~ pi/180 when in deg/s. Needs gravity in the
    accelerometer and some rotation; returns (None, r2) when the fit explains too little.
    """
    from scipy.signal import butter, sosfiltfilt

    acc, gyro = np.asarray(acc, float), np.asarray(gyro, float)
    ok = np.isfinite(acc).all(axis=1) & np.isfinite(gyro).all(axis=1)
    acc, gyro = acc[ok], gyro[ok]
    if len(acc) < 30:
        return None, 0.0
    sos = butter(2, min(1.5, 0.3 * rate_hz), fs=rate_hz, output="sos")
    a = sosfiltfilt(sos, acc, axis=0)
    w = sosfiltfilt(sos, gyro, axis=0)
    u = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    du = np.gradient(u, 1.0 / rate_hz, axis=0)
    pred = -np.cross(w, u)
    x, y = pred.ravel(), du.ravel()
    if not np.any(x):
        return None, 0.0
    k = float(x @ y / (x @ x))
    r2 = 1.0 - float(np.sum((y - k * x) ** 2) / max(np.sum((y - y.mean()) ** 2), 1e-300))
    return (k if r2 > 0.3 else None), r2


def detect_gyro_units(
    gyro: np.ndarray, acc_si: Optional[np.ndarray] = None, rate_hz: Optional[float] = None
) -> Tuple[str, str]:
    """(units, how). First, when the accelerometer (m/s^2, with gravity) is given and the
    device turns: the gain with which the gyroscope explains the turning of gravity
    (:func:`gyro_gain_from_gravity`): ~1 -> rad/s, ~0.0175 -> deg/s. Else by magnitude:
    a wrist rarely turns faster than ~20 rad/s, so a 99th percentile |w| above 20 means deg/s."""
    mag = np.linalg.norm(np.asarray(gyro, float), axis=1)
    mag = mag[np.isfinite(mag)]
    p99 = float(np.quantile(mag, 0.99)) if mag.size else 0.0
    if acc_si is not None and rate_hz:
        k, r2 = gyro_gain_from_gravity(acc_si, gyro, rate_hz)
        if k is not None:
            if 0.5 < k < 2.0:
                return "rad/s", f"detected: gravity turns at the gyro's rate in rad/s (gain {k:.3g}, r2 {r2:.2f})"
            if 0.5 < k / DEG < 2.0:
                return "deg/s", f"detected: gravity turns at the gyro's rate in deg/s (gain {k / DEG:.3g}, r2 {r2:.2f})"
    if p99 > 20.0:
        return "deg/s", f"detected: p99 |w| = {p99:.3g} > 20, so deg/s"
    if p99 < 1.0:
        return "rad/s", (
            f"assumed: p99 |w| = {p99:.3g} is a quiet recording, where deg/s cannot be ruled out; declare the units"
        )
    return "rad/s", f"detected: p99 |w| = {p99:.3g} <= 20, so rad/s"


def detect_time_units(t: np.ndarray) -> str:
    """The unit that makes the median sample interval a plausible IMU rate (0.5 Hz - 10 kHz)."""
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.0
    for unit in ("s", "ms", "us", "ns"):
        rate = 1.0 / (dt * TIME_UNITS[unit]) if dt > 0 else 0.0
        if 0.5 <= rate <= 10000.0:
            return unit
    raise ValueError(f"cannot tell the time column's units (median step {dt:g})")


# ---------------------------------------------------------------- timestamps


def order_timestamps(t: np.ndarray) -> Tuple[np.ndarray, Dict[str, int]]:
    """Row order that makes ``t`` strictly increasing, and what it took.

    Real exports (watch apps, CrowdSignals) write buffered chunks out of order and
    repeat rows at chunk edges: rows are sorted by time (stable) and a row that
    repeats an earlier timestamp is dropped (the first is kept). Returns ``(index,
    info)``; ``info`` counts the backward jumps, the rows that moved and the
    duplicates dropped.
    """
    t = np.asarray(t)
    n = t.shape[0]
    back = int(np.count_nonzero(np.diff(t) < 0)) if n > 1 else 0
    order = np.argsort(t, kind="stable")
    moved = int(np.count_nonzero(order != np.arange(n)))
    ts = t[order]
    keep = np.ones(n, bool)
    if n > 1:
        keep[1:] = ts[1:] != ts[:-1]
    return order[keep], {"backward_jumps": back, "rows_moved": moved, "duplicates_dropped": int(n - keep.sum())}


def timestamps_note(info: Dict[str, int], where: Any) -> Optional[str]:
    """A one-line warning when :func:`order_timestamps` reordered or dropped rows, else None."""
    if not (info.get("rows_moved") or info.get("duplicates_dropped")):
        return None
    return (
        f"warning: {where}: timestamps jump backwards {info['backward_jumps']} time(s): sorted by time "
        f"({info['rows_moved']} rows moved) and dropped {info['duplicates_dropped']} row(s) repeating a timestamp"
    )


def _duration(s: float) -> str:
    for unit, k in (("days", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if s >= 2 * k:
            return f"{s / k:.3g} {unit}"
    return f"{s:.3g} s"


def check_span(t_s: np.ndarray, rate: float, where: Any, lines: Optional[List[int]] = None) -> None:
    """Refuse a time grid over :data:`~..base.limits.MAX_SAMPLES` samples, naming the largest jump
    (one timestamp days late made an 11.6 GiB grid)."""
    if t_s.size < 2:
        return
    span = float(t_s[-1] - t_s[0])
    n = span * rate + 1
    if n <= MAX_SAMPLES:
        return
    d = np.diff(t_s)
    k = int(np.argmax(d)) + 1
    at = f" at line {lines[k]}" if lines is not None and k < len(lines) else f" at sample {k}"
    raise LimitError(
        where,
        f"the timestamps span {_duration(span)}, which at {rate:g} Hz is {n:,.0f} samples, over the limit of "
        f"{MAX_SAMPLES:,}; the largest jump is {_duration(float(d[k - 1]))}{at} (a wrong timestamp? split the "
        "recording)",
    )


# ---------------------------------------------------------------- resampling and axes


def resample_uniform(
    t: np.ndarray, x: np.ndarray, rate_hz: Optional[float] = None, max_gap_s: Optional[float] = None
) -> Tuple[np.ndarray, np.ndarray, np.ndarray, Dict]:
    """Resample (t, x) onto ``n / rate`` from the first sample; returns (time, x, valid, info).

    ``rate_hz`` defaults to 1 / median interval. Grid points inside a gap longer
    than ``max_gap_s`` (default 3 nominal intervals) are NaN and invalid. A grid
    that is already uniform (jitter < 1 % of the interval) is kept as is.
    """
    t = np.asarray(t, float)
    x = np.asarray(x, float)
    if t.size < MIN_RECORDING_SAMPLES:
        raise ValueError(f"has {t.size} samples; a recording needs at least {MIN_RECORDING_SAMPLES}")
    dt_med = float(np.median(np.diff(t)))
    rate = float(rate_hz) if rate_hz else 1.0 / dt_med if dt_med > 0 else 0.0
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise ValueError(
            f"sample rate {rate:g} Hz is outside {MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz (wrong time units? give "
            "--time-units or --rate)"
        )
    if not rate_hz and abs(rate - round(rate, 6)) < 1e-9 * rate:
        rate = round(rate, 6)  # 99.99999999999991 from float steps is 100
    gap = float(max_gap_s) if max_gap_s else 3.0 / rate
    t0 = t[0]
    jitter = float(np.max(np.abs(np.diff(t) - 1.0 / rate))) if t.size > 1 else 0.0
    finite = np.isfinite(x).all(axis=1)
    if jitter < 0.01 / rate:
        time = t - t0
        valid = finite.copy()
        out = x.copy()
        out[~valid] = np.nan
        return time, out, valid, {"resampled": False, "rate_hz": rate, "max_jitter_s": jitter}
    check_span(t, rate, None)
    n = int(np.floor((t[-1] - t0) * rate + 1e-9)) + 1
    time = np.arange(n) / rate
    tt, xx = t[finite] - t0, x[finite]
    if tt.size < 2:
        raise ValueError("fewer than two finite samples")
    out = PchipInterpolator(tt, xx, axis=0, extrapolate=False)(time)
    # a grid point is valid only if the finite samples around it are closer than the gap limit
    j = np.searchsorted(tt, time, side="right")
    left = tt[np.clip(j - 1, 0, tt.size - 1)]
    right = tt[np.clip(j, 0, tt.size - 1)]
    exact = np.isclose(time, left, atol=1e-12, rtol=0)
    valid = (exact | ((j > 0) & (j < tt.size) & (right - left <= gap))) & np.isfinite(out).all(axis=1)
    out[~valid] = np.nan
    return (
        time,
        out,
        valid,
        {
            "resampled": True,
            "rate_hz": rate,
            "max_jitter_s": jitter,
            "interpolant": "PCHIP",
            "max_gap_s": gap,
            "invalid_samples": int((~valid).sum()),
        },
    )


_INT_RE = re.compile(r"^[+-]?\d+$")
_AXIS_RE = re.compile(r"^\s*([+-]?)\s*([xyz])\s*$")


def parse_axis_spec(spec: str, where: Any = None) -> np.ndarray:
    """``"-y,x,z"`` -> M with sensor_x = -device_y, sensor_y = device_x, sensor_z = device_z."""
    parts = spec.split(",")
    if len(parts) != 3:
        raise InputError(where, f"axis map {spec!r} must name three axes, e.g. 'x,y,z' or '-y,x,z'")
    M = np.zeros((3, 3))
    for row, p in enumerate(parts):
        m = _AXIS_RE.match(p)
        if not m:
            raise InputError(where, f"axis map {spec!r}: {p!r} is not one of x, y, z with an optional sign")
        M[row, "xyz".index(m.group(2))] = -1.0 if m.group(1) == "-" else 1.0
    if not np.isclose(abs(np.linalg.det(M)), 1.0):
        raise InputError(where, f"axis map {spec!r} names an axis twice")
    if np.linalg.det(M) < 0:
        raise InputError(where, f"axis map {spec!r} is a reflection (left-handed); flip one sign")
    return M


def apply_axis_map(rec: RealRecording, M: np.ndarray | str, note: str = "") -> RealRecording:
    """A copy of ``rec`` with ``v_sensor = M v_device`` applied to both sensors."""
    if isinstance(M, str):
        M = parse_axis_spec(M, rec.source)
    M = np.asarray(M, float)
    if M.shape != (3, 3) or not np.allclose(M @ M.T, np.eye(3), atol=1e-6) or not np.isclose(np.linalg.det(M), 1):
        raise InputError(rec.source, "axis map must be a 3x3 rotation (det +1)")
    meta = dict(rec.meta)
    meta["axis_map"] = {"matrix": M.tolist(), "note": note or "v_sensor = M v_device"}
    return replace(rec, acc=rec.acc @ M.T, gyro=rec.gyro @ M.T, meta=meta)


def axis_map_from_preset(preset, side: str) -> np.ndarray:
    """Device-native -> sensor frame for a preset: the transpose of its ``axis_map[side]``."""
    return preset.axis_map(side).T


# ---------------------------------------------------------------- building a recording


def _build(
    path,
    t,
    acc,
    gyro,
    *,
    acc_units,
    gyro_units,
    gravity,
    rate_hz,
    max_gap_s,
    label=None,
    extra_meta=None,
    detect_from=None,
) -> RealRecording:
    meta: Dict[str, Any] = dict(extra_meta or {})
    if t.size < MIN_RECORDING_SAMPLES:
        raise InputError(path, f"has {t.size} samples; a recording needs at least {MIN_RECORDING_SAMPLES}")
    if rate_hz is not None:
        check_range(rate_hz, MIN_RATE_HZ, MAX_RATE_HZ, "the sample rate", path, "Hz")
    step = float(np.median(np.diff(t)))
    nominal = rate_hz or (1.0 / step if step > 0 else 0.0)
    if not MIN_RATE_HZ <= nominal <= MAX_RATE_HZ:
        raise InputError(
            path,
            f"sample rate {nominal:g} Hz is outside {MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz (wrong time units? give "
            "--time-units or --rate)",
        )
    pool_acc = acc if detect_from is None else detect_from[0]
    pool_gyro = gyro if detect_from is None else detect_from[1]
    try:
        if acc_units == "auto":
            acc_units, dg, how = detect_acc_units(pool_acc, nominal)
            meta["acc_units_how"] = how
            if gravity == "auto":
                gravity = dg
                meta["gravity_how"] = how
        else:
            meta["acc_units_how"] = "declared"
        if gravity == "auto":
            q, coherence = _quiet_stats(pool_acc, nominal)
            gravity = "included" if coherence > 0.8 else "removed"
            meta["gravity_how"] = f"detected: at-rest direction coherence {coherence:.2f}"
        if gyro_units == "auto":
            acc_si = pool_acc * ACC_UNITS[acc_units] if gravity == "included" and acc_units in ACC_UNITS else None
            gyro_units, how = detect_gyro_units(pool_gyro, acc_si, nominal)
            meta["gyro_units_how"] = how
        else:
            meta["gyro_units_how"] = "declared"
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    if acc_units not in ACC_UNITS:
        raise InputError(path, f"unknown accelerometer units {acc_units!r} (known: {', '.join(ACC_UNITS)})")
    if gyro_units not in GYRO_UNITS:
        raise InputError(path, f"unknown gyroscope units {gyro_units!r} (known: {', '.join(GYRO_UNITS)})")
    if gravity not in GRAVITY:
        raise InputError(path, f"gravity must be 'included', 'removed' or 'auto', got {gravity!r}")
    x = np.concatenate([acc * ACC_UNITS[acc_units], gyro * GYRO_UNITS[gyro_units]], axis=1)
    try:
        time, x, valid, info = resample_uniform(t, x, rate_hz, max_gap_s)
    except LimitError as exc:
        raise LimitError(path, exc.problem) from None
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    meta.update({"acc_units": acc_units, "gyro_units": gyro_units, "resampling": info})
    return RealRecording(
        time=time,
        acc=x[:, :3],
        gyro=x[:, 3:],
        valid=valid,
        rate_hz=info["rate_hz"],
        gravity=gravity,
        source=os.fspath(path),
        label=label,
        meta=meta,
    )


# ---------------------------------------------------------------- CSV

_TIME_NAMES = ("timestamp", "time", "t", "time_s", "timestamp_s", "timestamp_ms", "timestamp_ns", "ts")
_ACC_NAMES = [
    ("ax", "ay", "az"),
    ("acc_x", "acc_y", "acc_z"),
    ("accel_x", "accel_y", "accel_z"),
    ("accx", "accy", "accz"),
    ("a_x", "a_y", "a_z"),
    ("accelerometer_x", "accelerometer_y", "accelerometer_z"),
]
_GYRO_NAMES = [
    ("gx", "gy", "gz"),
    ("gyro_x", "gyro_y", "gyro_z"),
    ("gyr_x", "gyr_y", "gyr_z"),
    ("gyrx", "gyry", "gyrz"),
    ("w_x", "w_y", "w_z"),
    ("wx", "wy", "wz"),
    ("gyroscope_x", "gyroscope_y", "gyroscope_z"),
]


def _norm(name: str) -> str:
    name = name.strip().lower()
    name = re.sub(r"\s*[\(\[].*?[\)\]]\s*", "", name)  # drop '(m/s^2)' unit suffixes
    return re.sub(r"[^a-z0-9_]", "_", name).strip("_")


def _find_columns(header: List[str], path) -> List[int]:
    names = [_norm(h) for h in header]
    idx = []
    t = next((i for i, n in enumerate(names) if n in _TIME_NAMES), None)
    if t is None:
        raise InputError(f"{path}:1", f"no time column in the header (one of {', '.join(_TIME_NAMES)})")
    idx.append(t)
    for groups, what in ((_ACC_NAMES, "accelerometer"), (_GYRO_NAMES, "gyroscope")):
        for g in groups:
            if all(n in names for n in g):
                idx.extend(names.index(n) for n in g)
                break
        else:
            raise InputError(
                f"{path}:1", f"no {what} columns in the header (e.g. {', '.join(groups[0])} or {', '.join(groups[1])})"
            )
    return idx


def read_csv(
    path: str | os.PathLike,
    *,
    acc_units: str = "auto",
    gyro_units: str = "auto",
    gravity: str = "auto",
    time_units: str = "auto",
    rate_hz: Optional[float] = None,
    max_gap_s: Optional[float] = None,
    axis_map: np.ndarray | str | None = None,
) -> RealRecording:
    """A CSV of timestamp + accel xyz + gyro xyz.

    With a header, columns are found by name (``timestamp``/``time``, ``ax..az`` or
    ``acc_x..``, ``gx..gz`` or ``gyro_x..``; unit suffixes in brackets ignored).
    Without one, the first seven columns are t, ax, ay, az, gx, gy, gz. Comma,
    semicolon or tab separated. Empty cells and ``nan`` are missing samples (invalid
    after resampling).
    """
    path = Path(path)
    check_input_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not a text CSV file ({exc.reason} at byte {exc.start})") from None
    lines_all = text.splitlines()
    sample = [l for l in lines_all if l.strip() and not l.lstrip().startswith("#")][:20]
    delim = ","
    for d in (",", ";", "\t"):
        if sample and all(l.count(d) >= 3 for l in sample):
            delim = d
            break
    rows = list(csv_rows(lines_all, path, delimiter=delim))
    lines = [
        (i + 1, r)
        for i, r in enumerate(rows)
        if r and not (len(r) == 1 and not r[0].strip()) and not r[0].lstrip().startswith("#")
    ]
    if not lines:
        raise InputError(path, "empty CSV file")
    first_line, first = lines[0]

    def numeric(cell):
        try:
            float(cell)
            return True
        except ValueError:
            return False

    if all(numeric(c) or not c.strip() for c in first):
        cols = list(range(7))
        body = lines
    else:
        cols = _find_columns(first, path)
        body = lines[1:]
    check_samples(len(body), "the CSV", path)
    data = np.empty((len(body), 7))
    tcells: List[str] = []
    for k, (lineno, r) in enumerate(body):
        if len(r) <= max(cols):
            raise InputError(f"{path}:{lineno}", f"expected at least {max(cols) + 1} columns, found {len(r)}")
        for j, c in enumerate(cols):
            cell = r[c].strip()
            if j == 0:
                tcells.append(cell)
            if cell == "" or cell.lower() in ("nan", "na", "null"):
                if j == 0:
                    raise InputError(f"{path}:{lineno}", "missing timestamp")
                data[k, j] = np.nan
                continue
            try:
                data[k, j] = float(cell)
            except ValueError:
                raise InputError(f"{path}:{lineno}", f"column {c + 1}: {cell!r} is not a number") from None
    if len(body) < MIN_RECORDING_SAMPLES:
        raise InputError(path, f"has {len(body)} data row(s); a recording needs at least {MIN_RECORDING_SAMPLES}")
    lines_no = [ln for ln, _ in body]
    t = data[:, 0]
    if not np.isfinite(t).all():
        k = int(np.argmin(np.isfinite(t)))
        raise InputError(f"{path}:{body[k][0]}", "timestamp is not finite")
    # integer timestamps (epoch ms/us/ns) are read exactly as int64: float64 keeps ~16 digits, so epoch
    # nanoseconds (19 digits) would lose up to 256 ns per sample
    t_int = None
    if all(_INT_RE.match(c) for c in tcells):
        try:
            t_int = np.array([int(c) for c in tcells], dtype=np.int64)
        except OverflowError:
            raise InputError(path, "integer timestamps beyond 64 bits") from None
    order, tinfo = order_timestamps(t_int if t_int is not None else t)
    data = data[order]
    lines_no = [lines_no[i] for i in order]
    if t_int is not None:
        t_int = t_int[order]
        t_rel = (t_int - t_int[0]).astype(np.float64)  # exact while the span is < 2^53 units
    else:
        t_rel = data[:, 0] - data[0, 0]
    if t_rel.size < MIN_RECORDING_SAMPLES:
        raise InputError(
            path, f"has {t_rel.size} distinct timestamps; a recording needs at least {MIN_RECORDING_SAMPLES}"
        )
    if time_units == "auto":
        try:
            time_units = detect_time_units(t_rel)
        except ValueError as exc:
            raise InputError(path, str(exc)) from None
    if time_units not in TIME_UNITS:
        raise InputError(path, f"unknown time units {time_units!r} (known: {', '.join(TIME_UNITS)})")
    t = t_rel * TIME_UNITS[time_units]
    step = float(np.median(np.diff(t)))
    if step > 0:
        check_span(t, rate_hz or 1.0 / step, path, lines_no)
    note = timestamps_note(tinfo, path)
    rec = _build(
        path,
        t,
        data[:, 1:4],
        data[:, 4:7],
        acc_units=acc_units,
        gyro_units=gyro_units,
        gravity=gravity,
        rate_hz=rate_hz,
        max_gap_s=max_gap_s,
        extra_meta={
            "format": "csv",
            "time_units": time_units,
            "timestamps": tinfo,
            "integer_timestamps": t_int is not None,
            "warnings": [note] if note else [],
        },
    )
    return apply_axis_map(rec, axis_map) if axis_map is not None else rec


# ---------------------------------------------------------------- HDF5


def read_h5(
    path: str | os.PathLike,
    *,
    acc_units: str = "auto",
    gyro_units: str = "auto",
    gravity: str = "auto",
    rate_hz: Optional[float] = None,
    max_gap_s: Optional[float] = None,
    group: str = "/",
    axis_map: np.ndarray | str | None = None,
) -> RealRecording:
    """An HDF5 file (or group) with datasets ``time`` (s), ``acc`` (N,3) and ``gyro`` (N,3).

    Units come from a ``units`` attribute (JSON ``{"acc": "m/s^2", "gyro": "rad/s"}``,
    as :mod:`.imu_io` writes) when present, else from the options / detection.
    A ``valid`` dataset, if present, masks samples.
    """
    import h5py

    path = Path(path)
    try:
        with open_h5(path) as f:
            if group not in f:
                raise InputError(path, f"no group {group!r}")
            g = f[group]
            for k in ("time", "acc", "gyro"):
                if k not in g:
                    raise InputError(path, f"dataset '{k}' missing in {group} (need time, acc, gyro)")
            for k in ("time", "acc", "gyro") + (("valid",) if "valid" in g else ()):
                if not isinstance(g[k], h5py.Dataset):
                    raise InputError(path, f"'{k}' in {group} is a group, not a dataset")
                check_alloc(g[k].shape, 8, f"dataset '{k}'", path)
            if g["time"].ndim != 1:
                raise InputError(
                    path, f"dataset 'time' must be 1-D (one timestamp per sample), got shape {g['time'].shape}"
                )
            try:
                t, acc, gyro = (g[k][()].astype(float) for k in ("time", "acc", "gyro"))
                valid = g["valid"][()].astype(bool) if "valid" in g else None
            except (TypeError, ValueError) as exc:
                raise InputError(path, f"time, acc and gyro must be numbers ({exc})") from None
            units = g.attrs.get("units", f.attrs.get("units"))
            grav_attr = g.attrs.get("gravity", f.attrs.get("gravity"))
    except OSError as exc:
        raise InputError(path, f"not a readable HDF5 file ({exc})") from None
    n = t.shape[0]
    if acc.shape != (n, 3) or gyro.shape != (n, 3):
        raise InputError(path, f"acc and gyro must be ({n}, 3) like time, got {acc.shape} and {gyro.shape}")
    if valid is not None and valid.shape != (n,):
        raise InputError(path, f"valid must be ({n},) like time, got {valid.shape}")
    if not np.isfinite(t).all():
        raise InputError(path, f"time[{int(np.argmin(np.isfinite(t)))}] is not finite")
    if valid is not None:
        acc[~valid] = np.nan
        gyro[~valid] = np.nan
    if units is not None:
        u = parse_json(units, path, "the 'units' attribute")
        if not isinstance(u, dict):
            raise InputError(path, 'the \'units\' attribute must be a JSON object like {"acc": "m/s^2"}')
        alias = {"m/s^2": "m/s2", "m/s²": "m/s2", "rad/s": "rad/s", "deg/s": "deg/s", "dps": "deg/s", "g": "g"}
        if acc_units == "auto" and u.get("acc") in alias:
            acc_units = alias[u["acc"]]
        if gyro_units == "auto" and u.get("gyro") in alias:
            gyro_units = alias[u["gyro"]]
        if gravity == "auto" and acc_units != "auto":
            gravity = "included"  # the product's own files always carry gravity
    if grav_attr is not None and gravity == "auto":
        gravity = grav_attr.decode() if isinstance(grav_attr, bytes) else str(grav_attr)
    order, tinfo = order_timestamps(t)
    t, acc, gyro = t[order], acc[order], gyro[order]
    note = timestamps_note(tinfo, path)
    if t.size >= 2 and float(np.median(np.diff(t))) > 0:
        check_span(t, rate_hz or 1.0 / float(np.median(np.diff(t))), path)
    rec = _build(
        path,
        t - t[0] if t.size else t,
        acc,
        gyro,
        acc_units=acc_units,
        gyro_units=gyro_units,
        gravity=gravity,
        rate_hz=rate_hz,
        max_gap_s=max_gap_s,
        extra_meta={"format": "hdf5", "group": group, "timestamps": tinfo, "warnings": [note] if note else []},
    )
    return apply_axis_map(rec, axis_map) if axis_map is not None else rec


# ---------------------------------------------------------------- UEA/UCR .ts


@dataclass
class TsFile:
    """A parsed ``.ts`` file: header fields, cases (dims, length) and labels."""

    header: Dict[str, str]
    cases: List[np.ndarray]
    labels: List[Optional[str]]
    lines: List[int]


def parse_ts(path: str | os.PathLike) -> TsFile:
    """Parse a UEA/UCR ``.ts`` file (equal or unequal length, '?' = missing, no timestamps)."""
    path = Path(path)
    check_input_file(path)
    header: Dict[str, str] = {}
    cases, labels, where = [], [], []
    in_data = False
    try:
        fh = path.open(encoding="utf-8")
        text = fh.read()
        fh.close()
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not a text .ts file ({exc.reason} at byte {exc.start})") from None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not in_data:
            if not line.startswith("@"):
                raise InputError(f"{path}:{lineno}", "expected a '@' header line or '@data' before the data")
            key, _, value = line[1:].partition(" ")
            key = key.lower()
            if key == "data":
                in_data = True
                continue
            header[key] = value.strip()
            continue
        if header.get("timestamps", "false").lower() == "true":
            raise InputError(f"{path}:{lineno}", "time-stamped .ts files are not supported; convert to CSV")
        parts = line.split(":")
        has_label = (
            header.get("classlabel", "false").split(" ")[0].lower() == "true"
            or header.get("targetlabel", "false").lower() == "true"
        )
        dims = parts[:-1] if has_label else parts
        label = parts[-1].strip() if has_label else None
        try:
            rows = [np.array([np.nan if v.strip() == "?" else float(v) for v in d.split(",")]) for d in dims]
        except ValueError as exc:
            raise InputError(f"{path}:{lineno}", f"not a number ({exc})") from None
        n_dims = int(header.get("dimensions", len(rows)))
        if len(rows) != n_dims:
            raise InputError(f"{path}:{lineno}", f"expected {n_dims} dimensions, found {len(rows)}")
        length = max(len(r) for r in rows)
        arr = np.full((len(rows), length), np.nan)
        for i, r in enumerate(rows):
            arr[i, : len(r)] = r
        cases.append(arr)
        labels.append(label)
        where.append(lineno)
    if not in_data:
        raise InputError(path, "no '@data' line: not a .ts file")
    if not cases:
        raise InputError(path, "no cases after '@data'")
    return TsFile(header, cases, labels, where)


def read_ts(
    path: str | os.PathLike,
    *,
    rate_hz: float,
    acc_dims: Sequence[int] = (0, 1, 2),
    gyro_dims: Sequence[int] = (3, 4, 5),
    acc_units: str = "auto",
    gyro_units: str = "auto",
    gravity: str = "auto",
    labels: Optional[Sequence[str]] = None,
    axis_map: np.ndarray | str | None = None,
) -> List[RealRecording]:
    """Each case of a multivariate ``.ts`` file as a recording (the format has no rate: give it).

    Units and gravity are detected once over all cases of the file (a file holds
    one device's recordings). ``labels`` keeps only cases with those class labels.
    """
    path = Path(path)
    ts = parse_ts(path)
    if not rate_hz or rate_hz <= 0:
        raise InputError(path, "a .ts file carries no sample rate: give rate_hz (BasicMotions: 10 Hz)")
    need = max(max(acc_dims), max(gyro_dims)) + 1
    if ts.cases[0].shape[0] < need:
        raise InputError(
            path,
            f"needs at least {need} dimensions (accelerometer {list(acc_dims)}, "
            f"gyroscope {list(gyro_dims)}), the file has {ts.cases[0].shape[0]}",
        )
    pool = np.concatenate(ts.cases, axis=1)
    pool_acc, pool_gyro = pool[list(acc_dims)].T, pool[list(gyro_dims)].T
    out = []
    for k, (case, label, lineno) in enumerate(zip(ts.cases, ts.labels, ts.lines)):
        if labels is not None and label not in labels:
            continue
        t = np.arange(case.shape[1]) / rate_hz
        rec = _build(
            f"{path}:{lineno}",
            t,
            case[list(acc_dims)].T,
            case[list(gyro_dims)].T,
            acc_units=acc_units,
            gyro_units=gyro_units,
            gravity=gravity,
            rate_hz=rate_hz,
            max_gap_s=None,
            label=label,
            extra_meta={"format": "ts", "case": k, "problem": ts.header.get("problemname")},
            detect_from=(pool_acc, pool_gyro),
        )
        out.append(apply_axis_map(rec, axis_map) if axis_map is not None else rec)
    if not out:
        raise InputError(
            path, f"no cases with labels {list(labels or [])} (the file has {sorted(set(l for l in ts.labels if l))})"
        )
    return out


# ---------------------------------------------------------------- dispatch


def read_recordings(path: str | os.PathLike, **options) -> List[RealRecording]:
    """Any supported file by extension (.csv/.txt, .h5/.hdf5, .ts) as a list of recordings."""
    p = Path(path)
    ext = p.suffix.lower()
    opts = {k: v for k, v in options.items() if v is not None}
    if ext in (".csv", ".txt"):
        opts.pop("labels", None)
        return [read_csv(p, **opts)]
    if ext in (".h5", ".hdf5"):
        opts.pop("labels", None)
        opts.pop("time_units", None)
        return [read_h5(p, **opts)]
    if ext == ".ts":
        opts.pop("time_units", None)
        opts.pop("max_gap_s", None)
        if "rate_hz" not in opts:
            raise InputError(p, "a .ts file carries no sample rate: give one (e.g. --rate 10 for BasicMotions)")
        return read_ts(p, **opts)
    raise InputError(p, f"unknown recording format {ext or '(no extension)'!r} (known: .csv, .h5, .ts)")
