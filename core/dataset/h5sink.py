"""HDF5 files written through a file object that never reports a write error to HDF5.

h5py 3.16 / HDF5 2.0 crash the process (SIGSEGV) when a write fails midway, e.g.
on a full disk: the library keeps retrying to flush dirty metadata while objects
are torn down. :class:`GuardedFile` is a file object for h5py's ``fileobj``
driver (``h5py.File(GuardedFile(path), "w")``): the first failing write (ENOSPC,
EFBIG, EDQUOT, EIO, ...) is recorded, and that write and every later one are
reported to HDF5 as done (and discarded), so HDF5 finishes and closes normally.
The caller then raises the recorded error with :meth:`GuardedFile.check` and
throws the half-written file away (export writes to a temporary that
:func:`~imu2safety.core.base.atomic.atomic_path` removes).

Reads of regions that were never stored (after a failure) return zeros.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Optional


class GuardedFile(io.RawIOBase):
    """A read/write raw file over ``path`` (which must exist) whose write errors are recorded, not raised."""

    def __init__(self, path: str | os.PathLike):
        super().__init__()
        self.path = Path(path)
        self._fd: Optional[int] = os.open(self.path, os.O_RDWR)
        self._pos = 0
        self._end = os.fstat(self._fd).st_size  # logical end of file (what HDF5 believes it wrote)
        self.error: Optional[OSError] = None

    # -- io.RawIOBase ------------------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = os.SEEK_SET) -> int:
        if whence == os.SEEK_SET:
            self._pos = int(pos)
        elif whence == os.SEEK_CUR:
            self._pos += int(pos)
        elif whence == os.SEEK_END:
            self._pos = self._end + int(pos)
        else:
            raise ValueError(f"bad whence {whence}")
        return self._pos

    def write(self, b) -> int:
        mv = memoryview(b).cast("B")
        n = len(mv)
        if self.error is None:
            done = 0
            try:
                while done < n:
                    k = os.pwrite(self._fd, mv[done:], self._pos + done)
                    if k <= 0:
                        raise OSError(28, "No space left on device")
                    done += k
            except OSError as exc:
                self.error = exc
        self._pos += n
        self._end = max(self._end, self._pos)
        return n

    def readinto(self, b) -> int:
        mv = memoryview(b).cast("B")
        n = len(mv)
        data = b""
        if self._pos < self._end:
            try:
                data = os.pread(self._fd, n, self._pos)
            except OSError as exc:
                if self.error is None:
                    self.error = exc
        mv[: len(data)] = data
        mv[len(data) :] = b"\0" * (n - len(data))
        self._pos += n
        return n

    def truncate(self, size: Optional[int] = None) -> int:
        size = self._pos if size is None else int(size)
        if self.error is None:
            try:
                os.ftruncate(self._fd, size)
            except OSError as exc:
                self.error = exc
        self._end = size
        return size

    def flush(self) -> None:
        pass

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        super().close()

    # -- for the caller ----------------------------------------------------------------------------
    def check(self) -> None:
        """Raise the first write error (an OSError) if one happened."""
        if self.error is not None:
            raise self.error
