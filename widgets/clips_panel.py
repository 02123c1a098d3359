"""Clips panel: the project browser (one row per clip: id, subject, length, labels, video; the current
clip's notes, e.g. a data source's credit, below the list).

Selecting a row emits ``clip_activated(clip_id)``. Buttons ask the window to add
a motion file, reconstruct a video, or delete the selected clip; files or folders
dropped on the panel come out as ``paths_dropped(list of paths)``.
"""

from __future__ import annotations

from typing import List, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


class ClipsPanel(QWidget):
    clip_activated = Signal(str)
    add_requested = Signal()
    paths_dropped = Signal(list)  # files or folders dropped on the panel (local paths)
    reconstruct_requested = Signal()
    delete_requested = Signal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipsPanel")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.title = QLabel("No project")
        self.title.setStyleSheet("font-weight: bold")
        lay.addWidget(self.title)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("clipTable")
        self.table.setHorizontalHeaderLabels(["clip", "subject", "length s", "segments", "video"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.cellClicked.connect(self._clicked)
        lay.addWidget(self.table, 1)
        self.notes = QLabel("")
        self.notes.setObjectName("clipNotes")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #555")
        lay.addWidget(self.notes)
        row = QHBoxLayout()
        self.add_btn = QPushButton("Add motion…")
        self.add_btn.setToolTip("add a skeleton file (.npz, .bvh, ...) as a new clip")
        self.add_btn.clicked.connect(self.add_requested.emit)
        self.rec_btn = QPushButton("Reconstruct video…")
        self.rec_btn.clicked.connect(self.reconstruct_requested.emit)
        self.del_btn = QPushButton("Delete")
        self.del_btn.clicked.connect(lambda: self.current and self.delete_requested.emit(self.current))
        for b in (self.add_btn, self.rec_btn, self.del_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self.ids: List[str] = []
        self.current: Optional[str] = None
        self._notes: dict = {}
        self.setAcceptDrops(True)
        self.table.setToolTip("drop files or folders here to add them as clips")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.paths_dropped.emit(paths)

    def set_clips(self, project_name: str, clips: List, counts: dict, current: Optional[str]) -> None:
        self.title.setText(project_name)
        self.ids = [c.id for c in clips]
        self._notes = {c.id: c.notes for c in clips}
        self.table.setRowCount(len(clips))
        for r, c in enumerate(clips):
            vals = [
                c.id,
                c.subject,
                f"{float(c.duration_s):.2f}",
                str(counts.get(c.id, 0)),
                "yes" if c.video_path else "—",
            ]
            for k, v in enumerate(vals):
                it = QTableWidgetItem(v)
                if k in (2, 3):
                    it.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if c.notes:
                    it.setToolTip(c.notes)
                self.table.setItem(r, k, it)
        self.set_current(current)

    def set_current(self, clip_id: Optional[str]) -> None:
        self.current = clip_id
        self.notes.setText(self._notes.get(clip_id, "") or "")
        if clip_id in self.ids:
            self.table.selectRow(self.ids.index(clip_id))
        self.del_btn.setEnabled(clip_id is not None)

    def _clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.ids) and self.ids[row] != self.current:
            self.clip_activated.emit(self.ids[row])
