"""How much does a simulated wrist IMU set look like a real one? Numbers and curves.

A :class:`SignalSet` is one side of a comparison: contiguous valid parts of
(acc xyz m/s^2, gyro xyz rad/s) at one rate, with the gravity convention.
:func:`harmonise` brings two sets to the lower of their rates (polyphase
resampling with its anti-alias filter) and the same gravity convention
(gravity removed from the set that has it by a low-pass estimate, when the
other has none). :func:`compare` then computes, per channel (x, y, z and the
magnitude of each sensor):

- histograms on shared bins and the Wasserstein distance (scipy.stats);
- Welch power spectra and the log-spectral distance (RMS of the dB ratio over
  the frequencies above 0);
- autocorrelation up to ``acf_lag_s`` and the RMS difference of the two;
- Allan deviation of stationary stretches (variance threshold), if any;
- peak and saturation statistics (clipping plateaus at the extremes);
- the lag that best aligns the two sets (Pearson correlation of the gyroscope
  magnitude over the overlap, so it does not depend on how the device is worn).

The result has ``numbers`` (JSON-ready) and ``curves`` (arrays for plots).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import signal as sps
from scipy.stats import wasserstein_distance

from ..base.errors import InputError
from ..base.h5read import open_h5
from ..sim.devices import G
from ..sim.kinematics import runs
from .allan import noise_terms, stationary_mask, stretches

CHANNELS = ("acc_x", "acc_y", "acc_z", "acc_mag", "gyro_x", "gyro_y", "gyro_z", "gyro_mag")
UNITS = {"acc": "m/s^2", "gyro": "rad/s"}


@dataclass
class SignalSet:
    """One side of a comparison: parts of shape (n_i, 6) = acc xyz, gyro xyz, all finite."""

    name: str
    rate_hz: float
    parts: List[np.ndarray]
    gravity: str = "included"
    labels: List[Optional[str]] = field(default_factory=list)
    meta: Dict[str, Any] = field(default_factory=dict)

    def channel(self, name: str) -> List[np.ndarray]:
        return [channel_values(p, name) for p in self.parts]

    def pooled(self, name: str) -> np.ndarray:
        return np.concatenate(self.channel(name)) if self.parts else np.zeros(0)

    @property
    def n_samples(self) -> int:
        return int(sum(len(p) for p in self.parts))

    def summary(self) -> Dict[str, Any]:
        return {
            "name": self.name,
            "rate_hz": self.rate_hz,
            "gravity": self.gravity,
            "parts": len(self.parts),
            "samples": self.n_samples,
            "duration_s": self.n_samples / self.rate_hz,
            "labels": sorted({l for l in self.labels if l}),
            "steps": self.meta.get("steps", []),
        }


def channel_values(p: np.ndarray, name: str) -> np.ndarray:
    """One channel (e.g. 'acc_x', 'gyro_mag') of a (n, 6) acc + gyro array."""
    sensor, axis = name.split("_")
    cols = p[:, :3] if sensor == "acc" else p[:, 3:6]
    return np.linalg.norm(cols, axis=1) if axis == "mag" else cols[:, "xyz".index(axis)]


def _valid_parts(acc, gyro, valid, min_len: int) -> List[np.ndarray]:
    x = np.concatenate([np.asarray(acc, float), np.asarray(gyro, float)], axis=1)
    ok = np.isfinite(x).all(axis=1)
    if valid is not None:
        ok &= np.asarray(valid, bool)
    return [x[a:b] for a, b in runs(ok) if b - a >= min_len]


def set_from_arrays(
    name, rate_hz, acc, gyro, valid=None, gravity="included", label=None, min_len: int = 4, meta=None
) -> SignalSet:
    parts = _valid_parts(acc, gyro, valid, min_len)
    return SignalSet(name, float(rate_hz), parts, gravity, [label] * len(parts), dict(meta or {}))


def set_from_imu_h5(data: Dict[str, Any], name: str = "simulated", clean: bool = False) -> SignalSet:
    """From :func:`.imu_io.read_imu_h5`'s dict (``clean``: the signals before device errors)."""
    a = data["attrs"]
    acc = data["acc_clean" if clean else "acc"]
    gyro = data["gyro_clean" if clean else "gyro"]
    return set_from_arrays(
        name,
        float(a["rate_hz"]),
        acc,
        gyro,
        data.get("valid"),
        "included",
        meta={"device_id": a.get("device_id"), "wrist": a.get("wrist"), "device_range": _ranges(a.get("device"))},
    )


def set_from_signal(sig, name: str = "simulated") -> SignalSet:
    """From an in-memory :class:`.simulate.ImuSignal`."""
    return set_from_arrays(
        name,
        sig.rate_hz,
        sig.acc,
        sig.gyro,
        sig.valid,
        "included",
        meta={"device_id": sig.device.id, "wrist": sig.wrist, "device_range": _ranges(sig.device.data)},
    )


def set_from_recordings(recs: Sequence, name: str = "real") -> SignalSet:
    """From :class:`.real_io.RealRecording` objects (all at one rate and gravity convention)."""
    if not recs:
        raise InputError(None, "no recordings to compare")
    rates = {round(r.rate_hz, 6) for r in recs}
    grav = {r.gravity for r in recs}
    if len(rates) > 1 or len(grav) > 1:
        raise InputError(recs[0].source, f"recordings differ in rate {sorted(rates)} or gravity {sorted(grav)}")
    parts, labels = [], []
    for r in recs:
        ps = _valid_parts(r.acc, r.gyro, r.valid, 4)
        parts += ps
        labels += [r.label] * len(ps)
    return SignalSet(
        name,
        recs[0].rate_hz,
        parts,
        recs[0].gravity,
        labels,
        {
            "sources": sorted({r.source.rsplit(":", 1)[0] for r in recs}),
            "reader": {k: v for k, v in recs[0].meta.items() if k.endswith(("units", "_how"))},
            "timestamps": [r.meta["timestamps"] for r in recs if "timestamps" in r.meta],
            "warnings": list(dict.fromkeys(w for r in recs for w in r.meta.get("warnings", []))),
        },
    )


def _ranges(device: Any) -> Optional[Dict[str, float]]:
    try:
        return {
            "acc": float(device["accelerometer"]["range_g"]) * G,
            "gyro": float(device["gyroscope"]["range_dps"]) * np.pi / 180,
        }
    except (TypeError, KeyError):
        return None


# ---------------------------------------------------------------- harmonising


def resample_set(s: SignalSet, rate_hz: float) -> SignalSet:
    """Polyphase resampling (scipy.signal.resample_poly, with its anti-alias FIR) of every part."""
    if np.isclose(rate_hz, s.rate_hz):
        return s
    fr = Fraction(rate_hz / s.rate_hz).limit_denominator(1000)
    parts = []
    for p in s.parts:
        y = sps.resample_poly(p, fr.numerator, fr.denominator, axis=0, padtype="line")
        if len(y) >= 4:
            parts.append(y)
    meta = dict(s.meta)
    meta["steps"] = list(s.meta.get("steps", [])) + [
        f"resampled {s.rate_hz:g} -> {rate_hz:g} Hz (resample_poly {fr.numerator}/{fr.denominator})"
    ]
    return replace(s, rate_hz=float(rate_hz), parts=parts, labels=s.labels[: len(parts)], meta=meta)


def remove_gravity(s: SignalSet, cutoff_hz: float = 0.3) -> SignalSet:
    """Subtract a gravity estimate: the low-passed accelerometer (Butterworth order 2,
    zero-phase) scaled to length g. An approximation to a phone's fused 'linear
    acceleration' for sets that must be compared with gravity-removed recordings."""
    if s.gravity == "removed":
        return s
    sos = sps.butter(2, cutoff_hz, fs=s.rate_hz, output="sos")
    parts = []
    for p in s.parts:
        acc = p[:, :3]
        if len(p) > 3 * 6:
            low = sps.sosfiltfilt(sos, acc, axis=0, padlen=min(len(p) - 1, 3 * 6))
        else:
            low = np.repeat(acc.mean(axis=0, keepdims=True), len(p), axis=0)
        g = G * low / np.maximum(np.linalg.norm(low, axis=1, keepdims=True), 1e-9)
        parts.append(np.concatenate([acc - g, p[:, 3:]], axis=1))
    meta = dict(s.meta)
    meta["steps"] = list(s.meta.get("steps", [])) + [f"gravity removed (low-pass {cutoff_hz:g} Hz estimate)"]
    return replace(s, parts=parts, gravity="removed", meta=meta)


def harmonise(a: SignalSet, b: SignalSet) -> Tuple[SignalSet, SignalSet]:
    """Both sets at the lower rate and, if either has gravity removed, both without gravity."""
    rate = min(a.rate_hz, b.rate_hz)
    a, b = resample_set(a, rate), resample_set(b, rate)
    if a.gravity != b.gravity:
        a, b = remove_gravity(a), remove_gravity(b)
    return a, b


# ---------------------------------------------------------------- metrics


def histogram_pair(x: np.ndarray, y: np.ndarray, bins: int = 40):
    """Densities of x and y on shared bins spanning both sets' 0.5-99.5 % quantiles."""
    both = np.concatenate([x, y])
    lo, hi = np.quantile(both, [0.005, 0.995])
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    hx, _ = np.histogram(np.clip(x, lo, hi), edges, density=True)
    hy, _ = np.histogram(np.clip(y, lo, hi), edges, density=True)
    return edges, hx, hy


def welch_set(s: SignalSet, name: str, nperseg: int) -> Tuple[np.ndarray, np.ndarray]:
    """Welch PSD of one channel, averaged over parts weighted by their length (parts
    shorter than ``nperseg`` are skipped unless none is long enough)."""
    xs = [x for x in s.channel(name) if len(x) >= nperseg] or [max(s.channel(name), key=len)]
    acc, wsum, f = None, 0, None
    for x in xs:
        f, p = sps.welch(x, fs=s.rate_hz, nperseg=min(nperseg, len(x)), detrend="constant")
        if acc is not None and p.shape != acc.shape:
            continue
        acc = p * len(x) if acc is None else acc + p * len(x)
        wsum += len(x)
    return f, acc / wsum


def spectral_distance_db(p1: np.ndarray, p2: np.ndarray, floor: float = 1e-12) -> float:
    """Log-spectral distance: RMS over frequencies of 10 log10(p1 / p2), in dB (DC excluded)."""
    r = 10 * np.log10(np.maximum(p1[1:], floor) / np.maximum(p2[1:], floor))
    return float(np.sqrt(np.mean(r * r)))


def autocorr_set(s: SignalSet, name: str, max_lag: int) -> np.ndarray:
    """Normalised autocorrelation (lags 0..max_lag) averaged over parts weighted by length."""
    out = np.zeros(max_lag + 1)
    w = np.zeros(max_lag + 1)
    for x in s.channel(name):
        x = x - x.mean()
        v = float(np.dot(x, x))
        if v <= 0 or len(x) < 3:
            continue
        full = sps.correlate(x, x, mode="full", method="fft")[len(x) - 1 :] / v
        k = min(max_lag + 1, len(x))
        out[:k] += full[:k] * len(x)
        w[:k] += len(x)
    with np.errstate(invalid="ignore"):
        return np.where(w > 0, out / np.maximum(w, 1), np.nan)


def peak_stats(s: SignalSet, name: str, full_scale: Optional[float] = None) -> Dict[str, Any]:
    """Peak levels, peak rate and clipping of one channel.

    A clipping plateau is a run of >= 2 consecutive samples equal (to 1e-6) to the
    channel's extreme |value|, or within 0.1 % of ``full_scale`` when the device
    range is known. Peaks: local maxima of |x| above mean + 2 sd, >= 0.2 s apart.
    """
    xs = s.channel(name)
    x = np.concatenate(xs)
    ax = np.abs(x)
    peaks = 0
    thr = float(np.mean(ax) + 2 * np.std(ax))
    for p in xs:
        idx, _ = sps.find_peaks(np.abs(p), height=thr, distance=max(1, int(0.2 * s.rate_hz)))
        peaks += len(idx)
    extreme = float(ax.max()) if ax.size else 0.0
    level = full_scale if full_scale else extreme
    plateau = 0
    for p in xs:
        at = np.abs(p) >= (0.999 if full_scale else 1 - 1e-6) * level
        plateau += sum(b - a for a, b in runs(at) if b - a >= 2)
    return {
        "max_abs": extreme,
        "p99_abs": float(np.quantile(ax, 0.99)),
        "p999_abs": float(np.quantile(ax, 0.999)),
        "peaks_per_s": peaks / (len(x) / s.rate_hz),
        "peak_threshold": thr,
        "clipped_fraction": plateau / max(1, len(x)),
        "clip_level": level,
        "clip_level_from": "device range" if full_scale else "largest |value|",
    }


def best_lag(a: np.ndarray, b: np.ndarray, min_overlap: float = 0.8, max_lag: Optional[int] = None):
    """(lag, r): ``b[n] ~ a[n - lag]``, the shift with the highest Pearson r over the overlap.

    Overlaps shorter than ``min_overlap`` x the shorter signal are not tried. All
    lags at once: overlap sums from cumulative sums, cross products by FFT
    (scipy.signal.correlate), so long recordings cost O(N log N).
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    na, nb = len(a), len(b)
    need = max(3, int(np.ceil(min_overlap * min(na, nb))))
    # remove the means first: better conditioned sums
    a = a - a.mean()
    b = b - b.mean()
    lags = sps.correlation_lags(nb, na, mode="full")  # sxy[k] = sum_i a[i] b[i + lags[k]]
    sxy = sps.correlate(b, a, mode="full", method="auto")
    i0 = np.maximum(0, -lags)
    i1 = np.minimum(na, nb - lags)
    n = i1 - i0
    ok = n >= need
    if max_lag is not None:
        ok &= np.abs(lags) <= max_lag
    if not ok.any():
        return 0, -np.inf
    ca = np.concatenate([[0.0], np.cumsum(a)])
    ca2 = np.concatenate([[0.0], np.cumsum(a * a)])
    cb = np.concatenate([[0.0], np.cumsum(b)])
    cb2 = np.concatenate([[0.0], np.cumsum(b * b)])
    lags, sxy, i0, i1, n = lags[ok], sxy[ok], i0[ok], i1[ok], n[ok].astype(float)
    sx, sxx = ca[i1] - ca[i0], ca2[i1] - ca2[i0]
    sy, syy = cb[i1 + lags] - cb[i0 + lags], cb2[i1 + lags] - cb2[i0 + lags]
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (sxy - sx * sy / n) / np.sqrt(vx * vy)
    scale = max(float(np.dot(a, a)), 1e-300) * 1e-12
    r[(vx <= scale) | (vy <= scale) | ~np.isfinite(r)] = -np.inf
    k = int(np.argmax(r))
    if not np.isfinite(r[k]):
        return 0, -np.inf
    return int(lags[k]), float(r[k])


def overlap(a: np.ndarray, b: np.ndarray, lag: int) -> Tuple[np.ndarray, np.ndarray]:
    """The overlapping stretches of ``a`` and ``b`` under ``b[n] ~ a[n - lag]``."""
    i0, i1 = max(0, -lag), min(len(a), len(b) - lag)
    return a[i0:i1], b[i0 + lag : i1 + lag]


def allan_of_set(s: SignalSet, **thresholds) -> Dict[str, Any]:
    """Noise terms (see :func:`.allan.noise_terms`) of the longest stationary stretch, per axis."""
    best = None
    for p in s.parts:
        m = stationary_mask(p[:, :3], p[:, 3:], s.rate_hz, **thresholds)
        for a, b in stretches(m):
            if best is None or b - a > len(best):
                best = p[a:b]
    if best is None or len(best) < 8:
        return {"found": False, "reason": "no stationary stretch (moving std thresholds, >= 2 s)"}
    out: Dict[str, Any] = {"found": True, "duration_s": len(best) / s.rate_hz}
    for k, name in enumerate(("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")):
        out[name] = noise_terms(best[:, k], s.rate_hz)
    return out


@dataclass
class Comparison:
    numbers: Dict[str, Any]
    curves: Dict[str, Any]


def compare(
    sim: SignalSet,
    real: SignalSet,
    bins: int = 40,
    nperseg: int = 64,
    acf_lag_s: float = 2.0,
    harmonise_sets: bool = True,
) -> Comparison:
    """Compare a simulated and a real set (after :func:`harmonise`)."""
    if not sim.parts:
        raise InputError(sim.name, "no valid samples to compare")
    if not real.parts:
        raise InputError(real.name, "no valid samples to compare")
    if harmonise_sets:
        sim, real = harmonise(sim, real)
        if not sim.parts or not real.parts:
            raise InputError(None, "no part is long enough after resampling to the common rate")
    rate = sim.rate_hz
    shortest = min(max(len(p) for p in sim.parts), max(len(p) for p in real.parts))
    nps = int(min(nperseg, shortest))
    max_lag = int(round(acf_lag_s * rate))
    numbers: Dict[str, Any] = {
        "sets": {"sim": sim.summary(), "real": real.summary()},
        "rate_hz": rate,
        "gravity": real.gravity,
        "welch_nperseg": nps,
        "channels": {},
    }
    curves: Dict[str, Any] = {"rate_hz": rate, "hist": {}, "psd": {}, "acf": {}}
    for ch in CHANNELS:
        x, y = sim.pooled(ch), real.pooled(ch)
        edges, hx, hy = histogram_pair(x, y, bins)
        f, px = welch_set(sim, ch, nps)
        _, py = welch_set(real, ch, nps)
        ax, ay = autocorr_set(sim, ch, max_lag), autocorr_set(real, ch, max_lag)
        both = np.isfinite(ax) & np.isfinite(ay)
        sd = float(np.std(y)) or 1.0
        numbers["channels"][ch] = {
            "unit": UNITS[ch.split("_")[0]],
            "wasserstein": float(wasserstein_distance(x, y)),
            "wasserstein_over_real_std": float(wasserstein_distance(x, y) / sd),
            "spectral_distance_db": spectral_distance_db(px, py),
            "acf_rmse": float(np.sqrt(np.mean((ax[both] - ay[both]) ** 2))) if both.any() else None,
            "mean": [float(x.mean()), float(y.mean())],
            "std": [float(x.std()), float(y.std())],
        }
        curves["hist"][ch] = (edges, hx, hy)
        curves["psd"][ch] = (f, px, py)
        curves["acf"][ch] = (np.arange(max_lag + 1) / rate, ax, ay)
    rng = sim.meta.get("device_range") or {}
    numbers["peaks"] = {
        side: {
            ch: peak_stats(
                s,
                ch,
                rng.get(ch.split("_")[0])
                if side == "sim" and not ch.endswith("mag") and s.gravity == "included"
                else None,
            )
            for ch in CHANNELS
        }
        for side, s in (("sim", sim), ("real", real))
    }
    curves["allan"] = {"sim": allan_of_set(sim), "real": allan_of_set(real)}
    numbers["allan"] = {k: _strip(v) for k, v in curves["allan"].items()}
    # alignment: the longest part of each, by gyroscope magnitude
    a = max(sim.parts, key=len)
    b = max(real.parts, key=len)
    ga, gb = np.linalg.norm(a[:, 3:], axis=1), np.linalg.norm(b[:, 3:], axis=1)
    lag, r = best_lag(ga, gb)
    numbers["alignment"] = {
        "channel": "gyro_mag",
        "lag_samples": int(lag),
        "lag_s": lag / rate,
        "pearson_r": r if np.isfinite(r) else None,
        "meaning": "real[n] ~ sim[n - lag] (longest part of each set)",
    }
    curves["aligned"] = {"lag": int(lag), "sim": a, "real": b}
    numbers["summary"] = summary_distances(sim, real, nps)
    numbers["floor"] = real_floor(real, nps)
    numbers["verdict"] = verdict(numbers["summary"], numbers["floor"])
    numbers["warnings"] = spectrum_warnings(sim, real, nperseg, nps)
    return Comparison(numbers, curves)


SUMMARY_METRICS = {
    "wasserstein_mean_acc_xyz": ("accelerometer distributions (mean Wasserstein, x y z)", "m/s²"),
    "wasserstein_mean_gyro_xyz": ("gyroscope distributions (mean Wasserstein, x y z)", "rad/s"),
    "spectral_distance_db_mean": ("spectra (mean log-spectral distance)", "dB"),
}


def summary_distances(a: SignalSet, b: SignalSet, nps: int) -> Dict[str, float]:
    """The headline distances between two sets (at one rate): mean Wasserstein per sensor, mean spectral distance."""
    w = {ch: float(wasserstein_distance(a.pooled(ch), b.pooled(ch))) for ch in CHANNELS}
    spec = [spectral_distance_db(welch_set(a, ch, nps)[1], welch_set(b, ch, nps)[1]) for ch in CHANNELS]
    return {
        "wasserstein_mean_acc_xyz": float(np.mean([w[f"acc_{k}"] for k in "xyz"])),
        "wasserstein_mean_gyro_xyz": float(np.mean([w[f"gyro_{k}"] for k in "xyz"])),
        "spectral_distance_db_mean": float(np.mean(spec)),
    }


def real_floor(real: SignalSet, nps: int) -> Dict[str, Any]:
    """The real-vs-real floor: the same distances between two halves of the real set.

    A simulation cannot be expected to be closer to a recording than the recording is to
    itself. With several parts (cases, segments) the halves are the even and the odd
    parts (in file order); with one part, its first and second halves. Unavailable
    (with the reason) when either half would be shorter than two Welch segments.
    """
    parts = [p for p in real.parts if len(p) >= 4]
    if len(parts) >= 2:
        a, b, how = parts[0::2], parts[1::2], "even vs odd parts of the real set"
    elif parts and len(parts[0]) >= 4 * nps:
        h = len(parts[0]) // 2
        a, b, how = [parts[0][:h]], [parts[0][h:]], "first vs second half of the real recording"
    else:
        n = max((len(p) for p in parts), default=0)
        return {
            "available": False,
            "why": f"the real set has one part of {n} samples; a floor needs two parts or "
            f"one of at least {4 * nps} samples",
        }
    if min(sum(len(p) for p in a), sum(len(p) for p in b)) < 2 * nps:
        return {"available": False, "why": "the halves of the real set are too short for a spectrum"}
    half_a = replace(real, parts=a, labels=[None] * len(a))
    half_b = replace(real, parts=b, labels=[None] * len(b))
    return {"available": True, "how": how, **summary_distances(half_a, half_b, nps)}


def verdict(summary: Dict[str, float], floor: Dict[str, Any]) -> Dict[str, Any]:
    """Each headline distance beside the real-vs-real floor, as a ratio, and a one-line verdict."""
    rows = {}
    for key, (what, unit) in SUMMARY_METRICS.items():
        v = summary[key]
        f = floor.get(key) if floor.get("available") else None
        ratio = v / f if f else None
        rows[key] = {"what": what, "unit": unit, "sim_vs_real": v, "real_vs_real": f, "ratio": ratio}
    ratios = {k: r["ratio"] for k, r in rows.items() if r["ratio"] is not None}
    if not ratios:
        text = (
            "no real-vs-real floor is available (" + floor.get("why", "") + "): the distances below have no "
            "scale to judge them by; compare them with other simulations of the same activity"
        )
        level = "unknown"
    else:
        worst = max(ratios.values())
        level = "close" if worst <= 1.5 else "moderate" if worst <= 3 else "far"
        parts = ", ".join(f"{SUMMARY_METRICS[k][0].split(' (')[0]} {r:.2g}x" for k, r in ratios.items())
        text = {
            "close": "the simulation is about as close to the real recording as the real recording is to itself",
            "moderate": "the simulation differs from the real recording somewhat more than the real recording "
            "differs from itself",
            "far": "the simulation differs from the real recording much more than the real recording differs "
            "from itself",
        }[level] + f" (distance / real-vs-real floor: {parts})"
    return {"level": level, "text": text, "metrics": rows}


def spectrum_warnings(sim: SignalSet, real: SignalSet, asked: int, nps: int) -> List[str]:
    """Warnings when a set is too short for a trustworthy Welch spectrum."""
    out = []
    for name, s in (("simulation", sim), ("real set", real)):
        longest = max(len(p) for p in s.parts)
        if longest < asked:
            out.append(
                f"the {name} is too short for a spectrum: its longest part has {longest} samples "
                f"({longest / s.rate_hz:.3g} s), fewer than one {asked}-sample Welch segment; spectra use "
                f"{nps}-sample segments ({s.rate_hz / nps:.3g} Hz resolution) and are unreliable"
            )
        elif sum(len(p) // asked for p in s.parts) < 3:
            out.append(
                f"the {name} is short for a spectrum: {sum(len(p) for p in s.parts)} samples give fewer than "
                f"3 Welch segments of {asked}; the spectra are noisy"
            )
    return out


def _strip(allan: Dict[str, Any]) -> Dict[str, Any]:
    """Allan results without the curves (for JSON)."""
    out = copy.deepcopy(allan)
    for v in out.values():
        if isinstance(v, dict):
            v.pop("taus", None)
            v.pop("adev", None)
    return out


def load_set(path, name: Optional[str] = None, clean: bool = False, **reader_options) -> SignalSet:
    """A file as a set: a product IMU file (``imu2safety simulate`` output) or any real
    recording :func:`.real_io.read_recordings` reads (options passed on)."""
    import os

    from ..sim.imu_io import read_imu_h5
    from .real_io import read_recordings

    p = os.fspath(path)
    label = name or os.path.basename(p)
    if p.lower().endswith((".h5", ".hdf5")) and os.path.isfile(p):
        try:
            with open_h5(p) as f:
                is_product = f.attrs.get("generator") in ("imu2safety", b"imu2safety") and "rate_hz" in f.attrs
        except OSError as exc:
            raise InputError(p, f"not a readable HDF5 file ({exc})") from None
        if is_product:
            s = set_from_imu_h5(read_imu_h5(p), label, clean=clean)
            s.meta["sources"] = [p]
            return s
    recs = read_recordings(p, **reader_options)
    return set_from_recordings(recs, label)


def trim_set(s: SignalSet, seconds: float) -> SignalSet:
    """Drop ``seconds`` from both ends of every part (parts left shorter than 4 samples go)."""
    k = int(round(seconds * s.rate_hz))
    if k <= 0:
        return s
    keep = [(p[k : len(p) - k], l) for p, l in zip(s.parts, s.labels or [None] * len(s.parts)) if len(p) - 2 * k >= 4]
    meta = dict(s.meta)
    meta["steps"] = list(s.meta.get("steps", [])) + [f"trimmed {seconds:g} s at both ends"]
    return replace(s, parts=[p for p, _ in keep], labels=[l for _, l in keep], meta=meta)


def select_labels(s: SignalSet, labels: Optional[Sequence[str]]) -> SignalSet:
    """Only the parts with one of ``labels`` (all parts when ``labels`` is empty)."""
    if not labels:
        return s
    keep = [i for i, l in enumerate(s.labels) if l in labels]
    if not keep:
        raise InputError(s.name, f"no parts labelled {list(labels)} (labels: {sorted({l for l in s.labels if l})})")
    return replace(s, parts=[s.parts[i] for i in keep], labels=[s.labels[i] for i in keep])
