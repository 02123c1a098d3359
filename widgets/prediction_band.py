"""Prediction band: a trained model's pre-labels for the current clip, under the timeline.

Two rows share the timeline's frame axis (``set_view`` follows the timeline):

- *behaviour*: for each model window, its most probable behaviour in the taxonomy colour, drawn over
  the central hop of the window (windows overlap, so these pieces tile the clip); the colour is
  faded where the model is unsure (opacity follows the top probability); names are written where
  there is room;
- *P(unsafe)*: the probability of the "unsafe" safety level as a step curve from 0 to 1, with a dashed
  line at 0.5.

Hovering shows the time, the top three behaviours and P(unsafe). The band shows a hint when no model
is open and a message while predictions are computed or when they failed.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from ..core.session.playhead import Playhead

LABEL_W = 0  # the band shares the timeline's x axis exactly (row names are drawn over it)


class PredictionBand(QWidget):
    def __init__(self, playhead: Playhead, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("prediction_band")
        self.playhead = playhead
        self.view = (0.0, float(max(playhead.n_frames, 1)))
        self.message = "Pre-labels: open a trained model (Model ▸ Open model…)"
        self.title = ""
        self.a = self.b = np.zeros(0)
        self.top = np.zeros(0, int)
        self.probs = np.zeros((0, 0))
        self.unsafe = np.zeros(0)
        self.classes: List[str] = []
        self.colours: List[str] = []
        self.setMinimumHeight(66)
        self.setMaximumHeight(90)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMouseTracking(True)
        playhead.connect(self._on_playhead)

    # -- model ------------------------------------------------------------------------------------
    def set_view(self, a: float, b: float) -> None:
        self.view = (float(a), float(max(b, a + 1e-6)))
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.a = self.b = np.zeros(0)
        self.update()

    def set_prediction(
        self,
        start_frames: Sequence[float],
        end_frames: Sequence[float],
        probs: np.ndarray,
        unsafe: Sequence[float],
        classes: Sequence[str],
        colours: Sequence[str],
        title: str = "",
    ) -> None:
        """One row per window: its frame span (the part it stands for), behaviour probabilities, P(unsafe)."""
        self.a = np.asarray(start_frames, float)
        self.b = np.asarray(end_frames, float)
        self.probs = np.asarray(probs, float)
        self.top = self.probs.argmax(axis=1) if len(self.probs) else np.zeros(0, int)
        self.unsafe = np.asarray(unsafe, float)
        self.classes = list(classes)
        self.colours = list(colours)
        self.title = title
        self.message = "" if len(self.a) else "No window of this clip fits the model (clip shorter than a window?)"
        self.update()

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        self.update()

    # -- geometry ---------------------------------------------------------------------------------
    def x_of(self, frame: float) -> float:
        a, b = self.view
        return LABEL_W + (frame - a) / (b - a) * (self.width() - LABEL_W)

    def frame_at_x(self, x: float) -> float:
        a, b = self.view
        return a + (x - LABEL_W) / max(self.width() - LABEL_W, 1) * (b - a)

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        W, H = self.width(), self.height()
        p.fillRect(0, 0, W, H, QColor("#fbfbfc"))
        row = (H - 4) / 2
        if self.message or not len(self.a):
            p.setPen(QColor("#777"))
            p.drawText(QRectF(LABEL_W, 0, W - LABEL_W, H), Qt.AlignCenter, self.message)
            p.end()
            return
        top_r = QRectF(LABEL_W, 2, W - LABEL_W, row - 2)
        for i in range(len(self.a)):
            x0, x1 = self.x_of(self.a[i]), self.x_of(self.b[i])
            if x1 < LABEL_W or x0 > W:
                continue
            k = int(self.top[i])
            col = QColor(self.colours[k] if k < len(self.colours) else "#999999")
            conf = float(self.probs[i, k])
            col.setAlphaF(0.35 + 0.65 * conf)
            r = QRectF(max(x0, LABEL_W), top_r.top(), max(min(x1, W) - max(x0, LABEL_W), 1.0), top_r.height())
            p.fillRect(r, col)
        # names on runs of one class
        p.setPen(QColor("#111"))
        i = 0
        while i < len(self.a):
            j = i
            while j + 1 < len(self.a) and self.top[j + 1] == self.top[i] and abs(self.a[j + 1] - self.b[j]) < 1e-6:
                j += 1
            x0, x1 = max(self.x_of(self.a[i]), LABEL_W), min(self.x_of(self.b[j]), W)
            if x1 - x0 > 40:
                name = self.classes[int(self.top[i])].replace("_", " ")
                p.drawText(
                    QRectF(x0 + 3, top_r.top(), x1 - x0 - 4, top_r.height()),
                    Qt.AlignVCenter | Qt.AlignLeft | Qt.TextSingleLine,
                    p.fontMetrics().elidedText(name, Qt.ElideRight, int(x1 - x0 - 6)),
                )
            i = j + 1
        # P(unsafe) step curve
        y0, y1 = 2 + row + row - 3, 2 + row + 2
        ys = lambda v: y0 + (y1 - y0) * float(v)
        p.setPen(QPen(QColor("#999"), 1, Qt.DashLine))
        p.drawLine(QPointF(LABEL_W, ys(0.5)), QPointF(W, ys(0.5)))
        p.setRenderHint(QPainter.Antialiasing, True)
        path = QPainterPath()
        fill = QPainterPath()
        first = True
        for i in range(len(self.a)):
            xa, xb, y = self.x_of(self.a[i]), self.x_of(self.b[i]), ys(self.unsafe[i])
            if first:
                path.moveTo(xa, y)
                fill.moveTo(xa, y0)
                fill.lineTo(xa, y)
                first = False
            else:
                path.lineTo(xa, y)
                fill.lineTo(xa, y)
            path.lineTo(xb, y)
            fill.lineTo(xb, y)
        fill.lineTo(self.x_of(self.b[-1]), y0)
        fill.closeSubpath()
        p.save()
        p.setClipRect(QRectF(LABEL_W, 0, W - LABEL_W, H))
        p.fillPath(fill, QColor(187, 85, 102, 70))
        p.setPen(QPen(QColor("#BB5566"), 2))
        p.drawPath(path)
        p.restore()
        p.setRenderHint(QPainter.Antialiasing, False)
        if self.title:
            p.setPen(QColor("#555"))
            p.drawText(QRectF(LABEL_W, 2 + row, W - LABEL_W - 4, row), Qt.AlignRight | Qt.AlignBottom, self.title)
        # row names, over a pale box at the left
        small = QFont(p.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        p.setFont(small)
        for y, text in ((2, "model: predicted"), (2 + row, "P(unsafe)")):
            r = p.fontMetrics().boundingRect(text).adjusted(-3, -1, 3, 1)
            box = QRectF(2, y + 1, r.width(), r.height())
            p.fillRect(box, QColor(255, 255, 255, 200))
            p.setPen(QColor("#333"))
            p.drawText(box, Qt.AlignCenter, text)
        # playhead
        x = self.x_of(self.playhead.frame)
        if x >= LABEL_W:
            p.setPen(QPen(QColor("#d00"), 2))
            p.drawLine(QPointF(x, 0), QPointF(x, H))
        p.end()

    def mouseMoveEvent(self, ev) -> None:
        if not len(self.a) or ev.position().x() < LABEL_W:
            return
        f = self.frame_at_x(ev.position().x())
        hit = np.nonzero((self.a <= f) & (f < self.b))[0]
        if not hit.size:
            return
        i = int(hit[0])
        order = np.argsort(-self.probs[i])[:3]
        fps = float(self.playhead.fps)
        text = (
            f"{f / fps:.2f} s: "
            + ", ".join(f"{self.classes[k].replace('_', ' ')} {self.probs[i, k]:.2f}" for k in order)
            + f"; P(unsafe) {self.unsafe[i]:.2f}"
        )
        QToolTip.showText(ev.globalPosition().toPoint(), text, self)

    def closeEvent(self, ev) -> None:
        self.playhead.disconnect(self._on_playhead)
        super().closeEvent(ev)
