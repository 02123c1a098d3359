"""Small skeleton files written in real on-disk formats, for tests: NTU RGB+D ``.skeleton`` and BVH."""

from __future__ import annotations

from pathlib import Path

import numpy as np

BODY_A, BODY_B, BODY_C = "72057594037931101", "72057594037931102", "72057594037931999"


def body_xyz(f: int, amp: float, x0: float) -> np.ndarray:
    base = np.stack([np.full(25, x0), np.linspace(0.0, 1.7, 25), np.full(25, 3.0)], axis=1)
    base[:, 0] += amp * np.sin(0.3 * f) * np.linspace(0, 1, 25)
    return base


def write_ntu(path: Path, frames: list) -> Path:
    """frames: list of lists of (body_id, xyz (25,3), states (25,))."""
    out = [str(len(frames))]
    for bodies in frames:
        out.append(str(len(bodies)))
        for bid, xyz, st in bodies:
            out.append(f"{bid} 0 1 1 1 1 0 0.1 -0.2 2")
            out.append("25")
            for j in range(25):
                x, y, z = xyz[j]
                out.append(f"{x:.7f} {y:.7f} {z:.7f} 250.1 200.2 900.3 500.4 0.9 0.1 0.2 0.3 {int(st[j])}")
    path.write_text("\n".join(out) + "\n")
    return path


def scene(T=12):
    frames = []
    for f in range(T):
        st = np.full(25, 2)
        bodies = [(BODY_A, body_xyz(f, 0.01, 0.0), st)]
        if f != 5:  # B missing in frame 5
            stb = st.copy()
            if f == 3:
                stb[6] = 1  # l_wrist inferred
                stb[10] = 0  # r_wrist not tracked
            bodies.append((BODY_B, body_xyz(f, 0.4, 1.0), stb))
        if f == 7:
            bodies.append((BODY_C, body_xyz(f, 2.0, -1.0), st))  # a one-frame false detection
        frames.append(bodies)
    return frames


CHAIN = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT LeftArm
  {
    OFFSET 0 {a} 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT LeftForeArm
    {
      OFFSET {a} 0 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      JOINT LeftHand
      {
        OFFSET 0 {h} 0
        CHANNELS 3 Zrotation Xrotation Yrotation
        End Site
        {
          OFFSET 0 {e} 0
        }
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.0333333
{p} {q} 0 90 90 0 0 0 90 90 0 0 0 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
"""


def write_chain(tmp_path: Path, scale: float = 100.0, name="chain.bvh") -> Path:
    """Offsets 1 m, 1 m, 0.5 m (+0.1 m end site) in units of 1/scale m; root at (1, 0.5, 0) m in frame 0."""
    text = CHAIN
    for key, val in (("{a}", 1.0), ("{h}", 0.5), ("{e}", 0.1), ("{p}", 1.0), ("{q}", 0.5)):
        text = text.replace(key, f"{val * scale:g}")
    p = tmp_path / name
    p.write_text(text)
    return p
