"""The demo project: a person walks, loses balance and falls forward, then lies still.

Everything is generated here, with no model weights and no downloads:

- :func:`demo_motion`: procedural ``h36m17`` motion at 30 fps (8 s): a walk at
  1.2 m/s, then a forward fall modelled as an inverted pendulum pivoting on the
  feet (``phi'' = g / L sin(phi)``), the hands reaching out to brace, an impact
  when the body meets the ground, and lying prone with slow breathing;
- :func:`render_video`: a side view of that motion drawn with OpenCV (shaded
  limbs, ground, the wrist device on the left wrist, frame number and time
  printed on every frame), written as Motion-JPEG ``.avi`` (every frame a key
  frame, so frame-exact seeking is trivial for any reader);
- :data:`DEMO_LABELS`: walking (safe) then falling (unsafe) in three
  segments, one per phase (onset, impact, lying_after);
- :func:`ensure_demo`: writes all of it once into the user data folder
  (``$IMU2SAFETY_DATA`` or ``$XDG_DATA_HOME/imu2safety`` or
  ``~/.local/share/imu2safety``) under ``demo/`` and reuses it afterwards
  (regenerated when :data:`DEMO_VERSION` changes or a file is missing).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from ..base.atomic import atomic_path
from ..base.progress import CancelToken, ProgressFn, check, report
from ..motion.interchange import Motion, load_motion, save_motion
from ..sim.devices import G

DEMO_VERSION = 4
FPS = 30
DURATION_S = 8.0
WALK_END_S = 4.0  # balance lost here
WALK_SPEED = 1.2  # m/s
SUBJECT = "demo-figure"

# segment boundaries (seconds); the impact time comes from the pendulum and is fixed by the model
# (checked in tests against the generated motion)
IMPACT_S = 4.9
LYING_S = 5.2

# one segment per (behaviour, phase), as the project stores them (taxonomy ids from resources/taxonomy.json)
DEMO_LABELS: List[Dict] = [
    {"behaviour": "walking", "phase": None, "start_s": 0.0, "end_s": WALK_END_S, "safety": "safe"},
    {"behaviour": "falling", "phase": "onset", "start_s": WALK_END_S, "end_s": IMPACT_S, "safety": "unsafe"},
    {"behaviour": "falling", "phase": "impact", "start_s": IMPACT_S, "end_s": LYING_S, "safety": "unsafe"},
    {"behaviour": "falling", "phase": "lying_after", "start_s": LYING_S, "end_s": DURATION_S, "safety": "unsafe"},
]

# body dimensions (m)
PELVIS_H = 0.93
THIGH, SHIN = 0.45, 0.44
HIP_W, SHOULDER_W = 0.10, 0.18
SPINE, THORAX, NECK, HEAD = 0.25, 0.25, 0.10, 0.15
UPPER_ARM, FOREARM = 0.28, 0.26
PENDULUM_L = 1.0  # pivot (feet) to centre of mass


def _rot_y(a: np.ndarray) -> np.ndarray:
    """Rotation about the lateral (y) axis; positive tips +z toward +x (leaning forward)."""
    c, s = np.cos(a), np.sin(a)
    R = np.zeros(np.shape(a) + (3, 3))
    R[..., 0, 0] = c
    R[..., 0, 2] = s
    R[..., 1, 1] = 1
    R[..., 2, 0] = -s
    R[..., 2, 2] = c
    return R


def _limb(root: np.ndarray, angle: np.ndarray, length: float) -> np.ndarray:
    """End of a segment hanging from ``root``: angle 0 points down, positive swings forward (+x)."""
    return root + length * np.stack([np.sin(angle), np.zeros_like(angle), -np.cos(angle)], axis=-1)


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _fall_angle(t: np.ndarray) -> np.ndarray:
    """Body pitch (rad) over time: 0 while walking, pendulum fall, impact, lying at ~86 deg."""
    phi = np.zeros_like(t)
    dt = 1e-3
    ts = np.arange(WALK_END_S, DURATION_S + dt, dt)
    p, v = 0.0, 0.54  # the stumble: a push from upright (no jump in angle)
    out = np.empty_like(ts)
    lying = np.radians(86.0)
    hit = None
    for i, tt in enumerate(ts):
        if hit is None:
            a = G / PENDULUM_L * np.sin(p)
            v += a * dt
            p += v * dt
            if tt >= IMPACT_S or p >= np.radians(80):
                hit = tt
        else:
            # impact: critically damped approach to lying (stiff: the ground stops the body in ~0.1 s)
            w = 25.0
            a = -2 * w * v - w * w * (p - lying)
            v += a * dt
            p += v * dt
        out[i] = p
    m = t >= WALK_END_S
    phi[m] = np.interp(t[m], ts, out)
    return phi


def demo_motion(fps: int = FPS, duration_s: float = DURATION_S) -> Motion:
    """The procedural walk-and-fall in the ``h36m17`` skeleton (z up, walking along +x)."""
    n = int(round(duration_s * fps))
    t = np.arange(n) / fps
    f = 0.9  # strides per second
    # gait fades out over the fall so the legs settle (smoothly: no kink in the joint angles)
    fade = 1.0 - _smoothstep((t - WALK_END_S) / 0.5)
    ph = 2 * np.pi * f * t
    hip_l = np.radians(25) * np.sin(ph) * fade
    hip_r = -hip_l
    knee_l = -np.radians(35) * np.clip(np.sin(ph - 1.2), 0, None) ** 2 * fade - np.radians(5)
    knee_r = -np.radians(35) * np.clip(np.sin(ph - 1.2 + np.pi), 0, None) ** 2 * fade - np.radians(5)
    bob = 0.03 * np.cos(2 * ph) * fade
    phi = _fall_angle(t)
    fall = np.clip((t - WALK_END_S) / (IMPACT_S - WALK_END_S), 0, 1)
    brace = _smoothstep(fall)  # arms reach forward to brace
    breathing = 0.008 * np.sin(2 * np.pi * 0.25 * t) * (t > LYING_S)
    # arm swing opposite to the legs while walking; flexion up to ~100 deg while bracing
    settle = _smoothstep((t - IMPACT_S) / 0.4)  # after impact the arms slide forward, overhead
    sh_l = -0.8 * hip_l * (1 - brace) + np.radians(120) * brace + np.radians(55) * settle
    sh_r = -0.8 * hip_r * (1 - brace) + np.radians(115) * brace + np.radians(58) * settle
    el_l = np.radians(20) + np.radians(8) * np.sin(ph) * fade * (1 - brace) - np.radians(10) * brace
    el_r = np.radians(20) - np.radians(8) * np.sin(ph) * fade * (1 - brace) - np.radians(10) * brace

    # body frame: pelvis at origin, x forward, y left, z up
    J = np.zeros((n, 17, 3))
    pelvis = np.zeros((n, 3))
    lhip = pelvis + [0, HIP_W, 0]
    rhip = pelvis + [0, -HIP_W, 0]
    lknee = _limb(lhip, hip_l, THIGH)
    rknee = _limb(rhip, hip_r, THIGH)
    lfoot = _limb(lknee, hip_l + knee_l, SHIN)
    rfoot = _limb(rknee, hip_r + knee_r, SHIN)
    spine = pelvis + [0, 0, SPINE]
    thorax = spine + [0, 0, THORAX]
    thorax[:, 2] += breathing
    neck = thorax + [0, 0, NECK]
    head = neck + [0, 0, HEAD]
    lsh = thorax + [0, SHOULDER_W, -0.03]
    rsh = thorax + [0, -SHOULDER_W, -0.03]
    lel = _limb(lsh, sh_l, UPPER_ARM)
    rel = _limb(rsh, sh_r, UPPER_ARM)
    lwr = _limb(lel, sh_l + el_l, FOREARM)
    rwr = _limb(rel, sh_r + el_r, FOREARM)
    # a little lateral arm spread so the forearm is never exactly in the sagittal plane
    lel[:, 1] += 0.03
    lwr[:, 1] += 0.05
    rel[:, 1] -= 0.03
    rwr[:, 1] -= 0.05
    for i, p in enumerate(
        (pelvis, rhip, rknee, rfoot, lhip, lknee, lfoot, spine, thorax, neck, head, lsh, lel, lwr, rsh, rel, rwr)
    ):
        J[:, i] = p

    # world: pivot the body about the stance feet by the fall angle
    x_walk = WALK_SPEED * np.minimum(t, WALK_END_S)
    # momentum carries the pivot forward during the fall; the speed decays without a jump
    tau = 0.35
    x_walk += WALK_SPEED * tau * (1 - np.exp(-np.clip(t - WALK_END_S, 0, None) / tau))
    feet_below = np.array([0.0, 0.0, -(THIGH + SHIN) + 0.02])
    R = _rot_y(phi)
    rel_feet = J - feet_below
    Jw = np.einsum("nij,nkj->nki", R, rel_feet)
    Jw[:, :, 0] += x_walk[:, None]
    Jw[:, :, 2] += (PELVIS_H - (THIGH + SHIN) + 0.02) + bob[:, None] * (phi[:, None] < 0.05)
    # the ground: lift the body so no joint goes below it (hands, then the chest, take the weight)
    low = Jw[:, :, 2].min(axis=1)
    Jw[:, :, 2] += np.clip(0.03 - low, 0, None)[:, None]
    Jw[:, :, 1] += 0.0
    meta = {
        "source": "imu2safety demo (procedural walk and forward fall)",
        "generator": "core.demo",
        "demo_version": DEMO_VERSION,
        "subject": SUBJECT,
    }
    return Motion(joints=Jw, fps=float(fps), skeleton="h36m17", up=np.array([0.0, 0.0, 1.0]), meta=meta)


# ----- rendering ------------------------------------------------------------------------------------
@dataclass
class Camera:
    """A pinhole camera looking along +y from the walker's right side."""

    width: int = 640
    height: int = 360
    centre: tuple = (3.4, -7.5, 0.9)
    focal_px: float = 500.0

    def project(self, p: np.ndarray) -> np.ndarray:
        """World (..., 3) -> pixels (..., 2). Camera axes: image x = world x, image y = -world z."""
        c = np.asarray(self.centre)
        d = p - c
        depth = d[..., 1]
        u = self.width / 2 + self.focal_px * d[..., 0] / depth
        v = self.height / 2 - self.focal_px * d[..., 2] / depth
        return np.stack([u, v], axis=-1)


LEFT_COLOUR = (60, 140, 230)  # BGR: orange-ish for the left side (wears the device)
RIGHT_COLOUR = (200, 120, 40)  # blue-ish for the right side
TRUNK_COLOUR = (90, 90, 90)


def render_frame(joints: np.ndarray, frame: int, fps: float, cam: Camera, label: str = "") -> np.ndarray:
    """One BGR image of the figure at a frame, with the frame number and time printed."""
    import cv2

    H, W = cam.height, cam.width
    img = np.empty((H, W, 3), np.uint8)
    horizon = int(cam.project(np.array([cam.centre[0], 1e3, 0.0]))[1])
    sky = np.linspace(235, 200, max(horizon, 1))[:, None]
    img[: max(horizon, 0)] = np.stack([sky + 10, sky + 5, sky - 10], axis=-1).astype(np.uint8)[:, :1].repeat(W, 1)
    img[max(horizon, 0) :] = (150, 170, 160)
    # floor lines every metre
    for x in np.arange(-4, 12, 1.0):
        a = cam.project(np.array([x, -1.5, 0.0]))
        b = cam.project(np.array([x, 6.0, 0.0]))
        cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), (130, 150, 140), 1, cv2.LINE_AA)
    for y in (-1.0, 0.0, 1.0, 2.0, 4.0):
        a = cam.project(np.array([-4.0, y, 0.0]))
        b = cam.project(np.array([12.0, y, 0.0]))
        cv2.line(img, tuple(int(v) for v in a), tuple(int(v) for v in b), (130, 150, 140), 1, cv2.LINE_AA)
    j = joints[frame]
    # shadow
    pel = cam.project(np.array([j[0, 0], j[0, 1], 0.0]))
    cv2.ellipse(img, (int(pel[0]), int(pel[1])), (45, 6), 0, 0, 360, (110, 125, 118), -1, cv2.LINE_AA)
    px = cam.project(j)
    depth = j[:, 1] - cam.centre[1]
    scale = cam.focal_px / np.mean(depth)

    def seg(a, b, colour, width):
        pa, pb = px[a], px[b]
        w = max(2, int(width * scale))
        cv2.line(img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), colour, w, cv2.LINE_AA)
        cv2.circle(img, (int(pb[0]), int(pb[1])), w // 2, colour, -1, cv2.LINE_AA)

    far = (4, 5, 6, 11, 12, 13)  # the left side is farther from this camera: draw it first, darker
    dark = tuple(int(c * 0.75) for c in LEFT_COLOUR)
    for a, b in ((4, 5), (5, 6), (11, 12), (12, 13)):
        seg(a, b, dark, 0.09)
    seg(0, 7, TRUNK_COLOUR, 0.16)
    seg(7, 8, TRUNK_COLOUR, 0.18)
    seg(8, 9, TRUNK_COLOUR, 0.08)
    seg(1, 4, TRUNK_COLOUR, 0.10)
    seg(11, 14, TRUNK_COLOUR, 0.08)
    hp = px[10]
    cv2.circle(img, (int(hp[0]), int(hp[1])), max(4, int(0.11 * scale)), (150, 170, 210), -1, cv2.LINE_AA)
    cv2.circle(img, (int(hp[0]), int(hp[1])), max(4, int(0.11 * scale)), (60, 60, 60), 1, cv2.LINE_AA)
    # the device on the left wrist: a small dark box with a red x-axis tick
    e, w = px[12], px[13]
    d = w - e
    c = w - 0.12 * d
    cv2.circle(img, (int(c[0]), int(c[1])), max(3, int(0.035 * scale)), (30, 30, 30), -1, cv2.LINE_AA)
    for a, b in ((1, 2), (2, 3), (14, 15), (15, 16)):
        seg(a, b, RIGHT_COLOUR, 0.10)
    del far
    # legend: frame number and time, legible at any size
    text = f"frame {frame:4d}   t = {frame / fps:6.3f} s"
    cv2.rectangle(img, (8, 8), (330, 44), (255, 255, 255), -1)
    cv2.putText(img, text, (16, 34), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (0, 0, 0), 2, cv2.LINE_AA)
    if label:
        cv2.putText(img, label, (16, H - 16), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (20, 20, 20), 2, cv2.LINE_AA)
    cv2.putText(
        img,
        "IMU2Safety demo (procedural figure)",
        (W - 330, H - 16),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.5,
        (60, 60, 60),
        1,
        cv2.LINE_AA,
    )
    return img


def label_at(seconds: float) -> str:
    """The demo's activity (and phase) at a time, for the caption burnt into the video."""
    for seg in DEMO_LABELS:
        if seg["start_s"] <= seconds < seg["end_s"] or (seconds >= DURATION_S and seg is DEMO_LABELS[-1]):
            phase = (seg["phase"] or "").replace("_", " ")
            return f"{seg['behaviour']} - {phase}" if phase else seg["behaviour"]
    return ""


def render_video(
    motion: Motion,
    path: str | os.PathLike,
    cam: Optional[Camera] = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Path:
    """Write the motion as a Motion-JPEG ``.avi`` at the motion's rate (atomically)."""
    import cv2

    cam = cam or Camera()
    path = Path(path)
    with atomic_path(path, suffix=".avi") as tmp:
        wr = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), float(motion.fps), (cam.width, cam.height))
        if not wr.isOpened():
            raise OSError(f"{path}: OpenCV could not open a Motion-JPEG writer")
        try:
            for i in range(motion.n_frames):
                if i % 10 == 0:
                    check(cancel)
                    report(progress, i / motion.n_frames, "rendering demo video")
                wr.write(render_frame(motion.joints, i, motion.fps, cam, label_at(i / motion.fps)))
        finally:
            wr.release()
    report(progress, 1.0, "rendered")
    return path


# ----- the demo folder -------------------------------------------------------------------------------
def user_data_dir() -> Path:
    env = os.environ.get("IMU2SAFETY_DATA")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "imu2safety"


@dataclass
class DemoFiles:
    folder: Path
    motion: Path
    video: Path
    labels: Path

    @property
    def project(self) -> Path:
        return self.folder / "project"


def demo_files(folder: Optional[Path] = None) -> DemoFiles:
    folder = Path(folder) if folder else user_data_dir() / "demo"
    return DemoFiles(
        folder=folder, motion=folder / "fall_walk.npz", video=folder / "fall_walk.avi", labels=folder / "labels.json"
    )


def _stamp(folder: Path) -> Path:
    return folder / "demo_version.json"


def demo_is_current(files: DemoFiles) -> bool:
    try:
        v = json.loads(_stamp(files.folder).read_text())["demo_version"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return v == DEMO_VERSION and all(p.is_file() for p in (files.motion, files.video, files.labels))


def ensure_demo(
    folder: Optional[Path] = None,
    force: bool = False,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> DemoFiles:
    """Generate the demo's motion, video and labels once; reuse them while current."""
    files = demo_files(folder)
    if not force and demo_is_current(files):
        return files
    files.folder.mkdir(parents=True, exist_ok=True)
    m = demo_motion()
    save_motion(m, files.motion)
    render_video(m, files.video, progress=lambda f, msg: report(progress, 0.05 + 0.9 * f, msg), cancel=cancel)
    with atomic_path(files.labels, suffix=".json") as tmp:
        tmp.write_text(json.dumps({"fps": FPS, "subject": SUBJECT, "segments": labels_with_frames()}, indent=1))
    with atomic_path(_stamp(files.folder), suffix=".json") as tmp:
        tmp.write_text(json.dumps({"demo_version": DEMO_VERSION}))
    report(progress, 1.0, "demo ready")
    return files


def labels_with_frames(fps: int = FPS) -> List[Dict]:
    """DEMO_LABELS with exact frame indices added (``start_frame``/``end_frame``)."""
    out = []
    for seg in DEMO_LABELS:
        s = dict(seg)
        s["start_frame"] = int(round(seg["start_s"] * fps))
        s["end_frame"] = int(round(seg["end_s"] * fps))
        out.append(s)
    return out


def load_demo_motion(files: DemoFiles) -> Motion:
    return load_motion(files.motion)


# ----- the demo project ------------------------------------------------------------------------------
class _AttachVideo:
    """Factory of the one-off command that records the demo clip's video (the project API has no
    video field among its editable clip fields yet)."""

    @staticmethod
    def make(clip_id: str, rel_path: str, sha256: str):
        from .commands import Change, Command

        class AttachVideo(Command):
            text = "attach video"

            def target(self):
                return ("clips", clip_id)

            def compute(self, project):
                row = project._require("clips", clip_id)
                new = dict(row, video_path=rel_path, video_sha256=sha256)
                return [Change("clips", clip_id, row, new)]

        return AttachVideo()


def build_demo_project(files: DemoFiles, progress: ProgressFn | None = None):
    """Create the demo project folder (clip, video, labels) and return it open for writing."""
    import shutil

    from ..base.hashing import sha256_file
    from . import commands as C
    from .project import Project

    folder = files.project
    if folder.exists():
        shutil.rmtree(folder)
    p = Project.create(folder, who="imu2safety-demo", name="IMU2Safety demo")
    try:
        clip = p.add_clip(
            files.motion,
            subject=SUBJECT,
            clip_id=MAIN_CLIP,
            wrist="left",
            seed=7,
            notes="Procedural figure: walks 4 s, loses balance, falls forward, lies still.",
        )
        media = folder / "media"
        media.mkdir(exist_ok=True)
        dest = media / files.video.name
        with atomic_path(dest, suffix=".avi") as tmp:
            shutil.copyfile(files.video, tmp)
        p.execute(_AttachVideo.make(clip.id, str(Path("media") / dest.name), sha256_file(dest)))
        for seg in labels_with_frames():
            p.execute(
                C.AddSegment(
                    clip.id,
                    seg["start_frame"],
                    seg["end_frame"],
                    seg["behaviour"],
                    seg["safety"],
                    phase=seg["phase"],
                    confidence=1.0,
                    severity=2 if seg["safety"] == "unsafe" else None,
                )
            )
        mocap = _mocap_walk(files)
        if mocap is not None:  # real motion capture: a second subject, walking
            c2 = p.add_clip(
                mocap,
                subject="cmu-16",
                clip_id=MOCAP_CLIP,
                wrist="left",
                seed=11,
                notes="CMU Graphics Lab Motion Capture Database, subject 16 trial 15 "
                "(mocap.cs.cmu.edu): a walk, no video.",
                warn=lambda w: None,  # its glitch frames (the only warning) are trimmed just below
            )
            # the file's first frames blend in from a T-pose (32 m/s joint jumps): trimmed away
            p.execute(C.SetTrim(c2.id, MOCAP_TRIM_IN, c2.n_frames))
            p.execute(C.AddSegment(c2.id, MOCAP_TRIM_IN, c2.n_frames, "walking", "safe", confidence=1.0))
        with atomic_path(folder / "demo_version.json", suffix=".json") as tmp:
            tmp.write_text(json.dumps({"demo_version": DEMO_VERSION}))
    except BaseException:
        p.close()
        raise
    report(progress, 1.0, "demo project ready")
    return p


MOCAP_CLIP = "cmu_16_15_walk"
MOCAP_TRIM_IN = 8
MAIN_CLIP = "walk_then_fall"


def _mocap_walk(files: DemoFiles) -> Optional[Path]:
    """The shipped CMU walk (BVH) as a motion file beside the demo files; None if it cannot be read."""
    from importlib import resources

    from ..base.errors import InputError

    out = files.folder / "cmu_16_15_walk.npz"
    if out.is_file():
        return out
    try:
        from ..motion.importers import import_motion

        src = resources.files("imu2safety.resources") / "demo" / "cmu_16_15_walk.bvh"
        if not src.is_file():
            return None
        save_motion(import_motion(str(src)), out)
    except (ImportError, InputError):
        return None
    return out


def open_demo_project(folder: Optional[Path] = None, reset: bool = False, progress: ProgressFn | None = None):
    """The demo project, open for writing: generated at first run (or with ``reset``), else reused
    with whatever edits the user made to it."""
    from .project import Project

    files = ensure_demo(folder, force=reset, progress=progress)
    stamp = files.project / "demo_version.json"
    current = False
    try:
        current = json.loads(stamp.read_text())["demo_version"] == DEMO_VERSION
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if reset or not current:
        return build_demo_project(files, progress)
    return Project.open(files.project)
