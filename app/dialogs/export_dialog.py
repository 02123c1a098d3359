"""Export dialog: preview the dataset, then export it in the background (progress, cancel, result path).

The preview comes from the core's own rules (:func:`~imu2safety.core.dataset.export.assign_splits`,
:func:`~imu2safety.core.dataset.windows.intervals_for`, :func:`~imu2safety.core.dataset.windows.label_windows`):
clips and their split, windows per class and split, subjects per split, and a
size estimate. It assumes every IMU sample is valid (the simulation has not run
yet), so window counts are an upper bound. The export itself is
:func:`~imu2safety.core.dataset.export.export_dataset` on the project folder (opened
read-only in the worker, so the workbench keeps editing), written atomically.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, Optional

import numpy as np
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...core.dataset.export import SPLITS, ExportConfig, assign_splits, export_dataset
from ...core.dataset.windows import intervals_for, label_windows
from ..workers import Worker, start


def preview(project, cfg: ExportConfig) -> Dict:
    """What an export with ``cfg`` would hold (upper bound: every sample assumed valid)."""
    cfg.check()
    clips = project.clips()
    tax = project.taxonomy
    groups = {c.id: (c.subject or f"clip:{c.id}") if cfg.split == "subject" else c.id for c in clips}
    split_of = assign_splits(groups, cfg.val, cfg.test, cfg.seed)
    per_class: Dict[str, Counter] = defaultdict(Counter)
    subjects: Dict[str, set] = defaultdict(set)
    rows = []
    total_samples = 0
    total_frames_joints = 0
    n_windows = 0
    rates = set()
    for c in clips:
        dev = project.device_for(c.id, cfg.device)
        rate = float(cfg.rate_hz or dev.output_rate_hz)
        rates.add(rate)
        segs = project.segments(c.id)
        trim_in_s = c.seconds(c.trim_in)
        n = int(np.floor(float(c.seconds(c.n_trimmed - 1)) * rate + 1e-9)) + 1
        W, H = int(round(cfg.window_s * rate)), int(round(cfg.hop_s * rate))
        ivs = intervals_for(segs, trim_in_s, rate, tax)
        starts, labels, _ = label_windows(n, np.ones(n, bool), ivs, W, H, cfg.min_fraction, cfg.keep_unlabelled)
        sp = split_of[c.id]
        for code in labels:
            name = "unlabelled" if code < 0 else tax.behaviour_of_code(int(code))
            per_class[name][sp] += cfg.variants
        subjects[sp].add(groups[c.id])
        n_windows += len(starts) * cfg.variants
        total_samples += n
        total_frames_joints += c.n_trimmed * (
            np.load(project.motion_file(c.id))["joints"].shape[1] if project.motion_file(c.id).is_file() else 17
        )
        rows.append((c.id, c.subject or "—", sp, float(c.duration_s), len(segs), len(starts) * cfg.variants))
    W = int(round(cfg.window_s * (max(rates) if rates else 100)))
    size = (
        n_windows * W * 6 * 4  # windows X
        + total_samples * (4 * 3 * 4 * (1 + (cfg.variants - 1) * 0.5) + 1)  # imu arrays
        + total_frames_joints * 3 * 4
    )  # skeletons
    if cfg.compression != "none":
        size *= 0.6  # typical gzip/lzf gain on these float arrays
    return {
        "clips": rows,
        "per_class": per_class,
        "subjects": subjects,
        "n_windows": n_windows,
        "size_bytes": int(size),
        "rates": sorted(rates),
    }


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


class ExportDialog(QDialog):
    def __init__(self, project, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export dataset")
        self.project = project
        self.worker: Optional[Worker] = None
        self.summary = None
        self.result_path: Optional[Path] = None
        lay = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        self.out = QLineEdit(str(Path(project.folder) / "dataset.h5"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Output file", row)
        self.window_s = self._dspin(2.0, 0.1, 60, 0.5)
        self.hop_s = self._dspin(1.0, 0.05, 60, 0.25)
        self.split = QComboBox()
        self.split.addItems(["subject", "clip"])
        self.val = self._dspin(0.15, 0, 0.9, 0.05)
        self.test = self._dspin(0.15, 0, 0.9, 0.05)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.variants = QSpinBox()
        self.variants.setRange(1, 100)
        form.addRow("Window (s)", self.window_s)
        form.addRow("Hop (s)", self.hop_s)
        form.addRow("Split by", self.split)
        form.addRow("Validation fraction", self.val)
        form.addRow("Test fraction", self.test)
        form.addRow("Split seed", self.seed)
        form.addRow("Device variants per clip", self.variants)
        lay.addLayout(form)
        for w in (self.window_s, self.hop_s, self.val, self.test):
            w.valueChanged.connect(self.refresh)
        self.split.currentIndexChanged.connect(self.refresh)
        self.seed.valueChanged.connect(self.refresh)
        self.variants.valueChanged.connect(self.refresh)
        lay.addWidget(QLabel("Clips"))
        self.clips_table = QTableWidget(0, 6)
        self.clips_table.setHorizontalHeaderLabels(["clip", "subject", "split", "length s", "segments", "windows"])
        self.clips_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.clips_table.verticalHeader().setVisible(False)
        lay.addWidget(self.clips_table)
        lay.addWidget(QLabel("Windows per class and split"))
        self.class_table = QTableWidget(0, 4)
        self.class_table.setHorizontalHeaderLabels(["class"] + list(SPLITS))
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.class_table.verticalHeader().setVisible(False)
        lay.addWidget(self.class_table)
        self.summary_label = QLabel("")
        self.summary_label.setWordWrap(True)
        lay.addWidget(self.summary_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.status)
        buttons = QHBoxLayout()
        self.open_btn = QPushButton("Open folder")
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self._open_folder)
        self.export_btn = QPushButton("Export")
        self.export_btn.setDefault(True)
        self.export_btn.clicked.connect(self.start_export)
        self.cancel_btn = QPushButton("Cancel export")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel_export)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.open_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.export_btn)
        buttons.addWidget(self.cancel_btn)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.resize(760, 640)
        self.refresh()

    @staticmethod
    def _dspin(v, lo, hi, step) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(lo, hi)
        s.setSingleStep(step)
        s.setDecimals(2)
        s.setValue(v)
        return s

    def config(self) -> ExportConfig:
        return ExportConfig(
            window_s=self.window_s.value(),
            hop_s=self.hop_s.value(),
            split=self.split.currentText(),
            val=self.val.value(),
            test=self.test.value(),
            seed=self.seed.value(),
            variants=self.variants.value(),
        )

    def refresh(self) -> None:
        try:
            pv = preview(self.project, self.config())
        except Exception as exc:
            self.summary_label.setText(f"<span style='color:#b00020'>{exc}</span>")
            self.export_btn.setEnabled(False)
            return
        self.preview_data = pv
        self.export_btn.setEnabled(self.worker is None and bool(pv["clips"]))
        self.clips_table.setRowCount(len(pv["clips"]))
        for r, (cid, subj, sp, dur, nseg, nwin) in enumerate(pv["clips"]):
            for k, v in enumerate((cid, subj, sp, f"{dur:.2f}", str(nseg), str(nwin))):
                self.clips_table.setItem(r, k, QTableWidgetItem(v))
        classes = sorted(pv["per_class"])
        self.class_table.setRowCount(len(classes))
        for r, name in enumerate(classes):
            self.class_table.setItem(r, 0, QTableWidgetItem(name))
            for k, sp in enumerate(SPLITS):
                self.class_table.setItem(r, k + 1, QTableWidgetItem(str(pv["per_class"][name].get(sp, 0))))
        subj = ", ".join(f"{sp}: {len(pv['subjects'].get(sp, ()))}" for sp in SPLITS)
        self.summary_label.setText(
            f"{len(pv['clips'])} clips, up to {pv['n_windows']} windows; subjects per split — {subj}; "
            f"estimated size ≈ {human_bytes(pv['size_bytes'])} "
            f"(window counts assume every IMU sample is valid)"
        )

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export dataset", self.out.text(), "HDF5 (*.h5)")
        if path:
            self.out.setText(path)

    def start_export(self) -> None:
        if self.worker is not None:
            return
        out = Path(self.out.text()).expanduser()
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.status.setText("Exporting…")
        self.export_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.open_btn.setEnabled(False)
        w = Worker(export_dataset, str(self.project.folder), out, self.config())
        w.signals.progress.connect(lambda f, m: (self.progress.setValue(int(f * 1000)), self.status.setText(m)))
        w.signals.finished.connect(self._done)
        w.signals.failed.connect(self._failed)
        w.signals.cancelled.connect(self._cancelled)
        self.worker = w
        start(w)

    def cancel_export(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")

    def _finish(self) -> None:
        self.worker = None
        self.cancel_btn.setEnabled(False)
        self.export_btn.setEnabled(True)

    def _done(self, summary) -> None:
        self._finish()
        self.summary = summary
        self.result_path = Path(summary.path).resolve()
        self.progress.setValue(1000)
        warn = ("<br>" + "<br>".join(summary.warnings)) if summary.warnings else ""
        self.status.setText(
            f"Wrote <b>{self.result_path}</b>: {summary.n_clips} clips, {summary.n_windows} "
            f"windows, {human_bytes(summary.bytes)} in {summary.seconds:.1f} s{warn}"
        )
        self.open_btn.setEnabled(True)

    def _failed(self, message: str) -> None:
        self._finish()
        self.progress.setVisible(False)
        self.status.setText(
            f"<span style='color:#b00020'>Export failed: {message}</span> "
            "(nothing was written; the project is unchanged)"
        )

    def _cancelled(self) -> None:
        self._finish()
        self.progress.setVisible(False)
        self.status.setText("Export cancelled; nothing was written.")

    def _open_folder(self) -> None:
        if self.result_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result_path.parent)))

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            from PySide6.QtCore import QThreadPool

            QThreadPool.globalInstance().waitForDone(5000)
        super().reject()
