"""Every project edit on one Qt undo stack: core commands wrapped in ``QUndoCommand``.

A core :class:`~imu2safety.core.project.commands.Command` is done at once
(:meth:`Edits.execute`: one SQLite transaction, so the edit is saved as it is made) and
then pushed, already done, as a :class:`ProjectUndoCommand`. Commands sharing a
``merge_key`` (the steps of one drag) merge into one undo step: ``id()`` is a constant
per command class and ``mergeWith`` asks the core. Edits that are not project commands
(live device tuning) push their own ``QUndoCommand`` with :meth:`Edits.push`.

The stack is emptied whenever another project is opened.
"""

from __future__ import annotations

import zlib
from typing import Optional

from PySide6.QtGui import QUndoCommand, QUndoStack

from ...core.project import commands as C
from ...core.session.session import Session
from ..feedback import Feedback


class ProjectUndoCommand(QUndoCommand):
    """A core command on the Qt undo stack. It was already done when pushed; ``mergeWith`` asks the core."""

    def __init__(self, edits: "Edits", cmd: C.Command) -> None:
        super().__init__(cmd.text)
        self.edits, self.cmd = edits, cmd
        self._first = True

    def id(self) -> int:
        if self.cmd.merge_key is None:
            return -1
        return zlib.crc32(type(self.cmd).__name__.encode()) & 0x7FFFFFFF

    def redo(self) -> None:
        if self._first:  # done by Edits.execute before the push
            self._first = False
            return
        self.edits.guarded(lambda: self.cmd.do(self.edits.session.project), "redo")

    def undo(self) -> None:
        self.edits.guarded(lambda: self.cmd.undo(self.edits.session.project), "undo")

    def mergeWith(self, other: QUndoCommand) -> bool:
        return isinstance(other, ProjectUndoCommand) and self.cmd.merge_with(other.cmd)


class Edits:
    def __init__(self, session: Session, feedback: Feedback, parent=None) -> None:
        self.session = session
        self.guarded = feedback.guarded
        self.undo_stack = QUndoStack(parent)
        session.connect(self._on_session)

    def _on_session(self, event: str, session: Session) -> None:
        if event == "project":
            self.undo_stack.clear()

    def execute(self, cmd: C.Command) -> Optional[C.Command]:
        """Do a core command now and push it on the undo stack (merging drags). None if refused."""
        project = self.session.project
        if project is None:
            return None
        ok = self.guarded(lambda: (cmd.do(project), True)[1], cmd.text)
        if not ok:
            return None
        self.undo_stack.push(ProjectUndoCommand(self, cmd))
        return cmd

    def adopt_last_command(self) -> None:
        """Put the command the core just ran on its own stack (e.g. ``Project.add_clip``) on the Qt stack."""
        project = self.session.project
        if project is not None and project.stack.done:
            self.undo_stack.push(ProjectUndoCommand(self, project.stack.done[-1]))

    def push(self, command: QUndoCommand) -> None:
        """An edit that is not a project command (it was done already; see DeviceEditCommand)."""
        self.undo_stack.push(command)
