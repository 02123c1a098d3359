"""The networks: IMU-Patchformer and a 1D-CNN baseline, both multi-task (behaviour, safety, severity).

Input: windows ``(B, W, 6)`` = accelerometer xyz (m/s^2) and gyroscope xyz (rad/s), raw; the
:class:`Classifier` wrapper normalises them with per-channel statistics from the training data
(buffers ``mean``/``std``, saved with the weights) before the network sees them.

**IMU-Patchformer** (:class:`IMUPatchformer`):

1. *Channel-wise attention* (:class:`ChannelAttention`) at every time step: each of the 6 channel
   values becomes a token ``x_c w_c + e_c`` (``d_ch`` dims: a per-channel value embedding plus a
   channel identity), and multi-head self-attention runs across the 6 tokens. Because each token is
   affine in one scalar, the attention logits are a fixed quadratic form of the 6 values; they are
   computed in closed form (``[x x^T, x] @ M``), which is the same function as materialising queries
   and keys but ~3x cheaper on a CPU. The output is token + attended values, ``(B, W, 6, d_ch)``.
2. *Patches*: the time axis is cut into patches of ``patch`` samples every ``stride`` samples
   (default 32 / 16; :func:`auto_patch` picks smaller patches for short windows, e.g. 4 / 2 for a
   2 s window at 10 Hz), each flattened and linearly embedded to ``d_model``.
3. A learned class token and positional embeddings, then a pre-norm transformer encoder over the
   patches.
4. Heads on the class token: behaviour (``n_classes``), safety (2: safe, unsafe) and, when the
   training data has severities, severity (4: none, minor, serious, critical).

**CNN** (:class:`CNN1D`): three 1D convolutions (the first with stride 2) with batch norm, global
average pooling and the same heads: a conventional reference.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any, Dict, Optional, Tuple

import torch
from torch import nn

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
KINDS = ("patchformer", "cnn")
N_SAFETY = 2
N_SEVERITY = 4  # 0 none, 1 minor, 2 serious, 3 critical


def auto_patch(window: int) -> Tuple[int, int]:
    """Default (patch, stride) for a window of ``window`` samples: 32 / 16 when the window holds at
    least four patches' worth (64 samples); otherwise the largest power of two <= window / 4
    (at least 2) with half of it as stride, so short windows still give several patches."""
    if window >= 64:
        return 32, 16
    p = 2
    while p * 2 <= window / 4:
        p *= 2
    return p, max(1, p // 2)


@dataclass
class ModelConfig:
    kind: str = "patchformer"
    window: int = 200  # samples
    n_classes: int = 2
    severity: bool = False  # build the severity head
    channels: int = 6
    # patchformer
    patch: Optional[int] = None  # None: auto_patch(window)
    stride: Optional[int] = None
    d_ch: int = 4
    ch_heads: int = 1
    d_model: int = 64
    layers: int = 2
    heads: int = 4
    ff: int = 128
    dropout: float = 0.1
    # cnn
    width: int = 64

    def resolved(self) -> "ModelConfig":
        c = ModelConfig(**asdict(self))
        if c.kind == "patchformer" and (c.patch is None or c.stride is None):
            p, s = auto_patch(c.window)
            c.patch = c.patch or p
            c.stride = c.stride or s
        return c

    def check(self) -> None:
        from ..base.errors import InputError

        if self.kind not in KINDS:
            raise InputError(None, f"unknown model {self.kind!r} (known: {', '.join(KINDS)})")
        if self.n_classes < 1:
            raise InputError(None, "the training data has no behaviour classes")
        c = self.resolved()
        if c.kind == "patchformer":
            if not 1 <= c.patch <= c.window or c.stride < 1:
                raise InputError(None, f"patch {c.patch} / stride {c.stride} do not fit a window of {c.window} samples")
            if c.d_ch % c.ch_heads or c.d_model % c.heads:
                raise InputError(None, "d_ch must divide by ch_heads and d_model by heads")
        elif c.window < 4:
            raise InputError(None, f"a window of {c.window} samples is too short for the CNN")

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> "ModelConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class ChannelAttention(nn.Module):
    """Multi-head self-attention across the C channels at each time step (scalar-value tokens)."""

    def __init__(self, channels: int = 6, d: int = 4, heads: int = 1):
        super().__init__()
        self.C, self.d, self.h, self.dh = channels, d, heads, d // heads
        self.value_embed = nn.Parameter(torch.randn(channels, d) * 0.5)
        self.channel_embed = nn.Parameter(torch.randn(channels, d) * 0.5)
        self.qkv = nn.Linear(d, 3 * d)

    def _parts(self):
        h, dh, d = self.h, self.dh, self.d
        Wq, Wk, Wv = self.qkv.weight.view(3, h, dh, d)
        bq, bk, bv = self.qkv.bias.view(3, h, dh)

        def emb(M, bias):  # token x_c w_c + e_c through a linear map: x_c * slope_c + offset_c
            return (
                torch.einsum("hed,cd->hce", M, self.value_embed),
                torch.einsum("hed,cd->hce", M, self.channel_embed) + bias[:, None],
            )

        return emb(Wq, bq), emb(Wk, bk), emb(Wv, bv)

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        B, W, C = x.shape
        h = self.h
        (u, mu), (v, nu), (r, rho) = self._parts()
        s = 1.0 / math.sqrt(self.dh)
        # logit[k, h, c] for query channel c and key channel k: q_c . k_k = x_c x_k A + x_c Bm + x_k Cm + D
        A = torch.einsum("hce,hke->khc", u, v) * s
        Bm = torch.einsum("hce,hke->khc", u, nu) * s
        Cm = torch.einsum("hce,hke->khc", mu, v) * s
        D = torch.einsum("hce,hke->khc", mu, nu) * s
        eye = torch.eye(C, dtype=x.dtype, device=x.device)
        M_xx = torch.einsum("khc,ci,kj->khcij", A, eye, eye).reshape(C * h * C, C * C)
        M_x = (torch.einsum("khc,ci->khci", Bm, eye) + torch.einsum("khc,ki->khci", Cm, eye)).reshape(C * h * C, C)
        M = torch.cat([M_xx, M_x], 1)
        xt = x.reshape(B * W, C).t()  # (C, N): samples last
        N = xt.shape[1]
        feats = torch.cat([(xt[:, None, :] * xt[None, :, :]).reshape(C * C, N), xt], 0)
        logits = torch.addmm(D.reshape(-1, 1), M, feats).view(C, h * C, N)  # (key, head*query, N)
        att = torch.softmax(logits, dim=0).view(C, h, C, N)  # softmax over the keys
        # values x_k r_k + rho_k, summed with the attention weights
        G = torch.cat([att * xt[:, None, None, :], att], 0)  # (2C, h, c, N)
        o = torch.einsum("jhcn,hje->nche", G, torch.cat([r, rho], 1))  # (N, c, h, dh)
        tokens = x.unsqueeze(-1) * self.value_embed + self.channel_embed
        out = tokens + o.reshape(B, W, C, self.d)
        if return_attention:
            return out, att.permute(3, 1, 2, 0).reshape(B, W, h, C, C)  # (B, W, head, query, key)
        return out


class _Heads(nn.Module):
    def __init__(self, d: int, n_classes: int, severity: bool):
        super().__init__()
        self.behaviour = nn.Linear(d, n_classes)
        self.safety = nn.Linear(d, N_SAFETY)
        self.severity = nn.Linear(d, N_SEVERITY) if severity else None

    def forward(self, z: torch.Tensor) -> Dict[str, torch.Tensor]:
        out = {"behaviour": self.behaviour(z), "safety": self.safety(z)}
        if self.severity is not None:
            out["severity"] = self.severity(z)
        return out


class IMUPatchformer(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        c = cfg.resolved()
        self.patch, self.stride = c.patch, c.stride
        self.n_patches = (c.window - c.patch) // c.stride + 1
        self.channel_attention = ChannelAttention(c.channels, c.d_ch, c.ch_heads)
        self.embed = nn.Linear(c.patch * c.channels * c.d_ch, c.d_model)
        self.cls = nn.Parameter(torch.zeros(1, 1, c.d_model))
        self.pos = nn.Parameter(torch.randn(1, self.n_patches + 1, c.d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(c.d_model, c.heads, c.ff, c.dropout, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.d_model)
        self.heads = _Heads(c.d_model, c.n_classes, c.severity)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        B = x.shape[0]
        t = self.channel_attention(x).flatten(2)  # (B, W, C * d_ch)
        p = t.unfold(1, self.patch, self.stride).flatten(2)  # (B, n_patches, C * d_ch * patch)
        z = torch.cat([self.cls.expand(B, -1, -1), self.embed(p)], 1) + self.pos
        z = self.norm(self.encoder(z))[:, 0]
        return self.heads(z)


class CNN1D(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        w = cfg.width
        self.features = nn.Sequential(
            nn.Conv1d(cfg.channels, w, 7, stride=2, padding=3),
            nn.BatchNorm1d(w),
            nn.ReLU(),
            nn.Conv1d(w, w, 5, padding=2),
            nn.BatchNorm1d(w),
            nn.ReLU(),
            nn.MaxPool1d(2, ceil_mode=True),
            nn.Conv1d(w, w, 5, padding=2),
            nn.BatchNorm1d(w),
            nn.ReLU(),
            nn.AdaptiveAvgPool1d(1),
            nn.Flatten(),
            nn.Dropout(0.2),
        )
        self.heads = _Heads(w, cfg.n_classes, cfg.severity)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return self.heads(self.features(x.transpose(1, 2)))


class Classifier(nn.Module):
    """Normalisation (training-data statistics, saved as buffers) + network."""

    def __init__(self, cfg: ModelConfig, mean=None, std=None):
        super().__init__()
        cfg.check()
        self.config = cfg.resolved()
        self.net = IMUPatchformer(self.config) if cfg.kind == "patchformer" else CNN1D(self.config)
        self.register_buffer("mean", torch.zeros(cfg.channels) if mean is None else torch.as_tensor(mean).float())
        self.register_buffer("std", torch.ones(cfg.channels) if std is None else torch.as_tensor(std).float())

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        return self.net((x - self.mean) / self.std)


def build_model(cfg: ModelConfig, mean=None, std=None) -> Classifier:
    return Classifier(cfg, mean, std)


def n_parameters(model: nn.Module) -> int:
    return int(sum(p.numel() for p in model.parameters()))
