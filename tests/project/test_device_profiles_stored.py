"""A device given as a JSON file is stored in the project (its content), not as a path relative to the
working directory; existing projects are migrated (issue 11)."""

import json
import os
import sqlite3

import pytest
from project_factory import motion_file

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project
from imu2safety.core.project.store import SCHEMA_VERSION
from imu2safety.core.sim.devices import load_preset


def _device_file(path, bits=12):
    data = load_preset("watch-bmi270").with_changes({"gyroscope.bits": bits}).data
    path.write_text(json.dumps(data))
    return path


@pytest.fixture
def setup(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    _device_file(work / "mydev.json")
    proj = tmp_path / "P"
    Project.create(proj).close()
    m = motion_file(tmp_path, "w", seconds=3.0)
    return work, proj, m


def test_add_with_a_device_file_stores_its_content(tmp_path, setup, capsys, monkeypatch):
    work, proj, m = setup
    assert main(["project", "add", str(proj), str(m), "--subject", "S1", "--device", "mydev.json"]) == 0
    with Project.open(proj, readonly=True) as p:
        c = p.clip("w")
        assert c.profile == "mydev"
        prof = p.profile("mydev")
        assert prof.data["gyroscope"]["bits"] == 12
        assert str(work / "mydev.json") in prof.base and "sha256:" in prof.base
    os.remove(work / "mydev.json")  # the file may go; the project keeps what it needs
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with Project.open(proj) as p:
        p.execute(C.AddSegment("w", 0, 60, "walking", "safe"))
    s = export_dataset(proj, tmp_path / "d.h5", ExportConfig(val=0, test=0))
    assert s.n_windows > 0
    import h5py

    with h5py.File(tmp_path / "d.h5") as f:
        assert json.loads(f["clips/w"].attrs["device"])["gyroscope"]["bits"] == 12


def test_the_same_file_twice_is_one_profile_and_another_content_gets_its_own(tmp_path, setup):
    work, proj, m = setup
    with Project.open(proj) as p:
        p.add_clip(m, subject="S1", profile="mydev.json", clip_id="a")
        p.add_clip(m, subject="S1", profile=str(work / "mydev.json"), clip_id="b", warn=lambda w: None)
        _device_file(work / "mydev.json", bits=10)
        p.add_clip(m, subject="S1", profile="mydev.json", clip_id="c", warn=lambda w: None)
        profiles = {c.id: c.profile for c in p.clips()}
        assert profiles["a"] == profiles["b"] == "mydev" and profiles["c"].startswith("mydev-")
        assert p.profile(profiles["c"]).data["gyroscope"]["bits"] == 10
        p.undo()  # the clip and its new profile go together
        assert [pr.name for pr in p.profiles()] == ["mydev"]


def test_a_path_cannot_be_set_as_a_clips_profile_afterwards(tmp_path, setup):
    work, proj, m = setup
    with Project.open(proj) as p:
        p.add_clip(m, subject="S1")
        with pytest.raises(InputError, match="project profile"):
            p.execute(C.UpdateClip("w", profile="mydev.json"))


def _v2_project_with_a_relative_device(tmp_path, work, m):
    """A project as the previous version left it: schema 3, clip profile 'mydev.json' (relative to work/)."""
    proj = tmp_path / "old"
    with Project.create(proj) as p:
        p.add_clip(m, subject="S1")
    db = sqlite3.connect(proj / "project.sqlite")
    db.execute("UPDATE clips SET profile='mydev.json'")
    db.execute("PRAGMA user_version = 3")  # the schema before device files were stored
    db.commit()
    db.close()
    return proj


def test_an_old_project_is_migrated_when_its_device_file_is_found(tmp_path, setup, monkeypatch):
    work, _, m = setup
    proj = _v2_project_with_a_relative_device(tmp_path, work, m)
    with Project.open(proj, readonly=True) as p:  # an old project is still readable without upgrading
        assert p.device_for("w").data["gyroscope"]["bits"] == 12
    with Project.open(proj) as p:  # opened for writing from the folder the path was relative to
        assert p.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert p.clip("w").profile == "mydev"
        assert p.profile("mydev").data["gyroscope"]["bits"] == 12
        assert any("device file" in e.text for e in p.history())
    monkeypatch.chdir(tmp_path)
    with Project.open(proj, readonly=True) as p:
        assert p.device_for("w").data["gyroscope"]["bits"] == 12


def test_an_old_project_whose_device_file_is_gone_says_how_to_store_it(tmp_path, setup, monkeypatch, capsys):
    work, _, m = setup
    proj = _v2_project_with_a_relative_device(tmp_path, work, m)
    monkeypatch.chdir(tmp_path)  # another folder: 'mydev.json' is not found from here
    with Project.open(proj) as p:
        assert p.clip("w").profile == "mydev.json"  # left as it was
        p.execute(C.AddSegment("w", 0, 60, "walking", "safe"))
        p.execute(C.SetTrim("w", 1, 80))  # other edits of that clip still work
    assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet", "--val", "0", "--test", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert "mydev.json" in err and "imu2safety project profile" in err and "--clips w" in err, err
    assert len(err.splitlines()) == 1
    _device_file(tmp_path / "copy.json")
    assert main(["project", "profile", str(proj), "mydev", "--from", "copy.json", "--clips", "w"]) == 0
    assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet", "--val", "0", "--test", "0"]) == 0
