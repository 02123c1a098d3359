"""``imu2safety import FILE --out MOTION.npz``: precomputed skeletons into the motion interchange."""

from __future__ import annotations

import sys

import numpy as np

from ...core.base.errors import InputError
from ...core.base.limits import MAX_FPS, MIN_FPS
from ...core.motion.importers import FORMATS, UNITS, import_motion
from ...core.motion.interchange import implausible_warning, save_motion, units_warning
from .arguments import number


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="import a skeleton file (NTU, BVH, HumanML3D, .npy, .csv) as a motion .npz",
        description="Convert precomputed skeletons into the motion interchange (.npz): NTU RGB+D .skeleton, "
        "BVH mocap, HumanML3D/T2M-GPT joint arrays (.npy, (T, 22, 3), or (T, 263) features), plain "
        "keypoints (.npy (T, J, 3|4); .csv wide 'frame,<joint>_x,<joint>_y,<joint>_z,...' or long "
        "'frame,joint,x,y,z[,conf]'). The format follows from the extension unless --format is given.",
    )
    p.add_argument("file", help="input skeleton file")
    p.add_argument("--out", required=True, help="output motion .npz")
    p.add_argument(
        "--format",
        choices=[f for f in FORMATS if f != "npz"],
        default=None,
        help="input format (default: from the extension; a .npy of shape (T, 22, 3) or (T, 263) "
        "is read as humanml unless --skeleton is given)",
    )
    p.add_argument("--skeleton", default=None, help="skeleton name for .npy/.csv keypoints (e.g. h36m17, coco17)")
    p.add_argument(
        "--fps",
        type=number(MIN_FPS, MAX_FPS, "frames/s"),
        default=None,
        help="frame rate (needed for .npy/.csv; overrides NTU 30, HumanML3D 20, BVH Frame Time)",
    )
    p.add_argument(
        "--up",
        default=None,
        metavar="X,Y,Z",
        help="up vector in the file's frame (default: y for NTU/BVH/HumanML3D, z for .npy/.csv)",
    )
    p.add_argument(
        "--units",
        choices=list(UNITS),
        default=None,
        help="file units (default: m; BVH: guessed from the skeleton's size)",
    )
    p.add_argument(
        "--body",
        default=None,
        help="NTU: body number (0, 1, ... in order of appearance) or bodyID (default: the most "
        "present, then the most moving)",
    )
    p.add_argument(
        "--loop",
        type=float,
        default=None,
        metavar="SECONDS",
        help="DeepMimic cyclic clips (walk, run, ...): loop to this many seconds, closing the seam",
    )
    p.set_defaults(func=run)


def run(args) -> int:
    if not str(args.out).lower().endswith(".npz"):
        raise InputError(args.out, "the output must be a .npz file")
    motion = import_motion(
        args.file,
        format=args.format,
        skeleton=args.skeleton,
        fps=args.fps,
        up=args.up,
        units=args.units,
        body=args.body,
        loop_s=args.loop,
    )
    save_motion(motion, args.out)
    missing = int((~np.isfinite(motion.joints).all(axis=2)).all(axis=1).sum())
    extra = ""
    if "body" in motion.meta:
        b = motion.meta["body"]
        extra = f", body {b['index']} of {b['n_bodies']}"
    print(
        f"{args.out}: {motion.n_frames} frames at {motion.fps:g} fps ({motion.duration_s:.2f} s), skeleton "
        f"{motion.skeleton} ({motion.joints.shape[1]} joints), from {motion.meta.get('importer')}"
        f"{extra}, units {motion.meta.get('units', {}).get('file', 'm')}, up {motion.up.round(3).tolist()}"
        + (f"; {missing} frames without any joint" if missing else ""),
        file=sys.stdout,
    )
    for warning in (implausible_warning(motion, args.file), units_warning(motion, args.file)):
        if warning:
            print(warning, file=sys.stderr)
    return 0
