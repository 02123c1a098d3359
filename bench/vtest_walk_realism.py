"""Real footage to wrist IMU, end to end, compared with a real wrist recording of walking.

Reconstructs one pedestrian of OpenCV's ``vtest.avi`` (768 x 576, 10 fps; Debian
package ``opencv-doc``: ``apt-get download opencv-doc && dpkg -x opencv-doc_*.deb x``,
file ``x/usr/share/doc/opencv-doc/examples/data/vtest.avi``) with the default
BlazePose engine, simulates both wrists (device preset ``watch-bmi270``), and compares
them with the real wrist-watch walks of UEA BasicMotions (``tests/data/basicmotions``,
10 Hz, class Walking) the way ``imu2safety realism`` does (both at 10 Hz, gravity
removed by a 0.3 Hz low-pass):

- the observed-frame fraction and the forearm-roll sources (hand, arm plane, carried);
- the step frequency: from the video (the dominant frequency of the distance between
  the ankles, one maximum per step) and the dominant frequency of the wrist
  acceleration magnitude of the simulation and of the real walks (0.5-3 Hz);
- the acceleration and angular-rate magnitude distributions (mean, std, 5/50/95th
  percentiles) and their Wasserstein distances.

    .venv/bin/python bench/vtest_walk_realism.py VTEST.avi --person 45 [--out DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import welch
from scipy.stats import wasserstein_distance

ROOT = Path(__file__).resolve().parents[1]
BASIC = ROOT / "tests" / "data" / "basicmotions" / "BasicMotions_TEST.ts"


def step_frequency_from_feet(motion) -> dict:
    """Dominant frequency (0.5-3.5 Hz) of the ankle-to-ankle distance over the longest run of both ankles seen."""
    j = motion.joints
    ok = np.isfinite(j[:, [27, 28]]).all(axis=(1, 2))
    idx = np.flatnonzero(ok)
    if len(idx) < 16:
        return {"hz": None, "frames": int(len(idx))}
    runs = np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
    r = max(runs, key=len)
    sep = np.linalg.norm(j[r, 27] - j[r, 28], axis=1)
    f, p = welch(sep - sep.mean(), fs=motion.fps, nperseg=min(64, len(r)))
    band = (f >= 0.5) & (f <= 3.5)
    return {"hz": float(f[band][np.argmax(p[band])]), "frames": int(len(r))}


def magnitudes(s) -> dict:
    from imu2safety.core.realism import channel_values

    out = {}
    for ch in ("acc_mag", "gyro_mag"):
        v = np.concatenate([channel_values(p, ch) for p in s.parts])
        out[ch] = {
            "mean": float(v.mean()),
            "std": float(v.std()),
            "p5_p50_p95": [float(x) for x in np.percentile(v, [5, 50, 95])],
            "n": int(v.size),
            "_values": v,
        }
    return out


def dominant(s, ch: str) -> float:
    from imu2safety.core.realism import welch_set

    f, p = welch_set(s, ch, 64)
    band = (f >= 0.5) & (f <= 3.0)
    return float(f[band][np.argmax(p[band])])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("video")
    ap.add_argument("--person", type=int, required=True)
    ap.add_argument("--out", default=None, help="folder for the motion and the IMU files (default: temporary)")
    ap.add_argument("--cache", default=None, help="pose cache folder")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    from imu2safety.core.realism import load_set, remove_gravity, resample_set, select_labels, set_from_signal
    from imu2safety.core.reconstruct.pipeline import reconstruct_video
    from imu2safety.core.sim.simulate import SimConfig, simulate

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="vtest-"))
    out.mkdir(parents=True, exist_ok=True)
    m = reconstruct_video(args.video, out=out / f"person{args.person}.npz", person=args.person, cache_dir=args.cache)
    real = remove_gravity(select_labels(load_set(BASIC, rate_hz=10.0), ["Walking"]))
    rmag = magnitudes(real)
    res = {
        "person": args.person,
        "frames": m.n_frames,
        "observed_frames": m.meta["observed_frames"],
        "observed_fraction_of_clip": m.meta["observed_fraction"],
        "person_span": m.meta["person_span"],
        "observed_fraction_of_span": m.meta["observed_frames"]
        / (m.meta["person_span"][1] - m.meta["person_span"][0] + 1),
        "hands_too_small_frames": m.meta["world"].get("hands_too_small_frames"),
        "median_torso_px": m.meta["world"].get("median_torso_px"),
        "step_hz_video_feet": step_frequency_from_feet(m),
        "real": {
            "acc_mag_dominant_hz": dominant(real, "acc_mag"),
            **{k: {kk: vv for kk, vv in v.items() if kk != "_values"} for k, v in rmag.items()},
        },
        "wrists": {},
    }
    for wrist in ("left", "right"):
        sig = simulate(m, "watch-bmi270", SimConfig(wrist=wrist))
        s = remove_gravity(resample_set(set_from_signal(sig), 10.0))
        mag = magnitudes(s)
        res["wrists"][wrist] = {
            "roll_source_frames": sig.provenance["roll_source_frames"],
            "valid_samples": int(sig.valid.sum()),
            "acc_mag_dominant_hz": dominant(s, "acc_mag"),
            **{k: {kk: vv for kk, vv in v.items() if kk != "_values"} for k, v in mag.items()},
            "wasserstein": {ch: float(wasserstein_distance(mag[ch]["_values"], rmag[ch]["_values"])) for ch in mag},
            "mean_ratio_sim_over_real": {ch: mag[ch]["mean"] / rmag[ch]["mean"] for ch in mag},
        }
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
