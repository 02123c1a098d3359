"""Implausible units and values are flagged, not simulated (issue 11): joints in centimetres,
a sensor offset of a kilometre, a pronation of 1e300 degrees."""

import sys
from pathlib import Path

import numpy as np
import pytest
from motion_factory import still

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.interchange import Motion, load_motion, save_motion, units_warning, validate_motion
from imu2safety.core.sim.simulate import SimConfig, simulate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
from hostile import good_motion, motion_npz, one_error_line, preset_file, run_cli  # noqa: E402


@pytest.mark.parametrize("scale, hint", [(100.0, "centimetres"), (1000.0, "millimetres")])
def test_joints_in_centimetres_or_millimetres_are_refused(tmp_path, scale, hint):
    """A standing person in cm spans 165 'm' (under the old 1000-unit span check): the forearm says it."""
    m = still("down")
    path = motion_npz(tmp_path, "cm.npz", joints=m.joints * scale)
    with pytest.raises(InputError, match=hint):
        load_motion(path)
    # (in millimetres the 1.65 m person also spans 1650 units: the older span check speaks first)
    one_error_line(run_cli(["simulate", path, "--out", tmp_path / "o.h5", "--quiet"]), "cm.npz", hint)


def test_odd_forearm_lengths_warn(tmp_path, capsys):
    m = still("down")
    m.joints = m.joints * 3  # a 0.78 m forearm: tall, but human
    assert units_warning(m, "x") is None
    m.joints = m.joints / 3 * 5  # 1.3 m: not human (or not metres)
    assert "forearm" in units_warning(m, "x")
    path = save_motion(m, tmp_path / "giant.npz")
    r = run_cli(["simulate", path, "--out", tmp_path / "o.h5", "--quiet"])
    assert r.returncode == 0
    assert b"giant.npz: implausible forearm length" in r.stderr


@pytest.mark.parametrize("value", ["1e300", "181", "-720", "nan"])
def test_pronation_out_of_range(tmp_path, value):
    r = run_cli(["simulate", good_motion(tmp_path), "--out", tmp_path / "o.h5", "--quiet", "--pronation", value])
    one_error_line(r, "--pronation")


@pytest.mark.parametrize("offset", [1e6, -2.0, 0.5])
def test_preset_offset_out_of_range(tmp_path, offset):
    p = preset_file(tmp_path, "far.json", lambda d: d["placement"].__setitem__("offset_m", offset))
    r = run_cli(["simulate", good_motion(tmp_path), "--out", tmp_path / "o.h5", "--quiet", "--device", p])
    one_error_line(r, "far.json", "placement.offset_m")


@pytest.mark.parametrize(
    "field, value",
    [
        ("pronation_deg", 1e300),
        ("offset_m", 1e6),
        ("cutoff_hz", 1e-6),
        ("rate_hz", 1e-6),
        ("seed", -1),
        ("seed", 2**64),
    ],
)
def test_simconfig_checks_its_ranges(field, value):
    with pytest.raises(InputError, match=field.split("_")[0]):
        simulate(still("down"), "ideal", SimConfig(**{field: value}))


def test_a_long_walk_in_metres_is_not_mistaken_for_millimetres(tmp_path):
    """An hour's walk spans kilometres; the forearm (0.26 m) says metres, so it loads and saves."""
    m = still("down")
    j = np.concatenate([m.joints[:1], m.joints[:1] + np.array([4320.0, 0.0, 0.0])])  # 1.2 m/s for an hour
    walk = Motion(j, 30.0, m.skeleton, up=m.up)  # validation checks units, not speed
    validate_motion(walk)
    assert load_motion(save_motion(walk, tmp_path / "hour.npz")).joints.shape == j.shape
    far = Motion(np.concatenate([m.joints[:1], m.joints[:1] + np.array([2e5, 0.0, 0.0])]), 30.0, m.skeleton, up=m.up)
    with pytest.raises(InputError, match="expected metres"):  # 200 km: no clip travels that far
        validate_motion(far)


def test_image_points_go_through_the_file_and_trims(tmp_path):
    m = still("down")
    T, J = m.joints.shape[:2]
    pts = np.random.default_rng(1).uniform(0, 640, (T, J, 2))
    pts[3, 5] = np.nan
    m.image_points = pts
    back = load_motion(save_motion(m, tmp_path / "m.npz"))
    np.testing.assert_allclose(back.image_points, pts, rtol=1e-6, equal_nan=True)  # stored as float32
    assert back.slice(2, 5).image_points.shape == (3, J, 2)
    m.image_points = pts[:, :, :1]
    with pytest.raises(InputError, match="'image_points' must have shape"):
        validate_motion(m)
    m.image_points = np.full((T, J, 2), np.inf)
    with pytest.raises(InputError, match="infinite"):
        validate_motion(m)
