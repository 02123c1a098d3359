"""Speed and memory of the BlazePose engine, and a 10 s 30 fps clip end to end beside ViTPose-S.

1. Per-inference milliseconds of the detector and of the lite, full and heavy landmark
   models with 1 and 2 interpreter threads, interleaved (every round times each
   configuration once, ``--calls`` inferences each); medians over the rounds.
2. End to end: ``reconstruct_video`` on a 10 s, 30 fps, 640 x 480 clip of one person
   (``tests/data/opencv_samples/messi5.jpg`` under a slow pan and zoom, so the ROI
   tracking has work to do), each configuration in its own process (so the peak
   resident memory is that configuration's), the configurations interleaved round by
   round: BlazePose lite / full / heavy with 1 and 2 threads (own detector, no cache),
   and the seed's route, ViTPose-S (real architecture, random weights: speed does not
   depend on them) on a fixed person box + VideoPose3D-243 with 1 and 2 torch threads.

    .venv/bin/python bench/bench_blazepose.py [--rounds 3] [--calls 20] [--skip-e2e] [--json out.json]

The machine's speed swings: quote the medians and the ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MESSI = ROOT / "tests" / "data" / "opencv_samples" / "messi5.jpg"
E2E = [
    ("blazepose-lite", 1),
    ("blazepose-full", 1),
    ("blazepose-heavy", 1),
    ("blazepose-full", 2),
    ("vitpose-s+videopose3d", 1),
    ("vitpose-s+videopose3d", 2),
]


def make_clip(path: Path, seconds: float = 10.0, fps: int = 30, size=(640, 480)) -> Path:
    """One person (messi5.jpg) under a slow pan and zoom: a 10 s, 30 fps, 640x480 mp4."""
    img = cv2.imread(str(MESSI))
    h0, w0 = img.shape[:2]
    w, h = size
    n = int(seconds * fps)
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for i in range(n):
        t = i / (n - 1)
        zoom = 1.2 + 0.25 * np.sin(np.pi * t)  # frame pixels per image pixel
        cx = w0 / 2 + 30 * np.sin(2 * np.pi * t)
        cy = h0 / 2 + 10 * np.cos(2 * np.pi * t)
        m = np.array([[zoom, 0, w / 2 - zoom * cx], [0, zoom, h / 2 - zoom * cy]])
        vw.write(cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT))
    vw.release()
    return path


def micro(rounds: int, calls: int) -> dict:
    from imu2safety.core.reconstruct import model_files
    from imu2safety.core.reconstruct.blazepose import SEGMENTATION, LandmarkModel, PoseDetectorModel, Roi, TfliteModel

    rgb = np.ascontiguousarray(cv2.imread(str(MESSI))[..., ::-1])
    roi = Roi(267.0, 227.0, 418.0, -0.19)  # the person's ROI in messi5.jpg
    runners = {}
    for threads in (1, 2):
        _, data = model_files.load_verified(model_files.DETECTOR)
        det = PoseDetectorModel(TfliteModel(data, threads))
        runners[f"detector ({threads} thr)"] = lambda det=det: det.detect(rgb)
        for v in ("lite", "full", "heavy"):
            _, data = model_files.load_verified(model_files.LANDMARK_MODELS[v])
            lm = LandmarkModel(TfliteModel(data, threads, skip=SEGMENTATION))
            runners[f"landmarks {v} ({threads} thr)"] = lambda lm=lm: lm.run(rgb, roi)
    for fn in runners.values():  # warm-up
        fn()
    per = {k: [] for k in runners}
    for _ in range(rounds):
        for k, fn in runners.items():
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            per[k].append((time.perf_counter() - t) / calls * 1000)
    return {k: {"median_ms": statistics.median(v), "rounds_ms": v} for k, v in per.items()}


CHILD = r"""
import json, resource, sys, time
from pathlib import Path
engine, threads, clip, cache = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
t0 = time.perf_counter()
from imu2safety.core.reconstruct.pipeline import reconstruct_video
kw = {}
if engine.startswith("blazepose"):
    kw = dict(pose_model=engine.split("-")[1], threads=threads)
else:
    import torch
    torch.set_num_threads(threads)
    sys.path.insert(0, str(Path(sys.argv[5]) / "bench"))
    from bench_reconstruct import SIZES, vitpose
    from imu2safety.core.reconstruct.lift3d import TemporalModel
    from imu2safety.core.reconstruct.pose2d import PoseEstimator
    model, proc = vitpose(*SIZES["ViTPose-S"])
    kw = dict(pose_model=PoseEstimator(_model=model, _processor=proc), detector="box:180,40,460,470",
              lifter=TemporalModel(17, 2, 17, filter_widths=[3, 3, 3, 3, 3], channels=1024).eval())
t1 = time.perf_counter()
m = reconstruct_video(clip, cache_dir=cache, use_cache=False, **kw)
t2 = time.perf_counter()
print(json.dumps({"load_s": t1 - t0, "reconstruct_s": t2 - t1, "frames": m.n_frames,
                  "observed": m.meta["observed_frames"], "torch": "torch" in sys.modules,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def e2e(rounds: int, clip: Path, cache: Path) -> dict:
    per = {f"{e} ({t} thr)": [] for e, t in E2E}
    env = dict(os.environ, OMP_NUM_THREADS="1")
    for _ in range(rounds):
        for engine, threads in E2E:
            key = f"{engine} ({threads} thr)"
            t = time.perf_counter()
            r = subprocess.run(
                [sys.executable, "-c", CHILD, engine, str(threads), str(clip), str(cache), str(ROOT)],
                capture_output=True,
                text=True,
                env=env,
            )
            wall = time.perf_counter() - t
            if r.returncode != 0:
                raise SystemExit(f"{key} failed:\n{r.stderr[-2000:]}")
            out = json.loads(r.stdout.strip().splitlines()[-1])
            out["process_s"] = wall
            per[key].append(out)
            print(
                f"  {key:<32} reconstruct {out['reconstruct_s']:6.2f} s  process {wall:6.2f} s  "
                f"peak {out['peak_rss_mib']:6.0f} MiB  observed {out['observed']}/{out['frames']}"
                f"{'  (torch loaded)' if out.get('torch') else ''}",
                flush=True,
            )
    summary = {}
    for key, runs in per.items():
        summary[key] = {
            "reconstruct_s": statistics.median(r["reconstruct_s"] for r in runs),
            "process_s": statistics.median(r["process_s"] for r in runs),
            "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
            "observed": runs[0]["observed"],
            "frames": runs[0]["frames"],
        }
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--skip-e2e", action="store_true")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    print(f"cpus {os.cpu_count()}, rounds {args.rounds}", flush=True)
    res = {"micro": micro(args.rounds, args.calls)}
    print("per inference (median of rounds):")
    for k, v in res["micro"].items():
        print(f"  {k:<28} {v['median_ms']:7.1f} ms", flush=True)
    if not args.skip_e2e:
        with tempfile.TemporaryDirectory() as d:
            clip = make_clip(Path(d) / "one_person_10s_30fps.mp4")
            print("end to end, 10 s 30 fps 640x480, one person (each run its own process):", flush=True)
            res["e2e"] = e2e(args.rounds, clip, Path(d) / "cache")
        print("medians:")
        base = res["e2e"]["blazepose-full (1 thr)"]["reconstruct_s"]
        for k, v in res["e2e"].items():
            print(
                f"  {k:<32} {v['reconstruct_s']:6.2f} s ({v['reconstruct_s'] / 10:.2f}x real time, "
                f"{v['reconstruct_s'] / base:5.2f}x full-1thr)  process {v['process_s']:6.2f} s  "
                f"peak {v['peak_rss_mib']:5.0f} MiB",
                flush=True,
            )
    res["self_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
