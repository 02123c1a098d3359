"""``project add`` of many files: one writer, idempotent, resumable, failures listed, parallel workers.

Runs through the command line (in-process ``main``) and the core API on NTU files written in their real
format; workers are real spawned processes unless a test says otherwise.
"""

import csv
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
from dataset_files import ntu_file
from motion_factory import still

from imu2safety.app.cli import main
from imu2safety.core.base.hashing import sha256_file
from imu2safety.core.batch.executors import LocalExecutor
from imu2safety.core.batch.items import Item, Settings
from imu2safety.core.batch.runner import run_batch
from imu2safety.core.motion.interchange import load_motion, save_motion
from imu2safety.core.project.project import Project
from imu2safety.core.sim.imu_io import read_imu_h5
from imu2safety.core.sim.simulate import SimConfig, simulate

ACTIONS = [43, 42, 50, 52, 8, 1]


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "ntu"
    d.mkdir()
    files = [
        ntu_file(d, performer=1 + i % 3, action=ACTIONS[i % len(ACTIONS)], replication=1 + i // 6, seed=i)
        for i in range(8)
    ]
    return d, files


def new_project(path):
    Project.create(path).close()
    return path


def test_a_folder_in_two_workers_then_again_adds_nothing(tmp_path, corpus, capsys):
    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--workers", "2", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "8 clip(s) added, 0 already in the project, 0 failed" in err and "2 local processes" in err
    with Project.open(proj, readonly=True) as p:
        clips = {c.id: c for c in p.clips()}
        assert sorted(clips) == sorted(f.stem for f in files)
        for f in files:
            c = clips[f.stem]
            assert c.source_sha256 == sha256_file(f) and c.import_key and c.source_path == str(f)
            assert c.provenance["recipe"]["name"] == "ntu" and c.provenance["imu"]["path"].startswith("cache/imu/")
            m = p.load_motion(c.id)  # the stored motion: the file's skeleton, hash-checked
            assert m.skeleton == "ntu25" and m.n_frames == 75 and c.n_frames == 75
        n_log = len(p.history())
    # the same command again: every file is unchanged since it was added -> skipped without converting
    assert main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--workers", "2", "--quiet"]) == 0
    assert "0 clip(s) added, 8 already in the project" in capsys.readouterr().err
    with Project.open(proj, readonly=True) as p:
        assert len(p.clips()) == 8 and len(p.history()) == n_log


def test_the_cached_imu_is_the_simulation_of_the_stored_motion(tmp_path, corpus):
    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(files[0]), "--seed", "5", "--wrist", "right"]) == 0
    with Project.open(proj, readonly=True) as p:
        c = p.clips()[0]
        imu = read_imu_h5(proj / c.provenance["imu"]["path"])
        again = simulate(p.load_motion(c.id), p.device_for(c.id), SimConfig(wrist="right", seed=5, rate_hz=100.0))
    assert (c.seed, c.wrist) == (5, "right")
    for k in ("acc", "gyro", "acc_clean", "gyro_clean", "valid"):
        assert np.array_equal(imu[k], getattr(again, k), equal_nan=True), k


def test_same_bytes_under_another_name_or_a_touched_file_are_found_by_hash(tmp_path, corpus, capsys):
    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(files[0]), str(files[1]), "--workers", "0", "--quiet"]) == 0
    copy = tmp_path / "copy.skeleton"
    copy.write_bytes(files[0].read_bytes())
    os.utime(files[1], ns=(time.time_ns(), time.time_ns() + 10**9))  # touched: must be read, then it matches
    capsys.readouterr()
    assert main(["project", "add", str(proj), str(copy), str(files[1]), "--workers", "0", "--quiet"]) == 0
    assert "0 clip(s) added, 2 already in the project" in capsys.readouterr().err
    # other settings make another clip of the same file
    assert main(["project", "add", str(proj), str(files[0]), "--wrist", "right"]) == 0
    assert capsys.readouterr().out.strip() == f"{files[0].stem}-2"


def test_force_redoes_a_file_in_place_and_undo_brings_the_old_clip_back(tmp_path, corpus, capsys):
    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--workers", "0", "--quiet"]) == 0
    table = tmp_path / "mine.csv"
    capsys.readouterr()
    assert main(["project", "recipes", "ntu"]) == 0
    shipped = capsys.readouterr().out
    table.write_text(shipped.replace("A043,falling,falling,unsafe,1", "A043,falling,fainting,unsafe,1"))
    f = files[0]  # A043
    assert main(["project", "add", str(proj), str(f), "--recipe", "ntu", "--mapping", str(table)]) == 0
    assert "already in the project" in capsys.readouterr().err  # labels are not conversion settings
    assert main(["project", "add", str(proj), str(f), "--recipe", "ntu", "--mapping", str(table), "--force"]) == 0
    with Project.open(proj) as p:
        (seg,) = p.segments(f.stem)
        assert seg.behaviour == "fainting" and len(p.clips()) == 8
        assert p.clip(f.stem).provenance["mapping"]["path"] == str(table.resolve())
        p.undo()
        (seg,) = p.segments(f.stem)
        assert seg.behaviour == "falling"
        p.load_motion(f.stem)  # the old clip's motion file is still there (the redo wrote a new one)


def test_bad_files_are_listed_and_the_others_added(tmp_path, corpus, capsys):
    d, files = corpus
    (d / "S001C001P009R001A043.skeleton").write_text("12\n")  # truncated
    (d / "not_ntu_name.skeleton").write_bytes(files[0].read_bytes())
    armless = save_motion(still("down", seconds=0.1), tmp_path / "short.npz")  # too short to simulate
    proj = new_project(tmp_path / "p")
    rc = main(["project", "add", str(proj), str(d), str(armless), "--workers", "2", "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    # the copy under another name holds the same bytes as a file of this batch: one clip for both
    assert "8 clip(s) added, 1 already in the project, 2 failed" in err, err
    assert "S001C001P009R001A043.skeleton: import: line" in err and "short.npz: simulate: " in err
    (csv_path,) = (proj / "logs").glob("add-*-failures.csv")
    rows = list(csv.DictReader(csv_path.open()))
    assert {r["stage"] for r in rows} == {"import", "simulate"} and all(r["error"] for r in rows)
    # the recipe rejects a file name that is not NTU's, without converting it
    fcsv = tmp_path / "f.csv"
    assert main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--quiet", "--failures", str(fcsv)]) == 2
    err = capsys.readouterr().err
    assert "not_ntu_name.skeleton: recipe: not an NTU RGB+D file name" in err
    assert "not_ntu_name.skeleton" in fcsv.read_text()


def test_a_manifest_names_subjects_ids_and_labels(tmp_path, corpus, capsys):
    d, files = corpus
    segs = tmp_path / "segs.csv"
    segs.write_text("start_s,end_s,behaviour,safety,phase\n0.5,1.5,falling,unsafe,impact\n1.5,2.4,lying,safe,\n")
    man = tmp_path / "m.csv"
    man.write_text(
        "path,subject,clip,label,labels\n"
        f"ntu/{files[0].name},S1,fall-1,,segs.csv\n"
        f"{files[1]},S2,,walking,\n"
        f"{files[2]},S3,c3,fighting/safe,\n"
    )
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), "--manifest", str(man), "--workers", "0", "--quiet"]) == 0
    with Project.open(proj, readonly=True) as p:
        s = p.segments("fall-1")
        assert [(x.start_frame, x.end_frame, x.behaviour, x.phase) for x in s] == [
            (15, 45, "falling", "impact"),
            (45, 72, "lying", None),
        ]
        assert p.clip("fall-1").subject == "S1" and p.clip("fall-1").provenance["manifest"]["line"] == 2
        (w,) = p.segments(files[1].stem)
        assert (w.start_frame, w.end_frame, w.behaviour, w.safety) == (0, 75, "walking", "safe")
        assert [(x.behaviour, x.safety) for x in p.segments("c3")] == [("fighting", "safe")]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"path,subject,label\n{files[0]},S1,flying\n")
    assert main(["project", "add", str(proj), "--manifest", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2" in err and "unknown behaviour 'flying'" in err
    # a labels file with a time or confidence that is not a finite number: one line naming it, nothing added
    for row in ("0.5,inf,falling,unsafe,", "nan,1,falling,unsafe,", "0.5,1,falling,unsafe,nan"):
        segs.write_text(f"start_s,end_s,behaviour,safety,confidence\n{row}\n")
        man.write_text(f"path,subject,labels\n{files[3]},S4,segs.csv\n")
        assert main(["project", "add", str(proj), "--manifest", str(man), "--workers", "0", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "segs.csv:2" in err and "internal error" not in err, err
    with Project.open(proj, readonly=True) as p:
        assert files[3].stem not in {c.id for c in p.clips()}


def test_run_batch_reports_progress_and_stops_on_cancel(tmp_path, corpus):
    from imu2safety.core.base.progress import CancelToken

    d, files = corpus
    proj = new_project(tmp_path / "p")
    token = CancelToken()
    seen = []

    def progress(frac, msg):
        seen.append((frac, msg))
        if "3/8 files" in msg:
            token.cancel()

    items = [Item(path=str(f), subject="s") for f in files]
    with Project.open(proj) as p:
        s = run_batch(p, items, Settings(), LocalExecutor(0), progress=progress, cancel=token)
        assert s.cancelled and len(s.added) == 3 and len(p.clips()) == 3
        assert "added" in s.text() and "run the same command again" in s.text()
        s = run_batch(p, items, Settings(), LocalExecutor(0))
        assert len(s.added) == 5 and len(s.skipped) == 3 and len(p.clips()) == 8
    assert [f for f, _ in seen] == sorted(f for f, _ in seen) and seen[-1][0] == pytest.approx(3 / 8)


KILL_SCRIPT = """
import sys
from imu2safety.app.cli import main
sys.exit(main(["project", "add", sys.argv[1], sys.argv[2], "--workers", "1", "--quiet"]))
"""


def test_kill_9_keeps_what_was_committed_and_a_rerun_finishes(tmp_path):
    d = tmp_path / "ntu"
    d.mkdir()
    files = [ntu_file(d, performer=1 + i, action=43, seed=i, T=150) for i in range(40)]
    proj = new_project(tmp_path / "p")
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(proj), str(d)], start_new_session=True, stderr=subprocess.DEVNULL
    )
    db = proj / "project.sqlite"
    deadline = time.time() + 120
    n = 0
    while time.time() < deadline and proc.poll() is None:
        n = sqlite3.connect(db).execute("SELECT count(*) FROM clips").fetchone()[0]
        if n >= 4:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the writer and its worker, mid-batch
    proc.wait()
    assert 4 <= n < 40, "the batch must be killed half-way"
    with Project.open(proj, readonly=True) as p:
        kept = {c.id for c in p.clips()}
        for cid in kept:
            p.load_motion(cid)  # every committed clip is whole
    assert main(["project", "add", str(proj), str(d), "--workers", "1", "--quiet"]) == 0
    with Project.open(proj, readonly=True) as p:
        clips = p.clips()
        assert sorted(c.id for c in clips) == sorted(f.stem for f in files)
        used = {c.motion_path for c in clips} | {c.provenance["imu"]["path"] for c in clips}
    on_disk = {
        os.path.relpath(f, proj) for k in ("motion", "imu") for f in (proj / "cache" / k).iterdir() if f.is_file()
    }
    assert on_disk == used  # nothing left over from the killed run


def test_single_file_errors_stay_one_line(tmp_path, capsys):
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(tmp_path / "none.skeleton")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].endswith("none.skeleton: no such file")
    assert not (proj / "logs").exists()  # no failures CSV for one file
    assert main(["project", "add", str(proj)]) == 2
    assert "name files or folders" in capsys.readouterr().err
    m = save_motion(still("down", seconds=2), tmp_path / "a.npz")
    m2 = save_motion(still("down", seconds=3), tmp_path / "b.npz")
    assert main(["project", "add", str(proj), str(m), str(m2), "--id", "x"]) == 2
    assert "--id names one clip" in capsys.readouterr().err


def test_a_motion_npz_is_kept_byte_for_byte_as_a_single_add_did(tmp_path):
    m = save_motion(still("down", seconds=2), tmp_path / "a.npz")
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(m)]) == 0
    with Project.open(proj, readonly=True) as p:
        c = p.clip("a")
        sha = hashlib.sha256(m.read_bytes()).hexdigest()
        assert c.motion_sha256 == sha == c.source_sha256 and c.seed == int(sha[:8], 16) % 2**31
        assert (proj / c.motion_path).read_bytes() == m.read_bytes()
        with h5py.File(proj / c.provenance["imu"]["path"]) as f:
            assert f["acc"].compression is None
    assert load_motion(proj / c.motion_path).n_frames == 60


def _walk(f):
    out = {}

    def visit(name, obj):
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in obj.attrs.items() if k != "created_utc"}
        out[name] = (obj[()] if isinstance(obj, h5py.Dataset) else None, attrs)

    f.visititems(visit)
    out["/"] = (None, {k: v for k, v in f.attrs.items() if k != "created_utc"})
    return out


def test_a_stored_imu_from_another_simulator_build_is_not_reused(tmp_path, corpus, monkeypatch):
    # a project outlives program versions: after a change to the simulator, its stored IMU is stale
    from imu2safety.core.dataset import export as export_mod
    from imu2safety.core.sim import imu_io

    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(files[0]), "--workers", "0", "--quiet"]) == 0
    calls = []
    import imu2safety.core.sim.simulate as sim_mod

    orig = sim_mod.simulate
    monkeypatch.setattr(sim_mod, "simulate", lambda *a, **k: calls.append(1) or orig(*a, **k))
    cfg = export_mod.ExportConfig(window_s=1.0, hop_s=0.5, keep_unlabelled=True)  # no labels: windows y=-1
    export_mod.export_dataset(proj, tmp_path / "same.h5", cfg)
    assert calls == []
    monkeypatch.setattr(imu_io, "simulator_digest", lambda: "another build", raising=False)
    export_mod.export_dataset(proj, tmp_path / "newer.h5", cfg)
    assert calls == [1]


def test_export_reuses_the_stored_imu_and_writes_the_same_dataset(tmp_path, corpus, monkeypatch):
    from imu2safety.core.dataset import export as export_mod
    from imu2safety.core.project import commands as C

    d, files = corpus
    proj = new_project(tmp_path / "p")
    assert main(["project", "add", str(proj), str(d), "--recipe", "ntu", "--workers", "0", "--quiet"]) == 0
    calls = []
    import imu2safety.core.sim.simulate as sim_mod

    orig = sim_mod.simulate

    def counting(*a, **k):
        calls.append(1)
        return orig(*a, **k)

    monkeypatch.setattr(sim_mod, "simulate", counting)
    cfg = export_mod.ExportConfig(window_s=1.0, hop_s=0.5)
    export_mod.export_dataset(proj, tmp_path / "cached.h5", cfg)
    assert calls == []  # every clip's stored IMU matched
    with Project.open(proj) as p:  # a trim changes what the simulation sees: that clip is simulated again
        p.execute(C.SetTrim(files[0].stem, 5, 70))
    export_mod.export_dataset(proj, tmp_path / "trimmed.h5", cfg)
    assert len(calls) == 1
    with Project.open(proj) as p:
        p.undo()
    for f in (proj / "cache" / "imu").iterdir():
        f.unlink()  # no stored IMU: everything simulated at export
    export_mod.export_dataset(proj, tmp_path / "fresh.h5", cfg)
    assert len(calls) == 1 + 8
    with h5py.File(tmp_path / "cached.h5") as a, h5py.File(tmp_path / "fresh.h5") as b:
        wa, wb = _walk(a), _walk(b)
    assert wa.keys() == wb.keys()
    for k in wa:
        da, aa = wa[k]
        db, ab = wb[k]
        assert aa.keys() == ab.keys() and all(np.array_equal(aa[x], ab[x]) for x in aa), k
        assert (da is None and db is None) or np.array_equal(da, db, equal_nan=da.dtype.kind == "f"), k
