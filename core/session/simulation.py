"""What the workbench simulates for the clip on show: a :class:`SimulationJob`, Qt-free.

:meth:`Session.simulation_job <imu2safety.core.session.session.Session.simulation_job>`
builds one from the session (the trimmed clip, the device being shown, the clip's wrist
and seed), exactly as the export simulates it. :meth:`SimulationJob.run` takes the
``progress=``/``cancel=`` keywords of every long core function, so the GUI runs it in a
``QThreadPool`` worker and a test calls it directly.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Optional, Tuple

from ..base.progress import CancelToken, ProgressFn
from ..motion.interchange import Motion
from ..sim.devices import DevicePreset
from ..sim.simulate import ImuSignal, SimConfig, simulate


@dataclasses.dataclass(frozen=True)
class SimulationJob:
    motion: Motion  # the trimmed clip
    device: DevicePreset
    config: SimConfig
    t0: float = 0.0  # seconds of the trim-in on the source clip's time axis

    def run(
        self, progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None
    ) -> Tuple[ImuSignal, float]:
        """Simulate; returns the signal, its times shifted by ``t0`` onto the source clip, and
        the milliseconds it took."""
        start = time.perf_counter()
        sig = simulate(self.motion, self.device, self.config, progress=progress, cancel=cancel)
        if self.t0:
            sig = dataclasses.replace(sig, time=sig.time + self.t0)
        return sig, (time.perf_counter() - start) * 1000.0
