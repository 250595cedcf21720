"""Awareness commands: tasking sensors, classifying contacts, marks, intelligence, reports.

Every command event records two annexes:

* ``picture``: what the trainee's picture held about the thing the command names, at
  the moment it was issued (position, uncertainty, indicators, classification);
* ``truth``: what was true (who the track was really on, whether it had been swapped or
  lost, how far off the estimate was). The trainee never sees this; scoring and the
  after-action review use it to separate "could not have known" from "did not look".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.core.commands import (
    ClassifyContact,
    Command,
    FollowContact,
    MarkLocation,
    RequestIntel,
    SubmitReport,
    TaskSensor,
    ZoomSensor,
)
from simulator.core.events import Event, make_event
from simulator.core.picture import Contact, Mark, Message
from simulator.core.sensing import CATEGORY_VEHICLE, CLASSIFICATIONS, IND

if TYPE_CHECKING:
    from simulator.core.simulation import Simulation

AWARENESS_COMMANDS = (
    TaskSensor,
    ZoomSensor,
    FollowContact,
    ClassifyContact,
    MarkLocation,
    RequestIntel,
    SubmitReport,
)
MAX_TEXT = 2000


@dataclass(frozen=True)
class _IntelRequest:
    due_tick: int
    track: int
    answer_match: bool
    entity: int


class AwarenessDesk:
    """Applies awareness commands and keeps the trainee's marks, reports and requests."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.marks: list[Mark] = []
        self.reports: list[tuple[int, str, str]] = []
        self._requests: list[_IntelRequest] = []

    # ------------------------------------------------------------------ picture helpers

    def contact(self, index: int) -> Contact:
        """The trainee's view of one track."""
        return self.contacts(np.array([index]))[0]

    def contacts(self, indices: np.ndarray) -> tuple[Contact, ...]:
        """The trainee's view of many tracks, built in bulk (every picture needs this)."""
        sim = self.sim
        sensing = sim.sensing
        if indices.size == 0:
            return ()
        entity = sensing.track_entity[indices]
        in_view = (entity >= 0) & sensing.in_view[np.maximum(entity, 0)]
        xy = np.round(sensing.track_xy[indices], 1).tolist()
        uncertainty = np.round(sensing.uncertainties_m(indices, sim.tick, sim.tick_s), 1).tolist()
        last_seen = sensing.track_last_seen[indices].tolist()
        first_seen = sensing.track_first_seen[indices].tolist()
        vehicle = (sensing.track_category[indices] == CATEGORY_VEHICLE).tolist()
        labels = sensing.track_class[indices].tolist()
        confidence = np.round(sensing.track_confidence[indices], 2).tolist()
        in_view = in_view.tolist()
        return tuple(
            Contact(
                track_id=sensing.track_name(int(index)),
                x_m=xy[i][0],
                y_m=xy[i][1],
                uncertainty_m=uncertainty[i],
                last_seen_tick=last_seen[i],
                in_view=in_view[i],
                category="vehicle" if vehicle[i] else "person",
                indicators=sensing.indicators_of(int(index)),
                classification=CLASSIFICATIONS[labels[i]],
                confidence=confidence[i],
                first_seen_tick=first_seen[i],
            )
            for i, index in enumerate(indices.tolist())
        )

    def contact_record(self, index: int) -> dict[str, Any]:
        """The picture annex for a command about a track."""
        view = self.contact(index)
        return {
            "track_id": view.track_id,
            "x_m": view.x_m,
            "y_m": view.y_m,
            "uncertainty_m": view.uncertainty_m,
            "in_view": view.in_view,
            "last_seen_tick": view.last_seen_tick,
            "observed_s": round((view.last_seen_tick - view.first_seen_tick) * self.sim.tick_s, 1),
            "indicators": dict(view.indicators),
            "classification": view.classification,
            "confidence": view.confidence,
            "lost": bool(self.sim.sensing.track_lost[index]),
        }

    def truth_record(self, index: int) -> dict[str, Any]:
        """The truth annex for a command about a track (never shown to the trainee)."""
        sim = self.sim
        sensing = sim.sensing
        entity = int(sensing.track_entity[index])
        first = int(sensing.track_first_entity[index])
        record: dict[str, Any] = {
            "lost": bool(sensing.track_lost[index]),
            "swapped": bool(sensing.track_swapped[index]) or (entity >= 0 and entity != first),
            "first_entity": sim.entity_id(first),
        }
        if entity >= 0:
            x, y = sim.entity_xy(entity)
            ex, ey = sensing.track_xy[index]
            record.update(
                entity=sim.entity_id(entity),
                entity_kind=sim.entity_kind(entity),
                position_error_m=round(float(math.hypot(x - ex, y - ey)), 1),
            )
        return record

    def visible_summary(self) -> dict[str, Any]:
        """Picture-wide counts recorded with every command."""
        sensing = self.sim.sensing
        live = ~sensing.track_lost[: sensing.n_tracks]
        return {"tracks": int(live.sum()), "in_view": int(sensing.in_view.sum())}

    # ------------------------------------------------------------------ commands

    def handles(self, item: Command) -> bool:
        """Whether this desk applies the command."""
        return isinstance(item, AWARENESS_COMMANDS)

    def problem(self, item: Command) -> str | None:
        """Why an awareness command cannot be applied now, or None."""
        sim = self.sim
        sensing = sim.sensing
        if isinstance(item, (TaskSensor, ZoomSensor, FollowContact)):
            if item.sensor_id not in sensing.sensor_ids:
                return f"there is no sensor '{item.sensor_id}'"
            if item.sensor_id not in sensing.centre:
                return f"sensor '{item.sensor_id}' is a ground observer; move its unit instead"
        if isinstance(item, TaskSensor):
            return sim.position_problem(item.x_m, item.y_m)
        if isinstance(item, ZoomSensor):
            if not _is_number(item.radius_m) or item.radius_m <= 0:
                return "the radius must be a positive number of metres"
            return None
        if isinstance(item, FollowContact):
            if item.track_id and sensing.track_index(item.track_id) is None:
                return f"there is no contact '{item.track_id}'"
            return None
        if isinstance(item, ClassifyContact):
            if sensing.track_index(item.track_id) is None:
                return f"there is no contact '{item.track_id}'"
            if item.label not in CLASSIFICATIONS:
                return f"'{item.label}' is not a classification; use {', '.join(CLASSIFICATIONS)}"
            if not _is_number(item.confidence) or not 0.0 <= item.confidence <= 1.0:
                return "confidence must be between 0 and 1"
            return None
        if isinstance(item, MarkLocation):
            if not isinstance(item.label, str) or len(item.label) > MAX_TEXT:
                return "a mark needs a short text label"
            return sim.position_problem(item.x_m, item.y_m)
        if isinstance(item, RequestIntel):
            index = sensing.track_index(item.track_id)
            if index is None:
                return f"there is no contact '{item.track_id}'"
            return None
        if isinstance(item, SubmitReport):
            if not isinstance(item.text, str) or not item.text.strip():
                return "a report needs some text"
            if len(item.text) > MAX_TEXT:
                return f"a report may be at most {MAX_TEXT} characters"
            if item.track_id and sensing.track_index(item.track_id) is None:
                return f"there is no contact '{item.track_id}'"
            return None
        return None

    def annexes(self, item: Command, track_index: int | None = None) -> dict[str, Any]:
        """Picture and truth annexes for a command, recorded before it is applied.

        Args:
            item: the command.
            track_index: the track the command is about when it does not name one itself
                (e.g. the target of the engagement a release belongs to).
        """
        track_id = getattr(item, "track_id", "")
        index = self.sim.sensing.track_index(track_id) if track_id else track_index
        picture: dict[str, Any] = self.visible_summary()
        annex: dict[str, Any] = {"picture": picture}
        if index is not None:
            picture["contact"] = self.contact_record(index)
            annex["truth"] = self.truth_record(index)
        return annex

    def apply(self, item: Command) -> list[Event]:
        """Apply a valid awareness command; returns extra events."""
        sim = self.sim
        sensing = sim.sensing
        if isinstance(item, TaskSensor):
            sensing.task(item.sensor_id, float(item.x_m), float(item.y_m))
        elif isinstance(item, ZoomSensor):
            sensing.zoom(item.sensor_id, float(item.radius_m))
        elif isinstance(item, FollowContact):
            sensing.follow_track(item.sensor_id, item.track_id or None)
        elif isinstance(item, ClassifyContact):
            index = sensing.track_index(item.track_id)
            sensing.track_class[index] = CLASSIFICATIONS.index(item.label)
            sensing.track_confidence[index] = float(item.confidence)
        elif isinstance(item, MarkLocation):
            self.marks.append(Mark(sim.tick, float(item.x_m), float(item.y_m), item.label))
        elif isinstance(item, RequestIntel):
            index = sensing.track_index(item.track_id)
            entity = int(sensing.track_entity[index])
            if entity < 0:
                entity = int(sensing.track_first_entity[index])
            truly_hostile = sim.entity_kind(entity) == "hostile"
            reliability = sim.scenario.intelligence.reliability
            right = sim.streams["intel"].random() < reliability
            delay = int(math.ceil(sim.scenario.intelligence.response_delay_s / sim.tick_s))
            self._requests.append(
                _IntelRequest(sim.tick + max(delay, 1), index, truly_hostile == right, entity)
            )
        elif isinstance(item, SubmitReport):
            self.reports.append((sim.tick, item.text, item.track_id))
        return []

    def answer_due(self) -> list[Event]:
        """Deliver intelligence answers that are due this tick."""
        sim = self.sim
        due = [r for r in self._requests if r.due_tick <= sim.tick]
        if not due:
            return []
        self._requests = [r for r in self._requests if r.due_tick > sim.tick]
        events = []
        reliability = sim.scenario.intelligence.reliability
        for request in due:
            name = sim.sensing.track_name(request.track)
            if request.answer_match:
                text = f"Intelligence on {name}: matches the description of a wanted person."
                sim.sensing.track_indicators[request.track, IND["intelligence_match"]] = max(
                    sim.sensing.track_indicators[request.track, IND["intelligence_match"]],
                    reliability,
                )
            else:
                text = f"Intelligence on {name}: no match with any known hostile actor."
            sim.messages.append(
                Message(sim.tick, "intel_report", text, reliability, "intel-cell", track_id=name)
            )
            events.append(
                make_event(
                    sim.tick,
                    "intel_answer",
                    track_id=name,
                    match=request.answer_match,
                    truth={
                        "entity": sim.entity_id(request.entity),
                        "hostile": sim.entity_kind(request.entity) == "hostile",
                    },
                )
            )
        return events

    def digest(self) -> bytes:
        """Bytes of the desk's state for state hashes."""
        return repr((self.marks, self.reports, self._requests)).encode()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
