"""Commands: the only way a trainee (human or scripted) changes the simulation.

Commands are frozen dataclasses that name things by id and serialise to plain dicts with
a ``kind`` key, so the event log can hold them and a replay can apply them again. The
engine applies them at tick boundaries in the order given; an invalid command becomes a
``command_rejected`` event with a reason, never an exception.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

_REGISTRY: dict[str, type[Command]] = {}


class CommandFormatError(ValueError):
    """A serialised command could not be turned back into a Command."""


@dataclass(frozen=True)
class Command:
    """Base of every command. Subclasses set ``kind`` and register with :func:`command`."""

    kind: ClassVar[str] = "command"

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready form with the command's kind."""
        data = {"kind": self.kind}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            data[field.name] = list(value) if isinstance(value, tuple) else value
        return data


def command(kind: str):
    """Class decorator registering a Command subclass under ``kind``."""

    def register(cls: type[Command]) -> type[Command]:
        if kind in _REGISTRY:
            raise ValueError(f"command kind {kind!r} registered twice")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return register


def command_from_dict(data: dict[str, Any]) -> Command:
    """Rebuild a Command from :meth:`Command.to_dict` output.

    Raises:
        CommandFormatError: unknown kind or wrong fields.
    """
    if not isinstance(data, dict) or "kind" not in data:
        raise CommandFormatError("a command needs a 'kind'")
    cls = _REGISTRY.get(data["kind"])
    if cls is None:
        raise CommandFormatError(f"unknown command kind {data['kind']!r}")
    names = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in data.items():
        if key == "kind":
            continue
        if key not in names:
            raise CommandFormatError(f"{data['kind']}: unknown field {key!r}")
        values[key] = tuple(value) if isinstance(value, list) else value
    try:
        return cls(**values)
    except TypeError as error:
        raise CommandFormatError(f"{data['kind']}: {error}") from None


def command_kinds() -> dict[str, type[Command]]:
    """Every registered command kind (for help texts and tests)."""
    return dict(_REGISTRY)


# --------------------------------------------------------------------------- unit commands


@command("move_unit")
@dataclass(frozen=True)
class MoveUnit(Command):
    """Send a friendly unit to a position (it moves in a straight line at its speed)."""

    unit_id: str
    x_m: float
    y_m: float


@command("stop_unit")
@dataclass(frozen=True)
class StopUnit(Command):
    """Stop a friendly unit where it is."""

    unit_id: str


# --------------------------------------------------------------------------- awareness commands


@command("task_sensor")
@dataclass(frozen=True)
class TaskSensor(Command):
    """Point an overhead sensor's footprint at a position (it slews there)."""

    sensor_id: str
    x_m: float
    y_m: float


@command("zoom_sensor")
@dataclass(frozen=True)
class ZoomSensor(Command):
    """Set an overhead footprint's radius: smaller sees finer detail over less ground."""

    sensor_id: str
    radius_m: float


@command("follow_contact")
@dataclass(frozen=True)
class FollowContact(Command):
    """Keep an overhead sensor on a contact (track_id '' stops following)."""

    sensor_id: str
    track_id: str


@command("classify_contact")
@dataclass(frozen=True)
class ClassifyContact(Command):
    """Say what a contact is: civilian, combatant, unknown or protected, with a confidence."""

    track_id: str
    label: str
    confidence: float


@command("mark_location")
@dataclass(frozen=True)
class MarkLocation(Command):
    """Put a labelled mark on the map (e.g. 'possible cache')."""

    x_m: float
    y_m: float
    label: str


@command("request_intel")
@dataclass(frozen=True)
class RequestIntel(Command):
    """Ask the intelligence cell whether a contact matches a known hostile actor."""

    track_id: str


@command("submit_report")
@dataclass(frozen=True)
class SubmitReport(Command):
    """Send a report up the chain (optionally about a contact)."""

    text: str
    track_id: str = ""


# --------------------------------------------------------------------------- targeting commands


@command("nominate_target")
@dataclass(frozen=True)
class NominateTarget(Command):
    """Open an engagement against a contact (track_id) or a location (x_m, y_m)."""

    engagement_id: str
    track_id: str = ""
    x_m: float | None = None
    y_m: float | None = None


@command("declare_pid")
@dataclass(frozen=True)
class DeclarePid(Command):
    """Declare positive identification of the engagement's target, with its basis."""

    engagement_id: str
    basis: str  # hostile_act, hostile_intent or declared_hostile
    rationale: str = ""


@command("plan_effect")
@dataclass(frozen=True)
class PlanEffect(Command):
    """Choose the effect, aim point (default: the target's position) and earliest time."""

    engagement_id: str
    effect_id: str
    x_m: float | None = None
    y_m: float | None = None
    not_before_tick: int = 0


@command("estimate_collateral")
@dataclass(frozen=True)
class EstimateCollateral(Command):
    """Run a collateral damage estimate for the planned effect, from the trainee's picture."""

    engagement_id: str


@command("request_approval")
@dataclass(frozen=True)
class RequestApproval(Command):
    """Ask the approval level the estimate requires to approve the engagement."""

    engagement_id: str


@command("issue_warning")
@dataclass(frozen=True)
class IssueWarning(Command):
    """Warn civilians around the aim point with one of the scenario's warning means."""

    engagement_id: str
    means_id: str


@command("release")
@dataclass(frozen=True)
class Release(Command):
    """Release the planned effect. Every lethal release should say why."""

    engagement_id: str
    rationale: str = ""


@command("abort")
@dataclass(frozen=True)
class Abort(Command):
    """Hold or abort an engagement (possible until the scenario's cutoff before effect)."""

    engagement_id: str
    reason: str = ""


# --------------------------------------------------------------------------- checkpoint commands


@command("eof_step")
@dataclass(frozen=True)
class EofStep(Command):
    """Take one step of the escalation-of-force ladder at a checkpoint.

    ``step`` is one of the ROE ladder's steps (signs_barriers, hand_signals,
    visual_signal, audible_signal, laser_dazzler, show_weapon, warning_shot,
    disabling_fire, lethal_force); ``target_id`` is the trainee's label of the arriving
    vehicle or pedestrian ('' for signs_barriers, which serves every arrival).
    """

    checkpoint_id: str
    step: str
    target_id: str = ""
    rationale: str = ""


@command("stop_search")
@dataclass(frozen=True)
class StopSearch(Command):
    """Search a vehicle or pedestrian that has stopped at the checkpoint."""

    checkpoint_id: str
    target_id: str


@command("wave_through")
@dataclass(frozen=True)
class WaveThrough(Command):
    """Let a vehicle or pedestrian pass the checkpoint."""

    checkpoint_id: str
    target_id: str


# --------------------------------------------------------------------------- assembly commands


@command("communicate")
@dataclass(frozen=True)
class Communicate(Command):
    """Speak to the crowd (loudspeaker, liaison officers): explain, reassure, inform."""

    assembly_id: str
    message: str = ""


@command("negotiate")
@dataclass(frozen=True)
class Negotiate(Command):
    """Open talks with the organisers (takes a few minutes; may fail)."""

    assembly_id: str


@command("cordon")
@dataclass(frozen=True)
class Cordon(Command):
    """Put a police line around the assembly (``lift=True`` takes it away)."""

    assembly_id: str
    lift: bool = False


@command("channel")
@dataclass(frozen=True)
class Channel(Command):
    """Guide the crowd's movement towards a point (a march route, away from danger)."""

    assembly_id: str
    x_m: float
    y_m: float


@command("open_exit")
@dataclass(frozen=True)
class OpenExit(Command):
    """Open an exit route for the crowd at a point on its edge."""

    assembly_id: str
    x_m: float
    y_m: float


@command("isolate_agitators")
@dataclass(frozen=True)
class IsolateAgitators(Command):
    """Send an arrest team to take out the agitators the observers have spotted."""

    assembly_id: str


@command("non_lethal")
@dataclass(frozen=True)
class NonLethal(Command):
    """Use an authorised non-lethal means on the crowd (at a point; default its centre)."""

    assembly_id: str
    means_id: str
    x_m: float | None = None
    y_m: float | None = None
    rationale: str = ""


@command("disperse_by_force")
@dataclass(frozen=True)
class DisperseByForce(Command):
    """Order the crowd dispersed and use force to do it."""

    assembly_id: str
    rationale: str = ""
