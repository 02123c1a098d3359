"""``imu2safety models``: list the BlazePose model files, or fetch (restore) them from the package registries."""

from __future__ import annotations

import sys
from pathlib import Path

from ...core.base.errors import InputError

KEYS = ("detector", "lite", "full", "heavy")


def register(sub) -> None:
    p = sub.add_parser(
        "models",
        help="list or fetch the BlazePose pose models",
        description="The detector and the full landmark model ship with IMU2Safety; lite and heavy come from "
        "the npm package @mediapipe/pose (downloaded over HTTPS, no node needed). Every file is checked "
        "against its SHA-256.",
    )
    ms = p.add_subparsers(dest="models_command", metavar="ACTION")
    ls = ms.add_parser("list", help="show each model file, where its verified copy is, or what is wrong")
    ls.set_defaults(func=run_list)
    f = ms.add_parser(
        "fetch",
        help="download and verify model files into the user model folder",
        description="Downloads lite/full/heavy from the npm registry (@mediapipe/pose) and the detector from "
        "PyPI (mediapipe wheel, through pip download), verifies them and installs them into "
        "$IMU2SAFETY_MODELS (default ~/.cache/imu2safety/models). Files that already verify are kept.",
    )
    f.add_argument("names", nargs="*", metavar="MODEL",
                   help="detector, lite, full, heavy (default: lite heavy)")  # fmt: skip
    f.add_argument("--from", dest="source", default=None,
                   help="a local copy of the npm tarball (pose-0.5.1675469404.tgz) or the mediapipe wheel")  # fmt: skip
    f.add_argument("--dest", default=None, help="install here instead of the user model folder")
    f.add_argument("--force", action="store_true", help="download even if a verified copy exists")
    f.add_argument("--quiet", action="store_true", help="no progress bar")
    f.set_defaults(func=run_fetch)
    p.set_defaults(func=lambda args: p.print_help() or 0)


def run_list(args) -> int:
    from ...core.reconstruct.model_files import status

    for row in status():
        where = row["path"] or row["problem"]
        print(f"{row['model']:<9} {row['file']:<27} {row['size']:>11,} B  {where}", file=sys.stdout)
    return 0


def run_fetch(args) -> int:
    from ...core.reconstruct.model_files import fetch
    from .progressbar import progress_bar

    names = list(args.names) or ["lite", "heavy"]
    unknown = [n for n in names if n not in KEYS]
    if unknown:
        raise InputError(None, f"unknown model {unknown[0]!r} (use {', '.join(KEYS)})")
    source = Path(args.source).expanduser() if args.source else None
    if source is not None and not source.is_file():
        raise InputError(source, "no such file")
    with progress_bar("models", enabled=not args.quiet) as cb:
        done = fetch(names, dest=Path(args.dest).expanduser() if args.dest else None, source=source, progress=cb,
                     force=args.force)  # fmt: skip
    for key, path, what in done:
        print(f"{key}: {what} {path}", file=sys.stdout)
    return 0
