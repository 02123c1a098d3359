"""The safety taxonomy: behaviours, safety levels, phases and flags, as versioned data.

The built-in taxonomy is ``resources/taxonomy.json`` (schema: ``id``, ``version``,
``palette``, ``behaviours`` [id, code, name, group, colour, hotkey, phases],
``safety_levels`` [id, code, name, colour, optional severities], ``phases``
[id, name], ``flags`` [id, bit, name]). Ids and integer codes are stable: the
dataset's ``y`` is the behaviour code.

A project may *extend* it (new behaviours or phases, never removing or
renumbering the built-in ones). The extension is a JSON object with the same
``behaviours``/``phases`` lists; a behaviour without ``code`` gets the next free
code >= 100 when it is added to a project. :meth:`Taxonomy.extend` returns the
merged taxonomy, whose ``version`` reads e.g. ``"1+project.2"``; exports embed
the merged JSON exactly.
"""

from __future__ import annotations

import copy
import json
import math
import re
from importlib import resources
from typing import Any, Dict, List, Optional

from ..base.errors import InputError

EXTENSION_FIRST_CODE = 100
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
GROUPS = ("safety_critical", "routine")


class Taxonomy:
    """A validated taxonomy (built-in, or built-in plus a project's extension)."""

    def __init__(self, data: Dict[str, Any], where: Optional[str] = None):
        validate_taxonomy(data, where)
        self.data = data
        self.behaviours: Dict[str, Dict[str, Any]] = {b["id"]: b for b in data["behaviours"]}
        self.safety_levels: Dict[str, Dict[str, Any]] = {s["id"]: s for s in data["safety_levels"]}
        self.phases: Dict[str, Dict[str, Any]] = {p["id"]: p for p in data["phases"]}
        self.flags: Dict[str, int] = {f["id"]: int(f["bit"]) for f in data.get("flags", [])}

    @property
    def version(self) -> str:
        return str(self.data["version"])

    @property
    def behaviour_ids(self) -> List[str]:
        return [b["id"] for b in self.data["behaviours"]]

    def code(self, behaviour: str) -> int:
        return int(self.behaviours[behaviour]["code"])

    def behaviour_of_code(self, code: int) -> str:
        for b in self.data["behaviours"]:
            if int(b["code"]) == int(code):
                return b["id"]
        raise KeyError(code)

    def safety_code(self, level: str) -> int:
        return int(self.safety_levels[level]["code"])

    def is_critical(self, behaviour: str) -> bool:
        return self.behaviours[behaviour]["group"] == "safety_critical"

    def colour(self, behaviour: str) -> str:
        return self.behaviours[behaviour]["colour"]

    def hotkeys(self) -> Dict[str, str]:
        """Key ('1'..'9', '0') -> behaviour id."""
        return {b["hotkey"]: b["id"] for b in self.data["behaviours"] if b.get("hotkey")}

    def to_json(self) -> str:
        return json.dumps(self.data, sort_keys=True)

    def check_segment(
        self,
        behaviour: str,
        safety: str,
        phase: Optional[str] = None,
        severity: Optional[int] = None,
        where: Optional[str] = None,
    ) -> None:
        """Raise InputError when a label does not belong to this taxonomy."""
        if behaviour not in self.behaviours:
            raise InputError(where, f"unknown behaviour '{behaviour}' (known: {', '.join(self.behaviour_ids)})")
        if safety not in self.safety_levels:
            raise InputError(where, f"unknown safety level '{safety}' (known: {', '.join(self.safety_levels)})")
        if phase not in (None, "") and phase not in self.phases:
            raise InputError(where, f"unknown phase '{phase}' (known: {', '.join(self.phases)})")
        if phase not in (None, ""):
            own = self.behaviours[behaviour].get("phases") or []
            if phase not in own:
                raise InputError(
                    where,
                    f"phase '{phase}' does not belong to behaviour '{behaviour}' "
                    f"(its phases: {', '.join(own) or 'none'})",
                )
        if severity is not None:
            allowed = self.safety_levels[safety].get("severities") or []
            if severity not in allowed:
                raise InputError(
                    where, f"severity {severity} not allowed for safety level '{safety}' (allowed: {allowed or 'none'})"
                )

    # -- what people write -----------------------------------------------------------------------------
    def resolve_behaviour(self, text: str, where: Optional[str] = None) -> str:
        """The behaviour id for an id, a code or a display name, ignoring case and separators
        ('Losing balance', 'losing-balance', 'LOSING_BALANCE' and '1' all give 'losing_balance')."""
        return self._resolve(text, self.data["behaviours"], "behaviour", where, codes=True)

    def resolve_safety(self, text: str, where: Optional[str] = None) -> str:
        """The safety level id for an id, a code or a name ('Unsafe', '1' -> 'unsafe')."""
        return self._resolve(text, self.data["safety_levels"], "safety level", where, codes=True)

    def resolve_phase(self, text: Optional[str], where: Optional[str] = None) -> Optional[str]:
        """The phase id for an id or a name ('Lying after' -> 'lying_after'); None for blank."""
        if text is None or not str(text).strip():
            return None
        return self._resolve(text, self.data["phases"], "phase", where, codes=False)

    @staticmethod
    def _resolve(text: str, entries: List[Dict[str, Any]], what: str, where, codes: bool) -> str:
        key = normal_name(text)
        for e in entries:  # ids first: an id never loses to another entry's display name
            if key == e["id"]:
                return e["id"]
        for e in entries:
            if key == normal_name(str(e.get("name", ""))):
                return e["id"]
        if codes and re.fullmatch(r"[0-9]+", str(text).strip()):
            for e in entries:
                if int(e["code"]) == int(str(text).strip()):
                    return e["id"]
        known = ", ".join(f"{e['id']} ({e['name']})" if e.get("name") else e["id"] for e in entries)
        raise InputError(where, f"unknown {what} '{text}' (known: {known})")

    def extend(self, extension: Optional[Dict[str, Any]]) -> "Taxonomy":
        """The merged taxonomy (built-in entries first, then the extension's)."""
        if not extension:
            return self
        data = copy.deepcopy(self.data)
        ext = copy.deepcopy(extension)
        data["behaviours"] += ext.get("behaviours", [])
        data["phases"] += ext.get("phases", [])
        data["version"] = f"{self.data['version']}+project.{int(ext.get('revision', 1))}"
        data["extension"] = ext
        return Taxonomy(data, "project taxonomy extension")


def normal_name(text: str) -> str:
    """Lower case, separators (spaces, '-', '_') as one '_', no outer blanks: how names are compared."""
    return re.sub(r"[\s_\-]+", "_", str(text).strip().lower()).strip("_")


def check_extension(ext: Any, where: Optional[str] = None) -> None:
    """The shape of a taxonomy extension, checked before anything reads it: a JSON object whose
    'behaviours' and 'phases' are lists of objects, whose 'code's are whole numbers and whose numbers
    are all finite (JSON has no NaN or Infinity; Python's parser lets them through)."""
    if not isinstance(ext, dict):
        raise InputError(
            where,
            f'a taxonomy extension must be a JSON object {{"behaviours": [...], "phases": [...]}}, '
            f"got a {type(ext).__name__}",
        )
    for key in ("behaviours", "phases"):
        items = ext.get(key, [])
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise InputError(where, f"'{key}' must be a list of objects, got {json.dumps(items)[:60]}")
    for b in ext.get("behaviours", []):
        code = b.get("code")
        if code is not None and (isinstance(code, bool) or not isinstance(code, int) or code < 0):
            raise InputError(where, f"behaviour {str(b.get('id'))!r}: 'code' must be a whole number >= 0")
    stack = [("", ext)]
    while stack:  # JSON from users is at most 64 levels deep (core.base.jsonio)
        at, v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            raise InputError(where, f"{at or 'the extension'}: numbers must be finite, got {v}")
        if isinstance(v, dict):
            stack += [(f"{at}.{k}" if at else str(k), x) for k, x in v.items()]
        elif isinstance(v, list):
            stack += [(f"{at}[{i}]", x) for i, x in enumerate(v)]


def validate_taxonomy(data: Dict[str, Any], where: Optional[str] = None) -> None:
    if not isinstance(data, dict):
        raise InputError(where, "taxonomy must be a JSON object")
    for key in ("id", "version", "behaviours", "safety_levels", "phases"):
        if key not in data:
            raise InputError(where, f"taxonomy misses '{key}'")
    ids, codes, keys = set(), set(), set()
    phase_ids = set()
    for p in data["phases"]:
        if not isinstance(p, dict) or not _ID.match(str(p.get("id", ""))):
            raise InputError(where, f"phase {p!r}: 'id' must be lower_case_with_underscores")
        if p["id"] in phase_ids:
            raise InputError(where, f"phase id '{p['id']}' appears twice")
        phase_ids.add(p["id"])
    for b in data["behaviours"]:
        if not isinstance(b, dict):
            raise InputError(where, f"behaviour {b!r} must be an object")
        bid = str(b.get("id", ""))
        if not _ID.match(bid):
            raise InputError(where, f"behaviour id {bid!r} must be lower_case_with_underscores")
        if bid in ids:
            raise InputError(where, f"behaviour id '{bid}' appears twice")
        ids.add(bid)
        code = b.get("code")
        if isinstance(code, bool) or not isinstance(code, int) or code < 0:
            raise InputError(where, f"behaviour '{bid}': 'code' must be a whole number >= 0")
        if code in codes:
            raise InputError(where, f"behaviour '{bid}': code {code} is already used")
        codes.add(code)
        if b.get("group") not in GROUPS:
            raise InputError(where, f"behaviour '{bid}': 'group' must be one of {', '.join(GROUPS)}")
        if not _COLOUR.match(str(b.get("colour", ""))):
            raise InputError(where, f"behaviour '{bid}': 'colour' must be '#RRGGBB'")
        key = b.get("hotkey")
        if key is not None:
            if key in keys:
                raise InputError(where, f"behaviour '{bid}': hotkey '{key}' is already used")
            keys.add(key)
        for ph in b.get("phases", []):
            if ph not in phase_ids:
                raise InputError(where, f"behaviour '{bid}': unknown phase '{ph}'")
    levels = set()
    for s in data["safety_levels"]:
        if not isinstance(s, dict) or not _ID.match(str(s.get("id", ""))):
            raise InputError(where, f"safety level {s!r}: bad 'id'")
        if s["id"] in levels:
            raise InputError(where, f"safety level '{s['id']}' appears twice")
        levels.add(s["id"])


def load_taxonomy() -> Taxonomy:
    """The built-in taxonomy shipped in ``resources/taxonomy.json``."""
    text = (resources.files("imu2safety.resources") / "taxonomy.json").read_text(encoding="utf-8")
    return Taxonomy(json.loads(text), "resources/taxonomy.json")


def new_behaviour_code(tax: Taxonomy) -> int:
    used = [int(b["code"]) for b in tax.data["behaviours"]]
    return max([EXTENSION_FIRST_CODE - 1] + used) + 1
