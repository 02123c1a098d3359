"""Benchmark: ``imu2safety project add`` of N NTU RGB+D skeleton files (real file format, NTU-like lengths and
action mix), added and simulated, with 1 and 2 local worker processes and with a local Ray instance.

Each variant runs the real command in a fresh process on a fresh project (start-up, pool or Ray start and
shutdown included), variants interleaved when --runs > 1; then a re-run of the same command (every file
already in the project). A last part measures the per-clip cost in one process (no pool): worker stages
(read + hash, import, simulate) and the writer's commit, for the projections in docs/batch.md.

    .venv/bin/python bench/bench_batch.py [--files 500] [--runs 1] [--no-ray]

Files: 40-120 frames at 30 fps (NTU RGB+D sequences are about 2-4 s), actions drawn from the 120 classes
(22 % two-person, as in NTU RGB+D 120).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
from dataset_files import ntu_person, write_ntu  # noqa: E402

TWO_PERSON = set(range(50, 61)) | set(range(106, 121))


def make_corpus(folder: Path, n: int, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    frames = 0
    for i in range(n):
        action = int(rng.integers(1, 121))
        T = int(rng.integers(40, 121))
        frames += T
        bodies = [("72057594037931101", ntu_person(T, seed=i))]
        if action in TWO_PERSON:
            bodies.append(("72057594037931102", ntu_person(T, seed=10_000 + i, amp=0.1, x0=0.8)))
        name = f"S{1 + i // 400:03d}C{1 + i % 3:03d}P{1 + i % 106:03d}R{1 + (i // 3) % 2:03d}A{action:03d}.skeleton"
        write_ntu(folder / name, bodies, T)
    return frames / n


def run_add(proj: Path, corpus: Path, extra) -> tuple:
    subprocess.run(
        [sys.executable, "-m", "imu2safety.app.cli", "project", "new", str(proj)], check=True, capture_output=True
    )
    cmd = [
        sys.executable,
        "-m",
        "imu2safety.app.cli",
        "project",
        "add",
        str(proj),
        str(corpus),
        "--recipe",
        "ntu",
        "--quiet",
        *extra,
    ]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    m = re.search(r"(\d+) clip\(s\) added, (\d+) already in the project, (\d+) failed, in ([\d.]+) s", p.stderr)
    if p.returncode != 0 or m is None:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    t0 = time.perf_counter()
    p2 = subprocess.run(cmd, capture_output=True, text=True)
    rerun = time.perf_counter() - t0
    m2 = re.search(r"(\d+) clip\(s\) added, (\d+) already", p2.stderr)
    return wall, float(m.group(4)), int(m.group(1)), rerun, int(m2.group(2)) if m2 else -1


def per_clip_cost(corpus: Path, tmp: Path, n: int):
    """Worker stages and writer time per clip, in this process, on the first ``n`` files."""
    from imu2safety.core.batch.executors import LocalExecutor
    from imu2safety.core.batch.items import Settings
    from imu2safety.core.batch.recipes import recipe_items
    from imu2safety.core.batch.runner import run_batch
    from imu2safety.core.project.project import Project

    proj = tmp / "cost"
    with Project.create(proj) as p:
        items = recipe_items("ntu", [corpus], p.taxonomy)[0][:n]
        t0 = time.perf_counter()
        s = run_batch(p, items, Settings(), LocalExecutor(0))
        total = time.perf_counter() - t0
    worker = sum(s.stage_seconds.values())
    return {k: v / len(s.added) for k, v in s.stage_seconds.items()}, (total - worker) / len(s.added), total / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=500)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        corpus = tmp / "ntu"
        corpus.mkdir()
        mean_frames = make_corpus(corpus, args.files)
        size = sum(f.stat().st_size for f in corpus.iterdir())
        print(
            f"corpus: {args.files} NTU .skeleton files, {mean_frames:.0f} frames on average, "
            f"{size / 2**20:.0f} MiB; cores: {len(os.sched_getaffinity(0))}"
        )
        variants = {"1 process": ["--workers", "1"], "2 processes": ["--workers", "2"]}
        if not args.no_ray:
            variants["Ray (local, 2 CPUs)"] = ["--ray", "local", "--workers", "2"]
        res = {k: [] for k in variants}
        for r in range(args.runs):
            for k, extra in variants.items():
                res[k].append(run_add(tmp / f"p{r}-{len(res[k])}-{k[:1]}", corpus, extra))
        print(
            f"\n{'variant':<22} {'command s':>10} {'batch s':>8} {'clips/s':>8} {'re-run s':>9}  (medians of {args.runs})"
        )
        for k, rows in res.items():
            wall = statistics.median(r[0] for r in rows)
            batch = statistics.median(r[1] for r in rows)
            rerun = statistics.median(r[3] for r in rows)
            assert all(r[2] == args.files and r[4] == args.files for r in rows), rows
            print(f"{k:<22} {wall:>10.1f} {batch:>8.1f} {args.files / wall:>8.2f} {rerun:>9.1f}")
        if not args.no_ray:
            proc = statistics.median(r[0] for r in res["2 processes"])
            ray = statistics.median(r[0] for r in res["Ray (local, 2 CPUs)"])
            proc_b = statistics.median(r[1] for r in res["2 processes"])
            ray_b = statistics.median(r[1] for r in res["Ray (local, 2 CPUs)"])
            print(
                f"\nRay vs processes (2 workers): command {ray / proc:.2f}x ({ray - proc:+.1f} s), batch part "
                f"{ray_b / proc_b:.2f}x ({(ray_b - proc_b) / args.files * 1000:+.1f} ms per clip)"
            )
        stages, commit, total = per_clip_cost(corpus, tmp, min(100, args.files))
        print("\nper clip, one process (no pool), first 100 files:")
        for k, v in stages.items():
            print(f"  worker {k:<10} {v * 1000:7.1f} ms")
        print(f"  writer commit     {commit * 1000:7.1f} ms")
        print(f"  total             {total * 1000:7.1f} ms per clip = {1 / total:.1f} clips/s on one core")


if __name__ == "__main__":
    main()
