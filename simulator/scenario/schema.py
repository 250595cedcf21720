"""Pydantic models of the scenario format, version 1.

This is the authoring contract between instructors (who write YAML) and everything else
(engine, console, scoring). Every model forbids unknown keys, every field carries a
description, and units live in field names (``speed_mps``, ``radius_m``, ``tick_s``).
Models are frozen: once loaded, a scenario never changes.

Type checks live here; checks that need the whole scenario (ids, references, geometry,
times) live in :mod:`simulator.scenario.checks`.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TIME_PATTERN = r"^(([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d)?|24:00(:00)?)$"
_TIME_RE = re.compile(TIME_PATTERN)

Identifier = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        min_length=1,
        max_length=64,
        description="A short id: letters, digits, '-', '_' or '.', starting with a letter "
        "or digit.",
    ),
]
TimeOfDay = Annotated[
    str,
    Field(
        pattern=TIME_PATTERN,
        description="A time of day as HH:MM or HH:MM:SS, 24-hour clock (00:00 to 24:00). "
        'Quote it in YAML: "07:30".',
    ),
]
Point = Annotated[
    tuple[float, float],
    Field(description="A position [x_m, y_m] in metres from the map's south-west corner."),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


def time_to_seconds(text: str) -> int:
    """Convert ``HH:MM`` or ``HH:MM:SS`` into seconds after midnight.

    Args:
        text: a time of day already matching ``TIME_PATTERN``.

    Returns:
        Seconds after midnight (0 to 86400).
    """
    if not _TIME_RE.match(text):
        raise ValueError(f"not a time of day: {text!r} (expected HH:MM)")
    parts = [int(p) for p in text.split(":")]
    hours, minutes = parts[0], parts[1]
    seconds = parts[2] if len(parts) == 3 else 0
    total = hours * 3600 + minutes * 60 + seconds
    if total > 86400:
        raise ValueError(f"time of day after 24:00: {text!r}")
    return total


def seconds_to_time(seconds: float) -> str:
    """Format seconds after midnight as ``HH:MM`` (or ``HH:MM:SS``), wrapping past midnight."""
    whole = int(round(seconds)) % 86400 if seconds != 86400 else 86400
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


class Model(BaseModel):
    """Base for every scenario model: unknown keys are errors and values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_enum_values=True,
        validate_default=True,
        allow_inf_nan=False,
    )


# --------------------------------------------------------------------------- meta


class Difficulty(str, Enum):
    """How hard a scenario (or variant) is meant to be."""

    basic = "basic"
    intermediate = "intermediate"
    advanced = "advanced"


class Meta(Model):
    """Who the scenario is for and what it teaches."""

    id: Identifier = Field(description="Stable scenario id, e.g. 'market-day-v1'.")
    title: str = Field(min_length=1, max_length=200, description="Title shown to trainees.")
    summary: str = Field(default="", description="One or two sentences for the catalogue.")
    authors: tuple[str, ...] = Field(default=(), description="Who wrote the scenario.")
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="Language of the texts as a BCP 47 tag, e.g. 'en', 'fr', 'ar'.",
    )
    learning_objectives: tuple[str, ...] = Field(
        default=(), description="What the trainee should be able to do after the exercise."
    )
    briefing: str = Field(default="", description="Situation and mission read by the trainee.")
    instructor_notes: str = Field(
        default="", description="For instructors only: traps, what good looks like."
    )
    difficulty: Difficulty = Field(default=Difficulty.intermediate, description="Intended level.")


# --------------------------------------------------------------------------- clock


class Clock(Model):
    """When the exercise happens and how fine its time steps are."""

    start_time: TimeOfDay = Field(description="Time of day when the exercise starts.")
    tick_s: float = Field(
        default=1.0, gt=0.0, le=60.0, description="Simulated seconds per tick (0 < tick_s <= 60)."
    )
    duration_s: int = Field(
        gt=0, le=7 * 86400, description="Length of the exercise in simulated seconds."
    )
    state_hash_every_ticks: int = Field(
        default=60,
        ge=1,
        description="How often the engine records a state hash that replays are checked against.",
    )

    @property
    def start_s(self) -> int:
        """Seconds after midnight at which the exercise starts."""
        return time_to_seconds(self.start_time)

    @property
    def total_ticks(self) -> int:
        """Number of ticks in the exercise."""
        return max(1, int(round(self.duration_s / self.tick_s)))


# --------------------------------------------------------------------------- environment


class Weather(str, Enum):
    """Weather, which limits what sensors can make out."""

    clear = "clear"
    haze = "haze"
    rain = "rain"
    dust = "dust"


class Environment(Model):
    """Light and weather: they decide what sensors and people can perceive."""

    sunrise: TimeOfDay = Field(default="06:00", description="Time of sunrise.")
    sunset: TimeOfDay = Field(default="18:30", description="Time of sunset.")
    weather: Weather = Field(default=Weather.clear, description="clear, haze, rain or dust.")
    ambient_noise: Probability = Field(
        default=0.3,
        description="Background noise from 0 (silent) to 1 (very loud); loud places make "
        "spoken and loudspeaker warnings harder to hear.",
    )

    @model_validator(mode="after")
    def _order(self) -> Environment:
        if time_to_seconds(self.sunset) <= time_to_seconds(self.sunrise):
            raise ValueError(f"sunset {self.sunset} must be after sunrise {self.sunrise}")
        return self


# --------------------------------------------------------------------------- map


class BuildingUse(str, Enum):
    """What a building is used for; schedules send people to buildings by use."""

    home = "home"
    shop = "shop"
    market = "market"
    school = "school"
    clinic = "clinic"
    hospital = "hospital"
    place_of_worship = "place_of_worship"
    government = "government"
    office = "office"
    industrial = "industrial"
    warehouse = "warehouse"
    compound = "compound"
    utility = "utility"
    farm = "farm"
    cafe = "cafe"
    other = "other"


class Construction(str, Enum):
    """How much shelter a building gives its occupants (used by notional effects)."""

    light = "light"
    medium = "medium"
    heavy = "heavy"


class Building(Model):
    """One building, given as a polygon footprint or as an axis-aligned rectangle."""

    id: Identifier = Field(description="Unique building id, e.g. 'b-012'.")
    use: BuildingUse = Field(description="What the building is used for.")
    name: str = Field(default="", description="Optional name shown on the map.")
    footprint: tuple[Point, ...] | None = Field(
        default=None,
        min_length=3,
        description="Outline as [[x_m, y_m], ...], at least 3 corners, not closed, "
        "not self-intersecting. Give either footprint or rect.",
    )
    rect: tuple[float, float, float, float] | None = Field(
        default=None,
        description="Shorthand outline [x_m, y_m, width_m, height_m] from the south-west corner. "
        "Give either footprint or rect.",
    )
    floors: int = Field(default=1, ge=1, le=100, description="Number of floors.")
    capacity: int = Field(
        default=10, ge=0, le=100_000, description="Occupants the building holds at most (people)."
    )
    construction: Construction = Field(
        default=Construction.medium, description="Shelter its walls give: light, medium, heavy."
    )

    @model_validator(mode="after")
    def _one_outline(self) -> Building:
        if (self.footprint is None) == (self.rect is None):
            raise ValueError("give exactly one of 'footprint' or 'rect'")
        if self.rect is not None and (self.rect[2] <= 0 or self.rect[3] <= 0):
            raise ValueError("rect width_m and height_m must be greater than 0")
        return self

    def outline(self) -> tuple[tuple[float, float], ...]:
        """The footprint as a tuple of corners, whichever way it was written."""
        if self.footprint is not None:
            return tuple((float(x), float(y)) for x, y in self.footprint)
        x, y, w, h = self.rect  # type: ignore[misc]
        return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


class RoadKind(str, Enum):
    """Kind of road; vehicles prefer main roads, people walk any."""

    main = "main"
    street = "street"
    alley = "alley"
    track = "track"


class Road(Model):
    """A road as a polyline. Roads that touch or cross are joined into one network."""

    id: Identifier = Field(description="Unique road id.")
    points: tuple[Point, ...] = Field(
        min_length=2, description="The centre line as [[x_m, y_m], ...], at least 2 points."
    )
    kind: RoadKind = Field(default=RoadKind.street, description="main, street, alley or track.")
    width_m: float = Field(default=6.0, gt=0.0, le=100.0, description="Width in metres.")
    name: str = Field(default="", description="Optional street name.")


class OpenAreaKind(str, Enum):
    """Kind of open (unbuilt) area."""

    square = "square"
    park = "park"
    field = "field"
    cemetery = "cemetery"
    parking = "parking"
    other = "other"


class OpenArea(Model):
    """An open area such as a square or a field; people may gather there outdoors."""

    id: Identifier = Field(description="Unique open area id.")
    kind: OpenAreaKind = Field(default=OpenAreaKind.square, description="Kind of open area.")
    polygon: tuple[Point, ...] = Field(min_length=3, description="Outline [[x_m, y_m], ...].")
    name: str = Field(default="", description="Optional name.")


class MapSection(Model):
    """The town: its size, buildings, roads and open areas."""

    extent_m: tuple[float, float] = Field(
        description="Map size [width_m, height_m]; positions run from [0, 0] to the extent."
    )
    buildings: tuple[Building, ...] = Field(default=(), description="All buildings.")
    roads: tuple[Road, ...] = Field(default=(), description="All roads.")
    open_areas: tuple[OpenArea, ...] = Field(default=(), description="Squares, fields, parks.")

    @field_validator("extent_m")
    @classmethod
    def _positive_extent(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] <= 0 or value[1] <= 0 or value[0] > 100_000 or value[1] > 100_000:
            raise ValueError("width_m and height_m must be between 0 and 100000 metres")
        return value


# --------------------------------------------------------------------------- protected


class ProtectedCategory(str, Enum):
    """Why a site is on the no-strike list."""

    medical = "medical"
    school = "school"
    place_of_worship = "place_of_worship"
    cultural = "cultural"
    humanitarian = "humanitarian"
    civilian_infrastructure = "civilian_infrastructure"
    diplomatic = "diplomatic"
    other = "other"


class ProtectedStatus(str, Enum):
    """Status of a protected site at a given time."""

    protected = "protected"
    restricted = "restricted"
    lost_protection = "lost_protection"


class StatusChange(Model):
    """A change of a protected site's status during the exercise."""

    at: TimeOfDay = Field(description="Time of day when the status changes.")
    status: ProtectedStatus = Field(description="The new status.")
    reason: str = Field(default="", description="Why, as shown to the trainee.")


class ProtectedSite(Model):
    """A site on the no-strike list, given by a building id or by its own polygon."""

    id: Identifier = Field(description="Unique protected site id.")
    name: str = Field(default="", description="Name shown on the map.")
    category: ProtectedCategory = Field(description="Why the site is protected.")
    building: Identifier | None = Field(
        default=None, description="Id of the protected building (or give polygon)."
    )
    polygon: tuple[Point, ...] | None = Field(
        default=None, min_length=3, description="Outline of the site (or give building)."
    )
    status: ProtectedStatus = Field(
        default=ProtectedStatus.protected, description="Status at the start."
    )
    status_changes: tuple[StatusChange, ...] = Field(
        default=(), description="Status changes during the exercise, in time order."
    )

    @model_validator(mode="after")
    def _one_location(self) -> ProtectedSite:
        if (self.building is None) == (self.polygon is None):
            raise ValueError("give exactly one of 'building' or 'polygon'")
        return self


class Protected(Model):
    """The no-strike list."""

    sites: tuple[ProtectedSite, ...] = Field(default=(), description="Protected sites.")


# --------------------------------------------------------------------------- population


class AgeGroup(str, Enum):
    """Age group of a civilian archetype; children are an indicator observers can see."""

    child = "child"
    adult = "adult"
    elder = "elder"


class ScheduleEntry(Model):
    """Where people are during one time window of the day.

    Outside every window a person is at home. Give exactly one of ``use`` (any building of
    that use, chosen once per person and kept), ``place`` (a building or open area id) or
    ``home: true``.
    """

    start: TimeOfDay = Field(description="When the activity starts.")
    end: TimeOfDay = Field(description="When it ends (after start).")
    use: BuildingUse | None = Field(default=None, description="Go to a building of this use.")
    place: Identifier | None = Field(
        default=None, description="Go to this building or open area id."
    )
    home: bool = Field(default=False, description="Stay at (or go back) home in this window.")
    probability: Probability = Field(
        default=1.0, description="Chance (0 to 1) that a given person does this on the day."
    )
    jitter_min: float = Field(
        default=10.0,
        ge=0.0,
        le=180.0,
        description="Start and end vary per person by up to this many minutes either way.",
    )

    @model_validator(mode="after")
    def _one_destination(self) -> ScheduleEntry:
        given = sum([self.use is not None, self.place is not None, bool(self.home)])
        if given != 1:
            raise ValueError("give exactly one of 'use', 'place' or 'home: true'")
        if time_to_seconds(self.end) <= time_to_seconds(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Archetype(Model):
    """A kind of civilian (market trader, pupil, worshipper...) and how many there are."""

    id: Identifier = Field(description="Unique archetype id, e.g. 'pupil'.")
    count: int = Field(ge=0, le=1_000_000, description="How many civilians of this kind.")
    age_group: AgeGroup = Field(default=AgeGroup.adult, description="child, adult or elder.")
    home_use: BuildingUse = Field(
        default=BuildingUse.home, description="Building use where these people live."
    )
    walk_speed_mps: tuple[float, float] = Field(
        default=(1.0, 1.5), description="Walking speed range [min, max] in metres per second."
    )
    carries_object_probability: Probability = Field(
        default=0.1, description="Chance a person carries a bag, tool or long object."
    )
    schedule: tuple[ScheduleEntry, ...] = Field(
        default=(), description="The daily routine; outside its windows people are at home."
    )

    @field_validator("walk_speed_mps")
    @classmethod
    def _speed_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] <= value[1] <= 10:
            raise ValueError("need 0 < min <= max <= 10 metres per second")
        return value


class Individual(Model):
    """A named civilian with a fixed home and, optionally, a routine of their own."""

    id: Identifier = Field(description="Unique id of the person.")
    name: str = Field(default="", description="Name used in briefings and intelligence.")
    archetype: Identifier | None = Field(
        default=None, description="Archetype whose routine and speed they follow."
    )
    home: Identifier = Field(description="Building id where they live.")
    schedule: tuple[ScheduleEntry, ...] | None = Field(
        default=None, description="Own routine; replaces the archetype's when given."
    )
    notes: str = Field(default="", description="Instructor notes about this person.")


class VehicleKind(str, Enum):
    """Kind of civilian or hostile vehicle."""

    car = "car"
    pickup = "pickup"
    truck = "truck"
    motorbike = "motorbike"
    bus = "bus"
    ambulance = "ambulance"


class VehicleGroup(Model):
    """Civilian vehicles driving between places on the road network."""

    id: Identifier = Field(description="Unique vehicle group id.")
    kind: VehicleKind = Field(default=VehicleKind.car, description="Kind of vehicle.")
    count: int = Field(ge=0, le=100_000, description="How many vehicles.")
    speed_mps: tuple[float, float] = Field(
        default=(6.0, 12.0), description="Speed range [min, max] in metres per second."
    )
    active_from: TimeOfDay = Field(default="06:00", description="When they start driving.")
    active_to: TimeOfDay = Field(default="20:00", description="When they stop driving.")


class Reactions(Model):
    """How civilians react to explosions, gunfire and warnings."""

    flee_probability: Probability = Field(
        default=0.6, description="Chance that a civilian who hears an explosion or gunfire flees."
    )
    shelter_probability: Probability = Field(
        default=0.3,
        description="Chance they shelter in the nearest building instead (the rest carry on).",
    )
    flee_distance_m: float = Field(
        default=200.0, gt=0.0, description="How far from the noise fleeing people go."
    )
    stay_away_min: float = Field(
        default=30.0,
        ge=0.0,
        description="Minutes people who fled or sheltered stay before resuming their routine.",
    )

    @model_validator(mode="after")
    def _sum(self) -> Reactions:
        if self.flee_probability + self.shelter_probability > 1.0 + 1e-9:
            raise ValueError("flee_probability + shelter_probability must not exceed 1")
        return self


class Population(Model):
    """The civilian population: archetypes, named individuals, vehicles and reactions."""

    archetypes: tuple[Archetype, ...] = Field(default=(), description="Kinds of civilians.")
    individuals: tuple[Individual, ...] = Field(default=(), description="Named civilians.")
    vehicles: tuple[VehicleGroup, ...] = Field(default=(), description="Civilian vehicles.")
    reactions: Reactions = Field(
        default_factory=Reactions, description="Reactions to danger and warnings."
    )


# --------------------------------------------------------------------------- forces


class HostileRole(str, Enum):
    """Role of a hostile actor (notional)."""

    fighter = "fighter"
    leader = "leader"
    facilitator = "facilitator"
    lookout = "lookout"
    bomb_maker = "bomb_maker"


class HostileActor(Model):
    """A hidden adversary who lives among civilians and follows a routine."""

    id: Identifier = Field(description="Unique id of the actor.")
    name: str = Field(default="", description="Name or alias used in intelligence.")
    role: HostileRole = Field(default=HostileRole.fighter, description="Role.")
    armed: bool = Field(default=True, description="Carries a weapon.")
    weapon_visible_probability: Probability = Field(
        default=0.3, description="Chance per observation that the weapon can be seen."
    )
    safehouse: Identifier = Field(description="Building id where the actor sleeps.")
    walk_speed_mps: tuple[float, float] = Field(
        default=(1.1, 1.5), description="Walking speed range [min, max] in metres per second."
    )
    routine: tuple[ScheduleEntry, ...] = Field(
        default=(), description="Daily routine (cache, meeting points, market to blend in)."
    )
    blends_in: bool = Field(
        default=True, description="Dresses and moves like a civilian (no uniform)."
    )
    vehicle: VehicleKind | None = Field(
        default=None,
        description="The actor drives this kind of vehicle between the places of the routine "
        "(seen by sensors as a vehicle; a weapon inside cannot be seen). Give "
        "walk_speed_mps as the driving speed range.",
    )

    @field_validator("walk_speed_mps")
    @classmethod
    def _speed_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 < value[0] <= value[1] <= 40:
            raise ValueError("need 0 < min <= max <= 40 metres per second")
        return value

    @model_validator(mode="after")
    def _walking_speed(self) -> HostileActor:
        if self.vehicle is None and self.walk_speed_mps[1] > 10:
            raise ValueError(
                "walk_speed_mps above 10 m/s is a driving speed; set 'vehicle' (e.g. car)"
            )
        return self


class FriendlyKind(str, Enum):
    """Kind of friendly unit."""

    patrol = "patrol"
    observation_post = "observation_post"
    checkpoint = "checkpoint"
    headquarters = "headquarters"


class FriendlyUnit(Model):
    """A friendly unit the trainee commands."""

    id: Identifier = Field(description="Unique unit id.")
    name: str = Field(default="", description="Call sign.")
    kind: FriendlyKind = Field(default=FriendlyKind.patrol, description="Kind of unit.")
    position: Point = Field(description="Starting position [x_m, y_m].")
    speed_mps: float = Field(default=1.4, ge=0.0, le=40.0, description="Movement speed.")
    strength: int = Field(default=4, ge=1, le=1000, description="Number of people.")


class Forces(Model):
    """Hostile actors and friendly units."""

    hostile: tuple[HostileActor, ...] = Field(default=(), description="Hidden adversaries.")
    friendly: tuple[FriendlyUnit, ...] = Field(default=(), description="Own units.")


# --------------------------------------------------------------------------- sensors


class SensorKind(str, Enum):
    """Kind of sensor."""

    overhead = "overhead"
    ground_observer = "ground_observer"


class IntelligenceService(Model):
    """The notional intelligence cell the trainee can ask about a contact."""

    reliability: Probability = Field(
        default=0.7, description="Chance that an answer to a request is right."
    )
    response_delay_s: float = Field(
        default=120.0, ge=0.0, description="Seconds until an answer arrives."
    )
    track_timeout_s: float = Field(
        default=30.0,
        gt=0.0,
        description="A contact not seen for this long is marked lost (its track may later be "
        "picked up again, sometimes on the wrong person).",
    )


class Sensor(Model):
    """A sensor the trainee can task.

    ``overhead`` sensors (drone, aerostat) watch a circular footprint and cannot see
    indoors; ``ground_observer`` sensors belong to a friendly unit and are blocked by
    buildings.
    """

    id: Identifier = Field(description="Unique sensor id.")
    kind: SensorKind = Field(description="overhead or ground_observer.")
    name: str = Field(default="", description="Name shown to the trainee.")
    unit: Identifier | None = Field(
        default=None, description="Friendly unit carrying a ground_observer sensor."
    )
    position: Point | None = Field(
        default=None, description="Initial centre of an overhead sensor's footprint."
    )
    footprint_radius_m: float = Field(
        default=150.0, gt=0.0, le=5000.0, description="Radius of an overhead footprint."
    )
    min_footprint_radius_m: float = Field(
        default=50.0, gt=0.0, description="Smallest footprint when zoomed in (best resolution)."
    )
    max_footprint_radius_m: float = Field(
        default=600.0, gt=0.0, description="Largest footprint when zoomed out."
    )
    range_m: float = Field(
        default=300.0, gt=0.0, le=20000.0, description="Line-of-sight range of a ground observer."
    )
    thermal: bool = Field(default=False, description="Has a thermal (night) channel.")
    slew_speed_mps: float = Field(
        default=30.0, gt=0.0, description="How fast an overhead footprint moves when re-tasked."
    )
    pixels_across: int = Field(
        default=2000,
        ge=50,
        le=20000,
        description="Image width in pixels of an overhead sensor: with the footprint it sets "
        "the resolution (metres per pixel = 2 x radius / pixels_across), which decides the "
        "indicators that can be made out.",
    )
    detection_probability: Probability = Field(
        default=0.9,
        description="Chance per second of noticing a person in view in ideal conditions.",
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> Sensor:
        if self.kind == SensorKind.overhead.value and self.position is None:
            raise ValueError("an overhead sensor needs 'position' (centre of its footprint)")
        if self.kind == SensorKind.ground_observer.value and self.unit is None:
            raise ValueError("a ground_observer sensor needs 'unit' (the friendly unit id)")
        if self.min_footprint_radius_m > self.max_footprint_radius_m:
            raise ValueError("min_footprint_radius_m must not exceed max_footprint_radius_m")
        if not (
            self.min_footprint_radius_m <= self.footprint_radius_m <= self.max_footprint_radius_m
        ):
            raise ValueError(
                "footprint_radius_m must lie between min_footprint_radius_m and "
                "max_footprint_radius_m"
            )
        return self


# --------------------------------------------------------------------------- effects


class EffectKind(str, Enum):
    """Kinetic effects harm; non-kinetic ones delay, disrupt or detain."""

    kinetic = "kinetic"
    non_kinetic = "non_kinetic"


class NonKineticAction(str, Enum):
    """What a non-kinetic effect does to its target."""

    detain = "detain"
    disrupt = "disrupt"
    delay = "delay"


class ShelterFactors(Model):
    """Chance (0 to 1) that an occupant inside a building within an effect's radius is
    harmed, relative to someone in the open, by construction."""

    light: Probability = Field(default=0.8, description="Light construction (sheds, stalls).")
    medium: Probability = Field(default=0.5, description="Medium construction (houses).")
    heavy: Probability = Field(default=0.2, description="Heavy construction (concrete).")


class Effect(Model):
    """A notional effect: abstract training values, never real weapon data."""

    id: Identifier = Field(description="Unique effect id.")
    name: str = Field(description="Name shown to the trainee.")
    kind: EffectKind = Field(default=EffectKind.kinetic, description="kinetic or non_kinetic.")
    lethal_radius_m: float = Field(default=0.0, ge=0.0, description="Notional lethal radius.")
    injury_radius_m: float = Field(default=0.0, ge=0.0, description="Notional injury radius.")
    scatter_m: float = Field(default=0.0, ge=0.0, description="Notional delivery scatter (1 sd).")
    time_to_effect_s: float = Field(
        default=10.0, ge=0.0, description="Seconds from release to effect."
    )
    structural_radius_m: float = Field(
        default=0.0, ge=0.0, description="Buildings within this radius are damaged."
    )
    noise_radius_m: float = Field(
        default=0.0, ge=0.0, description="Civilians within this radius hear it and react."
    )
    shelter: ShelterFactors = Field(
        default_factory=ShelterFactors,
        description="How much buildings protect their occupants from this effect.",
    )
    action: NonKineticAction | None = Field(
        default=None,
        description="For non_kinetic effects: detain (needs a friendly unit within "
        "unit_reach_m of the target), disrupt or delay (the target stays put for "
        "disrupt_min).",
    )
    unit_reach_m: float = Field(
        default=30.0, gt=0.0, description="How close a friendly unit must be to detain."
    )
    success_probability: Probability = Field(
        default=0.8, description="Chance a non-kinetic effect works when its conditions hold."
    )
    disrupt_min: float = Field(
        default=30.0, gt=0.0, description="How long a disrupted or delayed target is held."
    )
    meets_objective: bool = Field(
        default=True,
        description="Whether this effect, when it works, achieves a 'neutralise' objective "
        "(detain does; delay does not).",
    )

    @model_validator(mode="after")
    def _radii(self) -> Effect:
        if self.injury_radius_m and self.injury_radius_m < self.lethal_radius_m:
            raise ValueError("injury_radius_m must be at least lethal_radius_m")
        if self.kind == EffectKind.non_kinetic.value and self.action is None:
            raise ValueError("a non_kinetic effect needs 'action': detain, disrupt or delay")
        if self.kind == EffectKind.kinetic.value and self.lethal_radius_m <= 0:
            raise ValueError("a kinetic effect needs a lethal_radius_m above 0")
        return self


class WarningKind(str, Enum):
    """Notional means of warning civilians."""

    loudspeaker = "loudspeaker"
    leaflets = "leaflets"
    phone = "phone"
    radio = "radio"


class WarningMeans(Model):
    """A way to warn civilians before an effect, with how well it reaches them."""

    id: Identifier = Field(description="Unique id of the means.")
    name: str = Field(default="", description="Name shown to the trainee.")
    kind: WarningKind = Field(description="loudspeaker, leaflets, phone or radio.")
    reach_m: float = Field(gt=0.0, description="Radius around the aim point it reaches.")
    perceive_probability_day: Probability = Field(
        default=0.8, description="Chance someone in reach perceives it by day."
    )
    perceive_probability_night: Probability = Field(
        default=0.5, description="Chance someone in reach perceives it at night."
    )
    noise_sensitivity: Probability = Field(
        default=0.5,
        description="How much ambient noise spoils it (1: fully; 0: not at all, e.g. phone).",
    )
    compliance: Probability = Field(
        default=0.8, description="Chance that someone who perceived it leaves."
    )
    delay_s: float = Field(default=60.0, ge=0.0, description="Seconds before people leave.")
    leave_distance_m: float = Field(
        default=150.0, gt=0.0, description="How far from the aim point people go."
    )
    alerts_target_probability: Probability = Field(
        default=0.3, description="Chance the warning also alerts the target, who then hides."
    )


# --------------------------------------------------------------------------- escalation of force


class EscalationStep(str, Enum):
    """One step of the escalation-of-force ladder at a checkpoint (notional, D12).

    From least to most forceful: placing signs and barriers, hand signals, a visual signal
    (flag by day, light at night), an audible signal (horn, loudspeaker), a laser dazzler,
    showing the weapon, a warning shot (a last resort), disabling fire (at the vehicle's
    engine) and lethal force.
    """

    signs_barriers = "signs_barriers"
    hand_signals = "hand_signals"
    visual_signal = "visual_signal"
    audible_signal = "audible_signal"
    laser_dazzler = "laser_dazzler"
    show_weapon = "show_weapon"
    warning_shot = "warning_shot"
    disabling_fire = "disabling_fire"
    lethal_force = "lethal_force"


FORCE_STEPS = ("warning_shot", "disabling_fire", "lethal_force")


class EscalationOfForce(Model):
    """The escalation-of-force ladder the ROE sets for checkpoints.

    Steps are used in order, least forceful first, when time permits; warning shots are
    a last resort (ISAF 2007 guidance). The simulator carries out whatever step the
    trainee orders; skipping or misusing steps is judged in the review.
    """

    steps: tuple[EscalationStep, ...] = Field(
        default=tuple(EscalationStep),
        min_length=1,
        description="The steps in the order the ROE expects them, least forceful first "
        "(default: all nine, signs_barriers ... lethal_force).",
    )
    allowed: tuple[EscalationStep, ...] | None = Field(
        default=None,
        description="Steps the trainee may use (default: every step of the ladder). Using "
        "another is a rule violation.",
    )
    warning_shots_last_resort: bool = Field(
        default=True,
        description="A warning shot counts as early unless every allowed, lesser signal "
        "was tried first when time permitted (default true).",
    )
    step_time_s: float = Field(
        default=3.0,
        gt=0.0,
        le=60.0,
        description="Seconds one step needs to be given and seen; used to judge whether "
        "there was time for a step that was skipped (default 3).",
    )
    warning_shot_stray_probability: Probability = Field(
        default=0.05,
        description="Chance that a warning shot's round harms a bystander (notional; "
        "default 0.05). One reason warning shots are a last resort.",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EscalationOfForce:
        if len(set(self.steps)) != len(self.steps):
            raise ValueError("each step may appear only once in 'steps'")
        if self.allowed is not None:
            unknown = [step for step in self.allowed if step not in self.steps]
            if unknown:
                raise ValueError(
                    f"allowed steps {unknown} are not in 'steps'; add them to the ladder"
                )
        return self

    def allowed_steps(self) -> tuple[str, ...]:
        """The allowed steps, in ladder order."""
        allowed = set(self.steps if self.allowed is None else self.allowed)
        return tuple(step for step in self.steps if step in allowed)


class NonLethalMeans(Model):
    """A notional, authorised non-lethal means for crowds (abstract training values)."""

    id: Identifier = Field(description="Unique id of the means.")
    name: str = Field(default="", description="Name shown to the trainee.")
    reach_m: float = Field(
        default=15.0, gt=0.0, le=200.0, description="Radius around its aim point (default 15)."
    )
    injury_probability: Probability = Field(
        default=0.05,
        description="Chance that a person within reach is injured (notional; default 0.05).",
    )
    tension_increase: Probability = Field(
        default=0.15,
        description="How much it raises the crowd's tension (0 to 1 scale) unless the crowd "
        "is already violent (default 0.15). Force begets anger.",
    )


def _default_non_lethal() -> tuple[NonLethalMeans, ...]:
    return (NonLethalMeans(id="crowd-means", name="Notional crowd-control means"),)


class PublicOrder(Model):
    """Rules for public assemblies (D13; UN Basic Principles 12-14).

    Peaceful assemblies are never dispersed by force: any force against a peaceful
    assembly is a violation, and force against a crowd that is agitated but not violent
    is judged unnecessary.
    """

    non_lethal_means: tuple[NonLethalMeans, ...] = Field(
        default_factory=_default_non_lethal,
        description="Authorised non-lethal means (default: one notional means, "
        "'crowd-means', reach 15 m, injury chance 0.05).",
    )
    escalation_window_s: float = Field(
        default=120.0,
        gt=0.0,
        description="A crowd that gets worse within this many seconds of a trainee's action "
        "that raised tension counts as escalation the trainee caused (default 120).",
    )


# --------------------------------------------------------------------------- roe


class Indicator(str, Enum):
    """Observable indicators that PID criteria can require."""

    weapon_visible = "weapon_visible"
    hostile_act = "hostile_act"
    hostile_intent = "hostile_intent"
    uniform = "uniform"
    at_known_hostile_site = "at_known_hostile_site"
    intelligence_match = "intelligence_match"
    declared_hostile = "declared_hostile"


class ApprovalLevel(Model):
    """Who must approve an engagement, by the estimated civilian harm."""

    max_estimated_civilian_casualties: int = Field(
        ge=0, description="This level applies up to this many estimated civilian casualties."
    )
    authority: str = Field(min_length=1, description="Who approves, e.g. 'on-scene commander'.")
    delay_s: float = Field(default=0.0, ge=0.0, description="Seconds to obtain the approval.")


class OccupancyEstimate(Model):
    """What the intelligence cell assumes about how full buildings of one use are."""

    use: BuildingUse = Field(description="Building use.")
    start: TimeOfDay = Field(description="From this time...")
    end: TimeOfDay = Field(description="...to this time (after start).")
    fraction: Probability = Field(description="Share of capacity assumed present (0 to 1).")

    @model_validator(mode="after")
    def _window(self) -> OccupancyEstimate:
        if time_to_seconds(self.end) <= time_to_seconds(self.start):
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Roe(Model):
    """The rules-of-engagement profile used in this scenario."""

    profile: str = Field(default="default", description="Name of the ROE profile.")
    pid_required_indicators: tuple[Indicator, ...] = Field(
        default=(Indicator.weapon_visible,),
        description="Indicators that must have been observed before PID may be declared.",
    )
    pid_min_observation_s: float = Field(
        default=30.0, ge=0.0, description="Minimum observation time before PID."
    )
    approval_levels: tuple[ApprovalLevel, ...] = Field(
        default=(
            ApprovalLevel(
                max_estimated_civilian_casualties=0, authority="on-scene commander", delay_s=0
            ),
            ApprovalLevel(
                max_estimated_civilian_casualties=2, authority="task force commander", delay_s=120
            ),
        ),
        description="Approval levels in increasing order; above the last, engagement is denied.",
    )
    allowed_effects: tuple[Identifier, ...] | None = Field(
        default=None, description="Effect ids the trainee may use (all when omitted)."
    )
    protected_categories: tuple[ProtectedCategory, ...] = Field(
        default=tuple(ProtectedCategory),
        description="Categories of protected site that no effect may touch while protected.",
    )
    min_indicator_quality: Probability = Field(
        default=0.5,
        description="An indicator counts for PID only when seen at least this clearly (0 to 1).",
    )
    abort_cutoff_s: float = Field(
        default=5.0,
        ge=0.0,
        description="Aborts are possible until this many seconds before effect.",
    )
    occupancy_estimates: tuple[OccupancyEstimate, ...] = Field(
        default=(),
        description="Occupancy intelligence used by collateral damage estimates, added to "
        "the built-in defaults (homes 90 % at night, 40 % by day; schools 95 % in school "
        "hours; ...); see docs/authoring.md.",
    )
    warning_required_when_feasible: bool = Field(
        default=True, description="Warn civilians whenever circumstances permit."
    )
    escalation_of_force: EscalationOfForce = Field(
        default_factory=EscalationOfForce,
        description="The escalation-of-force ladder for checkpoints (default: all nine "
        "steps in order, warning shots a last resort).",
    )
    public_order: PublicOrder = Field(
        default_factory=PublicOrder,
        description="Rules and authorised non-lethal means for public assemblies.",
    )

    @field_validator("approval_levels")
    @classmethod
    def _increasing(cls, value: tuple[ApprovalLevel, ...]) -> tuple[ApprovalLevel, ...]:
        limits = [level.max_estimated_civilian_casualties for level in value]
        if limits != sorted(limits) or len(set(limits)) != len(limits):
            raise ValueError(
                "approval levels must be in strictly increasing order of "
                "max_estimated_civilian_casualties"
            )
        return value


# --------------------------------------------------------------------------- injects


class InjectKind(str, Enum):
    """What an inject does when it fires."""

    message = "message"
    intel_report = "intel_report"
    gathering = "gathering"
    protected_status = "protected_status"
    explosion = "explosion"
    gunfire = "gunfire"


class InjectTrigger(Model):
    """A condition that fires an inject (instead of a time)."""

    actor_at: Identifier | None = Field(
        default=None, description="Fire when this person (hostile or named civilian) arrives..."
    )
    place: Identifier | None = Field(default=None, description="...at this building id.")
    after_inject: Identifier | None = Field(
        default=None, description="Fire when this other inject has fired."
    )
    delay_s: float = Field(default=0.0, ge=0.0, description="Seconds to wait after the condition.")

    @model_validator(mode="after")
    def _complete(self) -> InjectTrigger:
        has_actor = self.actor_at is not None or self.place is not None
        if has_actor and (self.actor_at is None or self.place is None):
            raise ValueError("'actor_at' and 'place' go together")
        if has_actor == (self.after_inject is not None):
            raise ValueError("give either 'actor_at' with 'place', or 'after_inject'")
        return self


class Inject(Model):
    """An event the instructor scripts: a message, an intelligence report, a gathering..."""

    id: Identifier = Field(description="Unique inject id.")
    kind: InjectKind = Field(
        description="message, intel_report, gathering, protected_status, or a hostile "
        "explosion or gunfire at 'place' that civilians react to."
    )
    at: TimeOfDay | None = Field(default=None, description="Time of day when it fires.")
    when: InjectTrigger | None = Field(default=None, description="Condition that fires it.")
    text: str = Field(default="", description="Text shown to the trainee.")
    place: Identifier | None = Field(
        default=None, description="Building or open area where a gathering happens."
    )
    count: int = Field(default=0, ge=0, le=100_000, description="People who join a gathering.")
    duration_min: float = Field(default=30.0, gt=0.0, description="How long a gathering lasts.")
    reliability: Probability = Field(
        default=0.8, description="Source reliability of an intelligence report (0 to 1)."
    )
    about: Identifier | None = Field(
        default=None,
        description="Who or what an intelligence report is about; for gunfire, the hostile "
        "actor who fires (a hostile act that sensors watching them record).",
    )
    site: Identifier | None = Field(
        default=None, description="Protected site whose status changes (protected_status)."
    )
    status: ProtectedStatus | None = Field(
        default=None, description="New status of the site (protected_status)."
    )
    noise_radius_m: float = Field(
        default=300.0, gt=0.0, description="How far an explosion or gunfire is heard."
    )
    effect: Identifier | None = Field(
        default=None,
        description="For a hostile explosion: the (notional) effect whose radii decide who "
        "is harmed. Without it, civilians only hear it and react.",
    )
    unless_neutralised: Identifier | None = Field(
        default=None,
        description="Hostile actor id: the inject does not happen if this actor has been "
        "killed or detained before it is due (the threat was prevented).",
    )

    @model_validator(mode="after")
    def _kind_fields(self) -> Inject:
        if (self.at is None) == (self.when is None):
            raise ValueError("give exactly one of 'at' (a time) or 'when' (a condition)")
        if self.kind == InjectKind.gathering.value and (self.place is None or self.count <= 0):
            raise ValueError("a gathering needs 'place' and a 'count' above 0")
        if self.kind == InjectKind.explosion.value and self.place is None:
            raise ValueError("an explosion inject needs 'place' (where it happens)")
        if self.kind == InjectKind.gunfire.value and self.place is None and self.about is None:
            raise ValueError("a gunfire inject needs 'place' (where) or 'about' (the shooter)")
        if self.kind == InjectKind.protected_status.value and (
            self.site is None or self.status is None
        ):
            raise ValueError("a protected_status inject needs 'site' and 'status'")
        return self


# --------------------------------------------------------------------------- scoring


class ObjectiveKind(str, Enum):
    """What an objective asks of the trainee."""

    neutralise = "neutralise"
    locate = "locate"
    protect_site = "protect_site"
    avoid_harm = "avoid_harm"


class Objective(Model):
    """A mission objective the trainee is scored against."""

    id: Identifier = Field(description="Unique objective id.")
    kind: ObjectiveKind = Field(description="neutralise, locate, protect_site or avoid_harm.")
    description: str = Field(description="What the trainee must achieve, in plain words.")
    target: Identifier | None = Field(
        default=None, description="Hostile actor id or protected site id the objective is about."
    )
    by: TimeOfDay | None = Field(default=None, description="Deadline, if any.")


class ScoreWeights(Model):
    """Weights of the sub-scores in the overall score."""

    civilian_harm_avoidance: float = Field(
        default=0.35, ge=0.0, description="Weight of harm avoided to civilians and protected sites."
    )
    accuracy: float = Field(
        default=0.15, ge=0.0, description="Weight of correct identification and estimates."
    )
    process: float = Field(
        default=0.2, ge=0.0, description="Weight of following PID, estimate, approval, warning."
    )
    awareness: float = Field(
        default=0.1, ge=0.0, description="Weight of watching and classifying well."
    )
    mission: float = Field(
        default=0.2, ge=0.0, description="Weight of objectives met and threats stopped."
    )


class Scoring(Model):
    """Objectives and how the overall score is weighted."""

    objectives: tuple[Objective, ...] = Field(default=(), description="Mission objectives.")
    weights: ScoreWeights = Field(default_factory=ScoreWeights, description="Sub-score weights.")


# --------------------------------------------------------------------------- variants


class Variation(Model):
    """Seeded differences between sessions, so a repeated scenario is not memorised."""

    civilian_count_pct: float = Field(
        default=0.0,
        ge=0.0,
        le=90.0,
        description="Each archetype's count varies by up to this many percent per session.",
    )
    schedule_shift_min: float = Field(
        default=0.0,
        ge=0.0,
        le=180.0,
        description="Each archetype's whole routine shifts by up to this many minutes.",
    )
    hostile_shift_min: float = Field(
        default=0.0,
        ge=0.0,
        le=180.0,
        description="Each hostile actor's routine shifts by up to this many minutes.",
    )


# --------------------------------------------------------------------------- checkpoints


class ArrivalKind(str, Enum):
    """What arrives at a checkpoint."""

    car = "car"
    pickup = "pickup"
    truck = "truck"
    motorbike = "motorbike"
    bus = "bus"
    pedestrian = "pedestrian"


class ArrivalBehaviour(str, Enum):
    """How the driver (or walker) behaves; hidden from the trainee.

    * compliant: slows and stops as soon as they perceive a sign or signal;
    * distracted: the same, but perceives signals late (phone, radio, tired);
    * confused: misreads unclear signs and weak signals, and keeps coming slowly;
    * emergency: rushing someone to hospital; keeps coming through weak signals,
      stops for strong ones (dazzler, weapon shown, warning shot);
    * panicked: frightened; may speed up after a warning shot;
    * threat: ignores every signal and keeps coming. The only one whose hostile act
      warrants force.
    """

    compliant = "compliant"
    distracted = "distracted"
    confused = "confused"
    emergency = "emergency"
    panicked = "panicked"
    threat = "threat"


class Arrival(Model):
    """A vehicle or pedestrian that approaches a checkpoint at a given time."""

    id: Identifier = Field(description="Unique id (instructor and review only).")
    at: TimeOfDay = Field(description="Time of day it appears at the start of the approach.")
    jitter_s: float = Field(
        default=0.0,
        ge=0.0,
        le=3600.0,
        description="The appearance varies by up to this many seconds either way, per seed "
        "(default 0).",
    )
    kind: ArrivalKind = Field(
        default=ArrivalKind.car, description="car, pickup, truck, motorbike, bus or pedestrian."
    )
    behaviour: ArrivalBehaviour = Field(
        default=ArrivalBehaviour.compliant,
        description="compliant, distracted, confused, emergency, panicked or threat "
        "(hidden from the trainee).",
    )
    speed_mps: float = Field(
        default=12.0,
        gt=0.0,
        le=50.0,
        description="Approach speed in metres per second (default 12; a pedestrian about 1.4).",
    )
    occupants: int = Field(
        default=1, ge=1, le=80, description="People aboard (or walking together); default 1."
    )
    carries_object: bool = Field(
        default=False,
        description="Carries something observers can see at close range (a load in the "
        "back, a bag). Threats and harmless people alike may carry objects.",
    )
    own_force_harm: int = Field(
        default=2,
        ge=0,
        le=100,
        description="For a threat: own-force casualties if it reaches the checkpoint's "
        "danger distance unstopped (notional; default 2).",
    )
    notes: str = Field(default="", description="Instructor notes: who this is and why.")


class Checkpoint(Model):
    """A vehicle checkpoint (control point) and the arrivals that approach it.

    Distances are measured back along the approach from the control point: signs stand
    furthest out, then the barriers (a serpentine that slows every vehicle), then the
    stop line where vehicles should stop; inside the danger distance an unstopped
    vehicle endangers the guards (a threat attacks there).
    """

    id: Identifier = Field(description="Unique checkpoint id.")
    name: str = Field(default="", description="Name shown to the trainee.")
    position: Point = Field(description="Where the guards stand [x_m, y_m].")
    unit: Identifier | None = Field(
        default=None, description="Friendly unit manning it (optional, for the map)."
    )
    approach_road: Identifier | None = Field(
        default=None,
        description="Road along which arrivals come (or give 'approach'). They drive from "
        "the road's end named by 'approach_from' to the checkpoint.",
    )
    approach_from: Literal["start", "end"] = Field(
        default="start",
        description="Which end of approach_road arrivals come from: its first point "
        "('start', default) or its last point ('end').",
    )
    approach: tuple[Point, ...] | None = Field(
        default=None,
        min_length=2,
        description="The approach as a polyline [[x_m, y_m], ...] from where arrivals "
        "appear to the checkpoint (or give approach_road).",
    )
    approach_length_m: float = Field(
        default=600.0,
        gt=0.0,
        le=10000.0,
        description="Arrivals appear at most this far from the checkpoint (default 600).",
    )
    sign_distance_m: float = Field(
        default=250.0, gt=0.0, description="Warning signs stand this far out (default 250)."
    )
    barrier_distance_m: float = Field(
        default=120.0,
        gt=0.0,
        description="The serpentine barriers start this far out (default 120) and end at "
        "the stop line.",
    )
    barrier_speed_mps: float = Field(
        default=5.0,
        gt=0.0,
        le=30.0,
        description="Fastest a vehicle can go through the barriers (default 5).",
    )
    stop_line_m: float = Field(
        default=30.0, gt=0.0, description="Vehicles should stop this far out (default 30)."
    )
    danger_distance_m: float = Field(
        default=15.0,
        ge=0.0,
        description="Inside this distance an unstopped vehicle endangers the guards; a "
        "threat attacks there (default 15).",
    )
    signs_in_place: bool = Field(
        default=True,
        description="Signs and barriers are in place at the start (default true). When "
        "false, the trainee places them with the 'signs_barriers' step.",
    )
    setup_s: float = Field(
        default=90.0,
        ge=0.0,
        description="Seconds to place signs and barriers when ordered (default 90).",
    )
    sign_clarity: Probability = Field(
        default=0.9,
        description="How clear the signs are (0 to 1; default 0.9). Unclear signs confuse "
        "drivers, confused ones most.",
    )
    lit: bool = Field(
        default=False,
        description="The control point is lit at night (hand signals and a shown weapon "
        "are seen further, observers see more).",
    )
    search_s: float = Field(
        default=60.0, gt=0.0, description="Seconds a stop-and-search takes (default 60)."
    )
    search_find_probability: Probability = Field(
        default=0.9,
        description="Chance a search of a stopped threat finds what it carries (default 0.9).",
    )
    patience_s: float = Field(
        default=180.0,
        gt=0.0,
        description="A stopped vehicle nobody deals with turns back after this long (default 180).",
    )
    arrivals: tuple[Arrival, ...] = Field(
        default=(), description="Vehicles and pedestrians that approach, with their behaviour."
    )

    @model_validator(mode="after")
    def _layout(self) -> Checkpoint:
        if (self.approach_road is None) == (self.approach is None):
            raise ValueError("give exactly one of 'approach_road' or 'approach'")
        order = (
            self.sign_distance_m
            >= self.barrier_distance_m
            > self.stop_line_m
            > self.danger_distance_m
        )
        if not order:
            raise ValueError(
                "distances must run sign_distance_m >= barrier_distance_m > stop_line_m > "
                "danger_distance_m"
            )
        if self.sign_distance_m > self.approach_length_m:
            raise ValueError("sign_distance_m must not exceed approach_length_m")
        return self


# --------------------------------------------------------------------------- assemblies


class AssemblyState(str, Enum):
    """How a crowd behaves: peaceful, agitated (angry, pushing) or violent."""

    peaceful = "peaceful"
    agitated = "agitated"
    violent = "violent"


class Assembly(Model):
    """A public assembly: a crowd that gathers at an open area or a position.

    Its tension (0 to 1) decides its state: agitators and force raise it, communication,
    negotiation and open exits lower it. Peaceful assemblies are protected: force
    against one is a violation.
    """

    id: Identifier = Field(description="Unique assembly id.")
    name: str = Field(default="", description="Name shown to the trainee, e.g. 'Market protest'.")
    area: Identifier | None = Field(
        default=None, description="Open area id where it gathers (or give position)."
    )
    position: Point | None = Field(
        default=None, description="Centre of the gathering [x_m, y_m] (or give area)."
    )
    radius_m: float = Field(
        default=30.0,
        gt=0.0,
        le=1000.0,
        description="Radius of the gathering around 'position' (default 30).",
    )
    focus: Point | None = Field(
        default=None,
        description="What the crowd faces (e.g. a government building or the police line); "
        "an agitated or violent crowd presses towards it. Default: the centre.",
    )
    at: TimeOfDay = Field(description="Time of day the crowd gathers.")
    duration_min: float = Field(
        default=60.0,
        gt=0.0,
        le=24 * 60,
        description="Minutes it lasts; then a crowd that is not violent goes home (default 60).",
    )
    size: int = Field(ge=5, le=3000, description="Number of people.")
    start_state: AssemblyState = Field(
        default=AssemblyState.peaceful, description="peaceful, agitated or violent at the start."
    )
    agitators: int = Field(
        default=0,
        ge=0,
        le=100,
        description="People in the crowd who work to raise tension (default 0).",
    )
    grievance: Probability = Field(
        default=0.3,
        description="How strongly the crowd feels (0 to 1; default 0.3): its tension drifts "
        "towards a level set by the grievance.",
    )
    open_to_talks: Probability = Field(
        default=0.7,
        description="Chance the organisers respond to negotiation (default 0.7).",
    )

    @model_validator(mode="after")
    def _place(self) -> Assembly:
        if (self.area is None) == (self.position is None):
            raise ValueError("give exactly one of 'area' or 'position'")
        if self.agitators > self.size:
            raise ValueError("there cannot be more agitators than people")
        return self


# --------------------------------------------------------------------------- root


class Scenario(Model):
    """A complete training scenario (schema version 1)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_enum_values=True,
        validate_default=True,
        allow_inf_nan=False,
        title="CHM training scenario",
        json_schema_extra={"$id": "scenario.schema.json"},
    )

    schema_version: Literal[1] = Field(description="Version of this format; always 1 for now.")
    meta: Meta = Field(description="Who the scenario is for and what it teaches.")
    clock: Clock = Field(description="Start time, tick length and duration.")
    map: MapSection = Field(description="The town: buildings, roads and open areas.")
    protected: Protected = Field(default_factory=Protected, description="The no-strike list.")
    population: Population = Field(default_factory=Population, description="Civilians.")
    forces: Forces = Field(default_factory=Forces, description="Hostile and friendly forces.")
    environment: Environment = Field(default_factory=Environment, description="Light and weather.")
    sensors: tuple[Sensor, ...] = Field(default=(), description="Sensors the trainee can task.")
    intelligence: IntelligenceService = Field(
        default_factory=IntelligenceService,
        description="The intelligence cell and how contacts are tracked.",
    )
    effects: tuple[Effect, ...] = Field(default=(), description="Notional effects catalogue.")
    warnings: tuple[WarningMeans, ...] = Field(
        default=(), description="Means of warning civilians before an effect."
    )
    roe: Roe = Field(default_factory=Roe, description="Rules-of-engagement profile.")
    injects: tuple[Inject, ...] = Field(default=(), description="Scripted events.")
    checkpoints: tuple[Checkpoint, ...] = Field(
        default=(),
        description="Vehicle checkpoints and the arrivals that approach them (optional).",
    )
    assemblies: tuple[Assembly, ...] = Field(
        default=(), description="Public assemblies: crowds that gather (optional)."
    )
    scoring: Scoring = Field(default_factory=Scoring, description="Objectives and weights.")
    variation: Variation = Field(
        default_factory=Variation,
        description="Seeded differences between sessions (counts and timings).",
    )
    difficulty_levels: dict[Difficulty, dict[str, Any]] = Field(
        default_factory=dict,
        description="Partial scenarios merged over this one when a difficulty is chosen "
        "(basic, intermediate, advanced): mappings merge by key, lists of items with an id "
        "merge by id. See docs/authoring.md.",
    )


def json_schema() -> dict:
    """The JSON Schema of the scenario format, for editors and the committed schema file."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
