"""Contact symbols: pre-rendered sprites drawn in bulk, uncertainty rings and track trails.

Per-entity ``pygame.draw`` calls cost microseconds each; a colour-keyed, RLE-accelerated
sprite blitted with ``Surface.fblits`` costs a fraction of that (PERFORMANCE.md). So:

* :class:`SymbolSet` renders one sprite per (affiliation, category, in view) at the
  current symbol size, once; a frame then blits them all with one ``fblits`` call.
* :class:`ContactArrays` turns a Picture's contacts into numpy arrays once per Picture
  (the console draws the same Picture many frames in a row), sorted so that what matters
  most is drawn last: out-of-view under in-view, civilians under unknowns under hostiles.
* :class:`UncertaintyRings` draws a dotted ring of the position's uncertainty around
  every out-of-view contact, from sprites cached per radius.
* :class:`TrailMemory` keeps the last ``length`` observed positions per track id and
  draws them as dots written straight into the frame's pixels (vectorised).

Symbology (frame shape = affiliation, inner glyph = person or vehicle) is described in
:mod:`simulator.render.palette`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import pygame

from simulator.core.picture import Contact
from simulator.render import palette
from simulator.render.camera import Camera

COLOUR_KEY = (255, 0, 255)  # transparent colour of every sprite (not in the palette)

_N_AFFILIATIONS = len(palette.AFFILIATIONS)
_N_CATEGORIES = len(palette.CATEGORIES)
N_CODES = 2 * _N_AFFILIATIONS * _N_CATEGORIES


def symbol_code(affiliation: str, category: str, in_view: bool) -> int:
    """Sprite index of a symbol; codes sort out-of-view first, then by affiliation order."""
    aff = palette.AFFILIATIONS.index(affiliation)
    cat = palette.CATEGORIES.index(category) if category in palette.CATEGORIES else 0
    return (int(bool(in_view)) * _N_AFFILIATIONS + aff) * _N_CATEGORIES + cat


def code_parts(code: int) -> tuple[str, str, bool]:
    """(affiliation, category, in_view) of a sprite index."""
    rest, cat = divmod(int(code), _N_CATEGORIES)
    in_view, aff = divmod(rest, _N_AFFILIATIONS)
    return palette.AFFILIATIONS[aff], palette.CATEGORIES[cat], bool(in_view)


class _CodeTable(dict):
    """(classification, category, in_view) -> code; unexpected values are coded on demand."""

    def __missing__(self, key: tuple[str, str, bool]) -> int:
        classification, category, in_view = key
        code = symbol_code(palette.affiliation_of(classification), category, in_view)
        self[key] = code
        return code


_CODE_OF = _CodeTable(
    {
        (classification, category, in_view): symbol_code(
            palette.affiliation_of(classification), category, in_view
        )
        for classification in palette.CLASSIFICATION_AFFILIATION
        for category in palette.CATEGORIES
        for in_view in (False, True)
    }
)
_CODE_KEY = attrgetter("classification", "category", "in_view")


def contact_code(contact: Contact) -> int:
    """Sprite index for a contact (unexpected values fall back to unknown / person)."""
    return _CODE_OF[_CODE_KEY(contact)]


def symbol_size_for_scale(scale_px_per_m: float) -> int:
    """Edge of a civilian square in pixels at a zoom: readable when far, growing when near."""
    return int(min(24, max(11, round(10 + 2 * scale_px_per_m))))


# --------------------------------------------------------------------------- sprites


def _frame_geometry(affiliation: str, size: int) -> tuple[str, int, int]:
    """(shape, width, height) of a frame for a base size (the civilian square's edge)."""
    if affiliation == palette.FRIEND:
        return "rect", round(size * 1.5), size
    if affiliation == palette.HOSTILE:
        side = round(size * 1.42) | 1  # odd, so the diamond has a centre pixel
        return "diamond", side, side
    if affiliation == palette.UNKNOWN:
        side = round(size * 1.3) | 1
        return "clover", side, side
    return "rect", size, size


def _fill_shape(
    surface: pygame.Surface, shape: str, box: pygame.Rect, inset: float, colour
) -> None:
    """Fill a frame shape inside ``box``, shrunk by ``inset`` pixels on every side."""
    if shape == "rect":
        pygame.draw.rect(surface, colour, box.inflate(-2 * round(inset), -2 * round(inset)))
        return
    cx, cy = box.centerx - 0.5 + (box.width % 2) * 0.5, box.centery - 0.5 + (box.height % 2) * 0.5
    half = (box.width - 1) / 2.0
    if shape == "diamond":
        h = half - inset * math.sqrt(2.0)
        if h > 0:
            pygame.draw.polygon(
                surface, colour, [(cx, cy - h), (cx + h, cy), (cx, cy + h), (cx - h, cy)]
            )
        return
    # Quatrefoil: four lobes around the centre, plus the centre itself.
    lobe = box.width / 4.0
    radius = lobe + 0.5 - inset
    if radius <= 0:
        return
    for dx, dy in ((lobe, 0), (-lobe, 0), (0, lobe), (0, -lobe)):
        pygame.draw.circle(surface, colour, (cx + dx + 0.5, cy + dy + 0.5), radius)
    # A centre disc fills the middle, so a shrunk clover stays one shape.
    pygame.draw.circle(surface, colour, (cx + 0.5, cy + 0.5), max(0.5, 1.35 * lobe - inset))


def _draw_glyph(surface: pygame.Surface, category: str, size: int) -> None:
    """Inner glyph: a round dot for a person, a wide bar (on wheels when large) for a vehicle."""
    width, height = surface.get_size()
    cx, cy = width / 2.0, height / 2.0
    if category == "vehicle":
        bar_w = max(7, round(size * 0.62)) | 1
        bar_h = max(3, round(size * 0.22))
        wheels = size >= 16
        top = round(cy - bar_h / 2.0 - (size * 0.07 if wheels else 0))
        left = round(cx - bar_w / 2.0)
        pygame.draw.rect(surface, palette.GLYPH, (left, top, bar_w, bar_h))
        if wheels:
            wheel = size * 0.09
            for side in (-1, 1):
                pygame.draw.circle(
                    surface, palette.GLYPH, (cx + side * bar_w * 0.28, top + bar_h + wheel), wheel
                )
    else:
        pygame.draw.circle(surface, palette.GLYPH, (cx, cy), max(2.0, size * 0.17))


def make_sprite(
    affiliation: str,
    category: str,
    in_view: bool,
    size: int,
    pixel_format: pygame.Surface | None = None,
) -> pygame.Surface:
    """One symbol: frame shape by affiliation, filled when in view, glyph by category.

    Args:
        affiliation: one of :data:`palette.AFFILIATIONS`.
        category: 'person' or 'vehicle'.
        in_view: filled frame (observed now) or hollow frame with a pale inside (estimated
            position, not observed this tick).
        size: base size in pixels (edge of the civilian square).
        pixel_format: Surface to copy the pixel format from (default: 32-bit).
    """
    shape, width, height = _frame_geometry(affiliation, size)
    if pixel_format is not None:
        surface = pygame.Surface((width, height), 0, pixel_format)
    else:
        surface = pygame.Surface((width, height), 0, 32)
    surface.fill(COLOUR_KEY)
    box = surface.get_rect()
    colour = palette.AFFILIATION_COLOUR[affiliation]
    stroke = 2 if size < 16 else 3
    _fill_shape(surface, shape, box, 0, palette.OUTLINE)
    _fill_shape(surface, shape, box, 1, colour)
    if affiliation == palette.PROTECTED:
        # Double frame: an inner frame inside a pale gap.
        _fill_shape(surface, shape, box, 1 + stroke, palette.PALE)
        _fill_shape(surface, shape, box, 2 + stroke, colour)
        if not in_view:
            _fill_shape(surface, shape, box, 3 + stroke, palette.PALE)
    elif not in_view:
        # Out of view: the frame only, around a pale inside.
        _fill_shape(surface, shape, box, 1 + stroke, palette.PALE)
    _draw_glyph(surface, category, size)
    surface.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
    return surface


class SymbolSet:
    """Every contact sprite at one symbol size, indexed by :func:`symbol_code`.

    Attributes:
        size: base size in pixels.
        sprites: the sprites, by code.
        objects: the same as a numpy object array (for fancy indexing by code arrays).
        half_w, half_h: per code, offset from a symbol's centre to its top-left corner.
        units: own-unit sprites (friend frame, filled) by category.
    """

    def __init__(self, size: int, pixel_format: pygame.Surface) -> None:
        self.size = size
        self.sprites: list[pygame.Surface] = [
            make_sprite(*code_parts(code), size, pixel_format) for code in range(N_CODES)
        ]
        self.objects = np.empty(N_CODES, dtype=object)
        self.objects[:] = self.sprites
        self.half_w = np.array([s.get_width() // 2 for s in self.sprites], dtype=np.int64)
        self.half_h = np.array([s.get_height() // 2 for s in self.sprites], dtype=np.int64)
        self._for_codes: tuple[np.ndarray, list, np.ndarray, np.ndarray] | None = None
        self.units: dict[str, pygame.Surface] = {
            category: make_sprite(palette.FRIEND, category, True, size + 2, pixel_format)
            for category in palette.CATEGORIES
        }

    def for_codes(self, code: np.ndarray) -> tuple[list[pygame.Surface], np.ndarray, np.ndarray]:
        """Sprites and centre offsets for an array of codes.

        Kept for the last array seen: the same Picture is usually drawn for many frames.
        """
        cached = self._for_codes
        if cached is None or cached[0] is not code:
            cached = (code, self.objects[code].tolist(), self.half_w[code], self.half_h[code])
            self._for_codes = cached
        return cached[1], cached[2], cached[3]


# --------------------------------------------------------------------------- contacts

_X = attrgetter("x_m")
_Y = attrgetter("y_m")
_UNCERTAINTY = attrgetter("uncertainty_m")
_TRACK = attrgetter("track_id")


@dataclass(frozen=True)
class ContactArrays:
    """A Picture's contacts as arrays, sorted in drawing order (back to front).

    Attributes:
        x_m, y_m, uncertainty_m: positions and uncertainty radii.
        code: sprite index (:func:`symbol_code`).
        in_view: observed this tick.
        track_ids: track ids in the Picture's order (not sorted).
        order: ``order[k]`` is the Picture index of the k-th sorted contact.
    """

    x_m: np.ndarray
    y_m: np.ndarray
    uncertainty_m: np.ndarray
    code: np.ndarray
    in_view: np.ndarray
    track_ids: tuple[str, ...]
    order: np.ndarray

    @staticmethod
    def of(contacts: Sequence[Contact]) -> ContactArrays:
        """Extract and sort; each attribute is read in one C-level pass (no Python loop)."""
        n = len(contacts)
        code = np.fromiter(map(_CODE_OF.__getitem__, map(_CODE_KEY, contacts)), np.int64, n)
        order = np.argsort(code, kind="stable")
        code = code[order]
        x = np.fromiter(map(_X, contacts), dtype=np.float64, count=n)[order]
        y = np.fromiter(map(_Y, contacts), dtype=np.float64, count=n)[order]
        uncertainty = np.fromiter(map(_UNCERTAINTY, contacts), dtype=np.float64, count=n)[order]
        in_view = code >= _N_AFFILIATIONS * _N_CATEGORIES
        return ContactArrays(x, y, uncertainty, code, in_view, tuple(map(_TRACK, contacts)), order)

    def __len__(self) -> int:
        return len(self.code)


def draw_contacts(
    target: pygame.Surface,
    camera: Camera,
    contacts: ContactArrays,
    symbols: SymbolSet,
    screen_xy: tuple[np.ndarray, np.ndarray] | None = None,
) -> int:
    """Blit every on-screen contact's sprite in one ``fblits`` call; returns how many."""
    if not len(contacts):
        return 0
    sx, sy = (
        screen_xy
        if screen_xy is not None
        else camera.world_to_screen_arrays(contacts.x_m, contacts.y_m)
    )
    width, height = target.get_size()
    margin = symbols.size * 2
    on_screen = (sx > -margin) & (sx < width + margin) & (sy > -margin) & (sy < height + margin)
    if on_screen.all():
        sprites, half_w, half_h = symbols.for_codes(contacts.code)
    else:
        code = contacts.code[on_screen]
        sx, sy = sx[on_screen], sy[on_screen]
        sprites, half_w, half_h = (
            symbols.objects[code].tolist(),
            symbols.half_w[code],
            symbols.half_h[code],
        )
    left = (sx.astype(np.int64) - half_w).tolist()
    top = (sy.astype(np.int64) - half_h).tolist()
    # A zip, not a list: zip recycles its tuples, which saves an allocation per symbol.
    target.fblits(zip(sprites, zip(left, top)))
    return len(left)


# --------------------------------------------------------------------------- uncertainty


class UncertaintyRings:
    """Dotted rings showing where an out-of-view contact may be, cached per radius.

    Rings wider than ``max_radius_m`` are left out: such a position is stale (a vehicle
    unseen for a minute may be anywhere within half a kilometre), and dozens of huge rings
    would hide the map. The hollow symbol still says "not in view".
    """

    MAX_CACHED_RADIUS_PX = 160

    def __init__(self, pixel_format: pygame.Surface, *, max_radius_m: float = 150.0) -> None:
        self._format = pixel_format
        self.max_radius_m = float(max_radius_m)
        self._rings: dict[int, pygame.Surface] = {}

    @staticmethod
    def _dots(radius_px: int) -> list[tuple[int, int]]:
        """Dot offsets of a ring about its centre: about one dot per 5 px, at most 96."""
        count = min(96, max(8, round(2 * math.pi * radius_px / 5.0)))
        return [
            (
                round(radius_px * math.cos(2 * math.pi * k / count)),
                round(radius_px * math.sin(2 * math.pi * k / count)),
            )
            for k in range(count)
        ]

    def ring(self, radius_px: int) -> pygame.Surface:
        """A dotted ring of a radius (cached)."""
        found = self._rings.get(radius_px)
        if found is None:
            side = 2 * radius_px + 3
            found = pygame.Surface((side, side), 0, self._format)
            found.fill(COLOUR_KEY)
            centre = radius_px + 1
            for dx, dy in self._dots(radius_px):
                found.fill(palette.OUTLINE, (centre + dx, centre + dy, 2, 2))
            found.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
            self._rings[radius_px] = found
        return found

    def draw(
        self,
        target: pygame.Surface,
        camera: Camera,
        contacts: ContactArrays,
        min_radius_px: float,
        screen_xy: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> int:
        """Draw the rings of out-of-view contacts larger than ``min_radius_px``."""
        if not len(contacts):
            return 0
        sx, sy = (
            screen_xy
            if screen_xy is not None
            else camera.world_to_screen_arrays(contacts.x_m, contacts.y_m)
        )
        radius = contacts.uncertainty_m * camera.scale
        width, height = target.get_size()
        pick = (
            ~contacts.in_view
            & (radius >= min_radius_px)
            & (contacts.uncertainty_m <= self.max_radius_m)
            & (sx + radius > 0)
            & (sx - radius < width)
            & (sy + radius > 0)
            & (sy - radius < height)
        )
        if not pick.any():
            return 0
        r = np.rint(radius[pick]).astype(np.int64)
        x = sx[pick].astype(np.int64)
        y = sy[pick].astype(np.int64)
        big = r > self.MAX_CACHED_RADIUS_PX
        for cx, cy, rr in zip(x[big].tolist(), y[big].tolist(), r[big].tolist()):
            for dx, dy in self._dots(rr):
                target.fill(palette.OUTLINE, (cx + dx, cy + dy, 2, 2))
        small = ~big
        r, x, y = r[small], x[small], y[small]
        for radius_px in np.unique(r).tolist():
            self.ring(radius_px)  # make the missing ones; then look up in C
        sprites = map(self._rings.__getitem__, r.tolist())
        offset = r + 1
        target.fblits(zip(sprites, zip((x - offset).tolist(), (y - offset).tolist())))
        return int(pick.sum())


# --------------------------------------------------------------------------- trails


class _RowTable(dict):
    """track id -> storage row; an unknown id gets the next row when first looked up."""

    def __missing__(self, ident: str) -> int:
        row = len(self)
        self[ident] = row
        return row


class TrailMemory:
    """The last ``length`` observed positions of every track, kept by the renderer.

    Positions are recorded once per new Picture tick, and only while a contact is in view
    (an out-of-view contact's position is an estimate, not a sighting). Storage is a ring
    buffer per track: float32 ``x`` and ``y`` arrays of shape (tracks, length), with a far
    off-map sentinel for "no sighting" so that drawing needs no NaN handling.

    Args:
        length: positions kept per track.
    """

    NO_SIGHTING_M = -1.0e6  # projects far off screen at any zoom, and fits an int32 pixel

    def __init__(self, length: int = 10) -> None:
        self.length = int(length)
        self._row_of = _RowTable()
        self._x = np.full((256, self.length), self.NO_SIGHTING_M, dtype=np.float32)
        self._y = np.full((256, self.length), self.NO_SIGHTING_M, dtype=np.float32)
        self._column = -1
        self._last_tick: int | None = None

    def clear(self) -> None:
        """Forget every trail."""
        self._row_of.clear()
        self._x[:] = self.NO_SIGHTING_M
        self._y[:] = self.NO_SIGHTING_M
        self._column = -1
        self._last_tick = None

    def rows(self, track_ids: Sequence[str]) -> np.ndarray:
        """Storage row of each track id (new ids get the next free rows, in order)."""
        rows = np.fromiter(map(self._row_of.__getitem__, track_ids), np.int64, len(track_ids))
        needed = len(self._row_of)
        if needed > len(self._x):
            grown_x = np.full((2 * needed, self.length), self.NO_SIGHTING_M, dtype=np.float32)
            grown_y = grown_x.copy()
            grown_x[: len(self._x)] = self._x
            grown_y[: len(self._y)] = self._y
            self._x, self._y = grown_x, grown_y
        return rows

    def positions(self, row: int) -> list[tuple[float, float]]:
        """The sightings kept for one storage row, oldest first."""
        order = [(self._column + 1 + k) % self.length for k in range(self.length)]
        return [
            (float(self._x[row, k]), float(self._y[row, k]))
            for k in order
            if self._x[row, k] != self.NO_SIGHTING_M
        ]

    def record(self, tick: int, contacts: ContactArrays, rows: np.ndarray) -> None:
        """Add this tick's in-view positions (a repeated tick overwrites its own column)."""
        if self._last_tick != tick:
            self._column = (self._column + 1) % self.length
            self._last_tick = tick
        column = self._column
        self._x[:, column] = self.NO_SIGHTING_M
        self._y[:, column] = self.NO_SIGHTING_M
        seen = contacts.in_view
        self._x[rows[seen], column] = contacts.x_m[seen]
        self._y[rows[seen], column] = contacts.y_m[seen]

    def draw(
        self,
        target: pygame.Surface,
        camera: Camera,
        rows: np.ndarray,
        colours: np.ndarray,
    ) -> int:
        """Write trail dots into the frame's pixels; returns how many dots were drawn.

        Args:
            rows: storage rows of the tracks to draw (from :meth:`rows`).
            colours: per track, the mapped pixel value (``Surface.map_rgb``) of its dots.
        """
        if not len(rows):
            return 0
        scale = np.float32(camera.scale)
        ox, oy = camera.origin_px
        top = np.float32(camera.extent_m[1])
        px = (self._x[rows].ravel() * scale + np.float32(ox)).astype(np.int32)
        py = ((top - self._y[rows].ravel()) * scale + np.float32(oy)).astype(np.int32)
        width, height = target.get_size()
        # One unsigned comparison per axis rejects both negative and too-large pixels.
        keep = (px.view(np.uint32) < width) & (py.view(np.uint32) < height)
        if not keep.any():
            return 0
        px, py = px[keep], py[keep]
        colour = np.repeat(colours, self.length)[keep]
        pixels = pygame.surfarray.pixels2d(target)
        try:
            pixels[px, py] = colour
            if camera.scale >= 2.0:  # bigger dots when zoomed in
                right = np.minimum(px + 1, width - 1)
                below = np.minimum(py + 1, height - 1)
                pixels[right, py] = colour
                pixels[px, below] = colour
                pixels[right, below] = colour
        finally:
            del pixels
        return int(keep.sum())
