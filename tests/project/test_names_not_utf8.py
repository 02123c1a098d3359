"""Names from a terminal in another locale (argv bytes that are not UTF-8 arrive as lone surrogates) are
one-line errors naming the value, not 'internal error: UnicodeEncodeError' (fuzz, issue 11: project
trim/remove/profile with such a clip or profile name)."""

import pytest
from project_factory import make_project

from imu2safety.core.base.errors import InputError
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project

NAME = b"caf\xe9".decode("utf-8", "surrogateescape")


def test_clip_lookup_and_profile_with_a_non_utf8_name(tmp_path):
    folder = make_project(tmp_path / "p", subjects=("S1",), clips_per_subject=1, seconds=2.0, labels=False)
    with Project.open(folder) as p:
        data = p.device_for(p.clips()[0].id, None).data
        with pytest.raises(InputError, match=r"^caf\\xe9: is not UTF-8 text"):
            p.execute(C.SetProfile(NAME, data))
        with pytest.raises(InputError, match=r"^caf\\xe9: is not UTF-8 text"):
            p.execute(C.DeleteClip(NAME))
        assert [c.id for c in p.clips()] == ["s1_0"]  # nothing changed
