"""Benchmark: one hour of 30 fps skeleton motion -> 100 Hz watch IMU.

Reports samples per second and peak memory (tracemalloc, numpy allocations
included), as the median of several runs. Target: one hour in under 1 s on one core.

    .venv/bin/python bench/bench_simulate.py [--runs 5] [--hours 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from motion_factory import standing_pose  # noqa: E402

from imu2safety.core.motion.interchange import Motion  # noqa: E402
from imu2safety.core.sim.simulate import SimConfig, simulate  # noqa: E402


def make_motion(hours: float, fps: float = 30.0) -> Motion:
    T = int(hours * 3600 * fps)
    t = np.arange(T) / fps
    rng = np.random.default_rng(0)
    j = np.tile(standing_pose("elbow90"), (T, 1, 1))
    # arm swing plus a slow walk and some jitter: a realistic, non-trivial signal
    j[:, :, 0] += 1.2 * t[:, None]
    for el, wr, ph in ((12, 13, 0.0), (15, 16, np.pi)):
        ang = 0.6 * np.sin(2 * np.pi * 0.9 * t + ph)
        j[:, wr, 0] = j[:, el, 0] + 0.26 * np.cos(ang)
        j[:, wr, 2] = j[:, el, 2] + 0.26 * np.sin(ang)
    j += rng.normal(0, 0.002, j.shape)
    return Motion(j, fps, "h36m17")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--device", default="watch-bmi270")
    args = ap.parse_args()
    m = make_motion(args.hours)
    simulate(make_motion(0.01), args.device, SimConfig())  # warm-up imports
    times, peaks, n = [], [], 0
    for _ in range(args.runs):
        t0 = time.perf_counter()
        sig = simulate(m, args.device, SimConfig(rate_hz=100.0))
        times.append(time.perf_counter() - t0)
        n = sig.n
        del sig
    for _ in range(min(3, args.runs)):
        tracemalloc.start()
        simulate(m, args.device, SimConfig(rate_hz=100.0))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    med = statistics.median(times)
    print(f"motion: {args.hours:g} h at 30 fps ({m.n_frames} frames) -> {n} samples at 100 Hz, device {args.device}")
    print(f"time: median {med:.3f} s over {args.runs} runs (min {min(times):.3f}, max {max(times):.3f})")
    print(f"throughput: {n / med:,.0f} samples/s = {args.hours * 3600 / med:,.0f}x real time")
    print(f"peak memory (tracemalloc): median {statistics.median(peaks) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
