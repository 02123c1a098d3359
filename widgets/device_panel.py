"""Device panel: the noise profile editor.

A preset (built-in id or one of the project's saved profiles) and every
parameter of it, each editable: output rate, placement offset, and for the
accelerometer and gyroscope the range, bits, noise density, turn-on bias, scale
and cross-axis errors, bias instability and its correlation time, random walk
and g-sensitivity (units in the labels, as in the preset files). Plus the
clip's wrist and the random seed of the device errors.

Each edit builds a validated preset with :meth:`DevicePreset.with_changes` and
emits ``device_changed(preset)`` (edits within 40 ms are coalesced; the fields
changed are in ``last_changes``); a bad value shows its error under the form
and emits nothing. Picking a preset emits ``preset_selected(name)``; "Save as
profile…" emits ``save_profile(name, data)``; the wrist and seed emit
``clip_changed(fields)``.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.base.errors import InputError
from ..core.sim.devices import ACC_FIELDS, GYRO_FIELDS, DevicePreset, load_preset, preset_ids

# field -> (label, max, decimals, step)
LABELS = {
    "range_g": ("range (±g)", 64, 1, 1),
    "range_dps": ("range (±°/s)", 8000, 0, 125),
    "bits": ("resolution (bits)", 32, 0, 1),
    "noise_density_ug_per_rthz": ("noise density (µg/√Hz)", 10000, 1, 10),
    "noise_density_mdps_per_rthz": ("noise density (m°/s/√Hz)", 1000, 2, 0.5),
    "turn_on_bias_mg": ("turn-on bias (mg, 1σ)", 1000, 1, 5),
    "turn_on_bias_dps": ("turn-on bias (°/s, 1σ)", 100, 2, 0.1),
    "scale_error_pct": ("scale error (%, 1σ)", 50, 2, 0.1),
    "cross_axis_pct": ("cross-axis (%, 1σ)", 50, 2, 0.1),
    "bias_instability_mg": ("bias instability (mg)", 100, 3, 0.01),
    "bias_instability_dph": ("bias instability (°/h)", 10000, 1, 1),
    "bias_tau_s": ("bias correlation time (s)", 1e5, 1, 10),
    "random_walk_mg_per_rts": ("random walk (mg/√s)", 100, 4, 0.001),
    "random_walk_dps_per_rts": ("random walk (°/s/√s)", 10, 5, 0.0001),
    "g_sensitivity_dps_per_g": ("g-sensitivity (°/s/g)", 10, 3, 0.01),
}


class DevicePanel(QWidget):
    device_changed = Signal(object)  # DevicePreset
    clip_changed = Signal(dict)  # {"wrist": ..} or {"seed": ..}
    save_profile = Signal(str, dict)
    preset_selected = Signal(str)  # preset id or profile name

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("devicePanel")
        self.base: Optional[DevicePreset] = None
        self.preset: Optional[DevicePreset] = None
        self.profiles: Dict[str, DevicePreset] = {}
        self._loading = False
        self.editors: Dict[str, QWidget] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        top = QFormLayout()
        self.picker = QComboBox()
        self.picker.setObjectName("presetPicker")
        self.picker.currentIndexChanged.connect(self._picked)
        self.wrist = QComboBox()
        self.wrist.addItems(["left", "right"])
        self.wrist.currentTextChanged.connect(lambda w: self._loading or self.clip_changed.emit({"wrist": w}))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("random seed of this clip's device errors")
        self.seed.editingFinished.connect(self._seed_done)
        top.addRow("Preset", self.picker)
        top.addRow("Wrist", self.wrist)
        top.addRow("Seed", self.seed)
        outer.addLayout(top)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(0, 0, 0, 0)
        g = QGroupBox("Output")
        f = QFormLayout(g)
        self._add(f, "output_rate_hz", "output rate (Hz)", 1, 6400, 1, 25)
        self._add(f, "placement.offset_m", "offset from wrist (m, − proximal)", -0.3, 0.3, 3, 0.005)
        bl.addWidget(g)
        for sensor, spec in (("accelerometer", ACC_FIELDS), ("gyroscope", GYRO_FIELDS)):
            g = QGroupBox(sensor.capitalize())
            f = QFormLayout(g)
            for field in spec:
                label, top_v, dec, step = LABELS[field]
                lo = spec[field][1]
                self._add(f, f"{sensor}.{field}", label, lo, top_v, dec, step, integer=(field == "bits"))
            bl.addWidget(g)
        bl.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)
        row = QHBoxLayout()
        self.reset_btn = QPushButton("Reset to preset")
        self.reset_btn.clicked.connect(lambda: self.set_preset(self.base))
        self.save_btn = QPushButton("Save as profile…")
        self.save_btn.clicked.connect(self._save)
        row.addWidget(self.reset_btn)
        row.addWidget(self.save_btn)
        outer.addLayout(row)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._emit_changed)
        self._pending: Dict[str, float] = {}
        self.last_changes: Dict[str, float] = {}

    def _add(self, form: QFormLayout, key: str, label: str, lo, hi, decimals: int, step, integer=False) -> None:
        w = QSpinBox() if integer else QDoubleSpinBox()
        if integer:
            w.setRange(int(lo), int(hi))
        else:
            w.setDecimals(decimals)
            w.setRange(float(lo), float(hi))
            w.setSingleStep(step)
        w.setKeyboardTracking(False)
        w.setObjectName(key)
        w.valueChanged.connect(lambda v, k=key: self._edited(k, v))
        form.addRow(label, w)
        self.editors[key] = w

    # -- model --------------------------------------------------------------------------------------
    def set_choices(self, profiles: Dict[str, DevicePreset], current: str) -> None:
        """Built-in presets plus the project's profiles; select ``current``."""
        self._loading = True
        self.profiles = dict(profiles)
        self.picker.clear()
        for pid in preset_ids():
            self.picker.addItem(pid, pid)
        for name in sorted(self.profiles):
            self.picker.addItem(f"profile: {name}", name)
        idx = self.picker.findData(current)
        self.picker.setCurrentIndex(max(idx, 0))
        self._loading = False

    def select(self, name: str) -> None:
        """Show ``name`` in the picker without emitting anything."""
        self._loading = True
        idx = self.picker.findData(name)
        if idx >= 0:
            self.picker.setCurrentIndex(idx)
        self._loading = False

    def set_clip_fields(self, wrist: str, seed: int) -> None:
        self._loading = True
        self.wrist.setCurrentText(wrist)
        self.seed.setValue(int(seed))
        self._loading = False

    def set_preset(self, preset: Optional[DevicePreset], base: bool = True) -> None:
        if preset is None:
            return
        if base:
            self.base = preset
        self.preset = preset
        self._loading = True
        d = preset.data
        for key, w in self.editors.items():
            node = d
            for k in key.split("."):
                node = node.get(k, 0) if isinstance(node, dict) else 0
            w.setValue(int(node) if isinstance(w, QSpinBox) else float(node))
        self._loading = False
        self.error.setText("")

    def _picked(self, _i: int) -> None:
        if self._loading:
            return
        name = self.picker.currentData()
        try:
            preset = self.profiles[name] if name in self.profiles else load_preset(name)
        except InputError as exc:
            self.error.setText(str(exc))
            return
        self.set_preset(preset)
        self.preset_selected.emit(name)

    def _edited(self, key: str, value) -> None:
        if self._loading or self.preset is None:
            return
        self._pending[key] = int(value) if isinstance(self.editors[key], QSpinBox) else float(value)
        self._timer.start()

    def apply_changes(self, changes: Dict[str, float]) -> Optional[DevicePreset]:
        """Apply dotted-path changes to the current preset; emit and return it (None if invalid)."""
        try:
            new = self.preset.with_changes(changes)
        except InputError as exc:
            self.error.setText(str(exc))
            return None
        self.error.setText("")
        self.preset = new
        self.last_changes = dict(changes)
        self.device_changed.emit(new)
        return new

    def _emit_changed(self) -> None:
        changes, self._pending = self._pending, {}
        if changes:
            self.apply_changes(changes)

    def flush(self) -> None:
        """Apply edits still waiting for the coalescing timer (tests, closing)."""
        if self._timer.isActive():
            self._timer.stop()
            self._emit_changed()

    def _seed_done(self) -> None:
        if not self._loading:
            self.clip_changed.emit({"seed": int(self.seed.value())})

    def _save(self) -> None:
        if self.preset is None:
            return
        name, ok = QInputDialog.getText(self, "Save device profile", "Profile name:")
        if ok and name.strip():
            data = dict(self.preset.data)
            data["id"] = name.strip()
            self.save_profile.emit(name.strip(), data)

    def parameter_keys(self) -> List[str]:
        return list(self.editors)
