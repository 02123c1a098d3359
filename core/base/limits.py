"""Every size and range limit of the product, in one place.

A number from a user (a rate, a cut-off, an fps, an array header, a timestamp)
decides how much memory the engine asks for. Each such size is checked here
*before* allocating, and an over-limit request is an :class:`LimitError` that
says which limit was hit and by how much, instead of a ``MemoryError`` (or the
kernel's OOM killer) after the fact.

The limits are generous for real work (days of IMU data, hours of 120 fps
motion) and far below what a 24 GiB machine can hold.
"""

from __future__ import annotations

import math
import numbers
import os
import zipfile
from pathlib import Path
from typing import Any

from .errors import InputError

GiB = 2**30

# --- memory
#: largest single array the engine allocates from a user's numbers (one motion, one IMU channel block)
MAX_ARRAY_BYTES = 2 * GiB
#: largest total of a motion .npz's arrays once uncompressed (a zip bomb stops here)
MAX_NPZ_BYTES = 2 * GiB
#: samples one simulation or one real recording may have (31 h at 100 Hz, 3 h at 1 kHz)
MAX_SAMPLES = 12_000_000
#: padding frames the low-pass filter may add at each end of a segment
MAX_FILTER_PAD = 200_000

# --- JSON
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 64

# --- rates, times and physical ranges
MIN_FPS, MAX_FPS = 1.0, 10_000.0  # motion frame rates (video, mocap)
MIN_RATE_HZ, MAX_RATE_HZ = 0.5, 100_000.0  # IMU output data rates (slowest MEMS ODRs ~0.8 Hz, fastest ~32 kHz)
MIN_RECORDING_SAMPLES = 16  # a real recording shorter than this has no statistics
MIN_CUTOFF_HZ = 0.1  # low-pass cut-off before differentiation
MAX_SEED = 2**63 - 1  # seeds are stored as int64 (HDF5, SQLite)
MAX_THREADS = 1024  # CPU threads a model interpreter or a trainer may be asked for (C ints, far above any machine)
MAX_PRONATION_DEG = 180.0
MAX_OFFSET_M = 0.3  # device placement along the forearm (a phone in the hand ~0.07)
FOREARM_M = (0.04, 1.0)  # plausible elbow-wrist lengths in metres (a newborn ~0.07): outside, a warning
MAX_FOREARM_M = 10.0  # longer is certainly not metres (centimetres give ~26): an error
MAX_SPAN_M = 100_000.0  # no clip travels 100 km (an hour's walk spans ~5 km): larger is not metres


class LimitError(InputError):
    """A request over one of the limits above."""


def _size(nbytes: float) -> str:
    for unit, k in (("TiB", 2**40), ("GiB", GiB), ("MiB", 2**20)):
        if nbytes >= k / 16:
            return f"{nbytes / k:.3g} {unit}"
    return f"{nbytes:.0f} bytes"


def check_alloc(shape, itemsize: int, what: str, where: Any = None, limit: int = MAX_ARRAY_BYTES) -> None:
    """Refuse an array of ``shape`` x ``itemsize`` bytes over ``limit``; says what and how much."""
    n = 1
    for s in shape:
        n *= int(s)
    nbytes = n * int(itemsize)
    if nbytes > limit:
        raise LimitError(where, f"{what} would need {_size(nbytes)} of memory, over the limit of {_size(limit)}")


def check_samples(n: float, what: str, where: Any = None, limit: int = MAX_SAMPLES) -> None:
    if not math.isfinite(n) or n > limit:
        shown = "infinitely many" if not math.isfinite(n) else f"{n:,.0f}"
        raise LimitError(where, f"{what} would have {shown} samples, over the limit of {limit:,}")


def check_range(value: Any, lo: float, hi: float, name: str, where: Any = None, unit: str = "") -> float:
    """A finite real number in [lo, hi] (bools and strings refused), else an InputError naming ``name``."""
    try:
        ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(float(value))
    except OverflowError:
        ok = False
    if not ok:
        raise InputError(where, f"{name} must be a finite number, got {value!r}")
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise InputError(where, f"{name} must be between {lo:g} and {hi:g}{u}, got {float(value):g}")
    return float(value)


def _npy_shape(fh) -> tuple:
    """(shape, dtype) from an open .npy stream's header, without reading the data."""
    import numpy as np

    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return tuple(int(s) for s in shape), dtype


def check_npy(path: str | os.PathLike, what: str = "the array") -> None:
    """Refuse a .npy whose header asks for more than the limit or more bytes than the file holds."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            shape, dtype = _npy_shape(fh)
            header = fh.tell()
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise InputError(path, f"not a readable .npy array ({exc.__class__.__name__})") from None
    check_alloc(shape, dtype.itemsize, what, path)
    need = math.prod(shape) * dtype.itemsize
    have = path.stat().st_size - header
    if need > have:
        raise InputError(
            path,
            f"not a readable .npy array: its header claims shape {shape} ({need:,} bytes) but the file holds "
            f"{have:,} (a damaged or truncated file)",
        )


def check_npz(path: str | os.PathLike, what: str = "motion file") -> None:
    """Refuse a .npz before numpy allocates: a total over :data:`MAX_NPZ_BYTES` once unpacked (zip
    bombs), or an array header that asks for more than the limit or than its member holds."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(path, f"not a readable .npz archive ({exc.__class__.__name__}: {exc})") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if total > MAX_NPZ_BYTES:
            raise LimitError(
                path, f"the archive unpacks to {_size(total)}, over the limit of {_size(MAX_NPZ_BYTES)} for a {what}"
            )
        for info in infos:
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            try:
                with zf.open(info) as fh:
                    shape, dtype = _npy_shape(fh)
            except (ValueError, OSError, zipfile.BadZipFile, EOFError, SyntaxError, TypeError) as exc:
                raise InputError(path, f"array '{key}' has an unreadable header ({exc.__class__.__name__})") from None
            check_alloc(shape, dtype.itemsize, f"array '{key}'", path)
            need = math.prod(shape) * dtype.itemsize
            if need > info.file_size:
                raise InputError(
                    path,
                    f"array '{key}' claims shape {shape} ({need:,} bytes) but the archive "
                    f"holds {info.file_size:,} bytes for it: a damaged file",
                )
