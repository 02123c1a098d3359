"""Stable person track ids across frames (IoU matching with the Hungarian method).

Each frame the :class:`Tracker` receives detector boxes and, for tracks seen
on the previous frame, a box propagated from their keypoints. Detections are
matched to the live tracks by IoU against each track's expected box (the
propagated box when there is one, else its last box) with
:func:`scipy.optimize.linear_sum_assignment`; a match needs IoU >= ``iou_match``.
Unmatched tracks keep going on their propagated box; unmatched detections start
new tracks (ids 1, 2, 3 ... in order of appearance); a track unseen for
``max_age`` frames ends, and an id is never reused. When two tracks cover the
same person (IoU > ``merge_iou``) the younger one ends. The caller picks which
track becomes the motion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from .detect import iou_matrix

SRC_NONE, SRC_DETECTOR, SRC_KEYPOINTS = 0, 1, 2
SOURCE_NAMES = {SRC_NONE: "none", SRC_DETECTOR: "detector", SRC_KEYPOINTS: "keypoints"}


@dataclass
class Track:
    id: int
    box: np.ndarray
    first: int
    last: int
    hits: int = 1
    score: float = 0.0
    ended: bool = False


@dataclass
class Tracker:
    iou_match: float = 0.3
    max_age: int = 15
    merge_iou: float = 0.7
    min_score: float = 0.0
    tracks: Dict[int, Track] = field(default_factory=dict)
    _next_id: int = 1

    def live(self, frame: int) -> List[Track]:
        return [t for t in self.tracks.values() if not t.ended and frame - t.last <= self.max_age]

    def update(
        self, frame: int, detections: np.ndarray, propagated: Optional[Dict[int, np.ndarray]] = None
    ) -> List[Tuple[int, np.ndarray, int]]:
        """Assign this frame's boxes to tracks; returns ``[(track_id, box xyxy, source)]`` sorted by id."""
        propagated = propagated or {}
        det = np.asarray(detections, float).reshape(-1, 5) if len(detections) else np.zeros((0, 5))
        det = det[det[:, 4] >= self.min_score]
        for t in self.tracks.values():
            if not t.ended and frame - t.last > self.max_age:
                t.ended = True
        live = self.live(frame)
        expected = np.array([propagated.get(t.id, t.box) for t in live]).reshape(-1, 4)
        out: Dict[int, Tuple[np.ndarray, int]] = {}
        used = np.zeros(len(det), bool)
        if len(live) and len(det):
            iou = iou_matrix(expected, det)
            rows, cols = linear_sum_assignment(-iou)
            for r, c in zip(rows, cols):
                if iou[r, c] >= self.iou_match:
                    t = live[r]
                    t.box, t.last, t.hits, t.score = det[c, :4].copy(), frame, t.hits + 1, float(det[c, 4])
                    out[t.id] = (t.box, SRC_DETECTOR)
                    used[c] = True
        for t in live:
            if t.id not in out and t.id in propagated:
                t.box, t.last, t.hits = np.asarray(propagated[t.id], float).copy(), frame, t.hits + 1
                out[t.id] = (t.box, SRC_KEYPOINTS)
        for c in np.nonzero(~used)[0]:
            # a detection that overlaps a track already placed this frame is the same person
            if out and iou_matrix(det[c : c + 1], np.array([b for b, _ in out.values()])).max() > self.merge_iou:
                continue
            t = Track(id=self._next_id, box=det[c, :4].copy(), first=frame, last=frame, score=float(det[c, 4]))
            self._next_id += 1
            self.tracks[t.id] = t
            out[t.id] = (t.box, SRC_DETECTOR)
        self._merge(out)
        return [(tid, b, s) for tid, (b, s) in sorted(out.items())]

    def _merge(self, out: Dict[int, Tuple[np.ndarray, int]]) -> None:
        ids = sorted(out)
        if len(ids) < 2:
            return
        iou = iou_matrix(np.array([out[i][0] for i in ids]), np.array([out[i][0] for i in ids]))
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                ia, ib = ids[a], ids[b]
                if ia in out and ib in out and iou[a, b] > self.merge_iou:
                    ta, tb = self.tracks[ia], self.tracks[ib]
                    loser = tb if (ta.first, -ta.hits) <= (tb.first, -tb.hits) else ta
                    loser.ended = True
                    out.pop(loser.id, None)
