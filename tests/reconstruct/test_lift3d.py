"""VideoPose3D lifter (random weights) and the camera -> world step (analytic camera)."""

import numpy as np
import pytest
import torch
from recon_helpers import save_official_checkpoint, tiny_lifter

from imu2safety.core.base.errors import InputError
from imu2safety.core.motion.skeletons import COCO17, H36M17
from imu2safety.core.reconstruct.camera_world import H36M_FROM_COCO, to_world
from imu2safety.core.reconstruct.lift3d import (
    COCO_LEFT,
    COCO_RIGHT,
    H36M_LEFT,
    H36M_RIGHT,
    TemporalModel,
    lift,
    load_lifter,
    normalize_screen_coordinates,
    run_lifter,
)


@pytest.mark.parametrize("widths,rf", [([3, 3, 3], 27), ([3, 3, 3, 3], 81), ([3, 3, 3, 3, 3], 243)])
def test_receptive_field_and_shapes(widths, rf):
    m = TemporalModel(17, 2, 17, filter_widths=widths, channels=16).eval()
    assert m.receptive_field() == rf
    with torch.no_grad():
        y = m(torch.zeros(2, rf + 9, 17, 2))
    assert y.shape == (2, 10, 17, 3)


def test_official_parameter_names():
    m = TemporalModel(17, 2, 17, filter_widths=[3, 3, 3], channels=8)
    keys = set(m.state_dict())
    # names as in facebookresearch/VideoPose3D common/model.py
    for k in (
        "expand_conv.weight",
        "expand_bn.weight",
        "expand_bn.running_mean",
        "expand_bn.num_batches_tracked",
        "layers_conv.0.weight",
        "layers_conv.1.weight",
        "layers_conv.3.weight",
        "layers_bn.3.running_var",
        "shrink.weight",
        "shrink.bias",
    ):
        assert k in keys, k
    assert not any("bias" in k for k in keys if k.startswith(("expand_conv", "layers_conv")))
    assert m.state_dict()["layers_conv.2.weight"].shape == (8, 8, 3)
    assert m.layers_conv[2].dilation == (9,)


def test_symmetry_lists_match_the_skeletons():
    assert all(COCO17.joints[i].startswith("l_") for i in COCO_LEFT)
    assert all(COCO17.joints[i].startswith("r_") for i in COCO_RIGHT)
    assert [COCO17.joints[i][2:] for i in COCO_LEFT] == [COCO17.joints[i][2:] for i in COCO_RIGHT]
    assert all(H36M17.joints[i].startswith("l_") for i in H36M_LEFT)
    assert [H36M17.joints[i][2:] for i in H36M_LEFT] == [H36M17.joints[i][2:] for i in H36M_RIGHT]


def test_normalisation_as_the_original():
    x = np.array([[0.0, 0.0], [640.0, 480.0], [320.0, 240.0]])
    n = normalize_screen_coordinates(x, 640, 480)
    assert np.allclose(n, [[-1, -0.75], [1, 0.75], [0, 0]])


def test_checkpoint_round_trip(tmp_path):
    m = tiny_lifter()
    for prefix in ("", "module."):
        p = save_official_checkpoint(m, tmp_path / f"ck{prefix or 'plain'}.bin", prefix=prefix)
        pos, traj, mid = load_lifter(p)
        assert traj is None and pos.filter_widths == [3, 3, 3] and pos.receptive_field() == 27
        assert mid.startswith("videopose3d:")
        x = torch.randn(1, 40, 17, 2)
        with torch.no_grad():
            assert torch.allclose(pos(x), m(x), atol=1e-6)


def test_bad_checkpoints(tmp_path):
    with pytest.raises(InputError, match="pretrained_h36m_detectron_coco.bin"):
        load_lifter(tmp_path / "missing.bin")
    (tmp_path / "junk.bin").write_bytes(b"not a checkpoint at all")
    with pytest.raises(InputError, match="junk.bin"):
        load_lifter(tmp_path / "junk.bin")
    torch.save({"model_pos": {"foo": torch.zeros(2)}}, tmp_path / "other.bin")
    with pytest.raises(InputError, match="no VideoPose3D"):
        load_lifter(tmp_path / "other.bin")
    wrong = TemporalModel(15, 2, 15, filter_widths=[3, 3], channels=8)
    save_official_checkpoint(wrong, tmp_path / "he.bin")
    with pytest.raises(InputError, match="COCO-17"):
        load_lifter(tmp_path / "he.bin")


def test_lift_shapes_root_and_missing_frames():
    m = tiny_lifter()
    rng = np.random.default_rng(0)
    k = 200 + rng.normal(0, 30, (12, 17, 2))  # shorter than the receptive field: edge padding
    k[4:6] = np.nan
    j, obs = lift(m, k, 640, 480)
    assert j.shape == (12, 17, 3)
    assert obs.tolist() == [True] * 4 + [False] * 2 + [True] * 6
    assert np.isnan(j[4:6]).all() and np.isfinite(j[obs]).all()
    assert np.allclose(j[obs][:, 0], 0.0)


def test_receptive_field_is_respected():
    """A change at frame 20 moves outputs only within +-13 frames (27-frame model), and causal: none before."""
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.3, (60, 17, 2))
    x2 = x.copy()
    x2[20] += 0.5
    m = tiny_lifter()
    d = np.abs(run_lifter(m, x2, flip=False) - run_lifter(m, x, flip=False)).max(axis=(1, 2))
    assert (d[7:34] > 0).any() and np.all(d[:7] == 0) and np.all(d[34:] == 0)
    c = tiny_lifter(causal=True)
    d = np.abs(run_lifter(c, x2, flip=False) - run_lifter(c, x, flip=False)).max(axis=(1, 2))
    assert np.all(d[:20] == 0) and d[20] > 0 and np.all(d[47:] == 0)


def test_flip_augmentation_is_mirror_consistent():
    """With test-time flipping, lifting the mirrored input gives the mirrored output."""
    rng = np.random.default_rng(2)
    x = rng.normal(0, 0.3, (30, 17, 2))
    xm = x.copy()
    xm[..., 0] *= -1
    xm[:, COCO_LEFT + COCO_RIGHT] = xm[:, COCO_RIGHT + COCO_LEFT]
    m = tiny_lifter()
    y, ym = run_lifter(m, x), run_lifter(m, xm)
    ym[..., 0] *= -1
    ym[:, H36M_LEFT + H36M_RIGHT] = ym[:, H36M_RIGHT + H36M_LEFT]
    assert np.allclose(y, ym, atol=1e-5)
    assert not np.allclose(run_lifter(m, x, flip=False), y, atol=1e-4)


# -- camera -> world ------------------------------------------------------------
def _body():
    b = np.zeros((17, 3))  # H36M joints, world z up, standing, metres
    b[[1, 4], 0] = [-0.12, 0.12]
    b[[2, 5]] = [[-0.12, 0, -0.45], [0.12, 0, -0.45]]
    b[[3, 6]] = [[-0.12, 0, -0.9], [0.12, 0, -0.9]]
    b[7, 2], b[8, 2], b[9, 2], b[10, 2] = 0.25, 0.5, 0.6, 0.7
    b[[11, 14]] = [[0.2, 0, 0.5], [-0.2, 0, 0.5]]
    b[[12, 15]] = [[0.25, 0, 0.25], [-0.25, 0, 0.25]]
    b[[13, 16]] = [[0.3, 0.1, 0.0], [-0.3, 0.1, 0.0]]
    return b


def _camera_view(T=40, pitch_deg=10.0, w=640, h=480, focal_factor=1.15):
    root = np.c_[np.linspace(-1, 1, T), np.linspace(0, 0.5, T), np.full(T, 0.95)]
    Wj = _body()[None] + root[:, None]
    p = np.radians(pitch_deg)
    zc, xc = np.array([0, np.cos(p), -np.sin(p)]), np.array([1.0, 0, 0])
    R = np.stack([xc, np.cross(zc, xc), zc])  # camera <- world
    Pc = (Wj - [0, -4, 1.5]) @ R.T
    f = focal_factor * max(w, h)
    uv = f * Pc[..., :2] / Pc[..., 2:] + [w / 2, h / 2]
    kps = np.full((T, 17, 2), np.nan)
    for hj, cj in H36M_FROM_COCO.items():
        kps[:, cj] = uv[:, hj]
    return root, R, Pc, kps


def test_world_frame_from_an_analytic_camera():
    root, R, Pc, kps = _camera_view()
    res = to_world(Pc - Pc[:, :1], kps, np.ones((len(kps), 17)), 640, 480)
    assert np.allclose(res.up_camera, R @ [0, 0, 1], atol=1e-9)  # camera pitch recovered
    assert np.allclose(res.trajectory, Pc[:, 0], atol=1e-6)  # root path recovered
    assert np.allclose(res.joints[:, 0] - res.joints[0, 0], root - root[0], atol=1e-6)
    assert np.allclose(res.up, [0, 0, 1])
    assert abs(np.nanmin(res.joints[..., 2])) < 1e-9  # feet on the floor z = 0
    x, y, z = res.rotation
    assert np.allclose(np.cross(x, y), z)  # right-handed


def test_world_frame_without_trajectory_keeps_root_still():
    root, R, Pc, kps = _camera_view()
    res = to_world(Pc - Pc[:, :1], trajectory=False)
    assert res.trajectory is None and "lost" in res.info["trajectory"]
    assert np.allclose(res.joints[:, 0, :2], 0.0, atol=1e-9)
    lying = (Pc - Pc[:, :1])[:, :, [0, 2, 1]]  # torso along the optical axis
    assert np.allclose(to_world(lying, trajectory=False).up_camera, [0, -1, 0])
