"""Targeting: effects, aborts, estimates from the picture, protected sites, warnings.

A small town built in code: a row of homes full of people in the south-west, an empty
field to the north-east, a school on the no-strike list, an overhead sensor over the
homes and a patrol. The intelligence cell is told homes stand empty, so an estimate says
"nobody" while people are in fact indoors.
"""

from __future__ import annotations

import numpy as np
import pytest

from scoring.outcome import outcome_from_events
from simulator.core.commands import (
    Abort,
    DeclarePid,
    EstimateCollateral,
    IssueWarning,
    NominateTarget,
    PlanEffect,
    Release,
    RequestApproval,
    TaskSensor,
)
from simulator.core.simulation import Simulation
from simulator.scenario import parse_scenario

TOWN = """
schema_version: 1
meta: {id: strike-range-v1, title: Strike range}
clock: {start_time: "12:00", duration_s: 1800}
map:
  extent_m: [1000, 1000]
  buildings:
    - {id: h1, use: home, rect: [100, 100, 20, 20], capacity: 30, construction: light}
    - {id: h2, use: home, rect: [130, 100, 20, 20], capacity: 30, construction: light}
    - {id: h3, use: home, rect: [160, 100, 20, 20], capacity: 30, construction: light}
    - {id: school, use: school, rect: [300, 100, 30, 30], capacity: 100}
  open_areas:
    - {id: yard, kind: square, polygon: [[600, 100], [680, 100], [680, 140], [600, 140]]}
  roads:
    - {id: r1, points: [[50, 90], [950, 90]]}
    - {id: r2, points: [[950, 90], [950, 950]]}
protected:
  sites:
    - {id: ps-school, category: school, building: school}
population:
  archetypes:
    - {id: family, count: 60}
    - id: idler
      count: 10
      schedule: [{start: "11:00", end: "13:00", place: yard}]
sensors:
  - {id: drone, kind: overhead, position: [140, 110], footprint_radius_m: 100}
forces:
  friendly:
    - {id: patrol, kind: patrol, position: [900, 900], speed_mps: 2}
effects:
  - {id: big, name: Big notional, lethal_radius_m: 20, injury_radius_m: 40,
     time_to_effect_s: 10, structural_radius_m: 10, noise_radius_m: 300}
warnings:
  - {id: speaker, name: Loudspeaker, kind: loudspeaker, reach_m: 200,
     perceive_probability_day: 1.0, noise_sensitivity: 0.0, compliance: 1.0,
     delay_s: 10, leave_distance_m: 300, alerts_target_probability: 0.0}
roe:
  abort_cutoff_s: 3
  occupancy_estimates:
    - {use: home, start: "00:00", end: "24:00", fraction: 0.0}
"""


@pytest.fixture(scope="module")
def scenario():
    return parse_scenario(TOWN, "strike-range.yaml")


def _events(sim: Simulation, ticks: int, commands_at: dict[int, list] | None = None) -> list:
    events = []
    for _ in range(ticks):
        events.extend(sim.step((commands_at or {}).get(sim.tick, [])).events)
    return events


def _of(events: list, kind: str) -> list:
    return [e for e in events if e["type"] == kind]


def _location_strike(engagement: str, x: float, y: float) -> list:
    return [
        NominateTarget(engagement, x_m=x, y_m=y),
        PlanEffect(engagement, "big"),
        EstimateCollateral(engagement),
        Release(engagement, "test release"),
    ]


def test_an_effect_in_an_empty_field_harms_nobody(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(sim, 30, {0: _location_strike("E1", 800.0, 800.0)})
    resolved = _of(events, "effect_resolved")
    assert len(resolved) == 1, "the effect should land once, 10 s after release"
    assert resolved[0]["killed"] == [] and resolved[0]["injured"] == []
    assert resolved[0]["buildings_damaged"] == []
    assert int((sim.health > 0).sum()) == 0


def test_an_abort_before_the_effect_lands_harms_nobody(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(
        sim, 30, {0: _location_strike("E1", 140.0, 110.0), 2: [Abort("E1", "children seen")]}
    )
    assert not _of(events, "effect_resolved"), "an aborted effect must not land"
    aborted = _of(events, "engagement_aborted")
    assert aborted and aborted[0]["after_release"] is True
    assert int((sim.health > 0).sum()) == 0


def test_an_abort_after_the_cutoff_is_refused_and_the_effect_lands(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    # Impact at tick 10, cutoff 3 s: tick 8 is too late.
    events = _events(sim, 30, {0: _location_strike("E1", 800.0, 800.0), 8: [Abort("E1")]})
    rejected = _of(events, "command_rejected")
    assert rejected and "too late to abort" in rejected[0]["reason"], rejected
    assert len(_of(events, "effect_resolved")) == 1


def test_people_indoors_are_harmed_though_the_estimate_saw_nobody(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(sim, 30, {0: _location_strike("E1", 140.0, 110.0)})
    estimate = _of(events, "collateral_estimate")[0]
    assert estimate["estimate"]["estimated_civilian_casualties"] == 0
    assert estimate["truth"]["civilians_indoors_in_area"] > 0
    resolved = _of(events, "effect_resolved")[0]
    harmed = resolved["killed"] + resolved["injured"]
    assert harmed, "people at home beside the aim point must be harmed"
    assert {person["observability"] for person in harmed} == {"never_observable"}
    outcome = outcome_from_events(events, scenario)
    assert outcome["civilians_harmed_own_never_observable"] == len(harmed)


def test_a_protected_site_in_the_effect_area_is_flagged_before_approval(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    commands = [
        NominateTarget("E1", x_m=330.0, y_m=140.0),
        PlanEffect("E1", "big"),
        EstimateCollateral("E1"),
        RequestApproval("E1"),
    ]
    events = _events(sim, 2, {0: commands})
    estimate = _of(events, "collateral_estimate")[0]["estimate"]
    assert [s["site"] for s in estimate["protected_sites_in_area"]] == ["ps-school"]
    denied = _of(events, "approval_denied")
    assert denied and "ps-school" in denied[0]["reason"]
    engagement = sim.observe().engagements[0]
    assert engagement.approval == "denied"


def test_releasing_past_the_rules_is_recorded_as_violations(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(
        sim,
        2,
        {0: [NominateTarget("E1", x_m=800.0, y_m=800.0), PlanEffect("E1", "big"), Release("E1")]},
    )
    failed = {e["rule"] for e in _of(events, "rule_check") if not e["ok"]}
    assert {
        "estimate_before_engagement",
        "approval_before_engagement",
        "rationale_recorded",
    } <= failed


def test_pid_on_a_contact_without_the_required_indicators_is_flagged(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(sim, 40, {0: [TaskSensor("drone", 640.0, 120.0)]})
    people = [c for c in sim.observe().contacts if c.category == "person"]
    assert people, "the idlers in the yard should be in view of the drone"
    track = people[0].track_id
    events = _events(
        sim,
        1,
        {
            sim.tick: [
                NominateTarget("E1", track_id=track),
                DeclarePid("E1", "hostile_act", "looked hostile"),
            ]
        },
    )
    checks = {e["rule"]: e["ok"] for e in _of(events, "rule_check")}
    assert checks["pid_indicators"] is False
    assert checks["pid_basis"] is False


def test_a_warning_makes_civilians_leave_before_the_effect(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    homes = np.flatnonzero(sim.people.home < 3)  # everyone living in h1..h3
    before = sim.person.xy[homes].copy()
    events = _events(
        sim,
        200,
        {
            0: [
                NominateTarget("E1", x_m=140.0, y_m=110.0),
                PlanEffect("E1", "big"),
                IssueWarning("E1", "speaker"),
            ]
        },
    )
    warned = _of(events, "warning_issued")[0]
    assert warned["truth"]["leaving"] == warned["truth"]["civilians_in_reach"] > 0
    moved = np.hypot(*(sim.person.xy[homes] - before).T)
    assert (moved > 100).sum() >= 0.9 * warned["truth"]["leaving"], (
        "people who heard and heeded the warning should have left the area"
    )
    # Striking after they left harms far fewer than striking at once.
    after = _events(sim, 30, {sim.tick: [EstimateCollateral("E1"), Release("E1", "cleared")]})
    harmed = _of(after, "effect_resolved")[0]
    assert len(harmed["killed"]) + len(harmed["injured"]) < warned["truth"]["civilians_in_reach"]


def test_targeting_is_deterministic(scenario):
    def run() -> list:
        sim = Simulation(scenario)
        sim.reset(seed=11)
        return _events(
            sim,
            60,
            {
                0: [
                    NominateTarget("E1", x_m=140.0, y_m=110.0),
                    PlanEffect("E1", "big"),
                    IssueWarning("E1", "speaker"),
                ],
                20: [EstimateCollateral("E1"), Release("E1", "go")],
            },
        )

    assert run() == run()


def test_civilians_walking_into_the_area_after_release_are_recorded_once(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    _events(
        sim,
        1,
        {
            0: [
                NominateTarget("E1", x_m=640.0, y_m=300.0),
                PlanEffect("E1", "big"),
                EstimateCollateral("E1"),
                Release("E1", "clear"),
            ]
        },
    )
    # Send the idlers from the yard (y 100-140) right under the aim point.
    idlers = np.flatnonzero(sim.people.group == sim.people.group_names.index("idler"))
    sim.person.xy[idlers] = (640.0, 300.0)
    events = _events(sim, 12)
    entered = _of(events, "civilians_entered_effect_area")
    assert len(entered) == 1, "new information is recorded once per engagement"
    assert entered[0]["truth"]["civilians"] == len(idlers)
    assert entered[0]["tick"] < _of(events, "effect_resolved")[0]["tick"]


def test_the_estimates_truth_gives_the_expected_casualties(scenario):
    sim = Simulation(scenario)
    sim.reset(seed=3)
    events = _events(
        sim,
        1,
        {
            0: [
                NominateTarget("E1", x_m=140.0, y_m=110.0),
                PlanEffect("E1", "big"),
                EstimateCollateral("E1"),
            ]
        },
    )
    truth = _of(events, "collateral_estimate")[0]["truth"]
    assert 0 < truth["expected_civilian_casualties"] <= truth["civilians_in_area"]
