"""Checkpoint tests: arrivals and their behaviours, perception by distance, light and noise,
graduated steps recorded with what the guards could perceive, fire and its harm,
searches, rejections, determinism, and the scripted trainees on the shipped scenario.

Most tests use a one-road lane built in code: a checkpoint at x = 800 m on a road from
x = 0, so arrivals appear 600 m out and drive east.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from core_fixtures import REPO_ROOT

from simulator.core.checkpoint import hit_chance, signal_chance
from simulator.core.commands import Command, EofStep, StopSearch, WaveThrough
from simulator.core.events import Event
from simulator.core.picture import ApproachView, briefing_from_scenario
from simulator.core.simulation import Simulation
from simulator.policies import make_policy
from simulator.scenario import Scenario, load_scenario_file, parse_scenario
from simulator.scenario.schema import ArrivalBehaviour

CHECKPOINT_DAY = REPO_ROOT / "scenarios" / "checkpoint_day.yaml"
CHECKPOINT_NIGHT = REPO_ROOT / "scenarios" / "checkpoint_night.yaml"
BEHAVIOURS = {b.value for b in ArrivalBehaviour}


def lane(
    *arrivals: dict[str, Any],
    start: str = "10:00",
    duration_s: int = 240,
    signs: bool = True,
    clarity: float = 1.0,
    lit: bool = False,
    noise: float = 0.3,
    ladder: dict[str, Any] | None = None,
) -> Scenario:
    """A one-road scenario with checkpoint 'cp' at (800, 100) and the given arrivals
    (each appearing at ``start`` plus its 'after_s', 600 m out)."""
    hours, minutes = (int(p) for p in start.split(":"))
    items = []
    for number, arrival in enumerate(arrivals):
        item = dict(arrival)
        offset = int(item.pop("after_s", 0))
        total = hours * 3600 + minutes * 60 + offset
        item.setdefault("id", f"a{number}")
        item["at"] = f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
        items.append(item)
    document = {
        "schema_version": 1,
        "meta": {"id": "lane", "title": "Checkpoint lane"},
        "clock": {"start_time": start, "tick_s": 1, "duration_s": duration_s},
        "environment": {"ambient_noise": noise},
        "map": {
            "extent_m": [1000, 200],
            "roads": [{"id": "r", "points": [[0, 100], [1000, 100]], "kind": "main"}],
        },
        "forces": {"friendly": [{"id": "guards", "position": [800, 110], "speed_mps": 0}]},
        "roe": {"escalation_of_force": ladder or {}},
        "checkpoints": [
            {
                "id": "cp",
                "name": "CP",
                "position": [800, 100],
                "approach_road": "r",
                "signs_in_place": signs,
                "sign_clarity": clarity,
                "lit": lit,
                "arrivals": items,
            }
        ],
    }
    return parse_scenario(json.dumps(document), "lane.json")


Plan = Callable[[Simulation], Sequence[Command]]


def run(
    scenario: Scenario, seed: int = 0, plan: Plan | None = None
) -> tuple[Simulation, list[Event]]:
    """Run to the end; ``plan(sim)`` gives each tick's commands (it may read the picture)."""
    sim = Simulation(scenario)
    events = sim.reset(seed=seed)
    while not sim.done:
        commands = plan(sim) if plan is not None else ()
        events.extend(sim.step(commands).events)
    return sim, events


def view(sim: Simulation, label: str = "cp-1") -> ApproachView | None:
    for checkpoint in sim.observe().checkpoints:
        for item in checkpoint.approaches:
            if item.label == label:
                return item
    return None


def at_distance(step: str, metres: float, label: str = "cp-1", **extra: str) -> Plan:
    """A plan that uses ``step`` on ``label`` once it is within ``metres``."""
    return steps_at((step, metres), label=label, **extra)


def steps_at(*pairs: tuple[str, float], label: str = "cp-1", **extra: str) -> Plan:
    """A plan that uses each (step, metres) on ``label`` once it is within the distance."""
    todo = list(pairs)

    def plan(sim: Simulation) -> Sequence[Command]:
        seen = view(sim, label)
        if not todo or seen is None or seen.distance_m > todo[0][1]:
            return ()
        step, _ = todo.pop(0)
        return [EofStep("cp", step, label, **extra)]

    return plan


def what(events: list[Event], kind: str, label: str = "cp-1") -> list[Event]:
    return [
        e
        for e in events
        if e["type"] == "checkpoint" and e.get("what") == kind and e.get("label") == label
    ]


# ----------------------------------------------------------------------------- behaviours


def test_a_compliant_driver_reads_clear_signs_and_stops_at_the_stop_line():
    scenario = lane({"behaviour": "compliant"})
    stops = []
    for seed in range(8):
        _, events = run(scenario, seed)
        stops.extend(what(events, "stopped"))
    assert len(stops) >= 6, f"only {len(stops)} of 8 compliant drivers stopped for clear signs"
    for event in stops:
        assert 26.0 <= event["distance_m"] <= 34.0, f"stopped at {event['distance_m']} m"


def test_without_signs_a_compliant_driver_drives_through_unless_signalled():
    scenario = lane({"behaviour": "compliant"}, signs=False)
    _, events = run(scenario)
    assert what(events, "passed"), "nobody told the driver to stop, yet it did not pass"
    plan = ("visual_signal", 200.0), ("audible_signal", 120.0)
    stopped = sum(
        bool(what(run(scenario, seed, steps_at(*plan))[1], "stopped")) for seed in range(6)
    )
    assert stopped >= 5, f"a flag and a horn by day stopped only {stopped} of 6 drivers"


def test_a_threat_ignores_every_signal_and_attacks_the_guards():
    scenario = lane({"behaviour": "threat", "speed_mps": 14, "own_force_harm": 3})
    steps = ["laser_dazzler", "visual_signal", "audible_signal", "hand_signals", "show_weapon"]

    def plan(sim: Simulation) -> Sequence[Command]:
        seen = view(sim)
        if seen is None or seen.distance_m > 250 or not steps or sim.tick % 3:
            return ()
        return [EofStep("cp", steps.pop(0), "cp-1")]

    _, events = run(scenario, 3, plan)
    assert not what(events, "stopped")
    attack = what(events, "threat_attack")
    assert attack and attack[0]["own_force_casualties"] == 3
    assert attack[0]["truth"]["behaviour"] == "threat"
    assert any(e["type"] == "effect_resolved" and e["cause"] == "hostile" for e in events)


def test_a_distracted_driver_perceives_visual_signals_later_than_an_attentive_one():
    def perceived(behaviour: str) -> int:
        scenario = lane({"behaviour": behaviour}, signs=False)
        return sum(
            bool(what(run(scenario, seed, at_distance("visual_signal", 150))[1], "perceived"))
            for seed in range(12)
        )

    attentive, distracted = perceived("compliant"), perceived("distracted")
    assert attentive >= 8, attentive
    assert distracted <= attentive - 4, f"distracted {distracted} vs attentive {attentive}"


def test_a_confused_driver_misreads_unclear_signs_and_keeps_coming_hesitantly():
    scenario = lane({"behaviour": "confused", "speed_mps": 9}, clarity=0.3)
    hesitated = passed = 0
    for seed in range(8):
        sim = Simulation(scenario)
        events = sim.reset(seed=seed)
        while not sim.done:
            events.extend(sim.step().events)
            seen = view(sim)
            if seen is not None and "hesitating" in seen.cues:
                hesitated += 1
                break
        passed += not what(events, "stopped")
    assert hesitated >= 4, f"only {hesitated} of 8 confused drivers hesitated"


def test_an_emergency_driver_keeps_coming_through_weak_signals_but_stops_for_strong_ones():
    scenario = lane({"behaviour": "emergency", "speed_mps": 15, "occupants": 3}, signs=False)
    weak = 0
    for seed in range(6):
        _, events = run(scenario, seed, at_distance("visual_signal", 150))
        weak += bool(what(events, "stopped"))
    strong = 0
    for seed in range(6):
        plan = steps_at(("laser_dazzler", 200.0), ("show_weapon", 90.0))
        _, events = run(scenario, seed, plan)
        strong += bool(what(events, "stopped"))
    assert weak == 0, f"{weak} emergency drivers stopped for a flag"
    assert strong >= 4, f"only {strong} of 6 stopped for a dazzler and a shown weapon"


def test_emergency_cues_show_in_the_picture_but_the_behaviour_does_not():
    scenario = lane({"behaviour": "emergency", "speed_mps": 15, "occupants": 3}, signs=False)
    sim = Simulation(scenario)
    sim.reset(seed=1)
    cues: set[str] = set()
    while not sim.done:
        sim.step()
        seen = view(sim)
        if seen is not None:
            cues.update(seen.cues)
            values = json.dumps([str(v) for v in vars(seen).values()])
            assert not any(word in values for word in BEHAVIOURS), values
            assert seen.label == "cp-1"  # the trainee's label, never the arrival's id
    assert {"headlights flashing", "passenger slumped"} <= cues, cues


def test_a_panicked_driver_may_bolt_after_a_warning_shot():
    scenario = lane({"behaviour": "panicked", "speed_mps": 12}, signs=False)
    bolted = 0
    for seed in range(10):
        _, events = run(scenario, seed, at_distance("warning_shot", 200))
        bolted += bool(what(events, "bolted"))
    assert 2 <= bolted <= 9, f"{bolted} of 10 panicked drivers bolted"


# ----------------------------------------------------------------------------- perception


def test_signals_reach_by_distance_light_and_noise():
    assert signal_chance("hand_signals", 50, False, False, 0.3, "clear") >= 0.75
    assert signal_chance("hand_signals", 140, False, False, 0.3, "clear") < 0.2
    assert signal_chance("hand_signals", 160, False, False, 0.3, "clear") == 0.0
    # At night hand signals and a shown weapon carry only tens of metres, a bit more
    # at a lit control point; light and the dazzler carry further at night.
    assert signal_chance("hand_signals", 60, True, False, 0.3, "clear") == 0.0
    assert signal_chance("hand_signals", 30, True, True, 0.3, "clear") > 0.5
    assert signal_chance("show_weapon", 60, True, False, 0.3, "clear") == 0.0
    assert signal_chance("laser_dazzler", 500, True, False, 0.3, "clear") > 0.5
    assert signal_chance("laser_dazzler", 500, False, False, 0.3, "clear") == 0.0
    # Noise spoils audible signals; weather spoils visual ones.
    loud = signal_chance("audible_signal", 80, False, False, 0.9, "clear")
    quiet = signal_chance("audible_signal", 80, False, False, 0.1, "clear")
    assert loud < quiet * 0.5
    dusty = signal_chance("visual_signal", 100, False, False, 0.3, "dust")
    assert dusty < signal_chance("visual_signal", 100, False, False, 0.3, "clear")
    # Fire hits less far at night and against a fast vehicle.
    assert hit_chance("disabling_fire", 100, 5, True, False) < hit_chance(
        "disabling_fire", 100, 5, False, False
    )
    assert hit_chance("lethal_force", 50, 20, False, False) < hit_chance(
        "lethal_force", 50, 2, False, False
    )


def test_at_night_hand_signals_are_not_perceived_but_a_light_is():
    scenario = lane({"behaviour": "compliant"}, start="22:00", signs=False)
    hand = light = 0
    for seed in range(8):
        hand += bool(what(run(scenario, seed, at_distance("hand_signals", 150))[1], "perceived"))
        light += bool(what(run(scenario, seed, at_distance("visual_signal", 150))[1], "stopped"))
    assert hand == 0, f"{hand} drivers saw hand signals given 150 m out in the dark"
    assert light >= 5, f"only {light} of 8 stopped for a light at night"


# ----------------------------------------------------------------------------- records


def test_each_step_is_recorded_with_what_the_guards_could_perceive():
    scenario = lane({"behaviour": "distracted"}, signs=False)
    sim, events = run(scenario, 2, at_distance("hand_signals", 250))
    record = next(e for e in events if e["type"] == "command")
    picture, truth = record["picture"], record["truth"]
    target = picture["target"]
    assert target["label"] == "cp-1"
    assert 245 <= target["distance_m"] <= 250
    assert target["speed_mps"] == 12.0
    assert target["seconds_to_checkpoint"] == pytest.approx((target["distance_m"] - 15) / 12, 0.05)
    assert target["window_s"] > 40
    assert picture["signal_chance"] == 0.0  # 250 m is beyond hand signals' reach
    assert picture["night"] is False
    assert "behaviour" not in json.dumps(picture)
    assert truth["behaviour"] == "distracted"
    assert any(e["type"] == "eof_step" and e["step"] == "hand_signals" for e in events)
    seen = view(sim)
    assert seen is None or seen.steps_used == ("hand_signals",)


def test_lethal_force_harms_whoever_is_in_the_vehicle():
    bus = lane({"behaviour": "compliant", "kind": "bus", "occupants": 20}, signs=False)
    harmed = 0
    for seed in range(4):
        _, events = run(bus, seed, at_distance("lethal_force", 40, rationale="test"))
        for event in events:
            if event["type"] == "effect_resolved" and event["cause"] == "own":
                assert event["target_kind"] == "civilian"
                people = event["killed"] + event["injured"]
                assert all(p["kind"] == "civilian" for p in people)
                harmed += len(people)
    assert harmed >= 4, f"lethal fire into a full bus harmed only {harmed} people in 4 runs"


def test_disabling_fire_stops_a_threat_before_the_danger_distance():
    scenario = lane({"behaviour": "threat", "speed_mps": 14})
    stopped = 0
    for seed in range(6):
        plan = at_distance("disabling_fire", 70, rationale="kept coming after every signal")
        _, events = run(scenario, seed, plan)
        if what(events, "threat_stopped"):
            stopped += 1
            assert not what(events, "threat_attack")
            resolved = next(e for e in events if e["type"] == "effect_resolved")
            assert resolved["target_kind"] == "hostile"
            assert resolved["target_outcome"] in ("detained", "killed")
    assert stopped >= 4, f"disabling fire at 70 m stopped only {stopped} of 6 threats"


def test_stopped_vehicles_are_searched_or_waved_through():
    scenario = lane({"behaviour": "compliant"}, duration_s=300)
    state: dict[str, int] = {}

    def search(sim: Simulation) -> Sequence[Command]:
        seen = view(sim)
        if seen is None:
            return ()
        if "early" not in state and seen.status == "approaching" and seen.distance_m < 200:
            state["early"] = sim.tick
            return [StopSearch("cp", "cp-1")]  # still moving: refused
        if seen.status == "stopped" and "searched" not in state:
            state["searched"] = sim.tick
            return [StopSearch("cp", "cp-1")]
        return ()

    _, events = run(scenario, 0, search)
    rejected = [e for e in events if e["type"] == "command_rejected"]
    assert rejected and "has not stopped" in rejected[0]["reason"]
    done = what(events, "search_done")
    assert done and done[0]["tick"] - state["searched"] == pytest.approx(60, abs=2)
    assert what(events, "departed"), "a searched vehicle should drive on"

    def wave(sim: Simulation) -> Sequence[Command]:
        seen = view(sim)
        if seen is not None and seen.status == "stopped" and not state.get("waved"):
            state["waved"] = 1
            return [WaveThrough("cp", "cp-1")]
        return ()

    _, events = run(scenario, 0, wave)
    assert what(events, "waved_through") and what(events, "departed")


def test_bad_checkpoint_commands_are_rejected_with_reasons():
    scenario = lane({"behaviour": "compliant"}, duration_s=60)
    commands = [
        EofStep("nowhere", "hand_signals", "cp-1"),
        EofStep("cp", "shout", "cp-1"),
        EofStep("cp", 5, "cp-1"),  # type: ignore[arg-type]
        EofStep("cp", "hand_signals", "cp-99"),
        EofStep("cp", "hand_signals", ["x"]),  # type: ignore[arg-type]
        EofStep("cp", "signs_barriers"),  # already in place
        StopSearch("cp", "cp-1"),  # not yet there
        WaveThrough(None, "cp-1"),  # type: ignore[arg-type]
    ]
    sim = Simulation(scenario)
    sim.reset(seed=0)
    for _ in range(5):
        sim.step()
    events = sim.step(commands).events
    reasons = [e["reason"] for e in events if e["type"] == "command_rejected"]
    assert len(reasons) == len(commands), reasons
    assert "no checkpoint 'nowhere'" in reasons[0]
    assert "not an escalation step" in reasons[1]
    assert "already in place" in reasons[5]


def test_a_step_the_roe_does_not_allow_is_carried_out_and_flagged():
    from scoring.security import security_findings

    allowed = ["hand_signals", "visual_signal", "audible_signal", "disabling_fire"]
    scenario = lane({"behaviour": "compliant"}, signs=False, ladder={"allowed": allowed})
    _, events = run(scenario, 0, at_distance("warning_shot", 150))
    checks = [e for e in events if e["type"] == "rule_check" and e["rule"] == "eof_step_allowed"]
    assert checks and checks[0]["ok"] is False
    assert any(e["type"] == "eof_step" and e["step"] == "warning_shot" for e in events)
    rules = {f["rule"] for f in security_findings(events, scenario)}
    assert "eof_step_not_allowed" in rules


def test_checkpoint_sessions_are_deterministic():
    scenario = load_scenario_file(CHECKPOINT_DAY).scenario

    def session(seed: int) -> tuple[list[Event], list[str]]:
        sim = Simulation(scenario)
        events = sim.reset(seed=seed)
        policy = make_policy("by-the-book")
        policy.reset(sim.streams["policy"], briefing_from_scenario(scenario))
        hashes = []
        while sim.tick < 1200:
            result = sim.step(list(policy.act(sim.observe())))
            events.extend(result.events)
            if result.state_hash:
                hashes.append(result.state_hash)
        return events, hashes

    first, second = session(4), session(4)
    assert first == second
    other = session(5)
    assert other[1] != first[1], "arrival times vary per seed, so states should differ"


# ----------------------------------------------------------------------------- trainees


def _outcomes(path, policies: Sequence[str], seeds: int) -> dict[str, Counter]:
    from scoring.security import security_outcome

    scenario = load_scenario_file(path).scenario
    totals: dict[str, Counter] = {}
    for name in policies:
        total: Counter = Counter()
        for seed in range(seeds):
            sim = Simulation(scenario)
            events = sim.reset(seed=seed)
            policy = make_policy(name)
            policy.reset(sim.streams["policy"], briefing_from_scenario(scenario))
            while not sim.done:
                events.extend(sim.step(list(policy.act(sim.observe()))).events)
            total.update(security_outcome(events, scenario))
        totals[name] = total
    return totals


def test_expert_stops_the_threat_as_often_as_reckless_with_far_fewer_civilians_hurt():
    totals = _outcomes(CHECKPOINT_DAY, ("expert", "reckless"), 5)
    expert, reckless = totals["expert"], totals["reckless"]
    assert expert["threats_stopped"] >= reckless["threats_stopped"] - 1, totals
    assert expert["threats_stopped"] >= 4, totals
    assert reckless["civilians_harmed_by_force"] >= 5, totals
    assert expert["civilians_harmed_by_force"] * 4 <= reckless["civilians_harmed_by_force"], totals
    assert expert["warning_shots"] < reckless["warning_shots"], totals


def test_passive_guards_let_the_threat_through_at_night():
    totals = _outcomes(CHECKPOINT_NIGHT, ("passive",), 2)
    assert totals["passive"]["threat_attacks"] == 2
    assert totals["passive"]["own_force_casualties"] == 6
