"""Simulated IMU files (HDF5): what ``imu2safety simulate`` writes.

Datasets: ``time`` (N,) s from 0, ``acc`` (N,3) m/s^2, ``gyro`` (N,3) rad/s,
``acc_clean``/``gyro_clean`` (before device errors), ``gravity`` (N,3) the
gravity part of ``acc_clean`` in the same frame (subtract it for gravity-free
acceleration), ``valid``, ``interpolated``,
``acc_saturated``, ``gyro_saturated`` (N,) bool.
Attributes: wrist, rate_hz, seed, device (preset JSON), device_id,
sensor_frame, units, provenance (JSON), source, generator, version.
Datasets are stored uncompressed unless the writer asks for gzip: noisy float
data hardly compresses (13 % for an hour at 100 Hz) and gzip costs more time
than the simulation itself.
"""

from __future__ import annotations

import functools
import io
import json
import os
from pathlib import Path
from typing import Any, Dict, Optional

import h5py
import numpy as np

from ... import __version__
from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.h5read import open_h5
from ..base.jsonio import parse_json
from ..base.signals import signals_deferred
from .simulate import SENSOR_FRAME, ImuSignal, provenance_json

UNITS = {"time": "s", "acc": "m/s^2", "gyro": "rad/s"}


def write_imu_h5(
    sig: ImuSignal, path: str | os.PathLike, source: Optional[Dict[str, Any]] = None, compress: bool = False
) -> Path:
    """Write atomically. Uncompressed unless ``compress`` (gzip level 4 with shuffle): float sensor data with
    noise hardly compresses (13 % for an hour at 100 Hz) and gzip took longer than the simulation."""
    path = Path(path)
    with atomic_path(path, suffix=".h5") as tmp:
        with signals_deferred(), h5py.File(tmp, "w", locking=False) as f:  # atomic_path holds an flock on tmp
            _write(f, sig, source, compress)
    return path


def imu_h5_bytes(sig: ImuSignal, source: Optional[Dict[str, Any]] = None) -> bytes:
    """The file :func:`write_imu_h5` writes, as bytes (built in memory: for a process that hands it on)."""
    buf = io.BytesIO()
    with signals_deferred(), h5py.File(buf, "w") as f:
        _write(f, sig, source, False)
    return buf.getvalue()


def _write(f, sig: ImuSignal, source, compress: bool) -> None:
    comp = dict(compression="gzip", compression_opts=4, shuffle=True) if compress else {}
    f.create_dataset("time", data=sig.time)
    names = ("acc", "gyro", "acc_clean", "gyro_clean") + (("gravity",) if sig.gravity is not None else ())
    for name in names:
        f.create_dataset(name, data=np.asarray(getattr(sig, name), dtype=np.float64), **comp)
    for name in ("valid", "interpolated", "acc_saturated", "gyro_saturated"):
        f.create_dataset(name, data=getattr(sig, name).astype(bool))
    a = f.attrs
    a["wrist"] = sig.wrist
    a["rate_hz"] = sig.rate_hz
    a["seed"] = sig.seed
    a["device"] = sig.device.to_json()
    a["device_id"] = sig.device.id
    axes = sig.provenance.get("axes", "sensor")
    a["sensor_frame"] = (
        SENSOR_FRAME
        if axes == "sensor"
        else (
            f"{axes}: the device's own axes, device = axis_map[wrist] @ sensor (see the 'device' attribute); "
            f"the sensor frame: {SENSOR_FRAME}"
        )
    )
    a["units"] = json.dumps(UNITS)
    a["provenance"] = provenance_json(sig)
    a["source"] = json.dumps(source or {})
    a["generator"] = "imu2safety"
    a["version"] = __version__


#: the modules whose code decides a simulated signal's numbers
SIMULATOR_MODULES = (
    "imu2safety.core.sim.simulate",
    "imu2safety.core.sim.kinematics",
    "imu2safety.core.sim.sensor_frame",
    "imu2safety.core.sim.noise",
    "imu2safety.core.sim.devices",
    "imu2safety.core.motion.skeletons",
)


@functools.lru_cache(maxsize=1)
def simulator_digest() -> str:
    """SHA-256 of the simulator's source (:data:`SIMULATOR_MODULES`): a signal stored by another build of the
    simulator -- a project outlives program versions -- is not the simulation this build would give."""
    import hashlib
    import importlib

    h = hashlib.sha256(__version__.encode())
    for name in SIMULATOR_MODULES:
        mod = importlib.import_module(name)
        try:
            h.update(Path(mod.__file__).read_bytes())
        except (OSError, TypeError):  # an install without sources: the module's compiled code
            import marshal

            h.update(marshal.dumps(mod.__spec__.loader.get_code(name)))
    return h.hexdigest()


def signal_key(motion_sha256: str, trim, device_data: Dict[str, Any], config: Dict[str, Any]) -> str:
    """What a stored signal was simulated from (the motion file's hash, the frames kept, the device as a dict,
    the simulation settings as ``SimConfig.to_dict()``, and the simulator's code): a reader reuses the file only
    when its key matches."""
    import hashlib

    key = {
        "motion_sha256": motion_sha256,
        "trim": [int(trim[0]), int(trim[1])],
        "device": device_data,
        "config": config,
        "simulator": simulator_digest(),
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


def read_signal(path: str | os.PathLike, device) -> ImuSignal:
    """The :class:`~.simulate.ImuSignal` a file of :func:`write_imu_h5` holds (numbers as simulated)."""
    d = read_imu_h5(path)
    a = d["attrs"]
    return ImuSignal(
        time=d["time"],
        acc=d["acc"],
        gyro=d["gyro"],
        acc_clean=d["acc_clean"],
        gyro_clean=d["gyro_clean"],
        valid=d["valid"],
        interpolated=d["interpolated"],
        acc_saturated=d["acc_saturated"],
        gyro_saturated=d["gyro_saturated"],
        rate_hz=float(a["rate_hz"]),
        wrist=str(a["wrist"]),
        device=device,
        seed=int(a["seed"]),
        provenance=a["provenance"],
        gravity=d.get("gravity"),
    )


def read_imu_h5(path: str | os.PathLike) -> Dict[str, Any]:
    """Datasets as arrays and attributes as a dict (JSON attributes decoded)."""
    path = Path(path)
    try:
        with open_h5(path) as f:
            for k in ("time", "acc", "gyro"):
                if k not in f:
                    raise InputError(path, f"not an IMU file: dataset '{k}' missing")
            out: Dict[str, Any] = {k: f[k][()] for k in f.keys()}
            attrs = {}
            for k, v in f.attrs.items():
                v = v.decode() if isinstance(v, bytes) else v
                if k in ("device", "units", "provenance", "source") and isinstance(v, str):
                    v = parse_json(v, path, f"attribute '{k}'")
                attrs[k] = v
            out["attrs"] = attrs
            return out
    except OSError as exc:
        raise InputError(path, f"not a readable HDF5 file ({exc})") from None
