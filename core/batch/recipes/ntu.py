"""NTU RGB+D 60 / 120 skeletons: ``SsssCcccPpppRrrrAaaa.skeleton`` -> labelled clips.

- The action ``Aaaa`` in the file name is looked up in ``ntu_actions.csv``: falling -> falling, staggering ->
  losing balance, punching/slapping, kicking and hitting (with something, wielding a knife) -> fighting,
  pushing and knocking over -> shoving, sitting down/standing up/walking/running -> routine classes, the rest
  -> other. The whole clip gets that label (NTU clips are cut to the action).
- The subject is the performer ``Pppp`` (``ntu-P001``): splits by subject keep a performer in one split.
- Two-person actions (``persons`` = 2 in the table: A050-A060, A106-A120) hold two bodies; the clip follows
  the actor. ``actor="active"`` (default) takes the body with the most motion among those tracked in at
  least 80 % of the frames -- the NTU authors' main-subject rule; the acting person (the one punching,
  pushing, kicking) moves more than the one receiving. ``"first"``/``"second"`` take the body that appears
  first/second in the file instead. One-person actions always take the most-tracked, most-moving body (it
  drops short-lived false detections).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional, Sequence

from ..items import Item, Label
from ..sources import expand_paths
from .mapping import load_mapping

NAME = re.compile(r"^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$")
ACTORS = ("active", "first", "second")
DESCRIPTION = "NTU RGB+D 60/120 .skeleton files: action -> taxonomy, performer -> subject"


def items(paths: Sequence[str], taxonomy, mapping: Optional[str] = None, actor: str = "active") -> List[Item]:
    if actor not in ACTORS:
        from ...base.errors import InputError

        raise InputError(None, f"NTU actor must be one of {', '.join(ACTORS)}, got {actor!r}")
    table = load_mapping("ntu_actions", "action", taxonomy, mapping)
    out = []
    for f in expand_paths(paths, suffixes=(".skeleton",)):
        m = NAME.match(f.stem)
        if m is None:
            out.append(Item(path=str(f), error="not an NTU RGB+D file name (SsssCcccPpppRrrrAaaa.skeleton)"))
            continue
        setup, camera, performer, replication, action = (int(g) for g in m.groups())
        code = f"A{action:03d}"
        row = table.get(code)
        if row is None:
            out.append(Item(path=str(f), error=f"action {code} is not in the mapping table {table.path}"))
            continue
        persons = int(row.get("persons") or 1)
        options = {"format": "ntu"}
        if persons == 2 and actor != "active":
            options["body"] = ACTORS.index(actor) - 1
        actor_rule = (
            f"the {actor} body in the file"
            if "body" in options
            else "the body with the most motion among those tracked in >= 80 % of the frames"
        )
        out.append(
            Item(
                path=str(f),
                subject=f"ntu-P{performer:03d}",
                id_hint=Path(f).stem,
                labels=[Label(row["behaviour"], row["safety"])] if row["behaviour"] else [],
                import_options=options,
                provenance={
                    "recipe": {"name": "ntu", "dataset": "NTU RGB+D 60/120"},
                    "mapping": table.provenance(),
                    "label_source": {
                        "action": code,
                        "name": row.get("name", ""),
                        "setup": setup,
                        "camera": camera,
                        "performer": performer,
                        "replication": replication,
                        "persons": persons,
                        "actor": actor_rule,
                    },
                },
            )
        )
    return out
