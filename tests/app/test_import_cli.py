"""``imu2safety import``: good files write a motion .npz; bad input exits 2 with one line and no output."""

from __future__ import annotations

import numpy as np
import pytest
from skeleton_files import scene, write_chain, write_ntu

from imu2safety.app.cli import main
from imu2safety.core.motion.interchange import load_motion


def test_bvh_to_npz(tmp_path, capsys):
    src = write_chain(tmp_path)
    out = tmp_path / "m.npz"
    assert main(["import", str(src), "--out", str(out)]) == 0
    m = load_motion(out)
    assert m.joint_names[1:] == ("l_shoulder", "l_elbow", "l_wrist")
    np.testing.assert_allclose(m.joints[0, 3], [0.5, 0.5, 1.0], atol=1e-9)
    assert m.meta["importer"] == "bvh" and m.meta["units"]["file"] == "cm"
    line = capsys.readouterr().out.strip()
    assert "3 frames at 30 fps" in line and "skeleton bvh" in line


def test_ntu_with_options(tmp_path, capsys):
    src = write_ntu(tmp_path / "a.skeleton", scene())
    out = tmp_path / "n.npz"
    assert main(["import", str(src), "--out", str(out), "--body", "0", "--fps", "15"]) == 0
    m = load_motion(out)
    assert m.fps == 15 and m.meta["body"]["index"] == 0 and m.confidence.shape == (12, 25)
    assert "body 0 of 3" in capsys.readouterr().out


def test_npy_format_flags(tmp_path):
    src = tmp_path / "k.npy"
    np.save(src, np.random.default_rng(0).uniform(0, 100, (6, 17, 3)))
    out = tmp_path / "k.npz"
    assert (
        main(
            [
                "import",
                str(src),
                "--out",
                str(out),
                "--format",
                "npy",
                "--skeleton",
                "coco17",
                "--fps",
                "30",
                "--units",
                "cm",
                "--up",
                "0,1,0",
            ]
        )
        == 0
    )
    m = load_motion(out)
    assert m.skeleton == "coco17" and m.joints.max() <= 1.0
    np.testing.assert_allclose(m.up, [0, 1, 0])


@pytest.mark.parametrize("case", ["truncated", "option", "units", "missing", "out", "ext"])
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, case):
    src = write_chain(tmp_path)
    out = tmp_path / "never.npz"
    args = ["import", str(src), "--out", str(out)]
    if case == "truncated":
        src.write_text("\n".join(src.read_text().splitlines()[:-2]) + "\n")
    elif case == "option":
        args += ["--body", "1"]
    elif case == "units":
        src.write_text(src.read_text().replace("100", "10").replace("50", "5"))
    elif case == "missing":
        args[1] = str(tmp_path / "nope.bvh")
    elif case == "out":
        args[3] = str(tmp_path / "m.txt")
        out = tmp_path / "m.txt"
    elif case == "ext":
        other = tmp_path / "x.dat"
        other.write_text("1 2 3\n")
        args[1] = str(other)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("imu2safety: error: ") and "\n" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".never*"))  # no temporary left behind


def test_import_warns_about_the_cmu_clips_glitchy_first_frames(tmp_path, capsys):
    from pathlib import Path

    from imu2safety.app.cli import main as cli_main

    bvh = Path(__file__).resolve().parents[2] / "resources" / "demo" / "cmu_16_15_walk.bvh"
    assert cli_main(["import", str(bvh), "--out", str(tmp_path / "w.npz")]) == 0
    err = capsys.readouterr().err
    # the file blends in from a T-pose at 20-34 m/s over its first frames
    assert "joints jump faster than 15 m/s at frames 1, 2, 3, 4 (a capture glitch?)" in err
