"""Fixtures of the renderer tests. Helpers live in ``render_fixtures.py``.

SDL's dummy drivers are set by ``tests/conftest.py`` before pygame is imported.
"""

from __future__ import annotations

import pytest
from render_fixtures import MARKET_DAY

from simulator.core.world import World, build_world
from simulator.scenario import LoadedScenario, Scenario, load_scenario_file


@pytest.fixture(scope="session")
def market_loaded() -> LoadedScenario:
    """The shipped Market Day scenario, loaded once."""
    return load_scenario_file(MARKET_DAY)


@pytest.fixture(scope="session")
def market(market_loaded: LoadedScenario) -> tuple[Scenario, World]:
    """Market Day's scenario and world (static map only)."""
    return market_loaded.scenario, build_world(market_loaded.scenario)
