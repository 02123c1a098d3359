"""Paths through the controllers that the workbench tests do not take: wrist, profiles, an empty project."""

import os

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from imu2safety.core.project import demo
from imu2safety.core.project.project import Project

pytestmark = [pytest.mark.gui, pytest.mark.timeout(180, method="thread")]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    return demo.ensure_demo(tmp_path_factory.mktemp("demo-data") / "demo")


@pytest.fixture
def win(qtbot, demo_files, tmp_path, monkeypatch):
    monkeypatch.setenv("IMU2SAFETY_DATA", str(demo_files.folder.parent))
    monkeypatch.setenv("IMU2SAFETY_SETTINGS", str(tmp_path / "settings.ini"))
    from imu2safety.app.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    assert w.open_demo(reset=True)
    w.show()
    qtbot.waitUntil(lambda: w.signal is not None and not w.simulating, timeout=10000)
    yield w
    w.close()


def settled(win, qtbot, n0):
    qtbot.waitUntil(lambda: win.sim_count > n0 and not win.simulating, timeout=10000)


def test_the_wrist_moves_the_sensor_and_resimulates(win, qtbot):
    n0 = win.sim_count
    win.device_panel.clip_changed.emit({"wrist": "right"})  # the panel's wrist box
    settled(win, qtbot, n0)
    assert win.project.clip(win.clip.id).wrist == "right" and win.signal.wrist == "right"
    assert win.device_panel.wrist.currentText() == "right"
    assert "right wrist" in win.imu_plots.status.text()
    win.undo_stack.undo()
    settled(win, qtbot, n0 + 1)
    assert win.signal.wrist == "left" and win.device_panel.wrist.currentText() == "left"


def test_saving_tuned_parameters_as_a_profile(win, qtbot):
    ed = win.device_panel.editors["accelerometer.noise_density_ug_per_rthz"]
    n0 = win.sim_count
    ed.setValue(900.0)
    win.device_panel.flush()
    settled(win, qtbot, n0)
    assert win.device_edited and "(edited)" in win.imu_plots.status.text()
    data = dict(win.device_panel.preset.data, id="noisy")
    n1 = win.sim_count
    win.device_panel.save_profile.emit("noisy", data)  # what "Save as profile…" sends
    settled(win, qtbot, n1)
    assert win.project.clip(win.clip.id).profile == "noisy"
    assert not win.device_edited and not win.isWindowModified()
    assert win.device_panel.picker.currentData() == "noisy" and ed.value() == 900.0
    assert win.signal.device.id == "noisy"


def test_an_empty_project_shows_no_clip(win, qtbot, tmp_path):
    proj = Project.create(tmp_path / "empty", name="nothing yet")
    win.set_project(proj)
    assert win.clip is None and win.video is None and win.signal is None
    assert win.video_view.image is None and "No clip" in win.video_view.message
    assert win.skeleton_view.motion is None and win.imu_plots.status.text() == "no clip"
    assert win.timeline.segments == [] and win.labels_panel.table.rowCount() == 0
    assert win.clips_panel.table.rowCount() == 0
    assert win.windowTitle().startswith("nothing yet")
    assert "add a motion" in win.statusBar().currentMessage()
    win.play()
    assert not win.playhead.playing
