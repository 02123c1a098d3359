"""A new project inside another project's cache/ or backups/ folder is refused: those folders hold only what
their project writes (fuzz, issue 11: 'project new P/cache/sub' exited 0 and wrote a database there)."""

import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.project.project import Project


@pytest.mark.parametrize("sub", ["cache/sub", "cache/motion/sub", "backups/sub"])
def test_refused_inside_managed_folders(tmp_path, sub):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0, labels=False)
    (folder / "backups").mkdir(exist_ok=True)
    with pytest.raises(InputError, match=r"is part of the project in .*p \((cache|backups)/\)"):
        Project.create(folder / sub)
    assert not (folder / sub).exists()


def test_a_project_beside_or_in_a_plain_subfolder_is_fine(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0, labels=False)
    Project.create(folder / "sub").close()
    Project.create(tmp_path / "q").close()
