"""Device presets: every shipped preset loads; a bad or missing field is named."""

import json

import numpy as np
import pytest

from imu2safety.core.base.errors import PresetError
from imu2safety.core.sim.devices import DEFAULT_PRESET, G, load_preset, preset_ids


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


@pytest.mark.parametrize(
    "field", ["output_rate_hz", "gyroscope", "accelerometer.noise_density_ug_per_rthz", "gyroscope.bias_tau_s"]
)
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


@pytest.mark.parametrize(
    "field,value",
    [
        ("accelerometer.bits", "sixteen"),
        ("gyroscope.turn_on_bias_dps", -1),
        ("accelerometer.bits", 12.5),
        ("kind", "toaster"),
        ("gyroscope.range_dps", None),
    ],
)
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


def test_axis_maps_follow_the_documented_conventions():
    # device = M @ sensor. Sensor: x distal, y = z x x, z dorsal (DESIGN.md section 2).
    distal, dorsal = np.array([1.0, 0, 0]), np.array([0, 0, 1.0])
    for pid in preset_ids():
        p = load_preset(pid)
        for side in ("left", "right"):
            m = p.axis_map(side)
            assert np.isclose(np.linalg.det(m), 1.0), (pid, side)  # right-handed device axes
            if p.kind in ("watch", "band"):
                # face up on the back of the wrist: screen normal (device z) is dorsal; 3 o'clock (device x)
                # points to the hand on the left wrist and to the elbow on the right
                np.testing.assert_array_equal(m @ dorsal, [0, 0, 1])
                np.testing.assert_array_equal(m @ distal, [1, 0, 0] if side == "left" else [-1, 0, 0])
                assert any("Axis map" in s for s in p.data["sources"]), pid
            elif p.kind == "phone":
                # Android axes, phone in the hand: top of the screen (y) toward the fingers, screen (z) palmar
                np.testing.assert_array_equal(m @ distal, [0, 1, 0])
                np.testing.assert_array_equal(m @ dorsal, [0, 0, -1])
