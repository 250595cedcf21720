"""The simulation: a pure, deterministic engine with a Gymnasium-like interface.

    sim = Simulation(scenario)
    events = sim.reset(seed=7)
    while True:
        result = sim.step(commands)      # commands apply at the start of this tick
        if result.done: break
    picture = sim.observe("blue")        # what the trainee knows (no truth)
    truth = sim.state()                  # ground truth, for instructors and scoring

No wall clock, no global random state, no pygame. Time is an integer tick; everything
random comes from named streams spawned from the seed. The same scenario, seed and
commands always give the same events and state hashes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from simulator.core.assembly import AssemblyDesk
from simulator.core.awareness import AwarenessDesk
from simulator.core.checkpoint import CheckpointDesk
from simulator.core.commands import Command, MoveUnit, StopUnit
from simulator.core.events import Event, make_event
from simulator.core.movement import advance
from simulator.core.picture import (
    Message,
    OwnUnit,
    Picture,
    ProtectedSiteView,
    SensorView,
)
from simulator.core.population import (
    KIND_CIVILIAN,
    KIND_HOSTILE,
    NEVER,
    PeopleTable,
    build_people,
)
from simulator.core.rng import RngStreams
from simulator.core.sensing import CATEGORY_PERSON, CATEGORY_VEHICLE, Entities, Sensing
from simulator.core.targeting import EngagementDesk
from simulator.core.world import NO_NODE, World, build_world
from simulator.scenario.schema import Scenario, time_to_seconds
from simulator.scenario.variants import apply_variation

HEALTH_WELL = 0
HEALTH_INJURED = 1
HEALTH_KILLED = 2
HEALTH_DETAINED = 3  # taken away by a friendly unit: off the map, not harmed


@dataclass(frozen=True)
class StepResult:
    """What one call to :meth:`Simulation.step` produced.

    Attributes:
        tick: the tick the simulation is now at (after the step).
        events: events of this step, in order.
        done: True when the exercise has reached its duration.
        state_hash: hex state hash when one was due this step (else None).
    """

    tick: int
    events: list[Event]
    done: bool
    state_hash: str | None = None


@dataclass
class GroundTruth:
    """A copy of the true state, for instructors, reviews and scoring only.

    Never hand this to a trainee-facing component: use :meth:`Simulation.observe`.
    """

    tick: int
    time_of_day_s: float
    person_ids: list[str]
    person_kind: np.ndarray
    person_xy: np.ndarray
    person_place: np.ndarray
    person_walking: np.ndarray
    person_indoors: np.ndarray
    person_health: np.ndarray
    vehicle_xy: np.ndarray
    unit_ids: list[str]
    unit_xy: np.ndarray
    site_status: dict[str, str]
    injects_fired: list[str]


@dataclass
class _Walkers:
    """Moving state shared by people and vehicles (rows of one table)."""

    xy: np.ndarray
    target: np.ndarray
    speed: np.ndarray
    walking: np.ndarray
    place: np.ndarray  # current place, -1 while under way
    dest: np.ndarray  # place being walked to
    next_node: np.ndarray  # road node walked to, -1 on the last leg to the place


@dataclass
class _Pending:
    """Inject firings scheduled for a later tick (condition + delay)."""

    by_tick: dict[int, list[int]] = field(default_factory=dict)

    def add(self, tick: int, inject_index: int) -> None:
        self.by_tick.setdefault(tick, []).append(inject_index)

    def pop(self, tick: int) -> list[int]:
        return self.by_tick.pop(tick, [])


class Simulation:
    """One exercise of one scenario (see module docstring).

    Args:
        scenario: the validated scenario.
        world: a prebuilt :class:`World` for this scenario (built when omitted; pass one
            to share it between simulations of the same scenario).
    """

    def __init__(self, scenario: Scenario, *, world: World | None = None):
        self.scenario = scenario
        self.world = world if world is not None else build_world(scenario)
        self.tick_s = float(scenario.clock.tick_s)
        self.total_ticks = scenario.clock.total_ticks
        self.hash_every = scenario.clock.state_hash_every_ticks
        self.unit_ids = [unit.id for unit in scenario.forces.friendly]
        self._unit_index = {ident: i for i, ident in enumerate(self.unit_ids)}
        self._inject_index = {inject.id: i for i, inject in enumerate(scenario.injects)}
        self._site_ids = [site.id for site in scenario.protected.sites]
        self._building_tree = (
            cKDTree(self.world.place_xy[: self.world.n_buildings])
            if self.world.n_buildings
            else None
        )
        self._is_reset = False

    # ------------------------------------------------------------------ reset

    def reset(self, *, seed: int) -> list[Event]:
        """Start the exercise from the beginning with a seed.

        Returns:
            The opening events (``session_start``).
        """
        scenario = self.scenario
        world = self.world
        self.seed = int(seed)
        self.streams = RngStreams(self.seed)
        self.tick = 0
        self.sequence = 0
        # This seed's version of the scenario: counts and timings vary when the scenario
        # asks for it (see simulator/scenario/variants.py); everything else is the same.
        self.live_scenario = apply_variation(scenario, self.seed)
        self.people: PeopleTable = build_people(self.live_scenario, world, self.streams)
        n = len(self.people)
        start = self.people.start_place
        self.person = _Walkers(
            xy=self._standing_spot(np.arange(n), start),
            target=np.zeros((n, 2)),
            speed=self.people.speed_mps.copy(),
            walking=np.zeros(n, dtype=bool),
            place=start.copy(),
            dest=start.copy(),
            next_node=np.full(n, NO_NODE, dtype=np.int64),
        )
        self.person_id_index = {ident: i for i, ident in enumerate(self.people.ids)}
        self.plan_pointer = (self.people.plan_tick <= 0).sum(axis=1)
        self.next_transition = self._transition_tick(np.arange(n))
        self.busy_until = np.zeros(n, dtype=np.int64)
        self.health = np.zeros(n, dtype=np.int8)
        self._build_vehicles()
        self._build_units()
        self.site_status = {site.id: site.status for site in scenario.protected.sites}
        self.injects_fired: list[str] = []
        self._inject_fired = np.zeros(len(scenario.injects), dtype=bool)
        self._pending = _Pending()
        self._timed_actions = self._schedule_timed_actions()
        self.messages: list[Message] = []
        self._delayed_departures: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.sensing = Sensing(
            scenario, world, self.people, len(self.vehicle.speed), self.streams["sensors"]
        )
        self.awareness = AwarenessDesk(self)
        self.targeting = EngagementDesk(self)
        # Security-force desks (checkpoints and public assemblies); idle when the
        # scenario has none.
        self.checkpoints = CheckpointDesk(self)
        self.assemblies = AssemblyDesk(self)
        self._picture_cache: tuple[tuple[int, int], Picture] | None = None
        self._sense()
        self._last_hash: str | None = None
        self._is_reset = True
        people_count = int((self.people.kind == KIND_CIVILIAN).sum())
        return [
            make_event(
                0,
                "session_start",
                civilians=people_count,
                hostile_actors=int((self.people.kind == KIND_HOSTILE).sum()),
                vehicles=int(len(self.vehicle.speed)),
                units=len(self.unit_ids),
                total_ticks=self.total_ticks,
            )
        ]

    def _build_vehicles(self) -> None:
        rng = self.streams["vehicles"]
        world = self.world
        groups = self.scenario.population.vehicles
        counts = [g.count for g in groups] if world.node_xy.size else [0 for _ in groups]
        total = int(sum(counts))
        speed = np.concatenate(
            [rng.uniform(*g.speed_mps, c) for g, c in zip(groups, counts)] or [np.zeros(0)]
        )
        start_s = self.scenario.clock.start_s
        active_from = np.concatenate(
            [
                np.full(c, self._tick_of_day(time_to_seconds(g.active_from), start_s))
                for g, c in zip(groups, counts)
            ]
            or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        active_to = np.concatenate(
            [
                np.full(c, self._tick_of_day(time_to_seconds(g.active_to), start_s))
                for g, c in zip(groups, counts)
            ]
            or [np.zeros(0, dtype=np.int64)]
        ).astype(np.int64)
        home = rng.integers(0, world.n_places, total) if world.n_places else np.zeros(total, int)
        nodes = world.place_access_node[home] if total else np.zeros(0, dtype=np.int64)
        xy = world.node_xy[nodes] if total else np.zeros((0, 2))
        self.vehicle = _Walkers(
            xy=xy.copy(),
            target=xy.copy(),
            speed=speed,
            walking=np.zeros(total, dtype=bool),
            place=home.astype(np.int64),
            dest=home.astype(np.int64),
            next_node=np.full(total, NO_NODE, dtype=np.int64),
        )
        self.vehicle_kind = [g.kind for g, c in zip(groups, counts) for _ in range(c)]
        self.vehicle_active = (active_from, active_to)

    def _build_units(self) -> None:
        units = self.scenario.forces.friendly
        self.unit_xy = np.array([u.position for u in units], dtype=np.float64).reshape(-1, 2)
        self.unit_target = self.unit_xy.copy()
        self.unit_speed = np.array([u.speed_mps for u in units], dtype=np.float64)
        self.unit_moving = np.zeros(len(units), dtype=bool)
        self.sensor_centre = {
            s.id: np.array(s.position, dtype=np.float64)
            for s in self.scenario.sensors
            if s.position is not None
        }

    def _tick_of_day(self, seconds_of_day: float, start_s: float) -> int:
        """First tick at or after a time of day (today, or tomorrow if already past)."""
        offset = seconds_of_day - start_s
        if offset < 0:
            offset += 86400
        return int(math.ceil(offset / self.tick_s))

    def _schedule_timed_actions(self) -> dict[int, list[tuple[str, int, int]]]:
        """Tick -> [(kind, index, sub-index)] for injects and protected status changes."""
        actions: dict[int, list[tuple[str, int, int]]] = {}
        start_s = self.scenario.clock.start_s
        for index, inject in enumerate(self.scenario.injects):
            if inject.at is not None:
                tick = self._tick_of_day(time_to_seconds(inject.at), start_s)
                actions.setdefault(tick, []).append(("inject", index, 0))
        for index, site in enumerate(self.scenario.protected.sites):
            for number, change in enumerate(site.status_changes):
                tick = self._tick_of_day(time_to_seconds(change.at), start_s)
                actions.setdefault(tick, []).append(("site_status", index, number))
        return actions

    # ------------------------------------------------------------------ step

    def step(self, commands: Iterable[Command] = ()) -> StepResult:
        """Advance one tick: apply commands, then routines, movement and injects.

        Args:
            commands: decisions to apply at the start of this tick, in order.

        Returns:
            The tick reached, this step's events, whether the exercise is over, and a
            state hash when one was due.
        """
        if not self._is_reset:
            raise RuntimeError("call reset(seed=...) before step()")
        if self.done:
            return StepResult(self.tick, [], True, None)
        events: list[Event] = []
        for item in commands:
            events.extend(self._apply_command(item))
        self._follow_routines()
        self._move_people()
        self._move_vehicles()
        events.extend(self._move_units())
        events.extend(self._fire_due_actions())
        events.extend(self._check_conditions())
        events.extend(self.awareness.answer_due())
        events.extend(self.targeting.tick())
        events.extend(self.checkpoints.tick())
        events.extend(self.assemblies.tick())
        self.tick += 1
        self._sense()
        state_hash = None
        if self.tick % self.hash_every == 0 or self.done:
            state_hash = self.state_hash()
            events.append(make_event(self.tick, "state_hash", hash=state_hash))
        if self.done:
            events.append(make_event(self.tick, "session_end", reason="completed"))
        return StepResult(self.tick, events, self.done, state_hash)

    @property
    def done(self) -> bool:
        """True once the exercise's duration has been simulated."""
        return self.tick >= self.total_ticks

    @property
    def time_of_day_s(self) -> float:
        """Seconds after midnight at the current tick (wraps past midnight)."""
        return (self.scenario.clock.start_s + self.tick * self.tick_s) % 86400.0

    # ------------------------------------------------------------------ commands

    def _apply_command(self, item: Command) -> list[Event]:
        """Record a command with what the picture held, then apply it or reject it."""
        self.sequence += 1
        if not isinstance(item, Command):
            return [
                make_event(
                    self.tick,
                    "command_rejected",
                    seq=self.sequence,
                    kind="?",
                    reason=f"not a command: {type(item).__name__}",
                )
            ]
        annexes = self.awareness.annexes(item, self._engagement_track(item))
        for desk in (self.checkpoints, self.assemblies):
            if desk.handles(item):
                annexes = desk.annexes(item, annexes)
        record = make_event(
            self.tick, "command", seq=self.sequence, command=item.to_dict(), **annexes
        )
        try:
            reason = self._command_problem(item)
        except (TypeError, ValueError) as error:  # malformed field values
            reason = f"malformed command: {error}"
        if reason is not None:
            return [
                record,
                make_event(
                    self.tick, "command_rejected", seq=self.sequence, kind=item.kind, reason=reason
                ),
            ]
        self._picture_cache = None
        if self.awareness.handles(item):
            return [record, *self.awareness.apply(item)]
        if self.targeting.handles(item):
            return [record, *self.targeting.apply(item)]
        for desk in (self.checkpoints, self.assemblies):
            if desk.handles(item):
                return [record, *desk.apply(item)]
        if isinstance(item, MoveUnit):
            index = self._unit_index[item.unit_id]
            self.unit_target[index] = (float(item.x_m), float(item.y_m))
            self.unit_moving[index] = True
        elif isinstance(item, StopUnit):
            index = self._unit_index[item.unit_id]
            self.unit_target[index] = self.unit_xy[index]
            self.unit_moving[index] = False
        return [record]

    def _engagement_track(self, item: Command) -> int | None:
        """The target track of the engagement a command names, if any."""
        name = getattr(item, "engagement_id", None)
        if not isinstance(name, str):
            return None
        engagement = self.targeting.engagements.get(name)
        if engagement is None or engagement.track < 0:
            return None
        return engagement.track

    def position_problem(self, x_m: object, y_m: object) -> str | None:
        """Why (x, y) is not a usable map position, or None."""
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x_m, y_m)):
            return "the position must be two numbers (x_m, y_m)"
        try:
            finite = all(math.isfinite(float(v)) for v in (x_m, y_m))
        except OverflowError:  # an integer too large for a float
            finite = False
        if not finite:
            return "the position must be two finite numbers (x_m, y_m)"
        width, height = self.world.extent_m
        if not (0 <= x_m <= width and 0 <= y_m <= height):
            return f"({x_m:g}, {y_m:g}) is outside the map (0..{width:g}, 0..{height:g})"
        return None

    def _command_problem(self, item: Command) -> str | None:
        """Why a command cannot be applied now, or None when it can."""
        if self.awareness.handles(item):
            return self.awareness.problem(item)
        if self.targeting.handles(item):
            return self.targeting.problem(item)
        for desk in (self.checkpoints, self.assemblies):
            if desk.handles(item):
                return desk.problem(item)
        if isinstance(item, (MoveUnit, StopUnit)):
            if item.unit_id not in self._unit_index:
                return f"there is no friendly unit '{item.unit_id}'"
            index = self._unit_index[item.unit_id]
            if isinstance(item, MoveUnit):
                problem = self.position_problem(item.x_m, item.y_m)
                if problem:
                    return problem
                if self.unit_speed[index] <= 0:
                    return f"unit '{item.unit_id}' cannot move (it is a fixed post)"
            return None
        return f"the engine does not handle '{item.kind}' commands"

    # ------------------------------------------------------------------ pattern of life

    def _transition_tick(self, rows: np.ndarray) -> np.ndarray:
        """Tick of the next plan transition for the given people (NEVER when none)."""
        plan = self.people.plan_tick
        pointer = self.plan_pointer[rows]
        width = plan.shape[1]
        safe = np.minimum(pointer, width - 1)
        upcoming = plan[rows, safe]
        return np.where(pointer < width, upcoming, NEVER)

    def _follow_routines(self) -> None:
        """Send everyone whose plan changes now, or who has just become free (after a
        gathering, fleeing or a warning), to where their routine says they should be."""
        due = np.flatnonzero(
            ((self.next_transition <= self.tick) | (self.busy_until == self.tick))
            & (self.busy_until <= self.tick)
            & (self.health <= HEALTH_INJURED)
        )
        if due.size == 0:
            return
        # Jump to the newest transition due (a busy person may have missed several).
        reached = (self.people.plan_tick[due] <= self.tick).sum(axis=1)
        self.plan_pointer[due] = reached
        places = np.where(
            reached > 0,
            self.people.plan_place[due, np.maximum(reached - 1, 0)],
            self.people.start_place[due],
        )
        self.next_transition[due] = self._transition_tick(due)
        self.send_people(due, places)

    def send_people(self, rows: np.ndarray, places: np.ndarray) -> None:
        """Start people walking to places along the road network (no-op if already there)."""
        walkers = self.person
        rows = np.asarray(rows, dtype=np.int64)
        places = np.asarray(places, dtype=np.int64)
        change = (walkers.place[rows] != places) | walkers.walking[rows]
        change &= ~(walkers.walking[rows] & (walkers.dest[rows] == places))
        rows, places = rows[change], places[change]
        if rows.size == 0:
            return
        self._route(walkers, rows, places, self._standing_spot(rows, places))

    def _route(
        self, walkers: _Walkers, rows: np.ndarray, places: np.ndarray, final_xy: np.ndarray
    ) -> None:
        """Point walkers at the first waypoint of a route to ``places``."""
        world = self.world
        at_place = ~walkers.walking[rows]
        first = np.full(rows.size, NO_NODE, dtype=np.int64)
        if world.node_xy.size:
            # From a place: walk to its road access point. On the last leg off-road: back
            # to the road at the old destination's access point. Mid-road: keep going.
            from_place = world.place_access_node[np.where(at_place, walkers.place[rows], 0)]
            last_leg = world.place_access_node[walkers.dest[rows]]
            first = np.where(
                at_place,
                from_place,
                np.where(walkers.next_node[rows] == NO_NODE, last_leg, walkers.next_node[rows]),
            )
        walkers.walking[rows] = True
        walkers.place[rows] = -1
        walkers.dest[rows] = places
        walkers.next_node[rows] = first
        on_road = first != NO_NODE
        target = final_xy.copy()
        target[on_road] = world.node_xy[first[on_road]]
        walkers.target[rows] = target

    def _standing_spot(self, rows: np.ndarray, places: np.ndarray) -> np.ndarray:
        """Where each person stands inside a place (their fixed spot, scaled to it)."""
        world = self.world
        if len(rows) == 0:
            return np.zeros((0, 2))
        return (
            world.place_xy[places]
            + self.people.offset[rows] * world.place_radius_m[places][:, None]
        )

    def _move_people(self) -> None:
        walkers = self.person
        rows = np.flatnonzero(walkers.walking & (self.health <= HEALTH_INJURED))
        if rows.size == 0:
            return
        final_xy = self._standing_spot(rows, walkers.dest[rows])
        self._walk(walkers, rows, final_xy)

    def _walk(self, walkers: _Walkers, rows: np.ndarray, final_xy: np.ndarray) -> np.ndarray:
        """Move walkers one tick and route those that reached a waypoint.

        Returns:
            The rows that reached their destination place this tick.
        """
        world = self.world
        xy = walkers.xy[rows]
        arrived = advance(xy, walkers.target[rows], walkers.speed[rows], self.tick_s)
        walkers.xy[rows] = xy
        if not arrived.any():
            return rows[:0]
        hit = rows[arrived]
        final = hit[walkers.next_node[hit] == NO_NODE]
        walkers.walking[final] = False
        walkers.place[final] = walkers.dest[final]
        on_road = hit[walkers.next_node[hit] != NO_NODE]
        if on_road.size:
            node = walkers.next_node[on_road]
            slot = world.place_dest_slot[walkers.dest[on_road]]
            hop = world.next_hop[slot, node]
            there = (node == world.slot_node[slot]) | (hop == NO_NODE)
            walkers.next_node[on_road] = np.where(there, NO_NODE, hop)
            target = world.node_xy[np.where(there, node, hop)]
            finals = final_xy[np.searchsorted(rows, on_road)]
            target[there] = finals[there]
            walkers.target[on_road] = target
        return final

    def _move_vehicles(self) -> None:
        walkers = self.vehicle
        if walkers.speed.size == 0:
            return
        active_from, active_to = self.vehicle_active
        # Active windows are ticks from the exercise start; compare on a 24-hour circle so
        # a window that began before the start (or wraps past midnight) still counts.
        day = int(round(86400 / self.tick_s))
        active = (self.tick - active_from) % day < (active_to - active_from) % day
        idle = np.flatnonzero(active & ~walkers.walking)
        if idle.size:
            rng = self.streams["vehicles"]
            places = rng.integers(0, self.world.n_places, idle.size)
            self._route(walkers, idle, places, self.world.place_xy[places].copy())
        rows = np.flatnonzero(walkers.walking)
        if rows.size:
            final_xy = self.world.place_xy[walkers.dest[rows]]
            # Vehicles stop at the road, not inside the building: their last leg ends at
            # the access node, so reaching it counts as arriving.
            self._walk(walkers, rows, final_xy)

    def _move_units(self) -> list[Event]:
        rows = np.flatnonzero(self.unit_moving)
        if rows.size == 0:
            return []
        xy = self.unit_xy[rows]
        arrived = advance(xy, self.unit_target[rows], self.unit_speed[rows], self.tick_s)
        self.unit_xy[rows] = xy
        events = []
        for row in rows[arrived]:
            self.unit_moving[row] = False
            x, y = self.unit_xy[row]
            events.append(
                make_event(
                    self.tick,
                    "unit_arrived",
                    unit=self.unit_ids[row],
                    x_m=round(float(x), 2),
                    y_m=round(float(y), 2),
                )
            )
        return events

    # ------------------------------------------------------------------ reactions

    def react_to_noise(self, x_m: float, y_m: float, radius_m: float, cause: str) -> Event:
        """Civilians who hear an explosion or gunfire flee, shelter or carry on.

        Chances come from the scenario's ``population.reactions``. Fleeing people go to
        the nearest building beyond ``flee_distance_m`` from the noise; sheltering people
        go into the nearest building (those indoors stay). Both stay ``stay_away_min``.

        Returns:
            A ``civilians_reacted`` event with the counts.
        """
        reactions = self.scenario.population.reactions
        rng = self.streams["reactions"]
        hearing = self._civilians_within(x_m, y_m, radius_m)
        draw = rng.random(hearing.size)
        fleeing = hearing[draw < reactions.flee_probability]
        shelter_cut = reactions.flee_probability + reactions.shelter_probability
        sheltering = hearing[(draw >= reactions.flee_probability) & (draw < shelter_cut)]
        stay_ticks = int(math.ceil(reactions.stay_away_min * 60.0 / self.tick_s))
        if fleeing.size:
            places = self._nearest_building_outside(fleeing, x_m, y_m, reactions.flee_distance_m)
            self.send_people(fleeing, places)
            self.busy_until[fleeing] = self.tick + stay_ticks
        outdoors = sheltering[self.person.walking[sheltering] | ~self._indoors(sheltering)]
        if outdoors.size and self._building_tree is not None:
            _, nearest = self._building_tree.query(self.person.xy[outdoors])
            self.send_people(outdoors, np.asarray(nearest, dtype=np.int64))
        if sheltering.size:
            self.busy_until[sheltering] = self.tick + stay_ticks
        return make_event(
            self.tick,
            "civilians_reacted",
            cause=cause,
            heard=int(hearing.size),
            fled=int(fleeing.size),
            sheltered=int(sheltering.size),
            x_m=round(float(x_m), 2),
            y_m=round(float(y_m), 2),
        )

    def warn_civilians(
        self,
        x_m: float,
        y_m: float,
        radius_m: float,
        perceived: np.ndarray,
        compliance: float,
        delay_s: float,
        leave_distance_m: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Hook for warnings (used by targeting): perceivers who comply leave the area.

        Args:
            x_m, y_m, radius_m: the warned area.
            perceived: bool per civilian within the area (same order as returned rows),
                whether they perceived the warning; decided by the caller.
            compliance: chance that someone who perceived it leaves.
            delay_s: how long they take before leaving.
            leave_distance_m: they go to the nearest building at least this far away.

        Returns:
            (rows of civilians in the area, rows of those who will leave).
        """
        rng = self.streams["warnings"]
        inside = self._civilians_within(x_m, y_m, radius_m)
        perceived = np.asarray(perceived, dtype=bool)
        complying = inside[perceived & (rng.random(inside.size) < compliance)]
        if complying.size:
            places = self._nearest_building_outside(complying, x_m, y_m, leave_distance_m)
            delay = int(math.ceil(delay_s / self.tick_s))
            self._delayed_departures.append((self.tick + delay, complying, places))
            stay = int(
                math.ceil(self.scenario.population.reactions.stay_away_min * 60 / self.tick_s)
            )
            self.busy_until[complying] = self.tick + delay + stay
        return inside, complying

    def civilians_within(self, x_m: float, y_m: float, radius_m: float) -> np.ndarray:
        """Rows of living civilians within a radius of a point (truth; engine use only)."""
        return self._civilians_within(x_m, y_m, radius_m)

    def _civilians_within(self, x_m: float, y_m: float, radius_m: float) -> np.ndarray:
        xy = self.person.xy
        near = np.hypot(xy[:, 0] - x_m, xy[:, 1] - y_m) <= radius_m
        return np.flatnonzero(
            near & (self.people.kind == KIND_CIVILIAN) & (self.health <= HEALTH_INJURED)
        )

    def indoors_mask(self, rows: np.ndarray) -> np.ndarray:
        """Whether each person is inside a building now (truth; engine use only)."""
        rows = np.asarray(rows, dtype=np.int64)
        return ~self.person.walking[rows] & self._indoors(rows)

    def hide_person(self, row: int) -> None:
        """Someone alerted (e.g. a target hearing a warning) goes into the nearest building
        and stays there for the reactions' stay-away time."""
        if self._building_tree is None or self.health[row] > HEALTH_INJURED:
            return
        stay = int(math.ceil(self.scenario.population.reactions.stay_away_min * 60 / self.tick_s))
        rows = np.array([row])
        if not self.indoors_mask(rows)[0]:
            _, nearest = self._building_tree.query(self.person.xy[rows])
            self.send_people(rows, np.asarray(nearest, dtype=np.int64))
        self.busy_until[row] = max(int(self.busy_until[row]), self.tick + stay)

    def hold_person(self, row: int, seconds: float) -> None:
        """Keep someone from moving on for a while (a disrupted target): they finish the
        trip they are on, then stay where they are until the time is up."""
        until = self.tick + int(math.ceil(seconds / self.tick_s))
        self.busy_until[row] = max(int(self.busy_until[row]), until)

    def _indoors(self, rows: np.ndarray) -> np.ndarray:
        place = self.person.place[rows]
        return (place >= 0) & self.world.place_indoor[np.maximum(place, 0)]

    def _nearest_building_outside(
        self, rows: np.ndarray, x_m: float, y_m: float, distance_m: float
    ) -> np.ndarray:
        """For each person, the nearest building at least ``distance_m`` from a point."""
        world = self.world
        centres = world.place_xy[: world.n_buildings]
        gap = np.hypot(centres[:, 0] - x_m, centres[:, 1] - y_m)
        far = np.flatnonzero(gap >= distance_m)
        if far.size == 0:
            # Nowhere is far enough: go to the building farthest from the danger.
            far = np.array([int(np.argmax(gap))])
        tree = cKDTree(centres[far])
        _, nearest = tree.query(self.person.xy[rows])
        return far[np.asarray(nearest, dtype=np.int64)]

    # ------------------------------------------------------------------ injects

    def _fire_due_actions(self) -> list[Event]:
        events: list[Event] = []
        for due_tick, rows, places in list(self._delayed_departures):
            if due_tick <= self.tick:
                self.send_people(rows, places)
                self._delayed_departures.remove((due_tick, rows, places))
        for kind, index, number in self._timed_actions.pop(self.tick, []):
            if kind == "inject":
                events.extend(self._fire_inject(index))
            else:
                site = self.scenario.protected.sites[index]
                change = site.status_changes[number]
                events.append(self._set_site_status(site.id, change.status, change.reason))
        for index in self._pending.pop(self.tick):
            events.extend(self._fire_inject(index))
        return events

    def _set_site_status(self, site_id: str, status: str, reason: str) -> Event:
        self.site_status[site_id] = status
        self.messages.append(
            Message(self.tick, "protected_status", f"{site_id} is now {status}. {reason}".strip())
        )
        return make_event(
            self.tick, "protected_status_changed", site=site_id, status=status, reason=reason
        )

    def _fire_inject(self, index: int) -> list[Event]:
        if self._inject_fired[index]:
            return []
        inject = self.scenario.injects[index]
        self._inject_fired[index] = True
        if inject.unless_neutralised and self.neutralised(inject.unless_neutralised):
            return [
                make_event(
                    self.tick,
                    "inject_prevented",
                    id=inject.id,
                    because=f"{inject.unless_neutralised} was neutralised",
                )
            ]
        self.injects_fired.append(inject.id)
        events = [make_event(self.tick, "inject", id=inject.id, kind=inject.kind, text=inject.text)]
        if inject.kind == "message":
            self.messages.append(Message(self.tick, "message", inject.text, source_id=inject.id))
        elif inject.kind == "intel_report":
            where = (None, None)
            if inject.place is not None:
                px, py = self.world.place_xy[self.world.place_index[inject.place]]
                where = (round(float(px), 1), round(float(py), 1))
            self.messages.append(
                Message(
                    self.tick, "intel_report", inject.text, inject.reliability, inject.id, *where
                )
            )
        elif inject.kind == "gathering":
            events.append(self._start_gathering(inject))
        elif inject.kind == "protected_status":
            events.append(self._set_site_status(inject.site, inject.status, inject.text))
        elif inject.kind in ("explosion", "gunfire"):
            events.extend(self._violent_incident(inject))
        # Injects waiting for this one.
        for other_index, other in enumerate(self.scenario.injects):
            trigger = other.when
            if trigger is not None and trigger.after_inject == inject.id:
                delay = int(math.ceil(trigger.delay_s / self.tick_s))
                self._pending.add(self.tick + max(delay, 1), other_index)
        return events

    def _violent_incident(self, inject) -> list[Event]:
        """A hostile explosion or gunfire: civilians react; a shooter in view is seen acting.

        The noise comes from ``place``, or from the shooter named in ``about``. An inject
        with ``effect`` also harms people (a threat that was not prevented).
        """
        shooter = self.person_id_index.get(inject.about) if inject.about else None
        if inject.place is not None:
            x, y = self.world.place_xy[self.world.place_index[inject.place]]
        else:
            x, y = self.person.xy[shooter]
        if inject.text:
            self.messages.append(
                Message(
                    self.tick,
                    inject.kind,
                    inject.text,
                    source_id=inject.id,
                    x_m=round(float(x), 1),
                    y_m=round(float(y), 1),
                )
            )
        events = []
        if inject.effect is not None:
            effect = self.targeting.effects[inject.effect]
            events.extend(
                self.targeting.apply_harm(
                    effect, (float(x), float(y)), cause="hostile", engagement_id=inject.id
                )
            )
        else:
            events.append(
                self.react_to_noise(float(x), float(y), inject.noise_radius_m, inject.kind)
            )
        if shooter is not None and self.people.kind[shooter] == KIND_HOSTILE:
            tracks = self.sensing.mark_indicator(np.array([shooter]), "hostile_act", 1.0)
            events.append(
                make_event(
                    self.tick,
                    "hostile_act",
                    actor=inject.about,
                    observed=bool(tracks),
                    track_id=self.sensing.track_name(tracks[0]) if tracks else None,
                )
            )
        return events

    def neutralised(self, person_id: str) -> bool:
        """Whether a person has been killed or detained (truth)."""
        row = self.person_id_index.get(person_id)
        return row is not None and int(self.health[row]) in (HEALTH_KILLED, HEALTH_DETAINED)

    def _start_gathering(self, inject) -> Event:
        """Send ``count`` civilians (chosen among those at home) to a gathering."""
        rng = self.streams["injects"]
        world = self.world
        place = world.place_index[inject.place]
        civilians = np.flatnonzero(
            (self.people.kind == KIND_CIVILIAN)
            & (self.health == HEALTH_WELL)
            & ~self.person.walking
            & (self.person.place == self.people.home)
        )
        if civilians.size < inject.count:
            civilians = np.flatnonzero(
                (self.people.kind == KIND_CIVILIAN) & (self.health == HEALTH_WELL)
            )
        count = min(inject.count, civilians.size)
        chosen = (
            np.sort(rng.choice(civilians, size=count, replace=False)) if count else civilians[:0]
        )
        until = self.tick + int(math.ceil(inject.duration_min * 60.0 / self.tick_s))
        self.send_people(chosen, np.full(chosen.size, place, dtype=np.int64))
        # When the gathering ends they are free again and their routine takes them on.
        self.busy_until[chosen] = until
        return make_event(
            self.tick,
            "gathering_started",
            place=inject.place,
            people=int(count),
            until_tick=until,
            inject=inject.id,
        )

    def _check_conditions(self) -> list[Event]:
        """Schedule injects whose ``actor_at`` condition became true this tick."""
        for index, inject in enumerate(self.scenario.injects):
            trigger = inject.when
            if trigger is None or trigger.actor_at is None or self._inject_fired[index]:
                continue
            if index in {i for items in self._pending.by_tick.values() for i in items}:
                continue
            row = self.person_id_index.get(trigger.actor_at)
            place = self.world.place_index.get(trigger.place)
            if row is None or place is None:
                continue
            if not self.person.walking[row] and self.person.place[row] == place:
                delay = int(math.ceil(trigger.delay_s / self.tick_s))
                self._pending.add(self.tick + max(delay, 1), index)
        return []

    # ------------------------------------------------------------------ views

    def state_hash(self) -> str:
        """SHA-256 over the whole dynamic state; equal hashes mean identical states."""
        digest = hashlib.sha256()
        digest.update(f"tick:{self.tick}".encode())
        for array in (
            self.person.xy,
            self.person.target,
            self.person.walking,
            self.person.place,
            self.person.dest,
            self.person.next_node,
            self.plan_pointer,
            self.busy_until,
            self.health,
            self.vehicle.xy,
            self.vehicle.dest,
            self.vehicle.walking,
            self.unit_xy,
            self.unit_target,
            self._inject_fired,
            *self.sensing.digest_arrays(),
        ):
            digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(self.awareness.digest())
        digest.update(self.targeting.digest())
        digest.update(self.checkpoints.digest())
        digest.update(self.assemblies.digest())
        digest.update(repr(sorted(self.site_status.items())).encode())
        for part in self.streams.state_digest_parts():
            digest.update(part)
        return digest.hexdigest()

    def state(self) -> GroundTruth:
        """Ground truth now (copies). For instructors, reviews and scoring only."""
        walkers = self.person
        return GroundTruth(
            tick=self.tick,
            time_of_day_s=self.time_of_day_s,
            person_ids=list(self.people.ids),
            person_kind=self.people.kind.copy(),
            person_xy=walkers.xy.copy(),
            person_place=walkers.place.copy(),
            person_walking=walkers.walking.copy(),
            person_indoors=(~walkers.walking) & self._indoors(np.arange(len(self.people))),
            person_health=self.health.copy(),
            vehicle_xy=self.vehicle.xy.copy(),
            unit_ids=list(self.unit_ids),
            unit_xy=self.unit_xy.copy(),
            site_status=dict(self.site_status),
            injects_fired=list(self.injects_fired),
        )

    def _sense(self) -> None:
        """Update what the trainee's sensors see this tick (see :mod:`sensing`).

        Part of the step, never of ``observe()``: observing any number of times must not
        change the session (the console observes every frame, a replay once per tick).
        """
        n = len(self.people)
        people_visible = (self.person.walking | ~self._indoors(np.arange(n))) & (
            self.health <= HEALTH_INJURED
        )
        n_vehicles = len(self.vehicle.speed)
        entities = Entities(
            xy=np.concatenate([self.person.xy, self.vehicle.xy]),
            visible_outdoors=np.concatenate([people_visible, np.ones(n_vehicles, dtype=bool)]),
            category=np.concatenate(
                [
                    np.where(self.people.in_vehicle, CATEGORY_VEHICLE, CATEGORY_PERSON).astype(
                        np.int8
                    ),
                    np.full(n_vehicles, CATEGORY_VEHICLE, np.int8),
                ]
            ),
        )
        self.sensing.update(
            self.tick, self.time_of_day_s, entities, self.unit_xy, self._unit_index, self.tick_s
        )

    # ------------------------------------------------------------------ entity helpers

    def entity_id(self, entity: int) -> str:
        """Truth id of a sensing entity (people first, then vehicles)."""
        n = len(self.people)
        if entity < 0:
            return ""
        return self.people.ids[entity] if entity < n else f"vehicle-{entity - n:05d}"

    def entity_kind(self, entity: int) -> str:
        """'civilian', 'hostile' or 'vehicle' for a sensing entity (truth)."""
        n = len(self.people)
        if entity >= n:
            return "vehicle"
        return "hostile" if self.people.kind[entity] == KIND_HOSTILE else "civilian"

    def entity_xy(self, entity: int) -> tuple[float, float]:
        """True position of a sensing entity."""
        n = len(self.people)
        x, y = self.person.xy[entity] if entity < n else self.vehicle.xy[entity - n]
        return float(x), float(y)

    def observe(self, side: str = "blue") -> Picture:
        """The trainee's picture: own units and sensors, contacts, messages and marks.

        A pure read: calling it never changes the simulation. The result is cached until
        the next step or command.
        """
        if side != "blue":
            raise ValueError("only the trainee's side, 'blue', can be observed")
        key = (self.tick, self.sequence)
        if self._picture_cache is not None and self._picture_cache[0] == key:
            return self._picture_cache[1]
        scenario = self.scenario
        sensing = self.sensing
        units = tuple(
            OwnUnit(
                u.id,
                u.name,
                u.kind,
                float(self.unit_xy[i, 0]),
                float(self.unit_xy[i, 1]),
                bool(self.unit_moving[i]),
            )
            for i, u in enumerate(scenario.forces.friendly)
        )
        sensors = tuple(
            SensorView(
                sensor.id,
                sensor.kind,
                *sensing.sensor_circle(sensor, self.unit_xy, self._unit_index),
                sensor.thermal,
                sensor.min_footprint_radius_m if sensor.kind == "overhead" else None,
                sensor.max_footprint_radius_m if sensor.kind == "overhead" else None,
            )
            for sensor in scenario.sensors
        )
        live = np.flatnonzero(~sensing.track_lost[: sensing.n_tracks])
        contacts = self.awareness.contacts(live)
        sites = []
        world = self.world
        for site in scenario.protected.sites:
            if site.building is not None:
                x, y = world.place_xy[world.place_index[site.building]]
            else:
                x, y = np.mean(np.asarray(site.polygon), axis=0)
            sites.append(
                ProtectedSiteView(
                    site.id, site.name, site.category, self.site_status[site.id], float(x), float(y)
                )
            )
        picture = Picture(
            side=side,
            tick=self.tick,
            time_of_day_s=self.time_of_day_s,
            contacts=contacts,
            units=units,
            sensors=sensors,
            messages=tuple(self.messages),
            protected_sites=tuple(sites),
            marks=tuple(self.awareness.marks),
            engagements=self.targeting.views(),
            checkpoints=self.checkpoints.views(),
            crowds=self.assemblies.views(),
            is_night=sensing.is_night(self.time_of_day_s),
        )
        self._picture_cache = (key, picture)
        return picture


def run_commands(sim: Simulation, schedule: dict[int, Sequence[Command]]) -> list[Event]:
    """Step a reset simulation to the end, applying scheduled commands; return all events."""
    events: list[Event] = []
    while not sim.done:
        result = sim.step(schedule.get(sim.tick, ()))
        events.extend(result.events)
    return events
