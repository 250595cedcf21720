"""Pattern of life: who lives where and where each person is at every hour.

People (civilians from archetypes, named individuals and hostile actors) are rows of one
structure-of-arrays table. Each person gets a *day plan* once, at reset: a sorted list of
(tick, place) transitions drawn from their routine with per-person jitter and
participation. The engine only follows the plan; nothing here runs per tick.

The rule for a time ``t``: a person is at the destination of the routine window that
started most recently among those they take part in and that are still open at ``t``;
outside every window they are at home. So a shopper whose market window (08:30-12:30)
overlaps a prayer window (12:15-12:45) goes to prayer at 12:15 and home at 12:45.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.core.world import USE_CODE, World
from simulator.scenario.schema import Scenario, ScheduleEntry, time_to_seconds

KIND_CIVILIAN = 0
KIND_HOSTILE = 1
AGE_CODE = {"child": 0, "adult": 1, "elder": 2}
NEVER = np.iinfo(np.int64).max


@dataclass
class PeopleTable:
    """Static attributes and day plans of every person (one row each).

    Attributes:
        ids: a truth id per person (archetype id and number, or the scenario id).
        kind: KIND_CIVILIAN or KIND_HOSTILE.
        group: index into ``group_names`` (archetype, 'hostile:<role>' or 'individual').
        group_names: names of the groups.
        age: AGE_CODE per person.
        home: home place index.
        speed_mps: walking speed.
        carries_object: carries a bag, tool or long object.
        armed: carries a weapon.
        weapon_visible_probability: chance per observation the weapon can be seen.
        uniformed: wears a uniform (a hostile actor who does not blend in).
        in_vehicle: drives between places (a hostile actor with a vehicle).
        offset: (n, 2) fixed spot inside places, in units of the place radius.
        plan_tick: (n, k) transition ticks, sorted per row, padded with NEVER.
        plan_place: (n, k) destination place of each transition.
        start_place: where each person is when the exercise starts.
    """

    ids: list[str]
    kind: np.ndarray
    group: np.ndarray
    group_names: list[str]
    age: np.ndarray
    home: np.ndarray
    speed_mps: np.ndarray
    carries_object: np.ndarray
    armed: np.ndarray
    weapon_visible_probability: np.ndarray
    uniformed: np.ndarray
    in_vehicle: np.ndarray
    offset: np.ndarray
    plan_tick: np.ndarray
    plan_place: np.ndarray
    start_place: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class _Routine:
    """One group of people sharing a routine, before plans are drawn."""

    name: str
    ids: list[str]
    kind: int
    age: int
    homes: np.ndarray
    speed_range: tuple[float, float]
    carries_probability: float
    schedule: tuple[ScheduleEntry, ...]
    armed: bool = False
    weapon_visible_probability: float = 0.0
    uniformed: bool = False
    in_vehicle: bool = False


def _pick_by_capacity(rng: np.random.Generator, candidates: np.ndarray, world: World, n: int):
    """Choose n places among candidates, more often the larger ones."""
    weights = world.place_capacity[candidates].astype(np.float64)
    if weights.sum() <= 0:
        weights = np.ones(len(candidates))
    return candidates[rng.choice(len(candidates), size=n, p=weights / weights.sum())]


# People prefer places near home: a place twice this far away is chosen about 1/5 as often.
NEARBY_SCALE_M = 400.0
_CHUNK = 4096


def _pick_near_home(
    rng: np.random.Generator, candidates: np.ndarray, world: World, homes: np.ndarray
) -> np.ndarray:
    """For each person, a place among candidates: larger and nearer ones more often."""
    capacity = world.place_capacity[candidates].astype(np.float64)
    if capacity.sum() <= 0:
        capacity = np.ones(len(candidates))
    where = world.place_xy[candidates]
    chosen = np.empty(len(homes), dtype=np.int64)
    draws = rng.random(len(homes))
    for start in range(0, len(homes), _CHUNK):  # bounded memory for 100k people
        home_xy = world.place_xy[homes[start : start + _CHUNK]]
        gap = np.hypot(
            home_xy[:, None, 0] - where[None, :, 0], home_xy[:, None, 1] - where[None, :, 1]
        )
        weight = capacity[None, :] / (1.0 + (gap / NEARBY_SCALE_M) ** 2)
        total = np.cumsum(weight, axis=1)
        pick = (total < (draws[start : start + _CHUNK] * total[:, -1])[:, None]).sum(axis=1)
        chosen[start : start + _CHUNK] = candidates[np.minimum(pick, len(candidates) - 1)]
    return chosen


def _destinations(
    rng: np.random.Generator, routine: _Routine, world: World, favourites: dict[str, np.ndarray]
) -> np.ndarray:
    """(n, entries) destination place per person and routine entry.

    A person always goes to the same building of a use (their school, their mosque):
    the choice is made once per use, favouring larger buildings near their home, and
    reused across entries.
    """
    n = len(routine.ids)
    columns = []
    for entry in routine.schedule:
        if entry.home:
            columns.append(routine.homes)
        elif entry.place is not None:
            columns.append(np.full(n, world.place_index[entry.place], dtype=np.int64))
        else:
            use = entry.use
            if use not in favourites:
                favourites[use] = _pick_near_home(
                    rng, world.places_of_use(use), world, routine.homes
                )
            columns.append(favourites[use])
    return np.column_stack(columns) if columns else np.zeros((n, 0), dtype=np.int64)


def _plan(
    rng: np.random.Generator,
    routine: _Routine,
    world: World,
    scenario: Scenario,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw day plans for one routine: (plan_tick, plan_place, start_place)."""
    n = len(routine.ids)
    entries = routine.schedule
    clock = scenario.clock
    start_s = clock.start_s
    if not entries or n == 0:
        return (
            np.full((n, 1), NEVER, dtype=np.int64),
            routine.homes[:, None].copy(),
            routine.homes.copy(),
        )
    favourites: dict[str, np.ndarray] = {}
    dest = _destinations(rng, routine, world, favourites)  # (n, e)
    e = len(entries)
    base_start = np.array([time_to_seconds(x.start) for x in entries], dtype=np.float64)
    base_end = np.array([time_to_seconds(x.end) for x in entries], dtype=np.float64)
    jitter = np.array([x.jitter_min * 60.0 for x in entries])
    probability = np.array([x.probability for x in entries])
    takes_part = rng.random((n, e)) < probability
    starts = base_start + rng.uniform(-1.0, 1.0, (n, e)) * jitter
    ends = base_end + rng.uniform(-1.0, 1.0, (n, e)) * jitter
    ends = np.maximum(ends, starts + 60.0)  # jitter never turns a window inside out

    def place_at(times: np.ndarray) -> np.ndarray:
        """Place of each person at each of their times; times is (n, t) seconds of day."""
        t = times[:, :, None]
        active = takes_part[:, None, :] & (starts[:, None, :] <= t) & (t < ends[:, None, :])
        latest = np.where(active, starts[:, None, :], -np.inf)
        which = np.argmax(latest, axis=2)  # (n, t)
        any_active = active.any(axis=2)
        chosen = np.take_along_axis(dest, which, axis=1)
        return np.where(any_active, chosen, routine.homes[:, None])

    day_times = np.concatenate([starts, ends], axis=1)  # (n, 2e) seconds of day
    day_places = place_at(day_times)
    n_days = max(1, math.ceil((start_s + clock.duration_s) / 86400.0))
    ticks = []
    places = []
    for day in range(n_days):
        seconds_from_start = day_times + day * 86400.0 - start_s
        ticks.append(np.ceil(seconds_from_start / clock.tick_s).astype(np.int64))
        places.append(day_places)
    plan_tick = np.concatenate(ticks, axis=1)
    plan_place = np.concatenate(places, axis=1)
    # Transitions of non-participants and those before the start never fire.
    participating = np.concatenate([takes_part, takes_part], axis=1)
    participating = np.tile(participating, (1, n_days))
    plan_tick = np.where(participating & (plan_tick > 0), plan_tick, NEVER)
    order = np.argsort(plan_tick, axis=1, kind="stable")
    plan_tick = np.take_along_axis(plan_tick, order, axis=1)
    plan_place = np.take_along_axis(plan_place, order, axis=1)
    start_place = place_at(np.full((n, 1), float(start_s)))[:, 0]
    return plan_tick, plan_place, start_place


def build_people(scenario: Scenario, world: World, streams) -> PeopleTable:
    """Create every person and draw their homes and day plans.

    Civilians draw from the ``civilians`` stream, hostile actors from ``hostiles``, so
    the number of hostile actors never changes how civilians live.
    """
    civilian_rng = streams["civilians"]
    hostile_rng = streams["hostiles"]
    routines: list[tuple[_Routine, np.random.Generator]] = []
    archetypes = {a.id: a for a in scenario.population.archetypes}
    for archetype in scenario.population.archetypes:
        homes_available = world.places_of_use(archetype.home_use)
        count = archetype.count if len(homes_available) else 0
        homes = (
            _pick_by_capacity(civilian_rng, homes_available, world, count)
            if count
            else np.zeros(0, dtype=np.int64)
        )
        routines.append(
            (
                _Routine(
                    name=archetype.id,
                    ids=[f"{archetype.id}-{i:05d}" for i in range(count)],
                    kind=KIND_CIVILIAN,
                    age=AGE_CODE[archetype.age_group],
                    homes=homes,
                    speed_range=archetype.walk_speed_mps,
                    carries_probability=archetype.carries_object_probability,
                    schedule=archetype.schedule,
                ),
                civilian_rng,
            )
        )
    for person in scenario.population.individuals:
        base = archetypes.get(person.archetype) if person.archetype else None
        schedule = (
            person.schedule if person.schedule is not None else (base.schedule if base else ())
        )
        routines.append(
            (
                _Routine(
                    name="individual",
                    ids=[person.id],
                    kind=KIND_CIVILIAN,
                    age=AGE_CODE[base.age_group] if base else AGE_CODE["adult"],
                    homes=np.array([world.place_index[person.home]], dtype=np.int64),
                    speed_range=base.walk_speed_mps if base else (1.0, 1.5),
                    carries_probability=base.carries_object_probability if base else 0.1,
                    schedule=schedule,
                ),
                civilian_rng,
            )
        )
    for actor in scenario.forces.hostile:
        routines.append(
            (
                _Routine(
                    name=f"hostile:{actor.role}",
                    ids=[actor.id],
                    kind=KIND_HOSTILE,
                    age=AGE_CODE["adult"],
                    homes=np.array([world.place_index[actor.safehouse]], dtype=np.int64),
                    speed_range=actor.walk_speed_mps,
                    carries_probability=0.5,
                    schedule=actor.routine,
                    armed=actor.armed,
                    weapon_visible_probability=actor.weapon_visible_probability,
                    uniformed=not actor.blends_in,
                    in_vehicle=actor.vehicle is not None,
                ),
                hostile_rng,
            )
        )

    group_names: list[str] = []
    parts: dict[str, list[np.ndarray]] = {
        key: []
        for key in (
            "kind",
            "group",
            "age",
            "home",
            "speed",
            "carries",
            "armed",
            "visible",
            "uniformed",
            "in_vehicle",
            "offset",
            "start",
        )
    }
    plans: list[tuple[np.ndarray, np.ndarray]] = []
    ids: list[str] = []
    for routine, rng in routines:
        n = len(routine.ids)
        if routine.name not in group_names:
            group_names.append(routine.name)
        group = group_names.index(routine.name)
        plan_tick, plan_place, start_place = _plan(rng, routine, world, scenario)
        low, high = routine.speed_range
        ids.extend(routine.ids)
        parts["kind"].append(np.full(n, routine.kind, dtype=np.int8))
        parts["group"].append(np.full(n, group, dtype=np.int16))
        parts["age"].append(np.full(n, routine.age, dtype=np.int8))
        parts["home"].append(routine.homes.astype(np.int64))
        parts["speed"].append(rng.uniform(low, high, n))
        parts["carries"].append(rng.random(n) < routine.carries_probability)
        parts["armed"].append(np.full(n, routine.armed, dtype=bool))
        parts["visible"].append(np.full(n, routine.weapon_visible_probability))
        parts["uniformed"].append(np.full(n, routine.uniformed, dtype=bool))
        parts["in_vehicle"].append(np.full(n, routine.in_vehicle, dtype=bool))
        parts["offset"].append(rng.uniform(-1.0, 1.0, (n, 2)))
        parts["start"].append(start_place.astype(np.int64))
        plans.append((plan_tick, plan_place))

    width = max((p[0].shape[1] for p in plans), default=1)

    def padded(index: int, fill: int) -> np.ndarray:
        rows = []
        for plan in plans:
            block = plan[index]
            pad = width - block.shape[1]
            rows.append(np.pad(block, ((0, 0), (0, pad)), constant_values=fill))
        return np.concatenate(rows, axis=0) if rows else np.zeros((0, width), dtype=np.int64)

    def joined(key: str, dtype, shape=(0,)) -> np.ndarray:
        return np.concatenate(parts[key]).astype(dtype) if parts[key] else np.zeros(shape, dtype)

    return PeopleTable(
        ids=ids,
        kind=joined("kind", np.int8),
        group=joined("group", np.int16),
        group_names=group_names,
        age=joined("age", np.int8),
        home=joined("home", np.int64),
        speed_mps=joined("speed", np.float64),
        carries_object=joined("carries", bool),
        armed=joined("armed", bool),
        weapon_visible_probability=joined("visible", np.float64),
        uniformed=joined("uniformed", bool),
        in_vehicle=joined("in_vehicle", bool),
        offset=joined("offset", np.float64, (0, 2)),
        plan_tick=padded(0, NEVER),
        plan_place=padded(1, 0),
        start_place=joined("start", np.int64),
    )


def expected_share_at(
    scenario: Scenario, world: World, people: PeopleTable, tick: int
) -> np.ndarray:
    """Place of every person at ``tick`` according to their plan alone (no travel time)."""
    if len(people) == 0:
        return np.zeros(0, dtype=np.int64)
    due = (people.plan_tick <= tick).sum(axis=1)
    last = np.take_along_axis(people.plan_place, np.maximum(due - 1, 0)[:, None], axis=1)[:, 0]
    return np.where(due > 0, last, people.start_place)


__all__ = [
    "AGE_CODE",
    "KIND_CIVILIAN",
    "KIND_HOSTILE",
    "NEVER",
    "PeopleTable",
    "USE_CODE",
    "build_people",
    "expected_share_at",
]
