"""``imu2safety presets``: list device presets, or show one as JSON."""

from __future__ import annotations

import json

from ...core.sim.devices import load_preset, preset_ids


def register(sub) -> None:
    p = sub.add_parser(
        "presets",
        help="list device presets or show one",
        description="Device presets are the MEMS error models of real wrist-worn IMUs (range, resolution, noise "
        "density, bias instability, random walk, scale and cross-axis errors, g-sensitivity), each figure "
        "named with its unit and its datasheet source. Without an argument: one line per preset (id, kind, "
        "output rate, part). With a preset id or a JSON file: the preset as JSON, e.g. to copy, edit and pass "
        "to 'simulate --device FILE.json' or 'project profile --from FILE.json'.",
        epilog="examples: imu2safety presets; imu2safety presets watch-bmi270 > my-watch.json",
    )
    p.add_argument("preset", nargs="?", help="preset id (e.g. watch-bmi270, ideal) or preset JSON file to show")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.preset:
        print(json.dumps(load_preset(args.preset).data, indent=2))
        return 0
    for pid in preset_ids():
        d = load_preset(pid)
        print(f"{pid:18s} {d.data['kind']:6s} {d.output_rate_hz:6g} Hz  {d.data['name']}")
    return 0
