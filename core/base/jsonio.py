"""JSON from users (presets, motion ``meta``, taxonomy extensions, ``--set`` values, file attributes).

One parser for every JSON text a user can hand us: text that is not UTF-8,
nesting deeper than :data:`~.limits.MAX_JSON_DEPTH`, texts over
:data:`~.limits.MAX_JSON_BYTES` and syntax errors all become one
:class:`~.errors.InputError` naming the file (or option) and the problem,
never a ``RecursionError`` or ``UnicodeDecodeError``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import InputError
from .files import check_input_file
from .limits import MAX_JSON_BYTES, MAX_JSON_DEPTH, LimitError


def _depth(text: str) -> int:
    """Deepest bracket nesting outside strings (a linear scan, no recursion)."""
    depth = most = 0
    in_str = esc = False
    for ch in text:
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            if depth > most:
                most = depth
                if most > MAX_JSON_DEPTH:
                    return most
        elif ch in "]}":
            depth -= 1
    return most


def decode_text(data: bytes, where: Any, what: str = "file") -> str:
    """UTF-8 (a BOM allowed) or an InputError that says which byte is wrong."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1]
        raise InputError(
            where, f"{what} is not UTF-8 text (byte 0x{bad.hex()} at offset {exc.start}; save it as UTF-8)"
        ) from None


def parse_json(text: str | bytes, where: Any, what: str = "JSON") -> Any:
    """Parse a JSON text from a user; every problem is an InputError naming ``where``."""
    if isinstance(text, (bytes, bytearray)):
        text = decode_text(bytes(text), where, what)
    if len(text) > MAX_JSON_BYTES:
        raise LimitError(
            where, f"{what} is {len(text) / 2**20:.0f} MiB, over the limit of {MAX_JSON_BYTES / 2**20:.0f} MiB"
        )
    if _depth(text) > MAX_JSON_DEPTH:
        raise LimitError(where, f"{what} is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(where, f"not valid JSON ({what}: line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:  # the depth scan should have caught it
        raise LimitError(where, f"{what} is nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4300 digits (Python's int-from-text limit)
        raise InputError(where, f"not valid JSON for {what} ({str(exc).split(';')[0]})") from None


def read_json_file(path: str | os.PathLike, what: str = "JSON file") -> Any:
    p = Path(path)
    if not p.exists():
        raise InputError(p, "no such file")
    check_input_file(p, what)  # a FIFO or device: refused before anything opens it
    size = p.stat().st_size
    if size > MAX_JSON_BYTES:
        raise LimitError(p, f"{what} is {size / 2**20:.0f} MiB, over the limit of {MAX_JSON_BYTES / 2**20:.0f} MiB")
    return parse_json(p.read_bytes(), p, what)
