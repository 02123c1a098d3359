"""VideoReader: frame-accurate access on files written here with the frame index drawn in each frame."""

from fractions import Fraction

import cv2
import numpy as np
import pytest

from imu2safety.core.base.errors import InputError
from imu2safety.core.reconstruct.video import VideoReader, detect_vfr, fps_from_timestamps

W, H, BITS = 64, 48, 7


def index_frame(i: int) -> np.ndarray:
    """A frame whose 7 vertical bands are black/white bits of ``i`` (survives lossy codecs)."""
    f = np.zeros((H, W, 3), np.uint8)
    band = W // (BITS + 1)
    for b in range(BITS):
        if (i >> b) & 1:
            f[:, b * band : (b + 1) * band] = 255
    f[:, BITS * band :] = 128  # a grey reference band
    return f


def decode_index(f: np.ndarray) -> int:
    band = W // (BITS + 1)
    g = f.mean(axis=2)
    return sum(1 << b for b in range(BITS) if g[4:-4, b * band + 2 : (b + 1) * band - 2].mean() > 128)


def write_video(path, n, fps=30000 / 1001, fourcc="MJPG"):
    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert w.isOpened()
    for i in range(n):
        w.write(index_frame(i))
    w.release()
    return path


@pytest.fixture(scope="module", params=[("avi", "MJPG"), ("mp4", "mp4v")])
def clip(request, tmp_path_factory):
    ext, cc = request.param
    return write_video(tmp_path_factory.mktemp("v") / f"clip.{ext}", 45, fourcc=cc)


def test_metadata(clip):
    with VideoReader(clip) as v:
        assert len(v) == 45
        # OpenCV's writer stores 29.97 as 2997/100 (its time base); the reader reports what the file holds
        assert isinstance(v.fps, Fraction) and v.fps.denominator <= 1001
        assert float(v.fps) == pytest.approx(30000 / 1001, abs=1e-3)
        assert (v.width, v.height) == (W, H)
        assert not v.vfr
        assert v.rotation == 0
        assert v.duration == pytest.approx(45 / float(v.fps))
        ts = v.timestamps
        assert ts.shape == (45,) and ts[0] == 0
        assert np.allclose(np.diff(ts), 1 / float(v.fps), atol=1e-4)


def test_sequential_reads_every_frame_in_order(clip):
    with VideoReader(clip) as v:
        got = [decode_index(f) for f in v]
        assert got == list(range(45))


def test_random_access_is_exact(clip):
    rng = np.random.default_rng(1)
    order = list(rng.permutation(45)) + [44, 0, 44, 20, 19, 18, 21, -1]
    with VideoReader(clip) as v:
        for i in order:
            want = i % 45
            assert decode_index(v.frame(i)) == want, f"frame {i}"


def test_sequential_reads_do_not_seek(clip):
    with VideoReader(clip) as v:
        v.frame(10)
        seeks = v.seeks
        for i in range(11, 30):
            assert decode_index(v.frame(i)) == i
        assert v.seeks == seeks


def test_frames_are_read_only(clip):
    with VideoReader(clip) as v:
        f = v.frame(3)
        with pytest.raises(ValueError):
            f[0, 0, 0] = 1


def test_out_of_range(clip):
    with VideoReader(clip) as v:
        with pytest.raises(IndexError):
            v.frame(45)


def test_integer_rate(tmp_path):
    p = write_video(tmp_path / "c25.avi", 20, fps=25)
    with VideoReader(p) as v:
        assert v.fps == 25 and len(v) == 20 and v.duration == pytest.approx(0.8)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        VideoReader(tmp_path / "nope.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="empty.mp4"):
        VideoReader(tmp_path / "empty.mp4")


def test_garbage_file(tmp_path):
    p = tmp_path / "junk.mp4"
    p.write_bytes(np.random.default_rng(0).bytes(6000))
    with pytest.raises(InputError, match="junk.mp4"):
        VideoReader(p)


def test_zero_frame_video(tmp_path):
    p = tmp_path / "zero.avi"
    w = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"MJPG"), 30, (W, H))
    w.release()
    with pytest.raises(InputError, match="zero.avi"):
        VideoReader(p)


def test_truncated_mp4(tmp_path):
    full = write_video(tmp_path / "full.mp4", 40, fourcc="mp4v").read_bytes()
    p = tmp_path / "cut.mp4"
    p.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match="cut.mp4"):
        VideoReader(p)


def test_truncated_avi(tmp_path):
    full = write_video(tmp_path / "full.avi", 40).read_bytes()
    p = tmp_path / "cut.avi"
    p.write_bytes(full[: len(full) // 2])
    with pytest.raises(InputError, match="truncated"):
        VideoReader(p)
    with VideoReader(p, allow_truncated=True) as v:  # what decodes is still usable, exactly
        assert 5 < len(v) < 40
        assert [decode_index(v.frame(i)) for i in range(len(v))] == list(range(len(v)))


def test_vfr_detection_from_timestamps():
    cfr = np.arange(30) / 30
    assert not detect_vfr(cfr)
    vfr = np.cumsum(np.r_[0, np.where(np.arange(29) % 2, 1 / 30, 1 / 15)])
    assert detect_vfr(vfr)
    jitter = cfr + np.random.default_rng(0).uniform(-0.002, 0.002, 30)  # ms-rounded times are not VFR
    assert not detect_vfr(jitter)
    assert fps_from_timestamps(np.arange(100) * 1001 / 30000) == Fraction(30000, 1001)


class InexactSeeks:
    """Wraps a cv2.VideoCapture whose POS_FRAMES seeks land ``off`` frames away (as some codecs do)."""

    def __init__(self, cap, off):
        self.cap, self.off = cap, off

    def set(self, prop, value):
        if prop == cv2.CAP_PROP_POS_FRAMES and value > 0:
            value = max(value + self.off, 0)
        return self.cap.set(prop, value)

    def __getattr__(self, name):
        return getattr(self.cap, name)


@pytest.mark.parametrize("off", [-5, 3])
def test_inexact_backend_seeks_are_corrected(clip, off):
    with VideoReader(clip) as v:
        v._cap = InexactSeeks(v._cap, off)
        orig_open = v._open
        v._open = lambda: InexactSeeks(orig_open(), off)
        for i in [30, 7, 44, 2, 25, 26, 40, 1, 0, 33]:
            assert decode_index(v.frame(i)) == i
