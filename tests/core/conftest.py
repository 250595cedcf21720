"""Pytest fixtures of the engine tests: the test town and the shipped Market Day.

The town itself and the helpers live in ``core_fixtures.py`` so tests can import them.
"""

from __future__ import annotations

import pytest
from core_fixtures import MARKET_DAY, TOWN_YAML, Town

from simulator.core.world import build_world
from simulator.scenario import LoadedScenario, load_scenario_file


@pytest.fixture(scope="session")
def town(tmp_path_factory: pytest.TempPathFactory) -> Town:
    """The test town, written to a file and loaded like any scenario."""
    path = tmp_path_factory.mktemp("town") / "town.yaml"
    path.write_text(TOWN_YAML, encoding="utf-8")
    loaded = load_scenario_file(path)
    return Town(loaded=loaded, path=path, world=build_world(loaded.scenario))


@pytest.fixture
def market_day() -> LoadedScenario:
    """The shipped Market Day scenario (the test is skipped while it does not exist)."""
    if not MARKET_DAY.is_file():
        pytest.skip("scenarios/market_day.yaml is not there yet")
    return load_scenario_file(MARKET_DAY)
