"""Scenario errors that a user can cause, each with a file position and a fix.

Errors are collected, never raised one at a time, so an instructor sees every mistake in
one run: ``FILE:LINE:COL: path.to.field: message``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PathPart = str | int


def format_path(path: Sequence[PathPart]) -> str:
    """Render a data path like ``map.buildings[3].footprint``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean ...?)' hint for a misspelt key or value, or '' when none is close."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


@dataclass(frozen=True, order=True)
class ScenarioIssue:
    """One problem in a scenario file.

    Attributes:
        line: 1-based line in the file (0 when unknown).
        column: 1-based column (0 when unknown).
        path: where in the data, e.g. ``map.buildings[3].footprint``.
        message: what is wrong and how to fix it.
        file: the file name as given by the user.
    """

    line: int
    column: int
    path: str
    message: str
    file: str = field(default="", compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; carries every issue found."""

    def __init__(self, issues: Sequence[ScenarioIssue]):
        self.issues = sorted(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
