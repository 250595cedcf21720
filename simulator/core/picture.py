"""The trainee's picture: what one side knows, with no ground truth in it.

These types are all the UI and scripted trainees ever see. They carry *track ids* (never
truth ids), estimated positions with an uncertainty, and only what was observed. A test
walks these types and fails if a ground-truth field sneaks in.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Contact:
    """A track the trainee holds on something observed.

    Attributes:
        track_id: the trainee's own label, e.g. 'T0007' (never a truth id).
        x_m, y_m: estimated position.
        uncertainty_m: radius within which the contact probably is.
        last_seen_tick: when it was last observed.
        in_view: observed this tick.
        category: 'person' or 'vehicle'.
        indicators: indicators observed so far, name -> best quality seen (0 to 1).
        classification: what the trainee said it is ('unknown' until classified).
        confidence: the trainee's stated confidence in that classification (0 to 1).
        first_seen_tick: when the track started.
    """

    track_id: str
    x_m: float
    y_m: float
    uncertainty_m: float
    last_seen_tick: int
    in_view: bool
    category: str = "person"
    indicators: tuple[tuple[str, float], ...] = ()
    classification: str = "unknown"
    confidence: float = 0.0
    first_seen_tick: int = 0


@dataclass(frozen=True)
class OwnUnit:
    """A friendly unit: the trainee knows its own units exactly."""

    unit_id: str
    name: str
    kind: str
    x_m: float
    y_m: float
    moving: bool


@dataclass(frozen=True)
class SensorView:
    """A sensor the trainee can task, and where it looks."""

    sensor_id: str
    kind: str
    x_m: float
    y_m: float
    radius_m: float
    thermal: bool
    min_radius_m: float | None = None  # zoom limits of an overhead footprint
    max_radius_m: float | None = None


@dataclass(frozen=True)
class Message:
    """A message, intelligence report or notice the trainee received."""

    tick: int
    kind: str
    text: str
    reliability: float | None = None
    source_id: str = ""
    x_m: float | None = None
    y_m: float | None = None
    track_id: str = ""  # the contact an answer is about


@dataclass(frozen=True)
class ProtectedSiteView:
    """A site on the no-strike list as briefed to the trainee."""

    site_id: str
    name: str
    category: str
    status: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class Mark:
    """A labelled mark the trainee put on the map."""

    tick: int
    x_m: float
    y_m: float
    label: str


@dataclass(frozen=True)
class EngagementView:
    """The trainee's own engagement as they set it up (their decisions, no truth).

    Attributes:
        engagement_id: the trainee's name for it.
        track_id: the target contact ('' for a location).
        status: nominated, planned, approved, released, aborted, resolved or denied.
        pid_basis: the basis declared ('' until PID is declared).
        effect_id: the planned effect ('' until planned).
        aim_x_m, aim_y_m: aim point (None until planned).
        estimate: the latest collateral damage estimate as shown to the trainee.
        approval: none, pending, granted or denied.
        approval_note: who approves, or why it was denied.
        impact_tick: when the effect lands (released engagements).
        abort_until_tick: last tick an abort is still possible.
        warnings: ids of warning means used.
        estimate_current: the latest estimate is for the current plan and recent enough.
        approval_current: the approval granted is for the current plan.
    """

    engagement_id: str
    track_id: str
    status: str
    pid_basis: str = ""
    effect_id: str = ""
    aim_x_m: float | None = None
    aim_y_m: float | None = None
    estimate: tuple[tuple[str, object], ...] = ()
    approval: str = "none"
    approval_note: str = ""
    impact_tick: int | None = None
    abort_until_tick: int | None = None
    warnings: tuple[str, ...] = ()
    estimate_current: bool = False
    approval_current: bool = False


@dataclass(frozen=True)
class ApproachView:
    """A vehicle or pedestrian approaching a checkpoint, as the guards see it.

    No hidden behaviour: only what can be observed at the distance, light and noise of
    the moment.

    Attributes:
        label: the trainee's label, e.g. 'cp1-3' (never a truth id).
        category: 'car', 'pickup', 'truck', 'motorbike', 'bus', 'pedestrian', or just
            'vehicle' / 'person' when it is too far or too dark to make out.
        distance_m: distance to the checkpoint along the approach (rounded to 5 m).
        speed_mps: estimated speed (rounded to 0.5 m/s).
        seconds_to_checkpoint: at this speed, seconds until it reaches the checkpoint's
            danger distance (None when stopped or past).
        speed_trend: 'slowing', 'steady', 'speeding_up' or 'stopped'.
        status: 'approaching', 'stopped', 'searching', 'leaving', 'disabled', 'hit',
            'turned_back' or 'passed'.
        cues: what the guards can make out: e.g. 'headlights flashing', 'horn',
            'passenger slumped', 'driver looking down', 'object in the back',
            'swerving', 'hesitating'.
        occupants_seen: how many people can be seen aboard (None when not made out).
        steps_used: the escalation steps the trainee has used on it, in order.
        first_seen_tick: when the guards first saw it.
    """

    label: str
    category: str
    distance_m: float
    speed_mps: float
    seconds_to_checkpoint: float | None
    speed_trend: str
    status: str
    cues: tuple[str, ...] = ()
    occupants_seen: int | None = None
    steps_used: tuple[str, ...] = ()
    first_seen_tick: int = 0


@dataclass(frozen=True)
class CheckpointView:
    """A checkpoint the trainee commands, its layout and what is approaching.

    Attributes:
        checkpoint_id, name: the checkpoint.
        x_m, y_m: where the guards stand.
        signs_in_place: signs and barriers are up (they may still be being placed).
        signs_ready_tick: tick when signs being placed will be ready (None when up or
            not ordered).
        sign_distance_m, barrier_distance_m, stop_line_m, danger_distance_m: the layout,
            measured back along the approach.
        approach: the approach polyline, from where arrivals appear to the checkpoint.
        lit: the control point is lit.
        approaches: arrivals the guards can see (nearest first).
        barrier_speed_mps: fastest a vehicle can pass the barriers (when they are up).
    """

    checkpoint_id: str
    name: str
    x_m: float
    y_m: float
    signs_in_place: bool
    signs_ready_tick: int | None
    sign_distance_m: float
    barrier_distance_m: float
    stop_line_m: float
    danger_distance_m: float
    approach: tuple[tuple[float, float], ...] = ()
    lit: bool = False
    approaches: tuple[ApproachView, ...] = ()
    barrier_speed_mps: float = 5.0


@dataclass(frozen=True)
class CrowdView:
    """A public assembly as the observers see it (behaviour, not intentions).

    Attributes:
        assembly_id, name: the assembly.
        x_m, y_m: centre of the crowd.
        radius_m: how far it spreads.
        size_estimate: people, rounded (to 10 by day, 25 at night).
        mood: observed behaviour: 'peaceful', 'agitated' or 'violent'; 'gathering'
            before it has formed, 'ended' after.
        mood_trend: 'calming', 'steady' or 'rising' over the last minute.
        cues: what observers see: 'chanting', 'pushing at the line', 'throwing objects'...
        agitators_seen: positions of agitators the observers have spotted (and who have
            not been taken out).
        agitators_removed: agitators the trainee's arrest teams have taken out.
        cordon: a police line is around the crowd.
        exits: open exit routes (x_m, y_m).
        channel_to: where the crowd is being guided (None when not).
        talks: 'none', 'under way', 'agreed' or 'failed'.
        people_xy: positions of the people (rounded to 0.5 m), for the map.
    """

    assembly_id: str
    name: str
    x_m: float
    y_m: float
    radius_m: float
    size_estimate: int
    mood: str
    mood_trend: str = "steady"
    cues: tuple[str, ...] = ()
    agitators_seen: tuple[tuple[float, float], ...] = ()
    agitators_removed: int = 0
    cordon: bool = False
    exits: tuple[tuple[float, float], ...] = ()
    channel_to: tuple[float, float] | None = None
    talks: str = "none"
    people_xy: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class Picture:
    """Everything one side knows at one tick.

    Attributes:
        side: whose picture ('blue' for the trainee).
        tick: the tick it describes.
        time_of_day_s: seconds after midnight.
        contacts: tracks held.
        units: own units.
        sensors: own sensors.
        messages: messages received so far (newest last).
        protected_sites: the no-strike list with current statuses.
        marks: the trainee's own map marks.
        is_night: whether it is dark.
        engagements: the trainee's engagements and where each stands.
        checkpoints: the trainee's checkpoints and what approaches them.
        crowds: public assemblies in view.
    """

    side: str
    tick: int
    time_of_day_s: float
    contacts: tuple[Contact, ...] = ()
    units: tuple[OwnUnit, ...] = ()
    sensors: tuple[SensorView, ...] = ()
    messages: tuple[Message, ...] = ()
    protected_sites: tuple[ProtectedSiteView, ...] = field(default=())
    marks: tuple[Mark, ...] = ()
    is_night: bool = False
    engagements: tuple[EngagementView, ...] = ()
    checkpoints: tuple[CheckpointView, ...] = ()
    crowds: tuple[CrowdView, ...] = ()

    def contact(self, track_id: str) -> Contact | None:
        """The contact with this track id, or None."""
        for item in self.contacts:
            if item.track_id == track_id:
                return item
        return None


@dataclass(frozen=True)
class Briefing:
    """What the trainee is told before the exercise: all public, no hidden truth.

    Attributes:
        scenario_id, title, text: the scenario and its briefing text.
        roe: the rules-of-engagement profile (a frozen scenario model).
        effects: the notional effects the trainee may use (allowed ones only).
        warnings: the warning means available.
        objectives: (id, kind, description, deadline 'HH:MM' or '') of each objective.
        extent_m: map size.
        tick_s: seconds per tick.
        start_s: time of day the exercise starts (seconds after midnight).
        total_ticks: length of the exercise.
        units: ids of own units with their kind and speed.
    """

    scenario_id: str
    title: str
    text: str
    roe: object
    effects: tuple = ()
    warnings: tuple = ()
    objectives: tuple[tuple[str, str, str, str], ...] = ()
    extent_m: tuple[float, float] = (0.0, 0.0)
    tick_s: float = 1.0
    start_s: float = 0.0
    total_ticks: int = 0
    units: tuple[tuple[str, str, float], ...] = ()


def briefing_from_scenario(scenario) -> Briefing:
    """The public briefing of a scenario (never its hidden actors or truth)."""
    allowed = scenario.roe.allowed_effects
    effects = tuple(e for e in scenario.effects if allowed is None or e.id in allowed)
    return Briefing(
        scenario_id=scenario.meta.id,
        title=scenario.meta.title,
        text=scenario.meta.briefing,
        roe=scenario.roe,
        effects=effects,
        warnings=tuple(scenario.warnings),
        objectives=tuple(
            (o.id, o.kind, o.description, o.by or "") for o in scenario.scoring.objectives
        ),
        extent_m=tuple(scenario.map.extent_m),
        tick_s=scenario.clock.tick_s,
        start_s=scenario.clock.start_s,
        total_ticks=scenario.clock.total_ticks,
        units=tuple((u.id, u.kind, u.speed_mps) for u in scenario.forces.friendly),
    )
