"""The interface every scripted trainee implements (the console issues the same Commands).

A policy sees only the trainee's :class:`~simulator.core.picture.Picture`, never ground
truth, and answers with Commands. Policies that need randomness draw from the
simulation's ``policy`` stream handed to them at reset, so runs stay reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from simulator.core.commands import Command
from simulator.core.picture import Briefing, Picture


class Policy(Protocol):
    """A scripted trainee."""

    name: str

    def reset(self, rng: np.random.Generator, briefing: Briefing) -> None:
        """Start a new session with the public briefing; ``rng`` is the ``policy`` stream."""

    def act(self, picture: Picture) -> Sequence[Command]:
        """Decide this tick's commands from the trainee's picture alone."""
