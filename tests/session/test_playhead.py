"""The playhead model: exact time, clamping, speeds, clock-driven playback, observers."""

from fractions import Fraction

import pytest

from imu2safety.core.session.playhead import MAX_SPEED, MIN_SPEED, Playhead


def test_seek_clamps_and_notifies_only_on_change():
    p = Playhead(100, 25)
    seen = []
    p.connect(lambda ev, ph: seen.append((ev, ph.frame)))
    assert p.seek(10) == 10
    assert p.seek(10) == 10  # no move, no event
    assert p.seek(1000) == 99
    assert p.seek(-5) == 0
    assert seen == [("frame", 10), ("frame", 99), ("frame", 0)]


def test_time_is_exact_for_ntsc_rate():
    p = Playhead(100000, 30000 / 1001)
    assert p.fps == Fraction(30000, 1001)
    p.seek(30000)
    assert p.seconds == Fraction(1001)  # 30000 frames at 29.97 fps = exactly 1001 s
    assert p.seek_seconds(Fraction(1001)) == 30000
    assert p.frame_at(Fraction(1001, 30000) * 7) == 7  # a frame's own start time maps to it


def test_step_and_step_seconds_pause_playback():
    p = Playhead(300, 30)
    p.seek(100)
    p.play()
    assert p.step(1) == 101 and not p.playing
    assert p.step(-3) == 98
    assert p.step_seconds(1.0) == 128
    assert p.step_seconds(-1.0) == 98


def test_speed_steps_and_limits():
    p = Playhead(10, 30)
    assert p.speed == 1.0
    assert p.faster() == 1.25
    for _ in range(10):
        p.faster()
    assert p.speed == MAX_SPEED == 2.0
    for _ in range(20):
        p.slower()
    assert p.speed == MIN_SPEED == 0.25
    assert p.set_speed(9) == 2.0


@pytest.mark.parametrize("speed", [0.25, 1.0, 2.0])
def test_playback_follows_wall_clock_at_speed(speed):
    p = Playhead(10000, 30)
    p.set_speed(speed)
    p.play()
    p.advance_to(5.0)  # anchors the run at frame 0, time 5 s
    assert p.frame == 0
    p.advance_to(5.0 + 2.0)  # two wall seconds later
    assert p.frame == int(2.0 * 30 * speed)
    # slow drawing: ticks are skipped, but the frame still matches the clock (no drift)
    p.advance_to(5.0 + 10.0)
    assert p.frame == int(10.0 * 30 * speed)


def test_playback_stops_at_end_or_loops():
    p = Playhead(31, 30)
    p.play()
    p.advance_to(0.0)
    p.advance_to(5.0)
    assert p.frame == 30 and not p.playing
    p.play()  # at the end: play restarts from the beginning
    assert p.frame == 0 and p.playing
    p.loop = True
    p.advance_to(0.0)
    p.advance_to(1.5)  # 45 frames into a 31-frame clip -> wraps to 14
    assert p.frame == 45 % 31 and p.playing


def test_range_holds_playback_inside_trim():
    p = Playhead(300, 30)
    p.range = (30, 60)
    p.seek(30)
    p.play()
    p.advance_to(0)
    p.advance_to(3.0)
    assert p.frame == 60 and not p.playing


def test_seek_while_playing_reanchors_clock():
    p = Playhead(1000, 30)
    p.play()
    p.advance_to(0.0)
    p.advance_to(1.0)
    assert p.frame == 30
    p.seek(500)
    assert p.needs_anchor
    p.advance_to(1.5)  # re-anchors at 500
    p.advance_to(2.5)
    assert p.frame == 530


def test_disconnect_and_set_clip():
    p = Playhead(10, 30)
    seen = []
    cb = lambda ev, ph: seen.append(ev)
    p.connect(cb)
    p.connect(cb)
    assert p.n_observers == 1
    p.set_clip(50, 25, frame=49)
    assert p.frame == 49 and p.n_frames == 50 and p.fps == 25
    assert "clip" in seen
    p.disconnect(cb)
    seen.clear()
    p.seek(3)
    assert seen == []
