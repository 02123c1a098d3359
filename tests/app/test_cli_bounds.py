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
