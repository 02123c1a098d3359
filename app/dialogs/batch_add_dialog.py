"""Add many files at once: the batch of ``imu2safety project add``, with progress, cancel and the failures.

The dialog lists what it was given (files, or folders searched for motion, skeleton and video files), lets
the user pick a dataset recipe (labels from NTU file names, UP-Fall tags, Le2i annotations, class folders),
the wrist and the number of worker processes, then runs the core's batch
(:class:`~imu2safety.core.batch.runner.BatchRun`): files are converted and simulated in worker processes
driven from a background thread, and each result is committed on the GUI thread, which owns the project --
so every added clip is one undo step on the window's stack (``on_added``) and the clips list follows. Files
already in the project are skipped; Cancel stops the workers (what was added stays; adding the same files
again finishes the rest). Failures are listed with their stage and reason, and written to a CSV.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional, Sequence

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from ...core.base.errors import InputError
from ...core.batch.convert import convert
from ...core.batch.executors import LocalExecutor, default_workers
from ...core.batch.items import Item, Settings
from ...core.batch.recipes import RECIPES, recipe_items
from ...core.batch.runner import BatchRun
from ...core.batch.sources import expand_paths


class ConvertThread(QThread):
    """Runs the executor's loop off the GUI thread; every result is sent back (queued) as ``result``."""

    result = Signal(object)
    error = Signal(str)

    def __init__(self, executor, todo, settings: Settings) -> None:
        super().__init__()
        self.executor, self.todo, self.settings = executor, todo, settings

    def run(self) -> None:
        try:
            for res in self.executor.run(convert, self.todo, self.settings):
                self.result.emit(res)
        except Exception as exc:  # the pool itself failed (not a file): said once, the batch ends
            self.error.emit(f"{exc.__class__.__name__}: {exc}")
        finally:
            self.executor.close()

    def stop(self) -> None:
        self.executor.stop()


def fmt_s(s: Optional[float]) -> str:
    if s is None:
        return "…"
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class BatchAddDialog(QDialog):
    def __init__(
        self,
        project,
        paths: Sequence[str],
        parent=None,
        on_added: Optional[Callable[[str], None]] = None,
        workers: Optional[int] = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add files")
        self.setObjectName("batchAddDialog")
        self.resize(760, 520)
        self.project, self.paths, self.on_added = project, [str(p) for p in paths], on_added
        self.run: Optional[BatchRun] = None
        self.thread: Optional[ConvertThread] = None
        self.last_added: Optional[str] = None
        lay = QVBoxLayout(self)
        self.what = QLabel()
        self.what.setObjectName("batchWhat")
        self.what.setWordWrap(True)
        lay.addWidget(self.what)
        form = QFormLayout()
        self.recipe = QComboBox()
        self.recipe.setObjectName("batchRecipe")
        self.recipe.addItem("none: files as they are (no labels)", "")
        for name, text in RECIPES.items():
            self.recipe.addItem(f"{name}: {text}", name)
        self.recipe.currentIndexChanged.connect(self._describe)
        form.addRow("Dataset recipe", self.recipe)
        self.wrist = QComboBox()
        self.wrist.addItems(["left", "right"])
        form.addRow("Wrist", self.wrist)
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(workers or default_workers())
        self.workers.setToolTip("worker processes that convert and simulate files side by side")
        form.addRow("Worker processes", self.workers)
        self.simulate = QCheckBox("simulate each clip now (a clip whose arm is never seen fails here, not at export)")
        self.simulate.setChecked(True)
        form.addRow("", self.simulate)
        lay.addLayout(form)
        self.bar = QProgressBar()
        self.bar.setObjectName("batchProgress")
        self.bar.setRange(0, 1000)
        lay.addWidget(self.bar)
        self.status = QLabel("")
        self.status.setObjectName("batchStatus")
        lay.addWidget(self.status)
        self.failures = QTableWidget(0, 3)
        self.failures.setObjectName("batchFailures")
        self.failures.setHorizontalHeaderLabels(["file", "stage", "problem"])
        self.failures.verticalHeader().setVisible(False)
        self.failures.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.failures.horizontalHeader().setStretchLastSection(True)
        self.failures.setEditTriggers(QTableWidget.NoEditTriggers)
        self.failures.hide()
        lay.addWidget(self.failures, 1)
        lay.addStretch(0)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_btn = QPushButton("Add")
        self.start_btn.setObjectName("batchStart")
        self.start_btn.setDefault(True)
        self.start_btn.clicked.connect(self.start)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setObjectName("batchCancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel)
        self.close_btn = QPushButton("Close")
        self.close_btn.clicked.connect(self.close)
        for b in (self.start_btn, self.cancel_btn, self.close_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self._guess_recipe()
        self._describe()

    # ------------------------------------------------------------------ what will be added
    def _guess_recipe(self) -> None:
        """NTU file names, UP-Fall trials and Le2i scenes are recognised; the user can change the choice."""
        names = " ".join(self.paths)
        files = [p for p in self.paths if Path(p).is_file()]
        guess = ""
        if files and all(Path(f).suffix.lower() == ".skeleton" for f in files):
            guess = "ntu"
        elif any((Path(p) / "Annotation_files").is_dir() or Path(p).name.endswith("_files") for p in self.paths):
            guess = "le2i"
        elif "Subject" in names and "Activity" in names:
            guess = "upfall"
        elif any(Path(p).is_dir() and any(Path(p).glob("*.skeleton")) for p in self.paths):
            guess = "ntu"
        i = self.recipe.findData(guess)
        if i >= 0:
            self.recipe.setCurrentIndex(i)

    def items(self) -> tuple:
        name = self.recipe.currentData()
        if name:
            return recipe_items(name, self.paths, self.project.taxonomy)
        items = [Item(path=str(p)) for p in expand_paths(self.paths)]
        if not items:
            raise InputError(None, "no motion, skeleton or video files in what was given")
        return items, []

    def _describe(self) -> None:
        folders = sum(Path(p).is_dir() for p in self.paths)
        files = len(self.paths) - folders
        what = ", ".join(
            x for x in (f"{files} file(s)" if files else "", f"{folders} folder(s)" if folders else "") if x
        )
        try:
            items, _ = self.items()
            n, bad = len(items), sum(bool(it.error) for it in items)
            self.what.setText(
                f"{what}: {n} file(s) to add to '{self.project.name}'"
                + (f" ({bad} the recipe cannot use: they will be listed)" if bad else "")
                + ". Files already in the project are skipped."
            )
            self.start_btn.setEnabled(self.thread is None)
        except InputError as exc:
            self.what.setText(f"{what}: {exc}")
            self.start_btn.setEnabled(False)

    # ------------------------------------------------------------------ the run
    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.cancelled = False
        try:
            items, warnings = self.items()
            settings = Settings(wrist=self.wrist.currentText(), simulate=self.simulate.isChecked())
            self.run = BatchRun(self.project, items, settings, progress=self._progress, on_result=self._one)
        except InputError as exc:
            self.status.setText(str(exc))
            return
        for w in (self.start_btn, self.recipe, self.wrist, self.workers, self.simulate):
            w.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        if not self.run.todo:
            self._finished()
            return
        executor = LocalExecutor(min(self.workers.value(), len(self.run.todo)))
        self.run.summary.where = executor.describe()
        self.thread = ConvertThread(executor, self.run.todo, settings)
        self.thread.result.connect(self._result, Qt.QueuedConnection)
        self.thread.error.connect(lambda msg: self.status.setText(f"the workers stopped: {msg}"))
        self.thread.finished.connect(self._finished)
        self.status.setText(f"converting {len(self.run.todo)} file(s) in {executor.describe()}…")
        self.thread.start()

    def _result(self, res) -> None:
        if self.run is not None and not self.cancelled:
            self.run.handle(res)

    def _one(self, status: str, item, cid) -> None:
        if status == "added" and cid:
            self.last_added = cid
            if self.on_added is not None:
                self.on_added(cid)
        elif status == "failed":
            f = self.run.summary.failed[-1]
            r = self.failures.rowCount()
            self.failures.insertRow(r)
            for c, v in enumerate((Path(f.path).name, f.stage, f.error)):
                it = QTableWidgetItem(v)
                it.setToolTip(f.path if c == 0 else v)
                self.failures.setItem(r, c, it)
            self.failures.show()

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(round(1000 * fraction)))
        eta = self.run.eta_s() if self.run is not None else None
        self.status.setText(f"{message} · {fmt_s(time.perf_counter() - self.t0)} elapsed, {fmt_s(eta)} left")

    def cancel(self) -> None:
        self.cancelled = True
        self.cancel_btn.setEnabled(False)
        self.status.setText("stopping the workers…")
        if self.thread is not None:
            self.thread.stop()

    def _finished(self) -> None:
        if self.run is None:
            return
        s = self.run.finish()
        s.cancelled = s.cancelled or self.cancelled
        self.thread = None
        self.cancel_btn.setEnabled(False)
        self.bar.setValue(1000 if not s.cancelled else self.bar.value())
        text = s.text()
        if s.failures_csv:
            text += f"\nfailures: {s.failures_csv}"
        self.status.setText(text)
        self.status.setWordWrap(True)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.thread is not None:
            self.cancel()
            self.thread.wait(30000)
        super().closeEvent(event)

    def wait_done(self, timeout_s: float = 120.0) -> bool:
        """For tests and scripts: process events until the run is over."""
        from PySide6.QtWidgets import QApplication

        end = time.perf_counter() + timeout_s
        while self.thread is not None and time.perf_counter() < end:
            QApplication.processEvents()
            time.sleep(0.01)
        QApplication.processEvents()
        return self.thread is None


def dropped_paths(urls) -> List[str]:
    """Local files and folders from dropped URLs."""
    return [u.toLocalFile() for u in urls if u.isLocalFile()]
