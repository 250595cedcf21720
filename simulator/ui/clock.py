"""Real time for the console: a fixed simulation step driven by wall-clock time.

The engine only knows integer ticks. The console decides *when* to take them: at speed
``s`` one tick of ``tick_s`` simulated seconds is due every ``tick_s / s`` wall seconds.
Wall time accumulates between frames and is spent in whole ticks (Game Programming
Patterns, "Game Loop": fixed update step, variable rendering).

Two guards keep the console responsive:

* a **catch-up cap**: however long a frame took (a slow laptop, the window being
  dragged, a debugger), at most ``max_ticks_per_frame`` ticks are taken in one frame and
  the rest of the backlog is dropped, so the simulation never races through hundreds of
  ticks to catch up;
* **pause**: while paused no time accumulates, so un-pausing does not jump ahead.

Nothing here reads the clock itself: the caller passes the elapsed wall seconds, so
tests drive it with a fake clock.
"""

from __future__ import annotations

SPEEDS: tuple[int, ...] = (1, 2, 4, 8, 16, 32)


class FixedStepClock:
    """Turns elapsed wall time into a number of simulation ticks to take.

    Args:
        tick_s: simulated seconds per tick (the scenario's ``clock.tick_s``).
        max_ticks_per_frame: catch-up cap (at least 1).
    """

    def __init__(self, tick_s: float, *, max_ticks_per_frame: int = 8) -> None:
        if tick_s <= 0:
            raise ValueError("tick_s must be positive")
        self.tick_s = float(tick_s)
        self.max_ticks_per_frame = max(1, int(max_ticks_per_frame))
        self.paused = False
        self.speed = 1
        self._accumulated_s = 0.0
        self.dropped_ticks = 0  # ticks given up by the catch-up cap (for the status line)

    def set_speed(self, speed: float) -> None:
        """Simulated seconds per wall second (1 = real time)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed

    def cap_for(self, speed: float) -> int:
        """Ticks allowed in one frame at a speed: enough for 32x at 20 frames/s."""
        return max(self.max_ticks_per_frame, int(speed * 2))

    def advance(self, wall_s: float) -> int:
        """Account for ``wall_s`` seconds of wall time; return how many ticks are due now."""
        if self.paused or wall_s <= 0:
            return 0
        self._accumulated_s += float(wall_s) * self.speed
        due = int(self._accumulated_s // self.tick_s)
        self._accumulated_s -= due * self.tick_s
        cap = self.cap_for(self.speed)
        if due > cap:
            self.dropped_ticks += due - cap
            due = cap
            self._accumulated_s = 0.0
        return due

    def progress_to_next_tick(self) -> float:
        """How far (0 to 1) the accumulator is towards the next tick."""
        return min(1.0, self._accumulated_s / self.tick_s)

    def reset(self) -> None:
        """Forget accumulated time (after a pause or a long blocking step)."""
        self._accumulated_s = 0.0
