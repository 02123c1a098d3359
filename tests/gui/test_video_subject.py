"""The video panel shows a reconstructed subject: bones, a box, and a ring around the simulated wrist."""

import numpy as np
import pytest
from PySide6.QtGui import QColor

from imu2safety.core.session.playhead import Playhead
from imu2safety.widgets.video_view import VideoView

pytestmark = pytest.mark.gui


class Frames:
    n_frames = 3

    def frame(self, i):
        return np.full((240, 320, 3), 128, np.uint8)  # plain grey


def test_the_subject_is_drawn_on_its_frame_only(qtbot):
    ph = Playhead(3, 10)
    view = VideoView(ph)
    qtbot.addWidget(view)
    view.resize(320, 240)  # the frame fills the panel: video pixels = widget pixels
    view.show()
    view.set_source(Frames())
    pts = np.full((3, 3, 2), np.nan)
    pts[1] = [[100, 60], [100, 120], [160, 180]]  # shoulder, elbow, wrist, on frame 1 only
    view.set_pose(pts, [(0, 1), (1, 2)], [(0.15, 0.45, 0.80), (0.15, 0.45, 0.80)], highlight=[2])

    def colour(x, y):
        return QColor(view.grab().toImage().pixel(x, y))

    assert colour(100, 90).getRgb()[:3] == (128, 128, 128)  # frame 0: nothing drawn
    ph.seek(1)
    qtbot.waitUntil(lambda: view.frame_index == 1)
    bone = colour(100, 90)
    assert bone.blue() > bone.red() + 60  # the blue bone between shoulder and elbow
    ring = [colour(160 + dx, 180) for dx in range(-12, 13)]
    assert any(c.red() > 180 and c.green() < 90 for c in ring)  # the red ring around the wrist
    view.set_pose(None)
    assert colour(100, 90).getRgb()[:3] == (128, 128, 128)
