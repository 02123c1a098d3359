"""Packaging that a fresh setup relies on (issue 11): every shipped folder is a configured package (else
setuptools prints ~100 lines of warnings and may drop the files), and the licence fits what is shipped."""

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
CONF = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_shipped_folder_is_a_configured_package():
    st = CONF["tool"]["setuptools"]
    dirs = {v: k for k, v in st["package-dir"].items()}  # folder -> package
    listed = set(st["packages"])
    missing = []
    for folder, package in dirs.items():
        for d in [ROOT / folder, *(p for p in (ROOT / folder).rglob("*") if p.is_dir())]:
            if d.name == "__pycache__" or not any(f.is_file() for f in d.iterdir()):
                continue
            rel = d.relative_to(ROOT / folder).parts
            name = ".".join((package, *rel))
            if name not in listed:
                missing.append(name)
    assert not missing, f"folders shipped but not in [tool.setuptools] packages: {missing}"


def test_licence_is_open_and_credits_ship():
    project = CONF["project"]
    assert project["license"] == "Apache-2.0"
    for f in project["license-files"]:
        assert (ROOT / f).is_file(), f
    assert "Apache License" in (ROOT / "LICENSE").read_text()
    notice = (ROOT / "NOTICE").read_text()
    for credit in ("BasicMotions", "BSD-3-Clause", "mocap.cs.cmu.edu", "BlazePose", "DeepMimic", "zlib"):
        assert credit in notice, credit
