"""Map images of the trainee's view at each release, for the after-action report.

The report builder (``scoring/report.py``) is pure and never imports pygame; the command
line renders these images here and passes the bytes in. A session is re-simulated from
its folder (scenario copy, seed and logged commands, exactly as ``replay --verify``
does) and, at the tick of each release, the trainee's picture is drawn by the console's
renderer around the aim point, with the aim point and the effect's largest harm radius
marked. Works without a display (SDL's dummy video driver is used when none is set).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence

from simulator.render.camera import ZOOM_STEP

DEFAULT_SIZE = (720, 450)
DEFAULT_VIEW_M = 320.0  # width of ground shown around the aim point
MAX_IMAGES = 12  # keeps a report of a reckless session to a few megabytes
# The fog of war and trails learn from the pictures they are given. Far from a release
# a picture every few ticks is enough (sensors slew slowly); the last ticks before it are
# taken one by one so the trails are exact.
MEMORY_EVERY_TICKS = 5
EXACT_TICKS_BEFORE = 30
JPEG_NAME_HINT = "map.jpg"
AIM_COLOUR = (230, 0, 126)
OUTLINE_COLOUR = (255, 255, 255)

Progress = Callable[[int, int], None]


def render_release_maps(
    log,
    scenario,
    points: Sequence,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
    view_m: float = DEFAULT_VIEW_M,
    max_images: int = MAX_IMAGES,
    progress: Progress | None = None,
) -> dict[int, bytes]:
    """Draw the trainee's view at each release (the first ``max_images`` of them).

    Args:
        log: the session's EventLog.
        scenario: its scenario.
        points: ``scoring.report.ReleasePoint`` items (line, tick, aim point, radius).
        size: image size in pixels.
        view_m: metres of ground across the image around the aim point.
        max_images: at most this many images (the earliest releases).
        progress: called as ``progress(tick, last_tick)`` while re-simulating.

    Returns:
        JPEG bytes by release command line (the report's key for each decision).

    Raises:
        simulator.session.ReplayError: when the log's commands cannot be read.
    """
    chosen = sorted(points, key=lambda p: (p.tick, p.line))[: max(0, int(max_images))]
    if not chosen:
        return {}
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    from simulator.core.simulation import Simulation
    from simulator.render.frame import Renderer
    from simulator.session import logged_commands

    schedule = logged_commands(log)
    sim = Simulation(scenario)
    sim.reset(seed=int(log.header.get("seed", 0)))
    renderer = Renderer(scenario, sim.world, size)
    due = sorted({p.tick for p in chosen})
    last_tick = due[-1]
    images: dict[int, bytes] = {}
    by_tick: dict[int, list] = {}
    for point in chosen:
        by_tick.setdefault(point.tick, []).append(point)
    next_index = 0
    while True:
        tick = sim.tick
        upcoming = due[next_index] if next_index < len(due) else None
        if upcoming is None:
            break
        near = upcoming - tick <= EXACT_TICKS_BEFORE
        if tick == upcoming:
            picture = sim.observe("blue")
            for point in by_tick[tick]:
                images[point.line] = _draw(renderer, picture, point, view_m, pygame)
            next_index += 1
        elif near or tick % MEMORY_EVERY_TICKS == 0:
            renderer.remember(sim.observe("blue"))
        if tick >= last_tick or sim.done:
            break
        sim.step(schedule.get(tick, ()))
        if progress is not None:
            progress(sim.tick, last_tick)
    return images


def _draw(renderer, picture, point, view_m: float, pygame) -> bytes:
    camera = renderer.make_camera()
    if point.x_m is not None and point.y_m is not None:
        wanted_scale = renderer.size[0] / max(50.0, float(view_m))
        level = round(math.log(max(wanted_scale / camera.fit_scale, 1.0), ZOOM_STEP))
        camera.set_level(level)
        camera.centre_on(point.x_m, point.y_m)
    frame = renderer.draw(picture, camera).copy()
    if point.x_m is not None and point.y_m is not None:
        x_px, y_px = camera.world_to_screen(point.x_m, point.y_m)
        centre = (round(x_px), round(y_px))
        radius_px = round(point.radius_m * camera.scale)
        if radius_px >= 3:
            pygame.draw.circle(frame, OUTLINE_COLOUR, centre, radius_px + 1, 4)
            pygame.draw.circle(frame, AIM_COLOUR, centre, radius_px, 2)
        # The aim point: a cross with a white outline, readable over any symbol.
        for colour, arm, width in ((OUTLINE_COLOUR, 12, 7), (AIM_COLOUR, 11, 3)):
            x, y = centre
            pygame.draw.line(frame, colour, (x - arm, y), (x + arm, y), width)
            pygame.draw.line(frame, colour, (x, y - arm), (x, y + arm), width)
    buffer = io.BytesIO()
    pygame.image.save(frame, buffer, JPEG_NAME_HINT)
    return buffer.getvalue()
