"""Realism panel: a simulated and a real set side by side (pyqtgraph).

For the chosen channel (acc/gyro x, y, z or magnitude): the two distributions on
shared bins, the two Welch power spectra, and the two signals aligned by
cross-correlation; below, the numbers (Wasserstein distance, log-spectral
distance, lag). Options re-run the comparison after a geometric fit (lag,
rotation, per-axis scale) and, marked optional, after quantile mapping. All
numbers come from :mod:`imu2safety.core.realism.compare` and :mod:`.calibrate`; the panel
only draws them. ``set_sets(sim, real)`` (or ``set_simulated_signal(sig)``) feeds it; "Open real recording…" reads
a file with :func:`core.realism.load_set`. Emits ``comparison_changed(dict)``
(the numbers) after each recomputation.
"""

from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..core.base.errors import InputError
from ..core.realism.calibrate import calibrated_comparisons
from ..core.realism.compare import CHANNELS, Comparison, SignalSet, channel_values, load_set, set_from_signal

SIM_COLOR = "#0072B2"  # Okabe-Ito blue / vermillion (colour-blind safe), as the report
REAL_COLOR = "#D55E00"


class RealismPanel(QWidget):
    comparison_changed = Signal(dict)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("realismPanel")
        self.sim: Optional[SignalSet] = None
        self.real: Optional[SignalSet] = None
        self.comparisons: Dict[str, Comparison] = {}
        self.calibration: Dict = {}
        self.comparison: Optional[Comparison] = None
        pg.setConfigOptions(antialias=True, background="w", foreground="#333")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        bar = QHBoxLayout()
        self.channel = QComboBox()
        self.channel.setObjectName("realismChannel")
        self.channel.addItems(CHANNELS)
        self.channel.setToolTip("channel to show (m/s² for acc, rad/s for gyro)")
        self.channel.currentTextChanged.connect(self._draw)
        bar.addWidget(QLabel("channel"))
        bar.addWidget(self.channel)
        self.geometric = QCheckBox("geometric fit")
        self.geometric.setToolTip("fit lag, rotation and per-axis scale of the simulation onto the real set")
        self.quantile = QCheckBox("quantile map (optional)")
        self.quantile.setToolTip(
            "OPTIONAL IMUTube-style per-channel quantile mapping: needs real data of the same "
            "class and ignores temporal structure"
        )
        self.scale_std = QCheckBox("unsynchronised")
        self.scale_std.setToolTip(
            "the two sets are the same activity but not recorded together: fit the rotation "
            "from principal axes and the scale from standard deviations"
        )
        self.scale_std.setChecked(True)
        for cb in (self.geometric, self.quantile, self.scale_std):
            cb.toggled.connect(self.recompute)
            bar.addWidget(cb)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.0, 10000.0)
        self.rate.setDecimals(1)
        self.rate.setSpecialValueText("auto")
        self.rate.setToolTip("sample rate for .ts files (they carry none)")
        bar.addWidget(QLabel("rate Hz"))
        bar.addWidget(self.rate)
        self.open_btn = QPushButton("Open real recording…")
        self.open_btn.clicked.connect(self._open_real)
        bar.addWidget(self.open_btn)
        bar.addStretch(1)
        lay.addLayout(bar)

        split = QSplitter()
        self.hist_plot = pg.PlotWidget(title="distribution")
        self.psd_plot = pg.PlotWidget(title="power spectrum (Welch)")
        self.psd_plot.setLogMode(x=False, y=True)
        self.psd_plot.setLabel("bottom", "Hz")
        self.time_plot = pg.PlotWidget(title="aligned signals")
        self.time_plot.setLabel("bottom", "s (real recording)")
        for w in (self.hist_plot, self.psd_plot, self.time_plot):
            w.addLegend(offset=(5, 5))
            w.showGrid(x=True, y=True, alpha=0.2)
            split.addWidget(w)
        self.hist_sim = self.hist_plot.plot(
            [], [], pen=pg.mkPen(SIM_COLOR, width=2), name="simulated", stepMode="center"
        )
        self.hist_real = self.hist_plot.plot([], [], pen=pg.mkPen(REAL_COLOR, width=2), name="real", stepMode="center")
        self.psd_sim = self.psd_plot.plot([], [], pen=pg.mkPen(SIM_COLOR, width=2), name="simulated")
        self.psd_real = self.psd_plot.plot([], [], pen=pg.mkPen(REAL_COLOR, width=2), name="real")
        self.time_sim = self.time_plot.plot([], [], pen=pg.mkPen(SIM_COLOR, width=1.5), name="simulated")
        self.time_real = self.time_plot.plot([], [], pen=pg.mkPen(REAL_COLOR, width=1.5), name="real")
        lay.addWidget(split, 1)
        self.summary = QLabel("Load a simulated and a real set to compare.")
        self.summary.setObjectName("realismSummary")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)

    # ------------------------------------------------------------ data in
    def set_sets(self, sim: Optional[SignalSet], real: Optional[SignalSet]) -> None:
        if sim is not None:
            self.sim = sim
        if real is not None:
            self.real = real
        self.recompute()

    def set_simulated_signal(self, sig) -> None:
        """Compare a simulated :class:`core.simulate.ImuSignal` (e.g. the current clip's)."""
        self.set_sets(set_from_signal(sig, "simulated"), None)

    def _open_real(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Real wrist IMU recording", "", "Recordings (*.csv *.txt *.h5 *.hdf5 *.ts);;All files (*)"
        )
        if path:
            self.load_real(path)

    def load_real(self, path: str) -> bool:
        """Read a real recording (errors are shown in the summary line, not raised)."""
        try:
            opts = {"rate_hz": self.rate.value() or None}
            self.set_sets(None, load_set(path, "real", **opts))
            return True
        except InputError as exc:
            self.summary.setText(f"<span style='color:#b00'>{exc}</span>")
            return False

    # ------------------------------------------------------------ compute and draw
    def recompute(self) -> None:
        if self.sim is None or self.real is None:
            return
        try:
            self.comparisons, self.calibration = calibrated_comparisons(
                self.sim,
                self.real,
                geometric=self.geometric.isChecked(),
                quantile=self.quantile.isChecked(),
                synchronised=not self.scale_std.isChecked(),
            )
        except InputError as exc:
            self.comparisons, self.comparison = {}, None
            self.summary.setText(f"<span style='color:#b00'>{exc}</span>")
            return
        self.comparison = list(self.comparisons.values())[-1]
        self._draw()
        self.comparison_changed.emit(self.comparison.numbers)

    def _draw(self, *_) -> None:
        c = self.comparison
        if c is None:
            return
        ch = self.channel.currentText()
        edges, hs, hr = c.curves["hist"][ch]
        self.hist_sim.setData(edges, hs)
        self.hist_real.setData(edges, hr)
        f, ps, pr = c.curves["psd"][ch]
        self.psd_sim.setData(f[1:], np.maximum(ps[1:], 1e-15))
        self.psd_real.setData(f[1:], np.maximum(pr[1:], 1e-15))
        al = c.curves["aligned"]
        rate, lag = c.curves["rate_hz"], al["lag"]
        ys, yr = channel_values(al["sim"], ch), channel_values(al["real"], ch)
        self.time_sim.setData((np.arange(len(ys)) + lag) / rate, ys)
        self.time_real.setData(np.arange(len(yr)) / rate, yr)
        unit = "m/s²" if ch.startswith("acc") else "rad/s"
        self.hist_plot.setLabel("bottom", f"{ch} ({unit})")
        self.time_plot.setLabel("left", f"{ch} ({unit})")
        v = c.numbers["channels"][ch]
        stages = " → ".join(self.comparisons)
        b = self.comparisons.get("before")
        before = ""
        if b is not None and b is not c:
            bv = b.numbers["channels"][ch]
            before = f" (before: W {bv['wasserstein']:.3g}, D {bv['spectral_distance_db']:.2f} dB)"
        self.summary.setText(
            f"{ch}: Wasserstein {v['wasserstein']:.3g} {unit}, spectral distance {v['spectral_distance_db']:.2f} dB"
            f"{before}; lag {c.numbers['alignment']['lag_s']:+.2f} s; rate {c.numbers['rate_hz']:g} Hz, gravity "
            f"{c.numbers['gravity']}; stages: {stages}"
        )
