"""Label maps: a recording's own class names -> taxonomy behaviour ids.

Names match case- and separator-insensitively ("Losing balance", "losing-balance", "LOSING_BALANCE"
are one name), against the taxonomy's ids and display names. A user map (``--label-map``) adds or
overrides entries; it is a JSON object ``{"Walk": "walking"}``, a CSV with two columns
(``label,behaviour``) or inline text ``"Walk=walking,Jog=running"``. A map entry whose target is not a
behaviour of the taxonomy is an error naming the map; a recording label that maps to nothing is
*unmapped*: listed in every report with its windows, never silently dropped.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..base.csvio import csv_rows, read_text_file
from ..base.errors import InputError
from ..base.jsonio import parse_json
from ..project.taxonomy import Taxonomy

IGNORE = ("ignore", "-")  # map a label to one of these to leave it out of the metrics on purpose


def normalise(name: str) -> str:
    return re.sub(r"[\s_\-./]+", "_", str(name).strip().lower()).strip("_")


class LabelMap:
    def __init__(self, taxonomy: Taxonomy, user: Optional[Dict[str, str]] = None, where: Optional[str] = None):
        self.taxonomy = taxonomy
        self.where = where
        self.table: Dict[str, str] = {}
        for b in taxonomy.data["behaviours"]:
            self.table[normalise(b["id"])] = b["id"]
            self.table[normalise(b.get("name", b["id"]))] = b["id"]
        self.user: Dict[str, str] = {}
        for k, v in (user or {}).items():
            target = self._target(v)
            if target is None:
                known = ", ".join(taxonomy.behaviour_ids)
                raise InputError(
                    where,
                    f"label map: {k!r} -> {v!r}: unknown label {v!r} (not a behaviour of the "
                    f"taxonomy; known: {known}; or 'ignore')",
                )
            self.user[normalise(k)] = target
            self.table[normalise(k)] = target

    def _target(self, v: str) -> Optional[str]:
        n = normalise(v)
        if n in IGNORE or v in IGNORE:
            return "ignore"
        for b in self.taxonomy.data["behaviours"]:
            if n in (normalise(b["id"]), normalise(b.get("name", b["id"]))):
                return b["id"]
        return None

    def resolve(self, label: Optional[str]) -> Optional[str]:
        """Taxonomy id, 'ignore', or None (unmapped)."""
        if label is None:
            return None
        return self.table.get(normalise(label))

    def describe(self, labels: Iterable[str]) -> Dict[str, Optional[str]]:
        return {lab: self.resolve(lab) for lab in sorted(set(labels))}


def parse_label_map(spec: Optional[str]) -> tuple:
    """(dict, where) from a JSON/CSV file path or inline ``A=b,C=d`` text (None: empty)."""
    if not spec:
        return {}, None
    p = Path(spec)
    if p.is_file():
        text = read_text_file(p, "label map")
        where = os.fspath(p)
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            data = parse_json(text, where, "label map")
            if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()
            ):
                raise InputError(where, 'label map JSON must be an object of names, e.g. {"Walk": "walking"}')
            return data, where
        out: Dict[str, str] = {}
        for i, row in enumerate(csv_rows(io.StringIO(text), where), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) != 2:
                raise InputError(f"{where}:{i}", f"expected two columns (label,behaviour), found {len(row)}")
            if i == 1 and normalise(row[0]) == "label" and normalise(row[1]) in ("behaviour", "behavior"):
                continue
            out[row[0].strip()] = row[1].strip()
        return out, where
    if "=" not in spec:
        raise InputError(spec, "label map: no such file, and not inline 'Label=behaviour,...' text")
    out = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise InputError(None, f"label map entry {part!r} must read 'Label=behaviour'")
        k, v = part.split("=", 1)
        out[k.strip()] = v.strip()
    return out, "--label-map"


def unmapped_summary(counts: Dict[str, int]) -> List[str]:
    return [f"{k} ({v} windows)" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
