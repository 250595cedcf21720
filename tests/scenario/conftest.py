"""Shared fixtures of the scenario tests: the valid example scenarios in ``data/``.

``mini.yaml`` is the smallest useful scenario; ``town.yaml`` fills every section of the
format, so mutations of it reach every model and every whole-scenario check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The folder of scenario fixtures."""
    return DATA


@pytest.fixture
def mini_text() -> str:
    """Text of the smallest valid scenario."""
    return (DATA / "mini.yaml").read_text(encoding="utf-8")


@pytest.fixture
def town_text() -> str:
    """Text of a valid scenario that uses every section."""
    return (DATA / "town.yaml").read_text(encoding="utf-8")
