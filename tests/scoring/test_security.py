"""Security findings (scoring/security.py) on small hand-written event logs.

Each test writes the few events a rule reads (commands with their picture annex,
checkpoint and assembly events) and checks the finding: rule, sub-score, points and a
message that explains it. The engine tests (tests/core/test_checkpoint.py and
test_assembly.py) check that real sessions produce these events.
"""

from __future__ import annotations

import json
from typing import Any

from scoring.scorecard import build_scorecard
from scoring.security import security_findings, security_outcome
from simulator.core.events import EventLog
from simulator.scenario import Scenario, parse_scenario

SCENARIO: dict[str, Any] = {
    "schema_version": 1,
    "meta": {"id": "sec", "title": "Security scoring"},
    "clock": {"start_time": "10:00", "tick_s": 1, "duration_s": 600},
    "map": {
        "extent_m": [1000, 300],
        "roads": [{"id": "r", "points": [[0, 100], [1000, 100]]}],
        "open_areas": [{"id": "sq", "polygon": [[100, 150], [200, 150], [200, 250], [100, 250]]}],
    },
    "checkpoints": [
        {
            "id": "cp",
            "position": [800, 100],
            "approach_road": "r",
            "arrivals": [
                {"id": "a1", "at": "10:01"},
                {"id": "t1", "at": "10:02", "behaviour": "threat"},
            ],
        }
    ],
    "assemblies": [{"id": "demo", "area": "sq", "at": "10:00:10", "size": 50}],
}


def scenario(**changes: Any) -> Scenario:
    document = json.loads(json.dumps(SCENARIO))
    for key, value in changes.items():
        document["checkpoints"][0][key] = value
    return parse_scenario(json.dumps(document), "sec.json")


def step(tick: int, seq: int, step_name: str, label: str = "cp-1", **target: Any) -> dict:
    """A logged eof_step command with its picture annex."""
    night = target.pop("night", False)
    chance = target.pop("signal_chance", None)
    picture: dict[str, Any] = {
        "checkpoint": "cp",
        "night": night,
        "lit": False,
        "target": {
            "label": label,
            "distance_m": 200.0,
            "speed_mps": 12.0,
            "speed_trend": "steady",
            "status": "approaching",
            "cues": [],
            "window_s": 45.0,
            "signs_in_place": True,
            **target,
        },
    }
    if chance is not None:
        picture["signal_chance"] = chance
    return {
        "tick": tick,
        "type": "command",
        "seq": seq,
        "command": {
            "kind": "eof_step",
            "checkpoint_id": "cp",
            "step": step_name,
            "target_id": label,
            "rationale": "",
        },
        "picture": picture,
        "truth": {"behaviour": "compliant"},
    }


def rules(findings: list[dict]) -> dict[str, dict]:
    return {f["rule"]: f for f in findings}


def test_a_warning_shot_with_time_to_spare_skips_steps_and_is_early():
    events = [step(70, 1, "warning_shot", distance_m=190.0)]
    found = rules(security_findings(events, scenario()))
    skipped = found["eof_steps_skipped"]
    assert skipped["sub_score"] == "process" and skipped["points"] == 12.0
    assert "hand signals" in skipped["message"] and "45 s" in skipped["message"]
    assert found["warning_shot_early"]["points"] == 8.0


def test_no_skipped_steps_when_there_was_no_time():
    events = [step(70, 1, "warning_shot", window_s=8.0)]
    found = rules(security_findings(events, scenario()))
    assert "eof_steps_skipped" not in found and "warning_shot_early" not in found


def test_at_night_unreachable_hand_signals_are_not_required_before_force():
    signals = ["visual_signal", "audible_signal", "laser_dazzler"]
    events = [
        step(60 + i, i + 1, name, night=True, signal_chance=0.6) for i, name in enumerate(signals)
    ]
    events.append(step(70, 9, "warning_shot", night=True))
    found = rules(security_findings(events, scenario()))
    assert "eof_steps_skipped" not in found, found.get("eof_steps_skipped")


def test_a_signal_that_cannot_be_perceived_is_flagged():
    events = [step(60, 1, "hand_signals", distance_m=250.0, signal_chance=0.0, night=True)]
    found = rules(security_findings(events, scenario()))
    finding = found["eof_signal_not_perceivable"]
    assert finding["points"] == 2.0 and "at night" in finding["message"]


def test_slowing_at_the_barriers_does_not_make_a_warning_shot_early():
    signals = ["hand_signals", "visual_signal", "audible_signal", "laser_dazzler", "show_weapon"]
    events = [step(50 + i, i + 1, name, signal_chance=0.8) for i, name in enumerate(signals)]
    events.append(step(60, 9, "warning_shot", distance_m=100.0, speed_trend="slowing"))
    assert "warning_shot_early" not in rules(security_findings(events, scenario()))
    events[-1] = step(60, 9, "warning_shot", distance_m=200.0, speed_trend="slowing")
    assert "warning_shot_early" in rules(security_findings(events, scenario()))


def test_fire_at_a_stopped_vehicle_is_critical():
    events = [step(80, 1, "disabling_fire", status="stopped", speed_trend="stopped", window_s=5.0)]
    finding = rules(security_findings(events, scenario()))["force_on_stopped_vehicle"]
    assert finding["severity"] == "critical" and finding["points"] == 15.0


def test_searching_a_vehicle_that_shows_emergency_cues_delays_it():
    event = step(90, 1, "x", cues=["headlights flashing", "passenger slumped"])
    event["command"] = {"kind": "stop_search", "checkpoint_id": "cp", "target_id": "cp-1"}
    finding = rules(security_findings([event], scenario()))["emergency_delayed"]
    assert "passenger slumped" in finding["message"]


def test_threats_stopped_or_not_and_own_force_harm():
    attack = {
        "tick": 130,
        "type": "checkpoint",
        "checkpoint": "cp",
        "what": "threat_attack",
        "label": "cp-2",
        "distance_m": 12.0,
        "own_force_casualties": 3,
        "truth": {"behaviour": "threat"},
    }
    found = rules(security_findings([attack], scenario()))
    assert found["threat_not_stopped"]["points"] == 30.0
    assert found["own_force_harm"]["points"] == 24.0
    assert found["own_force_harm"]["sub_score"] == "mission"
    stopped = {**attack, "what": "threat_stopped", "how": "disabling_fire"}
    found = rules(security_findings([stopped], scenario()))
    assert found["threat_stopped"]["points"] == 0.0 and "threat_not_stopped" not in found
    outcome = security_outcome([attack, stopped], scenario())
    assert outcome["threats"] == 1 and outcome["threat_attacks"] == 1
    assert outcome["threats_stopped"] == 1 and outcome["own_force_casualties"] == 3


def test_signs_left_down_are_flagged_only_when_the_scenario_starts_without_them():
    seen = {
        "tick": 60,
        "type": "checkpoint",
        "checkpoint": "cp",
        "what": "seen",
        "label": "cp-1",
        "truth": {"behaviour": "compliant"},
    }
    assert "checkpoint_signs_missing" in rules(
        security_findings([seen], scenario(signs_in_place=False))
    )
    assert "checkpoint_signs_missing" not in rules(security_findings([seen], scenario()))


def test_assembly_findings_and_the_scorecard_counts_them_once():
    events = [
        {
            "tick": 10,
            "type": "assembly_formed",
            "assembly": "demo",
            "size": 50,
            "state": "peaceful",
        },
        {
            "tick": 20,
            "type": "command",
            "seq": 1,
            "command": {"kind": "disperse_by_force", "assembly_id": "demo", "rationale": ""},
        },
        {
            "tick": 20,
            "type": "rule_check",
            "assembly": "demo",
            "rule": "no_force_on_peaceful_assembly",
            "ok": False,
            "detail": "on a peaceful crowd",
        },
        {
            "tick": 20,
            "type": "rule_check",
            "assembly": "demo",
            "rule": "minimum_force",
            "ok": False,
            "detail": "not violent",
        },
        {
            "tick": 21,
            "type": "assembly_state",
            "assembly": "demo",
            "previous": "peaceful",
            "state": "violent",
            "worse": True,
            "after_actions": [{"tick": 20, "action": "disperse_by_force"}],
        },
        {
            "tick": 80,
            "type": "assembly_violence",
            "assembly": "demo",
            "own_force_injured": 1,
            "people_injured": 4,
            "state": "violent",
        },
        {"tick": 600, "type": "session_end", "reason": "completed"},
    ]
    found = security_findings(events, scenario())
    by_rule = rules(found)
    assert by_rule["force_on_peaceful_assembly"]["points"] == 25.0
    assert "force_not_necessary" not in by_rule
    assert by_rule["escalation_caused"]["points"] == 8.0
    assert by_rule["assembly_turned_violent"]["sub_score"] == "mission"
    assert by_rule["assembly_violence_harm"]["points"] == 4.0
    assert by_rule["no_de_escalation"]["points"] == 5.0
    card = build_scorecard(EventLog(header={"tick_s": 1}, events=events), scenario())
    process = [f for f in card.findings if f.sub_score == "process"]
    # The engine's rule checks are judged once, by the security rules, not again as
    # generic process rules.
    assert sum(1 for f in process if f.rule == "no_force_on_peaceful_assembly") == 0
    assert sum(1 for f in process if f.rule == "force_on_peaceful_assembly") == 1
    assert card.scores["process"] == 100 - 25 - 8 - 5
    assert card.judged["process"]
