"""Subcommands that run sessions: run, replay, occupancy (added as the engine grows)."""

from __future__ import annotations

import argparse


def add_subcommands(sub: argparse._SubParsersAction) -> None:  # noqa: SLF001
    """Register the session subcommands on the main parser."""


def default_action(parser: argparse.ArgumentParser) -> int:
    """What ``python run_sim.py`` does with no subcommand."""
    parser.print_help()
    return 0
