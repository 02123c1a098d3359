"""Calibrate the simulator to real devices (the sim-to-real step).

Three independent fits, each recorded in a JSON-ready dict for export provenance:

1. :func:`fit_device` -- from stationary stretches of a real recording: white
   noise density (Allan deviation, cross-checked by the variance at the sample
   rate, ``sigma = N sqrt(fs / 2)``), bias (gyroscope: the mean; accelerometer:
   a sphere fit when the stretches cover several orientations, else the error of
   |a| against g, i.e. along gravity only) and bias instability (the Allan floor,
   when the stretch is long enough to show one). Result: a device preset dict, a
   copy of a base preset with the fitted fields changed, valid for
   :func:`.devices.preset_from_dict`.
2. :func:`fit_geometry` -- between simulated and real recordings of the same
   motion: time lag (cross-correlation of the gyroscope magnitude, which does not
   depend on how the device sits), the rotation from the simulated to the real
   sensor frame (Kabsch, ``Rotation.align_vectors`` on gyroscope and accelerometer
   vectors) and a per-axis scale and offset (least squares).
3. :class:`QuantileMap` -- OPTIONAL per-channel (optionally per-class) quantile
   mapping of simulated onto real distributions, as IMUTube/IMUGPT do. It needs
   real data of the same class (rare dangerous classes have none) and ignores
   temporal structure, so it is off unless asked for and always marked as such.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.spatial.transform import Rotation

from ..base.errors import InputError
from ..base.hashing import sha256_file
from ..sim.devices import DEFAULT_PRESET, DEG, DevicePreset, G, load_preset
from .allan import noise_terms, stationary_mask, stretches
from .compare import SignalSet, best_lag, overlap

SCHEMA = 1


def _sha256(path: str) -> Optional[str]:
    p = path.rsplit(":", 1)[0] if not os.path.isfile(path) else path
    if not os.path.isfile(p):
        return None
    return sha256_file(p)


# ---------------------------------------------------------------- device fit


@dataclass
class DeviceFit:
    preset: DevicePreset
    report: Dict[str, Any]

    @property
    def data(self) -> Dict[str, Any]:
        return self.preset.data


def _sphere_fit(means: np.ndarray) -> Tuple[np.ndarray, float]:
    """Centre b and radius r of the sphere through the stationary mean vectors (linear LSQ)."""
    A = np.concatenate([2 * means, np.ones((len(means), 1))], axis=1)
    y = (means**2).sum(axis=1)
    sol, *_ = np.linalg.lstsq(A, y, rcond=None)
    b = sol[:3]
    r = float(np.sqrt(max(sol[3] + b @ b, 0.0)))
    return b, r


def fit_device(
    data: SignalSet,
    base: DevicePreset | str = DEFAULT_PRESET,
    *,
    preset_id: Optional[str] = None,
    name: Optional[str] = None,
    acc_std: float = 0.1,
    gyro_std: float = 0.02,
    min_s: float = 2.0,
) -> DeviceFit:
    """Fit noise density, bias and bias instability from the stationary stretches of ``data``.

    Stationary: every axis's 1 s moving std below ``acc_std`` (m/s^2) and
    ``gyro_std`` (rad/s) for at least ``min_s`` seconds. Raises InputError when no
    stretch qualifies.
    """
    base_p = base if isinstance(base, DevicePreset) else load_preset(base)
    rate = data.rate_hz
    still: List[np.ndarray] = []
    for p in data.parts:
        m = stationary_mask(p[:, :3], p[:, 3:], rate, acc_std=acc_std, gyro_std=gyro_std, min_s=min_s)
        still += [p[a:b] for a, b in stretches(m)]
    where = ", ".join(data.meta.get("sources", [])) or data.name
    if not still:
        raise InputError(
            where,
            f"no stationary stretch of at least {min_s:g} s (1 s moving std below "
            f"{acc_std:g} m/s^2 and {gyro_std:g} rad/s on every axis): record the device "
            "lying still, or loosen the thresholds",
        )
    longest = max(still, key=len)
    total_s = sum(len(s) for s in still) / rate
    rep: Dict[str, Any] = {
        "method": "stationary stretches",
        "stretches": len(still),
        "stationary_s": total_s,
        "longest_s": len(longest) / rate,
        "rate_hz": rate,
        "thresholds": {"acc_std_m_s2": acc_std, "gyro_std_rad_s": gyro_std, "min_s": min_s},
        "noise_density_convention": "one-sided, sigma = N * sqrt(fs / 2)",
    }
    changes: Dict[str, Any] = {"output_rate_hz": rate}
    kept: List[str] = []
    for sensor, cols, nd_field, nd_unit, bi_field, bi_unit in (
        ("accelerometer", slice(0, 3), "noise_density_ug_per_rthz", 1e-6 * G, "bias_instability_mg", 1e-3 * G),
        ("gyroscope", slice(3, 6), "noise_density_mdps_per_rthz", 1e-3 * DEG, "bias_instability_dph", DEG / 3600.0),
    ):
        # a real sensor at rest always shows noise: exactly constant data (all zeros, a stuck or synthetic
        # stream) would give a noise-free preset that looks perfect and is wrong
        flat = [
            f"{sensor} {'xyz'[c - cols.start]}"
            for c in range(cols.start, cols.stop)
            if all(np.ptp(st[:, c]) == 0 for st in still)
        ]
        if flat:
            raise InputError(
                where,
                f"{', '.join(flat)} never change while the device is still: a real sensor always shows noise, so "
                "this is all-zero, constant or synthetic data; refusing to write a noise-free preset",
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            axes = [noise_terms(longest[:, c], rate) for c in range(cols.start, cols.stop)]
        # variance method pooled over all stretches (each de-meaned): more samples, same convention
        resid = np.concatenate([s[:, cols] - s[:, cols].mean(axis=0) for s in still])
        n_var = resid.std(axis=0, ddof=1) * np.sqrt(2.0 / rate)
        n_allan = np.array([a["noise_density_allan"] for a in axes])
        nd = float(np.median(n_allan))
        srep: Dict[str, Any] = {
            "noise_density_allan_per_axis": n_allan.tolist(),
            "noise_density_variance_per_axis": n_var.tolist(),
            "noise_density_si": nd,
            nd_field: nd / nd_unit,
        }
        changes[f"{sensor}.{nd_field}"] = round(nd / nd_unit, 6)
        bis = [a["bias_instability"] for a in axes if a["bias_instability"] is not None]
        if bis:
            b = float(np.median(bis))
            taus = [a["bias_tau_s"] for a in axes if a["bias_tau_s"] is not None]
            changes[f"{sensor}.{bi_field}"] = round(b / bi_unit, 6)
            srep.update(
                {
                    bi_field: b / bi_unit,
                    "bias_instability_from": sorted({a["bias_model"] for a in axes if a.get("bias_model")}),
                }
            )
            if taus:
                changes[f"{sensor}.bias_tau_s"] = round(float(np.median(taus)), 6)
                srep["bias_tau_s"] = float(np.median(taus))
            else:
                kept.append(f"{sensor}.bias_tau_s")
        else:
            kept.append(f"{sensor}.{bi_field}")
            srep["bias_instability_from"] = (
                f"not estimable: the Allan curve of the longest stretch "
                f"({len(longest) / rate:.3g} s) shows no floor; kept the base value"
            )
        means = np.array([s[:, cols].mean(axis=0) for s in still])
        if sensor == "gyroscope":
            bias = means.mean(axis=0)
            sigma = float(np.sqrt(np.mean(bias**2)))
            changes["gyroscope.turn_on_bias_dps"] = round(sigma / DEG, 6)
            srep.update(
                {
                    "bias_rad_s": bias.tolist(),
                    "turn_on_bias_dps": sigma / DEG,
                    "bias_from": "mean of the stationary stretches; 1-sigma = RMS over axes",
                }
            )
        elif data.gravity == "included":
            spread = np.linalg.svd(means / np.linalg.norm(means, axis=1, keepdims=True), compute_uv=False)
            if len(still) >= 4 and spread[-1] > 0.3:
                b, r = _sphere_fit(means)
                sigma = float(np.sqrt(np.mean(b**2)))
                srep.update(
                    {
                        "bias_m_s2": b.tolist(),
                        "gravity_radius_m_s2": r,
                        "bias_from": "sphere fit over stationary orientations; 1-sigma = RMS over axes",
                    }
                )
            else:
                err = np.linalg.norm(means, axis=1) - G
                sigma = float(np.sqrt(np.mean(err**2)))
                srep.update(
                    {
                        "bias_along_gravity_m_s2": err.tolist(),
                        "bias_from": "| |a| - g | per stretch (one orientation: along gravity only)",
                    }
                )
            changes["accelerometer.turn_on_bias_mg"] = round(sigma / (1e-3 * G), 6)
            srep["turn_on_bias_mg"] = sigma / (1e-3 * G)
        else:
            kept.append("accelerometer.turn_on_bias_mg")
            srep["bias_from"] = "gravity removed in the recording: the accelerometer bias cannot be separated"
        rep[sensor] = srep
    src = data.meta.get("sources", [])
    calib = {
        "schema": SCHEMA,
        "kind": "device_fit",
        "base_preset": base_p.id,
        "sources": [{"path": s, "sha256": _sha256(s)} for s in src],
        "fitted": sorted(changes),
        "kept_from_base": kept,
        "report": rep,
    }
    new = copy.deepcopy(base_p.data)
    new["id"] = preset_id or f"fit-{base_p.id}"
    new["name"] = name or f"{base_p.data.get('name', base_p.id)}, fitted to {', '.join(src) or data.name}"
    new["sources"] = list(new.get("sources", [])) + [
        f"Fitted by imu2safety calibrate device from {', '.join(src) or data.name}: "
        f"{', '.join(sorted(changes))} (base preset {base_p.id})"
    ]
    new["estimated"] = [e for e in new.get("estimated", []) if e not in changes]
    new["calibration"] = calib
    preset = DevicePreset(new).with_changes(changes)
    return DeviceFit(preset, calib)


# ---------------------------------------------------------------- geometric fit


@dataclass
class GeometricFit:
    """real ~ scale * (R sim) + offset, after shifting by ``lag`` samples (real[n] ~ sim[n - lag])."""

    lag_samples: List[int]
    rate_hz: float
    rotation: np.ndarray  # (3, 3), sim sensor frame -> real sensor frame
    acc_scale: np.ndarray
    acc_offset: np.ndarray
    gyro_scale: np.ndarray
    gyro_offset: np.ndarray
    stats: Dict[str, Any] = field(default_factory=dict)

    def apply(self, acc: np.ndarray, gyro: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Map simulated (N,3) acc and gyro into the real device's frame and scale (no time shift)."""
        a = (np.asarray(acc, float) @ self.rotation.T) * self.acc_scale + self.acc_offset
        g = (np.asarray(gyro, float) @ self.rotation.T) * self.gyro_scale + self.gyro_offset
        return a, g

    def to_dict(self) -> Dict[str, Any]:
        rv = Rotation.from_matrix(self.rotation).as_rotvec(degrees=True)
        return {
            "schema": SCHEMA,
            "kind": "geometric_fit",
            "lag_samples": list(map(int, self.lag_samples)),
            "lag_s": [l / self.rate_hz for l in self.lag_samples],
            "rate_hz": self.rate_hz,
            "rotation_matrix": self.rotation.tolist(),
            "rotation_vector_deg": rv.tolist(),
            "rotation_angle_deg": float(np.linalg.norm(rv)),
            "acc_scale": self.acc_scale.tolist(),
            "acc_offset_m_s2": self.acc_offset.tolist(),
            "gyro_scale": self.gyro_scale.tolist(),
            "gyro_offset_rad_s": self.gyro_offset.tolist(),
            "model": "real[n] ~ scale * (R sim[n - lag]) + offset",
            **self.stats,
        }


def _axis_fit(
    x: np.ndarray, y: np.ndarray, offset: bool, method: str = "lsq", sign_free: bool = False
) -> Tuple[np.ndarray, np.ndarray]:
    """Per-axis y ~ s x + b. 'lsq': least squares (sample-synchronised recordings of one
    motion). 'std': s = sign(cov) std(y) / std(x), b from the means (moment matching, for
    recordings of the same activity that are not sample-synchronised, where least squares
    shrinks s toward 0 as the correlation falls); positive unless ``sign_free`` (then the
    sign of the covariance), since axis flips belong to the rotation."""
    s, b = np.ones(3), np.zeros(3)
    for i in range(3):
        if method == "std":
            sx = float(np.std(x[:, i]))
            sign = 1.0 if np.mean((x[:, i] - x[:, i].mean()) * (y[:, i] - y[:, i].mean())) >= 0 else -1.0
            s[i] = float(np.std(y[:, i])) / max(sx, 1e-300)
            if sign_free:
                s[i] *= sign
            b[i] = float(np.mean(y[:, i]) - s[i] * np.mean(x[:, i])) if offset else 0.0
        elif offset:
            A = np.stack([x[:, i], np.ones(len(x))], axis=1)
            (s[i], b[i]), *_ = np.linalg.lstsq(A, y[:, i], rcond=None)
        else:
            s[i] = float(x[:, i] @ y[:, i] / max(x[:, i] @ x[:, i], 1e-300))
    return s, b


def fit_geometry(
    pairs: Sequence[Tuple[np.ndarray, np.ndarray]],
    rate_hz: float,
    *,
    max_lag_s: Optional[float] = None,
    min_overlap: float = 0.8,
    fit_scale: bool = True,
    fit_offset: bool = True,
    use_acc: bool = True,
    scale_method: str = "lsq",
    rotation_method: str = "kabsch",
) -> GeometricFit:
    """Fit lag, rotation and per-axis scale between simulated and real recordings of the same motion.

    ``pairs``: (sim (N,6), real (M,6)) arrays of acc xyz + gyro xyz at ``rate_hz``
    (same gravity convention). Each pair gets its own lag; one rotation and one
    scale are fitted over all pairs' overlaps. Vectors are weighted by the inverse
    variance of their sensor so acc and gyro count alike. ``scale_method``: 'lsq' or
    'std' (see :func:`_axis_fit`). ``rotation_method``: 'kabsch' (sample pairs after the
    lag, for synchronised recordings of one motion) or 'covariance' (for recordings of the
    same activity that are not synchronised: rotation and per-axis scales fitted so the
    acc and gyro covariances match, axis signs chosen by the smallest Wasserstein
    distance, offsets from the means; ``scale_method`` is then unused and the lag only
    reported).
    """
    if rotation_method not in ("kabsch", "covariance"):
        raise InputError(None, f"rotation method must be 'kabsch' or 'covariance', got {rotation_method!r}")
    if scale_method not in ("lsq", "std"):
        raise InputError(None, f"scale method must be 'lsq' or 'std', got {scale_method!r}")
    if not pairs:
        raise InputError(None, "geometric fit needs at least one (simulated, real) pair")
    max_lag = None if max_lag_s is None else int(round(max_lag_s * rate_hz))
    lags, rs, sims, reals = [], [], [], []
    for sim, real in pairs:
        sim, real = np.asarray(sim, float), np.asarray(real, float)
        ga, gb = np.linalg.norm(sim[:, 3:], axis=1), np.linalg.norm(real[:, 3:], axis=1)
        lag, r = best_lag(ga, gb, min_overlap=min_overlap, max_lag=max_lag)
        if not np.isfinite(r):
            lag, r = best_lag(
                np.linalg.norm(sim[:, :3], axis=1),
                np.linalg.norm(real[:, :3], axis=1),
                min_overlap=min_overlap,
                max_lag=max_lag,
            )
        a, b = overlap(sim, real, lag)
        lags.append(int(lag))
        rs.append(float(r))
        sims.append(a)
        reals.append(b)
    if rotation_method == "covariance":  # no sample pairing: use every sample of both sides
        seen, sims = set(), []
        for sim, _ in pairs:
            if id(sim) not in seen:
                seen.add(id(sim))
                sims.append(np.asarray(sim, float))
        reals = [np.asarray(r, float) for _, r in pairs]
        n = min(sum(map(len, sims)), sum(map(len, reals)))
        S_all, R_all = np.concatenate(sims), np.concatenate(reals)
        S_all = S_all[np.isfinite(S_all).all(axis=1)]
        R_all = R_all[np.isfinite(R_all).all(axis=1)]
        # equal counts, evenly spaced, so both distributions are seen whole
        S, Rl = _resample_rows(S_all, n), _resample_rows(R_all, n)
    else:
        S, Rl = np.concatenate(sims), np.concatenate(reals)
    ok = np.isfinite(S).all(axis=1) & np.isfinite(Rl).all(axis=1)
    S, Rl = S[ok], Rl[ok]
    if len(S) < 3:
        raise InputError(None, "too few overlapping samples for a geometric fit")
    wg = 1.0 / max(np.mean(np.sum((Rl[:, 3:] - Rl[:, 3:].mean(0)) ** 2, axis=1)), 1e-12)
    wa = 1.0 / max(np.mean(np.sum((Rl[:, :3] - Rl[:, :3].mean(0)) ** 2, axis=1)), 1e-12)
    sa, ba, sg, bg = np.ones(3), np.zeros(3), np.ones(3), np.zeros(3)
    if rotation_method == "covariance":
        R, sa, sg = _covariance_fit(S, Rl, wa, wg)
        if not fit_scale:
            sa, sg = np.ones(3), np.ones(3)
        a_rot, g_rot = S[:, :3] @ R.T, S[:, 3:] @ R.T
        if fit_offset:
            ba = Rl[:, :3].mean(axis=0) - sa * a_rot.mean(axis=0)
            bg = Rl[:, 3:].mean(axis=0) - sg * g_rot.mean(axis=0)
        scale_method = "covariance"
    # alternate: rotation on the unscaled real vectors, then per-axis scale/offset (converges in a few rounds)
    for _ in range(0 if rotation_method == "covariance" else 8 if fit_scale else 1):
        ra, rg = (Rl[:, :3] - ba) / sa, (Rl[:, 3:] - bg) / sg
        if use_acc:
            src, dst = np.concatenate([S[:, 3:], S[:, :3]]), np.concatenate([rg, ra])
            w = np.concatenate([np.full(len(S), wg), np.full(len(S), wa)])
        else:
            src, dst, w = S[:, 3:], rg, np.full(len(S), wg)
        rot, _ = Rotation.align_vectors(dst, src, weights=w)
        R = rot.as_matrix()
        a_rot, g_rot = S[:, :3] @ R.T, S[:, 3:] @ R.T
        if not fit_scale:
            break
        sa, ba = _axis_fit(a_rot, Rl[:, :3], fit_offset, scale_method)
        sg, bg = _axis_fit(g_rot, Rl[:, 3:], fit_offset, scale_method)
        if np.any(np.abs(sa) < 1e-6) or np.any(np.abs(sg) < 1e-6):
            raise InputError(None, "geometric fit: an axis has no signal to scale (degenerate motion)")

    def rms(x):
        return float(np.sqrt(np.mean(x**2)))

    paired = rotation_method == "kabsch"
    stats = {
        "pairs": len(pairs),
        "samples_used": int(len(S)),
        "lag_pearson_r": rs,
        "rms_before": {"acc": rms(S[:, :3] - Rl[:, :3]), "gyro": rms(S[:, 3:] - Rl[:, 3:])} if paired else None,
        "rms_after": {"acc": rms(a_rot * sa + ba - Rl[:, :3]), "gyro": rms(g_rot * sg + bg - Rl[:, 3:])}
        if paired
        else None,
        "weights": {"acc": wa, "gyro": wg},
        "used": "gyro + acc" if use_acc else "gyro",
        "scale_method": scale_method if fit_scale else "none",
        "rotation_method": rotation_method,
    }
    return GeometricFit(lags, float(rate_hz), R, sa, ba, sg, bg, stats)


def _resample_rows(x: np.ndarray, n: int) -> np.ndarray:
    """n rows of x, evenly spaced (all rows when n == len(x))."""
    idx = np.round(np.linspace(0, len(x) - 1, n)).astype(int)
    return x[idx]


def _cov(x: np.ndarray) -> np.ndarray:
    xc = x - x.mean(axis=0)
    return xc.T @ xc / len(x)


def _covariance_fit(S: np.ndarray, Rl: np.ndarray, wa: float, wg: float):
    """(R, acc scale, gyro scale) for recordings that are not synchronised.

    R takes the principal axes of the simulated (inverse-variance weighted) acc + gyro
    covariance onto the real ones; of the four proper sign choices, the one with the
    smallest summed, normalised per-axis Wasserstein distance is kept. Scales are then
    std ratios per axis. An anisotropic scale tilts the real principal axes, so this
    rotation is biased by a few degrees when axes are scaled differently (a known limit
    of moment matching; synchronised recordings use Kabsch instead).
    """
    import itertools

    from scipy.stats import wasserstein_distance

    _, vs = np.linalg.eigh(wg * _cov(S[:, 3:]) + wa * _cov(S[:, :3]))
    _, vr = np.linalg.eigh(wg * _cov(Rl[:, 3:]) + wa * _cov(Rl[:, :3]))
    best, best_score = None, np.inf
    for signs in itertools.product((1.0, -1.0), repeat=3):
        R = vr @ np.diag(signs) @ vs.T
        if np.linalg.det(R) < 0:
            continue
        scales, total = [], 0.0
        for cols in (slice(0, 3), slice(3, 6)):
            x = S[:, cols] @ R.T
            y = Rl[:, cols]
            k = np.std(y, axis=0) / np.maximum(np.std(x, axis=0), 1e-300)
            scales.append(k)
            x = x * k
            x = x - x.mean(axis=0) + y.mean(axis=0)  # offsets are fitted separately
            for i in range(3):
                total += wasserstein_distance(x[:, i], y[:, i]) / max(float(np.std(y[:, i])), 1e-300)
        if total < best_score:
            best, best_score = (R, scales[0], scales[1]), total
    return best


def apply_geometry(s: SignalSet, fit: GeometricFit) -> SignalSet:
    """A copy of the set with every part mapped by the fit (rotation, scale, offset; no time shift)."""
    parts = []
    for p in s.parts:
        a, g = fit.apply(p[:, :3], p[:, 3:])
        parts.append(np.concatenate([a, g], axis=1))
    return _with_step(s, parts, "geometric fit applied", fit.to_dict())


def _with_step(s: SignalSet, parts, step: str, record: Dict[str, Any]) -> SignalSet:
    from dataclasses import replace

    meta = dict(s.meta)
    meta["steps"] = list(s.meta.get("steps", [])) + [step]
    meta["calibration"] = list(s.meta.get("calibration", [])) + [record]
    return replace(s, parts=parts, meta=meta)


# ---------------------------------------------------------------- quantile mapping (optional)

QM_CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
QM_NOTE = (
    "OPTIONAL distribution mapping (IMUTube/IMUGPT style): needs real data of the same class, which rare "
    "dangerous classes lack, and ignores temporal structure; device and geometric fits transfer to every "
    "class, this does not"
)


@dataclass
class QuantileMap:
    """Per-channel (optionally per-class) piecewise-linear map of simulated onto real quantiles."""

    quantiles: np.ndarray  # (Q,) in [0, 1]
    maps: Dict[Optional[str], Dict[str, Tuple[np.ndarray, np.ndarray]]]  # class -> channel -> (src_q, dst_q)

    @classmethod
    def fit(cls, sim: SignalSet, real: SignalSet, n_quantiles: int = 100, per_class: bool = False) -> "QuantileMap":
        q = np.linspace(0, 1, n_quantiles + 1)
        maps: Dict[Optional[str], Dict[str, Tuple[np.ndarray, np.ndarray]]] = {}
        classes = sorted({l for l in real.labels if l}) if per_class else [None]
        for c in classes:
            sm = _subset(sim, c)
            rm = _subset(real, c)
            if not sm.parts or not rm.parts:
                continue
            maps[c] = {}
            for ch in QM_CHANNELS:
                src = np.maximum.accumulate(np.quantile(sm.pooled(ch), q))
                src = src + np.arange(len(src)) * 1e-12 * max(1.0, float(np.ptp(src)))  # strictly increasing
                maps[c][ch] = (src, np.quantile(rm.pooled(ch), q))
        if not maps:
            raise InputError(real.name, "no class has both simulated and real samples for quantile mapping")
        return cls(q, maps)

    def apply(self, s: SignalSet, label: Optional[str] = None, fallback_global: bool = False) -> SignalSet:
        key = label if label in self.maps else (None if None in self.maps else None)
        if label is not None and label not in self.maps:
            if not fallback_global or None not in self.maps:
                raise InputError(
                    s.name,
                    f"no real data of class {label!r} to map onto "
                    f"(mapped classes: {sorted(k for k in self.maps if k)}); quantile mapping "
                    "cannot be applied to this class, use the device and geometric fits",
                )
            key = None
        if key not in self.maps:
            key = next(iter(self.maps))
        m = self.maps[key]
        parts = []
        for p in s.parts:
            out = p.copy()
            for k, ch in enumerate(QM_CHANNELS):
                src, dst = m[ch]
                out[:, k] = np.interp(p[:, k], src, dst)
            parts.append(out)
        return _with_step(s, parts, f"quantile map applied (class {key})", self.to_dict())

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": "quantile_map",
            "optional": True,
            "note": QM_NOTE,
            "n_quantiles": int(len(self.quantiles) - 1),
            "classes": [k for k in self.maps],
            "channels": list(QM_CHANNELS),
            "outside_range": "clamped to the real extremes",
            "maps": {
                str(k): {ch: {"sim": v[0].tolist(), "real": v[1].tolist()} for ch, v in m.items()}
                for k, m in self.maps.items()
            },
        }


def _subset(s: SignalSet, label: Optional[str]) -> SignalSet:
    if label is None:
        return s
    from dataclasses import replace

    keep = [i for i, l in enumerate(s.labels) if l == label] if s.labels else []
    if not any(s.labels):  # an unlabelled simulated set maps onto every class
        return s
    return replace(s, parts=[s.parts[i] for i in keep], labels=[label] * len(keep))


# ---------------------------------------------------------------- provenance


def calibration_record(
    device: Optional[DeviceFit] = None,
    geometry: Optional[GeometricFit] = None,
    quantile: Optional[QuantileMap] = None,
    include_maps: bool = False,
) -> Dict[str, Any]:
    """Which calibration was applied, as one JSON-ready dict (for an export's provenance)."""
    applied = []
    rec: Dict[str, Any] = {"schema": SCHEMA}
    if device is not None:
        applied.append("device_fit")
        rec["device_fit"] = {"preset_id": device.preset.id, **device.report}
    if geometry is not None:
        applied.append("geometric_fit")
        rec["geometric_fit"] = geometry.to_dict()
    if quantile is not None:
        applied.append("quantile_map (optional)")
        d = quantile.to_dict()
        if not include_maps:
            d.pop("maps")
        rec["quantile_map"] = d
    rec["applied"] = applied
    return rec


def calibrated_comparisons(
    sim: SignalSet,
    real: SignalSet,
    *,
    geometric: bool = False,
    quantile: bool = False,
    fit_real: Optional[SignalSet] = None,
    max_lag_s: Optional[float] = None,
    per_class: bool = False,
    synchronised: bool = False,
    trim_s: float = 0.0,
):
    """Compare ``sim`` with ``real`` before and after the requested calibrations.

    ``synchronised``: the simulated and real sets are one motion recorded together
    (Kabsch rotation, least-squares scale); by default they are not assumed to be: the
    same activity recorded apart (covariance rotation, std scale). ``trim_s`` drops that much from both ends of every simulated part first (start-up
    transients). Fits use ``fit_real`` when given (e.g. a train split) and are evaluated on
    ``real``, so an 'after' figure is not an in-sample one. Returns
    (``{"before": Comparison, "after_geometric": ..., "after_quantile": ...}``,
    calibration record).
    """
    from .compare import compare, harmonise, trim_set

    s_h, r_h = harmonise(trim_set(sim, trim_s), real)
    _, f_h = harmonise(sim, fit_real) if fit_real is not None else (None, r_h)
    out = {"before": compare(s_h, r_h, harmonise_sets=False)}
    geo = qm = None
    cur = s_h
    if geometric:
        pairs = [(max(s_h.parts, key=len), p) for p in f_h.parts]
        geo = fit_geometry(
            pairs,
            s_h.rate_hz,
            max_lag_s=max_lag_s,
            scale_method="lsq" if synchronised else "std",
            rotation_method="kabsch" if synchronised else "covariance",
        )
        cur = apply_geometry(cur, geo)
        out["after_geometric"] = compare(cur, r_h, harmonise_sets=False)
    if quantile:
        qm = QuantileMap.fit(cur, f_h, per_class=per_class)
        cur = qm.apply(
            cur, label=None if not per_class else next((l for l in f_h.labels if l), None), fallback_global=True
        )
        out["after_quantile"] = compare(cur, r_h, harmonise_sets=False)
    rec = calibration_record(geometry=geo, quantile=qm)
    rec["fitted_on"] = "separate fit set" if fit_real is not None else "the compared real set (in-sample)"
    return out, rec
