"""``passive``: watches and never acts. The baseline every other trainee must beat on mission."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.core.commands import Command
from simulator.core.picture import Picture


class PassivePolicy:
    """Watches the picture and issues no commands."""

    name = "passive"

    def reset(self, rng: np.random.Generator) -> None:
        """Nothing to prepare."""

    def act(self, picture: Picture) -> Sequence[Command]:
        """Never acts."""
        return ()
