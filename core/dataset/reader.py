"""Reading exported datasets: :func:`open_dataset` and a PyTorch ``Dataset`` over the windows.

Example::

    from imu2safety.core.dataset import open_dataset, WindowDataset
    with open_dataset("data.h5") as ds:
        ds.taxonomy.behaviour_of_code(int(ds.windows["y"][0]))
        clip = ds.clip(ds.split_clips("train")[0])       # dict: imu, skeleton, segments, attrs
    train = WindowDataset("data.h5", split="train")       # x: (W, 6) float32 tensor, y: int64 tensor
    loader = torch.utils.data.DataLoader(train, batch_size=64, shuffle=True, num_workers=2)

The HDF5 layout is documented in :mod:`.export`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import h5py
import numpy as np

from ..base.errors import InputError
from ..base.h5read import open_h5
from ..base.jsonio import parse_json
from ..project.taxonomy import Taxonomy
from .layout import SCHEMA_VERSION, SPLITS

_JSON_ATTRS = (
    "generator",
    "taxonomy",
    "units",
    "settings",
    "source",
    "device",
    "provenance",
    "variant_seeds",
    "clip_ids",
    "joint_names",
)


def _attrs(obj) -> Dict[str, Any]:
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, bytes):
            v = v.decode()
        if k in _JSON_ATTRS and isinstance(v, str):
            v = parse_json(v, obj.file.filename, f"attribute '{k}'")
        elif isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


class DatasetFile:
    """An open dataset file (read-only). Close it, or use it as a context manager."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.h5 = open_h5(self.path)
        for need in ("clips", "windows", "mask"):
            if need not in self.h5:
                self.h5.close()
                raise InputError(self.path, f"not an imu2safety dataset (group '/{need}' missing)")
        self.attrs = _attrs(self.h5)
        v = int(self.attrs.get("schema_version", -1))
        if v > SCHEMA_VERSION:
            self.h5.close()
            raise InputError(self.path, f"dataset schema version {v} is newer than this reader ({SCHEMA_VERSION})")
        self.taxonomy = Taxonomy(self.attrs["taxonomy"], f"{self.path} taxonomy")
        self.units: Dict[str, Any] = self.attrs["units"]
        self.window_attrs = _attrs(self.h5["windows"])
        self.clip_ids: List[str] = list(self.window_attrs["clip_ids"])

    @property
    def windows(self) -> h5py.Group:
        """The /windows group (X, y, safety, clip_index, start_sample, variant), read lazily."""
        return self.h5["windows"]

    def split_clips(self, split: str) -> List[str]:
        if split not in SPLITS:
            raise InputError(self.path, f"unknown split '{split}' (splits: {', '.join(SPLITS)})")
        return [c.decode() if isinstance(c, bytes) else str(c) for c in self.h5["mask"][split][()]]

    def window_indices(self, split: Optional[str] = None) -> np.ndarray:
        """Indices of the windows whose clip is in ``split`` (all windows when None)."""
        ci = self.windows["clip_index"][()]
        if split is None:
            return np.arange(ci.size)
        wanted = {self.clip_ids.index(c) for c in self.split_clips(split)}
        return np.nonzero(np.isin(ci, sorted(wanted)))[0]

    def clip(self, clip_id: str) -> Dict[str, Any]:
        """Arrays and attributes of one clip: imu (dict), skeleton (dict), segments (structured array), attrs."""
        if clip_id not in self.h5["clips"]:
            raise InputError(self.path, f"no clip '{clip_id}' in this dataset")
        g = self.h5["clips"][clip_id]
        return {
            "attrs": _attrs(g),
            "imu": {k: v[()] for k, v in g["imu"].items()},
            "skeleton": dict({k: v[()] for k, v in g["skeleton"].items()}, **_attrs(g["skeleton"])),
            "segments": g["labels"]["segments"][()],
        }

    def segments(self, clip_id: str) -> List[Dict[str, Any]]:
        """A clip's labelled segments as dicts (strings decoded, flags split out)."""
        out = []
        for r in self.clip(clip_id)["segments"]:
            d = {k: (r[k].decode() if isinstance(r[k], bytes) else r[k].item()) for k in r.dtype.names}
            d["occluded"], d["partly_out_of_frame"] = bool(d["flags"] & 1), bool(d["flags"] & 2)
            d["phase"] = d["phase"] or None
            d["severity"] = None if d["severity"] < 0 else d["severity"]
            out.append(d)
        return out

    def close(self) -> None:
        self.h5.close()

    def __enter__(self) -> "DatasetFile":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_dataset(path: str | os.PathLike) -> DatasetFile:
    return DatasetFile(path)


try:  # torch is a dependency, but keep the reader importable without it
    from torch.utils.data import Dataset as _TorchDataset
except ImportError:  # pragma: no cover
    _TorchDataset = object


class WindowDataset(_TorchDataset):
    """Windows of one split as ``(x, y)``: x (W, 6) float32 tensor [acc, gyro], y int64 behaviour code.

    ``target='safety'`` yields the safety code instead; ``variants`` (list) keeps only those device
    realisations; ``in_memory`` loads the split's windows at once (fast for small files). The HDF5
    file is opened lazily in each DataLoader worker process.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        split: Optional[str] = "train",
        target: str = "behaviour",
        variants: Optional[List[int]] = None,
        transform=None,
        in_memory: bool = False,
    ):
        if target not in ("behaviour", "safety"):
            raise InputError(None, f"target must be 'behaviour' or 'safety', got {target!r}")
        self.path = Path(path)
        with open_dataset(self.path) as ds:
            idx = ds.window_indices(split)
            if variants is not None:
                var = ds.windows["variant"][()]
                idx = idx[np.isin(var[idx], variants)]
            self.indices = idx
            col = "y" if target == "behaviour" else "safety"
            self.targets = ds.windows[col][()][idx].astype(np.int64)
            self.taxonomy = ds.taxonomy
            self.X = ds.windows["X"][idx] if in_memory and idx.size else None
        self.transform = transform
        self._h5 = None
        self._pid = None

    def __len__(self) -> int:
        return int(self.indices.size)

    def _file(self):
        if self._h5 is None or self._pid != os.getpid():
            self._h5 = h5py.File(self.path, "r")
            self._pid = os.getpid()
        return self._h5

    def __getitem__(self, i: int):
        import torch

        if self.X is not None:
            x = self.X[i]
        else:
            x = self._file()["windows"]["X"][int(self.indices[i])]
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        if self.transform is not None:
            x = self.transform(x)
        return x, torch.tensor(self.targets[i])

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_h5"], state["_pid"] = None, None
        return state
