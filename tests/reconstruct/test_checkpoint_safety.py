"""Checkpoints a user hands us never run code: exact allow-list, real VideoPose3D layouts still load."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from recon_helpers import person_video, save_official_checkpoint, tiny_lifter

from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.lift3d import load_lifter


class _Call:
    """Pickles as a call of ``func(*args)`` under ``func``'s real module and name."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return (self.func, self.args)


def _marker_code(marker):
    return f"open({str(marker)!r}, 'w').write('ran')"


def _evil_payloads(marker):
    from numpy.testing._private.utils import runstring

    code = _marker_code(marker)
    return {
        "numpy_runstring": _Call(runstring, code, {}),  # passed the old 'numpy*' prefix rule
        "builtins_exec": _Call(exec, code),
        "builtins_eval": _Call(eval, code),
        "subprocess": _Call(subprocess.call, ["sh", "-c", f"echo ran > {marker}"]),
        "numpy_load_pickle": _Call(np.load, str(marker) + ".npy", None, True),
    }


@pytest.mark.parametrize(
    "kind", ["numpy_runstring", "builtins_exec", "builtins_eval", "subprocess", "numpy_load_pickle"]
)
@pytest.mark.parametrize("legacy", [False, True])
def test_a_crafted_checkpoint_is_refused_and_runs_nothing(tmp_path, kind, legacy):
    marker = tmp_path / "ran.txt"
    ck = {"epoch": 1, "model_pos": tiny_lifter().state_dict(), "extra": _evil_payloads(marker)[kind]}
    path = tmp_path / "evil.bin"
    torch.save(ck, path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(InputError) as e:
        load_lifter(path)
    assert "evil.bin" in str(e.value) and "refusing" in str(e.value)
    assert not marker.exists(), "code from the checkpoint ran"


def test_cli_refuses_a_crafted_lifter_with_exit_2(tmp_path):
    from numpy.testing._private.utils import runstring

    marker = tmp_path / "ran.txt"
    path = tmp_path / "evil.bin"
    torch.save({"model_pos": tiny_lifter().state_dict(), "x": _Call(runstring, _marker_code(marker), {})}, path)
    video = person_video(tmp_path / "v.avi", n=8)  # a real video: the lifter is opened once there is one
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "imu2safety.app.cli",
            "reconstruct",
            str(video),
            "--out",
            str(tmp_path / "m.npz"),
            "--lifter",
            str(path),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert not marker.exists(), "code from the checkpoint ran"
    assert r.returncode == 2, r.stderr
    assert "refusing" in r.stderr and "internal error" not in r.stderr


def _legacy_numpy1_checkpoint(model, path):
    """A checkpoint as VideoPose3D's run.py wrote it in 2019: torch's legacy (non-zip) format, the
    generator's numpy RandomState pickled with numpy 1.x names (numpy.random.__RandomState_ctor,
    numpy.core.multiarray._reconstruct), an Adam optimizer state, epoch and lr."""

    class OldRandomState:
        def __init__(self, rs):
            self.rs = rs

        def __reduce__(self):
            return (getattr(np.random, "__RandomState_ctor"), (), self.rs.get_state(legacy=True))

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ck = {
        "epoch": 80,
        "lr": 0.00095,
        "random_state": OldRandomState(np.random.RandomState(1234)),
        "optimizer": opt.state_dict(),
        "model_pos": model.state_dict(),
        "model_traj": None,
        "random_state_semi": None,
    }
    torch.save(ck, path, _use_new_zipfile_serialization=False, pickle_protocol=2)
    raw = path.read_bytes()
    assert b"numpy._core.multiarray" in raw
    path.write_bytes(raw.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    return path


def test_real_format_checkpoints_still_load(tmp_path):
    model = tiny_lifter(seed=3)
    for path in (
        save_official_checkpoint(model, tmp_path / "zip.bin"),
        save_official_checkpoint(model, tmp_path / "dp.bin", prefix="module."),
        _legacy_numpy1_checkpoint(model, tmp_path / "legacy.bin"),
    ):
        pos, traj, _ = load_lifter(path)
        for k, v in model.state_dict().items():
            assert torch.equal(pos.state_dict()[k], v), (path.name, k)
        assert traj is None


def test_non_tensor_weights_are_refused(tmp_path):
    sd = dict(tiny_lifter().state_dict())
    sd["shrink.weight"] = np.zeros(3)  # an ndarray where a tensor belongs
    path = tmp_path / "odd.bin"
    torch.save({"model_pos": sd}, path)
    with pytest.raises(InputError) as e:
        load_lifter(path)
    assert "odd.bin" in str(e.value)


def test_vitpose_folder_with_pickled_code_is_refused(tmp_path):
    """A transformers folder whose pytorch_model.bin pickles code: refused, nothing runs."""
    from recon_helpers import save_tiny_vitpose

    from imu2safety.core.reconstruct.pose2d import load_vitpose

    folder = save_tiny_vitpose(tmp_path / "vp")
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "ran.txt"
    model, _ = __import__("recon_helpers").tiny_vitpose()
    sd = dict(model.state_dict())
    sd["evil"] = _Call(exec, _marker_code(marker))
    torch.save(sd, folder / "pytorch_model.bin")
    with pytest.raises(InputError) as e:
        load_vitpose(folder)
    assert not marker.exists(), "code from the checkpoint ran"
    assert "refusing" in str(e.value)


def test_vitpose_folder_prefers_safetensors_over_pickle(tmp_path):
    """With model.safetensors present, a (malicious) pytorch_model.bin beside it is never opened."""
    from recon_helpers import save_tiny_vitpose

    from imu2safety.core.reconstruct.pose2d import load_vitpose

    folder = save_tiny_vitpose(tmp_path / "vp")
    marker = tmp_path / "ran.txt"
    torch.save({"evil": _Call(exec, _marker_code(marker))}, folder / "pytorch_model.bin")
    model, proc, mid = load_vitpose(folder)
    assert not marker.exists()
    assert model.config.num_labels == 17
