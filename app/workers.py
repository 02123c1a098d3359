"""Run core functions in a QThreadPool with progress, cancel, and errors sent back to the GUI thread.

A core function that takes ``progress=`` and ``cancel=`` keyword arguments runs
in a :class:`Worker`; its :class:`WorkerSignals` are delivered in the GUI
thread (queued connections): ``progress(fraction, message)``,
``finished(result)``, ``failed(message)`` (one line, from an InputError or the
exception's type and text) and ``cancelled()``. Exactly one of the last three is
emitted. ``Worker.cancel()`` sets the core's :class:`CancelToken`.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..core.base.errors import InputError
from ..core.base.progress import Cancelled, CancelToken


class WorkerSignals(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()


class Worker(QRunnable):
    def __init__(self, fn: Callable[..., Any], *args, with_progress: bool = True, **kwargs) -> None:
        super().__init__()
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.token = CancelToken()
        self.signals = WorkerSignals()
        self.with_progress = with_progress
        self.traceback = ""
        self.setAutoDelete(False)  # the owner keeps a reference until a result arrives

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, fraction: float, message: str) -> None:
        self.token.check()
        self.signals.progress.emit(float(fraction), str(message))

    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(*self.args, progress=self._progress, cancel=self.token, **self.kwargs)
            else:
                result = self.fn(*self.args, **self.kwargs)
        except Cancelled:
            self.signals.cancelled.emit()
        except InputError as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # a bug: keep the traceback for the log, show one line
            self.traceback = traceback.format_exc()
            self.signals.failed.emit(f"{exc.__class__.__name__}: {exc}")
        else:
            if self.token.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.finished.emit(result)


def start(worker: Worker, pool: QThreadPool | None = None) -> Worker:
    (pool or QThreadPool.globalInstance()).start(worker)
    return worker
