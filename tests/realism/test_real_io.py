"""Readers for real recordings: units and gravity detection, honest resampling, axis maps, bad files."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.realism.real_io import (
    apply_axis_map,
    axis_map_from_preset,
    parse_axis_spec,
    parse_ts,
    read_csv,
    read_h5,
    read_recordings,
    read_ts,
    resample_uniform,
)
from imu2safety.core.sim.devices import DEG, G, load_preset

DATA = Path(__file__).parents[1] / "data" / "basicmotions"


def _motion(n, rate, seed=0):
    """A wrist at rest-ish with gravity on z plus a slow wobble; gyro a few rad/s peaks."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate
    acc = np.stack(
        [0.5 * np.sin(2 * np.pi * 0.7 * t), 0.3 * np.cos(2 * np.pi * 1.1 * t), G + 0.2 * np.sin(2 * np.pi * 0.4 * t)], 1
    ) + 0.01 * rng.standard_normal((n, 3))
    gyro = np.stack(
        [2.0 * np.sin(2 * np.pi * 0.9 * t), 1.0 * np.sin(2 * np.pi * 0.5 * t), 0.5 * np.cos(2 * np.pi * 0.3 * t)], 1
    )
    return t, acc, gyro


def _write_csv(path, t, acc, gyro, header="timestamp,ax,ay,az,gx,gy,gz", fmt="%.9g"):
    rows = np.column_stack([t, acc, gyro])
    with open(path, "w") as fh:
        if header:
            fh.write(header + "\n")
        for r in rows:
            fh.write(",".join(fmt % v for v in r) + "\n")


def test_csv_ms_timestamps_deg_s_and_m_s2_detected(tmp_path):
    t, acc, gyro = _motion(1000, 100.0)
    p = tmp_path / "rec.csv"
    _write_csv(
        p,
        1.7e12 + np.round(t * 1000.0),
        acc,
        gyro / DEG,
        header="Timestamp (ms),acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z",
        fmt="%.17g",
    )
    rec = read_csv(p)
    assert rec.meta["time_units"] == "ms"
    assert rec.meta["acc_units"] == "m/s2" and rec.gravity == "included"
    assert rec.meta["gyro_units"] == "deg/s"
    assert rec.rate_hz == pytest.approx(100.0, rel=1e-6)
    np.testing.assert_allclose(rec.gyro, gyro, atol=1e-6)
    np.testing.assert_allclose(rec.acc, acc, atol=1e-6)


def test_csv_in_g_without_header(tmp_path):
    t, acc, gyro = _motion(600, 50.0)
    p = tmp_path / "g.csv"
    _write_csv(p, t, acc / G, gyro, header=None)
    rec = read_csv(p)
    assert rec.meta["acc_units"] == "g" and rec.gravity == "included"
    assert rec.meta["gyro_units"] == "rad/s"
    np.testing.assert_allclose(rec.acc, acc, atol=1e-5)


def test_csv_gravity_removed_detected_and_declared_units_win(tmp_path):
    t, acc, gyro = _motion(600, 50.0)
    lin = acc - [0, 0, G]
    lin[:300] = 0.05 * np.random.default_rng(1).standard_normal((300, 3))  # a quiet stretch, no gravity
    p = tmp_path / "lin.csv"
    _write_csv(p, t, lin, gyro)
    assert read_csv(p).gravity == "removed"
    rec = read_csv(p, acc_units="g", gravity="removed")
    np.testing.assert_allclose(rec.acc, lin * G, atol=1e-5)
    assert rec.meta["acc_units_how"] == "declared"


def test_irregular_timestamps_resampled_and_gaps_marked_invalid(tmp_path):
    rng = np.random.default_rng(3)
    rate = 50.0
    t = np.arange(1000) / rate + rng.uniform(-0.004, 0.004, 1000)
    t[0] = 0.0
    keep = (t < 8.0) | (t > 9.0)  # a 1 s hole
    t = t[keep]
    f = 1.3
    sig = np.stack([np.sin(2 * np.pi * f * t)] * 3, 1)
    acc = sig + [0, 0, G]
    p = tmp_path / "irregular.csv"
    _write_csv(p, t, acc, sig)
    rec = read_csv(p, rate_hz=rate, max_gap_s=0.1)
    assert rec.meta["resampling"]["resampled"] is True
    assert np.allclose(np.diff(rec.time), 1 / rate)
    hole = (rec.time > 8.0 + 0.03) & (rec.time < 9.0 - 0.03)
    assert hole.any() and not rec.valid[hole].any()
    assert np.isnan(rec.gyro[hole]).all()
    ok = rec.valid
    assert ok.sum() > 0.9 * (len(rec.time) - hole.sum())
    err = rec.gyro[ok, 0] - np.sin(2 * np.pi * f * rec.time[ok])
    assert np.max(np.abs(err)) < 0.01


def test_resample_uniform_keeps_uniform_input():
    t = np.arange(100) / 10.0
    x = np.random.default_rng(0).standard_normal((100, 2))
    time, y, valid, info = resample_uniform(t, x)
    assert info["resampled"] is False and valid.all()
    np.testing.assert_array_equal(y, x)


def test_axis_spec_and_preset_axis_map():
    M = parse_axis_spec("-y,x,z")
    v = np.array([1.0, 2.0, 3.0])  # device x, y, z
    np.testing.assert_allclose(M @ v, [-2.0, 1.0, 3.0])
    with pytest.raises(InputError, match="reflection"):
        parse_axis_spec("y,x,z")
    with pytest.raises(InputError, match="twice"):
        parse_axis_spec("x,x,z")
    with pytest.raises(InputError, match="three axes"):
        parse_axis_spec("x,y")
    preset = load_preset("watch-bmi270")
    native_of_sensor = preset.axis_map("right")  # native = M sensor (as simulate(native_axes=True))
    sensor = np.random.default_rng(0).standard_normal((20, 3))
    native = sensor @ native_of_sensor.T
    from imu2safety.core.realism.real_io import RealRecording

    rec = RealRecording(np.arange(20) / 10, native, native.copy(), np.ones(20, bool), 10.0, "included", "x")
    back = apply_axis_map(rec, axis_map_from_preset(preset, "right"))
    np.testing.assert_allclose(back.acc, sensor, atol=1e-12)
    assert back.meta["axis_map"]["matrix"]


def test_h5_reader_with_units_attribute_and_detection(tmp_path):
    t, acc, gyro = _motion(500, 100.0)
    p = tmp_path / "rec.h5"
    with h5py.File(p, "w") as f:
        f["time"] = t
        f["acc"] = acc / G
        f["gyro"] = gyro / DEG
    rec = read_h5(p)
    assert rec.meta["acc_units"] == "g" and rec.meta["gyro_units"] == "deg/s"
    np.testing.assert_allclose(rec.gyro, gyro, atol=1e-9)
    with h5py.File(p, "a") as f:
        f.attrs["units"] = '{"acc": "g", "gyro": "deg/s"}'
    assert read_h5(p).meta["gyro_units_how"] == "declared"


def test_basicmotions_ts_from_sktime():
    recs = read_ts(DATA / "BasicMotions_TEST.ts", rate_hz=10.0)
    assert len(recs) == 40
    assert {r.label for r in recs} == {"Standing", "Running", "Walking", "Badminton"}
    assert all(r.n == 100 and r.rate_hz == 10.0 for r in recs)
    assert recs[0].gravity == "removed" and recs[0].meta["gyro_units"] == "rad/s"
    walks = read_recordings(DATA / "BasicMotions_TRAIN.ts", rate_hz=10.0, labels=["Walking"])
    assert len(walks) == 10 and all(r.label == "Walking" for r in walks)
    # running moves the wrist more than standing
    run = np.mean([np.nanstd(r.acc) for r in recs if r.label == "Running"])
    stand = np.mean([np.nanstd(r.acc) for r in recs if r.label == "Standing"])
    assert run > 5 * stand


def test_ts_missing_values_are_invalid(tmp_path):
    p = tmp_path / "small.ts"
    rows = []
    rng = np.random.default_rng(0)
    for k in range(3):
        dims = [",".join(f"{v:.4f}" for v in rng.standard_normal(30) * 0.3) for _ in range(6)]
        dims[0] = dims[0].replace(dims[0].split(",")[5], "?", 1)
        rows.append(":".join(dims) + ":walk")
    p.write_text(
        "@problemName small\n@univariate false\n@dimensions 6\n@classLabel true walk\n@data\n" + "\n".join(rows) + "\n"
    )
    ts = parse_ts(p)
    assert len(ts.cases) == 3 and ts.labels == ["walk"] * 3
    recs = read_ts(p, rate_hz=20, acc_units="m/s2", gravity="removed")
    assert not recs[0].valid[5] and recs[0].valid[4]


@pytest.mark.parametrize(
    "text,where,problem",
    [
        ("timestamp,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,x,4,5,6\n", ":3", "not a number"),
        # (timestamps that go backwards are now sorted, not refused: see test_real_timestamps.py)
        ("timestamp,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.02,1,2,3,4,5,6\n0.01,1,2,3,4,5,6\n", "", "at least 16"),
        ("timestamp,ax,ay,az,gx,gy\n0,1,2,3,4,5\n0.01,1,2,3,4,5\n", ":1", "no gyroscope columns"),
        ("foo,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n", ":1", "no time column"),
        ("timestamp,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,3\n", ":3", "expected at least 7 columns"),
    ],
)
def test_bad_csv_names_file_and_line(tmp_path, text, where, problem):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        read_csv(p)
    assert f"bad.csv{where}" in str(exc.value) and problem in str(exc.value)


def test_bad_files_rejected(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_csv(tmp_path / "missing.csv")
    p = tmp_path / "bad.ts"
    p.write_text("@dimensions 6\n@classLabel true a\n@data\n1,2:3,4:a\n")
    with pytest.raises(InputError, match=r"bad.ts:4.*expected 6 dimensions"):
        read_ts(p, rate_hz=10)
    q = tmp_path / "nodata.ts"
    q.write_text("@dimensions 6\n")
    with pytest.raises(InputError, match="no '@data'"):
        parse_ts(q)
    with pytest.raises(InputError, match="no sample rate"):
        read_recordings(DATA / "BasicMotions_TEST.ts")
    r = tmp_path / "rec.xyz"
    r.write_text("1")
    with pytest.raises(InputError, match="unknown recording format"):
        read_recordings(r)
    h = tmp_path / "bad.h5"
    h.write_bytes(b"not hdf5 at all")
    with pytest.raises(InputError, match="not a readable HDF5"):
        read_h5(h)
    with h5py.File(tmp_path / "noacc.h5", "w") as f:
        f["time"] = np.arange(3.0)
    with pytest.raises(InputError, match="dataset 'acc' missing"):
        read_h5(tmp_path / "noacc.h5")


def _tilting(rate=50.0, seconds=30.0, amp=0.2, f=0.2):
    """A device tilting slowly about a horizontal axis: (t, specific force m/s^2, body rate rad/s)."""
    from scipy.spatial.transform import Rotation

    t = np.arange(0, seconds, 1 / rate)
    ang = amp * np.sin(2 * np.pi * f * t)
    R = Rotation.from_rotvec(np.stack([ang, 0.5 * ang, 0 * t], 1))
    acc = R.inv().apply([0, 0, G])
    omega = np.array([(R[i].inv() * R[i + 1]).as_rotvec() * rate for i in range(len(t) - 1)])
    omega = np.vstack([omega, omega[-1]])
    return t, acc, omega


def test_gyro_units_detected_from_how_gravity_turns(tmp_path):
    """A slow tilt in deg/s (|w| < 20) would pass for rad/s by magnitude; gravity's turning tells."""
    t, acc, omega = _tilting()
    assert np.quantile(np.linalg.norm(omega / DEG, axis=1), 0.99) < 20
    p = tmp_path / "tilt_deg.csv"
    _write_csv(p, t, acc, omega / DEG)
    rec = read_csv(p)
    assert rec.meta["gyro_units"] == "deg/s" and "gravity turns" in rec.meta["gyro_units_how"]
    np.testing.assert_allclose(rec.gyro, omega, atol=1e-6)
    q = tmp_path / "tilt_rad.csv"
    _write_csv(q, t, acc, omega)
    assert read_csv(q).meta["gyro_units"] == "rad/s"


def test_semicolon_csv_with_missing_cells(tmp_path):
    t, acc, gyro = _motion(300, 50.0)
    p = tmp_path / "semi.csv"
    lines = ["time;ax;ay;az;gx;gy;gz"] + [";".join(f"{v:.9g}" for v in r) for r in np.column_stack([t, acc, gyro])]
    lines[11] = ";".join(lines[11].split(";")[:4] + ["", "", ""])  # sample 10: gyro missing
    p.write_text("\n".join(lines) + "\n")
    rec = read_csv(p)
    assert rec.n == 300 and not rec.valid[10] and rec.valid[9] and rec.valid[11]
    np.testing.assert_allclose(rec.acc[20], acc[20], atol=1e-6)
