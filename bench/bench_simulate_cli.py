"""Benchmark: ``imu2safety simulate`` of one hour of 30 fps motion, end to end (start-up, imports, reading the
motion, simulating, writing the HDF5 file), as a user runs it.

Each variant runs as a fresh process, variants interleaved (A B A B ...) so that a machine whose speed drifts
affects them alike; wall and CPU seconds are medians. A second part times the stages inside one process
(the first call, as in the command: nothing is warm).

    .venv/bin/python bench/bench_simulate_cli.py [--runs 7] [--hours 1]

Variants: the default (uncompressed file) and ``--compress`` (gzip, as the command wrote before).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from motion_factory import standing_pose  # noqa: E402

from imu2safety.core.motion.interchange import Motion, save_motion  # noqa: E402


def make_motion(hours: float, fps: float = 30.0) -> Motion:
    """Arm swing while walking round a 10 m circle, with jitter (a valid motion file: it stays in a room)."""
    T = int(hours * 3600 * fps)
    t = np.arange(T) / fps
    j = np.tile(standing_pose("elbow90"), (T, 1, 1))
    j[:, :, 0] += 10 * np.sin(0.12 * t)[:, None]
    j[:, :, 1] += 10 * np.cos(0.12 * t)[:, None]
    for el, wr, ph in ((12, 13, 0.0), (15, 16, np.pi)):
        ang = 0.6 * np.sin(2 * np.pi * 0.9 * t + ph)
        j[:, wr, 0] = j[:, el, 0] + 0.26 * np.cos(ang)
        j[:, wr, 2] = j[:, el, 2] + 0.26 * np.sin(ang)
    j += np.random.default_rng(0).normal(0, 0.002, j.shape)
    return Motion(j, fps, "h36m17")


def run_once(cmd) -> tuple:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


STAGES = r"""
import os, sys, time
t0 = time.process_time()
import importlib
cli = importlib.import_module("imu2safety.app.cli.main")
cli.build_parser()
t1 = time.process_time()
from imu2safety.core.motion.interchange import implausible_frames, load_motion
from imu2safety.core.sim.devices import load_preset
from imu2safety.core.sim.imu_io import write_imu_h5
from imu2safety.core.sim.simulate import SimConfig, simulate
m = load_motion(sys.argv[1])
t2 = time.process_time()
bad = implausible_frames(m)
t3 = time.process_time()
sig = simulate(m, load_preset("watch-bmi270"), SimConfig(), implausible=bad)
t4 = time.process_time()
write_imu_h5(sig, sys.argv[2])
t5 = time.process_time()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--hours", type=float, default=1.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        motion = save_motion(make_motion(args.hours), Path(tmp) / "motion.npz")
        out = Path(tmp) / "out.h5"
        base = [sys.executable, "-m", "imu2safety.app.cli", "simulate", str(motion), "--out", str(out), "--quiet"]
        variants = {"default (uncompressed)": base, "--compress (gzip)": base + ["--compress"]}
        for cmd in variants.values():  # warm the file cache and compiled modules
            run_once(cmd)
        res = {k: [] for k in variants}
        sizes = {}
        for _ in range(args.runs):
            for k, cmd in variants.items():
                res[k].append(run_once(cmd))
                sizes[k] = out.stat().st_size
        print(f"imu2safety simulate, {args.hours:g} h of 30 fps motion -> 100 Hz, {args.runs} runs each, interleaved")
        for k, r in res.items():
            wall = statistics.median(w for w, _ in r)
            cpu = statistics.median(c for _, c in r)
            print(
                f"  {k:<24} wall median {wall:.3f} s (min {min(w for w, _ in r):.3f})  cpu median {cpu:.3f} s"
                f"  file {sizes[k] / 2**20:.1f} MiB"
            )
        stages = []
        for _ in range(max(3, args.runs // 2)):
            p = subprocess.run(
                [sys.executable, "-c", STAGES, str(motion), str(out)], check=True, capture_output=True, text=True
            )
            stages.append([float(x) for x in p.stdout.split()])
        med = np.median(np.array(stages), axis=0)
        names = ("imports + parser", "read motion", "implausible frames", "simulate", "write HDF5")
        print("stages (CPU seconds, median of fresh processes):")
        for n, v in zip(names, med):
            print(f"  {n:<20} {v:.3f}")


if __name__ == "__main__":
    main()
