"""Workbench responsiveness on the demo project: playback frame updates, seek latency, live re-simulation.

Run under a display (the 3D view needs OpenGL), e.g.::

    QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python bench/bench_workbench.py

Measures, on the real window (all seven panels visible, 1600 x 1000):

- step update: ``playhead.seek(f + 1)`` then processing every pending event,
  which paints the panels that changed (video decode, 3D redraw, plot cursor,
  timeline) — the cost of one playback frame; median and 95th percentile;
- playback: the real clock at 1x for a few seconds: median interval between
  shown frames and the fraction of frames dropped;
- seek latency: jumps to random frames (decoder seeks), median and p95;
- re-simulation: a device noise edit until the plots hold the new signal
  (background worker + plot update), median, for the 8 s demo clip.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np


def pct(xs, q):
    return float(np.percentile(np.asarray(xs), q))


def main() -> int:
    os.environ.setdefault("IMU2SAFETY_DATA", tempfile.mkdtemp(prefix="imu2s-bench-"))
    os.environ.setdefault("IMU2SAFETY_SETTINGS", os.path.join(tempfile.mkdtemp(), "settings.ini"))
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    from imu2safety.app.main_window import MainWindow

    win = MainWindow()
    win.open_demo(reset=True)
    win.resize(1600, 1000)
    win.show()
    t_end = time.perf_counter() + 10
    while (win.signal is None or win.simulating) and time.perf_counter() < t_end:
        app.processEvents()
        time.sleep(0.005)
    for _ in range(20):
        app.processEvents()
    ph = win.playhead
    out = {
        "platform": app.platformName(),
        "gl_3d_view": win.skeleton_view.is_3d,
        "view_3d_mode": win.skeleton_view.mode,
        "clip": win.clip.id,
        "frames": ph.n_frames,
        "fps": str(ph.fps),
    }

    # step update: one playback frame's worth of work, drawn
    steps = []
    ph.seek(0)
    app.processEvents()
    for f in range(1, ph.n_frames):
        t0 = time.perf_counter()
        ph.seek(f)
        app.processEvents()  # delivers the panels' paint events (what playback does)
        steps.append((time.perf_counter() - t0) * 1000)
    out["step_update_ms_median"] = statistics.median(steps)
    out["step_update_ms_p95"] = pct(steps, 95)

    # playback with the real clock
    shown = []
    ph.connect(lambda ev, p: shown.append((time.perf_counter(), p.frame)) if ev == "frame" else None)
    ph.seek(0)
    win.play()
    t0 = time.perf_counter()
    while ph.playing and time.perf_counter() - t0 < 5.0:
        app.processEvents()
    win.pause()
    if len(shown) > 2:
        dt = np.diff([t for t, _ in shown]) * 1000
        frames = [f for _, f in shown]
        out["playback_interval_ms_median"] = float(np.median(dt))
        out["playback_frames_shown"] = len(frames)
        span = frames[-1] - frames[0] + 1
        out["playback_dropped_fraction"] = float(1 - len(set(frames)) / span)
        out["playback_nominal_interval_ms"] = 1000 / float(ph.fps)

    # seek latency: random jumps (the decoder seeks)
    rng = np.random.default_rng(0)
    seeks = []
    for f in rng.integers(0, ph.n_frames, 40):
        t0 = time.perf_counter()
        ph.seek(int(f))
        app.processEvents()
        seeks.append((time.perf_counter() - t0) * 1000)
    out["seek_ms_median"] = statistics.median(seeks)
    out["seek_ms_p95"] = pct(seeks, 95)

    # live re-simulation after a device edit, until the plot holds the new signal
    ed = win.device_panel.editors["accelerometer.noise_density_ug_per_rthz"]
    resim = []
    for k in range(10):
        n0 = win.sim_count
        t0 = time.perf_counter()
        ed.setValue(150.0 + 10 * k)
        win.device_panel.flush()
        while win.sim_count == n0 or win.simulating:
            app.processEvents()
        app.processEvents()
        resim.append((time.perf_counter() - t0) * 1000)
    out["resimulate_to_plot_ms_median"] = statistics.median(resim)
    out["simulate_only_ms_last"] = win.last_sim_ms
    win.close()
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
