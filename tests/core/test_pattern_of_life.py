"""Pattern of life: people follow their schedules along roads, and injects move them.

Occupancy over a whole day is compared with what the schedules plan; single runs of
the test town check indoor flags, that walkers keep to roads, and the gathering,
explosion and inject triggers (time, condition, chain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import shapely
from core_fixtures import Town, rows_of, run_until

from simulator.core.events import Event
from simulator.core.occupancy import ON_THE_MOVE, OccupancyTable, occupancy_by_hour
from simulator.core.population import KIND_CIVILIAN
from simulator.core.simulation import GroundTruth
from simulator.scenario.schema import Inject, time_to_seconds

PUPILS = 40
BLAST_XY = (340.0, 265.0)  # centre of market1
BLAST_TICK = 2520  # 07:42


# ----------------------------------------------------------------------------- occupancy


@pytest.fixture(scope="module")
def occupancy(town: Town) -> OccupancyTable:
    """A whole day of the town without injects, at 20 s ticks."""
    return occupancy_by_hour(town.variant(injects=()), seed=1, tick_s=20.0)


def test_the_school_is_full_mid_morning_and_empty_at_night(occupancy: OccupancyTable):
    pupils_at_school = occupancy.simulated[10]["school"] * occupancy.civilians
    assert pupils_at_school >= 0.9 * PUPILS, f"only {pupils_at_school:.0f} pupils at 10:00"
    assert occupancy.simulated[22]["school"] == 0.0
    assert occupancy.simulated[3]["school"] == 0.0


def test_the_market_is_busiest_in_market_hours(occupancy: OccupancyTable):
    market = {hour: row["market"] for hour, row in occupancy.simulated.items()}
    busiest = max(market, key=market.get)
    assert 8 <= busiest <= 12, f"busiest hour {busiest}:00; {market}"
    assert market[10] > 2 * market[7] > 0, market
    assert market[20] == market[3] == 0.0, market


def test_people_go_to_prayer_at_its_time(occupancy: OccupancyTable):
    assert occupancy.simulated[12]["place_of_worship"] > 0.1
    assert occupancy.simulated[14]["place_of_worship"] == 0.0


def test_simulated_occupancy_follows_the_plan_in_settled_hours(occupancy: OccupancyTable):
    assert occupancy.civilians == 113
    for hour in (3, 7, 10, 11, 15, 20, 22):
        for column, planned in occupancy.planned[hour].items():
            simulated = occupancy.simulated[hour][column]
            assert abs(simulated - planned) <= 0.10, (
                f"{hour:02d}:00 {column}: simulated {simulated:.0%}, planned {planned:.0%}"
            )
        assert occupancy.simulated[hour][ON_THE_MOVE] <= 0.05, f"{hour:02d}:00 many on the move"
    for hour, row in occupancy.simulated.items():
        assert math.isclose(sum(row.values()), 1.0, abs_tol=1e-9), f"{hour:02d}:00 shares"


# ----------------------------------------------------------------------------- one full run


@dataclass
class FullRun:
    """What one run of the whole town hour (seed 1) produced, sampled as it went."""

    events: list[Event] = field(default_factory=list)
    states: dict[int, GroundTruth] = field(default_factory=dict)
    hawk_at_market: list[int] = field(default_factory=list)  # ticks hawk was there
    walking_xy: list[np.ndarray] = field(default_factory=list)
    hawk_trip: list[tuple[int, float, float]] = field(default_factory=list)
    message_sources: dict[int, list[str]] = field(default_factory=dict)

    def ticks_of(self, event_type: str, **fields: object) -> list[int]:
        return [
            e["tick"]
            for e in self.events
            if e["type"] == event_type and all(e.get(k) == v for k, v in fields.items())
        ]


KEEP_STATES = (1200, 1201, 2100, 2399, 2520, 2521, 2760, 2999, 3000, 3001)


def _run_and_sample(town: Town, scenario, seed: int = 1) -> FullRun:
    sim = town.simulation(scenario, seed=seed)
    hawk = sim.state().person_ids.index("hawk")
    market = town.place("market1")
    run = FullRun()
    while not sim.done:
        run.events.extend(sim.step().events)
        truth = sim.state()
        if sim.tick in KEEP_STATES:
            run.states[sim.tick] = truth
        if truth.person_place[hawk] == market and not truth.person_walking[hawk]:
            run.hawk_at_market.append(sim.tick)
        if truth.person_walking[hawk]:
            run.hawk_trip.append((sim.tick, *map(float, truth.person_xy[hawk])))
        if sim.tick % 3 == 0:
            run.walking_xy.append(truth.person_xy[truth.person_walking])
        if sim.tick in (299, 300, 301, 1800, 1801):
            run.message_sources[sim.tick] = [m.source_id for m in sim.observe("blue").messages]
    return run


@pytest.fixture(scope="module")
def full_run(town: Town) -> FullRun:
    return _run_and_sample(town, town.scenario)


def test_people_inside_buildings_are_flagged_indoors(town: Town, full_run: FullRun):
    truth = full_run.states[2399]  # 07:39:59: pupils at school, a gathering on the square
    school, square = town.place("school1"), town.place("square1")
    settled = ~truth.person_walking
    in_school = settled & (truth.person_place == school)
    on_square = settled & (truth.person_place == square)
    assert in_school.sum() >= 20 and on_square.sum() >= 10
    assert truth.person_indoors[in_school].all()
    assert not truth.person_indoors[on_square].any()
    assert not truth.person_indoors[truth.person_walking].any()
    at_home = settled & np.isin(truth.person_place, [town.place(f"h{i}") for i in range(1, 8)])
    assert truth.person_indoors[at_home].all() and at_home.sum() > 20


def _allowed_walking_area(town: Town) -> shapely.Geometry:
    """Roads (to their edges) plus, per place, the corridor from its spots to its road."""
    world = town.world
    roads = [
        shapely.LineString(road.points).buffer(road.width_m / 2 + 0.5)
        for road in town.scenario.map.roads
    ]
    corridors = []
    for place in range(world.n_places):
        x, y = world.place_xy[place]
        r = world.place_radius_m[place]
        access = world.node_xy[world.place_access_node[place]]
        spots = shapely.box(x - r, y - r, x + r, y + r)
        corridors.append(shapely.convex_hull(spots.union(shapely.Point(access))).buffer(1.0))
    return shapely.union_all(roads + corridors)


def test_walkers_keep_to_the_roads(town: Town, full_run: FullRun):
    allowed = _allowed_walking_area(town)
    road_surface = shapely.union_all(
        [
            shapely.LineString(road.points).buffer(road.width_m / 2 + 0.5)
            for road in town.scenario.map.roads
        ]
    )
    samples = np.concatenate(full_run.walking_xy)
    assert len(samples) > 5000, "too few walking samples to judge"
    points = shapely.points(samples)
    off_road = samples[~shapely.contains_xy(allowed, samples[:, 0], samples[:, 1])]
    assert off_road.size == 0, f"walkers off the road network at {off_road[:5].tolist()}"
    on_road = shapely.contains(road_surface, points).mean()
    assert on_road > 0.5, f"only {on_road:.0%} of walking samples are on a road"


def test_a_walker_is_on_a_road_midway_through_a_trip(full_run: FullRun, town: Town):
    trip = [item for item in full_run.hawk_trip if item[0] < 1680]  # safehouse -> market
    assert len(trip) > 60
    _, x, y = trip[len(trip) // 2]
    roads = shapely.union_all([shapely.LineString(r.points) for r in town.scenario.map.roads])
    distance = shapely.distance(roads, shapely.Point(x, y))
    assert distance <= 10.0, f"midway the walker is {distance:.1f} m from any road"
    straight = shapely.LineString([trip[0][1:], trip[-1][1:]])
    path_length = sum(math.dist(a[1:], b[1:]) for a, b in zip(trip, trip[1:]))
    assert path_length > straight.length + 20, "the walker cut straight across the blocks"


def test_a_gathering_sends_its_count_to_the_open_area(town: Town, full_run: FullRun):
    started = [e for e in full_run.events if e["type"] == "gathering_started"]
    assert len(started) == 1
    event = started[0]
    assert event["tick"] == 1200 and event["people"] == 15 and event["place"] == "square1"
    assert event["until_tick"] == 1200 + 20 * 60
    square = town.place("square1")
    before = full_run.states[1200]
    assert ((before.person_place == square) & ~before.person_walking).sum() == 0
    during = full_run.states[2100]
    there = (during.person_place == square) & ~during.person_walking
    assert there.sum() == 15
    assert (during.person_kind[there] == KIND_CIVILIAN).all()


def test_after_a_gathering_people_resume_their_routine(town: Town):
    scenario = town.without_injects(keep=["gather1"]).model_copy(
        update={"clock": town.scenario.clock.model_copy(update={"duration_s": 6000})}
    )
    sim = town.simulation(scenario, seed=1)
    square, school = town.place("square1"), town.place("school1")
    run_until(sim, 2100)  # 07:35, the gathering (07:20-07:40) is on
    truth = sim.state()
    participants = np.flatnonzero((truth.person_place == square) & ~truth.person_walking)
    pupils = [row for row in participants if truth.person_ids[row].startswith("pupil-")]
    assert pupils, "no pupil joined the gathering; the test proves nothing"
    run_until(sim, 5400)  # 08:30: school started at 07:30 +- 5 min
    truth = sim.state()
    absent = [truth.person_ids[row] for row in pupils if truth.person_place[row] != school]
    assert absent == [], f"pupils who were at the gathering and are not at school: {absent}"


# ----------------------------------------------------------------------------- explosions


def _binomial_bounds(n: int, p: float, sigmas: float = 4.0) -> tuple[float, float]:
    spread = sigmas * math.sqrt(n * p * (1 - p))
    return n * p - spread, n * p + spread


def test_an_explosion_makes_civilians_flee_or_shelter(full_run: FullRun):
    reacted = [e for e in full_run.events if e["type"] == "civilians_reacted"]
    assert [e["cause"] for e in reacted] == ["explosion", "gunfire"]
    blast = reacted[0]
    assert blast["tick"] == BLAST_TICK
    assert (blast["x_m"], blast["y_m"]) == BLAST_XY
    heard, fled, sheltered = blast["heard"], blast["fled"], blast["sheltered"]
    assert heard >= 30, "too few civilians heard it to judge the reactions"
    assert fled + sheltered <= heard
    low, high = _binomial_bounds(heard, 0.5)
    assert low <= fled <= high, f"{fled} of {heard} fled (flee_probability 0.5)"
    low, high = _binomial_bounds(heard, 0.3)
    assert low <= sheltered <= high, f"{sheltered} of {heard} sheltered (0.3)"
    truth = full_run.states[BLAST_TICK + 1]
    near = np.hypot(*(truth.person_xy - BLAST_XY).T) <= 250.0
    expected_heard = (near & (truth.person_kind == KIND_CIVILIAN)).sum()
    assert heard == expected_heard


def test_civilians_who_flee_move_away_from_the_explosion(town: Town, full_run: FullRun):
    """Same seed with and without the explosion: those who heard it end up farther away."""
    control = _run_and_sample(
        town, town.without_injects(keep=["msg1", "intel1", "gather1", "status1", "seen1"])
    )
    fled = next(e for e in full_run.events if e["type"] == "civilians_reacted")["fled"]
    at_blast = control.states[BLAST_TICK + 1]
    assert np.array_equal(at_blast.person_xy, full_run.states[BLAST_TICK + 1].person_xy)
    heard = np.flatnonzero(
        (np.hypot(*(at_blast.person_xy - BLAST_XY).T) <= 250.0)
        & (at_blast.person_kind == KIND_CIVILIAN)
    )
    later_blast = full_run.states[BLAST_TICK + 240].person_xy[heard]
    later_calm = control.states[BLAST_TICK + 240].person_xy[heard]
    gain = np.hypot(*(later_blast - BLAST_XY).T) - np.hypot(*(later_calm - BLAST_XY).T)
    assert (gain > 5.0).sum() >= 0.8 * fled, (
        f"{fled} fled but only {(gain > 5.0).sum()} are farther from the blast after 4 min"
    )
    assert gain.mean() > 0.0


def test_people_resume_their_routine_after_staying_away(town: Town):
    scenario = town.without_injects(keep=["blast1"]).model_copy(
        update={"clock": town.scenario.clock.model_copy(update={"duration_s": 3 * 3600})}
    )
    sim = town.simulation(scenario, seed=1)
    market = town.place("market1")
    traders = rows_of(sim, "trader-")
    run_until(sim, BLAST_TICK)
    assert (sim.state().person_place[traders] == market).all()
    run_until(sim, BLAST_TICK + 1)
    # stay_away_min is 20: an hour later everyone should long be back at the market.
    run_until(sim, BLAST_TICK + 3600)
    truth = sim.state()
    away = [truth.person_ids[row] for row in traders if truth.person_place[row] != market]
    assert away == [], f"traders still away from the market an hour later: {away}"


# ----------------------------------------------------------------------------- inject triggers


def test_timed_injects_fire_exactly_at_their_tick(town: Town, full_run: FullRun):
    start = time_to_seconds(town.scenario.clock.start_time)
    for inject in town.scenario.injects:
        if inject.at is None:
            continue
        expected = math.ceil((time_to_seconds(inject.at) - start) / town.scenario.clock.tick_s)
        assert full_run.ticks_of("inject", id=inject.id) == [expected], inject.id
    assert full_run.ticks_of("protected_status_changed", site="ps-mosque") == [3000]
    assert full_run.states[3001].site_status["ps-mosque"] == "restricted"
    assert full_run.states[2999].site_status["ps-mosque"] == "protected"
    assert "msg1" not in full_run.message_sources[299]
    assert "msg1" in full_run.message_sources[301]


def test_timed_injects_fire_at_the_first_tick_at_or_after_their_time(town: Town):
    scenario = town.with_clock(tick_s=7.0)
    sim = town.simulation(scenario, seed=1)
    events = run_until(sim, sim.total_ticks)
    start = time_to_seconds(scenario.clock.start_time)
    for inject in scenario.injects:
        if inject.at is None:
            continue
        offset = time_to_seconds(inject.at) - start
        fired = [e["tick"] for e in events if e["type"] == "inject" and e["id"] == inject.id]
        assert fired == [math.ceil(offset / 7.0)], inject.id
        assert (fired[0] - 1) * 7.0 < offset <= fired[0] * 7.0


def test_a_condition_inject_fires_after_the_actor_arrives(full_run: FullRun):
    assert full_run.hawk_at_market, "the hostile actor never reached the market"
    arrived = full_run.hawk_at_market[0]  # first tick the state shows him there
    fired = full_run.ticks_of("inject", id="seen1")
    assert len(fired) == 1, fired
    delay_ticks = 10  # delay_s 10 at tick_s 1
    assert arrived + delay_ticks - 1 <= fired[0] <= arrived + delay_ticks, (
        f"arrived at tick {arrived}, inject at {fired[0]}"
    )


def test_a_condition_inject_never_fires_if_the_actor_stays_away(town: Town):
    forces = town.scenario.forces
    idle = forces.hostile[0].model_copy(update={"routine": ()})
    scenario = town.variant(forces=forces.model_copy(update={"hostile": (idle,)}))
    sim = town.simulation(scenario, seed=1)
    events = run_until(sim, sim.total_ticks)
    assert not [e for e in events if e["type"] == "inject" and e["id"] == "seen1"]


def test_a_chained_inject_fires_after_its_source(full_run: FullRun):
    blast = full_run.ticks_of("inject", id="blast1")
    shots = full_run.ticks_of("inject", id="shots1")
    assert blast == [BLAST_TICK]
    assert shots == [BLAST_TICK + 30]  # delay_s 30 at tick_s 1


def test_chains_without_delay_and_after_a_condition_inject(town: Town):
    extra = (
        Inject(id="follow1", kind="message", when={"after_inject": "seen1", "delay_s": 5}),
        Inject(id="follow2", kind="message", when={"after_inject": "follow1"}),
    )
    scenario = town.variant(injects=(*town.scenario.injects, *extra))
    sim = town.simulation(scenario, seed=1)
    events = run_until(sim, 1500)
    fired = {e["id"]: e["tick"] for e in events if e["type"] == "inject"}
    assert fired["follow1"] == fired["seen1"] + 5
    assert fired["seen1"] < fired["follow1"] < fired["follow2"] <= fired["follow1"] + 1
    assert list(fired).index("follow2") > list(fired).index("follow1")


# ----------------------------------------------------------------------------- Market Day


def test_market_day_school_is_full_in_school_hours_and_empty_at_night(market_day):
    scenario = market_day.scenario
    table = occupancy_by_hour(scenario.model_copy(update={"injects": ()}), seed=1, tick_s=20.0)
    school_goers = sum(
        archetype.count
        for archetype in scenario.population.archetypes
        if any(entry.use == "school" and entry.probability == 1.0 for entry in archetype.schedule)
    )
    assert school_goers > 0, "nobody in Market Day goes to school"
    full = school_goers / table.civilians
    # Market Day has a recess in the schoolyard from 10:00 to 10:20, so the building is
    # checked either side of it; at 10:00 the table must still match the plan.
    for hour in (9, 11):
        assert table.simulated[hour]["school"] >= 0.9 * full, (
            f"{hour:02d}:00: {table.simulated[hour]['school']:.1%} at school, full is {full:.1%}"
        )
    assert abs(table.simulated[10]["school"] - table.planned[10]["school"]) <= 0.10
    assert table.simulated[22]["school"] == 0.0
