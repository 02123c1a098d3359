"""Mapping tables: a dataset's own labels -> the taxonomy's behaviours and safety levels.

Each recipe ships its table as a CSV in ``resources/recipes/`` (``imu2safety project recipes NAME`` prints
it); ``--mapping FILE`` replaces it with the user's copy. A table has a header whose first column is the
dataset's label (``action``, ``activity``, ``event`` or ``label``), then ``name`` (free text), ``behaviour``
and ``safety``, and any extra columns a recipe reads (NTU: ``persons``). An empty behaviour means "no
segment for this label". Labels match case- and space-insensitively.

Every clip records the table it was labelled with: recipe name, table path and SHA-256.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Dict, Optional

from ...base.csvio import csv_rows, read_text_file
from ...base.errors import InputError


def norm(label: str) -> str:
    return " ".join(str(label).split()).lower()


@dataclass
class Mapping:
    name: str  # the recipe's table name, e.g. "ntu_actions"
    path: str  # where it was read from ("resources/recipes/..." for the shipped one)
    sha256: str
    key: str  # the label column
    rows: Dict[str, Dict[str, str]] = field(default_factory=dict)  # normalised label -> row

    def get(self, label: str) -> Optional[Dict[str, str]]:
        return self.rows.get(norm(label))

    def provenance(self) -> Dict[str, str]:
        return {"table": self.name, "path": self.path, "sha256": self.sha256}


def shipped_text(name: str) -> str:
    return (resources.files("imu2safety.resources") / "recipes" / f"{name}.csv").read_text(encoding="utf-8")


def load_mapping(name: str, key: str, taxonomy, path: Optional[str] = None) -> Mapping:
    """The recipe's table ``name`` (label column ``key``), or the user's file at ``path``; every behaviour and
    safety level is checked against ``taxonomy`` (errors name FILE:LINE)."""
    if path is None:
        text, where = shipped_text(name), f"resources/recipes/{name}.csv"
    else:
        p = Path(path)
        text, where = read_text_file(p, "mapping file"), str(p.resolve())
    reader = csv_rows(io.StringIO(text), where)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(where, f"empty mapping (needs a header: {key},name,behaviour,safety)") from None
    for col in (key, "behaviour", "safety"):
        if col not in header:
            raise InputError(f"{where}:1", f"mapping needs a '{col}' column (header: {','.join(header)})")
    m = Mapping(name=name, path=where, sha256=hashlib.sha256(text.encode()).hexdigest(), key=key)
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{where}:{n}", f"{len(row)} values for {len(header)} columns")
        r = {h: v.strip() for h, v in zip(header, row)}
        if r["behaviour"]:
            taxonomy.check_segment(r["behaviour"], r["safety"], where=f"{where}:{n}")
        label = norm(r[key])
        if label in m.rows:
            raise InputError(f"{where}:{n}", f"label '{r[key]}' is mapped twice")
        m.rows[label] = r
    return m
