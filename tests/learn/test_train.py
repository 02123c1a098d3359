"""Training: separable classes are learned, shuffled labels are not, same seed same model, resume, reload."""

import json
import time

import numpy as np
import pytest
import torch
from helpers import INPUT, TAX, TINY, separable

from imu2safety.core.base.errors import InputError
from imu2safety.core.base.progress import Cancelled, CancelToken
from imu2safety.core.learn import checkpoint as ck
from imu2safety.core.learn.checkpoint import load_model
from imu2safety.core.learn.metrics import macro_f1
from imu2safety.core.learn.train import TrainConfig, train_model


def _cfg(model="patchformer", **kw):
    base = dict(
        model=model,
        epochs=12,
        batch=32,
        lr=3e-3,
        seed=0,
        model_options=dict(TINY) if model == "patchformer" else {"width": 16},
    )
    base.update(kw)
    return TrainConfig(**base)


def _score(folder, data):
    lm = load_model(folder)
    pred = np.array(lm.codes)[lm.predict(data.X)["behaviour"].argmax(1)]
    idx = {c: i for i, c in enumerate(lm.codes)}
    return macro_f1(np.array([idx[c] for c in data.y]), np.array([idx[c] for c in pred]), len(idx))


@pytest.mark.parametrize("model", ["patchformer", "cnn"])
def test_tiny_models_learn_separable_classes_in_seconds(tmp_path, model):
    train, val, test = separable(60, seed=0), separable(15, seed=1), separable(40, seed=2)
    t0 = time.perf_counter()
    res = train_model(train, val, TAX, tmp_path / "m", _cfg(model), INPUT)
    assert time.perf_counter() - t0 < 30
    assert _score(tmp_path / "m", test) > 0.9
    assert res.metrics["validation"]["macro_f1"] > 0.9
    cfg = json.loads((tmp_path / "m" / "config.json").read_text())
    assert [c["id"] for c in cfg["classes"]] == ["walking", "standing", "running"]  # taxonomy order
    assert not ck.state_exists(tmp_path / "m")  # state removed when done


def test_shuffled_labels_stay_near_chance(tmp_path):
    train, test = separable(60, seed=0), separable(60, seed=2)
    shuffled = train.with_labels(np.random.default_rng(5).permutation(train.y))
    train_model(shuffled, None, TAX, tmp_path / "m", _cfg("cnn", epochs=10), INPUT)
    f1 = _score(tmp_path / "m", test)
    assert f1 < 0.5, f1  # chance for 3 balanced classes is 1/3


def test_normalisation_comes_from_training_windows_only(tmp_path):
    train, val = separable(20, seed=0), separable(5, seed=1)
    val.X[:] += 100.0  # a different validation distribution must not move the statistics
    train_model(train, val, TAX, tmp_path / "m", _cfg("cnn", epochs=1), INPUT)
    m = load_model(tmp_path / "m").model
    flat = train.X.reshape(-1, 6).astype(np.float64)
    assert np.allclose(m.mean.numpy(), flat.mean(0), atol=1e-4)
    assert np.allclose(m.std.numpy(), flat.std(0) + 1e-6, rtol=1e-4)


def _weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


def test_same_seed_same_model_and_resume_after_interruption(tmp_path):
    train, val = separable(30, seed=0), separable(8, seed=1)
    cfg = _cfg(epochs=5, patience=100)
    train_model(train, val, TAX, tmp_path / "a", cfg, INPUT)
    train_model(train, val, TAX, tmp_path / "b", cfg, INPUT)
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    # interrupt during epoch 3, then run again: resumes after epoch 2 and ends with identical weights
    tok = CancelToken()

    def stop(frac, msg):
        if frac >= 2.5 / 5:
            tok.cancel()

    with pytest.raises(Cancelled):
        train_model(train, val, TAX, tmp_path / "c", cfg, INPUT, progress=stop, cancel=tok)
    assert ck.state_exists(tmp_path / "c") and not (tmp_path / "c" / "config.json").exists()
    with pytest.raises(InputError, match="without config.json.*resume"):
        load_model(tmp_path / "c")
    res = train_model(train, val, TAX, tmp_path / "c", cfg, INPUT)
    assert res.resumed_from == 2
    wc = _weights(tmp_path / "c")
    assert all(torch.equal(wa[k], wc[k]) for k in wa)
    other = _cfg(epochs=5, seed=1)
    tok2 = CancelToken()
    with pytest.raises(Cancelled):
        train_model(
            train, val, TAX, tmp_path / "d", cfg, INPUT, progress=lambda f, m: f > 0.3 and tok2.cancel(), cancel=tok2
        )
    with pytest.raises(InputError, match="other data or settings"):
        train_model(train, val, TAX, tmp_path / "d", other, INPUT)


def test_a_kill_between_the_two_state_files_still_resumes_to_the_same_model(tmp_path, monkeypatch):
    # the state is written as tensors, then JSON: a run killed between the two after epoch 3 left epoch 3's
    # weights beside epoch 2's bookkeeping, and the resumed run trained epoch 3 twice
    train, val = separable(30, seed=0), separable(8, seed=1)
    cfg = _cfg(epochs=5, patience=100)
    train_model(train, val, TAX, tmp_path / "a", cfg, INPUT)
    real_write_json, written = ck.write_json, []

    def killed_after_epoch_3(path, data):
        if path.name == ck.STATE_JSON and data["epoch"] == 3:
            raise KeyboardInterrupt  # the process dies here
        written.append(path.name)
        real_write_json(path, data)

    monkeypatch.setattr(ck, "write_json", killed_after_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        train_model(train, val, TAX, tmp_path / "b", cfg, INPUT)
    monkeypatch.setattr(ck, "write_json", real_write_json)
    res = train_model(train, val, TAX, tmp_path / "b", cfg, INPUT)
    assert res.resumed_from == 3 and res.metrics["epochs_run"] == 5
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_resuming_a_run_that_had_already_stopped_early_trains_no_more(tmp_path, monkeypatch):
    # killed after the epoch that triggered early stopping, before the model was written
    train, val = separable(30, seed=0), separable(8, seed=1)
    cfg = _cfg(epochs=40, patience=1)
    ref = train_model(train, val, TAX, tmp_path / "a", cfg, INPUT)
    assert ref.metrics["stopped_early"]
    real_save = ck.save_model

    def killed(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(ck, "save_model", killed)
    with pytest.raises(KeyboardInterrupt):
        train_model(train, val, TAX, tmp_path / "b", cfg, INPUT)
    monkeypatch.setattr(ck, "save_model", real_save)
    res = train_model(train, val, TAX, tmp_path / "b", cfg, INPUT)
    assert res.metrics["epochs_run"] == ref.metrics["epochs_run"]
    wa, wb = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_saved_model_reloads_with_identical_predictions(tmp_path):
    train = separable(20, seed=0)
    res = train_model(train, None, TAX, tmp_path / "m", _cfg(epochs=2), INPUT)
    test = separable(10, seed=3)
    with torch.no_grad():
        direct = torch.softmax(res.model.eval()(torch.from_numpy(test.X))["behaviour"], 1).numpy()
    again = load_model(tmp_path / "m").predict(test.X)["behaviour"]
    assert np.array_equal(direct, again)


def test_loading_refuses_what_is_not_ours(tmp_path):
    train = separable(10, seed=0)
    train_model(train, None, TAX, tmp_path / "m", _cfg("cnn", epochs=1), INPUT)
    with pytest.raises(InputError, match="no such model folder"):
        load_model(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="model folder without config.json"):
        load_model(tmp_path / "empty")
    # a pickle (what torch.save writes) in place of the weights: refused, never unpickled
    torch.save({"net.x": torch.zeros(3)}, tmp_path / "m" / "model.safetensors")
    with pytest.raises(InputError, match="not an imu2safety model") as e:
        load_model(tmp_path / "m")
    assert "\n" not in str(e.value)
    # a safetensors file without our marker
    from safetensors.torch import save_file

    save_file({"a": torch.zeros(2)}, str(tmp_path / "m" / "model.safetensors"))
    with pytest.raises(InputError, match="not an imu2safety model"):
        load_model(tmp_path / "m")
    # ours, but tensors of another network
    ck.save_tensors(tmp_path / "m" / "model.safetensors", {"a": torch.zeros(2)}, "model")
    with pytest.raises(InputError, match="not this imu2safety model"):
        load_model(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text('{"format": "something-else"}')
    with pytest.raises(InputError, match="not an imu2safety model config"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.pop("input"),
        lambda c: c["input"].update(hop=0),
        lambda c: c["input"].update(rate_hz="abc"),
        lambda c: c["input"].update(rate_hz=1e300),
        lambda c: c["input"].update(window=7),
        lambda c: c["input"].update(gravity="sideways"),
        lambda c: c.update(classes=c["classes"][:1]),
        lambda c: c.update(classes=[{"id": 3}] * 3),
        lambda c: c.update(taxonomy=[1, 2]),
    ],
)
def test_a_damaged_model_config_is_a_one_line_error(tmp_path, damage):
    train_model(separable(5), None, TAX, tmp_path / "m", _cfg("cnn", epochs=1), INPUT)
    p = tmp_path / "m" / "config.json"
    cfg = json.loads(p.read_text())
    damage(cfg)
    p.write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="config.json") as e:
        load_model(tmp_path / "m")
    assert "\n" not in str(e.value)


def test_severity_head_is_built_and_trained_when_the_data_has_severities(tmp_path):
    train = separable(20, seed=0)
    run = train.y == TAX.code("running")
    train.safety[run] = 1
    train.severity[run] = 2
    train_model(train, None, TAX, tmp_path / "m", _cfg("cnn", epochs=6), INPUT)
    lm = load_model(tmp_path / "m")
    assert lm.config["heads"]["severity"] == ["none", "minor", "serious", "critical"]
    p = lm.predict(separable(5, seed=4).X)
    assert p["severity"].shape == (15, 4)
    unsafe = p["safety"][:, 1]
    assert unsafe[10:].min() > 0.5 > unsafe[:10].max()  # running (the unsafe ones) comes last


def test_two_trainings_never_write_one_folder(tmp_path):
    import fcntl
    import os

    (tmp_path / "m").mkdir()
    fd = os.open(tmp_path / "m" / ".train.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(InputError, match="another training is writing"):
            train_model(separable(5), None, TAX, tmp_path / "m", _cfg("cnn", epochs=1), INPUT)
    finally:
        os.close(fd)
    train_model(separable(5), None, TAX, tmp_path / "m", _cfg("cnn", epochs=1), INPUT)
    assert not (tmp_path / "m" / ".train.lock").exists() and (tmp_path / "m" / "config.json").exists()
