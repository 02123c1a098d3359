"""How the workbench tells the user what went wrong or what it did: a banner and the status bar.

Every error is shown in the window (the banner under the toolbar and the status bar) and
logged, never only on a console. :meth:`Feedback.guarded` runs a piece of work and turns
its exception into that message: a user's problem (``InputError``) as its own one line, a
bug as its type and text with the traceback in the log, so a bug cannot take the window
(and the annotations, which are saved as they are made) down.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QSizePolicy, QToolBar

from ..core.base.errors import InputError

log = logging.getLogger("imu2safety.workbench")


class Feedback:
    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        bar = QToolBar("Messages")
        bar.setObjectName("messageBar")
        bar.setMovable(False)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("QLabel { background: #fdecea; color: #8a1c1c; padding: 4px 8px; }")
        self.banner.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        close = QPushButton("Dismiss")
        close.setFocusPolicy(Qt.NoFocus)
        close.clicked.connect(self.clear)
        bar.addWidget(self.banner)
        bar.addWidget(close)
        bar.setVisible(False)
        self.bar = bar  # the window places it (under the transport bar)

    def error(self, message: str) -> None:
        log.error(message)
        self.banner.setText("⚠ " + message)
        self.bar.setVisible(True)
        self.window.statusBar().showMessage(message, 15000)

    def clear(self) -> None:
        self.banner.setText("")
        self.bar.setVisible(False)

    def status(self, message: str, timeout_ms: int = 0) -> None:
        self.window.statusBar().showMessage(message, timeout_ms)

    def guarded(self, fn: Callable[[], Any], what: str = "") -> Any:
        """``fn()``, or None after showing why it failed."""
        try:
            return fn()
        except InputError as exc:
            self.error(str(exc))
        except Exception as exc:  # a bug must not take the window (and the annotations) down
            log.exception("workbench error in %s", what)
            self.error(f"{what + ': ' if what else ''}{exc.__class__.__name__}: {exc}")
        return None

    def install_excepthook(self) -> None:
        """Uncaught exceptions (bugs in a slot) go to the log and to the window's banner."""
        previous = sys.excepthook

        def hook(etype, value, tb):
            if issubclass(etype, KeyboardInterrupt):
                return previous(etype, value, tb)
            log.error("uncaught exception", exc_info=(etype, value, tb))
            try:
                self.error(f"internal error: {etype.__name__}: {value} (your labels are saved; details in the log)")
            except RuntimeError:  # the window is gone
                previous(etype, value, tb)

        sys.excepthook = hook
