"""Evidence: how far is a simulated walk from real smartwatch walks, before and after calibration?

Simulated: CMU mocap subject 16 trial 15 (walk, /work/shared/data or --bvh), first
0.1 s dropped (the file blends in from a T-pose), left and right wrist, default
watch preset, 0.3 s trimmed at both ends. Real: BasicMotions 'Walking' cases
(10 Hz, gravity removed). All calibrations are fitted on the TRAIN split and the
distances measured on the TEST split:

  before            default preset, resampled to 10 Hz, gravity removed by low-pass
  device            preset fitted on TRAIN 'Standing' (loose thresholds: people at rest,
                    not a device on a desk) and simulated at its 10 Hz rate
  geometric         + rotation / per-axis scale / offset (covariance method: not synchronised)
  quantile          + OPTIONAL per-channel quantile map (IMUTube style)
  real TRAIN walk   the floor: one real TRAIN walk cut to the simulated clip's length

    .venv/bin/python bench/bench_realism.py [--out /tmp/realism_evidence]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from imu2safety.core.motion.import_bvh import import_bvh
from imu2safety.core.motion.interchange import Motion
from imu2safety.core.realism.calibrate import QuantileMap, apply_geometry, fit_device, fit_geometry
from imu2safety.core.realism.compare import CHANNELS, compare, harmonise, load_set, set_from_signal, trim_set
from imu2safety.core.realism.report import write_report
from imu2safety.core.sim.simulate import SimConfig, simulate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "basicmotions"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bvh", default="/work/shared/data/cmu_16_15_walk.bvh")
    ap.add_argument("--out", default="/tmp/realism_evidence")
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    m = import_bvh(args.bvh)
    drop = int(round(0.1 * m.fps))
    m = Motion(
        m.joints[drop:],
        m.fps,
        m.skeleton,
        m.up,
        None if m.confidence is None else m.confidence[drop:],
        m.joint_names,
        m.meta,
    )
    test = load_set(DATA / "BasicMotions_TEST.ts", "real TEST", rate_hz=10.0, labels=["Walking"])
    train = load_set(DATA / "BasicMotions_TRAIN.ts", "real TRAIN", rate_hz=10.0, labels=["Walking"])
    stand = load_set(DATA / "BasicMotions_TRAIN.ts", "real TRAIN standing", rate_hz=10.0, labels=["Standing"])
    dev = fit_device(stand, "watch-bmi270", preset_id="fit-basicmotions-standing", acc_std=0.5, gyro_std=0.2)
    results = {}
    # the floor: one real TRAIN walk, cut to the simulated clip's length, against the TEST walks
    n_sim = None
    for wrist in ("left", "right"):
        rows = {k: [] for k in ("before", "device", "geometric", "quantile")}
        keep = None
        for seed in range(args.seeds):
            sim = trim_set(set_from_signal(simulate(m, "watch-bmi270", SimConfig(wrist=wrist, seed=seed)), "sim"), 0.3)
            sim_dev = trim_set(
                set_from_signal(simulate(m, dev.preset, SimConfig(wrist=wrist, seed=seed)), "sim (fitted device)"), 0.3
            )
            s_h, r_h = harmonise(sim, test)
            d_h, _ = harmonise(sim_dev, test)
            _, f_h = harmonise(sim, train)
            cmps = {
                "before": compare(s_h, r_h, harmonise_sets=False),
                "device": compare(d_h, r_h, harmonise_sets=False),
            }
            geo = fit_geometry([(max(d_h.parts, key=len), p) for p in f_h.parts], 10.0, rotation_method="covariance")
            g_set = apply_geometry(d_h, geo)
            cmps["geometric"] = compare(g_set, r_h, harmonise_sets=False)
            qm = QuantileMap.fit(g_set, f_h)
            cmps["quantile"] = compare(qm.apply(g_set), r_h, harmonise_sets=False)
            for k, c in cmps.items():
                rows[k].append(c.numbers)
            if seed == 0:
                keep = (cmps, geo, qm)
        if n_sim is None:
            n_sim = len(max(s_h.parts, key=len))
            from dataclasses import replace

            base_rows = []
            for p in train.parts:
                one = replace(train, parts=[p[:n_sim]], labels=[None])
                base_rows.append(compare(one, test, harmonise_sets=False).numbers)
            results["real_vs_real_baseline"] = {
                ch: {
                    "wasserstein": float(np.median([n["channels"][ch]["wasserstein"] for n in base_rows])),
                    "spectral_distance_db": float(
                        np.median([n["channels"][ch]["spectral_distance_db"] for n in base_rows])
                    ),
                }
                for ch in CHANNELS
            }
            results["real_vs_real_baseline"]["_what"] = (
                f"median over the 10 TRAIN walks, each cut to {n_sim} "
                "samples (the simulated clip's length), vs the TEST walks"
            )
        rows["real TRAIN walk"] = base_rows
        summary = {}
        for k, lst in rows.items():
            summary[k] = {
                ch: {
                    "wasserstein": float(np.median([n["channels"][ch]["wasserstein"] for n in lst])),
                    "spectral_distance_db": float(np.median([n["channels"][ch]["spectral_distance_db"] for n in lst])),
                }
                for ch in CHANNELS
            }
        results[wrist] = {"median_over_seeds": summary, "geometric_fit_seed0": keep[1].to_dict()}
        cmps, geo, qm = keep
        write_report(
            Path(args.out) / wrist,
            cmps,
            {
                "sim": f"{args.bvh} ({wrist} wrist, first 0.1 s dropped, 0.3 s trimmed)",
                "real": "BasicMotions TEST Walking",
                "fit_on": "BasicMotions TRAIN (Walking; Standing for the device fit)",
            },
            {
                "applied": ["device_fit", "geometric_fit", "quantile_map (optional)"],
                "device_fit": dev.report,
                "geometric_fit": geo.to_dict(),
                "quantile_map": {k: v for k, v in qm.to_dict().items() if k != "maps"},
            },
            title=f"Simulated CMU walk ({wrist} wrist) vs BasicMotions walking",
        )
        print(
            f"\n== {wrist} wrist: median over {args.seeds} seeds; W in m/s^2 (acc) or rad/s (gyro), "
            f"D = log-spectral distance dB"
        )
        print(f"{'channel':10s}" + "".join(f"{k:>23s}" for k in summary))
        for ch in CHANNELS:
            print(
                f"{ch:10s}"
                + "".join(
                    f"   W {summary[k][ch]['wasserstein']:6.3f} D {summary[k][ch]['spectral_distance_db']:5.2f}"
                    for k in summary
                )
            )
        g = keep[1].to_dict()
        print(
            f"geometric fit (seed 0): rotation {g['rotation_angle_deg']:.0f} deg, acc scale "
            f"{np.round(g['acc_scale'], 2).tolist()}, gyro scale {np.round(g['gyro_scale'], 2).tolist()}, "
            f"lag r {np.round(g['lag_pearson_r'], 2).tolist()}"
        )
    dr = dev.report["report"]
    results["device_fit"] = {
        "accelerometer_noise_ug_per_rthz": dev.data["accelerometer"]["noise_density_ug_per_rthz"],
        "gyroscope_noise_mdps_per_rthz": dev.data["gyroscope"]["noise_density_mdps_per_rthz"],
        "stationary_s": dr["stationary_s"],
        "stretches": dr["stretches"],
    }
    print(f"\ndevice fit from TRAIN 'Standing' (loose thresholds): {json.dumps(results['device_fit'])}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "evidence.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {args.out}/evidence.json and {args.out}/<wrist>/report.html in {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
