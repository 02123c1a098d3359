"""CSV text from users: a csv.Error (a field over the module's size limit) is an InputError naming FILE:LINE
(fuzz, issue 11: such files ended in 'internal error: Error: field larger than field limit')."""

import io
import os

import pytest

from imu2safety.core.base.csvio import csv_rows, read_header, read_text_file
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


def test_text_drops_a_bom_and_never_opens_a_fifo(tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes("\ufeffstart_s,end_s\n1,2\n".encode("utf-8"))
    assert read_text_file(good).startswith("start_s")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        read_text_file(fifo)  # would block forever if it were opened
    with pytest.raises(InputError, match="no such mapping file"):
        read_text_file(tmp_path / "nope.csv", "mapping file")


def _header(text, required, allowed=None):
    return read_header(csv_rows(io.StringIO(text), "f.csv"), "f.csv", required, allowed)


def test_header_checks():
    assert _header(" Start_S ,END_S\n", ["start_s", "end_s"]) == ["start_s", "end_s"]
    with pytest.raises(InputError, match=r"f.csv: empty file \(needs a header: start_s,end_s\)"):
        _header("", ["start_s", "end_s"])
    with pytest.raises(InputError, match=r"f.csv:1: missing column\(s\) end_s"):
        _header("start_s,label\n", ["start_s", "end_s"])
    with pytest.raises(InputError, match="unknown column 'colour'"):
        _header("start_s,end_s,colour\n", ["start_s", "end_s"], ["start_s", "end_s", "label"])
    with pytest.raises(InputError, match="appears twice"):
        _header("start_s,end_s,end_s\n", ["start_s", "end_s"], ["start_s", "end_s"])
    # without an allow-list, other columns are kept
    assert _header("start_s,end_s,extra\n", ["start_s"]) == ["start_s", "end_s", "extra"]
