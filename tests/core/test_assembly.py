"""Public assembly tests: gathering, social-force motion, tension and states, de-escalation
and force commands, the violation of force on a peaceful assembly, escalation the trainee
caused, cordons and exits, rejections, views without truth, determinism, and the
scripted trainees on the shipped scenario.

Most tests use a square built in code: an 80 m x 80 m open area with the crowd's focus
(an office door) on its north edge.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from core_fixtures import REPO_ROOT
from scipy.spatial import cKDTree

from scoring.security import security_findings, security_outcome
from simulator.core.commands import (
    Command,
    Communicate,
    Cordon,
    DisperseByForce,
    IsolateAgitators,
    Negotiate,
    NonLethal,
    OpenExit,
)
from simulator.core.events import Event
from simulator.core.picture import briefing_from_scenario
from simulator.core.simulation import Simulation
from simulator.policies import make_policy
from simulator.scenario import Scenario, load_scenario_file, parse_scenario

ASSEMBLY_DAY = REPO_ROOT / "scenarios" / "assembly_day.yaml"
SQUARE = [[100, 100], [180, 100], [180, 180], [100, 180]]


def square(
    *,
    size: int = 120,
    agitators: int = 0,
    grievance: float = 0.2,
    start_state: str = "peaceful",
    duration_s: int = 600,
    start: str = "10:00",
    **extra: Any,
) -> Scenario:
    """A town square with one assembly 'demo' that gathers 10 s after the start."""
    hours, minutes = (int(p) for p in start.split(":"))
    document = {
        "schema_version": 1,
        "meta": {"id": "square", "title": "Square"},
        "clock": {"start_time": start, "tick_s": 1, "duration_s": duration_s},
        "map": {
            "extent_m": [300, 300],
            "roads": [{"id": "r", "points": [[0, 50], [300, 50]]}],
            "open_areas": [{"id": "sq", "polygon": SQUARE}],
        },
        "forces": {"friendly": [{"id": "line", "position": [140, 190], "speed_mps": 1}]},
        "assemblies": [
            {
                "id": "demo",
                "name": "Demo",
                "area": "sq",
                "focus": [140, 178],
                "at": f"{hours:02d}:{minutes:02d}:10",
                "size": size,
                "agitators": agitators,
                "grievance": grievance,
                "start_state": start_state,
                **extra,
            }
        ],
    }
    return parse_scenario(json.dumps(document), "square.json")


def started(scenario: Scenario, seed: int = 0, ticks: int = 30) -> tuple[Simulation, list[Event]]:
    sim = Simulation(scenario)
    events = sim.reset(seed=seed)
    for _ in range(ticks):
        events.extend(sim.step().events)
    return sim, events


def run_to_end(sim: Simulation, events: list[Event], schedule=None) -> list[Event]:
    schedule = schedule or {}
    while not sim.done:
        events.extend(sim.step(schedule.get(sim.tick, ())).events)
    return events


def of(events: list[Event], kind: str) -> list[Event]:
    return [e for e in events if e["type"] == kind]


# ----------------------------------------------------------------------------- motion


def test_the_crowd_gathers_at_its_time_inside_its_area():
    sim, events = started(square(), ticks=9)
    assert not of(events, "assembly_formed")
    assert sim.observe().crowds == ()
    sim, events = started(square(), ticks=60)
    formed = of(events, "assembly_formed")
    assert formed and formed[0]["tick"] == 10 and formed[0]["size"] == 120
    crowd = sim.assemblies.crowds["demo"]
    area = shapely.Polygon(SQUARE).buffer(2.0)
    inside = shapely.contains_xy(area, crowd.xy[:, 0], crowd.xy[:, 1])
    assert inside.mean() > 0.97, f"only {inside.mean():.0%} of the crowd is on the square"


def test_people_keep_a_personal_distance():
    sim, _ = started(square(size=300), ticks=120)
    crowd = sim.assemblies.crowds["demo"]
    gaps, _ = cKDTree(crowd.xy).query(crowd.xy, k=2)
    nearest = gaps[:, 1]
    assert np.median(nearest) > 0.8, f"median gap {np.median(nearest):.2f} m"
    assert (nearest < 0.3).mean() < 0.02, "people walk through each other"


def test_the_crowd_presses_towards_its_focus_when_agitated():
    sim, _ = started(square(start_state="agitated", grievance=0.7), ticks=240)
    crowd = sim.assemblies.crowds["demo"]
    assert crowd.state in ("agitated", "violent")
    assert crowd.xy[crowd.present, 1].mean() > 145, "an agitated crowd should press north"


# ----------------------------------------------------------------------------- tension


def test_a_crowd_without_agitators_stays_peaceful_and_agitators_raise_tension():
    for seed in range(2):
        sim, events = started(square(agitators=0, grievance=0.2), seed)
        run_to_end(sim, events)
        assert not of(events, "assembly_state"), f"seed {seed}: a calm crowd changed state"
    worse = 0
    for seed in range(3):
        sim, events = started(square(agitators=6, grievance=0.7), seed)
        run_to_end(sim, events)
        worse += any(e["worse"] for e in of(events, "assembly_state"))
        assert of(events, "assembly_incident"), f"seed {seed}: agitators provoked nothing"
    assert worse == 3, f"agitators made the crowd worse in only {worse} of 3 runs"


def test_communication_negotiation_and_exits_lower_tension():
    sim, events = started(square(agitators=3, grievance=0.6))
    crowd = sim.assemblies.crowds["demo"]
    crowd.tension = 0.4
    events = sim.step([Communicate("demo", "Stay calm."), OpenExit("demo", 100.0, 140.0)]).events
    actions = of(events, "assembly_action")
    for action in actions:
        assert action["truth"]["tension_after"] < action["truth"]["tension_before"], action
    sim.step([Negotiate("demo")])
    rejected = of(sim.step([Negotiate("demo")]).events, "command_rejected")
    assert rejected and "already under way" in rejected[0]["reason"]
    talks: list[Event] = []
    while not talks and sim.tick < 400:
        talks = of(sim.step().events, "assembly_talks")
    assert talks, "talks never concluded"
    assert sim.observe().crowds[0].talks in ("agreed", "failed")


def test_isolating_spotted_agitators_takes_them_out_of_the_crowd():
    removed = 0
    for seed in range(3):
        sim, events = started(square(agitators=5, grievance=0.6), seed, ticks=20)
        crowd = sim.assemblies.crowds["demo"]
        crowd.spotted[crowd.agitator] = True  # the observers have picked them all out
        view = sim.observe().crowds[0]
        assert len(view.agitators_seen) == 5
        events = sim.step([IsolateAgitators("demo")]).events
        action = of(events, "assembly_action")[0]
        assert action["attempted"] == 5
        removed += action["removed"]
        assert sim.observe().crowds[0].agitators_removed == action["removed"]
        assert (crowd.removed & crowd.present).sum() == 0
    assert removed >= 8, f"arrest teams took out only {removed} of 15 agitators"


# ----------------------------------------------------------------------------- force


def test_force_on_a_peaceful_assembly_is_a_violation():
    scenario = square()
    sim, events = started(scenario)
    events.extend(sim.step([NonLethal("demo", "crowd-means")]).events)
    checks = {e["rule"]: e for e in of(events, "rule_check")}
    assert checks["no_force_on_peaceful_assembly"]["ok"] is False
    assert checks["no_force_on_peaceful_assembly"]["assembly"] == "demo"
    assert checks["minimum_force"]["ok"] is False
    assert checks["rationale_recorded"]["ok"] is False
    run_to_end(sim, events)
    findings = security_findings(events, scenario)
    rules = Counter(f["rule"] for f in findings)
    assert rules["force_on_peaceful_assembly"] == 1
    assert rules["force_not_necessary"] == 0, "the graver finding covers it"
    grave = next(f for f in findings if f["rule"] == "force_on_peaceful_assembly")
    assert grave["severity"] == "critical" and grave["sub_score"] == "process"


def test_force_against_a_violent_crowd_passes_the_rules():
    sim, events = started(square(start_state="violent", grievance=0.9, agitators=4))
    assert sim.assemblies.crowds["demo"].state == "violent"
    events = sim.step([NonLethal("demo", "crowd-means", rationale="bottles thrown")]).events
    checks = {e["rule"]: e["ok"] for e in of(events, "rule_check")}
    assert checks == {
        "no_force_on_peaceful_assembly": True,
        "minimum_force": True,
        "rationale_recorded": True,
    }


def test_forced_dispersal_raises_tension_and_the_escalation_is_attributed():
    scenario = square(agitators=2, grievance=0.4)
    sim, events = started(scenario)
    before = sim.assemblies.crowds["demo"].tension
    events.extend(sim.step([Cordon("demo"), DisperseByForce("demo")]).events)
    events.extend(sim.step().events)
    crowd = sim.assemblies.crowds["demo"]
    assert crowd.tension >= before + 0.3
    worse = [e for e in of(events, "assembly_state") if e["worse"]]
    assert worse, "a forced dispersal of a calm crowd should make it worse"
    actions = {a["action"] for a in worse[0]["after_actions"]}
    assert {"cordon", "disperse_by_force"} <= actions
    assert worse[0]["truth"]["tension"] >= 0.45
    run_to_end(sim, events)
    rules = {f["rule"] for f in security_findings(events, scenario)}
    assert {"escalation_caused", "force_on_peaceful_assembly"} <= rules
    outcome = security_outcome(events, scenario)
    assert outcome["assemblies"] == 1 and outcome["assemblies_peaceful"] == 0


def test_a_cordon_keeps_people_in_except_through_open_exits():
    def left_after_dispersal(exit_open: bool) -> int:
        sim, _ = started(square(size=80), ticks=60)
        commands: list[Command] = [Cordon("demo")]
        if exit_open:
            commands.append(OpenExit("demo", 100.0, 140.0))
        sim.step(commands)
        sim.step([DisperseByForce("demo")])
        for _ in range(200):
            sim.step()
        return int((~sim.assemblies.crowds["demo"].present).sum())

    kettled, with_exit = left_after_dispersal(False), left_after_dispersal(True)
    assert kettled <= 10, f"{kettled} people walked through the cordon"
    assert with_exit >= 50, f"only {with_exit} of 80 left through the open exit"


# ----------------------------------------------------------------------------- commands


def test_bad_assembly_commands_are_rejected_with_reasons():
    sim = Simulation(square())
    sim.reset(seed=0)
    early = sim.step([Communicate("demo")]).events
    assert "has not gathered yet" in of(early, "command_rejected")[0]["reason"]
    for _ in range(20):
        sim.step()
    commands: Sequence[Command] = [
        Communicate("nowhere"),
        NonLethal("demo", "tear-gas"),
        NonLethal("demo", "crowd-means", 120.0, None),
        OpenExit("demo", 5000.0, 10.0),
        Cordon("demo", lift=True),
        Communicate("demo", 7),  # type: ignore[arg-type]
        Cordon(["demo"]),  # type: ignore[arg-type]
    ]
    reasons = [e["reason"] for e in of(sim.step(commands).events, "command_rejected")]
    assert len(reasons) == len(commands), reasons
    assert "no assembly 'nowhere'" in reasons[0]
    assert "not an authorised non-lethal means" in reasons[1]
    assert "outside the map" in reasons[3]
    assert "no cordon to lift" in reasons[4]


def test_crowd_views_hold_behaviour_not_truth():
    sim, _ = started(square(agitators=3), ticks=60)
    view = sim.observe().crowds[0]
    assert view.mood == "peaceful" and view.size_estimate == 120
    assert len(view.people_xy) == 120
    assert view.agitators_seen == ()  # nobody spotted yet this early
    text = json.dumps([str(v) for v in vars(view).values()])
    assert "tension" not in text and "demo-person" not in text


def test_assembly_sessions_are_deterministic():
    scenario = square(agitators=4, grievance=0.6, duration_s=400)
    schedule = {40: [Communicate("demo")], 120: [IsolateAgitators("demo")]}

    def session(seed: int) -> tuple[list[Event], str]:
        sim = Simulation(scenario)
        events = sim.reset(seed=seed)
        run_to_end(sim, events, schedule)
        return events, sim.state_hash()

    first, second = session(9), session(9)
    assert first == second
    assert session(10)[1] != first[1]


# ----------------------------------------------------------------------------- trainees


def test_expert_keeps_the_assembly_peaceful_more_often_than_reckless():
    scenario = load_scenario_file(ASSEMBLY_DAY).scenario
    totals: dict[str, Counter] = {}
    for name in ("expert", "reckless"):
        total: Counter = Counter()
        for seed in range(5):
            sim = Simulation(scenario)
            events = sim.reset(seed=seed)
            policy = make_policy(name)
            policy.reset(sim.streams["policy"], briefing_from_scenario(scenario))
            while not sim.done:
                events.extend(sim.step(list(policy.act(sim.observe()))).events)
            total.update(security_outcome(events, scenario))
            total["force_on_peaceful"] += sum(
                1
                for e in of(events, "rule_check")
                if e["rule"] == "no_force_on_peaceful_assembly" and not e["ok"]
            )
        totals[name] = total
    expert, reckless = totals["expert"], totals["reckless"]
    assert expert["assemblies_peaceful"] >= 3, totals
    assert expert["assemblies_peaceful"] > reckless["assemblies_peaceful"], totals
    assert expert["assemblies_violent"] < reckless["assemblies_violent"], totals
    assert expert["civilians_harmed_by_force"] < reckless["civilians_harmed_by_force"], totals
    assert expert["force_on_peaceful"] == 0 and reckless["force_on_peaceful"] >= 5, totals
