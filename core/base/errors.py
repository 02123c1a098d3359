"""Errors the engine raises for bad input.

Every user-facing problem is an :class:`InputError` that names the file (or
other thing) at fault and says what is wrong in one line, so the command line
and the workbench can show it without a traceback.
"""

from __future__ import annotations

import os


class InputError(Exception):
    """Bad input: a file that is missing, unreadable, or holds the wrong thing."""

    def __init__(self, where: str | os.PathLike | None, problem: str):
        self.where = None if where is None else os.fspath(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}" if self.where else problem)


class PresetError(InputError):
    """A device preset with a missing or bad field."""


def path_text(path: str | os.PathLike) -> str:
    """A path as valid UTF-8 text for stores and files (SQLite, HDF5, JSON).

    A name in another locale's bytes decodes with lone surrogates, which UTF-8 cannot
    encode; such bytes are written as ``\\xff`` escapes instead (the file itself is
    still opened by its real name).
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")
