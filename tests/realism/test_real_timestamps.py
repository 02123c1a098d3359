"""Real recordings as real watches write them (issue 11): chunks out of order, repeated rows, epoch
nanoseconds; and device calibration refuses data with no noise."""

import sys
from pathlib import Path

import numpy as np
import pytest

from imu2safety.core.realism.real_io import read_csv

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))
from hostile import one_error_line, real_csv, run_cli  # noqa: E402


def _chunked_order(n=3000, chunk=100, swaps=((3, 4), (10, 12), (20, 27)), dup_at=500, n_dup=10):
    """Row order of a CrowdSignals-like export: chunks of 100 rows written out of order, and the
    last rows of one chunk written again at the start of the next."""
    order = np.arange(n).reshape(-1, chunk)
    for a, b in swaps:
        order[[a, b]] = order[[b, a]]
    o = order.ravel()
    return np.r_[o[:dup_at], o[dup_at - n_dup : dup_at], o[dup_at:]]


def test_backward_chunks_are_sorted_deduplicated_and_counted(tmp_path):
    ref = real_csv(tmp_path, "ref.csv")
    order = _chunked_order()
    lines = ref.read_text().splitlines()
    body = [lines[1 + i] for i in order]
    shuffled = tmp_path / "watch.csv"
    shuffled.write_text("\n".join([lines[0]] + body) + "\n")
    a, b = read_csv(ref), read_csv(shuffled)
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.acc, b.acc)
    np.testing.assert_array_equal(a.gyro, b.gyro)
    info = b.meta["timestamps"]
    assert info["duplicates_dropped"] == 10
    assert info["backward_jumps"] == np.count_nonzero(np.diff(order) < 0) == 6  # 5 from the swaps, 1 the repeat
    assert info["rows_moved"] > 0
    assert a.meta["timestamps"] == {"backward_jumps": 0, "rows_moved": 0, "duplicates_dropped": 0}


def test_the_cli_says_how_many_rows_moved(tmp_path):
    ref = real_csv(tmp_path, "ref.csv")
    lines = ref.read_text().splitlines()
    shuffled = tmp_path / "watch.csv"
    shuffled.write_text("\n".join([lines[0]] + [lines[1 + i] for i in _chunked_order()]) + "\n")
    still = real_csv(
        tmp_path,
        "still.csv",
        acc=np.tile([0, 0, 9.81], (3000, 1)) + 0.003 * np.random.default_rng(1).standard_normal((3000, 3)),
        gyro=0.001 * np.random.default_rng(2).standard_normal((3000, 3)),
    )
    lines = still.read_text().splitlines()
    shuffled_still = tmp_path / "still_shuffled.csv"
    shuffled_still.write_text("\n".join([lines[0]] + [lines[1 + i] for i in _chunked_order()]) + "\n")
    r = run_cli(["calibrate", "device", shuffled_still, "--out", tmp_path / "p.json", "--gyro-units", "rad/s"])
    assert r.returncode == 0, r.stderr
    err = r.stderr.decode()
    assert "still_shuffled.csv" in err and "backwards 6 time(s)" in err and "dropped 10 row(s)" in err, err


def test_epoch_nanoseconds_are_exact(tmp_path):
    """19-digit epoch nanoseconds: float64 keeps ~16 digits (256 ns steps at 1.7e18)."""
    start = 1_700_000_000_123_456_789
    exact = read_csv(real_csv(tmp_path, "exact.csv", t=list(start + np.arange(3000, dtype=np.int64) * 10_000_000)))
    # exact 10 ms steps: parsed as float64 they came out 9999872 / 10000128 ns apart (1.3e-7 s of jitter)
    assert exact.meta["resampling"]["max_jitter_s"] < 1e-12
    np.testing.assert_array_equal(exact.time, np.arange(3000) * 1e7 * 1e-9)
    rng = np.random.default_rng(0)
    jitter = rng.integers(-300_000, 300_000, 3000)  # +-0.3 ms of real scheduling jitter
    t_ns = start + np.arange(3000, dtype=np.int64) * 10_000_000 + jitter
    rec = read_csv(real_csv(tmp_path, "epoch.csv", t=list(t_ns)), rate_hz=100.0)
    want = np.max(np.abs(np.diff((t_ns - t_ns[0]) * 1e-9) - 0.01))
    assert abs(rec.meta["resampling"]["max_jitter_s"] - want) < 1e-12
    assert rec.meta["time_units"] == "ns" and rec.meta["integer_timestamps"]


@pytest.mark.parametrize("kind", ["zeros", "constant", "constant_gyro"])
def test_calibrate_device_refuses_noise_free_data(tmp_path, kind):
    n = 3000
    rng = np.random.default_rng(0)
    acc = {
        "zeros": np.zeros((n, 3)),
        "constant": np.tile([0.1, -0.2, 9.81], (n, 1)),
        "constant_gyro": np.tile([0, 0, 9.81], (n, 1)) + 0.003 * rng.standard_normal((n, 3)),
    }[kind]
    gyro = np.zeros((n, 3)) if kind != "constant" else np.tile([0.01, 0.0, -0.02], (n, 1))
    real = real_csv(tmp_path, f"{kind}.csv", acc=acc, gyro=gyro)
    r = run_cli(
        [
            "calibrate",
            "device",
            real,
            "--out",
            tmp_path / "p.json",
            "--acc-units",
            "m/s2",
            "--gyro-units",
            "rad/s",
            "--gravity",
            "included",
        ]
    )
    one_error_line(r, f"{kind}.csv", "noise")
    assert not (tmp_path / "p.json").exists()
