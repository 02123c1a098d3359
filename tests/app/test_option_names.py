"""One option name per meaning (issue 11): --device is the sensor preset everywhere, --compute is where
the models run (reconstruct used --device for that)."""

import pytest
from hostile import one_error_line, run_cli

from imu2safety.app.cli import build_parser


def _options(*command):
    p = build_parser()
    sub = next(a for a in p._actions if a.dest == "command").choices[command[0]]
    if len(command) > 1:
        sub = next(a for a in sub._actions if a.dest.endswith("_command")).choices[command[1]]
    return {o: a for a in sub._actions for o in a.option_strings}


@pytest.mark.parametrize("command", [("simulate",), ("export",), ("project", "add")])
def test_device_is_the_sensor_preset(command):
    help_text = _options(*command)["--device"].help.lower()
    assert "preset" in help_text or "profile" in help_text


@pytest.mark.parametrize("command", [("reconstruct",), ("project", "add")])
def test_compute_is_where_models_run(command):
    opts = _options(*command)
    assert "cuda" in opts["--compute"].help
    assert "cuda" not in (opts["--device"].help or "") if "--device" in opts else True


def test_reconstruct_device_gets_a_clear_message(tmp_path):
    r = run_cli(["reconstruct", tmp_path / "v.mp4", "--out", tmp_path / "m.npz", "--device", "cuda"])
    one_error_line(r, "--compute cuda")


def test_presets_and_wrist_say_what_they_do():
    p = build_parser()
    sub = next(a for a in p._actions if a.dest == "command").choices
    assert "noise" in (sub["presets"].description or "") and sub["presets"].epilog
    assert "default left" in _options("simulate")["--wrist"].help
