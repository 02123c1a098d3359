"""Dataset recipes: a labelled dataset, read from its own on-disk format, as batch items with labels.

Public API: ``RECIPES`` (name -> description), ``recipe_items(name, paths, taxonomy, mapping=None,
**options) -> (items, warnings)`` and ``mapping_text(name)`` (the shipped table, to copy and edit).

- ``ntu``      :mod:`.ntu`      NTU RGB+D 60/120 ``.skeleton`` files
- ``upfall``   :mod:`.upfall`   UP-Fall Detection trials (labels, camera, real wrist IMU)
- ``le2i``     :mod:`.le2i`     Le2i fall videos and annotation files
- ``folders``  :mod:`.generic`  a folder per class (Kinetics, UCF101 style)
- ``csv``      :mod:`.generic`  a CSV of video, start, end, label
- :mod:`.mapping`               the mapping tables (``resources/recipes/*.csv``)
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from ...base.errors import InputError
from . import generic, le2i, ntu, upfall
from .mapping import shipped_text

RECIPES: Dict[str, str] = {
    "ntu": ntu.DESCRIPTION,
    "upfall": upfall.DESCRIPTION,
    "le2i": le2i.DESCRIPTION,
    "folders": generic.DESCRIPTION_FOLDERS,
    "csv": generic.DESCRIPTION_CSV,
}
TABLES = {
    "ntu": "ntu_actions",
    "upfall": "upfall_activities",
    "le2i": "le2i_events",
    "folders": "generic_labels",
    "csv": "generic_labels",
}


def recipe_items(
    name: str, paths: Sequence[str], taxonomy, mapping: Optional[str] = None, **options
) -> Tuple[List, List[str]]:
    """Items of recipe ``name`` for ``paths``, and warnings (labels the table does not know)."""
    warnings: List[str] = []
    if name == "ntu":
        out = ntu.items(paths, taxonomy, mapping, actor=options.get("actor") or "active")
    elif name == "upfall":
        out = upfall.items(paths, taxonomy, mapping, camera=int(options.get("camera") or 1), warnings=warnings)
    elif name == "le2i":
        out = le2i.items(paths, taxonomy, mapping)
    elif name == "folders":
        out = generic.folder_items(paths, taxonomy, mapping, warnings=warnings)
    elif name == "csv":
        out = generic.csv_items(paths, taxonomy, mapping, warnings=warnings)
    else:
        raise InputError(None, f"unknown recipe '{name}' (known: {', '.join(RECIPES)})")
    if not out:
        raise InputError(None, f"the {name} recipe found no files in {', '.join(map(str, paths))}")
    return out, warnings


def mapping_text(name: str) -> str:
    if name not in TABLES:
        raise InputError(None, f"unknown recipe '{name}' (known: {', '.join(RECIPES)})")
    return shipped_text(TABLES[name])
