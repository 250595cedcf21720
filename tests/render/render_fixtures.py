"""Helpers of the renderer tests: hand-made Pictures and pixel measurements."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from simulator.core.picture import Contact, Picture, SensorView

MARKET_DAY = Path(__file__).resolve().parents[2] / "scenarios" / "market_day.yaml"


def make_picture(
    tick: int = 1,
    *,
    sensors: tuple[SensorView, ...] = (),
    contacts: tuple[Contact, ...] = (),
    time_of_day_s: float = 10 * 3600.0,
    is_night: bool = False,
) -> Picture:
    """A hand-made trainee Picture."""
    return Picture(
        side="blue",
        tick=tick,
        time_of_day_s=time_of_day_s,
        contacts=contacts,
        sensors=sensors,
        is_night=is_night,
    )


def observer(x_m: float, y_m: float, radius_m: float = 120.0) -> SensorView:
    """A ground observer (drawn as a ring only, no translucent fill)."""
    return SensorView("obs", "ground_observer", x_m, y_m, radius_m, False)


def brightness(surface: pygame.Surface, centre: tuple[float, float], half: int = 12) -> float:
    """Mean of R+G+B over a square patch of pixels around a screen point."""
    pixels = pygame.surfarray.array3d(surface).astype(np.float64)
    x, y = round(centre[0]), round(centre[1])
    patch = pixels[x - half : x + half, y - half : y + half]
    return float(patch.sum(axis=2).mean())


def padded_mask(sprite: pygame.Surface, side: int) -> np.ndarray:
    """Opaque pixels of a colour-keyed sprite, centred on a ``side`` x ``side`` canvas."""
    opaque = pygame.surfarray.array_colorkey(sprite) > 0
    canvas = np.zeros((side, side), dtype=bool)
    w, h = opaque.shape
    x0, y0 = (side - w) // 2, (side - h) // 2
    canvas[x0 : x0 + w, y0 : y0 + h] = opaque
    return canvas
