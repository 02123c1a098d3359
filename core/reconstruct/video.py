"""Frame-accurate video reading through OpenCV (FFmpeg backend).

:class:`VideoReader` opens a file, scans it once (``grab`` of every frame, no
colour conversion) and keeps each frame's presentation time. The scan gives the
true frame count (container headers are often wrong), the exact rate, detects
truncated files and variable frame rates, and lets a random seek be verified:
``frame(i)`` returns exactly the ``i``-th decodable frame, as BGR ``uint8``.

Rules:

- ``fps`` is a :class:`~fractions.Fraction` taken from the mean frame interval
  of the timestamps and snapped by :func:`~.timebase.rational_fps`
  (30000/1001 stays 30000/1001); the container's own figure is a fallback.
- Variable frame rate: when frame intervals differ from their median by more
  than 25 % (outside the first/last frame), ``vfr`` is True and ``timestamps``
  (seconds, one per frame) are the truth; ``fps`` is then the mean rate.
- Rotation: OpenCV applies the container's rotation flag while decoding
  (``CAP_PROP_ORIENTATION_AUTO``); ``rotation`` reports the flag in degrees and
  ``width``/``height`` are those of the frames as returned (already upright).
- Sequential reads (``frame(i + 1)`` after ``frame(i)``) never seek. A random
  seek asks OpenCV for the frame, checks the decoded frame's timestamp against
  the scan and, if OpenCV landed elsewhere, re-seeks earlier and grabs forward.
- Missing, unreadable, corrupt, zero-frame and truncated files raise
  :class:`~.errors.InputError` naming the file.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional, Tuple

import cv2
import numpy as np

from ..base.errors import InputError, path_text
from ..base.files import check_input_file
from ..base.hashing import sha256_file
from ..motion.timebase import rational_fps

VFR_TOLERANCE = 0.25  # relative deviation of a frame interval from the median
_CACHE_FRAMES = 8  # decoded frames kept for stepping back and forth


def detect_vfr(timestamps: np.ndarray, tolerance: float = VFR_TOLERANCE) -> bool:
    """True when the frame intervals (inner ones) vary by more than ``tolerance`` of their median."""
    t = np.asarray(timestamps, dtype=float)
    if t.size < 4:
        return False
    d = np.diff(t)
    inner = d[1:-1] if d.size > 3 else d
    med = float(np.median(inner))
    if med <= 0:
        return True
    return bool(np.max(np.abs(inner - med)) > tolerance * med)


def fps_from_timestamps(timestamps: np.ndarray) -> Optional[Fraction]:
    """Exact rate from frame times: mean interval over the clip, snapped to a rational."""
    t = np.asarray(timestamps, dtype=float)
    if t.size < 2 or not t[-1] > t[0]:
        return None
    return rational_fps((t.size - 1) / (t[-1] - t[0]))


file_hash = sha256_file  # the cache key of a video's content


class VideoReader:
    """Random and sequential access to the frames of one video file.

    >>> with VideoReader("clip.mp4") as v:
    ...     first, n, rate = v.frame(0), len(v), v.fps
    """

    def __init__(self, path: str | os.PathLike, allow_truncated: bool = False):
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(self.path, "no such file")
        if self.path.is_dir():
            raise InputError(self.path, "is a folder, not a video file")
        check_input_file(self.path)
        if self.path.stat().st_size == 0:
            raise InputError(self.path, "empty file (0 bytes), not a video")
        self._cap = self._open()
        self.header_frames = int(max(self._cap.get(cv2.CAP_PROP_FRAME_COUNT), 0))
        self.header_fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        rot = self._cap.get(cv2.CAP_PROP_ORIENTATION_META) if hasattr(cv2, "CAP_PROP_ORIENTATION_META") else 0
        self.rotation = int(round(rot or 0)) % 360
        self._scan(allow_truncated)
        self._next = 0  # index of the frame the next read() returns
        self._cache: "OrderedDict[int, np.ndarray]" = OrderedDict()
        self.seeks = 0  # random seeks done (diagnostics and tests)
        first = self.frame(0)
        self.height, self.width = int(first.shape[0]), int(first.shape[1])

    # -- opening and scanning -------------------------------------------------
    def _open(self) -> cv2.VideoCapture:
        name = str(self.path)
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:  # OpenCV turns such a name into a bad C string: the process crashed (SIGSEGV)
            raise InputError(
                path_text(self.path),
                "a video whose name is in another locale's bytes (not UTF-8) cannot be opened by OpenCV; "
                "rename it (or its folder) to UTF-8",
            ) from None
        cap = cv2.VideoCapture(name, cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise InputError(self.path, "cannot be opened as a video (unknown format, corrupt or truncated container)")
        return cap

    def _scan(self, allow_truncated: bool) -> None:
        ts = []
        cap = self._cap
        while cap.grab():
            ts.append(cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
        if not ts:
            cap.release()
            raise InputError(self.path, "holds no decodable frame (zero-frame or corrupt video)")
        t = np.asarray(ts, dtype=float)
        if t.size > 1 and not np.all(np.diff(t) > 0):
            # some containers report no times: fall back to the header rate
            if self.header_fps > 0:
                t = np.arange(t.size) / self.header_fps
            else:
                cap.release()
                raise InputError(self.path, "frames carry no usable timestamps and the file gives no frame rate")
        self._ts = t - t[0]
        self.start_time = float(t[0])
        n = int(t.size)
        if self.header_frames > 0 and n < self.header_frames - 1 and not allow_truncated:
            cap.release()
            raise InputError(
                self.path,
                f"truncated or corrupt: the header says {self.header_frames} frames but only {n} can be decoded",
            )
        self.n_frames = n
        self.vfr = detect_vfr(self._ts)
        fps = fps_from_timestamps(self._ts)
        if fps is None:
            if self.header_fps <= 0:
                cap.release()
                raise InputError(self.path, "the file gives no frame rate")
            fps = rational_fps(self.header_fps)
        self.fps: Fraction = fps
        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)

    # -- public API -------------------------------------------------------------
    def __len__(self) -> int:
        return self.n_frames

    @property
    def timestamps(self) -> np.ndarray:
        """Presentation time of each frame in seconds, the first frame at 0."""
        return self._ts.copy()

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the end of the last (n / fps for constant rate)."""
        if self.vfr:
            last = float(np.median(np.diff(self._ts))) if self.n_frames > 1 else 1 / float(self.fps)
            return float(self._ts[-1] + last)
        return float(Fraction(self.n_frames) / self.fps)

    def frame(self, i: int) -> np.ndarray:
        """The ``i``-th frame (BGR, uint8, H x W x 3, read-only: copy before drawing on it).

        Negative indices count from the end."""
        i = int(i)
        if i < 0:
            i += self.n_frames
        if not 0 <= i < self.n_frames:
            raise IndexError(f"{self.path}: frame {i} out of range (0..{self.n_frames - 1})")
        hit = self._cache.get(i)
        if hit is not None:
            self._cache.move_to_end(i)
            return hit
        if i != self._next:
            img = self._seek(i)
            if img is not None:
                return img
        img = self._read()
        if img is None:
            raise InputError(self.path, f"frame {i} cannot be decoded")
        return img

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(self.n_frames):
            yield self.frame(i)

    def frames(self, start: int = 0, stop: Optional[int] = None) -> Iterator[Tuple[int, np.ndarray]]:
        stop = self.n_frames if stop is None else min(stop, self.n_frames)
        for i in range(start, stop):
            yield i, self.frame(i)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def __enter__(self) -> "VideoReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def info(self) -> dict:
        return {
            "path": str(self.path),
            "frames": self.n_frames,
            "fps": str(self.fps),
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "vfr": self.vfr,
            "duration_s": self.duration,
            "header_frames": self.header_frames,
        }

    # -- internals --------------------------------------------------------------
    def _read(self) -> Optional[np.ndarray]:
        ok, img = self._cap.read()
        if not ok or img is None:
            return None
        img.flags.writeable = False
        self._remember(self._next, img)
        self._next += 1
        return img

    def _index_at(self, t_abs_s: float) -> int:
        t = t_abs_s - self.start_time
        j = int(np.searchsorted(self._ts, t))
        cands = [k for k in (j - 1, j) if 0 <= k < self.n_frames]
        return min(cands, key=lambda k: abs(self._ts[k] - t))

    def _remember(self, idx: int, img: np.ndarray) -> None:
        self._cache[idx] = img
        self._cache.move_to_end(idx)
        if len(self._cache) > _CACHE_FRAMES:
            self._cache.popitem(last=False)

    def _seek(self, i: int) -> Optional[np.ndarray]:
        """Position so that the next read returns frame ``i``, verified by timestamp.

        Returns frame ``i`` itself when the seek already decoded it, else None.
        """
        self.seeks += 1
        back = 0
        while True:
            target = max(i - back, 0)
            if target == 0:
                self._reopen()
                break
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, target)
            if self._cap.grab():
                here = self._index_at(self._cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0)
                if here <= i:
                    self._next = here + 1
                    if here == i:
                        ok, img = self._cap.retrieve()
                        if not ok or img is None:
                            raise InputError(self.path, f"frame {i} cannot be decoded")
                        img.flags.writeable = False
                        self._remember(i, img)
                        return img
                    break
            back = max(2 * back, 16)
        while self._next < i:
            if not self._cap.grab():
                raise InputError(self.path, f"frame {self._next} cannot be decoded")
            self._next += 1
        return None

    def _reopen(self) -> None:
        self._cap.release()
        self._cap = self._open()
        self._next = 0
