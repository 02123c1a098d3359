"""What every skeleton importer shares: file checks, units, ``up``, fps and the provenance record."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

import numpy as np

from ..base.errors import InputError
from ..base.files import check_input_file
from ..base.hashing import sha256_file

UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254}


def check_file(path: str | os.PathLike) -> Path:
    """The path as a Path; InputError when it is missing or a folder."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "is a folder, not a file")
    return check_input_file(path)


def provenance(importer: str, path: Path, scale: float, unit: str, how: str, **extra: Any) -> Dict[str, Any]:
    """The ``meta`` every importer writes."""
    meta = {
        "importer": importer,
        "source": str(path.resolve()),
        "path": str(path),
        "sha256": sha256_file(path),
        "units": {"file": unit, "scale_to_m": scale, "how": how},
    }
    meta.update(extra)
    return meta


def unit_scale(units: Optional[str], default: str, where) -> tuple:
    """(unit name, scale to metres, how) for a ``units`` option."""
    if units is None:
        return default, UNITS[default], "default of the format"
    if units not in UNITS:
        raise InputError(where, f"units must be one of {', '.join(UNITS)}, got {units!r}")
    return units, UNITS[units], "given by the user"


def parse_up(up, default: Sequence[float], where) -> tuple:
    """(up vector, how) from an option that is None, '0,1,0' or 3 numbers."""
    if up is None:
        return np.asarray(default, float), "default of the format"
    if isinstance(up, str):
        parts = [p for p in up.replace(" ", ",").split(",") if p]
        try:
            vals = [float(p) for p in parts]
        except ValueError:
            raise InputError(where, f"up must be three numbers like 0,1,0, got {up!r}") from None
    else:
        vals = [float(v) for v in np.asarray(up, float).reshape(-1)]
    v = np.asarray(vals, float)
    if v.shape != (3,) or not np.isfinite(v).all() or np.linalg.norm(v) < 1e-9:
        raise InputError(where, f"up must be a non-zero 3-vector like 0,1,0, got {up!r}")
    return v / np.linalg.norm(v), "given by the user"


def check_fps(fps, where) -> Optional[float]:
    if fps is None:
        return None
    try:
        f = float(fps)
    except (TypeError, ValueError):
        raise InputError(where, f"fps must be a number, got {fps!r}") from None
    if not np.isfinite(f) or f <= 0:
        raise InputError(where, f"fps must be positive, got {fps!r}")
    return f
