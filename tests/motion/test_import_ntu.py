"""NTU RGB+D .skeleton importer on files the test writes."""

from __future__ import annotations

import numpy as np
import pytest
from skeleton_files import BODY_B, BODY_C, body_xyz, scene, write_ntu

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.import_ntu import import_ntu
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.skeletons import NTU25


def test_default_body_is_present_and_moving(tmp_path):
    p = write_ntu(tmp_path / "S001C001P001R001A050.skeleton", scene())
    m = import_motion(p)
    assert m.meta["importer"] == "ntu" and m.skeleton == "ntu25" and m.joint_names is None
    assert m.fps == 30.0 and m.n_frames == 12
    np.testing.assert_allclose(m.up, [0, 1, 0])
    assert m.meta["body"]["body_id"] == BODY_B and m.meta["body"]["n_bodies"] == 3
    assert m.meta["body"]["frames_present"] == 11
    # coordinates are metres, unchanged
    np.testing.assert_allclose(m.joints[0], body_xyz(0, 0.4, 1.0), atol=1e-6)
    np.testing.assert_allclose(m.joints[11], body_xyz(11, 0.4, 1.0), atol=1e-6)
    # missing body -> NaN, confidence 0
    assert np.isnan(m.joints[5]).all() and (m.confidence[5] == 0).all()
    # tracking states -> confidence
    assert m.confidence[3, 6] == 0.5 and np.isfinite(m.joints[3, 6]).all()
    assert m.confidence[3, 10] == 0.0 and np.isnan(m.joints[3, 10]).all()
    assert m.confidence[3, 0] == 1.0
    assert m.meta["sha256"] and len(m.meta["sha256"]) == 64


def test_body_by_number_or_id(tmp_path):
    p = write_ntu(tmp_path / "a.skeleton", scene())
    a = import_ntu(p, body=0)
    np.testing.assert_allclose(a.joints[5], body_xyz(5, 0.01, 0.0), atol=1e-6)
    assert import_ntu(p, body=BODY_C).meta["body"]["frames_present"] == 1
    with pytest.raises(InputError, match=r"no body '7'.*3 bodies"):
        import_ntu(p, body="7")


def test_options(tmp_path):
    p = write_ntu(tmp_path / "a.skeleton", scene())
    m = import_motion(p, fps=15, up="0,0.2,1", units="cm")
    assert m.fps == 15.0 and m.meta["units"]["scale_to_m"] == 0.01
    np.testing.assert_allclose(m.up, np.array([0, 0.2, 1]) / np.hypot(0.2, 1))
    np.testing.assert_allclose(m.joints[0], body_xyz(0, 0.4, 1.0) / 100, atol=1e-8)
    with pytest.raises(InputError, match="--skeleton does not apply to the ntu format"):
        import_motion(p, skeleton="coco17")


def test_arm_indices_are_kinect_order():
    assert NTU25.joints[4:7] == ("l_shoulder", "l_elbow", "l_wrist")
    assert NTU25.joints[8:11] == ("r_shoulder", "r_elbow", "r_wrist")


def test_truncated_file(tmp_path):
    p = write_ntu(tmp_path / "t.skeleton", scene(4))
    lines = p.read_text().splitlines()
    # frame 0: 1 + 2 * 27 lines after the header line; cut inside frame 2's first body
    per_frame = 1 + 2 * 27
    cut = 1 + 2 * per_frame + 10
    p.write_text("\n".join(lines[:cut]) + "\n")
    with pytest.raises(InputError) as e:
        import_ntu(p)
    msg = str(e.value)
    assert msg.startswith(str(p)) and "frame 2" in msg and "truncated" in msg


def test_wrong_counts_and_bad_numbers(tmp_path):
    p = write_ntu(tmp_path / "b.skeleton", scene(3))
    lines = p.read_text().splitlines()
    bad = lines.copy()
    bad[3] = "24"  # joint count of frame 0, body 0 (line 4)
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 4 \(frame 0\): joint count 24, NTU has 25"):
        import_ntu(p)
    bad = lines.copy()
    bad[4] = bad[4].replace("250.1", "2x0.1")  # first joint line
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 5 \(frame 0\): joint 0 holds a value that is not a number"):
        import_ntu(p)
    bad = lines.copy()
    bad[4] = " ".join(bad[4].split()[:-1])  # 11 values
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 5 \(frame 0\): joint 0 needs 12 values, got 11"):
        import_ntu(p)
    bad = lines.copy()
    bad[0] = "2"  # fewer frames declared than written
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"more data after the 2 frames"):
        import_ntu(p)
    p.write_text("0\n")
    with pytest.raises(InputError, match="declares 0 frames"):
        import_ntu(p)
