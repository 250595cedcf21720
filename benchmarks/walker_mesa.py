"""The reference walker rule, twice: numpy structure-of-arrays and a Mesa 3 model.

The rule (PERFORMANCE.md, "Walker rule"): each walker follows a closed route of
waypoints at its own speed. Each tick a walker that is not dwelling moves up to
``speed * tick_s`` metres straight towards its current waypoint; if it can reach the
waypoint this tick it snaps exactly onto it, starts heading for the next waypoint of its
route (wrapping round) and dwells ``DWELL_TICKS`` ticks before moving again. A dwelling
walker only counts its dwell down.

* :class:`NumpyWalkers` runs the rule for all walkers at once with the engine's own
  movement kernel, :func:`simulator.core.movement.advance`, so the benchmark measures
  the code the engine runs.
* :class:`MesaWalkerModel` is the peer baseline: one ``mesa.Agent`` per walker doing the
  same arithmetic in plain Python, stepped with ``self.agents.shuffle_do("step")`` as in
  Mesa's examples. Walkers do not interact, so the shuffled order cannot change results.

Both start from one :class:`WalkerSetup` drawn from a numpy seed, and
:func:`compare_trajectories` checks they agree before anyone times them. Mesa is a
benchmark-only dependency (the ``bench`` extra): without it the Mesa classes are
absent and :func:`mesa_available` says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.core.movement import advance

try:  # benchmark-only dependency: the [bench] extra
    import mesa
except ImportError:  # pragma: no cover - depends on the environment
    mesa = None

DWELL_TICKS = 3
TICK_S = 1.0


@dataclass(frozen=True)
class WalkerSetup:
    """Initial state shared by both implementations.

    Attributes:
        start: (n, 2) starting positions in metres.
        route: (n, waypoints, 2) closed route of each walker.
        speed_mps: (n,) walking speed of each walker.
    """

    start: np.ndarray
    route: np.ndarray
    speed_mps: np.ndarray

    def __len__(self) -> int:
        return len(self.speed_mps)


def make_walkers(
    n: int,
    *,
    seed: int = 0,
    waypoints: int = 4,
    extent_m: float = 2000.0,
    leg_m: float = 25.0,
    speed_mps: tuple[float, float] = (1.0, 1.5),
) -> WalkerSetup:
    """Draw walkers spread over a square map, each with a route around its own home.

    Waypoints lie within ``leg_m`` of a home point, so a walker reaches a waypoint (and
    snaps and dwells) every few tens of ticks: the benchmark exercises every branch of
    the rule, not just straight-line motion.
    """
    rng = np.random.default_rng(seed)
    home = rng.uniform(leg_m, extent_m - leg_m, (n, 1, 2))
    route = home + rng.uniform(-leg_m, leg_m, (n, waypoints, 2))
    start = home[:, 0, :] + rng.uniform(-leg_m, leg_m, (n, 2))
    speed = rng.uniform(speed_mps[0], speed_mps[1], n)
    return WalkerSetup(start=start, route=route, speed_mps=speed)


class NumpyWalkers:
    """The walker rule over numpy arrays (one row per walker)."""

    def __init__(self, setup: WalkerSetup, tick_s: float = TICK_S):
        n = len(setup)
        self.tick_s = float(tick_s)
        self.route = setup.route.copy()
        self.n_waypoints = self.route.shape[1]
        self.xy = setup.start.copy()
        self.speed = setup.speed_mps.copy()
        self.leg = np.zeros(n, dtype=np.int64)
        self.target = self.route[:, 0, :].copy()
        self.dwell = np.zeros(n, dtype=np.int64)
        self._speed_now = np.empty(n)
        self._dwelling = np.empty(n, dtype=bool)

    def step(self) -> None:
        """Advance every walker one tick."""
        np.not_equal(self.dwell, 0, out=self._dwelling)
        # Dwelling walkers get speed 0: the kernel leaves them exactly where they are, so
        # one call moves the whole table without gathering the movers into copies.
        np.multiply(self.speed, ~self._dwelling, out=self._speed_now)
        arrived = advance(self.xy, self.target, self._speed_now, self.tick_s)
        arrived &= ~self._dwelling
        np.subtract(self.dwell, 1, out=self.dwell, where=self._dwelling)
        hit = np.flatnonzero(arrived)
        if hit.size:
            leg = self.leg[hit] + 1
            leg[leg == self.n_waypoints] = 0
            self.leg[hit] = leg
            self.target[hit] = self.route[hit, leg]
            self.dwell[hit] = DWELL_TICKS

    def positions(self) -> np.ndarray:
        """(n, 2) positions now (a copy)."""
        return self.xy.copy()


def mesa_available() -> bool:
    """Whether Mesa (the ``bench`` extra) is installed."""
    return mesa is not None


# Without Mesa the peer model does not exist; callers check mesa_available() first.
MesaWalkerModel: Any = None

if mesa is not None:

    class MesaWalker(mesa.Agent):
        """One walker: the rule in plain Python, as a Mesa user would write it."""

        def __init__(self, model: Any, x: float, y: float, route: list, speed_mps: float):
            super().__init__(model)
            self.x = x
            self.y = y
            self.route = route
            self.leg = 0
            self.dwell = 0
            self.speed_mps = speed_mps

        def step(self) -> None:
            """Dwell, or move towards the current waypoint and snap onto it on arrival."""
            if self.dwell > 0:
                self.dwell -= 1
                return
            tx, ty = self.route[self.leg]
            dx = tx - self.x
            dy = ty - self.y
            dist = math.hypot(dx, dy)
            step = self.speed_mps * self.model.tick_s
            if dist <= step:
                self.x = tx
                self.y = ty
                self.leg = (self.leg + 1) % len(self.route)
                self.dwell = DWELL_TICKS
            else:
                scale = step / dist
                self.x += dx * scale
                self.y += dy * scale

    class MesaWalkerModel(mesa.Model):
        """All walkers, stepped in random order with ``shuffle_do`` (Mesa's default)."""

        def __init__(self, setup: WalkerSetup, tick_s: float = TICK_S, seed: int = 0):
            super().__init__(rng=seed)
            self.tick_s = float(tick_s)
            self.walkers = [
                MesaWalker(
                    self,
                    float(setup.start[i, 0]),
                    float(setup.start[i, 1]),
                    [(float(x), float(y)) for x, y in setup.route[i]],
                    float(setup.speed_mps[i]),
                )
                for i in range(len(setup))
            ]

        def step(self) -> None:
            """One tick: every walker steps once, in a fresh random order."""
            self.agents.shuffle_do("step")

        def positions(self) -> np.ndarray:
            """(n, 2) positions in the order the walkers were created."""
            return np.array([(w.x, w.y) for w in self.walkers], dtype=np.float64).reshape(-1, 2)


def compare_trajectories(
    setup: WalkerSetup, ticks: int, *, tolerance_m: float = 1e-6, tick_s: float = TICK_S
) -> tuple[bool, float]:
    """Run both implementations side by side and compare positions after every tick.

    Returns:
        (whether every position agreed within ``tolerance_m`` at every tick, the largest
        difference seen in metres).
    """
    fast = NumpyWalkers(setup, tick_s)
    peer = MesaWalkerModel(setup, tick_s)
    worst = 0.0
    for _ in range(ticks):
        fast.step()
        peer.step()
        error = float(np.max(np.abs(fast.xy - peer.positions()), initial=0.0))
        worst = max(worst, error)
    return worst <= tolerance_m, worst


__all__ = [
    "DWELL_TICKS",
    "MesaWalker",
    "MesaWalkerModel",
    "NumpyWalkers",
    "WalkerSetup",
    "compare_trajectories",
    "make_walkers",
    "mesa_available",
]
