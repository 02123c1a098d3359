"""``imu2safety presets``: list device presets, or show one as JSON."""

from __future__ import annotations

import json

from ...core.sim.devices import load_preset, preset_ids


def register(sub) -> None:
    p = sub.add_parser("presets", help="list device presets or show one")
    p.add_argument("preset", nargs="?", help="preset id to show as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.preset:
        print(json.dumps(load_preset(args.preset).data, indent=2))
        return 0
    for pid in preset_ids():
        d = load_preset(pid)
        print(f"{pid:18s} {d.data['kind']:6s} {d.output_rate_hz:6g} Hz  {d.data['name']}")
    return 0
