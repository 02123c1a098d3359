"""The workbench window: video, 3D skeleton, live IMU, timeline, labels, device and clips on one playhead.

Composition only: the panels live in :mod:`imu2safety.widgets`, the logic in the
core (project and commands, simulator, video reader, export). The window

- owns one :class:`~imu2safety.core.session.playhead.Playhead` that every panel observes
  and a clock (QTimer + QElapsedTimer) that drives it at the clip's real rate;
- wraps every project edit (a core :class:`~imu2safety.core.project.commands.Command`) in
  a ``QUndoCommand`` on a ``QUndoStack``; commands sharing a ``merge_key`` (one
  drag) merge into one undo step;
- refreshes the panels from the project's change events (one source of truth);
- re-simulates the clip's IMU in a QThreadPool worker whenever the device,
  wrist, seed or clip changes; a newer request supersedes a running one;
- keeps its layout (docks with stable object names, ``saveState(LAYOUT_VERSION)``),
  recent projects and preferences in QSettings;
- shows every error in the window (banner + status bar), never only on a console.
  Edits are committed to the project's SQLite file as they are made, so a
  failing background job cannot lose them.
"""

from __future__ import annotations

import logging
import os
import zlib
from pathlib import Path
from typing import Dict, List, Optional

from PySide6.QtCore import QElapsedTimer, QSettings, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..core.base.errors import InputError
from ..core.project import commands as C
from ..core.session.playhead import Playhead
from ..core.sim.simulate import SimConfig, simulate
from ..widgets.clips_panel import ClipsPanel
from ..widgets.device_panel import DevicePanel
from ..widgets.imu_plots import ImuPlots
from ..widgets.labels_panel import LabelsPanel
from ..widgets.skeleton_view import SkeletonView
from ..widgets.timeline import Timeline
from ..widgets.video_view import VideoView
from .workers import Worker, start

log = logging.getLogger("imu2safety.workbench")
LAYOUT_VERSION = 2
MAX_RECENT = 8

SHORTCUTS = [
    ("Space", "play / pause"),
    ("← / →", "previous / next frame"),
    ("Shift+← / Shift+→", "back / forward 1 s"),
    ("Home / End", "first / last frame"),
    ("[ / ]", "slower / faster (0.25× – 2×)"),
    ("Enter", "open a segment here; Enter again closes it with the chosen label"),
    (
        "1 – 9, 0",
        "assign that behaviour: closes an open segment, relabels the selected one, "
        "or picks the label for the next segment",
    ),
    ("Delete / Backspace", "delete the selected segment"),
    ("Esc", "cancel the open segment / clear the selection"),
    ("I / O", "trim in / out at the playhead"),
    ("F", "fit the whole clip in the timeline"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo (a drag is one step)"),
    ("Ctrl+E", "export dataset"),
    ("?", "this sheet"),
    (
        "Mouse",
        "click a plot, the timeline or a segment to seek; drag the trim handles; "
        "wheel on the timeline zooms, Shift+wheel scrolls; drag in the 3D view to orbit",
    ),
]


def app_settings() -> QSettings:
    """Preferences: ``$IMU2SAFETY_SETTINGS`` (an .ini path, used by tests) or the platform's store."""
    path = os.environ.get("IMU2SAFETY_SETTINGS")
    if path:
        return QSettings(path, QSettings.IniFormat)
    return QSettings("IMU2Safety", "workbench")


class ProjectUndoCommand(QUndoCommand):
    """A core command on the Qt undo stack. It was already done when pushed; ``mergeWith`` asks the core."""

    def __init__(self, window: "MainWindow", cmd: C.Command) -> None:
        super().__init__(cmd.text)
        self.window, self.cmd = window, cmd
        self._first = True

    def id(self) -> int:
        if self.cmd.merge_key is None:
            return -1
        return zlib.crc32(type(self.cmd).__name__.encode()) & 0x7FFFFFFF

    def redo(self) -> None:
        if self._first:  # done by MainWindow.execute before the push
            self._first = False
            return
        self.window._guarded(lambda: self.cmd.do(self.window.project), "redo")

    def undo(self) -> None:
        self.window._guarded(lambda: self.cmd.undo(self.window.project), "undo")

    def mergeWith(self, other: QUndoCommand) -> bool:
        return isinstance(other, ProjectUndoCommand) and self.cmd.merge_with(other.cmd)


class DeviceEditCommand(QUndoCommand):
    """A device parameter edit (live tuning, not yet a project profile) on the undo stack.
    Consecutive edits of the same parameters merge (a spin box held down is one step)."""

    ID = 0x1D3F

    def __init__(self, window: "MainWindow", before, after, fields) -> None:
        super().__init__("edit device " + ", ".join(sorted(fields)))
        self.window, self.before, self.after, self.fields = window, before, after, frozenset(fields)
        self._first = True

    def id(self) -> int:
        return self.ID

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.window._apply_device(self.after)

    def undo(self) -> None:
        self.window._apply_device(self.before)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DeviceEditCommand) or other.fields != self.fields:
            return False
        self.after = other.after
        return True


class ShortcutSheet(QDialog):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        t = QTableWidget(len(SHORTCUTS), 2)
        t.setHorizontalHeaderLabels(["key", "action"])
        t.verticalHeader().setVisible(False)
        t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        t.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        t.setWordWrap(True)
        for r, (k, a) in enumerate(SHORTCUTS):
            t.setItem(r, 0, QTableWidgetItem(k))
            t.setItem(r, 1, QTableWidgetItem(a))
        t.resizeRowsToContents()
        lay.addWidget(t)
        b = QPushButton("Close")
        b.clicked.connect(self.accept)
        lay.addWidget(b, 0, Qt.AlignRight)
        self.resize(640, 520)


class MainWindow(QMainWindow):
    def __init__(self, settings: Optional[QSettings] = None) -> None:
        super().__init__()
        self.setObjectName("imu2safetyWorkbench")
        self.settings = settings or app_settings()
        self.project = None
        self._project_token = None
        self.clip = None
        self.motion = None
        self.video = None
        self.signal = None
        self.device = None  # the DevicePreset being shown (maybe edited, unsaved)
        self.device_edited = False
        self.selected: Optional[int] = None
        self.open_start: Optional[int] = None
        self.last_sim_ms: Optional[float] = None
        self.sim_count = 0
        self._sim_worker: Optional[Worker] = None
        self._sim_pending = False
        self._workers: List[Worker] = []
        self.pool = QThreadPool.globalInstance()
        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(self._undo_index_changed)

        self.playhead = Playhead(1, 30)
        self.playhead.connect(self._on_playhead)
        self.clock = QTimer(self)
        self.clock.setTimerType(Qt.PreciseTimer)
        self.clock.setInterval(8)
        self.clock.timeout.connect(self._tick)
        self.elapsed = QElapsedTimer()

        self._build_panels()
        self._build_toolbar()
        self._build_actions()
        self._build_docks()
        self.resize(1600, 1000)
        self._size_docks()
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._restore_layout()
        self._fill_recent()
        try:
            self.playhead.set_speed(float(self.settings.value("prefs/speed", 1.0)))
        except (TypeError, ValueError):
            pass
        self._update_title()

    # ------------------------------------------------------------------ construction
    def _build_panels(self) -> None:
        ph = self.playhead
        self.video_view = VideoView(ph)
        self.skeleton_view = SkeletonView(ph)
        self.imu_plots = ImuPlots(ph)
        self.timeline = Timeline(ph)
        self.labels_panel = LabelsPanel()
        self.device_panel = DevicePanel()
        self.clips_panel = ClipsPanel()
        try:  # the realism panel (issue 6) is optional in a partial build
            from ..widgets.realism_panel import RealismPanel

            self.realism_panel = RealismPanel()
        except ImportError:
            self.realism_panel = None
        self.imu_plots.seek_requested.connect(lambda s: self.playhead.seek(self.playhead.frame_at(s)))
        self.timeline.seek_requested.connect(self.playhead.seek)
        self.timeline.trim_changed.connect(self._trim_dragged)
        self.timeline.segment_selected.connect(lambda i: self.select_segment(None if i < 0 else i, seek=False))
        self.timeline.segment_moved.connect(self._segment_dragged)
        self.labels_panel.segment_activated.connect(lambda i: self.select_segment(i, seek=True))
        self.labels_panel.edit_requested.connect(self._segment_edit)
        self.labels_panel.delete_requested.connect(self.delete_segment)
        self.device_panel.device_changed.connect(self._device_changed)
        self.device_panel.clip_changed.connect(self._clip_fields_changed)
        self.device_panel.save_profile.connect(self._save_profile)
        self.device_panel.preset_selected.connect(self._preset_selected)
        self.clips_panel.clip_activated.connect(self.open_clip)
        self.clips_panel.add_requested.connect(self.add_motion_dialog)
        self.clips_panel.delete_requested.connect(self._delete_clip)
        self.clips_panel.reconstruct_requested.connect(self.reconstruct_dialog)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Transport")
        tb.setObjectName("transportBar")
        tb.setMovable(False)
        self.play_btn = QPushButton(self.style().standardIcon(QStyle.SP_MediaPlay), "Play")
        self.play_btn.setToolTip("play / pause (Space)")
        self.play_btn.setFocusPolicy(Qt.NoFocus)
        self.play_btn.clicked.connect(self.toggle_play)
        tb.addWidget(self.play_btn)
        st = self.style()
        for icon, tip, fn in (
            (QStyle.SP_MediaSkipBackward, "first frame (Home)", lambda: self.playhead.seek(0)),
            (QStyle.SP_MediaSeekBackward, "previous frame (←)", lambda: self.playhead.step(-1)),
            (QStyle.SP_MediaSeekForward, "next frame (→)", lambda: self.playhead.step(1)),
            (QStyle.SP_MediaSkipForward, "last frame (End)", lambda: self.playhead.seek(self.playhead.last_frame)),
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
        self.export_btn.clicked.connect(self.export_dialog)
        tb.addWidget(self.export_btn)
        self.addToolBar(Qt.TopToolBarArea, tb)
        self.addToolBarBreak()
        eb = QToolBar("Messages")
        eb.setObjectName("messageBar")
        eb.setMovable(False)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fdecea; color: #8a1c1c; padding: 4px 8px; }")
        self.banner.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        close = QPushButton("Dismiss")
        close.setFocusPolicy(Qt.NoFocus)
        close.clicked.connect(self.clear_error)
        eb.addWidget(self.banner)
        eb.addWidget(close)
        self.addToolBar(Qt.TopToolBarArea, eb)
        self.message_bar = eb
        eb.setVisible(False)

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
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._act(f, "Open project…", QKeySequence.Open, self.open_project_dialog)
        self._act(f, "New project…", QKeySequence.New, self.new_project_dialog)
        self._act(f, "Open demo project", None, lambda: self.open_demo())
        self.recent_menu = f.addMenu("Recent projects")
        f.addSeparator()
        self._act(f, "Add motion…", None, self.add_motion_dialog)
        self._act(f, "Reconstruct video…", None, self.reconstruct_dialog)
        self._act(f, "Export dataset…", "Ctrl+E", self.export_dialog)
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
        self._act(e, "Open / close segment", [Qt.Key_Return, Qt.Key_Enter], self.toggle_segment)
        self._act(
            e, "Delete segment", [QKeySequence.Delete, Qt.Key_Backspace], lambda: self.delete_segment(self.selected)
        )
        self._act(e, "Cancel / clear selection", Qt.Key_Escape, self.cancel)
        self._act(e, "Trim in here", "I", lambda: self.trim_here("in"))
        self._act(e, "Trim out here", "O", lambda: self.trim_here("out"))
        for k in "1234567890":
            self._act(None, f"Label {k}", k, lambda _=False, key=k: self.assign_hotkey(key))
        p = mb.addMenu("&Playback")
        self._act(p, "Play / pause", Qt.Key_Space, self.toggle_play)
        self._act(p, "Next frame", Qt.Key_Right, lambda: self.playhead.step(1))
        self._act(p, "Previous frame", Qt.Key_Left, lambda: self.playhead.step(-1))
        self._act(p, "Forward 1 s", "Shift+Right", lambda: self.playhead.step_seconds(1.0))
        self._act(p, "Back 1 s", "Shift+Left", lambda: self.playhead.step_seconds(-1.0))
        self._act(p, "First frame", Qt.Key_Home, lambda: self.playhead.seek(0))
        self._act(p, "Last frame", Qt.Key_End, lambda: self.playhead.seek(self.playhead.last_frame))
        self._act(p, "Faster", "]", self.playhead.faster)
        self._act(p, "Slower", "[", self.playhead.slower)
        self.view_menu = mb.addMenu("&View")
        h = mb.addMenu("&Help")
        self._act(h, "Keyboard shortcuts", ["?", "Shift+?", "Shift+/", "F1"], self.show_shortcuts)

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        d = QDockWidget(title, self)
        d.setObjectName(name)
        d.setWidget(widget)
        d.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, d)
        self.view_menu.addAction(d.toggleViewAction())
        return d

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setCentralWidget(None)
        L, B = Qt.LeftDockWidgetArea, Qt.BottomDockWidgetArea
        self.setCorner(Qt.BottomLeftCorner, B)
        self.setCorner(Qt.BottomRightCorner, B)
        self.docks: Dict[str, QDockWidget] = {}
        d = self.docks
        d["clips"] = self._dock("Clips", "dock_clips", self.clips_panel, L)
        d["video"] = self._dock("Video", "dock_video", self.video_view, L)
        d["skeleton"] = self._dock("Skeleton", "dock_skeleton", self.skeleton_view, L)
        d["imu"] = self._dock("IMU", "dock_imu", self.imu_plots, L)
        d["labels"] = self._dock("Labels", "dock_labels", self.labels_panel, L)
        d["device"] = self._dock("Device", "dock_device", self.device_panel, L)
        d["timeline"] = self._dock("Timeline", "dock_timeline", self.timeline, B)
        if self.realism_panel is not None:
            from PySide6.QtWidgets import QScrollArea

            holder = QScrollArea()  # its plots' minimum width must not widen the window
            holder.setWidgetResizable(True)
            holder.setWidget(self.realism_panel)
            d["realism"] = self._dock("Realism", "dock_realism", holder, L)
            d["realism"].visibilityChanged.connect(self._realism_visible)
        # columns: [clips / labels] [video | skeleton / imu] [device]; the timeline spans the bottom
        self.splitDockWidget(d["clips"], d["video"], Qt.Horizontal)
        self.splitDockWidget(d["video"], d["device"], Qt.Horizontal)
        self.splitDockWidget(d["clips"], d["labels"], Qt.Vertical)
        self.splitDockWidget(d["video"], d["imu"], Qt.Vertical)
        self.splitDockWidget(d["video"], d["skeleton"], Qt.Horizontal)
        if "realism" in d:  # a tab behind the IMU plots (both are signal views)
            self.tabifyDockWidget(d["imu"], d["realism"])
            d["imu"].raise_()
        self._size_docks()
        self.view_menu.addSeparator()
        self._act(self.view_menu, "Reset layout", None, self.reset_layout)
        self._act(self.view_menu, "Fit timeline", "F", self.timeline.fit)

    # ------------------------------------------------------------------ layout and settings
    def _restore_layout(self) -> None:
        geo = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geo is not None:
            self.restoreGeometry(geo)
        if state is not None and not self.restoreState(state, LAYOUT_VERSION):
            self.restoreState(self._default_state, LAYOUT_VERSION)

    def _size_docks(self) -> None:
        d = self.docks
        W, H = max(self.width(), 1200), max(self.height(), 800)
        side, dev = int(W * 0.22), int(W * 0.2)
        mid = W - side - dev
        self.resizeDocks([d["clips"], d["video"], d["device"]], [side, mid, dev], Qt.Horizontal)
        self.resizeDocks([d["video"], d["skeleton"]], [int(mid * 0.55), int(mid * 0.45)], Qt.Horizontal)
        self.resizeDocks([d["clips"], d["labels"]], [int(H * 0.2), int(H * 0.55)], Qt.Vertical)
        self.resizeDocks([d["video"], d["imu"]], [int(H * 0.4), int(H * 0.4)], Qt.Vertical)
        self.resizeDocks([d["timeline"]], [130], Qt.Vertical)

    def reset_layout(self) -> None:
        for d in self.docks.values():
            d.setFloating(False)
            d.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)
        self.docks["imu"].raise_()

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def recent_projects(self) -> List[str]:
        v = self.settings.value("recent/projects") or []
        if isinstance(v, str):
            v = [v]
        return [p for p in v if p]

    def _remember(self, folder: Path) -> None:
        items = [str(Path(folder).resolve())] + [p for p in self.recent_projects() if p != str(Path(folder).resolve())]
        self.settings.setValue("recent/projects", items[:MAX_RECENT])
        self.settings.sync()
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.recent_projects():
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, path=p: self.open_project(path))

    # ------------------------------------------------------------------ errors
    def show_error(self, message: str) -> None:
        log.error(message)
        self.banner.setText("⚠ " + message)
        self.message_bar.setVisible(True)
        self.statusBar().showMessage(message, 15000)

    def install_excepthook(self) -> None:
        """Uncaught exceptions (bugs in a slot) go to the log and to the window's banner."""
        import sys

        previous = sys.excepthook

        def hook(etype, value, tb):
            if issubclass(etype, KeyboardInterrupt):
                return previous(etype, value, tb)
            log.error("uncaught exception", exc_info=(etype, value, tb))
            try:
                self.show_error(
                    f"internal error: {etype.__name__}: {value} (your labels are saved; details in the log)"
                )
            except RuntimeError:  # the window is gone
                previous(etype, value, tb)

        sys.excepthook = hook

    def clear_error(self) -> None:
        self.banner.setText("")
        self.message_bar.setVisible(False)

    def _guarded(self, fn, what: str = ""):
        try:
            return fn()
        except InputError as exc:
            self.show_error(str(exc))
        except Exception as exc:  # a bug must not take the window (and the annotations) down
            log.exception("workbench error in %s", what)
            self.show_error(f"{what + ': ' if what else ''}{exc.__class__.__name__}: {exc}")
        return None

    # ------------------------------------------------------------------ project
    def open_project(self, folder, clip_id: Optional[str] = None) -> bool:
        from ..core.project.project import Project

        proj = self._guarded(lambda: Project.open(folder), "open project")
        if proj is None:
            return False
        self.set_project(proj, clip_id)
        return True

    def open_demo(self, reset: bool = False) -> bool:
        from ..core.project.demo import open_demo_project

        self.statusBar().showMessage("Preparing the demo project…")
        QApplication.processEvents()
        from ..core.project.demo import MAIN_CLIP

        proj = self._guarded(lambda: open_demo_project(reset=reset), "demo")
        if proj is None:
            return False
        last = self.settings.value(f"last/clip/{Path(proj.folder).resolve()}")
        self.set_project(proj, None if (last and not reset) else MAIN_CLIP)
        self.statusBar().showMessage(
            "Demo project: a figure walks, loses balance, falls and lies still. Press Space to play, ? for shortcuts.",
            20000,
        )
        return True

    def set_project(self, proj, clip_id: Optional[str] = None) -> None:
        self.close_project()
        self.project = proj
        self._project_token = proj.subscribe(self._on_project_event)
        self.undo_stack.clear()
        self.labels_panel.set_taxonomy(proj.taxonomy)
        self._remember(proj.folder)
        self.settings.setValue("last/project", str(Path(proj.folder).resolve()))
        clips = proj.clips()
        self._refresh_clips()
        if clips:
            want = clip_id or self.settings.value(f"last/clip/{Path(proj.folder).resolve()}") or clips[0].id
            self.open_clip(want if any(c.id == want for c in clips) else clips[0].id)
        else:
            self.statusBar().showMessage("Empty project: add a motion file (File ▸ Add motion…)")
        self._update_title()

    def close_project(self) -> None:
        self.pause()
        if self.project is not None:
            if self._project_token is not None:
                self.project.unsubscribe(self._project_token)
            self.project.close()
        self.project = None
        self.clip = None
        if self.video is not None:
            self.video.close()
            self.video = None

    def _refresh_clips(self) -> None:
        if self.project is None:
            return
        counts: Dict[str, int] = {}
        for s in self.project.segments():
            counts[s.clip_id] = counts.get(s.clip_id, 0) + 1
        self.clips_panel.set_clips(self.project.name, self.project.clips(), counts, self.clip.id if self.clip else None)

    def open_clip(self, clip_id: str) -> None:
        if self.project is None:
            return
        self.pause()
        self.open_start = None
        self.selected = None
        clip = self._guarded(lambda: self.project.clip(clip_id), "open clip")
        if clip is None:
            return
        motion = self._guarded(lambda: self.project.load_motion(clip_id), "load motion")
        if motion is None:
            return
        self.clip, self.motion = clip, motion
        self.settings.setValue(f"last/clip/{Path(self.project.folder).resolve()}", clip_id)
        if self.video is not None:
            self.video.close()
            self.video = None
        msg = "No video for this clip (skeleton only)"
        if clip.video_path:
            from ..core.reconstruct.video import VideoReader

            vp = Path(clip.video_path)
            vp = vp if vp.is_absolute() else Path(self.project.folder) / vp
            self.video = self._guarded(lambda: VideoReader(vp), "video")
            if self.video is None:
                msg = f"Video could not be opened: {vp}"
        self.video_view.set_source(self.video, msg)
        self.playhead.set_clip(clip.n_frames, clip.fps, frame=clip.trim_in)
        self.playhead.range = (clip.trim_in, clip.trim_out - 1)
        self.timeline.set_clip(clip.n_frames, float(clip.fps), (clip.trim_in, clip.trim_out))
        self.skeleton_view.set_motion(motion, clip.wrist)
        dev = self._guarded(lambda: self.project.device_for(clip.id), "device")
        profiles = {}
        for pr in self.project.profiles():
            p = self._guarded(pr.preset, "profile")
            if p is not None:
                profiles[pr.name] = p
        from ..core.sim.devices import DEFAULT_PRESET

        self.device_panel.set_choices(profiles, clip.profile or DEFAULT_PRESET)
        self.device_panel.set_preset(dev)
        self.device_panel.set_clip_fields(clip.wrist, clip.seed)
        self.device = dev
        self.device_edited = False
        self._refresh_segments()
        self._refresh_clips()
        self._refresh_trim_views()
        self.imu_plots.set_signal(None, "simulating…")
        self.resimulate()
        self._update_title()

    # ------------------------------------------------------------------ project events
    def _on_project_event(self, ev) -> None:
        if self.clip is None:
            self._refresh_clips()
            return
        if "clips" in ev.tables:
            ids = {c.id for c in self.project.clips()}
            if self.clip.id not in ids:
                self.clip = None
                self._refresh_clips()
                first = next(iter(sorted(ids)), None)
                if first:
                    self.open_clip(first)
                else:
                    self._clear_clip_views()
                return
            old = self.clip
            self.clip = self.project.clip(old.id)
            if (old.trim_in, old.trim_out) != (self.clip.trim_in, self.clip.trim_out):
                self._refresh_trim_views()
                self.resimulate()
            if (old.wrist, old.seed, old.profile) != (self.clip.wrist, self.clip.seed, self.clip.profile):
                self.device_panel.set_clip_fields(self.clip.wrist, self.clip.seed)
                if old.profile != self.clip.profile:
                    from ..core.sim.devices import DEFAULT_PRESET

                    self.device = self._guarded(lambda: self.project.device_for(self.clip.id), "device")
                    self.device_panel.set_preset(self.device)
                    self.device_panel.select(self.clip.profile or DEFAULT_PRESET)
                    self.device_edited = False
                if old.wrist != self.clip.wrist:
                    self.skeleton_view.set_motion(self.motion, self.clip.wrist)
                self.resimulate()
        if "profiles" in ev.tables:
            profiles = {}
            for pr in self.project.profiles():
                p = self._guarded(pr.preset, "profile")
                if p is not None:
                    profiles[pr.name] = p
            self.device_panel.set_choices(profiles, self.clip.profile or "watch-bmi270")
        if "segments" in ev.tables or "meta" in ev.tables:
            self._refresh_segments()
        self._refresh_clips()
        self._update_title()

    def _clear_clip_views(self) -> None:
        """No clip left: every panel says so instead of showing the deleted one."""
        self.pause()
        self.motion = self.signal = None
        if self.video is not None:
            self.video.close()
            self.video = None
        self.video_view.set_source(None, "No clip: add a motion file or reconstruct a video")
        self.skeleton_view.set_motion(None)
        self.imu_plots.set_signal(None, "no clip")
        self.timeline.set_segments([], {})
        self.labels_panel.set_segments([])
        self.playhead.set_clip(1, 30)
        self._update_title()

    def _refresh_segments(self) -> None:
        if self.project is None or self.clip is None:
            return
        segs = self.project.segments(self.clip.id)
        if self.selected is not None and all(s.id != self.selected for s in segs):
            self.selected = None
        tax = self.project.taxonomy
        colours = {b: tax.colour(b) for b in tax.behaviour_ids}
        self.timeline.set_segments(segs, colours)
        self.timeline.set_selected(self.selected)
        self.labels_panel.set_segments(segs, self.selected)

    def _refresh_trim_views(self) -> None:
        c = self.clip
        self.timeline.set_trim(c.trim_in, c.trim_out)
        self.playhead.range = (c.trim_in, c.trim_out - 1)
        fps = float(c.fps)
        self.imu_plots.set_trim(c.trim_in / fps, c.trim_out / fps, (c.n_frames - 1) / fps)

    # ------------------------------------------------------------------ edits (all through the core's commands)
    def execute(self, cmd: C.Command) -> Optional[C.Command]:
        """Do a core command now and push it on the undo stack (merging drags). None if refused."""
        if self.project is None:
            return None
        ok = self._guarded(lambda: (cmd.do(self.project), True)[1], cmd.text)
        if not ok:
            return None
        self.undo_stack.push(ProjectUndoCommand(self, cmd))
        return cmd

    def adopt_last_command(self) -> None:
        """Put the command the core just ran on its own stack (e.g. ``Project.add_clip``) on the Qt stack."""
        if self.project is not None and self.project.stack.done:
            self.undo_stack.push(ProjectUndoCommand(self, self.project.stack.done[-1]))

    def select_segment(self, seg_id: Optional[int], seek: bool = False) -> None:
        self.selected = seg_id
        self.timeline.set_selected(seg_id)
        seg = None
        if seg_id is not None and self.project is not None:
            seg = next((s for s in self.project.segments(self.clip.id) if s.id == seg_id), None)
        self.labels_panel.show_segment(seg)
        if seek and seg is not None:
            self.playhead.seek(seg.start_frame)

    def toggle_segment(self) -> None:
        """Enter: open a segment at the playhead, or close the open one there with the chosen label."""
        if self.clip is None:
            return
        if self.open_start is None:
            self.open_start = self.playhead.frame
            self.timeline.set_open_start(self.open_start)
            self.statusBar().showMessage(
                f"Segment open at frame {self.open_start}: move, then Enter (or 1–9) to close it; Esc cancels"
            )
            self._update_title()
            return
        self.close_segment(self.labels_panel.template())

    def close_segment(self, fields: dict) -> Optional[int]:
        a, b = sorted((self.open_start, self.playhead.frame))
        self.open_start = None
        self.timeline.set_open_start(None)
        self._update_title()
        if fields.get("behaviour") is None:
            self.show_error("choose a behaviour in the Labels panel first")
            return None
        cmd = self.execute(
            C.AddSegment(
                self.clip.id,
                a,
                b + 1,
                fields["behaviour"],
                fields["safety"],
                phase=fields.get("phase"),
                confidence=fields.get("confidence", 1.0),
                severity=fields.get("severity"),
                occluded=fields.get("occluded", False),
                partly_out_of_frame=fields.get("partly_out_of_frame", False),
            )
        )
        if cmd is None:
            return None
        self.select_segment(cmd.segment_id)
        self.statusBar().showMessage(f"Added {fields['behaviour']} frames {a}–{b}", 5000)
        return cmd.segment_id

    def assign_hotkey(self, key: str) -> None:
        if self.project is None or self.clip is None:
            return
        tax = self.project.taxonomy
        behaviour = tax.hotkeys().get(key)
        if behaviour is None:
            return
        safety = "unsafe" if tax.is_critical(behaviour) else "safe"
        if self.open_start is not None:
            t = self.labels_panel.template()
            t.update(
                behaviour=behaviour, safety=safety, phase=None, severity=None if safety == "safe" else t.get("severity")
            )
            if t["safety"] == "safe":
                t["severity"] = None
            self.labels_panel.select_behaviour(behaviour)
            self.close_segment(t)
            return
        if self.selected is not None:
            seg = self.project.segment(self.selected)
            if seg.behaviour != behaviour:
                fields = {"behaviour": behaviour, "safety": safety}
                if seg.phase not in tax.behaviours[behaviour].get("phases", []):
                    fields["phase"] = None
                if safety == "safe":
                    fields["severity"] = None
                self.execute(C.UpdateSegment(seg.id, **fields))
                self.select_segment(seg.id)
            return
        self.labels_panel.select_behaviour(behaviour)

    def _segment_edit(self, seg_id: int, fields: dict) -> None:
        if "confidence" in fields:  # spin box steps: one undo step per burst of the same field
            cmd = C.UpdateSegment(seg_id, merge_key=f"seg-{seg_id}-confidence", **fields)
        else:
            cmd = C.UpdateSegment(seg_id, **fields)
        self.execute(cmd)
        self.select_segment(seg_id)

    def _segment_dragged(self, seg_id: int, a: int, b: int, key: str) -> None:
        self.execute(C.UpdateSegment(seg_id, merge_key=key, start_frame=a, end_frame=b))

    def delete_segment(self, seg_id: Optional[int]) -> None:
        if seg_id is None:
            return
        if self.execute(C.DeleteSegment(seg_id)) is not None:
            self.select_segment(None)

    def cancel(self) -> None:
        if self.open_start is not None:
            self.open_start = None
            self.timeline.set_open_start(None)
            self._update_title()
        else:
            self.select_segment(None)

    def _trim_dragged(self, t_in: int, t_out: int, key: str) -> None:
        self.execute(C.SetTrim(self.clip.id, t_in, t_out, merge_key=key))

    def trim_here(self, which: str) -> None:
        if self.clip is None:
            return
        f = self.playhead.frame
        a, b = self.clip.trim_in, self.clip.trim_out
        if which == "in":
            a = min(f, b - 2)
        else:
            b = max(f + 1, a + 2)
        self.execute(C.SetTrim(self.clip.id, a, b))

    def _clip_fields_changed(self, fields: dict) -> None:
        if self.clip is not None:
            self.execute(C.UpdateClip(self.clip.id, **fields))

    def _preset_selected(self, name: str) -> None:
        if self.clip is None:
            return
        if name != (self.clip.profile or None):
            self.execute(C.UpdateClip(self.clip.id, profile=name))  # the project event reloads the device
        else:  # same preset again: drop the live edits
            self._apply_device(self.device_panel.preset, edited=False)

    def _save_profile(self, name: str, data: dict) -> None:
        if self.clip is None:
            return
        if self.execute(C.SetProfile(name, data)) is not None:
            self.execute(C.UpdateClip(self.clip.id, profile=name))
            self.device_edited = False
            self._update_title()

    def _delete_clip(self, clip_id: str) -> None:
        if (
            QMessageBox.question(self, "Delete clip", f"Delete clip '{clip_id}' and its labels? (Ctrl+Z undoes it)")
            == QMessageBox.Yes
        ):
            self.execute(C.DeleteClip(clip_id))

    # ------------------------------------------------------------------ simulation in the background
    def _device_changed(self, preset) -> None:
        before = self.device
        self._apply_device(preset, edited=True, panel=False)
        if before is not None:
            self.undo_stack.push(DeviceEditCommand(self, before, preset, self.device_panel.last_changes))

    def _apply_device(self, preset, edited: bool = True, panel: bool = True) -> None:
        """Show and simulate with ``preset`` (live tuning; 'Save as profile…' stores it in the project)."""
        self.device = preset
        self.device_edited = (
            edited
            and self.clip is not None
            and preset.to_json() != self._guarded(lambda: self.project.device_for(self.clip.id), "device").to_json()
        )
        if panel:
            self.device_panel.set_preset(preset, base=False)
        self._update_title()
        self.resimulate()

    def resimulate(self) -> None:
        """Simulate the clip with the current device in a worker; a newer request supersedes a running one."""
        if self.motion is None or self.clip is None or self.device is None:
            return
        if self._sim_worker is not None:
            self._sim_pending = True
            self._sim_worker.cancel()
            return
        cfg = SimConfig(wrist=self.clip.wrist, seed=int(self.clip.seed))
        c = self.clip
        # the trimmed clip, as the export simulates it; times shifted back onto the source's frames
        w = Worker(
            _timed_simulate, self.motion.slice(c.trim_in, c.trim_out), self.device, cfg, t0=float(c.seconds(c.trim_in))
        )
        w.signals.finished.connect(self._sim_done)
        w.signals.failed.connect(self._sim_failed)
        w.signals.cancelled.connect(self._sim_ended)
        self._sim_worker = w
        self._sim_pending = False
        start(w, self.pool)

    def _sim_done(self, result) -> None:
        sig, ms = result
        self._sim_worker = None
        if self._sim_pending:
            self.resimulate()
            return
        self.signal = sig
        self.last_sim_ms = ms
        self.sim_count += 1
        sat = sig.provenance.get("acc_saturated_samples", 0) + sig.provenance.get("gyro_saturated_samples", 0)
        status = (
            f"{sig.device.id}{' (edited)' if self.device_edited else ''}  {sig.rate_hz:g} Hz  "
            f"{sig.wrist} wrist  seed {sig.seed}  · simulated in {ms:.0f} ms"
            + (f"  · {sat} samples at the device range" if sat else "")
        )
        self.imu_plots.set_signal(sig, status)
        self._feed_realism()

    def _realism_visible(self, visible: bool) -> None:
        if visible:
            self._feed_realism()

    def _feed_realism(self) -> None:
        """The realism panel compares the current clip's simulation (only while it is shown)."""
        d = self.docks.get("realism")
        if d is None or self.signal is None or d.visibleRegion().isEmpty():
            return
        self._guarded(lambda: self.realism_panel.set_simulated_signal(self.signal), "realism")

    def _sim_failed(self, message: str) -> None:
        self._sim_worker = None
        self.show_error(f"IMU simulation failed: {message} (labels are unaffected)")
        if self._sim_pending:
            self.resimulate()

    def _sim_ended(self) -> None:
        self._sim_worker = None
        if self._sim_pending:
            self.resimulate()

    @property
    def simulating(self) -> bool:
        return self._sim_worker is not None

    # ------------------------------------------------------------------ playback
    def toggle_play(self) -> None:
        if self.playhead.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.clip is None:
            return
        self.playhead.play()

    def pause(self) -> None:
        self.playhead.pause()

    def _tick(self) -> None:
        self.playhead.advance_to(self.elapsed.elapsed() / 1000.0)

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event == "playing":
            if ph.playing:
                self.elapsed.start()
                self.clock.start()
                self.play_btn.setText("Pause")
                self.play_btn.setIcon(self.style().standardIcon(QStyle.SP_MediaPause))
            else:
                self.clock.stop()
                self.play_btn.setText("Play")
                self.play_btn.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        elif event == "speed":
            self.speed_label.setText(f" {ph.speed:.2f}× ")
            self.settings.setValue("prefs/speed", ph.speed)
        if event in ("frame", "clip"):
            self.time_label.setText(f"frame {ph.frame:5d} / {ph.last_frame}   {float(ph.seconds):7.3f} s")
            if self.open_start is not None:
                self.timeline.canvas.update()

    # ------------------------------------------------------------------ dialogs
    def show_shortcuts(self) -> None:
        ShortcutSheet(self).exec()

    def open_project_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Open project folder")
        if d:
            self.open_project(d)

    def new_project_dialog(self) -> None:
        from ..core.project.project import Project

        d = QFileDialog.getExistingDirectory(self, "New project: choose an empty folder")
        if d:
            proj = self._guarded(lambda: Project.create(d), "new project")
            if proj is not None:
                self.set_project(proj)

    def add_motion_dialog(self) -> None:
        if self.project is None:
            self.show_error("open or create a project first")
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Add motion", "", "Motion files (*.npz *.bvh *.skeleton *.npy *.csv);;All files (*)"
        )
        if path:
            self.add_motion(path)

    def add_motion(self, path: str) -> Optional[str]:
        """Import a skeleton file (any format the core's importers read) and add it as a clip."""
        import tempfile

        from ..core.motion.interchange import save_motion

        def work():
            p = Path(path)
            if p.suffix.lower() == ".npz":
                return self.project.add_clip(p).id
            from ..core.motion.importers import import_motion

            m = import_motion(p)
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / (p.stem + ".npz")
                save_motion(m, out)
                return self.project.add_clip(out, subject=str(m.meta.get("subject", ""))).id

        cid = self._guarded(work, "add motion")
        if cid:
            self.adopt_last_command()
            self._refresh_clips()
            self.open_clip(cid)
        return cid

    def reconstruct_dialog(self) -> None:
        try:
            from .dialogs.reconstruct_dialog import ReconstructDialog
        except ImportError:
            self.show_error("video reconstruction is not available in this build (core/reconstruct.py missing)")
            return
        if self.project is None:
            self.show_error("open or create a project first")
            return
        ReconstructDialog(self).exec()

    def export_dialog(self) -> None:
        if self.project is None:
            self.show_error("open a project first")
            return
        from .dialogs.export_dialog import ExportDialog

        self.pause()
        dlg = ExportDialog(self.project, self)
        dlg.exec()

    # ------------------------------------------------------------------ title and closing
    def _undo_index_changed(self, _index: int) -> None:
        self._update_title()

    def _update_title(self) -> None:
        parts = ["IMU2Safety workbench"]
        if self.project is not None:
            parts.insert(0, f"{self.project.name}" + (f" — {self.clip.id}" if self.clip else ""))
        pending = []
        if self.device_edited:
            pending.append("device edits not saved as a profile")
        if self.open_start is not None:
            pending.append("segment open")
        self.setWindowModified(bool(pending))
        title = " · ".join(parts) + ("[*]" if True else "")
        if pending:
            title += "  (" + "; ".join(pending) + ")"
        self.setWindowTitle(title)

    def closeEvent(self, ev) -> None:
        self.save_settings()
        for w in list(self._workers) + ([self._sim_worker] if self._sim_worker else []):
            w.cancel()
        self.pool.waitForDone(3000)
        self.close_project()
        super().closeEvent(ev)


def _timed_simulate(motion, device, cfg, t0=0.0, progress=None, cancel=None):
    """Simulate and time it; sample times are shifted by ``t0`` (the trim-in) onto the source clip."""
    import dataclasses
    import time

    start = time.perf_counter()
    sig = simulate(motion, device, cfg, progress=progress, cancel=cancel)
    if t0:
        sig = dataclasses.replace(sig, time=sig.time + t0)
    return sig, (time.perf_counter() - start) * 1000.0
