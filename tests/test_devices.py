"""Device presets: every shipped preset loads; a bad or missing field is named."""
import json

import numpy as np
import pytest

from imu2safety.core.devices import DEFAULT_PRESET, G, load_preset, preset_ids
from imu2safety.core.errors import PresetError


def test_shipped_presets():
    ids = preset_ids()
    for want in ("watch-bmi270", "band-bmi160", "watch-lsm6dso", "watch-icm42688p", "phone-lsm6dsv", "ideal"):
        assert want in ids
    assert DEFAULT_PRESET in ids
    for pid in ids:
        p = load_preset(pid)
        assert p.id == pid and p.data["sources"], pid
        for side in ("left", "right"):
            m = p.axis_map(side)
            np.testing.assert_allclose(m @ m.T, np.eye(3))


def test_units_are_converted_to_si():
    p = load_preset("watch-bmi270")
    assert p.acc.range == pytest.approx(8 * G)
    assert p.acc.lsb == pytest.approx(16 * G / 65536)
    assert p.acc.noise_density == pytest.approx(160e-6 * G)
    assert p.gyro.noise_density == pytest.approx(7e-3 * np.pi / 180)
    assert p.gyro.bias_instability == pytest.approx(8 / 3600 * np.pi / 180)
    assert load_preset("ideal").acc.range == np.inf


def _write(tmp_path, data):
    f = tmp_path / "dev.json"
    f.write_text(json.dumps(data))
    return f


@pytest.mark.parametrize("field", ["output_rate_hz", "gyroscope", "accelerometer.noise_density_ug_per_rthz",
                                   "gyroscope.bias_tau_s"])
def test_missing_field_is_named(tmp_path, field):
    data = load_preset("watch-bmi270").data
    node = data
    keys = field.split(".")
    for k in keys[:-1]:
        node = node[k]
    del node[keys[-1]]
    f = _write(tmp_path, data)
    with pytest.raises(PresetError, match=f"missing field '{field}'") as e:
        load_preset(f)
    assert str(f) in str(e.value)


@pytest.mark.parametrize("field,value", [("accelerometer.bits", "sixteen"), ("gyroscope.turn_on_bias_dps", -1),
                                         ("accelerometer.bits", 12.5), ("kind", "toaster"),
                                         ("gyroscope.range_dps", None)])
def test_bad_field_is_named(tmp_path, field, value):
    p = load_preset("watch-bmi270")
    with pytest.raises(PresetError, match=f"'{field}'"):
        p.with_changes({field: value})


def test_unknown_field_and_bad_json_and_unknown_id(tmp_path):
    data = load_preset("watch-bmi270").data
    data["gyroscope"]["noise_dnesity"] = 3
    with pytest.raises(PresetError, match="unknown field 'gyroscope.noise_dnesity'"):
        load_preset(_write(tmp_path, data))
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json")
    with pytest.raises(PresetError, match="bad.json: not valid JSON"):
        load_preset(bad)
    with pytest.raises(PresetError, match="unknown device preset 'nope'"):
        load_preset("nope")
