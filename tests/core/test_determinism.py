"""Determinism: one scenario, one seed and one command list always give one session.

Twin simulations are compared tick by tick (events and the full state hash), whole
session logs byte by byte; other seeds must differ, and adding a sensor or a hostile
actor must not change how civilians live (named random streams).
"""

from __future__ import annotations

import numpy as np
from core_fixtures import Town, run_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.commands import MoveUnit, StopUnit
from simulator.core.rng import STREAM_NAMES, RngStreams
from simulator.policies import make_policy
from simulator.scenario.schema import HostileActor, Sensor
from simulator.session import EVENT_LOG, SCENARIO_COPY, run_session

COMMANDS = {
    30: [MoveUnit("p1", 300.0, 100.0)],
    200: [StopUnit("p1"), MoveUnit("op1", 10.0, 10.0)],
    400: [MoveUnit("p1", 500.0, 300.0)],
}


def _hashes_per_tick(town: Town, seed: int, ticks: int | None = None) -> list[str]:
    sim = town.simulation(seed=seed)
    hashes = [sim.state_hash()]
    limit = sim.total_ticks if ticks is None else ticks
    while sim.tick < limit:
        sim.step(COMMANDS.get(sim.tick, ()))
        hashes.append(sim.state_hash())
    return hashes


def test_twin_runs_with_one_seed_match_in_events_and_state_at_every_tick(town: Town):
    first = town.simulation(seed=None)
    second = town.simulation(seed=None)
    assert first.reset(seed=11) == second.reset(seed=11)
    assert first.state_hash() == second.state_hash(), "states differ right after reset"
    recorded = 0
    while not first.done:
        commands = COMMANDS.get(first.tick, ())
        # Only the first twin is observed (as a console would, every frame): observing
        # must never change the session.
        first.observe("blue")
        first.observe("blue")
        result_a = first.step(commands)
        result_b = second.step(commands)
        tick = result_a.tick
        assert result_a.events == result_b.events, f"events differ at tick {tick}"
        assert result_a.done == result_b.done, f"done differs at tick {tick}"
        assert result_a.state_hash == result_b.state_hash, f"recorded hash differs at {tick}"
        assert first.state_hash() == second.state_hash(), f"state differs at tick {tick}"
        if result_a.state_hash is not None:
            recorded += 1
            assert result_a.state_hash == first.state_hash(), f"stale hash at tick {tick}"
    assert second.done
    assert recorded == first.total_ticks // first.hash_every


def test_the_recorded_hash_is_due_every_n_ticks_and_at_the_end(town: Town):
    sim = town.simulation(town.with_clock(duration_s=150, state_hash_every_ticks=40), seed=3)
    due = []
    while not sim.done:
        result = sim.step()
        if result.state_hash is not None:
            due.append(result.tick)
    assert due == [40, 80, 120, 150]


def test_observing_is_a_pure_read(town: Town):
    sim = town.simulation(seed=4)
    run_until(sim, 700)
    before = sim.state_hash()
    pictures = [sim.observe("blue") for _ in range(3)]
    assert sim.state_hash() == before
    assert pictures[0] == pictures[1] == pictures[2]
    assert sim.state().tick == 700


def test_session_logs_of_twin_runs_are_byte_identical(town: Town, tmp_path):
    for name in ("a", "b"):
        run_session(
            town.loaded, seed=5, policy=make_policy("passive"), out_dir=tmp_path / name, ticks=900
        )
    log_a = (tmp_path / "a" / EVENT_LOG).read_bytes()
    log_b = (tmp_path / "b" / EVENT_LOG).read_bytes()
    assert log_a == log_b
    assert log_a.count(b"\n") > 10
    assert (tmp_path / "a" / SCENARIO_COPY).read_bytes() == town.loaded.source


def test_another_seed_gives_another_session(town: Town):
    one = _hashes_per_tick(town, seed=1, ticks=600)
    two = _hashes_per_tick(town, seed=2, ticks=600)
    differing = [tick for tick, (a, b) in enumerate(zip(one, two)) if a == b]
    assert differing == [], f"seeds 1 and 2 give the same state at ticks {differing[:5]}"


def test_reset_starts_the_same_session_again(town: Town):
    sim = town.simulation(seed=8)
    run_until(sim, 1500, {30: [MoveUnit("p1", 250.0, 250.0)]})
    sim.reset(seed=9)
    reused = [sim.state_hash()]
    while sim.tick < 300:
        sim.step(COMMANDS.get(sim.tick, ()))
        reused.append(sim.state_hash())
    assert reused == _hashes_per_tick(town, seed=9, ticks=300)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**63 - 1))
def test_any_seed_reproduces(town: Town, seed: int):
    assert _hashes_per_tick(town, seed, ticks=120) == _hashes_per_tick(town, seed, ticks=120)


def _civilian_tracks(town: Town, scenario, ticks: int) -> np.ndarray:
    """(ticks, civilians, 2) positions of the town's civilians under ``scenario``."""
    sim = town.simulation(scenario, seed=21)
    civilians = np.flatnonzero(sim.state().person_kind == 0)
    positions = []
    while sim.tick < ticks:
        sim.step()
        positions.append(sim.state().person_xy[civilians])
    return np.stack(positions)


def test_adding_a_sensor_or_a_hostile_actor_does_not_change_how_civilians_live(town: Town):
    ticks = 2700  # through the gathering, the explosion and the gunfire
    base = _civilian_tracks(town, town.scenario, ticks)
    extra_sensor = Sensor(
        id="drone2", kind="overhead", position=(450.0, 300.0), footprint_radius_m=200.0
    )
    with_sensor = town.variant(sensors=(*town.scenario.sensors, extra_sensor))
    extra_actor = HostileActor(
        id="crow",
        safehouse="h5",
        routine=({"start": "07:05", "end": "07:30", "place": "square1"},),
    )
    forces = town.scenario.forces.model_copy(
        update={"hostile": (*town.scenario.forces.hostile, extra_actor)}
    )
    with_actor = town.variant(forces=forces)
    for label, scenario in (("a sensor", with_sensor), ("a hostile actor", with_actor)):
        tracks = _civilian_tracks(town, scenario, ticks)
        moved = np.flatnonzero(np.any(tracks != base, axis=(1, 2)))
        assert moved.size == 0, f"adding {label} changed civilians from tick {moved[:1] + 1}"


def test_each_named_stream_is_independent_of_the_others():
    fresh = RngStreams(77)
    busy = RngStreams(77)
    for name in STREAM_NAMES:
        if name != "civilians":
            busy[name].random(1000)
    assert np.array_equal(fresh["civilians"].random(50), busy["civilians"].random(50))
    firsts = {name: RngStreams(77)[name].random() for name in STREAM_NAMES}
    assert len(set(firsts.values())) == len(STREAM_NAMES), "two streams share a sequence"
