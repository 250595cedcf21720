"""Command-line interface: ``python run_sim.py SUBCOMMAND ...`` (also ``chm-sim``).

Every subcommand turns a user's mistake into a plain message and an exit code, never a
traceback. Exit codes: 0 success, 1 a check failed (e.g. a replay differs), 2 bad input
(an invalid scenario, a missing file, wrong arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "market_day.yaml"

Handler = Callable[[argparse.Namespace], int]


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.scenario import ScenarioError, load_scenario

    worst = EXIT_OK
    for name in args.files:
        try:
            scenario = load_scenario(name)
        except ScenarioError as error:
            for issue in error.issues:
                print(issue, file=sys.stderr)
            count = len(error.issues)
            print(f"{name}: INVALID ({count} problem{'s' if count != 1 else ''})", file=sys.stderr)
            worst = EXIT_BAD_INPUT
            continue
        people = sum(a.count for a in scenario.population.archetypes) + len(
            scenario.population.individuals
        )
        print(
            f"{name}: OK - '{scenario.meta.title}' ({scenario.meta.id}): "
            f"{len(scenario.map.buildings)} buildings, {len(scenario.map.roads)} roads, "
            f"{people} civilians, {len(scenario.forces.hostile)} hostile actors, "
            f"{len(scenario.injects)} injects"
            + (
                f"; difficulty levels: {', '.join(scenario.difficulty_levels)}"
                if scenario.difficulty_levels
                else ""
            )
        )
    return worst


def _cmd_schema(args: argparse.Namespace) -> int:
    from simulator.scenario import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argparse tree of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="run_sim.py",
        description="Civilian-harm mitigation training simulator.",
        epilog="Run 'python run_sim.py SUBCOMMAND --help' for the options of one subcommand.",
    )
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")

    validate = sub.add_parser(
        "validate",
        help="check scenario files and list every problem with file:line:col",
        description="Check scenario files. Exit 0 when all are valid, 2 otherwise.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    validate.set_defaults(handler=_cmd_validate)

    schema = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario format (for editors)",
        description="Print the JSON Schema generated from the scenario models.",
    )
    schema.add_argument("--out", metavar="FILE", help="write to FILE instead of printing")
    schema.set_defaults(handler=_cmd_schema)

    from simulator import cli_session

    cli_session.add_subcommands(sub)
    from simulator import cli_review

    cli_review.add_subcommands(sub)
    from simulator import cli_render

    cli_render.add_subcommands(sub)
    from simulator import cli_play

    cli_play.add_subcommands(sub)
    from simulator import cli_aar

    cli_aar.add_subcommands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``run_sim.py`` and the ``chm-sim`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        from simulator import cli_session

        return cli_session.default_action(parser)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
