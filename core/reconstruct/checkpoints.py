"""Local model checkpoints: a content fingerprint for cache keys, and quiet loading of transformers models."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def model_fingerprint(folder: str | os.PathLike) -> str:
    """A short id of a checkpoint folder: hash of its config and of its weight files' names, sizes and ends."""
    folder = Path(folder)
    h = hashlib.sha256()
    if folder.is_file():
        files = [folder]
    else:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    for p in files:
        h.update(p.name.encode())
        st = p.stat()
        h.update(str(st.st_size).encode())
        with open(p, "rb") as fh:
            if p.suffix in (".json", ".txt"):
                h.update(fh.read())
            else:
                h.update(fh.read(1 << 20))
                if st.st_size > 2 << 20:
                    fh.seek(-(1 << 20), os.SEEK_END)
                    h.update(fh.read())
    return f"{folder.name}@{h.hexdigest()[:16]}"


class quiet_loading:
    """Silence transformers' "Loading weights" progress bars while a model loads (restored after)."""

    def __enter__(self):
        from transformers.utils import logging as hf_logging

        self._was = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()

    def __exit__(self, *exc):
        from transformers.utils import logging as hf_logging

        if self._was:
            hf_logging.enable_progress_bar()
