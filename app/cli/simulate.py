"""``imu2safety simulate MOTION.npz --out OUT.h5``: wrist IMU from a motion clip."""

from __future__ import annotations

import sys

from ...core.base.errors import InputError
from ...core.base.limits import MAX_PRONATION_DEG, MAX_RATE_HZ, MIN_CUTOFF_HZ, MIN_RATE_HZ
from ...core.motion.interchange import implausible_frames, implausible_warning, load_motion, units_warning
from ...core.sim.devices import DEFAULT_PRESET, load_preset
from ...core.sim.imu_io import write_imu_h5
from ...core.sim.simulate import SimConfig, simulate
from .arguments import number, seed
from .progressbar import progress_bar


def register(sub) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate wrist IMU from a motion .npz",
        description="Simulate a wrist-worn IMU (accelerometer + gyroscope) from a motion clip.",
    )
    p.add_argument("motion", help="motion clip (.npz interchange)")
    p.add_argument("--out", required=True, help="output HDF5 file")
    p.add_argument(
        "--wrist",
        choices=("left", "right"),
        default="left",
        help="wrist that wears the device (default left, where most people wear a watch)",
    )
    p.add_argument(
        "--device",
        default=DEFAULT_PRESET,
        help=f"device preset id or JSON path, or 'ideal' for no sensor errors (default {DEFAULT_PRESET})",
    )
    p.add_argument(
        "--rate",
        type=number(MIN_RATE_HZ, MAX_RATE_HZ, "Hz"),
        default=None,
        help="output rate in Hz (default: the preset's)",
    )
    p.add_argument("--seed", type=seed, default=0, help="random seed of the device errors, 0 to 2^63-1 (default 0)")
    p.add_argument(
        "--cutoff",
        type=number(MIN_CUTOFF_HZ, MAX_RATE_HZ, "Hz"),
        default=10.0,
        help="low-pass cut-off in Hz before differentiation (default 10; never above 0.4 x the motion's fps)",
    )
    p.add_argument(
        "--pronation",
        type=number(-MAX_PRONATION_DEG, MAX_PRONATION_DEG, "degrees"),
        default=0.0,
        help="assumed forearm pronation in degrees (0 neutral/thumb up, 90 palm down); "
        "not applied where the roll is observed from hand joints",
    )
    p.add_argument("--native-axes", action="store_true", help="write in the device's own axis names")
    p.add_argument(
        "--compress",
        action="store_true",
        help="gzip the datasets: about 13 %% smaller for an hour of data, and several times slower to write",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    cfg = SimConfig(
        wrist=args.wrist,
        rate_hz=args.rate,
        seed=args.seed,
        cutoff_hz=args.cutoff,
        pronation_deg=args.pronation,
        native_axes=args.native_axes,
    ).validate()  # options first: a bad option is never reported against the motion file
    motion = load_motion(args.motion)
    implausible = implausible_frames(motion)  # once: the warning and the provenance both need them
    for warning in (implausible_warning(motion, args.motion, implausible), units_warning(motion, args.motion)):
        if warning:
            print(warning, file=sys.stderr)
    device = load_preset(args.device)
    with progress_bar("simulate", enabled=not args.quiet) as cb:
        try:
            sig = simulate(motion, device, cfg, progress=cb, implausible=implausible)
        except InputError as exc:  # a problem of this motion: name its file
            if exc.where is None:
                raise InputError(args.motion, exc.problem) from None
            raise
    write_imu_h5(sig, args.out, source={"motion": str(args.motion)}, compress=args.compress)
    n_valid = int(sig.valid.sum())
    print(
        f"{args.out}: {sig.n} samples at {sig.rate_hz:g} Hz ({n_valid} valid), {args.wrist} wrist, "
        f"device {device.id}, seed {args.seed}",
        file=sys.stdout,
    )
    if sig.provenance["acc_saturated_samples"] or sig.provenance["gyro_saturated_samples"]:
        print(
            f"warning: {sig.provenance['acc_saturated_samples']} accelerometer and "
            f"{sig.provenance['gyro_saturated_samples']} gyroscope samples hit the device range",
            file=sys.stderr,
        )
    return 0
