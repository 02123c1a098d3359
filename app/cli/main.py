"""The ``imu2safety`` command line.

Each subcommand lives in its own module under ``imu2safety.app`` with a
``register(subparsers)`` function that adds its parser and sets ``func``;
``COMMAND_MODULES`` lists them. With no subcommand the workbench opens.

Errors from bad input (:class:`~imu2safety.core.base.errors.InputError`, OS errors
on files) print one line, ``imu2safety: error: FILE: problem``, and exit 2;
never a traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import _thread
import argparse
import contextlib
import importlib
import os
import signal
import sys
import threading
from typing import Iterator, List, Optional

from ... import __version__
from ...core.base.errors import InputError
from ...core.base.files import command_inputs
from ...core.base.progress import Cancelled
from ...core.base.signals import TERMINATIONS, replaceable

# numpy's OpenBLAS runs even an (N, 3) @ (3, 3) product on one thread per core; on a busy machine those threads
# wait for each other far longer than the product takes (100x, measured). The engine's array work is
# elementwise, so one BLAS thread; set before any command module loads numpy, and a value the user set wins.
# Torch keeps its own thread settings.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

COMMAND_MODULES = [
    "imu2safety.app.cli.simulate",
    "imu2safety.app.cli.presets",
]
# optional commands whose modules may be absent in a partial install
OPTIONAL_COMMAND_MODULES = [
    "imu2safety.app.cli.reconstruct",
    "imu2safety.app.cli.models",
    "imu2safety.app.cli.import_motion",
    "imu2safety.app.cli.project",
    "imu2safety.app.cli.export",
    "imu2safety.app.cli.realism",
    "imu2safety.app.cli.workbench",
    "imu2safety.app.cli.train",
    "imu2safety.app.cli.evaluate",
    "imu2safety.app.cli.benchmark",
]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="imu2safety",
        description="Turn videos and skeletons into safety-labelled wrist IMU data. "
        "With no command, opens the workbench.",
    )
    p.add_argument("--version", action="version", version=f"imu2safety {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for name in OPTIONAL_COMMAND_MODULES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        mod.register(sub)
    return p


def main(argv: Optional[List[str]] = None) -> int:
    try:  # the command modules take a second to import: Ctrl+C then is an interrupt, not a traceback
        parser = build_parser()
        args = parser.parse_args(argv)
    except KeyboardInterrupt as exc:
        return _report_interrupt(exc)
    if args.command is None:
        if "imu2safety.app.cli.workbench" in sys.modules:
            args = parser.parse_args((["--debug"] if args.debug else []) + ["workbench"])
        else:
            parser.print_help()
            return 0
    try:
        gui = args.command in ("workbench", "demo")  # Qt's event loop handles its own signals
        with command_inputs(), contextlib.nullcontext() if gui else _terminate_as_exception():
            rc = args.func(args)
        return int(rc or 0)
    except (Terminated, Cancelled, KeyboardInterrupt) as exc:
        return _report_interrupt(exc)
    except BrokenPipeError:  # stdout piped into `head` and closed: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:
        if args.debug:
            raise
        interrupt = _interrupt_behind(exc)
        if interrupt is not None:  # e.g. Ctrl+C inside a class body that torch builds while importing
            return _report_interrupt(interrupt)  # arrives as RuntimeError("Error calling __set_name__ ...")
        if isinstance(exc, (InputError, OSError)):
            msg = str(exc) if isinstance(exc, InputError) else _os_error(exc)
            print(f"imu2safety: error: {msg}", file=sys.stderr)
            return 2
        print(  # a bug, not bad input: still one line unless --debug
            f"imu2safety: internal error: {exc.__class__.__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _report_interrupt(exc: BaseException) -> int:
    if isinstance(exc, Terminated):
        print(f"imu2safety: terminated ({exc.name}); nothing half-written was left", file=sys.stderr)
        return 128 + exc.signum
    print("imu2safety: cancelled" if isinstance(exc, Cancelled) else "imu2safety: interrupted", file=sys.stderr)
    return 130


def _interrupt_behind(exc: BaseException) -> Optional[BaseException]:
    """The interrupt (signal, Ctrl+C, cancel) that caused ``exc``, or that was being handled when it was
    raised: an error on the way out of an interrupted command is the interrupt, not a new failure."""
    seen = set()
    cur: Optional[BaseException] = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, (Terminated, Cancelled, KeyboardInterrupt)):
            return cur
        cur = cur.__cause__ or (None if cur.__suppress_context__ else cur.__context__)
    return None


def entry() -> None:
    """The console command and ``python -m imu2safety.app.cli``: :func:`main`, then exit with its status.

    Once the command has returned, its work is complete, and an interrupt while Python shuts down
    (flushing output, joining threads, unloading native libraries) must not turn that success into a
    death by signal or a traceback. Ctrl+C is ignored from then on: no Python handler could catch it
    in the last part of the shut-down, after Python has put the default action back. SIGTERM and SIGHUP
    still end a shut-down that hangs, at once and with the command's own status.
    """
    rc = main()

    def exit_now(signum, frame):
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed pipe: nothing more to say anyway
                pass
        os._exit(rc)

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for s in replaceable(TERMINATIONS):
        signal.signal(s, exit_now)
    sys.exit(rc)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl+C, so atomic writes remove their temporaries."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


def _raise_terminated(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """While a command runs, SIGTERM/SIGHUP raise :class:`Terminated` in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _raise_terminated) for s in replaceable(TERMINATIONS)}  # nohup: SIGHUP stays ignored
    lost: List[BaseException] = []
    previous_hook = sys.unraisablehook

    def keep_interrupts(unraisable):
        """An interrupt raised inside a weakref callback or ``__del__`` is dropped by Python. No
        traceback: the signal is raised again from another thread 10 ms later (raised from here, its
        handler would run inside this hook and be dropped too), so it lands at the main thread's next
        safe point (or, dropped again, comes back here). If the command finishes all the same, it
        still ends with the interrupt (below)."""
        exc = unraisable.exc_value
        if isinstance(exc, (Terminated, KeyboardInterrupt)):
            lost.append(exc)
            signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            again = threading.Timer(0.01, _thread.interrupt_main, args=(signum,))  # after this hook returned
            again.daemon = True
            again.start()
        else:
            previous_hook(unraisable)

    sys.unraisablehook = keep_interrupts
    try:
        yield
        if lost:  # the command finished anyway (its outputs are complete): still report the signal
            raise lost[0]
    finally:
        sys.unraisablehook = previous_hook
        for s, h in old.items():
            signal.signal(s, h)


def _os_error(exc: OSError) -> str:
    if exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc)


if __name__ == "__main__":
    sys.exit(main())
