"""Subcommands that draw the trainee's view: ``snapshot``.

``python run_sim.py snapshot SCENARIO --at TICK --out FILE.png`` runs an exercise
headless (a scripted trainee plays, exactly as ``run --headless`` would) up to a tick and
saves what the trainee's console shows at that moment, fitted to the whole map. It works
on servers without a display (SDL's dummy video driver is used when none is set).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

from simulator.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_difficulty_option,
    load_or_report,
    policy_problem,
    progress_bar,
    seed_problem,
)
from simulator.cli_common import print_error as _print_error

DEFAULT_SIZE = (1280, 720)
MIN_SIZE = (320, 240)
MAX_SIZE = (7680, 4320)
_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")


def parse_size(text: str) -> tuple[int, int]:
    """'1280x720' -> (1280, 720).

    Raises:
        ValueError: with a message saying what a valid size looks like.
    """
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"--size {text!r}: give WIDTHxHEIGHT in pixels, e.g. 1280x720")
    width, height = int(match.group(1)), int(match.group(2))
    if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
        raise ValueError(
            f"--size {width}x{height}: width must be {MIN_SIZE[0]} to {MAX_SIZE[0]} and "
            f"height {MIN_SIZE[1]} to {MAX_SIZE[1]} pixels"
        )
    return width, height


def _cmd_snapshot(args: argparse.Namespace) -> int:

    try:
        size = parse_size(args.size)
    except ValueError as error:
        _print_error(str(error))
        return EXIT_BAD_INPUT
    problem = policy_problem(args.policy) or seed_problem(args.seed)
    if problem:
        _print_error(problem)
        return EXIT_BAD_INPUT
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        _print_error(f"--out {out}: the snapshot is a PNG image; give a file name ending in .png")
        return EXIT_BAD_INPUT
    if out.is_dir():
        _print_error(f"--out {out} is a folder; give a file name ending in .png")
        return EXIT_BAD_INPUT

    loaded = load_or_report(args.scenario, args.difficulty)
    if loaded is None:
        return EXIT_BAD_INPUT
    scenario = loaded.scenario
    total = scenario.clock.total_ticks
    if not 0 <= args.at <= total:
        _print_error(
            f"--at {args.at}: the exercise has ticks 0 to {total} "
            f"({scenario.clock.duration_s} s of {scenario.clock.tick_s:g} s ticks); "
            "pick a tick in that range"
        )
        return EXIT_BAD_INPUT

    # Headless unless a display was configured; hide pygame's greeting on stdout.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from simulator.core.picture import briefing_from_scenario
    from simulator.core.simulation import Simulation
    from simulator.policies import make_policy
    from simulator.render.frame import Renderer, format_time_of_day, save_image

    sim = Simulation(scenario)
    sim.reset(seed=args.seed)
    policy = make_policy(args.policy)
    policy.reset(sim.streams["policy"], briefing_from_scenario(scenario))
    renderer = Renderer(scenario, sim.world, size)
    # The console sees every tick: feed each Picture so fog and trails remember them.
    renderer.remember(sim.observe("blue"))
    with progress_bar(f"{scenario.meta.id} to tick {args.at}", not args.quiet) as bar:
        while sim.tick < args.at:
            sim.step(list(policy.act(sim.observe("blue"))))
            renderer.remember(sim.observe("blue"))
            if bar is not None:
                bar(sim.tick, args.at)
    picture = sim.observe("blue")
    frame = renderer.draw(picture, renderer.make_camera())
    try:
        if out.parent != Path(""):
            out.parent.mkdir(parents=True, exist_ok=True)
        save_image(frame, out)
    except OSError as error:
        _print_error(f"cannot write {out}: {error}")
        return EXIT_BAD_INPUT
    in_view = sum(1 for contact in picture.contacts if contact.in_view)
    print(
        f"wrote {out} ({size[0]}x{size[1]}): tick {picture.tick} at "
        f"{format_time_of_day(picture.time_of_day_s)}, {len(picture.contacts)} contacts "
        f"({in_view} in view), seed {args.seed}, policy {args.policy}"
    )
    return EXIT_OK


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the rendering subcommands on the main parser."""
    from simulator.policies import POLICY_NAMES

    snapshot = sub.add_parser(
        "snapshot",
        help="run headless to a tick and save the trainee's view as a PNG",
        description="Run an exercise headless with a scripted trainee up to --at TICK and "
        "save the trainee's console view (whole map, fog of war, symbols, HUD) as a PNG. "
        "Exit 0 on success, 2 on bad input.",
    )
    snapshot.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    snapshot.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_difficulty_option(snapshot)
    snapshot.add_argument(
        "--policy",
        default="passive",
        metavar="NAME",
        help=f"scripted trainee: {', '.join(POLICY_NAMES)} (default passive)",
    )
    snapshot.add_argument(
        "--at", type=int, default=0, metavar="TICK", help="tick to show (default 0, the start)"
    )
    snapshot.add_argument("--out", required=True, metavar="FILE.png", help="image to write")
    snapshot.add_argument(
        "--size",
        default=f"{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}",
        metavar="WxH",
        help=f"image size in pixels (default {DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]})",
    )
    snapshot.add_argument("--quiet", action="store_true", help="no progress bar")
    snapshot.set_defaults(handler=_cmd_snapshot)
