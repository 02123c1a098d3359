"""Hostile and odd inputs for the command line, built on the fly (issue 11), and a memory-capped CLI runner."""

from __future__ import annotations

import io
import json
import os
import resource
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from motion_factory import spinning_forearm

from imu2safety.core.motion.interchange import save_motion

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "devices"


def good_motion(folder: Path, name: str = "good.npz") -> Path:
    return save_motion(spinning_forearm(2.0, seconds=4.0), folder / name)


def motion_npz(folder: Path, name: str, **fields) -> Path:
    """A motion .npz with some fields replaced (None drops a field); written without validation."""
    m = spinning_forearm(2.0, seconds=4.0)
    arrays = dict(joints=m.joints, fps=np.float64(30.0), skeleton=np.str_("h36m17"), up=np.array([0, 0, 1.0]))
    arrays.update(fields)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    path = folder / name
    np.savez(path, **arrays)
    return path


def _npy_header(shape, descr="<f8") -> bytes:
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, repr(tuple(shape)))
    hdr += " " * (63 - (len(hdr) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode()


def _npy(value) -> bytes:
    b = io.BytesIO()
    np.save(b, value)
    return b.getvalue()


def lying_header_npz(folder: Path, frames: int = 1_700_000_000_000) -> Path:
    """A 1 kB .npz whose 'joints' header claims (frames, 17, 3) float64 (37 TiB for 1.7e12 frames)."""
    path = folder / "huge_header.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("joints.npy", _npy_header((frames, 17, 3)) + b"\0" * 64)
        z.writestr("fps.npy", _npy(np.float64(30)))
        z.writestr("skeleton.npy", _npy(np.str_("h36m17")))
    return path


def zip_bomb_npz(folder: Path, gib: float = 3.0) -> Path:
    """A few MB .npz whose 'joints' unpacks to ``gib`` GiB of zeros (honest header, honest zip sizes)."""
    path = folder / "bomb.npz"
    n = int(gib * 2**30) // (17 * 3 * 8)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("joints.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((n, 17, 3)))
            chunk = b"\0" * (1 << 24)
            left = n * 17 * 3 * 8
            while left > 0:
                fh.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
        z.writestr("fps.npy", _npy(np.float64(30)))
        z.writestr("skeleton.npy", _npy(np.str_("h36m17")))
    return path


def preset_file(folder: Path, name: str, change=None, raw: bytes | None = None) -> Path:
    """The default preset with ``change(dict)`` applied, or raw bytes."""
    data = json.loads((PRESETS / "watch-bmi270.json").read_text())
    if change:
        change(data)
    path = folder / name
    path.write_bytes(raw if raw is not None else json.dumps(data).encode())
    return path


def real_csv(folder: Path, name: str, t=None, n: int = 3000, rate: float = 100.0, acc=None, gyro=None) -> Path:
    """A wrist recording: timestamp, ax..az (m/s^2), gx..gz (rad/s); ``t`` may be ints (written exactly)."""
    rng = np.random.default_rng(0)
    tt = np.arange(n) / rate
    if acc is None:
        acc = np.c_[0.3 * np.sin(8.2 * tt), 0.2 * np.cos(4.4 * tt), 9.81 + 0.1 * np.sin(tt)]
        acc = acc + 0.02 * rng.standard_normal((n, 3))
    if gyro is None:
        gyro = np.c_[0.5 * np.sin(5.7 * tt), 0.3 * np.cos(tt), 0.1 * np.sin(3 * tt)] + 0.005 * rng.standard_normal(
            (n, 3)
        )
    t = tt if t is None else t
    rows = ["timestamp,ax,ay,az,gx,gy,gz"]
    for ti, a, g in zip(t, acc, gyro):
        ts = str(int(ti)) if isinstance(ti, (int, np.integer)) else repr(float(ti))
        rows.append(",".join([ts] + [f"{v:.9g}" for v in (*a, *g)]))
    path = folder / name
    path.write_text("\n".join(rows) + "\n")
    return path


def _cap(gib: float):
    def limit():
        b = int(gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (b, b))

    return limit


def run_cli(args, mem_gib: float = 3.0, timeout: float = 240, cwd=None) -> subprocess.CompletedProcess:
    """``imu2safety ARGS`` in a child process whose address space is capped at ``mem_gib`` GiB.

    An unbounded allocation then fails fast (MemoryError, exit 1) instead of swapping the machine.
    """
    env = dict(os.environ)
    return subprocess.run(
        [sys.executable, "-m", "imu2safety.app.cli", *[os.fsdecode(a) for a in args]],
        capture_output=True,
        timeout=timeout,
        preexec_fn=_cap(mem_gib),
        env=env,
        cwd=cwd,
    )


def one_error_line(r: subprocess.CompletedProcess, *needles: str) -> str:
    """Exit 2 and exactly one 'imu2safety: error:' line (argparse usage lines allowed before it)."""
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2, (r.returncode, err)
    assert "Traceback" not in err and "internal error" not in err, err
    lines = [ln for ln in err.strip().splitlines() if "error:" in ln]
    assert len(lines) == 1, err
    for n in needles:
        assert n in lines[0], (n, lines[0])
    return lines[0]
