"""The static map, pre-rendered once per zoom level and blitted every frame.

Drawing 2,000 building polygons costs about 14 ms; blitting a cached image of them costs
a fraction of a millisecond (see PERFORMANCE.md). So the map is drawn once per zoom level
into cached *tiles* (square Surfaces of ``tile_px`` pixels of the map image at that
level); each frame blits only the tiles the camera shows. Tiles are made the first time
they are needed and kept in a least-recently-used cache, which bounds memory at close
zoom where the whole map image would be far larger than the screen.

What a tile shows, bottom to top: bare terrain, open areas, roads (a darker casing under
a light fill, at their real width), buildings filled subtly by use, protected sites
outlined in reddish purple, and the names of open areas. The dynamic part of protected
sites (their current status marker) is drawn by the frame from the Picture.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pygame

from simulator.core.world import World
from simulator.render import palette
from simulator.render.camera import Camera
from simulator.render.text import TextCache
from simulator.scenario.schema import Scenario

TILE_PX = 512
MAX_TILES = 48  # about 48 MB of tiles at 32 bits per pixel


def _name(value: object) -> str:
    """An enum member's value, or the string itself (models may store either)."""
    return str(getattr(value, "value", value))


@dataclass(frozen=True)
class _Shapes:
    """Polygons or polylines of one kind, with their bounding boxes for quick culling."""

    coords: tuple[np.ndarray, ...]  # each (k, 2) in metres
    bounds: np.ndarray  # (n, 4): x_min, y_min, x_max, y_max
    colours: tuple[palette.Colour, ...]
    widths_m: np.ndarray  # roads: width in metres; polygons: 0

    @staticmethod
    def of(
        coords: list[np.ndarray], colours: list[palette.Colour], widths_m: list[float] | None = None
    ) -> _Shapes:
        bounds = (
            np.array([[c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max()] for c in coords])
            if coords
            else np.zeros((0, 4))
        )
        widths = np.asarray(widths_m if widths_m is not None else [0.0] * len(coords), float)
        return _Shapes(tuple(coords), bounds, tuple(colours), widths)

    def touching(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices of the shapes whose (width-padded) box meets a world rectangle."""
        if not len(self.coords):
            return np.zeros(0, dtype=np.int64)
        pad = self.widths_m / 2.0
        b = self.bounds
        hit = (b[:, 0] - pad <= x1) & (b[:, 2] + pad >= x0) & (b[:, 1] - pad <= y1)
        hit &= b[:, 3] + pad >= y0
        return np.flatnonzero(hit)


class MapLayer:
    """The scenario's static map as cached tiles per zoom level.

    Args:
        scenario: the scenario (roads, open areas, protected sites, building uses).
        world: its built world (exact building footprints).
        pixel_format: a Surface whose pixel format the tiles copy (the frame), so that
            blitting them is a plain copy.
        tile_px: tile edge in pixels.
        max_tiles: tiles kept at most (least recently used dropped first).
    """

    def __init__(
        self,
        scenario: Scenario,
        world: World,
        pixel_format: pygame.Surface,
        *,
        tile_px: int = TILE_PX,
        max_tiles: int = MAX_TILES,
    ) -> None:
        self.extent_m = (float(world.extent_m[0]), float(world.extent_m[1]))
        self.tile_px = tile_px
        self.max_tiles = max_tiles
        self._format = pixel_format
        self._tiles: OrderedDict[tuple[float, int, int], pygame.Surface] = OrderedDict()
        self._text = TextCache(128)
        #: How many tiles were ever drawn (tests check the map is not redrawn per frame).
        self.tiles_drawn = 0

        buildings = scenario.map.buildings
        self._buildings = _Shapes.of(
            [np.asarray(b.outline(), dtype=float) for b in buildings],
            [
                palette.BUILDING_FILL.get(_name(b.use), palette.BUILDING_FILL["other"])
                for b in buildings
            ],
        )
        areas = scenario.map.open_areas
        self._areas = _Shapes.of(
            [np.asarray(a.polygon, dtype=float) for a in areas],
            [
                palette.OPEN_AREA_FILL.get(_name(a.kind), palette.OPEN_AREA_FILL["other"])
                for a in areas
            ],
        )
        roads = scenario.map.roads
        self._roads = _Shapes.of(
            [np.asarray(r.points, dtype=float) for r in roads],
            [palette.ROAD_FILL.get(_name(r.kind), palette.ROAD_FILL["street"]) for r in roads],
            [float(r.width_m) for r in roads],
        )
        outline_of = {b.id: b.outline() for b in buildings}
        protected = []
        for site in scenario.protected.sites:
            points = site.polygon if site.polygon is not None else outline_of.get(site.building)
            if points:
                protected.append(np.asarray(points, dtype=float))
        self._protected = _Shapes.of(protected, [palette.PROTECTED_OUTLINE] * len(protected))
        self._labels = [
            (a.name, *np.asarray(a.polygon, dtype=float).mean(axis=0)) for a in areas if a.name
        ]

    # ------------------------------------------------------------------ frame

    def map_size_px(self, scale: float) -> tuple[int, int]:
        """Size of the whole map image at a scale."""
        return (math.ceil(self.extent_m[0] * scale), math.ceil(self.extent_m[1] * scale))

    def draw(self, target: pygame.Surface, camera: Camera) -> None:
        """Blit the visible part of the cached map onto ``target`` (the camera's viewport)."""
        scale = camera.scale
        ox, oy = camera.origin_px
        width, height = target.get_size()
        map_w, map_h = self.map_size_px(scale)
        # Fill only the strips of screen the map does not cover.
        outside = palette.MAP_OUTSIDE
        if oy > 0:
            target.fill(outside, (0, 0, width, oy))
        if oy + map_h < height:
            target.fill(outside, (0, oy + map_h, width, height - oy - map_h))
        if ox > 0:
            target.fill(outside, (0, 0, ox, height))
        if ox + map_w < width:
            target.fill(outside, (ox + map_w, 0, width - ox - map_w, height))
        tile = self.tile_px
        first_i, last_i = max(0, -ox // tile), min((map_w - 1) // tile, (width - 1 - ox) // tile)
        first_j, last_j = max(0, -oy // tile), min((map_h - 1) // tile, (height - 1 - oy) // tile)
        blits = [
            (self._tile(scale, i, j), (ox + i * tile, oy + j * tile))
            for j in range(first_j, last_j + 1)
            for i in range(first_i, last_i + 1)
        ]
        target.fblits(blits)

    def _tile(self, scale: float, i: int, j: int) -> pygame.Surface:
        key = (scale, i, j)
        found = self._tiles.get(key)
        if found is not None:
            self._tiles.move_to_end(key)
            return found
        surface = self._draw_tile(scale, i, j)
        self._tiles[key] = surface
        while len(self._tiles) > self.max_tiles:
            self._tiles.popitem(last=False)
        return surface

    # ------------------------------------------------------------------ drawing a tile

    def _draw_tile(self, scale: float, i: int, j: int) -> pygame.Surface:
        """Draw one tile of the map image at a scale (called once per tile and level)."""
        self.tiles_drawn += 1
        tile = self.tile_px
        map_w, map_h = self.map_size_px(scale)
        px0, py0 = i * tile, j * tile
        size = (min(tile, map_w - px0), min(tile, map_h - py0))
        surface = pygame.Surface(size, 0, self._format)
        surface.fill(palette.TERRAIN)
        height_m = self.extent_m[1]
        # World rectangle covered by the tile.
        x0, x1 = px0 / scale, (px0 + size[0]) / scale
        y1, y0 = height_m - py0 / scale, height_m - (py0 + size[1]) / scale
        offset = np.array([px0 / scale, height_m - py0 / scale])

        def to_px(coords: np.ndarray) -> list[list[float]]:
            # x right from the tile's left edge, y down from its top edge.
            return ((coords - offset) * (scale, -scale)).tolist()

        for k in self._areas.touching(x0, y0, x1, y1):
            pygame.draw.polygon(surface, self._areas.colours[k], to_px(self._areas.coords[k]))

        roads = self._roads.touching(x0, y0, x1, y1)
        for casing in (True, False):
            for k in roads:
                width = max(1, round(self._roads.widths_m[k] * scale))
                if casing:
                    width += 2
                colour = palette.ROAD_CASING if casing else self._roads.colours[k]
                points = to_px(self._roads.coords[k])
                if len(points) >= 2:
                    pygame.draw.lines(surface, colour, False, points, width)
                if width >= 4:  # round joints, or thick lines leave notches at bends
                    for x, y in points:
                        pygame.draw.circle(surface, colour, (x, y), width / 2.0)

        outline = scale >= 0.6
        buildings = self._buildings
        for k in buildings.touching(x0, y0, x1, y1):
            points = to_px(buildings.coords[k])
            pygame.draw.polygon(surface, buildings.colours[k], points)
            if outline:
                pygame.draw.polygon(surface, palette.BUILDING_OUTLINE, points, 1)

        protected_width = 2 if scale < 2.0 else 3
        for k in self._protected.touching(x0, y0, x1, y1):
            points = to_px(self._protected.coords[k])
            pygame.draw.polygon(surface, palette.PROTECTED_OUTLINE, points, protected_width)

        if scale >= 0.5:
            for name, x, y in self._labels:
                text = self._text.render(name, 15, palette.MAP_LABEL)
                tx, ty = (x - offset[0]) * scale, (offset[1] - y) * scale
                surface.blit(
                    text, (round(tx - text.get_width() / 2), round(ty - text.get_height() / 2))
                )
        return surface
