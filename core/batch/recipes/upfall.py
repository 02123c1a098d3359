"""UP-Fall Detection: one clip per trial, labelled from the trial CSV's Tag column, with the trial's real wrist
IMU kept beside the clip as its realism reference.

On disk (the dataset's own downloader): ``Subject{s}/Activity{a}/Trial{t}/Subject{s}Activity{a}Trial{t}.csv``
next to ``...Camera1.zip`` / ``...Camera2.zip`` (the cameras' frames, one image per frame, named by their
time stamp). The CSV has two header rows -- sensor names (``TimeStamps``, ``AnkleAccelerometer``, ...,
``WristAccelerometer``, ``WristAngularVelocity``, ..., ``Subject``, ``Activity``, ``Trial``, ``Tag``; a
sensor's y and z columns have an empty name) and axis/unit names (``x-axis (g)``, ``x-axis (deg/s)``) -- then
one row per sample: an ISO time stamp, the sensors, and the subject, activity, trial and tag (the activity
going on at that sample, 1-11).

- Labels: each run of one tag becomes a segment, mapped by ``upfall_activities.csv`` (activities 1-5 are
  falls -> falling/unsafe; walking, standing, sitting, laying -> routine classes; picking up an object and
  jumping -> other). Times are seconds from the first camera frame (from the frame names in a zip; for a
  video file, from the CSV's first sample: the two are recorded together).
- The clip's source is the trial's camera: a video file named ``Subject{s}Activity{a}Trial{t}Camera{c}.*``
  if present, else the camera's zip of frames (made into a video by the worker).
- Real reference: the wrist accelerometer (g -> m/s^2) and gyroscope (deg/s -> rad/s) of the same trial,
  stored as ``cache/real/<clip>.wrist.h5`` (``time``, ``acc``, ``gyro``; units attribute) for
  ``imu2safety realism``; the clip's provenance names it.
- Subject: ``upfall-S{s}``.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ...base.csvio import csv_rows
from ...base.errors import InputError
from ...base.signals import signals_deferred
from ..convert import VIDEO_SUFFIXES, parse_time
from ..items import Item, Label
from ..sources import expand_paths
from .mapping import Mapping, load_mapping

TRIAL = re.compile(r"^Subject(\d+)Activity(\d+)Trial(\d+)$", re.IGNORECASE)
G = 9.80665
DESCRIPTION = "UP-Fall Detection trials: Tag column -> segments, camera -> clip, wrist IMU -> realism reference"


def read_trial_csv(path: Path):
    """(times s, wrist acc g (N,3), wrist gyro deg/s (N,3), tags (N,), subject, activity, trial)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    rows = list(csv_rows(io.StringIO(text), path))
    if len(rows) < 3:
        raise InputError(path, "an UP-Fall trial CSV has two header rows and then samples")
    names = [c.strip() for c in rows[0]]

    def col(name):
        try:
            return names.index(name)
        except ValueError:
            raise InputError(path, f"no '{name}' column in the first header row") from None

    acc, gyro = col("WristAccelerometer"), col("WristAngularVelocity")
    cols = {k: col(k) for k in ("Subject", "Activity", "Trial", "Tag")}
    t, a, g, tags, ident = [], [], [], [], None
    for n, r in enumerate(rows[2:], start=3):
        if not any(c.strip() for c in r):
            continue
        try:
            t.append(parse_time(r[0]))
            a.append([float(r[acc + k]) for k in range(3)])
            g.append([float(r[gyro + k]) for k in range(3)])
            tags.append(int(float(r[cols["Tag"]])))
            ident = ident or tuple(int(float(r[cols[k]])) for k in ("Subject", "Activity", "Trial"))
        except (ValueError, IndexError):
            raise InputError(f"{path}:{n}", "a sample row with a bad time stamp, wrist value or tag") from None
    t = np.asarray(t)
    if len(t) < 2 or np.any(np.diff(t) < 0):
        raise InputError(path, "time stamps must increase")
    return t, np.asarray(a), np.asarray(g), np.asarray(tags), ident


def frames_zip_t0(path: Path) -> Optional[float]:
    """Time stamp of the first frame in a camera zip (from its file name), or None if the names hold none."""
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if not n.endswith("/"))
    for n in names:
        try:
            return parse_time(Path(n).stem)
        except ValueError:
            continue
    return None


def tag_segments(t: np.ndarray, tags: np.ndarray, t0: float, table: Mapping, unknown: set) -> List[Label]:
    """Runs of one tag -> labels in seconds from ``t0`` (a run ends where the next begins)."""
    out = []
    dt = float(np.median(np.diff(t)))
    starts = np.flatnonzero(np.r_[True, tags[1:] != tags[:-1]])
    for k, a in enumerate(starts):
        b = starts[k + 1] if k + 1 < len(starts) else len(tags)
        row = table.get(str(int(tags[a])))
        if row is None:
            unknown.add(int(tags[a]))
            continue
        if not row["behaviour"]:
            continue
        end = t[b] if b < len(t) else t[-1] + dt
        out.append(Label(row["behaviour"], row["safety"], start=max(0.0, t[a] - t0), end=max(0.0, end - t0)))
    return out


def reference_h5(t, acc_g, gyro_dps, source: Path, ident) -> bytes:
    """The trial's wrist IMU in SI units as an HDF5 file (what ``imu2safety realism`` reads)."""
    import json

    import h5py

    buf = io.BytesIO()
    with signals_deferred(), h5py.File(buf, "w") as f:
        f.create_dataset("time", data=t - t[0])
        f.create_dataset("acc", data=acc_g * G)
        f.create_dataset("gyro", data=np.deg2rad(gyro_dps))
        f.attrs["units"] = json.dumps({"time": "s", "acc": "m/s^2", "gyro": "rad/s"})
        f.attrs["gravity"] = "included"
        f.attrs["source"] = json.dumps(
            {
                "dataset": "UP-Fall Detection",
                "file": str(source),
                "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
                "sensor": "wrist accelerometer (g) and angular velocity (deg/s), converted to SI",
                "subject": ident[0],
                "activity": ident[1],
                "trial": ident[2],
                "start_time_unix_s": float(t[0]),
            }
        )
    return buf.getvalue()


def find_camera(csv_path: Path, camera: int) -> Tuple[Optional[Path], Optional[Path]]:
    """(video file, frames zip) of a trial's camera in the CSV's folder."""
    stem = csv_path.stem
    video = zipf = None
    for f in sorted(csv_path.parent.iterdir()):
        if not f.stem.lower().startswith(f"{stem}camera{camera}".lower()):
            continue
        if f.suffix.lower() in VIDEO_SUFFIXES and video is None:
            video = f
        elif f.suffix.lower() == ".zip" and zipf is None:
            zipf = f
    return video, zipf


def items(paths: Sequence[str], taxonomy, mapping: Optional[str] = None, camera: int = 1, warnings=None) -> List[Item]:
    table = load_mapping("upfall_activities", "activity", taxonomy, mapping)
    unknown: set = set()
    out = []
    for f in expand_paths(paths, suffixes=(".csv",)):
        m = TRIAL.match(f.stem)
        if m is None:
            continue  # other CSVs in the tree (features, the complete data set): not a trial
        s, a, tr = (int(x) for x in m.groups())
        base = dict(subject=f"upfall-S{s}", id_hint=f"upfall-S{s}-A{a}-T{tr}-C{camera}")
        video, zipf = find_camera(f, camera)
        src = video or zipf
        if src is None:
            out.append(Item(path=str(f), **base, error=f"no Camera{camera} video or zip of frames for this trial"))
            continue
        try:
            t, acc, gyro, tags, ident = read_trial_csv(f)
            t0 = frames_zip_t0(zipf) if (video is None and zipf) else None
            labels = tag_segments(t, tags, t[0] if t0 is None else t0, table, unknown)
            ref = reference_h5(t, acc, gyro, f, ident)
        except (InputError, OSError, zipfile.BadZipFile) as exc:
            out.append(Item(path=str(src), **base, error=str(exc)))
            continue
        out.append(
            Item(
                path=str(src),
                **base,
                labels=labels,
                attachments={"wrist": ref},
                provenance={
                    "recipe": {"name": "upfall", "dataset": "UP-Fall Detection", "camera": camera},
                    "mapping": table.provenance(),
                    "label_source": {
                        "trial_csv": str(f.resolve()),
                        "subject": s,
                        "activity": a,
                        "trial": tr,
                        "time_origin": "first camera frame" if t0 is not None else "first CSV sample",
                    },
                    "real_reference": {
                        "what": "the trial's wrist IMU (UP-Fall), SI units",
                        "rate_hz": float(1.0 / np.median(np.diff(t))),
                    },
                },
            )
        )
    if warnings is not None and unknown:
        warnings.append(f"UP-Fall tags not in {table.path} (left unlabelled): {sorted(unknown)}")
    return out
