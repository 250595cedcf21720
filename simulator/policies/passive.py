"""``passive``: watches and never acts. The baseline every other trainee must beat on mission."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.core.commands import Command
from simulator.core.picture import Briefing, Picture


class PassivePolicy:
    """Watches the picture and issues no commands."""

    name = "passive"
    observes = False  # never reads the picture, so the runner need not build one

    def reset(self, rng: np.random.Generator, briefing: Briefing) -> None:
        """Nothing to prepare."""

    def act(self, picture: Picture | None) -> Sequence[Command]:
        """Never acts."""
        return ()
