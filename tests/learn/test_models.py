"""The networks: the closed-form channel attention is standard attention; patch defaults."""

import math

import torch

from imu2safety.core.learn.models import ChannelAttention, ModelConfig, auto_patch, build_model


def reference_attention(m: ChannelAttention, x: torch.Tensor) -> torch.Tensor:
    """Textbook multi-head attention over the 6 channel tokens at each time step (no tricks)."""
    B, W, C = x.shape
    tok = x.unsqueeze(-1) * m.value_embed + m.channel_embed  # (B, W, C, d)
    q, k, v = m.qkv(tok).split(m.d, dim=-1)
    split = lambda t: t.view(B, W, C, m.h, m.dh).transpose(2, 3)  # (B, W, h, C, dh)
    q, k, v = split(q), split(k), split(v)
    a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(m.dh), dim=-1)
    o = (a @ v).transpose(2, 3).reshape(B, W, C, m.d)
    return tok + o


def test_closed_form_channel_attention_equals_the_textbook_one():
    torch.manual_seed(1)
    for d, heads in ((4, 1), (4, 2), (8, 2)):
        m = ChannelAttention(6, d, heads)
        x = 3 * torch.randn(3, 11, 6)
        assert torch.allclose(m(x), reference_attention(m, x), atol=1e-5)
        out, att = m(x, return_attention=True)
        assert att.shape == (3, 11, heads, 6, 6)
        assert torch.allclose(att.sum(-1), torch.ones(3, 11, heads, 6), atol=1e-6)


def test_gradients_match_the_textbook_attention():
    torch.manual_seed(2)
    m = ChannelAttention(6, 4, 2)
    x = torch.randn(2, 5, 6)
    g1 = torch.autograd.grad(m(x).square().sum(), m.qkv.weight)[0]
    g2 = torch.autograd.grad(reference_attention(m, x).square().sum(), m.qkv.weight)[0]
    assert torch.allclose(g1, g2, atol=1e-4)


def test_patch_defaults():
    assert auto_patch(200) == (32, 16)  # 2 s at 100 Hz: 11 patches
    assert auto_patch(100) == (32, 16)  # 2 s at 50 Hz: 5 patches
    assert auto_patch(20) == (4, 2)  # 2 s at 10 Hz: 9 patches
    assert auto_patch(50) == (8, 4)
    net = build_model(ModelConfig(window=200, n_classes=5)).net
    assert (net.patch, net.stride, net.n_patches) == (32, 16, 11)


def test_heads_and_shapes():
    for kind in ("patchformer", "cnn"):
        m = build_model(ModelConfig(kind=kind, window=20, n_classes=3, severity=True))
        out = m(torch.randn(4, 20, 6))
        assert out["behaviour"].shape == (4, 3) and out["safety"].shape == (4, 2) and out["severity"].shape == (4, 4)
        assert "severity" not in build_model(ModelConfig(kind=kind, window=20, n_classes=3))(torch.randn(2, 20, 6))
