"""Dataset export: layout and content, exact trims, splits by subject, determinism, failures leave no file."""

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import h5py
import numpy as np
import pytest
from project_factory import make_project, motion_file

from imu2safety.app.cli import main
from imu2safety.core.base.atomic import _sweep_stale
from imu2safety.core.base.errors import InputError
from imu2safety.core.base.progress import Cancelled, CancelToken
from imu2safety.core.dataset import export as export_mod
from imu2safety.core.dataset.export import ExportConfig, export_dataset
from imu2safety.core.dataset.reader import open_dataset
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project
from imu2safety.core.sim.devices import load_preset
from imu2safety.core.sim.simulate import SimConfig, simulate


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """4 subjects x 2 clips of 6 s at 30000/1001 fps; one clip trimmed; exported once."""
    root = tmp_path_factory.mktemp("exp")
    folder = make_project(root / "p")
    with Project.open(folder) as p:
        p.execute(C.SetTrim("s2_1", 20, 160))
        p.execute(C.UpdateClip("s3_0", wrist="right", seed=5))
    out = root / "ds.h5"
    summary = export_dataset(folder, out, ExportConfig(val=0.25, test=0.25, seed=3, workers=3))
    return folder, out, summary


def _contents(path):
    """Every dataset and attribute of a file (created_utc left out)."""
    out = {}
    with h5py.File(path, "r") as f:

        def visit(name, obj):
            for k, v in obj.attrs.items():
                if k != "created_utc":
                    out[f"{name}@{k}"] = v.tolist() if isinstance(v, np.ndarray) else v
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]

        visit("/", f)
        f.visititems(visit)
    return out


def test_layout_and_root_attributes(small):
    folder, out, s = small
    with h5py.File(out, "r") as f:
        assert f.attrs["schema_version"] == 1
        assert f.attrs["created_utc"].endswith("Z")
        gen = json.loads(f.attrs["generator"])
        assert gen["package"] == "imu2safety" and gen["version"]
        assert json.loads(f.attrs["units"])["acc"] == "m/s^2"
        for name in ("acc", "gyro", "acc_clean", "gyro_clean"):
            ds = f["clips/s1_0/imu"][name]
            assert ds.dtype == np.float32 and ds.shape[1] == 3 and ds.compression == "gzip"
            assert ds.chunks[0] <= ds.shape[0] and ds.chunks[1] == 3  # chunked along time
        assert f["clips/s1_0/imu/valid"].dtype == bool
        assert f["windows/X"].dtype == np.float32 and f["windows/X"].shape[1:] == (200, 6)
        assert set(f["mask"]) == {"train", "val", "test"}
        assert "label_rule" in f["windows"].attrs
    with Project.open(folder, readonly=True) as p, open_dataset(out) as ds:
        assert ds.attrs["taxonomy"] == p.taxonomy.data  # the exact taxonomy
        assert s.n_clips == 8 and s.n_windows == ds.windows["X"].shape[0]
        y = ds.windows["y"][()]
        assert s.windows_per_class == {"walking": int((y == 7).sum()), "falling": int((y == 0).sum())}


def test_clip_signals_match_the_simulator_with_the_clips_settings(small):
    folder, out, _ = small
    with Project.open(folder, readonly=True) as p, open_dataset(out) as ds:
        for cid in ("s2_1", "s3_0"):
            c = p.clip(cid)
            m = p.load_motion(cid, trimmed=True)
            sig = simulate(m, p.device_for(cid), SimConfig(wrist=c.wrist, seed=c.seed))
            d = ds.clip(cid)
            np.testing.assert_array_equal(d["imu"]["acc"], sig.acc.astype(np.float32))
            np.testing.assert_array_equal(d["imu"]["gyro_clean"], sig.gyro_clean.astype(np.float32))
            np.testing.assert_array_equal(d["imu"]["valid"], sig.valid)
            np.testing.assert_array_equal(d["skeleton"]["joints"], m.joints.astype(np.float32))
            a = d["attrs"]
            assert (a["trim_in"], a["trim_out"], a["wrist"], a["seed"]) == (c.trim_in, c.trim_out, c.wrist, c.seed)
            assert a["source"]["motion_sha256"] == c.motion_sha256
            assert a["device"] == load_preset("watch-bmi270").data
            assert a["provenance"]["config"]["seed"] == c.seed


def test_segments_are_stored_relative_to_the_trim(small):
    folder, out, _ = small
    with Project.open(folder, readonly=True) as p, open_dataset(out) as ds:
        c = p.clip("s2_1")  # trimmed to [20, 160)
        segs = ds.clip("s2_1")["segments"]
        want = []
        for s in p.segments("s2_1"):
            a, b = max(s.start_frame, 20), min(s.end_frame, 160)
            want.append((a, b, float(Fraction(a - 20) / c.fps), float(Fraction(b - 20) / c.fps), s.behaviour))
        got = [
            (int(r["start_frame"]), int(r["end_frame"]), r["start_s"], r["end_s"], r["behaviour"].decode())
            for r in segs
        ]
        assert got == want
        fall = [r for r in segs if r["behaviour"] == b"falling"][0]
        assert fall["flags"] == 1 and fall["severity"] == 2 and fall["phase"] == b"impact"
        assert fall["safety"] == 1 and np.isclose(fall["confidence"], 0.9)


def test_windows_are_slices_of_the_clip_signals_with_rule_labels(small):
    folder, out, _ = small
    with open_dataset(out) as ds:
        w = ds.windows
        X, y, ci, st, var = w["X"][()], w["y"][()], w["clip_index"][()], w["start_sample"][()], w["variant"][()]
        assert (var == 0).all()
        tax = ds.taxonomy
        for i in range(0, len(y), 7):
            cid = ds.clip_ids[ci[i]]
            d = ds.clip(cid)
            acc, gyro = d["imu"]["acc"], d["imu"]["gyro"]
            np.testing.assert_array_equal(X[i], np.concatenate([acc, gyro], 1)[st[i] : st[i] + 200])
            # the factory labels walking 0-40 %, falling 40-70 % of the source frames
            segs = d["segments"]
            t0, t1 = st[i] / 100.0, (st[i] + 200) / 100.0
            cover = {}
            for r in segs:
                ov = max(0.0, min(t1, r["end_s"]) - max(t0, r["start_s"]))
                cover[r["behaviour"].decode()] = cover.get(r["behaviour"].decode(), 0) + ov / 2.0
            best = "falling" if cover.get("falling", 0) >= 0.5 - 0.006 else "walking"
            assert tax.behaviour_of_code(int(y[i])) == best, (cid, st[i], cover)


def test_split_is_by_subject_and_disjoint(small):
    folder, out, s = small
    with Project.open(folder, readonly=True) as p, open_dataset(out) as ds:
        subject = {c.id: c.subject for c in p.clips()}
        parts = {k: ds.split_clips(k) for k in ("train", "val", "test")}
        all_ids = sum(parts.values(), [])
        assert sorted(all_ids) == sorted(subject)  # a partition of the clips
        subj_sets = {k: {subject[c] for c in v} for k, v in parts.items()}
        assert not (subj_sets["train"] & subj_sets["val"]) and not (subj_sets["train"] & subj_sets["test"])
        assert not (subj_sets["val"] & subj_sets["test"])
        assert len(subj_sets["val"]) == 1 and len(subj_sets["test"]) == 1 and len(subj_sets["train"]) == 2
        for k, ids in parts.items():
            idx = ds.window_indices(k)
            assert {ds.clip_ids[i] for i in ds.windows["clip_index"][()][idx]} <= set(ids)
            assert len(idx) == s.windows_per_split[k]
        assert sum(len(ds.window_indices(k)) for k in parts) == ds.windows["y"].shape[0]


def test_split_by_clip_and_seed(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1", "S2"), clips_per_subject=3, seconds=4.0)
    splits = []
    for seed in (0, 1, 2, 3):
        s = export_dataset(
            folder,
            tmp_path / f"d{seed}.h5",
            ExportConfig(split="clip", val=0.2, test=0.2, seed=seed, compression="lzf"),
        )
        assert sum(len(v) for v in s.clips_per_split.values()) == 6
        assert len(s.clips_per_split["val"]) == 1 and len(s.clips_per_split["test"]) == 1
        splits.append(tuple(map(tuple, s.clips_per_split.values())))
    assert len(set(splits)) > 1  # the seed draws the split


def test_same_inputs_same_content(small, tmp_path):
    folder, out, _ = small
    again = tmp_path / "again.h5"
    export_dataset(folder, again, ExportConfig(val=0.25, test=0.25, seed=3, workers=1))  # threads or not
    a, b = _contents(out), _contents(again)
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            assert a[k] == b[k], k


def test_variants_draw_device_realisations(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1", "S2"), clips_per_subject=1, seconds=5.0)
    one = export_dataset(folder, tmp_path / "one.h5", ExportConfig(val=0, test=0))
    three = export_dataset(folder, tmp_path / "three.h5", ExportConfig(val=0, test=0, variants=3))
    assert three.n_windows == 3 * one.n_windows
    with open_dataset(tmp_path / "one.h5") as d1, open_dataset(tmp_path / "three.h5") as d3:
        c1, c3 = d1.clip("s1_0"), d3.clip("s1_0")
        np.testing.assert_array_equal(c3["imu"]["acc"], c1["imu"]["acc"])  # variant 0 = the clip's seed
        av = c3["imu"]["acc_variants"]
        assert av.shape == (3,) + c1["imu"]["acc"].shape
        np.testing.assert_array_equal(av[0], c1["imu"]["acc"])
        assert not np.allclose(av[1], av[0]) and not np.allclose(av[2], av[1])
        seeds = c3["attrs"]["variant_seeds"]
        assert len(set(seeds)) == 3 and seeds[0] == c3["attrs"]["seed"]
        # the clean signal does not depend on the realisation
        np.testing.assert_allclose(np.nanmean(av[1] - av[0], axis=0), 0, atol=1.0)
        assert sorted(set(d3.windows["variant"][()])) == [0, 1, 2]


def test_device_override_and_profiles(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=2, seconds=4.0)
    with Project.open(folder) as p:
        data = load_preset("watch-bmi270").with_changes({"accelerometer.range_g": 2}).data
        p.execute(C.SetProfile("tight", data))
        p.execute(C.UpdateClip("s1_1", profile="tight"))
    export_dataset(folder, tmp_path / "d.h5", ExportConfig(val=0, test=0))
    export_dataset(folder, tmp_path / "i.h5", ExportConfig(val=0, test=0, device="ideal"))
    with open_dataset(tmp_path / "d.h5") as d, open_dataset(tmp_path / "i.h5") as i:
        assert d.clip("s1_1")["attrs"]["device"]["accelerometer"]["range_g"] == 2
        assert d.clip("s1_1")["attrs"]["device_name"] == "tight"
        ideal = i.clip("s1_0")["imu"]
        np.testing.assert_array_equal(ideal["acc"], ideal["acc_clean"])
        assert i.clip("s1_1")["attrs"]["device_name"] == "ideal"


def test_frame_exact_trim_at_ntsc(tmp_path):
    src = motion_file(tmp_path, "long", seconds=70.0)
    with Project.create(tmp_path / "p") as p:
        c = p.add_clip(src, subject="S1")
        p.execute(C.SetTrim(c.id, 1001, 2002))
        p.execute(C.AddSegment(c.id, 1500, 1600, "fainting", "unsafe"))
        p.execute(C.AddSegment(c.id, 900, 1100, "walking", "safe"))  # crosses the trim-in
        full = p.load_motion(c.id)
    export_dataset(tmp_path / "p", tmp_path / "d.h5", ExportConfig(val=0, test=0))
    fps = Fraction(30000, 1001)
    with open_dataset(tmp_path / "d.h5") as ds:
        d = ds.clip("long")
        np.testing.assert_array_equal(d["skeleton"]["joints"], full.joints[1001:2002].astype(np.float32))
        # samples at n/100 s for n = 0 .. floor(1000 frames / fps * 100)
        assert d["imu"]["acc"].shape[0] == int(Fraction(1000) / fps * 100) + 1
        walk, faint = sorted(d["segments"], key=lambda r: r["start_frame"])
        assert (walk["start_frame"], walk["end_frame"], walk["start_s"]) == (1001, 1100, 0.0)
        assert faint["start_s"] == float(Fraction(499) / fps) and faint["end_s"] == float(Fraction(599) / fps)
        assert d["attrs"]["fps"] == "30000/1001"


def test_taxonomy_extension_is_embedded(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=4.0, labels=False)
    with Project.open(folder) as p:
        p.execute(
            C.SetTaxonomyExtension(
                {
                    "behaviours": [
                        {"id": "climbing", "name": "Climbing", "group": "safety_critical", "colour": "#882255"}
                    ]
                }
            )
        )
        p.execute(C.AddSegment("s1_0", 0, 119, "climbing", "unsafe"))
    export_dataset(folder, tmp_path / "d.h5", ExportConfig(val=0, test=0))
    with open_dataset(tmp_path / "d.h5") as ds:
        assert ds.taxonomy.code("climbing") == 100
        assert set(ds.windows["y"][()]) == {100}


def test_mixed_device_rates_need_rate(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=2, seconds=4.0)
    with Project.open(folder) as p:
        p.execute(C.SetProfile("slow", load_preset("watch-bmi270").with_changes({"output_rate_hz": 50}).data))
        p.execute(C.UpdateClip("s1_1", profile="slow"))
    with pytest.raises(InputError, match="different output rates.*--rate"):
        export_dataset(folder, tmp_path / "d.h5", ExportConfig(val=0, test=0))
    s = export_dataset(folder, tmp_path / "d.h5", ExportConfig(val=0, test=0, rate_hz=50))
    with open_dataset(tmp_path / "d.h5") as ds:
        assert ds.windows["X"].shape[1] == 100 and ds.clip("s1_0")["attrs"]["imu_rate_hz"] == 50
    assert s.n_windows > 0


# -- failures leave no partial file -----------------------------------------------------------------


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _visible(folder):
    return sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))


@pytest.fixture
def with_earlier(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1", "S2", "S3"), clips_per_subject=1, seconds=4.0)
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / "d.h5"
    export_dataset(folder, out, ExportConfig(val=0, test=0))
    return folder, out, _digest(out)


def test_full_disk_gives_a_clear_error_and_no_file(with_earlier, monkeypatch):
    folder, out, digest = with_earlier
    real = export_mod._write_clip
    calls = []

    def failing(f, *a, **kw):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(f, *a, **kw)

    monkeypatch.setattr(export_mod, "_write_clip", failing)
    with pytest.raises(InputError, match="disk full"):
        export_dataset(folder, out, ExportConfig(val=0, test=0, seed=9))
    assert _digest(out) == digest  # the earlier file is intact
    assert os.listdir(out.parent) == ["d.h5"]  # and no temporary is left
    new = out.parent / "new.h5"
    with pytest.raises(InputError, match="disk full"):
        calls.clear()
        export_dataset(folder, new, ExportConfig(val=0, test=0))
    assert not new.exists()


def test_ctrl_c_and_cancel_leave_no_file(with_earlier, monkeypatch):
    folder, out, digest = with_earlier
    token = CancelToken()

    def progress(f, msg):
        if f > 0.3:
            token.cancel()

    with pytest.raises(Cancelled):
        export_dataset(folder, out, ExportConfig(val=0, test=0, seed=1), progress=progress, cancel=token)
    real = export_mod._write_clip

    def interrupted(f, clip, *a, **kw):
        if clip.id == "s2_0":
            raise KeyboardInterrupt
        return real(f, clip, *a, **kw)

    monkeypatch.setattr(export_mod, "_write_clip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export_dataset(folder, out, ExportConfig(val=0, test=0, seed=1))
    assert _digest(out) == digest and os.listdir(out.parent) == ["d.h5"]


def test_read_only_output_folder(with_earlier, monkeypatch, tmp_path):
    folder, out, _ = with_earlier
    import tempfile

    def denied(*a, **kw):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    with pytest.raises(InputError, match="cannot write here"):
        export_dataset(folder, tmp_path / "ro.h5", ExportConfig(val=0, test=0))
    assert not (tmp_path / "ro.h5").exists()


def _make_read_only(folder):
    """chmod 555; as root (which ignores modes) the immutable attribute instead. Returns an undo."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    r = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("running as root and chattr +i is not available: cannot make a read-only folder")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_read_only_output_folder_for_real(with_earlier, tmp_path, capsys):
    folder, _, _ = with_earlier
    ro = tmp_path / "ro"
    ro.mkdir()
    undo = _make_read_only(ro)
    try:
        with pytest.raises(InputError, match="cannot write here"):
            export_dataset(folder, ro / "d.h5", ExportConfig(val=0, test=0))
        assert main(["export", str(folder), "--out", str(ro / "d.h5"), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert "cannot write here" in err and "Traceback" not in err
        assert os.listdir(ro) == []
    finally:
        undo()


def test_a_really_full_disk_small_tmpfs(tmp_path):
    """A 4 MB tmpfs fills up after a few clips (11 MB uncompressed): a clear error, exit code 2, nothing left
    on it. (A 19 MB disk holds this export with gzip: the old free-space estimate refused it.)"""
    folder = make_project(tmp_path / "p", subjects=[f"S{i}" for i in range(10)], clips_per_subject=1, seconds=60.0)
    disk = tmp_path / "tiny"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        out = disk / "d.h5"
        code = "import sys; from imu2safety.app.cli import main; sys.exit(main(sys.argv[1:]))"
        res = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                "export",
                str(folder),
                "--out",
                str(out),
                "--quiet",
                "--val",
                "0",
                "--test",
                "0",
                "--compression",
                "none",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert res.returncode == 2, res.stderr[-2000:]
        assert "disk full" in res.stderr and "Traceback" not in res.stderr
        assert os.listdir(disk) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


KILL_EXPORT = textwrap.dedent("""
    import sys
    from imu2safety.core.dataset.export import ExportConfig, export_dataset
    def progress(f, msg):
        print(f, flush=True)
    export_dataset(sys.argv[1], sys.argv[2], ExportConfig(val=0, test=0, seed=4, variants=3), progress=progress)
    print("finished", flush=True)
""")


def test_kill_9_during_export_leaves_earlier_dataset_intact(tmp_path):
    folder = make_project(tmp_path / "p", subjects=[f"S{i}" for i in range(12)], clips_per_subject=1, seconds=30.0)
    out = tmp_path / "out" / "d.h5"
    out.parent.mkdir()
    export_dataset(folder, out, ExportConfig(val=0, test=0, variants=1))
    digest = _digest(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_EXPORT, str(folder), str(out)], stdout=subprocess.PIPE, text=True
    )
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.strip() != "0.0" and len(seen) >= 3:  # a few clips written
            break
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read()
    proc.wait()
    assert proc.returncode == -signal.SIGKILL and "finished" not in seen + rest.split()
    assert _digest(out) == digest
    assert _visible(out.parent) == ["d.h5"]  # no partial dataset under any name
    with open_dataset(out) as ds:
        assert ds.windows["X"].shape[0] > 0
    left = [p for p in out.parent.iterdir() if p.name.startswith(".d.h5.")]
    assert left  # the killed writer's temporary...
    export_dataset(folder, out, ExportConfig(val=0, test=0))
    assert os.listdir(out.parent) == ["d.h5"]  # ...is cleaned by the next export


def test_cli_export(tmp_path, capsys):
    folder = make_project(tmp_path / "p", subjects=("S1", "S2", "S3"), clips_per_subject=1, seconds=4.0)
    out = tmp_path / "d.h5"
    rc = main(
        [
            "export",
            str(folder),
            "--out",
            str(out),
            "--window",
            "1",
            "--hop",
            "0.5",
            "--val",
            "0.34",
            "--test",
            "0.34",
            "--seed",
            "2",
            "--variants",
            "2",
            "--quiet",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "3 clips" in text and "windows per behaviour: " in text
    with open_dataset(out) as ds:
        assert ds.window_attrs["window"] == 100 and ds.window_attrs["hop"] == 50
        assert all(len(ds.split_clips(k)) == 1 for k in ("train", "val", "test"))
    assert main(["export", str(folder), "--out", str(tmp_path / "x.h5"), "--val", "0.6", "--test", "0.5"]) == 2
    assert "must leave something to train on" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "nope"), "--out", str(tmp_path / "x.h5")]) == 2
    assert not (tmp_path / "x.h5").exists()


def test_a_live_exports_temporary_is_not_removed(with_earlier):
    folder, out, _ = with_earlier
    seen = []

    def progress(f, msg):
        if 0 < f < 1 and not seen:
            temps = [p for p in out.parent.iterdir() if p.name.startswith(".d.h5.")]
            _sweep_stale(out.parent, out.name, ".h5")  # what a second export would do
            seen.append([p.exists() for p in temps])

    export_dataset(folder, out, ExportConfig(val=0, test=0), progress=progress)
    assert seen == [[True]]
    with open_dataset(out) as ds:
        assert ds.windows["X"].shape[0] > 0


def test_a_clip_that_cannot_be_simulated_is_named(tmp_path):
    from project_factory import waving

    from imu2safety.core.motion.interchange import save_motion

    m = waving(seconds=3.0)
    m.joints[:, 16] = np.nan  # the right wrist is never seen
    save_motion(m, tmp_path / "blind.npz")
    with Project.create(tmp_path / "p") as p:
        p.add_clip(tmp_path / "blind.npz", subject="S1", wrist="right")
    with pytest.raises(InputError, match="clip 'blind': the right arm is never observed"):
        export_dataset(tmp_path / "p", tmp_path / "d.h5", ExportConfig(val=0, test=0, keep_unlabelled=True))
    assert not (tmp_path / "d.h5").exists()
