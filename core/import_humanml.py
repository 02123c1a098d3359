"""HumanML3D / T2M-GPT joint arrays -> motion interchange.

Accepted: ``.npy`` of shape (T, 22, 3) (HumanML3D ``new_joints/*.npy``, T2M-GPT
and MotionGPT ``*.npy`` outputs) or (1, T, 22, 3) (a batch of one). Joint order
SMPL-22 (:data:`.skeletons.SMPL22`), metres, y up, right-handed (SMPL: x to the
body's left, z forward), 20 fps. ``fps``, ``up`` and ``units`` override.

Not accepted: the 263-value feature vectors (``new_joint_vecs``, shape (T, 263));
convert them to joints first with HumanML3D's ``recover_from_ric(data, 22)``.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .errors import InputError
from .importers import check_file, check_fps, parse_up, provenance, unit_scale
from .motion import Motion, validate_motion
from .skeletons import SMPL22

HUMANML_FPS = 20.0


def load_npy(path: Path) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(path, f"not a readable .npy array ({exc.__class__.__name__}: {exc})") from None
    if isinstance(arr, np.lib.npyio.NpzFile):
        arr.close()
        raise InputError(path, "is an .npz archive, not an .npy array")
    return arr


def _shape_ok(shape) -> bool:
    return (len(shape) == 3 and shape[1:] == (22, 3)) or (len(shape) == 4 and shape[0] == 1
                                                            and shape[2:] == (22, 3))


def looks_like_humanml(path: Path) -> bool:
    """True for a readable .npy whose shape is HumanML3D's (T, 22, 3), (1, T, 22, 3) or (T, 263)."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception:
        return False
    shape = getattr(arr, "shape", ())
    return _shape_ok(shape) or (len(shape) == 2 and shape[1] == 263)


def import_humanml(path, fps=None, up=None, units=None) -> Motion:
    path = check_file(path)
    arr = load_npy(path)
    if arr.ndim == 2 and arr.shape[1] == 263:
        raise InputError(path, "holds HumanML3D 263-value feature vectors (new_joint_vecs), not joints; "
                               "convert with HumanML3D's recover_from_ric(data, 22) or use new_joints/")
    if not _shape_ok(arr.shape):
        raise InputError(path, f"shape {arr.shape}: HumanML3D joints are (T, 22, 3) or (1, T, 22, 3)")
    if not np.issubdtype(arr.dtype, np.number):
        raise InputError(path, f"holds {arr.dtype} values, not numbers")
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
        "humanml", path, scale, unit, how,
        fps={"used": fps_used, "how": "given by the user" if fps else "HumanML3D is 20 fps"},
        up={"vector": up_vec.tolist(), "how": up_how}, shape=list(arr.shape),
    )
    m = Motion(joints=joints * scale, fps=fps_used, skeleton=SMPL22.name, up=up_vec, confidence=None,
               joint_names=None, meta=meta)
    return validate_motion(m, path)
