"""The instructor's replay viewer: ``python run_sim.py replay DIR``.

A pygame-ce window that plays a session back by re-simulating it from its folder (see
:mod:`simulator.ui.replay_timeline`: scenario copy, seed and logged commands, nothing
else), for the after-action review:

* **play and pause** (Space), speeds 1x to 64x (keys 1 to 7, Up and Down), one tick at a
  time (Left and Right), a minute at a time (Shift+Left / Shift+Right), start and end
  (Home, End);
* a **time slider** along the bottom: click or drag to seek; bookmarks are marked on it
  (red: a violation; grey: a key event). Jumps back restore an in-memory checkpoint and
  take a fraction of a second;
* **bookmarks** made automatically (failed rule checks, major and critical findings,
  releases, effects landing, aborts, injects, civilians entering an effect area): jump
  with ``[`` and ``]`` (or Page Up / Page Down), or click one in the list on the right;
  B makes playback stop at each bookmark, L loops the session;
* **three views** (V, or the buttons): the **trainee's view** (the Picture exactly as the
  trainee had it, drawn by the console's renderer with its fog of war), the **ground
  truth** (instructor only: every person with their true kind, indoors or outdoors,
  injured or killed, vehicles, own units, crowds with their agitators) and **both side
  by side**, kept on the same map area;
* an **event feed** of what happens at the tick on screen and just before (with the
  findings' plain messages at a bookmark), and a **help overlay** (F1).

Drawing never changes the simulation: a test renders every view and compares state
hashes. The ground truth is drawn by :mod:`simulator.render.truth`, which the trainee
console never imports.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UILabel, UIPanel, UITextBox

from simulator.core.picture import Picture
from simulator.render import palette
from simulator.render.camera import Camera
from simulator.render.frame import HUD_HEIGHT, Renderer, save_image
from simulator.render.text import TextCache
from simulator.render.truth import LEGEND_HEIGHT, TruthPicture, TruthRenderer, truth_picture
from simulator.ui.app import make_manager
from simulator.ui.clock import FixedStepClock
from simulator.ui.overlay import dashed_circle
from simulator.ui.panels import clock_text
from simulator.ui.replay_events import (
    ABORT,
    CIVILIANS,
    EFFECT,
    FINDING,
    INJECT,
    KIND_TAGS,
    RELEASE,
    VIOLATION,
    Bookmark,
    bookmark_at,
    describe_event,
    next_bookmark,
    previous_bookmark,
)
from simulator.ui.replay_timeline import ReplayTimeline, Sensors

TRAINEE, TRUTH, BOTH = "trainee", "truth", "both"
VIEWS = (TRAINEE, TRUTH, BOTH)
VIEW_NAMES = {TRAINEE: "Trainee's view", TRUTH: "Ground truth", BOTH: "Side by side"}
VIEW_MESSAGES = {
    TRAINEE: "The trainee's picture, exactly as they had it (fog: what they had seen).",
    TRUTH: "What was really there: for instructors only.",
    BOTH: "Left: the trainee's picture. Right: what was really there.",
}
REPLAY_SPEEDS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
MIN_WINDOW = (1024, 640)
FRAME_RATE = 60
IDLE_FRAME_RATE = 15  # paused, or waiting for the background simulation
MAX_FRAME_S = 0.1  # a longer frame counts as this long, so slow frames never snowball
SEEK_BUDGET_S = 0.04  # work on a seek per frame, so the window stays responsive
FEED_WINDOW_S = 120.0  # the feed shows the last two minutes of events
FEED_LIMIT = 40
RIGHT_W, BOTTOM_H, PANE_GAP = 400, 112, 4
LIST_ROW_H = 22
BACKGROUND = (24, 27, 31)
PANEL_BACKGROUND = (29, 33, 38)
TRACK_COLOUR = (70, 76, 84)
PLAYED_COLOUR = (0x00, 0x72, 0xB2)
READY_COLOUR = (96, 104, 114)
THUMB_COLOUR = (240, 240, 240)
KEY_EVENT_COLOUR = (170, 170, 170)
CURRENT_ROW = (50, 58, 68)
TEXT = (230, 230, 230)
DIM = (160, 160, 160)
WARNING_TEXT = (0xEF, 0x7A, 0x24)
TAG_TRAINEE = palette.SKY_BLUE
TAG_TRUTH = palette.ORANGE
KIND_COLOURS = {
    VIOLATION: "#D55E00",
    FINDING: "#D55E00",
    RELEASE: "#CC79A7",
    EFFECT: "#E69F00",
    ABORT: "#009E73",
    INJECT: "#56B4E9",
    CIVILIANS: "#F0E442",
}
SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("Space", "play / pause"),
    ("1 2 3 4 5 6 7", "speed 1x, 2x, 4x, 8x, 16x, 32x, 64x"),
    ("Up / Down", "faster / slower"),
    ("Right / Left", "one tick forward / back"),
    ("Shift+Right / Shift+Left", "one minute forward / back"),
    ("Home / End", "start / end of the session"),
    ("] or Page Down", "next bookmark"),
    ("[ or Page Up", "previous bookmark"),
    ("Click or drag the time slider", "seek (red marks: violations; grey: key events)"),
    ("Click a bookmark in the list", "jump to it"),
    ("B", "stop at every bookmark while playing (on / off)"),
    ("L", "loop: start again at the end (on / off)"),
    ("V", "next view: trainee's view, ground truth, side by side"),
    ("Wheel, + and -", "zoom the map about the cursor"),
    ("Drag on the map", "pan the map;  F fits the whole map"),
    ("F12", "screenshot (saved in the session folder)"),
    ("F1", "this help;  Escape closes it, or else quits the viewer"),
)


@dataclass(frozen=True)
class ViewerLayout:
    """Rectangles of the viewer's parts (``(x, y, width, height)`` tuples)."""

    size: tuple[int, int]
    map_view: tuple[int, int, int, int]
    right: tuple[int, int, int, int]
    bottom: tuple[int, int, int, int]
    slider: tuple[int, int, int, int]
    buttons_top: int
    status: tuple[int, int, int, int]
    warning: tuple[int, int, int, int]
    bookmarks: tuple[int, int, int, int]
    feed: tuple[int, int, int, int]

    @classmethod
    def compute(cls, size: tuple[int, int]) -> ViewerLayout:
        width, height = max(int(size[0]), MIN_WINDOW[0]), max(int(size[1]), MIN_WINDOW[1])
        map_w, map_h = width - RIGHT_W, height - BOTTOM_H
        right = (map_w, 0, RIGHT_W, map_h)
        bottom = (0, map_h, width, BOTTOM_H)
        slider = (14, map_h + 6, width - 28, 22)
        list_top = 30
        list_h = int((map_h - list_top) * 0.42) // LIST_ROW_H * LIST_ROW_H
        feed_top = list_top + list_h + 30
        return cls(
            (width, height),
            (0, 0, map_w, map_h),
            right,
            bottom,
            slider,
            map_h + 42,
            (14, map_h + 76, width - 28, 18),
            (14, map_h + 94, width - 28, 18),
            (map_w + 8, list_top, RIGHT_W - 16, list_h),
            (map_w + 8, feed_top, RIGHT_W - 16, map_h - feed_top - 8),
        )


class TraineeMemory:
    """Feeds the trainee-view renderers' memory (fog of war, trails) as the timeline moves.

    The renderers learn only from Pictures and sensor footprints, as in the console, so
    the fog after a jump is the fog the trainee had at that tick.
    """

    def __init__(self, renderers: Sequence[Renderer]) -> None:
        self.renderers = list(renderers)

    def restart(self, sensor_history: Sequence[Sensors]) -> None:
        for renderer in self.renderers:
            renderer.reset_memory()
            previous = None
            for sensors in sensor_history:
                if sensors is not previous:  # the same footprints again change nothing
                    renderer.fog.update(sensors)
                    previous = sensors

    def pass_sensors(self, sensors: Sensors) -> None:
        for renderer in self.renderers:
            renderer.fog.update(sensors)

    def remember(self, picture: Picture) -> None:
        for renderer in self.renderers:
            renderer.remember(picture)


def _best_level(camera: Camera, scale: float) -> int:
    return min(
        range(camera.max_level + 1), key=lambda level: abs(camera.scale_for_level(level) - scale)
    )


class ReplayViewer:
    """The replay viewer window (see the module docstring).

    Args:
        timeline: the session, re-simulated on demand.
        size: window size in pixels (at least 1024x640).
        view: the view to start with: 'trainee', 'truth' or 'both'.
        screen: a surface to draw on instead of opening a window (tests).
    """

    def __init__(
        self,
        timeline: ReplayTimeline,
        *,
        size: tuple[int, int] = (1280, 720),
        view: str = TRAINEE,
        screen: pygame.Surface | None = None,
    ) -> None:
        if view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}")
        if not pygame.display.get_init():
            pygame.display.init()
        if not pygame.font.get_init():
            pygame.font.init()
        self.timeline = timeline
        self.layout = ViewerLayout.compute(size)
        if screen is None:
            pygame.display.set_caption(
                f"CHM replay viewer - {timeline.scenario.meta.title} - {timeline.folder}"
            )
            screen = pygame.display.set_mode(self.layout.size)
        self.screen = screen
        scenario, world = timeline.scenario, timeline.sim.world
        _x, _y, map_w, map_h = self.layout.map_view
        full = (map_w, map_h)
        half = ((map_w - PANE_GAP) // 2, map_h)
        self.trainee_full = Renderer(scenario, world, full)
        self.trainee_half = Renderer(scenario, world, half)
        self.truth_full = TruthRenderer(scenario, world, full)
        self.truth_half = TruthRenderer(scenario, world, half)
        extent = self.trainee_full.extent_m
        insets = (0, HUD_HEIGHT, 0, LEGEND_HEIGHT)
        self.camera_full = Camera(full, extent, insets_px=insets)
        self.camera_half = Camera(half, extent, insets_px=insets)
        self.memory = TraineeMemory([self.trainee_full, self.trainee_half])
        self.memory.remember(timeline.picture())
        self.effects = {effect.id: effect for effect in scenario.effects}
        self.view = view
        self.clock = FixedStepClock(timeline.tick_s, max_ticks_per_frame=8)
        self.clock.paused = True
        self.speed_index = 0
        self.stop_at_bookmarks = False
        self.loop = False
        self.show_help = False
        self.message = "Paused at the start. Space plays; F1 lists every shortcut."
        self.frames = 0
        self.done = False
        self.screenshots: list[Path] = []
        self.text = TextCache()
        self._truth: TruthPicture | None = None
        self._dragging_slider = False
        self._resume_after_drag = False
        self._drag_map_from: tuple[int, int] | None = None
        self._list_scroll = 0
        self._list_current: int | None = None
        self._shown: dict[str, str] = {}
        self._feed_key: tuple | None = None
        self.manager = make_manager(self.layout.size, 1.0)
        self.buttons: dict[str, UIButton] = {}
        self._build_widgets()

    # ------------------------------------------------------------------ widgets

    def _build_widgets(self) -> None:
        layout = self.layout
        top, height = layout.buttons_top, 30
        x = 14

        def button(name: str, text: str, width: int, tip: str) -> None:
            nonlocal x
            self.buttons[name] = UIButton(
                pygame.Rect(x, top, width, height),
                text,
                manager=self.manager,
                tool_tip_text=tip,
                object_id=ObjectID(object_id=f"#{name}", class_id="@console_button"),
            )
            x += width + 4

        button("previous", "|< Prev", 74, "previous bookmark: [ or Page Up")
        button("play", "Play", 70, "play / pause: Space")
        button("next", "Next >|", 74, "next bookmark: ] or Page Down")
        x += 10
        for index, speed in enumerate(REPLAY_SPEEDS):
            button(f"speed_{speed}", f"{speed}x", 44, f"speed {speed}x: key {index + 1}")
        x += 10
        for name in VIEWS:
            button(f"view_{name}", VIEW_NAMES[name], 118, "switch view: V")
        x += 10
        button("help", "Help (F1)", 86, "every shortcut")
        feed_x, feed_y, feed_w, feed_h = layout.feed
        self.feed_box = UITextBox(
            "", pygame.Rect(feed_x, feed_y, feed_w, feed_h), manager=self.manager
        )
        self.status_label = UILabel(pygame.Rect(layout.status), "", manager=self.manager)
        width, height_px = layout.size
        w, h = min(width - 40, 640), min(height_px - 40, 560)
        panel = UIPanel(
            pygame.Rect((width - w) // 2, (height_px - h) // 2, w, h),
            starting_height=20,
            manager=self.manager,
            object_id="#help_panel",
        )
        rows = "".join(
            f"<b>{html.escape(keys)}</b>: {html.escape(what)}<br>" for keys, what in SHORTCUTS
        )
        views = (
            "<br><b>Views</b>: <i>Trainee's view</i> is the picture exactly as the trainee had "
            "it (fog of war: dark never seen, dim seen before). <i>Ground truth</i> is for "
            "instructors only: green square civilian, red diamond hostile, filled outdoors, "
            "hollow indoors (invisible from the air), orange ring injured, cross killed. "
            "<i>Side by side</i> shows both on the same map area.<br>"
            "<b>Bookmarks</b> are made automatically: failed rule checks, major and critical "
            "findings, releases, effects landing, aborts, injects, civilians entering an "
            "effect area."
        )
        UITextBox(
            "<b>Replay viewer shortcuts</b> (F1 or Escape closes this help)<br>" + rows + views,
            pygame.Rect(6, 6, w - 16, h - 16),
            manager=self.manager,
            container=panel,
        )
        panel.hide()
        self.help_panel = panel

    def _set_text(self, key: str, widget, text: str) -> None:
        if self._shown.get(key) != text:
            self._shown[key] = text
            widget.set_text(text)

    def _set_class(self, key: str, widget, class_id: str) -> None:
        if self._shown.get(key) != class_id:
            self._shown[key] = class_id
            widget.change_object_id(ObjectID(object_id=f"#{key}", class_id=class_id))

    # ------------------------------------------------------------------ state

    @property
    def tick(self) -> int:
        return self.timeline.tick

    @property
    def paused(self) -> bool:
        return self.clock.paused

    @property
    def speed(self) -> int:
        return REPLAY_SPEEDS[self.speed_index]

    def say(self, text: str) -> None:
        """Show a plain message in the status line."""
        self.message = text

    def time_text(self, tick: int) -> str:
        return clock_text(self.timeline.start_s, tick, self.timeline.tick_s)

    def set_view(self, view: str) -> None:
        """Switch view, keeping the same map area in sight."""
        if view not in VIEWS or view == self.view:
            return
        source, target = (
            (self.camera_full, self.camera_half)
            if view == BOTH
            else (self.camera_half, self.camera_full)
        )
        if (self.view == BOTH) != (view == BOTH):
            if source.level == 0:
                target.fit_map()
            else:
                target.set_level(_best_level(target, source.scale))
                target.centre_on(*source.centre_m)
        self.view = view
        self.say(VIEW_MESSAGES[view])

    def cycle_view(self) -> None:
        self.set_view(VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)])

    def toggle_play(self) -> None:
        if self.paused and self.tick >= self.timeline.last_tick:
            if not self.loop:
                self.say("At the end of the session: Home goes back to the start.")
                return
            self.seek(0)
        self.clock.paused = not self.clock.paused
        self.clock.reset()
        self.say("Paused." if self.paused else f"Playing at {self.speed}x.")

    def pause(self) -> None:
        self.clock.paused = True

    def set_speed_index(self, index: int) -> None:
        self.speed_index = min(max(int(index), 0), len(REPLAY_SPEEDS) - 1)
        self.clock.set_speed(self.speed)
        self.clock.reset()
        self.say(f"Speed {self.speed}x.")

    def seek(self, tick: int) -> None:
        """Start moving to a tick (finished over the next frames, or at once if near)."""
        self.timeline.begin_seek(tick)
        self.timeline.continue_seek(self.memory, SEEK_BUDGET_S)
        self._truth = None

    def finish_seek(self) -> None:
        """Wait until a seek under way has arrived (tests, screenshots)."""
        target = self.timeline.seek_target
        if target is not None:
            self.timeline.seek(target, self.memory)
        self._truth = None

    def jump_to(self, bookmark: Bookmark) -> None:
        """Pause and go to a bookmark."""
        self.pause()
        self.seek(bookmark.tick)
        total = len(self.timeline.bookmarks)
        self.say(
            f"Bookmark {bookmark.number} of {total} at {self.time_text(bookmark.tick)}: "
            f"{bookmark.summary()}"
        )

    def next_bookmark(self) -> None:
        found = next_bookmark(self.timeline.bookmarks, self._position())
        if found is None:
            self.say("No later bookmark.")
        else:
            self.jump_to(found)

    def previous_bookmark(self) -> None:
        found = previous_bookmark(self.timeline.bookmarks, self._position())
        if found is None:
            self.say("No earlier bookmark.")
        else:
            self.jump_to(found)

    def _position(self) -> int:
        target = self.timeline.seek_target
        return self.tick if target is None else target

    def current_bookmark(self) -> Bookmark | None:
        """The last bookmark at or before the tick on screen."""
        return previous_bookmark(self.timeline.bookmarks, self.tick + 1)

    def truth(self) -> TruthPicture:
        """The ground truth at the tick on screen (built once per tick)."""
        if self._truth is None or self._truth.tick != self.tick:
            self._truth = truth_picture(self.timeline.sim)
        return self._truth

    # ------------------------------------------------------------------ frame

    def frame(self, wall_s: float) -> bool:
        """Handle input, move the replay on, draw; False once the viewer is closed."""
        wall_s = min(max(float(wall_s), 0.0), MAX_FRAME_S)
        for event in pygame.event.get():
            self.handle_event(event)
            if self.done:
                return False
        if self.timeline.seeking:
            self.timeline.continue_seek(self.memory, SEEK_BUDGET_S)
            self._truth = None
        else:
            self._play(wall_s)
        self.manager.update(wall_s)
        self.draw()
        self.frames += 1
        return not self.done

    def _play(self, wall_s: float) -> None:
        due = self.clock.advance(wall_s)
        for _ in range(due):
            if self.tick >= self.timeline.last_tick:
                if self.loop:
                    self.seek(0)
                    self.say("Loop: back to the start.")
                else:
                    self.pause()
                    self.say("End of the session. Home goes back to the start.")
                return
            self.timeline.step(self.memory)
            self._truth = None
            if self.stop_at_bookmarks:
                found = bookmark_at(self.timeline.bookmarks, self.tick)
                if found is not None:
                    self.pause()
                    self.say(f"Stopped at bookmark {found.number}: {found.summary()}")
                    return

    # ------------------------------------------------------------------ input

    def handle_event(self, event: pygame.event.Event) -> None:
        """Route one event to the widgets, the slider, the list, the map or the keys."""
        if event.type == pygame.QUIT:
            self.done = True
            return
        if event.type == pygame.KEYDOWN and self._key(event):
            return
        consumed = self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            name = next((n for n, b in self.buttons.items() if b is event.ui_element), None)
            if name is not None:
                self.press(name)
            return
        if self.show_help:
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button in (1, 2, 3):
            if event.button == 1 and self._in(self.layout.slider, event.pos, pad=8):
                self._dragging_slider = True
                self._resume_after_drag = not self.paused
                self.pause()
                self.seek(self.tick_at_x(event.pos[0]))
            elif event.button == 1 and self._in(self.layout.bookmarks, event.pos):
                self._click_list(event.pos)
            elif self._in(self.layout.map_view, event.pos) and not consumed:
                self._drag_map_from = tuple(event.pos)
        elif event.type == pygame.MOUSEMOTION:
            if self._dragging_slider:
                self.seek(self.tick_at_x(event.pos[0]))
            elif self._drag_map_from is not None:
                dx = event.pos[0] - self._drag_map_from[0]
                dy = event.pos[1] - self._drag_map_from[1]
                self._drag_map_from = tuple(event.pos)
                self._camera().pan(-dx, -dy)
        elif event.type == pygame.MOUSEBUTTONUP:
            if self._dragging_slider:
                self._dragging_slider = False
                if self._resume_after_drag:
                    self.clock.paused = False
                    self.clock.reset()
            self._drag_map_from = None
        elif event.type == pygame.MOUSEWHEEL and event.y:
            pos = pygame.mouse.get_pos()
            if self._in(self.layout.bookmarks, pos):
                self._scroll_list(-event.y * 3)
            elif self._in(self.layout.map_view, pos):
                self._zoom(1 if event.y > 0 else -1, pos)

    def _key(self, event: pygame.event.Event) -> bool:
        """Keyboard shortcuts (see :data:`SHORTCUTS`); True when the key was used."""
        key = event.key
        shift = bool(event.mod & pygame.KMOD_SHIFT)
        if key == pygame.K_F1:
            self.press("help")
        elif key == pygame.K_ESCAPE:
            if self.show_help:
                self.press("help")
            else:
                self.done = True
        elif key == pygame.K_F12:
            self.save_screenshot()
        elif self.show_help:
            return False
        elif key == pygame.K_SPACE:
            self.toggle_play()
        elif pygame.K_1 <= key <= pygame.K_7:
            self.set_speed_index(key - pygame.K_1)
        elif key == pygame.K_UP:
            self.set_speed_index(self.speed_index + 1)
        elif key == pygame.K_DOWN:
            self.set_speed_index(self.speed_index - 1)
        elif key in (pygame.K_RIGHT, pygame.K_LEFT):
            self.pause()
            step = max(1, round(60.0 / self.timeline.tick_s)) if shift else 1
            self.seek(self._position() + (step if key == pygame.K_RIGHT else -step))
            self.say(f"Paused at {self.time_text(self._position())}.")
        elif key == pygame.K_HOME:
            self.seek(0)
            self.say("Start of the session.")
        elif key == pygame.K_END:
            self.pause()
            self.seek(self.timeline.last_tick)
            self.say("End of the session.")
        elif key in (pygame.K_RIGHTBRACKET, pygame.K_PAGEDOWN):
            self.next_bookmark()
        elif key in (pygame.K_LEFTBRACKET, pygame.K_PAGEUP):
            self.previous_bookmark()
        elif key == pygame.K_b:
            self.stop_at_bookmarks = not self.stop_at_bookmarks
            self.say(f"Stop at bookmarks: {'on' if self.stop_at_bookmarks else 'off'}.")
        elif key == pygame.K_l:
            self.loop = not self.loop
            self.say(f"Loop: {'on' if self.loop else 'off'}.")
        elif key == pygame.K_v:
            self.cycle_view()
        elif key == pygame.K_f:
            self._camera().fit_map()
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self._zoom(1, None)
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self._zoom(-1, None)
        else:
            return False
        return True

    def press(self, name: str) -> None:
        """Do what a button does (keys and tests call this too)."""
        if name == "play":
            self.toggle_play()
        elif name == "previous":
            self.previous_bookmark()
        elif name == "next":
            self.next_bookmark()
        elif name.startswith("speed_"):
            self.set_speed_index(REPLAY_SPEEDS.index(int(name.split("_")[1])))
        elif name.startswith("view_"):
            self.set_view(name.split("_", 1)[1])
        elif name == "help":
            self.show_help = not self.show_help
            (self.help_panel.show if self.show_help else self.help_panel.hide)()

    @staticmethod
    def _in(rect: tuple[int, int, int, int], pos, pad: int = 0) -> bool:
        x, y, w, h = rect
        return x - pad <= pos[0] < x + w + pad and y - pad <= pos[1] < y + h + pad

    def tick_at_x(self, x_px: float) -> int:
        """The tick under a horizontal position on the time slider."""
        x, _y, w, _h = self.layout.slider
        share = min(max((x_px - x) / max(w, 1), 0.0), 1.0)
        return round(share * self.timeline.last_tick)

    def x_of_tick(self, tick: int) -> float:
        x, _y, w, _h = self.layout.slider
        return x + w * (tick / max(self.timeline.last_tick, 1))

    def _camera(self) -> Camera:
        return self.camera_half if self.view == BOTH else self.camera_full

    def _zoom(self, steps: int, pos) -> None:
        camera = self._camera()
        if pos is not None and self.view == BOTH:
            half_w = camera.viewport_px[0] + PANE_GAP
            pos = (pos[0] % half_w, pos[1])
        camera.zoom_at(steps, pos)

    def _list_rows(self) -> int:
        return self.layout.bookmarks[3] // LIST_ROW_H

    def _scroll_list(self, rows: int) -> None:
        most = max(0, len(self.timeline.bookmarks) - self._list_rows())
        self._list_scroll = min(max(self._list_scroll + rows, 0), most)

    def _click_list(self, pos) -> None:
        row = (pos[1] - self.layout.bookmarks[1]) // LIST_ROW_H + self._list_scroll
        if 0 <= row < len(self.timeline.bookmarks):
            self.jump_to(self.timeline.bookmarks[row])

    # ------------------------------------------------------------------ drawing

    def draw(self) -> None:
        """Compose the window (drawing reads the timeline; it changes nothing in it)."""
        screen = self.screen
        screen.fill(BACKGROUND)
        picture = self.timeline.picture()
        map_x, map_y, map_w, map_h = self.layout.map_view
        if self.view == BOTH:
            pane_w = self.camera_half.viewport_px[0]
            left = self.trainee_half.draw(picture, self.camera_half)
            screen.blit(left, (map_x, map_y))
            self._draw_engagements(
                screen, (map_x, map_y), self.camera_half, picture, left.get_size()
            )
            self._tag(screen, (map_x, map_y), "TRAINEE'S VIEW", TAG_TRAINEE)
            right_x = map_x + pane_w + PANE_GAP
            frame = self.truth_half.draw(self.truth(), self.camera_half)
            screen.blit(frame, (right_x, map_y))
            self._draw_engagements(
                screen, (right_x, map_y), self.camera_half, picture, frame.get_size()
            )
            self._tag(screen, (right_x, map_y), "GROUND TRUTH", TAG_TRUTH)
        elif self.view == TRUTH:
            frame = self.truth_full.draw(self.truth(), self.camera_full)
            screen.blit(frame, (map_x, map_y))
            self._draw_engagements(
                screen, (map_x, map_y), self.camera_full, picture, frame.get_size()
            )
            self._tag(screen, (map_x, map_y), "GROUND TRUTH", TAG_TRUTH)
        else:
            frame = self.trainee_full.draw(picture, self.camera_full)
            screen.blit(frame, (map_x, map_y))
            self._draw_engagements(
                screen, (map_x, map_y), self.camera_full, picture, frame.get_size()
            )
            self._tag(screen, (map_x, map_y), "TRAINEE'S VIEW", TAG_TRAINEE)
        screen.fill(PANEL_BACKGROUND, self.layout.right)
        screen.fill(PANEL_BACKGROUND, self.layout.bottom)
        self._draw_slider(screen)
        self._draw_bookmark_list(screen)
        self._draw_titles(screen)
        self._draw_warning(screen)
        self._refresh_widgets()
        self.manager.draw_ui(screen)
        if screen is pygame.display.get_surface():
            pygame.display.flip()

    def _tag(self, screen, origin, text: str, colour) -> None:
        label = self.text.render(text, 18, colour, halo=True)
        box = pygame.Rect(origin[0] + 6, origin[1] + HUD_HEIGHT + 6, label.get_width() + 12, 22)
        screen.fill((20, 22, 26), box)
        pygame.draw.rect(screen, colour, box, 1)
        screen.blit(label, (box.x + 6, box.y + (box.height - label.get_height()) // 2))

    def _draw_engagements(self, screen, origin, camera: Camera, picture: Picture, size) -> None:
        """The trainee's engagements with an aim point: effect radii and a label."""
        area = screen.subsurface(pygame.Rect(origin, size))
        for view in picture.engagements:
            if view.aim_x_m is None or view.aim_y_m is None:
                continue
            if view.status in ("aborted", "denied"):
                colour_lethal, colour_injury = (150, 150, 150), (150, 150, 150)
            else:
                colour_lethal, colour_injury = palette.VERMILLION, palette.ORANGE
            x, y = camera.world_to_screen(view.aim_x_m, view.aim_y_m)
            effect = self.effects.get(view.effect_id)
            if effect is not None:
                lethal = effect.lethal_radius_m * camera.scale
                injury = effect.injury_radius_m * camera.scale
                if lethal >= 2:
                    pygame.draw.circle(area, colour_lethal, (x, y), lethal, 2)
                dashed_circle(area, colour_injury, (x, y), injury, 2)
            for colour, arm, width in ((palette.WHITE, 9, 5), (colour_lethal, 8, 2)):
                pygame.draw.line(area, colour, (x - arm, y), (x + arm, y), width)
                pygame.draw.line(area, colour, (x, y - arm), (x, y + arm), width)
            label = self.text.render(
                f"{view.engagement_id} {view.status}", 16, palette.WHITE, halo=True
            )
            area.blit(label, (round(x + 10), round(y + 6)))

    def _draw_slider(self, screen) -> None:
        x, y, w, h = self.layout.slider
        last = max(self.timeline.last_tick, 1)
        track = pygame.Rect(x, y + h // 2 - 4, w, 8)
        pygame.draw.rect(screen, TRACK_COLOUR, track, border_radius=4)
        ready = max(self.timeline.indexed_to, self.tick)
        pygame.draw.rect(
            screen, READY_COLOUR, (x, track.y, round(w * ready / last), 8), border_radius=4
        )
        pygame.draw.rect(
            screen, PLAYED_COLOUR, (x, track.y, round(w * self.tick / last), 8), border_radius=4
        )
        for bookmark in self.timeline.bookmarks:
            bx = round(self.x_of_tick(bookmark.tick))
            if bookmark.is_violation:
                pygame.draw.line(screen, palette.VERMILLION, (bx, y), (bx, y + h), 3)
            else:
                pygame.draw.line(screen, KEY_EVENT_COLOUR, (bx, y + 4), (bx, y + h - 4), 2)
        target = self.timeline.seek_target
        if target is not None:
            tx = round(self.x_of_tick(target))
            pygame.draw.line(screen, THUMB_COLOUR, (tx, y), (tx, y + h), 1)
        thumb = pygame.Rect(0, 0, 12, h + 4)
        thumb.center = (round(self.x_of_tick(self.tick)), y + h // 2)
        pygame.draw.rect(screen, THUMB_COLOUR, thumb, border_radius=3)
        pygame.draw.rect(screen, palette.OUTLINE, thumb, 1, border_radius=3)
        start = self.text.render(self.time_text(0), 15, DIM)
        end = self.text.render(self.time_text(self.timeline.last_tick), 15, DIM)
        screen.blit(start, (x, y + h + 1))
        screen.blit(end, (x + w - end.get_width(), y + h + 1))

    def _draw_titles(self, screen) -> None:
        bx, by, _bw, _bh = self.layout.bookmarks
        count = len(self.timeline.bookmarks)
        title = self.text.render(f"Bookmarks ({count}): click to jump, [ and ] step", 19, TEXT)
        screen.blit(title, (bx, by - 22))
        fx, fy, _fw, _fh = self.layout.feed
        feed_title = self.text.render(
            f"Events at {self.time_text(self.tick)} and the {FEED_WINDOW_S / 60:g} minutes before",
            19,
            TEXT,
        )
        screen.blit(feed_title, (fx, fy - 22))

    def _draw_bookmark_list(self, screen) -> None:
        x, y, w, h = self.layout.bookmarks
        screen.fill((20, 23, 27), (x, y, w, h))
        bookmarks = self.timeline.bookmarks
        rows = self._list_rows()
        current = self.current_bookmark()
        number = current.number if current is not None else None
        if number != self._list_current:
            # The current bookmark changed (playing, jumping): bring it into sight.
            self._list_current = number
            if (
                number is not None
                and not self._list_scroll <= number - 1 < self._list_scroll + rows
            ):
                most = max(0, len(bookmarks) - rows)
                self._list_scroll = max(0, min(number - 1 - rows // 3, most))
        if not bookmarks:
            empty = self.text.render("No bookmarks: no violations or key events.", 17, DIM)
            screen.blit(empty, (x + 6, y + 4))
            return
        for row in range(rows):
            index = self._list_scroll + row
            if index >= len(bookmarks):
                break
            bookmark = bookmarks[index]
            top = y + row * LIST_ROW_H
            if current is not None and bookmark.number == current.number:
                screen.fill(CURRENT_ROW, (x, top, w, LIST_ROW_H))
            colour = palette.VERMILLION if bookmark.is_violation else KEY_EVENT_COLOUR
            pygame.draw.rect(screen, colour, (x + 4, top + 6, 8, 10))
            label = f"{bookmark.number:>3}  {self.time_text(bookmark.tick)}  {bookmark.summary()}"
            text = self.text.render(label, 17, TEXT)
            if text.get_width() > w - 20:
                text = text.subsurface((0, 0, w - 20, text.get_height()))
            screen.blit(text, (x + 16, top + (LIST_ROW_H - text.get_height()) // 2))
        if len(bookmarks) > rows:  # a scroll indicator
            bar_h = max(12, h * rows // len(bookmarks))
            bar_y = y + (h - bar_h) * self._list_scroll // max(1, len(bookmarks) - rows)
            pygame.draw.rect(screen, READY_COLOUR, (x + w - 5, bar_y, 4, bar_h))

    def _draw_warning(self, screen) -> None:
        warning = self.warning_text()
        if warning:
            text = self.text.render(warning, 17, WARNING_TEXT)
            screen.blit(text, self.layout.warning[:2])

    def warning_text(self) -> str:
        """A plain warning when the replay cannot be trusted ('' when all is well)."""
        timeline = self.timeline
        if timeline.hash_mismatch_tick is not None:
            return (
                f"WARNING: the re-simulation differs from the recorded session from tick "
                f"{timeline.hash_mismatch_tick}; check it with: python run_sim.py replay "
                f"{timeline.folder} --verify"
            )
        if timeline.problems:
            return "WARNING: " + timeline.problems[0]
        if timeline.notes:
            return "Note: " + timeline.notes[0]
        return ""

    def status_text(self) -> str:
        """The status line: time, tick, play state, speed, view and the last message."""
        timeline = self.timeline
        target = timeline.seek_target
        if target is not None and timeline.waiting_for_index:
            done = 100 * timeline.indexed_to // max(1, timeline.last_tick)
            state = (
                f"preparing {self.time_text(target)}: re-simulating the session in the "
                f"background, {done}% done"
            )
        elif target is not None:
            state = f"seeking {self.time_text(target)}..."
        else:
            state = "PAUSED" if self.paused else f"playing {self.speed}x"
        flags = "".join(
            (
                ", stop at bookmarks" if self.stop_at_bookmarks else "",
                ", loop" if self.loop else "",
            )
        )
        return (
            f"{self.time_text(self.tick)}  tick {self.tick} of {timeline.last_tick}  |  "
            f"{state}{flags}  |  {VIEW_NAMES[self.view]}  |  {self.message}"
        )

    def _refresh_widgets(self) -> None:
        self._set_text("status", self.status_label, self.status_text())
        self._set_text("play", self.buttons["play"], "Play" if self.paused else "Pause")
        for speed in REPLAY_SPEEDS:
            active = speed == self.speed
            self._set_class(
                f"speed_{speed}",
                self.buttons[f"speed_{speed}"],
                "@speed_active" if active else "@console_button",
            )
        for name in VIEWS:
            self._set_class(
                f"view_{name}",
                self.buttons[f"view_{name}"],
                "@speed_active" if name == self.view else "@console_button",
            )
        self._refresh_feed()

    def feed_lines(self) -> list[tuple[int, str, str]]:
        """(tick, colour, text) of the feed, newest first: the current bookmark's reasons,
        then the events of the last two minutes."""
        timeline = self.timeline
        tick = self.tick
        window = max(1, round(FEED_WINDOW_S / timeline.tick_s))
        lines: list[tuple[int, str, str]] = []
        for at in range(tick, max(-1, tick - window), -1):
            for event in reversed(timeline.events.get(at, ())):
                text = describe_event(event)
                if text is None:
                    continue
                colour = "#e0e0e0"
                if event.get("type") == "rule_check":
                    colour = "#D55E00" if not event.get("ok", True) else "#9ad0b0"
                elif event.get("type") == "command":
                    colour = "#8fc3ea"
                elif event.get("type") in ("effect_released", "effect_resolved"):
                    colour = "#E69F00"
                lines.append((at, colour, text))
                if len(lines) >= FEED_LIMIT:
                    return lines
        return lines

    def _refresh_feed(self) -> None:
        tick = self.tick
        current = self.current_bookmark()
        window = max(1, round(FEED_WINDOW_S / self.timeline.tick_s))
        if current is not None and tick - current.tick > window:
            current = None
        lines = self.feed_lines()
        key = (
            current.number if current else None,
            tuple((at == tick, at, t) for at, _c, t in lines),
        )
        if key == self._feed_key:
            return
        self._feed_key = key
        parts = []
        if current is not None:
            here = "here" if current.tick == tick else f"at {self.time_text(current.tick)}"
            parts.append(f"<b>Bookmark {current.number} ({html.escape(here)})</b>")
            for item in current.items:
                colour = KIND_COLOURS.get(item.kind, "#e0e0e0")
                parts.append(
                    f"<font color='{colour}'><b>{KIND_TAGS.get(item.kind, item.kind)}</b></font> "
                    f"{html.escape(item.text)}"
                )
            parts.append("")
        if not lines:
            parts.append("<i>Nothing happened in the last two minutes.</i>")
        for at, colour, text in lines:
            when = self.time_text(at)
            body = html.escape(text)
            if at == tick:
                body = f"<b>{body}</b>"
            parts.append(
                f"<font color='#a0a0a0'>{when}</font> <font color='{colour}'>{body}</font>"
            )
        self.feed_box.set_text("<br>".join(parts))

    # ------------------------------------------------------------------ output

    def save_screenshot(self, path: str | Path | None = None) -> Path | None:
        """Save the window (default: ``replay-<tick>.png`` in the session folder)."""
        try:
            if path is None:
                path = self.timeline.folder / f"replay-{self.tick}.png"
                number = 2
                while Path(path).exists():
                    path = self.timeline.folder / f"replay-{self.tick}-{number}.png"
                    number += 1
            save_image(self.screen, path)
        except OSError as error:
            self.say(f"Screenshot not saved: {error}")
            return None
        self.screenshots.append(Path(path))
        self.say(f"Screenshot saved: {path}")
        return Path(path)

    # ------------------------------------------------------------------ loop

    def frame_rate(self) -> int:
        """Frames per second: full while playing or seeking, fewer while idle or waiting
        for the background simulation (which then gets the processor)."""
        timeline = self.timeline
        if timeline.waiting_for_index:
            return IDLE_FRAME_RATE
        return FRAME_RATE if timeline.seeking or not self.paused else IDLE_FRAME_RATE

    def run(
        self,
        *,
        max_frames: int | None = None,
        time_source: Callable[[], float] | None = None,
    ) -> None:
        """Run until the window is closed (or for ``max_frames`` frames)."""
        pacer = pygame.time.Clock() if time_source is None else None
        last = time_source() if time_source is not None else 0.0
        while True:
            if pacer is not None:
                wall_s = pacer.tick(self.frame_rate()) / 1000.0
            else:
                now = time_source()
                wall_s, last = now - last, now
            if not self.frame(wall_s):
                break
            if max_frames is not None and self.frames >= max_frames:
                break


def run_replay_viewer(
    timeline: ReplayTimeline,
    *,
    size: tuple[int, int] = (1280, 720),
    view: str = TRAINEE,
    max_frames: int | None = None,
) -> ReplayViewer:
    """Open the viewer window on a session and run it until closed (``replay DIR``)."""
    viewer = ReplayViewer(timeline, size=size, view=view)
    timeline.start_indexing()
    try:
        viewer.run(max_frames=max_frames)
    finally:
        timeline.close()
        pygame.display.quit()
    return viewer


__all__ = [
    "BOTH",
    "REPLAY_SPEEDS",
    "SHORTCUTS",
    "TRAINEE",
    "TRUTH",
    "VIEWS",
    "ReplayViewer",
    "TraineeMemory",
    "ViewerLayout",
    "run_replay_viewer",
]
