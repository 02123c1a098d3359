"""CSV files from users: one reader for text and headers, so every CSV says the same about the same fault."""

import csv
import io
import os

import pytest

from imu2safety.core.base.csvio import read_header, read_text
from imu2safety.core.base.errors import InputError
from imu2safety.core.learn.labels import parse_label_map


def test_text_drops_a_bom_and_refuses_other_encodings(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes("\ufeffstart_s,end_s\n1,2\n".encode("utf-8"))
    assert read_text(good).startswith("start_s")
    bad = tmp_path / "latin1.csv"
    bad.write_bytes("name\nFallen f\xfcr\n".encode("latin-1"))
    with pytest.raises(InputError, match="latin1.csv: not UTF-8 text"):
        read_text(bad)


def test_text_never_opens_a_fifo_and_names_what_is_missing(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_text(fifo)  # would block forever if it were opened
    with pytest.raises(InputError, match="no such mapping file"):
        read_text(tmp_path / "nope.csv", "mapping file")


def header(text, required, allowed=None):
    return read_header(csv.reader(io.StringIO(text)), "f.csv", required, allowed)


def test_header_checks():
    assert header(" Start_S ,END_S\n", ["start_s", "end_s"]) == ["start_s", "end_s"]
    with pytest.raises(InputError, match=r"f.csv: empty file \(needs a header: start_s,end_s\)"):
        header("", ["start_s", "end_s"])
    with pytest.raises(InputError, match=r"f.csv:1: missing column\(s\) end_s"):
        header("start_s,label\n", ["start_s", "end_s"])
    with pytest.raises(InputError, match="unknown column 'colour'"):
        header("start_s,end_s,colour\n", ["start_s", "end_s"], ["start_s", "end_s", "label"])
    with pytest.raises(InputError, match="appears twice"):
        header("start_s,end_s,end_s\n", ["start_s", "end_s"], ["start_s", "end_s"])
    # without an allow-list, other columns are kept
    assert header("start_s,end_s,extra\n", ["start_s"]) == ["start_s", "end_s", "extra"]


def test_a_label_map_in_another_encoding_is_a_one_line_error(tmp_path):
    # it raised UnicodeDecodeError (an internal error in `evaluate --label-map`)
    p = tmp_path / "map.csv"
    p.write_bytes("Gehen,walking\nL\xe4ufer,running\n".encode("latin-1"))
    with pytest.raises(InputError, match="map.csv: not UTF-8 text"):
        parse_label_map(str(p))
