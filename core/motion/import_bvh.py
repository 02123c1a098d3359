"""BVH motion capture -> motion interchange.

- Hierarchy: ``ROOT``/``JOINT`` name (the rest of the line, so names may hold
  spaces), ``OFFSET``, ``CHANNELS``, ``End Site``; motion: ``Frames:``,
  ``Frame Time:`` and one line of channel values per frame.
- Forward kinematics: a joint's local rotation is the product of its rotation
  channels in the order the file lists them (intrinsic rotations: ``Zrotation
  Xrotation Yrotation`` gives ``R = Rz @ Rx @ Ry``), built with
  ``scipy.spatial.transform.Rotation`` (upper-case, i.e. intrinsic, sequences);
  angles in degrees. A joint's
  translation is its ``OFFSET``, except for axes that have position channels,
  whose values replace it (so a root's ``Xposition`` is its absolute position,
  as Blender and most tools read it). Global: ``R = R_parent R_local``,
  ``p = p_parent + R_parent offset``. A joint's position is its origin, i.e.
  where its segment starts.
- Frame rate: ``1 / Frame Time``, snapped to the nearest fraction with a
  denominator up to 1001 when within 1e-5 (files round the frame time:
  0.00833333 s -> 120 fps), or ``fps`` when given.
- Units: ``units`` (m, cm, mm, in) or, by default, a heuristic on the rest-pose
  size (largest extent of all joints and end sites with zero rotations):
  0.3-3 -> metres, 30-300 -> centimetres, 300-3000 -> millimetres; anything
  else is an error asking for ``--units``.
- Frame: BVH is y-up and right-handed; the file's frame is kept and ``up`` is
  (0, 1, 0) unless given.
- Arms: the joints whose origins are the anatomical shoulder, elbow and wrist are
  renamed ``l_shoulder`` ... ``r_wrist``; the others keep their BVH names. Names
  are matched after dropping a namespace (``mixamorig:``), a ``Bip01``,
  ``mixamorig`` or ``Character1_`` prefix,
  case and punctuation, and a side word (``Left``/``L``/``l`` as prefix or
  suffix). Per side, first match wins: shoulder ``humerus, upperarm, uparm, arm,
  shoulder``; elbow ``radius, forearm, lowerarm, lowarm, elbow``; wrist ``wrist,
  hand``. So CMU ``lhumerus/lradius/lwrist`` and Mixamo-style
  ``LeftArm/LeftForeArm/LeftHand`` both work (``LeftShoulder`` there is the
  clavicle and loses to ``LeftArm``). The elbow must descend from the shoulder
  and the wrist from the elbow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np
from scipy.spatial.transform import Rotation

from ..base.errors import InputError
from .import_common import UNITS, check_file, check_fps, parse_up, provenance
from .interchange import Motion, validate_motion
from .timebase import rational_fps

ROLES = {
    "shoulder": ("humerus", "upperarm", "uparm", "arm", "shoulder"),
    "elbow": ("radius", "forearm", "lowerarm", "lowarm", "elbow"),
    "wrist": ("wrist", "hand"),
}
_PARTS = {p: role for role, parts in ROLES.items() for p in parts}
_AXES = {"xrotation": "X", "yrotation": "Y", "zrotation": "Z"}
_POS = {"xposition": 0, "yposition": 1, "zposition": 2}


@dataclass
class BvhJoint:
    name: str
    parent: int
    offset: np.ndarray
    channels: List[str] = field(default_factory=list)
    end_sites: List[np.ndarray] = field(default_factory=list)
    line: int = 0


@dataclass
class BvhFile:
    joints: List[BvhJoint]
    frame_time: float
    values: np.ndarray  # (T, n_channels) as in the file


def _frames(n: int) -> str:
    return f"{n} frame" + ("" if n == 1 else "s")


def _floats(parts: List[str], n: int, where, lineno: int, what: str) -> np.ndarray:
    if len(parts) != n:
        raise InputError(where, f"line {lineno}: {what} needs {n} numbers, got {len(parts)}")
    try:
        return np.array([float(p) for p in parts])
    except ValueError:
        raise InputError(
            where, f"line {lineno}: {what} holds a value that is not a number: {' '.join(parts)[:60]!r}"
        ) from None


def parse_bvh(path: Path) -> BvhFile:
    """Parse a BVH file; every problem is an InputError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
    lines = text.splitlines()
    i = 0

    def next_line():
        nonlocal i
        while i < len(lines):
            s = lines[i].strip()
            i += 1
            if s:
                return s, i
        return None, i

    first, ln = next_line()
    if first is None or first.split()[0].upper() != "HIERARCHY":
        raise InputError(path, f"line {ln}: not a BVH file (expected 'HIERARCHY' first)")
    joints: List[BvhJoint] = []
    stack: List[Optional[int]] = []  # joint index per open brace (None = End Site)
    pending: Optional[Tuple[str, str, int]] = None
    end_site_offset: Optional[np.ndarray] = None
    while True:
        s, ln = next_line()
        if s is None:
            raise InputError(path, f"line {ln}: file ends inside the hierarchy (no MOTION section)")
        word = s.split()[0]
        up = word.upper()
        if up == "MOTION":
            if stack:
                raise InputError(path, f"line {ln}: MOTION before the hierarchy's braces are closed")
            break
        if up in ("ROOT", "JOINT"):
            name = s[len(word) :].strip().rstrip("{").strip()
            if not name:
                raise InputError(path, f"line {ln}: {word} without a name")
            if up == "JOINT" and not stack:
                raise InputError(path, f"line {ln}: JOINT outside any ROOT")
            pending = ("joint", name, ln)
            if s.endswith("{"):
                s = "{"
            else:
                continue
        elif up == "END":
            pending = ("end", "", ln)
            if s.endswith("{"):
                s = "{"
            else:
                continue
        if s == "{":
            if pending is None:
                raise InputError(path, f"line {ln}: '{{' without a ROOT, JOINT or End Site before it")
            kind, name, jl = pending
            pending = None
            if kind == "joint":
                parent = next((k for k in reversed(stack) if k is not None), -1) if stack else -1
                joints.append(BvhJoint(name=name, parent=parent, offset=None, line=jl))
                stack.append(len(joints) - 1)
            else:
                if not stack or stack[-1] is None:
                    raise InputError(path, f"line {jl}: End Site outside a joint")
                stack.append(None)
                end_site_offset = None
            continue
        if s == "}":
            if not stack:
                raise InputError(path, f"line {ln}: '}}' without a matching '{{'")
            top = stack.pop()
            if top is None:
                if end_site_offset is None:
                    raise InputError(path, f"line {ln}: End Site without an OFFSET")
                owner = next(k for k in reversed(stack) if k is not None)
                joints[owner].end_sites.append(end_site_offset)
            elif joints[top].offset is None:
                raise InputError(path, f"line {joints[top].line}: joint '{joints[top].name}' has no OFFSET")
            continue
        parts = s.split()
        if not stack:
            raise InputError(path, f"line {ln}: {word!r} outside any joint")
        if up == "OFFSET":
            off = _floats(parts[1:], 3, path, ln, "OFFSET")
            if stack[-1] is None:
                end_site_offset = off
            else:
                joints[stack[-1]].offset = off
        elif up == "CHANNELS":
            if stack[-1] is None:
                raise InputError(path, f"line {ln}: CHANNELS inside an End Site")
            try:
                n = int(parts[1])
            except (IndexError, ValueError):
                raise InputError(path, f"line {ln}: CHANNELS needs a count") from None
            chans = [c.lower() for c in parts[2:]]
            if len(chans) != n:
                raise InputError(path, f"line {ln}: CHANNELS says {n} but lists {len(chans)}")
            bad = [c for c in chans if c not in _AXES and c not in _POS]
            if bad:
                raise InputError(path, f"line {ln}: unknown channel {parts[2 + chans.index(bad[0])]!r}")
            joints[stack[-1]].channels = chans
        else:
            raise InputError(path, f"line {ln}: unexpected {word!r} in the hierarchy")
    if not joints:
        raise InputError(path, "the hierarchy has no joints")

    s, ln = next_line()
    m = re.match(r"frames\s*:\s*(\S+)$", s or "", re.I)
    if not m:
        raise InputError(path, f"line {ln}: expected 'Frames: N' after MOTION")
    try:
        n_frames = int(m.group(1))
    except ValueError:
        raise InputError(path, f"line {ln}: frame count {m.group(1)!r} is not an integer") from None
    s, ln = next_line()
    m = re.match(r"frame\s+time\s*:\s*(\S+)$", s or "", re.I)
    if not m:
        raise InputError(path, f"line {ln}: expected 'Frame Time: seconds' after 'Frames:'")
    try:
        frame_time = float(m.group(1))
    except ValueError:
        raise InputError(path, f"line {ln}: frame time {m.group(1)!r} is not a number") from None
    if not np.isfinite(frame_time) or frame_time <= 0:
        raise InputError(path, f"line {ln}: frame time must be positive, got {m.group(1)}")
    n_ch = sum(len(j.channels) for j in joints)
    if n_frames < 1:
        raise InputError(path, f"line {ln - 1}: the file declares {n_frames} frames")
    # one frame per line at most: rows for more frames than lines are left would never be filled (the loop
    # below says where a short file ends), so a huge declared count allocates nothing for itself
    values = np.empty((min(n_frames, len(lines) - i), n_ch))
    f = 0
    while f < n_frames:
        s, ln = next_line()
        if s is None:
            raise InputError(path, f"line {ln}: file ends after {f} of the {n_frames} frames it declares (truncated?)")
        parts = s.split()
        if len(parts) != n_ch:
            last = not any(x.strip() for x in lines[i:])
            raise InputError(
                path,
                f"line {ln} (frame {f}): {len(parts)} values, the hierarchy has "
                f"{n_ch} channels"
                + (f"; the file ends there, {_frames(n_frames - f - 1)} short (truncated?)" if last else ""),
            )
        try:
            values[f] = [float(p) for p in parts]
        except ValueError:
            raise InputError(path, f"line {ln} (frame {f}): a value is not a number") from None
        f += 1
    if not np.isfinite(values).all():
        bad = int(np.nonzero(~np.isfinite(values).all(axis=1))[0][0])
        raise InputError(path, f"frame {bad}: non-finite channel value")
    s, ln = next_line()
    if s is not None:
        raise InputError(path, f"line {ln}: more frame lines than the {n_frames} declared")
    return BvhFile(joints=joints, frame_time=frame_time, values=values)


def _local_rotation(axes: str, angles_deg: np.ndarray) -> Rotation:
    if not axes:
        return Rotation.identity(angles_deg.shape[0])
    try:
        return Rotation.from_euler(axes, angles_deg, degrees=True)  # upper case: intrinsic
    except ValueError:  # e.g. repeated consecutive axes: compose one by one, same meaning
        r = Rotation.identity(angles_deg.shape[0])
        for k, a in enumerate(axes):
            r = r * Rotation.from_euler(a, angles_deg[:, k], degrees=True)
        return r


def forward_kinematics(bvh: BvhFile) -> np.ndarray:
    """Global joint origins (T, J, 3) in file units."""
    T = bvh.values.shape[0]
    J = len(bvh.joints)
    pos = np.zeros((T, J, 3))
    rots: List[Rotation] = []
    col = 0
    for j, jt in enumerate(bvh.joints):
        trans = np.tile(jt.offset, (T, 1))
        axes, idx = "", []
        for c in jt.channels:
            if c in _POS:
                trans[:, _POS[c]] = bvh.values[:, col]
            else:
                axes += _AXES[c]
                idx.append(col)
            col += 1
        local = _local_rotation(axes, bvh.values[:, idx])
        if jt.parent < 0:
            pos[:, j] = trans
            rots.append(local)
        else:
            pr = rots[jt.parent]
            pos[:, j] = pos[:, jt.parent] + pr.apply(trans)
            rots.append(pr * local)
    return pos


def rest_extent(bvh: BvhFile) -> float:
    """Largest extent of the rest pose (zero rotations), joints and end sites, file units."""
    pts: List[np.ndarray] = []
    org: List[np.ndarray] = []
    for jt in bvh.joints:
        p = jt.offset if jt.parent < 0 else org[jt.parent] + jt.offset
        org.append(p)
        pts.append(p)
        pts.extend(p + e for e in jt.end_sites)
    pts_a = np.array(pts)
    return float(np.max(pts_a.max(axis=0) - pts_a.min(axis=0)))


def guess_units(extent: float) -> Optional[str]:
    for unit, lo, hi in (("m", 0.3, 3.0), ("cm", 30.0, 300.0), ("mm", 300.0, 3000.0)):
        if lo <= extent <= hi:
            return unit
    return None


def snap_fps(fps: float) -> float:
    """1 / Frame Time with the file's rounding removed: 1/0.00833333 -> 120 (within 1e-5 relative)."""
    snapped = float(rational_fps(fps))
    return snapped if abs(snapped - fps) <= 1e-5 * fps else fps


def side_part(name: str) -> Optional[Tuple[str, str]]:
    """('left'|'right', role) for an arm joint name, else None."""
    n = re.split(r"[:|]", name)[-1]
    n = re.sub(r"^(mixamorig\d*|bip\d+|biped|character\d*)[\s_]*", "", n, flags=re.I)
    n = re.sub(r"[^A-Za-z0-9]", "", n).lower()
    for side, words in (("left", ("left", "l")), ("right", ("right", "r"))):
        for w in words:
            if n.startswith(w) and n[len(w) :] in _PARTS:
                return side, n[len(w) :]
            if n.endswith(w) and n[: -len(w)] in _PARTS:
                return side, n[: -len(w)]
    return None


def arm_map(joints: List[BvhJoint]) -> Dict[str, int]:
    """Product joint name (``l_shoulder`` ...) -> BVH joint index."""
    found: Dict[Tuple[str, str], int] = {}  # (side, part) -> first joint with it
    for k, jt in enumerate(joints):
        sp = side_part(jt.name)
        if sp and sp not in found:
            found[sp] = k

    def descends(child: int, anc: int) -> bool:
        while child >= 0:
            child = joints[child].parent
            if child == anc:
                return True
        return False

    out: Dict[str, int] = {}
    for side, p in (("left", "l_"), ("right", "r_")):
        pick = {}
        for role, parts in ROLES.items():
            for part in parts:
                if (side, part) in found:
                    pick[role] = found[(side, part)]
                    break
        if len(pick) == 3 and descends(pick["elbow"], pick["shoulder"]) and descends(pick["wrist"], pick["elbow"]):
            out.update({p + role: k for role, k in pick.items()})
    return out


def import_bvh(path, fps=None, up=None, units=None) -> Motion:
    path = check_file(path)
    bvh = parse_bvh(path)
    fps_over = check_fps(fps, path)
    up_vec, up_how = parse_up(up, (0.0, 1.0, 0.0), path)
    if up is None:
        up_how = "BVH convention: y up"
    extent = rest_extent(bvh)
    if units is None:
        unit = guess_units(extent)
        if unit is None:
            raise InputError(
                path,
                f"cannot tell the units: the rest pose spans {extent:.3g} file units "
                "(expected 0.3-3 m, 30-300 cm or 300-3000 mm); pass --units m|cm|mm",
            )
        how = f"heuristic: rest-pose extent {extent:.4g} file units"
    else:
        if units not in UNITS:
            raise InputError(path, f"units must be one of {', '.join(UNITS)}, got {units!r}")
        unit, how = units, "given by the user"
    scale = UNITS[unit]
    pos = forward_kinematics(bvh) * scale

    amap = arm_map(bvh.joints)
    if not amap:
        names = ", ".join(j.name for j in bvh.joints)
        raise InputError(path, f"found no arm (shoulder, elbow and wrist joints) among the joint names: {names[:300]}")
    rename = {k: name for name, k in amap.items()}
    taken = set(rename.values())
    names = []
    for k, jt in enumerate(bvh.joints):
        if k in rename:
            names.append(rename[k])
        else:
            names.append("bvh_" + jt.name if jt.name in taken else jt.name)
    file_fps = snap_fps(1.0 / bvh.frame_time)
    meta = provenance(
        "bvh",
        path,
        scale,
        unit,
        how,
        fps={
            "file": file_fps,
            "used": fps_over or file_fps,
            "frame_time_s": bvh.frame_time,
            "how": "given by the user" if fps_over else "1 / Frame Time, snapped to a fraction",
        },
        up={"vector": up_vec.tolist(), "how": up_how},
        joint_map={name: bvh.joints[k].name for name, k in sorted(amap.items())},
        parents=[jt.parent for jt in bvh.joints],
        bvh_names=[jt.name for jt in bvh.joints],
        convention="joint position = joint origin (start of its segment); rotations intrinsic in listed "
        "channel order; position channels replace the offset",
    )
    m = Motion(
        joints=pos,
        fps=fps_over or file_fps,
        skeleton="bvh",
        up=up_vec,
        confidence=None,
        joint_names=tuple(names),
        meta=meta,
    )
    return validate_motion(m, path)
