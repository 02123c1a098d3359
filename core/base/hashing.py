"""Content hashes of files (provenance, cache keys, integrity checks)."""

from __future__ import annotations

import hashlib
import os

from .files import check_input_file


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of the file's bytes, read in 1 MiB blocks (a FIFO or device: InputError, not a hang)."""
    check_input_file(path)
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()
