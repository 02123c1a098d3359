"""2D keypoints with ViTPose (COCO-17) through Hugging Face transformers.

Top-down: each person box is cropped and resized to the model input (256x192)
with the same unbiased affine warp that transformers' ``VitPoseImageProcessor``
uses (``box_to_center_and_scale`` with 1.25 padding + ``get_warp_matrix``), done
with ``cv2.warpAffine`` for speed; normalisation uses the processor's mean/std.
Heatmaps go back to keypoints in the ORIGINAL frame's pixels through the
processor's own ``post_process_pose_estimation`` (DARK refinement, UDP transform).

Output per box: ``keypoints (17, 2)`` pixels and ``scores (17,)`` heatmap maxima.
Low scores are kept as they are (the caller decides what to trust); a frame or
person without a box has NaN keypoints and score 0 (never invented).

Checkpoints load from a local folder (``config.json`` + weights, as written by
``save_pretrained`` or ``huggingface-cli download``) or from the Hugging Face
cache, with ``local_files_only`` unless the caller allows downloading.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from ..base.errors import InputError
from .checkpoints import hf_weights_kwargs, model_fingerprint, quiet_loading

DEFAULT_POSE_MODEL = "usyd-community/vitpose-base-simple"
N_KEYPOINTS = 17


def pose_model_help(name: str = DEFAULT_POSE_MODEL) -> str:
    folder = "~/models/" + name.split("/")[-1]
    return (
        f"download '{name}' on a machine with internet (`huggingface-cli download {name} "
        f"--local-dir {folder}`), copy the folder here and pass --pose-model {folder} "
        f"(or put it in the Hugging Face cache, ~/.cache/huggingface/hub)"
    )


def resolve_device(device: Optional[str]) -> str:
    """``cpu`` (default), ``cuda``/``cuda:N`` (error when absent) or ``auto`` (CUDA when present)."""
    import torch

    device = (device or "cpu").lower()
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(None, f"device '{device}' asked for but no CUDA GPU is available (use --compute cpu)")
        return device
    if device != "cpu":
        raise InputError(None, f"unknown compute device '{device}' (use cpu, cuda, cuda:N or auto)")
    return device


def load_vitpose(model: str | os.PathLike | None = None, allow_download: bool = False):
    """``(model, processor, model_id)`` from a folder, a hub id in the local cache, or (if allowed) the hub."""
    with quiet_loading():
        return _load_vitpose(model, allow_download)


def _load_vitpose(model, allow_download: bool):
    from transformers import VitPoseForPoseEstimation
    from transformers.models.vitpose import VitPoseImageProcessorPil

    model = DEFAULT_POSE_MODEL if model is None else model
    where = Path(os.path.expanduser(str(model)))
    if where.exists():
        if not where.is_dir() or not (where / "config.json").is_file():
            raise InputError(
                where, f"not a ViTPose checkpoint folder (needs config.json and model.safetensors); {pose_model_help()}"
            )
        src, model_id = str(where), "vitpose:" + model_fingerprint(where)
    else:
        s = str(model)
        if s.count("/") != 1 or s.startswith((".", "/", "~")):
            raise InputError(where, f"no such folder; {pose_model_help()}")
        src, model_id = s, "vitpose:" + s
    try:
        m = VitPoseForPoseEstimation.from_pretrained(
            src, local_files_only=not allow_download, **hf_weights_kwargs(where if where.exists() else None)
        )
    except OSError:
        hub = str(model) if not where.exists() else DEFAULT_POSE_MODEL
        raise InputError(src, f"ViTPose weights not found locally; {pose_model_help(hub)}") from None
    except pickle.UnpicklingError as exc:
        raise InputError(
            src,
            "pickled weights hold code, not only tensors: refusing to load them (nothing from them was run; "
            f"{str(exc).splitlines()[0][:160]})",
        ) from None
    except (ValueError, KeyError) as exc:
        raise InputError(src, f"not a usable ViTPose checkpoint ({exc.__class__.__name__}: {exc})") from None
    try:
        p = VitPoseImageProcessorPil.from_pretrained(src, local_files_only=not allow_download)
    except (OSError, ValueError):
        p = VitPoseImageProcessorPil()
    if getattr(m.config, "num_labels", N_KEYPOINTS) != N_KEYPOINTS:
        raise InputError(src, f"model predicts {m.config.num_labels} keypoints; the pipeline needs COCO-17")
    return m, p, model_id


class PoseEstimator:
    """ViTPose top-down keypoints for person boxes, batched, on CPU or CUDA."""

    def __init__(
        self,
        model: str | os.PathLike | None = None,
        device: str = "cpu",
        allow_download: bool = False,
        batch_size: int = 16,
        _model=None,
        _processor=None,
        _model_id: str = "vitpose:in-memory",
    ):
        import torch
        from transformers.models.vitpose import VitPoseImageProcessorPil

        self.device = resolve_device(device)
        if _model is not None:
            self.model, self.processor, self.model_id = _model, _processor or VitPoseImageProcessorPil(), _model_id
        else:
            self.model, self.processor, self.model_id = load_vitpose(model, allow_download)
        self.model = self.model.to(self.device).eval()
        self.batch_size = max(int(batch_size), 1)
        size = self.processor.size
        self.in_w, self.in_h = int(size["width"]), int(size["height"])
        scale = float(getattr(self.processor, "rescale_factor", 1 / 255))
        mean = np.asarray(self.processor.image_mean, np.float32)
        std = np.asarray(self.processor.image_std, np.float32)
        # one multiply-add: (x * scale - mean) / std
        self._mul = torch.tensor(scale / std, dtype=torch.float32).view(1, 3, 1, 1)
        self._add = torch.tensor(-mean / std, dtype=torch.float32).view(1, 3, 1, 1)
        bb = self.model.config.backbone_config
        self.moe = int(getattr(bb, "num_experts", 1)) > 1
        self.calls = 0  # forward passes run (tests count them to prove the cache works)
        self.crops = 0

    # -- crop ------------------------------------------------------------------
    def crop(self, frame_rgb: np.ndarray, box_xywh: Sequence[float]) -> np.ndarray:
        """The model-input crop (H, W, 3) uint8 of one COCO box, as the processor would make it."""
        from transformers.models.vitpose.image_processing_pil_vitpose import box_to_center_and_scale, get_warp_matrix

        center, scale = box_to_center_and_scale(
            np.asarray(box_xywh, np.float32),
            image_width=self.in_w,
            image_height=self.in_h,
            normalize_factor=getattr(self.processor, "normalize_factor", 200.0),
        )
        m = get_warp_matrix(0, center * 2.0, np.array((self.in_w, self.in_h)) - 1.0, scale * 200.0)
        return cv2.warpAffine(
            frame_rgb,
            m,
            (self.in_w, self.in_h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(0, 0, 0),
        )

    def pixel_values(self, crops: np.ndarray):
        import torch

        x = torch.from_numpy(np.ascontiguousarray(crops)).permute(0, 3, 1, 2).float()
        return x * self._mul + self._add

    # -- inference -------------------------------------------------------------
    def estimate(self, frame_bgr: np.ndarray, boxes_xyxy: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Keypoints (N, 17, 2) in frame pixels and scores (N, 17) for N boxes on one frame."""
        return self.estimate_many([(frame_bgr, boxes_xyxy)])[0]

    def estimate_many(self, items: Sequence[Tuple[np.ndarray, np.ndarray]]):
        """Several frames at once (crops batched across frames): ``[(kps, scores)]`` per frame."""
        import torch

        crops, boxes, owner = [], [], []
        for k, (frame, bx) in enumerate(items):
            bx = np.asarray(bx, float).reshape(-1, 4) if len(bx) else np.zeros((0, 4))
            if len(bx):
                rgb = np.ascontiguousarray(frame[..., ::-1])
            for b in bx:
                xywh = np.array([b[0], b[1], b[2] - b[0], b[3] - b[1]], np.float32)
                crops.append(self.crop(rgb, xywh))
                boxes.append(xywh)
                owner.append(k)
        out_k = [np.full((0, N_KEYPOINTS, 2), np.nan) for _ in items]
        out_s = [np.zeros((0, N_KEYPOINTS)) for _ in items]
        if not crops:
            return list(zip(out_k, out_s))
        kps = np.empty((len(crops), N_KEYPOINTS, 2))
        scs = np.empty((len(crops), N_KEYPOINTS))
        for s in range(0, len(crops), self.batch_size):
            batch = np.stack(crops[s : s + self.batch_size])
            bxs = boxes[s : s + self.batch_size]
            pv = self.pixel_values(batch).to(self.device)
            kwargs = {}
            if self.moe:
                kwargs["dataset_index"] = torch.zeros(len(batch), dtype=torch.long, device=self.device)
            with torch.inference_mode():
                out = self.model(pixel_values=pv, **kwargs)
            self.calls += 1
            self.crops += len(batch)
            res = self.processor.post_process_pose_estimation(out, boxes=[np.stack(bxs)])[0]
            for j, r in enumerate(res):
                kps[s + j] = r["keypoints"].cpu().numpy()
                scs[s + j] = r["scores"].cpu().numpy().reshape(-1)
        owner = np.asarray(owner)
        for k in range(len(items)):
            sel = owner == k
            out_k[k], out_s[k] = kps[sel], scs[sel]
        return list(zip(out_k, out_s))
