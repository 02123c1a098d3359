"""Dataset recipes on small files written in each dataset's own format, with known labels."""

import datetime as dt

import numpy as np
import pytest
from dataset_files import (
    ntu_file,
    write_frames_zip,
    write_le2i_annotation,
    write_upfall_trial,
)

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.batch.recipes import RECIPES, mapping_text, recipe_items
from imu2safety.core.batch.recipes.le2i import read_annotation
from imu2safety.core.project.project import Project
from imu2safety.core.project.taxonomy import load_taxonomy
from imu2safety.core.realism.real_io import read_h5

TAX = load_taxonomy()


def by_name(items):
    return {it.path.rsplit("/", 1)[-1]: it for it in items}


# -- NTU RGB+D ----------------------------------------------------------------------------------------


def test_ntu_actions_map_to_the_taxonomy_and_performers_to_subjects(tmp_path):
    for action in (43, 42, 50, 51, 52, 106, 107, 108, 8, 99, 1):
        ntu_file(tmp_path, performer=7, action=action)
    items = by_name(recipe_items("ntu", [tmp_path], TAX)[0])
    expect = {
        43: "falling",
        42: "losing_balance",
        50: "fighting",
        51: "fighting",
        52: "shoving",
        106: "fighting",
        107: "fighting",
        108: "shoving",
        8: "sitting",
        99: "running",
        1: "other",
    }
    for action, behaviour in expect.items():
        it = items[f"S001C001P007R001A{action:03d}.skeleton"]
        (lab,) = it.labels
        assert (lab.behaviour, lab.start, lab.end) == (behaviour, None, None)  # the whole clip
        assert lab.safety == ("safe" if behaviour in ("sitting", "running", "other") else "unsafe")
        assert it.subject == "ntu-P007" and it.provenance["label_source"]["action"] == f"A{action:03d}"
        assert it.provenance["label_source"]["persons"] == (2 if action in (50, 51, 52, 106, 107, 108) else 1)
        assert it.provenance["mapping"]["path"] == "resources/recipes/ntu_actions.csv"


def test_the_shipped_ntu_table_holds_the_official_120_actions():
    rows = mapping_text("ntu").strip().splitlines()
    assert rows[0] == "action,name,behaviour,safety,persons" and len(rows) == 121
    assert rows[43] == "A043,falling,falling,unsafe,1" and rows[42] == "A042,staggering,losing_balance,unsafe,1"
    assert rows[120].startswith("A120,finger-guessing game")
    assert sum(r.endswith(",2") for r in rows[1:]) == 26  # A050-A060 and A106-A120


def test_two_person_actions_follow_the_actor(tmp_path):
    """The second body in the file swings its arm; the first barely moves: the actor is the second."""
    proj = tmp_path / "p"
    Project.create(proj).close()
    f = ntu_file(tmp_path, performer=3, action=50, two=True)
    for actor, body in (("active", "72057594037931101"), ("first", "72057594037931555")):
        assert main(["project", "add", str(proj), str(f), "--recipe", "ntu", "--ntu-actor", actor, "--quiet"]) == 0
        with Project.open(proj, readonly=True) as p:
            c = p.clips()[-1]
            assert p.load_motion(c.id).meta["body"]["body_id"] == body, actor
            assert c.provenance["label_source"]["actor"].startswith("the first" if actor == "first" else "the body")
    # one-person actions ignore --ntu-actor (the most-tracked, most-moving body)
    g = ntu_file(tmp_path, performer=4, action=43, two=True)
    assert "body" not in recipe_items("ntu", [g], TAX, actor="first")[0][0].import_options


def test_a_user_mapping_overrides_the_table_and_is_checked(tmp_path):
    ntu_file(tmp_path, action=27)
    table = tmp_path / "mine.csv"
    table.write_text(
        mapping_text("ntu").replace("A027,jump up,other,safe,1", "A027,jump up,jumping_from_height,unsafe,1")
    )
    (it,) = recipe_items("ntu", [tmp_path], TAX, mapping=str(table))[0]
    assert it.labels[0].behaviour == "jumping_from_height" and it.provenance["mapping"]["path"] == str(table)
    bad = tmp_path / "bad.csv"
    bad.write_text("action,name,behaviour,safety\nA027,jump,flying,unsafe\n")
    with pytest.raises(InputError, match=r"bad.csv:2.*unknown behaviour 'flying'"):
        recipe_items("ntu", [tmp_path], TAX, mapping=str(bad))
    unmapped = tmp_path / "few.csv"
    unmapped.write_text("action,name,behaviour,safety\nA001,drink,other,safe\n")
    (it,) = recipe_items("ntu", [tmp_path], TAX, mapping=str(unmapped))[0]
    assert "A027 is not in the mapping table" in it.error


def test_recipes_are_listed_and_their_tables_printed(capsys):
    assert main(["project", "recipes"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in RECIPES)
    assert main(["project", "recipes", "upfall"]) == 0
    assert capsys.readouterr().out.startswith("activity,name,behaviour,safety\n1,Falling forward using hands")
    assert main(["project", "recipes", "nope"]) == 2


# -- UP-Fall ---------------------------------------------------------------------------------------------


def test_upfall_tags_become_segments_and_the_wrist_imu_a_reference(tmp_path):
    trial = tmp_path / "Subject3" / "Activity2" / "Trial1"
    tags = [7] * 10 + [2] * 6 + [11] * 8 + [99] * 2  # standing, falling (forward on knees), laying, unknown
    csv_path, t, acc_g, gyro_dps = write_upfall_trial(trial, subject=3, activity=2, trial=1, tags=tags, rate=20.0)
    (trial / "Subject3Activity2Trial1Camera1.mp4").write_bytes(b"video")
    items, warnings = recipe_items("upfall", [tmp_path], TAX)
    (it,) = items
    assert it.path.endswith("Camera1.mp4") and it.subject == "upfall-S3" and it.id_hint == "upfall-S3-A2-T1-C1"
    got = [(lab.behaviour, lab.safety, lab.start, lab.end) for lab in it.labels]
    assert got == [
        ("standing", "safe", 0.0, pytest.approx(0.5)),
        ("falling", "unsafe", pytest.approx(0.5), pytest.approx(0.8)),
        ("lying", "safe", pytest.approx(0.8), pytest.approx(1.2)),
    ]
    assert "99" in warnings[0]
    ref = tmp_path / "ref.h5"
    ref.write_bytes(it.attachments["wrist"])
    rec = read_h5(ref)  # the realism reader takes it as it is: SI units from the file's attribute
    assert rec.rate_hz == pytest.approx(20.0)
    np.testing.assert_allclose(rec.acc, acc_g * 9.80665, atol=1e-5)
    np.testing.assert_allclose(rec.gyro, np.deg2rad(gyro_dps), atol=1e-6)
    # no camera: the trial fails on its own, naming why
    (trial / "Subject3Activity2Trial1Camera1.mp4").unlink()
    (it,) = recipe_items("upfall", [tmp_path], TAX)[0]
    assert "no Camera1 video or zip of frames" in it.error


def test_upfall_trial_from_a_frame_zip_end_to_end(tmp_path, capsys):
    pytest.importorskip("cv2")
    import cv2
    from recon_helpers import person_video, save_official_checkpoint, save_tiny_vitpose, tiny_lifter

    trial = tmp_path / "Subject1" / "Activity1" / "Trial2"
    start = dt.datetime(2018, 7, 4, 12, 4, 17, 500000)
    # the CSV starts 0.5 s before the first camera frame: labels count from the frame
    write_upfall_trial(trial, subject=1, activity=1, trial=2, tags=[7] * 20 + [1] * 10, rate=20.0, start=start)
    video = person_video(tmp_path / "cam.avi", n=30)
    cap = cv2.VideoCapture(str(video))
    frames = [cap.read()[1] for _ in range(30)]
    write_frames_zip(trial / "Subject1Activity1Trial2Camera1.zip", frames, start + dt.timedelta(seconds=0.5), 20.0)
    pose = save_tiny_vitpose(tmp_path / "vitpose")
    lifter = save_official_checkpoint(tiny_lifter(), tmp_path / "pretrained_h36m_detectron_coco.bin")
    proj = tmp_path / "p"
    Project.create(proj).close()
    args = ["--pose-model", str(pose), "--lifter", str(lifter), "--detector", "box:30,5,90,115", "--compute", "cpu"]
    rc = main(["project", "add", str(proj), str(tmp_path), "--recipe", "upfall", "--no-simulate", "--quiet", *args])
    assert rc == 0, capsys.readouterr().err
    with Project.open(proj, readonly=True) as p:
        (c,) = p.clips()
        assert c.n_frames == 30 and c.fps == 20 and c.subject == "upfall-S1"
        segs = [(s.behaviour, s.start_frame, s.end_frame) for s in p.segments(c.id)]
        assert segs == [("standing", 0, 10), ("falling", 10, 20)]  # 0.5 s of standing before the frames
        assert c.video_path is None and c.provenance["import"]["frames_zip"]["frames"] == 30
        ref = proj / c.provenance["attachments"]["wrist"]
        assert read_h5(ref).acc.shape == (30, 3)


# -- Le2i ------------------------------------------------------------------------------------------------


def test_le2i_annotation_variants(tmp_path):
    a = write_le2i_annotation(tmp_path / "a.txt", fall=(12, 20))
    assert read_annotation(a) == ((12, 20), 30)
    assert read_annotation(write_le2i_annotation(tmp_path / "b.txt", fall=None))[0] is None
    assert read_annotation(write_le2i_annotation(tmp_path / "c.txt", fall="boxes only"))[0] is None
    (tmp_path / "d.txt").write_text("20\n12\n")
    with pytest.raises(ValueError, match="need 1 <= start <= end"):
        read_annotation(tmp_path / "d.txt")
    (tmp_path / "e.txt").write_text("1\n5\n1,1,a,b,c,d\n")
    with pytest.raises(ValueError, match="line 3"):
        read_annotation(tmp_path / "e.txt")


def test_le2i_scenes_give_fall_segments_in_frames(tmp_path):
    for scene, ann_dir in (("Home_01", "Annotation_files"), ("Coffee_room_01", "Annotations_files")):
        (tmp_path / scene / "Videos").mkdir(parents=True)
        (tmp_path / scene / "Videos" / "video (1).avi").write_bytes(b"x")
        (tmp_path / scene / "Videos" / "video (2).avi").write_bytes(b"x")
        write_le2i_annotation(tmp_path / scene / ann_dir / "video (1).txt", fall=(12, 20))
        write_le2i_annotation(tmp_path / scene / ann_dir / "video (2).txt", fall=None)
    (tmp_path / "Home_01" / "Videos" / "video (3).avi").write_bytes(b"x")  # no annotation
    items = recipe_items("le2i", [tmp_path], TAX)[0]
    got = {it.id_hint: it for it in items}
    assert sorted(got) == [
        "Coffee_room_01-video_1",
        "Coffee_room_01-video_2",
        "Home_01-video_1",
        "Home_01-video_2",
        "Home_01-video_3",
    ]
    (lab,) = got["Home_01-video_1"].labels
    assert (lab.behaviour, lab.safety, lab.start, lab.end, lab.unit) == ("falling", "unsafe", 11, 20, "frame")
    assert got["Home_01-video_2"].labels == [] and got["Home_01-video_1"].subject == "le2i-Home_01"
    assert "no annotation file" in got["Home_01-video_3"].error


# -- folder per class, CSV of segments ----------------------------------------------------------------


def test_folder_per_class_maps_class_names(tmp_path):
    for cls in ("falling off chair", "Fighting", "walking", "juggling"):
        (tmp_path / cls).mkdir()
        (tmp_path / cls / "v1.mp4").write_bytes(b"x")
    items, warnings = recipe_items("folders", [tmp_path], TAX)
    got = {it.id_hint: (it.labels[0].behaviour, it.labels[0].safety) for it in items}
    assert got == {
        "falling off chair-v1": ("falling", "unsafe"),  # Kinetics
        "Fighting-v1": ("fighting", "unsafe"),  # UCF-Crime
        "walking-v1": ("walking", "safe"),  # a taxonomy id maps to itself
        "juggling-v1": ("other", "safe"),  # unknown: listed
    }
    assert "juggling" in warnings[0]


def test_csv_of_segments_groups_rows_by_video(tmp_path):
    (tmp_path / "a.mp4").write_bytes(b"x")
    table = tmp_path / "spans.csv"
    table.write_text("video,start,end,label,subject\na.mp4,1.0,2.5,B1,s1\na.mp4,3,,fall,s1\nb.mp4,,,A,\n")
    items = recipe_items("csv", [table], TAX)[0]
    a, b = items
    assert a.subject == "s1" and [(x.behaviour, x.start, x.end) for x in a.labels] == [
        ("fighting", 1.0, 2.5),
        ("falling", 3.0, None),
    ]
    assert b.path.endswith("b.mp4") and b.subject == "b" and b.labels[0].behaviour == "other"
    table.write_text("video,start,end,label\na.mp4,2,1,fall\n")
    with pytest.raises(InputError, match="spans.csv:2"):
        recipe_items("csv", [table], TAX)
    # times that are not finite numbers are refused here, naming the line (they crashed the commit)
    for start, end in (("inf", ""), ("nan", ""), ("", "inf"), ("1", "1e999"), ("-inf", "")):
        table.write_text(f"video,start,end,label\na.mp4,1,2,fall\na.mp4,{start},{end},fall\n")
        with pytest.raises(InputError, match="spans.csv:3"):
            recipe_items("csv", [table], TAX)


def test_ntu_block_reader_equals_the_line_reader(tmp_path):
    """The fast reader (a body at a time) gives exactly what the line-by-line reader gives; files it does not
    expect (blank lines inside, bad states) go to the line reader, which names the line."""
    from imu2safety.core.motion import import_ntu as N

    f = ntu_file(tmp_path, action=50, two=True, T=20)
    text = f.read_text().replace("\n25\n", "\n\n25\n", 3)  # blank lines: allowed by both
    assert text.count("\n\n") == 3
    f.write_text(text)
    a, b = N._read_lines(f, N._Lines(f)), N.read_ntu(f)
    assert a[1:] == b[1:] and a[0].keys() == b[0].keys()
    for body in a[0]:
        for fr, (xyz, st) in a[0][body].items():
            assert np.array_equal(xyz, b[0][body][fr][0]) and np.array_equal(st, b[0][body][fr][1])
    lines = text.split("\n")
    lines[5] = lines[5][:-1] + "7"  # a tracking state of 7
    f.write_text("\n".join(lines))
    with pytest.raises(InputError, match="line 6 .*tracking state 7"):
        N.read_ntu(f)
