"""CSV text from users: a csv.Error (a field over the module's size limit) is an InputError naming FILE:LINE
(fuzz, issue 11: such files ended in 'internal error: Error: field larger than field limit')."""

import pytest

from imu2safety.core.base.csvio import csv_rows, read_text_file
from imu2safety.core.base.errors import InputError


def test_a_field_over_the_limit_names_the_file_and_line():
    lines = ["a,b", "1,2", "x," + "y" * 200_000]
    with pytest.raises(InputError) as exc:
        list(csv_rows(lines, "rec.csv"))
    assert str(exc.value).startswith("rec.csv:3: ")
    assert "field larger than field limit" in str(exc.value)


def test_rows_and_the_end_of_input_are_those_of_csv_reader():
    rows = csv_rows(["a;b", '"x;y";2'], "f.csv", delimiter=";")
    assert next(rows) == ["a", "b"]
    assert list(rows) == [["x;y", "2"]]
    with pytest.raises(StopIteration):
        next(csv_rows([], "f.csv"))


def test_read_text_file_refuses_latin1_and_fifos(tmp_path):
    p = tmp_path / "map.csv"
    p.write_bytes("caf\xe9,walking\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"map.csv: .*not UTF-8 text \(byte 0xe9 at offset 3"):
        read_text_file(p, "label map")
    import os

    os.mkfifo(tmp_path / "f")
    with pytest.raises(InputError, match="named pipe"):
        read_text_file(tmp_path / "f")
    (tmp_path / "ok.csv").write_bytes(b"\xef\xbb\xbfa,b\n")
    assert read_text_file(tmp_path / "ok.csv") == "a,b\n"


def test_line_num_is_the_readers():
    """project import-labels reads ``line_num`` to name a row (it broke when csv_rows was a generator)."""
    rows = csv_rows(["a,b", '"multi', 'line",2', "x,y"], "f.csv")
    assert next(rows) == ["a", "b"] and rows.line_num == 1
    assert next(rows) == ["multiline", "2"] and rows.line_num == 3
