"""A video whose name is in another locale's bytes is a one-line error, not a crash: OpenCV turned the
name into a bad C string and the process died with SIGSEGV (fuzz, issue 11: 'project add P fold --recipe
folders' with a Latin-1 class folder; 'reconstruct' the same)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.video import VideoReader

CLIP = Path(__file__).resolve().parents[1] / "data" / "opencv_samples" / "vtest_walk_664-695.mp4"


def _latin1_copy(tmp_path) -> Path:
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    shutil.copy(CLIP, folder / "x.mp4")
    return folder / "x.mp4"


def test_reader_refuses_the_name(tmp_path):
    with pytest.raises(InputError, match=r"caf\\xe9/x.mp4: a video whose name is in another locale's bytes"):
        VideoReader(_latin1_copy(tmp_path))


def test_reconstruct_exits_2_with_one_line(tmp_path):
    p = subprocess.run(
        [sys.executable, "-m", "imu2safety.app.cli", "reconstruct", os.fsencode(_latin1_copy(tmp_path)), "--out",
         tmp_path / "o.npz", "--quiet", "--no-cache"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().startswith("imu2safety: error: ") and len(p.stderr.strip().splitlines()) == 1
