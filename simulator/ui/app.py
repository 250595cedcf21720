"""The trainee console: a pygame-ce window with a briefing, the exercise, and an end screen.

One :class:`ConsoleApp` runs one session:

1. **Briefing**: situation, mission, ROE card, effects, warnings, learning objectives.
   Start (button or Enter) opens the session folder and starts the clock.
2. **Exercise**: the map (the renderer's cached map, fog, sensors, symbols, trails and
   lighting) with the console's overlays, and the panels. A fixed-step real-time loop
   (:class:`~simulator.ui.clock.FixedStepClock`) decides how many ticks to take each frame;
   the trainee's orders (:class:`~simulator.ui.controller.ConsoleController`) go to the
   engine at the next tick boundary through :class:`~simulator.ui.recording.SessionRecorder`,
   the same path the headless runner uses.
3. **End**: the scorecard summary and where the session and its review files are.

The console reads only the trainee's Picture and the public briefing, never
``Simulation.state()``; the only other things it takes from a step are the engine's
refusals of the trainee's own orders (``command_rejected``: kind and reason), which it
shows in the feed. Drawing never changes the simulation.

Closing the window, or a crash, closes the session's log with a ``session_end`` event
(``closed`` or ``error``), so what was played can still be replayed and scored.
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame
import pygame_gui

from simulator.core.picture import Picture, briefing_from_scenario
from simulator.core.simulation import Simulation
from simulator.render.camera import Camera
from simulator.render.frame import Renderer, save_image
from simulator.scenario import LoadedScenario
from simulator.ui.clock import FixedStepClock
from simulator.ui.controller import ConsoleController
from simulator.ui.layout import (
    UI_SCALE_STEP,
    Layout,
    clamp_ui_scale,
    preload_fonts,
    theme,
)
from simulator.ui.overlay import Overlay
from simulator.ui.panels import ExercisePanels
from simulator.ui.recording import SessionRecorder, score_session
from simulator.ui.screens import TextScreen, briefing_html, end_summary_html

BRIEFING, EXERCISE, END, DONE = "briefing", "exercise", "end", "done"
FRAME_RATE = 60
PANEL_BACKGROUND = (24, 27, 31)
MAX_FRAME_S = 0.25  # a frame longer than this counts as this long (window dragged, debugger)


@dataclass
class ConsoleResult:
    """What a console run produced.

    Attributes:
        session_dir: the session folder (None when the exercise never started).
        end_reason: completed, ended_by_trainee, closed, error (None: never started).
        summary: the end screen's data (scores, outcome, paths), when scored.
        screenshots: PNG files saved with F12.
    """

    session_dir: Path | None = None
    end_reason: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)


def make_manager(size: tuple[int, int], scale: float) -> pygame_gui.UIManager:
    """A pygame_gui manager themed for a UI scale."""
    manager = pygame_gui.UIManager(size, theme(scale), enable_live_theme_updates=False)
    with warnings.catch_warnings():  # some sizes are already loaded by the theme
        warnings.simplefilter("ignore", UserWarning)
        manager.preload_fonts(preload_fonts(scale))
    return manager


class ConsoleApp:
    """The trainee console (see the module docstring).

    Args:
        loaded: the scenario and its file bytes.
        seed: session seed.
        out_dir: the session folder to write.
        trainee: trainee details recorded in the session header (name, unit).
        size: window size in pixels.
        ui_scale: text and panel size (1.0 normal; 1.5 or 2.0 for high-DPI screens).
        screen: a surface to draw on instead of opening a window (tests).
    """

    def __init__(
        self,
        loaded: LoadedScenario,
        *,
        seed: int = 1,
        out_dir: str | Path,
        trainee: dict[str, str] | None = None,
        size: tuple[int, int] = (1280, 720),
        ui_scale: float = 1.0,
        screen: pygame.Surface | None = None,
    ) -> None:
        if not pygame.display.get_init():
            pygame.display.init()
        if not pygame.font.get_init():
            pygame.font.init()
        self.loaded = loaded
        self.scenario = loaded.scenario
        self.seed = int(seed)
        self.out_dir = Path(out_dir)
        self.trainee = dict(trainee or {})
        if screen is None:
            pygame.display.set_caption(f"CHM trainee console - {self.scenario.meta.title}")
            screen = pygame.display.set_mode(size)
        self.screen = screen
        self.size = screen.get_size()
        self.briefing = briefing_from_scenario(self.scenario)
        self.sim = Simulation(self.scenario)
        self.renderer = Renderer(self.scenario, self.sim.world, self.size)
        self.overlay = Overlay(self.briefing.effects, self.briefing.tick_s)
        self.clock = FixedStepClock(self.briefing.tick_s)
        self.recorder = SessionRecorder(
            loaded, self.sim, self.out_dir, seed=self.seed, trainee=self.trainee
        )
        self.result = ConsoleResult()
        self.state = BRIEFING
        self.picture: Picture | None = None
        self.layout = Layout.compute(self.size, ui_scale)
        self.camera = Camera(self.size, self.renderer.extent_m, insets_px=self.layout.camera_insets)
        self.controller = ConsoleController(self.briefing, self.camera, self.layout.map_view)
        self.manager = make_manager(self.size, self.layout.scale)
        self.panels: ExercisePanels | None = None
        self.text_screen: TextScreen | None = None
        self.frames = 0
        self._build_screen()

    # ------------------------------------------------------------------ screens

    def _build_screen(self) -> None:
        if self.state == BRIEFING:
            self.text_screen = TextScreen(
                self.manager,
                self.layout,
                f"Briefing: {self.briefing.title}",
                briefing_html(self.briefing, self.scenario),
                "Start exercise (Enter)",
                "#start_button",
            )
        elif self.state == EXERCISE:
            self.panels = ExercisePanels(self.manager, self.layout, self.controller)
            self.panels.refresh(self.picture)
        elif self.state == END:
            self.text_screen = TextScreen(
                self.manager,
                self.layout,
                f"After the exercise: {self.briefing.title}",
                end_summary_html(self.result.summary),
                "Quit (Enter)",
                "#start_button",
            )

    def _clear_screen(self) -> None:
        self.manager.clear_and_reset()
        self.panels = None
        self.text_screen = None

    def set_ui_scale(self, scale: float) -> None:
        """Rebuild every widget at a new UI scale (nothing is lost: widgets are views)."""
        scale = clamp_ui_scale(scale)
        if scale == self.layout.scale:
            return
        self._clear_screen()
        self.layout = Layout.compute(self.size, scale)
        old = self.camera
        camera = Camera(self.size, self.renderer.extent_m, insets_px=self.layout.camera_insets)
        levels = range(camera.max_level + 1)
        camera.set_level(
            min(levels, key=lambda level: abs(camera.scale_for_level(level) - old.scale))
        )
        camera.centre_on(*old.centre_m)
        self.camera = camera
        self.controller.camera = camera
        self.controller.map_rect = self.layout.map_view
        self.manager = make_manager(self.size, scale)
        self._build_screen()

    def start_exercise(self) -> None:
        """Leave the briefing: open the session folder and start the clock."""
        if self.state != BRIEFING:
            return
        self.recorder.start()
        self.result.session_dir = self.out_dir
        self.picture = self.sim.observe("blue")
        self.renderer.remember(self.picture)
        self.controller.update_picture(self.picture)
        self.clock.reset()
        self._clear_screen()
        self.state = EXERCISE
        self._build_screen()

    def end_exercise(self, reason: str) -> None:
        """Close the session (``completed`` when the engine finished it), score it and
        show the end screen."""
        if self.state != EXERCISE:
            return
        self.recorder.close(reason)
        self.result.end_reason = self.recorder.end_reason
        self.result.summary = score_session(
            self.out_dir, self.scenario, self.recorder.end_reason or reason
        )
        self._clear_screen()
        self.state = END
        self._build_screen()

    def close_window(self) -> None:
        """The window was closed: close the session if one is running, and stop."""
        if self.state == EXERCISE:
            self.recorder.close("closed")
            self.result.end_reason = self.recorder.end_reason
            self.result.summary = score_session(self.out_dir, self.scenario, "closed")
        self.state = DONE

    # ------------------------------------------------------------------ frame

    def frame(self, wall_s: float) -> bool:
        """Handle input, advance the simulation, draw; False once the console is done."""
        wall_s = min(max(float(wall_s), 0.0), MAX_FRAME_S)
        for event in pygame.event.get():
            self.handle_event(event)
            if self.state == DONE:
                return False
        if self.state == EXERCISE:
            self._advance(wall_s)
        if self.state == DONE:
            return False
        self.manager.update(wall_s)
        self.draw()
        self.frames += 1
        return True

    def handle_event(self, event: pygame.event.Event) -> None:
        """Route one event to the window, the widgets or the controller."""
        if event.type == pygame.QUIT:
            self.close_window()
            return
        if event.type == pygame.KEYDOWN and self._global_key(event):
            return
        consumed = self.manager.process_events(event)
        if self.state == EXERCISE and self.panels is not None:
            self._exercise_event(event, consumed)
            return
        if event.type == pygame_gui.UI_BUTTON_PRESSED and self.text_screen is not None:
            if event.ui_element is self.text_screen.button:
                self._advance_screen()
            return
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
            self._advance_screen()
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.state = DONE

    def _advance_screen(self) -> None:
        if self.state == BRIEFING:
            self.start_exercise()
        elif self.state == END:
            self.state = DONE

    def _global_key(self, event: pygame.event.Event) -> bool:
        """Keys that work on every screen: F12 screenshot, Ctrl+= / Ctrl+- UI scale."""
        if event.key == pygame.K_F12:
            self.save_screenshot()
            return True
        if event.mod & pygame.KMOD_CTRL and event.key in (
            pygame.K_EQUALS,
            pygame.K_PLUS,
            pygame.K_KP_PLUS,
        ):
            self.set_ui_scale(self.layout.scale + UI_SCALE_STEP)
            return True
        if event.mod & pygame.KMOD_CTRL and event.key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.set_ui_scale(self.layout.scale - UI_SCALE_STEP)
            return True
        return False

    def _exercise_event(self, event: pygame.event.Event, consumed: bool) -> None:
        panels = self.panels
        controller = self.controller
        assert panels is not None
        if panels.process_event(event) == "end":
            self.end_exercise("ended_by_trainee")
            return
        if event.type == pygame.KEYDOWN:
            if panels.end_dialog_open:
                if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                    self.end_exercise("ended_by_trainee")
                elif event.key == pygame.K_ESCAPE:
                    controller.end_requested = False
                return
            if panels.text_focused():
                if event.key == pygame.K_ESCAPE:
                    panels.unfocus_text()
                return
            if not consumed:
                controller.handle_event(event)
            return
        if event.type in (pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP, pygame.KEYUP):
            controller.handle_event(event)  # drags and held keys must always end
            return
        if event.type in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEWHEEL) and not consumed:
            if panels.end_dialog_open or controller.show_help:
                return
            controller.handle_event(event)

    def _advance(self, wall_s: float) -> None:
        controller = self.controller
        controller.update(wall_s)
        self.clock.paused = controller.paused
        self.clock.set_speed(controller.speed)
        due = self.clock.advance(wall_s)
        if controller.paused and controller.single_steps:
            due = controller.single_steps
        controller.single_steps = 0
        for _ in range(due):
            result = self.recorder.step(controller.take_commands())
            for event in result.events:
                if event.get("type") == "command_rejected":
                    controller.add_rejection(
                        int(event["tick"]), str(event.get("kind", "")), str(event.get("reason", ""))
                    )
            self.picture = self.sim.observe("blue")
            self.renderer.remember(self.picture)
            if result.done:
                controller.update_picture(self.picture)
                self.end_exercise("completed")
                return
        if self.picture is not None:
            controller.update_picture(self.picture)
        if controller.ui_scale_steps:
            self.set_ui_scale(self.layout.scale + UI_SCALE_STEP * controller.ui_scale_steps)
            controller.ui_scale_steps = 0
        if controller.screenshot_requested:
            controller.screenshot_requested = False
            self.save_screenshot()

    # ------------------------------------------------------------------ drawing

    def draw(self) -> None:
        """Compose the current screen on the window surface (drawing changes nothing else)."""
        screen = self.screen
        if self.state == EXERCISE and self.picture is not None and self.panels is not None:
            frame = self.renderer.draw(self.picture, self.camera)
            screen.blit(frame, (0, 0))
            self.overlay.draw(
                screen, self.camera, self.picture, self.controller, self.layout.map_view
            )
            self.panels.refresh(self.picture)
            for rect in (self.layout.right, self.layout.bottom):  # no map between panels
                screen.fill(PANEL_BACKGROUND, rect)
        else:
            screen.fill((24, 27, 31))
        self.manager.draw_ui(screen)
        if screen is pygame.display.get_surface():
            pygame.display.flip()

    def save_screenshot(self) -> Path | None:
        """Save the window as ``screenshot-<tick>.png`` in the session folder."""
        tick = self.picture.tick if self.picture is not None else 0
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"screenshot-{tick}.png"
            number = 2
            while path.exists():
                path = self.out_dir / f"screenshot-{tick}-{number}.png"
                number += 1
            save_image(self.screen, path)
        except OSError as error:
            self.controller.notice(f"Screenshot not saved: {error}", "refused")
            return None
        self.result.screenshots.append(path)
        self.controller.notice(f"Screenshot saved: {path}")
        return path

    # ------------------------------------------------------------------ loop

    def run(
        self,
        *,
        max_frames: int | None = None,
        time_source: Callable[[], float] | None = None,
    ) -> ConsoleResult:
        """Run the console until it is done (or for ``max_frames`` frames).

        Args:
            max_frames: stop after this many frames as if the window had been closed
                (tests and demos).
            time_source: a clock in seconds (tests pass a fake one; frames are then not
                paced to 60 per second).

        Returns:
            What the session produced. If anything goes wrong, the session's log is closed
            with reason ``error`` (``interrupted`` for Ctrl+C or SIGTERM) and the exception
            propagates.
        """
        pacer = pygame.time.Clock() if time_source is None else None
        last = time_source() if time_source is not None else 0.0
        try:
            while True:
                if pacer is not None:
                    wall_s = pacer.tick(FRAME_RATE) / 1000.0
                else:
                    now = time_source()
                    wall_s, last = now - last, now
                if not self.frame(wall_s):
                    break
                if max_frames is not None and self.frames >= max_frames:
                    self.close_window()
                    break
        except BaseException as error:
            stopped = isinstance(error, (KeyboardInterrupt, SystemExit))
            reason = "interrupted" if stopped else "error"
            if self.recorder.open:
                self.recorder.close(reason, detail=repr(error))
                self.result.end_reason = reason
            raise
        return self.result


def run_console(
    loaded: LoadedScenario,
    *,
    seed: int,
    out_dir: str | Path,
    trainee: dict[str, str] | None = None,
    size: tuple[int, int] = (1280, 720),
    ui_scale: float = 1.0,
    max_frames: int | None = None,
) -> ConsoleResult:
    """Open the console window and play one session (the ``play`` subcommand)."""
    app = ConsoleApp(
        loaded, seed=seed, out_dir=out_dir, trainee=trainee, size=size, ui_scale=ui_scale
    )
    previous = None
    if threading.current_thread() is threading.main_thread():
        # A polite kill (logout, shutdown, `kill`) closes the session's log properly.
        previous = signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        return app.run(max_frames=max_frames)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        pygame.display.quit()


def _stop_on_signal(signum: int, _frame) -> None:
    raise SystemExit(128 + signum)
