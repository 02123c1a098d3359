"""'imu2safety train' on an exported dataset: outputs, refusal to overwrite, gravity removal, bad input."""

import json

import numpy as np
import pytest
from project_factory import make_project

from imu2safety.app.cli.main import main
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.learn.data import from_dataset, remove_gravity
from imu2safety.core.sim.devices import G


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("ds")
    folder = make_project(root / "p", seconds=8.0)
    out = root / "ds.h5"
    export_dataset(folder, out, ExportConfig(val=0.25, test=0.25, seed=1, rate_hz=50.0, hop_s=0.5))
    return out


def test_train_writes_the_model_folder_and_refuses_to_overwrite(dataset, tmp_path, capsys):
    out = tmp_path / "model"
    argv = ["train", str(dataset), "--out", str(out), "--model", "cnn", "--epochs", "3", "--quiet"]
    assert main(argv) == 0
    assert "training windows" in capsys.readouterr().out
    for name in ("model.safetensors", "config.json", "labels.json", "metrics.json"):
        assert (out / name).is_file()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["input"]["rate_hz"] == 50.0 and cfg["input"]["window"] == 100 and cfg["model"]["kind"] == "cnn"
    assert [c["id"] for c in cfg["classes"]] == ["falling", "walking"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["val_windows"] > 0 and len(metrics["history"]) >= 1
    assert main(argv) == 2
    assert "already holds a trained model" in capsys.readouterr().err
    assert main(argv + ["--overwrite"]) == 0


def test_gravity_removed_windows_are_recut_from_whole_clips(dataset):
    w_in = from_dataset(dataset, "train")
    w_out = from_dataset(dataset, "train", gravity="removed")
    assert np.array_equal(w_in.y, w_out.y) and np.array_equal(w_in.X[..., 3:], w_out.X[..., 3:])
    # with gravity the mean |acc| is ~g; without it the acceleration is small
    assert abs(np.linalg.norm(w_in.X[..., :3], axis=2).mean() - G) < 1.0
    assert np.linalg.norm(w_out.X[..., :3].mean(axis=1), axis=1).mean() < 1.0


def test_remove_gravity_of_a_still_tilted_sensor_is_zero():
    g = G * np.array([0.0, np.sin(0.3), np.cos(0.3)])
    acc = np.tile(g, (500, 1))
    assert np.abs(remove_gravity(acc, np.ones(500, bool), 50.0)).max() < 1e-6


def test_train_bad_inputs(tmp_path, capsys):
    (tmp_path / "x.h5").write_bytes(b"not hdf5")
    assert main(["train", str(tmp_path / "x.h5"), "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "x.h5" in err and len(err.strip().splitlines()) == 1
    assert main(["train", str(tmp_path / "missing.h5"), "--out", str(tmp_path / "m")]) == 2
    assert "no such file" in capsys.readouterr().err
