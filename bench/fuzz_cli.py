"""Fuzz pass over the whole ``imu2safety`` command line (issue 11, field hardening).

Every case runs ``python -m imu2safety.app.cli ...`` as a subprocess, in a folder of its own
(cwd, ``HOME`` and ``TMPDIR`` inside it), with a time limit, and is classified:

- **handled**: exit 0 with the expected effect (outputs there and readable), or exit 2 with
  exactly one stderr line ``imu2safety[ SUB]: error: ...`` (argparse's usage block allowed
  above its own error line; warning/note lines allowed) and no traceback; an interrupt case
  ends with 130/143 (or 0 when the command finished first) and leaves nothing half-written.
- **defective**: exit 1 ("internal error"), any traceback, a time-out (hang), a crash signal,
  a file that should not change changed (inputs, project files on a failed or read-only
  command), files written outside the command's target, temporary files left behind, a bad
  value accepted (exit 0 for NaN/inf/empty numbers), a pickle's code run (a marker file).

Kinds (as in issue 11): ``numbers`` (odd numeric option values), ``hostile`` (pickles, object
arrays, symlinks, FIFOs, special files as outputs, outputs onto inputs or project files),
``malformed`` (truncated/zero-byte/garbage files of every format, deep JSON, Latin-1 and
invalid UTF-8 names and contents), ``damaged`` (damaged projects), ``interrupt`` (SIGTERM and
SIGINT mid-write), ``batch`` (project add with many paths, manifests and recipes) and
``valid`` (good inputs, to check the effect checks themselves).

Run it with the product's Python (imu2safety importable), from anywhere::

    python bench/fuzz_cli.py --json fuzz.json [--jobs 2] [--kinds numbers,hostile] [--quick] [--keep DIR]

Prints a table of cases tried / handled / defective per kind (and per command) and writes every
case with its outcome to ``--json``. Exit status 1 when a case is defective.
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import hashlib
import json
import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PY = sys.executable
CLI = [PY, "-m", "imu2safety.app.cli"]

ERROR_LINE = re.compile(r"^imu2safety(?: [\w-]+)*: error: ")
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}(\.[\w.-]+)?$|\.tmp$|\.part$|\.partial$")
MARKER = "PWNED"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0  # a pickle that runs code creates this file in the case folder


# ------------------------------------------------------------------------------------------ cases
@dataclasses.dataclass
class Case:
    kind: str
    command: str  # first words of the command line, for the per-command table
    name: str
    argv: List[str]
    files: Sequence[str] = ()  # fixtures copied into the case folder (name or 'name=target')
    setup: Optional[Callable[[Path], None]] = None
    expect: str = "any"  # 'ok': exit 0 required; 'error': exit 2 required; 'any': 0 or 2
    outputs: Sequence[str] = ()  # patterns (case-relative) that may be created or changed
    mutable: Sequence[str] = ()  # patterns that may change (project edits)
    created: Sequence[str] = ()  # on exit 0 these must exist
    check: Optional[Callable[[Path, "Outcome"], Optional[str]]] = None  # extra effect check
    timeout: float = 60.0
    interrupt: Optional[tuple] = None  # (signal, trigger): trigger = seconds or a glob to wait for
    stdin: Optional[bytes] = None
    core: bool = True  # False: only with --full (the default pass takes every other odd value / payload)
    id: str = ""


@dataclasses.dataclass
class Outcome:
    rc: Optional[int]
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    signalled: bool = False


# ------------------------------------------------------------------------------------------ fixtures
def _pose() -> np.ndarray:
    b = np.zeros((17, 3))
    b[0], b[7], b[8], b[9], b[10] = [0, 0, 1.0], [0, 0, 1.2], [0, 0, 1.45], [0, 0, 1.55], [0, 0, 1.65]
    b[1], b[2], b[3] = [0, -0.1, 1.0], [0, -0.1, 0.55], [0, -0.1, 0.1]
    b[4], b[5], b[6] = [0, 0.1, 1.0], [0, 0.1, 0.55], [0, 0.1, 0.1]
    for sh, el, wr, y in ((11, 12, 13, 0.18), (14, 15, 16, -0.18)):
        b[sh] = [0, y, 1.45]
        b[el] = b[sh] + [0, 0, -0.30]
        b[wr] = b[el] + [0.26, 0, 0]
    return b


def waving(seconds: float, fps: float = 30.0, phase: float = 0.0) -> np.ndarray:
    T = int(round(seconds * fps))
    t = np.arange(T) / fps
    j = np.tile(_pose(), (T, 1, 1))
    ang = 0.8 * np.sin(2.0 * t + phase)
    for el, wr in ((12, 13), (15, 16)):
        j[:, wr] = j[:, el] + 0.26 * np.stack([np.cos(ang), np.sin(ang), np.zeros(T)], 1)
    return j


def save_npz(path: Path, joints, fps=30.0, skeleton="h36m17", **extra) -> None:
    np.savez(path, joints=np.asarray(joints, float), fps=np.array(fps), skeleton=np.array(skeleton), **extra)


class Evil:
    """Unpickling this creates MARKER in the current folder (the case folder)."""

    def __reduce__(self):
        return (os.system, (f"touch {MARKER}",))


def evil_pickle() -> bytes:
    return pickle.dumps({"state_dict": Evil()}, protocol=2)


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


def ntu_text(T: int = 60) -> str:
    t = np.arange(T) / 30.0
    out = [str(T)]
    for f in range(T):
        j = NTU_BASE.copy()
        for el, wr, ph in ((5, 6, 0.0), (9, 10, np.pi)):
            a = 0.5 * np.sin(2 * np.pi * t[f] + ph)
            j[wr] = j[el] + 0.25 * np.array([0, -np.cos(a), -np.sin(a)])
            j[wr + 1] = j[el] + 0.32 * np.array([0, -np.cos(a), -np.sin(a)])
        out.append("1")
        out.append("72057594037931101 0 1 1 1 1 0 0.01 -0.02 2")
        out.append("25")
        out += [f"{x:.6f} {y:.6f} {z:.6f} 250.1 200.2 900.3 500.4 0.9 0.1 0.2 0.3 2" for x, y, z in j]
    return "\r\n".join(out) + "\r\n"


BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT LeftArm
  {
    OFFSET 0 30 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    JOINT LeftForeArm
    {
      OFFSET 30 0 0
      CHANNELS 3 Zrotation Xrotation Yrotation
      JOINT LeftHand
      {
        OFFSET 0 26 0
        CHANNELS 3 Zrotation Xrotation Yrotation
        End Site
        {
          OFFSET 0 8 0
        }
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.0333333
100 50 0 90 90 0 0 0 90 90 0 0 0 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
"""


def real_csv_text(n: int = 3000, rate: float = 50.0, labels=("walking", "falling")) -> str:
    r = np.random.default_rng(0)
    t = np.arange(n) / rate
    acc = np.zeros((n, 3))
    acc[:, 2] = 9.81
    acc += r.normal(0, 0.02, (n, 3))
    gy = r.normal(0, 0.005, (n, 3))
    h = n // 2
    acc[h:] += np.sin(t[h:, None] * 3) * 2
    gy[h:] += np.cos(t[h:, None] * 3)
    lab = np.where(np.arange(n) < h, labels[0], labels[1])
    rows = ["time,ax,ay,az,gx,gy,gz,label"]
    rows += [
        f"{t[i]:.4f},{acc[i, 0]:.5f},{acc[i, 1]:.5f},{acc[i, 2]:.5f},{gy[i, 0]:.5f},{gy[i, 1]:.5f},{gy[i, 2]:.5f},{lab[i]}"
        for i in range(n)
    ]
    return "\n".join(rows) + "\n"


def run_cli(args, cwd: Path, env, timeout=300) -> None:
    p = subprocess.run(CLI + list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise SystemExit(f"fixture command failed: imu2safety {' '.join(args)}\n{p.stderr}")


def build_fixtures(fx: Path, env) -> None:
    """Good inputs of every kind, built once; cases copy what they need."""
    fx.mkdir(parents=True, exist_ok=True)
    for k in range(3):
        save_npz(fx / f"w{k}.npz", waving(6.0, phase=0.3 * k))
    save_npz(fx / "walk.npz", waving(6.0))
    save_npz(fx / "long.npz", waving(240.0))
    (fx / "real.csv").write_text(real_csv_text())
    (fx / "still.csv").write_text(real_csv_text(labels=("standing", "walking")))
    (fx / "seg.csv").write_text("start_s,end_s,label\n0,29,walking\n30,59,falling\n")
    shutil.copy(REPO / "tests/data/basicmotions/BasicMotions_TEST.ts", fx / "real.ts")
    shutil.copy(REPO / "tests/data/opencv_samples/vtest_walk_664-695.mp4", fx / "v.mp4")
    (fx / "S001C001P001R001A043.skeleton").write_text(ntu_text())
    (fx / "chain.bvh").write_text(BVH)
    np.save(fx / "hml.npy", waving(3.0, fps=20.0)[:, :17].repeat(2, axis=1)[:, :22])
    h36m = "pelvis r_hip r_knee r_foot l_hip l_knee l_foot spine thorax neck head l_shoulder l_elbow l_wrist r_shoulder r_elbow r_wrist"
    cols = ",".join(f"{n}_{a}" for n in h36m.split() for a in "xyz")
    j = waving(3.0)
    (fx / "kp.csv").write_text(
        "frame," + cols + "\n" + "\n".join(f"{f}," + ",".join(f"{v:.5f}" for v in j[f].ravel()) for f in range(len(j)))
    )
    (fx / "man.csv").write_text(
        "path,subject,label\nw0.npz,S1,falling/unsafe\nw1.npz,S2,walking/safe\nw2.npz,S3,falling/unsafe\n"
    )
    (fx / "labels.csv").write_text("clip,start_s,end_s,behaviour,safety\nw0,0.5,2.0,walking,safe\n")
    (fx / "ext.json").write_text(
        json.dumps(
            {
                "behaviours": [{"id": "climbing", "name": "Climbing", "group": "safety_critical", "colour": "#882255"}],
                "phases": [],
            }
        )
    )
    run_cli(["simulate", "walk.npz", "--out", "sim.h5", "--quiet"], fx, env)
    run_cli(["project", "new", "proj"], fx, env)
    run_cli(["project", "add", "proj", "--manifest", "man.csv", "--workers", "0", "--quiet"], fx, env)
    run_cli(["export", "proj", "--out", "ds.h5", "--quiet", "--val", "0.34", "--test", "0.34"], fx, env)
    run_cli(["train", "ds.h5", "--out", "model", "--epochs", "1", "--model", "cnn", "--quiet"], fx, env)
    # a project with a long clip (interrupts) and one without clips
    run_cli(["project", "new", "bigproj"], fx, env)
    run_cli(
        [
            "project",
            "add",
            "bigproj",
            "long.npz",
            "--label",
            "walking/safe",
            "--subject",
            "S1",
            "--workers",
            "0",
            "--quiet",
        ],
        fx,
        env,
    )
    run_cli(["project", "new", "emptyproj"], fx, env)
    (fx / "evil.pkl").write_bytes(evil_pickle())


# ------------------------------------------------------------------------------------------ snapshots
def snapshot(root: Path) -> Dict[str, tuple]:
    snap = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                try:
                    h = hashlib.sha256(p.read_bytes()).hexdigest() if st.st_size < 64 * 2**20 else st.st_mtime_ns
                except OSError:
                    h = "unreadable"
                snap[rel] = ("f", st.st_size, h)
            elif stat.S_ISLNK(st.st_mode):
                snap[rel] = ("l", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                snap[rel] = ("d",)
            else:
                snap[rel] = ("s", stat.S_IFMT(st.st_mode))
    return snap


def _match(rel: str, patterns) -> bool:
    for pat in patterns:
        if fnmatch.fnmatchcase(rel, pat):
            return True
        if pat.endswith("/**") and (rel == pat[:-3] or rel.startswith(pat[:-3] + "/")):
            return True
    return False


# ------------------------------------------------------------------------------------------ running
class Runner:
    def __init__(self, work: Path, fixtures: Path, env):
        self.work = work
        self.fx = fixtures
        self.env = env

    def prepare(self, case: Case) -> Path:
        d = self.work / "cases" / case.id
        if d.exists():
            _force_rmtree(d)
        d.mkdir(parents=True)
        (d / ".home").mkdir()
        (d / ".tmp").mkdir()
        for spec in case.files:
            src, _, dst = spec.partition("=")
            dst = dst or src
            s, t = self.fx / src, d / dst
            t.parent.mkdir(parents=True, exist_ok=True)
            if s.is_dir():
                shutil.copytree(s, t, symlinks=True)
            else:
                shutil.copy(s, t)
        if case.setup:
            case.setup(d)
        return d

    def run(self, case: Case) -> dict:
        try:
            d = self.prepare(case)
        except Exception as exc:  # noqa: BLE001 - a fixture problem, not the product's
            return skipped(case, f"setup failed: {exc.__class__.__name__}: {exc}")
        before = snapshot(d)
        env = dict(self.env, HOME=str(d / ".home"), TMPDIR=str(d / ".tmp"))
        t0 = time.monotonic()
        out = self._execute(case, d, env)
        out.seconds = round(time.monotonic() - t0, 2)
        after = snapshot(d)
        verdict, reasons, notes = classify(case, d, out, before, after)
        rec = {
            "id": case.id,
            "kind": case.kind,
            "command": case.command,
            "name": case.name,
            "argv": case.argv,
            "expect": case.expect,
            "rc": out.rc,
            "seconds": out.seconds,
            "verdict": verdict,
            "reasons": reasons,
            "notes": notes,
            "stderr_tail": out.stderr[-1500:],
        }
        return rec

    def _execute(self, case: Case, d: Path, env) -> Outcome:
        cmd = CLI + case.argv
        proc = subprocess.Popen(
            cmd,
            cwd=d,
            env=env,
            stdin=subprocess.PIPE if case.stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        outs: Dict[str, bytes] = {}

        def reader(name, fh):
            outs[name] = fh.read()

        threads = [
            threading.Thread(target=reader, args=("out", proc.stdout), daemon=True),
            threading.Thread(target=reader, args=("err", proc.stderr), daemon=True),
        ]
        for t in threads:
            t.start()
        if case.stdin is not None:
            try:
                proc.stdin.write(case.stdin)
                proc.stdin.close()
            except OSError:
                pass
        timed_out = False
        deadline = time.monotonic() + case.timeout
        if case.interrupt:
            sig, trigger = case.interrupt
            t_start = time.monotonic()
            while proc.poll() is None and time.monotonic() < deadline:
                if isinstance(trigger, (int, float)):
                    fire = time.monotonic() - t_start >= trigger
                else:
                    fire = any(_glob_any(d, trigger))
                if fire:
                    proc.send_signal(sig)
                    break
                time.sleep(0.01)
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        for t in threads:
            t.join(5)
        rc = proc.returncode
        return Outcome(
            rc=rc,
            stdout=outs.get("out", b"").decode("utf-8", "replace"),
            stderr=outs.get("err", b"").decode("utf-8", "replace"),
            seconds=0.0,
            timed_out=timed_out,
            signalled=rc is not None and rc < 0,
        )


def skipped(case: Case, why: str) -> dict:
    return {"id": case.id, "kind": case.kind, "command": case.command, "name": case.name, "argv": case.argv,
            "expect": case.expect, "rc": None, "seconds": 0, "verdict": "skipped", "reasons": [why], "notes": [],
            "stderr_tail": ""}  # fmt: skip


def _glob_any(d: Path, pattern: str):
    for dirpath, _dirs, files in os.walk(d):
        for f in files:
            if fnmatch.fnmatchcase(f, pattern):
                yield Path(dirpath) / f


def _force_rmtree(d: Path) -> None:
    for dirpath, dirnames, _ in os.walk(d):
        for n in dirnames:
            p = Path(dirpath) / n
            if p.is_symlink():
                continue  # never follow a planted link out of the work folder (and Linux cannot chmod one)
            try:
                os.chmod(p, 0o755)
            except OSError:
                pass
    os.chmod(d, 0o755)
    shutil.rmtree(d, ignore_errors=True)


# caches that libraries keep per user (matplotlib's font list, torch's inductor folder): not outputs
LIBRARY_CACHES = [
    ".home/.cache",
    ".home/.cache/**",
    ".home/.config",
    ".home/.config/matplotlib",
    ".home/.config/matplotlib/**",
    ".tmp/torchinductor_*",
    ".tmp/torchinductor_*/**",
    ".home/.ray",
    ".home/.ray/**",  # --ray local: Ray's token and session logs (kept by Ray)
    ".tmp/ray",
    ".tmp/ray/**",
]
# what SQLite and the project itself keep beside a project's database whenever it is opened for editing
PROJECT_JOURNAL = [
    "*project.sqlite-wal",
    "*project.sqlite-shm",
    "*project.lock",
    "*/backups",
    "*/backups/**",
    "*/logs",
    "*/logs/**",
]


def classify(case: Case, d: Path, out: Outcome, before, after):
    reasons: List[str] = []
    notes: List[str] = []
    err = out.stderr
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if out.timed_out:
        reasons.append(f"hang: no exit within {case.timeout:g} s")
    elif out.signalled:
        reasons.append(f"crash: killed by signal {-out.rc}")
    if "Traceback (most recent call last)" in err:
        reasons.append("traceback on stderr")
    if "internal error" in err or out.rc == 1:
        reasons.append("internal error (exit 1)")
    if (d / MARKER).exists():
        reasons.append("a pickle ran code (marker file created)")
    interrupted_rc = (130, 143, 129)
    if (
        not out.timed_out
        and not out.signalled
        and out.rc not in (0, 1, 2)
        and not (case.interrupt and out.rc in interrupted_rc)
    ):
        reasons.append(f"unexpected exit status {out.rc}")
    batch_failures = case.argv[:2] == ["project", "add"] and any(ln.startswith("failed: ") for ln in lines)
    if out.rc == 2 and batch_failures:
        notes.append("batch: per-file 'failed:' lines and a failures CSV, no 'imu2safety: error:' line (by design)")
    elif out.rc == 2:
        errs = [ln for ln in lines if ERROR_LINE.match(ln)]
        if len(errs) != 1:
            reasons.append(f"exit 2 with {len(errs)} 'imu2safety: error:' lines")
        elif not errs[0].startswith("imu2safety: error:") and not any(ln.startswith("usage:") for ln in lines):
            reasons.append("error line in an unknown form")
        if case.expect == "ok":
            reasons.append("refused a valid input: " + (errs[0] if errs else err.strip()[-200:]))
    if out.rc == 0 and case.expect == "error":
        reasons.append("accepted an input it should refuse (exit 0)")
    if case.interrupt and out.rc == 0:
        notes.append("finished before the signal arrived")
    if case.interrupt and out.rc in interrupted_rc and len([ln for ln in lines if ln.startswith("imu2safety:")]) != 1:
        notes.append("interrupt message not one line")
    if any(re.search(r"\w+Warning: ", ln) for ln in lines):
        notes.append("a Python warning on stderr")
    # files
    allowed_new = list(case.outputs) + LIBRARY_CACHES + PROJECT_JOURNAL
    changed_ok = list(case.mutable) + list(case.outputs) + PROJECT_JOURNAL
    for rel, meta in after.items():
        name = rel.rsplit("/", 1)[-1]
        if rel.startswith(".tmp/") and not _match(rel, LIBRARY_CACHES):
            reasons.append(f"temporary file left in TMPDIR: {rel}")
            continue
        if rel not in before:
            if TEMP_NAME.search(name) and not rel.startswith(".home/"):
                reasons.append(f"temporary file left: {rel}")
            elif name == MARKER:
                pass
            elif not _match(rel, allowed_new + list(case.mutable)):
                reasons.append(f"file written outside the target: {rel}")
        elif before[rel] != meta and not _match(rel, changed_ok):
            reasons.append(f"changed a file it should not: {rel}")
    for rel in before:
        if rel not in after and not _match(rel, changed_ok):
            reasons.append(f"removed a file it should not: {rel}")
    if out.rc == 0 and not reasons:
        for rel in case.created:
            if not (d / rel).exists():
                reasons.append(f"exit 0 but {rel} was not written")
        if case.check and not reasons:
            why = case.check(d, out)
            if why:
                reasons.append(why)
    if case.interrupt and out.rc in interrupted_rc and case.check:
        why = case.check(d, out)
        if why:
            reasons.append(why)
    return ("defective" if reasons else "handled"), reasons[:6], notes


# ------------------------------------------------------------------------------------------ checks
def h5_ok(*names, key=None):
    def check(d: Path, out: Outcome) -> Optional[str]:
        import h5py

        for n in names:
            p = d / n
            if not p.exists():
                continue  # created= decides whether it must exist
            try:
                with h5py.File(p, "r") as f:
                    if key and key not in f:
                        return f"{n}: no '{key}' in the output"
            except Exception as exc:  # noqa: BLE001
                return f"{n}: output is not a readable HDF5 file ({exc.__class__.__name__})"
        return None

    return check


def npz_ok(name):
    def check(d: Path, out: Outcome) -> Optional[str]:
        p = d / name
        if not p.exists():
            return None
        try:
            with np.load(p, allow_pickle=False) as z:
                if "joints" not in z.files:
                    return f"{name}: no joints"
        except Exception as exc:  # noqa: BLE001
            return f"{name}: output is not a readable .npz ({exc.__class__.__name__})"
        return None

    return check


def json_ok(name):
    def check(d: Path, out: Outcome) -> Optional[str]:
        p = d / name
        if not p.exists():
            return None
        try:
            json.loads(p.read_text())
        except Exception as exc:  # noqa: BLE001
            return f"{name}: output is not valid JSON ({exc.__class__.__name__})"
        return None

    return check


def project_ok(folder="proj", min_clips=0):
    """The project still opens (``project info`` exits 0) after the command."""

    def check(d: Path, out: Outcome) -> Optional[str]:
        if not (d / folder).exists():
            return None
        env = dict(os.environ, HOME=str(d / ".home"), TMPDIR=str(d / ".tmp"))
        p = subprocess.run(
            CLI + ["project", "info", folder], cwd=d, env=env, capture_output=True, text=True, timeout=60
        )
        if p.returncode != 0:
            return f"the project no longer opens after the command: {p.stderr.strip()[-200:]}"
        return None

    return check


def all_of(*checks):
    def check(d, out):
        for c in checks:
            why = c(d, out)
            if why:
                return why
        return None

    return check


# ------------------------------------------------------------------------------------------ case lists
ODD_NUMBERS = ["inf", "nan", "1e308", "1e-300", "-1", "0", "99999999999999999999999", "", "1_0"]
SLOW_COMMANDS = ("train", "evaluate", "realism", "calibrate device", "calibrate geometry")  # each accepted value runs
BAD_ALWAYS = {"inf", "-inf", "nan", ""}


def numbers_cases() -> List[Case]:
    cases: List[Case] = []
    # (command words, base argv, option, files, outputs, created, check, timeout, values that are valid for sure)
    sim_check = h5_ok("o.h5", key="acc")
    P = ["proj/**"]
    specs = [
        (
            "simulate",
            ["simulate", "walk.npz", "--out", "o.h5", "--quiet"],
            ["--rate", "--seed", "--cutoff", "--pronation"],
            ["walk.npz"],
            ["o.h5"],
            sim_check,
            60,
        ),
        (
            "import",
            ["import", "kp.csv", "--out", "o.npz", "--skeleton", "h36m17"],
            ["--fps", "--loop"],
            ["kp.csv"],
            ["o.npz"],
            npz_ok("o.npz"),
            60,
        ),
        (
            "import",
            ["import", "S001C001P001R001A043.skeleton", "--out", "o.npz"],
            ["--body", "--fps"],
            ["S001C001P001R001A043.skeleton"],
            ["o.npz"],
            npz_ok("o.npz"),
            60,
        ),
        (
            "reconstruct",
            ["reconstruct", "walk.npz", "--out", "o.npz", "--quiet", "--no-cache"],
            ["--person", "--threads", "--min-visibility", "--smooth-hz"],
            ["walk.npz"],
            ["o.npz"],
            None,
            60,
        ),
        (
            "project add",
            ["project", "add", "proj", "w0.npz", "--id", "fresh", "--quiet"],
            ["--seed", "--workers", "--threads", "--person", "--gpus-per-video"],
            ["proj", "w0.npz"],
            P,
            project_ok(),
            90,
        ),
        ("project trim", ["project", "trim", "proj", "w0"], ["--start", "--end"], ["proj"], P, project_ok(), 60),
        ("project undo", ["project", "undo", "proj"], ["--steps"], ["proj"], P, project_ok(), 60),
        (
            "export",
            ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.34", "--test", "0.34"],
            ["--window", "--hop", "--val", "--test", "--seed", "--variants", "--rate", "--min-fraction", "--workers"],
            ["proj"],
            ["o.h5"],
            h5_ok("o.h5"),
            120,
        ),
        (
            "realism",
            ["realism", "sim.h5", "real.csv", "--out", "rep"],
            ["--max-lag", "--trim", "--rate", "--max-gap"],
            ["sim.h5", "real.csv"],
            ["rep", "rep/**"],
            json_ok("rep/report.json"),
            120,
        ),
        (
            "calibrate device",
            ["calibrate", "device", "real.csv", "--out", "dev.json"],
            ["--acc-std", "--gyro-std", "--min-still", "--rate", "--max-gap"],
            ["real.csv"],
            ["dev.json"],
            json_ok("dev.json"),
            60,
        ),
        (
            "calibrate geometry",
            ["calibrate", "geometry", "sim.h5", "real.csv", "--out", "g.json"],
            ["--max-lag"],
            ["sim.h5", "real.csv"],
            ["g.json"],
            json_ok("g.json"),
            60,
        ),
        (
            "train",
            ["train", "ds.h5", "--out", "m", "--model", "cnn", "--quiet", "--epochs", "1"],
            ["--epochs", "--patience", "--seed", "--threads", "--batch", "--lr", "--patch", "--stride"],
            ["ds.h5"],
            ["m", "m/**"],
            None,
            120,
        ),
        (
            "evaluate",
            ["evaluate", "model", "real.csv", "--out", "ev", "--quiet"],
            ["--min-fraction", "--hop", "--rate", "--max-gap"],
            ["model", "real.csv"],
            ["ev", "ev/**"],
            json_ok("ev/report.json"),
            90,
        ),
    ]
    for command, base, options, files, outputs, check, timeout in specs:
        for oi, opt in enumerate(options):
            for vi, v in enumerate(ODD_NUMBERS):
                if command in SLOW_COMMANDS and v in ("1e-300", "1_0", "0") and opt not in ("--epochs", "--rate"):
                    continue  # accepted values run the whole command: a few suffice
                argv = base + [opt, v]
                if command == "train" and opt == "--epochs":
                    argv = base[:-2] + [opt, v]
                    if v in ("99999999999999999999999", "1e308", "1_0"):
                        argv += ["--patience", "1"]
                expect = "error" if v in BAD_ALWAYS else "any"
                mutable = outputs if command.startswith("project") else ()
                cases.append(
                    Case(
                        "numbers", command, f"{opt}={v!r}", argv, files=files, expect=expect,
                        outputs=outputs if not command.startswith("project") else ["proj/logs/**", "proj/logs"],
                        mutable=mutable, check=check, timeout=timeout, core=v in BAD_ALWAYS or (oi + vi) % 2 == 0,
                    )
                )  # fmt: skip
    # vectors, ids and profile fields
    for v in ["nan,0,1", "0,0,0", "1e308,0,0", "1,2", "a,b,c", "", "0,0,1,0", "inf,inf,inf", "1e-300,0,0"]:
        cases.append(
            Case(
                "numbers",
                "import",
                f"--up={v!r}",
                ["import", "kp.csv", "--out", "o.npz", "--skeleton", "h36m17", "--fps", "30", "--up", v],
                files=["kp.csv"],
                outputs=["o.npz"],
                expect="error" if v not in ("1e-300,0,0",) else "any",
                check=npz_ok("o.npz"),
            )
        )
    for v in ["-1", "0", "99999999999999999999999", "9223372036854775808", "x", "1_0", "nan"]:
        cases.append(
            Case(
                "numbers",
                "project segments",
                f"--delete {v!r}",
                ["project", "segments", "proj", "--delete", v],
                files=["proj"],
                mutable=P,
                check=project_ok(),
            )
        )
    for field in [
        "accelerometer.range_g",
        "gyroscope.bits",
        "accelerometer.noise_density_ug_per_rthz",
        "rate_hz",
        "gyroscope.range_dps",
    ]:
        for v in ["nan", "inf", "1e308", "-1", "0", "1e-300", "99999999999999999999999", "", "true", "[1]"]:
            cases.append(
                Case(
                    "numbers",
                    "project profile",
                    f"--set {field}={v!r}",
                    ["project", "profile", "proj", "p1", "--set", f"{field}={v}"],
                    files=["proj"],
                    mutable=P,
                    expect="error" if v in ("nan", "inf", "", "[1]") else "any",
                    check=project_ok(),
                )
            )
    for v in ["inf", "nan", "-1", "0", "1e308", "", "1_0"]:
        cases.append(
            Case(
                "numbers",
                "benchmark",
                f"--epochs {v!r}",
                [
                    "benchmark",
                    "--real",
                    "still.csv",
                    "--out",
                    "bm",
                    "--models",
                    "cnn",
                    "--seeds",
                    "0",
                    "--variants",
                    "1",
                    "--sources",
                    "standing",
                    "--quiet",
                    "--epochs",
                    v,
                ],
                files=["still.csv"],
                outputs=["bm", "bm/**"],
                timeout=120,
                expect="error" if v in BAD_ALWAYS or v in ("-1", "0", "1e308") else "any",
            )
        )
    for opt in ["--seeds", "--variants", "--window", "--model-rate"]:
        for v in ["nan", "-1", "1e308", "", "0,0,nan"]:
            cases.append(
                Case(
                    "numbers",
                    "benchmark",
                    f"{opt} {v!r}",
                    [
                        "benchmark",
                        "--real",
                        "still.csv",
                        "--out",
                        "bm",
                        "--models",
                        "cnn",
                        "--seeds",
                        "0",
                        "--epochs",
                        "1",
                        "--variants",
                        "1",
                        "--sources",
                        "standing",
                        "--quiet",
                        opt,
                        v,
                    ],
                    files=["still.csv"],
                    outputs=["bm", "bm/**"],
                    timeout=120,
                    expect="error" if v in ("nan", "", "0,0,nan") else "any",
                )
            )
    return cases


def _write(name, data, mode=None):
    def setup(d: Path):
        p = d / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        if mode is not None:
            os.chmod(p, mode)

    return setup


def _seq(*setups):
    def setup(d: Path):
        for s in setups:
            s(d)

    return setup


def _npz_bytes(**arrays) -> bytes:
    import io

    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _h5_bytes(build) -> bytes:
    import h5py

    fd, tmp = tempfile.mkstemp(suffix=".h5")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            build(f)
        return Path(tmp).read_bytes()
    finally:
        os.unlink(tmp)


def malformed_payloads(fx: Path) -> Dict[str, Dict[str, bytes]]:
    """Per format: name -> bad bytes."""
    good = {
        k: (fx / k).read_bytes()
        for k in (
            "walk.npz",
            "sim.h5",
            "real.csv",
            "real.ts",
            "chain.bvh",
            "S001C001P001R001A043.skeleton",
            "kp.csv",
            "ds.h5",
        )
    }
    deep = ("[" * 100000 + "]" * 100000).encode()
    latin = "caf\xe9,1,2\n".encode("latin-1")
    common = {
        "zero": b"",
        "garbage": os.urandom(4096),
        "nul": b"\0" * 1000,
        "latin1": latin * 20,
        "invalid-utf8": b"\xff\xfe\xfa\x80abc\n" * 50,
        "deep-json": deep,
        "html": b"<html><body>404</body></html>",
    }
    out: Dict[str, Dict[str, bytes]] = {}
    w = waving(2.0)
    out["npz"] = dict(
        common,
        truncated=good["walk.npz"][: len(good["walk.npz"]) // 2],
        no_joints=_npz_bytes(fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_2d=_npz_bytes(joints=np.zeros((10, 3)), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_empty=_npz_bytes(joints=np.zeros((0, 17, 3)), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_nan=_npz_bytes(joints=np.full((60, 17, 3), np.nan), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_inf=_npz_bytes(joints=np.full((60, 17, 3), np.inf), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_huge=_npz_bytes(joints=np.full((60, 17, 3), 1e300), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_int=_npz_bytes(joints=(w * 1000).astype(np.int64), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_complex=_npz_bytes(joints=w.astype(complex), fps=np.array(30.0), skeleton=np.array("h36m17")),
        joints_str=_npz_bytes(joints=np.array("abc"), fps=np.array(30.0), skeleton=np.array("h36m17")),
        fps_zero=_npz_bytes(joints=w, fps=np.array(0.0), skeleton=np.array("h36m17")),
        fps_nan=_npz_bytes(joints=w, fps=np.array(np.nan), skeleton=np.array("h36m17")),
        fps_array=_npz_bytes(joints=w, fps=np.array([30.0, 31.0]), skeleton=np.array("h36m17")),
        fps_str=_npz_bytes(joints=w, fps=np.array("thirty"), skeleton=np.array("h36m17")),
        fps_huge=_npz_bytes(joints=w, fps=np.array(1e308), skeleton=np.array("h36m17")),
        fps_tiny=_npz_bytes(joints=w, fps=np.array(1e-300), skeleton=np.array("h36m17")),
        skel_unknown=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array("martian")),
        skel_bytes=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array(b"\xff\xfe")),
        wrong_joint_count=_npz_bytes(joints=w[:, :5], fps=np.array(30.0), skeleton=np.array("h36m17")),
        one_frame=_npz_bytes(joints=w[:1], fps=np.array(30.0), skeleton=np.array("h36m17")),
        up_zero=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), up=np.zeros(3)),
        up_nan=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), up=np.full(3, np.nan)),
        conf_shape=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), confidence=np.ones(3)),
        conf_nan=_npz_bytes(
            joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), confidence=np.full(w.shape[:2], np.nan)
        ),
        meta_bad=_npz_bytes(joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), meta=np.array("{not json")),
        meta_deep=_npz_bytes(
            joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), meta=np.array("[" * 5000 + "]" * 5000)
        ),
        names_mismatch=_npz_bytes(
            joints=w, fps=np.array(30.0), skeleton=np.array("custom"), joint_names=np.array(["a", "b"])
        ),
        image_points_bad=_npz_bytes(
            joints=w, fps=np.array(30.0), skeleton=np.array("h36m17"), image_points=np.zeros((2, 2))
        ),
        zip_not_npy=_zip_bytes({"joints.npy": b"not an npy", "fps.npy": b"junk"}),
        npy_header_huge=_zip_bytes(
            {
                "joints.npy": b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 17, 3), }"
                + b" " * 40
                + b"\n"
            }
        ),
    )
    out["h5"] = dict(
        common,
        truncated=good["sim.h5"][: len(good["sim.h5"]) // 2],
        empty_h5=_h5_bytes(lambda f: None),
        imu_scalar=_h5_bytes(lambda f: f.create_dataset("imu", data=1.0)),
        acc_strings=_h5_bytes(
            lambda f: (
                f.create_dataset("time", data=np.arange(10.0)),
                f.create_dataset("acc", data=np.array([b"x"] * 10)),
            )
        ),
        time_nan=_h5_bytes(
            lambda f: (
                f.create_dataset("time", data=np.full(100, np.nan)),
                f.create_dataset("acc", data=np.zeros((100, 3))),
                f.create_dataset("gyro", data=np.zeros((100, 3))),
            )
        ),
        time_back=_h5_bytes(
            lambda f: (
                f.create_dataset("time", data=np.arange(100.0)[::-1]),
                f.create_dataset("acc", data=np.zeros((100, 3))),
                f.create_dataset("gyro", data=np.zeros((100, 3))),
            )
        ),
        shape_mismatch=_h5_bytes(
            lambda f: (
                f.create_dataset("time", data=np.arange(100.0)),
                f.create_dataset("acc", data=np.zeros((7, 3))),
                f.create_dataset("gyro", data=np.zeros((100, 2))),
            )
        ),
        ds_truncated=good["ds.h5"][: len(good["ds.h5"]) // 3],
    )
    out["csv"] = dict(
        common,
        truncated=good["real.csv"][:300],
        header_only=b"time,ax,ay,az,gx,gy,gz\n",
        two_rows=b"time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,0,0\n",
        ragged=b"time,ax,ay,az,gx,gy,gz\n" + b"0,1,2\n" * 100,
        nan_rows=b"time,ax,ay,az,gx,gy,gz\n"
        + b"".join(f"{k / 50},nan,nan,nan,nan,nan,nan\n".encode() for k in range(200)),
        inf_rows=b"time,ax,ay,az,gx,gy,gz\n"
        + b"".join(f"{k / 50},inf,1e308,-inf,1e308,0,0\n".encode() for k in range(200)),
        same_time=b"time,ax,ay,az,gx,gy,gz\n" + b"0,0,0,9.8,0,0,0\n" * 200,
        huge_time=b"time,ax,ay,az,gx,gy,gz\n" + b"".join(f"{k * 1e300},0,0,9.8,0,0,0\n".encode() for k in range(200)),
        tiny_dt=b"time,ax,ay,az,gx,gy,gz\n" + b"".join(f"{k * 1e-300},0,0,9.8,0,0,0\n".encode() for k in range(200)),
        big_gap=b"time,ax,ay,az,gx,gy,gz\n"
        + b"".join(f"{k / 50 + (1e7 if k > 100 else 0)},0,0,9.8,0,0,0\n".encode() for k in range(200)),
        quoted_newlines=b'time,ax,ay,az,gx,gy,gz\n"0\n1",2,3,4,5,6,7\n' * 50,
        semicolon=good["real.csv"].replace(b",", b";")[:50000],
        bom=b"\xef\xbb\xbf" + good["real.csv"][:50000],
        long_line=b"time," + b"x" * 2_000_000 + b"\n",
        many_columns=(",".join(f"c{k}" for k in range(20000)) + "\n").encode() * 3,
        crlf=good["real.csv"][:50000].replace(b"\n", b"\r\n"),
    )
    out["ts"] = dict(
        common,
        truncated=good["real.ts"][:5000],
        header_only=b"@problemName x\n@timeStamps false\n@univariate false\n@classLabel true a b\n@data\n",
        ragged=b"@problemName x\n@timeStamps false\n@univariate false\n@classLabel true a b\n@data\n1,2,3:4,5:a\n",
        nan_values=b"@problemName x\n@timeStamps false\n@univariate false\n@classLabel true a b\n@data\n"
        + b",".join([b"NaN"] * 100)
        + b":"
        + b",".join([b"NaN"] * 100)
        + b":"
        + b",".join([b"1"] * 100)
        + b":a\n",
        six_dims_bad_label=good["real.ts"][:2000] + b"\n1,2,3:zzz\n",
    )
    out["skeleton"] = dict(
        common,
        truncated=good["S001C001P001R001A043.skeleton"][:3000],
        frames_huge=b"99999999999\n",
        frames_negative=b"-5\n",
        bodies_huge=b"1\n99999999999\n",
        joints_wrong=b"1\n1\n72057594037931101 0 1 1 1 1 0 0.01 -0.02 2\n3\n1 2 3 4 5 6 7 8 9 10 11 2\n",
        nan_coords=good["S001C001P001R001A043.skeleton"].replace(b"0.000000", b"nan"),
        zero_frames=b"0\n",
    )
    out["bvh"] = dict(
        common,
        truncated=good["chain.bvh"][:200],
        no_motion=good["chain.bvh"].split(b"MOTION")[0],
        frames_huge=good["chain.bvh"].replace(b"Frames: 3", b"Frames: 99999999999"),
        frame_time_zero=good["chain.bvh"].replace(b"Frame Time: 0.0333333", b"Frame Time: 0"),
        frame_time_nan=good["chain.bvh"].replace(b"Frame Time: 0.0333333", b"Frame Time: nan"),
        frame_time_neg=good["chain.bvh"].replace(b"Frame Time: 0.0333333", b"Frame Time: -1"),
        channels_huge=good["chain.bvh"].replace(b"CHANNELS 6", b"CHANNELS 999999999"),
        unbalanced=good["chain.bvh"].replace(b"}", b"", 3),
        deep_nesting=b"HIERARCHY\nROOT a\n{\nOFFSET 0 0 0\nCHANNELS 3 Xrotation Yrotation Zrotation\n"
        + b"JOINT b\n{\nOFFSET 0 1 0\nCHANNELS 3 Xrotation Yrotation Zrotation\n" * 3000
        + b"}\n" * 3001
        + b"MOTION\nFrames: 1\nFrame Time: 0.03\n"
        + b"0 " * 9003
        + b"\n",
        inf_values=good["chain.bvh"].replace(b"100 50 0", b"inf 1e308 nan"),
    )
    out["json"] = dict(
        common,
        deep_object=('{"a":' * 100000 + "1" + "}" * 100000).encode(),
        array=b"[1,2,3]",
        string=b'"hello"',
        nulls=b'{"behaviours": null, "phases": null}',
        wrong_types=b'{"behaviours": [{"id": 5, "name": [], "group": {}, "colour": 1}], "phases": "x"}',
        huge_number=b'{"behaviours": [{"id": "x", "name": "X", "group": "safety_critical", "colour": "#000000", "severity": 1e999}]}',
        dup_builtin=b'{"behaviours": [{"id": "falling", "name": "Falling", "group": "safety_critical", "colour": "#000000"}]}',
        bad_colour=b'{"behaviours": [{"id": "xx", "name": "X", "group": "safety_critical", "colour": "red\\u0000"}]}',
        nan_literal=b'{"behaviours": NaN}',
    )
    return out


def _zip_bytes(members: Dict[str, bytes]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for k, v in members.items():
            z.writestr(k, v)
    return buf.getvalue()


# odd but readable: backward timestamps are sorted with a warning (documented), a BOM or CRLF is text
ACCEPTABLE_PAYLOADS = {"time_back", "bom", "crlf", "semicolon"}


def malformed_cases(fx: Path) -> List[Case]:
    pay = malformed_payloads(fx)
    cases: List[Case] = []
    P = ["proj/**"]
    # consumer: (command, file name, argv with {f}, files, outputs, mutable)
    consumers = {
        "npz": [
            ("simulate", "m.npz", ["simulate", "{f}", "--out", "o.h5", "--quiet"], [], ["o.h5"], ()),
            ("project add", "m.npz", ["project", "add", "proj", "{f}", "--workers", "0", "--quiet"], ["proj"], [], P),
        ],
        "h5": [
            ("realism", "s.h5", ["realism", "{f}", "real.csv", "--out", "rep"], ["real.csv"], ["rep", "rep/**"], ()),
            (
                "train",
                "s.h5",
                ["train", "{f}", "--out", "m", "--epochs", "1", "--model", "cnn", "--quiet"],
                [],
                ["m", "m/**"],
                (),
            ),
            (
                "evaluate",
                "s.h5",
                ["evaluate", "model", "{f}", "--out", "ev", "--quiet"],
                ["model"],
                ["ev", "ev/**"],
                (),
            ),
        ],
        "csv": [
            ("realism", "r.csv", ["realism", "sim.h5", "{f}", "--out", "rep"], ["sim.h5"], ["rep", "rep/**"], ()),
            ("calibrate device", "r.csv", ["calibrate", "device", "{f}", "--out", "dev.json"], [], ["dev.json"], ()),
            (
                "import",
                "k.csv",
                ["import", "{f}", "--out", "o.npz", "--skeleton", "h36m17", "--fps", "30"],
                [],
                ["o.npz"],
                (),
            ),
            ("project import-labels", "l.csv", ["project", "import-labels", "proj", "{f}"], ["proj"], [], P),
            (
                "project add --manifest",
                "man.csv",
                ["project", "add", "proj", "--manifest", "{f}", "--workers", "0", "--quiet"],
                ["proj", "w0.npz", "w1.npz"],
                [],
                P,
            ),
            (
                "evaluate --segments",
                "seg.csv",
                ["evaluate", "model", "real.csv", "--segments", "{f}", "--out", "ev", "--quiet"],
                ["model", "real.csv"],
                ["ev", "ev/**"],
                (),
            ),
            (
                "project add --mapping",
                "map.csv",
                [
                    "project",
                    "add",
                    "proj",
                    "S001C001P001R001A043.skeleton",
                    "--recipe",
                    "ntu",
                    "--mapping",
                    "{f}",
                    "--workers",
                    "0",
                    "--quiet",
                ],
                ["proj", "S001C001P001R001A043.skeleton"],
                [],
                P,
            ),
            (
                "evaluate --label-map",
                "lm.csv",
                ["evaluate", "model", "real.csv", "--label-map", "{f}", "--out", "ev", "--quiet"],
                ["model", "real.csv"],
                ["ev", "ev/**"],
                (),
            ),
        ],
        "ts": [
            (
                "realism",
                "r.ts",
                ["realism", "sim.h5", "{f}", "--out", "rep", "--rate", "100"],
                ["sim.h5"],
                ["rep", "rep/**"],
                (),
            ),
            (
                "evaluate",
                "r.ts",
                ["evaluate", "model", "{f}", "--out", "ev", "--quiet", "--rate", "10"],
                ["model"],
                ["ev", "ev/**"],
                (),
            ),
        ],
        "skeleton": [
            ("import", "S001C001P001R001A043.skeleton", ["import", "{f}", "--out", "o.npz"], [], ["o.npz"], ()),
            (
                "project add --recipe ntu",
                "S002C001P001R001A043.skeleton",
                ["project", "add", "proj", "{f}", "--recipe", "ntu", "--workers", "0", "--quiet"],
                ["proj"],
                [],
                P,
            ),
        ],
        "bvh": [
            ("import", "c.bvh", ["import", "{f}", "--out", "o.npz"], [], ["o.npz"], ()),
        ],
        "json": [
            ("project taxonomy", "e.json", ["project", "taxonomy", "proj", "--extend", "{f}"], ["proj"], [], P),
            (
                "simulate --device",
                "d.json",
                ["simulate", "walk.npz", "--out", "o.h5", "--device", "{f}", "--quiet"],
                ["walk.npz"],
                ["o.h5"],
                (),
            ),
            ("presets", "d.json", ["presets", "{f}"], [], [], ()),
            (
                "project profile --from",
                "d.json",
                ["project", "profile", "proj", "p1", "--from", "{f}"],
                ["proj"],
                [],
                P,
            ),
            (
                "evaluate --label-map",
                "lm.json",
                ["evaluate", "model", "real.csv", "--label-map", "{f}", "--out", "ev", "--quiet"],
                ["model", "real.csv"],
                ["ev", "ev/**"],
                (),
            ),
        ],
    }
    for fmt, payloads in pay.items():
        for ci, (command, fname, argv, files, outputs, mutable) in enumerate(consumers[fmt]):
            for pi, (pname, data) in enumerate(payloads.items()):
                if ci >= 2 and pname not in (
                    "zero",
                    "garbage",
                    "latin1",
                    "invalid-utf8",
                    "truncated",
                    "header_only",
                    "ragged",
                    "deep-json",
                    "nul",
                ):
                    continue  # the first consumers of a format get every payload, the others a sample
                a = [x.replace("{f}", fname) for x in argv]
                cases.append(
                    Case(
                        "malformed", command, f"{fmt}:{pname}", a, files=files, setup=_write(fname, data),
                        outputs=list(outputs) + ["proj/logs", "proj/logs/**"], mutable=mutable, expect="any" if pname in ACCEPTABLE_PAYLOADS else "error",
                        check=project_ok() if mutable else None, timeout=90, core=ci == 0 or (pi + ci) % 2 == 0,
                    )
                )  # fmt: skip

    # model folders
    def model_setup(fname, data):
        def s(d: Path):
            (d / "model" / fname).write_bytes(data)

        return s

    for fname, data in [
        ("model.safetensors", b""),
        ("model.safetensors", os.urandom(2000)),
        ("model.safetensors", evil_pickle()),
        ("model.safetensors", b"\xff\xff\xff\xff\xff\xff\xff\x7f{}"),
        ("config.json", b"{"),
        ("config.json", b"[]"),
        ("config.json", ("[" * 100000 + "]" * 100000).encode()),
        ("config.json", b'{"model": "cnn", "window": 1e308, "rate_hz": -1}'),
        ("config.json", b'{"model": "__import__", "window": "x"}'),
        ("labels.json", b"{"),
        ("labels.json", b'["x"]'),
        ("labels.json", b"\xff\xfe"),
        ("metrics.json", b"nan"),
    ]:
        cases.append(
            Case(
                "malformed",
                "evaluate",
                f"model/{fname}:{data[:12]!r}",
                ["evaluate", "model", "real.csv", "--out", "ev", "--quiet"],
                files=["model", "real.csv"],
                setup=model_setup(fname, data),
                outputs=["ev", "ev/**"],
                expect="any" if fname in ("labels.json", "metrics.json") else "error",
            )
        )  # display files: not read by evaluate
    # Latin-1 / invalid UTF-8 in names
    for raw in [b"caf\xe9", b"\xff\xfe", b"a\nb", b"-rf", b"x" * 250]:
        name = os.fsdecode(raw)
        cases.append(
            Case(
                "malformed",
                "simulate",
                f"input name {raw[:12]!r}",
                ["simulate", name + ".npz", "--out", "o.h5", "--quiet"],
                files=[f"walk.npz={name}.npz"],
                outputs=["o.h5"],
                expect="any",
                check=h5_ok("o.h5"),
            )
        )
        cases.append(
            Case(
                "malformed",
                "simulate",
                f"output name {raw[:12]!r}",
                ["simulate", "walk.npz", "--out", name + ".h5", "--quiet"],
                files=["walk.npz"],
                outputs=[name + ".h5"],
                expect="any",
            )
        )
        cases.append(
            Case(
                "malformed",
                "project new",
                f"project name {raw[:12]!r}",
                ["project", "new", name],
                outputs=[name, name + "/**"],
                expect="any",
            )
        )
        cases.append(
            Case(
                "malformed",
                "project add",
                f"clip file {raw[:12]!r}",
                ["project", "add", "proj", name + ".npz", "--workers", "0", "--quiet"],
                files=["proj", f"walk.npz={name}.npz"],
                mutable=P,
                expect="any",
                check=project_ok(),
            )
        )
        cases.append(
            Case(
                "malformed",
                "project add --id",
                f"clip id {raw[:12]!r}",
                ["project", "add", "proj", "walk.npz", "--id", name, "--workers", "0", "--quiet"],
                files=["proj", "walk.npz"],
                mutable=P,
                expect="any",
                check=project_ok(),
            )
        )
        cases.append(
            Case(
                "malformed",
                "realism",
                f"real name {raw[:12]!r}",
                ["realism", "sim.h5", name + ".csv", "--out", "rep"],
                files=["sim.h5", f"real.csv={name}.csv"],
                outputs=["rep", "rep/**"],
                expect="any",
                timeout=120,
            )
        )
        cases.append(
            Case(
                "malformed",
                "export",
                f"output name {raw[:12]!r}",
                ["export", "proj", "--out", name + ".h5", "--quiet", "--val", "0.34", "--test", "0.34"],
                files=["proj"],
                outputs=[name + ".h5"],
                expect="any",
            )
        )
    for text in ["caf\xe9", "\udcff", "x" * 5000, "a/b", "..", "", "-", "\n"]:
        for argv in (["--subject", text], ["--label", text], ["--device", text]):
            cases.append(
                Case(
                    "malformed",
                    "project add " + argv[0],
                    f"{argv[0]}={text[:10]!r}",
                    ["project", "add", "proj", "walk.npz", "--workers", "0", "--quiet"] + argv,
                    files=["proj", "walk.npz"],
                    mutable=P,
                    check=project_ok(),
                )
            )
        cases.append(
            Case(
                "malformed",
                "project profile",
                f"name={text[:10]!r}",
                ["project", "profile", "proj", text],
                files=["proj"],
                mutable=P,
                check=project_ok(),
            )
        )
        cases.append(
            Case(
                "malformed",
                "project trim",
                f"clip={text[:10]!r}",
                ["project", "trim", "proj", text, "--start", "1"],
                files=["proj"],
                mutable=P,
                check=project_ok(),
            )
        )
        cases.append(
            Case(
                "malformed",
                "project remove",
                f"clip={text[:10]!r}",
                ["project", "remove", "proj", text],
                files=["proj"],
                mutable=P,
                check=project_ok(),
            )
        )
        cases.append(
            Case(
                "malformed",
                "presets",
                f"id={text[:10]!r}",
                ["presets", text],
                expect="error" if text.strip() and text != "-" else "any",
            )
        )  # '' lists
        cases.append(
            Case(
                "malformed",
                "realism --axes",
                f"axes={text[:10]!r}",
                ["realism", "sim.h5", "real.csv", "--out", "rep", "--axes", text],
                files=["sim.h5", "real.csv"],
                outputs=["rep", "rep/**"],
                expect="error",
            )
        )
        cases.append(
            Case(
                "malformed",
                "evaluate --label-map",
                f"map={text[:10]!r}",
                ["evaluate", "model", "real.csv", "--out", "ev", "--quiet", "--label-map", text],
                files=["model", "real.csv"],
                outputs=["ev", "ev/**"],
            )
        )
        cases.append(
            Case(
                "malformed",
                "reconstruct --detector",
                f"detector={text[:10]!r}",
                ["reconstruct", "v.mp4", "--out", "o.npz", "--quiet", "--no-cache", "--detector", text],
                files=["v.mp4"],
                outputs=["o.npz"],
                expect="error" if text.strip() else "any",
                timeout=90,
            )
        )  # '' = the default
    for spec in [
        "box:1,2,3",
        "box:nan,0,1,1",
        "box:0,0,0,0",
        "box:1e308,0,1e309,1",
        "rtdetr:",
        "rtdetr:/nonexistent",
        "hog:x",
    ]:
        cases.append(
            Case(
                "malformed",
                "reconstruct --detector",
                f"detector={spec!r}",
                ["reconstruct", "v.mp4", "--out", "o.npz", "--quiet", "--no-cache", "--detector", spec],
                files=["v.mp4"],
                outputs=["o.npz"],
                expect="error",
                timeout=90,
            )
        )
    return cases


def hostile_cases(fx: Path) -> List[Case]:
    cases: List[Case] = []
    P = ["proj/**"]
    evil = evil_pickle()
    obj_npz = b""
    import io

    buf = io.BytesIO()
    np.savez(buf, joints=np.array([Evil()], dtype=object), fps=np.array(30.0), skeleton=np.array("h36m17"))
    obj_npz = buf.getvalue()
    buf = io.BytesIO()
    np.savez(
        buf, joints=waving(2.0), fps=np.array(30.0), skeleton=np.array("h36m17"), meta=np.array([Evil()], dtype=object)
    )
    obj_meta = buf.getvalue()
    buf = io.BytesIO()
    np.save(buf, np.array([Evil()], dtype=object))
    obj_npy = buf.getvalue()
    # pickles where checkpoints or arrays are read
    for fname, data in [
        ("evil.npz", obj_npz),
        ("evil_meta.npz", obj_meta),
        ("evil.npz", evil),
        ("evil.npz", _zip_bytes({"joints.npy": obj_npy, "fps.npy": obj_npy})),
    ]:
        cases.append(
            Case(
                "hostile",
                "simulate",
                f"pickle in {fname}",
                ["simulate", fname, "--out", "o.h5", "--quiet"],
                setup=_write(fname, data),
                outputs=["o.h5"],
                expect="error",
            )
        )
        cases.append(
            Case(
                "hostile",
                "project add",
                f"pickle in {fname}",
                ["project", "add", "proj", fname, "--workers", "0", "--quiet"],
                files=["proj"],
                setup=_write(fname, data),
                mutable=P,
                expect="any",
                check=project_ok(),
            )
        )
    for fname, data in [("evil.npy", obj_npy), ("evil.npy", evil)]:
        cases.append(
            Case(
                "hostile",
                "import",
                f"pickle in {fname}",
                ["import", fname, "--out", "o.npz", "--fps", "30", "--skeleton", "h36m17"],
                setup=_write(fname, data),
                outputs=["o.npz"],
                expect="error",
            )
        )
        cases.append(
            Case(
                "hostile",
                "import",
                f"pickle in {fname} (humanml)",
                ["import", fname, "--out", "o.npz", "--format", "humanml"],
                setup=_write(fname, data),
                outputs=["o.npz"],
                expect="error",
            )
        )
    for fname in ["ck.bin", "ck.pt", "ck.pth", "ck.ckpt"]:
        cases.append(
            Case(
                "hostile",
                "reconstruct --lifter",
                f"pickled code in {fname}",
                ["reconstruct", "v.mp4", "--out", "o.npz", "--lifter", fname, "--quiet", "--no-cache"],
                files=["v.mp4"],
                setup=_write(fname, evil),
                outputs=["o.npz"],
                expect="error",
                timeout=150,
            )
        )
    cases.append(
        Case(
            "hostile",
            "reconstruct --pose-model",
            "pickle in a ViTPose folder",
            [
                "reconstruct",
                "v.mp4",
                "--out",
                "o.npz",
                "--pose-model",
                "vit",
                "--lifter",
                "ck.bin",
                "--quiet",
                "--no-cache",
            ],
            files=["v.mp4"],
            setup=_seq(
                _write("vit/pytorch_model.bin", evil),
                _write("vit/config.json", '{"model_type": "vitpose"}'),
                _write("ck.bin", evil),
            ),
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        )
    )
    cases.append(
        Case(
            "hostile",
            "reconstruct --pose-model",
            "pickle as a .tflite",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--pose-model", "m.tflite", "--quiet", "--no-cache"],
            files=["v.mp4"],
            setup=_write("m.tflite", evil),
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        )
    )
    cases.append(
        Case(
            "hostile",
            "reconstruct --detector",
            "pickle as rtdetr folder",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--detector", "rtdetr:rt", "--quiet", "--no-cache"],
            files=["v.mp4"],
            setup=_seq(_write("rt/pytorch_model.bin", evil), _write("rt/config.json", '{"model_type": "rt_detr"}')),
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        )
    )
    cases.append(
        Case(
            "hostile",
            "evaluate",
            "pickle as model.safetensors",
            ["evaluate", "model", "real.csv", "--out", "ev", "--quiet"],
            files=["model", "real.csv"],
            setup=_write("model/model.safetensors", evil),
            outputs=["ev", "ev/**"],
            expect="error",
        )
    )
    cases.append(
        Case(
            "hostile",
            "train",
            "pickle as train resume state",
            ["train", "ds.h5", "--out", "model", "--epochs", "2", "--model", "cnn", "--quiet"],
            files=["ds.h5", "model"],
            setup=_seq(
                _write("model/checkpoint.pt", evil), _write("model/resume.pt", evil), _write("model/state.pt", evil)
            ),
            outputs=["model/**"],
            expect="any",
        )
    )
    cases.append(
        Case(
            "hostile",
            "project add",
            "pickle in project cache",
            ["project", "info", "proj"],
            files=["proj"],
            setup=lambda d: [p.write_bytes(evil) for p in (d / "proj" / "cache").rglob("*.npz")],
            mutable=P,
            expect="any",
        )
    )
    cases.append(
        Case(
            "hostile",
            "export",
            "pickle in project cache",
            ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.34", "--test", "0.34"],
            files=["proj"],
            setup=lambda d: [p.write_bytes(evil) for p in (d / "proj" / "cache").rglob("*.npz")],
            outputs=["o.h5"],
            mutable=["proj/logs/**"],
            expect="error",
        )
    )
    cases.append(
        Case(
            "hostile",
            "h5",
            "object-reference datasets",
            ["realism", "x.h5", "real.csv", "--out", "rep"],
            files=["real.csv"],
            setup=lambda d: (d / "x.h5").write_bytes(
                _h5_bytes(
                    lambda f: (
                        f.create_dataset("time", data=np.arange(100.0)),
                        f.create_dataset("acc", data=np.zeros((100, 3))),
                        f.__setitem__("gyro", h5_external_link(f)),
                    )
                )
            ),
            outputs=["rep", "rep/**"],
            expect="error",
        )
    )

    # special files as outputs, and FIFOs as inputs
    specials = [
        ("/dev/null", None),
        ("/dev/full", None),
        ("fifo.out", "fifo"),
        ("adir", "dir"),
        (".", None),
        ("/proc/self/status", None),
    ]
    out_cmds = [
        ("simulate", ["simulate", "walk.npz", "--quiet", "--out"], ["walk.npz"]),
        ("import", ["import", "kp.csv", "--skeleton", "h36m17", "--fps", "30", "--out"], ["kp.csv"]),
        ("export", ["export", "proj", "--quiet", "--val", "0.34", "--test", "0.34", "--out"], ["proj"]),
        ("calibrate device", ["calibrate", "device", "real.csv", "--out"], ["real.csv"]),
        ("project export-labels", ["project", "export-labels", "proj"], ["proj"]),
        ("realism", ["realism", "sim.h5", "real.csv", "--out"], ["sim.h5", "real.csv"]),
        ("train", ["train", "ds.h5", "--epochs", "1", "--model", "cnn", "--quiet", "--out"], ["ds.h5"]),
        ("evaluate", ["evaluate", "model", "real.csv", "--quiet", "--out"], ["model", "real.csv"]),
    ]

    def mk_special(name, what):
        def s(d: Path):
            if what == "fifo":
                os.mkfifo(d / name)
            elif what == "dir":
                (d / name).mkdir()

        return s

    for command, argv, files in out_cmds:
        for target, what in specials:
            cases.append(
                Case(
                    "hostile",
                    command,
                    f"--out {target}",
                    argv + [target],
                    files=files,
                    setup=mk_special(target, what),
                    expect="error"
                    if command not in ("realism", "evaluate", "train")
                    or target in ("/dev/null", "/dev/full", "/dev/zero", "fifo.out", "/proc/self/status")
                    else "any",
                    outputs=["adir/**", "*/**"] + (["*"] if target == "." else [])
                    if command in ("realism", "evaluate", "train")
                    else [],
                    timeout=60,
                )
            )
    # FIFO / device / folder as inputs
    in_cmds = [
        ("simulate", ["simulate", "{i}", "--out", "o.h5", "--quiet"], []),
        ("import", ["import", "{i}", "--out", "o.npz", "--format", "csv", "--skeleton", "h36m17", "--fps", "30"], []),
        ("realism", ["realism", "sim.h5", "{i}", "--out", "rep"], ["sim.h5"]),
        ("realism (sim)", ["realism", "{i}", "real.csv", "--out", "rep"], ["real.csv"]),
        ("calibrate device", ["calibrate", "device", "{i}", "--out", "dev.json"], []),
        ("project add", ["project", "add", "proj", "{i}", "--workers", "0", "--quiet"], ["proj"]),
        (
            "project add --manifest",
            ["project", "add", "proj", "--manifest", "{i}", "--workers", "0", "--quiet"],
            ["proj"],
        ),
        ("project import-labels", ["project", "import-labels", "proj", "{i}"], ["proj"]),
        ("project taxonomy --extend", ["project", "taxonomy", "proj", "--extend", "{i}"], ["proj"]),
        ("presets", ["presets", "{i}"], []),
        ("simulate --device", ["simulate", "walk.npz", "--out", "o.h5", "--quiet", "--device", "{i}"], ["walk.npz"]),
        ("train", ["train", "{i}", "--out", "m", "--epochs", "1", "--quiet"], []),
        ("evaluate", ["evaluate", "model", "{i}", "--out", "ev", "--quiet"], ["model"]),
        (
            "evaluate --segments",
            ["evaluate", "model", "real.csv", "--segments", "{i}", "--out", "ev", "--quiet"],
            ["model", "real.csv"],
        ),
        ("reconstruct", ["reconstruct", "{i}", "--out", "o.npz", "--quiet", "--no-cache"], []),
        (
            "reconstruct --lifter",
            ["reconstruct", "v.mp4", "--lifter", "{i}", "--out", "o.npz", "--quiet", "--no-cache"],
            ["v.mp4"],
        ),
        ("project profile --from", ["project", "profile", "proj", "p1", "--from", "{i}"], ["proj"]),
        (
            "benchmark --real",
            [
                "benchmark",
                "--real",
                "{i}",
                "--out",
                "bm",
                "--quiet",
                "--epochs",
                "1",
                "--seeds",
                "0",
                "--models",
                "cnn",
                "--variants",
                "1",
                "--sources",
                "standing",
            ],
            [],
        ),
    ]
    for command, argv, files in in_cmds:
        for target, what in [("in.fifo", "fifo"), ("/dev/zero", None), ("adir", "dir"), ("/proc/self/mem", None)]:
            a = [x.replace("{i}", target) for x in argv]
            cases.append(
                Case(
                    "hostile",
                    command,
                    f"input {target}",
                    a,
                    files=files,
                    setup=mk_special(target, what),
                    expect="error",
                    outputs=["proj/logs", "proj/logs/**"],
                    mutable=["proj/**"] if "proj" in files else (),
                    timeout=60,
                )
            )
    # outputs onto inputs and project files
    onto = [
        ("simulate", ["simulate", "walk.npz", "--quiet", "--out", "walk.npz"], ["walk.npz"]),
        ("simulate (hard link)", ["simulate", "walk.npz", "--quiet", "--out", "hl.h5"], ["walk.npz"]),
        ("import", ["import", "kp.csv", "--skeleton", "h36m17", "--fps", "30", "--out", "kp.csv"], ["kp.csv"]),
        (
            "export -> project db",
            ["export", "proj", "--quiet", "--val", "0.34", "--test", "0.34", "--out", "proj/project.sqlite"],
            ["proj"],
        ),
        (
            "export -> project lock",
            ["export", "proj", "--quiet", "--val", "0.34", "--test", "0.34", "--out", "proj/project.lock"],
            ["proj"],
        ),
        (
            "export -> project cache",
            ["export", "proj", "--quiet", "--val", "0.34", "--test", "0.34", "--out", "proj/cache/x.h5"],
            ["proj"],
        ),
        ("export-labels -> db", ["project", "export-labels", "proj", "proj/project.sqlite"], ["proj"]),
        ("import-labels <- project db", ["project", "import-labels", "proj", "proj/project.sqlite"], ["proj"]),
        ("calibrate -> input", ["calibrate", "device", "real.csv", "--out", "real.csv"], ["real.csv"]),
        (
            "calibrate geometry -> sim",
            ["calibrate", "geometry", "sim.h5", "real.csv", "--out", "sim.h5"],
            ["sim.h5", "real.csv"],
        ),
        ("realism -> input folder", ["realism", "sim.h5", "real.csv", "--out", "."], ["sim.h5", "real.csv"]),
        ("realism -> project", ["realism", "sim.h5", "real.csv", "--out", "proj"], ["sim.h5", "real.csv", "proj"]),
        (
            "train -> project",
            ["train", "ds.h5", "--out", "proj", "--epochs", "1", "--model", "cnn", "--quiet"],
            ["ds.h5", "proj"],
        ),
        (
            "train -> model (input of evaluate)",
            ["train", "ds.h5", "--out", "model", "--epochs", "1", "--model", "cnn", "--quiet"],
            ["ds.h5", "model"],
        ),
        (
            "evaluate -> model folder",
            ["evaluate", "model", "real.csv", "--out", "model", "--quiet"],
            ["model", "real.csv"],
        ),
        (
            "export -> project motion",
            ["export", "proj", "--quiet", "--out", "proj/cache/motion/w0.npz", "--val", "0.34", "--test", "0.34"],
            ["proj"],
        ),
        (
            "import -> project db",
            ["import", "kp.csv", "--skeleton", "h36m17", "--fps", "30", "--out", "proj/project.sqlite"],
            ["kp.csv", "proj"],
        ),
        (
            "simulate -> project wal",
            ["simulate", "walk.npz", "--quiet", "--out", "proj/project.sqlite-wal"],
            ["walk.npz", "proj"],
        ),
        ("reconstruct -> input", ["reconstruct", "v.mp4", "--out", "v.mp4", "--quiet", "--no-cache"], ["v.mp4"]),
        (
            "models fetch --dest project",
            ["models", "fetch", "lite", "--from", "walk.npz", "--dest", "proj/cache"],
            ["walk.npz", "proj"],
        ),
    ]
    for command, argv, files in onto:
        setup = None
        if "hard link" in command:
            setup = lambda d: os.link(d / "walk.npz", d / "hl.h5")  # noqa: E731
        expect = "error"
        if command.startswith(
            ("train -> model", "realism -> input folder", "realism -> project", "train -> project", "evaluate -> model")
        ):
            expect = "any"  # a project's or model's folder may hold other files; only its own are protected
        cases.append(
            Case(
                "hostile",
                command.split(" ")[0],
                f"output onto {command}",
                argv,
                files=files,
                setup=setup,
                expect=expect,
                outputs=[
                    "rep/**",
                    "report*",
                    "*.png",
                    "model/**",
                    "*.json",
                    "*.html",
                    "*.csv",
                    "proj/*.png",
                    "proj/*.json",
                    "proj/*.html",
                    "proj/*.csv",
                    "proj/*.safetensors",
                    "proj/*.md",
                ]
                if expect == "any"
                else [],
                timeout=120,
            )
        )

    # symlinks into and out of a project folder
    def link(src, dst):
        def s(d: Path):
            (d / dst).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(src, d / dst)

        return s

    sym = [
        (
            "simulate --out link->input",
            ["simulate", "walk.npz", "--quiet", "--out", "l.h5"],
            ["walk.npz"],
            link("walk.npz", "l.h5"),
            "error",
        ),
        (
            "simulate --out link->project db",
            ["simulate", "walk.npz", "--quiet", "--out", "l.h5"],
            ["walk.npz", "proj"],
            link("proj/project.sqlite", "l.h5"),
            "error",
        ),
        (
            "simulate --out dangling link",
            ["simulate", "walk.npz", "--quiet", "--out", "l.h5"],
            ["walk.npz"],
            link("nowhere/x.h5", "l.h5"),
            "error",
        ),
        (
            "simulate --out into linked project dir",
            ["simulate", "walk.npz", "--quiet", "--out", "pl/project.sqlite"],
            ["walk.npz", "proj"],
            link("proj", "pl"),
            "error",
        ),
        (
            "export --out via linked cache",
            ["export", "proj", "--quiet", "--val", "0.34", "--test", "0.34", "--out", "c/o.h5"],
            ["proj"],
            link("proj/cache", "c"),
            "error",
        ),
        ("project info via link", ["project", "info", "pl"], ["proj"], link("proj", "pl"), "ok"),
        (
            "project add link out of project",
            ["project", "add", "proj", "proj/inlink.npz", "--workers", "0", "--quiet"],
            ["proj", "walk.npz"],
            link("../walk.npz", "proj/inlink.npz"),
            "any",
        ),
        (
            "project add link loop",
            ["project", "add", "proj", "loop", "--workers", "0", "--quiet"],
            ["proj"],
            _seq(link("loop2", "loop"), link("loop", "loop2")),
            "error",
        ),
        (
            "project add dir link loop",
            ["project", "add", "proj", "d", "--workers", "0", "--quiet"],
            ["proj", "w0.npz=d/w0.npz"],
            link("..", "d/up"),
            "any",
        ),
        (
            "project add project's own cache",
            ["project", "add", "proj", "proj/cache", "--workers", "0", "--quiet"],
            ["proj"],
            None,
            "any",
        ),
        ("project new on a link", ["project", "new", "pl"], [], link("target", "pl"), "any"),
        ("project new in existing project", ["project", "new", "proj"], ["proj"], None, "error"),
        ("project new on a file", ["project", "new", "walk.npz"], ["walk.npz"], None, "error"),
        ("project new inside project cache", ["project", "new", "proj/cache/sub"], ["proj"], None, "error"),
        (
            "project.sqlite is a link out",
            ["project", "info", "proj"],
            ["proj", "w0.npz"],
            lambda d: (os.remove(d / "proj/project.sqlite"), os.symlink("../w0.npz", d / "proj/project.sqlite")),
            "error",
        ),
        (
            "import-labels --out link",
            ["project", "export-labels", "proj", "l.csv"],
            ["proj", "labels.csv"],
            link("labels.csv", "l.csv"),
            "error",
        ),
        (
            "taxonomy extend via link to project db",
            ["project", "taxonomy", "proj", "--extend", "l.json"],
            ["proj"],
            link("proj/project.sqlite", "l.json"),
            "error",
        ),
        (
            "realism --out link to dir",
            ["realism", "sim.h5", "real.csv", "--out", "rl"],
            ["sim.h5", "real.csv"],
            _seq(lambda d: (d / "real_out").mkdir(), link("real_out", "rl")),
            "any",
        ),
    ]
    for command, argv, files, setup, expect in sym:
        cases.append(
            Case(
                "hostile",
                command.split(" ")[0] + (" " + argv[1] if argv[0] == "project" else ""),
                command,
                argv,
                files=files,
                setup=setup,
                expect=expect,
                mutable=["proj/**"] if argv[0] == "project" and expect != "error" else (),
                outputs=["real_out/**", "target", "target/**", "proj/logs", "proj/logs/**"],
                check=project_ok() if "proj" in files and argv[0] == "project" else None,
                timeout=90,
            )
        )
    # stdin and odd argv
    for argv in (
        ["simulate", "-", "--out", "o.h5"],
        ["import", "-", "--out", "o.npz"],
        ["project", "import-labels", "proj", "-"],
        ["simulate", "walk.npz", "--out", "-"],
        ["project", "export-labels", "proj", "-"],
    ):
        cases.append(
            Case(
                "hostile",
                argv[0],
                f"dash {' '.join(argv)}",
                argv,
                files=["proj", "walk.npz"],
                stdin=os.urandom(3000),
                mutable=["proj/**"],
                outputs=["o.h5", "o.npz", "-"],
                check=project_ok(),
                timeout=30,
            )
        )
    return cases


def h5_external_link(f):
    import h5py

    return h5py.ExternalLink("/etc/passwd", "/x")


# damaged projects
def damaged_cases(fx: Path) -> List[Case]:
    cases: List[Case] = []
    damage = {
        "zero-byte db": lambda d: (d / "proj/project.sqlite").write_bytes(b""),
        "garbage db": lambda d: (d / "proj/project.sqlite").write_bytes(os.urandom(8192)),
        "truncated db": lambda d: _truncate(d / "proj/project.sqlite", 0.5),
        "header-only db": lambda d: _truncate(
            d / "proj/project.sqlite", 100 / max(1, (d / "proj/project.sqlite").stat().st_size)
        ),
        "flipped bytes db": lambda d: _flip(d / "proj/project.sqlite"),
        "db is a folder": lambda d: (os.remove(d / "proj/project.sqlite"), (d / "proj/project.sqlite").mkdir()),
        "db is a fifo": lambda d: (os.remove(d / "proj/project.sqlite"), os.mkfifo(d / "proj/project.sqlite")),
        "db missing, lock there": lambda d: (
            os.remove(d / "proj/project.sqlite"),
            (d / "proj/project.lock").write_text(""),
        ),
        "garbage wal": lambda d: (d / "proj/project.sqlite-wal").write_bytes(os.urandom(5000)),
        "cache missing": lambda d: shutil.rmtree(d / "proj/cache"),
        "cache files garbage": lambda d: [p.write_bytes(b"junk") for p in (d / "proj/cache").rglob("*") if p.is_file()],
        "cache files zero": lambda d: [p.write_bytes(b"") for p in (d / "proj/cache").rglob("*") if p.is_file()],
        "read-only folder": lambda d: _readonly(d / "proj"),
        "read-only db": lambda d: os.chmod(d / "proj/project.sqlite", 0o444),
        "lock held": None,  # via the holder process
        "other table schema": lambda d: _sql(d / "proj/project.sqlite", "DROP TABLE IF EXISTS clips"),
        "clips with odd values": lambda d: _sql_any(
            d / "proj/project.sqlite", ["UPDATE clips SET fps=-1", "UPDATE clips SET subject=NULL"]
        ),
        "clips fps text": lambda d: _sql(d / "proj/project.sqlite", "UPDATE clips SET fps='abc'"),
        "clip path outside": lambda d: _sql_any(
            d / "proj/project.sqlite",
            [
                "UPDATE clips SET motion_path='../../../../etc/passwd'",
                "UPDATE clips SET motion='../../../../etc/passwd'",
                "UPDATE clips SET path='../../../../etc/passwd'",
            ],
        ),
        "segments out of range": lambda d: _sql_any(
            d / "proj/project.sqlite", ["UPDATE segments SET start_frame=-99999999999, end_frame=99999999999999"]
        ),
        "user_version future": lambda d: _sql(d / "proj/project.sqlite", "PRAGMA user_version=99999"),
        "deleted logs folder, file there": lambda d: (
            shutil.rmtree(d / "proj/logs", ignore_errors=True),
            (d / "proj/logs").write_text("x"),
        ),
    }
    commands = [
        ("project info", ["project", "info", "proj"], False),
        ("project export-labels", ["project", "export-labels", "proj", "out.csv"], False),
        ("export", ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.34", "--test", "0.34"], False),
        ("project add", ["project", "add", "proj", "walk.npz", "--workers", "0", "--quiet"], True),
        ("project trim", ["project", "trim", "proj", "w0", "--start", "1"], True),
        ("project undo", ["project", "undo", "proj"], True),
        ("project import-labels", ["project", "import-labels", "proj", "labels.csv"], True),
        ("project remove", ["project", "remove", "proj", "w1"], True),
    ]
    if ROOT:  # permissions do not stop root: a read-only folder or file is no test then
        del damage["read-only folder"], damage["read-only db"]
    db_damage = {"zero-byte db", "garbage db", "truncated db", "header-only db", "flipped bytes db", "db is a folder",
                 "db is a fifo", "db missing, lock there", "other table schema", "user_version future"}  # fmt: skip
    for dname, fn in damage.items():
        for command, argv, edits in commands:
            setup = fn
            pre = None
            if dname == "lock held":
                setup = None
                pre = "lock"
            c = Case(
                "damaged", command, dname, argv, files=["proj", "walk.npz", "labels.csv"], setup=setup,
                outputs=["out.csv", "o.h5"] + (["proj/**"] if dname in ("cache missing",) or (edits and dname in ("garbage wal",)) else []),
                mutable=["proj/**"] if edits and dname not in db_damage else [],  # an edit may succeed around cache damage
                expect="any", timeout=60,
            )  # fmt: skip
            if pre == "lock":
                c.argv = argv
                c.setup = None
                c.name = "lock held"
                c.timeout = 30
                c.expect = "any" if not edits else "error"
                c.mutable = ["proj/project.lock"]
                c.check = None
                c.__dict__["hold_lock"] = True
            cases.append(c)
    # an existing project file where a folder should be, etc.
    return cases


def _truncate(p: Path, frac: float) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: max(0, int(len(data) * frac))])


def _flip(p: Path) -> None:
    data = bytearray(p.read_bytes())
    for k in range(100, len(data), 997):
        data[k] ^= 0x5A
    p.write_bytes(bytes(data))


def _readonly(p: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(p):
        for f in filenames:
            os.chmod(Path(dirpath) / f, 0o444)
    for dirpath, dirnames, filenames in list(os.walk(p))[::-1]:
        os.chmod(dirpath, 0o555)


def _sql(db: Path, statement: str) -> None:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        con.execute(statement)
        con.commit()
    except sqlite3.DatabaseError:
        raise sqlite3.OperationalError(statement) from None
    finally:
        con.close()


def _sql_any(db: Path, statements) -> None:
    import sqlite3

    for s in statements:
        try:
            _sql(db, s)
            return
        except sqlite3.OperationalError:
            continue


# interrupts
def interrupt_cases(fx: Path) -> List[Case]:
    cases: List[Case] = []
    h5 = h5_ok("o.h5")
    for sig in (signal.SIGTERM, signal.SIGINT):
        sn = signal.Signals(sig).name
        for trig in (".o.h5.*",) if sig == signal.SIGTERM else (1.2,):
            cases.append(
                Case(
                    "interrupt",
                    "export",
                    f"{sn} at {trig}",
                    [
                        "export",
                        "bigproj",
                        "--out",
                        "o.h5",
                        "--variants",
                        "6",
                        "--keep-unlabelled",
                        "--val",
                        "0",
                        "--test",
                        "0",
                    ],
                    files=["bigproj"],
                    outputs=["o.h5"],
                    interrupt=(sig, trig),
                    check=h5,
                    timeout=90,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "simulate",
                    f"{sn} at {trig}",
                    ["simulate", "long.npz", "--out", "o.h5", "--compress"],
                    files=["long.npz"],
                    outputs=["o.h5"],
                    interrupt=(sig, trig),
                    check=h5,
                    timeout=60,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "project add",
                    f"{sn} at {trig}",
                    [
                        "project",
                        "add",
                        "proj",
                        "long.npz",
                        "walk.npz",
                        "S001C001P001R001A043.skeleton",
                        "--workers",
                        "0",
                    ],
                    files=["proj", "long.npz", "walk.npz", "S001C001P001R001A043.skeleton"],
                    mutable=["proj/**"],
                    interrupt=(sig, trig),
                    check=project_ok(),
                    timeout=90,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "project add --workers 2",
                    f"{sn} at {trig}",
                    ["project", "add", "proj", "long.npz", "walk.npz", "chain.bvh", "--workers", "2"],
                    files=["proj", "long.npz", "walk.npz", "chain.bvh"],
                    mutable=["proj/**"],
                    interrupt=(sig, trig),
                    check=project_ok(),
                    timeout=90,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "realism",
                    f"{sn} at {trig}",
                    ["realism", "sim.h5", "real.csv", "--out", "rep"],
                    files=["sim.h5", "real.csv"],
                    outputs=["rep", "rep/**"],
                    interrupt=(sig, trig),
                    timeout=90,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "train",
                    f"{sn} at {trig}",
                    ["train", "ds.h5", "--out", "m", "--epochs", "3", "--model", "cnn"],
                    files=["ds.h5"],
                    outputs=["m", "m/**"],
                    interrupt=(sig, trig),
                    timeout=90,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "import",
                    f"{sn} at {trig}",
                    ["import", "kp.csv", "--out", "o.npz", "--skeleton", "h36m17", "--fps", "30"],
                    files=["kp.csv"],
                    outputs=["o.npz"],
                    interrupt=(sig, trig),
                    check=npz_ok("o.npz"),
                    timeout=60,
                )
            )
            cases.append(
                Case(
                    "interrupt",
                    "reconstruct",
                    f"{sn} at {trig}",
                    ["reconstruct", "v.mp4", "--out", "o.npz", "--no-cache"],
                    files=["v.mp4"],
                    outputs=["o.npz"],
                    interrupt=(sig, trig),
                    check=npz_ok("o.npz"),
                    timeout=90,
                )
            )
        cases.append(
            Case(
                "interrupt",
                "export",
                f"{sn} twice",
                [
                    "export",
                    "bigproj",
                    "--out",
                    "o.h5",
                    "--variants",
                    "6",
                    "--keep-unlabelled",
                    "--val",
                    "0",
                    "--test",
                    "0",
                ],
                files=["bigproj"],
                outputs=["o.h5"],
                interrupt=(sig, ".o.h5.*"),
                check=h5,
                timeout=90,
            )
        )
    # SIGHUP and SIGKILL (SIGKILL: no cleanup possible; the next run must still work)
    cases.append(
        Case(
            "interrupt",
            "export",
            "SIGHUP mid-write",
            ["export", "bigproj", "--out", "o.h5", "--variants", "6", "--keep-unlabelled", "--val", "0", "--test", "0"],
            files=["bigproj"],
            outputs=["o.h5"],
            interrupt=(signal.SIGHUP, ".o.h5.*"),
            check=h5,
            timeout=90,
        )
    )
    return cases


# batch add
def batch_cases(fx: Path) -> List[Case]:
    cases: List[Case] = []
    P = ["proj/**"]
    pc = project_ok()

    def many(n, bad_every=0):
        def s(d: Path):
            (d / "many").mkdir()
            for k in range(n):
                if bad_every and k % bad_every == 0:
                    (d / "many" / f"m{k:03d}.npz").write_bytes(os.urandom(100))
                else:
                    shutil.copy(fx / f"w{k % 3}.npz", d / "many" / f"m{k:03d}.npz")

        return s

    cases.append(
        Case(
            "batch",
            "project add",
            "40 files",
            ["project", "add", "proj", "many", "--workers", "2", "--quiet", "--no-simulate"],
            files=["proj"],
            setup=many(40),
            mutable=P,
            expect="ok",
            check=pc,
            timeout=180,
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "40 files, every 3rd garbage",
            ["project", "add", "proj", "many", "--workers", "0", "--quiet", "--no-simulate"],
            files=["proj"],
            setup=many(40, 3),
            mutable=P,
            check=pc,
            timeout=180,
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "same file 50 times",
            ["project", "add", "proj"] + ["w0.npz"] * 50 + ["--workers", "0", "--quiet"],
            files=["proj", "w0.npz"],
            mutable=P,
            check=pc,
            timeout=120,
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "missing among many",
            ["project", "add", "proj", "w0.npz", "nope.npz", "w1.npz", "--workers", "0", "--quiet"],
            files=["proj", "w0.npz", "w1.npz"],
            mutable=P,
            check=pc,
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--id with two files",
            ["project", "add", "proj", "w0.npz", "w1.npz", "--id", "x", "--workers", "0", "--quiet"],
            files=["proj", "w0.npz", "w1.npz"],
            mutable=P,
            expect="error",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--failures onto project db",
            ["project", "add", "proj", "junk.npz", "--failures", "proj/project.sqlite", "--workers", "0", "--quiet"],
            files=["proj"],
            setup=_write("junk.npz", b"junk"),
            mutable=["proj/logs/**"],
            expect="error",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--failures onto input",
            ["project", "add", "proj", "junk.npz", "--failures", "junk.npz", "--workers", "0", "--quiet"],
            files=["proj"],
            setup=_write("junk.npz", b"junk"),
            mutable=["proj/logs/**"],
            expect="error",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--failures /dev/null",
            ["project", "add", "proj", "junk.npz", "--failures", "/dev/null", "--workers", "0", "--quiet"],
            files=["proj"],
            setup=_write("junk.npz", b"junk"),
            mutable=["proj/**"],
            expect="any",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--ray with no ray",
            ["project", "add", "proj", "w0.npz", "--ray", "local", "--quiet"],
            files=["proj", "w0.npz"],
            mutable=P,
            timeout=60,
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--force re-add",
            ["project", "add", "proj", "w0.npz", "--force", "--workers", "0", "--quiet"],
            files=["proj", "w0.npz"],
            mutable=P,
            check=pc,
            expect="ok",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--recipe unknown",
            ["project", "add", "proj", "w0.npz", "--recipe", "nope"],
            files=["proj", "w0.npz"],
            mutable=P,
            expect="error",
        )
    )
    cases.append(
        Case(
            "batch",
            "project add",
            "--recipe + --manifest",
            ["project", "add", "proj", "--recipe", "ntu", "--manifest", "man.csv"],
            files=["proj", "man.csv"],
            mutable=P,
        )
    )
    cases.append(Case("batch", "project add", "nothing to add", ["project", "add", "proj"], files=["proj"], mutable=P))
    cases.append(
        Case(
            "batch",
            "project add",
            "empty folder",
            ["project", "add", "proj", "e", "--workers", "0"],
            files=["proj"],
            setup=lambda d: (d / "e").mkdir(),
            mutable=P,
        )
    )
    # manifests
    manifests = {
        "ok": "path,subject,label\nw0.npz,S1,falling/unsafe\n",
        "missing path col": "file,subject\nw0.npz,S1\n",
        "empty path": "path,subject\n,S1\n",
        "absolute outside": "path,subject\n/etc/passwd,S1\n",
        "self": "path,subject\nman.csv,S1\n",
        "dup rows": "path,subject\nw0.npz,S1\nw0.npz,S2\n",
        "unknown label": "path,subject,label\nw0.npz,S1,flying/unsafe\n",
        "bad safety": "path,subject,label\nw0.npz,S1,falling/deadly\n",
        "label slashes": "path,subject,label\nw0.npz,S1,a/b/c/d\n",
        "labels file missing": "path,subject,labels\nw0.npz,S1,nolabels.csv\n",
        "labels file garbage": "path,subject,labels\nw0.npz,S1,w1.npz\n",
        "labels file self": "path,subject,labels\nw0.npz,S1,man.csv\n",
        "clip id clash": "path,subject,clip\nw0.npz,S1,x\nw1.npz,S1,x\n",
        "clip id weird": "path,subject,clip\nw0.npz,S1,../../evil\n",
        "subject huge": "path,subject\nw0.npz," + "S" * 100000 + "\n",
        "header only": "path,subject\n",
        "many columns": "path,subject," + ",".join(f"c{k}" for k in range(5000)) + "\nw0.npz,S1" + ",x" * 5000 + "\n",
        "nul bytes": "path,subject\nw0\0.npz,S1\n",
        "latin1 path": None,
        "10k rows missing": "path,subject\n" + "".join(f"missing{k}.npz,S1\n" for k in range(10000)),
        "folder row": "path,subject\nsub,S1\n",
        "url row": "path,subject\nhttp://example.com/x.npz,S1\n",
    }
    for mname, text in manifests.items():
        setup = _write("m.csv", text) if text is not None else _write("m.csv", b"path,subject\ncaf\xe9.npz,S1\n")
        cases.append(
            Case(
                "batch",
                "project add --manifest",
                mname,
                ["project", "add", "proj", "--manifest", "m.csv", "--workers", "0", "--quiet"],
                files=["proj", "w0.npz", "w1.npz", "man.csv", "w2.npz=sub/w2.npz"],
                setup=setup,
                mutable=P,
                check=pc,
                timeout=120,
            )
        )

    # recipes with malformed inputs
    def ntu_tree(variants):
        def s(d: Path):
            (d / "ntu").mkdir()
            good = (fx / "S001C001P001R001A043.skeleton").read_bytes()
            for name, data in variants:
                (d / "ntu" / name).write_bytes(data if data is not None else good)

        return s

    good_ntu = (fx / "S001C001P001R001A043.skeleton").read_bytes()
    ntu_sets = {
        "ok": [("S001C001P001R001A043.skeleton", None)],
        "bad name": [("hello.skeleton", None)],
        "action 999": [("S001C001P001R001A999.skeleton", None)],
        "action 000": [("S001C001P001R001A000.skeleton", None)],
        "huge numbers in name": [("S99999999999999999999C001P001R001A043.skeleton", None)],
        "zero byte": [("S001C001P001R001A043.skeleton", b"")],
        "garbage": [("S001C001P001R001A043.skeleton", os.urandom(3000))],
        "truncated": [("S001C001P001R001A043.skeleton", good_ntu[:2000])],
        "mixed": [
            ("S001C001P001R001A043.skeleton", None),
            ("S001C001P002R001A008.skeleton", b"12\n"),
            ("S001C001P003R001A009.skeleton", None),
        ],
        "no bodies": [("S001C001P001R001A043.skeleton", b"3\n0\n0\n0\n")],
        "latin1": [("S001C001P001R001A043.skeleton", good_ntu.replace(b"72057594037931101", b"caf\xe9"))],
    }
    for nname, variants in ntu_sets.items():
        cases.append(
            Case(
                "batch",
                "project add --recipe ntu",
                nname,
                ["project", "add", "proj", "ntu", "--recipe", "ntu", "--workers", "0", "--quiet"],
                files=["proj"],
                setup=ntu_tree(variants),
                mutable=P,
                check=pc,
                timeout=120,
            )
        )
    for opt in (["--ntu-actor", "second"], ["--camera", "99"], ["--body", "5"]):
        cases.append(
            Case(
                "batch",
                "project add --recipe ntu",
                " ".join(opt),
                ["project", "add", "proj", "ntu", "--recipe", "ntu", "--workers", "0", "--quiet"] + opt,
                files=["proj"],
                setup=ntu_tree(ntu_sets["ok"]),
                mutable=P,
                check=pc,
                timeout=120,
            )
        )

    # upfall
    def upfall_tree(csv_text, with_video=False):
        def s(d: Path):
            t = d / "up" / "Subject1" / "Activity1" / "Trial1"
            t.mkdir(parents=True)
            (t / "Subject1Activity1Trial1.csv").write_bytes(
                csv_text if isinstance(csv_text, bytes) else csv_text.encode()
            )
            if with_video:
                shutil.copy(fx / "v.mp4", t / "Subject1Activity1Trial1Camera1.mp4")

        return s

    up_head = (
        "TimeStamps,"
        + ",".join(f"c{k}" for k in range(42))
        + ",Subject,Activity,Trial,Tag\nTime,"
        + ",".join("x" for _ in range(42))
        + ",,,,\n"
    )
    up_sets = {
        "zero byte": "",
        "header only": up_head,
        "bad timestamps": up_head
        + "".join("notatime," + ",".join("0" for _ in range(42)) + ",1,1,1,1\n" for _ in range(20)),
        "garbage": os.urandom(3000),
        "tags garbage": up_head
        + "".join(
            f"2018-07-04T12:04:17.{k:06d}," + ",".join("0" for _ in range(42)) + ",1,1,1,zz\n" for k in range(20)
        ),
        "one row": up_head + "2018-07-04T12:04:17.738369," + ",".join("0" for _ in range(42)) + ",1,1,1,1\n",
    }
    for uname, text in up_sets.items():
        cases.append(
            Case(
                "batch",
                "project add --recipe upfall",
                uname,
                ["project", "add", "proj", "up", "--recipe", "upfall", "--workers", "0", "--quiet"],
                files=["proj"],
                setup=upfall_tree(text),
                mutable=P,
                check=pc,
                timeout=120,
            )
        )
    cases.append(
        Case(
            "batch",
            "project add --recipe upfall",
            "garbage csv + video",
            ["project", "add", "proj", "up", "--recipe", "upfall", "--workers", "0", "--quiet"],
            files=["proj"],
            setup=upfall_tree(os.urandom(2000), True),
            mutable=P,
            check=pc,
            timeout=150,
        )
    )

    # le2i
    def le2i_tree(ann, video=b"not a video"):
        def s(d: Path):
            (d / "le2i" / "Home" / "Videos").mkdir(parents=True)
            (d / "le2i" / "Home" / "Annotation_files").mkdir(parents=True)
            (d / "le2i" / "Home" / "Videos" / "video (1).avi").write_bytes(video)
            if ann is not None:
                (d / "le2i" / "Home" / "Annotation_files" / "video (1).txt").write_bytes(
                    ann if isinstance(ann, bytes) else ann.encode()
                )

        return s

    for lname, ann in {
        "no annotation": None,
        "zero byte": "",
        "garbage": os.urandom(500),
        "start>end": "50\n10\n",
        "huge frames": "99999999999\n999999999999\n",
        "negative": "-5\n-1\n",
        "nan": "nan\nnan\n",
        "latin1": b"caf\xe9\n",
    }.items():
        cases.append(
            Case(
                "batch",
                "project add --recipe le2i",
                lname,
                ["project", "add", "proj", "le2i", "--recipe", "le2i", "--workers", "0", "--quiet"],
                files=["proj"],
                setup=le2i_tree(ann),
                mutable=P,
                check=pc,
                timeout=120,
            )
        )

    # folders
    def folder_tree(files):
        def s(d: Path):
            for rel, data in files.items():
                p = d / "fold" / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(data)

        return s

    for fname, files in {
        "garbage videos": {"Falling/a.mp4": os.urandom(1000), "walking/b.avi": b""},
        "unknown class": {"Flying/x.mp4": b"junk"},
        "latin1 class": {os.fsdecode(b"caf\xe9") + "/x.mp4": b"junk"},
        "no class folder": {"x.mp4": b"junk"},
        "empty": {},
        "npz files": {"falling/w.npz": (fx / "w0.npz").read_bytes()},
    }.items():
        cases.append(
            Case(
                "batch",
                "project add --recipe folders",
                fname,
                ["project", "add", "proj", "fold", "--recipe", "folders", "--workers", "0", "--quiet"],
                files=["proj"],
                setup=folder_tree(files) if files else (lambda d: (d / "fold").mkdir()),
                mutable=P,
                check=pc,
                timeout=120,
            )
        )
    # csv recipe
    for cname, text in {
        "zero": b"",
        "header only": b"video,start,end,label\n",
        "missing video": b"video,start,end,label\nnope.mp4,0,1,falling\n",
        "start>end": b"video,start,end,label\nv.mp4,5,1,falling\n",
        "nan times": b"video,start,end,label\nv.mp4,nan,inf,falling\n",
        "huge times": b"video,start,end,label\nv.mp4,0,1e308,falling\n",
        "negative": b"video,start,end,label\nv.mp4,-1,-0.5,falling\n",
        "unknown label": b"video,start,end,label\nv.mp4,0,1,zzz\n",
        "garbage": os.urandom(2000),
        "latin1": b"video,start,end,label\ncaf\xe9.mp4,0,1,falling\n",
        "deep quotes": b'video,start,end,label\n"' + b'""' * 50000 + b'",0,1,x\n',
        "video is npz": b"video,start,end,label\nw0.npz,0,1,falling\n",
    }.items():
        cases.append(
            Case(
                "batch",
                "project add --recipe csv",
                cname,
                ["project", "add", "proj", "spans.csv", "--recipe", "csv", "--workers", "0", "--quiet"],
                files=["proj", "w0.npz"],
                setup=_write("spans.csv", text),
                mutable=P,
                check=pc,
                timeout=150,
            )
        )
    # mapping tables
    for mname, text in {
        "empty": b"",
        "header only": b"label,behaviour,safety\n",
        "unknown behaviour": None,
        "garbage": os.urandom(500),
    }.items():

        def mp(d: Path, text=text):
            if text is None:
                src = (REPO / "resources/recipes/ntu_actions.csv").read_text().splitlines()
                (d / "map.csv").write_text(
                    "\n".join([src[0]] + [ln.replace("falling", "levitating") for ln in src[1:]]) + "\n"
                )
            else:
                (d / "map.csv").write_bytes(text)

        cases.append(
            Case(
                "batch",
                "project add --mapping",
                mname,
                [
                    "project",
                    "add",
                    "proj",
                    "S001C001P001R001A043.skeleton",
                    "--recipe",
                    "ntu",
                    "--mapping",
                    "map.csv",
                    "--workers",
                    "0",
                    "--quiet",
                ],
                files=["proj", "S001C001P001R001A043.skeleton"],
                setup=mp,
                mutable=P,
                check=pc,
                timeout=90,
            )
        )
    for r in ["ntu", "upfall", "le2i", "folders", "csv", "nope", "", "../x"]:
        cases.append(
            Case(
                "batch",
                "project recipes",
                f"recipes {r!r}",
                ["project", "recipes", r],
                expect="ok" if r in ("ntu", "upfall", "le2i", "folders", "csv") else "error",
            )
        )
    return cases


# valid (effect checks) and remaining commands
def valid_cases(fx: Path) -> List[Case]:
    P = ["proj/**"]
    pc = project_ok()
    C = Case
    cases = [
        C(
            "valid",
            "simulate",
            "default",
            ["simulate", "walk.npz", "--out", "o.h5", "--quiet"],
            files=["walk.npz"],
            outputs=["o.h5"],
            created=["o.h5"],
            expect="ok",
            check=h5_ok("o.h5", key="acc"),
        ),
        C(
            "valid",
            "simulate",
            "ideal right native",
            [
                "simulate",
                "walk.npz",
                "--out",
                "o.h5",
                "--device",
                "ideal",
                "--wrist",
                "right",
                "--native-axes",
                "--quiet",
            ],
            files=["walk.npz"],
            outputs=["o.h5"],
            created=["o.h5"],
            expect="ok",
        ),
        C(
            "valid",
            "simulate",
            "overwrite existing output",
            ["simulate", "walk.npz", "--out", "sim.h5", "--quiet"],
            files=["walk.npz", "sim.h5"],
            outputs=["sim.h5"],
            created=["sim.h5"],
            expect="ok",
            check=h5_ok("sim.h5"),
        ),
        C(
            "valid",
            "simulate",
            "out into missing folder",
            ["simulate", "walk.npz", "--out", "no/such/o.h5", "--quiet"],
            files=["walk.npz"],
            expect="error",
        ),
        C(
            "valid",
            "import",
            "ntu",
            ["import", "S001C001P001R001A043.skeleton", "--out", "o.npz"],
            files=["S001C001P001R001A043.skeleton"],
            outputs=["o.npz"],
            created=["o.npz"],
            expect="ok",
            check=npz_ok("o.npz"),
        ),
        C(
            "valid",
            "import",
            "bvh",
            ["import", "chain.bvh", "--out", "o.npz"],
            files=["chain.bvh"],
            outputs=["o.npz"],
            created=["o.npz"],
            expect="any",
            check=npz_ok("o.npz"),
        ),
        C(
            "valid",
            "import",
            "humanml",
            ["import", "hml.npy", "--out", "o.npz"],
            files=["hml.npy"],
            outputs=["o.npz"],
            expect="any",
            check=npz_ok("o.npz"),
        ),
        C(
            "valid",
            "import",
            "csv wide",
            ["import", "kp.csv", "--out", "o.npz", "--skeleton", "h36m17", "--fps", "30"],
            files=["kp.csv"],
            outputs=["o.npz"],
            created=["o.npz"],
            expect="ok",
            check=npz_ok("o.npz"),
        ),
        C(
            "valid",
            "import",
            "demo bvh",
            ["import", str(REPO / "resources/demo/cmu_16_15_walk.bvh"), "--out", "o.npz"],
            outputs=["o.npz"],
            created=["o.npz"],
            expect="ok",
            check=npz_ok("o.npz"),
        ),
        C("valid", "presets", "list", ["presets"], expect="ok"),
        C("valid", "presets", "show", ["presets", "watch-bmi270"], expect="ok"),
        C("valid", "models", "list", ["models", "list"], expect="ok"),
        C(
            "valid",
            "models",
            "fetch offline garbage --from",
            ["models", "fetch", "lite", "--from", "w0.npz", "--dest", "mdl"],
            files=["w0.npz"],
            outputs=["mdl", "mdl/**"],
            expect="error",
        ),
        C(
            "valid",
            "models",
            "fetch --from fifo",
            ["models", "fetch", "lite", "--from", "f.tgz", "--dest", "mdl"],
            setup=lambda d: os.mkfifo(d / "f.tgz"),
            outputs=["mdl", "mdl/**"],
            expect="error",
            timeout=30,
        ),
        C(
            "valid",
            "models",
            "fetch unknown model",
            ["models", "fetch", "zzz", "--dest", "mdl"],
            outputs=["mdl"],
            expect="error",
        ),
        C(
            "valid",
            "models",
            "fetch --from garbage tgz",
            ["models", "fetch", "lite", "--from", "f.tgz", "--dest", "mdl"],
            setup=_write("f.tgz", os.urandom(5000)),
            outputs=["mdl", "mdl/**"],
            expect="error",
        ),
        C(
            "valid",
            "models",
            "fetch --from tar with traversal",
            ["models", "fetch", "lite", "--from", "f.tgz", "--dest", "mdl"],
            setup=_tar_traversal,
            outputs=["mdl", "mdl/**"],
            expect="error",
        ),
        C("valid", "project new", "new", ["project", "new", "p2"], outputs=["p2", "p2/**"], expect="ok"),
        C(
            "valid",
            "project new",
            "new in missing parent",
            ["project", "new", "a/b/c/p2"],
            outputs=["a", "a/**"],
            expect="any",
        ),
        *(
            []
            if ROOT
            else [
                C(
                    "valid",
                    "project new",
                    "in read-only folder",
                    ["project", "new", "ro/p2"],
                    setup=lambda d: ((d / "ro").mkdir(), os.chmod(d / "ro", 0o555)),
                    expect="error",
                )
            ]
        ),
        C(
            "valid",
            "project add",
            "one file",
            [
                "project",
                "add",
                "proj",
                "walk.npz",
                "--subject",
                "S9",
                "--label",
                "walking/safe",
                "--workers",
                "0",
                "--quiet",
            ],
            files=["proj", "walk.npz"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project add",
            "bvh",
            ["project", "add", "proj", "chain.bvh", "--workers", "0", "--quiet"],
            files=["proj", "chain.bvh"],
            mutable=P,
            check=pc,
        ),
        C(
            "valid",
            "project add",
            "video",
            ["project", "add", "proj", "v.mp4", "--workers", "0", "--quiet"],
            files=["proj", "v.mp4"],
            mutable=P,
            check=pc,
            timeout=150,
        ),
        C("valid", "project info", "info", ["project", "info", "proj"], files=["proj"], expect="ok"),
        C("valid", "project info", "not a project", ["project", "info", "."], files=["walk.npz"], expect="error"),
        C("valid", "project info", "missing", ["project", "info", "nope"], expect="error"),
        C("valid", "project segments", "list", ["project", "segments", "proj"], files=["proj"], expect="ok"),
        C(
            "valid",
            "project segments",
            "--clip unknown",
            ["project", "segments", "proj", "--clip", "zz"],
            files=["proj"],
        ),
        C(
            "valid",
            "project segments",
            "delete 1",
            ["project", "segments", "proj", "--delete", "1"],
            files=["proj"],
            mutable=P,
            check=pc,
        ),
        C(
            "valid",
            "project trim",
            "trim",
            ["project", "trim", "proj", "w0", "--start", "1", "--end", "3"],
            files=["proj"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project trim",
            "start>end",
            ["project", "trim", "proj", "w0", "--start", "4", "--end", "1"],
            files=["proj"],
            mutable=P,
            expect="error",
        ),
        C(
            "valid",
            "project trim",
            "beyond clip",
            ["project", "trim", "proj", "w0", "--start", "100", "--end", "200"],
            files=["proj"],
            mutable=P,
            expect="error",
        ),
        C(
            "valid",
            "project trim",
            "drop glitches",
            ["project", "trim", "proj", "w0", "--drop-glitches"],
            files=["proj"],
            mutable=P,
            check=pc,
        ),
        C(
            "valid",
            "project trim",
            "reset+start",
            ["project", "trim", "proj", "w0", "--reset", "--start", "1"],
            files=["proj"],
            mutable=P,
            check=pc,
        ),
        C(
            "valid",
            "project remove",
            "remove",
            ["project", "remove", "proj", "w0"],
            files=["proj"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project remove",
            "remove twice",
            ["project", "remove", "proj", "w0", "w0"],
            files=["proj"],
            mutable=P,
            check=pc,
        ),
        C("valid", "project undo", "undo", ["project", "undo", "proj"], files=["proj"], mutable=P, check=pc),
        C(
            "valid",
            "project undo",
            "undo 1000 steps",
            ["project", "undo", "proj", "--steps", "1000"],
            files=["proj"],
            mutable=P,
            check=pc,
        ),
        C(
            "valid",
            "project undo",
            "undo empty project",
            ["project", "undo", "emptyproj"],
            files=["emptyproj"],
            mutable=["emptyproj/**"],
        ),
        C(
            "valid",
            "project import-labels",
            "import",
            ["project", "import-labels", "proj", "labels.csv"],
            files=["proj", "labels.csv"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project import-labels",
            "replace",
            ["project", "import-labels", "proj", "labels.csv", "--replace"],
            files=["proj", "labels.csv"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project export-labels",
            "export",
            ["project", "export-labels", "proj", "out.csv"],
            files=["proj"],
            outputs=["out.csv"],
            created=["out.csv"],
            expect="ok",
        ),
        C(
            "valid",
            "project export-labels",
            "to missing folder",
            ["project", "export-labels", "proj", "no/out.csv"],
            files=["proj"],
            expect="error",
        ),
        C(
            "valid",
            "project profile",
            "profile",
            [
                "project",
                "profile",
                "proj",
                "cheap",
                "--from",
                "watch-bmi270",
                "--set",
                "gyroscope.bits=12",
                "--clips",
                "w0",
            ],
            files=["proj"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project profile",
            "unknown field",
            ["project", "profile", "proj", "cheap", "--set", "nope.x=1"],
            files=["proj"],
            mutable=P,
            expect="error",
        ),
        C(
            "valid",
            "project profile",
            "no equals",
            ["project", "profile", "proj", "cheap", "--set", "gyroscope.bits"],
            files=["proj"],
            mutable=P,
            expect="error",
        ),
        C(
            "valid",
            "project profile",
            "unknown clip",
            ["project", "profile", "proj", "cheap", "--clips", "zz"],
            files=["proj"],
            mutable=P,
            expect="error",
        ),
        C(
            "valid",
            "project profile",
            "from itself loop",
            ["project", "profile", "proj", "cheap", "--from", "cheap"],
            files=["proj"],
            mutable=P,
        ),
        C("valid", "project taxonomy", "show", ["project", "taxonomy", "proj"], files=["proj"], expect="ok"),
        C(
            "valid",
            "project taxonomy",
            "extend",
            ["project", "taxonomy", "proj", "--extend", "ext.json"],
            files=["proj", "ext.json"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "project taxonomy",
            "none",
            ["project", "taxonomy", "proj", "--extend", "none"],
            files=["proj"],
            mutable=P,
            expect="ok",
            check=pc,
        ),
        C(
            "valid",
            "export",
            "export",
            ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.34", "--test", "0.34"],
            files=["proj"],
            outputs=["o.h5"],
            created=["o.h5"],
            expect="ok",
            check=h5_ok("o.h5"),
        ),
        C(
            "valid",
            "export",
            "empty project",
            ["export", "emptyproj", "--out", "o.h5", "--quiet"],
            files=["emptyproj"],
            outputs=["o.h5"],
            expect="error",
        ),
        C(
            "valid",
            "export",
            "empty project --allow-empty",
            ["export", "emptyproj", "--out", "o.h5", "--quiet", "--allow-empty"],
            files=["emptyproj"],
            outputs=["o.h5"],
            check=h5_ok("o.h5"),
        ),
        C(
            "valid",
            "export",
            "--device unknown",
            ["export", "proj", "--out", "o.h5", "--quiet", "--device", "zz"],
            files=["proj"],
            outputs=["o.h5"],
            expect="error",
        ),
        C(
            "valid",
            "export",
            "window>clip",
            ["export", "proj", "--out", "o.h5", "--quiet", "--window", "100", "--hop", "100"],
            files=["proj"],
            outputs=["o.h5"],
        ),
        C(
            "valid",
            "export",
            "val+test>1",
            ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.7", "--test", "0.7"],
            files=["proj"],
            outputs=["o.h5"],
            expect="error",
        ),
        C(
            "valid",
            "export",
            "--compression lzf --workers 2",
            [
                "export",
                "proj",
                "--out",
                "o.h5",
                "--quiet",
                "--compression",
                "lzf",
                "--workers",
                "2",
                "--val",
                "0.34",
                "--test",
                "0.34",
            ],
            files=["proj"],
            outputs=["o.h5"],
            expect="ok",
            check=h5_ok("o.h5"),
        ),
        C(
            "valid",
            "export",
            "export from read-only project",
            ["export", "proj", "--out", "o.h5", "--quiet", "--val", "0.34", "--test", "0.34"],
            files=["proj"],
            setup=lambda d: _readonly(d / "proj"),
            outputs=["o.h5"],
            check=h5_ok("o.h5"),
        ),
        C(
            "valid",
            "realism",
            "realism",
            ["realism", "sim.h5", "real.csv", "--out", "rep"],
            files=["sim.h5", "real.csv"],
            outputs=["rep", "rep/**"],
            expect="ok",
            check=json_ok("rep/report.json"),
            timeout=120,
        ),
        C(
            "valid",
            "realism",
            "ts",
            ["realism", "sim.h5", "real.ts", "--out", "rep", "--rate", "10"],
            files=["sim.h5", "real.ts"],
            outputs=["rep", "rep/**"],
            timeout=120,
        ),
        C(
            "valid",
            "realism",
            "all options",
            [
                "realism",
                "sim.h5",
                "real.csv",
                "--out",
                "rep",
                "--clean",
                "--geometric-fit",
                "--quantile-map",
                "--synchronised",
                "--fit-on",
                "real.csv",
            ],
            files=["sim.h5", "real.csv"],
            outputs=["rep", "rep/**"],
            timeout=150,
        ),
        C(
            "valid",
            "realism",
            "sim vs sim",
            ["realism", "sim.h5", "sim.h5", "--out", "rep"],
            files=["sim.h5"],
            outputs=["rep", "rep/**"],
            timeout=120,
        ),
        C(
            "valid",
            "realism",
            "dataset as sim",
            ["realism", "ds.h5", "real.csv", "--out", "rep"],
            files=["ds.h5", "real.csv"],
            outputs=["rep", "rep/**"],
            timeout=120,
        ),
        C(
            "valid",
            "realism",
            "--labels on csv",
            ["realism", "sim.h5", "real.ts", "--out", "rep", "--rate", "10", "--labels", "Nope"],
            files=["sim.h5", "real.ts"],
            outputs=["rep", "rep/**"],
            timeout=120,
        ),
        C(
            "valid",
            "calibrate device",
            "device",
            ["calibrate", "device", "real.csv", "--out", "dev.json"],
            files=["real.csv"],
            outputs=["dev.json"],
            created=["dev.json"],
            expect="ok",
            check=json_ok("dev.json"),
        ),
        C(
            "valid",
            "calibrate device",
            "device from sim (noise-free?)",
            ["calibrate", "device", "sim.h5", "--out", "dev.json"],
            files=["sim.h5"],
            outputs=["dev.json"],
        ),
        C(
            "valid",
            "calibrate device",
            "--base garbage",
            ["calibrate", "device", "real.csv", "--out", "dev.json", "--base", "zz"],
            files=["real.csv"],
            outputs=["dev.json"],
            expect="error",
        ),
        C(
            "valid",
            "calibrate device",
            "--id odd",
            ["calibrate", "device", "real.csv", "--out", "dev.json", "--id", "../../x\n"],
            files=["real.csv"],
            outputs=["dev.json"],
        ),
        C(
            "valid",
            "calibrate geometry",
            "geometry",
            ["calibrate", "geometry", "sim.h5", "real.csv", "--out", "g.json"],
            files=["sim.h5", "real.csv"],
            outputs=["g.json"],
            check=json_ok("g.json"),
        ),
        C(
            "valid",
            "calibrate quantile",
            "quantile",
            ["calibrate", "quantile", "sim.h5", "real.csv", "--out", "q.json", "--per-class"],
            files=["sim.h5", "real.csv"],
            outputs=["q.json"],
            check=json_ok("q.json"),
        ),
        C(
            "valid",
            "calibrate quantile",
            "quantile ts",
            ["calibrate", "quantile", "sim.h5", "real.ts", "--out", "q.json", "--rate", "10"],
            files=["sim.h5", "real.ts"],
            outputs=["q.json"],
            check=json_ok("q.json"),
        ),
        C(
            "valid",
            "simulate --device",
            "calibrated preset",
            ["simulate", "walk.npz", "--out", "o.h5", "--quiet", "--device", "dev.json"],
            files=["walk.npz"],
            setup=lambda d: d.joinpath("dev.json").write_text(
                subprocess.run(CLI + ["presets", "watch-bmi270"], capture_output=True, text=True).stdout
            ),
            outputs=["o.h5"],
            expect="ok",
        ),
        C(
            "valid",
            "train",
            "train",
            ["train", "ds.h5", "--out", "m", "--epochs", "1", "--model", "cnn", "--quiet"],
            files=["ds.h5"],
            outputs=["m", "m/**"],
            created=["m/model.safetensors"],
            expect="ok",
            timeout=120,
        ),
        C(
            "valid",
            "train",
            "resume finished",
            ["train", "ds.h5", "--out", "model", "--epochs", "1", "--model", "cnn", "--quiet"],
            files=["ds.h5", "model"],
            outputs=["model/**"],
            timeout=120,
        ),
        C(
            "valid",
            "train",
            "patchformer",
            ["train", "ds.h5", "--out", "m", "--epochs", "1", "--quiet"],
            files=["ds.h5"],
            outputs=["m", "m/**"],
            expect="ok",
            timeout=150,
        ),
        C(
            "valid",
            "train",
            "sim.h5 is not a dataset",
            ["train", "sim.h5", "--out", "m", "--epochs", "1", "--quiet"],
            files=["sim.h5"],
            outputs=["m", "m/**"],
            expect="error",
        ),
        C(
            "valid",
            "train",
            "--compute cuda",
            ["train", "ds.h5", "--out", "m", "--epochs", "1", "--quiet", "--compute", "cuda"],
            files=["ds.h5"],
            outputs=["m", "m/**"],
        ),
        C(
            "valid",
            "evaluate",
            "evaluate",
            ["evaluate", "model", "real.csv", "--out", "ev", "--quiet"],
            files=["model", "real.csv"],
            outputs=["ev", "ev/**"],
            expect="ok",
            check=json_ok("ev/report.json"),
        ),
        C(
            "valid",
            "evaluate",
            "segments",
            ["evaluate", "model", "real.csv", "--segments", "seg.csv", "--out", "ev", "--quiet"],
            files=["model", "real.csv", "seg.csv"],
            outputs=["ev", "ev/**"],
            check=json_ok("ev/report.json"),
        ),
        C(
            "valid",
            "evaluate",
            "label map inline",
            [
                "evaluate",
                "model",
                "real.csv",
                "--label-map",
                "walking=falling,falling=walking",
                "--out",
                "ev",
                "--quiet",
            ],
            files=["model", "real.csv"],
            outputs=["ev", "ev/**"],
        ),
        C(
            "valid",
            "evaluate",
            "ts no labels",
            ["evaluate", "model", "real.ts", "--rate", "10", "--out", "ev", "--quiet"],
            files=["model", "real.ts"],
            outputs=["ev", "ev/**"],
        ),
        C(
            "valid",
            "evaluate",
            "not a model folder",
            ["evaluate", "proj", "real.csv", "--out", "ev", "--quiet"],
            files=["proj", "real.csv"],
            outputs=["ev", "ev/**"],
            expect="error",
        ),
        C(
            "valid",
            "evaluate",
            "sim as real",
            ["evaluate", "model", "sim.h5", "--out", "ev", "--quiet"],
            files=["model", "sim.h5"],
            outputs=["ev", "ev/**"],
        ),
        C(
            "valid",
            "benchmark",
            "tiny",
            [
                "benchmark",
                "--real",
                "still.csv",
                "--out",
                "bm",
                "--models",
                "cnn",
                "--seeds",
                "0",
                "--epochs",
                "1",
                "--variants",
                "1",
                "--sources",
                "standing",
                "--quiet",
            ],
            files=["still.csv"],
            outputs=["bm", "bm/**"],
            timeout=240,
        ),
        C(
            "valid",
            "benchmark",
            "unknown source",
            ["benchmark", "--real", "still.csv", "--out", "bm", "--sources", "zzz", "--quiet"],
            files=["still.csv"],
            outputs=["bm", "bm/**"],
            expect="error",
        ),
        C(
            "valid",
            "benchmark",
            "unknown model",
            ["benchmark", "--real", "still.csv", "--out", "bm", "--models", "zzz", "--quiet"],
            files=["still.csv"],
            outputs=["bm", "bm/**"],
            expect="error",
        ),
        C(
            "valid",
            "benchmark",
            "project source garbage",
            [
                "benchmark",
                "--real",
                "still.csv",
                "--out",
                "bm",
                "--sources",
                "project:w0.npz",
                "--quiet",
                "--epochs",
                "1",
            ],
            files=["still.csv", "w0.npz"],
            outputs=["bm", "bm/**"],
            expect="error",
        ),
        C(
            "valid",
            "benchmark",
            "--project empty",
            [
                "benchmark",
                "--real",
                "still.csv",
                "--out",
                "bm",
                "--project",
                "emptyproj",
                "--sources",
                "standing",
                "--quiet",
                "--epochs",
                "1",
                "--seeds",
                "0",
                "--models",
                "cnn",
                "--variants",
                "1",
            ],
            files=["still.csv", "emptyproj"],
            outputs=["bm", "bm/**"],
            timeout=240,
        ),
        C(
            "valid",
            "reconstruct",
            "video",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--quiet", "--no-cache"],
            files=["v.mp4"],
            outputs=["o.npz"],
            created=["o.npz"],
            expect="ok",
            check=npz_ok("o.npz"),
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "--list-people",
            ["reconstruct", "v.mp4", "--list-people", "--quiet"],
            files=["v.mp4"],
            outputs=[".home/**"],
            expect="ok",
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "missing person",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--person", "99", "--quiet", "--no-cache"],
            files=["v.mp4"],
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        ),
        C("valid", "reconstruct", "no --out", ["reconstruct", "v.mp4", "--quiet"], files=["v.mp4"], expect="error"),
        C(
            "valid",
            "reconstruct",
            "empty video file",
            ["reconstruct", "e.mp4", "--out", "o.npz", "--quiet", "--no-cache"],
            setup=_write("e.mp4", b""),
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "garbage video",
            ["reconstruct", "e.mp4", "--out", "o.npz", "--quiet", "--no-cache"],
            setup=_write("e.mp4", os.urandom(20000)),
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "truncated video",
            ["reconstruct", "e.mp4", "--out", "o.npz", "--quiet", "--no-cache"],
            setup=lambda d: (d / "e.mp4").write_bytes((fx / "v.mp4").read_bytes()[:40000]),
            outputs=["o.npz"],
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "image not video",
            ["reconstruct", "m.jpg", "--out", "o.npz", "--quiet", "--no-cache"],
            setup=lambda d: shutil.copy(REPO / "tests/data/opencv_samples/messi5.jpg", d / "m.jpg"),
            outputs=["o.npz"],
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "npz as video",
            ["reconstruct", "walk.npz", "--out", "o.npz", "--quiet", "--no-cache"],
            files=["walk.npz"],
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "cache in project",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--quiet", "--cache", "proj/cache"],
            files=["v.mp4", "proj"],
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "cache is a file",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--quiet", "--cache", "walk.npz"],
            files=["v.mp4", "walk.npz"],
            outputs=["o.npz"],
            expect="error",
            timeout=150,
        ),
        C(
            "valid",
            "reconstruct",
            "--compute bogus",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--compute", "tpu:7", "--quiet"],
            files=["v.mp4"],
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "--pose-model heavy missing",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--pose-model", "heavy", "--quiet"],
            files=["v.mp4"],
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "--pose-model empty dir",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--pose-model", "e", "--quiet"],
            files=["v.mp4"],
            setup=lambda d: (d / "e").mkdir(),
            outputs=["o.npz"],
            expect="error",
        ),
        C(
            "valid",
            "reconstruct",
            "--device is refused",
            ["reconstruct", "v.mp4", "--out", "o.npz", "--device", "cpu"],
            files=["v.mp4"],
            outputs=["o.npz"],
            expect="error",
        ),
        C("valid", "top", "no args --debug help", ["--version"], expect="ok"),
        C("valid", "top", "unknown command", ["frobnicate"], expect="error"),
    ]
    return cases


def _tar_traversal(d: Path) -> None:
    import io
    import tarfile

    with tarfile.open(d / "f.tgz", "w:gz") as t:
        data = b"evil"
        for name in ("../../escaped.txt", "/tmp/abs_escape.txt", "package/pose_landmark_lite.tflite"):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


KINDS = {
    "numbers": lambda fx: numbers_cases(),
    "malformed": malformed_cases,
    "hostile": hostile_cases,
    "damaged": damaged_cases,
    "interrupt": interrupt_cases,
    "batch": batch_cases,
    "valid": valid_cases,
}


# ------------------------------------------------------------------------------------------ lock holder
def run_with_lock(runner: Runner, case: Case) -> dict:
    """Hold the project's writer lock in another process while the case runs."""
    try:
        d = runner.prepare(case)
    except Exception as exc:  # noqa: BLE001
        return skipped(case, f"setup failed: {exc}")
    code = (
        "import sys, time\n"
        "from imu2safety.core.project.project import Project\n"
        "p = Project.open(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [PY, "-c", code, str(d / "proj")],
        cwd=d,
        env=runner.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = holder.stdout.readline()
    try:
        if "held" not in line:
            return {
                "id": case.id,
                "kind": case.kind,
                "command": case.command,
                "name": case.name,
                "argv": case.argv,
                "expect": case.expect,
                "rc": None,
                "seconds": 0,
                "verdict": "skipped",
                "reasons": ["could not hold the lock: " + holder.stderr.read()[-300:]],
                "notes": [],
                "stderr_tail": "",
            }
        case.setup = None
        before = snapshot(d)
        env = dict(runner.env, HOME=str(d / ".home"), TMPDIR=str(d / ".tmp"))
        t0 = time.monotonic()
        out = runner._execute(case, d, env)
        out.seconds = round(time.monotonic() - t0, 2)
        after = snapshot(d)
    finally:
        holder.kill()
        holder.wait()
    verdict, reasons, notes = classify(case, d, out, before, after)
    return {
        "id": case.id,
        "kind": case.kind,
        "command": case.command,
        "name": case.name,
        "argv": case.argv,
        "expect": case.expect,
        "rc": out.rc,
        "seconds": out.seconds,
        "verdict": verdict,
        "reasons": reasons,
        "notes": notes,
        "stderr_tail": out.stderr[-1500:],
    }


# ------------------------------------------------------------------------------------------ main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", required=True, help="write every case and its outcome here")
    ap.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated kinds (default all: {','.join(KINDS)})")
    ap.add_argument("--quick", action="store_true", help="every third case of each kind (a smoke pass)")
    ap.add_argument(
        "--full", action="store_true", help="every odd value and payload for every consumer (about 1.5x the cases)"
    )
    ap.add_argument("--match", default="", help="only cases whose command or name contains this text")
    ap.add_argument("--keep", default="", help="work in this folder and keep it (default: a temporary folder, removed)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    args = ap.parse_args(argv)

    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="imu2safety-fuzz-"))
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("IMU2SAFETY_MODELS", None)
    fx = work / "fixtures"
    t0 = time.monotonic()
    try:
        stamp = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()  # fixtures of this version of the script
        if (
            not (fx / "model" / "model.safetensors").exists()
            or not (fx / ".stamp").is_file()
            or (fx / ".stamp").read_text() != stamp
        ):
            if fx.exists():
                _force_rmtree(fx)
            fenv = dict(env, HOME=str(work / "fixture-home"))
            build_fixtures(fx, fenv)
            (fx / ".stamp").write_text(stamp)
        fx_snap = snapshot(fx)
        kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
        cases: List[Case] = []
        for k in kinds:
            if k not in KINDS:
                ap.error(f"unknown kind {k!r}")
            made = KINDS[k](fx)
            if not args.full:
                made = [c for c in made if c.core]
            if args.quick:
                made = made[::3]
            cases += made
        if args.match:
            cases = [c for c in cases if args.match in c.command or args.match in c.name]
        for n, c in enumerate(cases):
            c.id = f"{n:04d}-{c.kind}"
        if args.list:
            for c in cases:
                print(c.id, c.command, "|", c.name, "|", " ".join(c.argv)[:150])
            return 0
        runner = Runner(work, fx, env)
        results: List[dict] = []
        lock = threading.Lock()
        done = [0]

        def one(c: Case) -> dict:
            if c.__dict__.get("hold_lock"):
                r = run_with_lock(runner, c)
            else:
                r = runner.run(c)
            with lock:
                done[0] += 1
                if r["verdict"] == "defective":
                    print(
                        f"[{done[0]}/{len(cases)}] DEFECT {c.id} {c.command} | {c.name}: {'; '.join(r['reasons'])[:300]}",
                        flush=True,
                    )
                elif done[0] % 50 == 0:
                    print(f"[{done[0]}/{len(cases)}] ...", flush=True)
            if r["verdict"] == "handled" and not args.keep:
                _force_rmtree(work / "cases" / c.id)
            return r

        # the heavy interrupt cases run alone (their timing matters), the rest in parallel
        serial = [c for c in cases if c.interrupt]
        parallel = [c for c in cases if not c.interrupt]
        with ThreadPoolExecutor(max(1, args.jobs)) as pool:
            results += list(pool.map(one, parallel))
        for c in serial:
            results.append(one(c))
        if snapshot(fx) != fx_snap:
            results.append(
                {
                    "id": "fixtures",
                    "kind": "global",
                    "command": "-",
                    "name": "fixtures unchanged",
                    "argv": [],
                    "expect": "-",
                    "rc": None,
                    "seconds": 0,
                    "verdict": "defective",
                    "reasons": ["a case changed the shared fixtures folder"],
                    "notes": [],
                    "stderr_tail": "",
                }
            )
        results.sort(key=lambda r: r["id"])
        elapsed = time.monotonic() - t0
        table = summarise(results)
        print(table)
        print(f"total {len(results)} cases in {elapsed / 60:.1f} min")
        Path(args.json).write_text(
            json.dumps(
                {"elapsed_s": round(elapsed, 1), "python": PY, "cases": results}, indent=1
            )  # ASCII: argv may hold surrogates
        )
        return 1 if any(r["verdict"] == "defective" for r in results) else 0
    finally:
        if not args.keep:
            _force_rmtree(work)


def summarise(results) -> str:
    def table(key):
        rows: Dict[str, List[int]] = {}
        for r in results:
            t = rows.setdefault(r[key], [0, 0, 0, 0])
            t[0] += 1
            t[1] += r["verdict"] == "handled"
            t[2] += r["verdict"] == "defective"
            t[3] += r["verdict"] == "skipped"
        w = max(12, *(len(k) for k in rows))
        lines = [f"{key:<{w}}  tried  handled  defective  skipped"]
        for k in sorted(rows):
            t = rows[k]
            lines.append(f"{k:<{w}}  {t[0]:5d}  {t[1]:7d}  {t[2]:9d}  {t[3]:7d}")
        tot = [sum(t[i] for t in rows.values()) for i in range(4)]
        lines.append(f"{'TOTAL':<{w}}  {tot[0]:5d}  {tot[1]:7d}  {tot[2]:9d}  {tot[3]:7d}")
        return "\n".join(lines)

    return table("kind") + "\n\n" + table("command")


if __name__ == "__main__":
    sys.exit(main())
