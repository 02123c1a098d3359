"""The README's dataset-reading examples (h5py and WindowDataset) run as written on an exported dataset."""

import re
from pathlib import Path

import pytest
from project_factory import make_project

from imu2safety.core.dataset.export import ExportConfig, export_dataset

README = Path(__file__).resolve().parents[2] / "README.md"


def _example(name: str) -> str:
    m = re.search(rf"<!-- readme-example: {name} -->\s*```python\n(.*?)```", README.read_text(), re.S)
    assert m, f"README has no '{name}' example"
    return m.group(1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    project = make_project(root / "p", subjects=("S1", "S2", "S3"), clips_per_subject=2, seconds=5.0)
    export_dataset(project, root / "data.h5", ExportConfig(val=0.34, test=0.34, seed=1))
    return root


@pytest.mark.parametrize("name", ["h5py", "torch"])
def test_readme_example_runs(folder, name, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    exec(compile(_example(name), f"README:{name}", "exec"), {})
    out = capsys.readouterr().out
    assert "walking" in out or "falling" in out, out
