"""Outcome of a session, read from its events alone: who was harmed, by whom, and whether
the objectives were met.

Harm caused by the trainee's own effects, harm from threats that were not prevented, and
own-force losses are kept apart, never blended into one number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NEUTRALISED = {"killed", "detained"}


def outcome_from_events(events: Iterable[dict[str, Any]], scenario) -> dict[str, Any]:
    """Count harm and objectives from a session's events.

    Args:
        events: the session's events (header excluded), in order.
        scenario: the scenario the session ran (for objectives and deadlines).

    Returns:
        A dict with civilians killed and injured by own action (and how many of them were
        never observable), harm from hostile attacks, protected sites and buildings
        damaged, targets neutralised and objectives met.
    """
    from simulator.scenario.schema import time_to_seconds

    own_killed: list[dict] = []
    own_injured: list[dict] = []
    hostile_killed: list[dict] = []
    hostile_injured: list[dict] = []
    protected: set[str] = set()
    buildings: set[str] = set()
    neutralised: dict[str, int] = {}
    released = 0
    aborted = 0
    tick_s = scenario.clock.tick_s
    for event in events:
        kind = event.get("type")
        if kind == "effect_released":
            released += 1
        elif kind == "engagement_aborted":
            aborted += 1
        elif kind == "effect_resolved":
            own = event.get("cause") == "own"
            for person in event.get("killed", []):
                if person.get("kind") == "civilian":
                    (own_killed if own else hostile_killed).append(person)
                elif own and person.get("kind") == "hostile":
                    neutralised.setdefault(person["id"], event["tick"])
            for person in event.get("injured", []):
                if person.get("kind") == "civilian":
                    (own_injured if own else hostile_injured).append(person)
            if own:
                protected.update(event.get("protected_sites_damaged", []))
                buildings.update(event.get("buildings_damaged", []))
                if event.get("target_outcome") == "detained" and event.get("target"):
                    neutralised.setdefault(event["target"], event["tick"])
    start_s = scenario.clock.start_s
    met = 0
    objectives = []
    for objective in scenario.scoring.objectives:
        deadline = None
        if objective.by:
            deadline = (time_to_seconds(objective.by) - start_s) % 86400 / tick_s
        if objective.kind == "neutralise":
            tick = neutralised.get(objective.target)
            ok = tick is not None and (deadline is None or tick <= deadline)
        elif objective.kind == "protect_site":
            ok = objective.target not in protected
        elif objective.kind == "avoid_harm":
            ok = not own_killed and not own_injured
        else:  # locate: judged by scoring from classifications; not an outcome count
            ok = False
        met += int(ok)
        objectives.append({"id": objective.id, "kind": objective.kind, "met": ok})

    def never(items: list[dict]) -> int:
        return sum(1 for item in items if item.get("observability") == "never_observable")

    return {
        "civilians_killed_own": len(own_killed),
        "civilians_injured_own": len(own_injured),
        "civilians_harmed_own_never_observable": never(own_killed) + never(own_injured),
        "civilians_killed_by_threat": len(hostile_killed),
        "civilians_injured_by_threat": len(hostile_injured),
        "protected_sites_damaged": len(protected),
        "buildings_damaged_own": len(buildings),
        "hostiles_neutralised": sorted(neutralised),
        "effects_released": released,
        "engagements_aborted": aborted,
        "objectives_met": met,
        "objectives_total": len(scenario.scoring.objectives),
        "objectives": objectives,
    }
