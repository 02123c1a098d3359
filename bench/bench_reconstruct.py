"""Speed of the video -> motion pipeline: ViTPose-S/B 2D pose, VideoPose3D lifting, end-to-end estimate.

Models are the real architectures at their real sizes with random weights
(speed does not depend on the weights): ViTPose-S (hidden 384, 12 layers, 6
heads), ViTPose-B (768, 12, 12), input 256x192; VideoPose3D 243-frame model
(filter widths 3,3,3,3,3, 1024 channels) with flip test-time augmentation.
Figures are medians of several runs.

    .venv/bin/python bench/bench_reconstruct.py [--compute cpu|cuda] [--repeats 5] [--full]

``--full`` also runs the real pipeline (``reconstruct_video``) on a generated
10 s, 30 fps, 640x480 clip with ViTPose-S and a fixed person box.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import torch

SIZES = {"ViTPose-S": (384, 12, 6), "ViTPose-B": (768, 12, 12)}


def vitpose(hidden, depth, heads):
    from transformers import VitPoseBackboneConfig, VitPoseConfig, VitPoseForPoseEstimation
    from transformers.models.vitpose import VitPoseImageProcessorPil

    bb = VitPoseBackboneConfig(
        hidden_size=hidden,
        num_hidden_layers=depth,
        num_attention_heads=heads,
        image_size=[256, 192],
        patch_size=[16, 16],
        out_indices=[depth],
    )
    return VitPoseForPoseEstimation(VitPoseConfig(backbone_config=bb, num_labels=17)).eval(), VitPoseImageProcessorPil()


def timed(fn, repeats):
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def make_clip(path, n=300, w=640, h=480, fps=30):
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    rng = np.random.default_rng(0)
    bg = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    for i in range(n):
        f = bg.copy()
        cv2.rectangle(f, (200 + i % 50, 60), (320 + i % 50, 420), (30, 60, 200), -1)
        vw.write(f)
    vw.release()
    return path


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--compute", default="cpu", help="cpu, cuda or cuda:N")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--full", action="store_true")
    args = ap.parse_args(argv)
    from imu2safety.core.reconstruct.lift3d import TemporalModel, lift
    from imu2safety.core.reconstruct.pose2d import PoseEstimator
    from imu2safety.core.reconstruct.video import VideoReader

    dev = args.compute
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}", flush=True)
    frame = (np.random.default_rng(1).random((480, 640, 3)) * 255).astype(np.uint8)
    box1 = np.array([[200.0, 60.0, 320.0, 420.0]])
    res = {}
    for name, (hid, depth, heads) in SIZES.items():
        model, proc = vitpose(hid, depth, heads)
        est = PoseEstimator(_model=model, _processor=proc, device=dev, batch_size=8)
        t1 = timed(lambda: est.estimate(frame, box1), args.repeats)
        items = [(frame, box1)] * 8
        t8 = timed(lambda: est.estimate_many(items), max(2, args.repeats // 2))
        res[name] = t1
        print(
            f"{name}: {1 / t1:6.2f} frames/s one person per frame (batch 1, incl. crop + post-processing); "
            f"{8 / t8:6.2f} crops/s in batches of 8",
            flush=True,
        )
    lifter = TemporalModel(17, 2, 17, filter_widths=[3, 3, 3, 3, 3], channels=1024).eval()
    kps = 320 + np.random.default_rng(2).normal(0, 40, (300, 17, 2))
    tl = timed(lambda: lift(lifter, kps, 640, 480, device=dev), max(3, args.repeats // 2))
    print(f"VideoPose3D-243 (flip TTA): {300 / tl:8.1f} frames/s ({tl:.2f} s for 300 frames)", flush=True)
    with tempfile.TemporaryDirectory() as d:
        clip = make_clip(Path(d) / "clip.mp4")

        def decode():
            with VideoReader(clip) as v:
                for i in range(len(v)):
                    v.frame(i)

        td = timed(decode, 3)
        print(f"decode 300 frames 640x480 (open/scan + read): {td:.2f} s", flush=True)
        for name, t1 in res.items():
            est_total = td + 300 * t1 + tl
            print(
                f"end-to-end estimate, 10 s 30 fps clip, one person, {name}: {est_total:.1f} s "
                f"({est_total / 10:.1f}x real time)",
                flush=True,
            )
        if args.full:
            from imu2safety.core.reconstruct.lift3d import TemporalModel as TM
            from imu2safety.core.reconstruct.pipeline import reconstruct_video

            model, proc = vitpose(*SIZES["ViTPose-S"])
            est = PoseEstimator(_model=model, _processor=proc, device=dev)
            t = time.perf_counter()
            reconstruct_video(
                clip,
                pose_model=est,
                lifter=TM(17, 2, 17, [3, 3, 3, 3, 3]).eval(),
                detector="box:200,60,320,420",
                cache_dir=Path(d) / "cache",
                device=dev,
            )
            print(
                f"measured end-to-end (reconstruct_video, ViTPose-S, fixed box, no cache): "
                f"{time.perf_counter() - t:.1f} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
