"""Shared test set-up: headless SDL, paths to the shipped scenarios."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Headless pygame everywhere in the suite (set before any test imports pygame).
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = REPO_ROOT / "scenarios"


@pytest.fixture
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT
