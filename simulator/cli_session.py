"""Subcommands that run and check sessions: ``run``, ``replay`` and ``occupancy``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    add_difficulty_option,
    load_or_report,
    policy_problem,
    progress_bar,
    seed_problem,
)
from simulator.cli_common import (
    print_error as _print_error,
)


def _cmd_run(args: argparse.Namespace) -> int:
    from simulator.policies import make_policy
    from simulator.session import picture_dump_path, run_session

    if not args.headless:
        _print_error(
            "the trainee console is not available in this version; add --headless to run "
            "with a scripted trainee (--policy)"
        )
        return EXIT_BAD_INPUT
    problem = policy_problem(args.policy) or seed_problem(args.seed)
    if problem:
        _print_error(problem)
        return EXIT_BAD_INPUT
    loaded = load_or_report(args.scenario, args.difficulty)
    if loaded is None:
        return EXIT_BAD_INPUT
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        _print_error(f"--out {out} is a file; give a folder")
        return EXIT_BAD_INPUT
    trainee = {k: v for k, v in (("name", args.trainee), ("unit", args.unit)) if v}
    total = loaded.scenario.clock.total_ticks if args.ticks is None else args.ticks
    late = [t for t in args.dump_picture if not 0 <= t <= total]
    if late:
        _print_error(
            f"--dump-picture {late[0]}: the session has ticks 0 to {total}; pick a tick in range"
        )
        return EXIT_BAD_INPUT
    with progress_bar(f"{loaded.scenario.meta.id} seed {args.seed}", not args.quiet) as bar:
        summary = run_session(
            loaded,
            seed=args.seed,
            policy=make_policy(args.policy),
            out_dir=out,
            ticks=args.ticks,
            progress=bar,
            trainee=trainee,
            dump_ticks=args.dump_picture,
        )
    print(
        f"session written to {summary.out_dir}/ ({summary.ticks} ticks, {summary.events} "
        f"events, {summary.commands} commands; ended: {summary.end_reason})"
    )
    for tick in sorted(set(args.dump_picture)):
        print(f"picture at tick {tick}: {picture_dump_path(out, tick)}")
    print(f"check it replays exactly: python run_sim.py replay {summary.out_dir} --verify")
    return EXIT_OK


def _open_replay_viewer(args: argparse.Namespace) -> int:
    """``replay DIR`` without --verify: the instructor's replay viewer (a window)."""
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    from simulator.cli_play import ALLOW_DUMMY_ENV
    from simulator.cli_render import parse_size
    from simulator.session import ReplayError
    from simulator.ui.replay_timeline import ReplayTimeline

    try:
        size = parse_size(args.size)
    except ValueError as error:
        _print_error(str(error))
        return EXIT_BAD_INPUT
    if size[0] < 1024 or size[1] < 640:
        _print_error(f"--size {args.size}: the replay viewer needs at least 1024x640 pixels")
        return EXIT_BAD_INPUT
    try:
        timeline = ReplayTimeline(args.session)
    except ReplayError as error:
        _print_error(
            f"{error}\n  {args.session} is not a usable session folder (make one with "
            "'python run_sim.py run' or 'play')"
        )
        return EXIT_BAD_INPUT
    from simulator.ui.display import display_problem

    problem = display_problem(allow_dummy=os.environ.get(ALLOW_DUMMY_ENV) == "1")
    if problem is not None:
        timeline.close()
        _print_error(
            f"the replay viewer needs a screen, but {problem}.\n"
            "  Without a screen you can still:\n"
            f"    python run_sim.py replay {args.session} --verify   "
            "(check the session reproduces exactly)\n"
            f"    python run_sim.py report {args.session}   "
            "(the after-action report: timeline, bookmarks, the trainee's picture beside "
            "ground truth at every decision)"
        )
        return EXIT_BAD_INPUT
    from simulator.ui.replay_viewer import run_replay_viewer

    run_replay_viewer(timeline, size=size, view=args.view, max_frames=args.frames)
    return EXIT_OK


def _cmd_replay(args: argparse.Namespace) -> int:
    from simulator.session import ReplayError, verify_replay

    if not args.verify:
        return _open_replay_viewer(args)
    try:
        with progress_bar("replaying", not args.quiet) as bar:
            report = verify_replay(args.session, progress=bar)
    except ReplayError as error:
        _print_error(str(error))
        return EXIT_BAD_INPUT
    for note in report.notes:
        print(f"note: {note}")
    for problem in report.problems:
        print(f"problem: {problem}", file=sys.stderr)
    if report.ok:
        print(
            f"replay OK: {report.ticks} ticks re-simulated, {report.checked} state hashes identical"
        )
        return EXIT_OK
    where = (
        f"first difference at tick {report.first_difference_tick}"
        if report.first_difference_tick is not None
        else "the log or scenario was altered"
    )
    print(f"replay FAILED: {where}", file=sys.stderr)
    return EXIT_FAILED


def _cmd_occupancy(args: argparse.Namespace) -> int:
    from simulator.core.occupancy import occupancy_by_hour

    loaded = load_or_report(args.scenario)
    if loaded is None:
        return EXIT_BAD_INPUT
    if not 0 < args.tick_s <= 60:
        _print_error("--tick-s must be between 0 and 60 seconds")
        return EXIT_BAD_INPUT
    with progress_bar("simulating a day", not args.quiet) as bar:
        table = occupancy_by_hour(
            loaded.scenario,
            seed=args.seed,
            tick_s=args.tick_s,
            progress=bar,
            with_injects=not args.without_injects,
        )
    if args.json:
        print(json.dumps(table.to_dict(), indent=2))
    else:
        print(table.format())
    return EXIT_OK


def _cmd_batch(args: argparse.Namespace) -> int:
    from simulator.batch import format_table, plan_runs, run_batch, summarise

    problems = [policy_problem(name) for name in args.policy]
    if any(problems):
        _print_error(next(p for p in problems if p))
        return EXIT_BAD_INPUT
    if args.seeds < 1:
        _print_error("--seeds must be at least 1")
        return EXIT_BAD_INPUT
    if args.jobs is not None and args.jobs < 1:
        _print_error("--jobs must be at least 1")
        return EXIT_BAD_INPUT
    for path in args.scenarios:
        if load_or_report(path, args.difficulty) is None:
            return EXIT_BAD_INPUT
    specs = plan_runs(args.scenarios, args.policy, args.seeds, args.out, args.difficulty)
    with progress_bar(f"{len(specs)} runs", not args.quiet) as bar:
        records = run_batch(specs, jobs=args.jobs, progress=bar)
    failed = [r for r in records if "error" in r]
    for record in failed:
        print(
            f"error: {record['policy']} seed {record['seed']} on {record['scenario_file']} "
            f"failed: {record['error']} (log kept in {record['session']})",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(records, indent=1))
    else:
        print(format_table(summarise(records)))
        print(f"\nsession folders under {args.out}/ (replay or review any of them)")
    return EXIT_FAILED if failed else EXIT_OK


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the session subcommands on the main parser."""
    from simulator.policies import POLICY_NAMES

    run = sub.add_parser(
        "run",
        help="run an exercise (headless with a scripted trainee) and write a session folder",
        description="Run an exercise and write DIR/scenario.yaml and DIR/events.jsonl.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("--headless", action="store_true", help="no window; a scripted trainee plays")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument(
        "--policy",
        default="passive",
        metavar="NAME",
        help=f"scripted trainee: {', '.join(POLICY_NAMES)} (default passive)",
    )
    run.add_argument("--ticks", type=int, metavar="N", help="stop after N ticks (default: all)")
    add_difficulty_option(run)
    run.add_argument("--out", required=True, metavar="DIR", help="session folder to write")
    run.add_argument("--trainee", metavar="NAME", help="trainee name recorded in the session")
    run.add_argument("--unit", metavar="UNIT", help="trainee's unit recorded in the session")
    run.add_argument(
        "--dump-picture",
        type=int,
        action="append",
        default=[],
        metavar="TICK",
        help="write DIR/picture_TICK.json: the trainee's contacts beside what was true, wrong "
        "and hidden at that tick (repeatable)",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(handler=_cmd_run)

    replay = sub.add_parser(
        "replay",
        help="watch a session in the instructor's replay viewer, or check it reproduces "
        "exactly (--verify)",
        description="Without --verify: open the instructor's replay viewer, which "
        "re-simulates DIR from its scenario copy, seed and commands: play and pause "
        "(Space), speeds 1x to 64x, a time slider, automatic bookmarks on violations and key "
        "events ([ and ]), the trainee's view, the ground truth or both side by side (V); "
        "F1 lists every shortcut. Exit 0 when closed, 2 when DIR is unusable or there is no "
        "display. With --verify: re-simulate DIR and compare the recorded state hashes; "
        "exit 0 when identical, 1 when not, 2 when unreadable.",
    )
    replay.add_argument("session", metavar="DIR", help="session folder (from 'run' or 'play')")
    replay.add_argument(
        "--verify", action="store_true", help="no window: compare state hashes and report"
    )
    replay.add_argument(
        "--view",
        choices=("trainee", "truth", "both"),
        default="trainee",
        help="viewer: the view to start with (default trainee; V switches)",
    )
    replay.add_argument(
        "--size", default="1280x720", metavar="WxH", help="viewer: window size (default 1280x720)"
    )
    replay.add_argument("--frames", type=int, help=argparse.SUPPRESS)  # tests: stop after N frames
    replay.add_argument("--quiet", action="store_true", help="no progress bar")
    replay.set_defaults(handler=_cmd_replay)

    batch = sub.add_parser(
        "batch",
        help="run scenarios x scripted trainees x seeds in parallel and summarise outcomes",
        description="Run every scenario with every policy for seeds 0..N-1, in parallel, and "
        "print mean and spread per scenario and policy (or, with --json, one record per run "
        "with scenario, policy, seed, scores and outcome).",
    )
    batch.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files")
    batch.add_argument(
        "--policy",
        nargs="+",
        default=list(POLICY_NAMES),
        metavar="NAME",
        help=f"scripted trainees (default all: {', '.join(POLICY_NAMES)})",
    )
    batch.add_argument("--seeds", type=int, default=5, help="seeds per combination (default 5)")
    add_difficulty_option(batch)
    batch.add_argument("--jobs", type=int, help="parallel runs (default: number of cores)")
    batch.add_argument(
        "--out",
        default="runs/batch",
        metavar="DIR",
        help="where session folders go (default runs/batch)",
    )
    batch.add_argument("--json", action="store_true", help="print one JSON record per run")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    batch.set_defaults(handler=_cmd_batch)

    occupancy = sub.add_parser(
        "occupancy",
        help="simulate a whole day and print where people are, hour by hour, per building use",
        description="Simulate 00:00-24:00 and print, for each hour, the share of people at "
        "each kind of place, beside what the schedules alone say (planned).",
    )
    occupancy.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    occupancy.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    occupancy.add_argument(
        "--tick-s", type=float, default=10.0, help="tick length for the day run (default 10 s)"
    )
    occupancy.add_argument(
        "--without-injects",
        action="store_true",
        help="leave out scripted events (gatherings, attacks) to see the daily routine alone",
    )
    occupancy.add_argument("--json", action="store_true", help="print JSON instead of a table")
    occupancy.add_argument("--quiet", action="store_true", help="no progress bar")
    occupancy.set_defaults(handler=_cmd_occupancy)


def default_action(parser: argparse.ArgumentParser) -> int:
    """What ``python run_sim.py`` does with no subcommand: play the default scenario
    (Market Day) in the trainee console; without a display, say how to run headless."""
    args = parser.parse_args(["play"])
    return args.handler(args)
