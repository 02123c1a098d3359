"""Worker functions for executor tests (module level: spawned worker processes and Ray import them)."""

from __future__ import annotations

import os
import time

from imu2safety.core.batch.items import Result


def crash_on_marked(index, item, settings):
    """Dies like a native crash (no exception, the process ends) on files whose name contains 'crash'."""
    if "crash" in os.path.basename(item.path):
        os._exit(3)
    return Result(index=index, status="ok", key=f"k{index}", worker=str(os.getpid()))


def pid_of_worker(index, item, settings):
    return Result(index=index, status="ok", key=f"k{index}", worker=str(os.getpid()))


def crash_later_on_marked(index, item, settings):
    """Like :func:`crash_on_marked`, but the marked file dies half a second in (while others finish)."""
    if "crash" in os.path.basename(item.path):
        time.sleep(0.5)
        os._exit(3)
    return Result(index=index, status="ok", key=f"k{index}", worker=str(os.getpid()))
