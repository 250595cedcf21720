"""Render benchmark (target P4): one composed trainee frame at 1280x720.

    python -m benchmarks.render --entities 5000 [--frames 100] [--json]

Workload (PERFORMANCE.md, "Render frame"): the synthetic town's map (2 km x 2 km,
2,000 buildings, fitted to the screen, so every symbol is on screen), 50 translucent
overhead sensor footprints, N contact symbols of mixed affiliations (unknown, civilian,
combatant, protected; people and vehicles; a fifth out of view with an uncertainty ring)
spread over the visible area, own units, protected sites and the HUD text.

The pictures are synthetic (built here, not by the engine) so that N is exact. Three
ways of drawing are timed, each the median over ``--frames`` frames:

* ``ms_per_frame`` (the P4 figure): a *new* Picture every frame - the contacts moved,
  the sensors slewed - as in fast playback, where the console gets a new tick every
  frame. It includes taking the Picture in (arrays, trails, fog update).
* ``ms_per_frame_same_picture``: the same Picture again (the usual case at 1x speed,
  where a tick lasts many frames); only per-picture work is skipped.
* ``ms_per_frame_panning``: a new Picture *and* the camera moved every frame, so the
  scaled fog overlay is rebuilt too (the worst case: dragging the map during playback).

``ms_take_in_picture`` is the part of ``ms_per_frame`` spent taking the new Picture in
(reading its contacts into arrays, trails and fog), timed alone.

The modes are interleaved frame by frame so that a shared machine's load affects them
alike. The first frame (which draws the map tiles and sprites once) is excluded and reported as
``first_frame_ms``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from typing import Any

import numpy as np

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # keep stdout pure JSON

from benchmarks.town import synthetic_town  # noqa: E402
from simulator.core.picture import (  # noqa: E402
    Contact,
    OwnUnit,
    Picture,
    ProtectedSiteView,
    SensorView,
)
from simulator.core.world import build_world  # noqa: E402
from simulator.render.frame import Renderer  # noqa: E402
from simulator.scenario.schema import Scenario  # noqa: E402

TARGET_MS = 8.0
CLASSIFICATIONS = ("unknown", "civilian", "combatant", "protected")
CLASSIFICATION_SHARE = (0.45, 0.40, 0.10, 0.05)
PICTURES = 8  # distinct pictures cycled through in the new-picture modes


def synthetic_pictures(
    scenario: Scenario, entities: int, sensors: int, count: int, seed: int
) -> list[Picture]:
    """``count`` successive pictures of the same ``entities`` tracks moving a little."""
    rng = np.random.default_rng(seed)
    width, height = scenario.map.extent_m
    xy = rng.uniform((0.0, 0.0), (width, height), (entities, 2))
    classification = rng.choice(len(CLASSIFICATIONS), entities, p=CLASSIFICATION_SHARE)
    vehicle = rng.random(entities) < 0.15
    in_view = rng.random(entities) < 0.8
    uncertainty = np.where(in_view, 3.0, rng.uniform(5.0, 80.0, entities))
    sensor_xy = rng.uniform((150.0, 150.0), (width - 150.0, height - 150.0), (sensors, 2))
    sensor_radius = rng.uniform(60.0, 200.0, sensors)
    ids = [f"T{i:05d}" for i in range(entities)]
    categories = np.where(vehicle, "vehicle", "person").tolist()
    classes = [CLASSIFICATIONS[c] for c in classification.tolist()]
    units = tuple(
        OwnUnit(f"unit-{k}", f"BLUE {k}", "patrol", float(x), float(y), False)
        for k, (x, y) in enumerate(rng.uniform((100, 100), (width - 100, height - 100), (6, 2)))
    )
    sites = tuple(
        ProtectedSiteView(f"site-{k}", f"Site {k}", "medical", "protected", float(x), float(y))
        for k, (x, y) in enumerate(rng.uniform((100, 100), (width - 100, height - 100), (4, 2)))
    )
    pictures = []
    for tick in range(1, count + 1):
        step = rng.normal(0.0, 1.4, (entities, 2)) * in_view[:, None]
        xy = np.clip(xy + step, 0.0, (width, height))
        sensor_xy = sensor_xy + rng.normal(0.0, 2.0, (sensors, 2))
        contacts = tuple(
            Contact(ident, x, y, u, tick if seen else 0, seen, category, (), cls, 0.5)
            for ident, x, y, u, seen, category, cls in zip(
                ids,
                xy[:, 0].tolist(),
                xy[:, 1].tolist(),
                uncertainty.tolist(),
                in_view.tolist(),
                categories,
                classes,
            )
        )
        views = tuple(
            SensorView(f"uav-{k}", "overhead", float(x), float(y), float(r), False)
            for k, ((x, y), r) in enumerate(zip(sensor_xy, sensor_radius))
        )
        pictures.append(
            Picture(
                side="blue",
                tick=tick,
                time_of_day_s=8 * 3600.0 + tick,
                contacts=contacts,
                units=units,
                sensors=views,
                protected_sites=sites,
            )
        )
    return pictures


def run(
    entities: int,
    *,
    frames: int = 100,
    size: tuple[int, int] = (1280, 720),
    buildings: int = 2000,
    sensors: int = 50,
    seed: int = 0,
) -> dict[str, Any]:
    """Build the workload and time the three drawing modes; return the figures."""
    scenario = Scenario.model_validate(
        synthetic_town(civilians=100, buildings=buildings, seed=seed)
    )
    world = build_world(scenario)
    pictures = synthetic_pictures(scenario, entities, sensors, PICTURES, seed)
    renderer = Renderer(scenario, world, size)
    camera = renderer.make_camera()

    pan_camera = renderer.make_camera()
    pan_camera.set_level(1)
    start = time.perf_counter()
    renderer.draw(pictures[0], camera)
    first_frame_ms = (time.perf_counter() - start) * 1000.0
    renderer.draw(pictures[0], pan_camera)  # tiles of zoom level 1, untimed

    # The three modes are interleaved frame by frame, so that a shared machine's load
    # weighs on all three alike. Ticks keep increasing (a lower tick would mean a replay
    # jumped back, which clears the renderer's memory).
    timings: dict[str, list[float]] = {"new": [], "same": [], "panning": []}
    tick = PICTURES
    for i in range(frames):
        tick += 1
        picture = dataclasses.replace(pictures[i % PICTURES], tick=tick)
        start = time.perf_counter()
        renderer.draw(picture, camera)
        timings["new"].append(time.perf_counter() - start)

        start = time.perf_counter()
        renderer.draw(picture, camera)
        timings["same"].append(time.perf_counter() - start)

        tick += 1
        picture = dataclasses.replace(pictures[(i + 1) % PICTURES], tick=tick)
        pan_camera.pan(4 if (i // 25) % 2 == 0 else -4, 1 if (i // 50) % 2 == 0 else -1)
        start = time.perf_counter()
        renderer.draw(picture, pan_camera)
        timings["panning"].append(time.perf_counter() - start)

    # What taking a new Picture in costs on its own (contacts to arrays, trails, fog).
    remember = []
    for i in range(frames):
        tick += 1
        picture = dataclasses.replace(pictures[i % PICTURES], tick=tick)
        start = time.perf_counter()
        renderer.remember(picture)
        remember.append(time.perf_counter() - start)

    new_ms, steady_ms, pan_ms = (
        statistics.median(timings[mode]) * 1000.0 for mode in ("new", "same", "panning")
    )
    return {
        "benchmark": "render",
        "entities": entities,
        "size": f"{size[0]}x{size[1]}",
        "frames": frames,
        "ms_per_frame": round(new_ms, 3),
        "ms_per_frame_same_picture": round(steady_ms, 3),
        "ms_per_frame_panning": round(pan_ms, 3),
        "ms_take_in_picture": round(statistics.median(remember) * 1000.0, 3),
        "first_frame_ms": round(first_frame_ms, 1),
        "target_ms": TARGET_MS,
        "meets_target": new_ms <= TARGET_MS,
        "sensor_footprints": sensors,
        "buildings": buildings,
        "map_tiles_drawn": renderer.map_layer.tiles_drawn,
    }


def _retick(picture: Picture, tick: int) -> Picture:
    """The same picture at another tick: a new object, so the renderer takes it in anew."""
    return dataclasses.replace(picture, tick=tick)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.render",
        description="Time one composed trainee frame (P4: <= 8 ms at 5,000 entities).",
    )
    parser.add_argument("--entities", type=int, default=5000, help="contact symbols (5000)")
    parser.add_argument("--frames", type=int, default=100, help="frames timed per mode (100)")
    parser.add_argument("--size", default="1280x720", help="frame size WxH (1280x720)")
    parser.add_argument("--buildings", type=int, default=2000, help="map buildings (2000)")
    parser.add_argument("--seed", type=int, default=0, help="workload seed (0)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size {args.size!r}: give WIDTHxHEIGHT, e.g. 1280x720")
    if args.entities < 0 or args.frames < 1:
        parser.error("--entities must be >= 0 and --frames >= 1")
    result = run(
        args.entities,
        frames=args.frames,
        size=(width, height),
        buildings=args.buildings,
        seed=args.seed,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:28s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
