"""A window or hop so long that its sample count overflows is refused with the samples limit, not an
'internal error: OverflowError: cannot convert float infinity to integer' (fuzz, issue 11: export --window
1e308 and --hop 1e308)."""

import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.dataset.export import ExportConfig, export_dataset


@pytest.mark.parametrize("opt", ["window_s", "hop_s"])
def test_huge_window_or_hop(tmp_path, opt):
    folder = make_project(tmp_path / "p", subjects=("S1", "S2", "S3"), clips_per_subject=1, seconds=3.0)
    cfg = ExportConfig(val=0.34, test=0.34, **{opt: 1e308})
    with pytest.raises(InputError, match=r"--(window|hop) of 1e\+308 s at 100 Hz would have infinitely many samples"):
        export_dataset(folder, tmp_path / "o.h5", cfg)
    assert not (tmp_path / "o.h5").exists()
