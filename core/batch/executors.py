"""Where the workers run: local processes (the default) or a Ray cluster, behind one small interface.

Both run the same function, :func:`.convert.convert`, on the same picklable items, and yield results as they
complete; neither has a scheduler of its own beyond "keep a few tasks per worker in flight":

- :class:`LocalExecutor`: ``concurrent.futures.ProcessPoolExecutor`` with ``spawn``ed processes (no state
  copied from the parent: no open database, no threads). A worker that dies (a crash in a native library, the
  out-of-memory killer) fails only the file it was on: the pool is rebuilt and the files that were in flight
  are retried one at a time, so an innocent neighbour is never blamed. ``workers=0`` runs in this process.
  (Like every ``spawn`` pool, a script that uses it must guard its entry with ``if __name__ == "__main__"``.)
- :class:`RayExecutor`: Ray tasks. ``address``: ``"local"`` starts a Ray instance on this machine (what the
  tests use; nothing to install beyond the ``ray`` package), ``"auto"`` joins the cluster this machine is part
  of (``ray start`` ran here), anything else is a cluster address (``HOST:6379`` from a cluster node, or
  ``ray://HOST:10001`` through Ray Client). Each task asks for one CPU; videos ask for ``gpus_per_video`` of a
  GPU when the cluster has GPUs, and their pose models then run on ``cuda``. Ray retries a task whose worker
  died; a task that still fails is reported for its file.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Tuple

from .items import Item, Result, Settings

Task = Tuple[int, Item]


class LocalExecutor:
    name = "processes"

    def __init__(self, workers: Optional[int] = None, in_flight_per_worker: int = 2):
        self.workers = default_workers() if workers is None else max(0, int(workers))
        self.window = max(1, self.workers) * in_flight_per_worker
        self._pool: Optional[ProcessPoolExecutor] = None
        self._stopped = False

    def describe(self) -> str:
        return f"{self.workers} local process{'es' if self.workers != 1 else ''}" if self.workers else "this process"

    def run(self, fn: Callable, tasks: Iterable[Task], settings: Settings) -> Iterator[Result]:
        if self.workers == 0:
            for i, item in tasks:
                if self._stopped:
                    return
                yield fn(i, item, settings)
            return
        queue = list(tasks)[::-1]  # pop() from the end: the original order
        suspects: List[Task] = []  # in flight when a worker died: retried alone
        running: Dict[Future, Task] = {}
        try:
            while (queue or suspects or running) and not self._stopped:
                if self._pool is None:
                    self._pool = _new_pool(self.workers, max(1, default_workers() // self.workers))
                limit = 1 if suspects else self.window
                source = suspects if suspects else queue
                while source and len(running) < limit and not self._stopped:
                    task = source.pop()
                    try:
                        fut = self._pool.submit(fn, task[0], task[1], settings)
                    except BrokenProcessPool:  # a worker died since the last wait: its future (below) says which
                        source.append(task)  # not started: handed out again later
                        if not running:  # nothing in flight to blame: start a fresh pool
                            self._kill_pool()
                        break
                    running[fut] = task
                if not running:
                    continue
                done: set = set()
                while not done and not self._stopped:  # stop() from another thread ends the wait too
                    done, _ = wait(running, timeout=0.25, return_when=FIRST_COMPLETED)
                if self._stopped:  # stop() ended the pool under us: nothing more to say
                    return
                broken = []
                for fut in done:
                    task = running.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken.append(task)
                    except Exception as exc:  # the task could not even be sent or returned (pickling)
                        yield _failed(task[0], "worker", f"{exc.__class__.__name__}: {exc}")
                if broken:
                    was_alone = len(broken) == 1 and not running and limit == 1
                    broken += list(running.values())
                    running.clear()
                    self._kill_pool()
                    if was_alone:  # it died on this file alone: the file is the cause
                        yield _failed(broken[0][0], "worker", "the worker process died while converting this file")
                    else:
                        suspects.extend(sorted(broken, key=lambda t: -t[0]))
        finally:
            self._kill_pool()

    def stop(self) -> None:
        """Stop handing out work and end the worker processes (what is running is abandoned)."""
        self._stopped = True
        self._kill_pool()

    def close(self) -> None:
        self._kill_pool()

    def _kill_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list(getattr(pool, "_processes", {}).values())  # no public way to end running tasks before 3.14
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)


def _new_pool(workers: int, threads: int) -> ProcessPoolExecutor:
    import multiprocessing as mp

    return ProcessPoolExecutor(
        max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_worker_init, initargs=(threads,)
    )


def _worker_init(threads: int) -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle: it stops the pool
    # the cores are shared among the workers: numpy's BLAS one thread, torch (pose models, when a video
    # loads them) its share; set before either is imported in this fresh process
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _failed(index: int, stage: str, error: str) -> Result:
    return Result(index=index, status="failed", stage=stage, error=error)


class RayExecutor:
    name = "ray"

    def __init__(
        self,
        address: str = "auto",
        workers: Optional[int] = None,
        gpus_per_video: float = 1.0,
        in_flight_per_cpu: int = 2,
    ):
        try:
            import ray
        except ImportError:
            from ..base.errors import InputError

            raise InputError(None, "--ray needs the 'ray' package: pip install 'imu2safety[ray]'") from None
        self.ray = ray
        self.address = address
        self.gpus_per_video = float(gpus_per_video)
        self._started = False
        if not ray.is_initialized():
            kw = dict(include_dashboard=False, log_to_driver=False, configure_logging=False)
            try:
                if address == "local":
                    ray.init(num_cpus=workers or default_workers(), **kw)
                else:
                    ray.init(address=address, **kw)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                from ..base.errors import InputError

                raise InputError(
                    None,
                    f"cannot reach the Ray cluster at '{address}' ({exc}); start one with "
                    "'ray start --head' (see docs/batch.md) or use --ray local",
                ) from None
            self._started = address == "local"
        res = ray.cluster_resources()
        self.cpus = int(res.get("CPU", 1))
        self.gpus = float(res.get("GPU", 0))
        self.window = max(1, self.cpus) * in_flight_per_cpu
        self._refs: Dict = {}
        self._stopped = False

    def describe(self) -> str:
        where = "a local Ray instance" if self.address == "local" else f"the Ray cluster at {self.address}"
        gpu = f", {self.gpus:g} GPU" if self.gpus else ""
        return f"{where} ({self.cpus} CPU{gpu})"

    def run(self, fn: Callable, tasks: Iterable[Task], settings: Settings) -> Iterator[Result]:
        from .items import is_video

        ray = self.ray
        remote = ray.remote(fn)
        settings_ref = ray.put(settings)
        gpu_settings = None
        if self.gpus > 0:
            gpu_settings = ray.put(replace(settings, reconstruct=dict(settings.reconstruct, device="cuda")))
        queue = list(tasks)[::-1]
        while (queue or self._refs) and not self._stopped:
            while queue and len(self._refs) < self.window:
                i, item = queue.pop()
                if self.gpus > 0 and is_video(item.path):
                    ref = remote.options(num_cpus=1, num_gpus=self.gpus_per_video).remote(i, item, gpu_settings)
                else:
                    ref = remote.options(num_cpus=1).remote(i, item, settings_ref)
                self._refs[ref] = i
            done, _ = ray.wait(list(self._refs), num_returns=1, timeout=1.0)
            for ref in done:
                i = self._refs.pop(ref)
                try:
                    yield ray.get(ref)
                except Exception as exc:  # the worker died for good (Ray retried), or could not run the task
                    yield _failed(i, "worker", f"Ray task failed: {exc.__class__.__name__}: {str(exc)[:300]}")

    def stop(self) -> None:
        self._stopped = True
        for ref in list(self._refs):
            try:
                self.ray.cancel(ref, force=True)
            except Exception:  # noqa: BLE001 - already finished
                pass
        self._refs.clear()

    def close(self) -> None:
        if self._started:
            self.ray.shutdown()
            self._started = False


def make_executor(workers: Optional[int] = None, ray: Optional[str] = None, gpus_per_video: float = 1.0):
    if ray:
        return RayExecutor(address=ray, workers=workers, gpus_per_video=gpus_per_video)
    return LocalExecutor(workers)
