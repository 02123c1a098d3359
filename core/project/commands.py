"""Edit commands: every change to a project is a :class:`Command` with ``do``/``undo``.

A command's first ``do`` reads the current rows, validates, and records its
effect as a list of :class:`Change` (table, key, row before, row after); later
``undo``/``do`` (redo) apply the recorded rows backwards/forwards. Each call is
one SQLite transaction that also appends an entry to the edit log, so a crash
loses at most the edit in flight.

Two ways to drive them:

- plain Python: ``project.execute(cmd)``, ``project.undo()``, ``project.redo()``
  (the project's :class:`UndoStack`);
- Qt: wrap each command in a ``QUndoCommand`` whose ``redo()`` calls
  ``cmd.do(project)``, ``undo()`` calls ``cmd.undo(project)``, ``id()`` returns
  a constant per class when ``cmd.merge_key`` is set (else -1) and
  ``mergeWith(other)`` returns ``cmd.merge_with(other.cmd)``. Give every step of one
  drag the same ``merge_key`` (e.g. ``"drag-<n>"``): the steps become one undo step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Protocol, Tuple

from ..base.errors import InputError


class Project(Protocol):
    """What commands need of the project they edit (:class:`~.project.Project` provides it).

    Commands are the project's own edit operations, so they use its row-level
    helpers; this protocol names them without importing the project module.
    """

    who: str

    def _run(self, cmd: "Command", action: str) -> None: ...
    def _apply(self, changes: List["Change"], forward: bool) -> None: ...
    def _row(self, table: str, key) -> Optional[Dict[str, Any]]: ...
    def _require(self, table: str, key) -> Dict[str, Any]: ...
    def _rows(self, table: str, column: str, value) -> List[Dict[str, Any]]: ...
    def _all(self, table: str) -> List[Dict[str, Any]]: ...
    def _next_segment_id(self) -> int: ...
    def _now(self) -> str: ...
    def _validate_clip(self, row: Dict[str, Any], before: Optional[Dict[str, Any]] = None) -> None: ...
    def _validate_segment(self, row: Dict[str, Any]) -> None: ...


TABLE_KEYS = {"clips": "id", "segments": "id", "profiles": "name", "meta": "key"}

CLIP_FIELDS = ("subject", "notes", "wrist", "profile", "seed", "trim_in", "trim_out")
SEGMENT_FIELDS = (
    "start_frame",
    "end_frame",
    "behaviour",
    "safety",
    "severity",
    "phase",
    "confidence",
    "occluded",
    "partly_out_of_frame",
    "annotator",
)


@dataclass
class Change:
    table: str
    key: Any
    before: Optional[Dict[str, Any]]  # None: the row did not exist
    after: Optional[Dict[str, Any]]  # None: the row is deleted

    def to_dict(self) -> Dict[str, Any]:
        return {"table": self.table, "key": self.key, "before": self.before, "after": self.after}

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "Change":
        return cls(d["table"], d["key"], d["before"], d["after"])


class Command:
    """Base class. Subclasses implement :meth:`compute` (validate, return changes)."""

    text = "edit"

    def __init__(self, merge_key: Optional[str] = None):
        self.changes: Optional[List[Change]] = None
        self.merge_key = merge_key

    # -- what subclasses write -------------------------------------------------------------
    def compute(self, project: "Project") -> List[Change]:
        raise NotImplementedError

    def target(self) -> Tuple:
        """What the command edits (commands merge only with the same target)."""
        return ()

    # -- the public protocol ---------------------------------------------------------------
    def do(self, project: "Project") -> None:
        """Apply (first time: compute) in one transaction; log it; notify subscribers."""
        project._run(self, "do" if self.changes is None else "redo")

    def undo(self, project: "Project") -> None:
        if self.changes is None:
            raise RuntimeError("undo of a command that was never done")
        project._run(self, "undo")

    def merge_with(self, other: "Command") -> bool:
        """Absorb ``other`` (already done) into this command: one undo step for a drag."""
        if (
            self.merge_key is None
            or other.merge_key != self.merge_key
            or type(other) is not type(self)
            or other.target() != self.target()
            or self.changes is None
            or other.changes is None
        ):
            return False
        mine = {(c.table, c.key): c for c in self.changes}
        for c in other.changes:
            if (c.table, c.key) in mine:
                mine[(c.table, c.key)].after = copy.deepcopy(c.after)
            else:
                self.changes.append(copy.deepcopy(c))
        return True

    # hook used by Project: compute and apply inside the open transaction
    def _compute_apply(self, project: "Project") -> List[Change]:
        changes = self.compute(project)
        project._apply(changes, forward=True)
        return changes

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text!r}>"


class LoggedCommand(Command):
    """A command rebuilt from the edit log (after reopening a project): undo/redo only."""

    def __init__(self, text: str, kind: str, changes: List[Change], merge_key: Optional[str], target=()):
        super().__init__(merge_key)
        self.text, self.kind, self.changes, self._target = text, kind, changes, tuple(target)

    def target(self) -> Tuple:
        return self._target

    def merge_with(self, other: Command) -> bool:
        if isinstance(other, LoggedCommand) and other.kind != self.kind:
            return False
        return Command.merge_with(self, other)


# -- clips ---------------------------------------------------------------------------------------


class AddClip(Command):
    """Insert a prepared clip row (use :meth:`Project.add_clip`, which copies the file and builds the row)."""

    text = "add clip"

    def __init__(self, row: Dict[str, Any]):
        super().__init__()
        self.row = dict(row)

    def target(self):
        return ("clips", self.row["id"])

    def compute(self, project):
        if project._row("clips", self.row["id"]) is not None:
            raise InputError(None, f"clip id '{self.row['id']}' already exists")
        return [Change("clips", self.row["id"], None, dict(self.row))]


class DeleteClip(Command):
    text = "delete clip"

    def __init__(self, clip_id: str):
        super().__init__()
        self.clip_id = clip_id

    def target(self):
        return ("clips", self.clip_id)

    def compute(self, project):
        row = project._require("clips", self.clip_id)
        segs = [Change("segments", r["id"], r, None) for r in project._rows("segments", "clip_id", self.clip_id)]
        return segs + [Change("clips", self.clip_id, row, None)]


class UpdateClip(Command):
    """Change clip fields: subject, notes, wrist, profile, seed, trim_in, trim_out."""

    text = "edit clip"

    def __init__(self, clip_id: str, merge_key: Optional[str] = None, **fields):
        super().__init__(merge_key)
        unknown = set(fields) - set(CLIP_FIELDS)
        if unknown:
            raise InputError(
                None, f"clip has no editable field '{sorted(unknown)[0]}' (editable: {', '.join(CLIP_FIELDS)})"
            )
        self.clip_id, self.fields = clip_id, fields

    def target(self):
        return ("clips", self.clip_id)

    def compute(self, project):
        row = project._require("clips", self.clip_id)
        new = dict(row)
        new.update(self.fields)
        project._validate_clip(new, before=row)
        return [Change("clips", self.clip_id, row, new)]


class SetTrim(UpdateClip):
    """Trim a clip to frames [trim_in, trim_out) of its source."""

    text = "trim clip"

    def __init__(self, clip_id: str, trim_in: int, trim_out: int, merge_key: Optional[str] = None):
        super().__init__(clip_id, merge_key, trim_in=int(trim_in), trim_out=int(trim_out))


# -- segments ------------------------------------------------------------------------------------


class AddSegment(Command):
    """Label frames [start_frame, end_frame) of a clip (source frames, end exclusive)."""

    text = "add segment"

    def __init__(
        self,
        clip_id: str,
        start_frame: int,
        end_frame: int,
        behaviour: str,
        safety: str,
        phase: Optional[str] = None,
        confidence: float = 1.0,
        severity: Optional[int] = None,
        occluded: bool = False,
        partly_out_of_frame: bool = False,
        annotator: Optional[str] = None,
    ):
        super().__init__()
        self.fields = dict(
            clip_id=clip_id,
            start_frame=int(start_frame),
            end_frame=int(end_frame),
            behaviour=behaviour,
            safety=safety,
            phase=phase or None,
            confidence=float(confidence),
            severity=None if severity is None else int(severity),
            occluded=int(bool(occluded)),
            partly_out_of_frame=int(bool(partly_out_of_frame)),
            annotator=annotator,
        )
        self.segment_id: Optional[int] = None

    def target(self):
        return ("segments", self.segment_id)

    def compute(self, project):
        now = project._now()
        row = dict(self.fields)
        if row["annotator"] is None:
            row["annotator"] = project.who
        row.update(created_utc=now, modified_utc=now)
        project._validate_segment(row)
        self.segment_id = project._next_segment_id()
        row["id"] = self.segment_id
        return [Change("segments", self.segment_id, None, row)]


class UpdateSegment(Command):
    """Change fields of a segment; pass ``merge_key`` for each step of a drag."""

    text = "edit segment"

    def __init__(self, segment_id: int, merge_key: Optional[str] = None, **fields):
        super().__init__(merge_key)
        unknown = set(fields) - set(SEGMENT_FIELDS)
        if unknown:
            raise InputError(None, f"segment has no field '{sorted(unknown)[0]}' (fields: {', '.join(SEGMENT_FIELDS)})")
        self.segment_id, self.fields = int(segment_id), fields

    def target(self):
        return ("segments", self.segment_id)

    def compute(self, project):
        row = project._require("segments", self.segment_id)
        new = dict(row)
        new.update(self.fields)
        for k in ("occluded", "partly_out_of_frame"):
            new[k] = int(bool(new[k]))
        new["modified_utc"] = project._now()
        project._validate_segment(new)
        return [Change("segments", self.segment_id, row, new)]


class DeleteSegment(Command):
    text = "delete segment"

    def __init__(self, segment_id: int):
        super().__init__()
        self.segment_id = int(segment_id)

    def target(self):
        return ("segments", self.segment_id)

    def compute(self, project):
        return [Change("segments", self.segment_id, project._require("segments", self.segment_id), None)]


# -- device profiles and taxonomy ----------------------------------------------------------------


class SetProfile(Command):
    """Create or replace a named device/noise profile (a validated preset dict)."""

    text = "set device profile"

    def __init__(self, name: str, data: Dict[str, Any], base: Optional[str] = None, merge_key: Optional[str] = None):
        super().__init__(merge_key)
        self.name, self.data, self.base = name, data, base

    def target(self):
        return ("profiles", self.name)

    def compute(self, project):
        import json

        from ..sim.devices import preset_from_dict

        if not self.name or not str(self.name).strip():
            raise InputError(None, "a device profile needs a name")
        preset_from_dict(copy.deepcopy(self.data), f"profile '{self.name}'")
        before = project._row("profiles", self.name)
        base = self.base or (before["base"] if before else self.data.get("id", "custom"))
        after = {
            "name": self.name,
            "base": base,
            "data": json.dumps(self.data, sort_keys=True),
            "modified_utc": project._now(),
        }
        return [Change("profiles", self.name, before, after)]


class DeleteProfile(Command):
    text = "delete device profile"

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def target(self):
        return ("profiles", self.name)

    def compute(self, project):
        row = project._require("profiles", self.name)
        users = [r["id"] for r in project._rows("clips", "profile", self.name)]
        if users:
            raise InputError(None, f"device profile '{self.name}' is used by clip(s) {', '.join(users[:5])}")
        return [Change("profiles", self.name, row, None)]


class SetTaxonomyExtension(Command):
    """Replace the project's taxonomy extension (new behaviours/phases; see core.taxonomy)."""

    text = "edit taxonomy"

    def __init__(self, extension: Optional[Dict[str, Any]]):
        super().__init__()
        self.extension = extension

    def target(self):
        return ("meta", "taxonomy_extension")

    def compute(self, project):
        import json

        from .taxonomy import check_extension, load_taxonomy, new_behaviour_code

        if self.extension:
            check_extension(self.extension, "taxonomy extension")
        ext = copy.deepcopy(self.extension) if self.extension else None
        before = project._row("meta", "taxonomy_extension")
        base = load_taxonomy()
        merged = base
        after = None
        if ext:
            old = json.loads(before["value"]) if before else {}
            ext["revision"] = int(old.get("revision", 0)) + 1
            used_codes = [int(b["code"]) for b in base.data["behaviours"]]
            used_codes += [int(b["code"]) for b in ext.get("behaviours", []) if "code" in b]
            for b in ext.get("behaviours", []):
                if "code" not in b:
                    b["code"] = max(used_codes + [new_behaviour_code(base) - 1]) + 1
                    used_codes.append(b["code"])
            merged = base.extend(ext)  # validates
            after = {"key": "taxonomy_extension", "value": json.dumps(ext, sort_keys=True)}
        used = {s["behaviour"] for s in project._all("segments")}
        missing = used - set(merged.behaviour_ids)
        if missing:
            raise InputError(
                None, f"behaviour '{sorted(missing)[0]}' is used by segments; it cannot be removed from the taxonomy"
            )
        if before is None and after is None:
            return []
        return [Change("meta", "taxonomy_extension", before, after)]


class Batch(Command):
    """Several commands as one transaction and one undo step (e.g. a CSV import)."""

    def __init__(self, commands: List[Command], text: str = "batch"):
        super().__init__()
        self.commands, self.text = list(commands), text

    def _compute_apply(self, project):
        out: List[Change] = []
        for c in self.commands:
            c.changes = c._compute_apply(project)
            out += c.changes
        return out

    def compute(self, project):  # pragma: no cover - _compute_apply is used
        raise NotImplementedError


class UndoStack:
    """A linear undo/redo stack over a project (plain Python; the Qt side may use QUndoStack instead)."""

    def __init__(self, project: "Project", limit: int = 1000):
        self.project, self.limit = project, limit
        self.done: List[Command] = []
        self.undone: List[Command] = []

    def push(self, cmd: Command) -> Command:
        cmd.do(self.project)
        self.undone.clear()
        if self.done and self.done[-1].merge_with(cmd):
            return self.done[-1]
        self.done.append(cmd)
        del self.done[: -self.limit]
        return cmd

    def can_undo(self) -> bool:
        return bool(self.done)

    def can_redo(self) -> bool:
        return bool(self.undone)

    def undo_text(self) -> Optional[str]:
        return self.done[-1].text if self.done else None

    def redo_text(self) -> Optional[str]:
        return self.undone[-1].text if self.undone else None

    def undo(self) -> Optional[Command]:
        if not self.done:
            return None
        cmd = self.done[-1]
        cmd.undo(self.project)
        self.undone.append(self.done.pop())
        return cmd

    def redo(self) -> Optional[Command]:
        if not self.undone:
            return None
        cmd = self.undone[-1]
        cmd.do(self.project)
        self.done.append(self.undone.pop())
        return cmd

    def restore_from_log(self, entries) -> None:
        """Rebuild the stack from the edit log (oldest first) after reopening a project."""
        self.done, self.undone = [], []
        for e in entries:
            if e.action == "do":
                cmd = LoggedCommand(
                    e.text, e.command, e.changes, e.merge_key, target=[(c.table, c.key) for c in e.changes][:1]
                )
                self.undone.clear()
                if not (self.done and self.done[-1].merge_with(cmd)):
                    self.done.append(cmd)
            elif e.action == "undo" and self.done:
                self.undone.append(self.done.pop())
            elif e.action == "redo" and self.undone:
                self.done.append(self.undone.pop())
        del self.done[: -self.limit]
