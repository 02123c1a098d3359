"""``imu2safety project ACTION``: annotation projects from the shell.

Actions: new, add, recipes, remove, trim, segments, undo, import-labels, export-labels, profile, taxonomy, info.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from ...core.base.errors import InputError
from ...core.base.hashing import sha256_file
from ...core.base.jsonio import parse_json, read_json_file
from ...core.base.limits import MAX_THREADS, LimitError
from ...core.project.project import Project
from ...core.project.store import is_device_file, lock_holder
from ...core.project.taxonomy import check_extension
from .arguments import number, seed


def register(sub) -> None:
    p = sub.add_parser(
        "project",
        help="create and edit annotation projects",
        description="Annotation projects: clips, labelled segments, device profiles.",
    )
    ps = p.add_subparsers(dest="project_command", metavar="ACTION", required=True)

    a = ps.add_parser("new", help="create a project folder")
    a.add_argument("dir")
    a.set_defaults(func=run_new)

    a = ps.add_parser(
        "add",
        help="add files, folders or a manifest as clips (in parallel, resumable); one file prints its clip id",
        description="Add motion files (.npz), skeleton files (.skeleton, .bvh, .npy) or videos as clips: each is "
        "imported (videos reconstructed), simulated, and committed with its labels. Files already in the project "
        "(same content and settings) are skipped, so an interrupted run is resumed by running it again. A bad file "
        "is reported and listed in a failures CSV; the others go on. Recipes read labelled datasets: "
        "'imu2safety project recipes' lists them. Large corpora: --workers N, or --ray for a Ray cluster "
        "(docs/batch.md).",
    )
    a.add_argument("dir", help="project folder")
    a.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (searched recursively)")
    a.add_argument(
        "--manifest",
        default=None,
        help="CSV with columns path,subject[,clip,label,labels]: label = one behaviour for the whole clip "
        "(behaviour or behaviour/safety), labels = a CSV of start_s,end_s,behaviour,safety for that clip",
    )
    a.add_argument("--recipe", default=None, help="read a labelled dataset: ntu, upfall, le2i, folders or csv")
    a.add_argument("--mapping", default=None, help="the recipe's mapping table to use instead of the shipped one")
    a.add_argument("--subject", default="", help="subject id of the files named here (splits are drawn by subject)")
    a.add_argument("--id", dest="clip_id", default=None, help="clip id (one file only; default: from the file name)")
    a.add_argument("--label", default=None, help="one behaviour[/safety] for every file named here (whole clip)")
    a.add_argument(
        "--wrist", choices=("left", "right"), default="left", help="wrist that wears the device (default left)"
    )
    a.add_argument(
        "--device", default=None, help="sensor: device profile name or preset id for these clips (compute: --compute)"
    )
    a.add_argument(
        "--seed", type=seed, default=None, help="device noise seed, 0 to 2^63-1 (default: from each file's hash)"
    )
    b = a.add_argument_group("batch")
    b.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core; 0: this one)")
    b.add_argument(
        "--ray",
        default=None,
        metavar="ADDRESS",
        help="run the workers on Ray: 'local' (a Ray instance on this machine), 'auto' (the cluster this machine "
        "belongs to) or a cluster address",
    )
    b.add_argument(
        "--gpus-per-video", type=number(0.0, 1024.0), default=1.0, help="GPUs a video task asks Ray for (default 1)"
    )
    b.add_argument("--force", action="store_true", help="redo files already in the project (replaces their clips)")
    b.add_argument("--failures", default=None, help="failures CSV (default: PROJECT/logs/add-<time>-failures.csv)")
    b.add_argument("--no-simulate", action="store_true", help="do not simulate the IMU now (export will)")
    r = a.add_argument_group("recipes")
    r.add_argument(
        "--ntu-actor",
        choices=("active", "first", "second"),
        default="active",
        help="two-person NTU actions: the body with the most motion (default), or the first/second in the file",
    )
    r.add_argument("--camera", type=int, default=1, help="UP-Fall camera (1 or 2; default 1)")
    v = a.add_argument_group("videos (see 'imu2safety reconstruct --help')")
    v.add_argument("--person", type=int, default=None, help="track id of the subject (default: seen longest)")
    v.add_argument(
        "--pose-model",
        default=None,
        help="BlazePose lite, full (default) or heavy, a BlazePose model folder, or a ViTPose checkpoint (needs --lifter)",
    )
    v.add_argument("--lifter", default=None, help="VideoPose3D checkpoint (pretrained_h36m_detectron_coco.bin)")
    v.add_argument(
        "--detector", default="auto", help="auto, blazepose:frame, hog, fullframe, rtdetr:PATH or box:x1,y1,x2,y2"
    )
    v.add_argument("--threads", type=int, default=1, help="CPU threads for BlazePose (default 1)")
    v.add_argument("--compute", default="auto", help="where the models run: cpu, cuda, cuda:N or auto (default auto)")
    v.add_argument("--quiet", action="store_true", help="no progress bar")
    a.set_defaults(func=run_add)

    a = ps.add_parser(
        "recipes",
        help="list the dataset recipes, or print a recipe's mapping table (to copy, edit and pass as --mapping)",
    )
    a.add_argument("name", nargs="?", default=None, help="a recipe: print its mapping table as CSV")
    a.set_defaults(func=run_recipes)

    a = ps.add_parser("import-labels", help="add labelled segments from a CSV (all rows or none)")
    a.add_argument("dir")
    a.add_argument("csv", help="columns clip,start_s,end_s,behaviour,safety[,phase,confidence,annotator,...]")
    a.add_argument(
        "--replace",
        action="store_true",
        help="first delete the segments of the clips the file names (the file becomes their labels); "
        "without it a re-import adds only new rows and updates changed ones",
    )
    a.set_defaults(func=run_import)

    a = ps.add_parser("export-labels", help="write all labelled segments to a CSV")
    a.add_argument("dir")
    a.add_argument("csv")
    a.set_defaults(func=run_export)

    a = ps.add_parser(
        "profile",
        help="create or change a named device/noise profile; assign it to clips",
        description="A profile is an editable copy of a device preset, stored in the project. "
        "Example: project profile DIR cheap --from watch-bmi270 --set gyroscope.bits=12 "
        "--clips walk_01 walk_02",
    )
    a.add_argument("dir")
    a.add_argument("name", help="profile name")
    a.add_argument(
        "--from",
        dest="base",
        default=None,
        help="preset id, preset JSON or another profile to copy (default: the profile itself, "
        "or watch-bmi270 for a new one)",
    )
    a.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="change a field by its dotted path, e.g. accelerometer.range_g=16 (repeatable)",
    )
    a.add_argument("--clips", nargs="*", default=[], help="clip ids that should use this profile")
    a.set_defaults(func=run_profile)

    a = ps.add_parser(
        "taxonomy",
        help="show the project's taxonomy or extend it with a JSON file",
        description="Without --extend: print the taxonomy (built-in plus the project's extension) "
        "as JSON. --extend FILE.json replaces the project's extension: "
        '{"behaviours": [{"id": "climbing", "name": "Climbing", "group": '
        '"safety_critical", "colour": "#882255"}], "phases": []}',
    )
    a.add_argument("dir")
    a.add_argument("--extend", default=None, help="extension JSON file ('none' removes the extension)")
    a.set_defaults(func=run_taxonomy)

    a = ps.add_parser("info", help="clips, labelled time per behaviour and per subject")
    a.add_argument("dir")
    a.set_defaults(func=run_info)

    a = ps.add_parser(
        "remove",
        help="remove clips and their segments (undo brings them back)",
        description="Remove clips and their labelled segments in one undoable step. The motion stays in the "
        "project cache while the edit log can bring the clip back ('imu2safety project undo DIR').",
    )
    a.add_argument("dir")
    a.add_argument("clips", nargs="+", metavar="CLIP", help="clip id")
    a.set_defaults(func=run_remove)

    a = ps.add_parser(
        "trim",
        help="keep only a part of a clip (seconds of its source)",
        description="Set the part of a clip that is simulated and exported: --start and --end in seconds of "
        "the source (they snap to the nearest frame; the end is exclusive), or --drop-glitches to cut the "
        "frames at the start and end where joints jump implausibly fast. Labels outside the trim are kept "
        "but not exported.",
    )
    a.add_argument("dir")
    a.add_argument("clip")
    a.add_argument("--start", type=float, default=None, help="first second kept (default: unchanged)")
    a.add_argument("--end", type=float, default=None, help="second where the kept part ends (default: unchanged)")
    a.add_argument("--drop-glitches", action="store_true", help="trim glitch frames at the start and the end")
    a.add_argument("--reset", action="store_true", help="keep the whole clip again")
    a.set_defaults(func=run_trim)

    a = ps.add_parser(
        "segments",
        help="list labelled segments, or delete some",
        description="Without --delete: one line per segment (id, clip, start and end in seconds, behaviour, "
        "safety, phase, severity, annotator). --delete ID... deletes those segments in one undoable step.",
    )
    a.add_argument("dir")
    a.add_argument("--clip", default=None, help="only this clip's segments")
    a.add_argument("--delete", nargs="+", type=int, default=None, metavar="ID", help="segment ids to delete")
    a.set_defaults(func=run_segments)

    a = ps.add_parser("undo", help="undo the last edit (the edit log keeps it; run again to undo more)")
    a.add_argument("dir")
    a.add_argument("--steps", type=int, default=1, help="how many edits to undo (default 1)")
    a.set_defaults(func=run_undo)


def run_new(args) -> int:
    with Project.create(args.dir) as p:
        print(f"{p.folder}: new project '{p.name}'")
    return 0


def run_add(args) -> int:
    if args.seed is not None and args.seed < 0:
        raise InputError(None, f"--seed must be >= 0, got {args.seed}")
    if args.threads < 1:
        raise InputError(None, f"--threads must be at least 1, got {args.threads}")
    if args.threads > MAX_THREADS:
        raise InputError(None, f"--threads must be at most {MAX_THREADS}, got {args.threads}")
    if args.workers is not None and args.workers < 0:
        raise InputError(None, f"--workers must be >= 0, got {args.workers}")
    if not args.paths and not args.manifest:
        raise InputError(None, "name files or folders to add, or --manifest FILE")
    from ...core.batch.executors import LocalExecutor, default_workers, make_executor
    from ...core.batch.items import Item, Settings
    from ...core.batch.runner import run_batch
    from ...core.batch.sources import expand_paths, read_manifest, whole_clip_label
    from ...core.project.project import check_clip_id
    from .progressbar import progress_bar

    with Project.open(args.dir) as p:
        warnings = []
        items = []
        if args.recipe:
            if args.manifest:
                raise InputError(
                    args.manifest, "a manifest and a recipe do not go together: the recipe labels the files"
                )
            from ...core.batch.recipes import recipe_items

            items, warnings = recipe_items(
                args.recipe, args.paths, p.taxonomy, args.mapping, actor=args.ntu_actor, camera=args.camera
            )
        else:
            if args.mapping:
                raise InputError(args.mapping, "--mapping goes with --recipe")
            if args.manifest:
                items += read_manifest(args.manifest, p.taxonomy)
            label = [whole_clip_label(args.label, p.taxonomy, "--label")] if args.label else []
            items += [Item(path=str(f), subject=args.subject, labels=list(label)) for f in expand_paths(args.paths)]
            if not items:
                raise InputError(None, f"no motion, skeleton or video files in {', '.join(args.paths)}")
        if args.clip_id is not None:  # '--id ""' is a bad id, not no id
            if len(items) != 1:
                raise InputError(None, f"--id names one clip, but {len(items)} files were given")
            check_clip_id(args.clip_id, p.folder)
            items[0].clip_id = args.clip_id
        rec = {
            "person": args.person,
            "pose_model": args.pose_model,
            "lifter": args.lifter,
            "detector": args.detector,
            "device": args.compute,
            "threads": args.threads,
        }
        if not args.ray:  # workers on this machine share the project's 2D keypoint cache
            rec["cache_dir"] = str(Path(p.folder) / "cache" / "pose2d")
        settings = Settings(
            wrist=args.wrist,
            device=args.device,
            seed=args.seed,
            simulate=not args.no_simulate,
            reconstruct=rec,
            force=args.force,
        )
        single = len(items) == 1
        if args.ray:  # started only when a file needs converting

            def executor():
                return make_executor(args.workers, args.ray, args.gpus_per_video)

        else:
            workers = args.workers if args.workers is not None else (0 if single else default_workers())
            executor = LocalExecutor(min(workers, len(items)) if workers else 0)
        with progress_bar("add", enabled=not args.quiet and not single) as cb:
            summary = run_batch(
                p,
                items,
                settings,
                executor,
                progress=cb,
                failures_csv=Path(args.failures) if args.failures else None,
                write_failures=not single,
            )
    if single:
        if summary.failed:
            f = summary.failed[0]
            raise InputError(f.path, f.error if f.stage in ("read", "import", "recipe") else f"{f.stage}: {f.error}")
        for w in summary.warnings:
            print(f"warning: {w}", file=sys.stderr)
        if summary.skipped:
            path, cid = summary.skipped[0]
            print(cid)
            print(
                f"{path}: already in the project as clip '{cid}' (same file and settings; --force redoes it)",
                file=sys.stderr,
            )
        else:
            print(summary.added[0])
            _glitch_hint(args.dir, summary.added[0])
        return 130 if summary.cancelled else 0
    err = sys.stderr
    print(summary.text(), file=err)
    for w in (warnings + summary.warnings)[:10]:
        print(f"warning: {w}", file=err)
    if len(warnings) + len(summary.warnings) > 10:
        print(f"  ... {len(warnings) + len(summary.warnings) - 10} more warning(s)", file=err)
    for f in summary.failed[:20]:
        print(f"failed: {f.line()}", file=err)
    if summary.failures_csv:
        more = f"{len(summary.failed) - 20} more; " if len(summary.failed) > 20 else ""
        print(f"  ({more}all failures in {summary.failures_csv})", file=err)
    if summary.cancelled:
        return 130
    return 2 if summary.failed else 0


def _glitch_hint(folder, clip_id: str) -> None:
    """After 'glitch' warnings: the trim command that drops the glitch frames at the clip's start and end."""
    from ...core.project.add_checks import glitch_trim_from

    with Project.open(folder, readonly=True) as p:
        c = p.clip(clip_id)
        bad = (c.provenance.get("import") or {}).get("implausible_frames") or []
    trim = glitch_trim_from(bad, c.n_frames, float(c.fps)) if bad and c.fps > 0 else None
    if trim:
        print(
            f"  to keep frames {trim[0]}-{trim[1]} of {c.n_frames}: imu2safety project trim {folder} {clip_id} "
            "--drop-glitches",
            file=sys.stderr,
        )


def run_recipes(args) -> int:
    from ...core.batch.recipes import RECIPES, mapping_text

    if args.name is None:
        for name, text in RECIPES.items():
            print(f"{name:<8} {text}")
        print(
            "\n'imu2safety project recipes NAME' prints a recipe's mapping table; edit a copy and pass it as "
            "'--mapping FILE'."
        )
        return 0
    sys.stdout.write(mapping_text(args.name))
    return 0


def run_import(args) -> int:
    from ...core.project.labels_csv import import_labels

    with Project.open(args.dir) as p:
        result = import_labels(p, args.csv, replace=args.replace)
    print(f"{args.csv}: {result}", file=sys.stderr)
    return 0


def run_export(args) -> int:
    from ...core.project.labels_csv import export_labels

    with Project.open(args.dir, readonly=True) as p:
        n = export_labels(p, args.csv)
    print(f"{args.csv}: {n} segment(s) written", file=sys.stderr)
    return 0


def _s(x: Fraction) -> str:
    return f"{float(x):.1f}"


def run_info(args) -> int:
    with Project.open(args.dir, readonly=True) as p:
        clips = p.clips()
        segs = p.segments()
        tax = p.taxonomy
    print(f"project {args.dir}: {len(clips)} clip(s), {len(segs)} segment(s), taxonomy {tax.data['id']} v{tax.version}")
    holder = lock_holder(Path(args.dir))
    if holder:
        print(f"(being edited by process {holder}: this is its last saved state)")
    if clips:
        print(
            f"\n{'clip':<20} {'subject':<10} {'fps':>11} {'frames':>7} {'trim':>13} {'dur s':>7} "
            f"{'segs':>5} {'wrist':<6} device"
        )
    nseg = defaultdict(int)
    for s in segs:
        nseg[s.clip_id] += 1
    for c in clips:
        fps = f"{c.fps.numerator}/{c.fps.denominator}" if c.fps.denominator != 1 else str(c.fps.numerator)
        if c.fps <= 0:
            fps = "invalid"
        print(
            f"{c.id:<20} {c.subject or '-':<10} {fps:>11} {c.n_frames:>7} {f'{c.trim_in}-{c.trim_out}':>13} "
            f"{_s(c.duration_s) if c.fps > 0 else '?':>7} {nseg[c.id]:>5} {c.wrist:<6} {c.profile or 'default'}"
        )
    subj_of = {c.id: c.subject or "-" for c in clips}
    per_class = defaultdict(Fraction)
    per_subject = defaultdict(lambda: defaultdict(Fraction))
    for s in segs:
        per_class[s.behaviour] += s.duration_s
        per_subject[subj_of[s.clip_id]][s.behaviour] += s.duration_s
    if per_class:
        print("\nlabelled time per behaviour (s):")
        for b in tax.behaviour_ids:
            if b in per_class:
                print(f"  {b:<22} {_s(per_class[b]):>8}  ({tax.behaviours[b]['group']})")
        print("\nlabelled time per subject (s):")
        for subj in sorted(per_subject):
            parts = ", ".join(f"{b} {_s(t)}" for b, t in sorted(per_subject[subj].items()))
            print(f"  {subj:<10} {_s(sum(per_subject[subj].values(), Fraction(0))):>8}  {parts}")
    return 0


def run_profile(args) -> int:
    from ...core.project import commands as C
    from ...core.sim.devices import DEFAULT_PRESET, load_preset

    changes = {}
    for item in args.set:
        if "=" not in item:
            raise InputError(None, f"--set needs FIELD=VALUE, got '{item}'")
        k, v = item.split("=", 1)
        try:
            changes[k.strip()] = parse_json(v, f"--set {k.strip()}", "the value")
        except LimitError:
            raise
        except InputError:  # not JSON: the value is a plain string
            changes[k.strip()] = v
    with Project.open(args.dir) as p:
        names = {pr.name for pr in p.profiles()}
        base = args.base or (args.name if args.name in names else DEFAULT_PRESET)
        preset = p.profile(base).preset() if base in names else load_preset(base)
        data = preset.with_changes(changes).data if changes else preset.data
        stored_base = base
        if base not in names and is_device_file(base):  # the file's content is stored; name where it came from
            stored_base = f"file {Path(base).resolve()} sha256:{sha256_file(base)}"
        cmds = [C.SetProfile(args.name, data, base=stored_base)] + [
            C.UpdateClip(c, profile=args.name) for c in args.clips
        ]
        p.execute(C.Batch(cmds, text=f"profile {args.name}"))
    print(f"profile '{args.name}' (from {base}){' used by ' + ', '.join(args.clips) if args.clips else ''}")
    return 0


def run_taxonomy(args) -> int:
    import json

    from ...core.project import commands as C

    if args.extend is None:
        with Project.open(args.dir, readonly=True) as p:
            print(json.dumps(p.taxonomy.data, indent=2))
        return 0
    ext = None
    if args.extend.lower() != "none":
        ext = read_json_file(args.extend, "taxonomy extension")
        check_extension(ext, args.extend)
    with Project.open(args.dir) as p:
        p.execute(C.SetTaxonomyExtension(ext))
        added = [b for b in p.taxonomy.behaviour_ids if p.taxonomy.code(b) >= 100]
    print(f"taxonomy extension {'set' if ext else 'removed'}; project behaviours: {', '.join(added) or 'none'}")
    return 0


def run_remove(args) -> int:
    from ...core.project import commands as C

    with Project.open(args.dir) as p:
        counts = {cid: len(p.segments(p.clip(cid).id)) for cid in dict.fromkeys(args.clips)}
        p.execute(C.Batch([C.DeleteClip(cid) for cid in counts], text=f"remove {', '.join(counts)}"))
    for cid, n in counts.items():
        print(f"removed clip '{cid}' and its {n} segment(s)")
    print(f"(undo: imu2safety project undo {args.dir})", file=sys.stderr)
    return 0


def run_trim(args) -> int:
    from ...core.project import commands as C
    from ...core.project.add_checks import glitch_trim

    chosen = [args.start is not None or args.end is not None, args.drop_glitches, args.reset]
    if sum(chosen) != 1:
        raise InputError(None, "give --start and/or --end, or --drop-glitches, or --reset (one of them)")
    with Project.open(args.dir) as p:
        c = p.clip(args.clip)
        if args.reset:
            a, b = 0, c.n_frames
        elif args.drop_glitches:
            full = p.load_motion(c.id, trimmed=False)
            found = glitch_trim(full)
            if found is None:
                print(f"clip '{c.id}': no glitch frames at its start or end; trim unchanged")
                return 0
            a, b = found
        else:
            a, b = c.trim_in, c.trim_out
            for name, v in (("--start", args.start), ("--end", args.end)):
                if v is not None and not (v == v and abs(v) < 1e9):
                    raise InputError(None, f"{name} must be a number of seconds, got {v}")
            if args.start is not None:
                a = int(round(Fraction(args.start).limit_denominator(10**9) * c.fps))
            if args.end is not None:
                b = int(round(Fraction(args.end).limit_denominator(10**9) * c.fps))
            if not 0 <= a < b <= c.n_frames:
                raise InputError(
                    None,
                    f"trim {_s(c.seconds(a))}-{_s(c.seconds(b))} s must lie in the clip (0-{_s(c.seconds(c.n_frames))}"
                    " s) and end after it starts",
                )
        p.execute(C.SetTrim(c.id, a, b))
        c = p.clip(c.id)
    print(
        f"clip '{c.id}': keeps frames {c.trim_in}-{c.trim_out} of {c.n_frames} "
        f"({float(c.seconds(c.trim_in)):.3f}-{float(c.seconds(c.trim_out)):.3f} s)"
    )
    return 0


def run_segments(args) -> int:
    from ...core.project import commands as C

    if args.delete:
        with Project.open(args.dir) as p:
            ids = list(dict.fromkeys(args.delete))
            for i in ids:
                p.segment(i)  # an unknown id: one-line error, nothing deleted
            p.execute(C.Batch([C.DeleteSegment(i) for i in ids], text=f"delete {len(ids)} segment(s)"))
        print(f"deleted {len(ids)} segment(s) (undo: imu2safety project undo {args.dir})", file=sys.stderr)
        return 0
    with Project.open(args.dir, readonly=True) as p:
        if args.clip is not None:
            p.clip(args.clip)
        segs = p.segments(args.clip)
    print(
        f"{'id':>6} {'clip':<20} {'start_s':>9} {'end_s':>9} {'behaviour':<20} {'safety':<7} {'phase':<12} sev annotator"
    )
    for g in segs:
        print(
            f"{g.id:>6} {g.clip_id:<20} {float(g.start_s):>9.3f} {float(g.end_s):>9.3f} {g.behaviour:<20} "
            f"{g.safety:<7} {g.phase or '-':<12} {'-' if g.severity is None else g.severity:>3} {g.annotator}"
        )
    print(f"{len(segs)} segment(s)", file=sys.stderr)
    return 0


def run_undo(args) -> int:
    if args.steps < 1:
        raise InputError(None, f"--steps must be >= 1, got {args.steps}")
    with Project.open(args.dir) as p:
        done = []
        for _ in range(args.steps):
            cmd = p.undo()
            if cmd is None:
                break
            done.append(cmd.text)
    if not done:
        print("nothing to undo")
    for text in done:
        print(f"undid: {text}")
    return 0
