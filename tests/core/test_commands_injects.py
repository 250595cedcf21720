"""Commands: friendly units move and stop on command; bad commands are rejected, never raised.

Every decision is a Command applied at a tick boundary; an invalid one becomes a
``command_rejected`` event with a reason and leaves the state untouched.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from core_fixtures import Town, run_until
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.commands import (
    Command,
    MoveUnit,
    StopUnit,
    command_from_dict,
    command_kinds,
)
from simulator.core.events import Event
from simulator.core.simulation import Simulation

PATROL_START = (100.0, 50.0)
PATROL_SPEED = 2.0


def _unit(sim: Simulation, unit_id: str):
    return next(u for u in sim.observe("blue").units if u.unit_id == unit_id)


def _of_type(events: list[Event], event_type: str) -> list[Event]:
    return [e for e in events if e["type"] == event_type]


def test_move_unit_moves_the_patrol_and_reports_its_arrival(town: Town):
    sim = town.simulation(seed=1)
    target = (300.0, 100.0)
    events = run_until(sim, 20, {10: [MoveUnit("p1", *target)]})
    assert _of_type(events, "command_rejected") == []
    commands = _of_type(events, "command")
    assert [c["tick"] for c in commands] == [10]
    assert commands[0]["command"] == {
        "kind": "move_unit",
        "unit_id": "p1",
        "x_m": 300.0,
        "y_m": 100.0,
    }
    unit = _unit(sim, "p1")
    assert unit.moving
    travelled = math.dist(PATROL_START, (unit.x_m, unit.y_m))
    assert travelled == pytest.approx(10 * PATROL_SPEED, abs=1e-6)  # ticks 10..19
    journey_ticks = math.ceil(math.dist(PATROL_START, target) / PATROL_SPEED)
    events = run_until(sim, 10 + journey_ticks + 5)
    arrived = _of_type(events, "unit_arrived")
    assert len(arrived) == 1, arrived
    assert arrived[0]["unit"] == "p1"
    assert (arrived[0]["x_m"], arrived[0]["y_m"]) == target
    assert arrived[0]["tick"] in (10 + journey_ticks - 1, 10 + journey_ticks)
    unit = _unit(sim, "p1")
    assert not unit.moving and (unit.x_m, unit.y_m) == target
    assert tuple(sim.state().unit_xy[sim.state().unit_ids.index("p1")]) == target


def test_stop_unit_halts_the_patrol_where_it_is(town: Town):
    sim = town.simulation(seed=1)
    run_until(sim, 30, {0: [MoveUnit("p1", 500.0, 50.0)], 20: [StopUnit("p1")]})
    stopped = _unit(sim, "p1")
    assert not stopped.moving
    assert stopped.x_m == pytest.approx(PATROL_START[0] + 20 * PATROL_SPEED)
    events = run_until(sim, 200)
    assert _of_type(events, "unit_arrived") == []
    assert (_unit(sim, "p1").x_m, _unit(sim, "p1").y_m) == (stopped.x_m, stopped.y_m)


def test_commands_of_one_tick_apply_in_order(town: Town):
    sim = town.simulation(seed=1)
    run_until(sim, 5, {1: [MoveUnit("p1", 500.0, 50.0), StopUnit("p1")]})
    assert not _unit(sim, "p1").moving
    assert (_unit(sim, "p1").x_m, _unit(sim, "p1").y_m) == PATROL_START
    run_until(sim, 10, {5: [StopUnit("p1"), MoveUnit("p1", 500.0, 50.0)]})
    assert _unit(sim, "p1").moving


@pytest.mark.parametrize(
    ("command", "reason_words"),
    [
        (MoveUnit("op1", 10.0, 10.0), ("op1", "fixed")),
        (MoveUnit("ghost", 10.0, 10.0), ("ghost",)),
        (StopUnit("ghost"), ("ghost",)),
        (MoveUnit("p1", -1.0, 10.0), ("outside",)),
        (MoveUnit("p1", 10.0, 400.5), ("outside",)),
        (MoveUnit("p1", 600.01, 0.0), ("outside",)),
        (MoveUnit("p1", float("nan"), 10.0), ()),
        (MoveUnit("p1", float("inf"), 10.0), ()),
        (MoveUnit("p1", "ten", 10.0), ()),
        (MoveUnit("p1", None, 10.0), ()),
    ],
    ids=lambda value: repr(value)[:40] if isinstance(value, Command) else "",
)
def test_invalid_commands_are_rejected_with_a_reason(town: Town, command, reason_words):
    sim = town.simulation(seed=1)
    untouched = town.simulation(seed=1)
    result = sim.step([command])
    untouched.step()
    rejected = _of_type(result.events, "command_rejected")
    assert len(rejected) == 1, result.events
    reason = rejected[0]["reason"]
    assert isinstance(reason, str) and len(reason) > 10
    for word in reason_words:
        assert word in reason, reason
    assert rejected[0]["kind"] == command.kind
    assert rejected[0]["seq"] == _of_type(result.events, "command")[0]["seq"]
    json.dumps(result.events, allow_nan=True)
    assert sim.state_hash() == untouched.state_hash(), "a rejected command changed the state"
    assert [e["type"] for e in result.events] == ["command", "command_rejected"]


def test_a_fixed_post_stays_put(town: Town):
    sim = town.simulation(seed=1)
    run_until(sim, 50, {0: [MoveUnit("op1", 10.0, 10.0)]})
    post = _unit(sim, "op1")
    assert (post.x_m, post.y_m) == (300.0, 350.0) and not post.moving


def test_the_map_edges_are_inside_the_map(town: Town):
    sim = town.simulation(seed=1)
    result = sim.step([MoveUnit("p1", 0.0, 0.0), MoveUnit("p1", 600.0, 400.0)])
    assert _of_type(result.events, "command_rejected") == []


def test_something_that_is_not_a_command_is_rejected_not_raised(town: Town):
    sim = town.simulation(seed=1)
    result = sim.step([{"kind": "move_unit", "unit_id": "p1"}, None])  # type: ignore[list-item]
    assert len(_of_type(result.events, "command_rejected")) == 2


def test_a_huge_integer_coordinate_is_rejected_not_raised(town: Town):
    sim = town.simulation(seed=1)
    result = sim.step([MoveUnit("p1", 10**400, 10.0)])
    assert len(_of_type(result.events, "command_rejected")) == 1


# ----------------------------------------------------------------------------- fuzzing

ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["p1", "op1", "drone1", "op1-eyes", "T0001", "T0002", "", "E1", "fx-small"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
UNIT_AND_AWARENESS_KINDS = (
    "move_unit",
    "stop_unit",
    "task_sensor",
    "zoom_sensor",
    "follow_contact",
    "classify_contact",
    "mark_location",
    "request_intel",
    "submit_report",
)
OTHER_KINDS = tuple(sorted(set(command_kinds()) - set(UNIT_AND_AWARENESS_KINDS)))


@st.composite
def any_command(draw, kinds: tuple[str, ...]) -> Command:
    """A command of one of ``kinds`` with arbitrary (often nonsensical) field values."""
    cls = command_kinds()[draw(st.sampled_from(kinds))]
    values = {f.name: draw(ANY_VALUE) for f in dataclasses.fields(cls)}
    return cls(**values)


_FUZZ_SIMS: dict[str, Simulation] = {}


def _step_fuzzed(town: Town, commands: list[Command]) -> None:
    """Step a shared simulation (people about, tracks held) with the commands."""
    sim = _FUZZ_SIMS.get("sim")
    if sim is None or sim.done:
        sim = _FUZZ_SIMS["sim"] = town.simulation(seed=1)
        run_until(sim, 700)
    result = sim.step(commands)
    recorded = _of_type(result.events, "command")
    assert len(recorded) == len(commands)
    verdicts = {e["seq"] for e in _of_type(result.events, "command_rejected")}
    assert verdicts <= {e["seq"] for e in recorded}


FUZZ_SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_the_fuzzed_kinds_cover_every_command_kind():
    assert set(UNIT_AND_AWARENESS_KINDS) <= set(command_kinds())


@FUZZ_SETTINGS
@given(commands=st.lists(any_command(UNIT_AND_AWARENESS_KINDS), min_size=1, max_size=4))
def test_no_unit_or_awareness_command_ever_raises_inside_step(town: Town, commands):
    _step_fuzzed(town, commands)


@pytest.mark.skipif(not OTHER_KINDS, reason="no other command kinds are registered")
@FUZZ_SETTINGS
@given(data=st.data())
def test_no_other_command_ever_raises_inside_step(town: Town, data):
    commands = data.draw(st.lists(any_command(OTHER_KINDS), min_size=1, max_size=4))
    _step_fuzzed(town, commands)


def test_every_command_kind_round_trips_through_its_dict(town: Town):
    for kind, cls in command_kinds().items():
        values = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                values[f.name] = f.default
            elif "x_m" in f.name or "y_m" in f.name or "radius" in f.name:
                values[f.name] = 12.5
            elif f.name == "confidence":
                values[f.name] = 0.5
            else:
                values[f.name] = "abc"
        item = cls(**values)
        data = item.to_dict()
        assert data["kind"] == kind
        assert command_from_dict(json.loads(json.dumps(data))) == item, kind


def test_valid_commands_replay_identically_from_their_dicts(town: Town):
    schedule = {5: [MoveUnit("p1", 250.0, 300.0)], 60: [StopUnit("p1")]}
    direct = town.simulation(seed=2)
    events = run_until(direct, 120, schedule)
    rebuilt: dict[int, list[Command]] = {}
    for event in _of_type(events, "command"):
        rebuilt.setdefault(event["tick"], []).append(command_from_dict(event["command"]))
    again = town.simulation(seed=2)
    run_until(again, 120, rebuilt)
    assert again.state_hash() == direct.state_hash()
    assert np.array_equal(again.state().unit_xy, direct.state().unit_xy)
