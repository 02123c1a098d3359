"""A thread count beyond a C int (or beyond MAX_THREADS) is a one-line error before any model loads (fuzz,
issue 11: 'reconstruct --threads 99999999999999999999999' ended in 'internal error: TypeError:
CreateWrapperFromBuffer(): incompatible function arguments')."""

import pytest

from imu2safety.app.cli.main import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.blazepose import BlazePoseEstimator


@pytest.mark.parametrize("threads", [1025, 99999999999999999999999, 0])
def test_blazepose_refuses_odd_thread_counts(threads):
    with pytest.raises(InputError, match="--threads must be between 1 and 1024"):
        BlazePoseEstimator(threads=threads)


@pytest.mark.parametrize("cmd", [["reconstruct", "v.mp4", "--out", "o.npz"], ["project", "add", "P", "v.mp4"]])
def test_cli_refuses_huge_thread_counts(tmp_path, capsys, cmd):
    (tmp_path / "v.mp4").write_bytes(b"")
    argv = [str(tmp_path / a) if a in ("v.mp4", "o.npz", "P") else a for a in cmd]
    assert main(argv + ["--threads", "99999999999999999999999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["imu2safety: error: --threads must be at most 1024, got 99999999999999999999999"]
