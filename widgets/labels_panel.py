"""Labels panel: taxonomy picker (with hotkeys), safety level, severity, phase, confidence, flags,
and the clip's segment list.

With a segment selected, the editors show it and every change is sent as
``edit_requested(segment_id, fields)`` (the window turns it into an undoable
command). With none selected, the editors set what the next new segment gets
(:meth:`LabelsPanel.template`). Clicking a row emits ``segment_activated(id)``
(the window selects it and seeks to its start).
"""

from __future__ import annotations

from typing import Dict, List, Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def swatch(colour: str, size: int = 14) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(colour))
    return QIcon(pm)


class LabelsPanel(QWidget):
    segment_activated = Signal(int)
    edit_requested = Signal(int, dict)
    delete_requested = Signal(int)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("labelsPanel")
        self.taxonomy = None
        self.segment = None  # the selected Segment, or None
        self._loading = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.behaviours = QListWidget()
        self.behaviours.setObjectName("behaviourList")
        self.behaviours.setMaximumHeight(200)
        self.behaviours.currentRowChanged.connect(self._behaviour_changed)
        lay.addWidget(QLabel("Behaviour (keys 1–9, 0 assign)"))
        lay.addWidget(self.behaviours)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.safety = QComboBox()
        self.severity = QComboBox()
        self.phase = QComboBox()
        self.confidence = QDoubleSpinBox()
        self.confidence.setRange(0.0, 1.0)
        self.confidence.setSingleStep(0.05)
        self.confidence.setDecimals(2)
        self.confidence.setValue(1.0)
        self.occluded = QCheckBox("occluded")
        self.out_of_frame = QCheckBox("partly out of frame")
        flags = QHBoxLayout()
        flags.addWidget(self.occluded)
        flags.addWidget(self.out_of_frame)
        form.addRow("Safety", self.safety)
        form.addRow("Severity", self.severity)
        form.addRow("Phase", self.phase)
        form.addRow("Confidence", self.confidence)
        form.addRow("Flags", flags)
        lay.addLayout(form)
        self.safety.currentIndexChanged.connect(self._safety_changed)
        self.severity.currentIndexChanged.connect(lambda _: self._field_changed("severity"))
        self.phase.currentIndexChanged.connect(lambda _: self._field_changed("phase"))
        self.confidence.valueChanged.connect(lambda _: self._field_changed("confidence"))
        self.occluded.toggled.connect(lambda _: self._field_changed("occluded"))
        self.out_of_frame.toggled.connect(lambda _: self._field_changed("partly_out_of_frame"))
        self.mode = QLabel("")
        self.mode.setStyleSheet("color: #555")
        self.mode.setWordWrap(True)
        lay.addWidget(self.mode)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("segmentTable")
        self.table.setHorizontalHeaderLabels(["start s", "end s", "behaviour", "phase", "safety"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeToContents)
        hh.setSectionResizeMode(2, QHeaderView.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.ElideRight)
        self.table.cellClicked.connect(self._row_clicked)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.delete_btn = QPushButton("Delete segment")
        self.delete_btn.setToolTip("delete the selected segment (Delete)")
        self.delete_btn.clicked.connect(lambda: self.segment and self.delete_requested.emit(self.segment.id))
        row.addStretch(1)
        row.addWidget(self.delete_btn)
        lay.addLayout(row)
        self._segments: List = []
        self._update_mode()

    # -- taxonomy -----------------------------------------------------------------------------------
    def set_taxonomy(self, tax) -> None:
        self._loading = True
        self.taxonomy = tax
        self.behaviours.clear()
        for b in tax.data["behaviours"]:
            key = b.get("hotkey") or " "
            crit = "  ⚠" if b["group"] == "safety_critical" else ""
            it = QListWidgetItem(swatch(b["colour"]), f"{key}  {b['name']}{crit}")
            it.setData(Qt.UserRole, b["id"])
            self.behaviours.addItem(it)
        self.safety.clear()
        for s in tax.data["safety_levels"]:
            self.safety.addItem(swatch(s["colour"]), s["name"], s["id"])
        self.behaviours.setCurrentRow(0)
        self._loading = False
        self._behaviour_changed(0)

    def behaviour_id(self) -> Optional[str]:
        it = self.behaviours.currentItem()
        return None if it is None else it.data(Qt.UserRole)

    def select_behaviour(self, behaviour: str) -> None:
        for i in range(self.behaviours.count()):
            if self.behaviours.item(i).data(Qt.UserRole) == behaviour:
                self.behaviours.setCurrentRow(i)
                return

    def _fill_phases(self, behaviour: str, current: Optional[str]) -> None:
        self.phase.blockSignals(True)
        self.phase.clear()
        self.phase.addItem("—", None)
        names = {p["id"]: p["name"] for p in self.taxonomy.data["phases"]}
        for ph in self.taxonomy.behaviours[behaviour].get("phases", []):
            self.phase.addItem(names.get(ph, ph), ph)
        idx = self.phase.findData(current) if current else 0
        self.phase.setCurrentIndex(max(idx, 0))
        self.phase.blockSignals(False)

    def _fill_severity(self, safety: str, current: Optional[int]) -> None:
        self.severity.blockSignals(True)
        self.severity.clear()
        self.severity.addItem("—", None)
        lvl = self.taxonomy.safety_levels.get(safety, {})
        names = lvl.get("severity_names", {})
        for s in lvl.get("severities", []) or []:
            self.severity.addItem(f"{s} {names.get(str(s), '')}".strip(), s)
        idx = self.severity.findData(current) if current is not None else 0
        self.severity.setCurrentIndex(max(idx, 0))
        self.severity.setEnabled(self.severity.count() > 1)
        self.severity.blockSignals(False)

    # -- editors ------------------------------------------------------------------------------------
    def _behaviour_changed(self, _row: int) -> None:
        if self._loading or self.taxonomy is None:
            return
        b = self.behaviour_id()
        if b is None:
            return
        if self.segment is not None:
            phase = self.segment.phase if self.segment.behaviour == b else None
            self._fill_phases(b, phase)
            if b != self.segment.behaviour:
                safety = "unsafe" if self.taxonomy.is_critical(b) else "safe"
                fields = {"behaviour": b, "phase": phase, "safety": safety}
                if safety == "safe":
                    fields["severity"] = None
                self.edit_requested.emit(self.segment.id, fields)
            return
        self._fill_phases(b, None)
        self._loading = True
        idx = self.safety.findData("unsafe" if self.taxonomy.is_critical(b) else "safe")
        self.safety.setCurrentIndex(max(idx, 0))
        self._loading = False
        self._fill_severity(self.safety.currentData(), None)

    def _safety_changed(self, _i: int) -> None:
        if self._loading or self.taxonomy is None:
            return
        sev = self.segment.severity if self.segment is not None else None
        self._fill_severity(self.safety.currentData(), sev)
        if self.segment is not None and self.safety.currentData() != self.segment.safety:
            keep = self.severity.currentData()
            self.edit_requested.emit(self.segment.id, {"safety": self.safety.currentData(), "severity": keep})

    def _field_changed(self, name: str) -> None:
        if self._loading or self.segment is None:
            return
        value = {
            "severity": lambda: self.severity.currentData(),
            "phase": lambda: self.phase.currentData(),
            "confidence": lambda: round(self.confidence.value(), 4),
            "occluded": lambda: self.occluded.isChecked(),
            "partly_out_of_frame": lambda: self.out_of_frame.isChecked(),
        }[name]()
        if getattr(self.segment, name) != value:
            self.edit_requested.emit(self.segment.id, {name: value})

    def template(self) -> Dict:
        """Fields for the next new segment (from the editors)."""
        return dict(
            behaviour=self.behaviour_id(),
            safety=self.safety.currentData() or "safe",
            phase=self.phase.currentData(),
            confidence=round(self.confidence.value(), 4),
            severity=self.severity.currentData(),
            occluded=self.occluded.isChecked(),
            partly_out_of_frame=self.out_of_frame.isChecked(),
        )

    # -- segments -----------------------------------------------------------------------------------
    def set_segments(self, segments: List, selected: Optional[int] = None) -> None:
        self._segments = list(segments)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._segments))
        for r, s in enumerate(self._segments):
            vals = [f"{float(s.start_s):.2f}", f"{float(s.end_s):.2f}", s.behaviour, s.phase or "", s.safety]
            for c, v in enumerate(vals):
                it = QTableWidgetItem(v)
                if c == 2 and self.taxonomy is not None and s.behaviour in self.taxonomy.behaviours:
                    it.setIcon(swatch(self.taxonomy.colour(s.behaviour)))
                self.table.setItem(r, c, it)
        self.table.blockSignals(False)
        self.show_segment(next((s for s in self._segments if s.id == selected), None))

    def show_segment(self, seg) -> None:
        """Make ``seg`` (or None) the one the editors show."""
        self.segment = seg
        self._loading = True
        if seg is not None:
            self.select_behaviour(seg.behaviour)
            self._fill_phases(seg.behaviour, seg.phase)
            self.safety.setCurrentIndex(max(self.safety.findData(seg.safety), 0))
            self._fill_severity(seg.safety, seg.severity)
            self.confidence.setValue(float(seg.confidence))
            self.occluded.setChecked(bool(seg.occluded))
            self.out_of_frame.setChecked(bool(seg.partly_out_of_frame))
            rows = [r for r, s in enumerate(self._segments) if s.id == seg.id]
            if rows:
                self.table.blockSignals(True)
                self.table.selectRow(rows[0])
                self.table.blockSignals(False)
        else:
            self.table.clearSelection()
        self._loading = False
        self._update_mode()

    def _update_mode(self) -> None:
        self.delete_btn.setEnabled(self.segment is not None)
        if self.segment is None:
            self.mode.setText(
                "New segments: Enter at the start, Enter at the end (or 1–9 on a frame "
                "range). Select a segment to edit it."
            )
        else:
            s = self.segment
            self.mode.setText(
                f"Editing segment {s.id}: frames {s.start_frame}–{s.end_frame - 1} ({float(s.duration_s):.2f} s)"
            )

    def _row_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._segments):
            self.segment_activated.emit(self._segments[row].id)
