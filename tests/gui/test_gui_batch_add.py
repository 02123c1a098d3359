"""Adding many files in the workbench: drop a folder on the clips panel, the batch dialog converts it in worker
processes with a progress bar, lists the failures, each clip is an undo step; Cancel stops and a second run
finishes the rest."""

import os

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from dataset_files import ntu_file
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from imu2safety.core.project.project import Project

pytestmark = [pytest.mark.gui, pytest.mark.timeout(240, method="thread")]


@pytest.fixture
def win(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("IMU2SAFETY_SETTINGS", str(tmp_path / "settings.ini"))
    from imu2safety.app.main_window import MainWindow

    Project.create(tmp_path / "proj").close()
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.project_ctrl.open_project(tmp_path / "proj")
    w.resize(1400, 900)
    w.show()
    yield w
    w.close()


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "ntu"
    d.mkdir()
    for i in range(6):
        ntu_file(d, performer=1 + i, action=(43, 50, 8)[i % 3], seed=i)
    (d / "S001C001P009R001A043.skeleton").write_text("4\n1\n")  # truncated: listed, the others go on
    return d


def drop(widget, paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    ev = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    widget.dropEvent(ev)


def test_drop_a_folder_add_it_with_progress_and_failures(win, qtbot, folder, tmp_path):
    from imu2safety.app.dialogs.batch_add_dialog import BatchAddDialog

    opened = []
    orig = win.project_ctrl.add_paths
    win.project_ctrl.clips_panel.paths_dropped.disconnect()
    win.project_ctrl.clips_panel.paths_dropped.connect(lambda p: opened.append(orig(p)))
    drop(win.clips_panel, [folder])
    (dlg,) = opened
    assert isinstance(dlg, BatchAddDialog)
    assert dlg.recipe.currentData() == "ntu"  # recognised from the file names
    assert "7 file(s) to add" in dlg.what.text() and "1 folder(s)" in dlg.what.text()
    dlg.workers.setValue(2)
    dlg.start()
    assert dlg.wait_done(180)
    assert dlg.bar.value() == 1000
    assert "6 clip(s) added, 0 already in the project, 1 failed" in dlg.status.text()
    assert dlg.failures.isVisible() and dlg.failures.rowCount() == 1
    assert dlg.failures.item(0, 1).text() == "import" and "frame" in dlg.failures.item(0, 2).text()
    qtbot.waitUntil(lambda: win.clips_panel.table.rowCount() == 6, timeout=10000)
    shot = tmp_path / "batch_add.png"
    dlg.grab().save(str(shot))
    assert shot.stat().st_size > 0
    dlg.close()
    # every clip one step on the window's undo stack; the last added clip is on show
    assert win.undo_stack.count() == 6
    qtbot.waitUntil(lambda: win.clip is not None, timeout=10000)
    win.undo_stack.undo()
    assert len(win.project.clips()) == 5


def test_cancel_stops_and_adding_again_finishes(win, qtbot, folder):
    from imu2safety.app.dialogs.batch_add_dialog import BatchAddDialog

    dlg = BatchAddDialog(win.project, [folder], win, on_added=lambda cid: win.edits.adopt_last_command())
    dlg.workers.setValue(1)
    seen = []
    dlg.run_cb = None
    orig = dlg._one

    def one(status, item, cid):
        orig(status, item, cid)
        seen.append(status)
        if status == "added" and len([s for s in seen if s == "added"]) == 2:
            dlg.cancel()

    dlg._one = one
    dlg.start()
    dlg.run.on_result = one
    assert dlg.wait_done(180)
    n = len(win.project.clips())
    assert 2 <= n < 6 and "run the same command again" in dlg.status.text()
    dlg.close()
    again = BatchAddDialog(win.project, [folder], win)
    again.start()
    assert again.wait_done(180)
    assert "already in the project" in again.status.text() and len(win.project.clips()) == 6
    again.close()
