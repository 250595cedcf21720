"""The movement kernel: move many walkers one tick towards their waypoints, in bulk.

One code path serves the engine (people and vehicles on the road network) and the
walker benchmark (closed routes), so the benchmark measures what the engine runs.
"""

from __future__ import annotations

import numpy as np


def advance(
    position: np.ndarray,
    target: np.ndarray,
    speed_mps: np.ndarray,
    tick_s: float,
) -> np.ndarray:
    """Move each walker up to ``speed_mps * tick_s`` metres straight towards its target.

    A walker that can reach its target this tick snaps onto it exactly (so arrivals are
    exact and repeatable) and reports arrival; the rest of the step is not carried over.

    Args:
        position: (n, 2) positions, updated in place.
        target: (n, 2) waypoint of each walker.
        speed_mps: (n,) speeds.
        tick_s: seconds per tick.

    Returns:
        (n,) bool, True where the walker arrived at its target this tick.
    """
    delta = target - position
    distance = np.hypot(delta[:, 0], delta[:, 1])
    step = speed_mps * tick_s
    arrived = distance <= step
    # No boolean gathers on the hot path: every walker moves by step/distance of its delta
    # (arrived ones get a dummy scale), then arrivals are overwritten with their targets.
    scale = step / np.where(arrived, 1.0, distance)
    delta *= scale[:, None]
    position += delta
    np.copyto(position, target, where=arrived[:, None])
    return arrived
