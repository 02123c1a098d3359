"""CSV text from users (recordings, labels, manifests, mapping tables, segments, label maps).

:func:`csv_rows` is ``csv.reader`` whose every problem is an :class:`~.errors.InputError`
naming ``FILE:LINE``: a field over the csv module's size limit (a binary file, a
line of megabytes, an unclosed quote that swallows the rest of the file) and the
other ``csv.Error`` cases end the command with one line, never an internal error.
:func:`read_text_file` reads a user's text file as UTF-8 (a BOM allowed), refusing
FIFOs and devices before opening and naming the first byte that is not UTF-8.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterable, Iterator, List

from .errors import InputError
from .files import check_input_file
from .jsonio import decode_text


def csv_rows(lines: Iterable[str], where: Any, **reader_options) -> Iterator[List[str]]:
    """Rows of ``csv.reader(lines, **reader_options)``; a ``csv.Error`` is an InputError at ``where:LINE``."""
    reader = csv.reader(lines, **reader_options)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            where_text = os.fspath(where) if isinstance(where, os.PathLike) else where
            raise InputError(f"{where_text}:{reader.line_num}", f"not a readable CSV row ({exc})") from None
        yield row


def read_text_file(path: str | os.PathLike, what: str = "file") -> str:
    """A user's text file as a string (UTF-8, BOM allowed); an InputError if it is not one."""
    p = check_input_file(path, what)
    try:
        data = Path(p).read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read ({exc.strerror or exc})") from None
    return decode_text(data, p, what)
