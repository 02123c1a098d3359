"""Export: a full disk is a clear error, never a crash; settings that cannot give a useful dataset are
refused before the work, with the limit named; empty results are not silent (issue 11)."""

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from project_factory import make_project

from imu2safety.app.cli import main
from imu2safety.core.base.errors import InputError
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.dataset.reader import open_dataset
from imu2safety.core.project.project import Project


@pytest.fixture(scope="module")
def proj(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("guards") / "P", subjects=("S1", "S2", "S3"), seconds=4.0)


def _err(capsys, *needles):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("imu2safety: error: "), err
    assert "internal error" not in err[0]
    for n in needles:
        assert n in err[0], err
    return err[0]


# -- a disk that fills while HDF5 writes ----------------------------------------------------------------

FILL = textwrap.dedent("""
    import resource, signal, sys
    from imu2safety.core.base.errors import InputError
    from imu2safety.core.dataset import export as E
    from imu2safety.core.dataset.export import ExportConfig, export_dataset
    if hasattr(E, "ensure_space"):
        E.ensure_space = lambda *a, **k: None   # the disk fills after any check could look (another writer)
    limit = int(sys.argv[3])
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        export_dataset(sys.argv[1], sys.argv[2], ExportConfig(val=0, test=0, compression=sys.argv[4]))
    except InputError as exc:
        print("ERROR", exc, flush=True)
        sys.exit(2)
    print("DONE", flush=True)
""")


def _digest(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    return make_project(
        tmp_path_factory.mktemp("big") / "P", subjects=[f"S{i}" for i in range(6)], clips_per_subject=1, seconds=60.0
    )


@pytest.mark.parametrize("compression, limit", [("gzip", 400_000), ("none", 2_000_000)])
def test_a_file_size_limit_mid_write_is_an_error_not_a_segfault(tmp_path, big, compression, limit):
    """h5py segfaulted (7 of 7 runs) when a write failed; any user can provoke that with RLIMIT_FSIZE."""
    out = tmp_path / "d.h5"
    out.write_bytes(b"earlier dataset")
    before = _digest(out)
    r = subprocess.run(
        [sys.executable, "-c", FILL, str(big), str(out), str(limit), compression],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
    assert "ERROR" in r.stdout and "d.h5" in r.stdout and "nothing was written" in r.stdout, r.stdout
    assert _digest(out) == before
    assert os.listdir(tmp_path) == ["d.h5"]


@pytest.mark.parametrize("compression, size", [("gzip", "512k"), ("none", "3m")])
def test_a_disk_that_fills_mid_write_is_an_error_not_a_segfault(tmp_path, big, compression, size):
    disk = tmp_path / "tiny"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the RLIMIT_FSIZE test covers the same path")
    try:
        out = disk / "d.h5"
        out.write_bytes(b"earlier")
        r = subprocess.run(
            [sys.executable, "-c", FILL, str(big), str(out), "0", compression],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 2, (r.returncode, r.stderr[-3000:])
        assert "disk full" in r.stdout and "Traceback" not in r.stderr, (r.stdout, r.stderr[-2000:])
        assert out.read_bytes() == b"earlier" and os.listdir(disk) == ["d.h5"]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_the_guarded_writer_gives_the_same_dataset(tmp_path, proj):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    export_dataset(proj, a, ExportConfig(seed=3))
    export_dataset(proj, b, ExportConfig(seed=3))
    with open_dataset(a) as da, open_dataset(b) as db:
        assert (da.windows["X"][()] == db.windows["X"][()]).all()
        assert da.windows["X"].shape[0] > 0


# -- settings that cannot work ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "option, value, words",
    [
        ("--window", "1e6", "longer than every clip"),
        ("--window", "inf", "--window must be a finite"),
        ("--hop", "inf", "--hop must be a finite"),
        ("--hop", "1e300", "longer than every clip"),
        ("--window", "nan", "--window must be"),
        ("--variants", "100000", "--variants 100000"),
        ("--variants", "0", "--variants must be"),
    ],
)
def test_impossible_settings_are_refused_at_once(tmp_path, proj, capsys, option, value, words):
    t0 = time.monotonic()
    assert main(["export", str(proj), "--out", str(tmp_path / "d.h5"), "--quiet", option, value]) == 2
    line = _err(capsys, words)
    assert "disk full" not in line
    assert time.monotonic() - t0 < 20
    assert not (tmp_path / "d.h5").exists()


@pytest.mark.parametrize(
    "change, words",
    [
        ({"rate_hz": float("inf")}, "--rate must be a finite"),
        ({"seed": -5}, "--seed must be a whole number"),
        ({"seed": 2**64}, "--seed must be a whole number"),
    ],
)
def test_export_settings_from_python_are_checked_too(tmp_path, proj, change, words):
    """The command line checks these when it parses; a script or the workbench reaches ExportConfig directly."""
    with pytest.raises(InputError, match=words):
        export_dataset(proj, tmp_path / "d.h5", ExportConfig(**change))


def test_the_variant_limit_names_the_memory_it_would_take(tmp_path, proj, monkeypatch):
    from imu2safety.core.dataset import export as E

    # 4 s clips at 100 Hz: 48 kB of signals per variant; the real limit (2 GiB) needs clips of minutes
    monkeypatch.setattr(E, "MAX_VARIANT_BYTES", 2**20)
    with pytest.raises(InputError) as e:
        export_dataset(proj, tmp_path / "d.h5", ExportConfig(variants=500))
    msg = str(e.value)
    assert "--variants 500" in msg and "MB of simulated signals" in msg and "use at most 21" in msg, msg
    assert not (tmp_path / "d.h5").exists()


def test_a_dataset_without_windows_is_refused_unless_allowed(tmp_path, capsys):
    folder = make_project(tmp_path / "P", subjects=("S1", "S2"), seconds=3.0, labels=False)
    out = tmp_path / "d.h5"
    assert main(["export", str(folder), "--out", str(out), "--quiet"]) == 2
    _err(capsys, "no labelled segments", "--allow-empty")
    assert not out.exists()
    assert main(["export", str(folder), "--out", str(out), "--quiet", "--allow-empty"]) == 0
    assert "0 windows" in capsys.readouterr().out
    with open_dataset(out) as ds:
        assert ds.windows["X"].shape[0] == 0


def test_labels_that_give_no_window_are_refused_with_the_reason(tmp_path, proj, capsys):
    out = tmp_path / "d.h5"
    assert main(["export", str(proj), "--out", str(out), "--quiet", "--window", "3.9"]) == 2
    _err(capsys, "0 windows", "--allow-empty")
    assert not out.exists()


def test_an_empty_validation_or_test_split_is_warned_about(tmp_path, capsys):
    folder = make_project(tmp_path / "P", subjects=("S1", "S2"), seconds=4.0)
    assert main(["export", str(folder), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "test split is empty" in err and "2 subject" in err
    assert main(["export", str(folder), "--out", str(tmp_path / "e.h5"), "--quiet", "--val", "0", "--test", "0"]) == 0
    assert "split is empty" not in capsys.readouterr().err  # asked for none: nothing to warn about


def test_a_split_with_clips_but_no_windows_is_warned_about(tmp_path, capsys):
    from imu2safety.core.dataset.export import assign_splits

    folder = make_project(tmp_path / "P", subjects=("S1", "S2", "S3"), clips_per_subject=1, seconds=4.0, labels=False)
    with Project.open(folder) as p:
        from imu2safety.core.project import commands as C

        where = assign_splits({c.id: c.subject for c in p.clips()}, 0.34, 0.0, 5)
        for c in p.clips():
            if where[c.id] != "val":  # the validation clip stays unlabelled
                p.execute(C.AddSegment(c.id, 0, c.n_frames, "walking", "safe"))
    assert (
        main(
            [
                "export",
                str(folder),
                "--out",
                str(tmp_path / "d.h5"),
                "--quiet",
                "--val",
                "0.34",
                "--test",
                "0",
                "--seed",
                "5",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "warning:" in err and "no windows" in err


def test_glitch_frames_left_inside_the_trim_are_warned_about_at_export(tmp_path, capsys):
    from importlib import resources

    from imu2safety.core.motion.importers import import_motion
    from imu2safety.core.motion.interchange import save_motion
    from imu2safety.core.project import commands as C

    m = import_motion(str(resources.files("imu2safety.resources") / "demo" / "cmu_16_15_walk.bvh"))
    save_motion(m, tmp_path / "walk.npz")
    with Project.create(tmp_path / "P") as p:
        c = p.add_clip(tmp_path / "walk.npz", subject="S1", warn=lambda w: None)
        p.execute(C.AddSegment(c.id, 0, c.n_frames, "walking", "safe"))
    assert main(["export", str(tmp_path / "P"), "--out", str(tmp_path / "d.h5"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning: clip 'walk': joints jump faster than 15 m/s at frames 1, 2, 3, 4 inside its trim" in err, err
    assert main(["project", "trim", str(tmp_path / "P"), "walk", "--drop-glitches"]) == 0
    assert main(["export", str(tmp_path / "P"), "--out", str(tmp_path / "e.h5"), "--quiet"]) == 0
    assert "joints jump" not in capsys.readouterr().err


def test_a_cancel_during_the_last_clip_leaves_the_earlier_dataset(tmp_path, proj):
    """Ctrl+C/SIGTERM while the last clip was written still renamed the finished file over the earlier one
    (and the command said it was interrupted): the rename now waits for no cancel."""
    from imu2safety.core.base.progress import Cancelled, CancelToken

    out = tmp_path / "d.h5"
    out.write_bytes(b"earlier")
    token = CancelToken()
    with Project.open(proj, readonly=True) as p:
        last = f"clip {p.clips()[-1].id}"

    def progress(f, msg):
        if msg == last:
            token.cancel()  # after the loop's last check: only the final check can see it

    with pytest.raises(Cancelled):
        export_dataset(proj, out, ExportConfig(val=0, test=0), progress=progress, cancel=token)
    assert out.read_bytes() == b"earlier" and os.listdir(tmp_path) == ["d.h5"]
