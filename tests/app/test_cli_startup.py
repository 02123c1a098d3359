"""Starting the command line loads only what every command needs: no torch, and one BLAS thread."""

import os
import subprocess
import sys

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
