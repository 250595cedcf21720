"""What every subcommand shares: exit codes, plain error messages, loading a scenario with
its problems printed, the progress bar, and the options several commands take."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2

DIFFICULTIES = ("basic", "intermediate", "advanced")


def print_error(message: str) -> None:
    """Print a user-facing error (never a traceback)."""
    print(f"error: {message}", file=sys.stderr)


def load_or_report(path: str, difficulty: str | None = None):
    """Load a scenario, or print every problem and return None when it is invalid."""
    from simulator.scenario import ScenarioError, load_scenario_file

    try:
        return load_scenario_file(path, difficulty)
    except ScenarioError as error:
        for issue in error.issues:
            print(issue, file=sys.stderr)
        print(f"{path}: INVALID; fix the problems above (see docs/authoring.md)", file=sys.stderr)
        return None


def seed_problem(seed: int) -> str | None:
    """Why a --seed value is unusable, or None."""
    return None if seed >= 0 else "--seed must be 0 or a positive whole number"


def policy_problem(name: str) -> str | None:
    """Why a --policy value is unusable, or None."""
    from simulator.policies import POLICY_NAMES

    if name in POLICY_NAMES:
        return None
    return f"unknown policy '{name}'; choose one of: {', '.join(POLICY_NAMES)}"


def add_difficulty_option(parser: argparse.ArgumentParser) -> None:
    """The --difficulty option (levels a scenario defines in difficulty_levels)."""
    parser.add_argument(
        "--difficulty",
        choices=DIFFICULTIES,
        help="play the scenario at this level (its difficulty_levels; default: as written)",
    )


@contextlib.contextmanager
def progress_bar(label: str, enabled: bool) -> Iterator:
    """A terminal progress bar (tqdm) when stderr is a terminal, else no callback."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm

    bar = tqdm(total=1, desc=label, unit="tick", unit_scale=True, leave=False, file=sys.stderr)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.n = done
        if done == total or done % 50 == 0:
            bar.refresh()

    try:
        yield update
    finally:
        bar.close()
