"""HDF5 files with external links are refused before any reader follows them (fuzz, issue 11: a recording
whose 'gyro' linked to /etc/passwd ended in 'internal error: KeyError: Unable to synchronously open object
(file signature not found)'; a link to a readable HDF5 file elsewhere was read as if it were the user's)."""

import h5py
import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.base.h5read import open_h5
from imu2safety.core.realism.real_io import read_recordings
from imu2safety.core.sim.imu_io import read_imu_h5


def _linked(tmp_path, target):
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f["time"] = np.arange(100.0) / 50
        f["acc"] = np.zeros((100, 3))
        f["gyro"] = h5py.ExternalLink(str(target), "/gyro")
    return p


@pytest.mark.parametrize("reader", [open_h5, read_recordings, read_imu_h5])
def test_external_links_are_refused(tmp_path, reader):
    other = tmp_path / "elsewhere.h5"
    with h5py.File(other, "w") as f:
        f["gyro"] = np.ones((100, 3))
    for target in (other, "/etc/passwd"):
        with pytest.raises(InputError, match=r"x.h5: '/gyro' is an external link to .*(elsewhere.h5|/etc/passwd)"):
            reader(_linked(tmp_path, target))


def test_soft_links_and_plain_files_open(tmp_path):
    p = tmp_path / "ok.h5"
    with h5py.File(p, "w") as f:
        f["a/b"] = np.arange(3)
        f["c"] = h5py.SoftLink("/a/b")
    with open_h5(p) as f:
        assert list(f["c"][()]) == [0, 1, 2]
    (tmp_path / "junk.h5").write_bytes(b"junk")
    with pytest.raises(InputError, match="junk.h5: not a readable HDF5 file"):
        open_h5(tmp_path / "junk.h5")
