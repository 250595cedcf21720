"""Ground truth for instructors: a drawable "truth picture" and the view that draws it.

The trainee's view (:mod:`simulator.render.frame`) reads only a Picture, which carries no
ground truth. The instructor's replay viewer also shows what was *really* there: every
person with their true kind (civilian or hostile), who was indoors and so invisible from
the air, who was injured or killed, every vehicle, the own units, the protected sites'
true status, at public assemblies the crowd with its agitators, and at checkpoints each
arrival with the behaviour hidden from the guards (compliant, distracted, emergency,
threat...).

Two parts:

* :func:`truth_picture` is the **adapter**: it turns ``Simulation.state()`` (plus a few
  read-only facts the engine keeps beside it: who rides in a vehicle, the crowds, the
  checkpoint arrivals) into a frozen :class:`TruthPicture` of plain arrays. Nothing in it refers back to the
  simulation, so drawing it can never change the session.
* :class:`TruthRenderer` draws a TruthPicture with the trainee view's map, symbols and
  palette, so the two views can be compared side by side: the same frame shapes mean the
  same *true* affiliation here (green square civilian, red diamond hostile, blue
  rectangle own unit). A filled symbol is a person outdoors; a hollow one is indoors.

**Instructor only.** The trainee console never imports this module (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from simulator.render import palette
from simulator.render.camera import Camera
from simulator.render.frame import HUD_HEIGHT, format_time_of_day
from simulator.render.map_layer import MapLayer
from simulator.render.symbols import (
    ContactArrays,
    SymbolSet,
    draw_contacts,
    symbol_code,
    symbol_size_for_scale,
)
from simulator.render.text import TextCache

# Person conditions (the engine's health codes, named here so the viewer needs no core import).
WELL, INJURED, KILLED, DETAINED = 0, 1, 2, 3
LEGEND_HEIGHT = 22
TRUTH_BANNER = "GROUND TRUTH - instructor only"
INJURED_RING = palette.ORANGE
KILLED_MARK = (20, 20, 20)
AGITATOR_RING = palette.VERMILLION
HOSTILE_LABEL = (255, 214, 190)
LEGEND_TEXTS = (  # the longest that fits the frame is shown
    "green square: civilian   red diamond: hostile   filled: outdoors   "
    "hollow: indoors (unseen from the air)   orange ring: injured   cross: killed",
    "square civilian  diamond hostile  filled outdoors  hollow indoors  ring injured  X killed",
    "hollow = indoors, ring = injured, X = killed",
)


@dataclass(frozen=True)
class CrowdTruth:
    """A public assembly as it really is.

    Attributes:
        assembly_id: the assembly's id.
        xy: positions of the people present (n, 2).
        agitator: which of them are agitators (n,), hidden from the trainee until spotted.
        state: peaceful, agitated or violent.
        tension: 0 to 1.
    """

    assembly_id: str
    xy: np.ndarray
    agitator: np.ndarray
    state: str
    tension: float


@dataclass(frozen=True)
class ArrivalTruth:
    """A vehicle or pedestrian at a checkpoint, with the behaviour hidden from the guards.

    Attributes:
        arrival_id: the scenario's id of the arrival.
        label: the trainee's label for it ('' until the guards saw it).
        kind: car, truck, pedestrian...
        behaviour: compliant, distracted, confused, emergency, panicked or threat.
        status: approaching, stopped, searching, leaving, hit...
        x_m, y_m: where it is.
    """

    arrival_id: str
    label: str
    kind: str
    behaviour: str
    status: str
    x_m: float
    y_m: float


@dataclass(frozen=True)
class TruthPicture:
    """Everything that was true at one tick, as read-only arrays (instructor only).

    Attributes:
        tick, time_of_day_s, is_night: when.
        person_ids: truth ids of every person (row order of the arrays below).
        person_xy: true positions (n, 2).
        person_hostile: True for hostile actors (n,).
        person_indoors: inside a building, so no overhead sensor could see them (n,).
        person_in_vehicle: driving or riding (drawn with the vehicle glyph) (n,).
        person_condition: WELL, INJURED, KILLED or DETAINED (n,).
        vehicle_xy: civilian vehicles (m, 2).
        unit_ids, unit_xy: own units.
        sites: (site id, name, true status, x_m, y_m) of each protected site.
        crowds: public assemblies under way.
        arrivals: arrivals at checkpoints now on the approach.
        injects_fired: ids of the scenario's injects that have happened.
    """

    tick: int
    time_of_day_s: float
    is_night: bool
    person_ids: tuple[str, ...]
    person_xy: np.ndarray
    person_hostile: np.ndarray
    person_indoors: np.ndarray
    person_in_vehicle: np.ndarray
    person_condition: np.ndarray
    vehicle_xy: np.ndarray
    unit_ids: tuple[str, ...]
    unit_xy: np.ndarray
    sites: tuple[tuple[str, str, str, float, float], ...] = ()
    crowds: tuple[CrowdTruth, ...] = ()
    arrivals: tuple[ArrivalTruth, ...] = ()
    injects_fired: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        """Headline numbers: civilians (and how many indoors), hostiles, injured, killed."""
        here = self.person_condition != DETAINED
        civilian = ~self.person_hostile & here
        return {
            "civilians": int(civilian.sum()),
            "civilians_indoors": int((civilian & self.person_indoors).sum()),
            "hostiles": int((self.person_hostile & here).sum()),
            "injured": int((self.person_condition == INJURED).sum()),
            "killed": int((self.person_condition == KILLED).sum()),
            "detained": int((self.person_condition == DETAINED).sum()),
            "vehicles": len(self.vehicle_xy),
        }


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def _site_positions(scenario, world) -> dict[str, tuple[float, float]]:
    """Where each protected site's marker goes (its building's centre, or its polygon's)."""
    found = {}
    for site in scenario.protected.sites:
        if site.building is not None:
            x, y = world.place_xy[world.place_index[site.building]]
        else:
            x, y = np.mean(np.asarray(site.polygon, dtype=float), axis=0)
        found[site.id] = (float(x), float(y))
    return found


def _crowds(sim) -> tuple[CrowdTruth, ...]:
    """Assemblies under way, read from the engine's assembly desk (read-only)."""
    desk = getattr(sim, "assemblies", None)
    out = []
    for name, crowd in getattr(desk, "crowds", {}).items():
        if getattr(crowd, "status", "") != "active":
            continue
        here = np.asarray(crowd.present, dtype=bool) & ~np.asarray(crowd.removed, dtype=bool)
        out.append(
            CrowdTruth(
                str(name),
                _frozen(np.asarray(crowd.xy, dtype=float)[here]),
                _frozen(np.asarray(crowd.agitator, dtype=bool)[here]),
                str(crowd.state),
                float(crowd.tension),
            )
        )
    return tuple(out)


GONE = frozenset({"pending", "passed", "departed", "detained"})


def _arrivals(sim) -> tuple[ArrivalTruth, ...]:
    """Arrivals on a checkpoint's approach, read from the engine's checkpoint desk."""
    desk = getattr(sim, "checkpoints", None)
    out = []
    for point in getattr(desk, "points", {}).values():
        for arrival in getattr(point, "arrivals", ()):
            status = str(getattr(arrival, "status", "pending"))
            if status in GONE:
                continue
            x_m, y_m = point.xy(point.length - float(arrival.s_m))
            spec = arrival.spec
            out.append(
                ArrivalTruth(
                    str(spec.id),
                    str(getattr(arrival, "label", "") or ""),
                    str(getattr(spec.kind, "value", spec.kind)),
                    str(getattr(spec.behaviour, "value", spec.behaviour)),
                    status,
                    float(x_m),
                    float(y_m),
                )
            )
    return tuple(out)


def truth_picture(sim) -> TruthPicture:
    """The ground truth of a simulation's current tick, ready to draw (instructor only).

    Reads ``sim.state()`` and a few read-only facts; never changes the simulation.
    """
    state = sim.state()
    n = len(state.person_ids)
    in_vehicle = getattr(getattr(sim, "people", None), "in_vehicle", None)
    in_vehicle = np.zeros(n, bool) if in_vehicle is None else np.asarray(in_vehicle, bool)
    positions = _site_positions(sim.scenario, sim.world)
    names = {site.id: site.name for site in sim.scenario.protected.sites}
    sites = tuple(
        (
            site_id,
            names.get(site_id, site_id),
            str(getattr(status, "value", status)),
            *positions.get(site_id, (0.0, 0.0)),
        )
        for site_id, status in state.site_status.items()
    )
    return TruthPicture(
        tick=int(state.tick),
        time_of_day_s=float(state.time_of_day_s),
        is_night=bool(sim.observe("blue").is_night),
        person_ids=tuple(state.person_ids),
        person_xy=_frozen(state.person_xy),
        person_hostile=_frozen(state.person_kind == 1),
        person_indoors=_frozen(state.person_indoors),
        person_in_vehicle=_frozen(in_vehicle[:n]),
        person_condition=_frozen(state.person_health.astype(np.int8)),
        vehicle_xy=_frozen(state.vehicle_xy.reshape(-1, 2)),
        unit_ids=tuple(state.unit_ids),
        unit_xy=_frozen(state.unit_xy.reshape(-1, 2)),
        sites=sites,
        crowds=_crowds(sim),
        arrivals=_arrivals(sim),
        injects_fired=tuple(state.injects_fired),
    )


# --------------------------------------------------------------------------- drawing


def _symbol_arrays(xy: np.ndarray, code: np.ndarray) -> ContactArrays:
    """Symbols as the renderer's bulk-drawing arrays, sorted so hostiles are drawn on top."""
    order = np.argsort(code, kind="stable")
    code = code[order]
    return ContactArrays(
        x_m=xy[order, 0].astype(np.float64),
        y_m=xy[order, 1].astype(np.float64),
        uncertainty_m=np.zeros(len(code)),
        code=code,
        in_view=np.ones(len(code), dtype=bool),
        track_ids=(),
        order=order,
    )


class TruthRenderer:
    """Draws a :class:`TruthPicture` over the scenario's map (instructor only).

    Args:
        scenario: the scenario (map, protected sites).
        world: its built world.
        size: frame size in pixels.

    The returned frame is reused by the next ``draw``; copy it to keep it.
    """

    def __init__(self, scenario, world, size: tuple[int, int]) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.size = (int(size[0]), int(size[1]))
        self.extent_m = (float(world.extent_m[0]), float(world.extent_m[1]))
        self.frame = pygame.Surface(self.size, 0, 32)
        self.map_layer = MapLayer(scenario, world, self.frame)
        self.text = TextCache()
        self._symbols: dict[int, SymbolSet] = {}
        self._bar = pygame.Surface((self.size[0], HUD_HEIGHT), pygame.SRCALPHA, 32)
        self._bar.fill(palette.HUD_BACKGROUND)
        self._legend = pygame.Surface((self.size[0], LEGEND_HEIGHT), pygame.SRCALPHA, 32)
        self._legend.fill(palette.HUD_BACKGROUND)
        self._arrays_for: tuple[int, ContactArrays, ContactArrays] | None = None

    def make_camera(self) -> Camera:
        """A camera fitted to the whole map between the banner and the legend."""
        return Camera(self.size, self.extent_m, insets_px=(0, HUD_HEIGHT, 0, LEGEND_HEIGHT))

    def _symbol_set(self, scale: float) -> SymbolSet:
        size = symbol_size_for_scale(scale)
        found = self._symbols.get(size)
        if found is None:
            found = self._symbols[size] = SymbolSet(size, self.frame)
        return found

    def _arrays(self, truth: TruthPicture) -> tuple[ContactArrays, ContactArrays]:
        """People and vehicles as symbol arrays (built once per TruthPicture)."""
        cached = self._arrays_for
        if cached is not None and cached[0] == id(truth):
            return cached[1], cached[2]
        shown = truth.person_condition != DETAINED
        hostile = truth.person_hostile[shown]
        outdoors = ~truth.person_indoors[shown]
        riding = truth.person_in_vehicle[shown]
        codes = np.array(
            [
                symbol_code(aff, cat, filled)
                for aff in (palette.CIVILIAN, palette.HOSTILE)
                for cat in palette.CATEGORIES
                for filled in (False, True)
            ],
            dtype=np.int64,
        ).reshape(2, 2, 2)
        person_code = codes[hostile.astype(int), riding.astype(int), outdoors.astype(int)]
        people = _symbol_arrays(truth.person_xy[shown], person_code)
        vehicle_code = np.full(
            len(truth.vehicle_xy), symbol_code(palette.CIVILIAN, "vehicle", True), np.int64
        )
        vehicles = _symbol_arrays(truth.vehicle_xy, vehicle_code)
        self._arrays_for = (id(truth), people, vehicles)
        return people, vehicles

    def draw(self, truth: TruthPicture, camera: Camera) -> pygame.Surface:
        """Compose the ground-truth view of ``truth`` through ``camera``."""
        if camera.viewport_px != self.size:
            raise ValueError(
                f"camera viewport {camera.viewport_px} is not the frame size {self.size}"
            )
        frame = self.frame
        self.map_layer.draw(frame, camera)
        if truth.is_night:
            light = tuple(round(255 * v) for v in palette.LIGHT_NIGHT)
            frame.fill(light, special_flags=pygame.BLEND_RGB_MULT)
        symbols = self._symbol_set(camera.scale)
        self._draw_sites(frame, camera, truth, symbols.size)
        people, vehicles = self._arrays(truth)
        draw_contacts(frame, camera, vehicles, symbols)
        draw_contacts(frame, camera, people, symbols)
        self._draw_harm(frame, camera, truth, symbols.size)
        self._draw_crowds(frame, camera, truth, symbols.size)
        self._draw_arrivals(frame, camera, truth, symbols)
        self._draw_hostile_labels(frame, camera, truth, symbols.size)
        self._draw_units(frame, camera, truth, symbols)
        self._draw_banner(frame, truth)
        self._draw_legend(frame)
        return frame

    # ------------------------------------------------------------------ layers

    def _draw_sites(self, frame, camera: Camera, truth: TruthPicture, size: int) -> None:
        for _site_id, name, status, x_m, y_m in truth.sites:
            x, y = camera.world_to_screen(x_m, y_m)
            radius = size * 0.8
            pygame.draw.circle(frame, palette.WHITE, (x, y), radius + 2)
            if status == "protected":
                pygame.draw.circle(frame, palette.REDDISH_PURPLE, (x, y), radius)
            else:
                pygame.draw.circle(frame, palette.REDDISH_PURPLE, (x, y), radius, 3)
            label = name if status == "protected" else f"{name} ({status.replace('_', ' ')})"
            text = self.text.render(label, 16, palette.WHITE, halo=True)
            frame.blit(text, (round(x + radius + 4), round(y - text.get_height() / 2)))

    def _draw_harm(self, frame, camera: Camera, truth: TruthPicture, size: int) -> None:
        """Injured: an orange ring; killed: a dark cross over the symbol."""
        half = max(4, size // 2 + 2)
        for condition in (INJURED, KILLED):
            rows = np.flatnonzero(truth.person_condition == condition)
            if not len(rows):
                continue
            sx, sy = camera.world_to_screen_arrays(
                truth.person_xy[rows, 0], truth.person_xy[rows, 1]
            )
            width, height = frame.get_size()
            for x, y in zip(sx.tolist(), sy.tolist()):
                if not (-half <= x <= width + half and -half <= y <= height + half):
                    continue
                if condition == INJURED:
                    pygame.draw.circle(frame, INJURED_RING, (x, y), half + 1, 2)
                else:
                    for colour, stroke in ((palette.WHITE, 5), (KILLED_MARK, 3)):
                        pygame.draw.line(
                            frame, colour, (x - half, y - half), (x + half, y + half), stroke
                        )
                        pygame.draw.line(
                            frame, colour, (x - half, y + half), (x + half, y - half), stroke
                        )

    def _draw_crowds(self, frame, camera: Camera, truth: TruthPicture, size: int) -> None:
        for crowd in truth.crowds:
            if not len(crowd.xy):
                continue
            sx, sy = camera.world_to_screen_arrays(crowd.xy[:, 0], crowd.xy[:, 1])
            dot = max(2, size // 5)
            for x, y in zip(sx.tolist(), sy.tolist()):
                pygame.draw.circle(frame, palette.BLUISH_GREEN, (x, y), dot)
            for x, y in zip(sx[crowd.agitator].tolist(), sy[crowd.agitator].tolist()):
                pygame.draw.circle(frame, AGITATOR_RING, (x, y), dot + 4, 2)
            centre = camera.world_to_screen(*crowd.xy.mean(axis=0))
            label = (
                f"{crowd.assembly_id}: {len(crowd.xy)} people, {int(crowd.agitator.sum())} "
                f"agitators, {crowd.state} (tension {crowd.tension:.2f})"
            )
            text = self.text.render(label, 16, palette.WHITE, halo=True)
            frame.blit(text, (round(centre[0] - text.get_width() / 2), round(centre[1] - 30)))

    def _draw_arrivals(
        self, frame, camera: Camera, truth: TruthPicture, symbols: SymbolSet
    ) -> None:
        for arrival in truth.arrivals:
            affiliation = palette.HOSTILE if arrival.behaviour == "threat" else palette.CIVILIAN
            category = "person" if arrival.kind == "pedestrian" else "vehicle"
            sprite = symbols.sprites[symbol_code(affiliation, category, True)]
            x, y = camera.world_to_screen(arrival.x_m, arrival.y_m)
            frame.blit(
                sprite, (round(x) - sprite.get_width() // 2, round(y) - sprite.get_height() // 2)
            )
            name = arrival.label or arrival.arrival_id
            colour = HOSTILE_LABEL if arrival.behaviour == "threat" else palette.WHITE
            text = self.text.render(
                f"{name}: {arrival.kind}, {arrival.behaviour} ({arrival.status})",
                15,
                colour,
                halo=True,
            )
            frame.blit(text, (round(x + symbols.size), round(y - text.get_height() - 2)))

    def _draw_hostile_labels(self, frame, camera: Camera, truth: TruthPicture, size: int) -> None:
        rows = np.flatnonzero(truth.person_hostile & (truth.person_condition != DETAINED))
        for row in rows.tolist():
            x, y = camera.world_to_screen(*truth.person_xy[row])
            where = "indoors" if truth.person_indoors[row] else "outdoors"
            text = self.text.render(
                f"{truth.person_ids[row]} ({where})", 15, HOSTILE_LABEL, halo=True
            )
            frame.blit(text, (round(x + size), round(y - text.get_height() - 2)))

    def _draw_units(self, frame, camera: Camera, truth: TruthPicture, symbols: SymbolSet) -> None:
        sprite = symbols.units["person"]
        for ident, (x_m, y_m) in zip(truth.unit_ids, truth.unit_xy.tolist()):
            x, y = camera.world_to_screen(x_m, y_m)
            frame.blit(
                sprite, (round(x) - sprite.get_width() // 2, round(y) - sprite.get_height() // 2)
            )
            text = self.text.render(ident, 15, palette.WHITE, halo=True)
            frame.blit(
                text, (round(x) - text.get_width() // 2, round(y) + sprite.get_height() // 2 + 1)
            )

    def _draw_banner(self, frame, truth: TruthPicture) -> None:
        frame.blit(self._bar, (0, 0))
        counts = truth.counts()
        parts = [
            (format_time_of_day(truth.time_of_day_s), 26, palette.HUD_TEXT),
            (TRUTH_BANNER, 20, palette.ORANGE),
            (f"tick {truth.tick}", 20, palette.HUD_TEXT),
            (
                f"civilians {counts['civilians']} ({counts['civilians_indoors']} indoors), "
                f"hostile {counts['hostiles']}, injured {counts['injured']}, "
                f"killed {counts['killed']}",
                20,
                palette.HUD_TEXT,
            ),
        ]
        x = 10
        width = frame.get_width()
        for text, size, colour in parts:
            surface = self.text.render(text, size, colour)
            if x + surface.get_width() > width - 4:
                break
            frame.blit(surface, (x, (HUD_HEIGHT - surface.get_height()) // 2 + 1))
            x += surface.get_width() + 18

    def _draw_legend(self, frame) -> None:
        top = frame.get_height() - LEGEND_HEIGHT
        frame.blit(self._legend, (0, top))
        for text in LEGEND_TEXTS:
            surface = self.text.render(text, 16, palette.HUD_TEXT)
            if surface.get_width() <= frame.get_width() - 16:
                break
        frame.blit(surface, (8, top + (LEGEND_HEIGHT - surface.get_height()) // 2 + 1))


__all__ = [
    "DETAINED",
    "ArrivalTruth",
    "INJURED",
    "KILLED",
    "WELL",
    "CrowdTruth",
    "TruthPicture",
    "TruthRenderer",
    "truth_picture",
]
