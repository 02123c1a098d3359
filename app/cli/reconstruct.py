"""``imu2safety reconstruct VIDEO --out MOTION.npz``: video -> 3D motion clip (ViTPose + VideoPose3D)."""

from __future__ import annotations

import sys

from ...core.base.errors import InputError


def register(sub) -> None:
    p = sub.add_parser(
        "reconstruct",
        help="reconstruct a 3D motion clip from a video",
        description="Detect and track people, estimate 2D keypoints with ViTPose (cached per "
        "video), lift them to 3D with VideoPose3D and write a motion .npz "
        "(skeleton h36m17).",
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
    p.add_argument("--device", default="auto", help="cpu, cuda or auto (default: CUDA when present)")
    p.add_argument(
        "--pose-model",
        default=None,
        help="ViTPose checkpoint folder or Hugging Face id in the local cache "
        "(default usyd-community/vitpose-base-simple)",
    )
    p.add_argument("--lifter", default=None, help="VideoPose3D checkpoint (pretrained_h36m_detectron_coco.bin)")
    p.add_argument(
        "--detector",
        default="auto",
        help="person boxes: auto, hog, fullframe, rtdetr:PATH or box:x1,y1,x2,y2 (default auto)",
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
    from ...core.reconstruct.lift3d import lifter_help
    from ...core.reconstruct.pipeline import list_people, reconstruct_video
    from .progressbar import progress_bar

    if not args.list_people and not args.out:
        raise InputError(None, "--out MOTION.npz is required (or use --list-people)")
    if not args.list_people and args.lifter is None:
        raise InputError(None, f"--lifter is required: {lifter_help()}")
    common = dict(
        detector=args.detector,
        pose_model=args.pose_model,
        device=args.device,
        cache_dir=args.cache,
        use_cache=not args.no_cache,
        allow_download=args.allow_download,
    )
    if args.list_people:
        from ...core.reconstruct.pose2d import resolve_device

        common["device"] = resolve_device(args.device)
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
            **common,
        )
    meta = m.meta
    print(
        f"{args.out}: {m.n_frames} frames at {meta['fps_exact']} fps, person {meta['person']}, "
        f"{meta['observed_frames']} observed / {meta['missing_frames']} missing frames"
        f"{' (2D pose from cache)' if meta['pose_from_cache'] else ''}",
        file=sys.stdout,
    )
    return 0
