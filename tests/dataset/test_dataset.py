"""The dataset reader and the PyTorch Dataset over windows."""

import h5py
import numpy as np
import pytest
import torch
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.dataset.reader import WindowDataset, open_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    folder = make_project(root / "p", subjects=("S1", "S2", "S3"), clips_per_subject=2, seconds=5.0)
    out = root / "d.h5"
    export_dataset(folder, out, ExportConfig(val=0.34, test=0.34, variants=2, seed=1))
    return out


def test_reader_exposes_taxonomy_units_splits(data):
    with open_dataset(data) as ds:
        assert ds.taxonomy.code("falling") == 0 and ds.units["gyro"] == "rad/s"
        assert sorted(sum((ds.split_clips(k) for k in ("train", "val", "test")), [])) == sorted(ds.clip_ids)
        with pytest.raises(InputError, match="unknown split"):
            ds.split_clips("holdout")
        c = ds.clip(ds.clip_ids[0])
        assert c["imu"]["acc"].shape[1] == 3 and c["skeleton"]["joints"].shape[1:] == (17, 3)
        assert c["skeleton"]["skeleton"] == "h36m17" and len(c["segments"]) == 2
        with pytest.raises(InputError, match="no clip"):
            ds.clip("nope")
        walk, fall = ds.segments(ds.clip_ids[0])
        assert walk["behaviour"] == "walking" and walk["phase"] is None and walk["severity"] is None
        assert fall["behaviour"] == "falling" and fall["phase"] == "impact" and fall["severity"] == 2
        assert fall["occluded"] and not fall["partly_out_of_frame"] and fall["annotator"] == "tester"


def test_window_dataset_items_match_the_file(data):
    with open_dataset(data) as ds:
        idx = ds.window_indices("train")
        X, y, safety = ds.windows["X"][()], ds.windows["y"][()], ds.windows["safety"][()]
    for in_memory in (False, True):
        wd = WindowDataset(data, split="train", in_memory=in_memory)
        assert len(wd) == len(idx) > 0
        for i in (0, len(wd) // 2, len(wd) - 1):
            x, t = wd[i]
            assert x.dtype == torch.float32 and x.shape == (200, 6)
            np.testing.assert_array_equal(x.numpy(), X[idx[i]])
            assert t.dtype == torch.int64 and int(t) == y[idx[i]]
    ws = WindowDataset(data, split="train", target="safety")
    assert int(ws[0][1]) == safety[idx[0]]
    v0 = WindowDataset(data, split="train", variants=[0])
    assert 2 * len(v0) == len(wd)
    loader = torch.utils.data.DataLoader(wd, batch_size=8, shuffle=False)
    xb, yb = next(iter(loader))
    assert xb.shape == (8, 200, 6) and yb.shape == (8,)
    assert set(np.unique(y)) <= {0, 7}  # falling and walking only


def test_window_dataset_works_in_worker_processes(data):
    wd = WindowDataset(data, split=None)
    loader = torch.utils.data.DataLoader(wd, batch_size=16, num_workers=2)
    n = sum(xb.shape[0] for xb, _ in loader)
    assert n == len(wd)


def test_not_a_dataset(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        open_dataset(tmp_path / "none.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(InputError, match="not a readable HDF5"):
        open_dataset(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("x", data=[1])
    with pytest.raises(InputError, match="not an imu2safety dataset"):
        open_dataset(tmp_path / "other.h5")
