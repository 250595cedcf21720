"""Checkpoints: arrivals on an approach, the signals they perceive, and graduated force (D12).

Each checkpoint has an approach (a road or a polyline) along which the scenario's
arrivals come at their speed: cars, trucks, pedestrians, each with a hidden behaviour
(compliant, distracted, confused, emergency, panicked or threat). The trainee answers
with the ROE's escalation-of-force ladder as Commands (``eof_step``), and decides to
``stop_search`` or ``wave_through`` those who stopped.

How a signal reaches a driver (all values notional, see docs/security.md):

* each signal has a range by day and by night (longer at a lit control point for hand
  signals and a shown weapon; longer at night for a laser dazzler); within half the range
  an attentive driver perceives it with the signal's chance while it is given, beyond
  that the chance falls to nothing at the full range; ambient noise spoils audible
  signals, weather spoils visual ones. This part is what the trainee can know, and it is
  recorded with the command (``signal_chance``);
* the driver's attention (hidden) scales it: distracted drivers notice visual signals
  late, an emergency driver's own horn drowns audible ones;
* what a driver does on perceiving it depends on the behaviour: compliant and distracted
  drivers slow and stop at the stop line; confused ones misread weak signals and keep
  coming slowly; emergency drivers keep coming through weak signals but stop for strong
  ones; panicked drivers may speed up after a warning shot; threats ignore everything.

Disabling and lethal fire hit by distance and light, and harm whoever is in the vehicle
(civilians unless it is a threat). A threat that reaches the danger distance attacks the
guards: own-force harm. Harm is recorded as ``effect_resolved`` events (like targeting's
effects) so outcomes and scorecards count it; every command carries a ``picture`` annex
(what the guards could see: distance, speed, seconds to the checkpoint, cues, the chance
the signal could be perceived) and a ``truth`` annex (the hidden behaviour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.ops

from simulator.core.commands import Command, EofStep, StopSearch, WaveThrough
from simulator.core.events import Event, make_event
from simulator.core.picture import ApproachView, CheckpointView, Message
from simulator.scenario.schema import EscalationStep, time_to_seconds

if TYPE_CHECKING:
    from simulator.core.simulation import Simulation

CHECKPOINT_COMMANDS = (EofStep, StopSearch, WaveThrough)
STEP_NAMES = tuple(step.value for step in EscalationStep)


@dataclass(frozen=True)
class Signal:
    """A signalling step (notional): how far and how surely it can be perceived.

    Attributes:
        range_day_m, range_night_m, range_night_lit_m: nothing is perceived beyond these.
        chance: chance an attentive driver within half the range perceives it while it
            is given.
        hold_s: how long it is given.
        audible: heard (spoiled by noise) rather than seen (spoiled by weather).
        strength: 'weak', 'medium', 'strong' or 'shot' (how drivers respond).
    """

    range_day_m: float
    range_night_m: float
    range_night_lit_m: float
    chance: float
    hold_s: float
    audible: bool
    strength: str


@dataclass(frozen=True)
class Fire:
    """A firing step (notional): chance to hit by distance and light, and its harm.

    Attributes:
        range_day_m, range_night_m, range_night_lit_m: no hit beyond these.
        hit_chance: chance to hit a slow target within 40 % of the range.
        occupant_killed, occupant_injured: chance for each person aboard (the driver of
            lethal fire: ``driver_killed``).
        driver_killed: chance the driver is killed by a lethal hit (else injured).
    """

    range_day_m: float
    range_night_m: float
    range_night_lit_m: float
    hit_chance: float
    occupant_killed: float
    occupant_injured: float
    driver_killed: float


SIGNALS: dict[str, Signal] = {
    "hand_signals": Signal(150.0, 30.0, 70.0, 0.8, 5.0, False, "weak"),
    "visual_signal": Signal(300.0, 300.0, 300.0, 0.8, 5.0, False, "weak"),
    "audible_signal": Signal(200.0, 200.0, 200.0, 0.85, 5.0, True, "medium"),
    "laser_dazzler": Signal(400.0, 800.0, 800.0, 0.95, 4.0, False, "strong"),
    "show_weapon": Signal(100.0, 25.0, 60.0, 0.85, 5.0, False, "strong"),
    "warning_shot": Signal(500.0, 500.0, 500.0, 0.98, 0.0, True, "shot"),
}
FIRES: dict[str, Fire] = {
    "disabling_fire": Fire(250.0, 120.0, 180.0, 0.85, 0.04, 0.2, 0.0),
    "lethal_force": Fire(300.0, 150.0, 220.0, 0.9, 0.15, 0.3, 0.7),
}
# Signs are read as a driver passes them: chance by day and by night (reflective).
SIGNS_CHANCE_DAY = 0.9
SIGNS_CHANCE_NIGHT = 0.6
# Visual signals and signs are spoiled by weather.
WEATHER_VISIBILITY = {"clear": 1.0, "haze": 0.8, "rain": 0.7, "dust": 0.6}
AUDIBLE_NOISE_SENSITIVITY = 0.8
# Hidden attention of each behaviour to (visual, audible) signals.
ATTENTION = {
    "compliant": (1.0, 1.0),
    "distracted": (0.3, 0.6),
    "confused": (1.0, 1.0),
    "emergency": (0.8, 0.5),
    "panicked": (0.8, 0.8),
    "threat": (1.0, 1.0),
}
# What the guards can make out, by day / at night / at night at a lit control point.
SEE_VEHICLE_M = (600.0, 600.0, 600.0)  # headlights show vehicles far at night
SEE_PEDESTRIAN_M = (400.0, 40.0, 80.0)
SEE_CATEGORY_M = (400.0, 60.0, 100.0)
SEE_OCCUPANTS_M = (50.0, 10.0, 25.0)
SEE_DETAIL_M = (40.0, 10.0, 15.0)  # objects, a driver looking down, a slumped passenger
STOP_DECEL_MPS2 = 7.0  # hardest braking
GENTLE_DECEL_MPS2 = 1.0  # a driver who decides to stop slows at least this hard
CRAWL_MPS = 3.0  # then rolls up to the stop line at this speed
ACCEL_MPS2 = 2.0
BARRIER_DECEL_MPS2 = 5.0
DISABLED_DECEL_MPS2 = 6.0
HIT_DECEL_MPS2 = 4.0
HESITATE_FACTOR = 0.6  # a confused driver slows to this share of speed and keeps coming
BOLT_FACTOR = 1.3  # a panicked driver who bolts
BOLT_S = 12.0
CHALLENGED_THREAT_FACTOR = 1.1
GONE_AFTER_S = 30.0  # departed arrivals stay in the picture this long
PASS_BEYOND_M = 40.0  # an arrival that passed is gone this far beyond the checkpoint
ATTACK_CIVILIAN_RADIUS_M = 40.0
NOISE_RADIUS_M = 300.0

ACTIVE = ("approaching", "stopping", "stopped", "searching", "leaving", "disabled", "hit")
GONE = ("passed", "attacked", "turned_back", "detained", "departed")


def light_index(night: bool, lit: bool) -> int:
    """0 by day, 1 at night, 2 at night at a lit control point (indexes the tables)."""
    if not night:
        return 0
    return 2 if lit else 1


def range_factor(distance_m: float, range_m: float, full_share: float = 0.5) -> float:
    """1 within ``full_share`` of the range, falling linearly to 0 at the range."""
    if range_m <= 0 or distance_m >= range_m:
        return 0.0
    full = full_share * range_m
    if distance_m <= full:
        return 1.0
    return (range_m - distance_m) / (range_m - full)


def signal_chance(
    step: str, distance_m: float, night: bool, lit: bool, noise: float, weather: str
) -> float:
    """Chance an attentive driver perceives a signal at this distance and in these
    conditions (what the trainee can know; no hidden attention in it)."""
    signal = SIGNALS[step]
    reach = (signal.range_day_m, signal.range_night_m, signal.range_night_lit_m)[
        light_index(night, lit)
    ]
    chance = signal.chance * range_factor(distance_m, reach)
    if signal.audible:
        chance *= 1.0 - AUDIBLE_NOISE_SENSITIVITY * noise * (0.2 if step == "warning_shot" else 1)
    else:
        chance *= WEATHER_VISIBILITY.get(weather, 1.0)
    return max(0.0, min(1.0, chance))


def hit_chance(step: str, distance_m: float, speed_mps: float, night: bool, lit: bool) -> float:
    """Chance that disabling or lethal fire hits at this distance, speed and light."""
    fire = FIRES[step]
    reach = (fire.range_day_m, fire.range_night_m, fire.range_night_lit_m)[light_index(night, lit)]
    moving = 1.0 - min(max(speed_mps, 0.0), 30.0) / 60.0
    return max(0.0, min(1.0, fire.hit_chance * range_factor(distance_m, reach, 0.4) * moving))


@dataclass
class _Arrival:
    """One arrival's state (engine side; the trainee sees an ApproachView)."""

    spec: Any
    appear_tick: int
    status: str = "pending"
    s_m: float = 0.0
    speed: float = 0.0
    speed_history: list[float] = field(default_factory=list)
    label: str = ""
    first_seen_tick: int | None = None
    window_s: float | None = None  # seconds to the danger distance when first seen
    intent_stop: bool = False
    hesitating: bool = False
    bolting_until: int = -1
    erratic: bool = False
    challenged: bool = False
    signs_checked: bool = False
    perceived: list[str] = field(default_factory=list)
    steps_used: list[str] = field(default_factory=list)
    signals: list[tuple[str, int]] = field(default_factory=list)  # (step, until tick)
    stopped_tick: int | None = None
    search_until: int | None = None
    status_tick: int = 0
    harmed: bool = False
    danger_reported: bool = False
    waved: bool = False
    neutralised: bool = False
    was_fired_on: bool = False

    @property
    def pedestrian(self) -> bool:
        return self.spec.kind == "pedestrian"

    @property
    def behaviour(self) -> str:
        return self.spec.behaviour


class _Point:
    """A checkpoint's approach geometry and state."""

    def __init__(self, spec: Any, sim: Simulation, rng: np.random.Generator):
        self.spec = spec
        self.points = _approach_points(spec, sim.scenario)
        seg = np.diff(self.points, axis=0)
        self.seg_len = np.hypot(seg[:, 0], seg[:, 1])
        self.cum = np.concatenate([[0.0], np.cumsum(self.seg_len)])
        self.length = float(self.cum[-1])
        self.signs_ready = bool(spec.signs_in_place)
        self.signs_ready_tick: int | None = None
        self.counter = 0
        start_s = sim.scenario.clock.start_s
        self.arrivals: list[_Arrival] = []
        for arrival in spec.arrivals:
            offset = time_to_seconds(arrival.at) - start_s
            if offset < 0:
                offset += 86400
            jitter = rng.uniform(-arrival.jitter_s, arrival.jitter_s) if arrival.jitter_s else 0.0
            tick = max(0, int(math.ceil((offset + jitter) / sim.tick_s)))
            self.arrivals.append(_Arrival(arrival, tick))
        self.by_label: dict[str, _Arrival] = {}

    def xy(self, distance_m: float) -> tuple[float, float]:
        """World position at a distance from the checkpoint along the approach (negative:
        beyond the checkpoint, continuing the last segment)."""
        along = self.length - distance_m
        if along >= self.length:
            end = self.points[-1]
            direction = (self.points[-1] - self.points[-2]) / max(self.seg_len[-1], 1e-9)
            beyond = along - self.length
            return float(end[0] + direction[0] * beyond), float(end[1] + direction[1] * beyond)
        along = max(0.0, along)
        index = int(np.searchsorted(self.cum, along, side="right") - 1)
        index = min(index, len(self.seg_len) - 1)
        share = (along - self.cum[index]) / max(self.seg_len[index], 1e-9)
        x, y = self.points[index] + share * (self.points[index + 1] - self.points[index])
        return float(x), float(y)


def _approach_points(spec: Any, scenario: Any) -> np.ndarray:
    """The approach from where arrivals appear to the checkpoint, at most
    ``approach_length_m`` long, ending at the checkpoint's position."""
    position = np.asarray(spec.position, dtype=np.float64)
    if spec.approach is not None:
        points = np.asarray(spec.approach, dtype=np.float64)
        if np.hypot(*(points[-1] - position)) > 0.5:
            points = np.vstack([points, position])
        line = shapely.LineString(points)
    else:
        road = next(r for r in scenario.map.roads if r.id == spec.approach_road)
        line = shapely.LineString(road.points)
        along = line.project(shapely.Point(position))
        if spec.approach_from == "start":
            line = shapely.ops.substring(line, 0.0, along)
        else:
            line = shapely.ops.substring(line, along, line.length)
            line = shapely.LineString(list(line.coords)[::-1])
        coords = np.asarray(line.coords, dtype=np.float64)
        if np.hypot(*(coords[-1] - position)) > 0.5:
            coords = np.vstack([coords, position])
        line = shapely.LineString(coords)
    if line.length > spec.approach_length_m:
        line = shapely.ops.substring(line, line.length - spec.approach_length_m, line.length)
    return np.asarray(line.coords, dtype=np.float64)


class CheckpointDesk:
    """Runs every checkpoint: arrivals, perception, escalation steps, searches and harm."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.ladder = sim.scenario.roe.escalation_of_force
        self.allowed = set(self.ladder.allowed_steps())
        rng = sim.streams["checkpoint"]
        self.points = {spec.id: _Point(spec, sim, rng) for spec in sim.scenario.checkpoints}
        self.bystanders_harmed = 0

    # ------------------------------------------------------------------ conditions

    def _night(self) -> bool:
        return self.sim.sensing.is_night(self.sim.time_of_day_s)

    def _conditions(self, point: _Point) -> tuple[bool, bool, float, str]:
        environment = self.sim.scenario.environment
        return self._night(), point.spec.lit, environment.ambient_noise, environment.weather

    def _light(self, point: _Point) -> int:
        return light_index(self._night(), point.spec.lit)

    def _distance(self, point: _Point, arrival: _Arrival) -> float:
        return point.length - arrival.s_m

    # ------------------------------------------------------------------ commands

    def handles(self, item: Command) -> bool:
        """Whether this desk applies the command."""
        return isinstance(item, CHECKPOINT_COMMANDS)

    def _target(self, point: _Point, label: object) -> _Arrival | None:
        if not isinstance(label, str):
            return None
        return point.by_label.get(label)

    def problem(self, item: Command) -> str | None:
        """Why a checkpoint command cannot be applied now, or None."""
        name = getattr(item, "checkpoint_id", None)
        if not isinstance(name, str) or name not in self.points:
            known = ", ".join(self.points) or "none in this scenario"
            return f"there is no checkpoint '{name}' (checkpoints: {known})"
        point = self.points[name]
        if isinstance(item, EofStep):
            if not isinstance(item.step, str) or item.step not in STEP_NAMES:
                return f"'{item.step}' is not an escalation step; use {', '.join(STEP_NAMES)}"
            if item.step == "signs_barriers":
                if point.signs_ready or point.signs_ready_tick is not None:
                    return "signs and barriers are already in place (or being placed)"
                return None
            if not isinstance(item.rationale, str):
                return "the rationale must be text"
        target = self._target(point, getattr(item, "target_id", None))
        if target is None:
            return f"there is no arrival '{item.target_id}' at checkpoint '{name}'"
        if target.status not in ACTIVE:
            return f"'{target.label}' has {target.status.replace('_', ' ')}; it is gone"
        if isinstance(item, StopSearch):
            if target.status == "searching":
                return f"'{target.label}' is already being searched"
            if target.status not in ("stopped", "disabled", "hit") or target.speed > 0.05:
                distance = self._distance(point, target)
                return (
                    f"'{target.label}' has not stopped (it is {distance:.0f} m out at "
                    f"{target.speed:.0f} m/s); make it stop first"
                )
        if isinstance(item, WaveThrough) and target.status in ("disabled", "hit", "leaving"):
            return f"'{target.label}' cannot be waved through now ({target.status})"
        return None

    def annexes(self, item: Command, base: dict[str, Any]) -> dict[str, Any]:
        """Picture and truth annexes of a checkpoint command, recorded before it applies.

        ``picture`` holds what the guards could perceive (distance, speed, seconds to the
        checkpoint, cues, and for a signal the chance an attentive driver perceives it);
        ``truth`` holds the arrival's hidden behaviour.
        """
        name = getattr(item, "checkpoint_id", None)
        point = self.points.get(name) if isinstance(name, str) else None
        if point is None:
            return base
        night, lit, noise, weather = self._conditions(point)
        picture: dict[str, Any] = dict(base.get("picture", {}))
        picture.update(checkpoint=point.spec.id, night=night, lit=lit)
        annex: dict[str, Any] = {**base, "picture": picture}
        step = getattr(item, "step", "")
        if step == "signs_barriers":
            seen = [
                a for a in point.arrivals if a.first_seen_tick is not None and a.status in ACTIVE
            ]
            picture["arrivals_in_view"] = len(seen)
            return annex
        target = self._target(point, getattr(item, "target_id", None))
        if target is None or target.first_seen_tick is None:
            return annex
        view = self._view(point, target)
        picture["target"] = {
            "label": view.label,
            "category": view.category,
            "distance_m": view.distance_m,
            "speed_mps": view.speed_mps,
            "seconds_to_checkpoint": view.seconds_to_checkpoint,
            "speed_trend": view.speed_trend,
            "status": view.status,
            "cues": list(view.cues),
            "first_seen_tick": view.first_seen_tick,
            "seen_s": round((self.sim.tick - view.first_seen_tick) * self.sim.tick_s, 1),
            "window_s": None if target.window_s is None else round(target.window_s, 1),
            "steps_used_before": list(target.steps_used),
            "signs_in_place": point.signs_ready,
        }
        distance = self._distance(point, target)
        if isinstance(step, str) and step in SIGNALS:
            picture["signal_chance"] = round(
                signal_chance(step, max(distance, 0.0), night, lit, noise, weather), 3
            )
        if isinstance(step, str) and step in FIRES:
            picture["hit_chance"] = round(
                hit_chance(step, max(distance, 0.0), target.speed, night, lit), 3
            )
        annex["truth"] = {
            "arrival": target.spec.id,
            "behaviour": target.behaviour,
            "threat": target.behaviour == "threat",
            "occupants": target.spec.occupants,
            "carries_object": target.spec.carries_object,
            "distance_m": round(distance, 1),
            "speed_mps": round(target.speed, 2),
            "perceived_before": list(target.perceived),
            "intends_to_stop": target.intent_stop,
        }
        return annex

    def apply(self, item: Command) -> list[Event]:
        """Apply a valid checkpoint command; returns its events."""
        point = self.points[item.checkpoint_id]
        if isinstance(item, EofStep):
            return self._step(point, item)
        target = point.by_label[item.target_id]
        if isinstance(item, StopSearch):
            target.status = "searching"
            target.status_tick = self.sim.tick
            target.search_until = self.sim.tick + int(
                math.ceil(point.spec.search_s / self.sim.tick_s)
            )
            return [self._event(point, target, "search_started")]
        target.waved = True
        target.intent_stop = False
        target.status = "leaving"
        target.status_tick = self.sim.tick
        return [self._event(point, target, "waved_through")]

    def _event(self, point: _Point, arrival: _Arrival, kind: str, **fields: Any) -> Event:
        """A checkpoint event about one arrival (its label, and its truth in an annex)."""
        return make_event(
            self.sim.tick,
            "checkpoint",
            checkpoint=point.spec.id,
            what=kind,
            label=arrival.label,
            distance_m=round(self._distance(point, arrival), 1),
            speed_mps=round(arrival.speed, 2),
            **fields,
            truth={
                "arrival": arrival.spec.id,
                "behaviour": arrival.behaviour,
                "threat": arrival.behaviour == "threat",
            },
        )

    def _rule(self, point: _Point, rule: str, ok: bool, detail: str, label: str = "") -> Event:
        return make_event(
            self.sim.tick,
            "rule_check",
            checkpoint=point.spec.id,
            label=label,
            rule=rule,
            ok=bool(ok),
            detail=detail,
        )

    def _step(self, point: _Point, item: EofStep) -> list[Event]:
        sim = self.sim
        events: list[Event] = []
        step = item.step
        label = item.target_id if step != "signs_barriers" else ""
        if step not in self.allowed:
            events.append(
                self._rule(
                    point,
                    "eof_step_allowed",
                    False,
                    f"'{step}' is not allowed by the ROE at this checkpoint",
                    label,
                )
            )
        if step == "signs_barriers":
            point.signs_ready_tick = sim.tick + int(math.ceil(point.spec.setup_s / sim.tick_s))
            events.append(
                make_event(
                    sim.tick,
                    "eof_step",
                    checkpoint=point.spec.id,
                    step=step,
                    label="",
                    ready_tick=point.signs_ready_tick,
                )
            )
            return events
        target = point.by_label[item.target_id]
        target.steps_used.append(step)
        if step in ("disabling_fire", "lethal_force"):
            events.append(
                self._rule(
                    point,
                    "rationale_recorded",
                    bool(item.rationale.strip()),
                    "reason given" if item.rationale.strip() else "no reason recorded for fire",
                    label,
                )
            )
        events.append(
            make_event(sim.tick, "eof_step", checkpoint=point.spec.id, step=step, label=label)
        )
        if step in SIGNALS and step != "warning_shot":
            hold = max(1, int(math.ceil(SIGNALS[step].hold_s / sim.tick_s)))
            target.signals.append((step, sim.tick + hold))
            return events
        x, y = point.xy(self._distance(point, target))
        events.append(sim.react_to_noise(x, y, NOISE_RADIUS_M, "gunfire"))
        if step == "warning_shot":
            events.extend(self._warning_shot(point, target))
        else:
            events.extend(self._fire(point, target, step))
        return events

    # ------------------------------------------------------------------ signals

    def _perceive(self, point: _Point, arrival: _Arrival, step: str, share: float) -> bool:
        """Roll whether a driver perceives a signal (``share``: part of its hold)."""
        night, lit, noise, weather = self._conditions(point)
        distance = max(self._distance(point, arrival), 0.0)
        chance = signal_chance(step, distance, night, lit, noise, weather)
        visual, audible = ATTENTION[arrival.behaviour]
        attention = audible if SIGNALS[step].audible else visual
        if step == "warning_shot":
            attention = max(attention, 0.9)
        chance *= attention
        if share < 1.0:
            chance = 1.0 - (1.0 - chance) ** share
        return bool(self.sim.streams["checkpoint"].random() < chance)

    def _respond(self, point: _Point, arrival: _Arrival, step: str) -> list[Event]:
        """What a driver does on perceiving a signal (by the hidden behaviour)."""
        rng = self.sim.streams["checkpoint"]
        arrival.perceived.append(step)
        strength = SIGNALS[step].strength if step in SIGNALS else "shot"
        behaviour = arrival.behaviour
        events = [self._event(point, arrival, "perceived", step=step)]
        if arrival.status not in ("approaching", "stopping", "leaving") or arrival.waved:
            return events
        if behaviour in ("compliant", "distracted"):
            self._decide_stop(arrival)
        elif behaviour == "confused":
            if rng.random() < (0.4 if strength == "weak" else 0.9):
                self._decide_stop(arrival)
            else:
                arrival.hesitating = True
        elif behaviour == "emergency":
            if strength in ("strong", "shot") and rng.random() < 0.9:
                self._decide_stop(arrival)
        elif behaviour == "panicked":
            if strength == "shot":
                if rng.random() < 0.6:
                    arrival.bolting_until = self.sim.tick + int(BOLT_S / self.sim.tick_s)
                    arrival.intent_stop = False
                    arrival.erratic = True
                    events.append(self._event(point, arrival, "bolted", step=step))
                else:
                    self._decide_stop(arrival)
            elif self.sim.tick <= arrival.bolting_until:
                pass  # too frightened to take in a signal while bolting
            elif rng.random() < 0.7:
                self._decide_stop(arrival)
            else:
                arrival.erratic = True
        elif behaviour == "threat":
            arrival.challenged = True
        return events

    def _decide_stop(self, arrival: _Arrival) -> None:
        arrival.intent_stop = True
        arrival.hesitating = False
        if arrival.status == "approaching":
            arrival.status = "stopping"
            arrival.status_tick = self.sim.tick

    def _read_signs(self, point: _Point, arrival: _Arrival) -> list[Event]:
        """A driver passing the signs may read and understand them."""
        arrival.signs_checked = True
        night, _, _, weather = self._conditions(point)
        rng = self.sim.streams["checkpoint"]
        chance = (SIGNS_CHANCE_NIGHT if night else SIGNS_CHANCE_DAY) * WEATHER_VISIBILITY.get(
            weather, 1.0
        )
        chance *= ATTENTION[arrival.behaviour][0]
        if rng.random() >= chance:
            return []
        arrival.perceived.append("signs_barriers")
        behaviour = arrival.behaviour
        clarity = point.spec.sign_clarity
        events = [self._event(point, arrival, "perceived", step="signs_barriers")]
        if behaviour in ("compliant", "distracted", "panicked"):
            if rng.random() < clarity:
                self._decide_stop(arrival)
        elif behaviour == "confused":
            if rng.random() < clarity * 0.35:
                self._decide_stop(arrival)
            else:
                arrival.hesitating = True
        return events

    def _warning_shot(self, point: _Point, target: _Arrival) -> list[Event]:
        """Every driver within earshot may perceive it; a stray round may harm someone."""
        sim = self.sim
        events: list[Event] = []
        for arrival in point.arrivals:
            if arrival.status not in ACTIVE:
                continue
            if self._perceive(point, arrival, "warning_shot", 1.0):
                events.extend(self._respond(point, arrival, "warning_shot"))
        rng = sim.streams["checkpoint"]
        if rng.random() < self.ladder.warning_shot_stray_probability:
            self.bystanders_harmed += 1
            x, y = point.xy(max(self._distance(point, target) * 0.5, 0.0))
            victim = {
                "id": f"{point.spec.id}-bystander-{self.bystanders_harmed}",
                "kind": "civilian",
                "observability": "observable_not_observed",
            }
            events.append(
                self._harm_event(point, target, "warning_shot", "stray_round", [], [victim], x, y)
            )
        return events

    # ------------------------------------------------------------------ fire

    def _fire(self, point: _Point, target: _Arrival, step: str) -> list[Event]:
        sim = self.sim
        rng = sim.streams["checkpoint"]
        night, lit, _, _ = self._conditions(point)
        distance = max(self._distance(point, target), 0.0)
        chance = hit_chance(step, distance, target.speed, night, lit)
        hit = bool(rng.random() < chance)
        fire = FIRES[step]
        killed: list[dict[str, str]] = []
        injured: list[dict[str, str]] = []
        kind = "hostile" if target.behaviour == "threat" else "civilian"
        x, y = point.xy(distance)
        events: list[Event] = []
        if not hit:
            # A miss still tells the driver in no uncertain terms.
            if self._perceive(point, target, "warning_shot", 1.0):
                events.extend(self._respond(point, target, "warning_shot"))
            events.append(
                self._harm_event(point, target, step, "missed", [], [], x, y, chance=chance)
            )
            return events
        occupants = target.spec.occupants
        for number in range(occupants):
            person = {
                "id": target.spec.id if number == 0 else f"{target.spec.id}.{number}",
                "kind": kind,
                "observability": "in_picture",
            }
            if target.pedestrian:
                lethal = step == "lethal_force"
                dead = rng.random() < (0.6 if lethal else 0.1)
                (killed if dead else injured).append(person)
                continue
            if step == "lethal_force" and number == 0:
                (killed if rng.random() < fire.driver_killed else injured).append(person)
                continue
            draw = rng.random()
            if draw < fire.occupant_killed:
                killed.append(person)
            elif draw < fire.occupant_killed + fire.occupant_injured:
                injured.append(person)
        target.harmed = bool(killed or injured) or target.harmed
        target.was_fired_on = True
        target.intent_stop = True
        target.hesitating = False
        target.bolting_until = -1
        target.status = "disabled" if step == "disabling_fire" else "hit"
        target.status_tick = sim.tick
        outcome = "disabled" if step == "disabling_fire" else ("killed" if killed else "hit")
        if target.behaviour == "threat" and not (killed and killed[0]["id"] == target.spec.id):
            outcome = "detained"  # the vehicle is stopped and the guards take the driver
        events.append(
            self._harm_event(point, target, step, outcome, killed, injured, x, y, chance=chance)
        )
        if target.behaviour == "threat" and not target.neutralised:
            target.neutralised = True
            events.append(self._event(point, target, "threat_stopped", how=step))
        return events

    def _harm_event(
        self,
        point: _Point,
        target: _Arrival,
        step: str,
        outcome: str,
        killed: list[dict[str, str]],
        injured: list[dict[str, str]],
        x: float,
        y: float,
        *,
        chance: float | None = None,
    ) -> Event:
        """An ``effect_resolved`` event, so outcomes and scorecards count the harm."""
        return make_event(
            self.sim.tick,
            "effect_resolved",
            cause="own",
            engagement=f"{point.spec.id}:{target.label}",
            effect=step,
            impact_x_m=round(x, 1),
            impact_y_m=round(y, 1),
            miss_m=0.0,
            target=target.spec.id,
            target_kind="hostile" if target.behaviour == "threat" else "civilian",
            target_outcome=outcome,
            killed=killed,
            injured=injured,
            buildings_damaged=[],
            protected_sites_damaged=[],
            checkpoint=point.spec.id,
            hit_chance=None if chance is None else round(chance, 3),
        )

    # ------------------------------------------------------------------ per tick

    def tick(self) -> list[Event]:
        """Per-tick work: arrivals appear, perceive, move, stop, are searched or attack."""
        events: list[Event] = []
        for point in self.points.values():
            events.extend(self._tick_point(point))
        return events

    def _tick_point(self, point: _Point) -> list[Event]:
        sim = self.sim
        events: list[Event] = []
        if point.signs_ready_tick is not None and sim.tick >= point.signs_ready_tick:
            point.signs_ready = True
            point.signs_ready_tick = None
            events.append(
                make_event(sim.tick, "checkpoint", checkpoint=point.spec.id, what="signs_ready")
            )
        for arrival in point.arrivals:
            if arrival.status == "pending":
                if sim.tick < arrival.appear_tick:
                    continue
                arrival.status = "approaching"
                arrival.status_tick = sim.tick
                arrival.speed = float(arrival.spec.speed_mps)
                point.counter += 1
                arrival.label = f"{point.spec.id}-{point.counter}"
                point.by_label[arrival.label] = arrival
            if arrival.status in GONE:
                continue
            events.extend(self._sense(point, arrival))
            events.extend(self._move(point, arrival))
            arrival.speed_history.append(arrival.speed)
            del arrival.speed_history[:-4]
        return events

    def _visible(self, point: _Point, arrival: _Arrival) -> bool:
        light = self._light(point)
        reach = (SEE_PEDESTRIAN_M if arrival.pedestrian else SEE_VEHICLE_M)[light]
        return self._distance(point, arrival) <= reach

    def _sense(self, point: _Point, arrival: _Arrival) -> list[Event]:
        """First sighting by the guards; signs and signals reaching the driver."""
        sim = self.sim
        events: list[Event] = []
        distance = self._distance(point, arrival)
        if arrival.first_seen_tick is None and self._visible(point, arrival):
            arrival.first_seen_tick = sim.tick
            speed = max(arrival.speed, 0.1)
            arrival.window_s = max(distance - point.spec.danger_distance_m, 0.0) / speed
            events.append(self._event(point, arrival, "seen", window_s=round(arrival.window_s, 1)))
        if arrival.status in ("approaching", "stopping") and not arrival.signs_checked:
            if point.signs_ready and distance <= point.spec.sign_distance_m:
                events.extend(self._read_signs(point, arrival))
        held = []
        for step, until in arrival.signals:
            if sim.tick > until:
                continue
            held.append((step, until))
            if arrival.intent_stop or arrival.status not in ("approaching", "stopping"):
                continue
            share = sim.tick_s / max(SIGNALS[step].hold_s, sim.tick_s)
            if self._perceive(point, arrival, step, share):
                events.extend(self._respond(point, arrival, step))
                held = [h for h in held if h[0] != step]
        arrival.signals = held
        return events

    def _move(self, point: _Point, arrival: _Arrival) -> list[Event]:
        sim = self.sim
        spec = point.spec
        dt = sim.tick_s
        events: list[Event] = []
        status = arrival.status
        distance = self._distance(point, arrival)
        if status == "searching":
            if arrival.search_until is not None and sim.tick >= arrival.search_until:
                arrival.search_until = None
                threat = arrival.behaviour == "threat"
                arrival.status_tick = sim.tick
                if threat and arrival.neutralised:
                    arrival.status = "detained"
                    events.append(self._event(point, arrival, "search_done", found=True))
                elif threat and sim.streams["checkpoint"].random() < spec.search_find_probability:
                    arrival.status = "detained"
                    arrival.neutralised = True
                    x, y = point.xy(distance)
                    events.append(
                        self._harm_event(point, arrival, "stop_search", "detained", [], [], x, y)
                    )
                    events.append(self._event(point, arrival, "search_done", found=True))
                    events.append(self._event(point, arrival, "threat_stopped", how="search"))
                elif arrival.was_fired_on:
                    arrival.status = "departed"  # the casualties are taken away
                    events.append(self._event(point, arrival, "search_done", found=False))
                else:
                    arrival.status = "leaving"
                    events.append(self._event(point, arrival, "search_done", found=False))
            return events
        if status == "stopped":
            waited = (sim.tick - (arrival.stopped_tick or sim.tick)) * dt
            if waited >= spec.patience_s:
                arrival.status = "turned_back"
                arrival.status_tick = sim.tick
                events.append(self._event(point, arrival, "turned_back", waited_s=round(waited)))
            return events
        if status in ("disabled", "hit"):
            decel = DISABLED_DECEL_MPS2 if status == "disabled" else HIT_DECEL_MPS2
            arrival.speed = max(0.0, arrival.speed - decel * dt)
        elif status == "stopping":
            room = distance - spec.stop_line_m
            crawl = min(CRAWL_MPS, arrival.spec.speed_mps)
            if room > 2.0:
                need = arrival.speed**2 / (2.0 * room)
                if need >= GENTLE_DECEL_MPS2:
                    arrival.speed = max(0.0, arrival.speed - min(need, STOP_DECEL_MPS2) * dt)
                elif arrival.speed > crawl:
                    arrival.speed = max(crawl, arrival.speed - GENTLE_DECEL_MPS2 * dt)
                else:
                    arrival.speed = crawl  # roll up to the line
            else:
                arrival.speed = max(0.0, arrival.speed - STOP_DECEL_MPS2 * dt)
            if arrival.speed <= 0.0 or (room <= 2.0 and arrival.speed <= crawl):
                arrival.speed = 0.0
                arrival.status = "stopped"
                arrival.stopped_tick = sim.tick
                arrival.status_tick = sim.tick
                events.append(self._event(point, arrival, "stopped"))
        else:  # approaching or leaving
            factor = 1.0
            if arrival.hesitating:
                factor = HESITATE_FACTOR
            if sim.tick <= arrival.bolting_until:
                factor = BOLT_FACTOR
            elif arrival.behaviour == "threat" and arrival.challenged:
                factor = CHALLENGED_THREAT_FACTOR
            elif arrival.behaviour == "emergency" and arrival.perceived:
                factor = 0.9
            wanted = arrival.spec.speed_mps * factor
            if status == "leaving":
                wanted = min(wanted, spec.barrier_speed_mps if point.signs_ready else wanted)
            if (
                point.signs_ready
                and not arrival.pedestrian
                and spec.stop_line_m - 5.0 < distance <= spec.barrier_distance_m + 20.0
            ):
                wanted = min(wanted, spec.barrier_speed_mps)
            if arrival.speed > wanted:
                arrival.speed = max(wanted, arrival.speed - BARRIER_DECEL_MPS2 * dt)
            else:
                arrival.speed = min(wanted, arrival.speed + ACCEL_MPS2 * dt)
        arrival.s_m += arrival.speed * dt
        distance = self._distance(point, arrival)
        if arrival.status in ("approaching", "stopping", "leaving"):
            if distance <= spec.danger_distance_m and not arrival.danger_reported:
                arrival.danger_reported = True
                if arrival.behaviour == "threat":
                    events.extend(self._attack(point, arrival))
                    return events
                if arrival.status != "leaving":
                    events.append(self._event(point, arrival, "entered_danger_zone"))
            if distance <= -PASS_BEYOND_M:
                was = arrival.status
                arrival.status = "departed" if arrival.waved or was == "leaving" else "passed"
                arrival.status_tick = sim.tick
                events.append(self._event(point, arrival, arrival.status))
        return events

    def _attack(self, point: _Point, arrival: _Arrival) -> list[Event]:
        """A threat reached the guards: own-force harm and harm to people nearby."""
        sim = self.sim
        rng = sim.streams["checkpoint"]
        arrival.status = "attacked"
        arrival.status_tick = sim.tick
        killed: list[dict[str, str]] = []
        injured: list[dict[str, str]] = []
        for other in point.arrivals:
            if other is arrival or other.status not in ACTIVE:
                continue
            gap = abs(self._distance(point, other) - self._distance(point, arrival))
            if gap > ATTACK_CIVILIAN_RADIUS_M:
                continue
            for number in range(other.spec.occupants):
                draw = rng.random()
                person = {
                    "id": other.spec.id if number == 0 else f"{other.spec.id}.{number}",
                    "kind": "civilian",
                    "observability": "not_applicable",
                }
                if draw < 0.1:
                    killed.append(person)
                elif draw < 0.4:
                    injured.append(person)
        x, y = point.xy(self._distance(point, arrival))
        sim.messages.append(
            Message(
                sim.tick,
                "attack",
                f"{point.spec.name or point.spec.id}: {arrival.label} reached the checkpoint and "
                f"attacked; {arrival.spec.own_force_harm} of our guards are casualties",
                x_m=round(x, 1),
                y_m=round(y, 1),
            )
        )
        events = [
            self._event(
                point, arrival, "threat_attack", own_force_casualties=arrival.spec.own_force_harm
            ),
            make_event(
                sim.tick,
                "effect_resolved",
                cause="hostile",
                engagement=f"{point.spec.id}:{arrival.label}",
                effect="checkpoint_attack",
                impact_x_m=round(x, 1),
                impact_y_m=round(y, 1),
                miss_m=0.0,
                target=None,
                target_kind=None,
                target_outcome=None,
                killed=killed,
                injured=injured,
                buildings_damaged=[],
                protected_sites_damaged=[],
                checkpoint=point.spec.id,
            ),
            sim.react_to_noise(x, y, NOISE_RADIUS_M * 2, "explosion"),
        ]
        return events

    # ------------------------------------------------------------------ views

    def _view(self, point: _Point, arrival: _Arrival) -> ApproachView:
        sim = self.sim
        light = self._light(point)
        distance = self._distance(point, arrival)
        spec = arrival.spec
        category = spec.kind
        if distance > SEE_CATEGORY_M[light]:
            category = "person" if arrival.pedestrian else "vehicle"
        speed = round(arrival.speed * 2) / 2
        history = arrival.speed_history
        before = history[0] if history else arrival.speed
        if arrival.speed <= 0.05:
            trend = "stopped"
        elif arrival.speed < before - 0.4:
            trend = "slowing"
        elif arrival.speed > before + 0.4:
            trend = "speeding_up"
        else:
            trend = "steady"
        seconds = None
        moving = arrival.status in ("approaching", "stopping", "leaving", "disabled", "hit")
        if moving and arrival.speed > 0.3 and distance > point.spec.danger_distance_m:
            seconds = round((distance - point.spec.danger_distance_m) / arrival.speed, 1)
        status = {
            "approaching": "approaching",
            "stopping": "approaching",
            "leaving": "leaving",
            "turned_back": "turned_back",
            "departed": "passed",
            "attacked": "passed",
            "detained": "stopped",
        }.get(arrival.status, arrival.status)
        cues = []
        behaviour = arrival.behaviour
        noise = sim.scenario.environment.ambient_noise
        if behaviour == "emergency" and arrival.status in ("approaching", "stopping"):
            if distance <= 400:
                cues.append("headlights flashing")
            if distance <= 200 and noise < 0.8:
                cues.append("horn")
        if behaviour == "emergency" and distance <= SEE_DETAIL_M[light]:
            cues.append("passenger slumped")
        if (
            behaviour == "distracted"
            and not arrival.perceived
            and distance <= SEE_DETAIL_M[light]
            and arrival.status in ("approaching", "stopping")
        ):
            cues.append("driver looking down")
        if arrival.hesitating and arrival.status == "approaching":
            cues.append("hesitating")
        if arrival.erratic and arrival.status in ("approaching", "stopping"):
            cues.append("swerving")
        if spec.carries_object and distance <= SEE_DETAIL_M[light]:
            cues.append("carrying a bag" if arrival.pedestrian else "object in the back")
        occupants = spec.occupants if distance <= SEE_OCCUPANTS_M[light] else None
        return ApproachView(
            label=arrival.label,
            category=category,
            distance_m=round(distance / 5) * 5.0,
            speed_mps=float(speed),
            seconds_to_checkpoint=seconds,
            speed_trend=trend,
            status=status,
            cues=tuple(cues),
            occupants_seen=occupants,
            steps_used=tuple(arrival.steps_used),
            first_seen_tick=int(arrival.first_seen_tick or 0),
        )

    def views(self) -> tuple[CheckpointView, ...]:
        """The trainee's checkpoints with what the guards can see approaching."""
        sim = self.sim
        result = []
        for point in self.points.values():
            spec = point.spec
            approaches = []
            for arrival in point.arrivals:
                if arrival.first_seen_tick is None or arrival.status == "pending":
                    continue
                if arrival.status in GONE:
                    if (sim.tick - arrival.status_tick) * sim.tick_s > GONE_AFTER_S:
                        continue
                elif not self._visible(point, arrival) and arrival.status == "leaving":
                    continue
                approaches.append(self._view(point, arrival))
            approaches.sort(key=lambda view: view.distance_m)
            result.append(
                CheckpointView(
                    checkpoint_id=spec.id,
                    name=spec.name,
                    x_m=float(spec.position[0]),
                    y_m=float(spec.position[1]),
                    signs_in_place=point.signs_ready,
                    signs_ready_tick=point.signs_ready_tick,
                    sign_distance_m=spec.sign_distance_m,
                    barrier_distance_m=spec.barrier_distance_m,
                    stop_line_m=spec.stop_line_m,
                    danger_distance_m=spec.danger_distance_m,
                    approach=tuple(
                        (round(float(x), 1), round(float(y), 1)) for x, y in point.points
                    ),
                    lit=spec.lit,
                    approaches=tuple(approaches),
                    barrier_speed_mps=spec.barrier_speed_mps,
                )
            )
        return tuple(result)

    def digest(self) -> bytes:
        """Bytes of the desk's state for state hashes."""
        parts = []
        for point in self.points.values():
            parts.append((point.spec.id, point.signs_ready, point.signs_ready_tick, point.counter))
            for arrival in point.arrivals:
                parts.append(
                    (
                        arrival.status,
                        round(arrival.s_m, 6),
                        round(arrival.speed, 6),
                        arrival.intent_stop,
                        arrival.hesitating,
                        arrival.bolting_until,
                        tuple(arrival.perceived),
                        tuple(arrival.steps_used),
                        tuple(arrival.signals),
                        arrival.search_until,
                    )
                )
        return repr((parts, self.bystanders_harmed)).encode()
