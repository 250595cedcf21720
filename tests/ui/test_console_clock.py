"""The console's fixed-step clock: ticks from wall time, speeds, pause and the catch-up cap."""

from __future__ import annotations

import pytest

from simulator.ui.clock import SPEEDS, FixedStepClock


def test_one_tick_per_tick_length_of_wall_time_at_1x():
    clock = FixedStepClock(1.0)
    ticks = [clock.advance(0.25) for _ in range(8)]
    assert ticks == [0, 0, 0, 1, 0, 0, 0, 1]


@pytest.mark.parametrize("speed", SPEEDS)
def test_each_speed_runs_that_many_ticks_per_wall_second(speed):
    clock = FixedStepClock(1.0)
    clock.set_speed(speed)
    total = sum(clock.advance(1 / 60) for _ in range(60 * 4))
    assert abs(total - 4 * speed) <= 1, f"{speed}x gave {total} ticks in 4 s"


def test_longer_ticks_come_less_often():
    clock = FixedStepClock(5.0)
    clock.set_speed(2)
    assert sum(clock.advance(0.5) for _ in range(10)) == 2


def test_pause_stops_time_and_does_not_store_it_up():
    clock = FixedStepClock(1.0)
    clock.paused = True
    assert sum(clock.advance(0.5) for _ in range(20)) == 0
    clock.paused = False
    assert clock.advance(0.5) == 0, "unpausing must not jump ahead"
    assert clock.advance(0.5) == 1


def test_a_slow_frame_is_capped_and_its_backlog_dropped():
    clock = FixedStepClock(1.0, max_ticks_per_frame=8)
    clock.set_speed(4)
    assert clock.advance(60.0) == 8, "a one-minute stall at 4x runs 8 ticks, not 240"
    assert clock.dropped_ticks == 232
    assert clock.advance(0.25) == 1, "the backlog was dropped, time goes on normally"
    clock.set_speed(32)
    assert clock.advance(10.0) == 64, "the cap grows with speed (2 s of ticks at 32x)"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        FixedStepClock(0)
    with pytest.raises(ValueError):
        FixedStepClock(1.0).set_speed(0)
