"""Whether the console can open a window here.

SDL falls back to invisible drivers ('offscreen', or 'dummy' when asked for) when there
is no display; a console on one of them would run unseen, so it counts as no display
unless the caller allows it (tests).
"""

from __future__ import annotations

import os

import pygame

HEADLESS_DRIVERS = ("dummy", "offscreen")


def display_problem(*, allow_dummy: bool = False) -> str | None:
    """Why no window can be opened here, or None when one can.

    Args:
        allow_dummy: accept SDL's invisible drivers (tests run the console on them).
    """
    requested = os.environ.get("SDL_VIDEODRIVER", "").lower()
    if requested in HEADLESS_DRIVERS and not allow_dummy:
        return f"SDL_VIDEODRIVER is '{requested}' (no screen)"
    try:
        pygame.display.init()
    except pygame.error as error:
        return f"no display could be opened ({error})"
    driver = (pygame.display.get_driver() or "").lower()
    if driver in HEADLESS_DRIVERS and not allow_dummy:
        pygame.display.quit()
        return "no display was found (is DISPLAY set?)"
    return None
