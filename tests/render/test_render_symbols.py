"""Symbology: the frame shape carries the affiliation, the glyph the category."""

from __future__ import annotations

import itertools

import numpy as np
import pygame
import pytest
from render_fixtures import padded_mask

from simulator.core.picture import Contact
from simulator.render import palette
from simulator.render.symbols import (
    N_CODES,
    code_parts,
    contact_code,
    make_sprite,
    symbol_code,
)


def _shape(sprite: pygame.Surface, side: int) -> np.ndarray:
    """Colour-blind shape signature: opaque pixels, and the pale ones among them (gaps)."""
    opaque = padded_mask(sprite, side)
    rgb = pygame.surfarray.array3d(sprite)
    pale_small = np.all(rgb == palette.PALE, axis=2)
    pale = np.zeros_like(opaque)
    w, h = pale_small.shape
    x0, y0 = (side - w) // 2, (side - h) // 2
    pale[x0 : x0 + w, y0 : y0 + h] = pale_small
    return opaque.astype(np.int8) + pale.astype(np.int8)


@pytest.mark.parametrize("size", [12, 20])
def test_every_affiliation_has_its_own_frame_shape(size):
    """Frame shapes differ between every two affiliations, whatever the colours.

    The outline mask tells rectangle, square, diamond and quatrefoil apart; the protected
    square differs from the civilian one by its double frame (a pale gap inside).
    """
    sprites = {
        affiliation: make_sprite(affiliation, "person", True, size)
        for affiliation in palette.AFFILIATIONS
    }
    side = max(max(s.get_size()) for s in sprites.values())
    shapes = {a: _shape(s, side) for a, s in sprites.items()}
    for a, b in itertools.combinations(palette.AFFILIATIONS, 2):
        differing = np.count_nonzero(shapes[a] != shapes[b])
        smaller = min(np.count_nonzero(shapes[a]), np.count_nonzero(shapes[b]))
        assert differing >= 0.1 * smaller, (
            f"{a} and {b} frames at {size} px differ in only {differing} pixels"
        )
    # The outlines alone (no colour, no inner detail) separate all but the two squares.
    outlines = {a: padded_mask(s, side) for a, s in sprites.items()}
    for a, b in itertools.combinations(palette.AFFILIATIONS, 2):
        if {a, b} != {palette.CIVILIAN, palette.PROTECTED}:
            assert not np.array_equal(outlines[a], outlines[b]), f"{a} vs {b}"


def test_frames_differ_in_greyscale_too():
    """Luminance images differ, so a colour-blind trainee (or a grey print) tells them apart."""
    greys = {}
    for affiliation in palette.AFFILIATIONS:
        sprite = make_sprite(affiliation, "person", True, 16)
        canvas = pygame.Surface((32, 32), 0, 32)
        canvas.fill(palette.TERRAIN)
        canvas.blit(sprite, ((32 - sprite.get_width()) // 2, (32 - sprite.get_height()) // 2))
        grey = pygame.surfarray.array3d(pygame.transform.grayscale(canvas))[:, :, 0]
        greys[affiliation] = grey.astype(int)
    for a, b in itertools.combinations(palette.AFFILIATIONS, 2):
        assert np.count_nonzero(np.abs(greys[a] - greys[b]) > 30) > 20, f"{a} vs {b}"


def _dark_pixels(sprite: pygame.Surface) -> np.ndarray:
    rgb = pygame.surfarray.array3d(sprite).sum(axis=2)
    return (rgb < 120) & (pygame.surfarray.array_colorkey(sprite) > 0)


def test_person_and_vehicle_glyphs_differ_inside_the_same_frame():
    for affiliation in palette.AFFILIATIONS:
        person = _dark_pixels(make_sprite(affiliation, "person", True, 16))
        vehicle = _dark_pixels(make_sprite(affiliation, "vehicle", True, 16))
        assert np.count_nonzero(person != vehicle) >= 8, affiliation


def test_out_of_view_symbols_are_hollow_with_a_pale_inside():
    for affiliation in palette.AFFILIATIONS:
        seen = pygame.surfarray.array3d(make_sprite(affiliation, "person", True, 16))
        stale = pygame.surfarray.array3d(make_sprite(affiliation, "person", False, 16))
        centre_ring = (slice(5, 11), slice(5, 11))
        assert not np.array_equal(seen, stale), affiliation
        pale = np.all(stale[centre_ring] == palette.PALE, axis=2)
        assert pale.any(), f"{affiliation}: no pale inside"


def test_codes_cover_every_sprite_and_sort_out_of_view_first():
    seen = set()
    for code in range(N_CODES):
        affiliation, category, in_view = code_parts(code)
        assert symbol_code(affiliation, category, in_view) == code
        seen.add((affiliation, category, in_view))
    assert len(seen) == N_CODES
    stale_hostile = symbol_code(palette.HOSTILE, "person", False)
    seen_civilian = symbol_code(palette.CIVILIAN, "person", True)
    seen_hostile = symbol_code(palette.HOSTILE, "vehicle", True)
    assert stale_hostile < seen_civilian < seen_hostile


def test_classifications_map_to_affiliations_and_unexpected_values_to_unknown():
    def contact(classification: str, category: str = "person") -> Contact:
        return Contact("T1", 0.0, 0.0, 1.0, 0, True, category, (), classification, 0.5)

    assert code_parts(contact_code(contact("combatant")))[0] == palette.HOSTILE
    assert code_parts(contact_code(contact("civilian")))[0] == palette.CIVILIAN
    assert code_parts(contact_code(contact("protected")))[0] == palette.PROTECTED
    assert code_parts(contact_code(contact("unknown")))[0] == palette.UNKNOWN
    odd = code_parts(contact_code(contact("martian", "spaceship")))
    assert odd == (palette.UNKNOWN, "person", True)


def test_the_legend_shows_every_affiliation():
    from simulator.render.legend import legend_surface

    legend = legend_surface()
    pixels = pygame.surfarray.array3d(legend).reshape(-1, 3)
    for affiliation in palette.AFFILIATIONS:
        colour = palette.AFFILIATION_COLOUR[affiliation]
        assert np.all(pixels == colour, axis=1).sum() > 50, affiliation
