"""Fixtures of the console tests. Helpers live in ``ui_fixtures.py``.

SDL's dummy drivers are set by ``tests/conftest.py`` before pygame is imported, so the
console runs without a screen; one test (``test_console_xvfb.py``) opens a real window
under Xvfb.
"""

from __future__ import annotations

import pygame
import pytest
from ui_fixtures import SMALL_TOWN

from simulator.scenario import LoadedScenario, load_scenario_file


@pytest.fixture(scope="session")
def small_loaded() -> LoadedScenario:
    """The console test town, loaded once."""
    return load_scenario_file(SMALL_TOWN)


@pytest.fixture
def make_app(tmp_path, small_loaded):
    """A factory of consoles on the test town writing to ``tmp_path/session``."""
    from simulator.ui.app import ConsoleApp

    made = []

    def factory(loaded: LoadedScenario | None = None, **options):
        options.setdefault("size", (1280, 720))
        options.setdefault("out_dir", tmp_path / "session")
        app = ConsoleApp(loaded or small_loaded, seed=options.pop("seed", 1), **options)
        made.append(app)
        pygame.event.clear()
        return app

    yield factory
    for app in made:
        if app.recorder.open:
            app.recorder.close("closed")
    pygame.event.clear()
