"""The ``play`` subcommand: the trainee console in a window.

``python run_sim.py play SCENARIO`` opens the console (briefing, exercise, end screen)
and writes the session folder as the headless runner does; ``python run_sim.py`` with no
arguments plays Market Day. Without a display (a server, a plain SSH session) it says so
plainly and points to headless mode, exit code 2.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from simulator.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_difficulty_option,
    load_or_report,
    seed_problem,
)
from simulator.cli_common import print_error as _print_error

DEFAULT_SIZE = "1280x720"
# Tests and demos may run the console on SDL's dummy driver when this is set to 1.
ALLOW_DUMMY_ENV = "CHM_CONSOLE_ALLOW_DUMMY"


def _slug(text: str) -> str:
    """A safe piece of a folder name: letters, digits, '-' and '_' only."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", text.strip()).strip("-")
    return slug[:40] or "trainee"


def default_session_dir(scenario_id: str, trainee: str | None, seed: int) -> Path:
    """``runs/<scenario-id>-<trainee>-<seed>``, with ``-2``, ``-3``... if it exists."""
    base = Path("runs") / f"{_slug(scenario_id)}-{_slug(trainee or 'trainee')}-{seed}"
    path, number = base, 2
    while path.exists():
        path = base.with_name(f"{base.name}-{number}")
        number += 1
    return path


def _cmd_play(args: argparse.Namespace) -> int:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from simulator.cli_render import parse_size
    from simulator.ui.layout import MAX_UI_SCALE, MIN_UI_SCALE, MIN_WINDOW

    try:
        size = parse_size(args.size)
    except ValueError as error:
        _print_error(str(error))
        return EXIT_BAD_INPUT
    if size[0] < MIN_WINDOW[0] or size[1] < MIN_WINDOW[1]:
        _print_error(
            f"--size {args.size}: the console needs at least {MIN_WINDOW[0]}x{MIN_WINDOW[1]} pixels"
        )
        return EXIT_BAD_INPUT
    if not MIN_UI_SCALE <= args.ui_scale <= MAX_UI_SCALE:
        _print_error(f"--ui-scale must be between {MIN_UI_SCALE:g} and {MAX_UI_SCALE:g}")
        return EXIT_BAD_INPUT
    if seed_problem(args.seed):
        _print_error(seed_problem(args.seed))
        return EXIT_BAD_INPUT

    loaded = load_or_report(args.scenario, args.difficulty)
    if loaded is None:
        return EXIT_BAD_INPUT
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        _print_error(f"--out {out} is a file; give a folder for the session")
        return EXIT_BAD_INPUT
    if out is not None and (out / "events.jsonl").exists():
        _print_error(
            f"--out {out} already holds a session; choose another folder (or leave --out "
            "out for a new one under runs/)"
        )
        return EXIT_BAD_INPUT
    if out is None:
        out = default_session_dir(loaded.scenario.meta.id, args.trainee, args.seed)

    from simulator.ui.display import display_problem

    problem = display_problem(allow_dummy=os.environ.get(ALLOW_DUMMY_ENV) == "1")
    if problem is not None:
        _print_error(
            f"the console needs a screen, but {problem}.\n"
            "  Run the exercise headless with a scripted trainee instead, e.g.:\n"
            f"    python run_sim.py run {args.scenario} --headless --seed {args.seed} "
            "--policy expert --out runs/demo"
        )
        return EXIT_BAD_INPUT

    from simulator.ui.app import run_console

    trainee = {key: value for key, value in (("name", args.trainee), ("unit", args.unit)) if value}
    try:
        result = run_console(
            loaded,
            seed=args.seed,
            out_dir=out,
            trainee=trainee,
            size=size,
            ui_scale=args.ui_scale,
            max_frames=args.frames,
        )
    except Exception as error:  # noqa: BLE001 - the log is closed; say where it is
        print(f"error: the console stopped: {error!r}", file=sys.stderr)
        print(f"the session up to there is in {out}/ (reason 'error')", file=sys.stderr)
        raise
    if result.session_dir is None:
        print("the exercise was not started; no session was written")
        return EXIT_OK
    summary = result.summary
    print(f"session written to {result.session_dir}/ (ended: {result.end_reason})")
    if summary.get("scorecard_path"):
        print(f"scorecard: {summary['scorecard_path']}")
    if summary.get("report_path"):
        print(f"after-action report: {summary['report_path']}")
    for shot in result.screenshots:
        print(f"screenshot: {shot}")
    print(f"review it: python run_sim.py score {result.session_dir}")
    print(f"check it replays: python run_sim.py replay {result.session_dir} --verify")
    return EXIT_OK


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the ``play`` subcommand on the main parser."""
    from simulator.cli import DEFAULT_SCENARIO

    play = sub.add_parser(
        "play",
        help="play an exercise in the trainee console (a window)",
        description="Open the trainee console: briefing, the exercise in real time, and an "
        "end screen with the scorecard. The session folder (scenario copy, event log, "
        "scorecard, screenshots) is written as the game goes. Press F1 in the console for "
        "every shortcut. Exit 0 when the console closes normally, 2 on bad input or when "
        "there is no display.",
    )
    play.add_argument(
        "scenario",
        nargs="?",
        default=str(DEFAULT_SCENARIO),
        metavar="SCENARIO",
        help="scenario YAML file (default: scenarios/market_day.yaml)",
    )
    play.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_difficulty_option(play)
    play.add_argument(
        "--out",
        metavar="DIR",
        help="session folder (default runs/<scenario-id>-<trainee>-<seed>, never overwritten)",
    )
    play.add_argument("--trainee", metavar="NAME", help="trainee name recorded in the session")
    play.add_argument("--unit", metavar="UNIT", help="trainee's unit recorded in the session")
    play.add_argument(
        "--ui-scale",
        type=float,
        default=1.0,
        metavar="S",
        help="size of text and panels: 1.0 normal, 1.5 or 2.0 for high-DPI screens "
        "(Ctrl+= and Ctrl+- change it while playing)",
    )
    play.add_argument(
        "--size", default=DEFAULT_SIZE, metavar="WxH", help=f"window size (default {DEFAULT_SIZE})"
    )
    play.add_argument("--frames", type=int, help=argparse.SUPPRESS)  # tests: stop after N frames
    play.set_defaults(handler=_cmd_play)
