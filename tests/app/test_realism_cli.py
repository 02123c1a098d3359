"""`imu2safety realism` and `imu2safety calibrate` end to end, on real BasicMotions recordings."""

import json
from pathlib import Path

import numpy as np
import pytest
from motion_factory import spinning_forearm

from imu2safety.app.cli import main
from imu2safety.core.sim.devices import DEG, G, load_preset
from imu2safety.core.sim.imu_io import write_imu_h5
from imu2safety.core.sim.simulate import SimConfig, simulate

DATA = Path(__file__).parents[1] / "data" / "basicmotions"


@pytest.fixture(scope="module")
def sim_h5(tmp_path_factory):
    p = tmp_path_factory.mktemp("sim") / "sim.h5"
    sig = simulate(spinning_forearm(2.0, seconds=12.0), "watch-bmi270", SimConfig(seed=1))
    write_imu_h5(sig, p)
    return p


def test_realism_report_on_a_real_basicmotions_walk(sim_h5, tmp_path, capsys):
    out = tmp_path / "report"
    rc = main(
        [
            "realism",
            str(sim_h5),
            str(DATA / "BasicMotions_TEST.ts"),
            "--rate",
            "10",
            "--labels",
            "Walking",
            "--out",
            str(out),
            "--geometric-fit",
            "--fit-on",
            str(DATA / "BasicMotions_TRAIN.ts"),
            "--unsynchronised",
        ]
    )
    assert rc == 0
    rep = json.loads((out / "report.json").read_text())
    before = rep["comparisons"]["before"]
    assert before["rate_hz"] == 10.0 and before["gravity"] == "removed"
    assert before["sets"]["real"]["labels"] == ["Walking"] and before["sets"]["real"]["parts"] == 10
    assert any("resampled 100 -> 10 Hz" in s for s in before["sets"]["sim"]["steps"])
    for ch, v in before["channels"].items():
        assert np.isfinite(v["wasserstein"]) and v["wasserstein"] >= 0
        assert np.isfinite(v["spectral_distance_db"])
    assert rep["calibration"]["applied"] == ["geometric_fit"]
    assert rep["calibration"]["geometric_fit"]["scale_method"] == "covariance"
    assert rep["calibration"]["geometric_fit"]["rotation_method"] == "covariance"
    assert "after_geometric" in rep["comparisons"]
    html = (out / "report.html").read_text()
    for key, files in rep["figures"].items():
        for f in files:
            png = out / f
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
            assert f"src='{f}'" in html
    assert "mean Wasserstein" in capsys.readouterr().out


def _still_csv(path, rate=100.0, seconds=60.0, n_acc=150e-6 * G, n_gyro=9e-3 * DEG):
    rng = np.random.default_rng(7)
    n = int(rate * seconds)
    t = np.arange(n) / rate
    acc = np.array([0.0, 0.0, G]) + n_acc * np.sqrt(rate / 2) * rng.standard_normal((n, 3))
    gyro = np.array([0.004, -0.003, 0.002]) + n_gyro * np.sqrt(rate / 2) * rng.standard_normal((n, 3))
    rows = np.column_stack([t, acc, gyro / DEG])  # gyro written in deg/s
    np.savetxt(path, rows, delimiter=",", header="time,ax,ay,az,gx,gy,gz", comments="", fmt="%.10g")


def test_calibrate_device_writes_a_loadable_preset(tmp_path, capsys):
    csv = tmp_path / "desk.csv"
    _still_csv(csv)
    out = tmp_path / "fitted.json"
    assert main(["calibrate", "device", str(csv), "--out", str(out), "--id", "my-watch", "--gyro-units", "deg/s"]) == 0
    preset = load_preset(out)
    assert preset.id == "my-watch"
    assert preset.data["accelerometer"]["noise_density_ug_per_rthz"] == pytest.approx(150, rel=0.1)
    assert preset.data["gyroscope"]["noise_density_mdps_per_rthz"] == pytest.approx(9, rel=0.1)
    assert preset.data["calibration"]["sources"][0]["sha256"]
    assert "my-watch" in capsys.readouterr().out
    # the fitted preset drives the simulator
    sig = simulate(spinning_forearm(1.0, seconds=2.0), preset, SimConfig(seed=0))
    assert sig.device.id == "my-watch" and sig.valid.any()


def test_calibrate_device_on_moving_people_says_why_not(tmp_path, capsys):
    rc = main(
        [
            "calibrate",
            "device",
            str(DATA / "BasicMotions_TEST.ts"),
            "--rate",
            "10",
            "--labels",
            "Running",
            "--out",
            str(tmp_path / "x.json"),
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "BasicMotions_TEST.ts" in err and "no stationary stretch" in err
    assert not (tmp_path / "x.json").exists()


def test_calibrate_geometry_and_quantile_write_json(sim_h5, tmp_path):
    g = tmp_path / "geo.json"
    assert (
        main(
            [
                "calibrate",
                "geometry",
                str(sim_h5),
                str(DATA / "BasicMotions_TRAIN.ts"),
                "--rate",
                "10",
                "--labels",
                "Walking",
                "--out",
                str(g),
            ]
        )
        == 0
    )
    d = json.loads(g.read_text())
    R = np.array(d["rotation_matrix"])
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-9)
    assert len(d["lag_samples"]) == 10
    q = tmp_path / "qmap.json"
    assert (
        main(
            [
                "calibrate",
                "quantile",
                str(sim_h5),
                str(DATA / "BasicMotions_TRAIN.ts"),
                "--rate",
                "10",
                "--out",
                str(q),
                "--per-class",
            ]
        )
        == 0
    )
    m = json.loads(q.read_text())
    assert m["optional"] is True and set(m["classes"]) == {"Standing", "Running", "Walking", "Badminton"}


def test_bad_real_file_is_one_line_naming_file_and_line(sim_h5, tmp_path, capsys):
    bad = tmp_path / "watch.csv"
    bad.write_text("timestamp,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,0,9.8,zero,0,0\n")
    rc = main(["realism", str(sim_h5), str(bad), "--out", str(tmp_path / "r")])
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert "watch.csv:3" in err and "not a number" in err and err.count("\n") == 0
    assert not (tmp_path / "r" / "report.json").exists()
    rc = main(["realism", str(sim_h5), str(DATA / "BasicMotions_TEST.ts"), "--out", str(tmp_path / "r")])
    assert rc == 2 and "no sample rate" in capsys.readouterr().err


def test_report_draws_allan_deviation_when_both_sets_hold_still(tmp_path):
    from imu2safety.core.realism.compare import compare, set_from_arrays
    from imu2safety.core.realism.report import write_report

    rng = np.random.default_rng(0)
    rate, n = 100.0, 3000

    def still(noise):
        acc = np.array([0.0, 0.0, G]) + noise * rng.standard_normal((n, 3))
        gyro = noise * 0.1 * rng.standard_normal((n, 3))
        gyro[1000:1200] += 1.0 * np.sin(np.arange(200) / 5.0)[:, None]  # a short movement
        return set_from_arrays("s", rate, acc, gyro)

    cmp = compare(still(0.002), still(0.006))
    al = cmp.numbers["allan"]
    assert al["sim"]["found"] and al["real"]["found"]
    # the real set is 3x noisier: its white-noise density is ~3x the simulated one
    ratio = al["real"]["acc_x"]["noise_density_allan"] / al["sim"]["acc_x"]["noise_density_allan"]
    assert ratio == pytest.approx(3.0, rel=0.15)
    files = write_report(tmp_path / "r", {"main": cmp}, {"what": "test"})
    assert (tmp_path / "r" / "main_allan.png").stat().st_size > 5000  # <comparison>_<figure>.png
    assert "allan.png" in files["html"].read_text()
