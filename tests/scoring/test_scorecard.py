"""Scorecard tests: hand-built event logs give the findings and scores the rubric promises,
every deduction has a finding, the ``score`` command's exit codes, and a ranking check on
one Market Day seed (expert above reckless).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scoring.scorecard import (
    BRIER_POINTS,
    CIVILIAN_LABELLED_COMBATANT_POINTS,
    HARM_POINTS,
    PROTECTED_SITE_POINTS,
    SUB_SCORES,
    Scorecard,
    build_scorecard,
)
from simulator.core.events import EventLog, read_log
from simulator.scenario import load_scenario_file

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKET_DAY = REPO_ROOT / "scenarios" / "market_day.yaml"
HEADER = {"type": "header", "format": "chm-events/1", "seed": 1, "tick_s": 1.0, "policy": "test"}
CIVILIAN = {"entity": "shopper-00001", "entity_kind": "civilian", "swapped": False, "lost": False}
HOSTILE = {"entity": "leader-kestrel", "entity_kind": "hostile", "swapped": False, "lost": False}


@pytest.fixture(scope="module")
def scenario():
    """Market Day: objectives neutralise KESTREL by 10:30, protect the school, avoid harm."""
    return load_scenario_file(MARKET_DAY).scenario


# ----------------------------------------------------------------------------- helpers


class Events:
    """Builds a session's events in order, numbering commands like the engine does."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = [
            {"tick": 0, "type": "session_start", "civilians": 10, "total_ticks": 3600}
        ]
        self.seq = 0

    def add(self, tick: int, type_: str, **fields: Any) -> dict[str, Any]:
        event = {"tick": tick, "type": type_, **fields}
        self.items.append(event)
        return event

    def command(
        self, tick: int, kind: str, truth: dict | None = None, picture: dict | None = None, **cmd
    ) -> dict[str, Any]:
        self.seq += 1
        fields: dict[str, Any] = {"seq": self.seq, "command": {"kind": kind, **cmd}}
        fields["picture"] = {"tracks": 5, "in_view": 5, **({"contact": picture} if picture else {})}
        if truth is not None:
            fields["truth"] = truth
        return self.add(tick, "command", **fields)

    def rule(self, tick: int, engagement: str, rule: str, ok: bool, detail: str = "") -> None:
        self.add(tick, "rule_check", engagement=engagement, rule=rule, ok=ok, detail=detail)

    def good_engagement(self, tick: int, engagement: str = "E1", truth: dict = HOSTILE) -> None:
        """A complete, rule-abiding detention of a hostile actor."""
        self.command(tick, "nominate_target", truth, engagement_id=engagement, track_id="T0001")
        self.command(
            tick, "declare_pid", truth, engagement_id=engagement, basis="hostile_intent",
            rationale="weapon and intel match seen for 90 s",
        )  # fmt: skip
        for rule in ("pid_indicators", "pid_observation_time", "pid_basis", "rationale_recorded"):
            self.rule(tick, engagement, rule, True)
        self.command(tick + 1, "plan_effect", truth, engagement_id=engagement, effect_id="detain")
        self.command(tick + 1, "estimate_collateral", truth, engagement_id=engagement)
        self.add(
            tick + 1, "collateral_estimate", engagement=engagement,
            estimate={"effect_id": "detain", "estimated_civilian_casualties": 0.0},
            truth={"civilians_in_area": 0, "civilians_indoors_in_area": 0},
        )  # fmt: skip
        self.command(tick + 2, "request_approval", truth, engagement_id=engagement)
        self.add(tick + 2, "approval_requested", engagement=engagement, authority="osc")
        self.add(tick + 2, "approval_granted", engagement=engagement, authority="osc")
        self.command(tick + 3, "release", truth, engagement_id=engagement, rationale="PID per ROE")
        for rule in (
            "pid_before_engagement",
            "estimate_before_engagement",
            "approval_before_engagement",
            "no_protected_site_in_area",
        ):
            self.rule(tick + 3, engagement, rule, True)
        self.add(
            tick + 3, "effect_released", engagement=engagement, effect="detain",
            estimate={"effect_id": "detain", "estimated_civilian_casualties": 0.0},
            truth={"civilians_in_area": 0, "target_entity": truth["entity"],
                   "target_kind": truth["entity_kind"]},
            rationale="PID per ROE",
        )  # fmt: skip
        self.add(
            tick + 30, "effect_resolved", cause="own", engagement=engagement, effect="detain",
            target=truth["entity"], target_kind=truth["entity_kind"], target_outcome="detained",
            killed=[], injured=[], buildings_damaged=[], protected_sites_damaged=[],
        )  # fmt: skip

    def look_around(self, tick: int = 100, count: int = 5) -> None:
        """Task a sensor and classify contacts as the civilians they are, after watching."""
        self.command(tick, "task_sensor", sensor_id="drone", x_m=100.0, y_m=100.0)
        for number in range(count):
            self.command(
                tick + 60, "classify_contact", CIVILIAN, {"observed_s": 60.0},
                track_id=f"T01{number:02d}", label="civilian", confidence=1.0,
            )  # fmt: skip

    def log(self, end_tick: int = 3600) -> EventLog:
        events = [*self.items, {"tick": end_tick, "type": "session_end", "reason": "completed"}]
        return EventLog(header=dict(HEADER), events=events)


def threat_attack(events: Events, tick: int = 3480, killed: int = 20, injured: int = 100) -> None:
    events.add(tick, "inject", id="cell-attack", kind="explosion", text="boom")
    events.add(
        tick, "effect_resolved", cause="hostile", engagement="cell-attack",
        effect="hostile-device", target=None, target_kind=None, target_outcome=None,
        killed=[{"id": f"c{i}", "kind": "civilian", "observability": "not_applicable"}
                for i in range(killed)],
        injured=[{"id": f"i{i}", "kind": "civilian", "observability": "not_applicable"}
                 for i in range(injured)],
        buildings_damaged=["market-hall"], protected_sites_damaged=[],
    )  # fmt: skip


def own_harm(events: Events, tick: int, engagement: str, people: list[tuple[str, str]]) -> None:
    """An own effect resolving on civilians: people = [(killed|injured, observability)]."""
    killed = [{"id": f"k{i}", "kind": "civilian", "observability": seen}
              for i, (fate, seen) in enumerate(people) if fate == "killed"]  # fmt: skip
    injured = [{"id": f"j{i}", "kind": "civilian", "observability": seen}
               for i, (fate, seen) in enumerate(people) if fate == "injured"]  # fmt: skip
    events.add(
        tick, "effect_resolved", cause="own", engagement=engagement, effect="precision-small",
        target="leader-kestrel", target_kind="hostile", target_outcome="killed",
        killed=killed, injured=injured, buildings_damaged=[], protected_sites_damaged=[],
    )  # fmt: skip


def by_rule(card: Scorecard, rule: str) -> list:
    return [finding for finding in card.findings if finding.rule == rule]


def assert_consistent(card: Scorecard) -> None:
    """Scores in 0..100, and each sub-score is exactly 100 minus its findings' points."""
    for name, value in card.scores.items():
        assert 0.0 <= value <= 100.0, f"{name} = {value} out of range"
    for name in SUB_SCORES:
        expected = round(max(0.0, 100.0 - card.deductions(name)), 1)
        assert card.scores[name] == pytest.approx(expected, abs=0.05), (
            f"{name}: score {card.scores[name]} but findings deduct {card.deductions(name)}"
        )
    for finding in card.findings:
        assert finding.severity in ("info", "minor", "major", "critical")
        assert finding.points >= 0
        assert finding.points == 0 or finding.severity != "info", finding
        assert finding.message.strip(), finding
        assert finding.sub_score in SUB_SCORES, finding
    ticks = [finding.tick for finding in card.findings]
    assert ticks == sorted(ticks), "findings are not sorted by tick"
    json.dumps(card.to_dict())  # JSON-ready


# ----------------------------------------------------------------------------- process


def test_a_clean_detention_of_the_target_scores_full_marks_except_calibration(scenario):
    events = Events()
    events.look_around()
    events.good_engagement(2800)
    events.add(3480, "inject_prevented", id="cell-attack", because="leader-kestrel was neutralised")
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    assert card.scores["civilian_harm_avoidance"] == 100
    assert card.scores["process"] == 100
    assert card.scores["accuracy"] == 100
    assert card.scores["mission"] == 100
    assert card.scores["awareness"] == 100  # confident and right: Brier 0
    assert card.scores["overall"] == 100
    assert card.outcome["objectives_met"] == card.outcome["objectives_total"] == 3
    assert by_rule(card, "threat_prevented")[0].tick == 3480


def test_an_engagement_released_without_an_estimate_is_a_process_finding_at_that_tick(scenario):
    events = Events()
    events.command(500, "nominate_target", HOSTILE, engagement_id="E7", track_id="T0001")
    events.command(520, "release", HOSTILE, engagement_id="E7", rationale="go")
    events.rule(520, "E7", "estimate_before_engagement", False, "released without a current CDE")
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    [finding] = by_rule(card, "estimate_before_engagement")
    assert (finding.tick, finding.sub_score, finding.severity) == (520, "process", "critical")
    assert finding.engagement == "E7"
    assert finding.event_type == "rule_check"
    assert finding.line == len(events.items) + 1, "line in events.jsonl (header is line 1)"
    assert card.scores["process"] == 100 - finding.points
    assert card.judged["process"]


def test_rationale_missing_at_release_costs_more_than_at_pid(scenario):
    events = Events()
    events.command(10, "nominate_target", HOSTILE, engagement_id="E1", track_id="T0001")
    events.command(10, "declare_pid", HOSTILE, engagement_id="E1", basis="hostile_act")
    events.rule(10, "E1", "rationale_recorded", False, "no rationale recorded")
    events.command(20, "release", HOSTILE, engagement_id="E1")
    events.rule(20, "E1", "rationale_recorded", False, "no rationale recorded for a lethal release")
    card = build_scorecard(events.log(), scenario)
    [at_pid] = by_rule(card, "rationale_recorded")
    [at_release] = by_rule(card, "rationale_recorded_at_release")
    assert (at_pid.tick, at_release.tick) == (10, 20)
    assert at_release.points > at_pid.points


def test_a_refused_late_abort_and_an_unreported_harm_are_process_findings(scenario):
    events = Events()
    events.command(10, "nominate_target", HOSTILE, engagement_id="E1", track_id="T0001")
    events.command(40, "abort", HOSTILE, engagement_id="E1", reason="child near")
    events.add(40, "command_rejected", seq=events.seq, kind="abort", reason="too late to abort")
    own_harm(events, 45, "E1", [("injured", "in_picture")])
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    assert by_rule(card, "abort_too_late")[0].tick == 40
    assert by_rule(card, "harm_not_reported")[0].tick == 45

    reported = Events()
    reported.items = list(events.items)
    reported.seq = events.seq
    reported.command(200, "submit_report", text="one civilian injured by E1")
    card = build_scorecard(reported.log(), scenario)
    assert not by_rule(card, "harm_not_reported")
    assert by_rule(card, "harm_reported")[0].points == 0


def test_rejected_commands_are_not_judged(scenario):
    events = Events()
    events.command(
        50, "classify_contact", CIVILIAN, track_id="T0009", label="combatant", confidence=0.9
    )
    events.add(50, "command_rejected", seq=events.seq, kind="classify_contact", reason="no")
    card = build_scorecard(events.log(), scenario)
    assert not by_rule(card, "civilian_labelled_combatant")
    assert not card.judged["accuracy"]


# ----------------------------------------------------------------------------- accuracy


def test_a_civilian_labelled_combatant_is_an_accuracy_finding(scenario):
    events = Events()
    events.command(
        300, "classify_contact", CIVILIAN, {"observed_s": 120.0},
        track_id="T0042", label="combatant", confidence=0.8,
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    [finding] = by_rule(card, "civilian_labelled_combatant")
    assert (finding.tick, finding.sub_score, finding.severity) == (300, "accuracy", "major")
    assert "T0042" in finding.message and "unknown" in finding.message
    assert card.scores["accuracy"] == 100 - CIVILIAN_LABELLED_COMBATANT_POINTS
    # the same wrong label repeated on the same contact is one mistake, not two
    events.command(
        320, "classify_contact", CIVILIAN, {"observed_s": 140.0},
        track_id="T0042", label="combatant", confidence=0.8,
    )  # fmt: skip
    assert len(by_rule(build_scorecard(events.log(), scenario), "civilian_labelled_combatant")) == 1


def test_unknown_is_never_an_accuracy_deduction_and_is_noted(scenario):
    events = Events()
    for number in range(5):
        events.command(
            300, "classify_contact", HOSTILE if number == 0 else CIVILIAN, {"observed_s": 90.0},
            track_id=f"T00{number}", label="unknown", confidence=0.0,
        )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    assert card.scores["accuracy"] == 100
    assert by_rule(card, "unknown_used")[0].points == 0
    assert not by_rule(card, "confidence_calibration"), "'unknown' makes no claim to calibrate"


def test_pid_and_release_on_a_civilian_and_a_swapped_track_are_misidentification(scenario):
    swapped = {**CIVILIAN, "swapped": True, "first_entity": "leader-kestrel"}
    events = Events()
    events.command(100, "nominate_target", swapped, engagement_id="E1", track_id="T0005")
    events.command(100, "declare_pid", swapped, engagement_id="E1", basis="hostile_intent")
    events.command(130, "release", swapped, engagement_id="E1", rationale="it is him")
    events.add(
        130, "effect_released", engagement="E1", effect="precision-small",
        estimate={"estimated_civilian_casualties": 0.0},
        truth={"civilians_in_area": 1, "target_entity": "shopper-00001", "target_kind": "civilian"},
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    assert by_rule(card, "pid_on_civilian")[0].tick == 100
    [misidentified] = by_rule(card, "engaged_misidentified_track")
    assert misidentified.tick == 130 and "swapped" in misidentified.message
    assert by_rule(card, "engaged_civilian")[0].severity == "critical"


def test_an_estimate_far_below_the_truth_costs_more_than_one_above(scenario):
    events = Events()
    for tick, expected, present in ((10, 1.0, 12), (20, 30.0, 10), (30, 5.0, 6)):
        events.add(
            tick, "collateral_estimate", engagement="E1",
            estimate={"effect_id": "precision-small", "estimated_civilian_casualties": expected},
            truth={"civilians_in_area": present, "civilians_indoors_in_area": 0},
        )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    [under] = by_rule(card, "cde_underestimate")
    [over] = by_rule(card, "cde_overestimate")
    assert (under.tick, over.tick) == (10, 20)
    assert under.points > over.points
    assert card.judged["accuracy"]


# ----------------------------------------------------------------------------- harm


def test_harm_never_observable_is_shown_apart_and_costs_less(scenario):
    events = Events()
    own_harm(events, 600, "E1", [("killed", "never_observable"), ("killed", "in_picture")])
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    [hidden] = by_rule(card, "own_harm_never_observable")
    [seen] = by_rule(card, "own_harm_in_picture")
    assert "never observable" in hidden.message and "indoors" in hidden.message
    assert hidden.points == HARM_POINTS["never_observable"][0]
    assert hidden.points < seen.points
    assert card.outcome["civilians_killed_own"] == 2
    assert card.outcome["civilians_harmed_own_never_observable"] == 1
    assert card.scores["civilian_harm_avoidance"] == 100 - hidden.points - seen.points


def test_a_protected_site_damaged_is_critical(scenario):
    events = Events()
    events.add(
        700, "effect_resolved", cause="own", engagement="E2", effect="area-large",
        killed=[], injured=[], buildings_damaged=["school"], protected_sites_damaged=["ps-school"],
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    [finding] = by_rule(card, "protected_site_damaged")
    assert finding.severity == "critical" and finding.points == PROTECTED_SITE_POINTS
    assert card.outcome["protected_sites_damaged"] == 1
    met = {item["id"]: item["met"] for item in card.outcome["objectives"]}
    assert met["protect-school"] is False


def test_huge_harm_floors_the_score_at_zero_and_keeps_every_finding(scenario):
    events = Events()
    own_harm(events, 30, "E1", [("killed", "in_picture")] * 40)
    card = build_scorecard(events.log(), scenario)
    assert card.scores["civilian_harm_avoidance"] == 0
    assert card.deductions("civilian_harm_avoidance") >= 100
    assert_consistent(card)


# ----------------------------------------------------------------------------- mission


def test_doing_nothing_while_the_threat_strikes_scores_low_on_mission(scenario):
    events = Events()
    threat_attack(events)
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    assert card.scores["civilian_harm_avoidance"] == 100
    assert card.scores["mission"] <= 30
    assert card.scores["awareness"] <= 30
    assert card.scores["overall"] < 70, "doing nothing is not a perfect score"
    assert not card.judged["accuracy"] and not card.judged["process"]
    assert card.weights["accuracy"] == card.weights["process"] == 0
    [harm] = by_rule(card, "threat_harm_not_prevented")
    assert harm.tick == 3480 and harm.sub_score == "mission"
    assert card.outcome["civilians_killed_by_threat"] == 20
    assert card.outcome["civilians_killed_own"] == 0
    assert by_rule(card, "objective_not_met")[0].message.startswith(
        "Objective 'neutralise-kestrel' not met"
    )


def test_threat_harm_lowers_mission_and_nothing_else(scenario):
    quiet, struck = Events(), Events()
    for events in (quiet, struck):
        events.look_around()
        events.good_engagement(500, truth={**HOSTILE, "entity": "lookout-sparrow"})
    threat_attack(struck, killed=3, injured=5)
    calm = build_scorecard(quiet.log(), scenario)
    hit = build_scorecard(struck.log(), scenario)
    assert hit.scores["mission"] < calm.scores["mission"]
    for name in ("civilian_harm_avoidance", "accuracy", "process", "awareness"):
        assert hit.scores[name] == calm.scores[name], name
    assert hit.deductions("mission") - calm.deductions("mission") == 3 * 3 + 5 * 1


def test_locate_objectives_are_met_by_a_combatant_label_on_the_right_person(scenario):
    objectives = (
        *scenario.scoring.objectives,
        scenario.scoring.objectives[0].model_copy(
            update={"id": "locate-mason", "kind": "locate", "target": "courier-mason", "by": None}
        ),
    )
    located = scenario.model_copy(
        update={"scoring": scenario.scoring.model_copy(update={"objectives": objectives})}
    )
    mason = {**HOSTILE, "entity": "courier-mason"}
    events = Events()
    card = build_scorecard(events.log(), located)
    assert {o["id"]: o["met"] for o in card.outcome["objectives"]}["locate-mason"] is False
    events.command(
        900, "classify_contact", mason, {"observed_s": 200.0},
        track_id="T0077", label="combatant", confidence=0.9,
    )  # fmt: skip
    card = build_scorecard(events.log(), located)
    assert {o["id"]: o["met"] for o in card.outcome["objectives"]}["locate-mason"] is True
    assert card.outcome["objectives_met"] == 3  # locate-mason, protect-school, avoid-harm
    assert card.outcome["objectives_total"] == 4


# ----------------------------------------------------------------------------- awareness


def test_confident_wrong_labels_cost_the_most_calibration_points(scenario):
    events = Events()
    events.command(
        200, "classify_contact", HOSTILE, {"observed_s": 90.0},
        track_id="T0001", label="civilian", confidence=1.0,
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    [finding] = by_rule(card, "confidence_calibration")
    assert finding.severity == "major" and finding.points == BRIER_POINTS
    assert "Brier score 1.000" in finding.message


def test_labelling_after_a_glance_is_rushed(scenario):
    events = Events()
    events.command(
        5, "classify_contact", CIVILIAN, {"observed_s": 4.0},
        track_id="T0003", label="civilian", confidence=0.9,
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    assert by_rule(card, "short_dwell_before_label")[0].tick == 5


# ----------------------------------------------------------------------------- weights


def test_overall_uses_the_scenarios_weights_normalised(scenario):
    weights = scenario.scoring.weights.model_copy(
        update={
            "civilian_harm_avoidance": 0.0,
            "accuracy": 0.0,
            "process": 0.0,
            "awareness": 0.0,
            "mission": 5.0,
        }
    )
    mission_only = scenario.model_copy(
        update={"scoring": scenario.scoring.model_copy(update={"weights": weights})}
    )
    events = Events()
    threat_attack(events)
    card = build_scorecard(events.log(), mission_only)
    assert card.weights["mission"] == 1.0
    assert card.scores["overall"] == card.scores["mission"]


def test_the_scorecard_is_deterministic_and_json_ready(scenario):
    events = Events()
    events.look_around()
    threat_attack(events)
    first = build_scorecard(events.log(), scenario).to_dict()
    second = build_scorecard(events.log(), scenario).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    assert set(first["scores"]) == {*SUB_SCORES, "overall"}
    for key in ("civilians_killed_own", "civilians_injured_own", "protected_sites_damaged",
                "objectives_met", "objectives_total", "civilians_killed_by_threat",
                "civilians_injured_by_threat"):  # fmt: skip
        assert key in first["outcome"], key


# ----------------------------------------------------------------------------- CLI


def _score(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "run_sim.py", "score", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_score_command_prints_a_table_or_json_and_rejects_bad_folders(tmp_path):
    session = tmp_path / "session"
    run = subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "run_sim.py", "run", str(MARKET_DAY), "--headless", "--seed", "1",
         "--policy", "passive", "--ticks", "120", "--quiet", "--out", str(session)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (session / "scorecard.json").is_file(), "headless runs write scorecard.json"

    table = _score(str(session))
    assert table.returncode == 0, table.stderr
    for text in ("overall", "civilian_harm_avoidance", "Findings by tick", "sensors_never_tasked"):
        assert text in table.stdout, text

    as_json = _score(str(session), "--json")
    assert as_json.returncode == 0, as_json.stderr
    card = json.loads(as_json.stdout)
    assert set(card["scores"]) == {*SUB_SCORES, "overall"}

    (session / "scorecard.json").unlink()
    rebuilt = _score(str(session), "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["scores"] == card["scores"]

    missing = _score(str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such session folder" in missing.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    not_a_session = _score(str(empty))
    assert not_a_session.returncode == 2 and "events.jsonl" in not_a_session.stderr
    assert "Traceback" not in not_a_session.stderr


# ----------------------------------------------------------------------------- ranking


def test_expert_outranks_reckless_on_market_day(tmp_path):
    from simulator.policies import make_policy
    from simulator.session import EVENT_LOG, SCORECARD, run_session

    loaded = load_scenario_file(MARKET_DAY)
    cards = {}
    for policy in ("expert", "reckless"):
        out = tmp_path / policy
        run_session(loaded, seed=1, policy=make_policy(policy), out_dir=out)
        card = build_scorecard(read_log(out / EVENT_LOG), loaded.scenario)
        assert_consistent(card)
        saved = json.loads((out / SCORECARD).read_text(encoding="utf-8"))
        assert saved["scores"] == card.scores, "scorecard.json matches the log"
        cards[policy] = card
    expert, reckless = cards["expert"], cards["reckless"]
    assert expert.scores["civilian_harm_avoidance"] >= reckless.scores["civilian_harm_avoidance"]
    assert expert.scores["overall"] > reckless.scores["overall"]
    assert expert.scores["process"] > reckless.scores["process"]
    assert reckless.outcome["civilians_killed_own"] > 0
    assert by_rule(reckless, "estimate_before_engagement"), "reckless skips the estimate"


def test_an_abort_after_release_is_credited_unless_it_comes_at_the_last_moment(scenario):
    events = Events()
    events.command(10, "nominate_target", HOSTILE, engagement_id="E1", track_id="T0001")
    events.command(10, "nominate_target", HOSTILE, engagement_id="E2", track_id="T0001")
    # Market Day aborts close 5 s before impact; within 5 s of that cutoff is late
    events.add(
        20, "engagement_aborted", engagement="E1", after_release=True, ticks_before_impact=25
    )
    events.add(40, "engagement_aborted", engagement="E2", after_release=True, ticks_before_impact=7)
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    [prompt] = by_rule(card, "abort_after_release")
    [late] = by_rule(card, "abort_late")
    assert (prompt.tick, prompt.points, prompt.severity) == (20, 0, "info")
    assert (late.tick, late.severity) == (40, "minor") and late.points > 0


def test_a_target_killed_by_an_effect_aimed_at_someone_else_is_flagged_as_chance(scenario):
    events = Events()
    events.add(
        900, "effect_resolved", cause="own", engagement="E9", effect="area-large",
        target="shopper-00001", target_kind="civilian", target_outcome="killed",
        killed=[{"id": "shopper-00001", "kind": "civilian", "observability": "in_picture"},
                {"id": "leader-kestrel", "kind": "hostile", "observability": "in_picture"}],
        injured=[], buildings_damaged=[], protected_sites_damaged=[],
    )  # fmt: skip
    card = build_scorecard(events.log(), scenario)
    assert_consistent(card)
    assert {o["id"]: o["met"] for o in card.outcome["objectives"]}["neutralise-kestrel"] is True
    [chance] = by_rule(card, "target_neutralised_by_chance")
    assert chance.tick == 900 and chance.points == 0
    assert by_rule(card, "objective_target_not_identified"), "he was never identified"
