"""Left/right swaps of a pose model are found and undone along a track (core.reconstruct.sides)."""

import numpy as np

from imu2safety.core.motion.skeletons import get_skeleton
from imu2safety.core.reconstruct.sides import consistent_sides, side_permutation

NAMES = get_skeleton("blazepose33").joints
PERM = side_permutation(NAMES)


def walker(T=60, fps=10.0, facing_deg=None):
    """2D landmarks of a person walking across the image, and hip-centred 3D in camera axes (x right, y down,
    z away from the camera). ``facing_deg`` (T,) turns the body about the vertical (0: facing the camera)."""
    rng = np.random.default_rng(0)
    t = np.arange(T) / fps
    base = np.zeros((33, 3))
    for i, n in enumerate(NAMES):
        side = -1.0 if n.startswith("l_") else (1.0 if n.startswith("r_") else 0.0)
        # facing the camera, the person's left is on the image's right (+x)
        width = 0.18 if "shoulder" in n or "elbow" in n or "wrist" in n or n[2:] in ("pinky", "index", "thumb") else 0.1
        height = {"shoulder": -0.5, "elbow": -0.25, "wrist": 0.0, "hip": 0.0, "knee": 0.45, "ankle": 0.9}
        y = next((v for k, v in height.items() if k in n), -0.7 if side == 0 else 0.9)
        base[i] = (-side * width, y, -0.05 * abs(side))
    face = np.zeros(T) if facing_deg is None else np.deg2rad(facing_deg)
    world = np.empty((T, 33, 3))
    for k in range(T):
        c, s = np.cos(face[k]), np.sin(face[k])
        R = np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
        world[k] = base @ R.T
    world += rng.normal(0, 0.005, world.shape)
    kps = 300.0 + world[..., :2] * 200.0 + np.c_[40 * t, 0 * t][:, None, :]  # walks 40 px/s to the right
    scores = np.full((T, 33), 0.9)
    return kps, scores, world


def swapped(kps, scores, world, frames):
    kps, scores, world = kps.copy(), scores.copy(), world.copy()
    kps[frames] = kps[frames][:, PERM]
    scores[frames] = scores[frames][:, PERM]
    w = world[frames][:, PERM]
    w[..., 2] *= -1
    world[frames] = w
    return kps, scores, world


def test_pairs_of_the_skeletons():
    assert PERM[NAMES.index("l_wrist")] == NAMES.index("r_wrist")
    assert PERM[NAMES.index("nose")] == NAMES.index("nose")
    assert side_permutation(["a", "b"]) is None


def test_a_stretch_of_swapped_frames_is_relabelled_back():
    kps, scores, world = walker()
    frames = np.arange(20, 31)  # the model read the person as facing away on 11 of 60 frames
    k2, s2, w2 = swapped(kps, scores, world, frames)
    s2[frames, NAMES.index("l_wrist")] = 0.2  # scores travel with their landmark
    k3, s3, w3, _, info = consistent_sides(k2, s2, NAMES, 10.0, w2)
    assert info["swaps"] == 2 and info["relabelled_frames"] == 11
    np.testing.assert_allclose(k3, kps)
    np.testing.assert_allclose(w3, world)
    assert s3[25, NAMES.index("r_wrist")] == 0.2


def test_the_minority_reading_is_the_one_changed():
    kps, scores, world = walker()
    k2, s2, w2 = swapped(kps, scores, world, np.arange(15, 60))  # swapped from frame 15 to the end
    k3, _, _, _, info = consistent_sides(k2, s2, NAMES, 10.0, w2)
    assert info["swaps"] == 1 and info["relabelled_frames"] == 15
    # the model's majority reading (swapped) is kept: frames 0-14 now agree with it
    np.testing.assert_allclose(k3, swapped(kps, scores, world, np.arange(60))[0])


def test_a_real_turn_is_not_a_swap():
    # turning round over 3 s (10 fps): left and right exchange sides in the picture, gradually
    kps, scores, world = walker(T=60, facing_deg=np.linspace(0, 180, 60))
    k3, _, w3, _, info = consistent_sides(kps, scores, NAMES, 10.0, world)
    assert info["swaps"] == 0 and info["relabelled_frames"] == 0
    np.testing.assert_allclose(k3, kps)


def test_a_person_seen_from_the_side_proves_nothing():
    kps, scores, world = walker(T=30, facing_deg=np.full(30, 90.0))  # both sides in one place in the picture
    k2, s2, w2 = swapped(kps, scores, world, np.arange(10, 15))
    _, _, _, _, info = consistent_sides(k2, s2, NAMES, 10.0, w2)
    assert info["relabelled_frames"] == 0


def test_gaps_longer_than_the_link_start_a_new_chain():
    kps, scores, world = walker(T=60)
    k2, s2, w2 = swapped(kps, scores, world, np.arange(40, 60))
    k2[30:40] = np.nan  # a 1 s gap: the frames after it cannot be compared with those before
    _, _, _, _, info = consistent_sides(k2, s2, NAMES, 10.0, w2)
    assert info["swaps"] == 0 and info["relabelled_frames"] == 0
