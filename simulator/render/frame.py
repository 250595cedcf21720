"""The trainee's view: one composed frame from a Picture and a Camera.

``Renderer(scenario, world).draw(picture, camera)`` returns a Surface with, bottom to top:

1. the cached static map (:mod:`map_layer`),
2. fog of war and time-of-day lighting, one multiply pass (:mod:`fog`),
3. sensor footprints (translucent discs) and ground observers' range rings,
4. protected-site markers with their current status, and the trainee's marks,
5. uncertainty rings of out-of-view contacts and short track trails,
6. contact symbols (:mod:`symbols`), then own units on top,
7. the HUD: time of day, tick, contact counts, day/night, scale bar.

The renderer is a read-only view: it reads Pictures (frozen) and static scenario data,
never the simulation's state, and never changes either. What it remembers between frames
(fog, trails) it keeps itself, learnt from the Pictures it was given; a Picture with an
earlier tick than the last one (a replay jumping back) makes it forget and start over.

Cost model: everything static is cached (map tiles per zoom level, sprites per symbol
size, rendered text); per new Picture the contacts become numpy arrays once; per frame
the work is a handful of blits plus one ``fblits`` for all symbols.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pygame

from simulator.core.picture import Picture
from simulator.core.world import World
from simulator.render import palette
from simulator.render.camera import Camera
from simulator.render.fog import FogOfWar
from simulator.render.map_layer import MapLayer
from simulator.render.symbols import (
    COLOUR_KEY,
    ContactArrays,
    SymbolSet,
    TrailMemory,
    UncertaintyRings,
    code_parts,
    draw_contacts,
    make_sprite,
    symbol_size_for_scale,
)
from simulator.render.text import TextCache
from simulator.scenario.schema import Scenario, time_to_seconds

MIN_SIZE = (320, 240)
TWILIGHT_S = 40 * 60  # light ramps over this long after sunrise and before sunset
HUD_HEIGHT = 30
MAX_SPRITE_RADIUS_PX = 200  # larger sensor footprints are drawn, not cached


def save_image(surface: pygame.Surface, path: str | os.PathLike[str]) -> None:
    """Write a frame to an image file (PNG by the name's extension).

    Raises:
        OSError: when the file cannot be written (pygame's own error is turned into one).
    """
    try:
        pygame.image.save(surface, os.fspath(path))
    except pygame.error as error:
        raise OSError(str(error)) from None


def format_time_of_day(seconds: float) -> str:
    """'HH:MM' of seconds after midnight."""
    total_minutes = int(seconds // 60) % (24 * 60)
    return f"{total_minutes // 60:02d}:{total_minutes % 60:02d}"


class Renderer:
    """Draws the trainee's picture (see module docstring).

    Args:
        scenario: the scenario (static map, sunrise and sunset).
        world: its built world (building footprints).
        size: frame size in pixels (width, height).
        fog_cell_m: edge of a fog-of-war cell in metres.
        trail_length: positions kept per track for trails.

    The returned frame Surface is reused by the next ``draw``; copy it to keep it.
    """

    def __init__(
        self,
        scenario: Scenario,
        world: World,
        size: tuple[int, int] = (1280, 720),
        *,
        fog_cell_m: float = 10.0,
        trail_length: int = 10,
    ) -> None:
        width, height = int(size[0]), int(size[1])
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            raise ValueError(f"frame size must be at least {MIN_SIZE[0]}x{MIN_SIZE[1]} pixels")
        if not pygame.font.get_init():
            pygame.font.init()
        self.size = (width, height)
        self.scenario = scenario
        self.extent_m = (float(world.extent_m[0]), float(world.extent_m[1]))
        self.frame = pygame.Surface(self.size, 0, 32)
        self.map_layer = MapLayer(scenario, world, self.frame)
        self.fog = FogOfWar(self.extent_m, self.frame, cell_m=fog_cell_m)
        self.trails = TrailMemory(trail_length)
        self.rings = UncertaintyRings(self.frame)
        self.text = TextCache()
        self._sensor_layer = pygame.Surface(self.size, pygame.SRCALPHA, 32)
        self._footprints: dict[tuple[int, tuple[int, int, int, int]], pygame.Surface] = {}
        self._base = pygame.Surface(self.size, 0, self.frame)
        self._base_key: tuple | None = None
        self._sensor_dirty: pygame.Rect | None = None
        self._symbols: dict[int, SymbolSet] = {}
        self._site_markers: dict[tuple[str, int], pygame.Surface] = {}
        self._hud_bar = pygame.Surface((width, HUD_HEIGHT), pygame.SRCALPHA, 32)
        self._hud_bar.fill(palette.HUD_BACKGROUND)
        self._trail_colours = np.array(
            [
                self.frame.map_rgb(
                    tuple(round(c * 0.72) for c in palette.AFFILIATION_COLOUR[code_parts(k)[0]])
                )
                for k in range(len(palette.AFFILIATIONS) * len(palette.CATEGORIES) * 2)
            ],
            dtype=np.uint32,
        )
        environment = scenario.environment
        self._sunrise_s = time_to_seconds(environment.sunrise)
        self._sunset_s = time_to_seconds(environment.sunset)
        self._picture: Picture | None = None
        self._contacts = ContactArrays.of(())
        self._rows = np.zeros(0, dtype=np.int64)
        self._contact_trail_colours = np.zeros(0, dtype=np.uint32)
        self._last_tick: int | None = None

    def make_camera(self) -> Camera:
        """A camera for this frame, fitted to the whole map below the HUD bar."""
        return Camera(self.size, self.extent_m, insets_px=(0, HUD_HEIGHT, 0, 0))

    # ------------------------------------------------------------------ memory

    def reset_memory(self) -> None:
        """Forget the fog and trails (a new session, or a jump back in a replay)."""
        self.fog.clear()
        self.trails.clear()
        self._last_tick = None
        self._picture = None

    def remember(self, picture: Picture) -> None:
        """Take in a Picture without drawing: fog and trails learn from it.

        Call it every tick when frames are drawn less often than ticks (headless runs,
        fast playback), so the fog remembers everything the trainee saw. Drawing a Picture
        remembers it too; taking in the same Picture twice is harmless.
        """
        if picture is self._picture:
            return
        if self._last_tick is not None and picture.tick < self._last_tick:
            self.reset_memory()
        self._picture = picture
        self._contacts = ContactArrays.of(picture.contacts)
        self._rows = self.trails.rows(self._contacts.track_ids)[self._contacts.order]
        self._contact_trail_colours = self._trail_colours[self._contacts.code]
        self.trails.record(picture.tick, self._contacts, self._rows)
        self.fog.update(picture.sensors)
        self._last_tick = picture.tick

    # ------------------------------------------------------------------ frame

    def draw(self, picture: Picture, camera: Camera) -> pygame.Surface:
        """Compose the trainee's view of ``picture`` through ``camera``.

        Args:
            picture: what the trainee knows (never modified).
            camera: where the trainee looks; its viewport must be the renderer's size.

        Returns:
            The frame (reused by the next call).
        """
        if camera.viewport_px != self.size:
            raise ValueError(
                f"camera viewport {camera.viewport_px} is not the frame size {self.size}"
            )
        self.remember(picture)
        frame = self.frame
        symbols = self._symbol_set(camera.scale)
        self._draw_base(frame, camera, self.light(picture))
        self._draw_sensors(frame, camera, picture)
        self._draw_sites(frame, camera, picture, symbols.size)
        self._draw_marks(frame, camera, picture)
        contacts = self._contacts
        screen_xy = camera.world_to_screen_arrays(contacts.x_m, contacts.y_m)
        self.rings.draw(frame, camera, contacts, symbols.size * 0.75, screen_xy)
        self.trails.draw(frame, camera, self._rows, self._contact_trail_colours)
        draw_contacts(frame, camera, contacts, symbols, screen_xy)
        self._draw_units(frame, camera, picture, symbols)
        self._draw_hud(frame, camera, picture)
        return frame

    def _draw_base(
        self, frame: pygame.Surface, camera: Camera, light: tuple[float, float, float]
    ) -> None:
        """Map darkened by fog and lighting, composed only when one of them changed."""
        key = (camera.key, self.fog.version, light)
        if key != self._base_key:
            self.map_layer.draw(self._base, camera)
            self.fog.draw(self._base, camera, light)
            self._base_key = key
        frame.blit(self._base, (0, 0))

    def light(self, picture: Picture) -> tuple[float, float, float]:
        """Lighting multiplier at the picture's time: day, night, or a twilight blend."""
        if picture.is_night:
            return palette.LIGHT_NIGHT
        t = picture.time_of_day_s
        since_sunrise = t - self._sunrise_s
        until_sunset = self._sunset_s - t
        darkness = 0.0
        if 0 <= since_sunrise < TWILIGHT_S:
            darkness = 1.0 - since_sunrise / TWILIGHT_S
        elif 0 <= until_sunset < TWILIGHT_S:
            darkness = 1.0 - until_sunset / TWILIGHT_S
        darkness *= 0.6  # twilight never as dark as night
        return tuple(
            day + (night - day) * darkness
            for day, night in zip(palette.LIGHT_DAY, palette.LIGHT_NIGHT)
        )

    # ------------------------------------------------------------------ layers

    def _symbol_set(self, scale: float) -> SymbolSet:
        size = symbol_size_for_scale(scale)
        found = self._symbols.get(size)
        if found is None:
            found = self._symbols[size] = SymbolSet(size, self.frame)
        return found

    def _footprint(self, radius_px: int, edge: tuple[int, int, int, int]) -> pygame.Surface:
        """A translucent disc with an opaque rim (cached per radius and rim colour)."""
        key = (radius_px, edge)
        found = self._footprints.get(key)
        if found is None:
            if len(self._footprints) > 256:
                self._footprints.clear()
            side = 2 * radius_px + 3
            found = pygame.Surface((side, side), pygame.SRCALPHA, 32)
            centre = (radius_px + 1, radius_px + 1)
            pygame.draw.circle(found, palette.FOOTPRINT_FILL, centre, radius_px)
            pygame.draw.circle(found, edge, centre, radius_px, 2)
            self._footprints[key] = found
        return found

    def _draw_sensors(self, frame: pygame.Surface, camera: Camera, picture: Picture) -> None:
        """Overhead footprints as translucent discs; ground observers as range rings.

        Discs up to ``MAX_SPRITE_RADIUS_PX`` are cached translucent sprites blended in one
        ``fblits`` (where footprints overlap, the tint deepens); larger ones (close zoom)
        are drawn on one reused translucent layer covering the screen.
        """
        layer = self._sensor_layer
        if self._sensor_dirty is not None:
            layer.fill((0, 0, 0, 0), self._sensor_dirty)
            self._sensor_dirty = None
        scale = camera.scale
        width, height = self.size
        sprites = []
        dirty: pygame.Rect | None = None
        rings = []
        for sensor in picture.sensors:
            x, y = camera.world_to_screen(sensor.x_m, sensor.y_m)
            radius = sensor.radius_m * scale
            if x + radius < 0 or x - radius > width or y + radius < 0 or y - radius > height:
                continue
            if sensor.kind != "overhead":
                rings.append((x, y, radius))
                continue
            edge = (
                palette.THERMAL_EDGE
                if sensor.thermal and picture.is_night
                else palette.FOOTPRINT_EDGE
            )
            radius_px = round(radius)
            if radius_px <= MAX_SPRITE_RADIUS_PX:
                sprite = self._footprint(radius_px, edge)
                sprites.append((sprite, (round(x) - radius_px - 1, round(y) - radius_px - 1)))
                continue
            pygame.draw.circle(layer, palette.FOOTPRINT_FILL, (x, y), radius)
            pygame.draw.circle(layer, edge, (x, y), radius, 2)
            box = pygame.Rect(0, 0, 2 * radius_px + 4, 2 * radius_px + 4)
            box.center = (round(x), round(y))
            dirty = box if dirty is None else dirty.union(box)
        if sprites:
            frame.fblits(sprites)
        if dirty is not None:
            dirty = dirty.clip(layer.get_rect())
            frame.blit(layer, dirty.topleft, dirty)
            self._sensor_dirty = dirty
        for x, y, radius in rings:
            pygame.draw.circle(frame, palette.OBSERVER_RING[:3], (x, y), radius, 2)
        for sensor in picture.sensors:  # a small cross where each overhead sensor looks
            if sensor.kind == "overhead":
                x, y = camera.world_to_screen(sensor.x_m, sensor.y_m)
                pygame.draw.line(frame, palette.BLUE, (x - 4, y), (x + 4, y), 1)
                pygame.draw.line(frame, palette.BLUE, (x, y - 4), (x, y + 4), 1)

    def _site_marker(self, status: str, size: int) -> pygame.Surface:
        """A shield-shaped marker: filled (protected), half filled (restricted), struck out."""
        key = (status, size)
        found = self._site_markers.get(key)
        if found is None:
            side = size + 4
            found = pygame.Surface((side, side + 2), 0, self.frame)
            found.fill(COLOUR_KEY)
            w, h = side, side + 2
            shield = [(1, 1), (w - 2, 1), (w - 2, h * 0.55), (w / 2, h - 2), (1, h * 0.55)]
            pygame.draw.polygon(found, palette.WHITE, shield)
            inner = [(3, 3), (w - 4, 3), (w - 4, h * 0.53), (w / 2, h - 5), (3, h * 0.53)]
            if status == "protected":
                pygame.draw.polygon(found, palette.REDDISH_PURPLE, inner)
            elif status == "restricted":
                pygame.draw.polygon(found, palette.REDDISH_PURPLE, inner, 2)
                pygame.draw.rect(found, palette.REDDISH_PURPLE, (3, 3, w - 6, h * 0.3))
            else:  # lost protection: hollow and struck out
                pygame.draw.polygon(found, palette.REDDISH_PURPLE, inner, 2)
                pygame.draw.line(found, palette.OUTLINE, (3, 3), (w - 4, h - 5), 2)
            pygame.draw.polygon(found, palette.OUTLINE, shield, 1)
            found.set_colorkey(COLOUR_KEY, pygame.RLEACCEL)
            self._site_markers[key] = found
        return found

    def _draw_sites(
        self, frame: pygame.Surface, camera: Camera, picture: Picture, size: int
    ) -> None:
        for site in picture.protected_sites:
            x, y = camera.world_to_screen(site.x_m, site.y_m)
            status = str(getattr(site.status, "value", site.status))
            marker = self._site_marker(status, size)
            frame.blit(
                marker, (round(x - marker.get_width() / 2), round(y - marker.get_height() / 2))
            )
            label = site.name or site.site_id
            if status != "protected":
                label = f"{label} ({status.replace('_', ' ')})"
            text = self.text.render(label, 16, palette.WHITE, halo=True)
            frame.blit(
                text, (round(x + marker.get_width() / 2 + 2), round(y - text.get_height() / 2))
            )

    def _draw_marks(self, frame: pygame.Surface, camera: Camera, picture: Picture) -> None:
        for mark in picture.marks:
            x, y = camera.world_to_screen(mark.x_m, mark.y_m)
            flag = [(x, y), (x, y - 14), (x + 9, y - 10), (x, y - 6)]
            pygame.draw.polygon(frame, palette.MARK_FILL, flag)
            pygame.draw.polygon(frame, palette.OUTLINE, flag, 1)
            if mark.label:
                text = self.text.render(mark.label, 15, palette.WHITE, halo=True)
                frame.blit(text, (round(x + 10), round(y - 16)))

    def _draw_units(
        self, frame: pygame.Surface, camera: Camera, picture: Picture, symbols: SymbolSet
    ) -> None:
        for unit in picture.units:
            x, y = camera.world_to_screen(unit.x_m, unit.y_m)
            category = "vehicle" if unit.kind in palette.VEHICLE_UNIT_KINDS else "person"
            sprite = symbols.units[category]
            frame.blit(
                sprite, (round(x) - sprite.get_width() // 2, round(y) - sprite.get_height() // 2)
            )
            text = self.text.render(unit.name or unit.unit_id, 15, palette.WHITE, halo=True)
            frame.blit(
                text, (round(x) - text.get_width() // 2, round(y) + sprite.get_height() // 2 + 1)
            )

    def _draw_hud(self, frame: pygame.Surface, camera: Camera, picture: Picture) -> None:
        frame.blit(self._hud_bar, (0, 0))
        in_view = int(self._contacts.in_view.sum())
        night = picture.is_night
        parts = [
            (format_time_of_day(picture.time_of_day_s), 26, palette.HUD_TEXT),
            ("NIGHT" if night else "DAY", 20, palette.HUD_NIGHT if night else palette.HUD_DAY),
            (f"tick {picture.tick}", 20, palette.HUD_TEXT),
            (f"contacts {len(self._contacts)} ({in_view} in view)", 20, palette.HUD_TEXT),
        ]
        x = 10
        for text, size, colour in parts:
            surface = self.text.render(text, size, colour)
            frame.blit(surface, (x, (HUD_HEIGHT - surface.get_height()) // 2 + 1))
            x += surface.get_width() + 22
        self._draw_scale_bar(frame, camera)

    def _draw_scale_bar(self, frame: pygame.Surface, camera: Camera) -> None:
        """A bar of a round length (10, 20, 50, 100 ... m) about 120 px long."""
        target_m = 120.0 / camera.scale
        magnitude = 10 ** math.floor(math.log10(target_m))
        length_m = max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target_m)
        length_px = round(length_m * camera.scale)
        x, y = 12, frame.get_height() - 14
        pygame.draw.rect(frame, palette.OUTLINE, (x - 1, y - 5, length_px + 2, 8))
        pygame.draw.rect(frame, palette.WHITE, (x, y - 4, length_px, 6))
        pygame.draw.rect(
            frame, palette.OUTLINE, (x + length_px // 2, y - 4, length_px - length_px // 2, 6)
        )
        label = f"{length_m:g} m" if length_m < 1000 else f"{length_m / 1000:g} km"
        text = self.text.render(label, 16, palette.WHITE, halo=True)
        frame.blit(text, (x + length_px + 6, y - text.get_height() // 2))


__all__ = ["Renderer", "format_time_of_day", "make_sprite", "save_image"]
