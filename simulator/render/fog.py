"""Fog of war: what the trainee has never seen, has seen before, and sees now.

The map is cut into a coarse grid (10 m cells by default). Each tick, every sensor's
footprint (overhead) or observer range (ground observer) marks the cells within its radius
(to about half a cell) as *in view now*; cells once in view stay *seen before*. Line of sight is not
modelled here: the fog is a reading aid, not the engine's truth about what was visible.

The renderer keeps this memory itself and reads only Pictures. A tick whose coverage
equals the last one's leaves the fog (and its ``version``) unchanged, so cached layers
stay valid. The fog is drawn as a multiplier over the map (``BLEND_RGB_MULT``):
never-seen cells darkest, seen-before cells dimmed, cells in view untouched. Time-of-day
lighting is folded into the same multiplier, so fog and night cost one pass.

Arrays are kept in pygame's surfarray orientation: ``[column (x east), row (y down)]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pygame

from simulator.core.picture import SensorView
from simulator.render import palette
from simulator.render.camera import Camera

NEVER_SEEN, SEEN_BEFORE, IN_VIEW = 0, 1, 2


class FogOfWar:
    """The renderer's memory of what was observed, on a grid of ``cell_m`` cells.

    Args:
        extent_m: map size in metres.
        pixel_format: a Surface whose pixel format the overlay copies (the frame).
        cell_m: edge of a grid cell in metres.
    """

    def __init__(
        self,
        extent_m: tuple[float, float],
        pixel_format: pygame.Surface,
        *,
        cell_m: float = 10.0,
    ) -> None:
        self.extent_m = (float(extent_m[0]), float(extent_m[1]))
        self.cell_m = float(cell_m)
        self.columns = max(1, math.ceil(self.extent_m[0] / self.cell_m))
        self.rows = max(1, math.ceil(self.extent_m[1] / self.cell_m))
        self.seen = np.zeros((self.columns, self.rows), dtype=bool)
        self.in_view = np.zeros((self.columns, self.rows), dtype=bool)
        self._scratch = np.zeros((self.columns, self.rows), dtype=bool)
        self._stamps: dict[int, np.ndarray] = {}
        self._overlay = pygame.Surface((self.columns, self.rows), 0, pixel_format)
        self._overlay_key: tuple | None = None
        #: Bumped whenever the fog changes; overlays are rebuilt only then.
        self.version = 0

    def clear(self) -> None:
        """Forget everything (a new session, or a replay jumped backwards)."""
        self.seen[:] = False
        self.in_view[:] = False
        self.version += 1

    def state(self) -> np.ndarray:
        """Per cell: 0 never seen, 1 seen before, 2 in view now (``[column, row]``)."""
        return self.seen.astype(np.uint8) + self.in_view

    def state_at(self, x_m: float, y_m: float) -> int:
        """The fog state of the cell holding a world point (never seen outside the map)."""
        column = math.floor(x_m / self.cell_m)
        row = math.floor((self.extent_m[1] - y_m) / self.cell_m)
        if not (0 <= column < self.columns and 0 <= row < self.rows):
            return NEVER_SEEN
        return int(self.seen[column, row]) + int(self.in_view[column, row])

    def _stamp(self, radius_m: float) -> np.ndarray:
        """Boolean disc of cells around a centre cell, radius rounded to a quarter cell."""
        quarters = max(1, round(4.0 * radius_m / self.cell_m))
        found = self._stamps.get(quarters)
        if found is None:
            reach = math.ceil(quarters / 4.0)
            offsets = np.arange(-reach, reach + 1, dtype=np.float64)
            found = offsets[:, None] ** 2 + offsets[None, :] ** 2 <= (quarters / 4.0) ** 2
            self._stamps[quarters] = found
        return found

    def update(self, sensors: Iterable[SensorView]) -> None:
        """Mark what the sensors cover now as in view (and, from now on, seen before).

        Each circle is stamped from a cached disc of cells centred on the sensor's cell,
        so the coverage is exact to about half a cell - plenty for a reading aid.
        """
        in_view = self._scratch
        in_view[:] = False
        cell = self.cell_m
        top = self.extent_m[1]
        columns, rows = self.columns, self.rows
        for sensor in sensors:
            if sensor.radius_m <= 0:
                continue
            stamp = self._stamp(sensor.radius_m)
            reach = stamp.shape[0] // 2
            column = math.floor(sensor.x_m / cell)
            row = math.floor((top - sensor.y_m) / cell)
            c0, c1 = column - reach, column + reach + 1
            r0, r1 = row - reach, row + reach + 1
            if c1 <= 0 or r1 <= 0 or c0 >= columns or r0 >= rows:
                continue
            clip_c0, clip_r0 = max(c0, 0), max(r0, 0)
            clip_c1, clip_r1 = min(c1, columns), min(r1, rows)
            in_view[clip_c0:clip_c1, clip_r0:clip_r1] |= stamp[
                clip_c0 - c0 : clip_c1 - c0, clip_r0 - r0 : clip_r1 - r0
            ]
        if np.array_equal(in_view, self.in_view):
            return  # nothing changed (seen-before already holds what is in view)
        self._scratch, self.in_view = self.in_view, in_view
        self.seen |= in_view
        self.version += 1

    # ------------------------------------------------------------------ drawing

    def draw(
        self, target: pygame.Surface, camera: Camera, light: tuple[float, float, float]
    ) -> None:
        """Darken ``target`` by fog state and lighting (one multiply blit).

        The caller caches the result (the renderer's base layer), so this runs only when
        the fog, the light or the camera changed.
        """
        overlay_key = (self.version, tuple(round(v, 3) for v in light))
        if self._overlay_key != overlay_key:
            lut = np.array(
                [
                    target.map_rgb(tuple(min(255, round(c * f)) for c, f in zip(colour, light)))
                    for colour in (
                        palette.FOG_NEVER_SEEN,
                        palette.FOG_SEEN_BEFORE,
                        palette.FOG_IN_VIEW,
                    )
                ],
                dtype=np.uint32,
            )
            pygame.surfarray.blit_array(self._overlay, lut[self.state()])
            self._overlay_key = overlay_key
        scale = camera.scale
        ox, oy = camera.origin_px
        width, height = target.get_size()
        cell_px = self.cell_m * scale
        c0 = max(0, math.floor(-ox / cell_px))
        c1 = min(self.columns, math.ceil((width - ox) / cell_px))
        r0 = max(0, math.floor(-oy / cell_px))
        r1 = min(self.rows, math.ceil((height - oy) / cell_px))
        if c0 >= c1 or r0 >= r1:
            return
        left, right = round(c0 * cell_px), round(c1 * cell_px)
        top, bottom = round(r0 * cell_px), round(r1 * cell_px)
        part = self._overlay.subsurface((c0, r0, c1 - c0, r1 - r0))
        scaled = pygame.transform.scale(part, (right - left, bottom - top))
        target.blit(scaled, (ox + left, oy + top), special_flags=pygame.BLEND_RGB_MULT)
