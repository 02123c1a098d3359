"""Small projects with synthetic motions for the project/export/dataset tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from motion_factory import L_FORE, standing_pose

from imu2safety.core.motion.interchange import Motion, save_motion
from imu2safety.core.project import commands as C
from imu2safety.core.project.project import Project

NTSC = 30000 / 1001


def waving(seconds: float = 6.0, fps: float = NTSC, omega: float = 2.0, phase: float = 0.0) -> Motion:
    """Forearms (elbow at 90 degrees) sweep horizontally: a smooth, fully observed h36m17 motion."""
    T = int(round(seconds * fps))
    t = np.arange(T) / fps
    j = np.tile(standing_pose("elbow90"), (T, 1, 1))
    ang = 0.8 * np.sin(omega * t + phase)
    for el, wr in ((12, 13), (15, 16)):
        j[:, wr] = j[:, el] + L_FORE * np.stack([np.cos(ang), np.sin(ang), np.zeros(T)], 1)
    return Motion(j, fps, "h36m17")


def motion_file(folder: Path, name: str, **kw) -> Path:
    path = Path(folder) / f"{name}.npz"
    save_motion(waving(**kw), path)
    return path


def make_project(
    folder: Path,
    subjects=("S1", "S2", "S3", "S4"),
    clips_per_subject: int = 2,
    seconds: float = 6.0,
    fps: float = NTSC,
    labels: bool = True,
) -> Path:
    """A project with one clip per (subject, k); each clip: walking 0-40 %, falling 40-70 %."""
    folder = Path(folder)
    src = folder.parent / (folder.name + "_src")
    src.mkdir(parents=True, exist_ok=True)
    with Project.create(folder, who="tester") as p:
        for i, s in enumerate(subjects):
            for k in range(clips_per_subject):
                f = motion_file(src, f"{s.lower()}_{k}", seconds=seconds, fps=fps, phase=0.3 * i + 0.07 * k)
                c = p.add_clip(f, subject=s)
                if labels:
                    n = c.n_frames
                    p.execute(C.AddSegment(c.id, 0, int(0.4 * n), "walking", "safe"))
                    p.execute(
                        C.AddSegment(
                            c.id,
                            int(0.4 * n),
                            int(0.7 * n),
                            "falling",
                            "unsafe",
                            phase="impact",
                            severity=2,
                            confidence=0.9,
                            occluded=True,
                        )
                    )
    return folder
