"""Device presets: the MEMS error model of a wrist or hand-held IMU, as data.

Presets are JSON files in ``resources/devices/`` (schema below); every figure
carries its unit in its field name. Spreads taken from datasheets ("typical"
offset, sensitivity and cross-axis tolerances) are used as one standard
deviation of the per-device draw. Noise-density convention: a one-sided
density N over the Nyquist band, so a sample's white-noise standard deviation
is ``sigma = N * sqrt(rate / 2)``.

Error terms per sensor (MATLAB imuSensor's taxonomy):
range (saturation), bits (quantisation LSB = 2 * range / 2**bits), turn-on
bias, scale-factor error, cross-axis misalignment, white noise density, bias
instability (first-order Gauss-Markov with correlation time), bias random walk,
and for the gyroscope g-sensitivity.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

from ..base.errors import InputError, PresetError
from ..base.files import check_input_file
from ..base.jsonio import parse_json
from ..base.limits import MAX_OFFSET_M, MAX_RATE_HZ, MIN_RATE_HZ

G = 9.80665
DEG = np.pi / 180.0

# field -> (unit factor to SI, allowed minimum, required, allowed maximum); the maxima lie far beyond any
# real part (the widest MEMS ranges are ~400 g and ~4000 dps) but keep every SI figure finite
ACC_FIELDS = {
    "range_g": (G, 0.0, True, 2000.0),
    "bits": (1.0, 1, True, 32),
    "noise_density_ug_per_rthz": (1e-6 * G, 0.0, True, 1e6),
    "turn_on_bias_mg": (1e-3 * G, 0.0, True, 1e5),
    "scale_error_pct": (1e-2, 0.0, True, 100.0),
    "cross_axis_pct": (1e-2, 0.0, True, 100.0),
    "bias_instability_mg": (1e-3 * G, 0.0, True, 1e5),
    "bias_tau_s": (1.0, 1e-6, True, 1e9),
    "random_walk_mg_per_rts": (1e-3 * G, 0.0, True, 1e5),
}
GYRO_FIELDS = {
    "range_dps": (DEG, 0.0, True, 1e5),
    "bits": (1.0, 1, True, 32),
    "noise_density_mdps_per_rthz": (1e-3 * DEG, 0.0, True, 1e7),
    "turn_on_bias_dps": (DEG, 0.0, True, 1e4),
    "scale_error_pct": (1e-2, 0.0, True, 100.0),
    "cross_axis_pct": (1e-2, 0.0, True, 100.0),
    "bias_instability_dph": (DEG / 3600.0, 0.0, True, 1e7),
    "bias_tau_s": (1.0, 1e-6, True, 1e9),
    "random_walk_dps_per_rts": (DEG, 0.0, True, 1e4),
    "g_sensitivity_dps_per_g": (DEG / G, 0.0, True, 1e4),
}
TOP_FIELDS = ("id", "name", "kind", "sources", "output_rate_hz", "placement", "accelerometer", "gyroscope")
KINDS = ("watch", "band", "phone", "ideal")


@dataclass(frozen=True)
class SensorErrors:
    """One sensor's error parameters in SI units (m/s^2 or rad/s)."""

    range: float  # full scale (+/-); inf = no saturation
    lsb: float  # quantisation step; 0 = none
    noise_density: float  # per sqrt(Hz)
    turn_on_bias: float  # 1 sigma
    scale_error: float  # 1 sigma, fraction
    cross_axis: float  # 1 sigma, fraction
    bias_instability: float  # Gauss-Markov sigma
    bias_tau_s: float
    random_walk: float  # per sqrt(s)
    g_sensitivity: float = 0.0  # gyro only: rad/s per m/s^2, 1 sigma per axis


@dataclass
class DevicePreset:
    data: Dict[str, Any]  # the preset as written (units in field names)
    path: Optional[str] = None

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def output_rate_hz(self) -> float:
        return float(self.data["output_rate_hz"])

    @property
    def offset_m(self) -> float:
        return float(self.data["placement"].get("offset_m", 0.0))

    @property
    def is_ideal(self) -> bool:
        return self.kind == "ideal"

    def axis_map(self, side: str) -> np.ndarray:
        m = self.data.get("axis_map", {}).get(side)
        return np.eye(3) if m is None else np.asarray(m, dtype=float)

    @property
    def acc(self) -> SensorErrors:
        return _sensor(self.data["accelerometer"], ACC_FIELDS, ACC_ROLES)

    @property
    def gyro(self) -> SensorErrors:
        return _sensor(self.data["gyroscope"], GYRO_FIELDS, GYRO_ROLES)

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True)

    def with_changes(self, changes: Dict[str, Any]) -> "DevicePreset":
        """A validated copy with dotted-path changes, e.g. {'gyroscope.bits': 12}."""
        data = copy.deepcopy(self.data)
        for dotted, value in changes.items():
            node = data
            keys = dotted.split(".")
            if not _settable(data, keys):  # a typo would add a field nothing reads and change nothing
                raise PresetError(
                    None,
                    f"cannot set '{dotted}': no such preset field (fields: {', '.join(_field_paths())})",
                )
            for k in keys[:-1]:
                node = node.setdefault(k, {})
                if not isinstance(node, dict):
                    raise PresetError(self.path, f"cannot set '{dotted}': '{k}' is not an object")
            node[keys[-1]] = value
        return preset_from_dict(data, self.path)


# SensorErrors attribute -> preset field, per sensor
ACC_ROLES = {
    "range": "range_g",
    "noise_density": "noise_density_ug_per_rthz",
    "turn_on_bias": "turn_on_bias_mg",
    "bias_instability": "bias_instability_mg",
    "random_walk": "random_walk_mg_per_rts",
}
GYRO_ROLES = {
    "range": "range_dps",
    "noise_density": "noise_density_mdps_per_rthz",
    "turn_on_bias": "turn_on_bias_dps",
    "bias_instability": "bias_instability_dph",
    "random_walk": "random_walk_dps_per_rts",
    "g_sensitivity": "g_sensitivity_dps_per_g",
}


def _field_paths() -> List[str]:
    """Every dotted field a preset may have (what ``with_changes`` may set)."""
    out = [k for k in TOP_FIELDS if k not in ("accelerometer", "gyroscope", "placement")]
    out += ["placement.offset_m", "placement.mount", "axis_map.left", "axis_map.right"]
    out += [f"accelerometer.{k}" for k in ACC_FIELDS] + [f"gyroscope.{k}" for k in GYRO_FIELDS]
    return out


def _settable(data: Dict[str, Any], keys: List[str]) -> bool:
    """A known field, or a path that already exists in ``data`` (a preset's own extra fields)."""
    if ".".join(keys) in _field_paths():
        return True
    node: Any = data
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return False
        node = node[k]
    return True


def _sensor(d: Dict[str, Any], spec, roles) -> SensorErrors:
    def si(k):
        return float(d[k]) * spec[k][0]

    full_scale = si(roles["range"])
    bits = int(d["bits"])
    return SensorErrors(
        range=full_scale if full_scale > 0 else np.inf,
        lsb=(2.0 * full_scale / 2**bits) if full_scale > 0 else 0.0,
        noise_density=si(roles["noise_density"]),
        turn_on_bias=si(roles["turn_on_bias"]),
        scale_error=si("scale_error_pct"),
        cross_axis=si("cross_axis_pct"),
        bias_instability=si(roles["bias_instability"]),
        bias_tau_s=si("bias_tau_s"),
        random_walk=si(roles["random_walk"]),
        g_sensitivity=si(roles["g_sensitivity"]) if "g_sensitivity" in roles else 0.0,
    )


def _check_number(where, field, value, minimum, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PresetError(where, f"field '{field}' must be a number, got {value!r}")
    try:
        finite = bool(np.isfinite(float(value)))
    except OverflowError:  # an integer beyond float range
        finite = False
    if not finite:
        raise PresetError(where, f"field '{field}' must be a finite number, got {str(value)[:40]}")
    if value < minimum:
        raise PresetError(where, f"field '{field}' must be >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise PresetError(
            where, f"field '{field}' must be <= {maximum:g}, got {value!r} (implausible for a wearable IMU)"
        )


def preset_from_dict(data: Dict[str, Any], where: str | os.PathLike | None = None) -> DevicePreset:
    """Validate a preset dictionary; a bad or missing field is a PresetError naming it."""
    if not isinstance(data, dict):
        raise PresetError(where, "a device preset must be a JSON object")
    for k in TOP_FIELDS:
        if k not in data:
            raise PresetError(where, f"missing field '{k}'")
    for k in ("id", "name"):
        if not isinstance(data[k], str) or not data[k].strip():
            raise PresetError(where, f"field '{k}' must be a non-empty string, got {data[k]!r}")
    if not isinstance(data["kind"], str) or data["kind"] not in KINDS:
        raise PresetError(where, f"field 'kind' must be one of {', '.join(KINDS)}, got {data['kind']!r}")
    if not isinstance(data["sources"], list) or not all(isinstance(s, str) for s in data["sources"]):
        raise PresetError(where, "field 'sources' must be a list of strings naming where figures come from")
    _check_number(where, "output_rate_hz", data["output_rate_hz"], MIN_RATE_HZ, MAX_RATE_HZ)
    if not isinstance(data["placement"], dict):
        raise PresetError(where, "field 'placement' must be an object")
    _check_number(where, "placement.offset_m", data["placement"].get("offset_m", 0.0), -MAX_OFFSET_M, MAX_OFFSET_M)
    for sensor, spec in (("accelerometer", ACC_FIELDS), ("gyroscope", GYRO_FIELDS)):
        d = data[sensor]
        if not isinstance(d, dict):
            raise PresetError(where, f"field '{sensor}' must be an object")
        for f, (_, minimum, required, maximum) in spec.items():
            if f not in d:
                if required:
                    raise PresetError(where, f"missing field '{sensor}.{f}'")
                continue
            _check_number(where, f"{sensor}.{f}", d[f], minimum, maximum)
        unknown = sorted(set(d) - set(spec))
        if unknown:
            raise PresetError(where, f"unknown field '{sensor}.{unknown[0]}' (known: {', '.join(spec)})")
        if not float(d["bits"]).is_integer():
            raise PresetError(where, f"field '{sensor}.bits' must be a whole number")
    axis_map = data.get("axis_map", {})
    if not isinstance(axis_map, dict):
        raise PresetError(
            where,
            f'field \'axis_map\' must be an object {{"left": 3x3, "right": 3x3}}, got a {type(axis_map).__name__}',
        )
    for side, m in axis_map.items():
        try:
            a = np.asarray(m, dtype=float)
        except (TypeError, ValueError):
            a = np.zeros(0)
        if (
            side not in ("left", "right")
            or a.shape != (3, 3)
            or not np.isfinite(a).all()
            or not np.allclose(a @ a.T, np.eye(3))
            or not np.isclose(np.linalg.det(a), 1.0)
        ):
            raise PresetError(where, f"field 'axis_map.{side}' must be a 3x3 rotation (signed permutation)")
    return DevicePreset(data=data, path=None if where is None else os.fspath(where))


def _preset_dir():
    return resources.files("imu2safety.resources") / "devices"


def preset_ids() -> List[str]:
    return sorted(p.name[:-5] for p in _preset_dir().iterdir() if p.name.endswith(".json"))


DEFAULT_PRESET = "watch-bmi270"


def load_preset(name_or_path: str | os.PathLike) -> DevicePreset:
    """A preset by id (``watch-bmi270``, ``ideal``) or by path to a JSON file."""
    s = os.fspath(name_or_path)
    if s.endswith(".json") or os.sep in s:
        p = Path(s)
        if not p.exists():
            raise PresetError(p, "no such device preset file")
        check_input_file(p, "device preset file")
        text = p.read_bytes()
        where = p
    else:
        f = _preset_dir() / f"{s}.json"
        if not f.is_file():
            raise PresetError(None, f"unknown device preset '{s}' (known: {', '.join(preset_ids())})")
        text = f.read_text(encoding="utf-8")
        where = f"resources/devices/{s}.json"
    try:
        data = parse_json(text, where, "device preset")
    except InputError as exc:
        raise PresetError(exc.where, exc.problem) from None
    return preset_from_dict(data, where)
