"""Benchmark: training throughput (windows/s) and peak memory of both models, 1 and 2 torch threads.

    .venv/bin/python bench/bench_learn.py [--windows 20000] [--rate 100] [--runs 3] [--compute cpu]

Each configuration (model x threads) trains ONE epoch of ``imu2safety.core.learn.train.train_model``
over ``--windows`` two-second windows (``--rate`` Hz; 100 Hz = 200 samples, the default device rate)
in a fresh process; configurations are interleaved round by round (this machine's speed drifts, so
compare medians of the same round). Reported: median training windows/s (the epoch's optimisation
loop, without data preparation), the time one epoch over 100,000 windows takes at that rate, and the
process's peak resident memory (the windows themselves are 4.8 kB each at 100 Hz), and windows per
CPU-second of the whole training call (less sensitive to other processes on a shared machine). Target: one epoch
over 100,000 windows in under a minute on 2 CPU cores with the default patchformer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, tempfile, time
import numpy as np, torch
from imu2safety.core.learn.data import Windows
from imu2safety.core.learn.train import TrainConfig, train_model
from imu2safety.core.project.taxonomy import load_taxonomy
model, threads, n, rate, compute = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
W = int(round(2.0 * rate))
rng = np.random.default_rng(0)
X = rng.standard_normal((n, W, 6), dtype=np.float32)
y = rng.choice([0, 7, 8, 9, 10], size=n).astype(np.int64)
w = Windows(X, y, (y == 0).astype(np.int8), np.full(n, -1, np.int8), np.arange(n), np.zeros(n, np.int64), rate)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as d:
    t = time.perf_counter()
    c = time.process_time()
    res = train_model(w, None, load_taxonomy(), d, TrainConfig(model=model, epochs=1, threads=threads, compute=compute),
                      {"rate_hz": rate, "hop": W // 2, "gravity": "included"})
    total = time.perf_counter() - t
    cpu = time.process_time() - c
h = res.metrics["history"][0]
print(json.dumps({"windows_per_s": h["windows_per_s"], "epoch_s": h["seconds"], "total_s": total,
                  "windows_per_cpu_s": n / cpu,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "base_mb": base / 1024,
                  "parameters": sum(p.numel() for p in res.model.parameters())}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--windows", type=int, default=20000)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compute", default="cpu", choices=("cpu", "cuda"))
    ap.add_argument("--models", default="patchformer,cnn")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    configs = [(m, int(t)) for m in args.models.split(",") for t in args.threads.split(",")]
    results = {c: [] for c in configs}
    for r in range(args.runs):
        for m, t in configs:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, m, str(t), str(args.windows), str(args.rate), args.compute],
                capture_output=True,
                text=True,
                check=True,
            )
            results[(m, t)].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(
                f"round {r + 1}: {m:11s} threads {t}: {results[(m, t)][-1]['windows_per_s']:.0f} windows/s",
                file=sys.stderr,
            )
    print(
        f"\n{args.windows} windows of 2 s at {args.rate:g} Hz ({int(2 * args.rate)} samples), {args.compute}, "
        f"median of {args.runs} interleaved runs"
    )
    print(
        f"{'model':12s} {'threads':>7s} {'windows/s':>10s} {'(min-max)':>13s} {'100k epoch':>11s} "
        f"{'windows/CPU-s':>13s} {'peak MB':>8s}"
    )
    for (m, t), rs in results.items():
        wps = [x["windows_per_s"] for x in rs]
        med = statistics.median(wps)
        peak = statistics.median(x["peak_mb"] for x in rs)
        cpu = statistics.median(x.get("windows_per_cpu_s", float("nan")) for x in rs)
        print(
            f"{m:12s} {t:7d} {med:10.0f} {min(wps):6.0f}-{max(wps):<6.0f} {100000 / med:9.0f} s {cpu:13.0f} {peak:8.0f}"
        )


if __name__ == "__main__":
    main()
