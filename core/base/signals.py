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
from typing import Iterator, List, Optional

INTERRUPTS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
TERMINATIONS = INTERRUPTS[1:]  # SIGTERM and SIGHUP (where the platform has it)


def replaceable(signums) -> List[int]:
    """Those of ``signums`` whose handler Python may swap and later put back: not one set outside
    Python (``getsignal`` gives None; it could not be restored) and not an ignored one (``nohup``'s
    SIGHUP must stay ignored)."""
    return [s for s in signums if signal.getsignal(s) not in (None, signal.SIG_IGN)]


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """While the block runs, SIGINT/SIGTERM/SIGHUP are recorded, not acted on; at its end each one
    recorded goes to its previous handler (which may raise there). Outside the main thread, where
    no signal handler runs, this does nothing; so it does for a signal whose handler was not set
    from Python (it cannot be put back) or is ignored (``nohup``: it stays ignored)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: List[int] = []

    def hold(signum, frame):  # never raises: it may run inside a weakref callback
        got.append(signum)

    old = {}
    try:
        for s in replaceable(INTERRUPTS):
            old[s] = signal.signal(s, hold)
        yield
    finally:
        first = _restore(old)
        for s in dict.fromkeys(got):  # each signal once, in the order it came
            try:
                _deliver(s, old[s])
            except BaseException as exc:  # noqa: BLE001 - raised below, after every signal had its turn
                first = first or exc
        if first is not None:
            raise first


def _restore(old) -> Optional[BaseException]:
    """Put every handler back, even when one that is back already raises (a second Ctrl+C while the
    others are restored): that exception is returned, to be raised once all are in place."""
    first = None
    for s, h in old.items():
        while True:  # signal.signal runs pending handlers first, and then has not changed this one
            try:
                signal.signal(s, h)
                break
            except BaseException as exc:  # noqa: BLE001
                first = first or exc
    return first


def _deliver(signum: int, handler) -> None:
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action (the process ends), now that it is safe
