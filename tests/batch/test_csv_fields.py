"""Manifests, mapping tables and UP-Fall trial CSVs with a field over csv's size limit are one-line errors
naming FILE:LINE (fuzz, issue 11: 'internal error: Error: field larger than field limit')."""

import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.batch.recipes.mapping import load_mapping
from imu2safety.core.batch.recipes.upfall import read_trial_csv
from imu2safety.core.batch.sources import read_manifest
from imu2safety.core.project.taxonomy import load_taxonomy

HUGE = "[" * 200_000


def test_manifest(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("path,subject\n" + HUGE + ",S1\n")
    with pytest.raises(InputError, match=r"m.csv:2: not a readable CSV row"):
        read_manifest(p, load_taxonomy())


def test_mapping_table(tmp_path):
    p = tmp_path / "map.csv"
    p.write_text(HUGE + "\n")
    with pytest.raises(InputError, match=r"map.csv:1: not a readable CSV row"):
        load_mapping("ntu_actions", "action", load_taxonomy(), str(p))


def test_upfall_trial(tmp_path):
    p = tmp_path / "Subject1Activity1Trial1.csv"
    p.write_text("TimeStamps,a\nTime,b\n" + HUGE + "\n")
    with pytest.raises(InputError, match=r"Subject1Activity1Trial1.csv:3: not a readable CSV row"):
        read_trial_csv(p)
