"""Plain .npy / .csv keypoints importer."""

from __future__ import annotations

import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.import_keypoints import import_csv, import_npy
from imu2safety.core.motion.importers import import_motion
from imu2safety.core.motion.skeletons import H36M17


def h36m(T=10) -> np.ndarray:
    rng = np.random.default_rng(3)
    return rng.uniform(-1, 1, (T, 17, 3))


def test_npy_with_skeleton_and_confidence(tmp_path):
    arr = h36m()
    p = tmp_path / "k.npy"
    np.save(p, arr * 1000)
    m = import_motion(p, skeleton="h36m17", fps=25, units="mm", up="0,-1,0")
    assert m.meta["importer"] == "npy" and m.skeleton == "h36m17" and m.fps == 25
    np.testing.assert_allclose(m.joints, arr, atol=1e-12)
    np.testing.assert_allclose(m.up, [0, -1, 0])
    conf = np.linspace(0, 1, 10 * 17).reshape(10, 17, 1)
    q = tmp_path / "kc.npy"
    np.save(q, np.concatenate([arr, conf], axis=2))
    m = import_npy(q, skeleton="h36m17", fps=25)
    np.testing.assert_allclose(m.confidence, conf[..., 0])
    np.testing.assert_allclose(m.up, [0, 0, 1])  # interchange default when not given


def test_npy_needs_fps_and_skeleton(tmp_path):
    p = tmp_path / "k.npy"
    np.save(p, h36m())
    with pytest.raises(InputError, match=r"17 joints: pass --skeleton \(coco17, h36m17\)"):
        import_npy(p, fps=30)
    with pytest.raises(InputError, match=r"pass --fps"):
        import_npy(p, skeleton="h36m17")
    with pytest.raises(InputError, match=r"17 joints but skeleton 'ntu25' has 25"):
        import_npy(p, skeleton="ntu25", fps=30)
    np.save(p, h36m() * 1000)
    with pytest.raises(InputError, match=r"spans 1\d\d\d units per frame.*--units cm or --units mm"):
        import_npy(p, skeleton="h36m17", fps=30)
    q = tmp_path / "n.npy"
    np.save(q, np.zeros((5, 25, 3)))
    assert import_npy(q, fps=30).skeleton == "ntu25"  # 25 joints: only one skeleton fits


def write_wide(path, arr, names, order, conf=None):
    cols = ["frame"]
    for j in order:
        cols += [f"{names[j]}_x", f"{names[j]}_y", f"{names[j]}_z"] + ([f"{names[j]}_conf"] if conf is not None else [])
    lines = ["# exported by a test", ",".join(cols)]
    for f in range(arr.shape[0]):
        vals = [str(f + 100)]
        for j in order:
            vals += [repr(float(v)) for v in arr[f, j]] + ([repr(float(conf[f, j]))] if conf is not None else [])
        lines.append(",".join(vals))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_wide_known_skeleton_in_any_column_order(tmp_path):
    arr = h36m()
    order = list(range(17))[::-1]
    conf = np.full((10, 17), 0.75)
    p = write_wide(tmp_path / "w.csv", arr, H36M17.joints, order, conf)
    m = import_motion(p, fps=50)
    assert m.skeleton == "h36m17" and m.joint_names is None and m.meta["layout"] == "wide"
    assert m.meta["first_frame"] == 100
    np.testing.assert_allclose(m.joints, arr)
    np.testing.assert_allclose(m.confidence, conf)


def test_csv_wide_own_names(tmp_path):
    names = ["nose", "l_shoulder", "l_elbow", "l_wrist"]
    arr = h36m()[:, :4]
    p = write_wide(tmp_path / "own.csv", arr, names, range(4))
    m = import_csv(p, fps=30)
    assert m.skeleton == "csv" and m.joint_names == tuple(names)
    assert m.skel.arms == {"left": (1, 2, 3)}
    np.testing.assert_allclose(m.joints, arr)
    with pytest.raises(InputError, match=r"joints do not match skeleton 'coco17'; missing: l_eye, r_eye"):
        import_csv(p, fps=30, skeleton="coco17")
    q = write_wide(tmp_path / "noarm.csv", arr, ["nose", "a", "b", "c"], range(4))
    with pytest.raises(InputError, match=r"noarm.csv: unknown skeleton 'csv' and its 'joint_names' name no arm"):
        import_csv(q, fps=30)


def test_csv_long_with_gaps(tmp_path):
    names = ["l_shoulder", "l_elbow", "l_wrist"]
    rows = ["frame,joint,x,y,z,conf"]
    for f in (0, 1, 3):  # frame 2 absent
        for k, n in enumerate(names):
            if f == 1 and n == "l_wrist":
                rows.append(f"{f},{n},,,,")  # empty cells: missing
                continue
            rows.append(f"{f},{n},{f},{k},{0.5 * k},0.9")
    p = tmp_path / "long.csv"
    p.write_text("\n".join(rows) + "\n")
    m = import_motion(p, fps=10, up="0,1,0")
    assert m.meta["layout"] == "long" and m.n_frames == 4 and m.meta["frames_missing"] == 1
    np.testing.assert_allclose(m.joints[3, 1], [3, 1, 0.5])
    assert np.isnan(m.joints[2]).all() and (m.confidence[2] == 0).all()
    assert np.isnan(m.joints[1, 2]).all() and m.confidence[1, 2] == 0
    assert m.confidence[0, 0] == 0.9


def test_csv_tab_separated(tmp_path):
    p = tmp_path / "tab.csv"
    p.write_text(
        "frame\tl_shoulder_x\tl_shoulder_y\tl_shoulder_z\tl_elbow_x\tl_elbow_y\tl_elbow_z\t"
        "l_wrist_x\tl_wrist_y\tl_wrist_z\n0\t0\t0\t1.4\t0\t0\t1.1\t0\t0\t0.85\n"
        "1\t0\t0\t1.4\t0\t0.01\t1.1\t0\t0.02\t0.85\n"
    )
    m = import_csv(p, fps=30)
    np.testing.assert_allclose(m.joints[1, 2], [0, 0.02, 0.85])


def test_csv_bad_input_names_line(tmp_path):
    arr = h36m(4)
    p = write_wide(tmp_path / "b.csv", arr, H36M17.joints, range(17))
    lines = p.read_text().splitlines()
    bad = lines.copy()
    bad[3] = lines[3].split(",", 2)[0] + ",zz," + lines[3].split(",", 2)[2]
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=rf"{p}: line 4, column 'pelvis_x': 'zz' is not a number"):
        import_csv(p, fps=30)
    bad = lines.copy()
    bad[4] = bad[4].rsplit(",", 1)[0]  # a short (truncated) last row
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 5: 51 values, the header has 52 columns"):
        import_csv(p, fps=30)
    bad = lines.copy()
    bad[3] = "100" + bad[3][3:]  # frame 100 again
    p.write_text("\n".join(bad) + "\n")
    with pytest.raises(InputError, match=r"line 4: frame 100 appears twice"):
        import_csv(p, fps=30)
    p.write_text("time,a_x\n")
    with pytest.raises(InputError, match=r"first column must be 'frame'"):
        import_csv(p, fps=30)
    p.write_text("frame,l_wrist_x,l_wrist_y\n0,1,2\n")
    with pytest.raises(InputError, match=r"joint 'l_wrist' has no _z column"):
        import_csv(p, fps=30)
    p.write_text("")
    with pytest.raises(InputError, match="empty CSV"):
        import_csv(p, fps=30)
