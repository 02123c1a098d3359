"""``imu2safety project ...`` from the command line (in-process through cli.main)."""

import pytest
from project_factory import motion_file

from imu2safety.app.cli import main
from imu2safety.core.project.project import Project


def test_new_add_info(tmp_path, capsys):
    d = tmp_path / "p"
    assert main(["project", "new", str(d)]) == 0
    f = motion_file(tmp_path, "Walk 01", seconds=4.0)
    capsys.readouterr()
    assert main(["project", "add", str(d), str(f), "--subject", "S7", "--wrist", "right", "--seed", "11"]) == 0
    assert capsys.readouterr().out.strip() == "Walk_01"
    assert main(["project", "add", str(d), str(f), "--subject", "S8"]) == 0
    assert capsys.readouterr().out.strip() == "Walk_01-2"
    with Project.open(d, readonly=True) as p:
        c = p.clip("Walk_01")
        assert (c.subject, c.wrist, c.seed) == ("S7", "right", 11)
    lab = tmp_path / "l.csv"
    lab.write_text("clip,start_s,end_s,behaviour,safety\nWalk_01,0,1.5,walking,safe\nWalk_01-2,1,2,fighting,unsafe\n")
    assert main(["project", "import-labels", str(d), str(lab)]) == 0
    capsys.readouterr()
    assert main(["project", "info", str(d)]) == 0
    out = capsys.readouterr().out
    assert "2 clip(s), 2 segment(s)" in out and "30000/1001" in out
    assert "walking" in out and "fighting" in out and "S7" in out and "S8" in out


def test_errors_are_one_line(tmp_path, capsys):
    d = tmp_path / "p"
    assert main(["project", "new", str(d)]) == 0
    assert main(["project", "new", str(d)]) == 2
    assert "already holds a project" in capsys.readouterr().err
    assert main(["project", "add", str(d), str(tmp_path / "none.npz")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "v.mp4").write_bytes(b"x")
    assert main(["project", "add", str(d), str(tmp_path / "v.mp4")]) == 2
    assert "cannot be opened as a video" in capsys.readouterr().err  # a broken video: one line
    assert main(["project", "info", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert "no such project folder" in err and "Traceback" not in err
    with Project.open(d):
        f = motion_file(tmp_path, "w", seconds=2.0)
        assert main(["project", "add", str(d), str(f)]) == 2
        assert "open elsewhere" in capsys.readouterr().err
        assert main(["project", "info", str(d)]) == 0  # reading is allowed meanwhile


def test_add_video_reconstructs_into_the_project(tmp_path, capsys):
    pytest.importorskip("cv2")
    from recon_helpers import person_video, save_official_checkpoint, save_tiny_vitpose, tiny_lifter

    video = person_video(tmp_path / "walk.avi", n=30)
    pose = save_tiny_vitpose(tmp_path / "vitpose-tiny")
    lifter = save_official_checkpoint(tiny_lifter(), tmp_path / "pretrained_h36m_detectron_coco.bin")
    d = tmp_path / "p"
    assert main(["project", "new", str(d)]) == 0
    capsys.readouterr()
    rc = main(
        [
            "project",
            "add",
            str(d),
            str(video),
            "--subject",
            "S1",
            "--pose-model",
            str(pose),
            "--lifter",
            str(lifter),
            "--detector",
            "box:30,5,90,115",
            "--compute",
            "cpu",
            "--quiet",
            "--no-simulate",  # the tiny untrained models place no arm a simulation could use
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert capsys.readouterr().out.strip() == "walk"
    import hashlib

    with Project.open(d, readonly=True) as p:
        c = p.clip("walk")
        assert c.video_sha256 == hashlib.sha256(video.read_bytes()).hexdigest()
        assert c.n_frames == 30 and c.fps == 30
        m = p.load_motion("walk")
        assert m.skeleton == "h36m17" and m.joints.shape == (30, 17, 3)
        assert any((d / "cache" / "pose2d").iterdir())  # 2D keypoints cached in the project
    rc = main(
        [
            "project",
            "add",
            str(d),
            str(video),
            "--lifter",
            str(tmp_path / "none.bin"),
            "--quiet",
            "--pose-model",
            str(pose),
        ]
    )
    assert rc == 2 and "pretrained_h36m_detectron_coco.bin" in capsys.readouterr().err


def test_profile_and_taxonomy_commands(tmp_path, capsys):
    import json

    d = tmp_path / "p"
    assert main(["project", "new", str(d)]) == 0
    f = motion_file(tmp_path, "w", seconds=2.0)
    assert main(["project", "add", str(d), str(f)]) == 0
    assert (
        main(
            [
                "project",
                "profile",
                str(d),
                "cheap",
                "--from",
                "watch-bmi270",
                "--set",
                "gyroscope.bits=12",
                "--set",
                "accelerometer.range_g=4",
                "--clips",
                "w",
            ]
        )
        == 0
    )
    assert main(["project", "profile", str(d), "cheap", "--set", "gyroscope.range_dps=500"]) == 0  # edit in place
    with Project.open(d, readonly=True) as p:
        dev = p.device_for("w")
        assert dev.data["gyroscope"]["bits"] == 12 and dev.data["accelerometer"]["range_g"] == 4
        assert dev.data["gyroscope"]["range_dps"] == 500 and p.clip("w").profile == "cheap"
    assert main(["project", "profile", str(d), "bad", "--set", "gyroscope.bits=-3"]) == 2
    assert "gyroscope.bits" in capsys.readouterr().err
    ext = tmp_path / "ext.json"
    ext.write_text(
        json.dumps(
            {"behaviours": [{"id": "climbing", "name": "Climbing", "group": "safety_critical", "colour": "#882255"}]}
        )
    )
    assert main(["project", "taxonomy", str(d), "--extend", str(ext)]) == 0
    assert "climbing" in capsys.readouterr().out
    assert main(["project", "taxonomy", str(d)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [b["code"] for b in shown["behaviours"] if b["id"] == "climbing"] == [100]
    ext.write_text('{"behaviours": [{"id": "walking", "name": "x", "group": "routine", "colour": "#000000"}]}')
    assert main(["project", "taxonomy", str(d), "--extend", str(ext)]) == 2
    assert "appears twice" in capsys.readouterr().err
