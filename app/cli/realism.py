"""``imu2safety realism`` and ``imu2safety calibrate``: simulated vs real wrist IMU.

imu2safety realism SIM.h5 REAL.csv --out report/ [--geometric-fit] [--quantile-map]
imu2safety calibrate device REAL.csv --out preset.json [--base watch-bmi270]
imu2safety calibrate geometry SIM.h5 REAL.csv --out geometry.json
imu2safety calibrate quantile SIM.h5 REAL.csv --out qmap.json   (optional step)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ...core.base.atomic import atomic_path
from ...core.base.errors import InputError, path_text
from ...core.base.limits import MAX_RATE_HZ, MIN_RATE_HZ
from ...core.realism.calibrate import QuantileMap, calibrated_comparisons, fit_device, fit_geometry
from ...core.realism.compare import harmonise, load_set, select_labels
from ...core.realism.real_io import ACC_UNITS, GYRO_UNITS, TIME_UNITS
from ...core.realism.report import report_warnings, write_report
from ...core.sim.devices import DEFAULT_PRESET
from .arguments import number


def _reader_args(p, real_only: bool = True) -> None:
    g = p.add_argument_group("reading the real recording")
    g.add_argument(
        "--rate",
        type=number(MIN_RATE_HZ, MAX_RATE_HZ, "Hz"),
        default=None,
        help="sample rate in Hz (required for .ts files, which carry none; resampling target for CSV)",
    )
    g.add_argument("--labels", default=None, help="comma-separated class labels to keep (.ts files), e.g. Walking")
    g.add_argument("--acc-units", choices=("auto",) + tuple(ACC_UNITS), default="auto")
    g.add_argument("--gyro-units", choices=("auto",) + tuple(GYRO_UNITS), default="auto")
    g.add_argument("--gravity", choices=("auto", "included", "removed"), default="auto")
    g.add_argument("--time-units", choices=("auto",) + tuple(TIME_UNITS), default="auto")
    g.add_argument(
        "--max-gap",
        type=number(1e-6, 3600.0, "s"),
        default=None,
        help="gaps longer than this (s) are invalid, not filled",
    )
    g.add_argument(
        "--axes",
        default=None,
        help="axis map device -> product sensor frame, e.g. '-y,x,z' (sensor x = -device y, ...)",
    )


def _sync_args(p) -> None:
    p.add_argument(
        "--synchronised",
        action="store_true",
        help="the simulation and the real recording are one motion recorded together (same start, same clock): "
        "fit the rotation by Kabsch and the scale by least squares. Default: not synchronised, the same activity "
        "recorded apart (rotation from principal axes, scale from standard deviations)",
    )
    p.add_argument("--unsynchronised", action="store_true", help=argparse.SUPPRESS)  # the default; old spelling


def _synchronised(args) -> bool:
    if args.synchronised and args.unsynchronised:
        raise InputError(None, "--synchronised and --unsynchronised contradict each other")
    return bool(args.synchronised)


def _load_real(path, opts, labels, what="real"):
    """A real recording set; the reader's warnings (timestamps reordered, ...) go to stderr."""
    s = select_labels(load_set(path, what, **opts), labels)
    for w in s.meta.get("warnings", []):
        print(w, file=sys.stderr)
    return s


def _opts(args):
    labels = [s.strip() for s in args.labels.split(",")] if args.labels else None
    return {
        "rate_hz": args.rate,
        "acc_units": args.acc_units,
        "gyro_units": args.gyro_units,
        "gravity": args.gravity,
        "time_units": args.time_units,
        "max_gap_s": args.max_gap,
        "axis_map": args.axes,
        "labels": labels,
    }, labels


def register(sub) -> None:
    p = sub.add_parser(
        "realism",
        help="compare a simulated with a real wrist IMU recording",
        description="Compare simulated and real wrist IMU signals: distributions (Wasserstein), "
        "Welch spectra, autocorrelation, Allan deviation, peaks, saturation, "
        "alignment. Writes report.json, PNG figures and report.html.",
    )
    p.add_argument("sim", help="simulated IMU file (imu2safety simulate output, .h5) or another recording")
    p.add_argument("real", help="real recording (.csv, .h5 or UEA .ts)")
    p.add_argument("--out", required=True, help="output folder (created if missing)")
    p.add_argument("--clean", action="store_true", help="use the simulation's signals before device errors")
    p.add_argument(
        "--geometric-fit",
        action="store_true",
        help="also fit lag, rotation and per-axis scale (sim -> real) and report after applying it",
    )
    p.add_argument(
        "--quantile-map",
        action="store_true",
        help="OPTIONAL: also apply per-channel quantile mapping (IMUTube style) and report after it",
    )
    p.add_argument(
        "--fit-on", default=None, help="fit the calibration on this real recording (e.g. a train split) instead of REAL"
    )
    p.add_argument(
        "--max-lag", type=number(0.0, 3600.0, "s"), default=None, help="largest lag (s) the alignment searches"
    )
    _sync_args(p)
    p.add_argument(
        "--trim",
        type=number(0.0, 86400.0, "s"),
        default=0.0,
        help="drop this many seconds at both ends of the simulation",
    )
    _reader_args(p)
    p.set_defaults(func=run_realism)

    c = sub.add_parser(
        "calibrate",
        help="fit the simulator to real recordings (device, geometry, quantiles)",
        description="Fit device noise and bias, placement geometry or (optional) quantile maps from real recordings.",
    )
    csub = c.add_subparsers(dest="what", metavar="WHAT", required=True)
    d = csub.add_parser("device", help="noise density, bias and stability from stationary stretches -> preset JSON")
    d.add_argument("real", help="real recording with the device lying still for a while")
    d.add_argument("--out", required=True, help="device preset JSON to write")
    d.add_argument("--base", default=DEFAULT_PRESET, help=f"preset to copy unfitted fields from ({DEFAULT_PRESET})")
    d.add_argument("--id", default=None, help="id of the new preset (default fit-<base>)")
    d.add_argument(
        "--acc-std",
        type=number(1e-9, 100.0, "m/s^2"),
        default=0.1,
        help="stationary: 1 s moving std below this (m/s^2)",
    )
    d.add_argument(
        "--gyro-std",
        type=number(1e-9, 100.0, "rad/s"),
        default=0.02,
        help="stationary: 1 s moving std below this (rad/s)",
    )
    d.add_argument(
        "--min-still", type=number(0.1, 86400.0, "s"), default=2.0, help="shortest stationary stretch used (s)"
    )
    _reader_args(d)
    d.set_defaults(func=run_device)
    g = csub.add_parser("geometry", help="time lag, rotation and per-axis scale between sim and real -> JSON")
    g.add_argument("sim")
    g.add_argument("real")
    g.add_argument("--out", required=True, help="JSON file to write")
    g.add_argument("--max-lag", type=number(0.0, 3600.0, "s"), default=None)
    _sync_args(g)
    _reader_args(g)
    g.set_defaults(func=run_geometry)
    q = csub.add_parser("quantile", help="OPTIONAL per-channel quantile map sim -> real (IMUTube style) -> JSON")
    q.add_argument("sim")
    q.add_argument("real")
    q.add_argument("--out", required=True, help="JSON file to write")
    q.add_argument("--per-class", action="store_true", help="one map per class label of the real recording")
    _reader_args(q)
    q.set_defaults(func=run_quantile)


def _write_json(path: str, data) -> None:
    p = Path(path)
    with atomic_path(p, suffix=".json") as tmp:
        tmp.write_text(json.dumps(data, indent=2, default=float), encoding="utf-8")


def run_realism(args) -> int:
    opts, labels = _opts(args)
    sim = load_set(args.sim, "simulated", clean=args.clean)
    real = _load_real(args.real, opts, labels)
    fit_real = _load_real(args.fit_on, opts, labels, "fit") if args.fit_on else None
    cmps, calib = calibrated_comparisons(
        sim,
        real,
        geometric=args.geometric_fit,
        quantile=args.quantile_map,
        fit_real=fit_real,
        max_lag_s=args.max_lag,
        synchronised=_synchronised(args),
        trim_s=args.trim,
    )
    if not (args.geometric_fit or args.quantile_map):
        calib = {"applied": []}
    inputs = {
        "sim": path_text(args.sim),
        "real": path_text(args.real),
        "fit_on": args.fit_on,
        "labels": labels,
        "clean": args.clean,
        "trim_s": args.trim,
        "synchronised": _synchronised(args),
        "reader": {k: v for k, v in opts.items() if k != "labels"},
    }
    files = write_report(
        args.out,
        cmps,
        inputs,
        calib,
        title=f"Realism: {path_text(Path(args.sim).name)} vs {path_text(Path(args.real).name)}",
    )
    for key, c in cmps.items():
        s = c.numbers["summary"]
        print(f"{key}: verdict: {c.numbers['verdict']['text']}")
        print(
            f"{key}: mean Wasserstein acc {s['wasserstein_mean_acc_xyz']:.3g} m/s^2, gyro "
            f"{s['wasserstein_mean_gyro_xyz']:.3g} rad/s; spectral distance {s['spectral_distance_db_mean']:.2f} dB"
        )
    for w in report_warnings(cmps, inputs):
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {files['json']} and {files['html']}")
    return 0


def run_device(args) -> int:
    opts, labels = _opts(args)
    real = _load_real(args.real, opts, labels)
    for k, v in real.meta.get("reader", {}).items():
        if isinstance(v, str) and v.startswith("assumed"):
            print(f"warning: {args.real}: {k.replace('_how', '')} {v}", file=sys.stderr)
    fit = fit_device(
        real, args.base, preset_id=args.id, acc_std=args.acc_std, gyro_std=args.gyro_std, min_s=args.min_still
    )
    _write_json(args.out, fit.preset.data)
    r = fit.report["report"]
    print(
        f"{args.out}: preset '{fit.preset.id}' from {r['stretches']} stationary stretch(es), {r['stationary_s']:.1f} s; "
        f"accel noise {fit.data['accelerometer']['noise_density_ug_per_rthz']:.4g} ug/sqrt(Hz), gyro noise "
        f"{fit.data['gyroscope']['noise_density_mdps_per_rthz']:.4g} mdps/sqrt(Hz)"
    )
    if fit.report["kept_from_base"]:
        print(f"kept from {args.base}: {', '.join(fit.report['kept_from_base'])}", file=sys.stderr)
    return 0


def run_geometry(args) -> int:
    opts, labels = _opts(args)
    sim = load_set(args.sim, "simulated")
    real = _load_real(args.real, opts, labels)
    s, r = harmonise(sim, real)
    if not s.parts or not r.parts:
        raise InputError(args.real, "nothing left to fit after resampling to a common rate")
    fit = fit_geometry(
        [(max(s.parts, key=len), p) for p in r.parts],
        s.rate_hz,
        max_lag_s=args.max_lag,
        scale_method="lsq" if _synchronised(args) else "std",
        rotation_method="kabsch" if _synchronised(args) else "covariance",
    )
    d = fit.to_dict()
    _write_json(args.out, d)
    print(
        f"{args.out}: lag {d['lag_s'][0]:+.3g} s, rotation {d['rotation_angle_deg']:.1f} deg, "
        f"gyro scale {', '.join(f'{v:.3g}' for v in d['gyro_scale'])}"
    )
    return 0


def run_quantile(args) -> int:
    opts, labels = _opts(args)
    sim = load_set(args.sim, "simulated")
    real = _load_real(args.real, opts, labels)
    s, r = harmonise(sim, real)
    qm = QuantileMap.fit(s, r, per_class=args.per_class)
    _write_json(args.out, qm.to_dict())
    print(f"{args.out}: OPTIONAL quantile map, {len(qm.maps)} class map(s), {len(qm.quantiles) - 1} quantiles")
    return 0
