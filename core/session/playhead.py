"""The one playhead every view observes (napari's ``dims.current_step`` pattern).

A Qt-free model of where playback is: an integer ``frame`` at a rational video
rate ``fps``, a ``playing`` flag and a ``speed`` (0.25x to 2x). Views subscribe
with :meth:`Playhead.connect` (a callback ``(event, playhead)``) in their
``__init__`` and :meth:`Playhead.disconnect` on close. Events: ``"frame"``,
``"playing"``, ``"speed"``, ``"clip"`` (the frame count or rate changed).

Time is exact: ``seconds`` is a :class:`fractions.Fraction` made from the frame
index and the rational rate. During playback a clock (the GUI's timer) calls
:meth:`advance_to` with the wall time elapsed since play started; the frame
shown is ``floor(start_frame + elapsed * speed * fps)``, so frames are dropped
rather than playback slowing down when drawing is slow, and the rate never
drifts.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, List, Optional

from ..motion.timebase import rational_fps, seconds_to_frame

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]

Observer = Callable[[str, "Playhead"], None]


class Playhead:
    def __init__(self, n_frames: int = 1, fps: float | Fraction = 30) -> None:
        self._n = max(1, int(n_frames))
        self._fps = rational_fps(fps)
        self._frame = 0
        self._playing = False
        self._speed = 1.0
        self._observers: List[Observer] = []
        self._play_origin: Optional[int] = None  # frame where the current play run began
        self.loop = False
        self.range: Optional[tuple] = None  # (first, last) frames playback is held in, e.g. a trim

    # ----- observers -----------------------------------------------------------------------------
    def connect(self, fn: Observer) -> None:
        if fn not in self._observers:
            self._observers.append(fn)

    def disconnect(self, fn: Observer) -> None:
        if fn in self._observers:
            self._observers.remove(fn)

    @property
    def n_observers(self) -> int:
        return len(self._observers)

    def _emit(self, event: str) -> None:
        for fn in list(self._observers):
            fn(event, self)

    # ----- clip ----------------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return self._n

    @property
    def fps(self) -> Fraction:
        return self._fps

    def set_clip(self, n_frames: int, fps: float | Fraction, frame: int = 0) -> None:
        """A new clip: stop, set its length and rate, go to ``frame``."""
        self._playing = False
        self._play_origin = None
        self._n = max(1, int(n_frames))
        self._fps = rational_fps(fps)
        self.range = None
        self._frame = self._clamp(frame)
        self._emit("clip")
        self._emit("playing")
        self._emit("frame")

    # ----- position ------------------------------------------------------------------------------
    @property
    def frame(self) -> int:
        return self._frame

    @property
    def last_frame(self) -> int:
        return self._n - 1

    @property
    def seconds(self) -> Fraction:
        return Fraction(self._frame) / self._fps

    def _clamp(self, frame: int) -> int:
        return min(max(int(frame), 0), self._n - 1)

    def seek(self, frame: int) -> int:
        """Go to a frame (clamped to the clip); observers hear ``"frame"`` only if it moved."""
        f = self._clamp(frame)
        if self._playing:
            self._play_origin = None  # the clock restarts from here
        if f != self._frame:
            self._frame = f
            self._emit("frame")
        return self._frame

    def seek_seconds(self, seconds: float | Fraction) -> int:
        return self.seek(seconds_to_frame(seconds, self._fps))

    def frame_at(self, seconds: float | Fraction) -> int:
        """The frame shown at a time (floor, so a time inside a frame's interval maps to it)."""
        s = Fraction(seconds).limit_denominator(10**9) if not isinstance(seconds, Fraction) else seconds
        return self._clamp(math.floor(s * self._fps + Fraction(1, 10**6)))

    def step(self, n: int = 1) -> int:
        """Move ``n`` frames (negative goes back); pauses playback like every editor does."""
        if self._playing:
            self.pause()
        return self.seek(self._frame + int(n))

    def step_seconds(self, seconds: float) -> int:
        """Move by a duration (Shift+arrow: 1 s), rounded to whole frames."""
        return self.step(int(round(Fraction(seconds).limit_denominator(1000) * self._fps)))

    # ----- playback ------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> float:
        s = float(min(max(speed, MIN_SPEED), MAX_SPEED))
        if s != self._speed:
            self._speed = s
            self._play_origin = None
            self._emit("speed")
        return self._speed

    def faster(self) -> float:
        bigger = [s for s in SPEEDS if s > self._speed + 1e-9]
        return self.set_speed(bigger[0] if bigger else MAX_SPEED)

    def slower(self) -> float:
        smaller = [s for s in SPEEDS if s < self._speed - 1e-9]
        return self.set_speed(smaller[-1] if smaller else MIN_SPEED)

    def play(self) -> None:
        if self._playing:
            return
        lo, hi = self._bounds()
        if self._frame >= hi:  # at the end: start again from the beginning
            self._frame = lo
            self._emit("frame")
        self._playing = True
        self._play_origin = None
        self._emit("playing")

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._play_origin = None
        self._emit("playing")

    def toggle(self) -> bool:
        if self._playing:
            self.pause()
        else:
            self.play()
        return self._playing

    def _bounds(self) -> tuple:
        if self.range is None:
            return 0, self._n - 1
        lo, hi = self.range
        return self._clamp(lo), self._clamp(hi)

    def advance_to(self, elapsed_s: float) -> int:
        """Clock tick: ``elapsed_s`` wall seconds since the clock (re)started.

        The first tick after play, seek or a speed change anchors the run at the
        current frame (pass the time at which it was anchored, normally 0 then
        growing). At the end of the clip (or of ``range``) playback stops, or
        wraps when ``loop`` is set. Returns the frame now shown.
        """
        if not self._playing:
            return self._frame
        if self._play_origin is None:
            self._play_origin = self._frame
            self._anchor_s = float(elapsed_s)
        run = float(elapsed_s) - self._anchor_s
        target = self._play_origin + math.floor(run * self._speed * float(self._fps) + 1e-9)
        lo, hi = self._bounds()
        if target > hi:
            if self.loop and hi > lo:
                target = lo + (target - lo) % (hi - lo + 1)
            else:
                target = hi
                if target != self._frame:
                    self._frame = target
                    self._emit("frame")
                self.pause()
                return self._frame
        if target != self._frame:
            self._frame = target
            self._emit("frame")
        return self._frame

    @property
    def needs_anchor(self) -> bool:
        """True when the next clock tick re-anchors (just after play, seek or speed change)."""
        return self._play_origin is None
