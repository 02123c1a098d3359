"""``imu2safety reconstruct VIDEO --out MOTION.npz``: video -> 3D motion clip (BlazePose; ViTPose/VideoPose3D on request)."""

from __future__ import annotations

import argparse
import sys

from ...core.base.errors import InputError
from ...core.base.limits import MAX_THREADS
from ...core.reconstruct.landmarks3d import CUTOFF_HZ, MIN_VISIBILITY


def register(sub) -> None:
    p = sub.add_parser(
        "reconstruct",
        help="reconstruct a 3D motion clip from a video",
        description="Detect and track people, estimate their pose with BlazePose (33 landmarks with hands "
        "and 3D world landmarks; the models ship with IMU2Safety; cached per video) and write a motion "
        ".npz (skeleton blazepose33, root placed by PnP, smoothed without lag). With --lifter, "
        "VideoPose3D lifts the 2D keypoints instead (skeleton h36m17); --pose-model also takes a ViTPose "
        "checkpoint.",
    )
    p.add_argument("video", help="video file (anything FFmpeg reads: mp4, avi, mov ...)")
    p.add_argument("--out", help="output motion .npz (required unless --list-people)")
    p.add_argument(
        "--person",
        type=int,
        default=None,
        help="track id of the subject (see --list-people; default: the person seen longest)",
    )
    p.add_argument("--list-people", action="store_true", help="list tracked people (runs/caches 2D pose) and exit")
    p.add_argument(
        "--compute", default="auto", help="where the models run: cpu, cuda, cuda:N or auto (default: CUDA when present)"
    )
    p.add_argument("--device", dest="old_device", default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--pose-model",
        default=None,
        help="BlazePose lite, full (default) or heavy, a folder or .tflite file with BlazePose models, "
        "or a ViTPose checkpoint folder / Hugging Face id in the local cache (needs --lifter)",
    )
    p.add_argument(
        "--lifter",
        default=None,
        help="VideoPose3D checkpoint (pretrained_h36m_detectron_coco.bin): lift COCO-17 2D keypoints "
        "to 3D instead of using BlazePose's world landmarks",
    )
    p.add_argument(
        "--detector",
        default="auto",
        help="person boxes: auto (BlazePose: its detector on the frame and on tiles; ViTPose: hog), "
        "blazepose:frame (whole frame only), hog, fullframe, rtdetr:PATH or box:x1,y1,x2,y2",
    )
    p.add_argument("--threads", type=int, default=1, help="CPU threads for the BlazePose interpreter (default 1)")
    p.add_argument(
        "--min-visibility",
        type=float,
        default=MIN_VISIBILITY,
        help=f"BlazePose landmarks less visible than this are left out (NaN) (default {MIN_VISIBILITY})",
    )
    p.add_argument(
        "--smooth-hz",
        type=float,
        default=CUTOFF_HZ,
        help=f"zero-phase low-pass cut-off for BlazePose landmarks, capped at 0.3 x fps; 0 = off "
        f"(default {CUTOFF_HZ:g})",
    )
    p.add_argument("--cache", default=None, help="2D keypoint cache folder (default ~/.cache/imu2safety/pose2d)")
    p.add_argument("--no-cache", action="store_true", help="recompute 2D pose and do not store it")
    p.add_argument(
        "--allow-download", action="store_true", help="let transformers download missing model weights (needs internet)"
    )
    p.add_argument("--no-trajectory", action="store_true", help="keep the root at the origin")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    from ...core.reconstruct.pipeline import list_people, reconstruct_video
    from .progressbar import progress_bar

    if args.old_device is not None:  # the old spelling: --device is the sensor preset everywhere else
        raise InputError(
            None,
            "--device names the sensor preset in imu2safety (simulate, project add, export); "
            f"the compute device of reconstruct is --compute {args.old_device}",
        )
    if not args.list_people and not args.out:
        raise InputError(None, "--out MOTION.npz is required (or use --list-people)")
    if args.threads < 1:
        raise InputError(None, f"--threads must be at least 1, got {args.threads}")
    if args.threads > MAX_THREADS:
        raise InputError(None, f"--threads must be at most {MAX_THREADS}, got {args.threads}")
    if not 0.0 <= args.min_visibility <= 1.0:
        raise InputError(None, f"--min-visibility must be between 0 and 1, got {args.min_visibility}")
    if not (args.smooth_hz >= 0):
        raise InputError(None, f"--smooth-hz must be 0 (off) or a positive number of Hz, got {args.smooth_hz}")
    common = dict(
        detector=args.detector,
        pose_model=args.pose_model,
        device=args.compute,
        cache_dir=args.cache,
        use_cache=not args.no_cache,
        allow_download=args.allow_download,
        threads=args.threads,
    )
    if args.list_people:
        from ...core.reconstruct.engines import resolve_compute

        common["device"] = resolve_compute(args.compute, args.pose_model, None, args.detector)
        with progress_bar("2D pose", enabled=not args.quiet) as cb:
            people = list_people(args.video, progress=cb, **common)
        if not people:
            print(f"{args.video}: no person found", file=sys.stdout)
            return 0
        print(f"{'id':>4} {'frames':>7} {'first':>6} {'last':>6} {'score':>6} {'height_px':>9}")
        for p in people:
            print(
                f"{p['id']:>4} {p['frames']:>7} {p['first']:>6} {p['last']:>6} {p['mean_score']:>6.2f} "
                f"{p['mean_box_height']:>9.0f}"
            )
        return 0
    with progress_bar("reconstruct", enabled=not args.quiet) as cb:
        m = reconstruct_video(
            args.video,
            out=args.out,
            person=args.person,
            lifter=args.lifter,
            progress=cb,
            trajectory=not args.no_trajectory,
            min_visibility=args.min_visibility,
            smooth_hz=args.smooth_hz or None,
            **common,
        )
    meta = m.meta
    print(
        f"{args.out}: {m.n_frames} frames at {meta['fps_exact']} fps, person {meta['person']}, "
        f"skeleton {m.skeleton}, {meta['observed_frames']} observed / {meta['missing_frames']} missing frames"
        f"{' (2D pose from cache)' if meta['pose_from_cache'] else ''}",
        file=sys.stdout,
    )
    return 0
