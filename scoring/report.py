"""The take-home after-action report: one self-contained HTML file per session.

``write_report(session_dir, log, scenario, card)`` writes ``DIR/report.html``: a page that
opens offline in any browser and prints cleanly. It holds

* a header (scenario, trainee, unit, seed, difficulty, scripted trainee);
* the scorecard: the six scores, and the outcome with harm by the trainee's own action,
  harm from threats not prevented and own-force losses side by side, never blended;
* a timeline chart with automatic bookmarks on violations (failed rule checks, findings
  of severity major or critical) and key events (releases, effects, aborts, injects);
* the findings table (tick, time, rule, severity, message);
* every decision: what the trainee saw at that moment beside what was true at that
  moment (from the command's ``picture`` and ``truth`` annexes in the log), for
  estimates and releases the estimate beside the truth, the rule checks, the findings,
  and the trainee's rationale. Routine sensor tasking is grouped, but every command is
  listed with its tick.

Everything is built from the event log, the scenario and the scorecard alone (pure: no
clock, no randomness, no rendering). The only side effect is writing the file. Charts
are drawn by matplotlib's Agg canvas (no display, no global pyplot state) and embedded
as base64 PNG; the page has no external URL, font or script. Map images of the
trainee's view at each release are optional: the caller renders them (pygame lives in
``simulator/render``) and passes the bytes in.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUB_SCORES = (
    "civilian_harm_avoidance",
    "accuracy",
    "process",
    "awareness",
    "mission",
    "overall",
)
SUB_SCORE_TITLES = {
    "civilian_harm_avoidance": "Civilian harm avoidance",
    "accuracy": "Accuracy",
    "process": "Process",
    "awareness": "Awareness",
    "mission": "Mission",
    "overall": "Overall",
}
SUB_SCORE_QUESTIONS = {
    "civilian_harm_avoidance": "Did your effects harm civilians or protected sites?",
    "accuracy": "Did you identify people correctly? Was your estimate close to the truth?",
    "process": "Did you follow the steps: PID, estimate, approval, warning, rationale?",
    "awareness": "Did you look, watch and classify well?",
    "mission": "Did you meet the objectives and protect people from the threat?",
    "overall": "Weighted mean of the judged scores above.",
}
SEVERITIES = ("info", "minor", "major", "critical")
VIOLATION_SEVERITIES = {"major", "critical"}

# Commands that only point sensors: grouped in the decision list (each is still listed).
ROUTINE_COMMANDS = {"task_sensor", "zoom_sensor", "follow_contact"}
COMMAND_TITLES = {
    "move_unit": "Move a unit",
    "stop_unit": "Stop a unit",
    "task_sensor": "Point a sensor",
    "zoom_sensor": "Zoom a sensor",
    "follow_contact": "Follow a contact with a sensor",
    "classify_contact": "Classify a contact",
    "mark_location": "Mark a location",
    "request_intel": "Ask intelligence about a contact",
    "submit_report": "Send a report",
    "nominate_target": "Open an engagement (nominate a target)",
    "declare_pid": "Declare positive identification (PID)",
    "plan_effect": "Plan an effect",
    "estimate_collateral": "Collateral damage estimate (CDE)",
    "request_approval": "Ask for approval",
    "issue_warning": "Warn civilians",
    "release": "Release the effect",
    "abort": "Hold or abort",
    "eof_step": "Escalation of force step",
    "stop_search": "Stop and search",
    "wave_through": "Wave through",
    "communicate": "Speak to the crowd",
    "negotiate": "Negotiate with organisers",
    "cordon": "Cordon",
    "channel": "Channel the crowd",
    "open_exit": "Open an exit route",
    "isolate_agitators": "Isolate agitators",
    "non_lethal": "Non-lethal means",
    "disperse_by_force": "Disperse by force",
}
# Decisions that get their own lane colour on the timeline.
TARGETING_COMMANDS = {
    "nominate_target",
    "declare_pid",
    "plan_effect",
    "estimate_collateral",
    "request_approval",
    "issue_warning",
}
KEY_EVENT_TITLES = {
    "effect_released": "Effect released",
    "effect_resolved": "Effect landed",
    "engagement_aborted": "Engagement aborted",
    "inject": "Inject",
    "inject_prevented": "Threat prevented",
    "hostile_act": "Hostile act",
    "warning_issued": "Warning given",
    "approval_denied": "Approval denied",
    "civilians_entered_effect_area": "Civilians entered the effect area",
    "protected_status_changed": "Protected site status changed",
    "gathering_started": "Gathering started",
    "assembly_violence": "Violence at the assembly",
    "assembly_incident": "Incident at the assembly",
    "command_rejected": "Command rejected",
}
INDICATOR_WORDS = {
    "weapon_visible": "weapon visible",
    "intelligence_match": "intelligence match",
    "long_object": "long object",
    "carrying_object": "carrying an object",
    "person": "person",
    "adult": "adult",
}
OBSERVABILITY_WORDS = {
    "in_picture": "in your picture",
    "observable_not_observed": "outdoors, not watched",
    "never_observable": "indoors, never observable",
}
# Okabe-Ito colours: readable with colour-blindness, and every marker also has a shape.
COLOURS = {
    "violation": "#D55E00",
    "release": "#CC79A7",
    "effect": "#E69F00",
    "abort": "#009E73",
    "decision": "#0072B2",
    "sensor": "#999999",
    "inject": "#000000",
    "own": "#D55E00",
    "threat": "#56B4E9",
    "own_force": "#009E73",
}
MAX_TIMELINE_LABELS = 40  # more bookmark numbers than this would clutter the chart
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
REPORT_FILE = "report.html"


# ----------------------------------------------------------------------------- helpers


def clock_text(seconds: float) -> str:
    """'HH:MM:SS' of seconds after midnight (wraps past midnight)."""
    whole = int(round(seconds)) % 86400
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _number(value: Any, digits: int = 1) -> str:
    if isinstance(value, bool) or value is None:
        return _plain(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _plain(value: Any) -> str:
    """A value in plain words for a table cell."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _number(value, 2)
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, dict):
        if not value:
            return "none"
        return "; ".join(f"{key.replace('_', ' ')}: {_plain(item)}" for key, item in value.items())
    return str(value)


def _words(key: str) -> str:
    return key.replace("_", " ")


def _png_data_uri(figure) -> str:
    """A matplotlib Figure as a data: URI (PNG, no metadata so bytes are reproducible)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_data_uri(data: bytes) -> str:
    """Image bytes (PNG or JPEG, told apart by their signature) as a data: URI."""
    mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


# ----------------------------------------------------------------------------- model


@dataclass
class Row:
    """One labelled value in a 'what you saw' or 'what was true' column."""

    label: str
    value: str
    tone: str = ""  # '', 'good' or 'bad': also said in words, never by colour alone


@dataclass
class Decision:
    """One trainee command, with what was seen, what was true and what followed."""

    anchor: str
    line: int
    seq: int | None
    tick: int
    time: str
    kind: str
    title: str
    summary: str
    rationale: str
    rationale_expected: bool
    engagement: str
    seen: list[Row] = field(default_factory=list)
    truth: list[Row] = field(default_factory=list)
    comparison: list[tuple[str, str, str]] = field(default_factory=list)  # label, estimate, truth
    results: list[Row] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    verdict: str = ""
    verdict_tone: str = ""
    map_image: str = ""
    map_caption: str = ""
    rejected: str = ""


@dataclass
class SensorGroup:
    """Routine sensor commands in a row, listed together (each with its tick)."""

    anchor: str
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def first_time(self) -> str:
        return self.items[0]["time"] if self.items else ""

    @property
    def last_time(self) -> str:
        return self.items[-1]["time"] if self.items else ""


@dataclass
class Bookmark:
    """An automatic bookmark: a tick with violations or key events."""

    number: int
    tick: int
    time: str
    violations: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    anchor: str = ""


@dataclass(frozen=True)
class ReleasePoint:
    """Where and when a release happened, for a map image of the trainee's view.

    Attributes:
        line: the release command's line in events.jsonl (its decision's key).
        tick: the tick the release was decided at.
        engagement: the engagement id.
        x_m, y_m: the aim point (None when the log holds none).
        radius_m: the effect's largest harm radius (0 when unknown).
    """

    line: int
    tick: int
    engagement: str
    x_m: float | None
    y_m: float | None
    radius_m: float


# ----------------------------------------------------------------------------- builder


class _Session:
    """Indexes of one session's events, for building the report."""

    def __init__(self, log, scenario) -> None:
        self.header: dict[str, Any] = dict(log.header)
        self.events: list[dict[str, Any]] = list(log.events)
        self.problems: list[str] = list(getattr(log, "problems", []) or [])
        self.scenario = scenario
        clock = scenario.clock
        self.start_s = float(clock.start_s)
        self.tick_s = float(self.header.get("tick_s") or clock.tick_s)
        # line of each event in events.jsonl: the header is line 1, event 0 is line 2
        self.lines = {id(event): index + 2 for index, event in enumerate(self.events)}
        self.commands = [
            (index + 2, event)
            for index, event in enumerate(self.events)
            if event.get("type") == "command" and isinstance(event.get("command"), dict)
        ]
        self.command_lines = {line for line, _ in self.commands}
        self.effects = {effect.id: effect for effect in getattr(scenario, "effects", ())}

    def time(self, tick: int) -> str:
        return clock_text(self.start_s + int(tick) * self.tick_s)

    def minutes(self, tick: int) -> float:
        return int(tick) * self.tick_s / 60.0


def _owner_map(session: _Session) -> dict[int, int]:
    """Event line -> line of the command it belongs to (its direct or later consequence)."""
    owners: dict[int, int] = {}
    last_at_tick: dict[int, tuple[int, dict[str, Any]]] = {}
    releases: dict[str, int] = {}  # engagement -> line of its latest release command
    engagement_commands: dict[str, int] = {}  # engagement -> its latest command line
    intel: dict[str, int] = {}  # track -> latest request_intel line
    for index, event in enumerate(session.events):
        line = index + 2
        tick = int(event.get("tick", 0))
        kind = event.get("type")
        if kind == "command" and isinstance(event.get("command"), dict):
            command = event["command"]
            last_at_tick[tick] = (line, event)
            engagement = str(command.get("engagement_id") or "")
            if engagement:
                engagement_commands[engagement] = line
                if command.get("kind") == "release":
                    releases[engagement] = line
            if command.get("kind") == "request_intel":
                intel[str(command.get("track_id", ""))] = line
            continue
        engagement = str(event.get("engagement") or "")
        previous = last_at_tick.get(tick)
        if previous is not None:
            command_line, command_event = previous
            command = command_event["command"]
            same_seq = event.get("seq") is not None and event.get("seq") == command_event.get("seq")
            same_engagement = bool(engagement) and engagement == command.get("engagement_id")
            same_desk = any(
                command.get(key) and command.get(key) == event.get(key)
                for key in ("checkpoint_id", "assembly_id")
            )
            if same_seq or same_engagement or same_desk:
                owners[line] = command_line
                continue
        if kind in ("effect_resolved", "civilians_entered_effect_area") and engagement in releases:
            owners[line] = releases[engagement]
        elif kind == "engagement_aborted" and engagement in engagement_commands:
            owners[line] = engagement_commands[engagement]
        elif kind == "intel_answer" and str(event.get("track_id", "")) in intel:
            owners[line] = intel[str(event.get("track_id", ""))]
    return owners


def _contact_rows(picture: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    contact = picture.get("contact")
    if isinstance(contact, Mapping):
        rows.append(Row("Contact", str(contact.get("track_id", "-"))))
        label = contact.get("classification")
        if label is not None:
            confidence = contact.get("confidence")
            text = str(label)
            if isinstance(confidence, (int, float)) and label != "unknown":
                text += f" (confidence {round(float(confidence) * 100)} %)"
            rows.append(Row("Your label before this", text))
        seen = []
        if "in_view" in contact:
            seen.append("in view now" if contact.get("in_view") else "NOT in view now")
        if "observed_s" in contact:
            seen.append(f"watched {_number(contact.get('observed_s'), 0)} s")
        if "last_seen_tick" in contact:
            seen.append(f"last seen at tick {contact.get('last_seen_tick')}")
        if seen:
            rows.append(Row("Seen", "; ".join(seen)))
        if contact.get("lost"):
            rows.append(Row("Track lost", "yes", "bad"))
        if "x_m" in contact and "y_m" in contact:
            where = f"x {_number(contact.get('x_m'))} m, y {_number(contact.get('y_m'))} m"
            if "uncertainty_m" in contact:
                where += f" (± {_number(contact.get('uncertainty_m'))} m)"
            rows.append(Row("Position", where))
        elif "uncertainty_m" in contact:
            rows.append(Row("Position uncertainty", f"± {_number(contact.get('uncertainty_m'))} m"))
        indicators = contact.get("indicators")
        if isinstance(indicators, Mapping):
            ordered = sorted(indicators.items(), key=lambda item: (-float(item[1]), item[0]))
            text = ", ".join(
                f"{INDICATOR_WORDS.get(name, _words(name))} {float(value):.2f}"
                for name, value in ordered
            )
            rows.append(Row("Indicators observed (0 to 1)", text or "none"))
        known = {
            "track_id",
            "classification",
            "confidence",
            "in_view",
            "lost",
            "observed_s",
            "last_seen_tick",
            "uncertainty_m",
            "x_m",
            "y_m",
            "indicators",
        }
        for key, value in contact.items():
            if key not in known:
                rows.append(Row(_words(key).capitalize(), _plain(value)))
    if "tracks" in picture or "in_view" in picture:
        rows.append(
            Row(
                "Your whole picture",
                f"{_plain(picture.get('tracks'))} tracks, {_plain(picture.get('in_view'))} in view",
            )
        )
    for key, value in picture.items():
        if key not in ("contact", "in_view", "tracks"):
            rows.append(Row(_words(key).capitalize(), _plain(value)))
    return rows


def _truth_rows(truth: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = []
    if "entity" in truth or "entity_kind" in truth:
        kind = truth.get("entity_kind")
        tone = "good" if kind == "hostile" else ""
        rows.append(Row("Really", f"{truth.get('entity', '-')} ({kind or 'unknown kind'})", tone))
    if "swapped" in truth:
        swapped = bool(truth.get("swapped"))
        text = "no: the track had swapped" if swapped else "yes"
        if swapped and truth.get("first_entity"):
            text += f" (it started on {truth.get('first_entity')})"
        rows.append(Row("Same person since the track began", text, "bad" if swapped else "good"))
    if "lost" in truth:
        lost = bool(truth.get("lost"))
        rows.append(Row("Track lost", "yes" if lost else "no", "bad" if lost else ""))
    if "position_error_m" in truth:
        rows.append(Row("Position error", f"{_number(truth.get('position_error_m'))} m"))
    known = {"entity", "entity_kind", "swapped", "first_entity", "lost", "position_error_m"}
    for key, value in truth.items():
        if key not in known:
            rows.append(Row(_words(key).capitalize(), _plain(value)))
    return rows


def _summary(command: Mapping[str, Any]) -> str:
    """What the trainee did, in one plain sentence."""
    kind = command.get("kind")
    engagement = command.get("engagement_id", "")
    track = command.get("track_id", "")
    if kind == "classify_contact":
        label = command.get("label")
        if label == "unknown":
            return f"You labelled contact {track} as unknown (no claim)."
        confidence = command.get("confidence")
        percent = (
            f", confidence {round(float(confidence) * 100)} %" if confidence is not None else ""
        )
        return f"You labelled contact {track} as {label}{percent}."
    if kind == "nominate_target":
        if track:
            return f"You opened engagement {engagement} against contact {track}."
        return (
            f"You opened engagement {engagement} against a location "
            f"(x {_number(command.get('x_m'))} m, y {_number(command.get('y_m'))} m)."
        )
    if kind == "declare_pid":
        basis = _words(str(command.get("basis", "")))
        return (
            f"You declared positive identification (PID) in engagement {engagement}: basis {basis}."
        )
    if kind == "plan_effect":
        where = (
            "at the target's position"
            if command.get("x_m") is None
            else f"at x {_number(command.get('x_m'))} m, y {_number(command.get('y_m'))} m"
        )
        text = (
            f"You planned effect '{command.get('effect_id')}' in engagement {engagement}, {where}"
        )
        if command.get("not_before_tick"):
            text += f", not before tick {command.get('not_before_tick')}"
        return text + "."
    if kind == "estimate_collateral":
        return f"You ran a collateral damage estimate (CDE) for engagement {engagement}."
    if kind == "request_approval":
        return f"You asked for approval of engagement {engagement}."
    if kind == "issue_warning":
        return f"You warned civilians for engagement {engagement} with '{command.get('means_id')}'."
    if kind == "release":
        return f"You released the effect of engagement {engagement}."
    if kind == "abort":
        return f"You held or aborted engagement {engagement}."
    if kind == "request_intel":
        return f"You asked intelligence whether contact {track} matches a known hostile actor."
    if kind == "submit_report":
        about = f" about contact {track}" if track else ""
        return f"You sent a report{about}: \u201c{command.get('text', '')}\u201d"
    if kind == "task_sensor":
        return (
            f"You pointed {command.get('sensor_id')} at x {_number(command.get('x_m'))} m, "
            f"y {_number(command.get('y_m'))} m."
        )
    if kind == "zoom_sensor":
        radius = _number(command.get("radius_m"))
        return f"You set {command.get('sensor_id')} to a radius of {radius} m."
    if kind == "follow_contact":
        if not track:
            return f"You stopped {command.get('sensor_id')} following a contact."
        return f"You made {command.get('sensor_id')} follow contact {track}."
    if kind == "move_unit":
        return (
            f"You sent {command.get('unit_id')} to x {_number(command.get('x_m'))} m, "
            f"y {_number(command.get('y_m'))} m."
        )
    details = ", ".join(
        f"{_words(key)} {_plain(value)}"
        for key, value in command.items()
        if key not in ("kind", "rationale", "reason") and value not in (None, "")
    )
    title = COMMAND_TITLES.get(str(kind), _words(str(kind)))
    return f"{title}: {details}." if details else f"{title}."


def _classification_verdict(
    command: Mapping[str, Any], truth: Mapping[str, Any]
) -> tuple[str, str]:
    label = command.get("label")
    kind = truth.get("entity_kind")
    if not kind or label is None:
        return "", ""
    if truth.get("swapped") or truth.get("lost"):
        state = "had swapped to another person" if truth.get("swapped") else "was lost"
        prefix = f"Careful: the track {state}. "
    else:
        prefix = ""
    if label == "unknown":
        return prefix + "You made no claim (unknown). That is honest when you are not sure.", ""
    hostile = kind == "hostile"
    if label == "combatant":
        if hostile:
            return prefix + "Right: the contact was a hostile actor.", "good"
        return prefix + f"Wrong: you called a {kind} a combatant.", "bad"
    if label in ("civilian", "protected"):
        if hostile:
            return prefix + "Wrong: the contact was a hostile actor.", "bad"
        return prefix + f"Right: the contact was a {kind}.", "good"
    return prefix, ""


def _target_verdict(truth: Mapping[str, Any]) -> tuple[str, str]:
    kind = truth.get("entity_kind")
    if not kind:
        return "", ""
    if truth.get("swapped"):
        return (
            f"The track had swapped: it was on {truth.get('entity')}, not on "
            f"{truth.get('first_entity')}.",
            "bad",
        )
    if truth.get("lost"):
        return "The track was lost: its position was only a guess.", "bad"
    if kind == "hostile":
        return f"The target was really a hostile actor ({truth.get('entity')}).", "good"
    return f"The target was NOT a hostile actor: it was a {kind} ({truth.get('entity')}).", "bad"


def _estimate_comparison(
    estimate: Mapping[str, Any], truth: Mapping[str, Any]
) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    expected = estimate.get("estimated_civilian_casualties")
    in_area = truth.get("civilians_in_area")
    indoors = truth.get("civilians_indoors_in_area")
    truth_text = "-"
    if in_area is not None:
        truth_text = f"{in_area} civilians in the area"
        if indoors is not None:
            truth_text += f" ({indoors} of them indoors)"
    rows.append(("Civilians at risk", f"{_number(expected)} casualties expected", truth_text))
    contacts = estimate.get("contacts_in_area")
    if contacts is not None:
        count = len(contacts) if isinstance(contacts, (list, tuple)) else contacts
        rows.append(("Contacts you saw in the area", _plain(count), "-"))
    if "buildings_in_area" in estimate:
        rows.append(("Buildings in the area", _plain(estimate.get("buildings_in_area")), "-"))
    if "protected_sites_in_area" in estimate:
        rows.append(
            ("Protected sites in the area", _plain(estimate.get("protected_sites_in_area")), "-")
        )
    if "target_kind" in truth or "target_entity" in truth:
        rows.append(
            (
                "Target",
                "-",
                f"{truth.get('target_entity', '-')} ({truth.get('target_kind', '-')})",
            )
        )
    if "effect_id" in estimate:
        rows.append(("Effect", _plain(estimate.get("effect_id")), "-"))
    if "radius_considered_m" in estimate:
        rows.append(("Radius considered", f"{_number(estimate.get('radius_considered_m'))} m", "-"))
    if "approval_authority" in estimate:
        rows.append(("Approval needed from", _plain(estimate.get("approval_authority")), "-"))
    if "time_of_day" in estimate:
        rows.append(("Estimate made for", _plain(estimate.get("time_of_day")), "-"))
    return rows


def _harm_text(people: Sequence[Mapping[str, Any]]) -> str:
    if not people:
        return "0"
    kinds: dict[str, int] = {}
    seen: dict[str, int] = {}
    for person in people:
        kinds[str(person.get("kind", "?"))] = kinds.get(str(person.get("kind", "?")), 0) + 1
        if person.get("kind") == "civilian" and person.get("observability"):
            group = str(person.get("observability"))
            seen[group] = seen.get(group, 0) + 1
    text = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    if seen:
        text += (
            " (civilians: "
            + ", ".join(
                f"{count} {OBSERVABILITY_WORDS.get(group, _words(group))}"
                for group, count in sorted(seen.items())
            )
            + ")"
        )
    return f"{len(people)}: {text}"


def _result_rows(event: Mapping[str, Any], time: str) -> list[Row]:
    kind = event.get("type")
    if kind == "effect_resolved":
        killed = list(event.get("killed") or [])
        injured = list(event.get("injured") or [])
        civilians = [p for p in killed + injured if p.get("kind") == "civilian"]
        rows = [
            Row(f"Effect landed at {time}", f"target outcome: {event.get('target_outcome', '-')}"),
            Row("Killed", _harm_text(killed), "bad" if civilians and killed else ""),
            Row("Injured", _harm_text(injured), "bad" if civilians and injured else ""),
        ]
        if event.get("miss_m") is not None:
            rows.append(Row("Missed the aim point by", f"{_number(event.get('miss_m'))} m"))
        if event.get("buildings_damaged"):
            rows.append(Row("Buildings damaged", str(len(event.get("buildings_damaged")))))
        if event.get("protected_sites_damaged"):
            rows.append(
                Row("Protected sites damaged", _plain(event.get("protected_sites_damaged")), "bad")
            )
        return rows
    if kind == "intel_answer":
        match = event.get("match")
        text = "match: a known hostile actor" if match else "no match"
        return [Row(f"Answer at {time}", text)]
    if kind == "civilians_entered_effect_area":
        return [
            Row(
                f"At {time} civilians entered the effect area",
                f"{_plain(event.get('in_view'))} in view; you could abort until tick "
                f"{event.get('abort_until_tick')}",
                "bad",
            )
        ]
    if kind == "engagement_aborted":
        return [Row(f"Aborted at {time}", _plain(event.get("reason")) or "-")]
    if kind in ("approval_granted", "approval_denied", "approval_requested"):
        return [Row(_words(str(kind)).capitalize(), _plain(event.get("authority")))]
    if kind == "warning_issued":
        details = {
            k: v for k, v in event.items() if k not in ("tick", "type", "chain", "engagement")
        }
        return [Row("Warning given", _plain(details))]
    details = {k: v for k, v in event.items() if k not in ("tick", "type", "chain", "truth")}
    return [
        Row(
            f"{KEY_EVENT_TITLES.get(str(kind), _words(str(kind))).capitalize()} at {time}",
            _plain(details),
        )
    ]


def _effect_radius(session: _Session, effect_id: str | None) -> float:
    effect = session.effects.get(effect_id) if effect_id else None
    if effect is None:
        return 0.0
    return float(max(effect.lethal_radius_m, effect.injury_radius_m, effect.structural_radius_m))


def build_decisions(
    session: _Session, card: Mapping[str, Any]
) -> tuple[list[Decision | SensorGroup], dict[int, str]]:
    """Every command as a decision (routine sensor tasking grouped).

    Returns:
        The entries in log order, and a map from event line to the anchor of the
        decision that event belongs to (for findings and bookmarks).
    """
    owners = _owner_map(session)
    by_owner: dict[int, list[tuple[int, dict[str, Any]]]] = {}
    for index, event in enumerate(session.events):
        line = index + 2
        if line in owners:
            by_owner.setdefault(owners[line], []).append((line, event))
    findings = [dict(f) for f in card.get("findings", [])]
    entries: list[Decision | SensorGroup] = []
    anchors: dict[int, str] = {}
    decisions_by_line: dict[int, Decision] = {}
    group: SensorGroup | None = None
    for line, event in session.commands:
        command = event["command"]
        kind = str(command.get("kind", "?"))
        tick = int(event.get("tick", 0))
        time = session.time(tick)
        owned = by_owner.get(line, [])
        rejected = next(
            (str(e.get("reason", "")) for _, e in owned if e.get("type") == "command_rejected"), ""
        )
        if kind in ROUTINE_COMMANDS and not rejected:
            if group is None:
                group = SensorGroup(anchor=f"d-{line}")
                entries.append(group)
            group.items.append(
                {
                    "anchor": f"d-{line}",
                    "line": line,
                    "tick": tick,
                    "time": time,
                    "kind": kind,
                    "summary": _summary(command),
                }
            )
            anchors[line] = f"d-{line}"
            continue
        group = None
        rationale = str(command.get("rationale") or command.get("reason") or "")
        decision = Decision(
            anchor=f"d-{line}",
            line=line,
            seq=event.get("seq"),
            tick=tick,
            time=time,
            kind=kind,
            title=COMMAND_TITLES.get(kind, _words(kind).capitalize()),
            summary=_summary(command),
            rationale=rationale,
            rationale_expected="rationale" in command or "reason" in command,
            engagement=str(command.get("engagement_id") or ""),
            rejected=rejected,
        )
        picture = event.get("picture")
        truth = event.get("truth")
        if isinstance(picture, Mapping):
            decision.seen = _contact_rows(picture)
        if isinstance(truth, Mapping):
            decision.truth = _truth_rows(truth)
            if kind == "classify_contact":
                decision.verdict, decision.verdict_tone = _classification_verdict(command, truth)
            elif kind in ("nominate_target", "declare_pid", "release", "plan_effect"):
                decision.verdict, decision.verdict_tone = _target_verdict(truth)
        for owned_line, owned_event in owned:
            owned_kind = owned_event.get("type")
            owned_time = session.time(int(owned_event.get("tick", 0)))
            if owned_kind == "rule_check":
                decision.checks.append(
                    {
                        "rule": owned_event.get("rule", "?"),
                        "ok": bool(owned_event.get("ok")),
                        "detail": owned_event.get("detail", ""),
                        "line": owned_line,
                    }
                )
            elif owned_kind in ("collateral_estimate", "effect_released"):
                estimate = owned_event.get("estimate") or {}
                truth_annex = owned_event.get("truth") or {}
                if isinstance(estimate, Mapping) and isinstance(truth_annex, Mapping):
                    decision.comparison = _estimate_comparison(estimate, truth_annex)
                if owned_kind == "effect_released" and owned_event.get("impact_tick") is not None:
                    decision.results.append(
                        Row(
                            "Effect lands at",
                            f"{session.time(int(owned_event['impact_tick']))} "
                            f"(tick {owned_event['impact_tick']})",
                        )
                    )
            elif owned_kind != "command_rejected":
                decision.results.extend(_result_rows(owned_event, owned_time))
            anchors[owned_line] = decision.anchor
        anchors[line] = decision.anchor
        decisions_by_line[line] = decision
        entries.append(decision)
    # Findings: on the decision of their event, else on the release of their engagement.
    release_of: dict[str, Decision] = {}
    for decision in decisions_by_line.values():
        if decision.kind == "release" and decision.engagement:
            release_of.setdefault(decision.engagement, decision)
    for finding in findings:
        line = finding.get("line")
        anchor = anchors.get(int(line)) if isinstance(line, int) else None
        target: Decision | None = None
        if anchor is not None:
            target = decisions_by_line.get(int(anchor.split("-", 1)[1]))
        if target is None and finding.get("engagement") in release_of:
            target = release_of[finding["engagement"]]
        if target is not None:
            target.findings.append(finding)
            finding["anchor"] = target.anchor
    for decision in decisions_by_line.values():
        failed = [c for c in decision.checks if not c["ok"]]
        costly = [f for f in decision.findings if float(f.get("points", 0) or 0) > 0]
        serious = [f for f in costly if f.get("severity") in VIOLATION_SEVERITIES]
        notes = []
        if failed:
            notes.append(
                f"{len(failed)} rule check{'s' if len(failed) != 1 else ''} failed: see below."
            )
        if costly:
            points = sum(float(f.get("points") or 0) for f in costly)
            notes.append(
                f"{len(costly)} finding{'s' if len(costly) != 1 else ''} below took "
                f"{_number(points)} points."
            )
        if notes:
            decision.verdict = " ".join([decision.verdict, *notes]).strip()
            if failed or serious:
                decision.verdict_tone = "bad"
        elif not decision.verdict and decision.checks:
            decision.verdict, decision.verdict_tone = "Every rule check passed.", "good"
    return entries, anchors


def release_points(log, scenario) -> list[ReleasePoint]:
    """The releases of a session, for map images of the trainee's view at each.

    Args:
        log: the session's EventLog.
        scenario: its scenario.
    """
    session = _Session(log, scenario)
    owners = _owner_map(session)
    released: dict[int, dict[str, Any]] = {}
    for index, event in enumerate(session.events):
        if event.get("type") == "effect_released" and (index + 2) in owners:
            released[owners[index + 2]] = event
    points = []
    for line, event in session.commands:
        command = event["command"]
        if command.get("kind") != "release":
            continue
        effect = released.get(line)
        if effect is None:
            continue  # rejected or nothing released
        x_m = effect.get("aim_x_m")
        y_m = effect.get("aim_y_m")
        points.append(
            ReleasePoint(
                line=line,
                tick=int(event.get("tick", 0)),
                engagement=str(command.get("engagement_id", "")),
                x_m=float(x_m) if isinstance(x_m, (int, float)) else None,
                y_m=float(y_m) if isinstance(y_m, (int, float)) else None,
                radius_m=_effect_radius(session, effect.get("effect")),
            )
        )
    return points


# Events that record own-force losses, and the field holding the number (the same count
# as scoring.security.security_outcome; assembly_ended repeats a total and is not counted).
OWN_FORCE_EVENTS = {
    "checkpoint": "own_force_casualties",
    "assembly_violence": "own_force_injured",
}


def _own_force_loss(event: Mapping[str, Any]) -> int:
    field_name = OWN_FORCE_EVENTS.get(str(event.get("type")))
    value = event.get(field_name) if field_name else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    return int(value)


def _security_rows(events: Sequence[Mapping[str, Any]], scenario) -> dict[str, Any]:
    """Own-force losses and, when the scenario has checkpoints or assemblies, their counts."""
    from scoring.security import security_outcome

    counts = security_outcome(list(events), scenario)
    rows: list[tuple[str, Any]] = []
    if getattr(scenario, "checkpoints", ()):
        rows += [
            ("Threats at checkpoints", counts.get("threats", 0)),
            ("Threats stopped", counts.get("threats_stopped", 0)),
            ("Threat attacks that happened", counts.get("threat_attacks", 0)),
            ("Escalation-of-force steps", counts.get("eof_steps", 0)),
            ("Warning shots", counts.get("warning_shots", 0)),
        ]
    if getattr(scenario, "assemblies", ()):
        rows += [
            ("Assemblies", counts.get("assemblies", 0)),
            ("Assemblies kept peaceful", counts.get("assemblies_peaceful", 0)),
            ("Assemblies that turned violent", counts.get("assemblies_violent", 0)),
            ("People hurt in clashes", counts.get("people_hurt_in_clashes", 0)),
        ]
    if rows:
        rows.append(("Civilians harmed by your force", counts.get("civilians_harmed_by_force", 0)))
    return {"own_force_casualties": int(counts.get("own_force_casualties", 0)), "rows": rows}


def _own_force_losses(outcome: Mapping[str, Any], security: Mapping[str, Any]) -> dict:
    """Own-force losses: from the outcome when it counts them, else from the events."""
    counted = {
        key: value
        for key, value in outcome.items()
        if key.startswith("own_force") and isinstance(value, (int, float))
    }
    if not counted:
        counted = {"own_force_casualties": security["own_force_casualties"]}
    return {
        "recorded": any(counted.values()),
        "rows": [(_words(k).capitalize(), v) for k, v in sorted(counted.items())],
    }


def _harm_series(session: _Session) -> dict[str, list[tuple[float, int]]]:
    """Cumulative civilians harmed over time: by own action, by threats, own forces."""
    series: dict[str, list[tuple[float, int]]] = {"own": [], "threat": [], "own_force": []}
    totals = dict.fromkeys(series, 0)
    for event in session.events:
        minute = session.minutes(int(event.get("tick", 0)))
        if event.get("type") == "effect_resolved":
            people = list(event.get("killed") or []) + list(event.get("injured") or [])
            civilians = sum(1 for p in people if p.get("kind") == "civilian")
            if civilians:
                key = "own" if event.get("cause") == "own" else "threat"
                totals[key] += civilians
                series[key].append((minute, totals[key]))
        losses = _own_force_loss(event)
        if losses:
            totals["own_force"] += losses
            series["own_force"].append((minute, totals["own_force"]))
    return series


def build_bookmarks(
    session: _Session, card: Mapping[str, Any], anchors: Mapping[int, str]
) -> list[Bookmark]:
    """Automatic bookmarks: ticks with violations or key events, in time order."""
    marks: dict[int, Bookmark] = {}

    def mark(tick: int) -> Bookmark:
        if tick not in marks:
            marks[tick] = Bookmark(number=0, tick=tick, time=session.time(tick))
        return marks[tick]

    for index, event in enumerate(session.events):
        line = index + 2
        kind = event.get("type")
        tick = int(event.get("tick", 0))
        if kind == "rule_check" and not event.get("ok", True):
            bookmark = mark(tick)
            engagement = f" ({event.get('engagement')})" if event.get("engagement") else ""
            bookmark.violations.append(f"failed check {event.get('rule')}{engagement}")
        elif kind in KEY_EVENT_TITLES:
            bookmark = mark(tick)
            bookmark.events.append(_key_event_text(event))
        else:
            continue
        if not bookmark.anchor and line in anchors:
            bookmark.anchor = anchors[line]
    for finding in card.get("findings", []):
        if finding.get("severity") in VIOLATION_SEVERITIES:
            bookmark = mark(int(finding.get("tick", 0)))
            text = f"{finding.get('severity')}: {finding.get('rule')}"
            if text not in bookmark.violations:
                bookmark.violations.append(text)
            if not bookmark.anchor and finding.get("anchor"):
                bookmark.anchor = finding["anchor"]
    ordered = [marks[tick] for tick in sorted(marks)]
    for number, bookmark in enumerate(ordered, start=1):
        bookmark.number = number
    return ordered


def _key_event_text(event: Mapping[str, Any]) -> str:
    kind = str(event.get("type"))
    title = KEY_EVENT_TITLES.get(kind, _words(kind))
    engagement = event.get("engagement")
    if kind == "effect_resolved":
        people = list(event.get("killed") or []) + list(event.get("injured") or [])
        civilians = sum(1 for p in people if p.get("kind") == "civilian")
        who = "your effect" if event.get("cause") == "own" else f"cause {event.get('cause')}"
        return f"{title} ({engagement or who}): {civilians} civilians harmed"
    if kind == "inject":
        return f"{title}: {event.get('id') or event.get('kind')}"
    if kind == "effect_released":
        return f"{title} ({engagement}): {event.get('effect')}"
    if kind == "command_rejected":
        return f"{title}: {event.get('kind')} ({event.get('reason')})"
    if engagement:
        return f"{title} ({engagement})"
    detail = event.get("id") or event.get("site") or event.get("inject") or ""
    return f"{title}: {detail}" if detail else title


def timeline_chart(
    session: _Session, card: Mapping[str, Any], bookmarks: Sequence[Bookmark]
) -> str:
    """The timeline as a PNG data URI: lanes of decisions and events, bookmarks numbered,
    and below it the civilians harmed over time (own action and threats apart)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    lanes = [
        ("violation", "Violations"),
        ("release", "Releases"),
        ("effect", "Effects landed"),
        ("abort", "Holds and aborts"),
        ("decision", "Other decisions"),
        ("sensor", "Sensor tasking"),
        ("inject", "Scenario events"),
    ]
    lane_y = {key: len(lanes) - index for index, (key, _) in enumerate(lanes)}
    points: dict[str, list[float]] = {key: [] for key, _ in lanes}
    for event in session.events:
        minute = session.minutes(int(event.get("tick", 0)))
        kind = event.get("type")
        if kind == "command" and isinstance(event.get("command"), dict):
            command_kind = event["command"].get("kind")
            if command_kind == "release":
                points["release"].append(minute)
            elif command_kind == "abort":
                points["abort"].append(minute)
            elif command_kind in ROUTINE_COMMANDS:
                points["sensor"].append(minute)
            else:
                points["decision"].append(minute)
        elif kind == "rule_check" and not event.get("ok", True):
            points["violation"].append(minute)
        elif kind == "effect_resolved":
            points["effect"].append(minute)
        elif kind == "engagement_aborted":
            points["abort"].append(minute)
        elif kind in KEY_EVENT_TITLES and kind not in ("effect_released", "command_rejected"):
            points["inject"].append(minute)
    for finding in card.get("findings", []):
        if finding.get("severity") in VIOLATION_SEVERITIES:
            points["violation"].append(session.minutes(int(finding.get("tick", 0))))
    total_ticks = int(session.header.get("planned_ticks") or 0) or max(
        (int(e.get("tick", 0)) for e in session.events), default=1
    )
    end_minute = max(session.minutes(total_ticks), 1.0)

    figure = Figure(figsize=(11, 5.2), dpi=100)
    top, bottom = figure.subplots(
        2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.4], "hspace": 0.08}
    )
    markers = {
        "violation": "X",
        "release": "v",
        "effect": "*",
        "abort": "s",
        "decision": "o",
        "sensor": "|",
        "inject": "D",
    }
    for key, _label in lanes:
        xs = points[key]
        if xs:
            top.scatter(
                xs,
                [lane_y[key]] * len(xs),
                marker=markers[key],
                s=22 if key == "sensor" else 46,
                color=COLOURS[key],
                alpha=0.85,
                linewidths=1.2 if key == "sensor" else 0.4,
                edgecolors="white" if key not in ("sensor",) else None,
                zorder=3,
            )
    for bookmark in bookmarks:
        minute = session.minutes(bookmark.tick)
        colour = COLOURS["violation"] if bookmark.violations else "#777777"
        top.axvline(minute, color=colour, alpha=0.18, linewidth=1, zorder=1)
    if 0 < len(bookmarks) <= MAX_TIMELINE_LABELS:
        # Numbers of close bookmarks go on up to three rows so they never overlap.
        gap = end_minute * 0.02
        last_on_row = [-math.inf, -math.inf, -math.inf]
        for bookmark in bookmarks:
            minute = session.minutes(bookmark.tick)
            row = next((r for r, x in enumerate(last_on_row) if minute - x >= gap), 0)
            last_on_row[row] = minute
            top.annotate(
                str(bookmark.number),
                (minute, len(lanes) + 0.5 + 0.42 * row),
                ha="center",
                va="bottom",
                fontsize=7,
                color=COLOURS["violation"] if bookmark.violations else "#333333",
                annotation_clip=False,
            )
    top.set_yticks([lane_y[key] for key, _ in lanes])
    top.set_yticklabels([label for _, label in lanes], fontsize=9)
    top.set_ylim(0.4, len(lanes) + 0.5)
    top.grid(axis="x", color="#dddddd", linewidth=0.6)
    top.set_axisbelow(True)
    top.set_title(
        "Timeline: numbers are bookmarks (see the table below); red lines mark violations",
        fontsize=10,
        loc="left",
        pad=30,
    )
    series = _harm_series(session)
    styles = {
        "own": ("Civilians harmed by your action", COLOURS["own"], "-"),
        "threat": ("Civilians harmed by threats not prevented", COLOURS["threat"], "--"),
        "own_force": ("Own-force losses", COLOURS["own_force"], ":"),
    }
    handles = []
    for key, (label, colour, style) in styles.items():
        values = series[key]
        xs = [0.0] + [m for m, _ in values] + [end_minute]
        ys = [0] + [v for _, v in values] + [values[-1][1] if values else 0]
        bottom.step(xs, ys, where="post", color=colour, linestyle=style, linewidth=1.8)
        handles.append(Line2D([0], [0], color=colour, linestyle=style, label=label))
    bottom.legend(handles=handles, fontsize=8, loc="upper left", frameon=False)
    highest = max((v for values in series.values() for _, v in values), default=0)
    bottom.set_ylim(-0.02 * max(highest, 4), max(highest, 4) * 1.35)
    bottom.yaxis.get_major_locator().set_params(integer=True)
    bottom.set_ylabel("people (total)", fontsize=8)
    bottom.grid(color="#eeeeee", linewidth=0.6)
    bottom.set_xlim(-end_minute * 0.01, end_minute * 1.01)
    ticks = _time_ticks(end_minute)
    bottom.set_xticks(ticks)
    bottom.set_xticklabels([session.time(int(m * 60 / session.tick_s))[:5] for m in ticks])
    bottom.set_xlabel("time of day", fontsize=9)
    for axis in (top, bottom):
        axis.tick_params(labelsize=8)
        for side in ("top", "right"):
            axis.spines[side].set_visible(False)
    figure.subplots_adjust(left=0.13, right=0.985, top=0.9, bottom=0.1)
    return _png_data_uri(figure)


def _time_ticks(end_minute: float) -> list[float]:
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 240):
        if end_minute / step <= 12:
            break
    count = int(end_minute // step)
    return [float(i * step) for i in range(count + 1)]


def _score_rows(card: Mapping[str, Any]) -> list[dict[str, Any]]:
    scores = card.get("scores", {})
    judged = card.get("judged", {})
    weights = card.get("weights", {})
    findings = card.get("findings", [])
    rows = []
    for name in SUB_SCORES:
        value = float(scores.get(name, 0.0) or 0.0)
        own = [f for f in findings if f.get("sub_score") == name]
        rows.append(
            {
                "name": name,
                "title": SUB_SCORE_TITLES[name],
                "question": SUB_SCORE_QUESTIONS[name],
                "value": value,
                "text": f"{value:.1f}",
                "judged": bool(judged.get(name, True)),
                "weight": weights.get(name),
                "deducted": _number(round(sum(float(f.get("points", 0) or 0) for f in own), 1)),
                "count": sum(1 for f in own if float(f.get("points", 0) or 0) > 0),
                "band": "good" if value >= 80 else ("fair" if value >= 50 else "poor"),
            }
        )
    return rows


def _objective_rows(card: Mapping[str, Any], scenario) -> list[dict[str, Any]]:
    described = {o.id: o.description for o in scenario.scoring.objectives}
    rows = []
    for item in card.get("outcome", {}).get("objectives", []) or []:
        rows.append(
            {
                "id": item.get("id"),
                "kind": item.get("kind"),
                "met": bool(item.get("met")),
                "description": described.get(item.get("id"), ""),
            }
        )
    return rows


def report_context(
    log,
    scenario,
    card: Mapping[str, Any],
    map_images: Mapping[int, bytes] | None = None,
) -> dict[str, Any]:
    """Everything the report template shows, built from the log, scenario and scorecard.

    Args:
        log: the session's EventLog (``simulator.core.events.read_log``).
        scenario: its scenario.
        card: the scorecard as a dict (``Scorecard.to_dict()`` or scorecard.json).
        map_images: optional images of the trainee's view, by release command line.
    """
    session = _Session(log, scenario)
    entries, anchors = build_decisions(session, card)
    bookmarks = build_bookmarks(session, card, anchors)
    images = dict(map_images or {})
    for entry in entries:
        if isinstance(entry, Decision) and entry.line in images:
            entry.map_image = image_data_uri(images[entry.line])
            entry.map_caption = (
                f"What you saw at {entry.time} (tick {entry.tick}) when you released "
                f"{entry.engagement}: the cross is the aim point; a circle, when the effect "
                "has a harm radius, shows the largest one."
            )
    header = session.header
    trainee = header.get("trainee") or {}
    meta = scenario.meta
    difficulty = header.get("difficulty") or getattr(meta.difficulty, "value", meta.difficulty)
    outcome = dict(card.get("outcome", {}))
    findings = sorted(
        (dict(f) for f in card.get("findings", [])),
        key=lambda f: (int(f.get("tick", 0)), f.get("line") or 0),
    )
    # findings carry the anchor of their decision (set on the copies in build_decisions)
    anchor_of = {}
    for entry in entries:
        if isinstance(entry, Decision):
            for finding in entry.findings:
                anchor_of[(finding.get("tick"), finding.get("rule"), finding.get("line"))] = (
                    entry.anchor
                )
    for finding in findings:
        finding["anchor"] = anchor_of.get(
            (finding.get("tick"), finding.get("rule"), finding.get("line")), ""
        )
        finding["points_text"] = (
            f"-{_number(float(finding.get('points') or 0))}" if finding.get("points") else "0"
        )
    severity_counts = {s: sum(1 for f in findings if f.get("severity") == s) for s in SEVERITIES}
    decisions = [e for e in entries if isinstance(e, Decision)]
    sensor_commands = sum(len(e.items) for e in entries if isinstance(e, SensorGroup))
    ticks = int(card.get("session", {}).get("ticks") or header.get("planned_ticks") or 0)
    security = _security_rows(session.events, scenario)
    return {
        "title": f"After-action report: {meta.title}",
        "scenario_title": meta.title,
        "scenario_id": meta.id,
        "scenario_summary": meta.summary,
        "learning_objectives": list(meta.learning_objectives),
        "trainee_name": trainee.get("name") or "",
        "trainee_unit": trainee.get("unit") or "",
        "policy": header.get("policy") or "",
        "seed": header.get("seed"),
        "difficulty": str(difficulty or ""),
        "start_time": session.time(0),
        "end_time": session.time(ticks),
        "ticks": ticks,
        "tick_s": session.tick_s,
        "end_reason": card.get("session", {}).get("end_reason") or "",
        "scenario_sha256": str(header.get("scenario_sha256", ""))[:16],
        "versions": header.get("versions") or {},
        "scores": _score_rows(card),
        "outcome": outcome,
        "own_harm": [
            ("Civilians killed", outcome.get("civilians_killed_own", 0)),
            ("Civilians injured", outcome.get("civilians_injured_own", 0)),
            (
                "of them never observable (indoors at release)",
                outcome.get("civilians_harmed_own_never_observable", 0),
            ),
            ("Protected sites damaged", outcome.get("protected_sites_damaged", 0)),
            ("Buildings damaged", outcome.get("buildings_damaged_own", 0)),
            ("Effects released", outcome.get("effects_released", 0)),
            ("Engagements aborted", outcome.get("engagements_aborted", 0)),
        ],
        "threat_harm": [
            ("Civilians killed", outcome.get("civilians_killed_by_threat", 0)),
            ("Civilians injured", outcome.get("civilians_injured_by_threat", 0)),
            ("Hostile actors neutralised", len(outcome.get("hostiles_neutralised") or [])),
        ],
        "neutralised": list(outcome.get("hostiles_neutralised") or []),
        "own_force": _own_force_losses(outcome, security),
        "security_rows": security["rows"],
        "objectives": _objective_rows(card, scenario),
        "objectives_met": outcome.get("objectives_met", 0),
        "objectives_total": outcome.get("objectives_total", 0),
        "timeline": timeline_chart(session, card, bookmarks),
        "bookmarks": bookmarks,
        "findings": findings,
        "severity_counts": severity_counts,
        "entries": entries,
        "decision_count": len(decisions),
        "sensor_count": sensor_commands,
        "command_count": len(session.commands),
        "notes": list(card.get("notes", [])) + session.problems,
    }


def render_report(
    log,
    scenario,
    card: Mapping[str, Any],
    map_images: Mapping[int, bytes] | None = None,
) -> str:
    """The report as one HTML string (see :func:`report_context` for the arguments)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,  # every value from a log or scenario is escaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["plain"] = _plain
    environment.filters["words"] = _words
    template = environment.get_template("report.html.j2")
    return template.render(**report_context(log, scenario, card, map_images))


def write_report(
    session_dir: str | Path,
    log,
    scenario,
    card: Mapping[str, Any],
    *,
    out: str | Path | None = None,
    map_images: Mapping[int, bytes] | None = None,
) -> Path:
    """Write the report of a session; returns the file written (``DIR/report.html``).

    Args:
        session_dir: the session folder.
        log: its EventLog.
        scenario: its scenario.
        card: its scorecard as a dict.
        out: another file to write instead of ``DIR/report.html``.
        map_images: optional images of the trainee's view, by release command line.
    """
    path = Path(out) if out is not None else Path(session_dir) / REPORT_FILE
    html = render_report(log, scenario, card, map_images)
    path.write_text(html, encoding="utf-8")
    return path
