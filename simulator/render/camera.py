"""World metres <-> screen pixels: pan, zoom about a screen point, clamp to the map.

The world has x east and y north (metres from the map's south-west corner); the screen has
x right and y *down* (pixels from the top-left corner). The camera is the one place that
knows how to go from one to the other.

Zoom is quantised into levels (``ZOOM_STEP`` apart, level 0 fits the whole map) so that
the map layer can pre-render each level once and reuse it (see :mod:`map_layer`). The
map's pixel origin is kept on whole pixels, so cached map tiles, fog and symbols line up.

This module does not import pygame: it is plain arithmetic and can be tested anywhere.
"""

from __future__ import annotations

import math

import numpy as np

# Each zoom level is this factor closer than the one before (four levels per doubling).
ZOOM_STEP = 2.0**0.25
# Closest zoom: this many pixels per metre at most (a person's symbol then spans ~1 m).
MAX_SCALE_PX_PER_M = 24.0


class Camera:
    """Where the trainee looks: a viewport in pixels over a map in metres.

    Args:
        viewport_px: (width, height) of the screen area in pixels.
        extent_m: (width, height) of the map in metres.
        margin: share of the viewport kept free around the map at zoom level 0.
        insets_px: (left, top, right, bottom) pixels covered by panels (a HUD bar): the
            map is fitted and centred in the rest of the viewport.

    The camera starts fitted to the whole map (zoom level 0, centred).
    """

    def __init__(
        self,
        viewport_px: tuple[int, int],
        extent_m: tuple[float, float],
        *,
        margin: float = 0.02,
        insets_px: tuple[int, int, int, int] = (0, 0, 0, 0),
    ) -> None:
        width, height = int(viewport_px[0]), int(viewport_px[1])
        left, top, right, bottom = (int(v) for v in insets_px)
        if (
            min(left, top, right, bottom) < 0
            or width - left - right <= 0
            or height - top - bottom <= 0
        ):
            raise ValueError(f"viewport {viewport_px} leaves no room inside insets {insets_px}")
        if extent_m[0] <= 0 or extent_m[1] <= 0:
            raise ValueError(f"map extent must be positive, got {extent_m}")
        self.viewport_px = (width, height)
        self.insets_px = (left, top, right, bottom)
        # The part of the viewport the map is fitted into, and its centre.
        self._view_px = (width - left - right, height - top - bottom)
        self._view_centre_px = (left + self._view_px[0] / 2.0, top + self._view_px[1] / 2.0)
        self.extent_m = (float(extent_m[0]), float(extent_m[1]))
        fit = min(self._view_px[0] / self.extent_m[0], self._view_px[1] / self.extent_m[1])
        fit *= 1.0 - 2 * margin
        self.fit_scale = fit
        self.max_level = max(0, math.floor(math.log(MAX_SCALE_PX_PER_M / fit, ZOOM_STEP)))
        self.level = 0
        self.centre_m = (self.extent_m[0] / 2.0, self.extent_m[1] / 2.0)
        self._update()

    # ------------------------------------------------------------------ state

    @property
    def scale(self) -> float:
        """Pixels per metre at the current zoom level."""
        return self._scale

    @property
    def origin_px(self) -> tuple[int, int]:
        """Screen position of the map's north-west corner (x=0, y=extent north), whole pixels."""
        return self._origin

    @property
    def key(self) -> tuple[int, int, int]:
        """A value that changes whenever the mapping from world to screen changes."""
        return (self.level, self._origin[0], self._origin[1])

    def scale_for_level(self, level: int) -> float:
        """Pixels per metre at a zoom level."""
        return self.fit_scale * ZOOM_STEP**level

    def _update(self) -> None:
        self._scale = self.scale_for_level(self.level)
        self._clamp_centre()
        centre_x, centre_y = self._view_centre_px
        cx, cy = self.centre_m
        self._origin = (
            round(centre_x - cx * self._scale),
            round(centre_y - (self.extent_m[1] - cy) * self._scale),
        )

    def _clamp_centre(self) -> None:
        """Keep the map on screen: centred when smaller than the view, else no gaps at edges."""
        centre = []
        for axis in (0, 1):
            half_view_m = self._view_px[axis] / (2.0 * self._scale)
            extent = self.extent_m[axis]
            if 2.0 * half_view_m >= extent:
                centre.append(extent / 2.0)
            else:
                centre.append(min(max(self.centre_m[axis], half_view_m), extent - half_view_m))
        self.centre_m = (centre[0], centre[1])

    # ------------------------------------------------------------------ conversions

    def world_to_screen(self, x_m: float, y_m: float) -> tuple[float, float]:
        """Screen pixel (x right, y down) of a world point (x east, y north)."""
        return (
            self._origin[0] + x_m * self._scale,
            self._origin[1] + (self.extent_m[1] - y_m) * self._scale,
        )

    def world_to_screen_arrays(
        self, x_m: np.ndarray, y_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`world_to_screen` for arrays of world coordinates."""
        scale = self._scale
        return (
            x_m * scale + self._origin[0],
            (self.extent_m[1] + self._origin[1] / scale - y_m) * scale,
        )

    def screen_to_world(self, x_px: float, y_px: float) -> tuple[float, float]:
        """World point (metres) under a screen pixel."""
        return (
            (x_px - self._origin[0]) / self._scale,
            self.extent_m[1] - (y_px - self._origin[1]) / self._scale,
        )

    def visible_world_rect(self) -> tuple[float, float, float, float]:
        """(x_min, y_min, x_max, y_max) in metres of what the viewport shows."""
        width, height = self.viewport_px
        x0, y1 = self.screen_to_world(0, 0)
        x1, y0 = self.screen_to_world(width, height)
        return (x0, y0, x1, y1)

    # ------------------------------------------------------------------ moves

    def pan(self, dx_px: float, dy_px: float) -> None:
        """Move the view by a screen offset (content moves the other way, like dragging)."""
        cx, cy = self.centre_m
        self.centre_m = (cx + dx_px / self._scale, cy - dy_px / self._scale)
        self._update()

    def centre_on(self, x_m: float, y_m: float) -> None:
        """Put a world point at the centre of the view (as far as the map edges allow)."""
        self.centre_m = (float(x_m), float(y_m))
        self._update()

    def set_level(self, level: int, anchor_px: tuple[float, float] | None = None) -> None:
        """Go to a zoom level, keeping the world point under ``anchor_px`` where it is.

        Args:
            level: 0 (whole map) to :attr:`max_level`; values outside are clamped.
            anchor_px: screen point that stays fixed (default: the view's centre).
        """
        level = min(max(int(level), 0), self.max_level)
        centre_x, centre_y = self._view_centre_px
        ax, ay = anchor_px if anchor_px is not None else (centre_x, centre_y)
        wx, wy = self.screen_to_world(ax, ay)
        self.level = level
        new_scale = self.scale_for_level(level)
        # Centre such that (wx, wy) maps back onto (ax, ay) at the new scale.
        self.centre_m = (
            wx + (centre_x - ax) / new_scale,
            wy - (centre_y - ay) / new_scale,
        )
        self._update()

    def zoom_at(self, steps: int, anchor_px: tuple[float, float] | None = None) -> None:
        """Zoom in (positive steps) or out (negative) about a screen point."""
        self.set_level(self.level + int(steps), anchor_px)

    def fit_map(self) -> None:
        """Show the whole map (zoom level 0, centred)."""
        self.level = 0
        self.centre_m = (self.extent_m[0] / 2.0, self.extent_m[1] / 2.0)
        self._update()
