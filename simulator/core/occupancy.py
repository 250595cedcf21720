"""Occupancy by hour: where civilians are over a whole day, per kind of place.

Runs the scenario from 00:00 to 24:00 (coarser ticks are fine for this) and samples, on
each full hour, the share of civilians inside each building use, in open areas and on
the move, beside the share their schedules alone would put there ("planned", ignoring
travel time). Instructors use it to check a scenario's rhythm; tests use it to check that
the engine follows the schedules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.core.population import KIND_CIVILIAN, expected_share_at
from simulator.core.simulation import Simulation
from simulator.core.world import OPEN_AREA_USE, USE_NAMES
from simulator.scenario.schema import Scenario

ON_THE_MOVE = "on_the_move"
OPEN_AREAS = "open_areas"


@dataclass(frozen=True)
class OccupancyTable:
    """Shares (0 to 1) of civilians per hour and kind of place.

    Attributes:
        columns: kinds of place present (building uses, then open areas, on the move).
        simulated: hour -> column -> share, from the simulation.
        planned: hour -> column -> share, from the schedules alone.
        civilians: how many civilians were counted.
    """

    columns: tuple[str, ...]
    simulated: dict[int, dict[str, float]]
    planned: dict[int, dict[str, float]]
    civilians: int

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "civilians": self.civilians,
            "columns": list(self.columns),
            "simulated": {f"{h:02d}:00": row for h, row in self.simulated.items()},
            "planned": {f"{h:02d}:00": row for h, row in self.planned.items()},
        }

    def format(self) -> str:
        """A plain-text table: simulated % (planned %) per hour and kind of place."""
        width = max(9, *(len(c) for c in self.columns)) + 1
        lines = [
            f"Where the {self.civilians} civilians are, hour by hour: simulated % (planned %)",
            "hour  " + "".join(c.rjust(width) for c in self.columns),
        ]
        for hour in sorted(self.simulated):
            cells = []
            for column in self.columns:
                sim = 100 * self.simulated[hour].get(column, 0.0)
                plan = self.planned[hour].get(column)
                text = f"{sim:.0f}" + (f" ({100 * plan:.0f})" if plan is not None else "")
                cells.append(text.rjust(width))
            lines.append(f"{hour:02d}:00 " + "".join(cells))
        return "\n".join(lines)


def occupancy_by_hour(
    scenario: Scenario,
    *,
    seed: int = 1,
    tick_s: float = 10.0,
    progress: Callable[[int, int], None] | None = None,
    with_injects: bool = True,
) -> OccupancyTable:
    """Simulate one whole day of a scenario and tabulate occupancy per hour.

    Args:
        scenario: the scenario.
        seed: session seed.
        tick_s: tick length for the day run (coarser is faster; walking stays smooth).
        progress: called as ``progress(tick, total)``.
        with_injects: False leaves out the scripted events (gatherings, attacks), to see
            the routine alone.
    """
    day_clock = scenario.clock.model_copy(
        update={
            "start_time": "00:00",
            "duration_s": 86400,
            "tick_s": tick_s,
            "state_hash_every_ticks": 10**9,
        }
    )
    changes = {"clock": day_clock}
    if not with_injects:
        changes["injects"] = ()
    day = scenario.model_copy(update=changes)
    sim = Simulation(day)
    sim.reset(seed=seed)
    world = sim.world
    civilian = sim.people.kind == KIND_CIVILIAN
    count = int(civilian.sum())
    uses_present = sorted({int(u) for u in world.place_use}, key=lambda code: code)
    columns = tuple(USE_NAMES[u] for u in uses_present if u != OPEN_AREA_USE)
    has_open = OPEN_AREA_USE in uses_present
    columns = columns + ((OPEN_AREAS,) if has_open else ()) + (ON_THE_MOVE,)
    ticks_per_hour = int(round(3600 / sim.tick_s))

    def shares(places: np.ndarray, moving: np.ndarray) -> dict[str, float]:
        row: dict[str, float] = {}
        if count == 0:
            return dict.fromkeys(columns, 0.0)
        settled = civilian & ~moving
        uses = world.place_use[np.maximum(places, 0)]
        for column in columns:
            if column == ON_THE_MOVE:
                row[column] = float((civilian & moving).sum()) / count
            elif column == OPEN_AREAS:
                row[column] = float((settled & (uses == OPEN_AREA_USE)).sum()) / count
            else:
                code = USE_NAMES.index(column)
                row[column] = float((settled & (uses == code)).sum()) / count
        return row

    simulated: dict[int, dict[str, float]] = {}
    planned: dict[int, dict[str, float]] = {}
    for hour in range(24):
        target = hour * ticks_per_hour
        while sim.tick < target:
            sim.step()
            if progress is not None:
                progress(sim.tick, 23 * ticks_per_hour)
        simulated[hour] = shares(sim.person.place, sim.person.walking)
        plan_places = expected_share_at(day, world, sim.people, sim.tick)
        planned_row = shares(plan_places, np.zeros(len(plan_places), dtype=bool))
        planned_row.pop(ON_THE_MOVE, None)
        planned[hour] = planned_row
    # Keep the table readable: drop kinds of place nobody ever visits.
    used = tuple(
        c
        for c in columns
        if c == ON_THE_MOVE or any(simulated[h][c] or planned[h].get(c) for h in range(24))
    )
    simulated = {h: {c: row[c] for c in used} for h, row in simulated.items()}
    planned = {h: {c: row[c] for c in used if c in row} for h, row in planned.items()}
    return OccupancyTable(used, simulated, planned, count)
