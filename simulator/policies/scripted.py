"""Scripted trainees for targeting: ``reckless``, ``by-the-book`` and ``expert``.

They see only the trainee's picture and the public briefing, and act through the same
Commands as the console. They differ in the habits the course trains:

* **reckless** acts on the first plausible hostile at once with the largest effect: no
  estimate, no approval, no warning, no rationale.
* **by-the-book** follows the steps: watches until the ROE's PID indicators are seen,
  asks the intelligence cell, declares PID with a reason, estimates collateral damage,
  gets approval and warns when the ROE asks; but it has no patience and releases as soon
  as it may.
* **expert** does all that and also prefers the least-harm option that still meets the
  objective (detention by a patrol when one can reach the target, else the smallest
  effect), waits for a low-harm window in the pattern of life while the deadline allows,
  warns when civilians are expected, and aborts if civilians come near the aim point
  while the effect is on its way.

All three search the same way (the drone goes where intelligence reports point), so
differences in outcome come from decisions, not from luck in finding the target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulator.core.commands import (
    Abort,
    ClassifyContact,
    Command,
    DeclarePid,
    EstimateCollateral,
    FollowContact,
    IssueWarning,
    MoveUnit,
    NominateTarget,
    PlanEffect,
    Release,
    RequestApproval,
    RequestIntel,
    TaskSensor,
    ZoomSensor,
)
from simulator.core.picture import Briefing, Contact, EngagementView, Picture
from simulator.core.targeting import ROE_INDICATOR_SOURCES
from simulator.policies.security import SecurityHabits
from simulator.scenario.schema import time_to_seconds

SUSPICIOUS = ("weapon_visible", "hostile_act", "intelligence_match", "uniform")
WATCH_ZOOM_M = 60.0
SEARCH_ZOOM_M = 120.0
RE_ESTIMATE_TICKS = 20
INTEL_RETRY_S = 180.0
WATCH_LIMIT_S = 240.0  # give up on a contact that shows no PID criteria after this long
RETRY_AFTER_S = 120.0  # after every option was refused, look at the target again this late
RECKLESS_PAUSE_S = 120.0  # time a reckless trainee takes to line up the next strike
LAST_CHANCE_S = 240.0  # the expert stops waiting for a better window this long before the end


@dataclass
class _Plan:
    """Where one engagement stands in the trainee's own process."""

    engagement_id: str
    track_id: str
    stage: str = "nominated"
    effect_index: int = 0
    effects: list[str] = field(default_factory=list)
    warned_at: int | None = None
    waited_from: int = 0
    last_estimate_tick: int = -(10**9)
    ordered_to: tuple[float, float] | None = None


class ScriptedTrainee:
    """One of the three scripted styles (see module docstring).

    Args:
        style: 'reckless', 'by-the-book' or 'expert'.
    """

    def __init__(self, style: str):
        if style not in ("reckless", "by-the-book", "expert"):
            raise ValueError(f"unknown style {style!r}")
        self.name = style
        self.style = style

    # ------------------------------------------------------------------ set-up

    def reset(self, rng: np.random.Generator, briefing: Briefing) -> None:
        """Start a new session with the public briefing."""
        self.rng = rng
        self.briefing = briefing
        self.tick_s = briefing.tick_s
        self.roe = briefing.roe
        self.kinetic = sorted(
            (e for e in briefing.effects if e.kind == "kinetic"),
            key=lambda e: e.lethal_radius_m,
        )
        self.detain = [
            e
            for e in briefing.effects
            if e.kind == "non_kinetic" and e.action == "detain" and e.meets_objective
        ]
        self.warning_means = sorted(briefing.warnings, key=lambda w: -w.reach_m)
        deadlines = [time_to_seconds(o[3]) for o in briefing.objectives if o[3]]
        end = briefing.start_s + briefing.total_ticks * briefing.tick_s
        self.deadline_s = min(deadlines, default=end)
        self.deadline_tick = int((self.deadline_s - briefing.start_s) / briefing.tick_s)
        self.patrols = [u[0] for u in briefing.units if u[2] > 0]
        self.seen_messages = 0
        self.intel_asked: dict[str, int] = {}
        self.watching: str | None = None
        self.watch_started = 0
        self.plan: _Plan | None = None
        self.done_tracks: set[str] = set()
        self.counter = 0
        self.classified: dict[str, str] = {}
        self.answered: set[str] = set()
        self.cooldown: dict[str, int] = {}
        self.next_reckless_tick = 0
        # Checkpoints and public assemblies (simulator/policies/security.py).
        self.security = SecurityHabits(self.style)
        self.security.reset(briefing)

    # ------------------------------------------------------------------ the tick

    def act(self, picture: Picture) -> Sequence[Command]:
        """Decide this tick's commands from the picture."""
        commands: list[Command] = list(self.security.act(picture))
        overhead = [s for s in picture.sensors if s.kind == "overhead"]
        drone = overhead[0].sensor_id if overhead else None
        self._follow_intel(picture, drone, commands)
        if self.plan is not None:
            view = next(
                (e for e in picture.engagements if e.engagement_id == self.plan.engagement_id), None
            )
            if view is not None:
                self._continue(picture, view, drone, commands)
                return commands
            self.plan = None
        if picture.tick >= self.deadline_tick:
            return commands
        if self.style != "reckless":
            self._drop_weak_candidate(picture, commands)
        candidate = self._candidate(picture)
        if candidate is None:
            if self.style != "reckless":
                self._classify_bystanders(picture, commands)
            return commands
        if self.style == "reckless":
            self._engage_recklessly(picture, candidate, commands)
        else:
            self._watch_and_identify(picture, candidate, drone, commands)
        return commands

    # ------------------------------------------------------------------ search

    def _follow_intel(self, picture: Picture, drone: str | None, commands: list[Command]) -> None:
        """Read new messages: answers about contacts, and reports that say where to look."""
        new = picture.messages[self.seen_messages :]
        self.seen_messages = len(picture.messages)
        for message in new:
            if message.track_id:
                self.answered.add(message.track_id)
            if drone is None or message.x_m is None:
                continue
            if message.kind not in ("intel_report", "gunfire", "explosion"):
                continue
            watched = picture.contact(self.watching) if self.watching else None
            if watched is not None and dict(watched.indicators).get("weapon_visible", 0.0) >= (
                self.roe.min_indicator_quality
            ):
                continue  # an armed contact in view beats a report
            if self.plan is not None:
                continue
            # A report of where to look outranks a weak candidate.
            self.watching = None
            commands.append(TaskSensor(drone, message.x_m, message.y_m))
            if self.style != "reckless":
                commands.append(ZoomSensor(drone, SEARCH_ZOOM_M))

    def _drop_weak_candidate(self, picture: Picture, commands: list[Command]) -> None:
        """Give up on a watched contact that has not met the PID criteria after a good
        look (the time is better spent elsewhere); label it civilian when nothing but a
        long object was ever seen on it."""
        if self.watching is None:
            return
        contact = picture.contact(self.watching)
        if contact is None:
            self.watching = None
            return
        if self._pid_ready(contact):
            return
        if (picture.tick - self.watch_started) * self.tick_s < WATCH_LIMIT_S:
            return
        self.done_tracks.add(contact.track_id)
        seen = dict(contact.indicators)
        minimum = self.roe.min_indicator_quality
        if all(seen.get(name, 0.0) < minimum for name in SUSPICIOUS):
            commands.append(ClassifyContact(contact.track_id, "civilian", 0.6))
            self.classified[contact.track_id] = "civilian"
        self.watching = None

    @staticmethod
    def suspicion(contact: Contact) -> float:
        """How hostile a contact looks from its indicators alone (0 to 1)."""
        seen = dict(contact.indicators)
        score = max((seen.get(name, 0.0) for name in SUSPICIOUS), default=0.0)
        return max(score, 0.5 * seen.get("long_object", 0.0))

    def _candidate(self, picture: Picture) -> Contact | None:
        best, best_score = None, 0.0
        threshold = 0.25 if self.style == "reckless" else 0.3
        for contact in picture.contacts:
            if contact.category != "person" or contact.track_id in self.done_tracks:
                continue
            if self.cooldown.get(contact.track_id, -1) > picture.tick:
                continue
            if self.classified.get(contact.track_id) == "civilian":
                continue
            score = self.suspicion(contact)
            if self.watching == contact.track_id:
                score += 0.5  # stay with the contact being watched
            if score >= threshold and score > best_score:
                best, best_score = contact, score
        return best

    def _classify_bystanders(self, picture: Picture, commands: list[Command]) -> None:
        """Label contacts watched a while with nothing suspicious as civilians (a few a tick)."""
        labelled = 0
        for contact in picture.contacts:
            if labelled >= 3:
                return
            if contact.category != "person" or contact.track_id in self.classified:
                continue
            watched_s = (contact.last_seen_tick - contact.first_seen_tick) * self.tick_s
            seen = dict(contact.indicators)
            if (
                watched_s >= 60
                and self.suspicion(contact) < 0.2
                and seen.get("long_object", 0) == 0
            ):
                commands.append(ClassifyContact(contact.track_id, "civilian", 0.7))
                self.classified[contact.track_id] = "civilian"
                labelled += 1

    # ------------------------------------------------------------------ identification

    def _pid_ready(self, contact: Contact) -> bool:
        seen = dict(contact.indicators)
        minimum = self.roe.min_indicator_quality
        for indicator in self.roe.pid_required_indicators:
            source = ROE_INDICATOR_SOURCES.get(indicator)
            if source is None or seen.get(source, 0.0) < minimum:
                return False
        watched_s = (contact.last_seen_tick - contact.first_seen_tick) * self.tick_s
        return watched_s >= self.roe.pid_min_observation_s and contact.in_view

    def _watch_and_identify(
        self, picture: Picture, contact: Contact, drone: str | None, commands: list[Command]
    ) -> None:
        if self.watching != contact.track_id and drone is not None:
            self.watching = contact.track_id
            self.watch_started = picture.tick
            commands.append(FollowContact(drone, contact.track_id))
            commands.append(ZoomSensor(drone, WATCH_ZOOM_M))
        asked = self.intel_asked.get(contact.track_id)
        seen = dict(contact.indicators)
        matched = seen.get("intelligence_match", 0.0) >= self.roe.min_indicator_quality
        # Ask once; ask again later about an armed contact the cell did not match (sources
        # are imperfect, and the answer may change).
        if asked is None or (
            not matched
            and contact.track_id in self.answered
            and seen.get("weapon_visible", 0.0) >= self.roe.min_indicator_quality
            and (picture.tick - asked) * self.tick_s >= INTEL_RETRY_S
        ):
            self.intel_asked[contact.track_id] = picture.tick
            self.answered.discard(contact.track_id)
            commands.append(RequestIntel(contact.track_id))
        if not self._pid_ready(contact):
            return
        seen = dict(contact.indicators)
        basis = (
            "hostile_act"
            if seen.get("hostile_act", 0) >= self.roe.min_indicator_quality
            else ("hostile_intent")
        )
        self.counter += 1
        engagement = f"E{self.counter}"
        commands.append(ClassifyContact(contact.track_id, "combatant", 0.9))
        self.classified[contact.track_id] = "combatant"
        commands.append(NominateTarget(engagement, track_id=contact.track_id))
        reasons = ", ".join(f"{k} {v:.1f}" for k, v in contact.indicators if k in SUSPICIOUS)
        commands.append(DeclarePid(engagement, basis, f"PID on {contact.track_id}: {reasons}"))
        self.plan = _Plan(engagement, contact.track_id, stage="choose", waited_from=picture.tick)
        if self.style == "expert":
            self.plan.effects = [e.id for e in self.detain] + [e.id for e in self.kinetic]
        else:
            self.plan.effects = [e.id for e in self.kinetic]

    def _engage_recklessly(
        self, picture: Picture, contact: Contact, commands: list[Command]
    ) -> None:
        if not self.kinetic or picture.tick < self.next_reckless_tick:
            return
        self.next_reckless_tick = picture.tick + int(RECKLESS_PAUSE_S / self.tick_s)
        self.counter += 1
        engagement = f"E{self.counter}"
        biggest = self.kinetic[-1].id
        commands += [
            NominateTarget(engagement, track_id=contact.track_id),
            DeclarePid(engagement, "hostile_intent"),
            PlanEffect(engagement, biggest),
            Release(engagement),
        ]
        self.done_tracks.add(contact.track_id)
        self.plan = _Plan(engagement, contact.track_id, stage="released")

    # ------------------------------------------------------------------ the engagement

    def _continue(
        self, picture: Picture, view: EngagementView, drone: str | None, commands: list[Command]
    ) -> None:
        plan = self.plan
        assert plan is not None
        if view.status in ("resolved", "aborted"):
            if view.status == "resolved":
                self.done_tracks.add(plan.track_id)
            self.plan = None
            self.watching = None
            return
        contact = picture.contact(plan.track_id)
        if plan.stage == "released":
            if self.style == "expert" and view.impact_tick is not None:
                self._abort_if_civilians_close(picture, view, commands)
            return
        if contact is None:
            # Lost the target: hold the engagement and go back to searching.
            commands.append(Abort(plan.engagement_id, "target lost"))
            self.plan = None
            self.watching = None
            return
        if plan.stage == "choose":
            self._choose_effect(picture, plan, contact, commands)
        elif plan.stage == "moving_unit":
            self._close_in(picture, plan, contact, commands)
        elif plan.stage == "estimated":
            self._decide_on_estimate(picture, plan, view, commands)
        elif plan.stage == "approval":
            if view.approval == "granted" and not (view.estimate_current and view.approval_current):
                # The estimate went stale while approval came through (or the plan
                # changed): estimate and ask again rather than release on old facts.
                plan.stage = "choose"
            elif view.approval == "granted":
                self._warn_or_release(picture, plan, view, commands)
            elif view.approval == "denied":
                self._next_effect(picture, plan, commands)
        elif plan.stage == "warned" and not view.estimate_current:
            plan.stage = "choose"  # time passed while warning: estimate again before release
        elif plan.stage == "warned":
            wait_s = max(
                (w.delay_s for w in self.briefing.warnings if w.id in view.warnings), default=0.0
            )
            patience = wait_s + 30.0 if self.style == "expert" else 0.0
            if (picture.tick - (plan.warned_at or 0)) * self.tick_s >= patience:
                self._release(plan, commands)

    def _choose_effect(
        self, picture: Picture, plan: _Plan, contact: Contact, commands: list[Command]
    ) -> None:
        if plan.effect_index >= len(plan.effects):
            commands.append(Abort(plan.engagement_id, "no option the ROE allows now"))
            # Try this target again later, when the situation around it may have changed.
            self.cooldown[plan.track_id] = picture.tick + int(RETRY_AFTER_S / self.tick_s)
            self.plan = None
            self.watching = None
            return
        effect_id = plan.effects[plan.effect_index]
        if any(e.id == effect_id for e in self.detain):
            if not self._detention_feasible(picture, contact):
                plan.effect_index += 1
                return
            plan.stage = "moving_unit"
            self._close_in(picture, plan, contact, commands)
            return
        commands.append(PlanEffect(plan.engagement_id, effect_id))
        commands.append(EstimateCollateral(plan.engagement_id))
        plan.last_estimate_tick = picture.tick
        plan.stage = "estimated"

    def _nearest_patrol(self, picture: Picture, contact: Contact):
        units = [u for u in picture.units if u.unit_id in self.patrols]
        if not units:
            return None, math.inf
        unit = min(units, key=lambda u: math.hypot(u.x_m - contact.x_m, u.y_m - contact.y_m))
        return unit, math.hypot(unit.x_m - contact.x_m, unit.y_m - contact.y_m)

    def _detention_feasible(self, picture: Picture, contact: Contact) -> bool:
        unit, gap = self._nearest_patrol(picture, contact)
        if unit is None:
            return False
        speed = next(u[2] for u in self.briefing.units if u[0] == unit.unit_id)
        time_needed = gap / max(speed, 0.1) + 120.0
        return picture.tick + time_needed / self.tick_s < self.deadline_tick

    def _close_in(
        self, picture: Picture, plan: _Plan, contact: Contact, commands: list[Command]
    ) -> None:
        unit, gap = self._nearest_patrol(picture, contact)
        effect = next(e for e in self.detain if e.id == plan.effects[plan.effect_index])
        if unit is None or not self._detention_feasible(picture, contact):
            plan.effect_index += 1
            plan.stage = "choose"
            return
        if gap > effect.unit_reach_m * 0.5:
            # Re-direct the patrol only when the target has moved on noticeably.
            last = plan.ordered_to
            if last is None or math.hypot(contact.x_m - last[0], contact.y_m - last[1]) > 15.0:
                commands.append(MoveUnit(unit.unit_id, contact.x_m, contact.y_m))
                plan.ordered_to = (contact.x_m, contact.y_m)
            return
        commands.append(PlanEffect(plan.engagement_id, effect.id))
        commands.append(EstimateCollateral(plan.engagement_id))
        plan.stage = "estimated"

    def _decide_on_estimate(
        self, picture: Picture, plan: _Plan, view: EngagementView, commands: list[Command]
    ) -> None:
        estimate = dict(view.estimate)
        if not estimate:
            return
        expected = float(estimate.get("estimated_civilian_casualties", 0.0))
        protected = estimate.get("protected_sites_in_area") or []
        blocked = estimate.get("approval_delay_s", 0) < 0 or any(
            site.get("status") != "lost_protection" for site in protected
        )
        if self.style == "expert":
            time_left_s = (self.deadline_tick - picture.tick) * self.tick_s
            if (expected > 0 or blocked) and time_left_s > LAST_CHANCE_S:
                # Tactical patience: watch for a window with nobody around the target.
                if picture.tick - plan.last_estimate_tick >= RE_ESTIMATE_TICKS:
                    commands.append(PlanEffect(plan.engagement_id, plan.effects[plan.effect_index]))
                    commands.append(EstimateCollateral(plan.engagement_id))
                    plan.last_estimate_tick = picture.tick
                return
        if blocked:
            self._next_effect(picture, plan, commands)
            return
        commands.append(RequestApproval(plan.engagement_id))
        plan.stage = "approval"

    def _next_effect(self, picture: Picture, plan: _Plan, commands: list[Command]) -> None:
        plan.effect_index += 1
        plan.stage = "choose"

    def _warn_or_release(
        self, picture: Picture, plan: _Plan, view: EngagementView, commands: list[Command]
    ) -> None:
        estimate = dict(view.estimate)
        expected = float(estimate.get("estimated_civilian_casualties", 0.0))
        needs_warning = self.roe.warning_required_when_feasible and expected > 0
        if self.style == "expert":
            needs_warning = expected > 0 or bool(estimate.get("contacts_in_area"))
        if needs_warning and self.warning_means and not view.warnings:
            commands.append(IssueWarning(plan.engagement_id, self.warning_means[0].id))
            plan.warned_at = picture.tick
            plan.stage = "warned"
            return
        self._release(plan, commands)

    def _release(self, plan: _Plan, commands: list[Command]) -> None:
        commands.append(
            Release(
                plan.engagement_id,
                f"PID on {plan.track_id} per ROE; estimate and approval done",
            )
        )
        plan.stage = "released"

    def _abort_if_civilians_close(
        self, picture: Picture, view: EngagementView, commands: list[Command]
    ) -> None:
        if view.aim_x_m is None or view.abort_until_tick is None:
            return
        if picture.tick > view.abort_until_tick:
            return
        effect = next((e for e in self.kinetic if e.id == view.effect_id), None)
        if effect is None:
            return
        danger = effect.injury_radius_m + effect.scatter_m
        for contact in picture.contacts:
            if contact.category != "person" or contact.track_id == view.track_id:
                continue
            if contact.classification == "combatant" or not contact.in_view:
                continue
            if math.hypot(contact.x_m - view.aim_x_m, contact.y_m - view.aim_y_m) <= danger:
                commands.append(
                    Abort(
                        view.engagement_id,
                        f"{contact.track_id} came within {danger:.0f} m of the aim",
                    )
                )
                # Back to watching; a new engagement follows when a window opens.
                self.plan = None
                return
