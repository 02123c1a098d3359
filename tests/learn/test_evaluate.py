"""Evaluation on real-recording files: label maps, confusion shape and order, resampling, bad input."""

import csv
import json

import numpy as np
import pytest
from helpers import INPUT, TAX, TINY, class_signal, separable

from imu2safety.app.cli.main import main
from imu2safety.core.learn.labels import LabelMap, normalise
from imu2safety.core.learn.train import TrainConfig, train_model

RATE = 25.0
PLAN = [("Walk", 0.0, 8.0), ("RUN", 8.0, 16.0), ("standing", 16.0, 24.0), ("Badminton", 24.0, 30.0)]
KIND = {"Walk": "walking", "RUN": "running", "standing": "standing", "Badminton": "standing"}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("m")
    train_model(
        separable(60, seed=0),
        separable(15, seed=1),
        TAX,
        root / "m",
        TrainConfig(model="patchformer", epochs=12, batch=32, lr=3e-3, model_options=dict(TINY)),
        INPUT,
    )
    return root / "m"


def write_recording(path, rate=RATE, plan=PLAN, label_column=True, seed=3):
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for name, a, b in plan:
        n = int(round((b - a) * rate))
        rows.append(class_signal(KIND[name], n, rate, rng))
        labels += [name] * n
    x = np.concatenate(rows)
    t = np.arange(len(x)) / rate
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "ax", "ay", "az", "gx", "gy", "gz"] + (["label"] if label_column else []))
        for i in range(len(x)):
            w.writerow([f"{t[i]:.5f}"] + [f"{v:.5f}" for v in x[i]] + ([labels[i]] if label_column else []))
    return np.array(labels)


READER = ["--acc-units", "m/s2", "--gyro-units", "rad/s", "--gravity", "included"]


def expected_counts(labels, window=32, hop=16):
    """Windows per label by the export rule, computed here directly: a label covering >= half the window;
    on a tie the smaller taxonomy code wins (unmapped labels last)."""
    code = {
        "Walk": TAX.code("walking"),
        "RUN": TAX.code("running"),
        "standing": TAX.code("standing"),
        "Badminton": 10**6,
    }
    counts = {}
    for s in range(0, len(labels) - window + 1, hop):
        names, k = np.unique(labels[s : s + window], return_counts=True)
        ok = [n for n, c in zip(names, k) if c >= window / 2]
        if ok:
            best = min(ok, key=lambda n: (-int(k[list(names).index(n)]), code[n]))
            counts[best] = counts.get(best, 0) + 1
    return counts


def test_label_map_matching():
    lm = LabelMap(TAX, {"Walk": "walking", "Jog": "Running"})
    assert normalise("Losing  balance") == normalise("losing-balance") == "losing_balance"
    assert lm.resolve("walk") == "walking" and lm.resolve("JOG") == "running"
    assert lm.resolve("Losing balance") == "losing_balance"  # display names are accepted
    assert lm.resolve("jumping-from-height") == "jumping_from_height"
    assert lm.resolve("Badminton") is None


def test_confusion_shape_order_and_unmapped_labels(model, tmp_path, capsys):
    labels = write_recording(tmp_path / "rec.csv")
    rc = main(
        [
            "evaluate",
            str(model),
            str(tmp_path / "rec.csv"),
            "--out",
            str(tmp_path / "rep"),
            "--label-map",
            "Walk=walking,RUN=running",
            "--quiet",
        ]
        + READER
    )
    err = capsys.readouterr().err
    assert rc == 0
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert rep["classes"] == ["walking", "standing", "running"]
    cm = np.array(rep["confusion"]["matrix"])
    assert cm.shape == (3, 3)
    exp = expected_counts(labels)
    assert cm.sum(axis=1).tolist() == [exp["Walk"], exp["standing"], exp["RUN"]]
    assert np.trace(cm) / cm.sum() > 0.9
    assert rep["unmapped_labels"] == ["Badminton"]
    assert rep["not_scored"]["Badminton"]["windows"] == exp["Badminton"]
    assert "Badminton" in err and "not mapped" in err
    assert (tmp_path / "rep" / "confusion.png").stat().st_size > 1000
    with open(tmp_path / "rep" / "predictions.csv") as fh:
        assert sum(1 for _ in fh) - 1 == sum(exp.values())


def test_several_recordings_keep_their_names(model, tmp_path, capsys):
    write_recording(tmp_path / "a.csv", seed=4)
    write_recording(tmp_path / "b.csv", seed=5)
    assert (
        main(
            [
                "evaluate",
                str(model),
                str(tmp_path / "a.csv"),
                str(tmp_path / "b.csv"),
                "--out",
                str(tmp_path / "rep"),
                "--label-map",
                "Walk=walking,RUN=running,Badminton=ignore",
                "--quiet",
            ]
            + READER
        )
        == 0
    )
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert [r["windows"] for r in rep["recordings"]] == [rep["scored_windows"] // 2] * 2
    assert rep["ignored_labels"] == ["Badminton"] and rep["unmapped_labels"] == []
    with open(tmp_path / "rep" / "predictions.csv") as fh:
        names = [row["recording"] for row in csv.DictReader(fh)]
    assert names.count(str(tmp_path / "a.csv")) == names.count(str(tmp_path / "b.csv")) == len(names) // 2


def test_label_column_follows_the_readers_row_order(tmp_path):
    # a watch export written in chunks out of order (and one chunk edge repeated): the reader sorts the rows
    # by time, and the label column's segments must follow the same rows, on the same time origin
    from imu2safety.core.learn.recordings import load_labelled

    labels = write_recording(tmp_path / "rec.csv")
    lines = (tmp_path / "rec.csv").read_text().splitlines()
    head, rows = lines[0], lines[1:]
    k = 8 * int(RATE)  # rows of the first 8 s (Walk) written after the rest
    (tmp_path / "late.csv").write_text("\n".join([head] + rows[k:] + rows[: k + 1]) + "\n")
    opts = {"acc_units": "m/s2", "gyro_units": "rad/s", "gravity": "included"}
    (lr,) = load_labelled([str(tmp_path / "late.csv")], opts)
    assert lr.rec.n == len(labels)
    t = np.arange(lr.rec.n) / RATE
    got = np.full(lr.rec.n, "", dtype=object)
    for s0, s1, lab, _, _ in lr.segments:
        got[(t >= s0 - 1e-9) & (t < s1 - 1e-9)] = lab
    assert list(got) == list(labels)
    (ref,) = load_labelled([str(tmp_path / "rec.csv")], opts)
    assert lr.segments == ref.segments
    # the same in an HDF5 recording with a 'label' dataset
    import h5py

    data = np.loadtxt(tmp_path / "late.csv", delimiter=",", skiprows=1, usecols=range(7))
    with h5py.File(tmp_path / "late.h5", "w") as f:
        f["time"], f["acc"], f["gyro"] = data[:, 0] + 100.0, data[:, 1:4], data[:, 4:7]
        f["label"] = [ln.rsplit(",", 1)[1] for ln in (tmp_path / "late.csv").read_text().splitlines()[1:]]
    (lh,) = load_labelled([str(tmp_path / "late.h5")], opts)
    assert [x[2] for x in lh.segments] == [x[2] for x in ref.segments]
    np.testing.assert_allclose([x[:2] for x in lh.segments], [x[:2] for x in ref.segments], atol=1e-9)


def test_segments_csv_and_another_rate_is_resampled_and_said(model, tmp_path, capsys):
    write_recording(tmp_path / "rec50.csv", rate=50.0, label_column=False)
    (tmp_path / "seg.csv").write_text(
        "start_s,end_s,label,safety\n0,8,walking,safe\n8,16,running,safe\n16,24,standing,safe\n"
    )
    rc = main(
        [
            "evaluate",
            str(model),
            str(tmp_path / "rec50.csv"),
            "--segments",
            str(tmp_path / "seg.csv"),
            "--out",
            str(tmp_path / "rep"),
            "--quiet",
        ]
        + READER
    )
    err = capsys.readouterr().err
    assert rc == 0
    assert "recorded at 50 Hz, resampled to the model's 25 Hz" in err
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert rep["metrics"]["macro_f1"] > 0.85
    assert rep["safety"]["windows"] > 0


def test_bad_inputs_are_one_line_errors(model, tmp_path, capsys):
    write_recording(tmp_path / "rec.csv")
    cases = [
        (
            ["evaluate", str(model), str(tmp_path / "rec.csv"), "--label-map", "Walk=strolling"],
            "unknown label 'strolling'",
        ),
        (["evaluate", str(tmp_path), str(tmp_path / "rec.csv")], "model folder without config.json"),
    ]
    (tmp_path / "empty.csv").write_text("time,ax,ay,az,gx,gy,gz,label\n")
    cases.append((["evaluate", str(model), str(tmp_path / "empty.csv")], "empty.csv"))
    (tmp_path / "nolabel.csv").write_text(
        "time,ax,ay,az,gx,gy,gz\n" + "".join(f"{i / 25:.3f},0,0,9.8,0,0,0\n" for i in range(100))
    )
    cases.append((["evaluate", str(model), str(tmp_path / "nolabel.csv")], "no labels"))
    for argv, text in cases:
        rc = main(argv + ["--out", str(tmp_path / "r"), "--quiet"] + READER)
        err = capsys.readouterr().err.strip()
        assert rc == 2, (argv, err)
        assert text in err, (text, err)
        assert len(err.splitlines()) == 1 and "Traceback" not in err
