"""Findings for checkpoints and public assemblies (D12, D13), from the event log alone.

Pure functions over (events, scenario), like the rest of ``scoring``: no clock, no
randomness. Each finding is a plain dict::

    {tick, rule, severity, message, sub_score, points, event_index, label}

``event_index`` is the index of the event it comes from in ``events`` (the line in
``events.jsonl`` is ``event_index + 2``). Sub-scores are those of the scorecard:
``process`` (how force was used), ``civilian_harm_avoidance`` and ``mission``.

Judged against what the trainee could know (DOMAIN principle 2): whether a signal could
be perceived, whether there was time for a skipped step, and whether a vehicle looked
like an emergency are read from the command's ``picture`` annex (distance, speed, light,
cues, the signal's chance), never from the hidden behaviour. The hidden behaviour is
named in messages only to explain, after the fact, who was really there.

Civilian harm caused by force is carried by ``effect_resolved`` events (cause 'own'),
which the scorecard's harm judge already costs per person; the findings here that
describe it (``eof_civilians_harmed``, ``crowd_force_harm``) are therefore ``info`` with
0 points, so nothing is counted twice.

Every number below is a documented default (see docs/security.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

# ----------------------------------------------------------------------------- constants

SIGNAL_STEPS = ("hand_signals", "visual_signal", "audible_signal", "laser_dazzler", "show_weapon")
FORCE_STEPS = ("warning_shot", "disabling_fire", "lethal_force")
FIRE_STEPS = ("disabling_fire", "lethal_force")
# Signal ranges by (day, night, night at a lit control point), as taught to guards; the
# engine's simulator.core.checkpoint.SIGNALS holds the same values.
SIGNAL_RANGE_M = {
    "hand_signals": (150.0, 30.0, 70.0),
    "visual_signal": (300.0, 300.0, 300.0),
    "audible_signal": (200.0, 200.0, 200.0),
    "laser_dazzler": (400.0, 800.0, 800.0),
    "show_weapon": (100.0, 25.0, 60.0),
}
EMERGENCY_CUES = ("headlights flashing", "horn", "passenger slumped")

NOT_PERCEIVABLE_CHANCE = 0.2  # a signal below this chance could not be perceived
NOT_PERCEIVABLE_POINTS = 2.0
NOT_PERCEIVABLE_CAP = 10.0
SKIPPED_STEP_POINTS = 4.0  # per lesser step skipped when time allowed
SKIPPED_CAP_PER_TARGET = 12.0
SKIP_MARGIN_S = 3.0  # time beyond the steps themselves that must have been left
WARNING_SHOT_EARLY_POINTS = 8.0
FORCE_ON_STOPPED_POINTS = 15.0
STEP_NOT_ALLOWED_POINTS = 8.0
RATIONALE_POINTS = 3.0
RATIONALE_MAX_FINDINGS = 5  # per checkpoint or assembly
EMERGENCY_DELAYED_POINTS = 3.0
SIGNS_MISSING_POINTS = 4.0
SIGNS_GRACE_S = 60.0  # signs ordered within this time of the start are in time
THREAT_NOT_STOPPED_POINTS = 30.0
OWN_FORCE_POINTS = 8.0  # per own-force casualty
OWN_FORCE_CAP = 40.0
FORCE_ON_PEACEFUL_POINTS = 25.0
FORCE_NOT_NECESSARY_POINTS = 10.0
ESCALATION_CAUSED_POINTS = 8.0
NOT_ENGAGED_POINTS = 40.0  # an assembly the trainee never engaged with at all
TURNED_VIOLENT_POINTS = 15.0
CLASH_HARM_POINTS = 1.0  # per person hurt in crowd violence that was not prevented
CLASH_HARM_CAP = 15.0
NO_DE_ESCALATION_POINTS = 5.0

SECURITY_RULE_CHECKS = {
    # engine rule_check id (with a 'checkpoint' or 'assembly' key) -> finding rule here
    "eof_step_allowed": "eof_step_not_allowed",
    "no_force_on_peaceful_assembly": "force_on_peaceful_assembly",
    "minimum_force": "force_not_necessary",
    "rationale_recorded": "force_rationale_missing",
}
DE_ESCALATION = ("communicate", "negotiate", "open_exit", "isolate_agitators", "channel")
BEHAVIOUR_WORDS = {
    "compliant": "an ordinary driver",
    "distracted": "a distracted driver",
    "confused": "a confused driver",
    "emergency": "a driver rushing someone to hospital",
    "panicked": "a frightened driver",
    "threat": "the threat",
}


def is_security_rule_check(event: dict[str, Any]) -> bool:
    """Whether a ``rule_check`` event comes from a checkpoint or an assembly (and is
    judged here rather than by the scorecard's generic process rules)."""
    return event.get("type") == "rule_check" and bool(
        event.get("checkpoint") or event.get("assembly")
    )


def _clock(start_s: float, tick: int, tick_s: float) -> str:
    whole = int(round(start_s + tick * tick_s)) % 86400
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _light(picture: dict[str, Any]) -> int:
    if not picture.get("night"):
        return 0
    return 2 if picture.get("lit") else 1


def _words(step: str) -> str:
    return step.replace("_", " ")


class _Findings:
    def __init__(self, scenario) -> None:
        self.items: list[dict[str, Any]] = []
        self.start_s = float(scenario.clock.start_s)
        self.tick_s = float(scenario.clock.tick_s)

    def add(
        self,
        sub_score: str,
        rule: str,
        severity: str,
        points: float,
        message: str,
        tick: int,
        index: int | None,
        label: str = "",
    ) -> None:
        if points > 0 and severity == "info":
            severity = "minor"
        self.items.append(
            {
                "tick": int(tick),
                "time": _clock(self.start_s, int(tick), self.tick_s),
                "rule": rule,
                "severity": severity,
                "message": message,
                "sub_score": sub_score,
                "points": round(float(points), 2),
                "event_index": index,
                "label": label,
            }
        )


# ----------------------------------------------------------------------------- entry


def security_findings(events: Sequence[dict[str, Any]], scenario) -> list[dict[str, Any]]:
    """Every checkpoint and assembly finding of a session, sorted by tick.

    Args:
        events: the session's events (header excluded), in order.
        scenario: the scenario the session ran.

    Returns:
        A list of finding dicts (see module docstring); empty for a scenario with no
        checkpoints and no assemblies.
    """
    if not scenario.checkpoints and not scenario.assemblies:
        return []
    found = _Findings(scenario)
    rejected = {int(e["seq"]) for e in events if e.get("type") == "command_rejected" and "seq" in e}
    if scenario.checkpoints:
        _judge_checkpoints(found, events, scenario, rejected)
    if scenario.assemblies:
        _judge_assemblies(found, events, scenario, rejected)
    _judge_rule_checks(found, events)
    _judge_own_force(found, events)
    return sorted(found.items, key=lambda f: (f["tick"], f["event_index"] or 0))


def security_outcome(events: Iterable[dict[str, Any]], scenario) -> dict[str, Any]:
    """Outcome counts for checkpoints and assemblies (for batch tables and reviews).

    Returns:
        threats (in the scenario), threats_stopped, threat_attacks, own_force_casualties,
        civilians_harmed_by_force (killed or injured by the trainee's force at
        checkpoints and assemblies), warning_shots, eof_steps, assemblies,
        assemblies_peaceful (never got worse than they started), assemblies_violent
        (turned violent at some point) and people_hurt_in_clashes.
    """
    events = list(events)
    threats = sum(1 for cp in scenario.checkpoints for a in cp.arrivals if a.behaviour == "threat")
    outcome: dict[str, Any] = {
        "threats": threats,
        "threats_stopped": 0,
        "threat_attacks": 0,
        "own_force_casualties": 0,
        "civilians_harmed_by_force": 0,
        "warning_shots": 0,
        "eof_steps": 0,
        "assemblies": 0,
        "assemblies_peaceful": 0,
        "assemblies_violent": 0,
        "people_hurt_in_clashes": 0,
    }
    worse: set[str] = set()
    violent: set[str] = set()
    formed: set[str] = set()
    for event in events:
        kind = event.get("type")
        if kind == "checkpoint":
            what = event.get("what")
            if what == "threat_stopped":
                outcome["threats_stopped"] += 1
            elif what == "threat_attack":
                outcome["threat_attacks"] += 1
                outcome["own_force_casualties"] += int(event.get("own_force_casualties", 0))
        elif kind == "eof_step":
            outcome["eof_steps"] += 1
            outcome["warning_shots"] += int(event.get("step") == "warning_shot")
        elif kind == "effect_resolved" and event.get("cause") == "own":
            if event.get("checkpoint") or event.get("assembly"):
                outcome["civilians_harmed_by_force"] += sum(
                    1
                    for person in [*event.get("killed", []), *event.get("injured", [])]
                    if person.get("kind") == "civilian"
                )
        elif kind == "assembly_formed":
            formed.add(str(event.get("assembly")))
        elif kind == "assembly_state":
            if event.get("worse"):
                worse.add(str(event.get("assembly")))
            if event.get("state") == "violent":
                violent.add(str(event.get("assembly")))
        elif kind == "assembly_violence":
            outcome["own_force_casualties"] += int(event.get("own_force_injured", 0))
            outcome["people_hurt_in_clashes"] += int(event.get("people_injured", 0))
    outcome["assemblies"] = len(formed)
    outcome["assemblies_peaceful"] = len(formed - worse)
    outcome["assemblies_violent"] = len(violent)
    return outcome


# ----------------------------------------------------------------------------- checkpoints


def _judge_checkpoints(
    found: _Findings, events: Sequence[dict[str, Any]], scenario, rejected: set[int]
) -> None:
    ladder = scenario.roe.escalation_of_force
    allowed = set(ladder.allowed_steps())
    step_s = float(ladder.step_time_s)
    layouts = {cp.id: cp for cp in scenario.checkpoints}
    behaviour: dict[tuple[str, str], str] = {}
    for event in events:
        if event.get("type") == "checkpoint" and event.get("label"):
            truth = event.get("truth") or {}
            behaviour[(str(event["checkpoint"]), str(event["label"]))] = str(
                truth.get("behaviour", "")
            )
    used: dict[tuple[str, str], list[str]] = {}
    forced: set[tuple[str, str]] = set()
    perceivable_points = 0.0
    signs_ordered: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.get("type") != "command" or int(event.get("seq", -1)) in rejected:
            continue
        command = event.get("command") or {}
        kind = command.get("kind")
        if kind not in ("eof_step", "stop_search", "wave_through"):
            continue
        cp = str(command.get("checkpoint_id", ""))
        label = str(command.get("target_id", ""))
        key = (cp, label)
        picture = event.get("picture") or {}
        target = picture.get("target") or {}
        tick = int(event.get("tick", 0))
        night = " at night" if picture.get("night") else ""
        if kind == "eof_step" and command.get("step") == "signs_barriers":
            signs_ordered.setdefault(cp, tick)
            continue
        if kind == "stop_search":
            cues = [c for c in target.get("cues", []) if c in EMERGENCY_CUES]
            if cues:
                found.add(
                    "process",
                    "emergency_delayed",
                    "minor",
                    EMERGENCY_DELAYED_POINTS,
                    f"You held {label} for a full search though it showed "
                    f"{', '.join(cues)}: signs of someone being rushed to hospital. A quick "
                    "look and waving it through saves minutes that may save a life.",
                    tick,
                    index,
                    label,
                )
            continue
        if kind != "eof_step":
            continue
        step = str(command.get("step", ""))
        before = used.setdefault(key, [])
        distance = target.get("distance_m")
        where = f"{distance:g} m out" if isinstance(distance, (int, float)) else "out"
        chance = picture.get("signal_chance")
        if step in SIGNAL_STEPS and isinstance(chance, (int, float)):
            if chance < NOT_PERCEIVABLE_CHANCE:
                points = min(NOT_PERCEIVABLE_POINTS, NOT_PERCEIVABLE_CAP - perceivable_points)
                perceivable_points += points
                found.add(
                    "process",
                    "eof_signal_not_perceivable",
                    "minor",
                    points,
                    f"You used {_words(step)} on {label} {where}{night}: a driver there could "
                    f"perceive it with a {chance:.0%} chance at best. A signal that cannot be "
                    "perceived is no warning; choose one that reaches the driver (light and "
                    "sound at night) or wait until it is in range.",
                    tick,
                    index,
                    label,
                )
            else:
                found.add(
                    "process",
                    "eof_signal_given",
                    "info",
                    0.0,
                    f"You used {_words(step)} on {label} {where}{night} "
                    f"(perceivable with about a {chance:.0%} chance).",
                    tick,
                    index,
                    label,
                )
        if step in FORCE_STEPS:
            _judge_force_step(
                found, index, event, step, key, before, allowed, step_s, layouts, forced
            )
        before.append(step)
    # Signs and barriers not up when arrivals came, though there was time to put them up.
    for cp, layout in layouts.items():
        if layout.signs_in_place:
            continue
        first_seen = next(
            (
                (i, e)
                for i, e in enumerate(events)
                if e.get("type") == "checkpoint"
                and e.get("checkpoint") == cp
                and e.get("what") == "seen"
            ),
            None,
        )
        ordered = signs_ordered.get(cp)
        grace = int(SIGNS_GRACE_S / found.tick_s)
        if first_seen is None:
            continue
        if ordered is None or ordered > grace:
            found.add(
                "process",
                "checkpoint_signs_missing",
                "minor",
                SIGNS_MISSING_POINTS,
                f"Checkpoint {layout.name or cp}: signs and barriers were "
                + ("never put up" if ordered is None else "put up late")
                + ". They warn every driver and slow every vehicle: the time the ladder "
                "needs. Put them up first.",
                int(first_seen[1].get("tick", 0)),
                first_seen[0],
            )
    # Outcomes of the checkpoint: harm explained, threats stopped or not.
    for index, event in enumerate(events):
        kind = event.get("type")
        if kind == "effect_resolved" and event.get("cause") == "own" and event.get("checkpoint"):
            civilians = [
                p
                for p in [*event.get("killed", []), *event.get("injured", [])]
                if p.get("kind") == "civilian"
            ]
            if not civilians:
                continue
            cp = str(event.get("checkpoint"))
            label = str(event.get("engagement", "")).split(":", 1)[-1]
            who = BEHAVIOUR_WORDS.get(behaviour.get((cp, label), ""), "someone")
            killed = sum(1 for p in event.get("killed", []) if p.get("kind") == "civilian")
            injured = len(civilians) - killed
            stray = event.get("target_outcome") == "stray_round"
            found.add(
                "civilian_harm_avoidance",
                "eof_civilians_harmed",
                "critical" if killed else "major",
                0.0,
                (
                    f"A stray round from your warning shot at {label} hurt a bystander. "
                    "Warning shots land somewhere: one more reason they are a last resort."
                    if stray
                    else f"Your {_words(str(event.get('effect')))} at {label} "
                    f"killed {killed} and injured {injured} civilians: it was {who}. "
                    "(Counted under civilian harm.)"
                ),
                int(event.get("tick", 0)),
                index,
                label,
            )
        elif kind == "checkpoint" and event.get("what") == "threat_stopped":
            how = _words(str(event.get("how", "")))
            found.add(
                "mission",
                "threat_stopped",
                "info",
                0.0,
                f"You stopped the threat {event.get('label')} ({how}) "
                f"{event.get('distance_m', 0):g} m from the checkpoint.",
                int(event.get("tick", 0)),
                index,
                str(event.get("label", "")),
            )
        elif kind == "checkpoint" and event.get("what") == "threat_attack":
            found.add(
                "mission",
                "threat_not_stopped",
                "critical",
                THREAT_NOT_STOPPED_POINTS,
                f"The threat {event.get('label')} reached the checkpoint and attacked. Stopping "
                "it before the danger distance is the mission; doing nothing is not safe.",
                int(event.get("tick", 0)),
                index,
                str(event.get("label", "")),
            )
        elif kind == "checkpoint" and event.get("what") == "stopped":
            key = (str(event.get("checkpoint")), str(event.get("label")))
            steps = used.get(key, [])
            if steps and key not in forced and not any(s in FORCE_STEPS for s in steps):
                found.add(
                    "process",
                    "graduated_response_worked",
                    "info",
                    0.0,
                    f"{event.get('label')} stopped after {', '.join(map(_words, steps))}: "
                    "no force needed.",
                    int(event.get("tick", 0)),
                    index,
                    str(event.get("label", "")),
                )


def _judge_force_step(
    found: _Findings,
    index: int,
    event: dict[str, Any],
    step: str,
    key: tuple[str, str],
    before: list[str],
    allowed: set[str],
    step_s: float,
    layouts: dict[str, Any],
    forced: set[tuple[str, str]],
) -> None:
    """Steps skipped, an early warning shot, fire at a stopped vehicle."""
    cp, label = key
    picture = event.get("picture") or {}
    target = picture.get("target") or {}
    tick = int(event.get("tick", 0))
    layout = layouts.get(cp)
    stop_line = float(layout.stop_line_m) if layout is not None else 30.0
    light = _light(picture)
    lesser = [s for s in SIGNAL_STEPS if s in allowed]
    if step == "lethal_force" and "disabling_fire" in allowed:
        lesser.append("disabling_fire")
    # Only steps that can reach a driver before the stop line in this light count.
    possible = [
        s for s in lesser if s not in SIGNAL_RANGE_M or SIGNAL_RANGE_M[s][light] > stop_line + 20
    ]
    skipped = [s for s in possible if s not in before]
    window = target.get("window_s")
    time_allowed = isinstance(window, (int, float)) and window >= (
        (len(before) + len(skipped) + 1) * step_s + SKIP_MARGIN_S
    )
    first_force = key not in forced
    forced.add(key)
    if skipped and time_allowed and first_force:
        points = min(SKIPPED_STEP_POINTS * len(skipped), SKIPPED_CAP_PER_TARGET)
        found.add(
            "process",
            "eof_steps_skipped",
            "major",
            points,
            f"You went to {_words(step)} on {label} without first trying "
            f"{', '.join(map(_words, skipped))}, though it was in sight for about "
            f"{window:g} s before it could reach the guards: time enough for the lesser "
            "steps. Use the ladder in order when time and distance permit.",
            tick,
            index,
            label,
        )
    trend = target.get("speed_trend")
    status = target.get("status")
    if step == "warning_shot":
        # Slowing at the barriers is the barriers' doing; slowing before them (or with no
        # barriers up) shows the driver has understood.
        distance = target.get("distance_m")
        barrier = float(layout.barrier_distance_m) + 25.0 if layout is not None else 145.0
        before_barriers = not target.get("signs_in_place") or (
            isinstance(distance, (int, float)) and distance > barrier
        )
        complying = trend == "stopped" or (trend == "slowing" and before_barriers)
        early = (skipped and time_allowed) or complying
        if early:
            why = (
                "the vehicle was already slowing or stopped"
                if complying
                else "lesser signals were not all tried while there was time"
            )
            found.add(
                "process",
                "warning_shot_early",
                "major",
                WARNING_SHOT_EARLY_POINTS,
                f"Warning shot at {label} used early: {why}. Warning shots are a last "
                "resort: they frighten drivers (some speed up), and the round lands "
                "somewhere.",
                tick,
                index,
                label,
            )
    if step in FIRE_STEPS and (status == "stopped" or trend == "stopped"):
        found.add(
            "process",
            "force_on_stopped_vehicle",
            "critical",
            FORCE_ON_STOPPED_POINTS,
            f"You used {_words(step)} on {label} while it was stopped: a stopped vehicle "
            "commits no hostile act. Search it or wave it through.",
            tick,
            index,
            label,
        )


# ----------------------------------------------------------------------------- assemblies


def _judge_assemblies(
    found: _Findings, events: Sequence[dict[str, Any]], scenario, rejected: set[int]
) -> None:
    names = {a.id: a.name or a.id for a in scenario.assemblies}
    actions: dict[str, list[str]] = {a.id: [] for a in scenario.assemblies}
    formed: dict[str, tuple[int, int]] = {}
    worse: set[str] = set()
    violent_flagged: set[str] = set()
    clash_points = 0.0
    for index, event in enumerate(events):
        kind = event.get("type")
        assembly = str(event.get("assembly", ""))
        name = names.get(assembly, assembly)
        tick = int(event.get("tick", 0))
        if kind == "command" and int(event.get("seq", -1)) not in rejected:
            command = event.get("command") or {}
            if command.get("assembly_id") in actions:
                actions[str(command["assembly_id"])].append(str(command.get("kind")))
        elif kind == "assembly_formed":
            formed[assembly] = (index, tick)
        elif kind == "assembly_state" and event.get("worse"):
            worse.add(assembly)
            recent = event.get("after_actions") or []
            if event.get("caused_by_trainee", bool(recent)):
                what = ", ".join(sorted({_words(str(a.get("action"))) for a in recent}))
                found.add(
                    "process",
                    "escalation_caused",
                    "major",
                    ESCALATION_CAUSED_POINTS,
                    f"{name} became {event.get('state')} shortly after your {what}, which "
                    "pushed it over the edge. Cordons without exits, visible arrests and "
                    "force raise tension; escalation you cause is harm you cause.",
                    tick,
                    index,
                )
            if event.get("state") == "violent" and assembly not in violent_flagged:
                violent_flagged.add(assembly)
                found.add(
                    "mission",
                    "assembly_turned_violent",
                    "major",
                    TURNED_VIOLENT_POINTS,
                    f"{name} turned violent. Keeping an assembly peaceful protects the people "
                    "in it, bystanders and your officers.",
                    tick,
                    index,
                )
        elif kind == "assembly_violence":
            people = int(event.get("people_injured", 0))
            if people:
                points = min(people * CLASH_HARM_POINTS, CLASH_HARM_CAP - clash_points)
                clash_points += points
                found.add(
                    "mission",
                    "assembly_violence_harm",
                    "major",
                    points,
                    f"{people} people were hurt in the violence at {name}.",
                    tick,
                    index,
                )
        elif kind == "effect_resolved" and event.get("cause") == "own" and event.get("assembly"):
            hurt = len(event.get("injured", [])) + len(event.get("killed", []))
            if hurt:
                found.add(
                    "civilian_harm_avoidance",
                    "crowd_force_harm",
                    "major",
                    0.0,
                    f"Your {_words(str(event.get('effect')))} hurt {hurt} people at {name}. "
                    "(Counted under civilian harm.)",
                    tick,
                    index,
                )
    for assembly, (index, tick) in formed.items():
        name = names.get(assembly, assembly)
        done = actions.get(assembly, [])
        calming = [a for a in done if a in DE_ESCALATION]
        if not done:
            # Doing nothing is not a perfect score: policing an assembly means facilitating
            # it, talking to it and acting on agitators (UN Basic Principles).
            found.add(
                "mission",
                "assembly_not_engaged",
                "major",
                NOT_ENGAGED_POINTS,
                f"You never engaged with {name}: no communication, negotiation or other "
                "step. Talk to the crowd early and act on agitators before tension rises.",
                tick,
                index,
            )
        if assembly not in worse:
            found.add(
                "mission",
                "assembly_kept_peaceful",
                "info",
                0.0,
                f"{name} never got worse than it started.",
                tick,
                index,
            )
        if calming:
            counts = {a: calming.count(a) for a in DE_ESCALATION if a in calming}
            found.add(
                "process",
                "de_escalation_used",
                "info",
                0.0,
                f"At {name} you used "
                + ", ".join(f"{_words(a)} x{n}" for a, n in counts.items())
                + ".",
                tick,
                index,
            )
        else:
            found.add(
                "process",
                "no_de_escalation",
                "minor",
                NO_DE_ESCALATION_POINTS,
                f"At {name} you never communicated, negotiated, opened an exit or took out "
                "agitators. De-escalation comes first.",
                tick,
                index,
            )


# ----------------------------------------------------------------------------- shared


def _judge_rule_checks(found: _Findings, events: Sequence[dict[str, Any]]) -> None:
    """The engine's checkpoint and assembly rule checks that failed."""
    peaceful_force: set[tuple[str, int]] = set()
    missing_reasons: Counter[str] = Counter()
    for index, event in enumerate(events):
        if not is_security_rule_check(event) or event.get("ok"):
            continue
        rule = str(event.get("rule"))
        tick = int(event.get("tick", 0))
        where = str(event.get("checkpoint") or event.get("assembly"))
        label = str(event.get("label", ""))
        detail = str(event.get("detail", ""))
        if rule == "no_force_on_peaceful_assembly":
            peaceful_force.add((where, tick))
            found.add(
                "process",
                "force_on_peaceful_assembly",
                "critical",
                FORCE_ON_PEACEFUL_POINTS,
                f"Force against a peaceful assembly at {where} ({detail}). Peaceful "
                "assemblies are never dispersed by force (UN Basic Principles 12-13).",
                tick,
                index,
            )
        elif rule == "minimum_force":
            if (where, tick) in peaceful_force:
                continue  # already the graver finding
            found.add(
                "process",
                "force_not_necessary",
                "major",
                FORCE_NOT_NECESSARY_POINTS,
                f"Force at {where} when the crowd was not violent ({detail}). Force only "
                "against violence, and no more than needed.",
                tick,
                index,
            )
        elif rule == "eof_step_allowed":
            found.add(
                "process",
                "eof_step_not_allowed",
                "major",
                STEP_NOT_ALLOWED_POINTS,
                f"{detail} (at {label or where}).",
                tick,
                index,
                label,
            )
        elif rule == "rationale_recorded":
            missing_reasons[where] += 1
            if missing_reasons[where] > RATIONALE_MAX_FINDINGS:
                continue  # the point is made; the review need not list every shot
            found.add(
                "process",
                "force_rationale_missing",
                "minor",
                RATIONALE_POINTS,
                f"No reason recorded for force at {label or where}. Every use of force "
                "needs a written reason.",
                tick,
                index,
                label,
            )


def _judge_own_force(found: _Findings, events: Sequence[dict[str, Any]]) -> None:
    """Own-force casualties from threats that reached the guards and violent crowds."""
    used = 0.0
    for index, event in enumerate(events):
        kind = event.get("type")
        if kind == "checkpoint" and event.get("what") == "threat_attack":
            count = int(event.get("own_force_casualties", 0))
            where = f"the attack by {event.get('label')}"
        elif kind == "assembly_violence":
            count = int(event.get("own_force_injured", 0))
            where = f"the violence at {event.get('assembly')}"
        else:
            continue
        if count <= 0:
            continue
        points = max(0.0, min(count * OWN_FORCE_POINTS, OWN_FORCE_CAP - used))
        used += points
        found.add(
            "mission",
            "own_force_harm",
            "critical",
            points,
            f"{count} of your own people were hurt in {where}.",
            int(event.get("tick", 0)),
            index,
        )
