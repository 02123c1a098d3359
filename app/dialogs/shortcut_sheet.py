"""The keyboard shortcut sheet (``?``): every key of the workbench in one table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout

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
