"""Colours and symbology: a colour-blind-safe palette (Okabe-Ito) and affiliation frames.

The *frame shape* of a symbol carries the affiliation the trainee assigned, in the spirit
of APP-6 / MIL-STD-2525 but drawn simply, so that it reads without colour (greyscale,
colour-blind trainees, a washed-out projector):

=============  ===================================  ==================  ===========
Affiliation    Frame                                Colour              Source
=============  ===================================  ==================  ===========
friend         rectangle (wider than tall)          blue #0072B2        own units
hostile        diamond                              vermillion #D55E00  'combatant'
civilian       square                               green #009E73       'civilian'
protected      square with a double frame           pink #CC79A7        'protected'
unknown        quatrefoil (four-leaf clover)        yellow #F0E442      'unknown'
=============  ===================================  ==================  ===========

The inner glyph says what was seen: a dot for a person, a bar on two wheels for a
vehicle. A contact in view now has a filled frame; a contact out of view (its position
is an estimate) has a hollow frame with a pale inside and a dotted uncertainty ring.

Colours are RGB tuples; nothing here imports pygame.
"""

from __future__ import annotations

Colour = tuple[int, int, int]

# --------------------------------------------------------------------------- Okabe-Ito

BLACK: Colour = (0, 0, 0)
ORANGE: Colour = (0xE6, 0x9F, 0x00)
SKY_BLUE: Colour = (0x56, 0xB4, 0xE9)
BLUISH_GREEN: Colour = (0x00, 0x9E, 0x73)
YELLOW: Colour = (0xF0, 0xE4, 0x42)
BLUE: Colour = (0x00, 0x72, 0xB2)
VERMILLION: Colour = (0xD5, 0x5E, 0x00)
REDDISH_PURPLE: Colour = (0xCC, 0x79, 0xA7)
WHITE: Colour = (255, 255, 255)

# Dark outline drawn around every frame, so light fills (yellow) stand out on a light map.
OUTLINE: Colour = (0x1A, 0x1A, 0x1A)
GLYPH: Colour = (0x1A, 0x1A, 0x1A)
PALE: Colour = (0xF4, 0xF4, 0xF0)  # inside of a hollow (out-of-view) frame

# --------------------------------------------------------------------------- affiliations

FRIEND = "friend"
HOSTILE = "hostile"
CIVILIAN = "civilian"
PROTECTED = "protected"
UNKNOWN = "unknown"

# Drawing order of contacts, back to front: what matters most is drawn last (on top).
AFFILIATIONS: tuple[str, ...] = (CIVILIAN, PROTECTED, UNKNOWN, HOSTILE, FRIEND)

AFFILIATION_COLOUR: dict[str, Colour] = {
    FRIEND: BLUE,
    HOSTILE: VERMILLION,
    CIVILIAN: BLUISH_GREEN,
    PROTECTED: REDDISH_PURPLE,
    UNKNOWN: YELLOW,
}

AFFILIATION_FRAME: dict[str, str] = {
    FRIEND: "rectangle",
    HOSTILE: "diamond",
    CIVILIAN: "square",
    PROTECTED: "double square",
    UNKNOWN: "quatrefoil",
}

# The trainee's classification of a contact -> the affiliation its frame shows.
CLASSIFICATION_AFFILIATION: dict[str, str] = {
    "unknown": UNKNOWN,
    "civilian": CIVILIAN,
    "combatant": HOSTILE,
    "hostile": HOSTILE,
    "protected": PROTECTED,
}

CATEGORIES: tuple[str, ...] = ("person", "vehicle")

# Own unit kinds drawn with the vehicle glyph (all others: person glyph).
VEHICLE_UNIT_KINDS: frozenset[str] = frozenset({"vehicle", "convoy", "armoured"})


def affiliation_of(classification: str) -> str:
    """The affiliation drawn for a trainee classification (anything unexpected: unknown)."""
    return CLASSIFICATION_AFFILIATION.get(str(classification), UNKNOWN)


# --------------------------------------------------------------------------- map

MAP_OUTSIDE: Colour = (0x2B, 0x2E, 0x33)  # beyond the map's extent
TERRAIN: Colour = (0xE9, 0xE5, 0xD9)  # bare ground
ROAD_CASING: Colour = (0x9C, 0x96, 0x8A)
ROAD_FILL: dict[str, Colour] = {
    "main": (0xFF, 0xFF, 0xFF),
    "street": (0xF8, 0xF6, 0xF0),
    "alley": (0xF1, 0xEE, 0xE6),
    "track": (0xDD, 0xCF, 0xB4),
}
OPEN_AREA_FILL: dict[str, Colour] = {
    "square": (0xDE, 0xDA, 0xCF),
    "park": (0xCB, 0xE0, 0xBE),
    "field": (0xD5, 0xE3, 0xB8),
    "cemetery": (0xC6, 0xD3, 0xC2),
    "parking": (0xD4, 0xD4, 0xD4),
    "other": (0xDC, 0xD8, 0xCC),
}
BUILDING_OUTLINE: Colour = (0x7E, 0x78, 0x6E)
# Subtle fills by use: homes neutral, commerce warm, public services cool.
BUILDING_FILL: dict[str, Colour] = {
    "home": (0xC8, 0xC1, 0xB5),
    "shop": (0xD8, 0xBE, 0x9E),
    "market": (0xE2, 0xC8, 0x8F),
    "cafe": (0xDA, 0xBD, 0xA2),
    "school": (0xB8, 0xC8, 0xD8),
    "clinic": (0xD8, 0xBC, 0xCB),
    "hospital": (0xD8, 0xBC, 0xCB),
    "place_of_worship": (0xC9, 0xBC, 0xD8),
    "government": (0xB9, 0xBB, 0xCA),
    "office": (0xBE, 0xC6, 0xCB),
    "industrial": (0xB3, 0xAD, 0xA3),
    "warehouse": (0xB3, 0xAD, 0xA3),
    "compound": (0xBE, 0xB0, 0x9A),
    "utility": (0xAD, 0xB8, 0xBC),
    "farm": (0xC9, 0xD2, 0xA9),
    "other": (0xC4, 0xC0, 0xB8),
}
PROTECTED_OUTLINE: Colour = REDDISH_PURPLE
MAP_LABEL: Colour = (0x4A, 0x46, 0x40)

# --------------------------------------------------------------------------- overlays

# Fog of war, as a multiplier on the map (255 = unchanged).
FOG_NEVER_SEEN: Colour = (92, 96, 112)
FOG_SEEN_BEFORE: Colour = (178, 178, 188)
FOG_IN_VIEW: Colour = (255, 255, 255)
# Lighting multipliers: full daylight, and the bluish darkness of night.
LIGHT_DAY: tuple[float, float, float] = (1.0, 1.0, 1.0)
LIGHT_NIGHT: tuple[float, float, float] = (0.50, 0.56, 0.78)

FOOTPRINT_FILL: tuple[int, int, int, int] = (*SKY_BLUE, 44)
FOOTPRINT_EDGE: tuple[int, int, int, int] = (*SKY_BLUE, 230)
THERMAL_EDGE: tuple[int, int, int, int] = (*ORANGE, 230)
OBSERVER_RING: tuple[int, int, int, int] = (*BLUE, 200)
MARK_FILL: Colour = WHITE
HUD_BACKGROUND: tuple[int, int, int, int] = (20, 22, 26, 200)
HUD_TEXT: Colour = (240, 240, 240)
HUD_NIGHT: Colour = SKY_BLUE
HUD_DAY: Colour = YELLOW
