"""Text for the map and the HUD: one font per size, rendered strings cached.

Rendering a string with FreeType costs far more than blitting it, and a HUD shows the
same few strings frame after frame, so rendered strings are kept in a small LRU cache.
The font is pygame's bundled default font, so nothing has to be installed.
"""

from __future__ import annotations

from collections import OrderedDict

import pygame

from simulator.render.palette import Colour

_fonts: dict[int, pygame.font.Font] = {}


def font(size_px: int) -> pygame.font.Font:
    """pygame's default font at a pixel size (created once per size)."""
    found = _fonts.get(size_px)
    if found is None:
        if not pygame.font.get_init():
            pygame.font.init()
        found = pygame.font.Font(None, size_px)
        _fonts[size_px] = found
    return found


class TextCache:
    """Rendered strings by (text, size, colour), least recently used dropped first.

    Args:
        capacity: how many rendered strings to keep.
    """

    def __init__(self, capacity: int = 512) -> None:
        self.capacity = capacity
        self._cache: OrderedDict[tuple[str, int, Colour, bool], pygame.Surface] = OrderedDict()

    def render(
        self, text: str, size_px: int, colour: Colour, *, halo: bool = False
    ) -> pygame.Surface:
        """The string as a transparent surface; ``halo`` adds a dark outline for legibility."""
        key = (text, size_px, colour, halo)
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        face = font(size_px)
        body = face.render(text, True, colour)
        if halo:
            shadow = face.render(text, True, (12, 12, 12))
            surface = pygame.Surface(
                (body.get_width() + 2, body.get_height() + 2), pygame.SRCALPHA, 32
            )
            for dx, dy in ((0, 1), (2, 1), (1, 0), (1, 2)):
                surface.blit(shadow, (dx, dy))
            surface.blit(body, (1, 1))
            body = surface
        self._cache[key] = body
        if len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return body
