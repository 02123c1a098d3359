"""Argument types for numeric command-line options: each checks its range (from core limits) at parse time.

A bad value ends the command with exit 2 and argparse's one-line
``argument --rate: must be between ...`` message before any file is read,
so a mistake in an option is never reported against an input file.
"""

from __future__ import annotations

import argparse
import math

from ...core.base.limits import MAX_SEED


def number(lo: float, hi: float, unit: str = "", integer: bool = False):
    """An argparse ``type`` accepting a finite number in [lo, hi]."""
    u = f" {unit}" if unit else ""

    def parse(text: str):
        try:
            v = int(text, 10) if integer else float(text)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}") from None
        if not integer and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo:g} and {hi:g}{u}, got {text}")
        return v

    parse.__name__ = "number"
    return parse


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2^63-1 (stored as int64 in HDF5 and SQLite)."""
    try:
        v = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2^63-1, got {text!r}") from None
    if not 0 <= v <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to 2^63-1, got {text}")
    return v
