"""Left and right kept consistent along a person's track.

A pose model decides from the picture which way a person faces, and for small,
far or blurred people it sometimes changes its mind from one frame to the next:
every left landmark becomes right and the reverse ("a left/right swap"), while
the points in the picture barely move. A real person cannot turn round in one
frame, so a swap is a jump that no limb made. Downstream it is a disaster for a
wrist IMU: the "right wrist" changes arm, and the shoulder line that sets the
forearm's roll reverses, which gives gyro spikes of thousands of degrees per
second.

Detection, per pair of consecutive observed frames: the summed image distance
between the two frames' landmarks, with the labels as given (``same``) and with
left and right exchanged in the later frame (``swapped``). A swap is
``swapped < SWAP_RATIO * same`` with the difference larger than
``MIN_SWAP_PX_PER_PAIR`` pixels per left/right pair (a person seen from the side
has both sides in nearly one place, and proves nothing). Frames linked by such
comparisons (gaps of up to ``MAX_LINK_GAP_S`` between observed frames) form a
chain; the swaps split a chain into stretches of alternating labelling.

Correction: in each chain, the labelling the model gave on most frames is kept,
and the frames in the minority labelling are relabelled: left and right
exchanged in the 2D landmarks and their scores, and, for 3D world landmarks
(hip-centred, camera axes), also mirrored in depth. The model's two readings of
one picture are "facing the camera" and "facing away": exchanging the labels
without mirroring the depth would give a mirror-image body.
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence, Tuple

import numpy as np

SWAP_RATIO = 0.6
MIN_SWAP_PX_PER_PAIR = 2.0
MAX_LINK_GAP_S = 0.25


def side_permutation(joint_names: Sequence[str]) -> Optional[np.ndarray]:
    """The joint order with every ``l_*`` and ``r_*`` joint exchanged; None when the skeleton has no pairs."""
    names = list(joint_names)
    perm = np.arange(len(names))
    pairs = 0
    for i, n in enumerate(names):
        if n.startswith("l_") and "r_" + n[2:] in names:
            j = names.index("r_" + n[2:])
            perm[i], perm[j] = j, i
            pairs += 1
    return perm if pairs else None


def find_swaps(keypoints: np.ndarray, perm: np.ndarray, fps: float) -> Tuple[np.ndarray, np.ndarray]:
    """Per frame: the chain id (-1 where not observed) and the labelling parity (0 or 1) within its chain."""
    kps = np.asarray(keypoints, float)
    T = len(kps)
    n_pairs = int(np.sum(perm != np.arange(len(perm)))) // 2
    chain = np.full(T, -1, dtype=np.int64)
    parity = np.zeros(T, dtype=np.int8)
    max_gap = max(1, int(round(MAX_LINK_GAP_S * fps)))
    cur, last = -1, None
    for t in range(T):
        pts = kps[t]
        seen = np.isfinite(pts).all(axis=1)
        if seen.sum() < 4:
            continue
        if last is None or t - last > max_gap:
            cur += 1
            chain[t], parity[t], last = cur, 0, t
            continue
        prev = kps[last]
        both = seen & np.isfinite(prev).all(axis=1)
        both_sw = seen[perm] & np.isfinite(prev).all(axis=1)
        use = both & both_sw
        flip = 0
        if use.sum() >= 4:
            same = np.linalg.norm(pts[use] - prev[use], axis=1).sum()
            swapped = np.linalg.norm(pts[perm][use] - prev[use], axis=1).sum()
            if swapped < SWAP_RATIO * same and same - swapped > MIN_SWAP_PX_PER_PAIR * n_pairs:
                flip = 1
        chain[t], parity[t], last = cur, parity[last] ^ flip, t
    return chain, parity


def consistent_sides(
    keypoints: np.ndarray,
    scores: np.ndarray,
    joint_names: Sequence[str],
    fps: float,
    world: Optional[np.ndarray] = None,
    extra: Sequence[np.ndarray] = (),
) -> Tuple[np.ndarray, np.ndarray, Optional[np.ndarray], list, Dict]:
    """Relabel the minority stretches of each chain (module doc). Returns copies and a provenance dict.

    ``keypoints`` (T, J, 2) pixels, ``scores`` (T, J), ``world`` (T, J, 3) hip-centred camera axes or None,
    ``extra``: more (T, J, ...) per-landmark arrays to relabel alike (e.g. presence).
    """
    perm = side_permutation(joint_names)
    kps = np.array(keypoints, float)
    sc = np.array(scores, float)
    wl = None if world is None else np.array(world, float)
    ex = [np.array(a) for a in extra]
    info: Dict = {"method": "left/right swaps between consecutive frames; minority stretches relabelled"}
    if perm is None:
        info.update(swaps=0, relabelled_frames=0)
        return kps, sc, wl, ex, info
    chain, parity = find_swaps(kps, perm, fps)
    swaps = 0
    flip = np.zeros(len(kps), bool)
    for c in np.unique(chain[chain >= 0]):
        in_c = chain == c
        p = parity[in_c]
        swaps += int(np.count_nonzero(np.diff(p)))
        minority = 1 if np.count_nonzero(p) <= len(p) / 2 else 0
        flip[np.flatnonzero(in_c)[p == minority]] = True
    if flip.any():
        kps[flip] = kps[flip][:, perm]
        sc[flip] = sc[flip][:, perm]
        for a in ex:
            a[flip] = a[flip][:, perm]
        if wl is not None:
            w = wl[flip][:, perm]
            w[..., 2] *= -1.0  # the other reading of the picture faces the other way: depth mirrored
            wl[flip] = w
    info.update(swaps=swaps, relabelled_frames=int(flip.sum()))
    return kps, sc, wl, ex, info
