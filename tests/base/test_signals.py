"""signals_deferred: interrupts wait until an HDF5 block has ended, then reach their handlers (issue 11)."""

import os
import signal
import time
import types

import pytest

from imu2safety.core.base import signals as signals_module
from imu2safety.core.base.signals import signals_deferred


@pytest.fixture
def handlers():
    """Ctrl+C raises KeyboardInterrupt as in a terminal (also when pytest runs where SIGINT is ignored, as a
    background job of a script); every handler is put back afterwards."""
    sigs = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {s: signal.getsignal(s) for s in sigs}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    for s, h in saved.items():
        signal.signal(s, h)


def test_each_signal_reaches_its_handler_once_after_the_block(handlers):
    seen = []
    signal.signal(signal.SIGTERM, lambda s, f: seen.append(("handler", s)))
    with signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        seen.append("block ends")
    assert seen == ["block ends", ("handler", signal.SIGTERM)]
    with pytest.raises(KeyboardInterrupt):  # Ctrl+C's default handler raises where it is safe
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            seen.append("second block ends")
    assert seen[-1] == "second block ends"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_signal_stays_ignored(handlers):
    """Under nohup SIGHUP is ignored: a SIGHUP during the block must not be handed to anything (nor end the
    process by the default action)."""
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    with signals_deferred():
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGHUP)
        time.sleep(0.01)
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN


def test_every_handler_is_put_back_when_one_raises_while_they_are(handlers, monkeypatch):
    """A second Ctrl+C while the handlers are put back: signal.signal runs the pending handler first (which
    raises) and then has not changed that handler. Before, the loop stopped there: SIGTERM kept the
    recorder for good (later SIGTERMs were swallowed) and the recorded one never reached its handler."""
    seen = []
    term = lambda s, f: seen.append("SIGTERM handled")  # noqa: E731
    signal.signal(signal.SIGTERM, term)
    real = signal.signal
    pending = {"SIGINT": True}

    def restoring(s, h):
        if s == signal.SIGINT and h is signal.default_int_handler and pending.pop("SIGINT", False):
            raise KeyboardInterrupt  # the pending Ctrl+C ran first; this handler was not changed
        return real(s, h)

    fake = types.SimpleNamespace(**{k: getattr(signal, k) for k in dir(signal) if not k.startswith("__")})
    fake.signal = restoring
    monkeypatch.setattr(signals_module, "signal", fake)
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.01)
    monkeypatch.undo()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is term
    assert seen == ["SIGTERM handled"]


def test_nothing_is_swapped_outside_the_main_thread():
    import threading

    seen = {}

    def run():
        with signals_deferred():
            seen["handler"] = signal.getsignal(signal.SIGTERM)

    before = signal.getsignal(signal.SIGTERM)
    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert seen["handler"] is before
