"""Video panel: shows the playhead's frame, decoded frame-exactly by the core's reader.

The source is anything with ``frame(i) -> BGR uint8 array`` and ``n_frames``
(:class:`imu2safety.core.reconstruct.video.VideoReader`). The frame is scaled to fit, keeping
its aspect ratio. A click emits ``clicked(x, y)`` in the video's own pixel
coordinates (used to choose the subject when several people are detected);
optional ``boxes`` (x0, y0, x1, y1, text) are drawn over the frame, and so is an
optional ``pose``: one person's 2D joints per frame (a reconstructed subject),
their bones and a ring around the highlighted joints (the simulated wrist).
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
        self.pose: Optional[np.ndarray] = None  # (T, J, 2) video pixels, NaN where not seen
        self.pose_bones: List[Tuple[int, int, QColor]] = []
        self.pose_highlight: List[int] = []
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

    def set_pose(
        self,
        points: Optional[np.ndarray],
        bones: Sequence[Tuple[int, int]] = (),
        colours: Sequence[Sequence[float]] = (),
        highlight: Sequence[int] = (),
    ) -> None:
        """Show one person's joints over the video: ``points`` (T, J, 2) in the video's pixels per frame
        (NaN: not seen; None: nothing drawn), lines for ``bones`` (index pairs) in ``colours`` (one RGB(A)
        in 0..1 per bone), and a ring around each ``highlight`` joint."""
        self.pose = None if points is None else np.asarray(points, float)
        cols = list(colours) or [(0.35, 0.35, 0.35)] * len(bones)
        self.pose_bones = [(int(a), int(b), QColor.fromRgbF(*c[:3])) for (a, b), c in zip(bones, cols)]
        self.pose_highlight = [int(i) for i in highlight]
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
        self._paint_pose(p, r)
        p.end()

    def _paint_pose(self, p: QPainter, r: QRectF) -> None:
        if self.pose is None or self.frame_index is None or not 0 <= self.frame_index < len(self.pose):
            return
        pts = self.pose[self.frame_index]
        s = r.width() / self.image.width()
        seen = np.isfinite(pts).all(axis=1)
        xy = [QPointF(r.left() + x * s, r.top() + y * s) if ok else None for (x, y), ok in zip(pts, seen)]
        if not seen.any():
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        # sizes follow the person's size on screen: a far pedestrian gets thin lines and small dots
        lo, hi = pts[seen].min(axis=0) * s, pts[seen].max(axis=0) * s
        size = float(max(hi[1] - lo[1], hi[0] - lo[0], 1.0))
        line, dot = float(np.clip(size / 60.0, 1.0, 3.0)), float(np.clip(size / 100.0, 1.0, 3.0))
        for a, b, colour in self.pose_bones:
            if a < len(xy) and b < len(xy) and xy[a] is not None and xy[b] is not None:
                p.setPen(QPen(colour, line))
                p.drawLine(xy[a], xy[b])
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(255, 255, 255))
        for q in xy:
            if q is not None:
                p.drawEllipse(q, dot, dot)
        p.setBrush(Qt.NoBrush)
        # the subject's box, so that one person among many is found at a glance
        pad = max(4.0, 0.1 * size)
        p.setPen(QPen(QColor(220, 30, 30), 1.5, Qt.DashLine))
        p.drawRect(
            QRectF(r.left() + lo[0] - pad, r.top() + lo[1] - pad, hi[0] - lo[0] + 2 * pad, hi[1] - lo[1] + 2 * pad)
        )
        p.setPen(QPen(QColor(220, 30, 30), 2.0))
        for i in self.pose_highlight:
            if i < len(xy) and xy[i] is not None:
                p.drawEllipse(xy[i], 2 * dot + 3, 2 * dot + 3)

    def mousePressEvent(self, ev) -> None:
        if self.image is None or ev.button() != Qt.LeftButton:
            return super().mousePressEvent(ev)
        r = self._target_rect()
        pos = ev.position()
        if not r.contains(pos):
            return
        s = self.image.width() / r.width()
        self.clicked.emit((pos.x() - r.left()) * s, (pos.y() - r.top()) * s)
