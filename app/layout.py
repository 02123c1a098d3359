"""The window's docks: stable object names, the default arrangement, and the saved layout.

Columns ``[clips / labels] [video | skeleton / imu] [device]``, the timeline across the
bottom, the Realism panel a tab behind the IMU plots. The arrangement is saved in the
settings with ``saveState(LAYOUT_VERSION)`` and restored at start; a layout saved by
another version is dropped for the default (bump ``LAYOUT_VERSION`` when docks change).
"""

from __future__ import annotations

from typing import Dict, Optional

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QScrollArea, QWidget

LAYOUT_VERSION = 2

# key: (title, objectName, area); the object names are what saved layouts refer to
DOCKS = {
    "clips": ("Clips", "dock_clips", Qt.LeftDockWidgetArea),
    "video": ("Video", "dock_video", Qt.LeftDockWidgetArea),
    "skeleton": ("Skeleton", "dock_skeleton", Qt.LeftDockWidgetArea),
    "imu": ("IMU", "dock_imu", Qt.LeftDockWidgetArea),
    "labels": ("Labels", "dock_labels", Qt.LeftDockWidgetArea),
    "device": ("Device", "dock_device", Qt.LeftDockWidgetArea),
    "timeline": ("Timeline", "dock_timeline", Qt.BottomDockWidgetArea),
    "realism": ("Realism", "dock_realism", Qt.LeftDockWidgetArea),
}


class DockLayout:
    def __init__(self, window: QMainWindow, settings: QSettings, view_menu: QMenu) -> None:
        self.window, self.settings, self.view_menu = window, settings, view_menu
        self.docks: Dict[str, QDockWidget] = {}
        self._default_state = None

    def build(self, panels: Dict[str, Optional[QWidget]]) -> Dict[str, QDockWidget]:
        """A dock per panel (None: left out), arranged the default way; listed in the View menu."""
        w = self.window
        w.setDockNestingEnabled(True)
        w.setCentralWidget(None)
        w.setCorner(Qt.BottomLeftCorner, Qt.BottomDockWidgetArea)
        w.setCorner(Qt.BottomRightCorner, Qt.BottomDockWidgetArea)
        d = self.docks
        for key, (title, name, area) in DOCKS.items():
            panel = panels.get(key)
            if panel is None:
                continue
            if key == "realism":
                holder = QScrollArea()  # its plots' minimum width must not widen the window
                holder.setWidgetResizable(True)
                holder.setWidget(panel)
                panel = holder
            d[key] = self._dock(title, name, panel, area)
        w.splitDockWidget(d["clips"], d["video"], Qt.Horizontal)
        w.splitDockWidget(d["video"], d["device"], Qt.Horizontal)
        w.splitDockWidget(d["clips"], d["labels"], Qt.Vertical)
        w.splitDockWidget(d["video"], d["imu"], Qt.Vertical)
        w.splitDockWidget(d["video"], d["skeleton"], Qt.Horizontal)
        if "realism" in d:  # a tab behind the IMU plots (both are signal views)
            w.tabifyDockWidget(d["imu"], d["realism"])
            d["imu"].raise_()
        self.size_docks()
        return d

    def _dock(self, title: str, name: str, widget: QWidget, area) -> QDockWidget:
        d = QDockWidget(title, self.window)
        d.setObjectName(name)
        d.setWidget(widget)
        d.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.window.addDockWidget(area, d)
        self.view_menu.addAction(d.toggleViewAction())
        return d

    def size_docks(self) -> None:
        d, w = self.docks, self.window
        W, H = max(w.width(), 1200), max(w.height(), 800)
        side, dev = int(W * 0.22), int(W * 0.2)
        mid = W - side - dev
        w.resizeDocks([d["clips"], d["video"], d["device"]], [side, mid, dev], Qt.Horizontal)
        w.resizeDocks([d["video"], d["skeleton"]], [int(mid * 0.55), int(mid * 0.45)], Qt.Horizontal)
        w.resizeDocks([d["clips"], d["labels"]], [int(H * 0.2), int(H * 0.55)], Qt.Vertical)
        w.resizeDocks([d["video"], d["imu"]], [int(H * 0.4), int(H * 0.4)], Qt.Vertical)
        w.resizeDocks([d["timeline"]], [130], Qt.Vertical)

    def keep_as_default(self) -> None:
        """The arrangement now is what "Reset layout" goes back to."""
        self._default_state = self.window.saveState(LAYOUT_VERSION)

    def restore(self) -> None:
        geo = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geo is not None:
            self.window.restoreGeometry(geo)
        if state is not None and not self.window.restoreState(state, LAYOUT_VERSION):
            self.window.restoreState(self._default_state, LAYOUT_VERSION)

    def reset(self) -> None:
        for d in self.docks.values():
            d.setFloating(False)
            d.show()
        self.window.restoreState(self._default_state, LAYOUT_VERSION)
        self.docks["imu"].raise_()

    def save(self) -> None:
        self.settings.setValue("window/geometry", self.window.saveGeometry())
        self.settings.setValue("window/state", self.window.saveState(LAYOUT_VERSION))
        self.settings.sync()
