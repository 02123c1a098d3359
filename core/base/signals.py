"""Hold interrupts back while native code that calls into Python runs.

HDF5 (through h5py) tears its objects down in weakref callbacks. A signal handler that raises
(Ctrl+C's ``KeyboardInterrupt``, the command line's SIGTERM) while such a callback runs cannot
propagate: Python prints "Exception ignored in ..." with a traceback and drops the exception, so
the interrupt is lost and the command goes on to finish and exit 0. :func:`signals_deferred`
swaps in handlers that only record the signal, and hands each recorded signal to the handler it
replaced when the block ends, at a point where raising is safe (inside an ``atomic_path`` block
that means the temporary is removed and nothing is renamed).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Iterator, List

INTERRUPTS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """While the block runs, SIGINT/SIGTERM/SIGHUP are recorded, not acted on; at its end each one
    recorded goes to its previous handler (which may raise there). Outside the main thread, where
    no signal handler runs, this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: List[int] = []

    def hold(signum, frame):  # never raises: it may run inside a weakref callback
        got.append(signum)

    old = {}
    try:
        for s in INTERRUPTS:
            old[s] = signal.signal(s, hold)
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for s in dict.fromkeys(got):  # each signal once, in the order it came
            _deliver(s, old[s])


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action (the process ends), now that it is safe
    # SIG_IGN (or a handler installed outside Python): nothing to do
