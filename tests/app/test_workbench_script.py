"""./scripts/workbench.sh works on a machine without a screen, as the README says (issue 11: the README
told people to run it under xvfb-run, which that same script installs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox(tmp_path):
    """A copy of the script with setup and the console command replaced by recorders."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "workbench.sh", tmp_path / "scripts" / "workbench.sh")
    (tmp_path / "scripts" / "setup.sh").write_text("#!/usr/bin/env bash\necho setup-ran\n")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    rec = venv / "imu2safety"
    rec.write_text(
        '#!/usr/bin/env bash\necho "imu2safety $* QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-} DISPLAY=${DISPLAY:-}"\n'
    )
    rec.chmod(0o755)
    bin_dir = tmp_path / "bin"  # a PATH with only what the script needs (this machine has xvfb-run in /usr/bin)
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "env"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    return tmp_path, bin_dir


def _run(sandbox, env_extra, with_xvfb):
    root, bin_dir = sandbox
    if with_xvfb:
        x = bin_dir / "xvfb-run"
        x.write_text(
            '#!/usr/bin/env bash\nwhile [ "${1#-}" != "$1" ]; do [ "$1" = -s ] && shift; shift; done\n'
            'echo xvfb-run-used; DISPLAY=:99 exec "$@"\n'
        )
        x.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PATH"] = str(bin_dir)
    env.update(env_extra)
    return subprocess.run(
        ["bash", str(root / "scripts" / "workbench.sh")], capture_output=True, text=True, env=env, timeout=60
    )


def test_no_display_runs_under_xvfb_when_present(sandbox):
    r = _run(sandbox, {}, with_xvfb=True)
    assert r.returncode == 0, r.stderr
    assert "xvfb-run-used" in r.stdout and "imu2safety demo" in r.stdout and "DISPLAY=:99" in r.stdout
    assert "virtual X display" in r.stderr


def test_no_display_and_no_xvfb_runs_offscreen_and_says_so(sandbox):
    r = _run(sandbox, {}, with_xvfb=False)
    assert r.returncode == 0, r.stderr
    assert "QT_QPA_PLATFORM=offscreen" in r.stdout
    assert "offscreen" in r.stderr


def test_with_a_display_nothing_changes(sandbox):
    r = _run(sandbox, {"DISPLAY": ":0"}, with_xvfb=True)
    assert "xvfb-run-used" not in r.stdout and "QT_QPA_PLATFORM= DISPLAY=:0" in r.stdout


def test_readme_does_not_send_new_users_to_xvfb_run_first():
    text = (ROOT / "README.md").read_text()
    assert "xvfb-run -a ./scripts/workbench.sh" not in text
