"""Tiny random-weight models and videos for the reconstruction tests (no downloads)."""

from __future__ import annotations

import cv2
import numpy as np
import torch

POSE_H, POSE_W = 64, 48


def tiny_vitpose(seed: int = 0):
    from transformers import VitPoseBackboneConfig, VitPoseConfig, VitPoseForPoseEstimation
    from transformers.models.vitpose import VitPoseImageProcessorPil

    torch.manual_seed(seed)
    bb = VitPoseBackboneConfig(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        mlp_ratio=2,
        image_size=[POSE_H, POSE_W],
        patch_size=[16, 16],
        out_indices=[2],
    )
    model = VitPoseForPoseEstimation(VitPoseConfig(backbone_config=bb, num_labels=17)).eval()
    proc = VitPoseImageProcessorPil(size={"height": POSE_H, "width": POSE_W})
    return model, proc


def save_tiny_vitpose(folder, seed: int = 0):
    model, proc = tiny_vitpose(seed)
    model.save_pretrained(folder)
    proc.save_pretrained(folder)
    return folder


def tiny_lifter(widths=(3, 3, 3), channels=32, causal=False, seed=0):
    from imu2safety.core.reconstruct.lift3d import TemporalModel

    torch.manual_seed(seed)
    m = TemporalModel(17, 2, 17, filter_widths=list(widths), causal=causal, channels=channels).eval()
    # non-trivial batch-norm statistics, as a trained model has
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm1d):
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
    return m


def save_official_checkpoint(model, path, prefix: str = ""):
    """Write a checkpoint laid out like VideoPose3D's run.py does (with a numpy RandomState in it)."""
    sd = {prefix + k: v for k, v in model.state_dict().items()}
    torch.save(
        {
            "epoch": 80,
            "lr": 1e-4,
            "random_state": np.random.RandomState(1234),
            "optimizer": None,
            "model_pos": sd,
            "model_traj": None,
            "random_state_semi": None,
        },
        path,
    )
    return path


def person_video(path, n=30, size=(160, 120), fps=30, fourcc="MJPG"):
    """A moving stick figure on grey (enough texture for the pipeline to run; models are random anyway)."""
    w, h = size
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
    for i in range(n):
        f = np.full((h, w, 3), 90, np.uint8)
        x = 50 + i
        cv2.circle(f, (x, 25), 8, (200, 180, 160), -1)
        cv2.line(f, (x, 33), (x, 70), (30, 60, 200), 6)
        cv2.line(f, (x, 70), (x - 10, 105), (40, 40, 40), 5)
        cv2.line(f, (x, 70), (x + 10, 105), (40, 40, 40), 5)
        cv2.line(f, (x, 40), (x - 15, 60 - i % 10), (30, 60, 200), 4)
        cv2.line(f, (x, 40), (x + 15, 60), (30, 60, 200), 4)
        vw.write(f)
    vw.release()
    return path
