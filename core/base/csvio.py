"""CSV text from users (recordings, labels, manifests, mapping tables, segments, label maps).

:func:`csv_rows` is ``csv.reader`` whose every problem is an :class:`~.errors.InputError`
naming ``FILE:LINE``: a field over the csv module's size limit (a binary file, a
line of megabytes, an unclosed quote that swallows the rest of the file) and the
other ``csv.Error`` cases end the command with one line, never an internal error.
:func:`read_header` checks a header row once for every such file (required columns, and
with an allow-list no unknown or repeated one). :func:`read_text_file` reads a user's text file as UTF-8 (a BOM allowed), refusing
FIFOs and devices before opening and naming the first byte that is not UTF-8.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional

from .errors import InputError
from .files import check_input_file
from .jsonio import decode_text


class csv_rows:  # noqa: N801 (used like csv.reader)
    """``csv.reader(lines, **reader_options)`` whose ``csv.Error`` is an InputError at ``where:LINE``;
    iterate it, or call ``next``; ``line_num`` is the reader's."""

    def __init__(self, lines: Iterable[str], where: Any, **reader_options):
        self._reader = csv.reader(lines, **reader_options)
        self._where = os.fspath(where) if isinstance(where, os.PathLike) else where

    @property
    def line_num(self) -> int:
        return self._reader.line_num

    def __iter__(self) -> Iterator[List[str]]:
        return self

    def __next__(self) -> List[str]:
        try:
            return next(self._reader)
        except csv.Error as exc:
            raise InputError(f"{self._where}:{self._reader.line_num}", f"not a readable CSV row ({exc})") from None


def read_text_file(path: str | os.PathLike, what: str = "file") -> str:
    """A user's text file as a string (UTF-8, BOM allowed); an InputError if it is not one."""
    p = check_input_file(path, what)
    try:
        data = Path(p).read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read ({exc.strerror or exc})") from None
    return decode_text(data, p, what)


def read_header(
    reader: Iterator[List[str]],
    where: Any,
    required: Iterable[str],
    allowed: Optional[Iterable[str]] = None,
    empty: str = "empty file",
) -> List[str]:
    """The next row of ``reader`` as lower-cased column names, with every ``required`` one present
    and, when ``allowed`` is given, no other and none twice; errors name ``where`` (line 1)."""
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
