"""Input -> Commands: the console's state and decisions, testable without a window.

:class:`ConsoleController` is the only place where the trainee's keys, clicks and panel
buttons turn into :mod:`simulator.core.commands` Commands. It reads the trainee's
:class:`~simulator.core.picture.Picture` (never ground truth) and the public
:class:`~simulator.core.picture.Briefing`, and it queues Commands in :attr:`outbox`; the
console's loop hands them to the engine at the next tick boundary, exactly as a scripted
trainee's commands are handed over. It never touches the simulation.

Keyboard and mouse events are plain ``pygame.event.Event`` objects, so tests feed it
synthetic events (``pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE)``) and check
the Commands that come out.

Shortcuts (the help overlay, F1, is generated from :data:`SHORTCUTS`):

=================  =====================================================
Space              pause / run
1 .. 6, [ and ]    speed 1x, 2x, 4x, 8x, 16x, 32x; slower / faster
. (full stop)      one tick forward while paused
Arrows, W A S D    pan the map; drag with the right or middle mouse button
Wheel, + and -     zoom the map about the cursor; Home fits the whole map
Left click         select a contact (or an own unit)
T then click       task the drone to look at that point (Tab: next drone)
Z / X              drone zoom in / out (finer detail / wider area)
F                  drone follows the selected contact
M then click       move the selected own unit (or the first patrol) there
C                  centre the map on the selected contact
E                  select the next open engagement's target
Escape             cancel T or M, close help; otherwise end the exercise
F1                 help;  F12 screenshot;  Ctrl+= / Ctrl+- UI scale
=================  =====================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pygame

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
    SubmitReport,
    TaskSensor,
    ZoomSensor,
)
from simulator.core.picture import Briefing, Contact, EngagementView, OwnUnit, Picture
from simulator.render.camera import Camera
from simulator.ui.clock import SPEEDS
from simulator.ui.layout import Rect, contains

CLASSIFICATIONS = ("civilian", "combatant", "unknown", "protected")
PID_BASES = ("hostile_act", "hostile_intent", "declared_hostile")
PID_BASIS_NAMES = {
    "hostile_act": "Hostile act",
    "hostile_intent": "Hostile intent",
    "declared_hostile": "Declared hostile",
}
PICK_RADIUS_PX = 14.0
PAN_SPEED_PX_S = 700.0
PAN_NUDGE_PX = 40.0
SENSOR_ZOOM_FACTOR = 0.7
CLOSED_STATUSES = ("aborted", "resolved", "denied")
MODE_SELECT, MODE_TASK, MODE_MOVE = "select", "task", "move"

SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "pause / run the exercise"),
    ("1 2 3 4 5 6", "speed 1x, 2x, 4x, 8x, 16x, 32x"),
    ("[  ]", "slower / faster"),
    (". (full stop)", "one tick forward while paused"),
    ("Arrows, W A S D", "pan the map"),
    ("Right or middle drag", "pan the map"),
    ("Wheel, + and -", "zoom the map about the cursor"),
    ("Home", "show the whole map"),
    ("Left click", "select a contact or an own unit"),
    ("C", "centre the map on the selected contact"),
    ("E", "select the next open engagement's target (to follow it up or abort)"),
    ("T, then click", "task the drone to look at that point"),
    ("Tab", "next drone (when there are several)"),
    ("Z / X", "drone zoom in (finer detail) / out (wider area)"),
    ("F", "drone follows the selected contact"),
    ("M, then click", "move the selected own unit (or the first patrol) there"),
    ("Escape", "cancel T or M, close this help; otherwise end the exercise"),
    ("F1", "show / hide this help"),
    ("F12", "save a screenshot in the session folder"),
    ("Ctrl+=  Ctrl+-", "larger / smaller text and panels (UI scale)"),
)

_PAN_KEYS = {
    pygame.K_LEFT: (-1, 0),
    pygame.K_a: (-1, 0),
    pygame.K_RIGHT: (1, 0),
    pygame.K_d: (1, 0),
    pygame.K_UP: (0, -1),
    pygame.K_w: (0, -1),
    pygame.K_DOWN: (0, 1),
    pygame.K_s: (0, 1),
}
_SPEED_KEYS = {
    pygame.K_1: 0,
    pygame.K_2: 1,
    pygame.K_3: 2,
    pygame.K_4: 3,
    pygame.K_5: 4,
    pygame.K_6: 5,
}
_ZOOM_IN_KEYS = (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS)
_ZOOM_OUT_KEYS = (pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_UNDERSCORE)


@dataclass
class Notice:
    """A line the console adds to the feed (an order sent, refused, or a hint)."""

    tick: int
    text: str
    kind: str = "console"  # console, refused


@dataclass
class ChecklistStep:
    """One step of the engagement checklist as the panel shows it.

    Attributes:
        key: nominate, pid, effect, estimate, approval, warning, release.
        title: the step's name.
        state: done, next, todo, queued, failed or closed.
        detail: a short plain-language status.
    """

    key: str
    title: str
    state: str
    detail: str = ""


@dataclass
class ConsoleController:
    """The console's state and every trainee decision (see the module docstring).

    Args:
        briefing: the public briefing (effects, warning means, units, tick length).
        camera: the map camera (the controller pans and zooms it).
        map_rect: where the map is visible on the window (clicks elsewhere are ignored).
    """

    briefing: Briefing
    camera: Camera
    map_rect: Rect
    picture: Picture | None = None
    paused: bool = False
    speed_index: int = 0
    mode: str = MODE_SELECT
    selected_track: str | None = None
    selected_unit: str | None = None
    active_sensor: str | None = None
    confidence: float = 0.7
    pid_basis: str = PID_BASES[0]
    pid_rationale: str = ""
    effect_id: str = ""
    warning_id: str = ""
    release_rationale: str = ""
    report_text: str = ""
    show_help: bool = False
    end_requested: bool = False
    screenshot_requested: bool = False
    ui_scale_steps: int = 0
    single_steps: int = 0
    outbox: list[Command] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    engagement_of: dict[str, str] = field(default_factory=dict)
    next_engagement: int = 1
    mouse_pos: tuple[int, int] = (0, 0)
    _drag_from: tuple[int, int] | None = None
    _held_pan: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if not self.effect_id and self.briefing.effects:
            self.effect_id = self.briefing.effects[0].id
        if not self.warning_id and self.briefing.warnings:
            self.warning_id = self.briefing.warnings[0].id

    # ------------------------------------------------------------------ picture

    @property
    def tick(self) -> int:
        """The tick of the picture shown (0 before the first)."""
        return self.picture.tick if self.picture is not None else 0

    @property
    def speed(self) -> int:
        """Simulated seconds per wall second."""
        return SPEEDS[self.speed_index]

    def update_picture(self, picture: Picture) -> None:
        """Take in the newest picture (a selected contact that was lost stays named)."""
        self.picture = picture
        if self.active_sensor is None or not any(
            s.sensor_id == self.active_sensor for s in picture.sensors
        ):
            overhead = self.overhead_sensors()
            self.active_sensor = overhead[0] if overhead else None

    def overhead_sensors(self) -> list[str]:
        """Ids of the sensors the trainee can task (overhead ones)."""
        if self.picture is None:
            return []
        return [s.sensor_id for s in self.picture.sensors if s.kind == "overhead"]

    def selected_contact(self) -> Contact | None:
        """The selected contact as the picture holds it (None when none or lost)."""
        if self.picture is None or self.selected_track is None:
            return None
        return self.picture.contact(self.selected_track)

    def notice(self, text: str, kind: str = "console") -> None:
        """Add a line to the feed."""
        self.notices.append(Notice(self.tick, text, kind))
        del self.notices[:-200]

    def _send(self, command: Command, text: str) -> Command:
        self.outbox.append(command)
        self.notice(text + ("" if not self.paused else " (queued: time is paused)"))
        return command

    def take_commands(self) -> list[Command]:
        """The queued Commands, in order; the queue is emptied."""
        taken, self.outbox = self.outbox, []
        return taken

    def add_rejection(self, tick: int, kind: str, reason: str) -> None:
        """Show the engine's refusal of one of the trainee's own orders."""
        self.notices.append(Notice(tick, f"Order refused ({kind}): {reason}", "refused"))

    # ------------------------------------------------------------------ time

    def toggle_pause(self) -> None:
        """Pause or run."""
        self.paused = not self.paused

    def set_speed_index(self, index: int) -> None:
        """Choose a speed from :data:`SPEEDS` by position (clamped)."""
        self.speed_index = min(max(int(index), 0), len(SPEEDS) - 1)

    # ------------------------------------------------------------------ map

    def screen_to_world(self, pos: tuple[float, float]) -> tuple[float, float]:
        """World metres under a window pixel, clamped to the map."""
        x, y = self.camera.screen_to_world(*pos)
        width, height = self.camera.extent_m
        return (round(min(max(x, 0.0), width), 1), round(min(max(y, 0.0), height), 1))

    def on_map(self, pos: tuple[float, float]) -> bool:
        """Whether a window pixel is on the visible map (not under a panel)."""
        if not contains(self.map_rect, pos):
            return False
        x, y = self.camera.screen_to_world(*pos)
        width, height = self.camera.extent_m
        return 0.0 <= x <= width and 0.0 <= y <= height

    def pick(self, pos: tuple[float, float]) -> Contact | OwnUnit | None:
        """The contact (or own unit) drawn nearest a window pixel, within a few pixels."""
        if self.picture is None:
            return None
        best: Contact | OwnUnit | None = None
        best_d = PICK_RADIUS_PX
        for item in (*self.picture.units, *self.picture.contacts):
            sx, sy = self.camera.world_to_screen(item.x_m, item.y_m)
            gap = math.hypot(sx - pos[0], sy - pos[1])
            # Contacts in view win ties against stale ones under them.
            if isinstance(item, Contact) and not item.in_view:
                gap += 2.0
            if gap <= best_d:
                best, best_d = item, gap
        return best

    def select_at(self, pos: tuple[float, float]) -> Contact | OwnUnit | None:
        """Select what is under a window pixel (a click on empty map clears the selection)."""
        item = self.pick(pos)
        if isinstance(item, Contact):
            self.selected_track = item.track_id
        elif isinstance(item, OwnUnit):
            self.selected_unit = item.unit_id
        else:
            self.selected_track = None
        return item

    def centre_on_selected(self) -> None:
        """Centre the map on the selected contact."""
        contact = self.selected_contact()
        if contact is not None:
            self.camera.centre_on(contact.x_m, contact.y_m)

    def zoom_map(self, steps: int, anchor: tuple[float, float] | None = None) -> None:
        """Zoom the map about a window pixel (default: the map's centre)."""
        if anchor is None:
            x, y, w, h = self.map_rect
            anchor = (x + w / 2.0, y + h / 2.0)
        self.camera.zoom_at(steps, anchor)

    def update(self, wall_s: float) -> None:
        """Per-frame work that depends on time: panning with held keys."""
        if not self._held_pan or wall_s <= 0:
            return
        dx = sum(_PAN_KEYS[k][0] for k in self._held_pan)
        dy = sum(_PAN_KEYS[k][1] for k in self._held_pan)
        step = PAN_SPEED_PX_S * min(wall_s, 0.1)
        if dx or dy:
            self.camera.pan(dx * step, dy * step)

    # ------------------------------------------------------------------ awareness orders

    def _need_contact(self, action: str) -> Contact | None:
        contact = self.selected_contact()
        if contact is None:
            self.notice(f"Select a contact on the map first, then {action}.")
        return contact

    def classify(self, label: str) -> Command | None:
        """Classify the selected contact with the confidence set on the slider."""
        if label not in CLASSIFICATIONS:
            raise ValueError(f"unknown classification {label!r}")
        contact = self._need_contact("classify it")
        if contact is None:
            return None
        confidence = round(min(max(float(self.confidence), 0.0), 1.0), 2)
        return self._send(
            ClassifyContact(contact.track_id, label, confidence),
            f"{contact.track_id} classified {label} ({confidence:.0%} confident)",
        )

    def request_intel(self) -> Command | None:
        """Ask the intelligence cell about the selected contact."""
        contact = self._need_contact("ask the intelligence cell")
        if contact is None:
            return None
        return self._send(
            RequestIntel(contact.track_id), f"Intelligence asked about {contact.track_id}"
        )

    def task_sensor_at(self, pos: tuple[float, float]) -> Command | None:
        """Task the active drone to look at the point under a window pixel."""
        self.mode = MODE_SELECT
        if self.active_sensor is None:
            self.notice("There is no drone to task in this exercise.")
            return None
        x, y = self.screen_to_world(pos)
        return self._send(
            TaskSensor(self.active_sensor, x, y),
            f"{self._sensor_name()} tasked to ({x:.0f}, {y:.0f})",
        )

    def zoom_sensor(self, zoom_in: bool) -> Command | None:
        """Narrow (finer detail) or widen the active drone's footprint."""
        sensor = self._active_sensor_view()
        if sensor is None:
            self.notice("There is no drone to zoom in this exercise.")
            return None
        factor = SENSOR_ZOOM_FACTOR if zoom_in else 1.0 / SENSOR_ZOOM_FACTOR
        radius = round(max(1.0, sensor.radius_m * factor), 1)
        return self._send(
            ZoomSensor(sensor.sensor_id, radius),
            f"{self._sensor_name()} zoom {'in' if zoom_in else 'out'} to {radius:.0f} m radius",
        )

    def follow_selected(self) -> Command | None:
        """Keep the active drone on the selected contact."""
        if self.active_sensor is None:
            self.notice("There is no drone in this exercise.")
            return None
        contact = self._need_contact("let the drone follow it")
        if contact is None:
            return None
        return self._send(
            FollowContact(self.active_sensor, contact.track_id),
            f"{self._sensor_name()} follows {contact.track_id}",
        )

    def next_sensor(self) -> None:
        """Make the next overhead sensor the one T, Z, X and F act on."""
        ids = self.overhead_sensors()
        if not ids:
            return
        index = ids.index(self.active_sensor) if self.active_sensor in ids else -1
        self.active_sensor = ids[(index + 1) % len(ids)]
        self.notice(f"Active drone: {self._sensor_name()}")

    def _active_sensor_view(self):
        if self.picture is None or self.active_sensor is None:
            return None
        for sensor in self.picture.sensors:
            if sensor.sensor_id == self.active_sensor:
                return sensor
        return None

    def _sensor_name(self) -> str:
        return str(self.active_sensor or "drone")

    def movable_unit(self) -> str | None:
        """The unit M moves: the selected one, else the first that can move."""
        speeds = {ident: speed for ident, _kind, speed in self.briefing.units}
        if self.selected_unit and speeds.get(self.selected_unit, 0) > 0:
            return self.selected_unit
        for ident, _kind, speed in self.briefing.units:
            if speed > 0:
                return ident
        return None

    def move_unit_to(self, pos: tuple[float, float]) -> Command | None:
        """Send the selected own unit (or the first patrol) to the point under a pixel."""
        self.mode = MODE_SELECT
        unit = self.movable_unit()
        if unit is None:
            self.notice("No own unit can move in this exercise.")
            return None
        x, y = self.screen_to_world(pos)
        return self._send(MoveUnit(unit, x, y), f"{unit} moving to ({x:.0f}, {y:.0f})")

    def submit_report(self) -> Command | None:
        """Send the report typed in the feed (about the selected contact, if any)."""
        text = self.report_text.strip()
        if not text:
            self.notice("Type the report first, then send it.")
            return None
        track = self.selected_track if self.selected_contact() is not None else ""
        self.report_text = ""
        return self._send(
            SubmitReport(text[:500], track or ""),
            "Report sent" + (f" about {track}" if track else ""),
        )

    # ------------------------------------------------------------------ engagements

    def engagement_view(self, track_id: str | None = None) -> EngagementView | None:
        """The newest engagement of a contact (default: the selected one), as pictured."""
        track_id = self.selected_track if track_id is None else track_id
        if track_id is None or self.picture is None:
            return None
        wanted = self.engagement_of.get(track_id)
        found = None
        for view in self.picture.engagements:
            if wanted is not None and view.engagement_id == wanted:
                return view
            if view.track_id == track_id:
                found = view
        return found if wanted is None else None

    def engagement_id(self) -> str | None:
        """The id of the selected contact's open engagement (queued or pictured)."""
        if self.selected_track is None:
            return None
        view = self.engagement_view()
        if view is not None:
            return None if view.status in CLOSED_STATUSES else view.engagement_id
        return self.engagement_of.get(self.selected_track)

    def _queued(self, kind: type[Command], engagement_id: str | None) -> bool:
        return any(
            isinstance(c, kind) and getattr(c, "engagement_id", None) == engagement_id
            for c in self.outbox
        )

    def _need_engagement(self, action: str) -> str | None:
        # The target's track may be lost (out of the picture): its engagement still counts,
        # above all for an abort.
        if self.selected_track is None:
            self.notice(f"Select a contact on the map first, then {action}.")
            return None
        engagement_id = self.engagement_id()
        if engagement_id is None:
            self.notice(f"Nominate the contact first (step 1), then {action}.")
        return engagement_id

    def open_engagements(self) -> list[EngagementView]:
        """The pictured engagements not yet aborted or resolved, oldest first."""
        if self.picture is None:
            return []
        return [v for v in self.picture.engagements if v.status not in CLOSED_STATUSES]

    def select_next_engagement(self) -> EngagementView | None:
        """Select the target of the next open engagement (E), so it can be followed up or
        aborted even when its contact is hard to find on the map."""
        views = [v for v in self.open_engagements() if v.track_id]
        if not views:
            self.notice("No open engagement.")
            return None
        ids = [v.engagement_id for v in views]
        current = self.engagement_of.get(self.selected_track or "", "")
        index = ids.index(current) if current in ids else -1
        view = views[(index + 1) % len(views)]
        self.selected_track = view.track_id
        self.engagement_of[view.track_id] = view.engagement_id
        contact = self.selected_contact()
        if contact is not None:
            self.camera.centre_on(contact.x_m, contact.y_m)
        elif view.aim_x_m is not None:
            self.camera.centre_on(view.aim_x_m, view.aim_y_m)
        return view

    def nominate(self) -> Command | None:
        """Open an engagement against the selected contact (checklist step 1)."""
        contact = self._need_contact("nominate it")
        if contact is None:
            return None
        if self.engagement_id() is not None:
            self.notice(f"{contact.track_id} already has engagement {self.engagement_id()}.")
            return None
        engagement_id = f"E{self.next_engagement}"
        self.next_engagement += 1
        self.engagement_of[contact.track_id] = engagement_id
        return self._send(
            NominateTarget(engagement_id, track_id=contact.track_id),
            f"{engagement_id}: {contact.track_id} nominated",
        )

    def declare_pid(self) -> Command | None:
        """Declare PID with the chosen basis and the typed rationale (step 2)."""
        engagement_id = self._need_engagement("declare PID")
        if engagement_id is None:
            return None
        rationale = self.pid_rationale.strip()
        if not rationale:
            self.notice("Tip: write why you are sure in the PID rationale box.")
        basis = PID_BASIS_NAMES.get(self.pid_basis, self.pid_basis)
        return self._send(
            DeclarePid(engagement_id, self.pid_basis, rationale[:500]),
            f"{engagement_id}: PID declared ({basis})",
        )

    def plan_effect(self) -> Command | None:
        """Plan the chosen effect on the target's position (step 3)."""
        engagement_id = self._need_engagement("plan an effect")
        if engagement_id is None:
            return None
        if not self.effect_id:
            self.notice("This exercise lists no effects you may use.")
            return None
        return self._send(
            PlanEffect(engagement_id, self.effect_id),
            f"{engagement_id}: effect {self.effect_name(self.effect_id)} planned",
        )

    def estimate(self) -> Command | None:
        """Run a collateral damage estimate for the plan (step 4)."""
        engagement_id = self._need_engagement("run an estimate")
        if engagement_id is None:
            return None
        return self._send(
            EstimateCollateral(engagement_id), f"{engagement_id}: collateral estimate requested"
        )

    def request_approval(self) -> Command | None:
        """Ask the approval level the estimate requires (step 5)."""
        engagement_id = self._need_engagement("request approval")
        if engagement_id is None:
            return None
        return self._send(RequestApproval(engagement_id), f"{engagement_id}: approval requested")

    def issue_warning(self) -> Command | None:
        """Warn civilians around the aim point with the chosen means (step 6)."""
        engagement_id = self._need_engagement("warn civilians")
        if engagement_id is None:
            return None
        if not self.warning_id:
            self.notice("This exercise has no means of warning civilians.")
            return None
        return self._send(
            IssueWarning(engagement_id, self.warning_id),
            f"{engagement_id}: warning by {self.warning_name(self.warning_id)}",
        )

    def release(self) -> Command | None:
        """Release the planned effect with the typed rationale (step 7)."""
        engagement_id = self._need_engagement("release")
        if engagement_id is None:
            return None
        rationale = self.release_rationale.strip()
        if not rationale:
            self.notice("Tip: every release needs a written reason (release rationale).")
        return self._send(Release(engagement_id, rationale[:500]), f"{engagement_id}: RELEASED")

    def abort(self) -> Command | None:
        """Hold or abort the selected contact's engagement."""
        engagement_id = self._need_engagement("abort")
        if engagement_id is None:
            return None
        return self._send(
            Abort(engagement_id, "aborted by the trainee"), f"{engagement_id}: ABORT ordered"
        )

    def effect_name(self, effect_id: str) -> str:
        """The briefed name of an effect."""
        for effect in self.briefing.effects:
            if effect.id == effect_id:
                return effect.name
        return effect_id

    def warning_name(self, means_id: str) -> str:
        """The briefed name of a warning means."""
        for means in self.briefing.warnings:
            if means.id == means_id:
                return means.name or means.id
        return means_id

    def checklist(self) -> list[ChecklistStep]:
        """The engagement checklist of the selected contact (see :func:`checklist`)."""
        return checklist(
            self.engagement_view(),
            self.outbox,
            self.engagement_id(),
            self.tick,
            self.briefing.tick_s,
        )

    # ------------------------------------------------------------------ events

    def handle_event(self, event: pygame.event.Event) -> bool:
        """React to a keyboard or mouse event on the map; True when it was used."""
        kind = event.type
        if kind == pygame.KEYDOWN:
            return self._key_down(event)
        if kind == pygame.KEYUP:
            self._held_pan.discard(event.key)
            return event.key in _PAN_KEYS
        if kind == pygame.MOUSEMOTION:
            self.mouse_pos = tuple(int(v) for v in event.pos)
            if self._drag_from is not None:
                dx = event.pos[0] - self._drag_from[0]
                dy = event.pos[1] - self._drag_from[1]
                self._drag_from = tuple(event.pos)
                self.camera.pan(-dx, -dy)
                return True
            return False
        if kind == pygame.MOUSEBUTTONDOWN:
            return self._mouse_down(event)
        if kind == pygame.MOUSEBUTTONUP:
            if event.button in (2, 3) and self._drag_from is not None:
                self._drag_from = None
                return True
            return False
        if kind == pygame.MOUSEWHEEL:
            if self.on_map(self.mouse_pos) and event.y:
                self.zoom_map(1 if event.y > 0 else -1, self.mouse_pos)
                return True
            return False
        return False

    def _mouse_down(self, event: pygame.event.Event) -> bool:
        pos = tuple(int(v) for v in event.pos)
        self.mouse_pos = pos
        if event.button in (4, 5):  # wheel on old SDL versions
            if self.on_map(pos):
                self.zoom_map(1 if event.button == 4 else -1, pos)
                return True
            return False
        if not self.on_map(pos):
            return False
        if event.button in (2, 3):
            self._drag_from = pos
            return True
        if event.button != 1:
            return False
        if self.mode == MODE_TASK:
            self.task_sensor_at(pos)
        elif self.mode == MODE_MOVE:
            self.move_unit_to(pos)
        else:
            self.select_at(pos)
        return True

    def _key_down(self, event: pygame.event.Event) -> bool:
        key = event.key
        ctrl = bool(getattr(event, "mod", 0) & pygame.KMOD_CTRL)
        if ctrl:
            if key in _ZOOM_IN_KEYS:
                self.ui_scale_steps += 1
                return True
            if key in _ZOOM_OUT_KEYS:
                self.ui_scale_steps -= 1
                return True
            return False
        if key == pygame.K_F1:
            self.show_help = not self.show_help
            return True
        if key == pygame.K_F12:
            self.screenshot_requested = True
            return True
        if key == pygame.K_ESCAPE:
            if self.show_help:
                self.show_help = False
            elif self.mode != MODE_SELECT:
                self.mode = MODE_SELECT
                self.notice("Cancelled.")
            else:
                self.end_requested = True
            return True
        if key == pygame.K_SPACE:
            self.toggle_pause()
            return True
        if key in _SPEED_KEYS:
            self.set_speed_index(_SPEED_KEYS[key])
            return True
        if key == pygame.K_LEFTBRACKET:
            self.set_speed_index(self.speed_index - 1)
            return True
        if key == pygame.K_RIGHTBRACKET:
            self.set_speed_index(self.speed_index + 1)
            return True
        if key in (pygame.K_PERIOD, pygame.K_KP_PERIOD):
            if self.paused:
                self.single_steps += 1
            return True
        if key in _PAN_KEYS:
            self._held_pan.add(key)
            dx, dy = _PAN_KEYS[key]
            self.camera.pan(dx * PAN_NUDGE_PX, dy * PAN_NUDGE_PX)
            return True
        if key in _ZOOM_IN_KEYS:
            self.zoom_map(1, self.mouse_pos if self.on_map(self.mouse_pos) else None)
            return True
        if key in _ZOOM_OUT_KEYS:
            self.zoom_map(-1, self.mouse_pos if self.on_map(self.mouse_pos) else None)
            return True
        if key == pygame.K_HOME:
            self.camera.fit_map()
            return True
        if key == pygame.K_t:
            self.mode = MODE_TASK if self.mode != MODE_TASK else MODE_SELECT
            if self.mode == MODE_TASK:
                self.notice("Click on the map where the drone should look (Escape cancels).")
            return True
        if key == pygame.K_m:
            self.mode = MODE_MOVE if self.mode != MODE_MOVE else MODE_SELECT
            if self.mode == MODE_MOVE:
                self.notice(f"Click where {self.movable_unit() or 'the unit'} should go.")
            return True
        if key == pygame.K_z:
            self.zoom_sensor(True)
            return True
        if key == pygame.K_x:
            self.zoom_sensor(False)
            return True
        if key == pygame.K_f:
            self.follow_selected()
            return True
        if key == pygame.K_c:
            self.centre_on_selected()
            return True
        if key == pygame.K_TAB:
            self.next_sensor()
            return True
        if key == pygame.K_e:
            self.select_next_engagement()
            return True
        return False


def checklist(
    view: EngagementView | None,
    outbox: list[Command],
    engagement_id: str | None,
    tick: int,
    tick_s: float,
) -> list[ChecklistStep]:
    """Where an engagement stands, step by step, from the picture and the queued orders.

    Args:
        view: the engagement as pictured (None before the engine has it).
        outbox: orders queued but not yet applied.
        engagement_id: the open engagement's id (queued or pictured), or None.
        tick: the picture's tick.
        tick_s: seconds per tick.
    """
    queued = {type(c) for c in outbox if getattr(c, "engagement_id", None) == engagement_id}

    def state(done: bool, kind: type[Command]) -> str:
        if done:
            return "done"
        if engagement_id is not None and kind in queued:
            return "queued"
        return "todo"

    status = view.status if view is not None else ""
    closed = status in CLOSED_STATUSES
    estimate = dict(view.estimate) if view is not None else {}
    released = status in ("released", "resolved")
    steps = [
        ChecklistStep(
            "nominate",
            "1 Nominate",
            state(view is not None and engagement_id is not None, NominateTarget),
            f"engagement {engagement_id}" if engagement_id else "select a contact, then nominate",
        ),
        ChecklistStep(
            "pid",
            "2 PID",
            state(bool(view and view.pid_basis), DeclarePid),
            PID_BASIS_NAMES.get(view.pid_basis, view.pid_basis)
            if view and view.pid_basis
            else "basis and reason",
        ),
        ChecklistStep(
            "effect",
            "3 Effect",
            state(bool(view and view.effect_id), PlanEffect),
            view.effect_id if view and view.effect_id else "choose the least harmful",
        ),
        ChecklistStep(
            "estimate",
            "4 Estimate",
            state(bool(estimate), EstimateCollateral),
            (
                f"{float(estimate.get('estimated_civilian_casualties', 0)):g} civilian "
                f"casualties expected"
            )
            if estimate
            else "collateral damage estimate",
        ),
    ]
    approval = view.approval if view is not None else "none"
    approval_state = state(approval == "granted", RequestApproval)
    if approval == "pending":
        approval_state = "queued"
    elif approval == "denied":
        approval_state = "failed"
    steps.append(
        ChecklistStep(
            "approval",
            "5 Approval",
            approval_state,
            {
                "granted": f"granted by {view.approval_note}" if view else "granted",
                "pending": f"pending: {view.approval_note}" if view else "pending",
                "denied": f"denied: {view.approval_note}" if view else "denied",
            }.get(approval, str(estimate.get("approval_authority", "")) or "not requested"),
        )
    )
    warned = bool(view and view.warnings)
    steps.append(
        ChecklistStep(
            "warning",
            "6 Warning",
            state(warned, IssueWarning),
            ("warned: " + ", ".join(view.warnings)) if warned else "when circumstances permit",
        )
    )
    release_detail = "with a written reason"
    if view is not None and view.impact_tick is not None and released:
        seconds = max(0.0, (view.impact_tick - tick) * tick_s)
        release_detail = f"effect lands in {seconds:.0f} s" if seconds > 0 else "effect landed"
    steps.append(ChecklistStep("release", "7 Release", state(released, Release), release_detail))
    if closed:
        for step in steps:
            if step.state not in ("done", "failed"):
                step.state = "closed"
    else:
        for step in steps:  # the first step not done is the next one
            if step.state == "todo":
                step.state = "next"
                break
    return steps


def abort_window(view: EngagementView | None, tick: int, tick_s: float) -> tuple[bool, str]:
    """Whether an abort is still possible, and the countdown text the panel shows."""
    if view is None:
        return False, "nothing to abort"
    if view.status == "aborted":
        return False, "aborted"
    if view.status == "resolved":
        return False, "effect landed"
    if view.status == "denied":
        return False, "approval denied"
    if view.status != "released" or view.abort_until_tick is None:
        return True, "hold: abort before release"
    left = view.abort_until_tick - tick
    if left < 0:
        return False, "too late to abort"
    return True, f"ABORT possible for {left * tick_s:.0f} s"
