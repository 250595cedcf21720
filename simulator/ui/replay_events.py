"""What the replay viewer says about a session's events: bookmarks and one-line texts.

Pure functions over the event log and the scorecard (no pygame, no simulation), so they
are easy to test and the viewer's panels stay thin.

**Automatic bookmarks** mark the moments an instructor will want to discuss. One bookmark
per tick, holding every reason found at that tick:

* a failed ``rule_check`` (the engine's judgement of a decision);
* a scorecard finding of severity ``major`` or ``critical`` (with its plain message);
* an effect released, an effect resolved (landed), an engagement aborted;
* an inject (a scripted scenario event);
* civilians entering an effect area after release (the moment to abort).

The scorecard is built from the log itself (``scoring.scorecard.build_scorecard``), so
every bookmark traces back to lines of ``events.jsonl``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

VIOLATION, FINDING = "violation", "finding"
RELEASE, EFFECT, ABORT, INJECT, CIVILIANS = "release", "effect", "abort", "inject", "civilians"
VIOLATION_KINDS = (VIOLATION, FINDING)
SERIOUS_SEVERITIES = ("major", "critical")
KEY_EVENTS = {
    "effect_released": RELEASE,
    "effect_resolved": EFFECT,
    "engagement_aborted": ABORT,
    "inject": INJECT,
    "civilians_entered_effect_area": CIVILIANS,
}
# Events the feed leaves out: bookkeeping, not something that happened.
QUIET_EVENTS = frozenset({"state_hash", "header"})
KIND_TAGS = {
    VIOLATION: "FAILED",
    FINDING: "FINDING",
    RELEASE: "RELEASE",
    EFFECT: "EFFECT",
    ABORT: "ABORT",
    INJECT: "INJECT",
    CIVILIANS: "CIVILIANS",
}
COMMAND_FIELDS = (
    "engagement_id",
    "track_id",
    "label",
    "confidence",
    "basis",
    "effect_id",
    "warning_id",
    "sensor_id",
    "unit_id",
    "checkpoint_id",
    "assembly_id",
    "step",
    "x_m",
    "y_m",
)


@dataclass(frozen=True)
class BookmarkItem:
    """One reason a tick is bookmarked.

    Attributes:
        kind: violation (failed rule check), finding (major or critical), release,
            effect, abort, inject or civilians.
        text: a plain sentence (a finding's full message).
        severity: the finding's severity ('' for events).
        line: the line of ``events.jsonl`` it comes from (None when unknown).
    """

    kind: str
    text: str
    severity: str = ""
    line: int | None = None

    @property
    def is_violation(self) -> bool:
        return self.kind in VIOLATION_KINDS


@dataclass
class Bookmark:
    """Every reason found at one tick, numbered in time order from 1."""

    number: int
    tick: int
    items: list[BookmarkItem] = field(default_factory=list)

    @property
    def is_violation(self) -> bool:
        """Whether anything here broke a rule (drawn red in the viewer)."""
        return any(item.is_violation for item in self.items)

    def summary(self) -> str:
        """A short line for the bookmark list: what kinds of things happened."""
        counts: dict[str, int] = {}
        for item in self.items:
            counts[item.kind] = counts.get(item.kind, 0) + 1
        words = {
            VIOLATION: ("failed check", "failed checks"),
            FINDING: ("serious finding", "serious findings"),
            RELEASE: ("release", "releases"),
            EFFECT: ("effect landed", "effects landed"),
            ABORT: ("abort", "aborts"),
            INJECT: ("inject", "injects"),
            CIVILIANS: ("civilians entered area", "civilians entered area"),
        }
        parts = []
        for kind in (VIOLATION, FINDING, CIVILIANS, RELEASE, EFFECT, ABORT, INJECT):
            if kind in counts:
                one, many = words[kind]
                parts.append(f"{counts[kind]} {one if counts[kind] == 1 else many}")
        return ", ".join(parts)


def _words(key: object) -> str:
    return str(key).replace("_", " ")


def _engagement(event: Mapping[str, Any]) -> str:
    engagement = event.get("engagement") or event.get("engagement_id")
    return f" ({engagement})" if engagement else ""


def _harm(event: Mapping[str, Any]) -> tuple[int, int]:
    """(civilians killed, civilians injured) of an effect_resolved event."""
    killed = sum(1 for p in event.get("killed") or () if p.get("kind") == "civilian")
    injured = sum(1 for p in event.get("injured") or () if p.get("kind") == "civilian")
    return killed, injured


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def describe_command(command: Mapping[str, Any]) -> str:
    """'release E1, reason: ...' of a logged command dict."""
    kind = _words(command.get("kind", "command"))
    details = [
        f"{_words(key).replace(' id', '')} {_number(command[key])}"
        for key in COMMAND_FIELDS
        if command.get(key) not in (None, "")
    ]
    text = kind + (": " + ", ".join(details) if details else "")
    rationale = str(command.get("rationale") or "").strip()
    if "rationale" in command:
        text += f"; reason: {rationale}" if rationale else "; no reason recorded"
    text_field = str(command.get("text") or "").strip()
    if text_field:
        text += f'; "{text_field[:120]}"'
    return text


def describe_event(event: Mapping[str, Any]) -> str | None:
    """One plain line for an event of the log, or None for bookkeeping (state hashes)."""
    kind = str(event.get("type", ""))
    if kind in QUIET_EVENTS:
        return None
    if kind == "command":
        command = event.get("command")
        if isinstance(command, Mapping):
            return "Trainee: " + describe_command(command)
        return "Trainee command"
    if kind == "rule_check":
        verdict = "passed" if event.get("ok", True) else "FAILED"
        detail = f": {event['detail']}" if event.get("detail") else ""
        return f"Rule check {event.get('rule')} {verdict}{_engagement(event)}{detail}"
    if kind == "command_rejected":
        return f"Command refused: {_words(event.get('kind', ''))} ({event.get('reason', '')})"
    if kind == "effect_released":
        return f"Effect released{_engagement(event)}: {event.get('effect', '')}"
    if kind == "effect_resolved":
        killed, injured = _harm(event)
        cause = "own effect" if event.get("cause") == "own" else f"cause {event.get('cause')}"
        buildings = len(event.get("buildings_damaged") or ())
        return (
            f"Effect landed{_engagement(event)} ({cause}): {killed} civilians killed, "
            f"{injured} injured, {buildings} buildings damaged"
        )
    if kind == "engagement_aborted":
        return f"Engagement aborted{_engagement(event)}"
    if kind == "inject":
        what = event.get("id") or event.get("kind") or ""
        return f"Scenario event (inject): {_words(what)}"
    if kind == "civilians_entered_effect_area":
        seen = event.get("in_view")
        truth = event.get("truth") or {}
        count = truth.get("civilians", "?")
        return (
            f"Civilians entered the effect area{_engagement(event)}: {count} "
            f"({seen if seen is not None else '?'} in the trainee's view); abort possible "
            f"until tick {event.get('abort_until_tick', '?')}"
        )
    if kind == "civilians_reacted":
        return (
            f"Civilians reacted to {_words(event.get('cause', 'a noise'))}: "
            f"{event.get('fled', 0)} fled, {event.get('sheltered', 0)} sheltered"
        )
    if kind == "session_start":
        return (
            f"Session start: {event.get('civilians', '?')} civilians, "
            f"{event.get('hostile_actors', '?')} hostile actors"
        )
    if kind == "session_end":
        return f"Session end ({_words(event.get('reason', ''))})"
    skip = {"tick", "type", "chain", "truth", "picture", "estimate"}
    details = [
        f"{_words(key)} {_number(value)}"
        for key, value in event.items()
        if key not in skip and isinstance(value, (str, int, float)) and value != ""
    ][:4]
    return _words(kind).capitalize() + (": " + ", ".join(details) if details else "")


def events_by_tick(events: Iterable[Mapping[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The log's events grouped by tick (log order kept), with their line numbers.

    Each event is copied with ``_line`` added: its line in ``events.jsonl`` (the header
    is line 1).
    """
    grouped: dict[int, list[dict[str, Any]]] = {}
    for index, event in enumerate(events):
        try:
            tick = int(event.get("tick", 0))
        except (TypeError, ValueError):
            continue
        grouped.setdefault(tick, []).append({**event, "_line": index + 2})
    return grouped


def find_bookmarks(
    events: Sequence[Mapping[str, Any]], findings: Iterable[Mapping[str, Any]] = ()
) -> list[Bookmark]:
    """Automatic bookmarks of a session (see the module docstring), in time order.

    Args:
        events: the log's events (without the header), in log order.
        findings: the scorecard's findings (dicts with tick, rule, severity, message).
    """
    marks: dict[int, Bookmark] = {}

    def mark(tick: int) -> Bookmark:
        found = marks.get(tick)
        if found is None:
            found = marks[tick] = Bookmark(0, tick)
        return found

    for index, event in enumerate(events):
        kind = event.get("type")
        try:
            tick = int(event.get("tick", 0))
        except (TypeError, ValueError):
            continue
        line = index + 2
        if kind == "rule_check" and not event.get("ok", True):
            detail = f": {event['detail']}" if event.get("detail") else ""
            text = f"rule check {event.get('rule')}{_engagement(event)}{detail}"
            mark(tick).items.append(BookmarkItem(VIOLATION, text, line=line))
        elif kind in KEY_EVENTS:
            text = describe_event(event) or _words(kind)
            mark(tick).items.append(BookmarkItem(KEY_EVENTS[kind], text, line=line))
    for finding in findings:
        severity = str(finding.get("severity", ""))
        if severity not in SERIOUS_SEVERITIES:
            continue
        try:
            tick = int(finding.get("tick", 0))
        except (TypeError, ValueError):
            continue
        text = f"({severity}) {finding.get('rule', '')}: {finding.get('message', '')}"
        line = finding.get("line")
        mark(tick).items.append(
            BookmarkItem(FINDING, text, severity, int(line) if isinstance(line, int) else None)
        )
    ordered = [marks[tick] for tick in sorted(marks)]
    for number, bookmark in enumerate(ordered, start=1):
        bookmark.number = number
    return ordered


def next_bookmark(bookmarks: Sequence[Bookmark], tick: int) -> Bookmark | None:
    """The first bookmark after ``tick`` (None when there is none)."""
    return next((b for b in bookmarks if b.tick > tick), None)


def previous_bookmark(bookmarks: Sequence[Bookmark], tick: int) -> Bookmark | None:
    """The last bookmark before ``tick`` (None when there is none)."""
    return next((b for b in reversed(bookmarks) if b.tick < tick), None)


def bookmark_at(bookmarks: Sequence[Bookmark], tick: int) -> Bookmark | None:
    """The bookmark of exactly this tick, if any."""
    return next((b for b in bookmarks if b.tick == tick), None)
