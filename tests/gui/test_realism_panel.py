"""The Realism panel, driven offscreen: plotted data follow the inputs."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from imu2safety.core.realism.compare import load_set, set_from_arrays  # noqa: E402

pytestmark = pytest.mark.gui
DATA = Path(__file__).parents[1] / "data" / "basicmotions"


def _walkish(scale=1.0, freq=1.0, rate=50.0, seconds=20.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(rate * seconds)) / rate
    s = np.sin(2 * np.pi * freq * t)
    acc = scale * np.stack([2 * s, 0.5 * np.cos(2 * np.pi * freq * t), s**2], 1) + 0.05 * rng.standard_normal(
        (len(t), 3)
    )
    gyro = scale * np.stack([s, 0.3 * s, 0.1 * np.cos(2 * np.pi * freq * t)], 1) + 0.01 * rng.standard_normal(
        (len(t), 3)
    )
    return set_from_arrays("sim", rate, acc, gyro, gravity="removed")


@pytest.fixture
def panel(qtbot):
    from imu2safety.widgets.realism_panel import RealismPanel

    p = RealismPanel()
    qtbot.addWidget(p)
    p.resize(1200, 400)
    p.show()
    return p


def test_panel_plots_follow_the_sets_and_channel(panel, qtbot):
    real = load_set(DATA / "BasicMotions_TEST.ts", "real", rate_hz=10.0, labels=["Walking"])
    with qtbot.waitSignal(panel.comparison_changed, timeout=5000) as sig:
        panel.set_sets(_walkish(1.0), real)
    assert "channels" in sig.args[0]
    x1, y1 = panel.hist_sim.getData()
    _, psd1 = panel.psd_sim.getData()
    assert len(y1) > 5 and np.isfinite(y1).all()
    w1 = panel.comparison.numbers["channels"]["acc_x"]["wasserstein"]
    # a louder simulation: the histogram widens, the spectrum rises, the distance changes
    panel.set_sets(_walkish(3.0), None)
    x2, y2 = panel.hist_sim.getData()
    _, psd2 = panel.psd_sim.getData()
    assert x2[-1] - x2[0] > x1[-1] - x1[0]
    assert np.median(psd2) > 4 * np.median(psd1)
    assert panel.comparison.numbers["channels"]["acc_x"]["wasserstein"] != pytest.approx(w1)
    # the real side is the BasicMotions walk, unchanged
    _, r1 = panel.psd_real.getData()
    # another channel shows other data
    panel.channel.setCurrentText("gyro_mag")
    _, r2 = panel.psd_real.getData()
    assert not np.allclose(r1, r2)
    assert "gyro_mag" in panel.summary.text() and "rad/s" in panel.summary.text()


def test_panel_calibration_options_add_stages(panel, qtbot):
    sim = _walkish(2.0, seed=1)
    real = _walkish(1.0, seed=2)
    panel.set_sets(sim, real)
    assert list(panel.comparisons) == ["before"]
    before = panel.comparison.numbers["summary"]["wasserstein_mean_acc_xyz"]
    panel.geometric.setChecked(True)
    assert list(panel.comparisons) == ["before", "after_geometric"]
    assert panel.comparison.numbers["summary"]["wasserstein_mean_acc_xyz"] < 0.5 * before
    panel.quantile.setChecked(True)
    assert list(panel.comparisons)[-1] == "after_quantile"
    assert panel.calibration["applied"] == ["geometric_fit", "quantile_map (optional)"]
    assert "before:" in panel.summary.text()


def test_panel_shows_bad_files_without_raising(panel, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1,2,x,4,5,6\n")  # line 3: not a number
    assert panel.load_real(str(bad)) is False
    assert "bad.csv:3" in panel.summary.text()


def test_panel_takes_a_simulated_signal(panel):
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from motion_factory import spinning_forearm

    from imu2safety.core.sim.simulate import SimConfig, simulate

    real = load_set(DATA / "BasicMotions_TEST.ts", "real", rate_hz=10.0, labels=["Walking"])
    panel.set_sets(None, real)
    assert panel.comparison is None  # nothing to compare yet
    panel.set_simulated_signal(simulate(spinning_forearm(2.0, seconds=6.0), "watch-bmi270", SimConfig(seed=0)))
    assert panel.comparison is not None and panel.comparison.numbers["rate_hz"] == 10.0
    assert "resampled 100 -> 10 Hz" in panel.comparison.numbers["sets"]["sim"]["steps"][0]
