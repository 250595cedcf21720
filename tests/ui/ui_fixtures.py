"""Helpers of the console tests: synthetic input for a ConsoleApp, and finding things on it.

Events go through pygame's own queue (``pygame.event.post``), so the console reads them
exactly as it reads a person's: the widgets, the controller and the loop all run.
"""

from __future__ import annotations

import math
from pathlib import Path

import pygame

from simulator.core.picture import Contact

DATA = Path(__file__).resolve().parent / "data"
SMALL_TOWN = DATA / "small_town.yaml"
MARKET_DAY = Path(__file__).resolve().parents[2] / "scenarios" / "market_day.yaml"


def post(*events: pygame.event.Event) -> None:
    """Put events on pygame's queue."""
    for event in events:
        pygame.event.post(event)


def key(code: int, mod: int = 0, unicode: str = "") -> list[pygame.event.Event]:
    """A key press and release."""
    return [
        pygame.event.Event(pygame.KEYDOWN, key=code, mod=mod, unicode=unicode, scancode=0),
        pygame.event.Event(pygame.KEYUP, key=code, mod=mod, unicode=unicode, scancode=0),
    ]


def mouse_click(pos: tuple[float, float], button: int = 1) -> list[pygame.event.Event]:
    """Move there, press and release a mouse button."""
    pos = (int(round(pos[0])), int(round(pos[1])))
    return [
        pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0)),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button),
    ]


def settle(app, frames: int = 2) -> None:
    """Run frames without advancing time (widgets post their events on one frame and the
    console handles them on the next)."""
    for _ in range(frames):
        app.frame(0.0)


def click(app, pos: tuple[float, float], button: int = 1) -> None:
    """Click a window pixel and let the console react."""
    post(*mouse_click(pos, button))
    settle(app)


def click_button(app, name: str) -> None:
    """Click the centre of one of the exercise panels' buttons."""
    button = app.panels.buttons[name]
    assert button.is_enabled, f"button {name} is disabled at tick {app.picture.tick}"
    click(app, button.rect.center)


def press(app, code: int, mod: int = 0, unicode: str = "") -> None:
    """Press and release a key and let the console react."""
    post(*key(code, mod, unicode))
    settle(app)


def type_into(app, entry_name: str, text: str) -> None:
    """Click a text entry and type into it (TEXTINPUT events, as SDL sends them)."""
    entry = app.panels.entries[entry_name]
    click(app, entry.rect.center)
    assert entry.is_focused, f"text entry {entry_name} did not take the focus"
    post(*(pygame.event.Event(pygame.TEXTINPUT, text=char) for char in text))
    settle(app)
    press(app, pygame.K_RETURN, unicode="\r")


def run_for(app, seconds: float, frame_s: float = 0.05) -> None:
    """Run the console for some wall seconds of fake time."""
    for _ in range(max(1, round(seconds / frame_s))):
        app.frame(frame_s)


def lone_contact(app, min_gap_px: float = 8.0) -> Contact:
    """A contact in view and on the visible map with no other symbol near it."""
    picture = app.picture
    camera = app.camera
    points = [
        (item, camera.world_to_screen(item.x_m, item.y_m))
        for item in (*picture.contacts, *picture.units)
    ]
    for contact, (x, y) in points:
        if not isinstance(contact, Contact) or not contact.in_view:
            continue
        if not app.controller.on_map((x, y)):
            continue
        if all(
            other is contact or math.hypot(x - ox, y - oy) >= min_gap_px
            for other, (ox, oy) in points
        ):
            return contact
    raise AssertionError(f"no isolated contact in view at tick {picture.tick}")


def screen_of(app, contact: Contact) -> tuple[float, float]:
    """Where a contact is drawn on the window."""
    return app.camera.world_to_screen(contact.x_m, contact.y_m)
