"""The workbench window: video, 3D skeleton, live IMU, timeline, labels, device and clips on one playhead.

Composition only. The window builds the panels (:mod:`imu2safety.widgets`), the
transport bar, the menus with their shortcuts and the docks, and hands them to

- a :class:`~imu2safety.core.session.session.Session` (Qt-free: the project, the clip on
  show, its segments, selection, device and simulation; it owns the playhead and follows
  the project's edits), which every controller observes;
- the controllers of :mod:`.controllers`, one per concern, which hold the logic:
  :class:`~.controllers.project.ProjectController` (projects and clips),
  :class:`~.controllers.labels.LabelsController` (segments and trims),
  :class:`~.controllers.device.DeviceController` (device tuning, profiles),
  :class:`~.controllers.simulation.SimulationController` (the IMU, simulated in the
  background), :class:`~.controllers.playback.PlaybackController` (the clock), and
  :class:`~.controllers.edits.Edits` (core commands on the Qt undo stack);
- :class:`~.feedback.Feedback`, which shows every error in the window (banner and status
  bar), never only on a console.

Its docks keep stable object names and a saved layout (:mod:`.layout`); the window keeps
its title (project, clip, unsaved device edits, an open segment). Edits are
committed to the project's SQLite file as they are made, so nothing is lost on closing.
"""

from __future__ import annotations

from typing import List, Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..core.session.session import Session
from ..widgets.clips_panel import ClipsPanel
from ..widgets.device_panel import DevicePanel
from ..widgets.imu_plots import ImuPlots
from ..widgets.labels_panel import LabelsPanel
from ..widgets.prediction_band import PredictionBand
from ..widgets.skeleton_view import SkeletonView
from ..widgets.timeline import Timeline
from ..widgets.video_view import VideoView
from .controllers.device import DeviceController
from .controllers.edits import Edits
from .controllers.labels import LabelsController
from .controllers.playback import PlaybackController
from .controllers.prelabels import PrelabelController
from .controllers.project import ProjectController
from .controllers.simulation import SimulationController
from .dialogs.shortcut_sheet import ShortcutSheet
from .feedback import Feedback
from .layout import DockLayout
from .settings import app_settings


class MainWindow(QMainWindow):
    def __init__(self, settings: Optional[QSettings] = None) -> None:
        super().__init__()
        self.setObjectName("imu2safetyWorkbench")
        self.settings = settings or app_settings()
        self.feedback = Feedback(self)
        self.banner, self.message_bar = self.feedback.banner, self.feedback.bar
        self.session = s = Session(report=self.feedback.error)
        self.playhead = s.playhead
        self.edits = Edits(s, self.feedback, self)
        self.undo_stack = self.edits.undo_stack
        self.undo_stack.indexChanged.connect(self._update_title)

        self._build_panels()
        self._build_toolbar()
        # the logic, one controller per concern; each observes the session for the panels it keeps
        self.project_ctrl = ProjectController(
            self, s, self.edits, self.feedback, self.settings, self.clips_panel, self.video_view, self.skeleton_view
        )
        self.labels_ctrl = LabelsController(s, self.edits, self.feedback, self.timeline, self.labels_panel)
        self.device_ctrl = DeviceController(s, self.edits, self.device_panel)
        self.simulation_ctrl = SimulationController(s, self.feedback, self.imu_plots, self.realism_panel)
        self.playback_ctrl = PlaybackController(
            s, self.settings, self.play_btn, self.speed_label, self.time_label, self
        )
        self.prelabel_ctrl = PrelabelController(s, self.feedback, self.prediction_band, self)
        s.connect(self._update_title)
        self._build_actions()
        self._build_docks()
        self.resize(1600, 1000)
        self.dock_layout.size_docks()
        self.dock_layout.keep_as_default()
        self.dock_layout.restore()
        self.project_ctrl.fill_recent_menu(self.recent_menu)
        self.playback_ctrl.restore_speed()
        self._update_title()

    # ------------------------------------------------------------------ construction
    def _build_panels(self) -> None:
        ph = self.playhead
        self.video_view = VideoView(ph)
        self.skeleton_view = SkeletonView(ph)
        self.imu_plots = ImuPlots(ph)
        self.timeline = Timeline(ph)
        # the model's pre-labels, in a band under the timeline on the same frame axis
        self.prediction_band = PredictionBand(ph)
        self.timeline.view_changed.connect(self.prediction_band.set_view)
        self.timeline_box = QWidget()
        box = QVBoxLayout(self.timeline_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.timeline, 1)
        box.addWidget(self.prediction_band)
        self.labels_panel = LabelsPanel()
        self.device_panel = DevicePanel()
        self.clips_panel = ClipsPanel()
        try:  # the realism panel (issue 6) is optional in a partial build
            from ..widgets.realism_panel import RealismPanel

            self.realism_panel = RealismPanel()
        except ImportError:
            self.realism_panel = None
        self.imu_plots.seek_requested.connect(lambda t: ph.seek(ph.frame_at(t)))
        self.timeline.seek_requested.connect(ph.seek)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Transport")
        tb.setObjectName("transportBar")
        tb.setMovable(False)
        st = self.style()
        self.play_btn = QPushButton(st.standardIcon(QStyle.SP_MediaPlay), "Play")
        self.play_btn.setToolTip("play / pause (Space)")
        self.play_btn.setFocusPolicy(Qt.NoFocus)
        tb.addWidget(self.play_btn)
        ph = self.playhead
        for icon, tip, fn in (
            (QStyle.SP_MediaSkipBackward, "first frame (Home)", lambda: ph.seek(0)),
            (QStyle.SP_MediaSeekBackward, "previous frame (←)", lambda: ph.step(-1)),
            (QStyle.SP_MediaSeekForward, "next frame (→)", lambda: ph.step(1)),
            (QStyle.SP_MediaSkipForward, "last frame (End)", lambda: ph.seek(ph.last_frame)),
        ):
            b = QPushButton(st.standardIcon(icon), "")
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.NoFocus)
            b.setFixedWidth(36)
            b.clicked.connect(fn)
            tb.addWidget(b)
        self.speed_label = QLabel(" 1.00× ")
        self.speed_label.setToolTip("playback speed ([ slower, ] faster)")
        self.time_label = QLabel("")
        self.time_label.setStyleSheet("font-family: monospace; padding: 0 8px")
        tb.addWidget(self.speed_label)
        tb.addWidget(self.time_label)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        tb.addWidget(spacer)
        self.export_btn = QPushButton("Export dataset…")
        self.export_btn.setFocusPolicy(Qt.NoFocus)
        self.export_btn.clicked.connect(lambda: self.project_ctrl.export_dialog())
        tb.addWidget(self.export_btn)
        self.addToolBar(Qt.TopToolBarArea, tb)
        self.addToolBarBreak()
        self.addToolBar(Qt.TopToolBarArea, self.message_bar)

    def _act(self, menu, text: str, keys, fn, context=Qt.WindowShortcut) -> QAction:
        a = QAction(text, self)
        if keys:
            seqs = [QKeySequence(k) for k in (keys if isinstance(keys, (list, tuple)) else [keys])]
            a.setShortcuts(seqs)
            a.setShortcutContext(context)
        a.triggered.connect(fn)
        self.addAction(a)
        if menu is not None:
            menu.addAction(a)
        return a

    def _build_actions(self) -> None:
        """The menus and every keyboard shortcut (the sheet: :mod:`.dialogs.shortcut_sheet`)."""
        mb, pc, lc, ph = self.menuBar(), self.project_ctrl, self.labels_ctrl, self.playhead
        f = mb.addMenu("&File")
        self._act(f, "Open project…", QKeySequence.Open, pc.open_project_dialog)
        self._act(f, "New project…", QKeySequence.New, pc.new_project_dialog)
        self._act(f, "Open demo project", None, lambda: pc.open_demo())
        self.recent_menu = f.addMenu("Recent projects")
        f.addSeparator()
        self._act(f, "Add motion…", None, pc.add_motion_dialog)
        self._act(f, "Add folder…", None, pc.add_folder_dialog)
        self._act(f, "Reconstruct video…", None, pc.reconstruct_dialog)
        self._act(f, "Export dataset…", "Ctrl+E", pc.export_dialog)
        f.addSeparator()
        self._act(f, "Quit", QKeySequence.Quit, self.close)
        e = mb.addMenu("&Edit")
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for a in (self.undo_action, self.redo_action):
            self.addAction(a)
            e.addAction(a)
        e.addSeparator()
        self._act(e, "Open / close segment", [Qt.Key_Return, Qt.Key_Enter], lc.toggle_segment)
        self._act(e, "Delete segment", [QKeySequence.Delete, Qt.Key_Backspace], lc.delete_selected)
        self._act(e, "Cancel / clear selection", Qt.Key_Escape, lc.cancel)
        self._act(e, "Trim in here", "I", lambda: lc.trim_here("in"))
        self._act(e, "Trim out here", "O", lambda: lc.trim_here("out"))
        for k in "1234567890":
            self._act(None, f"Label {k}", k, lambda _=False, key=k: lc.assign_hotkey(key))
        p = mb.addMenu("&Playback")
        self._act(p, "Play / pause", Qt.Key_Space, self.playback_ctrl.toggle_play)
        self._act(p, "Next frame", Qt.Key_Right, lambda: ph.step(1))
        self._act(p, "Previous frame", Qt.Key_Left, lambda: ph.step(-1))
        self._act(p, "Forward 1 s", "Shift+Right", lambda: ph.step_seconds(1.0))
        self._act(p, "Back 1 s", "Shift+Left", lambda: ph.step_seconds(-1.0))
        self._act(p, "First frame", Qt.Key_Home, lambda: ph.seek(0))
        self._act(p, "Last frame", Qt.Key_End, lambda: ph.seek(ph.last_frame))
        self._act(p, "Faster", "]", ph.faster)
        self._act(p, "Slower", "[", ph.slower)
        m = mb.addMenu("&Model")
        self._act(m, "Open model…", None, self.prelabel_ctrl.open_model_dialog)
        self._act(m, "Close model", None, self.prelabel_ctrl.close_model)
        self.view_menu = mb.addMenu("&View")
        h = mb.addMenu("&Help")
        self._act(h, "Keyboard shortcuts", ["?", "Shift+?", "Shift+/", "F1"], self.show_shortcuts)

    def _build_docks(self) -> None:
        self.dock_layout = DockLayout(self, self.settings, self.view_menu)
        panels = dict(
            clips=self.clips_panel,
            video=self.video_view,
            skeleton=self.skeleton_view,
            imu=self.imu_plots,
            labels=self.labels_panel,
            device=self.device_panel,
            timeline=self.timeline_box,
            realism=self.realism_panel,
        )
        self.docks = self.dock_layout.build(panels)
        if "realism" in self.docks:
            self.simulation_ctrl.show_realism_in(self.docks["realism"])
        self.view_menu.addSeparator()
        self._act(self.view_menu, "Reset layout", None, self.reset_layout)
        self._act(self.view_menu, "Fit timeline", "F", self.timeline.fit)

    def reset_layout(self) -> None:
        self.dock_layout.reset()

    def save_settings(self) -> None:
        self.dock_layout.save()

    # ------------------------------------------------------------------ title, help and closing
    def _update_title(self, *_) -> None:
        s = self.session
        parts = ["IMU2Safety workbench"]
        if s.project is not None:
            parts.insert(0, f"{s.project.name}" + (f" — {s.clip.id}" if s.clip else ""))
        pending = []
        if s.device_edited:
            pending.append("device edits not saved as a profile")
        if s.open_start is not None:
            pending.append("segment open")
        self.setWindowModified(bool(pending))
        title = " · ".join(parts) + "[*]"
        if pending:
            title += "  (" + "; ".join(pending) + ")"
        self.setWindowTitle(title)

    def show_shortcuts(self) -> None:
        ShortcutSheet(self).exec()

    def closeEvent(self, ev) -> None:
        self.save_settings()
        self.simulation_ctrl.shutdown()
        self.prelabel_ctrl.shutdown()
        self.session.close_project()
        super().closeEvent(ev)

    # ------------------------------------------------------------------ the window's public face
    # What the command line, the dialogs, the benchmarks and the GUI tests use: the session's
    # state and the controllers' actions under the window's names.
    project = property(lambda self: self.session.project)
    clip = property(lambda self: self.session.clip)
    motion = property(lambda self: self.session.motion)
    video = property(lambda self: self.session.video)
    signal = property(lambda self: self.session.signal)
    selected = property(lambda self: self.session.selected)
    open_start = property(lambda self: self.session.open_start)
    device = property(lambda self: self.session.device)
    device_edited = property(lambda self: self.session.device_edited)
    sim_count = property(lambda self: self.session.signal_count)
    last_sim_ms = property(lambda self: self.session.signal_ms)
    simulating = property(lambda self: self.simulation_ctrl.simulating)

    def open_project(self, folder, clip_id: Optional[str] = None) -> bool:
        return self.project_ctrl.open_project(folder, clip_id)

    def open_demo(self, reset: bool = False) -> bool:
        return self.project_ctrl.open_demo(reset)

    def set_project(self, proj, clip_id: Optional[str] = None) -> None:
        self.project_ctrl.set_project(proj, clip_id)

    def close_project(self) -> None:
        self.project_ctrl.close_project()

    def recent_projects(self) -> List[str]:
        return self.project_ctrl.recent_projects()

    def open_clip(self, clip_id: str) -> None:
        self.project_ctrl.open_clip(clip_id)

    def add_motion(self, path: str) -> Optional[str]:
        return self.project_ctrl.add_motion(path)

    def execute(self, cmd):
        return self.edits.execute(cmd)

    def adopt_last_command(self) -> None:
        self.edits.adopt_last_command()

    def select_segment(self, seg_id: Optional[int], seek: bool = False) -> None:
        self.labels_ctrl.select_segment(seg_id, seek)

    def resimulate(self) -> None:
        self.simulation_ctrl.resimulate()

    def play(self) -> None:
        self.playback_ctrl.play()

    def pause(self) -> None:
        self.playback_ctrl.pause()

    def show_error(self, message: str) -> None:
        self.feedback.error(message)

    def clear_error(self) -> None:
        self.feedback.clear()

    def install_excepthook(self) -> None:
        self.feedback.install_excepthook()
