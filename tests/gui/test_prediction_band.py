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
