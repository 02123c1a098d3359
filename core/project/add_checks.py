"""Checks a clip passes before it joins a project, shared by ``Project.add_clip`` and batch adding.

- :func:`check_motion_storable` (errors): what would break ``info`` or every export
  later: a frame rate that cannot be stored as an exact ``n/d`` (1e-300 fps was
  stored as 0/1, 1e300 fps overflowed SQLite), fewer than 2 frames, a ``meta`` that
  is not a JSON object.
- :func:`check_new_motion` (warnings, :class:`AddWarning`): the same motion already
  in the project under another subject (a train/test leak: splits are drawn by
  subject) or under the same one (a duplicate); joints that jump faster than
  :data:`~imu2safety.core.motion.interchange.MAX_PLAUSIBLE_SPEED` (capture glitches
  that simulate into tens of g), with the trim :func:`glitch_trim` suggests.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import List, Optional, Tuple

from ..base.errors import InputError, path_text
from ..base.hashing import sha256_file
from ..motion.interchange import MAX_PLAUSIBLE_SPEED, Motion, implausible_frames
from ..motion.timebase import rational_fps

MAX_FPS_DENOMINATOR = 1001  # rational_fps snaps to n/d with d <= 1001
MAX_FPS_NUMERATOR = 2**31 - 1
FPS_TOLERANCE = 1e-4  # relative: the stored n/d must be the file's rate


class ClipWarning(UserWarning):
    """The category of :class:`AddWarning` messages when no ``warn`` callback is given."""


@dataclass(frozen=True)
class AddWarning:
    """Something about a new clip its user should know; ``kind``: leak | duplicate | glitch."""

    kind: str
    message: str
    trim: Optional[Tuple[int, int]] = None  # glitch: the suggested [trim_in, trim_out)

    def __str__(self) -> str:
        return self.message


def storable_fps(fps: float, where) -> Fraction:
    """The exact rate stored for ``fps``; InputError when no n/d (d <= 1001) represents it."""
    try:
        f = float(fps)
    except (TypeError, ValueError):
        raise InputError(where, f"frame rate {fps!r} is not a number") from None
    if not math.isfinite(f) or f <= 0:
        raise InputError(where, f"frame rate {f:g} fps must be a finite number > 0")
    exact = rational_fps(f)
    if exact <= 0 or exact.numerator > MAX_FPS_NUMERATOR or abs(float(exact) - f) > FPS_TOLERANCE * f:
        raise InputError(
            where,
            f"frame rate {f:g} fps cannot be stored as an exact rate n/d with d <= {MAX_FPS_DENOMINATOR} "
            f"(between {1 / MAX_FPS_DENOMINATOR:.4g} and {MAX_FPS_NUMERATOR} fps); check the motion's 'fps'",
        )
    return exact


def check_motion_storable(motion: Motion, where) -> Fraction:
    """InputError for a motion that would break the project later; returns its exact frame rate."""
    if not isinstance(motion.meta, dict):
        raise InputError(where, f"'meta' must be a JSON object, got {type(motion.meta).__name__}")
    exact = motion.meta.get("fps_exact")  # a reconstruction records the video's exact rate ("30000/1001")
    fps = rational_fps(exact) if exact else storable_fps(motion.fps, where)
    if motion.n_frames < 2:
        raise InputError(where, f"has {motion.n_frames} frame(s); a clip needs at least 2 frames")
    return fps


def glitch_trim(motion: Motion, max_speed: float = MAX_PLAUSIBLE_SPEED) -> Optional[Tuple[int, int]]:
    """A trim ``[start, end)`` that drops glitch frames at the clip's start and end, or None.

    A joint jump into frame j (see :func:`implausible_frames`) within the first
    edge (a second, at most a quarter of the clip) moves the start to j: the frames
    before the last such jump are the suspect ones; a jump within the last edge
    moves the end to the first such jump. Jumps inside the clip are left to the user.
    """
    return glitch_trim_from(implausible_frames(motion, max_speed), motion.n_frames, float(motion.fps))


def glitch_trim_from(bad, n: int, fps: float) -> Optional[Tuple[int, int]]:
    """:func:`glitch_trim` from the frames :func:`implausible_frames` found (e.g. kept in a clip's provenance)."""
    if not len(bad):
        return None
    edge = max(1, min(n // 4, int(round(fps))))
    lead = [int(j) for j in bad if j <= edge]
    tail = [int(j) for j in bad if j >= n - edge]
    start = max(lead) if lead else 0
    end = min(tail) if tail else n
    if (start, end) == (0, n) or end - start < 2:
        return None
    return start, end


def twin_warnings(project, motion_sha256: str, source: str | os.PathLike, subject: str = "") -> List[AddWarning]:
    """A leak or duplicate warning when the project already holds this motion (content hash) or a clip made
    from the same source file; for single and batch adds alike."""
    srcs = {os.fspath(source), path_text(Path(source).resolve())}
    twins = [
        c for c in project.clips() if c.motion_sha256 == motion_sha256 or (c.source_path and c.source_path in srcs)
    ]
    other = [c for c in twins if (c.subject or "") != (subject or "")]
    if other:
        c = other[0]
        return [
            AddWarning(
                "leak",
                f"the same motion is already clip '{c.id}' of subject {c.subject or '(none)'}; under subject "
                f"{subject or '(none)'} it can land in another split than its twin (a train/test leak)",
            )
        ]
    if twins:
        c = twins[0]
        return [
            AddWarning(
                "duplicate",
                f"the same motion is already clip '{c.id}' (subject {c.subject or '(none)'}); its windows would "
                "count twice",
            )
        ]
    return []


def check_new_motion(
    project, motion: Motion, path: str | os.PathLike, subject: str = "", sha256: Optional[str] = None
) -> List[AddWarning]:
    """Warnings for adding ``motion`` (read from ``path``) under ``subject`` to ``project``."""
    path = Path(path)
    sha = sha256 or sha256_file(path)
    out: List[AddWarning] = []
    out += [AddWarning(w.kind, f"{path.name}: {w.message}") for w in twin_warnings(project, sha, path, subject)]
    bad = implausible_frames(motion)
    if len(bad):
        shown = ", ".join(str(int(i)) for i in bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
        out.append(
            AddWarning(
                "glitch",
                f"{path.name}: joints jump faster than {MAX_PLAUSIBLE_SPEED:g} m/s at frames {shown} (a capture "
                "glitch?); they simulate into unreal accelerations in training windows: trim them",
                trim=glitch_trim(motion),
            )
        )
    return out
