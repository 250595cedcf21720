"""The symbology legend: every frame shape, glyph and view state, labelled.

Used for the documentation (``docs/images/symbology.png``) and, later, the console's
help panel. Regenerate the image with::

    python -m simulator.render.legend docs/images/symbology.png
"""

from __future__ import annotations

import os
import sys

import pygame

from simulator.render import palette
from simulator.render.symbols import make_sprite
from simulator.render.text import TextCache

_LABELS = {
    palette.FRIEND: "friend (own unit)",
    palette.HOSTILE: "hostile (combatant)",
    palette.CIVILIAN: "civilian",
    palette.PROTECTED: "protected",
    palette.UNKNOWN: "unknown",
}
_ORDER = (palette.FRIEND, palette.HOSTILE, palette.CIVILIAN, palette.PROTECTED, palette.UNKNOWN)
_COLUMNS = (
    ("person", True, "person, in view"),
    ("person", False, "person, out of view"),
    ("vehicle", True, "vehicle, in view"),
    ("vehicle", False, "vehicle, out of view"),
)


def legend_surface(symbol_size: int = 24) -> pygame.Surface:
    """A table of symbols: one row per affiliation, one column per category and view state."""
    text = TextCache()
    label_w, cell_w, row_h, header_h = 170, 130, max(40, symbol_size * 2), 34
    surface = pygame.Surface((label_w + cell_w * len(_COLUMNS), header_h + row_h * len(_ORDER)))
    surface.fill(palette.TERRAIN)
    for column, (_, _, title) in enumerate(_COLUMNS):
        caption = text.render(title, 18, palette.MAP_LABEL)
        surface.blit(caption, (label_w + column * cell_w + (cell_w - caption.get_width()) // 2, 10))
    for row, affiliation in enumerate(_ORDER):
        y = header_h + row * row_h
        name = text.render(_LABELS[affiliation], 20, palette.OUTLINE)
        surface.blit(name, (12, y + (row_h - name.get_height()) // 2))
        for column, (category, in_view, _) in enumerate(_COLUMNS):
            if affiliation == palette.FRIEND and not in_view:
                # Own units are always known exactly: they have no out-of-view symbol.
                sprite = text.render("-", 20, palette.MAP_LABEL)
            else:
                sprite = make_sprite(affiliation, category, in_view, symbol_size, surface)
            x = label_w + column * cell_w + (cell_w - sprite.get_width()) // 2
            surface.blit(sprite, (x, y + (row_h - sprite.get_height()) // 2))
    return surface


def main(argv: list[str] | None = None) -> int:
    """Write the legend as a PNG: ``python -m simulator.render.legend OUT.png``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].lower().endswith(".png"):
        print("usage: python -m simulator.render.legend OUT.png", file=sys.stderr)
        return 2
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.image.save(legend_surface(), args[0])
    print(f"wrote {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
