"""The benchmark on the shipped BasicMotions recordings (small settings) and the synthetic sources."""

import json

import numpy as np
from helpers import TAX

from imu2safety.app.cli.main import main
from imu2safety.core.learn.benchmark import BenchmarkConfig, split_units
from imu2safety.core.learn.sources import Augment, SyntheticSpec, synthetic_windows, variant_of_unit

BM = ["tests/data/basicmotions/BasicMotions_TRAIN.ts", "tests/data/basicmotions/BasicMotions_TEST.ts"]


def test_split_units_is_disjoint_and_stratified():
    units = np.arange(40)
    labels = np.repeat([7, 9, 10, 12], 10)
    cfg = BenchmarkConfig()
    for seed in range(5):
        test, val, fit, _ = split_units(units, labels, cfg, seed)
        assert not (set(test) & set(val)) and not (set(test) & set(fit)) and not (set(val) & set(fit))
        assert set(test) | set(val) | set(fit) == set(units)
        for c in (7, 9, 10, 12):
            assert (labels[test] == c).sum() == 5 and (labels[fit] == c).sum() >= 3


def test_synthetic_windows_cover_the_sources_with_augmentation():
    spec = SyntheticSpec(
        sources=("standing", "deepmimic:walk", "deepmimic:run"),
        rate_hz=20.0,
        variants=4,
        gravity="removed",
        duration_s=12.0,
    )
    w, prov = synthetic_windows(spec, TAX)
    assert {TAX.behaviour_of_code(c) for c in np.unique(w.y)} == {"standing", "walking", "running"}
    assert w.X.shape[1:] == (40, 6) and w.gravity == "removed"
    assert {p["wrist"] for p in prov} == {"left", "right"}
    assert len({p["preset"] for p in prov}) == 4
    assert len({round(p["time_warp"], 6) for p in prov}) == len(prov)
    assert set(variant_of_unit(w, 4)) == {0, 1, 2, 3}
    # gravity removed: standing windows keep no 1 g mean (running ones do keep the low-pass estimate's error,
    # as a real watch's do: the arm's own mean acceleration pulls the gravity estimate away)
    still = w.y == TAX.code("standing")
    means = np.linalg.norm(w.X[still][..., :3].mean(axis=1), axis=1)
    assert np.median(means) < 0.5 and means.max() < 9.80665 / 2  # gestures move gravity faster than 0.3 Hz
    # running shakes the wrist more than walking, walking more than standing
    sd = {c: w.X[w.y == TAX.code(c)][..., 3:].std() for c in ("standing", "walking", "running")}
    assert sd["standing"] < sd["walking"] < sd["running"]
    w2, _ = synthetic_windows(
        SyntheticSpec(
            sources=("standing",), rate_hz=20.0, variants=2, duration_s=12.0, augment=Augment(native_axes=False)
        ),
        TAX,
    )
    assert len(w2) > 0


def test_benchmark_on_basicmotions_small(tmp_path, capsys):
    rc = main(
        [
            "benchmark",
            "--real",
            *BM,
            "--rate",
            "10",
            "--out",
            str(tmp_path / "rep"),
            "--models",
            "cnn",
            "--seeds",
            "0",
            "--epochs",
            "8",
            "--variants",
            "2",
            "--sources",
            "standing,deepmimic:walk,deepmimic:run",
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0
    rep = json.loads((tmp_path / "rep" / "report.json").read_text())
    assert rep["class_overlap"] == ["walking", "standing", "running"]
    assert rep["excluded"]["unmapped_real_labels"] == {"Badminton": 180}
    assert rep["split"] == "recording" and rep["real_units"] == 60
    assert {r["arm"] for r in rep["runs"]} == {
        "TSTR",
        "TRTR 10 %",
        "TRTR 100 %",
        "mixed 10 %",
        "mixed 100 %",
        "shuffled",
    }
    assert all(r["test_windows"] == rep["runs"][0]["test_windows"] for r in rep["runs"])
    assert abs(rep["chance"]["uniform"] - 1 / 3) < 0.01
    assert "| TSTR |" in out and "Badminton" in out
    trtr = [r for r in rep["runs"] if r["arm"] == "TRTR 100 %"][0]
    assert trtr["macro_f1"] > 0.8  # the real classes are easy to tell apart at 10 Hz


def test_segment_units_cut_windows_inside_each_stretch(tmp_path):
    from helpers import class_signal

    from imu2safety.core.learn.benchmark import segment_units
    from imu2safety.core.learn.evaluate import recordings_to_windows
    from imu2safety.core.learn.labels import LabelMap
    from imu2safety.core.learn.recordings import load_labelled

    rng = np.random.default_rng(0)
    plan = [("walking", 12), ("running", 9), ("standing", 10), ("walking", 7), ("running", 11)]
    x = np.concatenate([class_signal(k, int(s * 10), 10.0, rng) for k, s in plan])
    t = np.arange(len(x)) / 10.0
    np.savetxt(tmp_path / "r.csv", np.column_stack([t, x]), delimiter=",", header="time,ax,ay,az,gx,gy,gz", comments="")
    edges = np.cumsum([0] + [s for _, s in plan])
    (tmp_path / "seg.csv").write_text(
        "start_s,end_s,label\n" + "".join(f"{a},{b},{k}\n" for (k, _), a, b in zip(plan, edges[:-1], edges[1:]))
    )
    opts = {"acc_units": "m/s2", "gyro_units": "rad/s", "gravity": "included"}
    rec = load_labelled([str(tmp_path / "r.csv")], opts, str(tmp_path / "seg.csv"))
    units = segment_units(rec)
    assert len(units) == 5
    w = recordings_to_windows(units, LabelMap(TAX), 10.0, 20, 10, "included")
    for u in range(5):
        s0 = edges[u]
        starts = s0 + w.start[w.unit == u] / 10.0
        assert starts.min() >= edges[u] and (starts + 2.0).max() <= edges[u + 1] + 1e-9  # inside its stretch
        assert set(w.y[w.unit == u]) == {TAX.code(plan[u][0])}
