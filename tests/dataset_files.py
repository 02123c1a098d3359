"""Small files in the real on-disk formats of labelled datasets, for the batch and recipe tests.

- NTU RGB+D ``.skeleton`` (Kinect v2 camera space; bodies with a swinging forearm, optionally a fall)
- UP-Fall Detection trial CSV (two header rows, 47 columns, time stamps, tags) and a camera's frame zip
- Le2i annotation files (fall start/end frames, then per-frame boxes)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import cv2
import numpy as np

# a person standing 3 m in front of the camera (x to the sensor's left, y up, z away), NTU's 25 joints
NTU_BASE = np.array(
    [
        [0.00, 0.00, 3.0], [0.00, 0.30, 3.0], [0.00, 0.55, 3.0], [0.00, 0.70, 3.0],
        [0.18, 0.48, 3.0], [0.20, 0.20, 3.0], [0.21, -0.05, 3.0], [0.21, -0.12, 3.0],
        [-0.18, 0.48, 3.0], [-0.20, 0.20, 3.0], [-0.21, -0.05, 3.0], [-0.21, -0.12, 3.0],
        [0.09, -0.02, 3.0], [0.10, -0.45, 3.0], [0.10, -0.85, 3.0], [0.10, -0.90, 2.9],
        [-0.09, -0.02, 3.0], [-0.10, -0.45, 3.0], [-0.10, -0.85, 3.0], [-0.10, -0.90, 2.9],
        [0.00, 0.50, 3.0], [0.21, -0.18, 3.0], [0.17, -0.09, 2.97], [-0.21, -0.18, 3.0], [-0.17, -0.09, 2.97],
    ]
)  # fmt: skip


def ntu_person(T: int, seed: int = 0, amp: float = 0.5, x0: float = 0.0, fps: float = 30.0) -> np.ndarray:
    """(T, 25, 3) joints: forearms swinging toward the camera at ``amp`` rad, hands and thumbs following."""
    rng = np.random.default_rng(seed)
    t = np.arange(T) / fps
    j = np.tile(NTU_BASE, (T, 1, 1))
    j[:, :, 0] += x0
    f = 0.5 + rng.random()
    for (el, wr, hand, tip, thumb), ph, side in (((5, 6, 7, 21, 22), 0.0, 1), ((9, 10, 11, 23, 24), np.pi, -1)):
        ang = amp * np.sin(2 * np.pi * f * t + ph)
        fore = np.stack([np.zeros(T), -np.cos(ang), -np.sin(ang)], 1) * 0.25
        j[:, wr] = j[:, el] + fore
        j[:, hand] = j[:, el] + fore * 1.28
        j[:, tip] = j[:, el] + fore * 1.52
        j[:, thumb] = j[:, wr] + fore * 0.2 + np.array([0.04 * side, 0.0, -0.02])
    return j + rng.normal(0, 0.003, j.shape)


def write_ntu(path: Path, bodies, T: int) -> Path:
    """``bodies``: (body id, joints (T, 25, 3)); every body in every frame, all joints tracked."""
    out = [str(T)]
    for f in range(T):
        out.append(str(len(bodies)))
        for bid, xyz in bodies:
            out.append(f"{bid} 0 1 1 1 1 0 0.01 -0.02 2")
            out.append("25")
            out += [f"{x:.7f} {y:.7f} {z:.7f} 250.1 200.2 900.3 500.4 0.9 0.1 0.2 0.3 2" for x, y, z in xyz[f]]
    path.write_text("\r\n".join(out) + "\r\n")
    return path


def ntu_file(folder: Path, setup=1, camera=1, performer=1, replication=1, action=43, T=75, seed=0, two=False):
    """An NTU file named SsssCcccPpppRrrrAaaa.skeleton; ``two``: a second, calmer body appears first."""
    name = f"S{setup:03d}C{camera:03d}P{performer:03d}R{replication:03d}A{action:03d}.skeleton"
    bodies = [("72057594037931101", ntu_person(T, seed=seed))]
    if two:
        bodies.insert(0, ("72057594037931555", ntu_person(T, seed=seed + 1, amp=0.05, x0=0.9)))
    return write_ntu(folder / name, bodies, T)


UPFALL_SENSORS = ["Ankle", "RightPocket", "Belt", "Neck", "Wrist"]


def upfall_header():
    top, sub = ["TimeStamps"], ["Time"]
    for s in UPFALL_SENSORS:
        top += [f"{s}Accelerometer", "", "", f"{s}AngularVelocity", "", "", f"{s}Luminosity"]
        sub += [f"{a}-axis (g)" for a in "xyz"] + [f"{a}-axis (deg/s)" for a in "xyz"] + ["illuminance (lx)"]
    top += ["BrainSensor"] + [f"Infrared{k}" for k in range(1, 7)] + ["Subject", "Activity", "Trial", "Tag"]
    sub += ["raw"] + ["value"] * 6 + ["", "", "", ""]
    return top, sub


def write_upfall_trial(folder: Path, subject=1, activity=1, trial=1, tags=None, rate=20.0, start=None):
    """Subject{s}Activity{a}Trial{t}.csv in UP-Fall's layout; wrist acc (g) and gyro (deg/s) are known
    functions of time (returned) so a test can check the imported reference."""
    folder.mkdir(parents=True, exist_ok=True)
    tags = np.asarray(tags if tags is not None else [7] * 20 + [activity] * 20 + [11] * 20)
    n = len(tags)
    t0 = start or dt.datetime(2018, 7, 4, 12, 4, 17, 738369)
    times = [t0 + dt.timedelta(seconds=k / rate) for k in range(n)]
    tt = np.arange(n) / rate
    acc = np.stack([np.sin(tt), np.cos(tt), np.full(n, 1.0)], 1)  # g
    gyro = np.stack([10 * tt, np.zeros(n), np.full(n, -90.0)], 1)  # deg/s
    top, sub = upfall_header()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(top)
    w.writerow(sub)
    for k in range(n):
        row = [times[k].strftime("%Y-%m-%dT%H:%M:%S.%f")]
        for s in UPFALL_SENSORS:
            if s == "Wrist":
                row += [f"{v:.6f}" for v in acc[k]] + [f"{v:.6f}" for v in gyro[k]] + ["12"]
            else:
                row += ["0.1", "0.2", "0.9", "1.0", "2.0", "3.0", "5"]
        row += ["500"] + ["1"] * 6 + [str(subject), str(activity), str(trial), str(int(tags[k]))]
        w.writerow(row)
    path = folder / f"Subject{subject}Activity{activity}Trial{trial}.csv"
    path.write_text(buf.getvalue())
    return path, np.array([(x - times[0]).total_seconds() for x in times]), acc, gyro


def write_frames_zip(path: Path, frames, first: dt.datetime, fps: float) -> Path:
    """Frames as PNGs named by their time stamp (``2018-07-04T12_04_17.738369.png``), as UP-Fall's zips."""
    with zipfile.ZipFile(path, "w") as z:
        for k, img in enumerate(frames):
            stamp = (first + dt.timedelta(seconds=k / fps)).strftime("%Y-%m-%dT%H_%M_%S.%f")
            ok, png = cv2.imencode(".png", img)
            z.writestr(f"{stamp}.png", png.tobytes())
    return path


def write_le2i_annotation(path: Path, fall=None, n_frames=30, box=(30, 5, 90, 115)) -> Path:
    """``fall`` = (start, end) 1-based, or None (written as 0 0); then one box line per frame."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [] if fall == "boxes only" else [str(fall[0] if fall else 0), str(fall[1] if fall else 0)]
    lines += [f"{k},1,{box[0]},{box[1]},{box[2]},{box[3]}" for k in range(1, n_frames + 1)]
    path.write_text("\n".join(lines) + "\n")
    return path
