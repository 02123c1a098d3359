"""One time base: integer frames at a rational video rate, seconds derived exactly."""

from __future__ import annotations

from fractions import Fraction


def rational_fps(fps: float | Fraction | str) -> Fraction:
    """The exact frame rate: 29.97002997 -> 30000/1001, 25.0 -> 25.

    Float rates written by other tools are snapped to the nearest fraction with
    a denominator of at most 1001 (the NTSC family), which is exact for every
    broadcast and camera rate in use.
    """
    if isinstance(fps, Fraction):
        return fps
    f = Fraction(fps) if isinstance(fps, str) else Fraction(float(fps))
    return f.limit_denominator(1001)


def frame_to_seconds(frame: int, fps: float | Fraction) -> Fraction:
    return Fraction(int(frame)) / rational_fps(fps)


def seconds_to_frame(seconds: float | Fraction, fps: float | Fraction) -> int:
    """Nearest frame index to a time in seconds (exact for times made by frame_to_seconds)."""
    s = Fraction(seconds) if not isinstance(seconds, Fraction) else seconds
    if not isinstance(seconds, Fraction):
        s = s.limit_denominator(10**9)
    return int(round(s * rational_fps(fps)))
