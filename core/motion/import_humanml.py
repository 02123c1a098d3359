"""HumanML3D / T2M-GPT joint arrays -> motion interchange.

Accepted: ``.npy`` of shape (T, 22, 3) (HumanML3D ``new_joints/*.npy``, T2M-GPT
and MotionGPT ``*.npy`` outputs) or (1, T, 22, 3) (a batch of one). Joint order
SMPL-22 (:data:`.skeletons.SMPL22`), metres, y up, right-handed (SMPL: x to the
body's left, z forward), 20 fps. ``fps``, ``up`` and ``units`` override.

Also accepted: the 263-value feature vectors (``new_joint_vecs``, shape (T, 263),
or a denormalised model output), converted to joints the way HumanML3D's
``recover_from_ric(data, 22)`` does (:func:`joints_from_features`). Normalised
features (model space, before ``* Std + Mean``) are refused: their bones would
not be rigid.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..base.errors import InputError
from ..base.limits import check_npy, check_npz
from .import_common import check_file, check_fps, parse_up, provenance, unit_scale
from .interchange import Motion, validate_motion
from .skeletons import SMPL22

HUMANML_FPS = 20.0


def load_npy(path: Path) -> np.ndarray:
    with open(path, "rb") as fh:
        zipped = fh.read(2) == b"PK"
    if zipped:
        check_npz(path, "skeleton file")
    else:
        check_npy(path, "the skeleton array")
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(path, f"not a readable .npy array ({exc.__class__.__name__}: {exc})") from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise InputError(path, "is an .npz archive, not an .npy array")
    return arr


def _shape_ok(shape) -> bool:
    return (len(shape) == 3 and shape[1:] == (22, 3)) or (len(shape) == 4 and shape[0] == 1 and shape[2:] == (22, 3))


def looks_like_humanml(path: Path) -> bool:
    """True for a readable .npy whose shape is HumanML3D's (T, 22, 3), (1, T, 22, 3) or (T, 263)."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception:
        return False
    shape = getattr(arr, "shape", ())
    return _shape_ok(shape) or (len(shape) == 2 and shape[1] == 263)


def joints_from_features(data: np.ndarray) -> np.ndarray:
    """(T, 263) HumanML3D features -> (T, 22, 3) joints (HumanML3D's ``recover_from_ric``).

    Features: [0] root angular velocity about y (half-angle per frame), [1:3]
    root x/z velocity in the root's heading frame, [3] root height, [4:67] the
    other 21 joints relative to the root's x/z and heading (absolute y). The
    heading at frame t is the sum of the angular velocities before t; the root's
    x/z at frame t is the sum of the earlier velocities, each turned into the
    world by the heading at the frame it leads to.
    """
    T = data.shape[0]
    ang = np.concatenate([[0.0], np.cumsum(data[:-1, 0])])
    inv = Rotation.from_rotvec(np.outer(-2.0 * ang, [0.0, 1.0, 0.0]))  # quaternion (cos a, 0, sin a, 0)^-1
    step = np.zeros((T, 3))
    step[1:, [0, 2]] = data[:-1, 1:3]
    root = np.cumsum(inv.apply(step), axis=0)
    root[:, 1] = data[:, 3]
    ric = data[:, 4 : 4 + 21 * 3].reshape(T, 21, 3)
    world = np.stack([inv.apply(ric[:, k]) for k in range(21)], axis=1)
    world[..., 0] += root[:, None, 0]
    world[..., 2] += root[:, None, 2]
    return np.concatenate([root[:, None], world], axis=1)


def _rigid(joints: np.ndarray) -> float:
    """Median over bones of the relative spread of the bone length across frames."""
    a, b = np.array(SMPL22.bones).T
    length = np.linalg.norm(joints[:, a] - joints[:, b], axis=2)
    return float(np.median(length.std(axis=0) / np.maximum(length.mean(axis=0), 1e-9)))


def import_humanml(path, fps=None, up=None, units=None) -> Motion:
    path = check_file(path)
    arr = load_npy(path)
    if not np.issubdtype(arr.dtype, np.number):
        raise InputError(path, f"holds {arr.dtype} values, not numbers")
    kind = "joints"
    if arr.ndim == 2 and arr.shape[1] == 263:
        feats = np.asarray(arr, dtype=np.float64)
        if not np.isfinite(feats).all():
            f = int(np.nonzero(~np.isfinite(feats).all(axis=1))[0][0])
            raise InputError(path, f"frame {f}: non-finite feature value")
        joints = joints_from_features(feats)
        spread = _rigid(joints)
        if spread > 0.05:
            raise InputError(
                path,
                f"263-value features give bones whose lengths vary by {100 * spread:.0f} % "
                "across frames: they look normalised; multiply by the dataset's Std.npy "
                "and add Mean.npy first",
            )
        kind = "features (T, 263) -> joints by recover_from_ric"
    elif not _shape_ok(arr.shape):
        raise InputError(
            path, f"shape {arr.shape}: HumanML3D joints are (T, 22, 3) or (1, T, 22, 3), features (T, 263)"
        )
    else:
        joints = np.asarray(arr, dtype=np.float64).reshape(-1, 22, 3)
    if np.isinf(joints).any():
        f = int(np.nonzero(np.isinf(joints).any(axis=(1, 2)))[0][0])
        raise InputError(path, f"frame {f}: infinite coordinate")
    unit, scale, how = unit_scale(units, "m", path)
    if units is None:
        how = "HumanML3D joints are in metres"
    up_vec, up_how = parse_up(up, (0.0, 1.0, 0.0), path)
    if up is None:
        up_how = "HumanML3D convention: y up"
    fps_used = check_fps(fps, path) or HUMANML_FPS
    meta = provenance(
        "humanml",
        path,
        scale,
        unit,
        how,
        fps={"used": fps_used, "how": "given by the user" if fps else "HumanML3D is 20 fps"},
        up={"vector": up_vec.tolist(), "how": up_how},
        shape=list(arr.shape),
        content=kind,
    )
    m = Motion(
        joints=joints * scale,
        fps=fps_used,
        skeleton=SMPL22.name,
        up=up_vec,
        confidence=None,
        joint_names=None,
        meta=meta,
    )
    return validate_motion(m, path)
