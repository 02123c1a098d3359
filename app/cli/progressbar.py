"""A terminal progress bar (tqdm) that plugs into the core's progress callbacks."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(desc: str, enabled: bool = True):
    """Yield a ``(fraction, message)`` callback that drives a tqdm bar on stderr."""
    bar = tqdm(
        total=1000,
        desc=desc,
        unit="",
        disable=not enabled,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining} {postfix}",
        file=sys.stderr,
        leave=False,
    )

    def cb(fraction: float, message: str = "") -> None:
        bar.n = int(round(1000 * fraction))
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield cb
    finally:
        bar.close()
