"""The two executors: local processes (crash isolation) and Ray (a local ``ray.init()``, no service)."""

import os
import time

import pytest
from batch_helpers import crash_later_on_marked, crash_on_marked, pid_of_worker
from dataset_files import ntu_file

from imu2safety.app.cli import main
from imu2safety.core.batch.executors import LocalExecutor
from imu2safety.core.batch.items import Item, Settings
from imu2safety.core.project.project import Project


def tasks(names):
    return [(i, Item(path=f"/nowhere/{n}")) for i, n in enumerate(names)]


def test_processes_yield_every_result_from_worker_processes():
    ex = LocalExecutor(2)
    results = list(ex.run(pid_of_worker, tasks([f"f{i}" for i in range(12)]), Settings()))
    assert sorted(r.index for r in results) == list(range(12))
    pids = {r.worker for r in results}
    assert 1 <= len(pids) <= 2 and str(os.getpid()) not in pids  # (how many worked depends on start-up times)


def test_a_file_that_kills_its_worker_fails_alone_and_the_others_finish():
    names = [f"ok{i}" for i in range(9)]
    names[4] = "crash-me"
    results = {r.index: r for r in LocalExecutor(2).run(crash_on_marked, tasks(names), Settings())}
    assert sorted(results) == list(range(9))
    assert results[4].status == "failed" and "worker process died" in results[4].error
    assert all(results[i].status == "ok" for i in range(9) if i != 4)  # neighbours in flight are not blamed


def test_a_worker_dying_while_the_writer_commits_fails_only_its_file():
    # the writer is slow on one result (a commit, a sync round): meanwhile a worker dies and breaks the pool;
    # handing out the next file must not end the batch with BrokenProcessPool
    names = [f"ok{i}" for i in range(8)]
    names[1] = "crash-me"
    results = {}
    for r in LocalExecutor(2).run(crash_later_on_marked, tasks(names), Settings()):
        results[r.index] = r
        if len(results) == 1:
            time.sleep(1.5)
    assert sorted(results) == list(range(8))
    assert results[1].status == "failed" and "worker process died" in results[1].error
    assert all(results[i].status == "ok" for i in range(8) if i != 1)


def test_in_process_runs_without_workers():
    results = list(LocalExecutor(0).run(pid_of_worker, tasks(["a", "b"]), Settings()))
    assert {r.worker for r in results} == {str(os.getpid())}


@pytest.mark.slow
def test_ray_runs_the_same_code_path_with_the_same_clips(tmp_path, capsys):
    pytest.importorskip("ray")
    d = tmp_path / "ntu"
    d.mkdir()
    for i in range(6):
        ntu_file(d, performer=1 + i, action=(43, 50, 52)[i % 3], seed=i, two=i % 3 > 0)
    (d / "S001C001P009R001A043.skeleton").write_text("3\n")  # a bad file fails under Ray too
    runs = {}
    for how in (["--workers", "2"], ["--ray", "local", "--workers", "2"]):
        proj = tmp_path / ("p" + "-".join(how))
        Project.create(proj).close()
        rc = main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--quiet", *how])
        err = capsys.readouterr().err
        assert rc == 2 and "6 clip(s) added, 0 already in the project, 1 failed" in err, err
        with Project.open(proj, readonly=True) as p:
            runs[how[0]] = {
                c.id: (c.motion_sha256, c.import_key, c.seed, c.subject, [s.behaviour for s in p.segments(c.id)])
                for c in p.clips()
            }
    assert "local Ray instance" in err
    assert runs["--workers"] == runs["--ray"]
    import ray

    assert not ray.is_initialized()  # the instance the batch started is shut down again
