"""Loading model files a user hands us without ever running code from them.

A PyTorch checkpoint is a pickle, and a pickle can call any importable
function. :func:`load_torch_weights` therefore uses torch's restricted
(``weights_only``) unpickler with an **exact** allow-list and never a prefix
rule. The only globals allowed beyond torch's own tensor types are the numpy
names that released training checkpoints pickle next to the weights (the
training RNG state, optimizer scalars); they are mapped onto
:class:`Discarded`, an inert placeholder, so no numpy code runs on the file's
bytes either. Only the tensors are used afterwards.

Every loader of a user's model file goes through here (the VideoPose3D lifter;
transformers folders through :func:`..reconstruct.checkpoints.hf_weights_kwargs`).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any, Dict, List

from .errors import InputError


class Discarded:
    """What a checkpoint's non-tensor numpy objects become: built from nothing, holding nothing."""

    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state) -> None:
        pass

    def __repr__(self) -> str:
        return "<discarded numpy object>"


#: numpy globals found in released checkpoints (numpy 1.x and 2.x spellings), replaced by Discarded.
DISCARDED_NUMPY_GLOBALS = (
    "numpy.core.multiarray._reconstruct",
    "numpy._core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray.scalar",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.random.__RandomState_ctor",  # numpy < 1.17 RandomState (VideoPose3D's 2019 checkpoints)
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._mt19937.MT19937",
)


def _unsafe_globals(path: Path) -> List[str]:
    import torch

    try:
        return sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    except Exception:  # legacy (non-zip) format or a broken file: the unpickler's own message says it
        return []


def load_torch_weights(path: str | os.PathLike, what: str = "checkpoint") -> Any:
    """``torch.load`` of a user's file with ``weights_only=True`` and the exact allow-list above.

    Any other global (``exec``-like functions, arbitrary classes) is refused with an
    InputError naming it; nothing from the file is called. Non-tensor numpy objects
    come back as :class:`Discarded`.
    """
    import torch

    path = Path(path)
    allow = [(Discarded, name) for name in DISCARDED_NUMPY_GLOBALS] + [Discarded]
    try:
        with torch.serialization.safe_globals(allow):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        unsafe = [u for u in _unsafe_globals(path) if u not in DISCARDED_NUMPY_GLOBALS]
        if not unsafe:
            first = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
            unsafe = [first[:200]]
        raise InputError(
            path,
            f"{what} pickles code, not only weights ({', '.join(unsafe[:4])}): "
            "refusing to load it (nothing from it was run)",
        ) from None
    except (
        OSError,
        RuntimeError,
        ValueError,
        EOFError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        MemoryError,
        OverflowError,
    ) as exc:
        raise InputError(path, f"not a readable PyTorch {what} ({exc.__class__.__name__})") from None


def tensors_only(state: Any, where: str | os.PathLike, key: str) -> Dict[str, Any]:
    """A state dict whose values are all tensors (anything else in a weights dict is refused)."""
    import torch

    if not isinstance(state, dict):
        raise InputError(where, f"'{key}' is not a dict of tensors")
    bad = [k for k, v in state.items() if not isinstance(k, str) or not isinstance(v, torch.Tensor)]
    if bad:
        raise InputError(where, f"'{key}' holds non-tensor entries ({', '.join(map(str, bad[:3]))})")
    return state
