"""Fixed-length windows over a clip's IMU samples and the rule that labels them.

Label rule (``LABEL_RULE``, also written to the dataset):

1. A window is ``window`` samples starting every ``hop`` samples from sample 0
   (the trim-in); only whole windows are made.
2. A window with any invalid sample (the arm not observed) is dropped.
3. Each behaviour's *coverage* is the fraction of the window's samples inside at
   least one segment of that behaviour (sample n at time n / rate lies in a
   segment when start_s <= n / rate < end_s).
4. The window's label is a behaviour whose coverage is >= ``min_fraction``
   (default 0.5). When several qualify (overlapping segments, or exactly half
   each), a safety-critical behaviour wins over a routine one, then the larger
   coverage, then the smaller code.
5. No behaviour reaches ``min_fraction``: label -1 (unlabelled); such windows are
   dropped unless ``keep_unlabelled`` is set.
6. The window's safety is the highest safety code (0 safe, 1 unsafe) among the
   segments of the chosen behaviour that overlap it (-1 when unlabelled).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Sequence, Tuple

import numpy as np

UNLABELLED = -1
LABEL_RULE = (
    "windows of W samples every H samples from the trim-in; windows with any invalid sample are dropped; "
    "label = a behaviour covering >= min_fraction of the window's samples (sample n in a segment when "
    "start_s <= n/rate < end_s); ties: safety-critical over routine, then larger coverage, then smaller code; "
    "none: -1 (unlabelled, dropped unless kept); safety = highest safety code among the chosen behaviour's "
    "segments overlapping the window"
)


@dataclass(frozen=True)
class LabelInterval:
    lo: int  # first sample inside
    hi: int  # one past the last sample inside
    code: int  # behaviour code
    critical: bool  # safety-critical behaviour
    safety: int  # safety code


def sample_bounds(start_s: Fraction, end_s: Fraction, rate_hz: float) -> Tuple[int, int]:
    """Samples n with start_s <= n / rate < end_s, as a half-open range (exact arithmetic)."""
    rate = Fraction(rate_hz).limit_denominator(10**6)
    return math.ceil(Fraction(start_s) * rate), math.ceil(Fraction(end_s) * rate)


def window_starts(n_samples: int, window: int, hop: int) -> np.ndarray:
    if window < 1 or hop < 1:
        raise ValueError("window and hop must be >= 1 sample")
    if n_samples < window:
        return np.zeros(0, dtype=np.int64)
    return np.arange(0, n_samples - window + 1, hop, dtype=np.int64)


def label_windows(
    n_samples: int,
    valid: np.ndarray,
    intervals: Sequence[LabelInterval],
    window: int,
    hop: int,
    min_fraction: float = 0.5,
    keep_unlabelled: bool = False,
):
    """Apply :data:`LABEL_RULE`. Returns ``(starts, labels, safety)`` of the kept windows."""
    starts = window_starts(n_samples, window, hop)
    if starts.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.astype(np.int32), empty.astype(np.int8)
    bad = np.concatenate([[0], np.cumsum(~np.asarray(valid, bool)[:n_samples])])
    ok = (bad[starts + window] - bad[starts]) == 0

    codes = sorted({iv.code for iv in intervals}, key=lambda c: (not _crit(intervals, c), c))
    labels = np.full(starts.size, UNLABELLED, dtype=np.int32)
    safety = np.full(starts.size, -1, dtype=np.int8)
    if codes:
        cover = np.zeros((starts.size, len(codes)))
        for j, c in enumerate(codes):
            ind = np.zeros(n_samples + 1, dtype=np.int64)
            for iv in intervals:
                if iv.code == c:
                    lo, hi = max(iv.lo, 0), min(iv.hi, n_samples)
                    if hi > lo:
                        ind[lo] += 1
                        ind[hi] -= 1
            inside = np.cumsum(ind)[:n_samples] > 0
            cs = np.concatenate([[0], np.cumsum(inside)])
            cover[:, j] = (cs[starts + window] - cs[starts]) / window
        crit = np.array([_crit(intervals, c) for c in codes], dtype=float)
        # eps keeps exact halves qualifying despite float division
        qualifies = cover >= min_fraction - 1e-12
        score = np.where(qualifies, 2.0 * crit[None, :] + cover, -1.0)
        best = np.argmax(score, axis=1)  # first max = smaller code within equal scores
        has = qualifies.any(axis=1)
        code_arr = np.array(codes, dtype=np.int32)
        labels[has] = code_arr[best[has]]
        for i in np.nonzero(has)[0]:
            s, e, c = starts[i], starts[i] + window, labels[i]
            safety[i] = max(iv.safety for iv in intervals if iv.code == c and iv.lo < e and iv.hi > s)
    keep = ok & ((labels != UNLABELLED) | keep_unlabelled)
    return starts[keep], labels[keep], safety[keep]


def _crit(intervals: Sequence[LabelInterval], code: int) -> bool:
    return any(iv.critical for iv in intervals if iv.code == code)


def intervals_for(segments, trim_in_s: Fraction, rate_hz: float, taxonomy) -> List[LabelInterval]:
    """Label intervals in sample indices of the trimmed signal from project segments."""
    out = []
    for s in segments:
        lo, hi = sample_bounds(s.start_s - trim_in_s, s.end_s - trim_in_s, rate_hz)
        out.append(
            LabelInterval(
                lo, hi, taxonomy.code(s.behaviour), taxonomy.is_critical(s.behaviour), taxonomy.safety_code(s.safety)
            )
        )
    return out
