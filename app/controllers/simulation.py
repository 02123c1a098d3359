"""The clip's IMU, simulated in the background whenever what it depends on changes.

On the session's ``"stale"`` event (another clip, trim, wrist, seed or device) the clip
is simulated again in a ``QThreadPool`` :class:`~..workers.Worker` running the session's
:class:`~imu2safety.core.session.simulation.SimulationJob`; the window never waits for
it. A newer request supersedes a running one: it is cancelled and the latest inputs are
simulated when it stops. A failure is shown in the window; labels are unaffected.

Panels it keeps up to date from the session: the IMU plots (``"clip"``, ``"trim"``,
``"signal"``) and the Realism panel, which compares the clip's simulation while it is
shown (``"signal"``, and when its dock becomes visible).
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QDockWidget

from ...core.session.session import Session
from ...widgets.imu_plots import ImuPlots
from ..feedback import Feedback
from ..workers import Worker, start


class SimulationController:
    def __init__(
        self,
        session: Session,
        feedback: Feedback,
        imu_plots: ImuPlots,
        realism_panel=None,
        pool: Optional[QThreadPool] = None,
    ) -> None:
        self.session, self.feedback, self.imu_plots = session, feedback, imu_plots
        self.realism_panel = realism_panel
        self.realism_dock: Optional[QDockWidget] = None
        self.pool = pool or QThreadPool.globalInstance()
        self._worker: Optional[Worker] = None
        self._pending = False
        session.connect(self._on_session)

    def show_realism_in(self, dock: QDockWidget) -> None:
        """The dock that holds the Realism panel: it is fed only while that dock is visible."""
        self.realism_dock = dock
        dock.visibilityChanged.connect(lambda visible: visible and self._feed_realism())

    # ------------------------------------------------------------------ the session's view
    def _on_session(self, event: str, s: Session) -> None:
        if event == "clip":
            if s.clip is None:
                self.imu_plots.set_signal(None, "no clip")
            else:
                self._show_trim()
                self.imu_plots.set_signal(None, "simulating…")
        elif event == "trim":
            self._show_trim()
        elif event == "stale":
            self.resimulate()
        elif event == "signal":
            self._show_signal()

    def _show_trim(self) -> None:
        c = self.session.clip
        fps = float(c.fps)
        self.imu_plots.set_trim(c.trim_in / fps, c.trim_out / fps, (c.n_frames - 1) / fps)

    def _show_signal(self) -> None:
        s = self.session
        sig, ms = s.signal, s.signal_ms
        sat = sig.provenance.get("acc_saturated_samples", 0) + sig.provenance.get("gyro_saturated_samples", 0)
        status = (
            f"{sig.device.id}{' (edited)' if s.device_edited else ''}  {sig.rate_hz:g} Hz  "
            f"{sig.wrist} wrist  seed {sig.seed}  · simulated in {ms:.0f} ms"
            + (f"  · {sat} samples at the device range" if sat else "")
        )
        self.imu_plots.set_signal(sig, status)
        self._feed_realism()

    def _feed_realism(self) -> None:
        """The realism panel compares the current clip's simulation (only while it is shown)."""
        d = self.realism_dock
        if d is None or self.session.signal is None or d.visibleRegion().isEmpty():
            return
        self.feedback.guarded(lambda: self.realism_panel.set_simulated_signal(self.session.signal), "realism")

    # ------------------------------------------------------------------ the background job
    @property
    def simulating(self) -> bool:
        return self._worker is not None

    def resimulate(self) -> None:
        """Simulate the clip with the current device in a worker; a newer request supersedes a running one."""
        job = self.session.simulation_job()
        if job is None:
            return
        if self._worker is not None:
            self._pending = True
            self._worker.cancel()
            return
        w = Worker(job.run)
        w.signals.finished.connect(self._done)
        w.signals.failed.connect(self._failed)
        w.signals.cancelled.connect(self._ended)
        self._worker = w
        self._pending = False
        start(w, self.pool)

    def _done(self, result) -> None:
        self._worker = None
        if self._pending:
            self.resimulate()
            return
        sig, ms = result
        self.session.set_signal(sig, ms)

    def _failed(self, message: str) -> None:
        self._worker = None
        self.feedback.error(f"IMU simulation failed: {message} (labels are unaffected)")
        if self._pending:
            self.resimulate()

    def _ended(self) -> None:
        self._worker = None
        if self._pending:
            self.resimulate()

    def shutdown(self, wait_ms: int = 3000) -> None:
        """Cancel the running job and wait for the pool (closing the window)."""
        if self._worker is not None:
            self._worker.cancel()
        self.pool.waitForDone(wait_ms)
