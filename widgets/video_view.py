"""Video panel: shows the playhead's frame, decoded frame-exactly by the core's reader.

The source is anything with ``frame(i) -> BGR uint8 array`` and ``n_frames``
(:class:`imu2safety.core.reconstruct.video.VideoReader`). The frame is scaled to fit, keeping
its aspect ratio. A click emits ``clicked(x, y)`` in the video's own pixel
coordinates (used to choose the subject when several people are detected);
optional ``boxes`` (x0, y0, x1, y1, text) are drawn over the frame.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..core.session.playhead import Playhead


class VideoView(QWidget):
    clicked = Signal(float, float)

    def __init__(self, playhead: Playhead, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoView")
        self.playhead = playhead
        self.source = None
        self.frame_index: Optional[int] = None
        self.image: Optional[QImage] = None
        self._buf: Optional[np.ndarray] = None
        self.boxes: List[Tuple[float, float, float, float, str]] = []
        self.message = "No video for this clip"
        self.error: Optional[str] = None
        self.setMinimumSize(240, 135)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        playhead.connect(self._on_playhead)

    # -- model ------------------------------------------------------------------------------------
    def set_source(self, source, message: str = "No video for this clip") -> None:
        self.source = source
        self.message = message
        self.error = None
        self.frame_index = None
        self.image = None
        self.show_frame(self.playhead.frame)

    def set_boxes(self, boxes: Sequence[Tuple[float, float, float, float, str]]) -> None:
        self.boxes = list(boxes)
        self.update()

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event in ("frame", "clip"):
            self.show_frame(ph.frame)

    def show_frame(self, i: int) -> None:
        if self.source is None:
            self.image = None
            self.update()
            return
        n = getattr(self.source, "n_frames", None) or len(self.source)
        i = min(max(int(i), 0), n - 1)
        if i == self.frame_index and self.image is not None:
            return
        try:
            bgr = self.source.frame(i)
        except Exception as exc:  # a damaged frame must not stop playback: say it in the panel
            self.error = f"frame {i}: {exc}"
            self.image = None
            self.update()
            return
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        h, w = rgb.shape[:2]
        self._buf = rgb  # QImage does not own the memory
        self.image = QImage(rgb.data, w, h, 3 * w, QImage.Format_RGB888)
        self.frame_index = i
        self.error = None
        self.update()

    def closeEvent(self, ev) -> None:
        self.playhead.disconnect(self._on_playhead)
        super().closeEvent(ev)

    # -- drawing ------------------------------------------------------------------------------------
    def _target_rect(self) -> QRectF:
        if self.image is None:
            return QRectF(self.rect())
        iw, ih = self.image.width(), self.image.height()
        s = min(self.width() / iw, self.height() / ih)
        w, h = iw * s, ih * s
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 24))
        if self.image is None:
            p.setPen(QColor(200, 200, 200))
            p.drawText(self.rect(), Qt.AlignCenter, self.error or self.message)
            p.end()
            return
        p.setRenderHint(QPainter.SmoothPixmapTransform, True)
        r = self._target_rect()
        p.drawImage(r, self.image)
        if self.boxes:
            s = r.width() / self.image.width()
            p.setPen(QPen(QColor(255, 200, 0), 2))
            f = QFont(p.font())
            f.setBold(True)
            p.setFont(f)
            for x0, y0, x1, y1, text in self.boxes:
                box = QRectF(r.left() + x0 * s, r.top() + y0 * s, (x1 - x0) * s, (y1 - y0) * s)
                p.drawRect(box)
                if text:
                    p.drawText(box.topLeft() + QPointF(3, -4), text)
        p.end()

    def mousePressEvent(self, ev) -> None:
        if self.image is None or ev.button() != Qt.LeftButton:
            return super().mousePressEvent(ev)
        r = self._target_rect()
        pos = ev.position()
        if not r.contains(pos):
            return
        s = self.image.width() / r.width()
        self.clicked.emit((pos.x() - r.left()) * s, (pos.y() - r.top()) * s)
