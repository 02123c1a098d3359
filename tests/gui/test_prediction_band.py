"""The prediction band under the timeline: colours per predicted behaviour, the P(unsafe) curve, the hint."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from imu2safety.core.session.playhead import Playhead  # noqa: E402

pytestmark = pytest.mark.gui


def _count(img, rgb, y0, y1, tol=12):
    n = 0
    for y in range(y0, y1):
        for x in range(0, img.width(), 3):
            c = img.pixelColor(x, y)
            if abs(c.red() - rgb[0]) < tol and abs(c.green() - rgb[1]) < tol and abs(c.blue() - rgb[2]) < tol:
                n += 1
    return n


def test_band_draws_behaviours_and_unsafe_probability(qtbot):
    from imu2safety.widgets.prediction_band import LABEL_W, PredictionBand

    ph = Playhead(300, 30)
    band = PredictionBand(ph)
    qtbot.addWidget(band)
    band.resize(678, 70)
    band.set_view(0, 300)
    band.show()
    img = band.grab().toImage()
    assert _count(img, (0xD5, 0x5E, 0x00), 0, 70) == 0  # only the hint so far
    # first half walking (sure), second half falling (sure, unsafe)
    a = np.arange(0, 300, 30)
    probs = np.zeros((10, 2))
    probs[:5, 0] = 1.0
    probs[5:, 1] = 1.0
    unsafe = np.r_[np.zeros(5), np.ones(5)]
    band.set_prediction(a, a + 30, probs, unsafe, ["walking", "falling"], ["#BBCCEE", "#D55E00"], "model")
    img = band.grab().toImage()
    half = LABEL_W + (img.width() - LABEL_W) // 2
    top = (2, 30)
    left = img.copy(0, 0, half, 70)
    right = img.copy(half, 0, img.width() - half, 70)
    assert _count(left, (0xBB, 0xCC, 0xEE), *top) > 50 and _count(left, (0xD5, 0x5E, 0x00), *top) == 0
    assert _count(right, (0xD5, 0x5E, 0x00), *top) > 50 and _count(right, (0xBB, 0xCC, 0xEE), *top) == 0
    # the unsafe curve: high on the right (near the top of the lower row), low on the left
    red = (0xBB, 0x55, 0x66)
    lower_top, lower_bottom = (36, 48), (56, 70)
    assert _count(right, red, *lower_top, tol=30) > 10 and _count(left, red, *lower_top, tol=30) == 0
    assert _count(left, red, *lower_bottom, tol=30) > 10
    band.close()


@pytest.fixture(scope="module")
def demo_model(tmp_path_factory):
    """A tiny CNN trained on simulated variants of the demo's own walk-and-fall (a display test, not an
    evaluation: the band must show walking where the demo walks and falling where it falls)."""
    from imu2safety.core.learn.sources import Augment, SyntheticSpec, synthetic_windows
    from imu2safety.core.learn.train import TrainConfig, train_model
    from imu2safety.core.project.taxonomy import load_taxonomy

    tax = load_taxonomy()
    spec = SyntheticSpec(sources=("demo",), rate_hz=50.0, variants=6, augment=Augment(native_axes=False))
    w, _ = synthetic_windows(spec, tax)
    out = tmp_path_factory.mktemp("model") / "demo-cnn"
    train_model(
        w,
        None,
        tax,
        out,
        TrainConfig(model="cnn", epochs=15, seed=0, model_options={"width": 16}),
        {"rate_hz": 50.0, "hop": 50, "gravity": "included", "axes": "product sensor frame"},
    )
    return out


def test_workbench_shows_prelabels_for_the_clip(qtbot, demo_model, tmp_path, monkeypatch):
    from imu2safety.core.project import demo

    files = demo.ensure_demo(tmp_path / "demo-data" / "demo")
    monkeypatch.setenv("IMU2SAFETY_DATA", str(files.folder.parent))
    monkeypatch.setenv("IMU2SAFETY_SETTINGS", str(tmp_path / "settings.ini"))
    from imu2safety.app.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    assert win.open_demo(reset=True)
    win.show()
    qtbot.waitUntil(lambda: win.signal is not None and not win.simulating, timeout=15000)
    band = win.prediction_band
    assert "open a trained model" in band.message
    assert not win.prelabel_ctrl.open_model(tmp_path)  # not a model: an error, no crash
    assert "without config.json" in win.banner.text()
    assert win.prelabel_ctrl.open_model(demo_model)
    qtbot.waitUntil(lambda: len(band.a) > 0, timeout=15000)
    fps = float(win.playhead.fps)
    labels = [band.classes[k] for k in band.top]
    centres = (band.a + band.b) / 2 / fps
    walking = [lab for lab, t in zip(labels, centres) if t < demo.WALK_END_S - 1.0]
    falling = [lab for lab, t in zip(labels, centres) if t > demo.LYING_S + 0.5]
    assert walking and set(walking) == {"walking"}
    assert falling and set(falling) == {"falling"}
    late = band.unsafe[centres > demo.LYING_S + 0.5]
    early = band.unsafe[centres < demo.WALK_END_S - 1.0]
    assert late.min() > 0.5 > early.max()
    assert band.a.min() >= 0 and band.b.max() <= win.clip.n_frames + 1
    # the band follows the timeline's zoom
    win.timeline.set_view(30, 90)
    assert band.view == (30.0, 90.0)
    if os.environ.get("IMU2SAFETY_SCREENSHOT"):
        win.feedback.clear()
        win.timeline.fit()
        qtbot.wait(300)
        win.grab().save(os.environ["IMU2SAFETY_SCREENSHOT"])
    win.prelabel_ctrl.close_model()
    assert "open a trained model" in band.message
    win.close()
