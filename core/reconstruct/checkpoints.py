"""Local model checkpoints: a content fingerprint for cache keys, quiet and safe loading of transformers models."""

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


def hf_weights_kwargs(folder: str | os.PathLike | None) -> dict:
    """``from_pretrained`` keyword arguments that never unpickle code nor run a repository's code.

    A local folder with ``*.safetensors`` is read from those only (``use_safetensors=True``,
    so a ``pytorch_model.bin`` beside them is never opened); pickled weights go through
    torch's ``weights_only`` unpickler, which refuses anything but tensors; and
    ``trust_remote_code`` stays off.
    """
    kw: dict = {"trust_remote_code": False, "weights_only": True}
    if folder is not None and Path(folder).is_dir():
        if any(p.name.endswith(".safetensors") for p in Path(folder).iterdir()):
            kw["use_safetensors"] = True
    return kw
