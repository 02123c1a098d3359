"""The vispy 3D skeleton view (needs OpenGL: EGL off screen, or an X display such as Xvfb).

Checks what a user sees: the figure is drawn, the device axes appear in red,
green and blue at the wrist, seeking redraws the pose, and the device axes the
view draws are the simulator's sensor frame (x along the forearm).
"""

import os

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest
from PySide6.QtCore import Qt

from imu2safety.core.project import demo
from imu2safety.core.session.playhead import Playhead

# a hung GUI test dumps every thread's stack instead of stalling the suite silently
pytestmark = [pytest.mark.gui, pytest.mark.timeout(180, method="thread")]


@pytest.fixture
def view(qtbot):
    from imu2safety.widgets.skeleton_view import SkeletonView

    ph = Playhead(1, 30)
    v = SkeletonView(ph)
    qtbot.addWidget(v)
    if not v.is_3d:
        pytest.skip(
            f"no OpenGL for the vispy 3D view here ({v.gl_error}); needs Mesa EGL or a display "
            "(scripts/test.sh runs under Xvfb)"
        )
    v.resize(640, 480)
    v.show()
    qtbot.waitExposed(v)
    m = demo.demo_motion()
    ph.set_clip(m.n_frames, m.fps)
    v.set_motion(m, "left")
    return v, ph, m


def _mask(img, rgb, tol=60):
    d = np.abs(img[:, :, :3].astype(int) - np.array(rgb)[None, None, :]).sum(axis=2)
    return d < tol


def test_3d_view_draws_figure_and_device_axes(view):
    v, ph, m = view
    img = v.render_image()
    assert img.ndim == 3 and img.shape[2] == 4
    bg = np.array([0xF4, 0xF5, 0xF7])
    non_bg = (np.abs(img[:, :, :3].astype(int) - bg).sum(axis=2) > 40).mean()
    assert non_bg > 0.01  # grid and figure are drawn
    red = _mask(img, (230, 26, 26))
    green = _mask(img, (26, 178, 26))
    blue = _mask(img, (26, 64, 242))
    assert red.sum() > 20 and green.sum() > 20 and blue.sum() > 20
    # the three axes start at the same place: their pixel clouds are near each other
    cy = [np.argwhere(mk).mean(axis=0) for mk in (red, green, blue)]
    assert max(np.linalg.norm(cy[0] - c) for c in cy[1:]) < 0.25 * max(img.shape[:2])
    orange = _mask(img, (230, 140, 38))  # left limbs
    assert orange.sum() > 50


def test_seek_redraws_the_pose(view, qtbot):
    v, ph, m = view
    v.follow.setChecked(False)
    a = v.render_image()
    ph.seek(200)  # lying on the ground, metres away
    b = v.render_image()
    assert v.frame == 200
    assert np.abs(a.astype(int) - b.astype(int)).sum(axis=2).astype(bool).mean() > 0.002


def test_device_axes_are_the_simulators_sensor_frame():
    """No OpenGL needed: the geometry the view draws."""
    from imu2safety.widgets.skeleton_view import DeviceTrack

    m = demo.demo_motion()
    d = DeviceTrack(m, "left")
    for f in (10, 100, 230):
        R = d.R[f]
        assert np.allclose(R.T @ R, np.eye(3), atol=1e-6) and np.linalg.det(R) == pytest.approx(1.0)
        sk = m.skel
        sh, el, wr = sk.arms["left"]
        fore = m.joints[f, wr] - m.joints[f, el]
        assert np.dot(R[:, 0], fore / np.linalg.norm(fore)) > 0.99  # x along the forearm, toward the hand
        seg = d.axes_segments(f)
        assert np.allclose(seg[0], d.pos[f]) and np.linalg.norm(seg[1] - seg[0]) == pytest.approx(0.2)


def test_unobserved_joints_are_not_drawn_as_lines_to_the_origin():
    from imu2safety.widgets.skeleton_view import bone_vertices, bones_of

    m = demo.demo_motion()
    bones = bones_of(m)
    j = m.joints[50].copy()
    j[13] = np.nan  # the left wrist not observed
    seg = bone_vertices(j, bones).reshape(-1, 2, 3)
    assert np.isfinite(seg).all()
    k = [i for i, (a, b) in enumerate(bones) if 13 in (a, b)][0]
    assert np.allclose(seg[k, 0], seg[k, 1])  # collapsed to a point: invisible
    assert not np.allclose(seg[k, 0], 0)  # and not at the origin
    others = [i for i in range(len(bones)) if i != k]
    assert np.allclose(seg[others].reshape(-1, 3), j[bones[others].reshape(-1)])


def test_wrist_path_breaks_at_unobserved_frames_instead_of_going_to_the_origin():
    from imu2safety.widgets.skeleton_view import path_segments

    path = np.c_[np.linspace(1, 2, 10), np.full(10, 3.0), np.full(10, 1.0)]
    path[:3] = np.nan  # a person who appears late (a reconstructed video), and is lost for a frame
    path[6] = np.nan
    pos, conn = path_segments(path)
    assert np.isfinite(pos).all() and not np.any(np.all(pos == 0, axis=1))
    drawn = {(int(a), int(b)) for a, b in conn}
    assert drawn == {(0, 1), (1, 2), (3, 4), (4, 5)}  # frames 3-5 and 7-9, no line across frame 6
    np.testing.assert_allclose(pos[conn[:, 1]] - pos[conn[:, 0]], [[1 / 9, 0, 0]] * 4, atol=1e-6)  # float32


def test_views_survive_a_clip_with_unobserved_frames(qtbot):
    """A reconstructed clip has NaN frames: every panel keeps working on them."""
    from imu2safety.widgets.skeleton_view import SkeletonView

    m = demo.demo_motion()
    m.joints[100:110] = np.nan
    ph = Playhead(m.n_frames, m.fps)
    v = SkeletonView(ph)
    qtbot.addWidget(v)
    v.set_motion(m, "left")
    v.show()
    for f in (99, 100, 105, 110):
        ph.seek(f)
        v.grab()
    assert v.frame == 110


def test_drag_orbits_and_wheel_zooms(view, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    v, ph, m = view
    cam = v._view.camera
    az, el, dist = cam.azimuth, cam.elevation, cam.distance
    before = v.render_image()
    target = v.image_view if v.image_view is not None else v.canvas.native
    if v.image_view is not None:  # the EGL image view: our own mouse handling
        QTest.mousePress(target, Qt.LeftButton, Qt.NoModifier, QPoint(100, 100))
        QTest.mouseMove(target, QPoint(160, 110))
        QTest.mouseRelease(target, Qt.LeftButton, Qt.NoModifier, QPoint(160, 110))
        assert cam.azimuth == pytest.approx(az - 30) and cam.elevation == pytest.approx(el + 5)
    else:  # the QOpenGLWidget: vispy's own camera handling
        v.orbit(60, 10)
        assert cam.azimuth == pytest.approx(az - 30)
    v.zoom(2)
    assert cam.distance == pytest.approx(dist * 0.88**2)
    after = v.render_image()
    assert np.abs(after.astype(int) - before.astype(int)).sum(axis=2).astype(bool).mean() > 0.01
