"""The scorecard of a session: five sub-scores, the outcome, and every finding behind them.

Built from the event log and the scenario alone (pure: no clock, no randomness, no
rendering), so the same session always gives the same scorecard.

How the numbers work (see docs/scoring.md for the instructors' rubric):

* Each sub-score starts at 100. Every deduction is a :class:`Finding` that names the
  rule, the tick and the event (line in ``events.jsonl``) it comes from; the sub-score is
  ``max(0, 100 - sum of its findings' points)``. Findings of severity ``info`` cost
  nothing; they record good decisions and context for the after-action review.
* Process and outcome are kept apart (DOMAIN principle 1): ``process`` judges the steps
  (PID, estimate, approval, warning, rationale, aborts, reports); ``civilian_harm_avoidance``
  and ``mission`` judge what happened.
* Harm the trainee could never have seen (people indoors at release) is shown on its own
  and costs less than harm that was in the picture or could have been watched (principle 2).
* Doing nothing is not a perfect score (principle 3): ``mission`` loses the objectives
  missed and the civilians the threat harmed, ``awareness`` loses sensors never used and
  contacts never classified, and ``accuracy`` and ``process`` count in the overall only
  when the session holds decisions of their kind ("judged"), so inaction earns no credit
  for them.
* ``overall`` is the mean of the judged sub-scores weighted by the scenario's
  ``scoring.weights`` (normalised to sum to 1 over the judged ones).

Every constant below is a documented default; the scenario's ROE and scoring sections
override where they say something (weights, objectives, PID rules, warnings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scoring.outcome import outcome_from_events
from scoring.security import is_security_rule_check, security_findings

# ----------------------------------------------------------------------------- constants

SUB_SCORES = ("civilian_harm_avoidance", "accuracy", "process", "awareness", "mission")
SEVERITIES = ("info", "minor", "major", "critical")
FULL_MARKS = 100.0

# Civilian harm by own action, points per person, by what the trainee could know at
# release (the ``observability`` of each harmed person in ``effect_resolved``).
HARM_POINTS = {
    # (observability group): (per civilian killed, per civilian injured)
    "in_picture": (12.0, 5.0),
    "observable_not_observed": (10.0, 4.0),
    "never_observable": (5.0, 2.0),
}
PROTECTED_SITE_POINTS = 40.0  # per protected site damaged by own action
BUILDING_POINTS = 1.0  # per civilian building damaged by own action
BUILDING_POINTS_CAP = 20.0

# Accuracy (distinction, PID, misidentification, estimates).
CIVILIAN_LABELLED_COMBATANT_POINTS = 15.0
HOSTILE_LABELLED_CIVILIAN_POINTS = 8.0
PID_ON_CIVILIAN_POINTS = 20.0
ENGAGED_CIVILIAN_POINTS = 20.0
MISIDENTIFIED_TRACK_POINTS = 15.0  # engagement released on a swapped or lost track (D3)
PID_WITHHELD_POINTS = 3.0  # an observed hostile act never led to a PID decision
CDE_TOLERANCE_MIN = 2.0  # an estimate within max(2, 50 % of the truth) is close enough
CDE_TOLERANCE_SHARE = 0.5
CDE_UNDERESTIMATE_POINTS = 6.0
CDE_OVERESTIMATE_POINTS = 1.0
CDE_POINTS_CAP = 20.0
HARM_DESPITE_CLEAR_ESTIMATE_POINTS = 10.0

# Process: failed ``rule_check`` events and other workflow rules.
PROCESS_RULES: dict[str, tuple[str, float]] = {
    # engine rule id: (severity, points)
    "pid_indicators": ("critical", 15.0),
    "pid_observation_time": ("minor", 5.0),
    "pid_basis": ("major", 8.0),
    "rationale_recorded": ("minor", 3.0),
    "pid_before_engagement": ("critical", 15.0),
    "estimate_before_engagement": ("critical", 15.0),
    "approval_before_engagement": ("critical", 15.0),
    "no_protected_site_in_area": ("critical", 20.0),
    "warning_when_feasible": ("major", 8.0),
    "effect_allowed": ("major", 8.0),
}
RATIONALE_AT_RELEASE = ("major", 6.0)  # 'rationale_recorded' checked at a lethal release
OTHER_RULE = ("minor", 5.0)  # a failed rule_check this module does not know yet
NO_ABORT_ON_NEW_INFORMATION_POINTS = 10.0  # seen civilians entered the area, no abort
ABORT_TOO_LATE_POINTS = 8.0  # an abort refused because the cutoff had passed
ABORT_MARGIN_S = 5.0  # an abort in the last 5 s before the ROE abort cutoff is late (still counts)
ABORT_LATE_POINTS = 2.0
NO_ALTERNATIVE_POINTS = 3.0  # kinetic release with expected harm and one option estimated
REPORT_WINDOW_S = 600.0  # own harm should be reported within this time (D14)
HARM_NOT_REPORTED_POINTS = 8.0

# Awareness.
SENSORS_NEVER_TASKED_POINTS = 30.0
MIN_CLASSIFIED_CONTACTS = 5  # fewer distinct contacts classified costs points in proportion
FEW_CLASSIFIED_POINTS = 30.0
MIN_DWELL_S = 30.0  # a civilian/combatant label after less watching than this is rushed
SHORT_DWELL_POINTS = 2.0
SHORT_DWELL_POINTS_CAP = 10.0
BRIER_POINTS = 40.0  # points = 40 x Brier score of the labels' confidences
TARGET_NOT_IDENTIFIED_POINTS = 20.0
HOSTILE_ACT_UNOBSERVED_POINTS = 5.0

# Mission.
OBJECTIVES_POINTS = 60.0  # shared equally by the scenario's objectives
THREAT_HARM_POINTS = (3.0, 1.0)  # per civilian killed, injured by a threat not prevented
THREAT_HARM_CAP = 60.0

SCORECARD_FORMAT = "chm-scorecard/1"
RUBRIC_VERSION = 1  # raise when rules or points change, so saved scorecards are rebuilt

SENSOR_COMMANDS = {"task_sensor", "zoom_sensor", "follow_contact"}
HOSTILE_SIDE_LABELS = {"combatant"}
CIVILIAN_SIDE_LABELS = {"civilian", "protected"}
CIVILIAN_KINDS = {"civilian", "vehicle"}  # vehicles are civilian objects unless shown otherwise


# ----------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Finding:
    """One judged decision or outcome, with the event it comes from.

    Attributes:
        tick: when it happened.
        rule: the rule id (see docs/scoring.md).
        severity: info, minor, major or critical.
        message: what happened and why it matters, in plain words.
        sub_score: the sub-score it belongs to.
        points: points deducted from that sub-score (0 for info).
        event_type: type of the event it comes from.
        line: line of that event in ``events.jsonl`` (the header is line 1).
        engagement: the engagement id, when there is one.
        time: time of day of the tick (HH:MM:SS), for the after-action review.
    """

    tick: int
    rule: str
    severity: str
    message: str
    sub_score: str
    points: float
    event_type: str = ""
    line: int | None = None
    engagement: str = ""
    time: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form."""
        return {
            "tick": self.tick,
            "time": self.time,
            "rule": self.rule,
            "severity": self.severity,
            "sub_score": self.sub_score,
            "points": self.points,
            "message": self.message,
            "event_type": self.event_type,
            "line": self.line,
            "engagement": self.engagement,
        }


@dataclass(frozen=True)
class Scorecard:
    """The scorecard of one session.

    Attributes:
        scores: the five sub-scores and ``overall``, each 0..100.
        outcome: harm by own action and by threats, protected sites, objectives (from
            :func:`scoring.outcome.outcome_from_events`, with 'locate' objectives judged).
        findings: every finding, sorted by tick.
        judged: whether each sub-score had anything to judge (unjudged ones show 100 and
            are left out of ``overall``).
        weights: the weights used for ``overall`` (normalised over the judged sub-scores).
        session: who, what and when (scenario id, seed, policy, trainee, ticks).
        notes: things worth knowing that are not findings (e.g. a damaged log).
    """

    scores: dict[str, float]
    outcome: dict[str, Any]
    findings: list[Finding]
    judged: dict[str, bool] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    session: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def deductions(self, sub_score: str) -> float:
        """Total points of a sub-score's findings (the score is 100 minus this, at least 0)."""
        return round(sum(f.points for f in self.findings if f.sub_score == sub_score), 2)

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form (written as ``scorecard.json``)."""
        return {
            "format": SCORECARD_FORMAT,
            "rubric": RUBRIC_VERSION,
            "session": dict(self.session),
            "scores": dict(self.scores),
            "judged": dict(self.judged),
            "weights": dict(self.weights),
            "outcome": dict(self.outcome),
            "findings": [finding.to_dict() for finding in self.findings],
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------- builder


class _Card:
    """Collects findings while the events are read."""

    def __init__(self, start_s: float, tick_s: float) -> None:
        self.start_s = start_s
        self.tick_s = tick_s
        self.findings: list[Finding] = []
        self.judged = dict.fromkeys(SUB_SCORES, False)
        self.judged["civilian_harm_avoidance"] = True
        self.judged["awareness"] = True
        self.judged["mission"] = True

    def add(
        self,
        sub_score: str,
        rule: str,
        severity: str,
        points: float,
        message: str,
        event: dict[str, Any] | None,
        line: int | None,
        engagement: str = "",
        tick: int | None = None,
    ) -> None:
        if points > 0 and severity == "info":
            severity = "minor"  # a deduction is never silent
        when = int(tick if tick is not None else (event or {}).get("tick", 0))
        self.findings.append(
            Finding(
                tick=when,
                rule=rule,
                severity=severity,
                message=message,
                sub_score=sub_score,
                points=round(float(points), 2),
                event_type=str((event or {}).get("type", "")),
                line=line,
                engagement=engagement or str((event or {}).get("engagement", "") or ""),
                time=_clock(self.start_s + when * self.tick_s),
            )
        )


def _clock(seconds: float) -> str:
    whole = int(round(seconds)) % 86400
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _line(index: int) -> int:
    """Line of an event in events.jsonl: the header is line 1, event 0 is line 2."""
    return index + 2


def _plural(count: float, word: str) -> str:
    count_text = f"{count:g}"
    return f"{count_text} {word}" + ("" if count == 1 else "s")


def _rejected_sequences(events: Sequence[dict[str, Any]]) -> set[int]:
    return {int(e["seq"]) for e in events if e.get("type") == "command_rejected" and "seq" in e}


def build_scorecard(log, scenario) -> Scorecard:
    """Score a session from its event log.

    Args:
        log: the session's :class:`simulator.core.events.EventLog` (header and events).
        scenario: the :class:`simulator.scenario.schema.Scenario` the session ran.

    Returns:
        The :class:`Scorecard`: sub-scores, outcome and findings.
    """
    events: list[dict[str, Any]] = list(log.events)
    header: dict[str, Any] = dict(getattr(log, "header", {}) or {})
    tick_s = float(header.get("tick_s") or scenario.clock.tick_s)
    card = _Card(float(scenario.clock.start_s), tick_s)
    rejected = _rejected_sequences(events)
    accepted = [
        (i, e)
        for i, e in enumerate(events)
        if e.get("type") == "command" and int(e.get("seq", -1)) not in rejected
    ]
    end_index, end_event = _last_event(events)

    _judge_harm(card, events)
    _judge_accuracy(card, events, accepted)
    _judge_process(card, events, accepted, tick_s, float(scenario.roe.abort_cutoff_s))
    _judge_new_information(card, events)
    identified = _identified_entities(accepted)
    _judge_awareness(card, events, accepted, scenario, identified, end_index, end_event)
    outcome = _outcome(events, scenario, identified)
    _judge_mission(card, events, scenario, outcome, end_index, end_event)
    _judge_security(card, events, scenario)

    scores: dict[str, float] = {}
    for name in SUB_SCORES:
        lost = sum(f.points for f in card.findings if f.sub_score == name)
        scores[name] = round(max(0.0, FULL_MARKS - lost), 1)
    weights = _weights(scenario, card.judged)
    scores["overall"] = round(sum(scores[name] * weights[name] for name in SUB_SCORES), 1)

    notes = list(getattr(log, "problems", []) or [])
    if not any(e.get("type") == "session_end" for e in events):
        notes.append("the log has no session_end: the session was cut off; scored up to there")
    findings = sorted(card.findings, key=lambda f: (f.tick, f.line if f.line is not None else 0))
    session = {
        "scenario_id": header.get("scenario_id", scenario.meta.id),
        "scenario_title": scenario.meta.title,
        "seed": header.get("seed"),
        "policy": header.get("policy"),
        "trainee": header.get("trainee", {}),
        "ticks": int(end_event.get("tick", 0)) if end_event else 0,
        "events": len(events),
        "end_reason": next(
            (e.get("reason") for e in reversed(events) if e.get("type") == "session_end"), None
        ),
    }
    return Scorecard(
        scores=scores,
        outcome=outcome,
        findings=findings,
        judged=dict(card.judged),
        weights=weights,
        session=session,
        notes=notes,
    )


def _last_event(events: Sequence[dict[str, Any]]) -> tuple[int | None, dict[str, Any] | None]:
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("type") == "session_end":
            return index, events[index]
    if events:
        return len(events) - 1, events[-1]
    return None, None


def _weights(scenario, judged: dict[str, bool]) -> dict[str, float]:
    """Scenario weights normalised over the judged sub-scores (equal if they sum to 0)."""
    raw = {name: float(getattr(scenario.scoring.weights, name, 0.0)) for name in SUB_SCORES}
    active = {name: raw[name] if judged.get(name) else 0.0 for name in SUB_SCORES}
    total = sum(active.values())
    if total <= 0:
        count = sum(1 for name in SUB_SCORES if judged.get(name)) or 1
        return {name: (1.0 / count if judged.get(name) else 0.0) for name in SUB_SCORES}
    return {name: round(active[name] / total, 4) for name in SUB_SCORES}


# ----------------------------------------------------------------------------- harm


def _judge_harm(card: _Card, events: Sequence[dict[str, Any]]) -> None:
    """Civilian harm, protected sites and buildings damaged by the trainee's own effects."""
    building_points = 0.0
    for index, event in enumerate(events):
        if event.get("type") != "effect_resolved" or event.get("cause") != "own":
            continue
        engagement = str(event.get("engagement", ""))
        groups: dict[str, list[int]] = {key: [0, 0] for key in HARM_POINTS}
        for slot, people in ((0, event.get("killed", [])), (1, event.get("injured", []))):
            for person in people:
                if person.get("kind") != "civilian":
                    continue
                seen = person.get("observability", "in_picture")
                groups[seen if seen in HARM_POINTS else "in_picture"][slot] += 1
        for seen, (killed, injured) in groups.items():
            if not killed and not injured:
                continue
            per_killed, per_injured = HARM_POINTS[seen]
            points = killed * per_killed + injured * per_injured
            harmed = _harm_words(killed, injured)
            if seen == "in_picture":
                rule = "own_harm_in_picture"
                why = (
                    "They were in your picture when you released: you could see them. "
                    f"Each death costs {per_killed:g} points, each injury {per_injured:g}."
                )
            elif seen == "observable_not_observed":
                rule = "own_harm_not_watched"
                why = (
                    "They were outdoors but no sensor was watching them when you released: "
                    "you could have seen them if you had looked. "
                    f"Each death costs {per_killed:g} points, each injury {per_injured:g}."
                )
            else:
                rule = "own_harm_never_observable"
                why = (
                    "They were indoors when you released, so no sensor could see them "
                    "(never observable). This costs less than harm you could see "
                    f"({per_killed:g} points per death, {per_injured:g} per injury), but it "
                    "still counts: an estimate must assume people inside buildings."
                )
            card.add(
                "civilian_harm_avoidance",
                rule,
                "critical" if killed else "major",
                points,
                f"Your effect in engagement {engagement} {harmed}. {why}",
                event,
                _line(index),
            )
        for site in event.get("protected_sites_damaged", []) or []:
            card.add(
                "civilian_harm_avoidance",
                "protected_site_damaged",
                "critical",
                PROTECTED_SITE_POINTS,
                f"Your effect in engagement {engagement} damaged the protected site {site}. "
                "Protected sites (schools, clinics, places of worship...) must not be hit.",
                event,
                _line(index),
            )
        buildings = list(event.get("buildings_damaged", []) or [])
        if buildings:
            points = min(BUILDING_POINTS * len(buildings), BUILDING_POINTS_CAP - building_points)
            building_points += max(points, 0.0)
            card.add(
                "civilian_harm_avoidance",
                "civilian_buildings_damaged",
                "minor" if points > 0 else "info",
                max(points, 0.0),
                f"Your effect in engagement {engagement} damaged "
                f"{_plural(len(buildings), 'building')}: {', '.join(buildings[:8])}"
                + (" ..." if len(buildings) > 8 else "")
                + ". Homes, shops and markets are civilian objects."
                + (
                    f" (building points are capped at {BUILDING_POINTS_CAP:g})"
                    if points <= 0
                    else ""
                ),
                event,
                _line(index),
            )


def _harm_words(killed: int, injured: int) -> str:
    parts = []
    if killed:
        parts.append(f"killed {_plural(killed, 'civilian')}")
    if injured:
        parts.append(f"injured {_plural(injured, 'civilian')}")
    return " and ".join(parts)


# ----------------------------------------------------------------------------- accuracy


def _judge_accuracy(
    card: _Card,
    events: Sequence[dict[str, Any]],
    accepted: Sequence[tuple[int, dict[str, Any]]],
) -> None:
    """Distinction (labels vs truth), PID on civilians, misidentification, CDE error."""
    seen_labels: set[tuple[str, str, str]] = set()
    pid_tracks: set[str] = set()
    engaged_tracks: dict[str, str] = {}  # engagement id -> track id
    for index, event in accepted:
        command = event.get("command", {})
        kind = command.get("kind")
        truth = event.get("truth") or {}
        if kind == "nominate_target" and command.get("track_id"):
            engaged_tracks[str(command.get("engagement_id"))] = str(command["track_id"])
        if kind == "classify_contact":
            card.judged["accuracy"] = True
            label = str(command.get("label"))
            entity = truth.get("entity")
            entity_kind = truth.get("entity_kind")
            track = str(command.get("track_id"))
            key = (track, label, str(entity))
            if entity is None or key in seen_labels:
                continue
            seen_labels.add(key)
            if label in HOSTILE_SIDE_LABELS and entity_kind in CIVILIAN_KINDS:
                card.add(
                    "accuracy",
                    "civilian_labelled_combatant",
                    "major",
                    CIVILIAN_LABELLED_COMBATANT_POINTS,
                    f"You labelled contact {track} as a combatant, but it was a {entity_kind} "
                    f"({entity}). Labelling a civilian as hostile is the first step to "
                    "harming them. When the indicators are not clear, use 'unknown'.",
                    event,
                    _line(index),
                )
            elif label in CIVILIAN_SIDE_LABELS and entity_kind == "hostile":
                card.add(
                    "accuracy",
                    "hostile_labelled_civilian",
                    "major",
                    HOSTILE_LABELLED_CIVILIAN_POINTS,
                    f"You labelled contact {track} as {label}, but it was a hostile actor "
                    f"({entity}). A missed threat can harm civilians later. When you are "
                    "not sure, use 'unknown' and keep watching.",
                    event,
                    _line(index),
                )
        elif kind == "declare_pid":
            card.judged["accuracy"] = True
            entity_kind = truth.get("entity_kind")
            engagement = str(command.get("engagement_id", ""))
            track = engaged_tracks.get(engagement, "")
            if track:
                pid_tracks.add(track)
            if entity_kind in CIVILIAN_KINDS:
                card.add(
                    "accuracy",
                    "pid_on_civilian",
                    "critical",
                    PID_ON_CIVILIAN_POINTS,
                    f"You declared PID in engagement {engagement}, but the contact"
                    f"{' ' + track if track else ''} was a {entity_kind} "
                    f"({truth.get('entity')}). PID needs observed indicators, not assumption.",
                    event,
                    _line(index),
                    engagement,
                )
        elif kind == "release":
            card.judged["accuracy"] = True
            engagement = str(command.get("engagement_id", ""))
            if truth.get("swapped") or truth.get("lost"):
                what = "lost" if truth.get("lost") else "swapped to another person"
                card.add(
                    "accuracy",
                    "engaged_misidentified_track",
                    "major",
                    MISIDENTIFIED_TRACK_POINTS,
                    f"You released engagement {engagement} on a track that was {what} "
                    f"(it started on {truth.get('first_entity')}, it was on "
                    f"{truth.get('entity', 'nobody')}). Engaging a lost or swapped track is a "
                    "misidentification: keep one continuous track and check it before release.",
                    event,
                    _line(index),
                    engagement,
                )
    estimated_engagements: set[str] = set()
    cde_points = 0.0
    for index, event in enumerate(events):
        kind = event.get("type")
        if kind == "collateral_estimate":
            card.judged["accuracy"] = True
            engagement = str(event.get("engagement", ""))
            estimated_engagements.add(engagement)
            estimate = event.get("estimate") or {}
            truth = event.get("truth") or {}
            if "civilians_in_area" not in truth:
                continue
            expected = float(estimate.get("estimated_civilian_casualties", 0.0))
            # Compare like with like when the log has it: the truth's expected casualties
            # (each civilian's chance of harm); older logs only give people present.
            present = float(truth.get("expected_civilian_casualties", truth["civilians_in_area"]))
            tolerance = max(CDE_TOLERANCE_MIN, CDE_TOLERANCE_SHARE * present)
            if abs(expected - present) <= tolerance:
                continue
            under = expected < present
            points = CDE_UNDERESTIMATE_POINTS if under else CDE_OVERESTIMATE_POINTS
            points = max(0.0, min(points, CDE_POINTS_CAP - cde_points))
            cde_points += points
            card.add(
                "accuracy",
                "cde_underestimate" if under else "cde_overestimate",
                ("major" if under else "minor") if points > 0 else "info",
                points,
                f"Your estimate for engagement {engagement} expected {expected:g} civilian "
                f"casualties; the truth was {present:g} "
                f"({truth['civilians_in_area']} civilians in the area, "
                f"{truth.get('civilians_indoors_in_area', 0)} of them indoors). "
                + (
                    "The estimate was too low: look again and assume people indoors."
                    if under
                    else "The estimate was higher than the truth (cautious, a small cost)."
                )
                + (" (estimate points are capped)" if points == 0 else ""),
                event,
                _line(index),
                engagement,
            )
        elif kind == "effect_released":
            engagement = str(event.get("engagement", ""))
            truth = event.get("truth") or {}
            if truth.get("target_kind") in CIVILIAN_KINDS:
                card.add(
                    "accuracy",
                    "engaged_civilian",
                    "critical",
                    ENGAGED_CIVILIAN_POINTS,
                    f"You released engagement {engagement} against a {truth['target_kind']} "
                    f"({truth.get('target_entity')}), not a hostile actor.",
                    event,
                    _line(index),
                )
            estimate = event.get("estimate") or {}
            if (
                engagement in estimated_engagements
                and float(estimate.get("estimated_civilian_casualties", 0.0)) == 0.0
            ):
                harm_index, harm = _resolution(events, index, engagement)
                if harm is not None:
                    harmed = sum(
                        1
                        for person in [*harm.get("killed", []), *harm.get("injured", [])]
                        if person.get("kind") == "civilian"
                    )
                    if harmed:
                        card.add(
                            "accuracy",
                            "harm_despite_clear_estimate",
                            "major",
                            HARM_DESPITE_CLEAR_ESTIMATE_POINTS,
                            f"Your estimate for engagement {engagement} expected no civilian "
                            f"casualties, but {_plural(harmed, 'civilian')} were harmed. "
                            "Check what the estimate could not see (indoors, out of view).",
                            harm,
                            _line(harm_index),
                        )
        elif kind == "hostile_act" and event.get("observed") and event.get("track_id"):
            track = str(event["track_id"])
            later = any(
                e.get("command", {}).get("kind") == "declare_pid"
                and engaged_tracks.get(str(e["command"].get("engagement_id"))) == track
                and e.get("tick", 0) >= event.get("tick", 0)
                for _, e in accepted
            )
            if not later and track not in pid_tracks:
                card.judged["accuracy"] = True
                card.add(
                    "accuracy",
                    "pid_withheld_after_hostile_act",
                    "minor",
                    PID_WITHHELD_POINTS,
                    f"Contact {track} ({event.get('actor')}) committed a hostile act that your "
                    "sensors saw, and you never decided on PID for it. A clear hostile act is "
                    "an observed indicator: decide, even if the decision is to hold.",
                    event,
                    _line(index),
                )


def _resolution(
    events: Sequence[dict[str, Any]], start: int, engagement: str
) -> tuple[int, dict[str, Any] | None]:
    """The effect_resolved event of an engagement released at events[start]."""
    for index in range(start + 1, len(events)):
        event = events[index]
        if event.get("engagement") != engagement:
            continue
        if event.get("type") == "engagement_aborted":
            return index, None
        if event.get("type") == "effect_resolved" and event.get("cause") == "own":
            return index, event
    return start, None


# ----------------------------------------------------------------------------- process


def _judge_new_information(card: _Card, events: Sequence[dict[str, Any]]) -> None:
    """D11: civilians walked into the area of an effect on its way. Seen and not aborted
    is a process failure; unseen is recorded as something the trainee could not know."""
    aborted = {
        str(e.get("engagement"))
        for e in events
        if e.get("type") == "engagement_aborted" and e.get("after_release")
    }
    for index, event in enumerate(events):
        if event.get("type") != "civilians_entered_effect_area":
            continue
        card.judged["process"] = True
        engagement = str(event.get("engagement", ""))
        seen = int(event.get("in_view", 0))
        count = int((event.get("truth") or {}).get("civilians", 0))
        if seen and engagement not in aborted:
            card.add(
                "process",
                "no_abort_on_new_information",
                "major",
                NO_ABORT_ON_NEW_INFORMATION_POINTS,
                f"Engagement {engagement}: after release, {seen} civilian(s) you could see "
                "walked into the effect area and you did not abort. Abort as soon as the "
                "picture changes.",
                event,
                _line(index),
                engagement,
            )
        else:
            card.add(
                "process",
                "new_information_after_release",
                "info",
                0.0,
                f"Engagement {engagement}: {count} civilian(s) entered the effect area after "
                "release"
                + (
                    "; you aborted."
                    if engagement in aborted
                    else "; no sensor could see them (not judged against you)."
                ),
                event,
                _line(index),
                engagement,
            )


def _judge_process(
    card: _Card,
    events: Sequence[dict[str, Any]],
    accepted: Sequence[tuple[int, dict[str, Any]]],
    tick_s: float,
    abort_cutoff_s: float,
) -> None:
    """Rule checks, aborts, alternatives, warnings and reports after harm."""
    rejected = _rejected_sequences(events)
    last_command: dict[str, str] = {}  # engagement -> kind of its latest accepted command
    estimated_effects: dict[str, set[str]] = {}
    reports = [
        int(e.get("tick", 0))
        for _, e in accepted
        if e.get("command", {}).get("kind") == "submit_report"
    ]
    for index, event in enumerate(events):
        kind = event.get("type")
        if kind == "command":
            command = event.get("command", {})
            if command.get("engagement_id") is not None:
                card.judged["process"] = True
                if int(event.get("seq", -1)) not in rejected:
                    last_command[str(command["engagement_id"])] = str(command.get("kind"))
        elif kind == "rule_check":
            card.judged["process"] = True
            if event.get("ok") or is_security_rule_check(event):  # see _judge_security
                continue
            rule = str(event.get("rule"))
            engagement = str(event.get("engagement", ""))
            detail = str(event.get("detail", ""))
            if rule == "rationale_recorded" and last_command.get(engagement) == "release":
                severity, points = RATIONALE_AT_RELEASE
                rule_id = "rationale_recorded_at_release"
            elif rule in PROCESS_RULES:
                severity, points = PROCESS_RULES[rule]
                rule_id = rule
            else:
                severity, points = OTHER_RULE
                rule_id = rule
            what, advice = _PROCESS_WORDS.get(rule_id, (f"rule '{rule}' not met", ""))
            message = f"Engagement {engagement}: {what}."
            if detail and rule not in _STATIC_DETAIL:
                message += f" Recorded: {detail}."
            if advice:
                message += f" {advice}"
            card.add("process", rule_id, severity, points, message, event, _line(index))
        elif kind == "collateral_estimate":
            card.judged["process"] = True
            estimate = event.get("estimate") or {}
            estimated_effects.setdefault(str(event.get("engagement", "")), set()).add(
                str(estimate.get("effect_id", ""))
            )
        elif kind == "effect_released":
            card.judged["process"] = True
            engagement = str(event.get("engagement", ""))
            estimate = event.get("estimate") or {}
            expected = float(estimate.get("estimated_civilian_casualties", 0.0))
            options = estimated_effects.get(engagement, set())
            if expected > 0 and len(options) < 2:
                card.add(
                    "process",
                    "no_alternative_considered",
                    "minor",
                    NO_ALTERNATIVE_POINTS,
                    f"Engagement {engagement}: you released '{event.get('effect')}' with "
                    f"{expected:g} civilian casualties expected, "
                    + (
                        "without any estimate of your own"
                        if not options
                        else "after estimating only one option"
                    )
                    + ". Compare at least two options "
                    "(another effect, aim point or time) and choose the least harmful.",
                    event,
                    _line(index),
                )
        elif kind == "engagement_aborted":
            card.judged["process"] = True
            engagement = str(event.get("engagement", ""))
            if event.get("after_release"):
                before = event.get("ticks_before_impact")
                seconds = None if before is None else float(before) * tick_s
                late = seconds is not None and seconds < abort_cutoff_s + ABORT_MARGIN_S
                card.add(
                    "process",
                    "abort_late" if late else "abort_after_release",
                    "minor" if late else "info",
                    ABORT_LATE_POINTS if late else 0.0,
                    f"Engagement {engagement}: you aborted after release"
                    + (f", {seconds:g} s before impact" if seconds is not None else "")
                    + (
                        ". This was close to the cutoff: abort as soon as new information arrives."
                        if late
                        else ". Good: holding when new information arrives avoids harm."
                    ),
                    event,
                    _line(index),
                )
            else:
                card.add(
                    "process",
                    "held_before_release",
                    "info",
                    0.0,
                    f"Engagement {engagement}: you held and closed it before release"
                    + (f" ({event.get('reason')})" if event.get("reason") else "")
                    + ".",
                    event,
                    _line(index),
                )
        elif kind == "command_rejected" and event.get("kind") == "abort":
            card.judged["process"] = True
            reason = str(event.get("reason", ""))
            if reason.startswith("too late"):
                card.add(
                    "process",
                    "abort_too_late",
                    "major",
                    ABORT_TOO_LATE_POINTS,
                    f"Your abort came too late and was refused ({reason}). Watch the area "
                    "until impact and abort as soon as civilians come close.",
                    event,
                    _line(index),
                )
        elif kind == "warning_issued":
            truth = event.get("truth") or {}
            card.add(
                "process",
                "warning_given",
                "info",
                0.0,
                f"Engagement {event.get('engagement')}: you warned civilians "
                f"({event.get('means')}). Of {truth.get('civilians_in_reach', '?')} in reach, "
                f"{truth.get('perceived', '?')} noticed it and {truth.get('leaving', '?')} "
                "left." + (" The target was alerted." if truth.get("target_alerted") else ""),
                event,
                _line(index),
            )
        elif kind == "effect_resolved" and event.get("cause") == "own":
            harmed = sum(
                1
                for person in [*event.get("killed", []), *event.get("injured", [])]
                if person.get("kind") == "civilian"
            )
            if not harmed:
                continue
            tick = int(event.get("tick", 0))
            window = int(REPORT_WINDOW_S / tick_s)
            if any(tick <= t <= tick + window for t in reports):
                card.add(
                    "process",
                    "harm_reported",
                    "info",
                    0.0,
                    f"Engagement {event.get('engagement')}: you reported the harm to "
                    f"{_plural(harmed, 'civilian')} in time.",
                    event,
                    _line(index),
                )
                continue
            card.add(
                "process",
                "harm_not_reported",
                "major",
                HARM_NOT_REPORTED_POINTS,
                f"Engagement {event.get('engagement')} harmed {_plural(harmed, 'civilian')} "
                f"and you sent no report within {REPORT_WINDOW_S / 60:g} minutes. Report harm "
                "honestly and quickly, so aid can be given.",
                event,
                _line(index),
            )


# Engine rules whose detail text adds nothing to the finding's own words.
_STATIC_DETAIL = {
    "rationale_recorded",
    "pid_before_engagement",
    "estimate_before_engagement",
    "warning_when_feasible",
}
_PROCESS_WORDS = {
    # rule id: (what went wrong, what to do)
    "pid_indicators": (
        "PID declared without the indicators the ROE requires",
        "Declare PID only after you have seen every required indicator.",
    ),
    "pid_observation_time": (
        "PID declared after too little observation",
        "Watch the contact for at least the time the ROE asks.",
    ),
    "pid_basis": (
        "the basis for force was not supported by what was observed",
        "Choose the basis (hostile act, hostile intent, declared hostile) you really saw.",
    ),
    "rationale_recorded": (
        "no reason recorded for the PID decision",
        "Write down why: it protects you and helps the review.",
    ),
    "rationale_recorded_at_release": (
        "no reason recorded for a lethal release",
        "Every lethal decision needs a written reason.",
    ),
    "pid_before_engagement": (
        "released without a supported PID",
        "Never release before PID is declared and supported.",
    ),
    "estimate_before_engagement": (
        "released without a current collateral damage estimate",
        "Run the estimate for this exact plan just before release.",
    ),
    "approval_before_engagement": (
        "released without the required approval",
        "Wait for the approval level the estimate requires; if it is denied, hold.",
    ),
    "no_protected_site_in_area": (
        "a protected site was in the effect area",
        "Move the aim point, change the effect or hold.",
    ),
    "warning_when_feasible": (
        "civilians were not warned, though a warning was possible",
        "Warn civilians when circumstances permit.",
    ),
    "effect_allowed": (
        "planned an effect the ROE does not allow",
        "Use only the effects the ROE allows.",
    ),
}


# ----------------------------------------------------------------------------- awareness


def _identified_entities(accepted: Sequence[tuple[int, dict[str, Any]]]) -> dict[str, int]:
    """Truth entities the trainee identified as hostile (label, PID or report), first tick."""
    found: dict[str, int] = {}
    for _, event in accepted:
        command = event.get("command", {})
        kind = command.get("kind")
        truth = event.get("truth") or {}
        entity = truth.get("entity")
        if entity is None:
            continue
        hostile_label = kind == "classify_contact" and command.get("label") == "combatant"
        if hostile_label or kind == "declare_pid" or (kind == "submit_report" and truth):
            found.setdefault(str(entity), int(event.get("tick", 0)))
    return found


def _judge_awareness(
    card: _Card,
    events: Sequence[dict[str, Any]],
    accepted: Sequence[tuple[int, dict[str, Any]]],
    scenario,
    identified: dict[str, int],
    end_index: int | None,
    end_event: dict[str, Any] | None,
) -> None:
    """Sensor use, classification coverage, dwell, calibration and cues missed."""
    end_line = _line(end_index) if end_index is not None else None
    sensor_commands = [
        e for _, e in accepted if e.get("command", {}).get("kind") in SENSOR_COMMANDS
    ]
    if not sensor_commands:
        card.add(
            "awareness",
            "sensors_never_tasked",
            "major",
            SENSORS_NEVER_TASKED_POINTS,
            "You never tasked, zoomed or pointed a sensor. To understand the civilian "
            "environment you must look where it matters and watch long enough.",
            end_event,
            end_line,
        )
    classified: set[str] = set()
    judged: list[tuple[float, float, int, dict[str, Any]]] = []  # (p, outcome, index, event)
    dwell_points = 0.0
    unknown = 0
    for index, event in accepted:
        command = event.get("command", {})
        if command.get("kind") != "classify_contact":
            continue
        track = str(command.get("track_id"))
        classified.add(track)
        label = str(command.get("label"))
        if label == "unknown":
            unknown += 1
            continue
        truth = event.get("truth") or {}
        entity_kind = truth.get("entity_kind")
        if entity_kind is not None:
            correct = (label in HOSTILE_SIDE_LABELS and entity_kind == "hostile") or (
                label in CIVILIAN_SIDE_LABELS and entity_kind in CIVILIAN_KINDS
            )
            confidence = min(1.0, max(0.0, float(command.get("confidence", 0.0))))
            judged.append((confidence, 1.0 if correct else 0.0, index, event))
        contact = (event.get("picture") or {}).get("contact") or {}
        watched = contact.get("observed_s")
        if watched is not None and float(watched) < MIN_DWELL_S:
            points = max(0.0, min(SHORT_DWELL_POINTS, SHORT_DWELL_POINTS_CAP - dwell_points))
            dwell_points += points
            card.add(
                "awareness",
                "short_dwell_before_label",
                "minor" if points > 0 else "info",
                points,
                f"You labelled contact {track} as {label} after watching it for only "
                f"{float(watched):g} s (at least {MIN_DWELL_S:g} s expected). Watch before "
                "you decide." + ("" if points > 0 else " (points for rushed labels are capped)"),
                event,
                _line(index),
            )
    if len(classified) < MIN_CLASSIFIED_CONTACTS:
        points = FEW_CLASSIFIED_POINTS * (1.0 - len(classified) / MIN_CLASSIFIED_CONTACTS)
        card.add(
            "awareness",
            "few_contacts_classified",
            "major" if not classified else "minor",
            points,
            f"You classified {_plural(len(classified), 'contact')} (at least "
            f"{MIN_CLASSIFIED_CONTACTS} expected). Saying who is a civilian, and using "
            "'unknown' when you are not sure, builds the picture every later decision needs.",
            end_event,
            end_line,
        )
    if unknown:
        card.add(
            "awareness",
            "unknown_used",
            "info",
            0.0,
            f"You used 'unknown' {_plural(unknown, 'time')}. Good: 'unknown' is better than a "
            "wrong guess.",
            end_event,
            end_line,
        )
    if judged:
        brier = sum((p - o) ** 2 for p, o, _, _ in judged) / len(judged)
        worst = max(judged, key=lambda item: ((item[0] - item[1]) ** 2, -item[2]))
        wrong = sum(1 for _, o, _, _ in judged if o == 0.0)
        severity = "major" if brier >= 0.25 else "minor" if brier >= 0.1 else "info"
        points = round(BRIER_POINTS * brier, 2)
        worst_command = worst[3].get("command", {})
        card.add(
            "awareness",
            "confidence_calibration",
            severity,
            points,
            f"Confidence calibration: Brier score {brier:.3f} over "
            f"{_plural(len(judged), 'label')} ({wrong} wrong). 0 is perfect; 0.25 is the "
            "score of always saying 50 %. Give high confidence only when you are sure, and "
            f"low confidence when you are not. Worst: {worst_command.get('track_id')} "
            f"labelled {worst_command.get('label')} with confidence "
            f"{float(worst_command.get('confidence', 0.0)):g}, and it was "
            f"{'right' if worst[1] else 'wrong'}.",
            worst[3],
            _line(worst[2]),
        )
    for objective in scenario.scoring.objectives:
        if objective.kind not in ("neutralise", "locate") or not objective.target:
            continue
        if objective.target in identified:
            continue
        card.add(
            "awareness",
            "objective_target_not_identified",
            "major",
            TARGET_NOT_IDENTIFIED_POINTS,
            f"You never identified {objective.target}, the target of objective "
            f"'{objective.id}' (no combatant label, PID or report on this person). Use the "
            "intelligence and the pattern of life to find the target.",
            end_event,
            end_line,
        )
    for index, event in enumerate(events):
        if event.get("type") == "hostile_act" and not event.get("observed"):
            card.add(
                "awareness",
                "hostile_act_unobserved",
                "minor",
                HOSTILE_ACT_UNOBSERVED_POINTS,
                f"A hostile act by {event.get('actor')} happened where none of your sensors "
                "was watching. Keep sensors on the areas of interest.",
                event,
                _line(index),
            )


# ----------------------------------------------------------------------------- mission


def _outcome(
    events: Sequence[dict[str, Any]], scenario, identified: dict[str, int]
) -> dict[str, Any]:
    """The outcome counts, with 'locate' objectives judged from the trainee's labels."""
    from simulator.scenario.schema import time_to_seconds

    outcome = outcome_from_events(events, scenario)
    tick_s = scenario.clock.tick_s
    objectives = []
    for item, objective in zip(outcome["objectives"], scenario.scoring.objectives):
        item = dict(item)
        if objective.kind == "locate" and objective.target:
            tick = identified.get(objective.target)
            deadline = None
            if objective.by:
                deadline = (time_to_seconds(objective.by) - scenario.clock.start_s) % 86400
                deadline /= tick_s
            item["met"] = tick is not None and (deadline is None or tick <= deadline)
        objectives.append(item)
    outcome["objectives"] = objectives
    outcome["objectives_met"] = sum(1 for item in objectives if item["met"])
    return outcome


def _judge_mission(
    card: _Card,
    events: Sequence[dict[str, Any]],
    scenario,
    outcome: dict[str, Any],
    end_index: int | None,
    end_event: dict[str, Any] | None,
) -> None:
    """Objectives missed, harm by threats not prevented, threats prevented."""
    end_line = _line(end_index) if end_index is not None else None
    # 'avoid_harm' objectives are reported but cost nothing here: harm by own action is
    # scored under civilian_harm_avoidance, and counting it twice would rank a trainee who
    # stops a threat and hurts someone below one who lets the threat through.
    mission_items = [item for item in outcome["objectives"] if item["kind"] != "avoid_harm"]
    total = max(1, len(mission_items))
    by_id = {objective.id: objective for objective in scenario.scoring.objectives}
    for item in outcome["objectives"]:
        objective = by_id.get(item["id"])
        description = objective.description if objective is not None else item["id"]
        if item["kind"] == "avoid_harm" and not item["met"]:
            card.add(
                "mission",
                "avoid_harm_objective_not_met",
                "info",
                0.0,
                f"Objective '{item['id']}' not met: {description} (the harm is scored under "
                "civilian harm avoidance, not twice)",
                end_event,
                end_line,
            )
            continue
        if item["met"]:
            card.add(
                "mission",
                "objective_met",
                "info",
                0.0,
                f"Objective '{item['id']}' met: {description}",
                end_event,
                end_line,
            )
            continue
        card.add(
            "mission",
            "objective_not_met",
            "major",
            OBJECTIVES_POINTS / total,
            f"Objective '{item['id']}' not met: {description}",
            end_event,
            end_line,
        )
    targets = {o.target for o in scenario.scoring.objectives if o.kind == "neutralise" and o.target}
    per_killed, per_injured = THREAT_HARM_POINTS
    used = 0.0
    for index, event in enumerate(events):
        kind = event.get("type")
        if kind == "effect_resolved" and event.get("cause") != "own":
            killed = sum(1 for p in event.get("killed", []) if p.get("kind") == "civilian")
            injured = sum(1 for p in event.get("injured", []) if p.get("kind") == "civilian")
            if not killed and not injured:
                continue
            points = max(
                0.0, min(killed * per_killed + injured * per_injured, THREAT_HARM_CAP - used)
            )
            used += points
            card.add(
                "mission",
                "threat_harm_not_prevented",
                "critical" if killed else "major",
                points,
                f"The threat was not stopped: the attack '{event.get('engagement')}' "
                f"{_harm_words(killed, injured)}. Protecting the population from the threat "
                "is part of the mission"
                + (
                    f" (threat harm costs at most {THREAT_HARM_CAP:g} points)"
                    if used >= THREAT_HARM_CAP
                    else ""
                )
                + ". Holding may still have been right: in the review, discuss what could "
                "have stopped the threat without harming civilians.",
                event,
                _line(index),
            )
        if kind == "effect_resolved" and event.get("cause") == "own":
            aimed_at = event.get("target")
            for person in event.get("killed", []):
                if person.get("id") in targets and person.get("id") != aimed_at:
                    card.add(
                        "mission",
                        "target_neutralised_by_chance",
                        "info",
                        0.0,
                        f"{person['id']} was killed by engagement {event.get('engagement')}, "
                        f"which was aimed at {aimed_at or 'a location'}, not at this person. The "
                        "objective counts as met, but this was chance, not a decision: "
                        "discuss it in the review.",
                        event,
                        _line(index),
                    )
        if kind == "inject_prevented":
            card.add(
                "mission",
                "threat_prevented",
                "info",
                0.0,
                f"You prevented '{event.get('id')}': {event.get('because')}.",
                event,
                _line(index),
            )


def _judge_security(card: _Card, events: Sequence[dict[str, Any]], scenario) -> None:
    """Checkpoint and assembly findings (D12, D13) from :mod:`scoring.security`.

    They count in process (how force was used), civilian_harm_avoidance (explanations
    only: the harm itself is costed by :func:`_judge_harm`) and mission (threats
    stopped, own-force harm, assemblies kept peaceful).
    """
    for item in security_findings(events, scenario):
        index = item["event_index"]
        if item["sub_score"] == "process":
            card.judged["process"] = True
        card.add(
            item["sub_score"],
            item["rule"],
            item["severity"],
            item["points"],
            item["message"],
            events[index] if index is not None else None,
            _line(index) if index is not None else None,
            engagement=item["label"],
            tick=item["tick"],
        )


def findings_by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    """How many findings of each severity (for summaries and cohort tables)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts
