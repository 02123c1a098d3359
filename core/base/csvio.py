"""CSV files from users: read as UTF-8 text (a BOM is dropped), a header checked once, errors
naming FILE or FILE:LINE.

The label CSVs, batch manifests, recipe tables and segment files all read their files
through these two functions, so each says the same thing about the same fault.
"""

from __future__ import annotations

import os
from typing import Iterable, Iterator, List, Optional

from .errors import InputError
from .files import check_input_file


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """The whole of ``path`` as text: a regular file (never blocks on a FIFO) in UTF-8."""
    p = check_input_file(path, what)
    try:
        return p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(p, "not UTF-8 text") from None
    except OSError as exc:
        raise InputError(p, f"cannot read ({exc.strerror or exc})") from None


def read_header(
    reader: Iterator[List[str]],
    where: str | os.PathLike,
    required: Iterable[str],
    allowed: Optional[Iterable[str]] = None,
    empty: str = "empty file",
) -> List[str]:
    """The next row of ``reader`` as lower-cased column names, with every ``required`` one present
    and, when ``allowed`` is given, no other and none twice."""
    required = list(required)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise InputError(where, f"{empty} (needs a header: {','.join(required)})") from None
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{where}:1", f"missing column(s) {', '.join(missing)} (header: {','.join(header)})")
    if allowed is not None:
        allowed = list(allowed)
        unknown = [c for c in header if c not in allowed]
        if unknown:
            raise InputError(f"{where}:1", f"unknown column '{unknown[0]}' (known: {', '.join(allowed)})")
        if len(set(header)) != len(header):
            raise InputError(f"{where}:1", "a column name appears twice")
    return header
