"""Timeline panel: the clip's frames with labelled segments, trim handles and the playhead.

- Segments are coloured bands (taxonomy colours) with their behaviour and phase
  written on them; unsafe segments carry a red stripe; the selected one is outlined.
- Trim in/out are handles at the top: drag them (every step of one drag carries
  the same ``merge_key``, so the window turns the drag into one undo step);
  the frames the trim drops are shaded.
- An open segment (Enter pressed once) is drawn hatched from its start to the playhead.
- Click anywhere to seek (and drag to scrub); click a band to select its segment;
  drag a selected segment's edge to move it.
- Wheel zooms around the mouse, Shift+wheel scrolls, the scroll bar scrolls; ``fit`` shows all.

Frames are source-video frame indices, segment and trim ranges half-open ``[start, end)``.
"""

from __future__ import annotations

import itertools
from typing import List, Optional, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QScrollBar, QSizePolicy, QVBoxLayout, QWidget

from ..core.session.playhead import Playhead

RULER_H = 20
HANDLE_H = 14
BAND_TOP = RULER_H + HANDLE_H + 2
_drag_ids = itertools.count(1)


class _Canvas(QWidget):
    def __init__(self, owner: "Timeline") -> None:
        super().__init__(owner)
        self.o = owner
        self.setMouseTracking(True)
        self.setMinimumHeight(84)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def paintEvent(self, ev) -> None:
        self.o._paint(self)

    def mousePressEvent(self, ev) -> None:
        self.o._press(ev)

    def mouseMoveEvent(self, ev) -> None:
        self.o._move(ev)

    def mouseReleaseEvent(self, ev) -> None:
        self.o._release(ev)

    def wheelEvent(self, ev) -> None:
        self.o._wheel(ev)


class Timeline(QWidget):
    seek_requested = Signal(int)  # frame
    trim_changed = Signal(int, int, str)  # trim_in, trim_out, merge_key (one drag = one key)
    segment_selected = Signal(int)  # segment id (-1: none)
    segment_moved = Signal(int, int, int, str)  # segment id, start, end, merge_key
    view_changed = Signal(float, float)  # first and last frame shown (bands under the timeline follow it)

    def __init__(self, playhead: Playhead, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.playhead = playhead
        self.n_frames = playhead.n_frames
        self.fps = float(playhead.fps)
        self.segments: List = []
        self.colours = {}
        self.trim = (0, self.n_frames)
        self.selected: Optional[int] = None
        self.open_start: Optional[int] = None
        self.view = (0.0, float(self.n_frames))
        self._drag = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.canvas = _Canvas(self)
        lay.addWidget(self.canvas, 1)
        self.scroll = QScrollBar(Qt.Horizontal)
        self.scroll.valueChanged.connect(self._scrolled)
        lay.addWidget(self.scroll)
        playhead.connect(self._on_playhead)

    # -- model ------------------------------------------------------------------------------------
    def set_clip(self, n_frames: int, fps: float, trim=(0, None)) -> None:
        self.n_frames = max(1, int(n_frames))
        self.fps = float(fps)
        self.trim = (int(trim[0]), int(trim[1] if trim[1] is not None else self.n_frames))
        self.selected = None
        self.open_start = None
        self.fit()

    def set_segments(self, segments: Sequence, colours: dict) -> None:
        self.segments = list(segments)
        self.colours = dict(colours)
        if self.selected is not None and all(s.id != self.selected for s in self.segments):
            self.selected = None
        self.canvas.update()

    def set_trim(self, trim_in: int, trim_out: int) -> None:
        self.trim = (int(trim_in), int(trim_out))
        self.canvas.update()

    def set_selected(self, seg_id: Optional[int]) -> None:
        self.selected = seg_id
        self.canvas.update()

    def set_open_start(self, frame: Optional[int]) -> None:
        self.open_start = frame
        self.canvas.update()

    def fit(self) -> None:
        self.set_view(0.0, float(self.n_frames))

    def zoom(self, factor: float, around: Optional[float] = None) -> None:
        a, b = self.view
        c = (a + b) / 2 if around is None else around
        w = min(max((b - a) / factor, 10.0), float(self.n_frames))
        f = (c - a) / (b - a) if b > a else 0.5
        na = c - f * w
        self.set_view(na, na + w)

    def set_view(self, a: float, b: float) -> None:
        w = min(max(b - a, 1.0), float(self.n_frames))
        a = min(max(a, 0.0), self.n_frames - w)
        self.view = (a, a + w)
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, max(0, int(round(self.n_frames - w))))
        self.scroll.setPageStep(max(1, int(w)))
        self.scroll.setValue(int(round(a)))
        self.scroll.setVisible(w < self.n_frames)
        self.scroll.blockSignals(False)
        self.canvas.update()
        self.view_changed.emit(*self.view)

    def _scrolled(self, v: int) -> None:
        w = self.view[1] - self.view[0]
        self.set_view(float(v), float(v) + w)

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event in ("frame", "clip"):
            f = ph.frame
            a, b = self.view
            if f < a or f >= b:  # keep the playhead in view while playing
                w = b - a
                self.set_view(f - 0.1 * w, f + 0.9 * w)
            else:
                self.canvas.update()

    # -- geometry ---------------------------------------------------------------------------------
    def x_of(self, frame: float) -> float:
        a, b = self.view
        return (frame - a) / (b - a) * self.canvas.width()

    def frame_at_x(self, x: float) -> int:
        a, b = self.view
        f = a + x / max(self.canvas.width(), 1) * (b - a)
        return int(min(max(f, 0), self.n_frames - 1))

    def segment_at(self, x: float, y: float):
        if y < BAND_TOP:
            return None
        f = self.frame_at_x(x)
        hits = [s for s in self.segments if s.start_frame <= f < s.end_frame]
        return hits[-1] if hits else None

    # -- painting ---------------------------------------------------------------------------------
    def _paint(self, w: QWidget) -> None:
        p = QPainter(w)
        p.setRenderHint(QPainter.Antialiasing, False)
        W, H = w.width(), w.height()
        p.fillRect(0, 0, W, H, QColor("#fbfbfc"))
        p.fillRect(0, 0, W, RULER_H, QColor("#eceef1"))
        # ruler: ticks at a round number of seconds
        a, b = self.view
        span_s = (b - a) / self.fps
        step = next(
            (s for s in (0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600) if span_s / s <= max(W / 70, 1)), 600
        )
        small = QFont(p.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        p.setFont(small)
        p.setPen(QColor("#555"))
        t = (int(a / self.fps / step)) * step
        while t * self.fps <= b:
            x = self.x_of(t * self.fps)
            if x >= 0:
                p.drawLine(int(x), RULER_H - 6, int(x), RULER_H)
                p.drawText(int(x) + 3, RULER_H - 6, f"{t:g}s")
            t += step
        band = QRectF(0, BAND_TOP, W, H - BAND_TOP - 2)
        if not self.segments and self.open_start is None:
            p.setPen(QColor("#888"))
            p.drawText(
                band, Qt.AlignCenter, "No labels yet: Enter at the start of an activity, Enter (or 1–9) at its end"
            )
        # segments
        for s in self.segments:
            x0, x1 = self.x_of(s.start_frame), self.x_of(s.end_frame)
            if x1 < 0 or x0 > W:
                continue
            r = QRectF(x0, band.top(), max(x1 - x0, 1.0), band.height())
            col = QColor(self.colours.get(s.behaviour, "#cccccc"))
            p.fillRect(r, col)
            if s.safety == "unsafe":
                p.fillRect(QRectF(x0, band.top(), r.width(), 4), QColor("#BB5566"))
            p.setPen(QPen(QColor("#444"), 1))
            p.drawRect(r)
            label = s.behaviour.replace("_", " ") + (f" · {s.phase.replace('_', ' ')}" if s.phase else "")
            if r.width() > 30:
                p.setPen(QColor("#111"))
                p.drawText(
                    r.adjusted(4, 4, -2, 0),
                    Qt.AlignLeft | Qt.AlignVCenter | Qt.TextSingleLine,
                    p.fontMetrics().elidedText(label, Qt.ElideRight, int(r.width() - 6)),
                )
            if s.id == self.selected:
                p.setPen(QPen(QColor("#000"), 3))
                p.drawRect(r.adjusted(1, 1, -1, -1))
        # open segment
        if self.open_start is not None:
            f0, f1 = sorted((self.open_start, self.playhead.frame))
            x0, x1 = self.x_of(f0), self.x_of(f1 + 1)
            p.fillRect(QRectF(x0, band.top(), x1 - x0, band.height()), QBrush(QColor("#555"), Qt.BDiagPattern))
            p.setPen(QPen(QColor("#222"), 1, Qt.DashLine))
            p.drawRect(QRectF(x0, band.top(), x1 - x0, band.height()))
        # trim: shade what is dropped, draw the handles
        ti, to = self.trim
        shade = QColor(60, 60, 60, 90)
        xi, xo = self.x_of(ti), self.x_of(to)
        if xi > 0:
            p.fillRect(QRectF(0, RULER_H, xi, H - RULER_H), shade)
        if xo < W:
            p.fillRect(QRectF(xo, RULER_H, W - xo, H - RULER_H), shade)
        p.setRenderHint(QPainter.Antialiasing, True)
        for x, left in ((xi, True), (xo, False)):
            p.setPen(QPen(QColor("#0b6e4f"), 2))
            p.drawLine(QPointF(x, RULER_H), QPointF(x, H))
            tri = QPolygonF(
                [QPointF(x, RULER_H), QPointF(x + (12 if left else -12), RULER_H), QPointF(x, RULER_H + HANDLE_H)]
            )
            p.setBrush(QColor("#0b6e4f"))
            p.drawPolygon(tri)
        p.setBrush(Qt.NoBrush)
        # playhead
        x = self.x_of(self.playhead.frame + 0.5) if (b - a) < W / 4 else self.x_of(self.playhead.frame)
        p.setPen(QPen(QColor("#d00"), 2))
        p.drawLine(QPointF(x, 0), QPointF(x, H))
        p.setPen(QColor("#d00"))
        p.drawText(int(x) + 4, RULER_H + HANDLE_H - 2, f"{self.playhead.frame}")
        p.end()

    # -- mouse ------------------------------------------------------------------------------------
    def _press(self, ev) -> None:
        if ev.button() != Qt.LeftButton:
            return
        x, y = ev.position().x(), ev.position().y()
        ti, to = self.trim
        key = f"drag-{next(_drag_ids)}"
        if y < BAND_TOP + 4 and y >= RULER_H - 2:
            for which, fx in (("in", ti), ("out", to)):
                if abs(self.x_of(fx) - x) <= 8:
                    self._drag = ("trim", which, key)
                    return
        sel = next((s for s in self.segments if s.id == self.selected), None)
        if sel is not None and y >= BAND_TOP:  # the selected segment's edges take precedence
            for which, fx in (("start", sel.start_frame), ("end", sel.end_frame)):
                if abs(self.x_of(fx) - x) <= 6:
                    self._drag = ("edge", which, key, sel)
                    return
        seg = self.segment_at(x, y)
        if seg is not None:
            self.selected = seg.id
            self.segment_selected.emit(seg.id)
        elif y >= BAND_TOP:
            self.selected = None
            self.segment_selected.emit(-1)
        self._drag = ("seek",)
        self.seek_requested.emit(self.frame_at_x(x))
        self.canvas.update()

    def _move(self, ev) -> None:
        x = ev.position().x()
        if self._drag is None:
            near = any(abs(self.x_of(f) - x) <= 8 for f in self.trim) and ev.position().y() < BAND_TOP + 4
            self.canvas.setCursor(Qt.SizeHorCursor if near else Qt.ArrowCursor)
            return
        f = int(round(self.view[0] + x / max(self.canvas.width(), 1) * (self.view[1] - self.view[0])))
        f = min(max(f, 0), self.n_frames)
        kind = self._drag[0]
        if kind == "seek":
            self.seek_requested.emit(min(f, self.n_frames - 1))
        elif kind == "trim":
            _, which, key = self._drag
            ti, to = self.trim
            if which == "in":
                ti = min(f, to - 2)
            else:
                to = max(f, ti + 2)
            if (ti, to) != self.trim:
                self.trim = (ti, to)
                self.trim_changed.emit(ti, to, key)
                self.canvas.update()
        elif kind == "edge":
            _, which, key, seg = self._drag
            a, b = seg.start_frame, seg.end_frame
            if which == "start":
                a = min(f, b - 1)
            else:
                b = max(f, a + 1)
            self.segment_moved.emit(seg.id, a, b, key)

    def _release(self, ev) -> None:
        self._drag = None

    def _wheel(self, ev) -> None:
        dy = ev.angleDelta().y() or ev.angleDelta().x()
        if not dy:
            return
        if ev.modifiers() & Qt.ShiftModifier:
            w = self.view[1] - self.view[0]
            d = -dy / 120 * 0.1 * w
            self.set_view(self.view[0] + d, self.view[1] + d)
        else:
            a, b = self.view
            around = a + ev.position().x() / max(self.canvas.width(), 1) * (b - a)
            self.zoom(1.25 if dy > 0 else 0.8, around)
        ev.accept()

    def closeEvent(self, ev) -> None:
        self.playhead.disconnect(self._on_playhead)
        super().closeEvent(ev)
