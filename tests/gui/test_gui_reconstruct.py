"""Reconstruction from the workbench: background people search, the subject chosen by a click, a new clip.

Random-weight ViTPose and VideoPose3D checkpoints saved like real ones (no downloads)
and a scripted two-person detector, as in test_reconstruct.py.
"""

import os

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from recon_helpers import person_video, save_official_checkpoint, save_tiny_vitpose, tiny_lifter

from imu2safety.core.reconstruct.detect import Detector

# a hung GUI test dumps every thread's stack instead of stalling the suite silently
pytestmark = [pytest.mark.gui, pytest.mark.timeout(180, method="thread")]
BOX1 = [30.0, 5.0, 90.0, 115.0]
BOX2 = [100.0, 20.0, 150.0, 110.0]


class TwoPeople(Detector):
    propagate = False
    name = "scripted-two"

    def detect(self, frame):
        return np.array([BOX1 + [0.9], BOX2 + [0.8]])


@pytest.fixture(scope="module")
def assets(tmp_path_factory):
    d = tmp_path_factory.mktemp("recon-gui")
    return {
        "video": person_video(d / "two.avi", n=20),
        "pose": save_tiny_vitpose(d / "vitpose-tiny"),
        "lifter": save_official_checkpoint(tiny_lifter(), d / "pretrained_h36m_detectron_coco.bin"),
    }


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("IMU2SAFETY_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("IMU2SAFETY_SETTINGS", str(tmp_path / "settings.ini"))
    from imu2safety.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert w.open_demo()
    w.show()
    qtbot.waitUntil(lambda: w.signal is not None and not w.simulating, timeout=10000)
    yield w
    w.close()


def test_find_people_click_the_subject_and_add_the_clip(win, qtbot, assets):
    from imu2safety.app.dialogs.reconstruct_dialog import ReconstructDialog
    from imu2safety.core.reconstruct.pose2d import PoseEstimator

    dlg = ReconstructDialog(win, detector=TwoPeople(), pose_model=PoseEstimator(assets["pose"]))
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.video_edit.setText(str(assets["video"]))
    dlg.lifter_edit.setText(str(assets["lifter"]))
    dlg.subject.setText("S07")
    QTest.mouseClick(dlg.find_btn, Qt.LeftButton)
    assert dlg.worker is not None  # running in the background
    qtbot.waitUntil(lambda: dlg.tracks is not None or "color" in dlg.status.text(), timeout=60000)
    assert dlg.tracks is not None, dlg.status.text()
    assert sorted(int(t) for t in dlg.tracks.track_ids) == [1, 2]
    assert len(dlg.view.boxes) == 2 and dlg.view.image is not None
    # click in the middle of the second person's box, in widget coordinates
    r = dlg.view._target_rect()
    s = r.width() / dlg.view.image.width()
    cx, cy = (BOX2[0] + BOX2[2]) / 2, (BOX2[1] + BOX2[3]) / 2
    QTest.mouseClick(dlg.view, Qt.LeftButton, Qt.NoModifier, QPoint(int(r.left() + cx * s), int(r.top() + cy * s)))
    assert dlg.person == 2 and "person 2" in dlg.choice.text()
    n = len(win.project.clips())
    QTest.mouseClick(dlg.add_btn, Qt.LeftButton)
    assert dlg.added is not None, dlg.status.text()
    clip = win.project.clip(dlg.added)
    assert len(win.project.clips()) == n + 1 and clip.subject == "S07" and clip.video_path
    assert win.project.load_motion(clip.id).meta["person"] == 2
    assert win.clip.id == clip.id and win.video is not None and len(win.video) == 20
    qtbot.waitUntil(lambda: not win.simulating, timeout=10000)
    assert win.undo_stack.canUndo() and win.undo_stack.undoText() == "add clip"
    win.undo_action.trigger()  # Edit > Undo (Ctrl+Z)
    assert all(c.id != clip.id for c in win.project.clips()), win.banner.text()


def test_missing_weights_are_reported_in_the_dialog(win, qtbot, assets, tmp_path):
    from imu2safety.app.dialogs.reconstruct_dialog import ReconstructDialog

    dlg = ReconstructDialog(win, detector=TwoPeople())
    qtbot.addWidget(dlg)
    dlg.video_edit.setText(str(assets["video"]))
    dlg.pose_edit.setText(str(tmp_path / "no-such-model"))
    dlg.start_find()
    qtbot.waitUntil(lambda: dlg.worker is None, timeout=30000)
    assert dlg.tracks is None and "no-such-model" in dlg.status.text()
