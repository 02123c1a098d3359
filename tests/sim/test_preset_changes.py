"""A change to a field a preset does not have is refused, not added where nothing reads it (fuzz, issue 11:
'project profile DIR p --set rate_hz=nan' exited 0 and stored a profile whose rate was unchanged, as did
'--set nope.x=1'; the field is output_rate_hz)."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.sim.devices import load_preset


@pytest.mark.parametrize("path", ["rate_hz", "nope.x", "gyroscope.bitz", "placement.offset", "accelerometer.range_g.x"])
def test_unknown_fields_are_refused(path):
    with pytest.raises(InputError, match=rf"cannot set '{path}': no such preset field \(fields: .*output_rate_hz"):
        load_preset("watch-bmi270").with_changes({path: 1})


def test_known_fields_change():
    p = load_preset("watch-bmi270").with_changes(
        {"gyroscope.bits": 12, "output_rate_hz": 50, "placement.offset_m": 0.0}
    )
    assert p.data["gyroscope"]["bits"] == 12 and p.data["output_rate_hz"] == 50
    with pytest.raises(InputError, match="output_rate_hz"):
        load_preset("watch-bmi270").with_changes({"output_rate_hz": float("nan")})
