"""Paths named in manifests and recipe CSVs that no file system can hold are errors at FILE:LINE before
anything uses them (fuzz, issue 11: a NUL byte was 'internal error: ValueError: embedded null byte' from
os.stat; a 100 kB path an 'internal error: OSError: File name too long' per file)."""

import pytest

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.batch.recipes.generic import csv_items
from imu2safety.core.batch.sources import read_manifest
from imu2safety.core.project.taxonomy import load_taxonomy


@pytest.mark.parametrize(
    "path, message",
    [
        ("a\0b.npz", "NUL byte"),
        ("x" * 300 + ".npz", "too long"),
        ("/".join(["d" * 200] * 30) + "/walk.npz", "too long"),
    ],
)
def test_manifest_paths(tmp_path, path, message):
    p = tmp_path / "m.csv"
    p.write_text("path,subject\nok.npz,S1\n" + path + ",S1\n")
    with pytest.raises(InputError, match=rf"m.csv:3: .*{message}"):
        read_manifest(p, load_taxonomy())


def test_manifest_labels_file_path(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,subject,labels\nok.npz,S1," + "l" * 400 + ".csv\n")
    with pytest.raises(InputError, match=r"m.csv:2: .*too long"):
        read_manifest(p, load_taxonomy())


def test_recipe_csv_video_path(tmp_path):
    p = tmp_path / "segments.csv"
    p.write_text("video,start,end,label\n" + "v" * 100_000 + ".mp4,0,1,fall\n")
    with pytest.raises(InputError, match=r"segments.csv:2: .*too long") as exc:
        csv_items([str(p)], load_taxonomy())
    assert len(str(exc.value)) < 300  # the message does not repeat the 100 kB path


def test_add_with_such_a_manifest_is_one_line(tmp_path, capsys):
    assert main(["project", "new", str(tmp_path / "P")]) == 0
    m = tmp_path / "m.csv"
    m.write_text("path,subject\nwalk\0.npz,S1\n")
    capsys.readouterr()
    assert main(["project", "add", str(tmp_path / "P"), "--manifest", str(m), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imu2safety: error:") and "NUL byte" in err[0]
