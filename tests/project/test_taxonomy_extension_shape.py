"""A taxonomy extension whose lists are not lists of objects, whose codes are not whole numbers or that
holds NaN/Infinity (Python's JSON parser accepts them) is refused before it is read or stored (fuzz,
issue 11: '{"behaviours": null}' and '{"behaviours": NaN}' were internal errors; a severity of 1e999 was
stored and 'project taxonomy' then printed 'Infinity', which is not JSON)."""

import json

import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project

GOOD = {"id": "climbing", "name": "Climbing", "group": "safety_critical", "colour": "#882255"}


@pytest.mark.parametrize(
    "ext, needle",
    [
        ({"behaviours": None}, "'behaviours' must be a list of objects"),
        ({"behaviours": float("nan")}, "'behaviours' must be a list of objects"),
        ({"behaviours": [1, 2]}, "'behaviours' must be a list of objects"),
        ({"phases": "x"}, "'phases' must be a list of objects"),
        ({"behaviours": [dict(GOOD, code="abc")]}, "'code' must be a whole number"),
        ({"behaviours": [dict(GOOD, severity=float("inf"))]}, r"behaviours\[0\].severity: numbers must be finite"),
    ],
)
def test_bad_extensions_are_refused_and_nothing_is_stored(tmp_path, ext, needle):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0, labels=False)
    with Project.open(folder) as p:
        with pytest.raises(InputError, match=needle):
            p.execute(C.SetTaxonomyExtension(ext))
        json.dumps(p.taxonomy.data, allow_nan=False)  # what 'project taxonomy' prints stays JSON
        assert "climbing" not in p.taxonomy.behaviour_ids


def test_a_good_extension_is_still_stored(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0, labels=False)
    with Project.open(folder) as p:
        p.execute(C.SetTaxonomyExtension({"behaviours": [GOOD], "phases": []}))
        assert "climbing" in p.taxonomy.behaviour_ids
