"""Odd values in inputs end in exit 2 and one line naming the file and the problem, never 'internal error'
(issue 11: each of these printed 'internal error: ...' with exit 1, or named the wrong file)."""

import json

import h5py
import numpy as np
import pytest
from hostile import good_motion, motion_npz, one_error_line, preset_file, real_csv, run_cli


def _simulate(tmp_path, motion, *extra):
    return run_cli(["simulate", motion, "--out", tmp_path / "o.h5", "--quiet", *extra])


@pytest.mark.parametrize(
    "name, fields, needle",
    [
        ("up_text.npz", {"up": np.str_("up")}, "'up'"),
        ("up_list.npz", {"up": np.array(["0", "0", "1"])}, "'up'"),
        ("conf_text.npz", {"confidence": np.str_("high")}, "'confidence'"),
        ("skel_array.npz", {"skeleton": np.array(["h36m17", "coco17"])}, "'skeleton'"),
        ("skel_number.npz", {"skeleton": np.float64(17)}, "'skeleton'"),
        ("fps_text.npz", {"fps": np.str_("thirty")}, "'fps'"),
        ("fps_complex.npz", {"fps": np.complex128(30 + 1j)}, "'fps'"),
        ("names_2d.npz", {"joint_names": np.array([["a", "b"]])}, "'joint_names'"),
        ("meta_list.npz", {"meta": np.str_("[1, 2]")}, "'meta'"),
        ("meta_deep.npz", {"meta": np.str_("[" * 100000 + "]" * 100000)}, "'meta'"),
        ("meta_number.npz", {"meta": np.float64(3)}, "'meta'"),
    ],
)
def test_motion_fields_of_the_wrong_type(tmp_path, name, fields, needle):
    m = motion_npz(tmp_path, name, **fields)
    one_error_line(_simulate(tmp_path, m), name, needle)


def test_simulate_names_the_npz_given_not_meta_path(tmp_path):
    """A motion whose meta records another 'path' (its import source) and that lacks the asked-for arm."""
    names = np.array(["pelvis", "l_shoulder", "l_elbow", "l_wrist"])
    j = np.zeros((60, 4, 3))
    j[:, 1] = [0, 0.2, 1.45]
    j[:, 2] = [0, 0.2, 1.15]
    j[:, 3] = [0, 0.2, 0.89]
    m = motion_npz(
        tmp_path,
        "given.npz",
        joints=j,
        skeleton=np.str_("custom"),
        joint_names=names,
        meta=np.str_(json.dumps({"path": "/elsewhere/source.bvh"})),
    )
    line = one_error_line(_simulate(tmp_path, m, "--wrist", "right"), "given.npz", "right arm")
    assert "source.bvh" not in line


@pytest.mark.parametrize(
    "seed, needle",
    [("-5", "--seed"), ("1e23", "--seed"), (str(10**29), "--seed"), ("2.5", "--seed")],
)
def test_bad_seeds_name_the_option_not_the_motion(tmp_path, seed, needle):
    line = one_error_line(_simulate(tmp_path, good_motion(tmp_path), "--seed", seed), needle)
    assert "good.npz" not in line


def test_bad_project_seed_is_an_option_error(tmp_path):
    r = run_cli(["project", "add", tmp_path / "P", good_motion(tmp_path), "--seed", str(10**29)])
    one_error_line(r, "--seed")


@pytest.mark.parametrize(
    "name, change, needle",
    [
        ("bits.json", lambda d: d["accelerometer"].__setitem__("bits", 2000), "accelerometer.bits"),
        ("range.json", lambda d: d["accelerometer"].__setitem__("range_g", 1e308), "accelerometer.range_g"),
        ("grange.json", lambda d: d["gyroscope"].__setitem__("range_dps", 10**400 // 10**390), "gyroscope.range_dps"),
        ("hugeint.json", lambda d: d["gyroscope"].__setitem__("bits", 10**400), "gyroscope.bits"),
        ("axismap.json", lambda d: d.__setitem__("axis_map", [[1, 0, 0], [0, 1, 0], [0, 0, 1]]), "axis_map"),
        ("axistext.json", lambda d: d.__setitem__("axis_map", {"left": "x,y,z"}), "axis_map.left"),
        ("id.json", lambda d: d.__setitem__("id", ["x"]), "'id'"),
        ("kind.json", lambda d: d.__setitem__("kind", ["watch"]), "'kind'"),
    ],
)
def test_preset_values_that_crashed(tmp_path, name, change, needle):
    p = preset_file(tmp_path, name, change)
    one_error_line(_simulate(tmp_path, good_motion(tmp_path), "--device", p), name, needle)


def test_preset_deeply_nested_json(tmp_path):
    p = preset_file(tmp_path, "deep.json", raw=("[" * 100000 + "]" * 100000).encode())
    one_error_line(_simulate(tmp_path, good_motion(tmp_path), "--device", p), "deep.json", "nested")


def test_preset_with_a_number_too_long_to_read(tmp_path):
    # Python refuses to turn more than 4300 digits into an int: a ValueError that json.loads lets through
    raw = preset_file(tmp_path, "x.json").read_text().replace('"bits": 16', '"bits": ' + "1" * 5000, 1)
    assert "1" * 5000 in raw
    p = preset_file(tmp_path, "long.json", raw=raw.encode())
    one_error_line(_simulate(tmp_path, good_motion(tmp_path), "--device", p), "long.json", "JSON")


def test_preset_in_latin1(tmp_path):
    data = json.loads(preset_file(tmp_path, "x.json").read_text())
    data["name"] = "Montre d'été"
    p = preset_file(tmp_path, "latin1.json", raw=json.dumps(data, ensure_ascii=False).encode("latin-1"))
    one_error_line(_simulate(tmp_path, good_motion(tmp_path), "--device", p), "latin1.json", "UTF-8")


def test_profile_set_with_deep_json_and_taxonomy_extension(tmp_path):
    assert run_cli(["project", "new", tmp_path / "P"]).returncode == 0
    deep = "[" * 50000 + "]" * 50000
    one_error_line(
        run_cli(["project", "profile", tmp_path / "P", "cheap", "--set", f"gyroscope.bits={deep}"]), "nested"
    )
    ext = tmp_path / "ext.json"
    ext.write_text(deep)
    one_error_line(run_cli(["project", "taxonomy", tmp_path / "P", "--extend", ext]), "ext.json", "nested")
    one_error_line(
        run_cli(["project", "profile", tmp_path / "P", "x", "--set", "gyroscope.bits.deeper=3"]), "gyroscope.bits"
    )
    ext.write_text("[1, 2]")
    one_error_line(run_cli(["project", "taxonomy", tmp_path / "P", "--extend", ext]), "ext.json", "JSON object")


def test_a_two_row_real_csv(tmp_path):
    real = real_csv(tmp_path, "two.csv", n=2)
    one_error_line(run_cli(["calibrate", "device", real, "--out", tmp_path / "p.json"]), "two.csv", "at least")


@pytest.mark.parametrize(
    "name, build, needle",
    [
        ("scalar_time.h5", lambda f, a: f.create_dataset("time", data=1.0), "'time'"),
        ("time_2d.h5", lambda f, a: f.create_dataset("time", data=np.zeros((3000, 2))), "'time'"),
        ("time_group.h5", lambda f, a: f.create_group("time"), "'time'"),
        ("time_text.h5", lambda f, a: f.create_dataset("time", data=np.array([b"x"] * 3000)), "numbers"),
        ("units_deep.h5", lambda f, a: f.attrs.__setitem__("units", "[" * 5000 + "]" * 5000), "units"),
    ],
)
def test_odd_hdf5_recordings(tmp_path, name, build, needle):
    path = tmp_path / name
    acc = np.tile([0.0, 0.0, 9.81], (3000, 1)) + 0.01 * np.random.default_rng(0).standard_normal((3000, 3))
    with h5py.File(path, "w") as f:
        build(f, acc)
        if "time" not in f:
            f["time"] = np.arange(3000) / 100.0
        f["acc"] = acc
        f["gyro"] = acc * 0.01
    one_error_line(run_cli(["calibrate", "device", path, "--out", tmp_path / "p.json"]), name, needle)


def test_invalid_utf8_names_work_or_fail_cleanly(tmp_path):
    """Names that are not UTF-8 (bytes from another locale) are files like any other."""
    src = good_motion(tmp_path)
    bad = tmp_path.joinpath(b"walk\xff.npz".decode("utf-8", "surrogateescape"))
    bad.write_bytes(src.read_bytes())
    out = tmp_path.joinpath(b"out\xfe.h5".decode("utf-8", "surrogateescape"))
    r = run_cli(["simulate", bad, "--out", out, "--quiet"])
    assert r.returncode == 0, r.stderr
    assert out.exists()
    # and a missing one is a clean error that still names it
    r = run_cli(["simulate", tmp_path.joinpath(b"gone\xff.npz".decode("utf-8", "surrogateescape")), "--out", out])
    one_error_line(r, "gone")
    # in a project, as a clip
    assert run_cli(["project", "new", tmp_path / "P"]).returncode == 0
    r = run_cli(["project", "add", tmp_path / "P", bad])
    assert r.returncode in (0, 2), r.stderr
    if r.returncode == 2:
        one_error_line(r, "walk")
    assert b"internal error" not in r.stderr
    # a project folder and a real recording named in another locale's bytes
    odd_project = tmp_path.joinpath(b"proj\xff".decode("utf-8", "surrogateescape"))
    assert run_cli(["project", "new", odd_project]).returncode == 0
    real = tmp_path.joinpath(b"watch\xe9.csv".decode("utf-8", "surrogateescape"))
    real.write_bytes(real_csv(tmp_path, "r.csv").read_bytes())
    r = run_cli(["realism", out, real, "--out", tmp_path / "rep"])
    assert r.returncode == 0, r.stderr
    assert "watch\\xe9.csv" in (tmp_path / "rep" / "report.html").read_text()


def test_an_unwritable_out_never_shows_a_temporary_name(tmp_path):
    """The temporary file beside --out is ours, not the user's: errors name --out."""
    ro = tmp_path / "ro"
    ro.mkdir()
    for out in ("/proc/x.h5", "/sys/x.h5", ro / "missing" / "x.h5"):
        r = run_cli(["simulate", good_motion(tmp_path), "--out", out, "--quiet"])
        line = one_error_line(r, "x.h5")
        assert ".tmp" not in line and ".x.h5." not in line, line
