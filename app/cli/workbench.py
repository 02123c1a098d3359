"""``imu2safety workbench [PROJECT]`` and ``imu2safety demo``: open the desktop workbench.

``imu2safety`` with no command runs ``workbench``: it opens PROJECT if given,
else the most recent project, else (first run) the demo project, which is
generated into the user data folder the first time (``imu2safety demo --reset``
makes it afresh).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "workbench",
        help="open the workbench (the default command)",
        description="Open the IMU2Safety workbench: video, 3D skeleton and live IMU on one "
        "timeline; trim, label, tune the device, export.",
    )
    p.add_argument("project", nargs="?", help="project folder (default: the last one, or the demo on first run)")
    p.add_argument("--clip", help="clip id to show first")
    p.add_argument("--screenshot", metavar="PNG", help=argparse_hidden())
    p.add_argument("--frame", type=int, default=None, help=argparse_hidden())
    p.set_defaults(func=run)
    d = sub.add_parser(
        "demo",
        help="open the demo project in the workbench",
        description="Open the demo project: a figure walks, falls and lies still, with video, "
        "skeleton, labels and simulated IMU. Generated at first use into "
        "$IMU2SAFETY_DATA (default ~/.local/share/imu2safety).",
    )
    d.add_argument("--reset", action="store_true", help="regenerate the demo project (drops edits made to it)")
    d.add_argument("--screenshot", metavar="PNG", help=argparse_hidden())
    d.add_argument("--frame", type=int, default=None, help=argparse_hidden())
    d.set_defaults(func=run_demo)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def _app():
    os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        from ...core.base.errors import InputError

        raise InputError(
            None,
            "no display to open the workbench on (no DISPLAY or WAYLAND_DISPLAY); run it in a "
            "desktop session, or under a virtual one: xvfb-run -a imu2safety",
        )
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("IMU2Safety")
    app.setOrganizationName("IMU2Safety")
    return app


def _screenshot_then_quit(win, path: str, app, frame=None) -> None:
    """Grab the window once the first simulation has drawn, save it, and quit (docs and CI).

    With ``frame``: go there first and select the segment under it (the README's screenshot:
    ``imu2safety demo --reset --screenshot docs/screenshot.png --frame 137`` under Xvfb)."""
    from PySide6.QtCore import QTimer

    def go():
        if frame is not None:
            win.playhead.seek(frame)
            hit = [s for s in win.timeline.segments if s.start_frame <= frame < s.end_frame]
            if hit:
                win.select_segment(hit[0].id)
        QTimer.singleShot(700, shoot)

    tries = [0]  # polls while the simulation finishes

    def shoot():
        tries[0] += 1
        if win.simulating and tries[0] < 100:
            QTimer.singleShot(100, shoot)
            return
        app.processEvents()
        win.grab().save(path)
        print(path)
        win.close()

    QTimer.singleShot(800, go)


def _show(win, args, app) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s: %(message)s")
    win.install_excepthook()
    win.show()
    if getattr(args, "screenshot", None):
        win.resize(1600, 1000)
        _screenshot_then_quit(win, args.screenshot, app, getattr(args, "frame", None))
    return int(app.exec() or 0)


def run(args) -> int:
    if args.project and args.clip:
        from ...core.project.project import Project

        with Project.open(Path(args.project), readonly=True) as proj:
            proj.clip(args.clip)  # an unknown clip id: one-line error, no window
    app = _app()
    from ..main_window import MainWindow

    if args.project:
        from ...core.project.project import Project

        proj = Project.open(Path(args.project))  # a bad folder: one-line error from the CLI, no window
        win = MainWindow()
        win.set_project(proj, args.clip)
    else:
        win = MainWindow()
        last = win.settings.value("last/project")
        if not (last and Path(last).is_dir() and win.open_project(last)):
            win.clear_error()
            win.open_demo()
    return _show(win, args, app)


def run_demo(args) -> int:
    app = _app()
    from ..main_window import MainWindow

    win = MainWindow()
    win.open_demo(reset=args.reset)
    return _show(win, args, app)
