"""Reconstruct a video into a new clip: find the people in the background, click the subject, add.

1. "Find people" runs the core's stage A (:func:`imu2safety.core.reconstruct.pipeline.track_people`:
   detection, tracking, BlazePose landmarks by default (ViTPose when a ViTPose
   checkpoint folder is given), cached in the project's ``cache/pose2d``) in a
   QThreadPool worker with progress and cancel.
2. The video is shown with every tracked person's box; clicking a box chooses
   the subject (default: the person seen on most frames). A slider browses frames.
3. "Reconstruct and add clip" calls :meth:`Project.add_clip` with the chosen
   person: stage A comes from the cache, so only the 3D step runs (seconds).

BlazePose's models ship with IMU2Safety; other model weights are local paths
(remembered in QSettings); a missing one is reported in the dialog with what
to download and where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QVBoxLayout,
)

from ...core.base.errors import InputError
from ...core.session.playhead import Playhead
from ...widgets.video_view import VideoView
from ..workers import Worker, start


def find_people(video, detector, pose_model, cache_dir, progress=None, cancel=None, project_folder=None):
    """Stage A with model objects built once (reused for stage B): returns (tracks, pose, detector).
    ``project_folder``: the project whose ``cache/pose2d`` is ``cache_dir`` (it may write there)."""
    import contextlib

    from ...core.base.files import writing_for_project
    from ...core.reconstruct.engines import load_models
    from ...core.reconstruct.pipeline import track_people

    pose, det, _, _ = load_models(pose_model or None, None, detector or "auto")
    own = writing_for_project(project_folder) if project_folder is not None else contextlib.nullcontext()
    with own:  # in the worker thread: the project's own cache may be written
        tracks = track_people(
            video, detector=det, pose_model=pose, cache_dir=cache_dir, progress=progress, cancel=cancel
        )
    return tracks, pose, det


class ReconstructDialog(QDialog):
    def __init__(self, window, detector=None, pose_model=None) -> None:
        super().__init__(window)
        self.setObjectName("reconstructDialog")
        self.setWindowTitle("Reconstruct a video")
        self.window_ = window
        self.project = window.project
        self.settings = window.settings
        self._detector_obj, self._pose_obj = detector, pose_model
        self.tracks = None
        self.person: Optional[int] = None
        self.worker: Optional[Worker] = None
        self.added: Optional[str] = None
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.video_edit = self._path_row(form, "Video", "", file=True, filt="Videos (*.mp4 *.avi *.mov *.mkv *.webm)")
        self.pose_edit = self._path_row(
            form, "Pose model (blank: BlazePose)", self.settings.value("models/pose", ""), file=False
        )
        self.pose_edit.setPlaceholderText("BlazePose full (ships with IMU2Safety); or lite, heavy, a folder")
        self.lifter_edit = self._path_row(
            form,
            "VideoPose3D (optional)",
            self.settings.value("models/lifter", ""),
            file=True,
            filt="Checkpoints (*.bin *.pt *.pth)",
        )
        self.detector = QComboBox()
        self.detector.setEditable(True)
        self.detector.addItems(["auto", "blazepose:frame", "hog", "fullframe", "rtdetr"])
        form.addRow("Person detector", self.detector)
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("subject id (used to split train/val/test)")
        form.addRow("Subject", self.subject)
        lay.addLayout(form)
        self.find_btn = QPushButton("Find people")
        self.find_btn.clicked.connect(self.start_find)
        lay.addWidget(self.find_btn, 0, Qt.AlignLeft)
        self.playhead = Playhead(1, 30)
        self.view = VideoView(self.playhead)
        self.view.message = "Find people to see the video with every tracked person"
        self.view.setMinimumSize(480, 270)
        self.view.clicked.connect(self._clicked)
        lay.addWidget(self.view, 1)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._frame_changed)
        lay.addWidget(self.slider)
        self.choice = QLabel("")
        lay.addWidget(self.choice)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        row = QHBoxLayout()
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.clicked.connect(self.cancel)
        self.add_btn = QPushButton("Reconstruct and add clip")
        self.add_btn.setEnabled(False)
        self.add_btn.clicked.connect(self.add_clip)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        row.addWidget(self.cancel_btn)
        row.addStretch(1)
        row.addWidget(self.add_btn)
        row.addWidget(close)
        lay.addLayout(row)
        self.resize(760, 720)

    def _path_row(self, form, label, value, file: bool, filt: str = "") -> QLineEdit:
        edit = QLineEdit(str(value or ""))
        b = QPushButton("Browse…")

        def browse():
            if file:
                p, _ = QFileDialog.getOpenFileName(self, label, edit.text(), filt + ";;All files (*)")
            else:
                p = QFileDialog.getExistingDirectory(self, label, edit.text())
            if p:
                edit.setText(p)

        b.clicked.connect(browse)
        row = QHBoxLayout()
        row.addWidget(edit, 1)
        row.addWidget(b)
        form.addRow(label, row)
        return edit

    # -- stage A in the background --------------------------------------------------------------
    def start_find(self) -> None:
        video = self.video_edit.text().strip()
        if not video:
            self.status.setText("Choose a video first.")
            return
        self.settings.setValue("models/pose", self.pose_edit.text().strip())
        self.settings.setValue("models/lifter", self.lifter_edit.text().strip())
        det = self._detector_obj or self.detector.currentText().strip()
        pose = self._pose_obj or (self.pose_edit.text().strip() or None)
        cache = Path(self.project.folder) / "cache" / "pose2d"
        w = Worker(find_people, video, det, pose, cache, project_folder=Path(self.project.folder))
        w.signals.progress.connect(lambda f, m: (self.progress.setValue(int(1000 * f)), self.status.setText(m)))
        w.signals.finished.connect(self._found)
        w.signals.failed.connect(self._failed)
        w.signals.cancelled.connect(lambda: self._idle("Cancelled."))
        self.worker = w
        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.find_btn.setEnabled(False)
        self.add_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        start(w)

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")

    def _idle(self, message: str) -> None:
        self.worker = None
        self.find_btn.setEnabled(True)
        self.cancel_btn.setEnabled(False)
        self.progress.setVisible(False)
        self.status.setText(message)

    def _failed(self, message: str) -> None:
        self._idle("")
        self.status.setText(f"<span style='color:#b00020'>{message}</span>")

    def _found(self, result) -> None:
        self.tracks, self._pose_obj, self._detector_obj = result
        self._idle(
            f"{len(self.tracks.track_ids)} people found"
            + (" (2D keypoints from the cache)" if self.tracks.from_cache else "")
            + ". Click a box to choose the subject."
        )
        if len(self.tracks.track_ids) == 0:
            self.status.setText("No person was found in this video.")
            return
        from ...core.reconstruct.video import VideoReader

        self.reader = VideoReader(self.video_edit.text().strip())
        self.playhead.set_clip(len(self.reader), self.reader.fps)
        self.view.set_source(self.reader)
        seen = np.isfinite(self.tracks.boxes[:, :, 0]).sum(axis=0)
        self.slider.setRange(0, len(self.reader) - 1)
        self.slider.setEnabled(True)
        self.person = int(self.tracks.track_ids[self.tracks.choose(None)])
        self.slider.setValue(int(np.argmax(seen)))
        self._frame_changed(self.slider.value())
        self.add_btn.setEnabled(True)

    # -- choosing the subject ---------------------------------------------------------------------
    def boxes_at(self, frame: int):
        out = []
        if self.tracks is None or frame >= self.tracks.boxes.shape[1]:
            return out
        for k, tid in enumerate(self.tracks.track_ids):
            b = self.tracks.boxes[k, frame]
            if np.isfinite(b).all():
                mark = " ✓ subject" if int(tid) == self.person else ""
                out.append((float(b[0]), float(b[1]), float(b[2]), float(b[3]), f"person {int(tid)}{mark}"))
        return out

    def _frame_changed(self, frame: int) -> None:
        self.playhead.seek(frame)
        self.view.set_boxes(self.boxes_at(frame))
        self.choice.setText(f"Subject: person {self.person}" if self.person is not None else "")

    def _clicked(self, x: float, y: float) -> None:
        """A click inside a box chooses that person (the smallest box when boxes overlap)."""
        hits = [
            (abs((b[2] - b[0]) * (b[3] - b[1])), b)
            for b in self.boxes_at(self.playhead.frame)
            if b[0] <= x <= b[2] and b[1] <= y <= b[3]
        ]
        if not hits:
            return
        text = min(hits, key=lambda h: h[0])[1][4]
        self.person = int(text.split()[1])
        self._frame_changed(self.playhead.frame)

    # -- stage B ------------------------------------------------------------------------------------
    def add_clip(self) -> None:
        if self.tracks is None or self.person is None:
            return
        kw = dict(
            person=self.person, pose_model=self._pose_obj, detector=self._detector_obj, lifter=self._lifter() or None
        )
        self.status.setText("Reconstructing 3D…")
        QGuiApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            clip = self.project.add_clip(
                self.video_edit.text().strip(), subject=self.subject.text().strip(), reconstruct=kw
            )
        except InputError as exc:
            self.status.setText(f"<span style='color:#b00020'>{exc}</span>")
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.added = clip.id
        self.status.setText(f"Added clip '{clip.id}' ({clip.n_frames} frames).")
        self.window_.adopt_last_command()  # Ctrl+Z in the window undoes the add
        self.window_.open_clip(clip.id)
        self.accept()

    def _lifter(self):
        return getattr(self, "lifter_obj", None) or self.lifter_edit.text().strip()

    def reject(self) -> None:
        self.cancel()
        super().reject()

    def done(self, result: int) -> None:
        reader = getattr(self, "reader", None)
        if reader is not None:
            self.view.set_source(None)
            reader.close()
            self.reader = None
        self.playhead.disconnect(self.view._on_playhead)
        super().done(result)
