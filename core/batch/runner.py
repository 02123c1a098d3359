"""Run a batch: items -> workers -> the single writer, with progress, cancel, a summary and a failures CSV.

:func:`run_batch` is what the command line and the workbench call. It

1. removes files a killed batch left behind (:meth:`.writer.Writer.remove_orphans`);
2. skips, without reading them, files that are unchanged since a clip was made from them with the same
   settings (same path, size and modification time); every other file is hashed by its worker and skipped by
   the writer when its key (hash + settings) is in the project (``force`` redoes them instead);
3. hands the rest to an executor (:mod:`.executors`) and commits each result as it arrives, one transaction
   per clip, so a kill loses only the clips in flight;
4. reports progress as ``(fraction, message)`` with counts, and stops cleanly when ``cancel`` is set
   (what is committed stays; run again to finish).

The writer runs on the calling thread. The workbench instead drives a :class:`BatchRun` itself: conversion in a
background thread, commits on the thread that owns the project.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..base.atomic import atomic_path
from ..base.errors import InputError, path_text
from ..base.progress import CancelToken, ProgressFn, report
from .convert import convert
from .items import Item, Result, Settings, settings_fingerprint
from .writer import Writer

FAILURE_COLUMNS = ("path", "clip", "subject", "stage", "error", "origin")


@dataclass
class Failure:
    path: str
    stage: str
    error: str
    clip: str = ""
    subject: str = ""
    origin: str = ""

    def line(self) -> str:
        return f"{self.path}: {self.stage}: {self.error}"


@dataclass
class Summary:
    n_items: int = 0
    added: List[str] = field(default_factory=list)  # clip ids
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # (path, clip id already holding it)
    failed: List[Failure] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0
    where: str = ""  # the executor, in words
    failures_csv: Optional[Path] = None
    stage_seconds: Dict[str, float] = field(default_factory=dict)  # worker time per stage, summed
    orphans_removed: int = 0

    @property
    def done(self) -> int:
        return len(self.added) + len(self.skipped) + len(self.failed)

    def text(self) -> str:
        s = (
            f"{len(self.added)} clip(s) added, {len(self.skipped)} already in the project, "
            f"{len(self.failed)} failed, in {self.seconds:.1f} s on {self.where}"
        )
        if self.cancelled:
            s += f"; stopped after {self.done} of {self.n_items}: run the same command again to add the rest"
        return s


def resolve_device(project, settings: Settings) -> Settings:
    """Fill ``settings.device_data`` from the project's profile of that name (workers have no project). A device
    given as a JSON file is stored in the project as a profile first (its content, not its path)."""
    if settings.device:
        from ..project.store import is_device_file

        names = {p.name for p in project.profiles()}
        if settings.device not in names and is_device_file(settings.device):
            settings.device = project.store_device_file(settings.device)
            names.add(settings.device)
        if settings.device in names:
            settings.device_data = project.profile(settings.device).data
        else:
            from ..sim.devices import load_preset

            load_preset(settings.device)  # a bad name or file is an error now, not in every worker
    return settings


def write_failures_csv(path: Path, failures: Sequence[Failure]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(FAILURE_COLUMNS)
    for f in failures:  # names in another locale's bytes as \xff escapes: the CSV is UTF-8
        w.writerow([path_text(f.path), f.clip, f.subject, f.stage, f.error, f.origin])
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".csv") as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path


def default_failures_path(project) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(project.folder) / "logs" / f"add-{stamp}-failures.csv"


class BatchRun:
    """One batch, in the steps :func:`run_batch` takes, for a caller that drives them itself (the workbench
    converts in a background thread and commits each result on the thread that owns the project):

    ``run = BatchRun(project, items, settings)`` (skips what is known, fails recipe errors) ->
    ``for res in executor.run(convert, run.todo, settings): run.handle(res)`` -> ``run.finish()``.
    """

    def __init__(self, project, items: Sequence[Item], settings: Settings, progress=None, on_result=None):
        self.t0 = time.perf_counter()
        self.project, self.items, self.settings = project, list(items), settings
        self.progress, self.on_result = progress, on_result
        resolve_device(project, settings)
        self.writer = Writer(project, force=settings.force)
        self.summary = Summary(n_items=len(self.items), where="no workers (nothing to convert)")
        self.summary.orphans_removed = len(self.writer.remove_orphans())
        self.fingerprints = [settings_fingerprint(settings, it) for it in self.items]
        self.todo: List[Tuple[int, Item]] = []
        for i, item in enumerate(self.items):
            if item.error:
                self.summary.failed.append(_failure(item, "recipe", item.error))
                self._done("failed", item, None)
                continue
            cid = None if settings.force else self.writer.known(item, self.fingerprints[i])
            if cid is not None:
                self.summary.skipped.append((item.path, cid))
                self._done("skipped", item, cid)
            else:
                self.todo.append((i, item))
        self._closed = False

    def eta_s(self) -> Optional[float]:
        """Seconds left at the rate of the files converted so far (None before the first)."""
        converted = self.summary.done - (len(self.items) - len(self.todo))
        if converted <= 0:
            return None
        return (time.perf_counter() - self.t0) / converted * (self.summary.n_items - self.summary.done)

    def _done(self, status: str, item: Item, cid: Optional[str]) -> None:
        s = self.summary
        elapsed = time.perf_counter() - self.t0
        msg = f"{s.done}/{s.n_items} files: {len(s.added)} added, {len(s.skipped)} skipped, {len(s.failed)} failed" + (
            f" ({s.done / elapsed:.2f} files/s)" if elapsed > 0 else ""
        )
        report(self.progress, s.done / max(1, s.n_items), msg)
        if self.on_result is not None:
            self.on_result(status, item, cid)

    def handle(self, res: Result) -> Tuple[str, Optional[str]]:
        """Commit (or record the failure of) one worker result; returns (status, clip id)."""
        s, item = self.summary, self.items[res.index]
        for stage, sec in res.seconds.items():
            s.stage_seconds[stage] = s.stage_seconds.get(stage, 0.0) + sec
        if res.status != "ok":
            s.failed.append(_failure(item, res.stage, res.error))
            self._done("failed", item, None)
            return "failed", None
        try:
            status, cid = self.writer.commit(item, res, self.fingerprints[res.index], self.settings)
        except InputError as exc:
            s.failed.append(_failure(item, "commit", exc.problem if exc.where == item.path else str(exc)))
            self._done("failed", item, None)
            return "failed", None
        if status == "added":
            s.added.append(cid)
            s.warnings += [f"{Path(item.path).name}: {w}" for w in res.warnings]
        else:
            s.skipped.append((item.path, cid))
            held = self.project.clip(cid)
            if item.subject and (held.subject or "") != item.subject:  # kept once: under one subject
                s.warnings.append(
                    f"{Path(item.path).name}: the same motion is already clip '{cid}' of subject "
                    f"{held.subject or '(none)'}, so it was not added again under subject {item.subject} "
                    "(one motion under two subjects is a train/test leak)"
                )
        self._done(status, item, cid)
        return status, cid

    def finish(self, failures_csv: Optional[Path] = None, write_failures: bool = True) -> Summary:
        """Make everything durable and write the failures CSV (when there were failures)."""
        if not self._closed:
            self._closed = True
            self.writer.close()
            self.summary.seconds = time.perf_counter() - self.t0
            if self.summary.failed and write_failures:
                self.summary.failures_csv = write_failures_csv(
                    failures_csv or default_failures_path(self.project), self.summary.failed
                )
        return self.summary


def run_batch(
    project,
    items: Sequence[Item],
    settings: Settings,
    executor=None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    failures_csv: Optional[Path] = None,
    on_result: Optional[Callable[[str, Item, Optional[str]], None]] = None,
    write_failures: bool = True,
) -> Summary:
    """Convert ``items`` and commit them into ``project`` (open for writing); see the module's docstring.

    ``executor``: a :mod:`.executors` executor, or a function that makes one (called only when some file
    needs converting: a re-run that skips everything starts no Ray); default: local processes, one per core.
    ``on_result`` is called with ("added" | "skipped" | "failed", item, clip id) after each file.
    """
    from .executors import LocalExecutor

    given = executor
    factory = given if callable(given) else (lambda: given if given is not None else LocalExecutor())
    run = BatchRun(project, items, settings, progress, on_result)
    executor = None
    try:
        if run.todo:
            executor = factory()
            run.summary.where = executor.describe()
            report(progress, run.summary.done / max(1, len(items)), f"converting {len(run.todo)} file(s)")
        for res in executor.run(convert, run.todo, settings) if run.todo else ():
            run.handle(res)
            if cancel is not None and cancel.cancelled:
                run.summary.cancelled = True
                executor.stop()
                break
    except KeyboardInterrupt:
        run.summary.cancelled = True
        if executor is not None:
            executor.stop()
    finally:
        if executor is not None:
            executor.close()
        run.finish(failures_csv, write_failures)
    return run.summary


def _failure(item: Item, stage: str, error: str) -> Failure:
    return Failure(
        path=item.path, stage=stage, error=error, clip=item.clip_id or "", subject=item.subject, origin=item.origin
    )
