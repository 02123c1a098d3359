"""The HDF5 layout of a dataset file (DESIGN.md section 7), shared by the writer and the reader.

Layout (``SCHEMA_VERSION`` 1)::

    /  attrs: schema_version, created_utc, generator (JSON: package, version, git_sha),
              taxonomy (JSON, the exact merged taxonomy), units (JSON), project, settings (JSON)
    /clips/<clip_id>  attrs: subject, split, source (JSON: motion/video paths + sha256), fps ("num/den"),
              fps_num, fps_den, trim_in, trim_out, wrist, imu_rate_hz, device (preset JSON), device_name,
              seed, variant_seeds (JSON), provenance (JSON: simulation settings and realisation)
       imu/acc (N,3) float32 m/s^2, imu/gyro (N,3) float32 rad/s   (variant 0: the clip's own seed)
       imu/valid (N,) bool, imu/acc_clean, imu/gyro_clean (N,3) float32 (before device errors)
       imu/acc_variants, imu/gyro_variants (K,N,3) float32          (only when --variants K > 1)
       skeleton/joints (F,J,3) float32 (trimmed; attrs skeleton, joint_names, up)
       labels/segments compound: start_s, end_s (s from the trim-in), start_frame, end_frame (source
              frames, clipped to the trim), label (behaviour code), behaviour, safety (code),
              severity (-1 none), phase, annotator, confidence, flags (1 occluded, 2 partly out of frame)
    /windows  X (M,W,6) float32 [acc xyz, gyro xyz], y (M,) int32 behaviour code, safety (M,) int8,
              clip_index (M,) into attrs clip_ids, start_sample (M,), variant (M,)
              attrs: window (samples), hop (samples), window_s, hop_s, rate_hz, label_rule, min_fraction,
              clip_ids (JSON)
    /mask/train, /mask/val, /mask/test   clip ids (strings)
"""

import h5py
import numpy as np

SCHEMA_VERSION = 1
UNITS = {
    "acc": "m/s^2",
    "gyro": "rad/s",
    "time": "s",
    "joints": "m",
    "start_s": "s",
    "end_s": "s",
    "rate_hz": "Hz",
    "window_X_channels": ["acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"],
}
SPLITS = ("train", "val", "test")

SEG_DTYPE = np.dtype(
    [
        ("start_s", "f8"),
        ("end_s", "f8"),
        ("start_frame", "i8"),
        ("end_frame", "i8"),
        ("label", "i4"),
        ("behaviour", h5py.string_dtype()),
        ("safety", "i1"),
        ("severity", "i1"),
        ("phase", h5py.string_dtype()),
        ("annotator", h5py.string_dtype()),
        ("confidence", "f4"),
        ("flags", "u1"),
    ]
)
