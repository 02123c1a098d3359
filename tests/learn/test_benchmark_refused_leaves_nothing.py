"""A benchmark refused for its inputs leaves no report folder behind (fuzz, issue 11: 'benchmark --real
FIFO|folder|missing --out bm' printed its one-line error but left an empty bm/)."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.learn.benchmark import BenchmarkConfig, run_benchmark


@pytest.mark.parametrize("real", ["missing.csv", "folder"])
def test_no_folder_after_refused_inputs(tmp_path, real):
    (tmp_path / "folder").mkdir()
    out = tmp_path / "bm"
    with pytest.raises(InputError):
        run_benchmark([tmp_path / real], out, BenchmarkConfig(models=("cnn",), seeds=(0,), epochs=1, variants=1))
    assert not out.exists()
