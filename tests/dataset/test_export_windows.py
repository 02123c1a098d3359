"""The window label rule (core.windows) on hand-made intervals with known answers."""

from fractions import Fraction

import numpy as np

from imu2safety.core.dataset.windows import UNLABELLED, LabelInterval, label_windows, sample_bounds, window_starts

WALK, RUN, FALL, SHOVE = 7, 10, 0, 3


def iv(lo, hi, code, critical=False, safety=0):
    return LabelInterval(lo, hi, code, critical, safety)


def lw(n, ivs, W=10, H=10, valid=None, **kw):
    valid = np.ones(n, bool) if valid is None else valid
    return label_windows(n, valid, ivs, W, H, **kw)


def test_window_starts_only_whole_windows():
    np.testing.assert_array_equal(window_starts(35, 10, 5), [0, 5, 10, 15, 20, 25])
    assert window_starts(9, 10, 5).size == 0


def test_half_coverage_qualifies_less_does_not():
    starts, y, _ = lw(30, [iv(0, 5, WALK), iv(10, 14, RUN), iv(20, 30, WALK)], keep_unlabelled=True)
    np.testing.assert_array_equal(starts, [0, 10, 20])
    np.testing.assert_array_equal(y, [WALK, UNLABELLED, WALK])  # 5/10 yes, 4/10 no


def test_unlabelled_windows_are_dropped_by_default():
    starts, y, s = lw(30, [iv(0, 5, WALK), iv(20, 30, WALK)])
    np.testing.assert_array_equal(starts, [0, 20])
    np.testing.assert_array_equal(y, [WALK, WALK])


def test_min_fraction_setting():
    _, y, _ = lw(10, [iv(0, 7, WALK)], min_fraction=0.8, keep_unlabelled=True)
    assert y.tolist() == [UNLABELLED]
    _, y, _ = lw(10, [iv(0, 8, WALK)], min_fraction=0.8)
    assert y.tolist() == [WALK]


def test_tie_safety_critical_wins_then_coverage_then_code():
    # exactly half walking, half falling: the safety-critical one wins
    _, y, s = lw(10, [iv(0, 5, WALK), iv(5, 10, FALL, True, 1)])
    assert y.tolist() == [FALL] and s.tolist() == [1]
    # overlapping segments, both routine: the larger coverage wins
    _, y, _ = lw(10, [iv(0, 10, RUN), iv(0, 6, WALK)])
    assert y.tolist() == [RUN]
    # two critical behaviours each covering everything: the smaller code wins
    _, y, _ = lw(10, [iv(0, 10, SHOVE, True, 1), iv(0, 10, FALL, True, 1)])
    assert y.tolist() == [FALL]


def test_overlapping_segments_of_one_behaviour_count_once():
    _, y, _ = lw(10, [iv(0, 3, WALK), iv(1, 4, WALK)], keep_unlabelled=True)  # union 4/10
    assert y.tolist() == [UNLABELLED]


def test_windows_with_an_invalid_sample_are_dropped():
    valid = np.ones(30, bool)
    valid[13] = False
    starts, y, _ = lw(30, [iv(0, 30, WALK)], valid=valid)
    np.testing.assert_array_equal(starts, [0, 20])


def test_safety_is_the_highest_among_the_chosen_behaviours_segments():
    _, y, s = lw(10, [iv(0, 5, WALK, False, 0), iv(5, 10, WALK, False, 1)])
    assert y.tolist() == [WALK] and s.tolist() == [1]
    # a neighbouring unsafe segment of another behaviour does not leak in
    _, y, s = lw(10, [iv(0, 8, WALK, False, 0), iv(8, 10, FALL, True, 1)])
    assert y.tolist() == [WALK] and s.tolist() == [0]


def test_overlapping_windows_hop_smaller_than_window():
    starts, y, _ = lw(40, [iv(0, 20, WALK), iv(20, 40, FALL, True, 1)], W=10, H=5)
    np.testing.assert_array_equal(starts, [0, 5, 10, 15, 20, 25, 30])
    np.testing.assert_array_equal(y, [WALK, WALK, WALK, FALL, FALL, FALL, FALL])


def test_sample_bounds_are_exact_at_ntsc_rate():
    fps = Fraction(30000, 1001)
    # frame 1001 starts at 1001^2/30000 = 33.40003 s: first sample at 100 Hz is 3341
    assert sample_bounds(Fraction(1001) / fps, Fraction(2002) / fps, 100.0) == (3341, 6681)
    # frame 2100 starts at exactly 70.07 s = sample 7007; float arithmetic gives 7007.000000000001
    assert 2100 / (30000 / 1001) * 100 > 7007
    assert sample_bounds(Fraction(2100) / fps, Fraction(2101) / fps, 100.0) == (7007, 7011)
    # a boundary exactly on a sample: the sample belongs to the segment starting there
    assert sample_bounds(Fraction(1, 2), Fraction(1), 100.0) == (50, 100)
