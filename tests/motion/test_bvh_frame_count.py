"""A BVH whose 'Frames:' count is far beyond its lines (or not positive) is refused before anything is
allocated for it (fuzz, issue 11: 'Frames: 99999999999' ended in 'internal error: _ArrayMemoryError ...
10.9 TiB', and a negative count in a numpy ValueError)."""

import pytest
from skeleton_files import write_chain

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.import_bvh import parse_bvh


@pytest.mark.parametrize(
    "count, needle",
    [
        ("99999999999", "file ends after 3 of the 99999999999 frames it declares"),
        ("-5", "declares -5 frames"),
        ("0", "declares 0 frames"),
    ],
)
def test_frame_count_beyond_the_file(tmp_path, count, needle):
    p = write_chain(tmp_path)
    p.write_text(p.read_text().replace("Frames: 3", f"Frames: {count}"))
    with pytest.raises(InputError, match=needle):
        parse_bvh(p)


def test_the_declared_count_still_reads(tmp_path):
    assert parse_bvh(write_chain(tmp_path)).values.shape[0] == 3
