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

The writer runs on the calling thread. The workbench instead uses :func:`convert_all` in a background thread
and commits with :class:`.writer.Writer` on the thread that owns the project.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..base.atomic import atomic_path
from ..base.errors import InputError
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
    """Fill ``settings.device_data`` from the project's profile of that name (workers have no project)."""
    if settings.device:
        names = {p.name for p in project.profiles()}
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
    for f in failures:
        w.writerow([f.path, f.clip, f.subject, f.stage, f.error, f.origin])
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, suffix=".csv") as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
    return path


def default_failures_path(project) -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(project.folder) / "logs" / f"add-{stamp}-failures.csv"


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

    t0 = time.perf_counter()
    given = executor
    factory = given if callable(given) else (lambda: given if given is not None else LocalExecutor())
    resolve_device(project, settings)
    writer = Writer(project, force=settings.force)
    summary = Summary(n_items=len(items), where="no workers (nothing to convert)")
    summary.orphans_removed = len(writer.remove_orphans())
    fingerprints = [settings_fingerprint(settings, it) for it in items]

    def done_one(status: str, item: Item, cid: Optional[str]) -> None:
        elapsed = time.perf_counter() - t0
        n = summary.done
        report(
            progress,
            n / max(1, summary.n_items),
            f"{n}/{summary.n_items} files: {len(summary.added)} added, {len(summary.skipped)} skipped, "
            f"{len(summary.failed)} failed ({n / elapsed:.2f} files/s)"
            if elapsed > 0
            else "",
        )
        if on_result is not None:
            on_result(status, item, cid)

    todo: List[Tuple[int, Item]] = []
    for i, item in enumerate(items):
        if item.error:
            summary.failed.append(_failure(item, "recipe", item.error))
            done_one("failed", item, None)
            continue
        cid = None if settings.force else writer.known(item, fingerprints[i])
        if cid is not None:
            summary.skipped.append((item.path, cid))
            done_one("skipped", item, cid)
        else:
            todo.append((i, item))
    executor = None
    try:
        if todo:
            executor = factory()
            summary.where = executor.describe()
            report(
                progress, summary.done / max(1, summary.n_items), f"converting {len(todo)} file(s) on {summary.where}"
            )
        for res in executor.run(convert, todo, settings) if todo else ():
            item = items[res.index]
            _commit_one(writer, summary, item, res, fingerprints[res.index], settings, done_one)
            if cancel is not None and cancel.cancelled:
                summary.cancelled = True
                executor.stop()
                break
    except KeyboardInterrupt:
        summary.cancelled = True
        if executor is not None:
            executor.stop()
    finally:
        if executor is not None:
            executor.close()
        writer.close()
        summary.seconds = time.perf_counter() - t0
        if summary.failed and write_failures:
            summary.failures_csv = write_failures_csv(failures_csv or default_failures_path(project), summary.failed)
    return summary


def _commit_one(writer: Writer, summary: Summary, item: Item, res: Result, fp: str, settings, done_one) -> None:
    for stage, s in res.seconds.items():
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + s
    if res.status != "ok":
        summary.failed.append(_failure(item, res.stage, res.error))
        done_one("failed", item, None)
        return
    try:
        status, cid = writer.commit(item, res, fp, settings)
    except InputError as exc:
        summary.failed.append(_failure(item, "commit", exc.problem if exc.where == item.path else str(exc)))
        done_one("failed", item, None)
        return
    if status == "added":
        summary.added.append(cid)
        summary.warnings += [f"{Path(item.path).name}: {w}" for w in res.warnings]
    else:
        summary.skipped.append((item.path, cid))
    done_one(status, item, cid)


def _failure(item: Item, stage: str, error: str) -> Failure:
    return Failure(
        path=item.path, stage=stage, error=error, clip=item.clip_id or "", subject=item.subject, origin=item.origin
    )


def convert_all(items: Sequence[Item], settings: Settings, executor) -> Iterator[Result]:
    """Only the conversion (no project): results as they complete, for a caller that commits elsewhere."""
    yield from executor.run(convert, list(enumerate(items)), settings)
