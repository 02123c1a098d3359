"""IMU panel: accelerometer and gyroscope of the current clip, clean and noisy overlaid (pyqtgraph).

- x, y, z in red, green, blue (the colours of the device axes in the skeleton view);
  the device output (with errors) solid, the clean signal (before device errors)
  thin and dashed; per-axis and clean/noisy toggles;
- peak-preserving downsampling (``setDownsampling(auto=True, method='peak')``)
  and ``setClipToView(True)`` so impact peaks stay visible on long clips;
- the device's measurement range drawn as dashed horizontal lines, and the
  samples that hit it (saturated) marked with red crosses;
- a cursor at the playhead; clicking a plot (or dragging the cursor) seeks;
- frames outside the clip's trim are shaded.

Units on screen: m/s^2 and deg/s.
"""

from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.session.playhead import Playhead
from ..core.sim.devices import G

AXIS_COLOURS = ("#d62728", "#2ca02c", "#1f5fd6")
AXES = ("x", "y", "z")
RAD2DEG = 180.0 / np.pi


class ImuPlots(QWidget):
    seek_requested = Signal(float)  # seconds

    def __init__(self, playhead: Playhead, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("imuPlots")
        self.playhead = playhead
        self.signal = None
        pg.setConfigOptions(antialias=False, background="w", foreground="#333")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        bar = QHBoxLayout()
        self.axis_boxes: Dict[str, QCheckBox] = {}
        for a, col in zip(AXES, AXIS_COLOURS):
            cb = QCheckBox(a)
            cb.setChecked(True)
            cb.setStyleSheet(f"QCheckBox {{ color: {col}; font-weight: bold; }}")
            cb.setToolTip(f"show the {a} axis")
            cb.toggled.connect(self._update_visibility)
            self.axis_boxes[a] = cb
            bar.addWidget(cb)
        bar.addSpacing(12)
        self.show_noisy = QCheckBox("device output")
        self.show_noisy.setChecked(True)
        self.show_noisy.setToolTip("the simulated device output, with its errors (solid)")
        self.show_clean = QCheckBox("clean")
        self.show_clean.setChecked(True)
        self.show_clean.setToolTip("the signal before device errors (dashed)")
        for cb in (self.show_noisy, self.show_clean):
            cb.toggled.connect(self._update_visibility)
            bar.addWidget(cb)
        bar.addStretch(1)
        self.status = QLabel("")
        self.status.setStyleSheet("color: #666")
        bar.addWidget(self.status)
        lay.addLayout(bar)

        self.glw = pg.GraphicsLayoutWidget()
        lay.addWidget(self.glw, 1)
        self.acc_plot = self.glw.addPlot(row=0, col=0)
        self.gyro_plot = self.glw.addPlot(row=1, col=0)
        self.gyro_plot.setXLink(self.acc_plot)
        self.acc_plot.setLabel("left", "acc", units="m/s²")
        self.gyro_plot.setLabel("left", "gyro", units="°/s")
        self.gyro_plot.setLabel("bottom", "time", units="s")
        self.curves = {}
        for plot, name in ((self.acc_plot, "acc"), (self.gyro_plot, "gyro")):
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.getAxis("left").enableAutoSIPrefix(False)
            plot.getAxis("left").setWidth(56)
            for k, col in enumerate(AXIS_COLOURS):
                clean = plot.plot(pen=pg.mkPen(col, width=1, style=Qt.DashLine), antialias=False)
                noisy = plot.plot(pen=pg.mkPen(col, width=1.3), antialias=False)
                clean.setZValue(2)
                noisy.setZValue(1)
                self.curves[(name, k, "clean")] = clean
                self.curves[(name, k, "noisy")] = noisy
        self.range_lines = {}
        for plot, name in ((self.acc_plot, "acc"), (self.gyro_plot, "gyro")):
            lines = []
            for sign in (1, -1):
                ln = pg.InfiniteLine(
                    angle=0,
                    pen=pg.mkPen("#888", width=1, style=Qt.DashDotLine),
                    label="device range" if sign > 0 else None,
                    labelOpts={"position": 0.02, "color": "#666", "anchors": [(0, 0), (0, 0)]},
                )
                plot.addItem(ln, ignoreBounds=True)
                lines.append(ln)
            self.range_lines[name] = lines
        self.saturation = {}
        for plot, name in ((self.acc_plot, "acc"), (self.gyro_plot, "gyro")):
            sc = pg.ScatterPlotItem(size=7, symbol="x", pen=pg.mkPen("#b00020", width=1.5), brush=None)
            sc.setZValue(5)
            plot.addItem(sc)
            self.saturation[name] = sc
        self.cursors = []
        for plot in (self.acc_plot, self.gyro_plot):
            c = pg.InfiniteLine(
                angle=90, movable=True, pen=pg.mkPen("#000", width=1.5), hoverPen=pg.mkPen("#f0a", width=2)
            )
            c.setZValue(10)
            c.sigDragged.connect(self._cursor_dragged)
            plot.addItem(c, ignoreBounds=True)
            self.cursors.append(c)
        self.trim_shades = []
        for plot in (self.acc_plot, self.gyro_plot):
            pair = []
            for _ in range(2):
                r = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(120, 120, 120, 60), pen=pg.mkPen(None))
                r.setZValue(-10)
                r.setVisible(False)
                plot.addItem(r, ignoreBounds=True)
                pair.append(r)
            self.trim_shades.append(pair)
        self.glw.scene().sigMouseClicked.connect(self._scene_clicked)
        playhead.connect(self._on_playhead)

    # -- data -----------------------------------------------------------------------------------
    def set_signal(self, sig, status: str = "") -> None:
        """Show an :class:`~imu2safety.core.sim.simulate.ImuSignal` (None clears)."""
        self.signal = sig
        if sig is None:
            for c in self.curves.values():
                c.setData([], [])
            self.status.setText(status or "no IMU")
            return
        t = sig.time
        for name, noisy, clean, scale in (
            ("acc", sig.acc, sig.acc_clean, 1.0),
            ("gyro", sig.gyro, sig.gyro_clean, RAD2DEG),
        ):
            for k in range(3):
                self.curves[(name, k, "noisy")].setData(t, noisy[:, k] * scale, connect="finite")
                self.curves[(name, k, "clean")].setData(t, clean[:, k] * scale, connect="finite")
        for name, arr, flags, scale in (
            ("acc", sig.acc, sig.acc_saturated, 1.0),
            ("gyro", sig.gyro, sig.gyro_saturated, RAD2DEG),
        ):
            idx = np.nonzero(flags)[0]  # samples that hit the device range
            if len(idx):
                k = np.argmax(np.abs(np.nan_to_num(arr[idx])), axis=1)
                self.saturation[name].setData(t[idx], arr[idx, k] * scale)
            else:
                self.saturation[name].setData([], [])
        dev = sig.device
        acc_range = float(dev.data["accelerometer"]["range_g"]) * G
        gyro_range = float(dev.data["gyroscope"]["range_dps"])
        for name, r in (("acc", acc_range), ("gyro", gyro_range)):
            for ln, sign in zip(self.range_lines[name], (1, -1)):
                ln.setVisible(bool(r > 0 and np.isfinite(r)))
                ln.setValue(sign * r)
        self._fit_y(acc_range, gyro_range)
        end = max(float(t[-1]), self._x_end or 0.0)
        self.acc_plot.setXRange(0.0, end, padding=0.01)
        self.status.setText(status or f"{dev.id}  {sig.rate_hz:g} Hz  {sig.wrist} wrist  seed {sig.seed}")
        self._update_visibility()
        self._on_playhead("frame", self.playhead)

    def _fit_y(self, acc_range: float, gyro_range: float) -> None:
        """Y ranges: the data with a margin, widened to show the device range when the data come near it."""
        sig = self.signal
        for plot, arrs, r, scale in (
            (self.acc_plot, (sig.acc, sig.acc_clean), acc_range, 1.0),
            (self.gyro_plot, (sig.gyro, sig.gyro_clean), gyro_range, RAD2DEG),
        ):
            m = max(float(np.nanmax(np.abs(a))) if np.isfinite(a).any() else 0.0 for a in arrs) * scale
            top = m * 1.1 if m > 0 else 1.0
            if r > 0 and np.isfinite(r) and m > 0.6 * r:
                top = max(top, r * 1.1)
            plot.setYRange(-top, top, padding=0)

    _x_end = None

    def set_trim(self, t_in: float, t_out: float, t_end: float) -> None:
        """Shade [0, t_in) and [t_out, t_end]: frames the trim drops (the plot spans the whole clip)."""
        self._x_end = t_end
        for pair in self.trim_shades:
            pair[0].setRegion((0.0, t_in))
            pair[0].setVisible(t_in > 0)
            pair[1].setRegion((t_out, t_end))
            pair[1].setVisible(t_out < t_end)

    def _update_visibility(self, *_) -> None:
        for (name, k, kind), c in self.curves.items():
            on = self.axis_boxes[AXES[k]].isChecked()
            on &= (self.show_noisy if kind == "noisy" else self.show_clean).isChecked()
            c.setVisible(on)

    def curve_data(self, sensor: str, axis: int, kind: str = "noisy"):
        """(x, y) arrays of a curve as given to pyqtgraph (tests)."""
        c = self.curves[(sensor, axis, kind)]
        return c.xData, c.yData

    # -- playhead ---------------------------------------------------------------------------------
    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event in ("frame", "clip"):
            t = float(ph.seconds)
            for c in self.cursors:
                if not c.moving:
                    c.setValue(t)

    def _cursor_dragged(self, line) -> None:
        self.seek_requested.emit(float(line.value()))

    def _scene_clicked(self, ev) -> None:
        if ev.button() != Qt.LeftButton or ev.double():
            return
        for plot in (self.acc_plot, self.gyro_plot):
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(ev.scenePos()):
                x = vb.mapSceneToView(ev.scenePos()).x()
                self.seek_requested.emit(float(x))
                ev.accept()
                return

    def closeEvent(self, ev) -> None:
        self.playhead.disconnect(self._on_playhead)
        super().closeEvent(ev)
