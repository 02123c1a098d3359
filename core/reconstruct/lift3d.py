"""3D lifting with VideoPose3D (Pavllo et al., CVPR 2019): COCO-17 2D keypoints -> H36M-17 3D joints.

:class:`TemporalModel` is the official ``common/model.py`` network (dilated
temporal convolutions; filter widths 3,3,3 -> 27 frames, 3,3,3,3 -> 81,
3,3,3,3,3 -> 243; 1024 channels; optional causal convolutions) with the same
module and parameter names, so official checkpoints load as they are: their
``model_pos`` state dict (a ``module.`` prefix from DataParallel is stripped),
read through :func:`~imu2safety.core.base.safe_load.load_torch_weights`
(``weights_only=True`` and an exact allow-list: nothing in the file is run).
The filter widths and channel count are read from the checkpoint.

Conventions of the official "inference in the wild" path, which the released
``pretrained_h36m_detectron_coco.bin`` (architecture 3,3,3,3,3) was trained for:

- input: COCO-17 keypoints in COCO order (no re-ordering), x and y only,
  normalised by :func:`normalize_screen_coordinates` (``x/w*2-1``, ``y/w*2-h/w``:
  [0, w] -> [-1, 1] keeping the aspect ratio);
- the sequence is edge-padded by (receptive field - 1)/2 frames on each side
  (all of it on the left for causal models), as ``UnchunkedGenerator`` does;
- test-time flip augmentation (on by default there): the mirrored sequence
  (x negated, COCO left/right swapped) is lifted too, un-mirrored (x negated,
  H36M left/right swapped) and averaged;
- output: H36M-17 joints in camera space (x right, y down, z forward, metres),
  relative to the pelvis (joint 0, set to exactly 0 here).

Frames whose 2D keypoints are missing must be filled before lifting (the
network needs every frame); :func:`lift` interpolates them linearly for the
network's input and returns a mask so the caller can put NaN back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..base.errors import InputError
from ..base.files import check_input_file
from ..base.safe_load import load_torch_weights, tensors_only

CHECKPOINT_URL = "https://dl.fbaipublicfiles.com/video-pose-3d/pretrained_h36m_detectron_coco.bin"
CHECKPOINT_NAME = "pretrained_h36m_detectron_coco.bin"
COCO_LEFT, COCO_RIGHT = [1, 3, 5, 7, 9, 11, 13, 15], [2, 4, 6, 8, 10, 12, 14, 16]
H36M_LEFT, H36M_RIGHT = [4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]


def lifter_help() -> str:
    return (
        f"download {CHECKPOINT_URL} on a machine with internet, copy it here and pass --lifter PATH/{CHECKPOINT_NAME}"
    )


def normalize_screen_coordinates(x: np.ndarray, w: float, h: float) -> np.ndarray:
    """VideoPose3D's normalisation: [0, w] -> [-1, 1], y scaled by the same factor."""
    assert x.shape[-1] == 2
    return x / w * 2 - np.array([1, h / w])


class TemporalModel(nn.Module):
    """VideoPose3D's reference ``TemporalModel`` (same parameter names as the official code)."""

    def __init__(
        self,
        num_joints_in: int = 17,
        in_features: int = 2,
        num_joints_out: int = 17,
        filter_widths: Sequence[int] = (3, 3, 3, 3, 3),
        causal: bool = False,
        dropout: float = 0.25,
        channels: int = 1024,
    ):
        super().__init__()
        for fw in filter_widths:
            if fw % 2 == 0:
                raise ValueError("only odd filter widths are supported")
        self.num_joints_in, self.in_features, self.num_joints_out = num_joints_in, in_features, num_joints_out
        self.filter_widths = list(filter_widths)
        self.causal = causal
        self.drop = nn.Dropout(dropout)
        self.relu = nn.ReLU(inplace=True)
        self.pad = [filter_widths[0] // 2]
        self.expand_bn = nn.BatchNorm1d(channels, momentum=0.1)
        self.shrink = nn.Conv1d(channels, num_joints_out * 3, 1)
        self.expand_conv = nn.Conv1d(num_joints_in * in_features, channels, filter_widths[0], bias=False)
        layers_conv, layers_bn = [], []
        self.causal_shift = [filter_widths[0] // 2 if causal else 0]
        next_dilation = filter_widths[0]
        for i in range(1, len(filter_widths)):
            self.pad.append((filter_widths[i] - 1) * next_dilation // 2)
            self.causal_shift.append((filter_widths[i] // 2 * next_dilation) if causal else 0)
            layers_conv.append(nn.Conv1d(channels, channels, filter_widths[i], dilation=next_dilation, bias=False))
            layers_bn.append(nn.BatchNorm1d(channels, momentum=0.1))
            layers_conv.append(nn.Conv1d(channels, channels, 1, dilation=1, bias=False))
            layers_bn.append(nn.BatchNorm1d(channels, momentum=0.1))
            next_dilation *= filter_widths[i]
        self.layers_conv = nn.ModuleList(layers_conv)
        self.layers_bn = nn.ModuleList(layers_bn)

    def receptive_field(self) -> int:
        return 1 + 2 * sum(self.pad)

    def total_causal_shift(self) -> int:
        frames = self.causal_shift[0]
        next_dilation = self.filter_widths[0]
        for i in range(1, len(self.filter_widths)):
            frames += self.causal_shift[i] * next_dilation
            next_dilation *= self.filter_widths[i]
        return frames

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T + receptive_field - 1, J_in, F) -> (B, T, J_out, 3)."""
        assert x.ndim == 4 and x.shape[-2] == self.num_joints_in and x.shape[-1] == self.in_features
        b = x.shape[0]
        x = x.reshape(b, x.shape[1], -1).permute(0, 2, 1)
        x = self.drop(self.relu(self.expand_bn(self.expand_conv(x))))
        for i in range(len(self.pad) - 1):
            pad, shift = self.pad[i + 1], self.causal_shift[i + 1]
            res = x[:, :, pad + shift : x.shape[2] - pad + shift]
            x = self.drop(self.relu(self.layers_bn[2 * i](self.layers_conv[2 * i](x))))
            x = res + self.drop(self.relu(self.layers_bn[2 * i + 1](self.layers_conv[2 * i + 1](x))))
        x = self.shrink(x)
        return x.permute(0, 2, 1).reshape(b, -1, self.num_joints_out, 3)


def architecture_from_state(state: dict) -> dict:
    """Filter widths, channels and joint counts read from a ``model_pos`` state dict."""
    w0 = state["expand_conv.weight"]  # (channels, J_in * F, fw0)
    channels, jf, fw0 = (int(v) for v in w0.shape)
    widths = [fw0]
    i = 0
    while f"layers_conv.{2 * i}.weight" in state:
        widths.append(int(state[f"layers_conv.{2 * i}.weight"].shape[-1]))
        i += 1
    out = int(state["shrink.weight"].shape[0]) // 3
    return {
        "filter_widths": widths,
        "channels": channels,
        "num_joints_in": jf // 2,
        "in_features": 2,
        "num_joints_out": out,
    }


def _torch_load(path: Path) -> dict:
    """The checkpoint through the exact allow-list of :mod:`..base.safe_load` (nothing from it is run)."""
    return load_torch_weights(path, "VideoPose3D checkpoint")


def load_lifter(
    path: str | os.PathLike, causal: bool = False
) -> Tuple["TemporalModel", Optional["TemporalModel"], str]:
    """``(model_pos, model_traj or None, id)`` from an official VideoPose3D checkpoint file."""
    path = Path(os.path.expanduser(str(path)))
    if not path.exists():
        raise InputError(path, f"no such lifter checkpoint; {lifter_help()}")
    if path.is_dir():
        cand = path / CHECKPOINT_NAME
        if not cand.is_file():
            raise InputError(path, f"folder has no {CHECKPOINT_NAME}; {lifter_help()}")
        path = cand
    check_input_file(path, "lifter checkpoint")
    ck = _torch_load(path)
    if not isinstance(ck, dict):
        raise InputError(path, "checkpoint is not a dict")
    state = ck.get("model_pos", ck)
    if not isinstance(state, dict) or not any(k.endswith("expand_conv.weight") for k in state):
        raise InputError(path, "no VideoPose3D 'model_pos' weights in this checkpoint")

    def build(st, key):
        st = tensors_only(st, path, key)
        st = {k[len("module.") :] if k.startswith("module.") else k: v for k, v in st.items()}
        try:
            arch = architecture_from_state(st)
        except (KeyError, IndexError, ValueError, TypeError) as exc:
            raise InputError(path, f"'{key}' is not a VideoPose3D state dict (missing {exc})") from None
        m = TemporalModel(
            arch["num_joints_in"],
            arch["in_features"],
            arch["num_joints_out"],
            filter_widths=arch["filter_widths"],
            causal=causal,
            channels=arch["channels"],
        )
        try:
            m.load_state_dict(st, strict=True)
        except RuntimeError as exc:
            raise InputError(path, f"weights do not fit the VideoPose3D model: {str(exc).splitlines()[0]}") from None
        return m.eval()

    pos = build(state, "model_pos")
    if pos.num_joints_in != 17 or pos.num_joints_out != 17:
        raise InputError(
            path,
            f"lifter maps {pos.num_joints_in} -> {pos.num_joints_out} joints; the pipeline needs COCO-17 -> H36M-17",
        )
    traj = ck.get("model_traj") if isinstance(ck.get("model_traj"), dict) else None
    traj_model = build(traj, "model_traj") if traj else None
    from .checkpoints import model_fingerprint

    return pos, traj_model, "videopose3d:" + model_fingerprint(path) + ("+causal" if causal else "")


def fill_gaps(kps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Linear interpolation over frames where keypoints are NaN (edges held); returns (filled, observed mask)."""
    x = np.array(kps, dtype=float, copy=True)
    obs = np.isfinite(x).all(axis=(1, 2)) if x.ndim == 3 else np.isfinite(x)
    if not obs.any():
        raise ValueError("no frame has 2D keypoints")
    t = np.arange(len(x))
    for j in range(x.shape[1]):
        for c in range(x.shape[2]):
            ok = np.isfinite(x[:, j, c])
            if ok.any():
                x[:, j, c] = np.interp(t, t[ok], x[ok, j, c])
            else:
                x[:, j, c] = 0.0
    return x, obs


@torch.inference_mode()
def run_lifter(model: TemporalModel, kps_norm: np.ndarray, flip: bool = True, device: str = "cpu") -> np.ndarray:
    """Normalised 2D (T, 17, 2) -> 3D (T, 17, 3) as the official evaluate() does (edge pad, optional flip TTA)."""
    model = model.to(device).eval()
    pad = (model.receptive_field() - 1) // 2
    shift = pad if model.causal else 0
    seq = np.pad(kps_norm, ((pad + shift, pad - shift), (0, 0), (0, 0)), mode="edge")
    batch = seq[None]
    if flip:
        f = seq.copy()
        f[..., 0] *= -1
        f[:, COCO_LEFT + COCO_RIGHT] = f[:, COCO_RIGHT + COCO_LEFT]
        batch = np.stack([seq, f])
    out = model(torch.from_numpy(batch.astype(np.float32)).to(device)).cpu().numpy()
    if flip:
        out[1, :, :, 0] *= -1
        out[1, :, H36M_LEFT + H36M_RIGHT] = out[1, :, H36M_RIGHT + H36M_LEFT]
        out = out.mean(axis=0, keepdims=True)
    return out[0].astype(np.float64)


def lift(
    model: TemporalModel, kps_px: np.ndarray, width: int, height: int, flip: bool = True, device: str = "cpu"
) -> Tuple[np.ndarray, np.ndarray]:
    """COCO-17 pixels (T, 17, 2; NaN = missing) -> root-relative H36M-17 camera-space metres (T, 17, 3).

    Returns ``(joints, observed)``: frames without any 2D keypoints are lifted
    from interpolated input but are NaN in ``joints`` (``observed`` False).
    """
    filled, obs = fill_gaps(kps_px)
    norm = normalize_screen_coordinates(filled, w=width, h=height)
    out = run_lifter(model, norm, flip=flip, device=device)
    out -= out[:, :1]
    out[~obs] = np.nan
    return out, obs
