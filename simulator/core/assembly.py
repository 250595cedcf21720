"""Public assemblies: a crowd with social-force motion, tension and states (D13).

Each assembly of the scenario gathers at an open area (or a circle) at its time. Its
people move by a simple social-force model, vectorised over the crowd (Helbing-style):
attraction to a personal goal, repulsion between people who come close, and, while a
cordon stands, repulsion from the cordon line except at open exits.

The crowd's **tension** (0 to 1) decides its state with some hysteresis: peaceful below
0.45, agitated from 0.45, violent from 0.75 (back to agitated under 0.6, to peaceful
under 0.35). Tension drifts towards a level set by the grievance; agitators push it up
and now and then provoke an incident; communication, successful negotiation, open exits
and taking agitators out bring it down; force, a closed cordon and visible arrests push
it up. A violent crowd hurts people and guards until it calms down or disperses.

Commands: communicate, negotiate, cordon (or lift it), channel, open_exit,
isolate_agitators, non_lethal (an authorised means) and disperse_by_force. Force is
always carried out, and checked: force against a peaceful assembly breaks the rule
``no_force_on_peaceful_assembly``; force against a crowd that is not violent breaks
``minimum_force`` (both ``rule_check`` events). Harm from force is recorded as
``effect_resolved`` events (cause 'own') so outcomes and scorecards count it. State
changes name the trainee's actions that raised tension shortly before, so the review can
show escalation the trainee caused.

All values are notional training abstractions (see docs/security.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from scipy.spatial import cKDTree

from simulator.core.commands import (
    Channel,
    Command,
    Communicate,
    Cordon,
    DisperseByForce,
    IsolateAgitators,
    Negotiate,
    NonLethal,
    OpenExit,
)
from simulator.core.events import Event, make_event
from simulator.core.picture import CrowdView, Message
from simulator.scenario.schema import time_to_seconds

if TYPE_CHECKING:
    from simulator.core.simulation import Simulation

ASSEMBLY_COMMANDS = (
    Communicate,
    Negotiate,
    Cordon,
    Channel,
    OpenExit,
    IsolateAgitators,
    NonLethal,
    DisperseByForce,
)
FORCE_COMMANDS = (NonLethal, DisperseByForce)
STATES = ("peaceful", "agitated", "violent")
START_TENSION = {"peaceful": 0.2, "agitated": 0.55, "violent": 0.8}
UP = {"peaceful": 0.45, "agitated": 0.75}  # tension to enter the next state up
DOWN = {"agitated": 0.35, "violent": 0.6}  # tension under which a state falls back
MAX_TEXT = 2000

# Tension dynamics (per second unless said otherwise).
RELAX_S = 300.0  # time scale of the drift towards the grievance level
AGITATOR_PUSH = 0.00045  # per active agitator, times (1 + tension) and (1 - tension)
INCIDENT_CHANCE = 0.0015  # per active agitator, once tension is above 0.35
INCIDENT_RAISE = 0.06
NOISE_SD = 0.002
KETTLE_PUSH = 0.0002  # a cordon with no exit open
COMMUNICATE_NOW = 0.04
COMMUNICATE_RESERVE = 0.08  # released over COMMUNICATE_S
COMMUNICATE_S = 180.0
COMMUNICATE_REPEAT_S = 60.0  # talking again sooner than this has half the effect
NEGOTIATION_S = 180.0
NEGOTIATION_DROP = 0.15
CORDON_RAISE = 0.05
EXIT_DROP = 0.03
CHANNEL_DROP = 0.01
ARREST_RAISE = 0.02  # per agitator taken out, visibly
ARREST_CHANCE = {"peaceful": 0.75, "agitated": 0.6, "violent": 0.35}
DISPERSAL_RAISE = 0.3
DISPERSAL_INJURY = 0.03
VIOLENT_FORCE_DROP = 0.03  # force aimed at a violent core breaks it up a little
STATE_EFFECT = {"peaceful": 1.0, "agitated": 0.8, "violent": 0.3}
TALKS_SUCCESS = {"peaceful": 1.0, "agitated": 0.7, "violent": 0.3}
# Violence, per second while violent.
GUARD_INJURY_RATE = 0.004  # per 50 people pressing, halved behind a cordon
CLASH_INJURY_RATE = 0.0002  # per person pressing forward
CRUSH_INJURY = 0.0005  # per person in a crush, per second
CRUSH_NEIGHBOURS = 6
SPOT_CHANCE = (0.002, 0.0008)  # per second by day / at night, per agitator
LEAVE_CHANCE = 0.002  # per second: a calm person leaves through an open exit when tense
VIOLENCE_REPORT_S = 60.0

# Social force (Helbing and Molnar 1995, simplified).
TAU_S = 0.5
PERSON_RADIUS_M = 0.3
REPULSION_MPS2 = 2.0
REPULSION_RANGE_M = 0.3
INTERACTION_M = 2.0
WALL_MPS2 = 6.0
WALL_RANGE_M = 0.2
EXIT_GAP_M = 4.0
SUBSTEPS = 2
MAX_SPEED_MPS = 3.0
SPEED = {"mill": 0.4, "press": 0.8, "rush": 1.8, "leave": 1.3}
GOAL_REFRESH = 0.01  # per second, milling people pick a new spot


@dataclass
class _Crowd:
    """One assembly's state (engine side; the trainee sees a CrowdView)."""

    spec: Any
    form_tick: int
    end_tick: int
    polygon: shapely.Polygon
    walls: np.ndarray  # (m, 2, 2) boundary segments
    centre: np.ndarray
    radius: float
    focus: np.ndarray
    reach: float  # farthest corner from the centre
    outer: shapely.Geometry  # people beyond it have left the assembly
    status: str = "pending"  # pending, active, ended
    state: str = "peaceful"
    max_state: str = "peaceful"
    tension: float = 0.2
    tension_minute_ago: float = 0.2
    xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    velocity: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    goal: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    present: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    agitator: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    spotted: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    removed: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    hurt: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    rushing: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    cordon: bool = False
    exits: list[tuple[float, float]] = field(default_factory=list)
    channel_to: tuple[float, float] | None = None
    dispersing: str = ""  # '', 'home' or 'force'
    talks: str = "none"
    talks_due: int | None = None
    grievance_factor: float = 1.0
    agitator_factor: float = 1.0
    calm_reserve: float = 0.0
    last_communicate: int = -(10**9)
    raised_by: list[tuple[int, str, float]] = field(default_factory=list)  # tick, action, by
    incidents: list[int] = field(default_factory=list)
    guard_injuries: float = 0.0
    clash_injuries: float = 0.0
    violence_since: int | None = None
    violence_reported: tuple[int, int] = (0, 0)
    peaceful_throughout: bool = True
    forced: bool = False

    @property
    def size(self) -> int:
        return int(self.present.sum())


def _area(spec: Any, scenario: Any) -> shapely.Polygon:
    if spec.area is not None:
        area = next(a for a in scenario.map.open_areas if a.id == spec.area)
        return shapely.Polygon(area.polygon)
    return shapely.Point(spec.position).buffer(spec.radius_m, quad_segs=4)


class AssemblyDesk:
    """Runs every public assembly: gathering, motion, tension, commands and harm."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.rules = sim.scenario.roe.public_order
        self.means = {means.id: means for means in self.rules.non_lethal_means}
        start_s = sim.scenario.clock.start_s
        self.crowds: dict[str, _Crowd] = {}
        for spec in sim.scenario.assemblies:
            offset = time_to_seconds(spec.at) - start_s
            if offset < 0:
                offset += 86400
            form = int(math.ceil(offset / sim.tick_s))
            end = form + int(math.ceil(spec.duration_min * 60.0 / sim.tick_s))
            polygon = _area(spec, sim.scenario)
            polygon = shapely.orient_polygons(polygon)  # counter-clockwise outline
            shapely.prepare(polygon)
            ring = np.asarray(polygon.exterior.coords, dtype=np.float64)
            walls = np.stack([ring[:-1], ring[1:]], axis=1)
            centre = np.array([polygon.centroid.x, polygon.centroid.y])
            radius = float(math.sqrt(max(polygon.area, 1.0) / math.pi))
            focus = np.asarray(spec.focus if spec.focus is not None else centre, dtype=np.float64)
            reach = float(np.hypot(*(ring - centre).T).max())
            outer = shapely.convex_hull(
                shapely.union(polygon, shapely.Point(focus).buffer(10.0))
            ).buffer(8.0)
            shapely.prepare(outer)
            self.crowds[spec.id] = _Crowd(
                spec,
                form,
                end,
                polygon,
                walls,
                centre,
                radius,
                focus,
                reach,
                outer,
                tension=START_TENSION[spec.start_state],
            )

    # ------------------------------------------------------------------ helpers

    def _night(self) -> bool:
        return self.sim.sensing.is_night(self.sim.time_of_day_s)

    def _points_inside(self, crowd: _Crowd, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` random points inside the crowd's area (rejection sampling)."""
        minx, miny, maxx, maxy = crowd.polygon.bounds
        found = np.zeros((0, 2))
        for _ in range(50):
            if len(found) >= count:
                break
            need = (count - len(found)) * 2 + 8
            trial = np.column_stack([rng.uniform(minx, maxx, need), rng.uniform(miny, maxy, need)])
            inside = shapely.contains_xy(crowd.polygon, trial[:, 0], trial[:, 1])
            found = np.vstack([found, trial[inside]])
        if len(found) < count:  # a sliver of an area: fall back on the centre
            extra = np.repeat(crowd.centre[None, :], count - len(found), axis=0)
            found = np.vstack([found, extra])
        return found[:count]

    def _edge_point(self, crowd: _Crowd, xy: np.ndarray) -> np.ndarray:
        """For each position, a point 15 m beyond the nearest edge of the area (a way out
        when no exit is open)."""
        away = xy - crowd.centre
        norm = np.maximum(np.hypot(away[:, 0], away[:, 1]), 1e-6)
        return crowd.centre + away / norm[:, None] * (crowd.reach + 15.0)

    def _exit_goals(self, crowd: _Crowd, xy: np.ndarray) -> np.ndarray:
        """Where people heading out go: the nearest open exit (then beyond it), or, with
        no cordon, straight out over the nearest edge."""
        if crowd.exits:
            exits = np.asarray(crowd.exits, dtype=np.float64)
            gap = np.hypot(xy[:, None, 0] - exits[None, :, 0], xy[:, None, 1] - exits[None, :, 1])
            chosen = exits[np.argmin(gap, axis=1)]
            outward = chosen - crowd.centre
            norm = np.maximum(np.hypot(outward[:, 0], outward[:, 1]), 1e-6)
            return chosen + outward / norm[:, None] * 15.0
        return self._edge_point(crowd, xy)

    def _rule(self, crowd: _Crowd, rule: str, ok: bool, detail: str) -> Event:
        return make_event(
            self.sim.tick,
            "rule_check",
            assembly=crowd.spec.id,
            rule=rule,
            ok=bool(ok),
            detail=detail,
        )

    def _raise(self, crowd: _Crowd, amount: float, action: str) -> None:
        """Raise tension because of a trainee's action (remembered for the review)."""
        raised = min(1.0, crowd.tension + amount) - crowd.tension
        crowd.tension += raised
        crowd.raised_by.append((self.sim.tick, action, raised))

    # ------------------------------------------------------------------ commands

    def handles(self, item: Command) -> bool:
        """Whether this desk applies the command."""
        return isinstance(item, ASSEMBLY_COMMANDS)

    def problem(self, item: Command) -> str | None:
        """Why an assembly command cannot be applied now, or None."""
        name = getattr(item, "assembly_id", None)
        if not isinstance(name, str) or name not in self.crowds:
            known = ", ".join(self.crowds) or "none in this scenario"
            return f"there is no assembly '{name}' (assemblies: {known})"
        crowd = self.crowds[name]
        if crowd.status == "pending":
            return f"assembly '{name}' has not gathered yet"
        if crowd.status == "ended":
            return f"assembly '{name}' has ended"
        if isinstance(item, (Channel, OpenExit)):
            problem = self.sim.position_problem(item.x_m, item.y_m)
            if problem:
                return problem
        if isinstance(item, Communicate):
            if not isinstance(item.message, str) or len(item.message) > MAX_TEXT:
                return f"the message must be text of at most {MAX_TEXT} characters"
        if isinstance(item, Negotiate) and crowd.talks == "under way":
            return "talks are already under way"
        if isinstance(item, Cordon) and not isinstance(item.lift, bool):
            return "lift must be true or false"
        if isinstance(item, Cordon) and item.lift and not crowd.cordon:
            return "there is no cordon to lift"
        if isinstance(item, Cordon) and not item.lift and crowd.cordon:
            return "the cordon is already in place"
        if isinstance(item, NonLethal):
            if not isinstance(item.means_id, str) or item.means_id not in self.means:
                known = ", ".join(self.means) or "none authorised"
                return f"'{item.means_id}' is not an authorised non-lethal means ({known})"
            if (item.x_m is None) != (item.y_m is None):
                return "give both x_m and y_m, or neither (the crowd's centre)"
            if item.x_m is not None:
                problem = self.sim.position_problem(item.x_m, item.y_m)
                if problem:
                    return problem
        if isinstance(item, FORCE_COMMANDS) and not isinstance(item.rationale, str):
            return "the rationale must be text"
        if isinstance(item, DisperseByForce) and crowd.dispersing == "force":
            return "the crowd is already being dispersed"
        return None

    def annexes(self, item: Command, base: dict[str, Any]) -> dict[str, Any]:
        """Picture and truth annexes of an assembly command (recorded before it applies)."""
        name = getattr(item, "assembly_id", None)
        crowd = self.crowds.get(name) if isinstance(name, str) else None
        if crowd is None or crowd.status != "active":
            return base
        view = self._view(crowd)
        picture = dict(base.get("picture", {}))
        picture["crowd"] = {
            "assembly": crowd.spec.id,
            "mood": view.mood,
            "mood_trend": view.mood_trend,
            "size_estimate": view.size_estimate,
            "cues": list(view.cues),
            "agitators_seen": len(view.agitators_seen),
            "cordon": view.cordon,
            "exits": len(view.exits),
            "talks": view.talks,
            "night": self._night(),
        }
        truth = {
            "state": crowd.state,
            "tension": round(crowd.tension, 3),
            "agitators_active": int((crowd.agitator & crowd.present & ~crowd.removed).sum()),
            "size": crowd.size,
        }
        return {**base, "picture": picture, "truth": truth}

    def apply(self, item: Command) -> list[Event]:
        """Apply a valid assembly command; returns its events."""
        crowd = self.crowds[item.assembly_id]
        sim = self.sim
        rng = sim.streams["crowd"]
        before = crowd.tension
        events: list[Event] = []
        detail: dict[str, Any] = {}
        if isinstance(item, Communicate):
            effect = (1.0 - 0.6 * sim.scenario.environment.ambient_noise) * (
                0.7 if self._night() else 1.0
            )
            effect *= STATE_EFFECT[crowd.state]
            if (sim.tick - crowd.last_communicate) * sim.tick_s < COMMUNICATE_REPEAT_S:
                effect *= 0.5
            crowd.last_communicate = sim.tick
            crowd.tension = max(0.0, crowd.tension - COMMUNICATE_NOW * effect)
            crowd.calm_reserve += COMMUNICATE_RESERVE * effect
            detail["reach"] = round(effect, 2)
        elif isinstance(item, Negotiate):
            crowd.talks = "under way"
            crowd.talks_due = sim.tick + int(math.ceil(NEGOTIATION_S / sim.tick_s))
        elif isinstance(item, Cordon):
            if item.lift:
                crowd.cordon = False
                crowd.tension = max(0.0, crowd.tension - 0.02)
            else:
                crowd.cordon = True
                self._raise(crowd, CORDON_RAISE, "cordon")
        elif isinstance(item, Channel):
            crowd.channel_to = (float(item.x_m), float(item.y_m))
            crowd.tension = max(0.0, crowd.tension - CHANNEL_DROP)
        elif isinstance(item, OpenExit):
            crowd.exits.append((float(item.x_m), float(item.y_m)))
            crowd.tension = max(0.0, crowd.tension - EXIT_DROP)
        elif isinstance(item, IsolateAgitators):
            events.extend(self._isolate(crowd, rng, detail))
        elif isinstance(item, NonLethal):
            events.extend(self._force_rules(crowd, "non_lethal", item.rationale))
            events.extend(self._non_lethal(crowd, item, rng, detail))
        elif isinstance(item, DisperseByForce):
            events.extend(self._force_rules(crowd, "disperse_by_force", item.rationale))
            events.extend(self._disperse(crowd, rng, detail))
        events.insert(
            0,
            make_event(
                sim.tick,
                "assembly_action",
                assembly=crowd.spec.id,
                action=item.kind,
                **detail,
                truth={
                    "tension_before": round(before, 3),
                    "tension_after": round(crowd.tension, 3),
                },
            ),
        )
        return events

    def _force_rules(self, crowd: _Crowd, action: str, rationale: str) -> list[Event]:
        state = crowd.state
        crowd.forced = True
        return [
            self._rule(
                crowd,
                "no_force_on_peaceful_assembly",
                state != "peaceful",
                f"{action.replace('_', ' ')} used on a {state} assembly",
            ),
            self._rule(
                crowd,
                "minimum_force",
                state == "violent",
                f"{action.replace('_', ' ')} used while the crowd was {state}"
                + ("" if state == "violent" else " (force is for violence only)"),
            ),
            self._rule(
                crowd,
                "rationale_recorded",
                bool(rationale.strip()),
                "reason given" if rationale.strip() else "no reason recorded for force",
            ),
        ]

    def _harm(self, crowd: _Crowd, action: str, rows: np.ndarray) -> Event:
        crowd.hurt[rows] = True
        injured = [
            {
                "id": f"{crowd.spec.id}-person-{int(row):04d}",
                "kind": "civilian",
                "observability": "in_picture",
            }
            for row in rows
        ]
        x, y = crowd.centre
        return make_event(
            self.sim.tick,
            "effect_resolved",
            cause="own",
            engagement=f"{crowd.spec.id}:{action}",
            effect=action,
            impact_x_m=round(float(x), 1),
            impact_y_m=round(float(y), 1),
            miss_m=0.0,
            target=crowd.spec.id,
            target_kind="civilian",
            target_outcome="injured" if len(rows) else "none",
            killed=[],
            injured=injured,
            buildings_damaged=[],
            protected_sites_damaged=[],
            assembly=crowd.spec.id,
        )

    def _isolate(self, crowd: _Crowd, rng: np.random.Generator, detail: dict) -> list[Event]:
        targets = np.flatnonzero(crowd.spotted & crowd.present & ~crowd.removed)
        taken = targets[rng.random(targets.size) < ARREST_CHANCE[crowd.state]]
        crowd.removed[taken] = True
        crowd.present[taken] = False
        detail.update(attempted=int(targets.size), removed=int(taken.size))
        events: list[Event] = []
        if taken.size:
            self._raise(crowd, ARREST_RAISE * taken.size, "isolate_agitators")
        if crowd.state == "violent" and targets.size:
            scuffle = np.flatnonzero(crowd.present & ~crowd.hurt)
            hurt = scuffle[rng.random(scuffle.size) < 0.15 * targets.size / max(scuffle.size, 1)]
            if hurt.size:
                events.append(self._harm(crowd, "isolate_agitators", hurt))
        return events

    def _non_lethal(
        self, crowd: _Crowd, item: NonLethal, rng: np.random.Generator, detail: dict
    ) -> list[Event]:
        means = self.means[item.means_id]
        if item.x_m is None:
            live = crowd.present
            aim = crowd.xy[live].mean(axis=0) if live.any() else crowd.centre
        else:
            aim = np.array([float(item.x_m), float(item.y_m)])
        gap = np.hypot(crowd.xy[:, 0] - aim[0], crowd.xy[:, 1] - aim[1])
        reach = np.flatnonzero(crowd.present & (gap <= means.reach_m))
        hurt = reach[(rng.random(reach.size) < means.injury_probability) & ~crowd.hurt[reach]]
        detail.update(means=means.id, in_reach=int(reach.size), injured_count=int(hurt.size))
        if crowd.state == "violent":
            crowd.tension = max(0.0, crowd.tension - VIOLENT_FORCE_DROP)
            crowd.rushing[reach] = False
        else:
            self._raise(crowd, means.tension_increase, "non_lethal")
        # People hit by it scatter away from the aim point.
        crowd.goal[reach] = self._edge_point(crowd, crowd.xy[reach])
        return [self._harm(crowd, "non_lethal", hurt)] if hurt.size else []

    def _disperse(self, crowd: _Crowd, rng: np.random.Generator, detail: dict) -> list[Event]:
        crowd.dispersing = "force"
        if crowd.state != "violent":
            self._raise(crowd, DISPERSAL_RAISE, "disperse_by_force")
        live = np.flatnonzero(crowd.present)
        hurt = live[(rng.random(live.size) < DISPERSAL_INJURY) & ~crowd.hurt[live]]
        detail.update(people=int(live.size), injured_count=int(hurt.size))
        crowd.goal[live] = self._exit_goals(crowd, crowd.xy[live])
        return [self._harm(crowd, "disperse_by_force", hurt)] if hurt.size else []

    # ------------------------------------------------------------------ per tick

    def tick(self) -> list[Event]:
        """Per-tick work: crowds gather, move, grow tense or calm, clash and go home."""
        events: list[Event] = []
        for crowd in self.crowds.values():
            if crowd.status == "pending" and self.sim.tick >= crowd.form_tick:
                events.append(self._form(crowd))
            if crowd.status == "active":
                events.extend(self._tick_crowd(crowd))
        return events

    def _form(self, crowd: _Crowd) -> Event:
        sim = self.sim
        rng = sim.streams["crowd"]
        spec = crowd.spec
        n = spec.size
        crowd.status = "active"
        crowd.state = spec.start_state
        crowd.max_state = spec.start_state
        crowd.peaceful_throughout = spec.start_state == "peaceful"
        crowd.xy = self._points_inside(crowd, n, rng)
        crowd.velocity = np.zeros((n, 2))
        crowd.goal = self._points_inside(crowd, n, rng)
        crowd.present = np.ones(n, dtype=bool)
        crowd.agitator = np.zeros(n, dtype=bool)
        crowd.agitator[rng.choice(n, size=spec.agitators, replace=False)] = True
        crowd.spotted = np.zeros(n, dtype=bool)
        crowd.removed = np.zeros(n, dtype=bool)
        crowd.hurt = np.zeros(n, dtype=bool)
        crowd.rushing = np.zeros(n, dtype=bool)
        crowd.tension_minute_ago = crowd.tension
        sim.messages.append(
            Message(
                sim.tick,
                "assembly",
                f"About {int(round(n, -1))} people are gathering: {spec.name or spec.id}.",
                x_m=round(float(crowd.centre[0]), 1),
                y_m=round(float(crowd.centre[1]), 1),
            )
        )
        return make_event(
            sim.tick,
            "assembly_formed",
            assembly=spec.id,
            size=n,
            state=crowd.state,
            truth={"agitators": spec.agitators, "tension": round(crowd.tension, 3)},
        )

    def _tick_crowd(self, crowd: _Crowd) -> list[Event]:
        sim = self.sim
        rng = sim.streams["crowd"]
        dt = sim.tick_s
        events: list[Event] = []
        events.extend(self._talks(crowd, rng))
        events.extend(self._tension(crowd, rng, dt))
        events.extend(self._update_state(crowd))
        self._goals(crowd, rng, dt)
        self._move(crowd, dt)
        self._spot(crowd, rng, dt)
        events.extend(self._violence(crowd, rng, dt))
        events.extend(self._leave(crowd, rng, dt))
        if sim.tick % max(1, int(round(60.0 / dt))) == 0:
            crowd.tension_minute_ago = crowd.tension
        return events

    def _talks(self, crowd: _Crowd, rng: np.random.Generator) -> list[Event]:
        if crowd.talks_due is None or self.sim.tick < crowd.talks_due:
            return []
        crowd.talks_due = None
        chance = crowd.spec.open_to_talks * TALKS_SUCCESS[crowd.state]
        agreed = bool(rng.random() < chance)
        crowd.talks = "agreed" if agreed else "failed"
        if agreed:
            crowd.tension = max(0.0, crowd.tension - NEGOTIATION_DROP)
            crowd.grievance_factor = 0.5
            crowd.agitator_factor = 0.5
        else:
            crowd.tension = min(1.0, crowd.tension + 0.03)
        text = "agreed to keep the assembly peaceful" if agreed else "broke off the talks"
        self.sim.messages.append(
            Message(
                self.sim.tick, "assembly", f"{crowd.spec.name or crowd.spec.id}: organisers {text}."
            )
        )
        return [make_event(self.sim.tick, "assembly_talks", assembly=crowd.spec.id, agreed=agreed)]

    def _tension(self, crowd: _Crowd, rng: np.random.Generator, dt: float) -> list[Event]:
        spec = crowd.spec
        tension = crowd.tension
        baseline = 0.1 + 0.45 * spec.grievance * crowd.grievance_factor
        active = crowd.agitator & crowd.present & ~crowd.removed
        count = int(active.sum())
        change = (baseline - tension) * dt / RELAX_S
        change += AGITATOR_PUSH * count * crowd.agitator_factor * (1 + tension) * (1 - tension) * dt
        if crowd.cordon and not crowd.exits:
            change += KETTLE_PUSH * dt
        release = min(crowd.calm_reserve, COMMUNICATE_RESERVE * dt / COMMUNICATE_S)
        crowd.calm_reserve -= release
        change -= release
        change += rng.normal(0.0, NOISE_SD * math.sqrt(dt))
        events: list[Event] = []
        if count and tension > 0.35:
            chance = 1.0 - (1.0 - INCIDENT_CHANCE * crowd.agitator_factor) ** (count * dt)
            if rng.random() < chance:
                change += INCIDENT_RAISE
                who = int(rng.choice(np.flatnonzero(active)))
                crowd.incidents.append(self.sim.tick)
                # Someone throwing things is easy to pick out (by day especially).
                if rng.random() < (0.3 if self._night() else 0.6):
                    crowd.spotted[who] = True
                events.append(
                    make_event(
                        self.sim.tick,
                        "assembly_incident",
                        assembly=spec.id,
                        truth={"agitator": f"{spec.id}-person-{who:04d}"},
                    )
                )
        crowd.tension = float(min(1.0, max(0.0, tension + change)))
        return events

    def _update_state(self, crowd: _Crowd) -> list[Event]:
        before = crowd.state
        tension = crowd.tension
        state = before
        if before == "peaceful" and tension >= UP["peaceful"]:
            state = "violent" if tension >= UP["agitated"] else "agitated"
        elif before == "agitated":
            if tension >= UP["agitated"]:
                state = "violent"
            elif tension < DOWN["agitated"]:
                state = "peaceful"
        elif before == "violent" and tension < DOWN["violent"]:
            state = "peaceful" if tension < DOWN["agitated"] else "agitated"
        if state == before:
            return []
        crowd.state = state
        worse = STATES.index(state) > STATES.index(before)
        if worse:
            crowd.peaceful_throughout = False
            if STATES.index(state) > STATES.index(crowd.max_state):
                crowd.max_state = state
        if state == "violent":
            crowd.violence_since = self.sim.tick
            crowd.rushing = crowd.present & (
                crowd.agitator | (self.sim.streams["crowd"].random(crowd.present.size) < 0.3)
            )
        elif before == "violent":
            crowd.rushing[:] = False
        window = self.rules.escalation_window_s / self.sim.tick_s
        recent = [
            {"tick": tick, "action": action, "raised": round(by, 3)}
            for tick, action, by in crowd.raised_by
            if self.sim.tick - tick <= window
        ]
        # The trainee caused it when, but for the tension their recent actions added, the
        # crowd would not have crossed the threshold.
        added = sum(item["raised"] for item in recent)
        caused = worse and bool(recent) and tension - added < UP[before]
        self.sim.messages.append(
            Message(
                self.sim.tick,
                "assembly",
                f"{crowd.spec.name or crowd.spec.id}: the crowd is now {state}.",
                x_m=round(float(crowd.centre[0]), 1),
                y_m=round(float(crowd.centre[1]), 1),
            )
        )
        return [
            make_event(
                self.sim.tick,
                "assembly_state",
                assembly=crowd.spec.id,
                previous=before,
                state=state,
                worse=worse,
                after_actions=recent if worse else [],
                caused_by_trainee=caused,
                truth={"tension": round(tension, 3)},
            )
        ]

    def _goals(self, crowd: _Crowd, rng: np.random.Generator, dt: float) -> None:
        """Where each person heads this tick, by the crowd's state and the trainee's
        guidance (channel, exits, dispersal)."""
        live = np.flatnonzero(crowd.present)
        if live.size == 0:
            return
        if crowd.dispersing:
            return  # goals were set when the dispersal began
        refresh = live[rng.random(live.size) < GOAL_REFRESH * dt]
        if refresh.size:
            if crowd.channel_to is not None:
                target = np.asarray(crowd.channel_to)
                spread = rng.normal(0.0, 6.0, (refresh.size, 2))
                crowd.goal[refresh] = target + spread
            elif crowd.state == "peaceful":
                crowd.goal[refresh] = self._points_inside(crowd, refresh.size, rng)
            else:
                # Agitated people press towards the focus; the rest stay about.
                spots = self._points_inside(crowd, refresh.size, rng)
                pressing = rng.random(refresh.size) < 0.5
                toward = spots + 0.6 * (crowd.focus - spots)
                crowd.goal[refresh] = np.where(pressing[:, None], toward, spots)
        rushing = np.flatnonzero(crowd.rushing & crowd.present)
        if rushing.size:
            crowd.goal[rushing] = crowd.focus

    def _desired_speed(self, crowd: _Crowd) -> np.ndarray:
        n = crowd.present.size
        speed = np.full(n, SPEED["mill"] if crowd.state == "peaceful" else SPEED["press"])
        if crowd.dispersing:
            speed[:] = SPEED["leave"]
        speed[crowd.rushing] = SPEED["rush"]
        return speed

    def _move(self, crowd: _Crowd, dt: float) -> None:
        """Social-force step (vectorised) in a few substeps for stability."""
        live = np.flatnonzero(crowd.present)
        if live.size == 0:
            return
        xy = crowd.xy[live]
        velocity = crowd.velocity[live]
        goal = crowd.goal[live]
        desired = self._desired_speed(crowd)[live]
        walls = crowd.walls if crowd.cordon else None
        exits = np.asarray(crowd.exits, dtype=np.float64).reshape(-1, 2)
        h = dt / SUBSTEPS
        for _ in range(SUBSTEPS):
            before = xy
            to_goal = goal - xy
            gap = np.maximum(np.hypot(to_goal[:, 0], to_goal[:, 1]), 1e-6)
            arrive = np.minimum(1.0, gap / 1.0)  # slow down on arrival: no jitter
            wanted = to_goal / gap[:, None] * (desired * arrive)[:, None]
            force = (wanted - velocity) / TAU_S
            force += _repulsion(xy)
            if walls is not None:
                force += _wall_force(xy, walls, exits)
            velocity = velocity + force * h
            speed = np.hypot(velocity[:, 0], velocity[:, 1])
            too_fast = speed > MAX_SPEED_MPS
            velocity[too_fast] *= (MAX_SPEED_MPS / speed[too_fast])[:, None]
            xy = xy + velocity * h
            if walls is not None:
                # The line holds: nobody steps through it except at an open exit.
                was_in = shapely.contains_xy(crowd.polygon, before[:, 0], before[:, 1])
                now_in = shapely.contains_xy(crowd.polygon, xy[:, 0], xy[:, 1])
                through = was_in & ~now_in
                if exits.size and through.any():
                    gap = np.hypot(
                        xy[:, None, 0] - exits[None, :, 0], xy[:, None, 1] - exits[None, :, 1]
                    ).min(axis=1)
                    through &= gap > EXIT_GAP_M
                xy[through] = before[through]
                velocity[through] = 0.0
        crowd.xy[live] = xy
        crowd.velocity[live] = velocity

    def _spot(self, crowd: _Crowd, rng: np.random.Generator, dt: float) -> None:
        hidden = np.flatnonzero(crowd.agitator & crowd.present & ~crowd.spotted)
        if hidden.size == 0:
            return
        chance = SPOT_CHANCE[1 if self._night() else 0] * dt
        if crowd.state != "peaceful":
            chance *= 2.0  # agitators acting up are easier to pick out
        crowd.spotted[hidden[rng.random(hidden.size) < chance]] = True

    def _violence(self, crowd: _Crowd, rng: np.random.Generator, dt: float) -> list[Event]:
        """A violent crowd hurts guards and people; a crush hurts people."""
        events: list[Event] = []
        live = np.flatnonzero(crowd.present & ~crowd.hurt)
        if crowd.state == "violent" and live.size:
            pressing = int((crowd.rushing & crowd.present).sum())
            rate = GUARD_INJURY_RATE * max(pressing, 1) / 50.0 * (0.5 if crowd.cordon else 1.0)
            crowd.guard_injuries += rate * dt
            clash = live[rng.random(live.size) < CLASH_INJURY_RATE * dt * pressing / live.size]
            crowd.hurt[clash] = True
            crowd.clash_injuries += clash.size
        crushed = self._crushed(crowd)
        crushed = crushed[~crowd.hurt[crushed]]
        if crushed.size:
            hurt = crushed[rng.random(crushed.size) < CRUSH_INJURY * dt]
            if hurt.size:
                cause = "disperse_by_force" if crowd.dispersing == "force" else "crush"
                if crowd.dispersing == "force" or crowd.cordon:
                    events.append(self._harm(crowd, cause, hurt))
                else:
                    crowd.hurt[hurt] = True
                    crowd.clash_injuries += hurt.size
        every = max(1, int(round(VIOLENCE_REPORT_S / dt)))
        if crowd.violence_since is not None and (self.sim.tick - crowd.violence_since) % every == 0:
            guards = int(crowd.guard_injuries)
            people = int(crowd.clash_injuries)
            new_guards = guards - crowd.violence_reported[0]
            new_people = people - crowd.violence_reported[1]
            if new_guards or new_people:
                crowd.violence_reported = (guards, people)
                events.append(
                    make_event(
                        self.sim.tick,
                        "assembly_violence",
                        assembly=crowd.spec.id,
                        own_force_injured=new_guards,
                        people_injured=new_people,
                        state=crowd.state,
                    )
                )
            if crowd.state != "violent":
                crowd.violence_since = None
        return events

    def _crushed(self, crowd: _Crowd) -> np.ndarray:
        """People with too many others pressed against them (only when pushing happens:
        a violent crowd, a forced dispersal, or a cordon)."""
        if not (crowd.state == "violent" or crowd.dispersing == "force" or crowd.cordon):
            return np.zeros(0, dtype=np.int64)
        live = np.flatnonzero(crowd.present)
        if live.size < CRUSH_NEIGHBOURS:
            return np.zeros(0, dtype=np.int64)
        pairs = cKDTree(crowd.xy[live]).query_pairs(0.7, output_type="ndarray")
        if pairs.size == 0:
            return np.zeros(0, dtype=np.int64)
        counts = np.bincount(pairs.ravel(), minlength=live.size)
        return live[counts >= CRUSH_NEIGHBOURS]

    def _leave(self, crowd: _Crowd, rng: np.random.Generator, dt: float) -> list[Event]:
        """People go home at the end, leave through exits when it gets tense, and the
        assembly ends when everyone has gone."""
        sim = self.sim
        live = np.flatnonzero(crowd.present)
        if not crowd.dispersing and sim.tick >= crowd.end_tick and crowd.state != "violent":
            crowd.dispersing = "home"
            crowd.goal[live] = self._exit_goals(crowd, crowd.xy[live])
        elif crowd.exits and not crowd.dispersing and crowd.state != "peaceful":
            calm = live[~crowd.agitator[live] & ~crowd.rushing[live]]
            going = calm[rng.random(calm.size) < LEAVE_CHANCE * dt]
            crowd.goal[going] = self._exit_goals(crowd, crowd.xy[going])
            crowd.rushing[going] = False
        inside = shapely.contains_xy(crowd.outer, crowd.xy[live, 0], crowd.xy[live, 1])
        crowd.present[live[~inside]] = False
        if crowd.present.any():
            return []
        crowd.status = "ended"
        how = "dispersed_by_force" if crowd.dispersing == "force" else "went_home"
        sim.messages.append(
            Message(sim.tick, "assembly", f"{crowd.spec.name or crowd.spec.id} has ended.")
        )
        return [
            make_event(
                sim.tick,
                "assembly_ended",
                assembly=crowd.spec.id,
                how=how,
                final_state=crowd.state,
                max_state=crowd.max_state,
                peaceful_throughout=crowd.peaceful_throughout,
                own_force_injured=int(crowd.guard_injuries),
                people_injured_in_clashes=int(crowd.clash_injuries),
            )
        ]

    # ------------------------------------------------------------------ views

    def _view(self, crowd: _Crowd) -> CrowdView:
        sim = self.sim
        night = self._night()
        live = crowd.present
        size = crowd.size
        step = 25 if night else 10
        estimate = int(max(step, round(size / step) * step)) if size else 0
        centre = crowd.xy[live].mean(axis=0) if live.any() else crowd.centre
        if crowd.status == "pending":
            mood = "gathering"
        elif crowd.status == "ended":
            mood = "ended"
        else:
            mood = crowd.state
        change = crowd.tension - crowd.tension_minute_ago
        trend = "rising" if change > 0.03 else ("calming" if change < -0.03 else "steady")
        cues = []
        if crowd.status == "active":
            recent = [t for t in crowd.incidents if (sim.tick - t) * sim.tick_s <= 60.0]
            cues.extend(
                {
                    "peaceful": ["chanting", "banners"],
                    "agitated": ["shouting", "pressing forward"],
                    "violent": ["throwing objects", "fighting"],
                }[crowd.state]
            )
            if recent and crowd.state != "violent":
                cues.append("objects thrown")
            if crowd.cordon and crowd.state != "peaceful":
                cues.append("pushing at the line")
            if crowd.dispersing:
                cues.append("leaving")
        seen = np.flatnonzero(crowd.spotted & crowd.present & ~crowd.removed)
        return CrowdView(
            assembly_id=crowd.spec.id,
            name=crowd.spec.name,
            x_m=round(float(centre[0]), 1),
            y_m=round(float(centre[1]), 1),
            radius_m=round(crowd.radius, 1),
            size_estimate=estimate,
            mood=mood,
            mood_trend=trend,
            cues=tuple(cues),
            agitators_seen=tuple(
                (round(float(crowd.xy[i, 0]), 1), round(float(crowd.xy[i, 1]), 1)) for i in seen
            ),
            agitators_removed=int(crowd.removed.sum()),
            cordon=crowd.cordon,
            exits=tuple(crowd.exits),
            channel_to=crowd.channel_to,
            talks=crowd.talks,
            people_xy=tuple(map(tuple, (np.round(crowd.xy[live] * 2.0) / 2.0).tolist())),
        )

    def views(self) -> tuple[CrowdView, ...]:
        """Assemblies the trainee can see (gathered or gathering soon, or ended)."""
        return tuple(
            self._view(crowd) for crowd in self.crowds.values() if crowd.status != "pending"
        )

    def digest(self) -> bytes:
        """Bytes of the desk's state for state hashes."""
        parts = []
        for crowd in self.crowds.values():
            parts.append(
                repr(
                    (
                        crowd.status,
                        crowd.state,
                        round(crowd.tension, 9),
                        crowd.cordon,
                        crowd.exits,
                        crowd.channel_to,
                        crowd.dispersing,
                        crowd.talks,
                        crowd.talks_due,
                        round(crowd.calm_reserve, 9),
                    )
                ).encode()
            )
            for array in (crowd.xy, crowd.velocity, crowd.present, crowd.removed, crowd.hurt):
                parts.append(np.ascontiguousarray(array).tobytes())
        return b"|".join(parts)


def _repulsion(xy: np.ndarray) -> np.ndarray:
    """Exponential repulsion between people closer than INTERACTION_M (vectorised)."""
    force = np.zeros_like(xy)
    if len(xy) < 2:
        return force
    pairs = cKDTree(xy).query_pairs(INTERACTION_M, output_type="ndarray")
    if pairs.size == 0:
        return force
    i, j = pairs[:, 0], pairs[:, 1]
    delta = xy[i] - xy[j]
    distance = np.maximum(np.hypot(delta[:, 0], delta[:, 1]), 1e-3)
    push = REPULSION_MPS2 * np.exp((2 * PERSON_RADIUS_M - distance) / REPULSION_RANGE_M)
    vector = delta / distance[:, None] * push[:, None]
    n = len(xy)
    for axis in (0, 1):  # bincount sums per person far faster than np.add.at
        force[:, axis] = np.bincount(i, vector[:, axis], n) - np.bincount(j, vector[:, axis], n)
    return force


def _wall_force(xy: np.ndarray, walls: np.ndarray, exits: np.ndarray) -> np.ndarray:
    """Repulsion from the cordon line (the area's edge) towards the inside, except near
    open exits. ``walls`` run counter-clockwise, so each edge's inward normal is its
    direction turned left; the force grows as a person comes close to (or past) it."""
    start = walls[:, 0, :]
    end = walls[:, 1, :]
    edge = end - start
    length = np.maximum(np.hypot(edge[:, 0], edge[:, 1]), 1e-9)
    inward = np.column_stack([-edge[:, 1], edge[:, 0]]) / length[:, None]
    rel = xy[:, None, :] - start[None, :, :]
    share = (rel * edge[None, :, :]).sum(axis=2) / (length**2)[None, :]
    depth = (rel * inward[None, :, :]).sum(axis=2)  # > 0 inside
    near = (share >= 0.0) & (share <= 1.0) & (depth > -1.5) & (depth < 2.0)
    push = WALL_MPS2 * np.exp(np.minimum((PERSON_RADIUS_M - depth) / WALL_RANGE_M, 4.0))
    push = np.where(near, push, 0.0)
    if exits.size:
        spot = start[None, :, :] + np.clip(share, 0.0, 1.0)[:, :, None] * edge[None, :, :]
        gap = np.hypot(
            spot[:, :, None, 0] - exits[None, None, :, 0],
            spot[:, :, None, 1] - exits[None, None, :, 1],
        ).min(axis=2)
        push = np.where(gap <= EXIT_GAP_M, 0.0, push)
    return push @ inward
