"""Scripted trainees: they see only the trainee's picture and return Commands.

``make_policy(name)`` builds one by name; ``POLICY_NAMES`` lists them for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.policies.base import Policy
from simulator.policies.passive import PassivePolicy
from simulator.policies.scripted import ScriptedTrainee

_FACTORIES: dict[str, Callable[[], Policy]] = {
    "passive": PassivePolicy,
    "reckless": lambda: ScriptedTrainee("reckless"),
    "by-the-book": lambda: ScriptedTrainee("by-the-book"),
    "expert": lambda: ScriptedTrainee("expert"),
}
POLICY_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def make_policy(name: str) -> Policy:
    """Build a scripted trainee by name.

    Raises:
        KeyError: with the known names, when ``name`` is not one of them.
    """
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise KeyError(
            f"unknown policy '{name}'; choose one of: {', '.join(POLICY_NAMES)}"
        ) from None


__all__ = ["POLICY_NAMES", "Policy", "make_policy"]
