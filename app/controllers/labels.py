"""Labels and segments: draw, label, select, move and delete segments; trim the clip.

Every edit is a core command run through :class:`~.edits.Edits` (so it is saved at once
and undoable); a drag's steps share a ``merge_key`` and make one undo step. The keyboard
way of labelling lives here: Enter opens a segment at the playhead and closes it with the
Labels panel's choice, 1–9/0 close it with that behaviour, relabel the selected segment
or pick the label for the next one, Esc cancels, I/O trim at the playhead.

Panels it keeps up to date from the session: the timeline (``"clip"``, ``"trim"``,
``"segments"``, ``"selection"``, ``"open_segment"``; while a segment is open, every
playhead frame) and the Labels panel (``"project"``: the taxonomy; ``"clip"``,
``"segments"``, ``"selection"``).
"""

from __future__ import annotations

from typing import Optional

from ...core.project import commands as C
from ...core.session.playhead import Playhead
from ...core.session.session import Session
from ...widgets.labels_panel import LabelsPanel
from ...widgets.timeline import Timeline
from ..feedback import Feedback
from .edits import Edits


class LabelsController:
    def __init__(
        self, session: Session, edits: Edits, feedback: Feedback, timeline: Timeline, labels_panel: LabelsPanel
    ) -> None:
        self.session, self.edits, self.feedback = session, edits, feedback
        self.timeline, self.labels_panel = timeline, labels_panel
        timeline.trim_changed.connect(self.drag_trim)
        timeline.segment_selected.connect(lambda i: self.select_segment(None if i < 0 else i, seek=False))
        timeline.segment_moved.connect(self.drag_segment)
        labels_panel.segment_activated.connect(lambda i: self.select_segment(i, seek=True))
        labels_panel.edit_requested.connect(self.edit_segment)
        labels_panel.delete_requested.connect(self.delete_segment)
        session.connect(self._on_session)
        session.playhead.connect(self._on_playhead)

    # ------------------------------------------------------------------ the session's view
    def _on_session(self, event: str, s: Session) -> None:
        if event == "project" and s.project is not None:
            self.labels_panel.set_taxonomy(s.project.taxonomy)
        elif event == "clip":
            c = s.clip
            if c is None:
                self.timeline.set_segments([], {})
                self.labels_panel.set_segments([])
                return
            self.timeline.set_clip(c.n_frames, float(c.fps), (c.trim_in, c.trim_out))
            self._show_segments()
        elif event == "segments":
            self._show_segments()
        elif event == "trim":
            self.timeline.set_trim(s.clip.trim_in, s.clip.trim_out)
        elif event == "selection":
            self.timeline.set_selected(s.selected)
            self.labels_panel.show_segment(s.segment(s.selected))
        elif event == "open_segment":
            self.timeline.set_open_start(s.open_start)

    def _show_segments(self) -> None:
        s = self.session
        tax = s.taxonomy
        self.timeline.set_segments(s.segments, {b: tax.colour(b) for b in tax.behaviour_ids})
        self.timeline.set_selected(s.selected)
        self.labels_panel.set_segments(s.segments, s.selected)

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event in ("frame", "clip") and self.session.open_start is not None:
            self.timeline.canvas.update()  # the open segment runs to the playhead

    # ------------------------------------------------------------------ selection
    def select_segment(self, seg_id: Optional[int], seek: bool = False) -> None:
        self.session.select(seg_id)
        seg = self.session.segment(seg_id)
        if seek and seg is not None:
            self.session.playhead.seek(seg.start_frame)

    def cancel(self) -> None:
        """Esc: drop the open segment, else clear the selection."""
        if not self.session.cancel_open_segment():
            self.select_segment(None)

    # ------------------------------------------------------------------ drawing and labelling
    def toggle_segment(self) -> None:
        """Enter: open a segment at the playhead, or close the open one there with the chosen label."""
        s = self.session
        if s.clip is None:
            return
        if s.open_start is None:
            start = s.open_segment()
            self.feedback.status(f"Segment open at frame {start}: move, then Enter (or 1–9) to close it; Esc cancels")
            return
        self.close_segment(self.labels_panel.template())

    def close_segment(self, fields: dict) -> Optional[int]:
        """Close the open segment at the playhead as a new segment with ``fields``; its id."""
        a, b = self.session.close_open_segment()
        if fields.get("behaviour") is None:
            self.feedback.error("choose a behaviour in the Labels panel first")
            return None
        cmd = self.edits.execute(
            C.AddSegment(
                self.session.clip.id,
                a,
                b,
                fields["behaviour"],
                fields["safety"],
                phase=fields.get("phase"),
                confidence=fields.get("confidence", 1.0),
                severity=fields.get("severity"),
                occluded=fields.get("occluded", False),
                partly_out_of_frame=fields.get("partly_out_of_frame", False),
            )
        )
        if cmd is None:
            return None
        self.select_segment(cmd.segment_id)
        self.feedback.status(f"Added {fields['behaviour']} frames {a}–{b - 1}", 5000)
        return cmd.segment_id

    def assign_hotkey(self, key: str) -> None:
        """1–9, 0: close the open segment with that behaviour, relabel the selected one, or
        pick the behaviour for the next segment."""
        s = self.session
        if s.project is None or s.clip is None:
            return
        tax = s.project.taxonomy
        behaviour = tax.hotkeys().get(key)
        if behaviour is None:
            return
        safety = "unsafe" if tax.is_critical(behaviour) else "safe"
        if s.open_start is not None:
            t = self.labels_panel.template()
            t.update(
                behaviour=behaviour, safety=safety, phase=None, severity=None if safety == "safe" else t.get("severity")
            )
            if t["safety"] == "safe":
                t["severity"] = None
            self.labels_panel.select_behaviour(behaviour)
            self.close_segment(t)
            return
        if s.selected is not None:
            seg = s.project.segment(s.selected)
            if seg.behaviour != behaviour:
                fields = {"behaviour": behaviour, "safety": safety}
                if seg.phase not in tax.behaviours[behaviour].get("phases", []):
                    fields["phase"] = None
                if safety == "safe":
                    fields["severity"] = None
                self.edits.execute(C.UpdateSegment(seg.id, **fields))
                self.select_segment(seg.id)
            return
        self.labels_panel.select_behaviour(behaviour)

    # ------------------------------------------------------------------ editing segments
    def edit_segment(self, seg_id: int, fields: dict) -> None:
        if "confidence" in fields:  # spin box steps: one undo step per burst of the same field
            cmd = C.UpdateSegment(seg_id, merge_key=f"seg-{seg_id}-confidence", **fields)
        else:
            cmd = C.UpdateSegment(seg_id, **fields)
        self.edits.execute(cmd)
        self.select_segment(seg_id)

    def drag_segment(self, seg_id: int, a: int, b: int, key: str) -> None:
        self.edits.execute(C.UpdateSegment(seg_id, merge_key=key, start_frame=a, end_frame=b))

    def delete_segment(self, seg_id: Optional[int]) -> None:
        if seg_id is None:
            return
        if self.edits.execute(C.DeleteSegment(seg_id)) is not None:
            self.select_segment(None)

    def delete_selected(self) -> None:
        self.delete_segment(self.session.selected)

    # ------------------------------------------------------------------ trim
    def drag_trim(self, t_in: int, t_out: int, key: str) -> None:
        self.edits.execute(C.SetTrim(self.session.clip.id, t_in, t_out, merge_key=key))

    def trim_here(self, which: str) -> None:
        """I / O: trim in or out at the playhead (keeping at least two frames)."""
        c = self.session.clip
        if c is None:
            return
        f = self.session.playhead.frame
        a, b = c.trim_in, c.trim_out
        if which == "in":
            a = min(f, b - 2)
        else:
            b = max(f + 1, a + 2)
        self.edits.execute(C.SetTrim(c.id, a, b))
