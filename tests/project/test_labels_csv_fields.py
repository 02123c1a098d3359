"""A label CSV with a field over csv's size limit is an InputError naming FILE:LINE (fuzz, issue 11)."""

import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.project.labels_csv import read_label_rows
from imu2safety.core.project.project import Project


def test_huge_field(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0)
    p = tmp_path / "labels.csv"
    p.write_text("clip,start_s,end_s,behaviour,safety\n" + "y" * 200_000 + ",0,1,walking,safe\n")
    with Project.open(folder, readonly=True) as proj:
        with pytest.raises(InputError, match=r"labels.csv:2: not a readable CSV row"):
            read_label_rows(proj, p)
