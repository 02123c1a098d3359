"""The realism report a reader can act on (issue 11): the verdict first, each distance beside a
real-vs-real floor, warnings for short data and for recordings not known to be synchronised,
stable figure names, figures before the JSON."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from motion_factory import spinning_forearm

from imu2safety.app.cli import main
from imu2safety.core.realism.compare import SignalSet, compare, real_floor
from imu2safety.core.sim.imu_io import write_imu_h5
from imu2safety.core.sim.simulate import SimConfig, simulate

DATA = Path(__file__).parents[1] / "data" / "basicmotions"
WALK = ["--rate", "10", "--labels", "Walking"]


def _sim(tmp_path, seconds):
    p = tmp_path / f"sim{seconds:g}.h5"
    write_imu_h5(simulate(spinning_forearm(2.0, seconds=seconds), "watch-bmi270", SimConfig(seed=1)), p)
    return p


@pytest.fixture(scope="module")
def long_sim(tmp_path_factory):
    return _sim(tmp_path_factory.mktemp("sim"), 30.0)


def _noise(n, seed, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal((n, 6))


def set_from_arrays(name, rate, parts):
    return SignalSet(name, rate, parts, "included", [None] * len(parts), {})


def test_floor_is_zero_for_identical_halves_and_verdict_uses_it():
    real = set_from_arrays("real", 50.0, [_noise(2000, 0), _noise(2000, 1)])
    fl = real_floor(real, 64)
    assert fl["available"] and fl["how"].startswith("even vs odd")
    assert 0 < fl["wasserstein_mean_acc_xyz"] < 0.1  # two draws of one distribution
    same = compare(set_from_arrays("sim", 50.0, [_noise(4000, 7)]), real)
    far = compare(set_from_arrays("sim", 50.0, [_noise(4000, 7, scale=3.0)]), real)
    assert same.numbers["verdict"]["level"] == "close"
    assert far.numbers["verdict"]["level"] == "far"
    r = far.numbers["verdict"]["metrics"]["wasserstein_mean_acc_xyz"]
    assert r["ratio"] == pytest.approx(r["sim_vs_real"] / r["real_vs_real"]) and r["ratio"] > 3


def test_one_short_real_recording_has_no_floor_and_says_why():
    real = set_from_arrays("real", 50.0, [_noise(200, 0)])
    cmp = compare(set_from_arrays("sim", 50.0, [_noise(4000, 7)]), real)
    assert not cmp.numbers["floor"]["available"] and "one part" in cmp.numbers["floor"]["why"]
    assert cmp.numbers["verdict"]["level"] == "unknown"


def test_a_short_simulation_gets_a_spectrum_warning():
    real = set_from_arrays("real", 50.0, [_noise(2000, 0), _noise(2000, 1)])
    cmp = compare(set_from_arrays("sim", 50.0, [_noise(40, 7)]), real)
    assert any("simulation is too short for a spectrum" in w for w in cmp.numbers["warnings"])
    ok = compare(set_from_arrays("sim", 50.0, [_noise(4000, 7)]), real)
    assert ok.numbers["warnings"] == []


def test_report_opens_with_the_verdict_and_keeps_json_last(long_sim, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["realism", str(long_sim), str(DATA / "BasicMotions_TEST.ts"), *WALK, "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    i_verdict, i_img, i_inputs = html.index("<h2>Verdict</h2>"), html.index("<img"), html.index("<h2>Inputs</h2>")
    assert i_verdict < i_img < i_inputs
    assert "real vs real (floor)" in html
    rep = json.loads((out / "report.json").read_text())
    v = rep["verdict"]["before"]
    assert v["level"] in ("close", "moderate", "far")  # 10 Walking cases: a floor exists
    assert all(m["real_vs_real"] > 0 for m in v["metrics"].values())
    assert rep["inputs"]["synchronised"] is False
    assert any("not assumed to be synchronised" in w for w in rep["warnings"])
    cap = capsys.readouterr()
    assert "verdict:" in cap.out and "not assumed to be synchronised" in cap.err


def test_figure_names_do_not_depend_on_the_options(long_sim, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    base = ["realism", str(long_sim), str(DATA / "BasicMotions_TEST.ts"), *WALK]
    assert main(base + ["--out", str(a)]) == 0
    assert main(base + ["--out", str(b), "--geometric-fit", "--synchronised"]) == 0
    fa = set(json.loads((a / "report.json").read_text())["figures"]["before"])
    fb = set(json.loads((b / "report.json").read_text())["figures"]["before"])
    assert fa == fb and "before_spectra.png" in fa
    assert json.loads((b / "report.json").read_text())["inputs"]["synchronised"] is True
    assert re.search(r"after_geometric_spectra\.png", (b / "report.html").read_text())


def test_a_short_simulation_warns_on_the_command_line(tmp_path, capsys):
    sim = _sim(tmp_path, 2.0)  # 2 s at 100 Hz -> 20 samples at the 10 Hz of BasicMotions
    assert main(["realism", str(sim), str(DATA / "BasicMotions_TEST.ts"), *WALK, "--out", str(tmp_path / "r")]) == 0
    assert "too short for a spectrum" in capsys.readouterr().err


def test_synchronised_and_unsynchronised_together_is_an_error(long_sim, tmp_path, capsys):
    argv = ["realism", str(long_sim), str(DATA / "BasicMotions_TEST.ts"), *WALK, "--out", str(tmp_path / "r")]
    assert main(argv + ["--synchronised", "--unsynchronised"]) == 2
