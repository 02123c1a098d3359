"""Pre-labels: a trained model's predictions for the clip on show, as a band under the timeline.

``Model ▸ Open model…`` loads a model folder written by ``imu2safety train`` (or the benchmark).
On every new simulation of the clip (the session's ``"signal"``: another clip, trim, wrist, seed or
device) the model runs over the simulated IMU in a :class:`~..workers.Worker`
(:func:`~imu2safety.core.learn.predict.predict_signal`: the model's rate, windows and gravity
convention) and the :class:`~imu2safety.widgets.prediction_band.PredictionBand` shows the predicted
behaviour and P(unsafe) per window, each drawn over the central hop of its window, in source-video
frames. A model trained in device-native axes (the benchmark's default) gets the signal in the
clip's device axes, as that device would report it. A newer signal supersedes a running prediction.
Annotators get pre-labels; nothing is written to the project.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QFileDialog, QWidget

from ...core.base.errors import InputError
from ...core.learn.checkpoint import LoadedModel, load_model
from ...core.learn.predict import predict_signal
from ...core.session.session import Session
from ...widgets.prediction_band import PredictionBand
from ..feedback import Feedback
from ..workers import Worker, start

HINT = "Pre-labels: open a trained model (Model ▸ Open model…)"


def predict_clip(model: LoadedModel, sig, native: bool, progress=None, cancel=None):
    """(Prediction, t0): the model over a simulated signal; t0 is the signal's first time (the trim-in)."""
    acc, gyro = sig.acc, sig.gyro
    if native:
        M = sig.device.axis_map(sig.wrist)
        acc, gyro = acc @ M.T, gyro @ M.T
    pred = predict_signal(model, acc, gyro, sig.valid, sig.rate_hz, "included", where="the clip's simulated IMU")
    return pred, float(sig.time[0]) if len(sig.time) else 0.0


def band_frames(pred, t0: float, hop: int, rate_hz: float, fps: float):
    """Each window's central hop, in source frames: the pieces tile the clip."""
    half = 0.5 * hop / rate_hz
    centre = 0.5 * (np.asarray(pred.start_s) + np.asarray(pred.end_s)) + t0
    return (centre - half) * fps, (centre + half) * fps


class PrelabelController:
    def __init__(
        self,
        session: Session,
        feedback: Feedback,
        band: PredictionBand,
        parent: QWidget,
        pool: Optional[QThreadPool] = None,
    ) -> None:
        self.session, self.feedback, self.band, self.parent = session, feedback, band, parent
        self.pool = pool or QThreadPool.globalInstance()
        self.model: Optional[LoadedModel] = None
        self._worker: Optional[Worker] = None
        self._pending = False
        band.set_message(HINT)
        session.connect(self._on_session)

    # ------------------------------------------------------------------ the model
    def open_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.parent, "Open a trained model (its folder)")
        if folder:
            self.open_model(folder)

    def open_model(self, folder) -> bool:
        try:
            self.model = load_model(folder)
        except InputError as exc:
            self.feedback.error(str(exc))
            return False
        self.feedback.status(f"model {Path(folder).name}: {', '.join(self.model.classes)}")
        self.predict()
        return True

    def close_model(self) -> None:
        self.model = None
        self.band.set_message(HINT)

    @property
    def title(self) -> str:
        m = self.model
        if m is None:
            return ""
        return f"{Path(m.folder).name} · {m.config['model']['kind']} · {m.rate_hz:g} Hz"

    # ------------------------------------------------------------------ the session's view
    def _on_session(self, event: str, s: Session) -> None:
        if self.model is None:
            return
        if event == "clip":
            self.band.set_message("no clip" if s.clip is None else "waiting for the clip's IMU…")
        elif event == "signal":
            self.predict()

    def predict(self) -> None:
        sig = self.session.signal
        if self.model is None:
            return
        if sig is None:
            self.band.set_message("waiting for the clip's IMU…")
            return
        if self._worker is not None:
            self._pending = True
            self._worker.cancel()
            return
        native = str(self.model.config["input"].get("axes", "")).startswith("device-native")
        self.band.set_message("predicting…")
        w = Worker(predict_clip, self.model, sig, native, with_progress=False)
        w.signals.finished.connect(self._done)
        w.signals.failed.connect(self._failed)
        w.signals.cancelled.connect(self._ended)
        self._worker = w
        self._pending = False
        start(w, self.pool)

    def _done(self, result) -> None:
        self._worker = None
        if self._pending:
            self.predict()
            return
        m = self.model
        if m is None:
            return
        pred, t0 = result
        a, b = band_frames(pred, t0, m.hop, m.rate_hz, float(self.session.playhead.fps))
        self.band.set_prediction(a, b, pred.behaviour, pred.unsafe, pred.classes, pred.colours, self.title)
        for note in pred.notes:
            self.feedback.status(note)

    def _failed(self, message: str) -> None:
        self._worker = None
        self.band.set_message(f"prediction failed: {message}")
        self.feedback.error(f"pre-labels: {message}")
        if self._pending:
            self.predict()

    def _ended(self) -> None:
        self._worker = None
        if self._pending:
            self.predict()

    def shutdown(self, wait_ms: int = 3000) -> None:
        if self._worker is not None:
            self._worker.cancel()
        self.pool.waitForDone(wait_ms)
