"""Benchmark: export a project of N one-minute clips (synthetic motions) to an HDF5 dataset.

    .venv/bin/python bench/bench_export.py [--clips 200] [--seconds 60] [--runs 3] [--compression gzip]

Builds the project once in a temporary folder (not timed), then runs the export
``--runs`` times, each in a fresh process, and reports the median wall time,
MB/s of dataset written, and the peak resident memory of the exporting process
(and its growth over the process after imports). A profile of one run says
where the time goes (simulation vs HDF5 writing/compression).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, resource, sys, time
from imu2safety.core.dataset.export import ExportConfig, export_dataset
import h5py, numpy, scipy.signal
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
cfg = ExportConfig(compression=sys.argv[3], variants=int(sys.argv[4]), workers=int(sys.argv[5]) or 1)
t = time.perf_counter()
s = export_dataset(sys.argv[1], sys.argv[2], cfg)
dt = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "bytes": s.bytes, "windows": s.n_windows, "peak_kb": peak, "base_kb": base}))
"""

PROFILE = r"""
import cProfile, pstats, sys, io
from imu2safety.core.dataset.export import ExportConfig, export_dataset
pr = cProfile.Profile(); pr.enable()
export_dataset(sys.argv[1], sys.argv[2], ExportConfig(compression=sys.argv[3]))
pr.disable()
st = pstats.Stats(pr)
tot = st.total_tt
want = {"simulate": "simulate.py", "apply_device": "noise.py", "write (h5py)": "h5py", "load_motion": "motion.py"}
out = {}
for (fn, line, name), (cc, nc, tt, ct, callers) in st.stats.items():
    for label, key in (("simulate()", "simulate"), ("load_motion()", "load_motion"),
                       ("create_dataset()", "create_dataset"), ("Dataset.__setitem__", "__setitem__")):
        if name == key and ("h5py" in fn or "imu2safety" in fn or "core" in fn):
            out[label] = out.get(label, 0) + ct
print({k: round(v, 2) for k, v in out.items()}, "total", round(tot, 2))
"""


def build(folder: Path, n: int, seconds: float, fps: float = 30.0) -> None:
    sys.path.insert(0, str(HERE.parent / "tests"))
    from project_factory import waving

    from imu2safety.core.motion.interchange import save_motion
    from imu2safety.core.project import commands as C
    from imu2safety.core.project.project import Project

    src = folder.parent / "src"
    src.mkdir()
    rng = np.random.default_rng(0)
    with Project.create(folder) as p:
        for i in range(n):
            m = waving(seconds=seconds, fps=fps, omega=float(rng.uniform(1, 4)), phase=float(rng.uniform(0, 6)))
            f = src / f"clip{i:03d}.npz"
            save_motion(m, f)
            c = p.add_clip(f, subject=f"S{i % 20:02d}")
            cmds, t = [], 0
            while t < c.n_frames - 1:  # alternating labels every 5-15 s
                e = min(c.n_frames, t + int(rng.uniform(5, 15) * fps))
                beh = ["walking", "falling", "sitting", "shoving"][int(rng.integers(4))]
                cmds.append(C.AddSegment(c.id, t, e, beh, "unsafe" if beh in ("falling", "shoving") else "safe"))
                t = e
            p.execute(C.Batch(cmds, "labels"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clips", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--variants", type=int, default=1)
    ap.add_argument("--compression", default="gzip", choices=("gzip", "lzf", "none"))
    ap.add_argument("--workers", type=int, default=0, help="simulation threads (0: the export's default, 1)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        build(tmp / "proj", args.clips, args.seconds)
        print(
            f"built project: {args.clips} clips x {args.seconds:g} s in {time.perf_counter() - t:.1f} s "
            f"(not timed below)",
            flush=True,
        )
        results = []
        for r in range(args.runs):
            out = tmp / f"d{r}.h5"
            res = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(tmp / "proj"),
                    str(out),
                    args.compression,
                    str(args.variants),
                    str(args.workers),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            d = json.loads(res.stdout.strip().splitlines()[-1])
            results.append(d)
            print(
                f"run {r + 1}: {d['seconds']:.2f} s, {d['bytes'] / 1e6:.1f} MB, {d['windows']} windows, "
                f"peak RSS {d['peak_kb'] / 1024:.0f} MiB (after imports {d['base_kb'] / 1024:.0f} MiB)",
                flush=True,
            )
            out.unlink()
        secs = statistics.median(d["seconds"] for d in results)
        mb = statistics.median(d["bytes"] for d in results) / 1e6
        peak = statistics.median(d["peak_kb"] for d in results) / 1024
        grow = statistics.median(d["peak_kb"] - d["base_kb"] for d in results) / 1024
        print(
            f"median of {args.runs}: {secs:.2f} s, {mb:.1f} MB written, {mb / secs:.1f} MB/s, "
            f"{args.clips * args.seconds / secs:.0f} s of clip per s, peak RSS {peak:.0f} MiB "
            f"(+{grow:.0f} MiB over imports); compression {args.compression}, variants {args.variants}, "
            f"workers {args.workers or 'default'}"
        )
        if args.profile:
            res = subprocess.run(
                [sys.executable, "-c", PROFILE, str(tmp / "proj"), str(tmp / "prof.h5"), args.compression],
                capture_output=True,
                text=True,
                check=True,
            )
            print("profile (cumulative s):", res.stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
