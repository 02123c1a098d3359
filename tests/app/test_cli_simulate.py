"""`imu2safety simulate`: the file it writes, and every bad input as one clear line."""

import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from motion_factory import still

from imu2safety.app.cli import main
from imu2safety.core.motion.interchange import save_motion
from imu2safety.core.sim.devices import G


@pytest.fixture
def motion_file(tmp_path):
    return save_motion(still("down", seconds=3), tmp_path / "m.npz")


def run_cli(*args):
    return main(["simulate", *map(str, args), "--quiet"])


def test_writes_hdf5_with_datasets_and_attributes(tmp_path, motion_file):
    out = tmp_path / "o.h5"
    assert run_cli(motion_file, "--out", out, "--wrist", "right", "--rate", 50, "--seed", 3) == 0
    with h5py.File(out) as f:
        n = int(np.floor(89 / 30 * 50)) + 1
        assert f["acc"].shape == f["gyro"].shape == (n, 3)
        np.testing.assert_array_equal(f["time"][()], np.arange(n) / 50)
        a = f.attrs
        assert a["wrist"] == "right" and a["rate_hz"] == 50 and a["seed"] == 3
        assert json.loads(a["device"])["id"] == "watch-bmi270"
        assert "distal" in a["sensor_frame"] and a["version"]
        # a realistic watch at rest still reads about -g on x
        assert abs(np.mean(f["acc"][:, 0]) + G) < 0.5


def test_default_rate_is_the_presets_and_ideal_has_no_errors(tmp_path, motion_file):
    out = tmp_path / "o.h5"
    assert run_cli(motion_file, "--out", out, "--device", "band-bmi160") == 0
    with h5py.File(out) as f:
        assert f.attrs["rate_hz"] == 50
    assert run_cli(motion_file, "--out", out, "--device", "ideal") == 0
    with h5py.File(out) as f:
        np.testing.assert_array_equal(f["acc"][()], f["acc_clean"][()])
        np.testing.assert_allclose(f["acc"][:, 0], -G)


def test_seed_bit_identical(tmp_path, motion_file):
    outs = [tmp_path / f"{k}.h5" for k in "abc"]
    for o, seed in zip(outs, (1, 1, 2)):
        assert run_cli(motion_file, "--out", o, "--seed", seed) == 0
    a, b, c = ([h5py.File(o)["acc"][()], h5py.File(o)["gyro"][()]] for o in outs)
    assert a[0].tobytes() == b[0].tobytes() and a[1].tobytes() == b[1].tobytes()
    assert not np.array_equal(a[0], c[0])


def _bad(tmp_path, name, make):
    p = tmp_path / name
    make(p)
    return p


BAD = {
    "missing": (lambda p: None, "no such file"),
    "corrupt": (lambda p: p.write_bytes(b"PK\x03\x04 garbage that is not a zip"), "not a readable .npz"),
    "truncated": (lambda p: (save_motion(still(), p), p.write_bytes(p.read_bytes()[:200])), "not a readable .npz"),
    "shape": (lambda p: np.savez(p, joints=np.zeros((10, 17)), fps=30.0, skeleton="h36m17"), "shape (T, J, 3)"),
    "joints": (lambda p: np.savez(p, joints=np.zeros((10, 16, 3)), fps=30.0, skeleton="h36m17"), "has 16 joints"),
    "nan": (lambda p: np.savez(p, joints=np.full((10, 17, 3), np.nan), fps=30.0, skeleton="h36m17"), "all NaN"),
    "skeleton": (
        lambda p: np.savez(p, joints=np.zeros((10, 17, 3)), fps=30.0, skeleton="smurf"),
        "unknown skeleton 'smurf'",
    ),
    "fps0": (
        lambda p: np.savez(p, joints=np.zeros((10, 17, 3)), fps=0.0, skeleton="h36m17"),
        "'fps' must be a positive",
    ),
    "fpsneg": (
        lambda p: np.savez(p, joints=np.zeros((10, 17, 3)), fps=-30.0, skeleton="h36m17"),
        "'fps' must be a positive",
    ),
    "nokey": (lambda p: np.savez(p, joints=np.zeros((10, 17, 3)), skeleton="h36m17"), "missing key 'fps'"),
    "conf": (
        lambda p: np.savez(p, joints=np.zeros((10, 17, 3)), fps=30.0, skeleton="h36m17", confidence=np.ones((10, 3))),
        "'confidence' must have shape",
    ),
    "mm": (
        lambda p: np.savez(
            p, joints=np.random.default_rng(0).normal(0, 2000, (10, 17, 3)), fps=30.0, skeleton="h36m17"
        ),
        "expected metres",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_motion_file_one_line_no_output(tmp_path, capsys, case):
    make, words = BAD[case]
    src = tmp_path / f"{case}.npz"
    make(src)
    out = tmp_path / "out.h5"
    assert run_cli(src, "--out", out) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert str(src) in err and words in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.h5")] == []


def test_bad_options(tmp_path, capsys, motion_file):
    out = tmp_path / "o.h5"
    assert run_cli(motion_file, "--out", out, "--device", "nope") == 2
    assert "unknown device preset 'nope'" in capsys.readouterr().err
    # numeric options are checked by argparse against core/base/limits.py: exit 2 before any file is read
    for opt, bad, needle in (
        ("--rate", "-5", "argument --rate: must be between 0.5 and 100000 Hz"),
        ("--rate", "1e9", "argument --rate: must be between"),  # would need ~70 GB
        ("--cutoff", "0", "argument --cutoff: must be between 0.1"),
        ("--cutoff", "-3", "argument --cutoff"),
        ("--cutoff", "nan", "argument --cutoff: must be a finite number"),
        ("--cutoff", "inf", "argument --cutoff: must be a finite number"),
        ("--seed", "-1", "argument --seed: must be a whole number from 0 to 2^63-1"),
        ("--pronation", "nan", "argument --pronation: must be a finite number"),
    ):
        with pytest.raises(SystemExit) as e:
            run_cli(motion_file, "--out", out, f"{opt}={bad}")
        assert e.value.code == 2
        assert needle in capsys.readouterr().err
    assert run_cli(motion_file, "--out", tmp_path / "no" / "dir" / "o.h5") == 2
    assert "does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_failed_write_keeps_the_earlier_file(tmp_path, capsys, motion_file, monkeypatch):
    out = tmp_path / "o.h5"
    assert run_cli(motion_file, "--out", out, "--seed", 1) == 0
    before = out.read_bytes()
    import imu2safety.core.sim.imu_io as imu_io

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(imu_io.h5py.File, "create_dataset", boom)
    assert run_cli(motion_file, "--out", out, "--seed", 2) == 2
    assert f"{out}: could not write (No space left on device)" in capsys.readouterr().err
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "o.h5"]


def test_real_process_prints_no_traceback(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "imu2safety.app.cli",
            "simulate",
            str(tmp_path / "x.npz"),
            "--out",
            str(tmp_path / "o.h5"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == f"imu2safety: error: {tmp_path / 'x.npz'}: no such file"


def test_same_seed_same_bytes_across_processes(tmp_path):
    # two separate interpreters (different hash seeds) write byte-identical files
    from motion_factory import spinning_forearm

    src = save_motion(spinning_forearm(3.0, seconds=2), tmp_path / "spin.npz")
    outs = []
    for k in range(2):
        out = tmp_path / f"{k}.h5"
        env = dict(os.environ, PYTHONHASHSEED=str(k + 1))
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "imu2safety.app.cli",
                "simulate",
                str(src),
                "--out",
                str(out),
                "--seed",
                "5",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    with h5py.File(tmp_path / "0.h5") as f:
        assert not np.array_equal(f["acc"][()], f["acc_clean"][()])  # device errors were applied


def test_implausible_joint_jumps_are_warned_and_recorded(tmp_path, capsys):
    m = still("down", seconds=2)
    m.joints[20:, 13] += [0.0, 0.0, 0.8]  # the left wrist jumps 0.8 m in one frame (24 m/s at 30 fps)
    src = save_motion(m, tmp_path / "glitch.npz")
    out = tmp_path / "o.h5"
    assert run_cli(src, "--out", out, "--device", "ideal") == 0
    err = capsys.readouterr().err
    assert f"warning: {src}: joints jump faster than 15 m/s at frames 20 " in err
    with h5py.File(out) as f:
        assert json.loads(f.attrs["provenance"])["implausible_frames"] == [20]
    # a calm motion gets no warning
    assert run_cli(save_motion(still("down"), tmp_path / "calm.npz"), "--out", out) == 0
    assert "joints jump" not in capsys.readouterr().err
