"""A real recording CSV with a field over csv's size limit (a binary or a one-line file) is a one-line
error naming FILE:LINE, not 'internal error: Error: field larger than field limit' (fuzz, issue 11)."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.realism.real_io import read_csv


def test_a_huge_field_is_an_input_error(tmp_path):
    p = tmp_path / "r.csv"
    p.write_text(
        "time,ax,ay,az,gx,gy,gz\n" + "".join(f"{k / 50},0,0,9.8,0,0,0\n" for k in range(40)) + "x" * 200_000 + "\n"
    )
    with pytest.raises(InputError, match=r"r.csv:42: not a readable CSV row \(field larger than field limit"):
        read_csv(p)
