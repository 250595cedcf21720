"""Targeting: the engagement workflow, collateral damage estimates, warnings and effects.

An engagement goes: nominate (a contact or a location) -> declare PID with a basis ->
plan an effect and aim point -> estimate collateral damage -> request approval -> warn ->
release -> (abort until the cutoff) -> effect resolved against ground truth.

The simulator does not stop a trainee from skipping steps: a reckless release is carried
out, because living with the consequences is the lesson. Every step is checked against
the ROE and each check is a ``rule_check`` event (ok or not, with the rule and a plain
explanation) that scoring and the after-action review bookmark.

The collateral damage estimate uses only what the trainee may know: the map, the
scenario's occupancy intelligence for buildings (by use and time of day) and the contacts
in the trainee's picture. It never reads hidden truth. The truth is recorded beside it,
for the review, in the event's ``truth`` annex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from simulator.core.commands import (
    Abort,
    Command,
    DeclarePid,
    EstimateCollateral,
    IssueWarning,
    NominateTarget,
    PlanEffect,
    Release,
    RequestApproval,
)
from simulator.core.events import Event, make_event
from simulator.core.picture import EngagementView, Message
from simulator.core.population import KIND_CIVILIAN
from simulator.core.sensing import CATEGORY_VEHICLE, IND
from simulator.scenario.schema import seconds_to_time, time_to_seconds

if TYPE_CHECKING:
    from simulator.core.simulation import Simulation

TARGETING_COMMANDS = (
    NominateTarget,
    DeclarePid,
    PlanEffect,
    EstimateCollateral,
    RequestApproval,
    IssueWarning,
    Release,
    Abort,
)
PID_BASES = ("hostile_act", "hostile_intent", "declared_hostile")
HEALTH_WELL, HEALTH_INJURED, HEALTH_KILLED, HEALTH_DETAINED = 0, 1, 2, 3
# An estimate older than this (or made for another plan) no longer supports a release.
ESTIMATE_VALID_S = 300.0
# Observed indicators that stand for ROE indicators the sensors cannot see directly.
ROE_INDICATOR_SOURCES = {
    "weapon_visible": "weapon_visible",
    "hostile_act": "hostile_act",
    "uniform": "uniform",
    "declared_hostile": "uniform",
    "intelligence_match": "intelligence_match",
}
# The intelligence cell's default assumptions: (use, start, end, share of capacity present).
DEFAULT_OCCUPANCY: tuple[tuple[str, str, str, float], ...] = (
    ("home", "00:00", "24:00", 0.4),
    ("home", "00:00", "06:00", 0.9),
    ("home", "22:00", "24:00", 0.9),
    ("school", "07:30", "13:30", 0.9),
    ("market", "07:00", "18:00", 0.6),
    ("shop", "08:00", "19:00", 0.5),
    ("cafe", "07:00", "22:00", 0.5),
    ("clinic", "08:00", "17:00", 0.7),
    ("hospital", "00:00", "24:00", 0.6),
    ("place_of_worship", "00:00", "24:00", 0.2),
    ("government", "08:00", "16:00", 0.7),
    ("office", "08:00", "16:00", 0.7),
    ("warehouse", "07:00", "17:00", 0.3),
    ("industrial", "07:00", "17:00", 0.5),
    ("compound", "00:00", "24:00", 0.6),
    ("utility", "00:00", "24:00", 0.1),
    ("farm", "06:00", "18:00", 0.3),
)


@dataclass
class Engagement:
    """The state of one engagement (engine side; the trainee sees an EngagementView)."""

    engagement_id: str
    track: int
    location: tuple[float, float] | None
    nominated_tick: int
    status: str = "nominated"
    pid_basis: str = ""
    pid_tick: int | None = None
    pid_ok: bool = False
    effect_id: str = ""
    aim: tuple[float, float] | None = None
    aim_on_track: bool = False
    not_before_tick: int = 0
    plan_version: int = 0
    estimate: dict[str, Any] | None = None
    estimate_tick: int | None = None
    estimate_plan_version: int = -1
    approval: str = "none"
    approval_note: str = ""
    approval_due: int | None = None
    approval_plan_version: int = -1
    warnings: list[str] = field(default_factory=list)
    release_tick: int | None = None
    impact_tick: int | None = None
    release_snapshot: dict[str, Any] | None = None


class EngagementDesk:
    """Applies targeting commands, resolves effects and keeps every engagement."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.engagements: dict[str, Engagement] = {}
        self.effects = {effect.id: effect for effect in sim.scenario.effects}
        self.means = {means.id: means for means in sim.scenario.warnings}
        self.damaged_buildings: set[int] = set()
        self.damaged_sites: set[str] = set()
        self._occupancy = self._occupancy_table()

    # ------------------------------------------------------------------ helpers

    def _occupancy_table(self) -> list[tuple[int, int, int, float]]:
        from simulator.core.world import USE_CODE

        rows = [
            (USE_CODE[u], time_to_seconds(a), time_to_seconds(b), f)
            for u, a, b, f in DEFAULT_OCCUPANCY
        ]
        for item in self.sim.scenario.roe.occupancy_estimates:
            rows.append(
                (
                    USE_CODE[item.use],
                    time_to_seconds(item.start),
                    time_to_seconds(item.end),
                    item.fraction,
                )
            )
        return rows

    def assumed_occupancy(self, use_code: int, time_of_day_s: float) -> float:
        """Share of a building's capacity the intelligence cell assumes present (later
        matching rows win, so specific windows and the scenario's own rows override)."""
        share = 0.0
        for code, start, end, fraction in self._occupancy:
            if code == use_code and start <= time_of_day_s < end:
                share = fraction
        return share

    def handles(self, item: Command) -> bool:
        """Whether this desk applies the command."""
        return isinstance(item, TARGETING_COMMANDS)

    def _target_xy(self, engagement: Engagement) -> tuple[float, float]:
        if engagement.track >= 0:
            x, y = self.sim.sensing.track_xy[engagement.track]
            return float(x), float(y)
        assert engagement.location is not None
        return engagement.location

    def _aim(self, engagement: Engagement) -> tuple[float, float] | None:
        if engagement.aim_on_track:
            return self._target_xy(engagement)
        return engagement.aim

    def _rule(self, engagement: Engagement, rule: str, ok: bool, detail: str) -> Event:
        return make_event(
            self.sim.tick,
            "rule_check",
            engagement=engagement.engagement_id,
            rule=rule,
            ok=bool(ok),
            detail=detail,
        )

    # ------------------------------------------------------------------ validation

    def problem(self, item: Command) -> str | None:
        """Why a targeting command cannot be applied now, or None."""
        sim = self.sim
        engagement_id = getattr(item, "engagement_id", "")
        if not isinstance(engagement_id, str) or not engagement_id.strip():
            return "an engagement needs a name (engagement_id)"
        existing = self.engagements.get(engagement_id)
        if isinstance(item, NominateTarget):
            if existing is not None and existing.status not in ("aborted", "resolved", "denied"):
                return f"engagement '{engagement_id}' is already open"
            if item.track_id:
                index = sim.sensing.track_index(item.track_id)
                if index is None:
                    return f"there is no contact '{item.track_id}'"
                if sim.sensing.track_lost[index]:
                    return f"contact '{item.track_id}' is lost; find it again first"
                return None
            if item.x_m is None or item.y_m is None:
                return "nominate a contact (track_id) or a location (x_m and y_m)"
            return sim.position_problem(item.x_m, item.y_m)
        if existing is None:
            return f"there is no engagement '{engagement_id}'; nominate a target first"
        if existing.status in ("aborted", "resolved"):
            return f"engagement '{engagement_id}' is {existing.status}"
        released = existing.status == "released"
        if isinstance(item, Abort):
            if released and sim.tick > self.abort_until(existing):
                return (
                    f"too late to abort: the effect lands at tick {existing.impact_tick} and "
                    f"aborts close {sim.scenario.roe.abort_cutoff_s:g} s before"
                )
            return None
        if released:
            return f"engagement '{engagement_id}' is already released; only abort is possible"
        if isinstance(item, DeclarePid):
            if item.basis not in PID_BASES:
                return f"'{item.basis}' is not a basis for force; use {', '.join(PID_BASES)}"
            if existing.track < 0:
                return "PID is declared on a contact; this engagement targets a location"
            return None
        if isinstance(item, PlanEffect):
            if item.effect_id not in self.effects:
                return f"there is no effect '{item.effect_id}'"
            if (item.x_m is None) != (item.y_m is None):
                return "give both x_m and y_m, or neither (aim at the target)"
            if item.x_m is not None:
                problem = sim.position_problem(item.x_m, item.y_m)
                if problem:
                    return problem
            if not isinstance(item.not_before_tick, int) or item.not_before_tick < 0:
                return "not_before_tick must be a tick number (0 or more)"
            return None
        if isinstance(item, (EstimateCollateral, RequestApproval, Release)):
            if not existing.effect_id:
                return "plan an effect first (effect and aim point)"
            if isinstance(item, Release) and sim.tick < existing.not_before_tick:
                return f"the plan says not before tick {existing.not_before_tick}"
            return None
        if isinstance(item, IssueWarning):
            if item.means_id not in self.means:
                return f"there is no warning means '{item.means_id}'"
            return None
        return None

    def abort_until(self, engagement: Engagement) -> int:
        """Last tick at which a released engagement can still be aborted."""
        cutoff = int(math.ceil(self.sim.scenario.roe.abort_cutoff_s / self.sim.tick_s))
        return int(engagement.impact_tick) - cutoff

    # ------------------------------------------------------------------ commands

    def apply(self, item: Command) -> list[Event]:
        """Apply a valid targeting command; returns its events (rule checks and so on)."""
        handler = {
            NominateTarget: self._nominate,
            DeclarePid: self._declare_pid,
            PlanEffect: self._plan,
            EstimateCollateral: self._estimate_command,
            RequestApproval: self._request_approval,
            IssueWarning: self._warn,
            Release: self._release,
            Abort: self._abort,
        }[type(item)]
        return handler(item)

    def _nominate(self, item: NominateTarget) -> list[Event]:
        track = self.sim.sensing.track_index(item.track_id) if item.track_id else -1
        location = None if item.track_id else (float(item.x_m), float(item.y_m))
        self.engagements[item.engagement_id] = Engagement(
            item.engagement_id, -1 if track is None else track, location, self.sim.tick
        )
        return []

    def _declare_pid(self, item: DeclarePid) -> list[Event]:
        sim = self.sim
        engagement = self.engagements[item.engagement_id]
        roe = sim.scenario.roe
        quality = sim.sensing.track_indicators[engagement.track]
        missing = []
        for indicator in roe.pid_required_indicators:
            source = ROE_INDICATOR_SOURCES.get(indicator)
            if source is None or quality[IND[source]] < roe.min_indicator_quality:
                missing.append(indicator)
        basis_source = {"hostile_act": "hostile_act", "declared_hostile": "uniform"}.get(item.basis)
        basis_ok = basis_source is None or quality[IND[basis_source]] >= roe.min_indicator_quality
        watched_s = (
            sim.sensing.track_last_seen[engagement.track]
            - sim.sensing.track_first_seen[engagement.track]
        ) * sim.tick_s
        events = [
            self._rule(
                engagement,
                "pid_indicators",
                not missing,
                "required indicators observed"
                if not missing
                else "PID declared without observing: " + ", ".join(missing),
            ),
            self._rule(
                engagement,
                "pid_observation_time",
                watched_s >= roe.pid_min_observation_s,
                f"contact watched {watched_s:.0f} s (ROE minimum {roe.pid_min_observation_s:g} s)",
            ),
            self._rule(
                engagement,
                "pid_basis",
                basis_ok,
                f"basis '{item.basis}' "
                + (
                    "supported by what was observed"
                    if basis_ok
                    else "not supported by any observation"
                ),
            ),
            self._rule(
                engagement,
                "rationale_recorded",
                bool(item.rationale.strip()),
                "rationale given" if item.rationale.strip() else "no rationale recorded",
            ),
        ]
        engagement.pid_basis = item.basis
        engagement.pid_tick = sim.tick
        engagement.pid_ok = all(event["ok"] for event in events[:3])
        return events

    def _plan(self, item: PlanEffect) -> list[Event]:
        engagement = self.engagements[item.engagement_id]
        engagement.effect_id = item.effect_id
        if item.x_m is None:
            engagement.aim_on_track = engagement.track >= 0
            engagement.aim = None if engagement.aim_on_track else engagement.location
        else:
            engagement.aim_on_track = False
            engagement.aim = (float(item.x_m), float(item.y_m))
        engagement.not_before_tick = int(item.not_before_tick)
        engagement.plan_version += 1
        engagement.status = "planned"
        allowed = self.sim.scenario.roe.allowed_effects
        if allowed is not None and item.effect_id not in allowed:
            return [
                self._rule(
                    engagement,
                    "effect_allowed",
                    False,
                    f"effect '{item.effect_id}' is not allowed by the ROE",
                )
            ]
        return []

    # ------------------------------------------------------------------ estimate

    def estimate(self, engagement: Engagement) -> tuple[dict[str, Any], dict[str, Any]]:
        """Collateral damage estimate from the picture, and the truth beside it."""
        sim = self.sim
        world = sim.world
        effect = self.effects[engagement.effect_id]
        aim = self._aim(engagement)
        assert aim is not None
        x, y = aim
        reach = effect.injury_radius_m + 2.0 * effect.scatter_m
        lethal = effect.lethal_radius_m + effect.scatter_m
        time_of_day = sim.time_of_day_s
        point = shapely.Point(x, y)
        buildings = []
        occupants = 0.0
        if world.building_tree is not None and reach > 0:
            for index in world.building_tree.query(point.buffer(reach), predicate="intersects"):
                index = int(index)
                polygon = world.building_polygons[index]
                gap = polygon.distance(point)
                building = sim.scenario.map.buildings[index]
                present = world.place_capacity[index] * self.assumed_occupancy(
                    int(world.place_use[index]), time_of_day
                )
                shelter = getattr(effect.shelter, building.construction)
                factor = shelter * (1.0 if gap <= lethal else 0.5)
                occupants += present * factor
                buildings.append(building.id)
        sensing = sim.sensing
        live = np.flatnonzero(~sensing.track_lost[: sensing.n_tracks])
        contacts = []
        outdoor = 0.0
        for index in live:
            if int(index) == engagement.track or sensing.track_category[index] == CATEGORY_VEHICLE:
                continue
            if sensing.track_class[index] == 2:  # labelled combatant by the trainee
                continue
            gap = math.hypot(*(sensing.track_xy[index] - (x, y)))
            if gap <= reach:
                contacts.append(sensing.track_name(int(index)))
                outdoor += 1.0 if gap <= lethal else 0.5
        sites = self._sites_in_area(x, y, reach, effect.structural_radius_m + effect.scatter_m)
        expected = round(occupants + outdoor, 1) if effect.kind == "kinetic" else 0.0
        level = self._approval_level(expected)
        estimate = {
            "effect_id": effect.id,
            "aim_x_m": round(x, 1),
            "aim_y_m": round(y, 1),
            "radius_considered_m": round(reach, 1),
            "estimated_civilian_casualties": expected,
            "buildings_in_area": len(buildings) if effect.kind == "kinetic" else 0,
            "contacts_in_area": contacts if effect.kind == "kinetic" else [],
            "protected_sites_in_area": sites if effect.kind == "kinetic" else [],
            "approval_authority": level[0],
            "approval_delay_s": level[1],
            "time_of_day": seconds_to_time(time_of_day),
        }
        truly_present = sim.civilians_within(x, y, effect.injury_radius_m + effect.scatter_m)
        truth = {
            "civilians_in_area": int(truly_present.size),
            "civilians_indoors_in_area": int(sim.indoors_mask(truly_present).sum()),
        }
        if effect.kind == "kinetic":
            # The same quantity the estimate tries to predict, from the truth: the sum of
            # each civilian's chance of harm (scatter aside).
            rows, _, chance = self.exposure(effect, x, y)
            civilian = sim.people.kind[rows] == KIND_CIVILIAN
            truth["expected_civilian_casualties"] = round(float(chance[civilian].sum()), 1)
        return estimate, truth

    def _sites_in_area(self, x: float, y: float, reach: float, structural: float) -> list[dict]:
        """Protected sites an effect at (x, y) could touch, with their current status."""
        sim = self.sim
        world = sim.world
        point = shapely.Point(x, y)
        found = []
        for site in sim.scenario.protected.sites:
            if site.building is not None:
                shape = world.building_polygons[world.place_index[site.building]]
            else:
                shape = shapely.Polygon(site.polygon)
            if shape.distance(point) <= max(reach, structural):
                found.append(
                    {"site": site.id, "category": site.category, "status": sim.site_status[site.id]}
                )
        return found

    def _approval_level(self, expected: float) -> tuple[str, float]:
        for level in self.sim.scenario.roe.approval_levels:
            if expected <= level.max_estimated_civilian_casualties + 1e-9:
                return level.authority, level.delay_s
        return "none: the estimate exceeds every approval level", -1.0

    def _estimate_command(self, item: EstimateCollateral) -> list[Event]:
        engagement = self.engagements[item.engagement_id]
        estimate, truth = self.estimate(engagement)
        engagement.estimate = estimate
        engagement.estimate_tick = self.sim.tick
        engagement.estimate_plan_version = engagement.plan_version
        return [
            make_event(
                self.sim.tick,
                "collateral_estimate",
                engagement=engagement.engagement_id,
                estimate=estimate,
                truth=truth,
            )
        ]

    def _estimate_current(self, engagement: Engagement) -> bool:
        if (
            engagement.estimate is None
            or engagement.estimate_plan_version != engagement.plan_version
        ):
            return False
        age = (self.sim.tick - int(engagement.estimate_tick)) * self.sim.tick_s
        return age <= ESTIMATE_VALID_S

    def _protected_in_area(self, estimate: dict[str, Any]) -> list[str]:
        categories = set(self.sim.scenario.roe.protected_categories)
        return [
            site["site"]
            for site in estimate["protected_sites_in_area"]
            if site["status"] != "lost_protection" and site["category"] in categories
        ]

    # ------------------------------------------------------------------ approval

    def _request_approval(self, item: RequestApproval) -> list[Event]:
        sim = self.sim
        engagement = self.engagements[item.engagement_id]
        reason = None
        if not self._estimate_current(engagement):
            reason = "no current collateral damage estimate for this plan"
        elif engagement.track >= 0 and engagement.pid_tick is None:
            reason = "positive identification has not been declared"
        else:
            estimate = engagement.estimate
            protected = self._protected_in_area(estimate)
            allowed = sim.scenario.roe.allowed_effects
            if protected:
                reason = "protected site in the effect area: " + ", ".join(protected)
            elif estimate["approval_delay_s"] < 0:
                reason = (
                    f"estimated {estimate['estimated_civilian_casualties']:g} civilian "
                    "casualties exceed every approval level"
                )
            elif allowed is not None and engagement.effect_id not in allowed:
                reason = f"effect '{engagement.effect_id}' is not allowed by the ROE"
        if reason is not None:
            engagement.approval = "denied"
            engagement.approval_note = reason
            sim.messages.append(
                Message(
                    sim.tick, "approval", f"{engagement.engagement_id}: approval denied - {reason}"
                )
            )
            return [
                make_event(
                    sim.tick, "approval_denied", engagement=engagement.engagement_id, reason=reason
                )
            ]
        authority = engagement.estimate["approval_authority"]
        delay = int(math.ceil(engagement.estimate["approval_delay_s"] / sim.tick_s))
        engagement.approval = "pending"
        engagement.approval_note = authority
        engagement.approval_due = sim.tick + delay
        engagement.approval_plan_version = engagement.plan_version
        return [
            make_event(
                sim.tick,
                "approval_requested",
                engagement=engagement.engagement_id,
                authority=authority,
                due_tick=engagement.approval_due,
            )
        ]

    def _approvals_due(self) -> list[Event]:
        events = []
        for engagement in self.engagements.values():
            if engagement.status in ("aborted", "resolved") or engagement.approval_due is None:
                continue
            if engagement.approval == "pending" and engagement.approval_due <= self.sim.tick:
                engagement.approval = "granted"
                if engagement.status in ("nominated", "planned"):
                    engagement.status = "approved"
                self.sim.messages.append(
                    Message(
                        self.sim.tick,
                        "approval",
                        f"{engagement.engagement_id}: approved by {engagement.approval_note}",
                    )
                )
                events.append(
                    make_event(
                        self.sim.tick,
                        "approval_granted",
                        engagement=engagement.engagement_id,
                        authority=engagement.approval_note,
                    )
                )
        return events

    # ------------------------------------------------------------------ warnings

    def _warn(self, item: IssueWarning) -> list[Event]:
        sim = self.sim
        engagement = self.engagements[item.engagement_id]
        means = self.means[item.means_id]
        aim = self._aim(engagement) or self._target_xy(engagement)
        x, y = aim
        night = sim.sensing.is_night(sim.time_of_day_s)
        base = means.perceive_probability_night if night else means.perceive_probability_day
        noise = sim.scenario.environment.ambient_noise
        chance = base * (1.0 - means.noise_sensitivity * noise)
        rng = sim.streams["warnings"]
        inside = sim.civilians_within(x, y, means.reach_m)
        perceived = rng.random(inside.size) < chance
        _, leaving = sim.warn_civilians(
            x, y, means.reach_m, perceived, means.compliance, means.delay_s, means.leave_distance_m
        )
        alerted = False
        target = self._target_entity(engagement)
        if target is not None and target < len(sim.people):
            tx, ty = sim.entity_xy(target)
            if math.hypot(tx - x, ty - y) <= means.reach_m and rng.random() < (
                means.alerts_target_probability
            ):
                alerted = True
                sim.hide_person(target)
        engagement.warnings.append(means.id)
        return [
            make_event(
                sim.tick,
                "warning_issued",
                engagement=engagement.engagement_id,
                means=means.id,
                x_m=round(x, 1),
                y_m=round(y, 1),
                reach_m=means.reach_m,
                truth={
                    "civilians_in_reach": int(inside.size),
                    "perceived": int(perceived.sum()),
                    "leaving": int(leaving.size),
                    "target_alerted": alerted,
                },
            )
        ]

    def _target_entity(self, engagement: Engagement) -> int | None:
        if engagement.track < 0:
            return None
        entity = int(self.sim.sensing.track_entity[engagement.track])
        return entity if entity >= 0 else None

    # ------------------------------------------------------------------ release and abort

    def _release(self, item: Release) -> list[Event]:
        sim = self.sim
        engagement = self.engagements[item.engagement_id]
        effect = self.effects[engagement.effect_id]
        events: list[Event] = []
        lethal = effect.kind == "kinetic"
        if engagement.track >= 0:
            events.append(
                self._rule(
                    engagement,
                    "pid_before_engagement",
                    engagement.pid_ok,
                    "PID declared and supported"
                    if engagement.pid_ok
                    else "engaged without supported PID",
                )
            )
        current = self._estimate_current(engagement)
        events.append(
            self._rule(
                engagement,
                "estimate_before_engagement",
                current,
                "current estimate for this plan"
                if current
                else "released without a current collateral damage estimate",
            )
        )
        approved = engagement.approval == "granted" and (
            engagement.approval_plan_version == engagement.plan_version
        )
        events.append(
            self._rule(
                engagement,
                "approval_before_engagement",
                approved,
                f"approved by {engagement.approval_note}"
                if approved
                else f"released without approval ({engagement.approval})",
            )
        )
        aim = self._aim(engagement)
        estimate, truth = self.estimate(engagement)
        protected = self._protected_in_area(estimate)
        events.append(
            self._rule(
                engagement,
                "no_protected_site_in_area",
                not protected,
                "no protected site in the effect area"
                if not protected
                else "protected site in the effect area: " + ", ".join(protected),
            )
        )
        warn_feasible = (
            bool(self.means) and lethal and estimate["estimated_civilian_casualties"] > 0
        )
        if sim.scenario.roe.warning_required_when_feasible and warn_feasible:
            warned = bool(engagement.warnings)
            events.append(
                self._rule(
                    engagement,
                    "warning_when_feasible",
                    warned,
                    "civilians warned"
                    if warned
                    else "civilians expected in the area were not warned",
                )
            )
        if lethal:
            events.append(
                self._rule(
                    engagement,
                    "rationale_recorded",
                    bool(item.rationale.strip()),
                    "rationale given"
                    if item.rationale.strip()
                    else "no rationale recorded for a lethal release",
                )
            )
        delay = int(math.ceil(effect.time_to_effect_s / sim.tick_s))
        engagement.status = "released"
        engagement.aim = aim
        engagement.aim_on_track = False
        engagement.release_tick = sim.tick
        engagement.impact_tick = sim.tick + max(delay, 1)
        engagement.release_snapshot = {
            "in_picture": sim.sensing.in_view[: len(sim.people)].copy()
            | (sim.sensing.entity_track[: len(sim.people)] >= 0),
            "indoors": sim.indoors_mask(np.arange(len(sim.people))),
            "target_entity": self._target_entity(engagement),
            "estimate": estimate,
            "civilians_in_area": set(
                sim.civilians_within(aim[0], aim[1], self._danger_radius(effect)).tolist()
            ),
            "entry_reported": False,
        }
        target = engagement.release_snapshot["target_entity"]
        events.append(
            make_event(
                sim.tick,
                "effect_released",
                engagement=engagement.engagement_id,
                effect=effect.id,
                aim_x_m=round(aim[0], 1),
                aim_y_m=round(aim[1], 1),
                impact_tick=engagement.impact_tick,
                rationale=item.rationale,
                estimate=estimate,
                truth={
                    **truth,
                    "target_entity": sim.entity_id(target) if target is not None else None,
                    "target_kind": sim.entity_kind(target) if target is not None else "location",
                },
            )
        )
        return events

    def _abort(self, item: Abort) -> list[Event]:
        sim = self.sim
        engagement = self.engagements[item.engagement_id]
        was_released = engagement.status == "released"
        engagement.status = "aborted"
        engagement.approval_due = None
        if engagement.approval == "pending":
            engagement.approval = "none"
        return [
            make_event(
                sim.tick,
                "engagement_aborted",
                engagement=engagement.engagement_id,
                after_release=was_released,
                reason=item.reason,
                ticks_before_impact=(engagement.impact_tick - sim.tick) if was_released else None,
            )
        ]

    # ------------------------------------------------------------------ effects

    def tick(self) -> list[Event]:
        """Per-tick work: approvals that come through, civilians walking into the area of
        an effect on its way, and effects that land."""
        events = self._approvals_due()
        for engagement in list(self.engagements.values()):
            if engagement.status != "released":
                continue
            if engagement.impact_tick <= self.sim.tick:
                events.extend(self._resolve(engagement))
            else:
                events.extend(self._watch_area(engagement))
        return events

    @staticmethod
    def _danger_radius(effect) -> float:
        return effect.injury_radius_m + effect.scatter_m

    def _watch_area(self, engagement: Engagement) -> list[Event]:
        """Record (once) civilians entering the area after release: new information that
        a prompt abort should answer (D11). Whether the trainee could see them is noted."""
        snapshot = engagement.release_snapshot
        effect = self.effects[engagement.effect_id]
        if snapshot["entry_reported"] or effect.kind != "kinetic":
            return []
        sim = self.sim
        x, y = engagement.aim
        now = set(sim.civilians_within(x, y, self._danger_radius(effect)).tolist())
        new = sorted(now - snapshot["civilians_in_area"])
        if not new:
            return []
        snapshot["entry_reported"] = True
        in_view = int(sim.sensing.in_view[np.array(new)].sum())
        return [
            make_event(
                sim.tick,
                "civilians_entered_effect_area",
                engagement=engagement.engagement_id,
                abort_until_tick=self.abort_until(engagement),
                in_view=in_view,
                truth={"civilians": len(new), "ids": [sim.people.ids[r] for r in new[:20]]},
            )
        ]

    def _resolve(self, engagement: Engagement) -> list[Event]:
        effect = self.effects[engagement.effect_id]
        engagement.status = "resolved"
        if effect.kind == "non_kinetic":
            return self._resolve_non_kinetic(engagement, effect)
        snapshot = engagement.release_snapshot
        events = self.apply_harm(
            effect,
            engagement.aim,
            cause="own",
            engagement_id=engagement.engagement_id,
            in_picture=snapshot["in_picture"],
            indoors_at_decision=snapshot["indoors"],
            target_entity=snapshot["target_entity"],
        )
        return events

    def exposure(self, effect, x: float, y: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who an effect landing at (x, y) would reach, and each one's chance of harm.

        Indoors, distance counts to the walls of the building and the walls shelter (by
        construction), unless the effect lands inside that same building.

        Returns:
            (rows of living people, their distance in metres, their chance of harm).
        """
        sim = self.sim
        world = sim.world
        people = np.flatnonzero(np.isin(sim.health, (HEALTH_WELL, HEALTH_INJURED)))
        xy = sim.person.xy[people]
        gap = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        place = sim.person.place[people]
        impact = shapely.Point(x, y)
        struck = -1
        if world.building_tree is not None:
            found = world.building_tree.query(impact, predicate="intersects")
            struck = int(found[0]) if len(found) else -1
        sheltered = sim.indoors_mask(people) & (place != struck)
        shelter = np.ones(people.size)
        if sheltered.any():
            buildings = np.unique(place[sheltered])
            walls = shapely.distance(
                np.asarray(world.building_polygons, dtype=object)[buildings], impact
            )
            lookup = np.zeros(world.n_buildings)
            lookup[buildings] = walls
            inside = np.where(sheltered, place, 0)  # open areas and -1 never index buildings
            gap = np.where(sheltered, lookup[inside], gap)
            factors = np.array(
                [getattr(effect.shelter, b.construction) for b in sim.scenario.map.buildings]
            )
            shelter = np.where(sheltered, factors[inside], 1.0)
        within_lethal = gap <= effect.lethal_radius_m
        within_injury = gap <= max(effect.injury_radius_m, effect.lethal_radius_m)
        chance = np.where(within_injury, shelter * np.where(within_lethal, 1.0, 0.7), 0.0)
        return people, gap, chance

    def apply_harm(
        self,
        effect,
        aim: tuple[float, float],
        *,
        cause: str,
        engagement_id: str = "",
        in_picture: np.ndarray | None = None,
        indoors_at_decision: np.ndarray | None = None,
        target_entity: int | None = None,
    ) -> list[Event]:
        """Resolve a kinetic effect against ground truth and record who it harmed.

        Used for the trainee's effects (cause 'own') and for hostile attacks the scenario
        scripts (cause 'hostile'). Each harmed civilian is marked by what the trainee
        could know at the decision: 'in_picture' (tracked), 'observable_not_observed'
        (outdoors but not watched) or 'never_observable' (indoors).
        """
        sim = self.sim
        world = sim.world
        rng = sim.streams["effects"]
        offset = rng.normal(0.0, effect.scatter_m, 2) if effect.scatter_m > 0 else np.zeros(2)
        x, y = aim[0] + offset[0], aim[1] + offset[1]
        people, gap, chance = self.exposure(effect, x, y)
        within_lethal = gap <= effect.lethal_radius_m
        draw = rng.random((people.size, 2))
        harmed = draw[:, 0] < chance
        killed = harmed & within_lethal & (draw[:, 1] < 0.8)
        injured = harmed & ~killed
        killed_rows, injured_rows = people[killed], people[injured]
        sim.health[killed_rows] = HEALTH_KILLED
        sim.health[injured_rows] = HEALTH_INJURED
        sim.person.walking[killed_rows] = False

        def describe(rows: np.ndarray) -> list[dict[str, str]]:
            items = []
            for row in rows:
                row = int(row)
                if in_picture is None:
                    seen = "not_applicable"  # not the trainee's decision
                elif in_picture[row]:
                    seen = "in_picture"
                elif indoors_at_decision[row]:
                    seen = "never_observable"
                else:
                    seen = "observable_not_observed"
                items.append(
                    {"id": sim.people.ids[row], "kind": sim.entity_kind(row), "observability": seen}
                )
            return items

        damaged = []
        if world.building_tree is not None and effect.structural_radius_m > 0:
            hits = world.building_tree.query(
                shapely.Point(x, y).buffer(effect.structural_radius_m), predicate="intersects"
            )
            damaged = sorted(int(i) for i in hits)
        self.damaged_buildings.update(damaged)
        sites = []
        for site in self._sites_in_area(x, y, effect.lethal_radius_m, effect.structural_radius_m):
            if site["status"] == "lost_protection":
                continue  # no longer on the no-strike list: damage to it is not a violation
            sites.append(site["site"])
            self.damaged_sites.add(site["site"])
        target_outcome = None
        if target_entity is not None and target_entity < len(sim.people):
            target_outcome = {HEALTH_KILLED: "killed", HEALTH_INJURED: "injured"}.get(
                int(sim.health[target_entity]), "missed"
            )
        events = [
            make_event(
                sim.tick,
                "effect_resolved",
                cause=cause,
                engagement=engagement_id,
                effect=effect.id,
                impact_x_m=round(float(x), 1),
                impact_y_m=round(float(y), 1),
                miss_m=round(float(math.hypot(offset[0], offset[1])), 1),
                target=sim.entity_id(target_entity) if target_entity is not None else None,
                target_kind=sim.entity_kind(target_entity) if target_entity is not None else None,
                target_outcome=target_outcome,
                killed=describe(killed_rows),
                injured=describe(injured_rows),
                buildings_damaged=[world.place_ids[i] for i in damaged],
                protected_sites_damaged=sites,
            )
        ]
        if effect.noise_radius_m > 0:
            events.append(
                sim.react_to_noise(float(x), float(y), effect.noise_radius_m, "explosion")
            )
        seen_harm = int(
            sim.sensing.in_view[killed_rows].sum() + sim.sensing.in_view[injured_rows].sum()
        )
        if cause == "own":
            sim.messages.append(
                Message(
                    sim.tick,
                    "damage_assessment",
                    f"{engagement_id}: effect landed {math.hypot(*offset):.0f} m from the aim "
                    "point; "
                    f"sensors see {seen_harm} casualties in view"
                    + (f"; {len(damaged)} buildings damaged" if damaged else ""),
                    x_m=round(float(x), 1),
                    y_m=round(float(y), 1),
                )
            )
        return events

    def _resolve_non_kinetic(self, engagement: Engagement, effect) -> list[Event]:
        sim = self.sim
        target = engagement.release_snapshot["target_entity"]
        outcome = "no_target"
        if target is not None and target < len(sim.people) and sim.health[target] != HEALTH_KILLED:
            rng = sim.streams["effects"]
            tx, ty = sim.entity_xy(target)
            if effect.action == "detain":
                near = (
                    np.hypot(sim.unit_xy[:, 0] - tx, sim.unit_xy[:, 1] - ty) <= effect.unit_reach_m
                    if len(sim.unit_xy)
                    else np.zeros(0, dtype=bool)
                )
                if not near.any():
                    outcome = "no_unit_in_reach"
                elif sim.indoors_mask(np.array([target]))[0]:
                    outcome = "target_indoors"
                elif rng.random() < effect.success_probability:
                    outcome = "detained"
                    sim.health[target] = HEALTH_DETAINED
                    sim.person.walking[target] = False
                else:
                    outcome = "failed"
            elif rng.random() < effect.success_probability:
                outcome = "disrupted"
                sim.hold_person(target, effect.disrupt_min * 60.0)
            else:
                outcome = "failed"
        sim.messages.append(
            Message(
                sim.tick,
                "damage_assessment",
                f"{engagement.engagement_id}: {effect.name}: {outcome}",
            )
        )
        return [
            make_event(
                sim.tick,
                "effect_resolved",
                cause="own",
                engagement=engagement.engagement_id,
                effect=effect.id,
                target=sim.entity_id(target) if target is not None else None,
                target_kind=sim.entity_kind(target) if target is not None else None,
                target_outcome=outcome,
                killed=[],
                injured=[],
                buildings_damaged=[],
                protected_sites_damaged=[],
            )
        ]

    # ------------------------------------------------------------------ views

    def views(self) -> tuple[EngagementView, ...]:
        """The trainee's engagements as they stand."""
        sensing = self.sim.sensing
        result = []
        for engagement in self.engagements.values():
            aim = self._aim(engagement) if engagement.effect_id else None
            result.append(
                EngagementView(
                    engagement_id=engagement.engagement_id,
                    track_id=sensing.track_name(engagement.track) if engagement.track >= 0 else "",
                    status=engagement.status,
                    pid_basis=engagement.pid_basis,
                    effect_id=engagement.effect_id,
                    aim_x_m=None if aim is None else round(aim[0], 1),
                    aim_y_m=None if aim is None else round(aim[1], 1),
                    estimate=tuple(sorted((engagement.estimate or {}).items())),
                    approval=engagement.approval,
                    approval_note=engagement.approval_note,
                    impact_tick=engagement.impact_tick,
                    abort_until_tick=self.abort_until(engagement)
                    if engagement.impact_tick is not None
                    else None,
                    warnings=tuple(engagement.warnings),
                    estimate_current=self._estimate_current(engagement),
                    approval_current=engagement.approval == "granted"
                    and engagement.approval_plan_version == engagement.plan_version,
                )
            )
        return tuple(result)

    def digest(self) -> bytes:
        """Bytes of the desk's state for state hashes."""
        parts = []
        for engagement in self.engagements.values():
            parts.append(
                (
                    engagement.engagement_id,
                    engagement.status,
                    engagement.track,
                    engagement.effect_id,
                    engagement.aim,
                    engagement.approval,
                    engagement.approval_due,
                    engagement.impact_tick,
                    engagement.pid_ok,
                )
            )
        return repr((parts, sorted(self.damaged_buildings), sorted(self.damaged_sites))).encode()
