"""Sensing and tracking: what the trainee's sensors detect, and the tracks they keep.

Runs inside every step (never inside ``observe()``), drawing from the ``sensors`` stream,
so a session observes the same things however often its picture is looked at.

**Detection.** People outdoors (and vehicles) are candidates for a sensor when they are
inside an overhead footprint, or within a ground observer's range and line of sight
(buildings block it; see :mod:`simulator.core.geometry`). People indoors are never seen
from the air, and not by ground observers either (walls block the sight line). Each
candidate is noticed with a per-tick chance set by the sensor, the light (night halves a
thermal sensor's chance and cuts a plain one's to a tenth), the weather and, for ground
observers, the range.

**Resolution decides indicators.** Every detection has an effective resolution in metres
(overhead: footprint width / pixels; ground: 1 mrad of range). Coarse images show only a
person; finer ones show whether they carry something, a child from an adult, a long
object, and only fine ones a weapon. Look-alikes are built in: at middling resolution a
farmer's long tool sometimes reads as a weapon (low quality), and a weapon is often just
"a long object" until the sensor zooms in.

**Tracks.** A detection of someone without a track starts one with a new id ('T0001',
never a truth id). A track not refreshed within the scenario's ``track_timeout_s`` is
lost; when someone is detected near where a lost track was last seen, the old track id is
taken up again, which may be on a different person (a swapped track), as real trackers
do. Which person each track is on is truth, kept here for scoring and reviews only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.core.geometry import building_edges, horizon, visible_from
from simulator.core.world import World
from simulator.scenario.schema import Scenario, time_to_seconds

INDICATORS: tuple[str, ...] = (
    "person",
    "adult",
    "child",
    "carrying_object",
    "long_object",
    "weapon_visible",
    "uniform",
    "hostile_act",
    "intelligence_match",
    "vehicle",
)
IND = {name: i for i, name in enumerate(INDICATORS)}
CLASSIFICATIONS: tuple[str, ...] = ("unknown", "civilian", "combatant", "protected")

CATEGORY_PERSON = 0
CATEGORY_VEHICLE = 1

WEATHER_FACTOR = {"clear": 1.0, "haze": 0.8, "rain": 0.6, "dust": 0.5}
# Resolution (metres per pixel) at which an indicator can first be made out.
RESOLUTION_LIMIT_M = {
    "carrying_object": 0.6,
    "adult_child": 0.4,
    "long_object": 0.6,
    "weapon_visible": 0.15,
    "uniform": 0.5,
    "vehicle": 1.5,
}
LOOKALIKE_RESOLUTION_M = (0.12, 0.4)  # a long tool may read as a weapon in this band
LOOKALIKE_CHANCE_PER_S = 0.01
LONG_TOOL_SHARE = 0.3  # share of civilians carrying something who carry a long tool
LOST_TRACK_SEARCH_FACTOR = 4  # lost tracks can be picked up for this many timeouts
WALK_GROWTH_MPS = 1.5  # how fast a person's position uncertainty grows out of view
DRIVE_GROWTH_MPS = 15.0  # above the fastest default vehicle speed (12 m/s)
# Observers move little between ticks; their horizons are recomputed past this distance.
HORIZON_REUSE_M = 2.0


def quality_at(resolution_m: np.ndarray, limit_m: float) -> np.ndarray:
    """Quality (0 to 1) of an indicator seen at a resolution; 0 beyond its limit."""
    return np.clip(1.0 - resolution_m / limit_m, 0.0, 1.0) * 0.8 + (resolution_m <= limit_m) * 0.2


@dataclass
class Entities:
    """What sensing needs of the truth this tick (people rows first, then vehicles)."""

    xy: np.ndarray
    visible_outdoors: np.ndarray
    category: np.ndarray


class Sensing:
    """Sensor state and the trainee's tracks (see module docstring).

    Args:
        scenario: the scenario.
        world: its indexed map.
        people: the people table (for static attributes such as age and carried objects).
        n_vehicles: number of vehicles.
        rng: the ``sensors`` stream.
    """

    def __init__(self, scenario: Scenario, world: World, people, n_vehicles: int, rng):
        self.scenario = scenario
        self.world = world
        self.people = people
        self.rng = rng
        self.n_people = len(people)
        self.n_entities = self.n_people + n_vehicles
        self.edges = building_edges(world.building_polygons)
        self.sensor_ids = [s.id for s in scenario.sensors]
        overhead = [s for s in scenario.sensors if s.kind == "overhead"]
        self.centre = {s.id: np.array(s.position, dtype=np.float64) for s in overhead}
        self.aim = {s.id: np.array(s.position, dtype=np.float64) for s in overhead}
        self.radius = {s.id: float(s.footprint_radius_m) for s in overhead}
        self.follow: dict[str, str | None] = {s.id: None for s in overhead}
        self._horizons: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        carries = people.carries_object
        self.long_tool = carries & (rng.random(self.n_people) < LONG_TOOL_SHARE) & ~people.armed
        self.entity_track = np.full(self.n_entities, -1, dtype=np.int64)
        capacity = 256
        self.track_entity = np.full(capacity, -1, dtype=np.int64)
        self.track_first_entity = np.full(capacity, -1, dtype=np.int64)
        self.track_category = np.zeros(capacity, dtype=np.int8)
        self.track_first_seen = np.zeros(capacity, dtype=np.int64)
        self.track_last_seen = np.zeros(capacity, dtype=np.int64)
        self.track_xy = np.zeros((capacity, 2))
        self.track_sigma = np.zeros(capacity)
        self.track_lost = np.zeros(capacity, dtype=bool)
        self.track_swapped = np.zeros(capacity, dtype=bool)
        self.track_class = np.zeros(capacity, dtype=np.int8)
        self.track_confidence = np.zeros(capacity)
        self.track_indicators = np.zeros((capacity, len(INDICATORS)))
        self.n_tracks = 0
        self._indicator_cache: dict[int, tuple[bytes, tuple[tuple[str, float], ...]]] = {}
        self.in_view = np.zeros(self.n_entities, dtype=bool)
        self.ever_seen = np.zeros(self.n_entities, dtype=bool)
        timeout = scenario.intelligence.track_timeout_s
        self.timeout_ticks = max(1, int(math.ceil(timeout / scenario.clock.tick_s)))

    # ------------------------------------------------------------------ tasking

    def task(self, sensor_id: str, x_m: float, y_m: float) -> None:
        """Point an overhead sensor at a position (it slews there)."""
        self.aim[sensor_id] = np.array([x_m, y_m], dtype=np.float64)
        self.follow[sensor_id] = None

    def zoom(self, sensor_id: str, radius_m: float) -> float:
        """Set an overhead footprint radius within the sensor's limits; returns it."""
        spec = self._spec(sensor_id)
        radius = float(np.clip(radius_m, spec.min_footprint_radius_m, spec.max_footprint_radius_m))
        self.radius[sensor_id] = radius
        return radius

    def follow_track(self, sensor_id: str, track_id: str | None) -> None:
        """Keep an overhead footprint on a track's estimated position (None stops)."""
        self.follow[sensor_id] = track_id

    def _spec(self, sensor_id: str):
        return self.scenario.sensors[self.sensor_ids.index(sensor_id)]

    def _slew(self, tick_s: float) -> None:
        for sensor_id, centre in self.centre.items():
            followed = self.follow[sensor_id]
            if followed is not None:
                index = self.track_index(followed)
                if index is not None and not self.track_lost[index]:
                    self.aim[sensor_id] = self.track_xy[index].copy()
            spec = self._spec(sensor_id)
            delta = self.aim[sensor_id] - centre
            distance = float(np.hypot(*delta))
            step = spec.slew_speed_mps * tick_s
            centre[:] = (
                self.aim[sensor_id] if distance <= step else centre + delta * (step / distance)
            )

    # ------------------------------------------------------------------ the tick

    def is_night(self, time_of_day_s: float) -> bool:
        """Whether it is dark at a time of day."""
        environment = self.scenario.environment
        return not (
            time_to_seconds(environment.sunrise)
            <= time_of_day_s
            < time_to_seconds(environment.sunset)
        )

    def sensor_circle(self, sensor, unit_xy: np.ndarray, unit_index: dict[str, int]):
        """(x, y, radius) a sensor covers now."""
        if sensor.kind == "overhead":
            cx, cy = self.centre[sensor.id]
            return float(cx), float(cy), self.radius[sensor.id]
        cx, cy = unit_xy[unit_index[sensor.unit]]
        return float(cx), float(cy), float(sensor.range_m)

    def update(
        self,
        tick: int,
        time_of_day_s: float,
        entities: Entities,
        unit_xy: np.ndarray,
        unit_index: dict[str, int],
        tick_s: float,
    ) -> None:
        """Detect, read indicators and maintain tracks for one tick."""
        self._slew(tick_s)
        night = self.is_night(time_of_day_s)
        weather = WEATHER_FACTOR.get(self.scenario.environment.weather, 1.0)
        best_resolution = np.full(self.n_entities, np.inf)
        thermal_only = np.zeros(self.n_entities, dtype=bool)
        noticed = np.zeros(self.n_entities, dtype=bool)
        xy = entities.xy
        # Only people and vehicles in the open can be seen: measure distances for them alone.
        visible = np.flatnonzero(entities.visible_outdoors)
        visible_x, visible_y = xy[visible, 0], xy[visible, 1]
        for sensor in self.scenario.sensors:
            cx, cy, radius = self.sensor_circle(sensor, unit_xy, unit_index)
            dx = visible_x - cx
            dy = visible_y - cy
            squared = dx * dx + dy * dy
            near = squared <= radius * radius
            candidates = visible[near]
            if candidates.size == 0:
                continue
            distance_near = np.sqrt(squared[near])
            if sensor.kind == "overhead":
                resolution = np.full(candidates.size, 2.0 * radius / sensor.pixels_across)
                range_factor = np.ones(candidates.size)
            else:
                sight = self._horizon(sensor.id, cx, cy, radius)
                in_sight = visible_from(sight, cx, cy, xy[candidates, 0], xy[candidates, 1])
                candidates = candidates[in_sight]
                distance_near = distance_near[in_sight]
                resolution = np.maximum(distance_near * 0.001, 0.02)
                range_factor = 1.0 - 0.5 * (distance_near / radius) ** 2
            light = 1.0
            if night:
                light = 0.5 if sensor.thermal else 0.1
            chance = sensor.detection_probability * light * weather * range_factor
            if sensor.kind == "overhead":
                chance = chance * np.minimum(1.0, 0.5 / resolution)
            per_tick = 1.0 - (1.0 - np.clip(chance, 0.0, 1.0)) ** tick_s
            hit = self.rng.random(candidates.size) < per_tick
            rows = candidates[hit]
            noticed[rows] = True
            better = resolution[hit] < best_resolution[rows]
            best_resolution[rows[better]] = resolution[hit][better]
            thermal_only[rows[better]] = night and sensor.thermal
        self.in_view = noticed
        self.ever_seen |= noticed
        seen = np.flatnonzero(noticed)
        self._expire(tick)
        self._assign(tick, seen, xy, entities.category)
        self._refresh(tick, seen, xy, best_resolution[seen], thermal_only[seen], tick_s)

    def _horizon(self, sensor_id: str, x_m: float, y_m: float, range_m: float) -> np.ndarray:
        cached = self._horizons.get(sensor_id)
        here = np.array([x_m, y_m])
        if cached is not None and np.hypot(*(cached[0] - here)) <= HORIZON_REUSE_M:
            return cached[1]
        world = self.world
        own = -1
        if world.building_tree is not None:
            import shapely

            found = world.building_tree.query(shapely.Point(x_m, y_m), predicate="intersects")
            own = int(found[0]) if len(found) else -1
        sight = horizon(self.edges, x_m, y_m, range_m, own_building=own)
        self._horizons[sensor_id] = (here, sight)
        return sight

    # ------------------------------------------------------------------ tracks

    def _grow(self) -> None:
        size = len(self.track_entity) * 2
        for name in (
            "track_entity",
            "track_first_entity",
            "track_category",
            "track_first_seen",
            "track_last_seen",
            "track_xy",
            "track_sigma",
            "track_lost",
            "track_swapped",
            "track_class",
            "track_confidence",
            "track_indicators",
        ):
            old = getattr(self, name)
            new = np.zeros((size, *old.shape[1:]), dtype=old.dtype)
            if name in ("track_entity", "track_first_entity"):
                new[:] = -1
            new[: len(old)] = old
            setattr(self, name, new)

    def _expire(self, tick: int) -> None:
        live = np.flatnonzero(~self.track_lost[: self.n_tracks])
        stale = live[self.track_last_seen[live] < tick - self.timeout_ticks]
        if stale.size:
            self.track_lost[stale] = True
            self.entity_track[self.track_entity[stale]] = -1
            self.track_entity[stale] = -1

    def _assign(self, tick: int, seen: np.ndarray, xy: np.ndarray, category: np.ndarray) -> None:
        """Give every detected entity without a track an old lost track nearby, or a new one."""
        fresh = seen[self.entity_track[seen] < 0]
        if fresh.size == 0:
            return
        window = self.timeout_ticks * LOST_TRACK_SEARCH_FACTOR
        lost = np.flatnonzero(
            self.track_lost[: self.n_tracks]
            & (self.track_last_seen[: self.n_tracks] >= tick - window)
        )
        for entity in fresh:
            entity = int(entity)
            if lost.size:
                same_kind = lost[self.track_category[lost] == category[entity]]
                if same_kind.size:
                    elapsed = (tick - self.track_last_seen[same_kind]) * self.scenario.clock.tick_s
                    growth = np.where(
                        self.track_category[same_kind] == CATEGORY_VEHICLE,
                        DRIVE_GROWTH_MPS,
                        WALK_GROWTH_MPS,
                    )
                    reach = 10.0 + growth * elapsed
                    gap = np.hypot(*(self.track_xy[same_kind] - xy[entity]).T)
                    ok = gap <= reach
                    if ok.any():
                        pick = int(same_kind[ok][np.argmin(gap[ok])])
                        self.track_lost[pick] = False
                        self.track_entity[pick] = entity
                        self.entity_track[entity] = pick
                        if self.track_first_entity[pick] != entity:
                            self.track_swapped[pick] = True
                        lost = lost[lost != pick]
                        continue
            if self.n_tracks == len(self.track_entity):
                self._grow()
            index = self.n_tracks
            self.n_tracks += 1
            self.track_entity[index] = entity
            self.track_first_entity[index] = entity
            self.track_category[index] = category[entity]
            self.track_first_seen[index] = tick
            self.track_last_seen[index] = tick
            self.track_xy[index] = xy[entity]
            self.entity_track[entity] = index

    def _refresh(
        self,
        tick: int,
        seen: np.ndarray,
        xy: np.ndarray,
        resolution: np.ndarray,
        thermal_only: np.ndarray,
        tick_s: float,
    ) -> None:
        """Update position estimates and indicators of the tracks seen this tick."""
        if seen.size == 0:
            return
        tracks = self.entity_track[seen]
        sigma = np.maximum(0.5, resolution * 5.0)
        noise = self.rng.normal(0.0, 1.0, (seen.size, 2)) * sigma[:, None]
        self.track_xy[tracks] = xy[seen] + noise
        self.track_sigma[tracks] = sigma
        self.track_last_seen[tracks] = tick
        quality = self.track_indicators
        # People driving (a hostile actor with a vehicle) are seen as vehicles.
        people = seen < self.n_people
        people[people] = ~self.people.in_vehicle[seen[people]]
        person_rows = seen[people]
        person_tracks = tracks[people]
        vehicle_tracks = tracks[~people]
        quality[vehicle_tracks, IND["vehicle"]] = np.maximum(
            quality[vehicle_tracks, IND["vehicle"]],
            quality_at(resolution[~people], RESOLUTION_LIMIT_M["vehicle"]),
        )
        if person_rows.size == 0:
            return
        res = resolution[people]
        # Thermal images show shapes, not detail: everything needs twice the resolution.
        res = np.where(thermal_only[people], res * 2.0, res)
        table = self.people
        draws = self.rng.random((person_rows.size, 3))

        def raise_to(indicator: str, mask: np.ndarray, value: np.ndarray) -> None:
            column = IND[indicator]
            rows = person_tracks[mask]
            quality[rows, column] = np.maximum(quality[rows, column], value[mask])

        raise_to("person", np.ones(person_rows.size, dtype=bool), np.ones(person_rows.size))
        age_quality = quality_at(res, RESOLUTION_LIMIT_M["adult_child"])
        is_child = table.age[person_rows] == 0
        raise_to("child", is_child & (age_quality > 0), age_quality)
        raise_to("adult", ~is_child & (age_quality > 0), age_quality)
        carried = table.carries_object[person_rows] | table.armed[person_rows]
        carry_quality = quality_at(res, RESOLUTION_LIMIT_M["carrying_object"])
        raise_to("carrying_object", carried & (carry_quality > 0), carry_quality)
        weapon_shown = table.armed[person_rows] & (
            draws[:, 0] < table.weapon_visible_probability[person_rows]
        )
        long_quality = quality_at(res, RESOLUTION_LIMIT_M["long_object"])
        long_thing = weapon_shown | self.long_tool[person_rows]
        raise_to("long_object", long_thing & (long_quality > 0), long_quality)
        weapon_quality = quality_at(res, RESOLUTION_LIMIT_M["weapon_visible"])
        raise_to("weapon_visible", weapon_shown & (weapon_quality > 0), weapon_quality)
        low, high = LOOKALIKE_RESOLUTION_M
        lookalike = (
            self.long_tool[person_rows]
            & (res > low)
            & (res <= high)
            & (draws[:, 1] < 1.0 - (1.0 - LOOKALIKE_CHANCE_PER_S) ** tick_s)
        )
        raise_to("weapon_visible", lookalike, np.full(person_rows.size, 0.3))
        uniform_quality = quality_at(res, RESOLUTION_LIMIT_M["uniform"])
        raise_to("uniform", table.uniformed[person_rows] & (uniform_quality > 0), uniform_quality)

    def mark_indicator(self, entities: np.ndarray, indicator: str, value: float) -> list[int]:
        """Raise an indicator on the live tracks of the given entities (e.g. a hostile act
        seen by a sensor); returns the tracks changed."""
        changed = []
        for entity in entities:
            track = int(self.entity_track[int(entity)])
            if track >= 0 and self.in_view[int(entity)]:
                column = IND[indicator]
                self.track_indicators[track, column] = max(
                    self.track_indicators[track, column], value
                )
                changed.append(track)
        return changed

    # ------------------------------------------------------------------ lookups

    @staticmethod
    def track_name(index: int) -> str:
        """The trainee-facing id of a track index."""
        return f"T{index + 1:04d}"

    def track_index(self, track_id: str) -> int | None:
        """Index of a track id, or None when there is no such track."""
        if not isinstance(track_id, str) or not track_id.startswith("T"):
            return None
        try:
            index = int(track_id[1:]) - 1
        except ValueError:
            return None
        return index if 0 <= index < self.n_tracks else None

    def uncertainty_m(self, index: int, tick: int, tick_s: float) -> float:
        """How far off a track's position may be now (grows while out of view)."""
        growth = (
            DRIVE_GROWTH_MPS if self.track_category[index] == CATEGORY_VEHICLE else WALK_GROWTH_MPS
        )
        elapsed = (tick - self.track_last_seen[index]) * tick_s
        # 3 sigma: the true position lies inside this radius about 99 % of the time.
        return float(3.0 * self.track_sigma[index] + growth * elapsed)

    def indicators_of(self, index: int) -> tuple[tuple[str, float], ...]:
        """Observed indicators of a track with their best quality, strongest first.

        Cached per track until its indicators change (pictures are built every tick).
        """
        row = self.track_indicators[index]
        key = row.tobytes()
        cached = self._indicator_cache.get(index)
        if cached is not None and cached[0] == key:
            return cached[1]
        found = [(INDICATORS[i], round(float(row[i]), 2)) for i in np.flatnonzero(row > 0)]
        result = tuple(sorted(found, key=lambda item: (-item[1], item[0])))
        self._indicator_cache[index] = (key, result)
        return result

    def uncertainties_m(self, indices: np.ndarray, tick: int, tick_s: float) -> np.ndarray:
        """:meth:`uncertainty_m` for many tracks at once."""
        growth = np.where(
            self.track_category[indices] == CATEGORY_VEHICLE, DRIVE_GROWTH_MPS, WALK_GROWTH_MPS
        )
        elapsed = (tick - self.track_last_seen[indices]) * tick_s
        return 3.0 * self.track_sigma[indices] + growth * elapsed

    def digest_arrays(self) -> list[np.ndarray]:
        """Arrays that describe the sensing state, for state hashes."""
        n = self.n_tracks
        return [
            self.entity_track,
            self.track_entity[:n],
            self.track_last_seen[:n],
            self.track_xy[:n],
            self.track_lost[:n],
            self.track_class[:n],
            self.track_confidence[:n],
            self.track_indicators[:n],
            self.in_view,
            *self.centre.values(),
            np.array(list(self.radius.values())),
        ]
