"""NTU RGB+D .skeleton importer on files the test writes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from imu2safety.core.errors import InputError
from imu2safety.core.import_ntu import import_ntu
from imu2safety.core.importers import import_motion
from imu2safety.core.skeletons import NTU25

BODY_A, BODY_B, BODY_C = "72057594037931101", "72057594037931102", "72057594037931999"


def body_xyz(f: int, amp: float, x0: float) -> np.ndarray:
    base = np.stack([np.full(25, x0), np.linspace(0.0, 1.7, 25), np.full(25, 3.0)], axis=1)
    base[:, 0] += amp * np.sin(0.3 * f) * np.linspace(0, 1, 25)
    return base


def write_ntu(path: Path, frames: list) -> Path:
    """frames: list of lists of (body_id, xyz (25,3), states (25,))."""
    out = [str(len(frames))]
    for bodies in frames:
        out.append(str(len(bodies)))
        for bid, xyz, st in bodies:
            out.append(f"{bid} 0 1 1 1 1 0 0.1 -0.2 2")
            out.append("25")
            for j in range(25):
                x, y, z = xyz[j]
                out.append(f"{x:.7f} {y:.7f} {z:.7f} 250.1 200.2 900.3 500.4 0.9 0.1 0.2 0.3 {int(st[j])}")
    path.write_text("\n".join(out) + "\n")
    return path


def scene(T=12):
    frames = []
    for f in range(T):
        st = np.full(25, 2)
        bodies = [(BODY_A, body_xyz(f, 0.01, 0.0), st)]
        if f != 5:                                   # B missing in frame 5
            stb = st.copy()
            if f == 3:
                stb[6] = 1                           # l_wrist inferred
                stb[10] = 0                          # r_wrist not tracked
            bodies.append((BODY_B, body_xyz(f, 0.4, 1.0), stb))
        if f == 7:
            bodies.append((BODY_C, body_xyz(f, 2.0, -1.0), st))   # a one-frame false detection
        frames.append(bodies)
    return frames


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
    bad[3] = "24"                                    # joint count of frame 0, body 0 (line 4)
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 4 \(frame 0\): joint count 24, NTU has 25"):
        import_ntu(p)
    bad = lines.copy()
    bad[4] = bad[4].replace("250.1", "2x0.1")        # first joint line
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 5 \(frame 0\): joint 0 holds a value that is not a number"):
        import_ntu(p)
    bad = lines.copy()
    bad[4] = " ".join(bad[4].split()[:-1])           # 11 values
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 5 \(frame 0\): joint 0 needs 12 values, got 11"):
        import_ntu(p)
    bad = lines.copy()
    bad[0] = "2"                                     # fewer frames declared than written
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"more data after the 2 frames"):
        import_ntu(p)
    p.write_text("0\n")
    with pytest.raises(InputError, match="declares 0 frames"):
        import_ntu(p)
