"""The device: live tuning of its parameters, presets and project profiles, the clip's wrist and seed.

A parameter edit in the Device panel tunes the device the clip is simulated with at once
(the session re-simulates); it is one undo step per burst on the same parameters
(:class:`DeviceEditCommand`) and stays an unsaved edit until "Save as profile…" stores it
in the project. Picking a preset or profile, the wrist or the seed are project commands.

Panel it keeps up to date from the session: the Device panel (``"clip"``, ``"profile"``,
``"profiles"``, ``"wrist"``, ``"seed"``).
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ...core.project import commands as C
from ...core.session.session import Session
from ...widgets.device_panel import DevicePanel
from .edits import Edits


class DeviceEditCommand(QUndoCommand):
    """A device parameter edit (live tuning, not yet a project profile) on the undo stack.
    Consecutive edits of the same parameters merge (a spin box held down is one step)."""

    ID = 0x1D3F

    def __init__(self, controller: "DeviceController", before, after, fields) -> None:
        super().__init__("edit device " + ", ".join(sorted(fields)))
        self.controller, self.before, self.after, self.fields = controller, before, after, frozenset(fields)
        self._first = True

    def id(self) -> int:
        return self.ID

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.controller.apply_device(self.after)

    def undo(self) -> None:
        self.controller.apply_device(self.before)

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, DeviceEditCommand) or other.fields != self.fields:
            return False
        self.after = other.after
        return True


class DeviceController:
    def __init__(self, session: Session, edits: Edits, device_panel: DevicePanel) -> None:
        self.session, self.edits, self.panel = session, edits, device_panel
        device_panel.device_changed.connect(self._tuned)
        device_panel.clip_changed.connect(self.set_clip_fields)
        device_panel.save_profile.connect(self.save_profile)
        device_panel.preset_selected.connect(self.select_preset)
        session.connect(self._on_session)

    # ------------------------------------------------------------------ the session's view
    def _on_session(self, event: str, s: Session) -> None:
        if s.clip is None:
            return
        if event == "clip":
            self.panel.set_choices(s.profiles, s.profile_name)
            self.panel.set_preset(s.device)
            self.panel.set_clip_fields(s.clip.wrist, s.clip.seed)
        elif event in ("wrist", "seed"):
            self.panel.set_clip_fields(s.clip.wrist, s.clip.seed)
        elif event == "profile":
            self.panel.set_preset(s.device)
            self.panel.select(s.profile_name)
        elif event == "profiles":
            self.panel.set_choices(s.profiles, s.profile_name)

    # ------------------------------------------------------------------ live tuning
    def _tuned(self, preset) -> None:
        """The panel's parameters changed: simulate with them, one undo step per burst."""
        before = self.session.device
        self.session.set_device(preset, edited=True)
        if before is not None:
            self.edits.push(DeviceEditCommand(self, before, preset, self.panel.last_changes))

    def apply_device(self, preset, edited: bool = True) -> None:
        """Show ``preset`` in the panel and simulate with it (undo/redo of a tuning step)."""
        self.panel.set_preset(preset, base=False)
        self.session.set_device(preset, edited=edited)

    # ------------------------------------------------------------------ project edits
    def select_preset(self, name: str) -> None:
        s = self.session
        if s.clip is None:
            return
        if name != (s.clip.profile or None):
            self.edits.execute(C.UpdateClip(s.clip.id, profile=name))  # the session reloads the device
        else:  # same preset again: drop the live edits
            self.apply_device(self.panel.preset, edited=False)

    def save_profile(self, name: str, data: dict) -> None:
        s = self.session
        if s.clip is None:
            return
        if self.edits.execute(C.SetProfile(name, data)) is not None:
            self.edits.execute(C.UpdateClip(s.clip.id, profile=name))
            s.mark_device_saved()

    def set_clip_fields(self, fields: dict) -> None:
        """The clip's wrist or seed (``{"wrist": ...}`` or ``{"seed": ...}``)."""
        if self.session.clip is not None:
            self.edits.execute(C.UpdateClip(self.session.clip.id, **fields))
