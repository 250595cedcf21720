"""Make the console guide's screenshots: ``python -m simulator.ui.doc_images docs/images``.

Plays Market Day (seed 1) headless in the real console, driving it with the same
synthetic key presses and mouse clicks the tests use, and saves the window at each step of
the trainee guide (docs/console.md): briefing, overview, drone tasking, selecting and
classifying, the engagement checklist step by step, release with its abort countdown, the
abort, the help overlay and the end screen.

The target of the example engagement is chosen from the trainee's picture only (a contact
in view, far from other contacts and buildings): the guide shows how the console works,
not how to find KESTREL.
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
import shapely  # noqa: E402

from simulator.core.picture import Contact  # noqa: E402
from simulator.render.frame import save_image  # noqa: E402
from simulator.scenario import load_scenario_file  # noqa: E402
from simulator.ui.app import ConsoleApp  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKET_DAY = REPO_ROOT / "scenarios" / "market_day.yaml"
MAX_BYTES = 300_000


class Driver:
    """Drives a ConsoleApp with synthetic input and saves its window."""

    def __init__(self, app: ConsoleApp, out_dir: Path) -> None:
        self.app = app
        self.out_dir = out_dir
        self.saved: list[Path] = []

    def settle(self, frames: int = 2) -> None:
        for _ in range(frames):
            self.app.frame(0.0)

    def key(self, code: int, mod: int = 0, unicode: str = "") -> None:
        for kind in (pygame.KEYDOWN, pygame.KEYUP):
            pygame.event.post(
                pygame.event.Event(kind, key=code, mod=mod, unicode=unicode, scancode=0)
            )
        self.settle()

    def move(self, pos: tuple[float, float]) -> None:
        pos = (round(pos[0]), round(pos[1]))
        pygame.event.post(
            pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))
        )
        self.settle(1)

    def click(self, pos: tuple[float, float]) -> None:
        self.move(pos)
        pos = (round(pos[0]), round(pos[1]))
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=pos, button=1))
        self.settle()

    def button(self, name: str) -> None:
        self.click(self.app.panels.buttons[name].rect.center)

    def type_into(self, entry: str, text: str) -> None:
        self.click(self.app.panels.entries[entry].rect.center)
        for char in text:
            pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=char))
        self.settle()

    def run(self, wall_s: float, frame_s: float = 0.1) -> None:
        for _ in range(max(1, round(wall_s / frame_s))):
            self.app.frame(frame_s)
            if self.app.state != "exercise":
                return

    def run_until_tick(self, tick: int) -> None:
        while self.app.picture is None or self.app.picture.tick < tick:
            self.app.frame(0.25)

    def save(self, name: str) -> Path:
        self.app.draw()
        path = self.out_dir / name
        save_image(self.app.screen, path)
        if path.stat().st_size > MAX_BYTES:
            raise RuntimeError(f"{path} is {path.stat().st_size} bytes (limit {MAX_BYTES})")
        self.saved.append(path)
        return path


def _quiet_contact(app: ConsoleApp, around: tuple[float, float], within_m: float) -> Contact:
    """A contact in view near a point, as far as possible from others and from buildings."""
    world = app.sim.world  # the static map only (public), as the renderer uses it
    picture = app.picture
    best, best_score = None, -1.0
    for contact in picture.contacts:
        if not contact.in_view or contact.category != "person":
            continue
        if math.hypot(contact.x_m - around[0], contact.y_m - around[1]) > within_m:
            continue
        others = min(
            (
                math.hypot(contact.x_m - o.x_m, contact.y_m - o.y_m)
                for o in picture.contacts
                if o is not contact
            ),
            default=99.0,
        )
        point = shapely.Point(contact.x_m, contact.y_m)
        building = min(
            (polygon.distance(point) for polygon in world.building_polygons), default=99.0
        )
        score = min(others, building)
        if score > best_score:
            best, best_score = contact, score
    if best is None:
        raise RuntimeError(f"no contact in view near {around} at tick {picture.tick}")
    return best


def make_images(out_dir: Path, size: tuple[int, int] = (1280, 720)) -> list[Path]:
    """Play Market Day headless and save the guide's screenshots into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded = load_scenario_file(MARKET_DAY)
    out_dir = out_dir.resolve()
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)  # the end screen then shows the usual relative session folder
        try:
            return _play(loaded, out_dir, size)
        finally:
            os.chdir(here)


def _play(loaded, out_dir: Path, size: tuple[int, int]) -> list[Path]:
    """The guide's exercise, saving a screenshot at each step."""
    app = ConsoleApp(loaded, seed=1, out_dir=Path("runs") / "market-day-v1-trainee-1", size=size)
    drive = Driver(app, out_dir)
    drive.settle(1)
    drive.save("console_briefing.png")

    drive.key(pygame.K_RETURN, unicode="\r")
    drive.key(pygame.K_6)  # 32x to the first intelligence report
    drive.run_until_tick(330)
    drive.key(pygame.K_1)
    drive.save("console_overview.png")

    square = next(a for a in loaded.scenario.map.open_areas if a.id == "market-square")
    centre = shapely.Polygon(square.polygon).centroid
    camera = app.camera
    camera.zoom_at(5, camera.world_to_screen(centre.x, centre.y))
    camera.centre_on(centre.x, centre.y)
    look = (centre.x + 40.0, centre.y - 15.0)  # beside the crowd, so the cross shows
    drive.key(pygame.K_t)
    drive.move(camera.world_to_screen(*look))
    drive.save("console_task_drone.png")
    drive.click(camera.world_to_screen(*look))
    drive.key(pygame.K_z)
    drive.run(8.0)

    contact = _quiet_contact(app, (centre.x, centre.y), 400.0)
    camera.centre_on(contact.x_m, contact.y_m)
    drive.settle(1)
    drive.click(camera.world_to_screen(contact.x_m, contact.y_m))
    drive.run(2.0)
    drive.button("classify_unknown")
    drive.run(1.5)
    drive.save("console_select_classify.png")

    drive.key(pygame.K_SPACE)  # pause to think: orders wait for the next tick
    drive.button("nominate")
    drive.type_into("pid_rationale", "Rifle seen under the jacket at 09:36; intel match")
    drive.save("console_engagement_pid.png")
    drive.button("declare_pid")
    drive.button("plan_effect")
    drive.key(pygame.K_PERIOD)
    drive.key(pygame.K_PERIOD)
    drive.button("estimate")
    drive.key(pygame.K_PERIOD)
    drive.key(pygame.K_PERIOD)
    target = app.controller.selected_contact() or contact
    camera.set_level(camera.max_level - 2)
    camera.centre_on(target.x_m, target.y_m)
    drive.save("console_estimate.png")

    drive.button("request_approval")
    drive.button("issue_warning")
    drive.key(pygame.K_PERIOD)
    drive.key(pygame.K_PERIOD)
    drive.save("console_approval_warning.png")

    drive.type_into("release_rationale", "PID held, estimate checked, civilians warned")
    drive.button("release")
    drive.key(pygame.K_SPACE)
    drive.run(3.0)
    drive.key(pygame.K_SPACE)
    drive.save("console_release_countdown.png")

    drive.button("abort")
    drive.key(pygame.K_PERIOD)
    drive.key(pygame.K_PERIOD)
    drive.save("console_abort.png")

    drive.key(pygame.K_F1)
    drive.save("console_help.png")
    drive.key(pygame.K_F1)

    drive.key(pygame.K_ESCAPE)
    drive.save("console_end_dialog.png")
    drive.key(pygame.K_RETURN, unicode="\r")
    drive.save("console_end.png")
    return drive.saved


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: the folder to write (default docs/images)."""
    args = sys.argv[1:] if argv is None else argv
    out_dir = Path(args[0]) if args else REPO_ROOT / "docs" / "images"
    for path in make_images(out_dir):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
