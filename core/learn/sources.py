"""Synthetic training data from sources that ship with the product or install offline.

Sources (:func:`available_sources`), each a motion with labelled segments:

- ``cmu_walk``: the CMU mocap walk shipped for the demo (``resources/demo``), walking;
- ``deepmimic:<clip>``: the DeepMimic clips vendored from pybullet (``resources/motions/deepmimic``,
  see its README for the licence and the clip list): walk and run looped, kick/punch/spinkick as
  fighting (solo strikes, no opponent), getup as the recovery phase of falling, the rest as other;
- ``demo``: the procedural walk-and-fall of the demo project (walking, then falling in three phases);
- ``standing``: a procedural person standing (:mod:`.procedural`);
- ``project:<folder>``: every clip of a project with its labels (motions from any importer or from
  video reconstruction, e.g. BlazePose).

Each source is simulated ``variants`` times with the augmentations the simulator makes natural
(:class:`Augment`): device preset and its seed, left or right wrist (in the device's own axes, as a
real watch reports them, when ``native_axes``), forearm pronation, time-warp (the motion played
faster or slower), amplitude (the body scaled, so every acceleration scales) and placement jitter
(the device further up or down the forearm). Nothing here reads real recordings.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..base.errors import InputError
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import Motion
from .data import Windows, concat, empty_windows, label_recording, remove_gravity

# segment: (start_s, end_s, behaviour, safety, severity (-1 none))
Seg = Tuple[float, float, str, str, int]
DEFAULT_PRESETS = ("watch-bmi270", "watch-lsm6dso", "watch-icm42688p", "band-bmi160")


@dataclass
class LabelledMotion:
    name: str
    motion: Motion
    segments: List[Seg]
    group: str  # what must not be split across train/val (the source clip)


@dataclass
class Augment:
    presets: Tuple[str, ...] = DEFAULT_PRESETS
    wrists: Tuple[str, ...] = ("left", "right")
    pronation_deg: Tuple[float, float] = (-30.0, 30.0)
    time_warp: Tuple[float, float] = (0.85, 1.15)  # playback speed factor
    amplitude: Tuple[float, float] = (0.9, 1.1)  # body scale
    placement_m: Tuple[float, float] = (-0.015, 0.015)  # added to the preset's offset along the forearm
    native_axes: bool = True

    def draw(self, rng: np.random.Generator, k: int) -> Dict:
        """Draw k: wrists alternate; presets cycle, shifted each round so each meets both wrists."""
        u = rng.uniform
        n = len(self.presets)
        return {
            "preset": self.presets[(k + k // n) % n],
            "wrist": self.wrists[k % len(self.wrists)],
            "pronation_deg": float(u(*self.pronation_deg)),
            "time_warp": float(u(*self.time_warp)),
            "amplitude": float(u(*self.amplitude)),
            "placement_m": float(u(*self.placement_m)),
            "seed": int(rng.integers(0, 2**31 - 1)),
        }


# ---------------------------------------------------------------- the sources


def deepmimic_dir() -> Path:
    return Path(str(resources.files("imu2safety.resources") / "motions" / "deepmimic"))


def deepmimic_labels() -> Dict[str, Dict]:
    return json.loads((deepmimic_dir() / "labels.json").read_text(encoding="utf-8"))["clips"]


def available_sources() -> List[str]:
    return ["cmu_walk", "demo", "standing"] + [f"deepmimic:{c}" for c in sorted(deepmimic_labels())]


DEFAULT_SOURCES = (
    "cmu_walk",
    "demo",
    "standing",
    "deepmimic:walk",
    "deepmimic:run",
    "deepmimic:jump",
    "deepmimic:kick",
    "deepmimic:punch",
    "deepmimic:spinkick",
    "deepmimic:roll",
    "deepmimic:getup_facedown",
    "deepmimic:getup_faceup",
)


def load_source(name: str, duration_s: float = 40.0, seed: int = 0) -> List[LabelledMotion]:
    if name == "cmu_walk":
        from ..motion.importers import import_motion
        from ..project.demo import MOCAP_TRIM_IN

        src = resources.files("imu2safety.resources") / "demo" / "cmu_16_15_walk.bvh"
        m = import_motion(str(src))
        m = m.slice(MOCAP_TRIM_IN, m.n_frames)
        return [LabelledMotion("cmu_walk", m, [(0.0, 1e9, "walking", "safe", -1)], "cmu_walk")]
    if name == "demo":
        from ..project.demo import DEMO_LABELS, demo_motion

        segs = [
            (s["start_s"], s["end_s"], s["behaviour"], s["safety"], 2 if s["safety"] == "unsafe" else -1)
            for s in DEMO_LABELS
        ]
        return [LabelledMotion("demo", demo_motion(), segs, "demo")]
    if name == "standing":
        from .procedural import standing_motion

        return [
            LabelledMotion(
                f"standing#{k}",
                standing_motion(seed * 101 + k, duration_s),
                [(0.0, 1e9, "standing", "safe", -1)],
                f"standing#{k}",
            )
            for k in range(4)
        ]
    if name.startswith("deepmimic:"):
        from ..motion.import_deepmimic import import_deepmimic

        clip = name.split(":", 1)[1]
        table = deepmimic_labels()
        if clip not in table:
            raise InputError(None, f"unknown DeepMimic clip {clip!r} (known: {', '.join(sorted(table))})")
        info = table[clip]
        m = import_deepmimic(deepmimic_dir() / info["file"], loop_s=duration_s if info.get("cyclic") else None)
        seg = (0.0, 1e9, info["behaviour"], info["safety"], int(info.get("severity", -1)))
        return [LabelledMotion(name, m, [seg], name)]
    if name.startswith("project:"):
        return project_source(name.split(":", 1)[1])
    raise InputError(
        None, f"unknown synthetic source {name!r} (known: {', '.join(available_sources())}, project:FOLDER)"
    )


def project_source(folder) -> List[LabelledMotion]:
    """Every clip of a project (trimmed) with its segments."""
    from ..motion.interchange import load_motion
    from ..project.project import Project

    out = []
    proj = Project.open(folder, readonly=True)
    try:
        snap = proj.snapshot()
        segs_by: Dict[str, list] = {}
        for s in snap["segments"]:
            segs_by.setdefault(s.clip_id, []).append(s)
        for c in snap["clips"]:
            m = load_motion(Path(proj.folder) / c.motion_path).slice(c.trim_in, c.trim_out)
            t0 = float(c.seconds(c.trim_in))
            segs = [
                (
                    float(s.start_s) - t0,
                    float(s.end_s) - t0,
                    s.behaviour,
                    s.safety,
                    -1 if s.severity is None else int(s.severity),
                )
                for s in segs_by.get(c.id, [])
            ]
            if segs:
                out.append(LabelledMotion(f"project:{c.id}", m, segs, c.subject or f"clip:{c.id}"))
    finally:
        proj.close()
    return out


# ---------------------------------------------------------------- simulation and windows


def _warped(m: Motion, time_warp: float, amplitude: float) -> Motion:
    return Motion(
        joints=m.joints * amplitude,
        fps=m.fps * time_warp,
        skeleton=m.skeleton,
        up=m.up,
        confidence=m.confidence,
        joint_names=m.joint_names,
        meta=dict(m.meta),
    )


@dataclass
class SyntheticSpec:
    sources: Tuple[str, ...] = DEFAULT_SOURCES
    rate_hz: float = 100.0
    window_s: float = 2.0
    hop_s: float = 1.0
    gravity: str = "included"
    variants: int = 8
    seed: int = 0
    duration_s: float = 40.0
    min_fraction: float = 0.5
    augment: Augment = field(default_factory=Augment)

    def to_dict(self) -> Dict:
        return asdict(self)


def synthetic_windows(
    spec: SyntheticSpec,
    taxonomy,
    classes: Optional[Sequence[str]] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Tuple[Windows, List[Dict]]:
    """Simulated, labelled windows of every source x variant; ``classes`` keeps only those behaviours.
    Returns (windows, one provenance record per simulation). Unit = group x variants + variant, where
    the group is the source clip (:func:`variant_of_unit` gives the variant back)."""
    from ..sim.devices import load_preset
    from ..sim.simulate import SimConfig, simulate

    rng = np.random.default_rng(spec.seed)
    W = int(round(spec.window_s * spec.rate_hz))
    H = max(1, int(round(spec.hop_s * spec.rate_hz)))
    keep = None if classes is None else {taxonomy.code(c) for c in classes}
    critical = frozenset(taxonomy.code(b) for b in taxonomy.behaviour_ids if taxonomy.is_critical(b))
    motions: List[LabelledMotion] = []
    for s in spec.sources:
        motions += load_source(s, spec.duration_s, spec.seed)
    groups = sorted({lm.group for lm in motions})
    parts, prov = [], []
    total = len(motions) * spec.variants
    k = 0
    for lm in motions:
        for v in range(spec.variants):
            check(cancel)
            report(progress, k / max(total, 1), f"simulating {lm.name}")
            k += 1
            a = spec.augment.draw(rng, v)
            m = _warped(lm.motion, a["time_warp"], a["amplitude"])
            dev = load_preset(a["preset"])
            cfg = SimConfig(
                wrist=a["wrist"],
                rate_hz=spec.rate_hz,
                pronation_deg=a["pronation_deg"],
                offset_m=dev.offset_m + a["placement_m"],
                seed=a["seed"],
                native_axes=spec.augment.native_axes,
            )
            try:
                sig = simulate(m, dev, cfg)
            except InputError:
                continue
            acc = sig.acc
            if spec.gravity == "removed":
                acc = remove_gravity(acc, sig.valid, spec.rate_hz)
            x = np.concatenate([acc, sig.gyro], axis=1).astype(np.float32)
            segs = []
            for s0, s1, b, safety, sev in lm.segments:
                if keep is not None and taxonomy.code(b) not in keep:
                    continue
                segs.append(
                    (
                        s0 / a["time_warp"],
                        min(s1 / a["time_warp"], 1e8),
                        taxonomy.code(b),
                        taxonomy.safety_code(safety),
                        sev,
                    )
                )
            X, y, saf, sev, st = label_recording(x, sig.valid, segs, spec.rate_hz, W, H, spec.min_fraction, critical)
            if not len(y):
                continue
            unit = groups.index(lm.group) * spec.variants + v
            parts.append(Windows(X, y, saf, sev, np.full(len(y), unit, np.int64), st, spec.rate_hz, spec.gravity))
            prov.append(dict(a, source=lm.name, variant=v, windows=int(len(y))))
    report(progress, 1.0, "simulated")
    if not parts:
        w = empty_windows(W, spec.rate_hz, spec.gravity)
    else:
        w = concat(parts)
    w.units = [f"{g}#v{v}" for g in groups for v in range(spec.variants)]
    return w, prov


def variant_of_unit(w: Windows, variants: int) -> np.ndarray:
    """The augmentation draw (0..variants-1) of each synthetic window."""
    return w.unit % variants
