"""What the console draws over the renderer's map: the selection, the estimate overlay,
the engagement's aim point and countdown, the pointer's mode, a scale bar and PAUSED.

Everything here is drawn from the trainee's picture and the public briefing (the effects'
notional radii), onto the window surface after the renderer's frame was copied to it:
drawing never touches the renderer's memory or the simulation.

Estimate overlay (for the selected contact's engagement):

* solid vermillion circle: the effect's lethal radius at the aim point;
* dashed orange circle: its injury radius;
* thin white ring: the radius the estimate considered (injury radius plus scatter);
* small vermillion rings: contacts the estimate counted in the area;
* thick reddish-purple rings: protected sites in the area.

Before an estimate exists, the chosen effect's radii are previewed, dashed and grey, on
the selected contact, to help choose the least harmful effect.
"""

from __future__ import annotations

import math

import pygame

from simulator.core.picture import EngagementView, Picture
from simulator.render import palette
from simulator.render.camera import Camera
from simulator.render.text import TextCache
from simulator.ui.controller import MODE_MOVE, MODE_TASK, ConsoleController
from simulator.ui.layout import Rect

LETHAL = palette.VERMILLION
INJURY = palette.ORANGE
CONSIDERED = palette.WHITE
PREVIEW = (200, 200, 200)
SELECTION = palette.WHITE


def dashed_circle(
    surface: pygame.Surface,
    colour,
    centre: tuple[float, float],
    radius: float,
    width: int = 2,
    dash_px: float = 10.0,
) -> None:
    """A dashed circle (dashes about ``dash_px`` long)."""
    if radius < 2:
        return
    count = max(8, int(2 * math.pi * radius / dash_px) // 2 * 2)
    step = 2 * math.pi / count
    cx, cy = centre
    for index in range(0, count, 2):
        a0, a1 = index * step, (index + 1) * step
        pygame.draw.line(
            surface,
            colour,
            (cx + radius * math.cos(a0), cy + radius * math.sin(a0)),
            (cx + radius * math.cos(a1), cy + radius * math.sin(a1)),
            width,
        )


class Overlay:
    """Draws the console's overlays (see the module docstring).

    Args:
        briefing_effects: the briefed effects (for their notional radii).
        tick_s: seconds per tick (for the time to impact).
    """

    def __init__(self, briefing_effects, tick_s: float = 1.0) -> None:
        self.effects = {effect.id: effect for effect in briefing_effects}
        self.tick_s = float(tick_s)
        self.text = TextCache(256)

    def draw(
        self,
        surface: pygame.Surface,
        camera: Camera,
        picture: Picture,
        controller: ConsoleController,
        map_rect: Rect,
    ) -> None:
        """Draw every overlay on the window surface, clipped to the map's visible part."""
        previous = surface.get_clip()
        surface.set_clip(pygame.Rect(map_rect))
        try:
            view = controller.engagement_view()
            if view is not None and view.aim_x_m is not None and view.status != "aborted":
                self._draw_engagement(surface, camera, picture, view)
            elif controller.selected_contact() is not None and controller.engagement_id():
                self._draw_preview(surface, camera, controller)
            for other in picture.engagements:  # released elsewhere: keep their aim points
                if other is not view and other.status == "released" and other.aim_x_m is not None:
                    self._draw_aim(surface, camera, picture, other)
            self._draw_selection(surface, camera, controller)
            self._draw_scale_bar(surface, camera, map_rect)
            self._draw_banner(surface, controller, map_rect)
            self._draw_pointer_hint(surface, controller)
        finally:
            surface.set_clip(previous)

    # ------------------------------------------------------------------ parts

    def _radius_px(self, camera: Camera, metres: float) -> float:
        return metres * camera.scale

    def _draw_preview(
        self, surface: pygame.Surface, camera: Camera, controller: ConsoleController
    ) -> None:
        contact = controller.selected_contact()
        effect = self.effects.get(controller.effect_id)
        if contact is None or effect is None or effect.kind != "kinetic":
            return
        centre = camera.world_to_screen(contact.x_m, contact.y_m)
        for radius in (effect.lethal_radius_m, effect.injury_radius_m):
            dashed_circle(surface, PREVIEW, centre, self._radius_px(camera, radius), 1, 6)
        label = self.text.render(f"preview: {effect.name}", 15, PREVIEW, halo=True)
        surface.blit(
            label,
            (
                centre[0] - label.get_width() / 2,
                centre[1] + self._radius_px(camera, effect.injury_radius_m) + 4,
            ),
        )

    def _draw_engagement(
        self, surface: pygame.Surface, camera: Camera, picture: Picture, view: EngagementView
    ) -> None:
        estimate = dict(view.estimate)
        effect = self.effects.get(view.effect_id)
        if estimate and estimate.get("effect_id") == view.effect_id:
            centre = camera.world_to_screen(
                float(estimate.get("aim_x_m", view.aim_x_m)),
                float(estimate.get("aim_y_m", view.aim_y_m)),
            )
            considered = float(estimate.get("radius_considered_m", 0.0))
            if considered > 0:
                pygame.draw.circle(
                    surface, CONSIDERED, centre, self._radius_px(camera, considered), 1
                )
            in_area = set(estimate.get("contacts_in_area") or ())
            for contact in picture.contacts:
                if contact.track_id in in_area:
                    x, y = camera.world_to_screen(contact.x_m, contact.y_m)
                    pygame.draw.circle(surface, palette.OUTLINE, (x, y), 11, 3)
                    pygame.draw.circle(surface, LETHAL, (x, y), 10, 2)
            site_ids = {s.get("site") for s in estimate.get("protected_sites_in_area") or ()}
            for site in picture.protected_sites:
                if site.site_id in site_ids:
                    x, y = camera.world_to_screen(site.x_m, site.y_m)
                    pygame.draw.circle(surface, palette.OUTLINE, (x, y), 19, 5)
                    pygame.draw.circle(surface, palette.REDDISH_PURPLE, (x, y), 18, 4)
            text = (
                f"CDE {float(estimate.get('estimated_civilian_casualties', 0)):g} civ | "
                f"{len(in_area)} contacts | {len(site_ids)} protected"
            )
            label = self.text.render(text, 16, palette.WHITE, halo=True)
            radius = self._radius_px(camera, max(considered, 1.0))
            surface.blit(label, (centre[0] - label.get_width() / 2, centre[1] + radius + 4))
        if effect is not None and effect.kind == "kinetic":
            self._draw_aim(surface, camera, picture, view)
        elif view.aim_x_m is not None:
            centre = camera.world_to_screen(view.aim_x_m, view.aim_y_m)
            pygame.draw.circle(surface, palette.SKY_BLUE, centre, 12, 2)

    def _draw_aim(
        self, surface: pygame.Surface, camera: Camera, picture: Picture, view: EngagementView
    ) -> None:
        effect = self.effects.get(view.effect_id)
        if view.aim_x_m is None:
            return
        centre = camera.world_to_screen(view.aim_x_m, view.aim_y_m)
        if effect is not None and effect.kind == "kinetic":
            lethal = max(2.0, self._radius_px(camera, effect.lethal_radius_m))
            injury = self._radius_px(camera, effect.injury_radius_m)
            dashed_circle(surface, palette.OUTLINE, centre, injury, 4)
            dashed_circle(surface, INJURY, centre, injury, 2)
            pygame.draw.circle(surface, palette.OUTLINE, centre, lethal + 1, 4)
            pygame.draw.circle(surface, LETHAL, centre, lethal, 2)
        x, y = centre
        pygame.draw.line(surface, LETHAL, (x - 6, y), (x + 6, y), 2)
        pygame.draw.line(surface, LETHAL, (x, y - 6), (x, y + 6), 2)
        if view.status == "released" and view.impact_tick is not None:
            seconds = max(0.0, (view.impact_tick - picture.tick) * self.tick_s)
            label = self.text.render(
                f"{view.engagement_id} IMPACT in {seconds:.0f} s", 18, LETHAL, halo=True
            )
            surface.blit(label, (x - label.get_width() / 2, y - 34))

    def _draw_selection(
        self, surface: pygame.Surface, camera: Camera, controller: ConsoleController
    ) -> None:
        contact = controller.selected_contact()
        if contact is None:
            return
        x, y = camera.world_to_screen(contact.x_m, contact.y_m)
        pygame.draw.circle(surface, palette.OUTLINE, (x, y), 15, 4)
        pygame.draw.circle(surface, SELECTION, (x, y), 14, 2)
        label = self.text.render(contact.track_id, 16, palette.WHITE, halo=True)
        surface.blit(label, (x + 16, y - 18))

    def _draw_scale_bar(self, surface: pygame.Surface, camera: Camera, map_rect: Rect) -> None:
        target_m = 120.0 / camera.scale
        magnitude = 10 ** math.floor(math.log10(target_m))
        length_m = max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target_m)
        length_px = round(length_m * camera.scale)
        x, y = map_rect[0] + 12, map_rect[1] + map_rect[3] - 14
        pygame.draw.rect(surface, palette.OUTLINE, (x - 1, y - 5, length_px + 2, 8))
        pygame.draw.rect(surface, palette.WHITE, (x, y - 4, length_px, 6))
        pygame.draw.rect(
            surface, palette.OUTLINE, (x + length_px // 2, y - 4, length_px - length_px // 2, 6)
        )
        text = f"{length_m:g} m" if length_m < 1000 else f"{length_m / 1000:g} km"
        label = self.text.render(text, 16, palette.WHITE, halo=True)
        surface.blit(label, (x + length_px + 6, y - label.get_height() // 2))

    def _draw_banner(
        self, surface: pygame.Surface, controller: ConsoleController, map_rect: Rect
    ) -> None:
        if not controller.paused:
            return
        label = self.text.render("PAUSED (Space to run)", 24, palette.YELLOW, halo=True)
        surface.blit(label, (map_rect[0] + (map_rect[2] - label.get_width()) / 2, map_rect[1] + 8))

    def _draw_pointer_hint(self, surface: pygame.Surface, controller: ConsoleController) -> None:
        hint = {
            MODE_TASK: "click: drone looks here",
            MODE_MOVE: f"click: {controller.movable_unit() or 'unit'} goes here",
        }.get(controller.mode)
        if hint is None:
            return
        x, y = controller.mouse_pos
        pygame.draw.circle(surface, palette.SKY_BLUE, (x, y), 10, 2)
        pygame.draw.line(surface, palette.SKY_BLUE, (x - 14, y), (x + 14, y), 1)
        pygame.draw.line(surface, palette.SKY_BLUE, (x, y - 14), (x, y + 14), 1)
        label = self.text.render(hint, 16, palette.WHITE, halo=True)
        surface.blit(label, (x + 14, y + 10))
