"""JSON a user hands the learning commands goes through the shared parser (issue 11: deeply nested JSON
raised RecursionError, Latin-1 bytes UnicodeDecodeError; now one InputError naming the file)."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.learn.checkpoint import read_config
from imu2safety.core.learn.labels import parse_label_map
from imu2safety.core.motion.import_deepmimic import read_frames

DEEP = "[" * 100000 + "]" * 100000


def test_model_config_deep_or_latin1(tmp_path):
    (tmp_path / "config.json").write_text(DEEP)
    with pytest.raises(InputError, match="config.json.*nested"):
        read_config(tmp_path)
    (tmp_path / "config.json").write_bytes('{"name": "\xe9"}'.encode("latin-1"))
    with pytest.raises(InputError, match="config.json.*UTF-8"):
        read_config(tmp_path)


def test_label_map_deep(tmp_path):
    p = tmp_path / "map.json"
    p.write_text('{"a": ' + DEEP + "}")
    with pytest.raises(InputError, match="map.json.*nested"):
        parse_label_map(str(p))


def test_deepmimic_motion_deep(tmp_path):
    p = tmp_path / "m.txt"
    p.write_text('{"Frames": ' + DEEP + "}")
    with pytest.raises(InputError, match="m.txt.*nested"):
        read_frames(p)
