"""Skeleton panel: the clip's 3D motion at the playhead, drawn with vispy.

Draws the skeleton's bones (left side orange, right side blue, trunk grey), the
joints, the ground (a plane with a 0.5 m grid; the motion is turned so its
``up`` is +z), the wrist path, and the wrist device as three axes x/y/z in
red/green/blue, placed and oriented by the simulator's own sensor-frame code
(:func:`imu2safety.core.sim.sensor_frame.forearm_axes`). Orbit with the left mouse
button, zoom with the wheel (a ``TurntableCamera``); the camera follows the
body unless "follow" is off.

Three ways to draw, the first that works (``IMU2SAFETY_3D=egl|widget|2d`` forces one):

- ``egl``: vispy renders off screen through EGL into an image that a plain Qt
  widget shows. No OpenGL widget enters the window, so Qt does not compose the
  whole window through OpenGL (with Mesa's software OpenGL that composition
  costs ~25 ms per frame); it also works on Qt's ``offscreen`` platform.
- ``widget``: the vispy canvas embedded as a QOpenGLWidget (``canvas.native``).
- ``2d``: a side view drawn with QPainter, when there is no OpenGL at all.
"""

from __future__ import annotations

import os
from typing import Optional

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ..core.motion.interchange import Motion
from ..core.session.playhead import Playhead
from ..core.sim.sensor_frame import forearm_axes, orthonormal_frames

LEFT = (0.90, 0.55, 0.15, 1.0)
RIGHT = (0.15, 0.45, 0.80, 1.0)
TRUNK = (0.35, 0.35, 0.35, 1.0)
AXIS_LEN = 0.2


def bones_of(motion: Motion) -> np.ndarray:
    """(B, 2) joint index pairs: the skeleton's bones, else the importer's ``parents`` (BVH and similar)."""
    skel = motion.skel
    if skel.bones:
        return np.array(skel.bones, dtype=int)
    parents = motion.meta.get("parents")
    if parents is not None and len(parents) == skel.n_joints:
        return np.array([(int(p), i) for i, p in enumerate(parents) if int(p) >= 0], dtype=int).reshape(-1, 2)
    return np.zeros((0, 2), dtype=int)


def bone_vertices(j: np.ndarray, bones: np.ndarray) -> np.ndarray:
    """(2B, 3) line vertices for one frame; a bone with an unobserved (NaN) end collapses to a point
    at an observed joint, so it is not drawn (never a line to the origin)."""
    seg = j[bones.reshape(-1)].astype(np.float32)
    bad = ~np.isfinite(seg).all(axis=1).reshape(-1, 2).all(axis=1)
    if bad.any():
        ok = np.isfinite(j).all(axis=1)
        anchor = j[np.argmax(ok)] if ok.any() else np.zeros(3)
        seg.reshape(-1, 2, 3)[bad] = anchor.astype(np.float32)
    return seg if len(seg) else np.zeros((2, 3), np.float32)


def path_segments(path: np.ndarray) -> tuple:
    """Line vertices and connections of a wrist path, drawn only between consecutive observed frames
    (an unobserved (NaN) frame breaks the line; it never becomes a line to the origin)."""
    ok = np.isfinite(path).all(axis=1)
    idx = np.flatnonzero(ok)
    if len(idx) < 2:
        return np.zeros((2, 3), np.float32), np.zeros((0, 2), np.uint32)
    pos = path[idx].astype(np.float32)
    k = np.flatnonzero(np.diff(idx) == 1)
    return pos, np.stack([k, k + 1], axis=1).astype(np.uint32)


def display_frame(motion: Motion) -> tuple:
    """Rotation taking the motion's ``up`` to +z, and the floor height after it (drawing uses z up)."""
    from scipy.spatial.transform import Rotation

    up = np.asarray(motion.up, float)
    up = up / np.linalg.norm(up)
    if np.allclose(up, [0, 0, 1]):
        R = np.eye(3)
    elif np.allclose(up, [0, 0, -1]):
        R = np.diag([1.0, -1.0, -1.0])
    else:
        R = Rotation.align_vectors([[0, 0, 1]], [up])[0].as_matrix()
    z = motion.joints @ R.T
    floor = float(np.nanpercentile(z[..., 2], 0.5)) if np.isfinite(z).any() else 0.0
    floor = min(floor, 0.05) if abs(floor) < 0.05 else floor
    return R, floor


def bone_colours(skel, bones) -> np.ndarray:
    """One RGBA per bone end (2 per bone): left/right/trunk by the child joint's name."""
    out = []
    for a, b in bones:
        name = skel.joints[b].lower()
        c = (
            LEFT
            if name.startswith("l") and not name.startswith("lower")
            else RIGHT
            if name.startswith("r") and not name.startswith("root")
            else TRUNK
        )
        out += [c, c]
    return np.array(out, dtype=np.float32)


class DeviceTrack:
    """Sensor position and axes per frame for one wrist (from the core's sensor-frame model)."""

    def __init__(self, motion: Motion, wrist: str, offset_m: float = -0.03, display=None):
        skel = motion.skel
        x, z, _ = forearm_axes(motion.joints, skel, wrist, np.asarray(motion.up, float))
        R = orthonormal_frames(np.nan_to_num(x), np.nan_to_num(z))
        bad = ~(np.isfinite(x).all(1) & np.isfinite(z).all(1))
        R[bad] = np.nan
        self.R = R  # (T, 3, 3): columns are sensor x, y, z in world
        self.pos = motion.joints[:, skel.arms[wrist][2]] + offset_m * np.nan_to_num(x)
        self.pos[bad] = np.nan
        if display is not None:  # into the view's z-up frame
            Rd, floor = display
            self.R = np.einsum("ij,njk->nik", Rd, self.R)
            self.pos = self.pos @ Rd.T - [0.0, 0.0, floor]

    def axes_segments(self, frame: int, length: float = AXIS_LEN) -> np.ndarray:
        """(6, 3) line vertices: origin->x, origin->y, origin->z."""
        p = self.pos[frame]
        R = self.R[frame]
        return np.stack([p, p + length * R[:, 0], p, p + length * R[:, 1], p, p + length * R[:, 2]])


def opengl_available() -> bool:
    plat = QGuiApplication.platformName() if QGuiApplication.instance() else ""
    if plat in ("offscreen", "minimal", "vnc"):
        return False
    if os.environ.get("IMU2SAFETY_NO_GL"):
        return False
    return True


class SkeletonView(QWidget):
    def __init__(self, playhead: Playhead, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("skeletonView")
        self.playhead = playhead
        self.motion: Optional[Motion] = None
        self.device: Optional[DeviceTrack] = None
        self.frame = 0
        self.gl_error: Optional[str] = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.canvas = None
        self.mode = "2d"
        self.image_view: Optional[_ImageView] = None
        want = os.environ.get("IMU2SAFETY_3D", "").lower()
        errors = []
        if os.environ.get("IMU2SAFETY_NO_GL"):
            want = "2d"
        for mode in [want] if want else ["egl", "widget"]:
            if mode == "2d":
                break
            if mode == "widget" and not opengl_available():
                errors.append(f"no OpenGL widget on Qt platform '{QGuiApplication.platformName()}'")
                continue
            try:
                self._make_canvas(mode)
            except Exception as exc:  # no usable OpenGL this way: try the next
                self.canvas = None
                errors.append(f"{mode}: {exc.__class__.__name__}: {exc}")
                continue
            self.mode = mode
            if mode == "egl":
                self.image_view = _ImageView(self)
                lay.addWidget(self.image_view, 1)
            else:
                lay.addWidget(self.canvas.native, 1)
            break
        if self.canvas is None:
            self.gl_error = "; ".join(errors) or "2D view chosen"
            self.fallback = _SideView(self)
            lay.addWidget(self.fallback, 1)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 0, 4, 2)
        self.follow = QCheckBox("follow")
        self.follow.setChecked(True)
        self.follow.setToolTip("keep the camera centred on the pelvis")
        self.follow.toggled.connect(lambda _: self.show_frame(self.frame))
        self.info = QLabel("")
        self.info.setStyleSheet("color: #666")
        bar.addWidget(self.follow)
        bar.addStretch(1)
        bar.addWidget(self.info)
        lay.addLayout(bar)
        if self.gl_error:
            self.info.setText("2D fallback (" + self.gl_error[:60] + ")")
        playhead.connect(self._on_playhead)

    @property
    def is_3d(self) -> bool:
        return self.canvas is not None

    def _make_canvas(self, mode: str) -> None:
        from vispy import app as vapp
        from vispy import scene

        if mode == "egl":
            c = scene.SceneCanvas(keys=None, show=False, bgcolor="#f4f5f7", size=(480, 360), app=_egl_app())
        else:
            vapp.use_app("pyside6")
            c = scene.SceneCanvas(keys=None, show=False, bgcolor="#f4f5f7", size=(480, 360))
        view = c.central_widget.add_view()
        view.camera = scene.TurntableCamera(up="z", fov=40, elevation=14, azimuth=-30, distance=4.2)
        view.camera.center = (0, 0, 0.8)
        floor = scene.visuals.Plane(
            width=20, height=20, direction="+z", color=(0.86, 0.88, 0.86, 1.0), parent=view.scene
        )
        floor.transform = scene.transforms.STTransform(translate=(0, 0, -0.004))
        self._floor = floor
        grid = []
        for v in np.arange(-10, 10.01, 0.5):
            grid += [(v, -10, 0), (v, 10, 0), (-10, v, 0), (10, v, 0)]
        self._grid = scene.visuals.Line(
            pos=np.array(grid, np.float32),
            connect="segments",
            color=(0.72, 0.74, 0.76, 1.0),
            width=1,
            parent=view.scene,
        )
        self._path = scene.visuals.Line(
            pos=np.zeros((2, 3), np.float32), color=(0.9, 0.55, 0.15, 0.35), width=1.5, parent=view.scene
        )
        self._bones = scene.visuals.Line(
            pos=np.zeros((2, 3), np.float32), connect="segments", width=5, parent=view.scene, antialias=True
        )
        self._joints = scene.visuals.Markers(parent=view.scene)
        self._joints.set_data(np.zeros((1, 3), np.float32), size=7, face_color="white", edge_color="#333")
        axis_colours = np.array(
            [(0.9, 0.1, 0.1, 1)] * 2 + [(0.1, 0.7, 0.1, 1)] * 2 + [(0.1, 0.25, 0.95, 1)] * 2, np.float32
        )
        self._axes = scene.visuals.Line(
            pos=np.zeros((6, 3), np.float32), color=axis_colours, connect="segments", width=6, parent=view.scene
        )
        self._axes.set_gl_state(depth_test=False)
        self._axes.order = 10
        self._view = view
        self.canvas = c
        if mode == "egl":
            c.render()  # fails here, not later, when EGL cannot draw

    # -- model --------------------------------------------------------------------------------------
    def set_motion(self, motion: Optional[Motion], wrist: str = "left", offset_m: float = -0.03) -> None:
        self.motion = motion
        self.device = None
        if motion is not None:
            self.display = display_frame(motion)
            Rd, floor = self.display
            self.joints = motion.joints @ Rd.T - [0.0, 0.0, floor]
            self.bones = bones_of(motion)
            try:
                self.device = DeviceTrack(motion, wrist, offset_m, self.display)
            except Exception:
                self.device = None
            if self.canvas is not None:
                self._bones.set_data(color=bone_colours(motion.skel, self.bones))
                path = self.device.pos if self.device is not None else None
                if path is not None and np.isfinite(path).any():
                    pos, conn = path_segments(path)
                    self._path.set_data(pos=pos, connect=conn if len(conn) else "strip")
        self.show_frame(self.playhead.frame)

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event in ("frame", "clip"):
            self.show_frame(ph.frame)

    def show_frame(self, frame: int) -> None:
        if self.motion is None:
            if self.canvas is None:
                self.fallback.update()
            return
        frame = min(max(int(frame), 0), self.motion.n_frames - 1)
        self.frame = frame
        j = self.joints[frame]
        self.info.setText(("" if self.is_3d else "2D fallback  ") + f"frame {frame}")
        if self.canvas is None:
            self.fallback.update()
            return
        self._bones.set_data(pos=bone_vertices(j, self.bones))
        ok = np.isfinite(j).all(1)
        self._joints.visible = bool(ok.any())
        if ok.any():
            self._joints.set_data(j[ok].astype(np.float32), size=7, face_color="white", edge_color="#333")
        if self.device is not None and np.isfinite(self.device.R[frame]).all():
            self._axes.visible = True
            self._axes.set_data(pos=self.device.axes_segments(frame).astype(np.float32))
        else:
            self._axes.visible = False
        if self.follow.isChecked() and np.isfinite(j).all(axis=1).any():
            c = j[np.isfinite(j).all(axis=1)].mean(axis=0)
            # a body on the floor (mean joint height ~0.9 m) keeps the usual framing; one lifted off it
            # (jumping, or a video whose up is off) stays in view
            self._view.camera.center = (float(c[0]), float(c[1]), 0.7 + max(0.0, float(c[2]) - 1.0))
        self.redraw()

    def redraw(self) -> None:
        """Ask for a new picture (the EGL image is rendered when the panel paints)."""
        if self.image_view is not None:
            self.image_view.stale = True
            self.image_view.update()
        elif self.canvas is not None:
            self.canvas.update()

    # -- camera control (the EGL image view has no vispy mouse handling of its own) -----------------
    def orbit(self, dx: float, dy: float) -> None:
        cam = self._view.camera
        cam.azimuth = cam.azimuth - 0.5 * dx
        cam.elevation = float(np.clip(cam.elevation + 0.5 * dy, -89.0, 89.0))
        self.redraw()

    def zoom(self, steps: float) -> None:
        cam = self._view.camera
        cam.distance = float(np.clip((cam.distance or 4.2) * 0.88**steps, 0.5, 60.0))
        self.redraw()

    def render_image(self) -> Optional[np.ndarray]:
        """The 3D view as an RGBA array (tests and screenshots); None without OpenGL."""
        if self.canvas is None:
            return None
        return self.canvas.render()


_EGL_APP = None


def _egl_app():
    """One vispy application on the EGL backend for every off-screen canvas."""
    global _EGL_APP
    if _EGL_APP is None:
        # Mesa: no window system needed. Set only while vispy opens its EGL display, so that
        # Qt's own EGL use (e.g. on Wayland) never sees it.
        before = os.environ.get("EGL_PLATFORM")
        os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        try:
            from vispy import app as vapp

            _EGL_APP = vapp.Application("egl")
        finally:
            if before is None:
                os.environ.pop("EGL_PLATFORM", None)
    return _EGL_APP


class _ImageView(QWidget):
    """Shows the off-screen vispy picture; drag orbits, the wheel zooms."""

    def __init__(self, owner: "SkeletonView") -> None:
        super().__init__(owner)
        self.owner = owner
        self.stale = True
        self.image: Optional[QImage] = None
        self._buf = None
        self._last = None
        self.setMinimumSize(200, 150)
        self.setCursor(Qt.OpenHandCursor)

    def resizeEvent(self, ev) -> None:
        size = (max(self.width(), 16), max(self.height(), 16))
        if tuple(self.owner.canvas.size) != size:
            self.owner.canvas.size = size
        self.stale = True
        super().resizeEvent(ev)

    def paintEvent(self, ev) -> None:
        if self.stale or self.image is None:
            rgba = np.ascontiguousarray(self.owner.canvas.render())
            h, w = rgba.shape[:2]
            self._buf = rgba
            self.image = QImage(rgba.data, w, h, 4 * w, QImage.Format_RGBA8888)
            self.stale = False
        p = QPainter(self)
        p.drawImage(self.rect(), self.image)
        p.end()

    def mousePressEvent(self, ev) -> None:
        if ev.button() == Qt.LeftButton:
            self._last = ev.position()
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, ev) -> None:
        if self._last is not None:
            d = ev.position() - self._last
            self._last = ev.position()
            self.owner.orbit(d.x(), d.y())

    def mouseReleaseEvent(self, ev) -> None:
        self._last = None
        self.setCursor(Qt.OpenHandCursor)

    def wheelEvent(self, ev) -> None:
        self.owner.zoom(ev.angleDelta().y() / 120.0)
        ev.accept()

    def closeEvent(self, ev) -> None:
        self.playhead.disconnect(self._on_playhead)
        super().closeEvent(ev)


class _SideView(QWidget):
    """2D fallback: orthographic side view (x horizontal, z up) drawn with QPainter."""

    def __init__(self, owner: SkeletonView) -> None:
        super().__init__(owner)
        self.owner = owner
        self.setMinimumSize(200, 150)

    def paintEvent(self, ev) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#f4f5f7"))
        m = self.owner.motion
        if m is None:
            p.drawText(self.rect(), Qt.AlignCenter, "No motion")
            p.end()
            return
        p.setRenderHint(QPainter.Antialiasing, True)
        j = self.owner.joints[self.owner.frame]
        seen = np.isfinite(j).all(axis=1)
        if not seen.any():
            p.drawText(self.rect(), Qt.AlignCenter, "Not observed in this frame")
            p.end()
            return
        centre_x = float(np.mean(j[seen, 0])) if self.owner.follow.isChecked() else 0.0
        s = min(self.width() / 3.0, self.height() / 2.4)
        ground = self.height() - 20

        def pt(v):
            return QPointF(self.width() / 2 + (v[0] - centre_x) * s, ground - v[2] * s)

        p.setPen(QPen(QColor(170, 175, 180), 1))
        p.drawLine(0, ground, self.width(), ground)
        cols = bone_colours(m.skel, self.owner.bones)
        for k, (a, b) in enumerate(self.owner.bones):
            if not (np.isfinite(j[a]).all() and np.isfinite(j[b]).all()):
                continue
            c = tuple(float(v) for v in cols[2 * k])
            p.setPen(QPen(QColor.fromRgbF(*c), 4, Qt.SolidLine, Qt.RoundCap))
            p.drawLine(pt(j[a]), pt(j[b]))
        d = self.owner.device
        if d is not None and np.isfinite(d.R[self.owner.frame]).all():
            seg = d.axes_segments(self.owner.frame)
            for k, col in enumerate(("#e01b1b", "#1bb31b", "#1b40f2")):
                p.setPen(QPen(QColor(col), 3))
                p.drawLine(pt(seg[2 * k]), pt(seg[2 * k + 1]))
        p.end()
