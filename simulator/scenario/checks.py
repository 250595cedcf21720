"""Whole-scenario checks that types alone cannot express.

Duplicate ids, references to things that do not exist, invalid or overlapping polygons,
positions outside the map and times outside the day or the exercise. Each check returns
``(path, message)`` pairs; the loader turns paths into file lines. Messages say what is
wrong and how to fix it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel
from shapely.validation import explain_validity

from simulator.scenario.errors import PathPart, did_you_mean, format_path
from simulator.scenario.schema import (
    TIME_PATTERN,
    Scenario,
    seconds_to_time,
    time_to_seconds,
)

Problem = tuple[tuple[PathPart, ...], str]

# Buildings may share walls; only overlaps larger than this (square metres) are reported.
OVERLAP_TOLERANCE_M2 = 1.0
# Coordinates beyond this are not checked as geometry (see _computable).
MAX_COORDINATE_M = 1e9


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Run every whole-scenario check and return all problems found."""
    problems: list[Problem] = []
    for check in (
        _check_unique_ids,
        _check_geometry,
        _check_positions,
        _check_references,
    ):
        problems.extend(check(scenario))
    # The HH:MM pattern lets through times such as "24:30"; the window checks cannot place
    # them in the day, so they run only once every time is a real time of day.
    time_problems = list(_check_time_values(scenario))
    problems.extend(time_problems or _check_times(scenario))
    return problems


def _id_groups(
    scenario: Scenario,
) -> Iterator[tuple[str, Iterable[tuple[tuple[PathPart, ...], str]]]]:
    """(kind, [(path, id), ...]) for every id namespace in the scenario."""
    yield (
        "building",
        [(("map", "buildings", i, "id"), b.id) for i, b in enumerate(scenario.map.buildings)],
    )
    yield "road", [(("map", "roads", i, "id"), r.id) for i, r in enumerate(scenario.map.roads)]
    yield (
        "open area",
        [(("map", "open_areas", i, "id"), a.id) for i, a in enumerate(scenario.map.open_areas)],
    )
    yield (
        "protected site",
        [(("protected", "sites", i, "id"), s.id) for i, s in enumerate(scenario.protected.sites)],
    )
    yield (
        "archetype",
        [
            (("population", "archetypes", i, "id"), a.id)
            for i, a in enumerate(scenario.population.archetypes)
        ],
    )
    yield (
        "vehicle group",
        [
            (("population", "vehicles", i, "id"), v.id)
            for i, v in enumerate(scenario.population.vehicles)
        ],
    )
    # People and units share one namespace: injects and objectives name them by id alone.
    yield (
        "person or unit",
        [
            *[
                (("population", "individuals", i, "id"), p.id)
                for i, p in enumerate(scenario.population.individuals)
            ],
            *[
                (("forces", "hostile", i, "id"), h.id)
                for i, h in enumerate(scenario.forces.hostile)
            ],
            *[
                (("forces", "friendly", i, "id"), f.id)
                for i, f in enumerate(scenario.forces.friendly)
            ],
        ],
    )
    yield "sensor", [(("sensors", i, "id"), s.id) for i, s in enumerate(scenario.sensors)]
    yield "effect", [(("effects", i, "id"), e.id) for i, e in enumerate(scenario.effects)]
    yield "warning means", [(("warnings", i, "id"), w.id) for i, w in enumerate(scenario.warnings)]
    yield "inject", [(("injects", i, "id"), j.id) for i, j in enumerate(scenario.injects)]
    yield (
        "checkpoint",
        [(("checkpoints", i, "id"), c.id) for i, c in enumerate(scenario.checkpoints)],
    )
    yield (
        "arrival",
        [
            (("checkpoints", i, "arrivals", j, "id"), a.id)
            for i, c in enumerate(scenario.checkpoints)
            for j, a in enumerate(c.arrivals)
        ],
    )
    yield (
        "assembly",
        [(("assemblies", i, "id"), a.id) for i, a in enumerate(scenario.assemblies)],
    )
    yield (
        "objective",
        [
            (("scoring", "objectives", i, "id"), o.id)
            for i, o in enumerate(scenario.scoring.objectives)
        ],
    )


def _check_unique_ids(scenario: Scenario) -> Iterator[Problem]:
    for kind, entries in _id_groups(scenario):
        first: dict[str, tuple[PathPart, ...]] = {}
        for path, ident in entries:
            if ident in first:
                yield (
                    path,
                    (
                        f"duplicate {kind} id '{ident}' (already used at "
                        f"{format_path(first[ident])}); give each {kind} its own id"
                    ),
                )
            else:
                first[ident] = path


def _computable(points: Iterable[Iterable[float]]) -> bool:
    """Whether every coordinate is a number GEOS can compute with.

    GEOS fails on nan and inf and overflows on coordinates near the float limit. Shapes
    holding such coordinates are skipped by the geometry checks: they lie far outside any
    map (``extent_m`` is at most 100 km), so :func:`_check_positions` reports them.
    """
    return all(
        math.isfinite(value) and abs(value) <= MAX_COORDINATE_M
        for point in points
        for value in point
    )


def _polygon_problem(points: tuple[tuple[float, float], ...]) -> str | None:
    """Why a polygon is unusable, in plain words, or None when it is fine."""
    if len(points) >= 4 and tuple(points[0]) == tuple(points[-1]):
        points = points[:-1]
    if len(set(map(tuple, points))) < 3:
        return "the outline needs at least 3 different corners"
    polygon = shapely.Polygon(points)
    if polygon.convex_hull.area <= 0:
        return "the outline has no area (its corners lie on one line)"
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        if "Self-intersection" in reason:
            where = reason.split("[")[-1].rstrip("]") if "[" in reason else ""
            return (
                f"the outline crosses itself near ({where.replace(' ', ', ')}); list the "
                "corners in order around the shape"
            )
        return f"the outline is not a valid polygon ({reason})"
    return None


def _check_geometry(scenario: Scenario) -> Iterator[Problem]:
    valid: list[int] = []
    polygons = []
    for index, building in enumerate(scenario.map.buildings):
        field = "footprint" if building.footprint is not None else "rect"
        if not _computable(building.outline()):
            continue
        problem = _polygon_problem(building.outline())
        if problem:
            yield ("map", "buildings", index, field), f"building '{building.id}': {problem}"
        else:
            valid.append(index)
            polygons.append(shapely.Polygon(building.outline()))
    for index, area in enumerate(scenario.map.open_areas):
        if not _computable(area.polygon):
            continue
        problem = _polygon_problem(area.polygon)
        if problem:
            yield ("map", "open_areas", index, "polygon"), f"open area '{area.id}': {problem}"
    for index, site in enumerate(scenario.protected.sites):
        if site.polygon is not None and _computable(site.polygon):
            problem = _polygon_problem(site.polygon)
            if problem:
                yield ("protected", "sites", index, "polygon"), f"site '{site.id}': {problem}"
    for index, road in enumerate(scenario.map.roads):
        if not _computable(road.points):
            continue
        line = shapely.LineString(road.points)
        if line.length <= 0:
            yield ("map", "roads", index, "points"), f"road '{road.id}' has zero length"
    if len(polygons) > 1:
        yield from _overlaps(scenario, valid, polygons)


def _overlaps(scenario: Scenario, valid: list[int], polygons: list[Any]) -> Iterator[Problem]:
    """Buildings whose footprints overlap by more than a shared wall."""
    tree = shapely.STRtree(polygons)
    left, right = tree.query(polygons, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return
    areas = shapely.area(
        shapely.intersection(np.asarray(polygons)[left], np.asarray(polygons)[right])
    )
    reported = 0
    for a, b, area in zip(left, right, areas):
        if area > OVERLAP_TOLERANCE_M2:
            ia, ib = valid[int(a)], valid[int(b)]
            first = scenario.map.buildings[ia]
            second = scenario.map.buildings[ib]
            field = "footprint" if second.footprint is not None else "rect"
            yield (
                ("map", "buildings", ib, field),
                (
                    f"building '{second.id}' overlaps building '{first.id}' by {area:.0f} m²; "
                    "move or shrink one of them"
                ),
            )
            reported += 1
            if reported >= 50:  # one mistake (a shifted grid) can overlap hundreds
                return


def _inside(point: tuple[float, float], extent: tuple[float, float]) -> bool:
    return 0.0 <= point[0] <= extent[0] and 0.0 <= point[1] <= extent[1]


def _outside_message(what: str, point: tuple[float, float], extent: tuple[float, float]) -> str:
    return (
        f"{what} at ({point[0]:g}, {point[1]:g}) is outside the map, which runs from (0, 0) "
        f"to ({extent[0]:g}, {extent[1]:g}); fix the coordinates or enlarge map.extent_m"
    )


def _check_positions(scenario: Scenario) -> Iterator[Problem]:
    extent = scenario.map.extent_m
    for index, building in enumerate(scenario.map.buildings):
        field = "footprint" if building.footprint is not None else "rect"
        for corner in building.outline():
            if not _inside(corner, extent):
                yield (
                    ("map", "buildings", index, field),
                    _outside_message(f"a corner of building '{building.id}'", corner, extent),
                )
                break
    for index, road in enumerate(scenario.map.roads):
        for number, point in enumerate(road.points):
            if not _inside(point, extent):
                yield (
                    ("map", "roads", index, "points", number),
                    _outside_message(f"a point of road '{road.id}'", point, extent),
                )
    for index, area in enumerate(scenario.map.open_areas):
        for point in area.polygon:
            if not _inside(point, extent):
                yield (
                    ("map", "open_areas", index, "polygon"),
                    _outside_message(f"a corner of open area '{area.id}'", point, extent),
                )
                break
    for index, unit in enumerate(scenario.forces.friendly):
        if not _inside(unit.position, extent):
            yield (
                ("forces", "friendly", index, "position"),
                _outside_message(f"unit '{unit.id}'", unit.position, extent),
            )
    for index, sensor in enumerate(scenario.sensors):
        if sensor.position is not None and not _inside(sensor.position, extent):
            yield (
                ("sensors", index, "position"),
                _outside_message(f"sensor '{sensor.id}'", sensor.position, extent),
            )
    for index, site in enumerate(scenario.protected.sites):
        for point in site.polygon or ():
            if not _inside(point, extent):
                yield (
                    ("protected", "sites", index, "polygon"),
                    _outside_message(f"a corner of site '{site.id}'", point, extent),
                )
                break
    for index, checkpoint in enumerate(scenario.checkpoints):
        if not _inside(checkpoint.position, extent):
            yield (
                ("checkpoints", index, "position"),
                _outside_message(f"checkpoint '{checkpoint.id}'", checkpoint.position, extent),
            )
        for number, point in enumerate(checkpoint.approach or ()):
            if not _inside(point, extent):
                yield (
                    ("checkpoints", index, "approach", number),
                    _outside_message(
                        f"a point of the approach to '{checkpoint.id}'", point, extent
                    ),
                )
    for index, assembly in enumerate(scenario.assemblies):
        for name in ("position", "focus"):
            point = getattr(assembly, name)
            if point is not None and not _inside(point, extent):
                yield (
                    ("assemblies", index, name),
                    _outside_message(f"the {name} of assembly '{assembly.id}'", point, extent),
                )


def _check_references(scenario: Scenario) -> Iterator[Problem]:
    buildings = {b.id: b for b in scenario.map.buildings}
    areas = {a.id for a in scenario.map.open_areas}
    places = set(buildings) | areas
    archetypes = {a.id for a in scenario.population.archetypes}
    people = {p.id for p in scenario.population.individuals} | {
        h.id for h in scenario.forces.hostile
    }
    units = {f.id for f in scenario.forces.friendly}
    sites = {s.id for s in scenario.protected.sites}
    effects = {e.id for e in scenario.effects}
    injects = {j.id for j in scenario.injects}
    hostiles = {h.id for h in scenario.forces.hostile}
    uses_present = {b.use for b in scenario.map.buildings}

    def missing(kind: str, ident: str, known: Iterable[str]) -> str:
        return f"there is no {kind} with id '{ident}'{did_you_mean(ident, known)}"

    def schedule(entries: Any, base: tuple[PathPart, ...]) -> Iterator[Problem]:
        for number, entry in enumerate(entries or ()):
            if entry.place is not None and entry.place not in places:
                yield (
                    (*base, number, "place"),
                    missing("building or open area", entry.place, places),
                )
            if entry.use is not None and entry.use not in uses_present:
                yield (
                    (*base, number, "use"),
                    (
                        f"no building has use '{entry.use}', so nobody can go there; add one or "
                        "change the use"
                    ),
                )

    for index, site in enumerate(scenario.protected.sites):
        if site.building is not None and site.building not in buildings:
            yield (
                ("protected", "sites", index, "building"),
                missing("building", site.building, buildings),
            )
    for index, archetype in enumerate(scenario.population.archetypes):
        base = ("population", "archetypes", index)
        if archetype.count > 0 and archetype.home_use not in uses_present:
            yield (
                (*base, "home_use"),
                (
                    f"no building has use '{archetype.home_use}', so these {archetype.count} "
                    "people have nowhere to live; add such buildings or change home_use"
                ),
            )
        yield from schedule(archetype.schedule, (*base, "schedule"))
    for index, person in enumerate(scenario.population.individuals):
        base = ("population", "individuals", index)
        if person.home not in buildings:
            yield (*base, "home"), missing("building", person.home, buildings)
        if person.archetype is not None and person.archetype not in archetypes:
            yield (*base, "archetype"), missing("archetype", person.archetype, archetypes)
        yield from schedule(person.schedule, (*base, "schedule"))
    for index, actor in enumerate(scenario.forces.hostile):
        base = ("forces", "hostile", index)
        if actor.safehouse not in buildings:
            yield (*base, "safehouse"), missing("building", actor.safehouse, buildings)
        yield from schedule(actor.routine, (*base, "routine"))
    for index, sensor in enumerate(scenario.sensors):
        if sensor.unit is not None and sensor.unit not in units:
            yield ("sensors", index, "unit"), missing("friendly unit", sensor.unit, units)
    if scenario.roe.allowed_effects is not None:
        for number, effect in enumerate(scenario.roe.allowed_effects):
            if effect not in effects:
                yield ("roe", "allowed_effects", number), missing("effect", effect, effects)
    for index, inject in enumerate(scenario.injects):
        base = ("injects", index)
        if inject.place is not None and inject.place not in places:
            yield (*base, "place"), missing("building or open area", inject.place, places)
        if inject.site is not None and inject.site not in sites:
            yield (*base, "site"), missing("protected site", inject.site, sites)
        if inject.effect is not None:
            if inject.effect not in effects:
                yield (*base, "effect"), missing("effect", inject.effect, effects)
            elif inject.kind != "explosion":
                yield (*base, "effect"), "only an explosion inject can have an 'effect'"
        if inject.unless_neutralised is not None and inject.unless_neutralised not in hostiles:
            yield (
                (*base, "unless_neutralised"),
                missing("hostile actor", inject.unless_neutralised, hostiles),
            )
        if inject.about is not None and inject.about not in people | places | units:
            yield (*base, "about"), missing("person, unit or place", inject.about, people | places)
        if inject.when is not None:
            trigger = inject.when
            if trigger.actor_at is not None and trigger.actor_at not in people:
                yield (*base, "when", "actor_at"), missing("person", trigger.actor_at, people)
            if trigger.place is not None and trigger.place not in places:
                yield (
                    (*base, "when", "place"),
                    missing("building or open area", trigger.place, places),
                )
            if trigger.after_inject is not None:
                if trigger.after_inject not in injects:
                    yield (
                        (*base, "when", "after_inject"),
                        missing("inject", trigger.after_inject, injects),
                    )
                elif trigger.after_inject == inject.id:
                    yield (*base, "when", "after_inject"), "an inject cannot wait for itself"
    roads = {r.id: r for r in scenario.map.roads}
    for index, checkpoint in enumerate(scenario.checkpoints):
        base = ("checkpoints", index)
        if checkpoint.unit is not None and checkpoint.unit not in units:
            yield (*base, "unit"), missing("friendly unit", checkpoint.unit, units)
        if checkpoint.approach_road is not None:
            road = roads.get(checkpoint.approach_road)
            if road is None:
                yield (*base, "approach_road"), missing("road", checkpoint.approach_road, roads)
            else:
                problem = _approach_problem(checkpoint, road)
                if problem:
                    yield (*base, "approach_road"), problem
        elif checkpoint.approach is not None and _computable(checkpoint.approach):
            points = [*checkpoint.approach, checkpoint.position]
            length = shapely.LineString(points).length
            if length <= checkpoint.stop_line_m:
                yield (
                    (*base, "approach"),
                    f"the approach to checkpoint '{checkpoint.id}' is only {length:.0f} m long, "
                    f"less than its stop line ({checkpoint.stop_line_m:g} m); lengthen it",
                )
    for index, assembly in enumerate(scenario.assemblies):
        if assembly.area is not None and assembly.area not in areas:
            yield ("assemblies", index, "area"), missing("open area", assembly.area, areas)
    for index, objective in enumerate(scenario.scoring.objectives):
        base = ("scoring", "objectives", index)
        if objective.target is None:
            if objective.kind in ("neutralise", "locate", "protect_site"):
                yield (*base, "target"), f"a '{objective.kind}' objective needs a 'target'"
            continue
        if objective.kind in ("neutralise", "locate") and objective.target not in hostiles:
            yield (*base, "target"), missing("hostile actor", objective.target, hostiles)
        if objective.kind == "protect_site" and objective.target not in sites:
            yield (*base, "target"), missing("protected site", objective.target, sites)


# A checkpoint given by a road must stand within this distance of it.
CHECKPOINT_ROAD_GAP_M = 30.0


def _approach_problem(checkpoint: Any, road: Any) -> str | None:
    """Why a road cannot carry a checkpoint's approach, or None."""
    if not _computable((*road.points, checkpoint.position)):
        return None
    line = shapely.LineString(road.points)
    spot = shapely.Point(checkpoint.position)
    gap = line.distance(spot)
    if gap > CHECKPOINT_ROAD_GAP_M:
        return (
            f"checkpoint '{checkpoint.id}' is {gap:.0f} m from road '{road.id}'; put it on the "
            f"road (within {CHECKPOINT_ROAD_GAP_M:g} m) or give an 'approach' polyline"
        )
    along = line.project(spot)
    length = along if checkpoint.approach_from == "start" else line.length - along
    if length <= checkpoint.stop_line_m:
        return (
            f"road '{road.id}' runs only {length:.0f} m from its {checkpoint.approach_from} to "
            f"checkpoint '{checkpoint.id}', less than its stop line ({checkpoint.stop_line_m:g} "
            "m); choose the other end (approach_from) or a longer road"
        )
    return None


@functools.cache
def _time_fields(model: type[BaseModel]) -> frozenset[str]:
    """Names of the fields of ``model`` that hold a time of day, found by their pattern."""
    found = set()
    for name, schema in model.model_json_schema().get("properties", {}).items():
        options = [schema, *schema.get("anyOf", ())]
        if any(option.get("pattern") == TIME_PATTERN for option in options):
            found.add(name)
    return frozenset(found)


def _times_of_day(
    node: Any, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str]]:
    """(path, text) of every time of day anywhere in the scenario, new fields included."""
    if isinstance(node, BaseModel):
        times = _time_fields(type(node))
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in times and isinstance(value, str):
                yield (*path, name), value
            else:
                yield from _times_of_day(value, (*path, name))
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            yield from _times_of_day(item, (*path, index))


def _check_time_values(scenario: Scenario) -> Iterator[Problem]:
    for path, text in _times_of_day(scenario):
        try:
            time_to_seconds(text)
        except ValueError:
            yield path, f"{text} is not a time of day; the latest is 24:00"


def _check_times(scenario: Scenario) -> Iterator[Problem]:
    start = scenario.clock.start_s
    end = start + scenario.clock.duration_s

    def within(text: str) -> bool:
        # An exercise may run past midnight: compare on the exercise's own time line.
        seconds = time_to_seconds(text)
        if seconds < start:
            seconds += 86400
        return start <= seconds <= end

    def window(what: str) -> str:
        return (
            f"{what} is outside the exercise, which runs from {scenario.clock.start_time} to "
            f"{seconds_to_time(end)}; move it inside or change clock.duration_s"
        )

    for index, site in enumerate(scenario.protected.sites):
        previous = -1
        for number, change in enumerate(site.status_changes):
            path = ("protected", "sites", index, "status_changes", number, "at")
            if not within(change.at):
                yield path, window(f"status change at {change.at}")
            seconds = time_to_seconds(change.at)
            if seconds < previous:
                yield path, "status changes must be listed in time order"
            previous = seconds
    for index, inject in enumerate(scenario.injects):
        if inject.at is not None and not within(inject.at):
            yield ("injects", index, "at"), window(f"inject '{inject.id}' at {inject.at}")
    for index, objective in enumerate(scenario.scoring.objectives):
        if objective.by is not None and not within(objective.by):
            yield ("scoring", "objectives", index, "by"), window(f"deadline {objective.by}")
    for index, checkpoint in enumerate(scenario.checkpoints):
        for number, arrival in enumerate(checkpoint.arrivals):
            if not within(arrival.at):
                yield (
                    ("checkpoints", index, "arrivals", number, "at"),
                    window(f"arrival '{arrival.id}' at {arrival.at}"),
                )
    for index, assembly in enumerate(scenario.assemblies):
        if not within(assembly.at):
            yield ("assemblies", index, "at"), window(f"assembly '{assembly.id}' at {assembly.at}")
    for index, group in enumerate(scenario.population.vehicles):
        if time_to_seconds(group.active_to) <= time_to_seconds(group.active_from):
            yield (
                ("population", "vehicles", index, "active_to"),
                (f"active_to {group.active_to} must be after active_from {group.active_from}"),
            )
