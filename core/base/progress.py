"""Progress reporting and cancellation for long work.

Long core functions take ``progress`` (a callable ``(fraction, message)``) and
``cancel`` (a :class:`CancelToken`). The command line drives a progress bar from
the callback; the workbench runs the function in a worker thread and sets the
token when the user presses Cancel.
"""

from __future__ import annotations

import threading
from typing import Callable, Optional

ProgressFn = Callable[[float, str], None]


class Cancelled(Exception):
    """Raised inside long work when its cancel token was set."""


class CancelToken:
    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled")


def report(progress: Optional[ProgressFn], fraction: float, message: str = "") -> None:
    if progress is not None:
        progress(min(max(float(fraction), 0.0), 1.0), message)


def check(cancel: Optional[CancelToken]) -> None:
    if cancel is not None:
        cancel.check()
