"""One number never makes the engine ask for gigabytes: sizes are checked before allocating (issue 11).

Each case runs the real command line in a child process capped at 3 GiB of address
space: before the limits, every one of them ended in 'internal error: MemoryError'
(or asked for 4-631 TiB); now each is exit 2 with a line that says which limit.
"""

import numpy as np
import pytest
from hostile import (
    good_motion,
    lying_header_npz,
    motion_npz,
    one_error_line,
    preset_file,
    real_csv,
    run_cli,
    zip_bomb_npz,
)


@pytest.fixture
def sim_args(tmp_path):
    return ["simulate", good_motion(tmp_path), "--out", tmp_path / "o.h5", "--quiet"]


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["--cutoff", "1e-6"], "--cutoff"),  # asked for 17 GiB of filter padding
        (["--cutoff", "0"], "--cutoff"),
        (["--rate", "1e-6"], "--rate"),  # 4 GiB
        (["--rate", "1e9"], "--rate"),
        (["--rate", "nan"], "--rate"),
    ],
)
def test_simulate_options_out_of_range(sim_args, tmp_path, extra, needle):
    r = run_cli(sim_args + extra)
    one_error_line(r, needle)
    assert not (tmp_path / "o.h5").exists()


@pytest.mark.parametrize("rate", [1e-6, 0.01, 1e7])
def test_a_preset_rate_out_of_range_names_the_field(tmp_path, rate):
    p = preset_file(tmp_path, "slow.json", lambda d: d.__setitem__("output_rate_hz", rate))
    r = run_cli(["simulate", good_motion(tmp_path), "--out", tmp_path / "o.h5", "--quiet", "--device", p])
    one_error_line(r, "slow.json", "output_rate_hz")


@pytest.mark.parametrize("fps", [1e-6, 5e-324, 0.5, 1e6])
def test_motion_fps_out_of_range(tmp_path, fps):
    m = motion_npz(tmp_path, "slowmo.npz", fps=np.float64(fps))
    r = run_cli(["simulate", m, "--out", tmp_path / "o.h5", "--quiet"])
    one_error_line(r, "slowmo.npz", "'fps'")


def test_a_lying_npz_header_is_refused_before_allocating(tmp_path):
    m = lying_header_npz(tmp_path)
    r = run_cli(["simulate", m, "--out", tmp_path / "o.h5", "--quiet"])
    one_error_line(r, "huge_header.npz", "'joints'", "limit")


def test_a_header_bigger_than_its_data_is_a_damaged_file(tmp_path):
    m = lying_header_npz(tmp_path, frames=1000)  # 408 kB claimed, 64 bytes there
    r = run_cli(["simulate", m, "--out", tmp_path / "o.h5", "--quiet"])
    one_error_line(r, "huge_header.npz", "damaged")


@pytest.mark.slow
def test_a_zip_bomb_is_refused_before_unpacking(tmp_path):
    m = zip_bomb_npz(tmp_path, gib=2.5)
    r = run_cli(["simulate", m, "--out", tmp_path / "o.h5", "--quiet"])
    one_error_line(r, "bomb.npz", "limit")


def test_one_timestamp_30_days_late_names_the_jump(tmp_path):
    """One wrong timestamp in a real recording made a 259-million-sample grid (11.6 GiB)."""
    t = np.arange(3000) / 100.0
    t[-1] += 30 * 86400
    real = real_csv(tmp_path, "late.csv", t=t)
    sim = tmp_path / "sim.h5"
    assert run_cli(["simulate", good_motion(tmp_path), "--out", sim, "--quiet", "--device", "ideal"]).returncode == 0
    r = run_cli(["realism", sim, real, "--out", tmp_path / "rep"])
    line = one_error_line(r, "late.csv", "30 days", "limit")
    assert "line 3001" in line


@pytest.mark.parametrize("rate", ["1e-6", "0", "-5", "inf"])
def test_realism_rate_out_of_range(tmp_path, rate):
    r = run_cli(["realism", tmp_path / "a.h5", tmp_path / "b.csv", "--out", tmp_path / "rep", "--rate", rate])
    one_error_line(r, "--rate")


@pytest.mark.parametrize(
    "extra, needle",
    [
        (["train", "D.h5", "--out", "m", "--lr", "nan"], "--lr"),  # AdamW: 'Invalid learning rate'
        (["train", "D.h5", "--out", "m", "--lr", "-1"], "--lr"),
        (["train", "D.h5", "--out", "m", "--seed", "100000000000000000000000"], "--seed"),  # torch overflow
        (["train", "D.h5", "--out", "m", "--patience", "-3"], "--patience"),  # stopped after one epoch
        (["train", "D.h5", "--out", "m", "--epochs", "0"], "--epochs"),
        (["evaluate", "M", "R.csv", "--out", "r", "--hop", "nan"], "--hop"),  # ValueError in round()
        (["evaluate", "M", "R.csv", "--out", "r", "--hop", "inf"], "--hop"),  # OverflowError
        (["evaluate", "M", "R.csv", "--out", "r", "--min-fraction", "-1"], "--min-fraction"),  # scored nonsense
        (["benchmark", "--real", "R.csv", "--out", "r", "--model-rate", "1e9"], "--model-rate"),  # 6 GiB grid
        (["benchmark", "--real", "R.csv", "--out", "r", "--hop", "inf"], "--hop"),
        (["benchmark", "--real", "R.csv", "--out", "r", "--window", "nan"], "--window"),
        (["benchmark", "--real", "R.csv", "--out", "r", "--variants", "100000"], "--variants"),
        (["benchmark", "--real", "R.csv", "--out", "r", "--seeds", ""], "--seeds"),  # no runs, exit 0
        (["benchmark", "--real", "R.csv", "--out", "r", "--seeds", "-5"], "--seeds"),
        (["project", "add", "P", "x.npz", "--gpus-per-video", "-1"], "--gpus-per-video"),
    ],
)
def test_learning_and_batch_options_out_of_range(tmp_path, extra, needle):
    # checked when the options are parsed: one line, exit 2, before any file is read
    r = run_cli(extra, cwd=tmp_path)
    one_error_line(r, needle)
    assert not any(tmp_path.iterdir())


def test_a_deepmimic_loop_of_a_billion_seconds_is_refused_before_allocating(tmp_path):
    from pathlib import Path

    walk = Path(__file__).resolve().parents[2] / "resources" / "motions" / "deepmimic" / "humanoid3d_walk.txt"
    r = run_cli(["import", walk, "--out", tmp_path / "w.npz", "--loop", "1e9"])  # asked for 224 GiB
    one_error_line(r, "humanoid3d_walk.txt", "limit")
    assert not (tmp_path / "w.npz").exists()


def test_a_model_whose_config_asks_for_a_huge_rate_is_refused_before_resampling(tmp_path):
    # a model folder is user input too: its config.json's rate decides the resampled recording's size
    import json

    from imu2safety.core.learn.data import Windows
    from imu2safety.core.learn.train import TrainConfig, train_model
    from imu2safety.core.project.taxonomy import load_taxonomy

    tax = load_taxonomy()
    rng = np.random.default_rng(0)
    y = np.repeat([tax.code("walking"), tax.code("standing")], 8)
    n = y.size
    w = Windows(
        rng.normal(0, 1, (n, 20, 6)).astype(np.float32),
        y,
        np.zeros(n, np.int8),
        np.full(n, -1, np.int8),
        np.arange(n),
        np.zeros(n, np.int64),
        10.0,
    )
    info = {"rate_hz": 10.0, "hop": 10, "gravity": "included", "min_fraction": 0.5, "axes": "sensor"}
    train_model(w, None, tax, tmp_path / "m", TrainConfig(model="cnn", epochs=1, model_options={"width": 8}), info)
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    cfg["input"]["rate_hz"] = 1e5  # the top IMU rate: 200 s of a 100 Hz recording become 2e7 samples
    (tmp_path / "m" / "config.json").write_text(json.dumps(cfg))
    rec = real_csv(tmp_path, "r.csv", n=20_000)
    (tmp_path / "seg.csv").write_text("start_s,end_s,label\n0,200,walking\n")
    r = run_cli(
        ["evaluate", tmp_path / "m", rec, "--segments", tmp_path / "seg.csv", "--out", tmp_path / "rep", "--quiet"]
    )
    one_error_line(r, "r.csv", "limit")
