"""Joint orders of the skeletons the motion interchange accepts.

Each skeleton names its joints in order and says where each arm's shoulder,
elbow and wrist are (what the wrist simulator needs). Skeletons with hand
joints also name two hand points on either side of the palm, so the forearm
roll can come from the hand plane instead of the arm plane: NTU's hand centre
and thumb, BlazePose's pinky and index knuckles (the second one is always on
the thumb's side).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple


@dataclass(frozen=True)
class Skeleton:
    name: str
    joints: Tuple[str, ...]
    # side -> (shoulder, elbow, wrist) joint indices
    arms: Dict[str, Tuple[int, int, int]]
    # side -> (hand point, point on the thumb's side of it) indices, when the skeleton has hands:
    # the palm plane goes through the wrist and these two (NTU: hand centre, thumb; BlazePose: pinky, index)
    hands: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    # bones for drawing, as (parent, child) index pairs
    bones: Tuple[Tuple[int, int], ...] = ()

    @property
    def n_joints(self) -> int:
        return len(self.joints)

    def index(self, name: str) -> int:
        return self.joints.index(name)


H36M17 = Skeleton(
    name="h36m17",
    joints=(
        "pelvis",
        "r_hip",
        "r_knee",
        "r_foot",
        "l_hip",
        "l_knee",
        "l_foot",
        "spine",
        "thorax",
        "neck",
        "head",
        "l_shoulder",
        "l_elbow",
        "l_wrist",
        "r_shoulder",
        "r_elbow",
        "r_wrist",
    ),
    arms={"left": (11, 12, 13), "right": (14, 15, 16)},
    bones=(
        (0, 1),
        (1, 2),
        (2, 3),
        (0, 4),
        (4, 5),
        (5, 6),
        (0, 7),
        (7, 8),
        (8, 9),
        (9, 10),
        (8, 11),
        (11, 12),
        (12, 13),
        (8, 14),
        (14, 15),
        (15, 16),
    ),
)

COCO17 = Skeleton(
    name="coco17",
    joints=(
        "nose",
        "l_eye",
        "r_eye",
        "l_ear",
        "r_ear",
        "l_shoulder",
        "r_shoulder",
        "l_elbow",
        "r_elbow",
        "l_wrist",
        "r_wrist",
        "l_hip",
        "r_hip",
        "l_knee",
        "r_knee",
        "l_ankle",
        "r_ankle",
    ),
    arms={"left": (5, 7, 9), "right": (6, 8, 10)},
    bones=(
        (0, 1),
        (0, 2),
        (1, 3),
        (2, 4),
        (5, 6),
        (5, 7),
        (7, 9),
        (6, 8),
        (8, 10),
        (5, 11),
        (6, 12),
        (11, 12),
        (11, 13),
        (13, 15),
        (12, 14),
        (14, 16),
    ),
)

# Kinect v2 order used by NTU RGB+D (25 joints, with hands).
NTU25 = Skeleton(
    name="ntu25",
    joints=(
        "spine_base",
        "spine_mid",
        "neck",
        "head",
        "l_shoulder",
        "l_elbow",
        "l_wrist",
        "l_hand",
        "r_shoulder",
        "r_elbow",
        "r_wrist",
        "r_hand",
        "l_hip",
        "l_knee",
        "l_ankle",
        "l_foot",
        "r_hip",
        "r_knee",
        "r_ankle",
        "r_foot",
        "spine_shoulder",
        "l_hand_tip",
        "l_thumb",
        "r_hand_tip",
        "r_thumb",
    ),
    arms={"left": (4, 5, 6), "right": (8, 9, 10)},
    hands={"left": (7, 22), "right": (11, 24)},
    bones=(
        (0, 1),
        (1, 20),
        (20, 2),
        (2, 3),
        (20, 4),
        (4, 5),
        (5, 6),
        (6, 7),
        (7, 21),
        (6, 22),
        (20, 8),
        (8, 9),
        (9, 10),
        (10, 11),
        (11, 23),
        (10, 24),
        (0, 12),
        (12, 13),
        (13, 14),
        (14, 15),
        (0, 16),
        (16, 17),
        (17, 18),
        (18, 19),
    ),
)

# HumanML3D / T2M-GPT 22-joint SMPL order.
SMPL22 = Skeleton(
    name="smpl22",
    joints=(
        "pelvis",
        "l_hip",
        "r_hip",
        "spine1",
        "l_knee",
        "r_knee",
        "spine2",
        "l_ankle",
        "r_ankle",
        "spine3",
        "l_foot",
        "r_foot",
        "neck",
        "l_collar",
        "r_collar",
        "head",
        "l_shoulder",
        "r_shoulder",
        "l_elbow",
        "r_elbow",
        "l_wrist",
        "r_wrist",
    ),
    arms={"left": (16, 18, 20), "right": (17, 19, 21)},
    bones=(
        (0, 1),
        (1, 4),
        (4, 7),
        (7, 10),
        (0, 2),
        (2, 5),
        (5, 8),
        (8, 11),
        (0, 3),
        (3, 6),
        (6, 9),
        (9, 12),
        (12, 15),
        (9, 13),
        (13, 16),
        (16, 18),
        (18, 20),
        (9, 14),
        (14, 17),
        (17, 19),
        (19, 21),
    ),
)

# DeepMimic's humanoid (pybullet humanoid.urdf; see import_deepmimic): no hands, so no hand plane.
DEEPMIMIC15 = Skeleton(
    name="deepmimic15",
    joints=(
        "root",
        "chest",
        "neck",
        "r_hip",
        "r_knee",
        "r_ankle",
        "r_shoulder",
        "r_elbow",
        "r_wrist",
        "l_hip",
        "l_knee",
        "l_ankle",
        "l_shoulder",
        "l_elbow",
        "l_wrist",
    ),
    arms={"left": (12, 13, 14), "right": (6, 7, 8)},
    bones=(
        (0, 1),
        (1, 2),
        (0, 3),
        (3, 4),
        (4, 5),
        (1, 6),
        (6, 7),
        (7, 8),
        (0, 9),
        (9, 10),
        (10, 11),
        (1, 12),
        (12, 13),
        (13, 14),
    ),
)

# MediaPipe BlazePose (GHUM) 33 landmarks: the hand points are the pinky, index and thumb knuckles.
BLAZEPOSE33 = Skeleton(
    name="blazepose33",
    joints=(
        "nose", "l_eye_inner", "l_eye", "l_eye_outer", "r_eye_inner", "r_eye", "r_eye_outer", "l_ear", "r_ear",
        "l_mouth", "r_mouth", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist",
        "l_pinky", "r_pinky", "l_index", "r_index", "l_thumb", "r_thumb", "l_hip", "r_hip", "l_knee", "r_knee",
        "l_ankle", "r_ankle", "l_heel", "r_heel", "l_foot_index", "r_foot_index",
    ),
    arms={"left": (11, 13, 15), "right": (12, 14, 16)},
    hands={"left": (17, 19), "right": (18, 20)},
    bones=(
        (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (17, 19), (15, 21), (12, 14), (14, 16), (16, 18),
        (16, 20), (18, 20), (16, 22), (11, 23), (12, 24), (23, 24), (23, 25), (25, 27), (27, 29), (29, 31),
        (27, 31), (24, 26), (26, 28), (28, 30), (30, 32), (28, 32), (0, 1), (1, 2), (2, 3), (3, 7), (0, 4),
        (4, 5), (5, 6), (6, 8), (9, 10),
    ),
)  # fmt: skip

SKELETONS: Dict[str, Skeleton] = {s.name: s for s in (H36M17, COCO17, NTU25, SMPL22, DEEPMIMIC15, BLAZEPOSE33)}


def register_skeleton(skeleton: Skeleton) -> None:
    """Add a skeleton (importers with their own joint sets call this)."""
    SKELETONS[skeleton.name] = skeleton


def get_skeleton(name: str) -> Optional[Skeleton]:
    return SKELETONS.get(name)
