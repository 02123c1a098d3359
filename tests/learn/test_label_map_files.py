"""Label-map and segment files that are not UTF-8 or hold a field over csv's limit are one-line errors
naming the file (fuzz, issue 11: each ended in 'internal error: UnicodeDecodeError' or '_csv.Error')."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.learn.labels import parse_label_map
from imu2safety.core.learn.recordings import read_segments_csv


def test_label_map_in_latin1(tmp_path):
    p = tmp_path / "map.csv"
    p.write_bytes("Caf\xe9,walking\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"map.csv: label map is not UTF-8 text"):
        parse_label_map(str(p))


def test_label_map_with_a_huge_field(tmp_path):
    p = tmp_path / "map.csv"
    p.write_text("Walk,walking\n" + "x" * 200_000 + ",running\n")
    with pytest.raises(InputError, match=r"map.csv:2: not a readable CSV row"):
        parse_label_map(str(p))


def test_segments_with_a_huge_field(tmp_path):
    p = tmp_path / "seg.csv"
    p.write_text("start_s,end_s,label\n" + "[" * 200_000 + "\n")
    with pytest.raises(InputError, match=r"seg.csv:2: not a readable CSV row"):
        read_segments_csv(p)
