"""Starting the command line loads only what every command needs: no torch, and one BLAS thread."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROBE = """
import importlib, os, sys
importlib.import_module("imu2safety.app.cli.main").build_parser()
print("torch" in sys.modules, os.environ.get("OPENBLAS_NUM_THREADS"))
"""


def test_parser_does_not_load_torch_and_sets_one_blas_thread():
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False", "1"]


def test_a_blas_thread_count_the_user_set_wins():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="3")
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, env=env)
    assert out.stdout.split() == ["False", "3"]


def test_the_torch_dataset_still_imports_from_the_package():
    probe = "import sys; from imu2safety.core.dataset import WindowDataset; print(WindowDataset.__module__)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "imu2safety.core.dataset.reader"


def test_ctrl_c_while_the_commands_import_is_an_interrupt_not_a_traceback(monkeypatch, capsys):
    """Fuzz: SIGINT 1.2 s after start landed in the command modules' imports (a busy host takes that
    long): a KeyboardInterrupt traceback and death by signal 2, for every command."""
    import importlib

    cli_main = importlib.import_module("imu2safety.app.cli.main")

    real = importlib.import_module

    def interrupted(name, *a, **kw):
        if name == "imu2safety.app.cli.export":
            raise KeyboardInterrupt
        return real(name, *a, **kw)

    monkeypatch.setattr(cli_main.importlib, "import_module", interrupted)
    try:
        rc = cli_main.main(["presets"])
    except KeyboardInterrupt:  # would end pytest's session, not fail this test
        pytest.fail("KeyboardInterrupt escaped main()")
    assert rc == 130
    assert capsys.readouterr().err.splitlines() == ["imu2safety: interrupted"]


SHUTDOWN_PROBE = """
import importlib, os, signal, threading, time
cli_main = importlib.import_module("imu2safety.app.cli.main")
cli_main.main = lambda: 3  # the command ran and returned its status
def late():  # keeps the interpreter's shut-down waiting (as a worker thread or a flush can)
    time.sleep(0.5)
    os.kill(os.getpid(), {sig})
    time.sleep({hang})
threading.Thread(target=late).start()
cli_main.entry()
"""


@pytest.mark.parametrize("sig,hang", [("signal.SIGINT", 1), ("signal.SIGTERM", 60)])
def test_an_interrupt_after_the_command_returned_does_not_undo_its_success(sig, hang):
    """Fuzz: SIGINT landing while Python shut down after a finished `project add` or `import` killed the
    process by signal 2, so a complete run looked like a crash. Once the command has returned, Ctrl+C is
    ignored (the shut-down ends with the command's status), and SIGTERM ends a shut-down that hangs at
    once, with the command's status: neither a death by signal nor a traceback."""
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", SHUTDOWN_PROBE.format(sig=sig, hang=hang)],
        capture_output=True,
        text=True,
        timeout=50,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as from a terminal, even if
    )  # this test runs where SIGINT is ignored (a background job of a script)
    assert out.returncode == 3, out.stderr
    assert "Traceback" not in out.stderr, out.stderr
    assert time.monotonic() - t0 < 30


def test_the_console_command_and_python_m_exit_with_the_command_status(tmp_path):
    bad = tmp_path / "nothing.npz"
    for argv in ([sys.executable, "-m", "imu2safety.app.cli"], [str(Path(sys.executable).parent / "imu2safety")]):
        out = subprocess.run(
            argv + ["simulate", str(bad), "--out", str(tmp_path / "o.h5")], capture_output=True, text=True
        )
        assert out.returncode == 2 and out.stderr.count("\n") == 1 and "nothing.npz" in out.stderr, out.stderr


def test_an_interrupt_wrapped_in_another_error_is_still_an_interrupt(monkeypatch, capsys):
    """Fuzz: Ctrl+C while `train` imported torch became "internal error: RuntimeError: Error calling
    __set_name__ on 'Field' instance ..." (Python wraps exceptions raised in a class body's __set_name__)."""
    import importlib

    cli_main = importlib.import_module("imu2safety.app.cli.main")
    wrapped = RuntimeError("Error calling __set_name__ on 'Field' instance")
    wrapped.__cause__ = KeyboardInterrupt()  # what `raise RuntimeError(...) from exc` leaves
    monkeypatch.setattr(cli_main, "build_parser", lambda: _parser_raising(wrapped))
    assert cli_main.main([]) == 130
    assert capsys.readouterr().err.splitlines() == ["imu2safety: interrupted"]
    with pytest.raises(RuntimeError):  # --debug shows what happened, traceback and all
        cli_main.main(["--debug"])
    real_bug = RuntimeError("a real bug")
    monkeypatch.setattr(cli_main, "build_parser", lambda: _parser_raising(real_bug))
    assert cli_main.main([]) == 1
    assert "internal error: RuntimeError: a real bug" in capsys.readouterr().err


def _parser_raising(exc):
    import argparse

    def fail(args):
        raise exc

    p = argparse.ArgumentParser()
    p.add_argument("--debug", action="store_true")
    p.set_defaults(command="x", func=fail)
    return p
