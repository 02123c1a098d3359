"""The safety taxonomy file: content, stable ids/codes, colour-blind-safe colours, extensions."""

import itertools

import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.project.taxonomy import load_taxonomy

CRITICAL = ["falling", "losing_balance", "fighting", "shoving", "dragging", "jumping_from_height", "fainting"]
ROUTINE = ["walking", "sitting", "standing", "running", "lying", "other"]


def test_behaviours_levels_and_phases():
    t = load_taxonomy()
    assert [b for b in t.behaviour_ids if t.is_critical(b)] == CRITICAL
    assert [b for b in t.behaviour_ids if not t.is_critical(b)] == ROUTINE
    assert set(t.safety_levels) == {"safe", "unsafe"}
    assert t.safety_levels["unsafe"]["severities"] == [1, 2, 3]
    assert {"onset", "impact", "lying_after", "recovery"} <= set(t.phases)
    assert set(t.flags) == {"occluded", "partly_out_of_frame"}


def test_codes_are_the_stable_contract():
    # datasets store y = code: these numbers must never change between versions
    t = load_taxonomy()
    assert [t.code(b) for b in CRITICAL + ROUTINE] == list(range(13))
    assert (t.safety_code("safe"), t.safety_code("unsafe")) == (0, 1)
    assert t.behaviour_of_code(6) == "fainting"


def test_hotkeys_cover_1_to_9_and_0_once():
    keys = load_taxonomy().hotkeys()
    assert sorted(keys) == sorted("1234567890")
    assert [keys[str(i)] for i in range(1, 8)] == CRITICAL


# Machado, Oliveira & Fernandes (2009) full-severity CVD simulation matrices (linear RGB)
CVD = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
    "normal": np.eye(3).tolist(),
}


def _lab(hex_colour, m):
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lin = np.clip(np.asarray(m) @ lin, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", sorted(CVD))
def test_critical_colours_stay_distinct_under_colour_blindness(vision):
    t = load_taxonomy()
    lab = {b: _lab(t.colour(b), CVD[vision]) for b in t.behaviour_ids}
    crit_pairs = min(np.linalg.norm(lab[a] - lab[b]) for a, b in itertools.combinations(CRITICAL, 2))
    crit_vs_routine = min(np.linalg.norm(lab[a] - lab[b]) for a in CRITICAL for b in ROUTINE)
    # CIE76 delta-E: ~2 is just noticeable, > 10 is clearly different at a glance
    assert crit_pairs > 15, crit_pairs
    assert crit_vs_routine > 10, crit_vs_routine


def test_colours_are_unique_hex():
    t = load_taxonomy()
    colours = [t.colour(b) for b in t.behaviour_ids]
    assert len(set(c.upper() for c in colours)) == len(colours)


def test_extension_merges_and_is_validated():
    t = load_taxonomy()
    ext = {
        "behaviours": [
            {
                "id": "climbing",
                "code": 100,
                "name": "Climbing",
                "group": "safety_critical",
                "colour": "#882255",
                "phases": ["onset", "slip"],
            }
        ],
        "phases": [{"id": "slip", "name": "Slip"}],
    }
    m = t.extend(ext)
    assert m.code("climbing") == 100 and "slip" in m.phases and m.version == "1+project.1"
    assert t.behaviour_ids == CRITICAL + ROUTINE  # the built-in one is unchanged
    m.check_segment("climbing", "unsafe", "slip")
    for bad, msg in (
        ({"behaviours": [dict(ext["behaviours"][0], id="falling")], "phases": ext["phases"]}, "twice"),
        ({"behaviours": [dict(ext["behaviours"][0], code=3)], "phases": ext["phases"]}, "already used"),
        ({"behaviours": [dict(ext["behaviours"][0], colour="red")], "phases": ext["phases"]}, "colour"),
        ({"behaviours": [dict(ext["behaviours"][0], hotkey="1")], "phases": ext["phases"]}, "hotkey"),
        ({"behaviours": ext["behaviours"]}, "unknown phase"),
    ):
        with pytest.raises(InputError, match=msg):
            t.extend(bad)


def test_check_segment_names_the_problem():
    t = load_taxonomy()
    with pytest.raises(InputError, match="unknown behaviour 'flying'"):
        t.check_segment("flying", "safe")
    with pytest.raises(InputError, match="severity 2 not allowed"):
        t.check_segment("walking", "safe", severity=2)
    t.check_segment("falling", "unsafe", "impact", 3)
