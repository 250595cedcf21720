"""Scripted habits at checkpoints and around public assemblies (D12, D13).

Used by the three scripted trainees (``reckless``, ``by-the-book``, ``expert``); like
them it sees only the trainee's picture and the public briefing (the ROE ladder and the
signal ranges every guard is taught; never an arrival's hidden behaviour).

Checkpoints:

* **expert** has signs and barriers placed, starts the ladder early on any vehicle
  that is not slowing, uses each step in ladder order as soon as the driver can
  perceive it (skipping only those that cannot reach the driver in this light), gives
  strong signals to a vehicle flashing its lights with a slumped passenger and waves it
  through, keeps a warning shot for when every lesser step has failed (and not for a
  swerving, frightened driver while there is time), then disabling fire before lethal
  force, records a reason for fire, searches stopped vehicles and reports any harm.
* **by-the-book** follows the ladder mechanically: one step every few seconds from the
  sign line, in order, whether or not the driver can perceive it; a warning shot after
  the weapon was shown; disabling fire then lethal force; searches everyone, emergencies
  included.
* **reckless** fires a warning shot at any vehicle still coming inside 200 m, then lethal
  force inside 120 m, and waves stopped vehicles through unsearched.

Assemblies:

* **expert** communicates early and often, negotiates with the organisers, opens an
  exit route, takes out agitators the observers spotted, uses authorised non-lethal
  means only on a crowd that has been violent for a while, never disperses a crowd that
  is not violent.
* **by-the-book** communicates now and then, puts a cordon round the crowd at once (no
  exit), takes out spotted agitators, uses non-lethal means once as soon as the crowd is
  agitated (and once more if it turns violent) and disperses it by force when violent.
* **reckless** cordons the crowd and disperses it by force within a minute, peaceful or
  not, and uses non-lethal means on it while it is there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from simulator.core.checkpoint import FIRES, SIGNALS, light_index, signal_chance
from simulator.core.commands import (
    Command,
    Communicate,
    Cordon,
    DisperseByForce,
    EofStep,
    IsolateAgitators,
    Negotiate,
    NonLethal,
    OpenExit,
    StopSearch,
    SubmitReport,
    WaveThrough,
)
from simulator.core.picture import ApproachView, Briefing, CheckpointView, CrowdView, Picture

# What a guard assumes about conditions it cannot measure (the picture says day or night).
ASSUMED_NOISE = 0.3
ASSUMED_WEATHER = "clear"
PERCEIVABLE = 0.4  # the expert uses a signal only when it reaches the driver this surely
CRAWL_MPS = 3.5  # at or below this a vehicle is rolling up to stop
EMERGENCY_CUES = ("headlights flashing", "horn", "passenger slumped")
SIGNAL_STEPS = ("hand_signals", "visual_signal", "audible_signal", "laser_dazzler", "show_weapon")


@dataclass
class _Track:
    """What the trainee remembers about one arrival."""

    top_speed: float = 0.0
    last_step_tick: int = -(10**9)
    steps: list[str] = field(default_factory=list)
    warned_shot_tick: int | None = None
    fired_tick: int | None = None
    decided: bool = False  # searched or waved through
    reported: bool = False
    slowed_early: bool = False


class SecurityHabits:
    """Checkpoint and assembly decisions of one scripted style (see module docstring).

    Args:
        style: 'reckless', 'by-the-book' or 'expert'.
    """

    def __init__(self, style: str):
        self.style = style

    def reset(self, briefing: Briefing) -> None:
        """Start a new session with the public briefing."""
        roe = briefing.roe
        ladder = roe.escalation_of_force
        self.tick_s = briefing.tick_s
        self.allowed = set(ladder.allowed_steps())
        self.order = [step for step in ladder.allowed_steps() if step != "signs_barriers"]
        self.step_ticks = max(1, int(math.ceil(ladder.step_time_s / briefing.tick_s)))
        self.means = [means.id for means in roe.public_order.non_lethal_means]
        self.tracks: dict[str, _Track] = {}
        self.crowds: dict[str, dict] = {}

    def act(self, picture: Picture) -> Sequence[Command]:
        """This tick's checkpoint and assembly commands."""
        commands: list[Command] = []
        for checkpoint in picture.checkpoints:
            self._checkpoint(picture, checkpoint, commands)
        for crowd in picture.crowds:
            self._crowd(picture, crowd, commands)
        return commands

    # ------------------------------------------------------------------ checkpoints

    def _checkpoint(
        self, picture: Picture, checkpoint: CheckpointView, commands: list[Command]
    ) -> None:
        cp = checkpoint.checkpoint_id
        if (
            self.style != "reckless"
            and not checkpoint.signs_in_place
            and checkpoint.signs_ready_tick is None
            and "signs_barriers" in self.allowed
        ):
            commands.append(EofStep(cp, "signs_barriers"))
        for view in checkpoint.approaches:
            track = self.tracks.setdefault(f"{cp}/{view.label}", _Track())
            track.top_speed = max(track.top_speed, view.speed_mps)
            if view.status in ("stopped", "disabled", "hit"):
                self._stopped(picture, checkpoint, view, track, commands)
                continue
            if view.status != "approaching":
                continue
            if self._complying(checkpoint, view, track):
                continue
            if self.style == "expert":
                self._expert(picture, checkpoint, view, track, commands)
            elif self.style == "by-the-book":
                self._by_the_book(picture, checkpoint, view, track, commands)
            else:
                self._reckless(picture, checkpoint, view, track, commands)

    def _complying(self, checkpoint: CheckpointView, view: ApproachView, track: _Track) -> bool:
        """Whether the vehicle looks as if it is stopping (from speed alone)."""
        if view.speed_trend == "speeding_up":
            return False
        outside_barriers = view.distance_m > checkpoint.barrier_distance_m + 25
        if outside_barriers and (
            view.speed_trend == "slowing" or view.speed_mps <= 0.7 * track.top_speed
        ):
            track.slowed_early = True  # slowing before the barriers made it do so
        if view.speed_mps <= CRAWL_MPS:
            return True
        if self.style == "reckless":
            return False
        return track.slowed_early

    def _use(
        self,
        cp: str,
        view: ApproachView,
        track: _Track,
        step: str,
        tick: int,
        commands: list[Command],
        rationale: str = "",
    ) -> None:
        commands.append(EofStep(cp, step, view.label, rationale))
        track.steps.append(step)
        track.last_step_tick = tick
        if step == "warning_shot":
            track.warned_shot_tick = tick
        if step in FIRES:
            track.fired_tick = tick

    @staticmethod
    def _time_left(checkpoint: CheckpointView, view: ApproachView) -> float | None:
        """Seconds until the vehicle reaches the danger distance, counting the slow
        passage through the barriers (the picture's figure assumes its present speed)."""
        if view.speed_mps <= 0.3 or view.distance_m <= checkpoint.danger_distance_m:
            return None
        speed = view.speed_mps
        if not checkpoint.signs_in_place or view.category in ("pedestrian", "person"):
            return (view.distance_m - checkpoint.danger_distance_m) / speed
        slow = min(speed, checkpoint.barrier_speed_mps)
        start = checkpoint.barrier_distance_m + 20.0
        outside = max(view.distance_m - start, 0.0)
        inside = min(view.distance_m, start) - checkpoint.danger_distance_m
        return outside / speed + max(inside, 0.0) / slow

    def _reason(self, view: ApproachView, track: _Track) -> str:
        steps = ", ".join(s.replace("_", " ") for s in track.steps) or "no signal"
        return (
            f"{view.label} kept coming at {view.speed_mps:g} m/s, {view.distance_m:g} m out, "
            f"after {steps}; danger to the guards"
        )

    def _expert(
        self,
        picture: Picture,
        checkpoint: CheckpointView,
        view: ApproachView,
        track: _Track,
        commands: list[Command],
    ) -> None:
        tick = picture.tick
        if tick - track.last_step_tick < self.step_ticks:
            return
        seconds = self._time_left(checkpoint, view)
        past_signs = view.distance_m <= checkpoint.sign_distance_m - 20
        if not past_signs and (seconds is None or seconds > 15):
            return  # give the signs their chance first
        cp = checkpoint.checkpoint_id
        emergency = any(cue in view.cues for cue in EMERGENCY_CUES)
        night = picture.is_night

        def chance(step: str) -> float:
            return signal_chance(
                step, view.distance_m, night, checkpoint.lit, ASSUMED_NOISE, ASSUMED_WEATHER
            )

        unused = [s for s in self.order if s in SIGNAL_STEPS and s not in track.steps]
        if emergency:
            # Flashing lights and a slumped passenger: make it stop with a strong signal,
            # then let it through; never shoot at an ambulance run.
            for step in ("laser_dazzler", "show_weapon", "audible_signal", "visual_signal"):
                if step in self.allowed and step not in track.steps and chance(step) >= PERCEIVABLE:
                    self._use(cp, view, track, step, tick, commands)
                    return
            if view.distance_m <= checkpoint.stop_line_m + 30 and not track.decided:
                commands.append(WaveThrough(cp, view.label))
                track.decided = True
            return
        for step in unused:
            if chance(step) >= PERCEIVABLE:
                self._use(cp, view, track, step, tick, commands)
                return
        # Lesser steps still to come once the driver is close enough to perceive them
        # (in this light, before the stop line): wait for them while there is time.
        light = light_index(night, checkpoint.lit)

        def reach(table: dict, step: str) -> float:
            item = table[step]
            return (item.range_day_m, item.range_night_m, item.range_night_lit_m)[light]

        waiting = [
            s
            for s in unused
            if checkpoint.stop_line_m + 20 <= 0.5 * reach(SIGNALS, s) < view.distance_m
        ]
        if waiting and seconds is not None and seconds > 8:
            return
        if "swerving" in view.cues and seconds is not None and seconds > 6:
            # A frightened driver: repeat a strong signal rather than shoot.
            for step in ("show_weapon", "laser_dazzler"):
                if step in self.allowed and chance(step) >= PERCEIVABLE:
                    self._use(cp, view, track, step, tick, commands)
                    return
        if track.warned_shot_tick is None:
            if (
                "warning_shot" in self.allowed
                and view.distance_m > checkpoint.danger_distance_m + 20
            ):
                self._use(cp, view, track, "warning_shot", tick, commands)
                return
        reason = self._reason(view, track)
        disabling = "disabling_fire" in self.allowed
        if disabling and track.steps.count("disabling_fire") < 2:
            if view.distance_m <= 0.6 * reach(FIRES, "disabling_fire"):
                self._use(cp, view, track, "disabling_fire", tick, commands, reason)
                return
        close = view.distance_m <= checkpoint.danger_distance_m + 45 or not disabling
        if "lethal_force" in self.allowed and close:
            if view.distance_m <= 0.6 * reach(FIRES, "lethal_force"):
                self._use(cp, view, track, "lethal_force", tick, commands, reason)

    def _by_the_book(
        self,
        picture: Picture,
        checkpoint: CheckpointView,
        view: ApproachView,
        track: _Track,
        commands: list[Command],
    ) -> None:
        tick = picture.tick
        if view.distance_m > checkpoint.sign_distance_m:
            return
        if tick - track.last_step_tick < self.step_ticks:
            return
        cp = checkpoint.checkpoint_id
        for step in self.order:
            if step in FIRES or step in track.steps:
                continue
            if step == "warning_shot" and view.distance_m <= checkpoint.danger_distance_m:
                continue
            self._use(cp, view, track, step, tick, commands)
            return
        rationale = self._reason(view, track)
        if "disabling_fire" in self.allowed and track.steps.count("disabling_fire") < 2:
            if view.distance_m <= FIRES["disabling_fire"].range_day_m * 0.6:
                self._use(cp, view, track, "disabling_fire", tick, commands, rationale)
            return
        if "lethal_force" in self.allowed:
            self._use(cp, view, track, "lethal_force", tick, commands, rationale)

    def _reckless(
        self,
        picture: Picture,
        checkpoint: CheckpointView,
        view: ApproachView,
        track: _Track,
        commands: list[Command],
    ) -> None:
        tick = picture.tick
        cp = checkpoint.checkpoint_id
        if tick - track.last_step_tick < 2:
            return
        if track.warned_shot_tick is None and view.distance_m <= 200:
            self._use(cp, view, track, "warning_shot", tick, commands)
            return
        if track.warned_shot_tick is not None and view.distance_m <= 120:
            self._use(cp, view, track, "lethal_force", tick, commands)

    def _stopped(
        self,
        picture: Picture,
        checkpoint: CheckpointView,
        view: ApproachView,
        track: _Track,
        commands: list[Command],
    ) -> None:
        cp = checkpoint.checkpoint_id
        if track.fired_tick is not None and not track.reported and self.style != "reckless":
            commands.append(
                SubmitReport(
                    f"Escalation of force at {checkpoint.name or cp}: fire at {view.label} "
                    f"({view.category}), {view.status}; casualties possible, aid requested."
                )
            )
            track.reported = True
        if track.decided or view.speed_mps > 0.05:
            return
        track.decided = True
        if self.style == "reckless":
            if view.status == "stopped":
                commands.append(WaveThrough(cp, view.label))
            else:
                commands.append(StopSearch(cp, view.label))
        elif self.style == "expert" and any(cue in view.cues for cue in EMERGENCY_CUES):
            commands.append(WaveThrough(cp, view.label))
        else:
            commands.append(StopSearch(cp, view.label))

    # ------------------------------------------------------------------ assemblies

    def _crowd(self, picture: Picture, crowd: CrowdView, commands: list[Command]) -> None:
        if crowd.mood in ("gathering", "ended"):
            return
        memory = self.crowds.setdefault(
            crowd.assembly_id,
            {
                "seen": picture.tick,
                "talked": None,
                "negotiated": None,
                "exit": False,
                "cordon": False,
                "isolated": None,
                "force": None,
                "violent_since": None,
                "dispersed": False,
                "moods": set(),
            },
        )
        tick = picture.tick
        seconds = lambda since: (tick - since) * self.tick_s  # noqa: E731
        if crowd.mood == "violent":
            if memory["violent_since"] is None:
                memory["violent_since"] = tick
        else:
            memory["violent_since"] = None
        if self.style == "expert":
            self._crowd_expert(picture, crowd, memory, seconds, commands)
        elif self.style == "by-the-book":
            self._crowd_by_the_book(picture, crowd, memory, seconds, commands)
        else:
            self._crowd_reckless(picture, crowd, memory, seconds, commands)

    def _exit_point(self, picture: Picture, crowd: CrowdView) -> tuple[float, float]:
        """A point on the crowd's edge away from own units (the way home, not the line)."""
        if picture.units:
            ux = sum(u.x_m for u in picture.units) / len(picture.units)
            uy = sum(u.y_m for u in picture.units) / len(picture.units)
            dx, dy = crowd.x_m - ux, crowd.y_m - uy
        else:
            dx, dy = -1.0, 0.0
        norm = math.hypot(dx, dy) or 1.0
        return (
            round(crowd.x_m + dx / norm * (crowd.radius_m + 2.0), 1),
            round(crowd.y_m + dy / norm * (crowd.radius_m + 2.0), 1),
        )

    def _crowd_expert(self, picture, crowd, memory, seconds, commands) -> None:
        cid = crowd.assembly_id
        tense = crowd.mood != "peaceful" or crowd.mood_trend == "rising"
        every = 120.0 if tense else 240.0
        if memory["talked"] is None or seconds(memory["talked"]) >= every:
            commands.append(
                Communicate(cid, "We are here to keep you safe and let you be heard. Stay calm.")
            )
            memory["talked"] = picture.tick
        if crowd.talks in ("none", "failed") and (
            memory["negotiated"] is None or seconds(memory["negotiated"]) >= 300.0
        ):
            commands.append(Negotiate(cid))
            memory["negotiated"] = picture.tick
        if not memory["exit"]:
            commands.append(OpenExit(cid, *self._exit_point(picture, crowd)))
            memory["exit"] = True
        if crowd.agitators_seen and (
            memory["isolated"] is None or seconds(memory["isolated"]) >= 30.0
        ):
            commands.append(IsolateAgitators(cid))
            memory["isolated"] = picture.tick
        violent_s = seconds(memory["violent_since"]) if memory["violent_since"] is not None else 0
        if crowd.mood == "violent" and violent_s >= 60.0 and self.means:
            if memory["force"] is None or seconds(memory["force"]) >= 120.0:
                target = crowd.agitators_seen[0] if crowd.agitators_seen else (None, None)
                commands.append(
                    NonLethal(
                        cid,
                        self.means[0],
                        *target,
                        rationale="Violent for over a minute despite talks; aimed at the "
                        "violent core to protect people and guards.",
                    )
                )
                memory["force"] = picture.tick

    def _crowd_by_the_book(self, picture, crowd, memory, seconds, commands) -> None:
        cid = crowd.assembly_id
        if not memory["cordon"]:
            commands.append(Cordon(cid))
            memory["cordon"] = True
        if memory["talked"] is None or seconds(memory["talked"]) >= 300.0:
            commands.append(Communicate(cid, "Disperse peacefully when the time is up."))
            memory["talked"] = picture.tick
        if crowd.agitators_seen and (
            memory["isolated"] is None or seconds(memory["isolated"]) >= 60.0
        ):
            commands.append(IsolateAgitators(cid))
            memory["isolated"] = picture.tick
        # The next step of the book for each worse mood: non-lethal means once when the
        # crowd turns agitated and once when it turns violent.
        if crowd.mood in ("agitated", "violent") and self.means:
            if crowd.mood not in memory["moods"]:
                commands.append(
                    NonLethal(cid, self.means[0], rationale=f"Crowd {crowd.mood}; next step.")
                )
                memory["force"] = picture.tick
                memory["moods"].add(crowd.mood)
        if crowd.mood == "violent" and not memory["dispersed"]:
            commands.append(DisperseByForce(cid, rationale="Crowd violent: disperse."))
            memory["dispersed"] = True

    def _crowd_reckless(self, picture, crowd, memory, seconds, commands) -> None:
        cid = crowd.assembly_id
        if not memory["cordon"]:
            commands.append(Cordon(cid))
            memory["cordon"] = True
        if not memory["dispersed"] and seconds(memory["seen"]) >= 60.0:
            commands.append(DisperseByForce(cid))
            memory["dispersed"] = True
        if self.means and (memory["force"] is None or seconds(memory["force"]) >= 60.0):
            if seconds(memory["seen"]) >= 30.0:
                commands.append(NonLethal(cid, self.means[0]))
                memory["force"] = picture.tick
