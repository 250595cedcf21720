"""The composed frame: not blank, fog on pixels, read-only, map cached, night, memory."""

from __future__ import annotations

import copy

import numpy as np
import pygame
import pytest
from render_fixtures import brightness, make_picture, observer

from simulator.core.picture import Contact
from simulator.core.simulation import Simulation
from simulator.render import palette
from simulator.render.frame import Renderer, format_time_of_day

# Two open spots of Market Day far apart (bare terrain, no labels or markers nearby).
SPOT_A = (60.0, 250.0)
SPOT_B = (950.0, 250.0)


def test_a_frame_renders_at_1280x720_and_is_not_blank(market_loaded):
    scenario = market_loaded.scenario
    sim = Simulation(scenario)
    sim.reset(seed=3)
    for _ in range(20):
        sim.step()
    renderer = Renderer(scenario, sim.world)
    frame = renderer.draw(sim.observe("blue"), renderer.make_camera())
    assert frame.get_size() == (1280, 720)
    pixels = pygame.surfarray.array3d(frame)
    colours = np.unique(pixels[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 50, f"only {len(colours)} distinct colours: the frame looks blank"
    assert pixels.std() > 20


def test_fog_hides_what_was_never_observed_checked_on_pixels(market):
    """Same spot on the map: in view now > seen before > never seen (brightness)."""
    scenario, world = market

    def spot_brightness(*pictures):
        renderer = Renderer(scenario, world)
        camera = renderer.make_camera()
        for picture in pictures:
            frame = renderer.draw(picture, camera)
        return brightness(frame, camera.world_to_screen(*SPOT_A)), renderer

    in_view, renderer = spot_brightness(make_picture(1, sensors=(observer(*SPOT_A),)))
    assert renderer.fog.state_at(*SPOT_A) == 2
    seen_before, renderer = spot_brightness(
        make_picture(1, sensors=(observer(*SPOT_A),)),
        make_picture(2, sensors=(observer(*SPOT_B),)),
    )
    assert renderer.fog.state_at(*SPOT_A) == 1
    never_seen, renderer = spot_brightness(make_picture(1, sensors=(observer(*SPOT_B),)))
    assert renderer.fog.state_at(*SPOT_A) == 0
    assert in_view > seen_before * 1.15 > never_seen * 1.15 * 1.15, (
        f"in view {in_view:.0f}, seen before {seen_before:.0f}, never seen {never_seen:.0f}"
    )


def test_in_one_frame_the_never_seen_side_is_darker_than_the_side_in_view(market):
    scenario, world = market
    renderer = Renderer(scenario, world)
    camera = renderer.make_camera()
    frame = renderer.draw(make_picture(1, sensors=(observer(*SPOT_A, 40.0),)), camera)
    lit = brightness(frame, camera.world_to_screen(*SPOT_A), half=8)
    dark = brightness(frame, camera.world_to_screen(*SPOT_B), half=8)
    assert dark < 0.6 * lit, f"never seen {dark:.0f} vs in view {lit:.0f}"


def test_the_renderer_changes_neither_the_picture_nor_the_simulation(market_loaded):
    scenario = market_loaded.scenario
    sim = Simulation(scenario)
    sim.reset(seed=5)
    for _ in range(15):
        sim.step()
    picture = sim.observe("blue")
    snapshot = copy.deepcopy(picture)
    state_before = sim.state_hash()
    renderer = Renderer(scenario, sim.world)
    camera = renderer.make_camera()
    renderer.draw(picture, camera)
    camera.zoom_at(5, (640, 360))
    renderer.draw(picture, camera)
    assert picture == snapshot, "drawing changed the Picture"
    assert sim.state_hash() == state_before, "drawing changed the simulation"
    assert sim.observe("blue") == snapshot


def test_the_map_is_drawn_once_per_zoom_level_not_every_frame(market):
    scenario, world = market
    renderer = Renderer(scenario, world)
    camera = renderer.make_camera()
    picture = make_picture(1, sensors=(observer(*SPOT_A),))
    renderer.draw(picture, camera)
    drawn = renderer.map_layer.tiles_drawn
    assert drawn > 0
    for tick in range(2, 8):
        renderer.draw(make_picture(tick, sensors=(observer(*SPOT_A),)), camera)
    assert renderer.map_layer.tiles_drawn == drawn, "map tiles were redrawn at the same zoom"
    camera.zoom_at(2)
    renderer.draw(picture, camera)
    assert renderer.map_layer.tiles_drawn > drawn
    zoomed = renderer.map_layer.tiles_drawn
    camera.fit_map()
    renderer.draw(make_picture(9), camera)
    assert renderer.map_layer.tiles_drawn == zoomed, "level 0 tiles should still be cached"


def test_night_is_darker_than_day(market):
    scenario, world = market
    sensors = (observer(500.0, 400.0, 300.0),)
    day = Renderer(scenario, world)
    night = Renderer(scenario, world)
    day_frame = day.draw(make_picture(1, sensors=sensors), day.make_camera())
    night_frame = night.draw(
        make_picture(1, sensors=sensors, time_of_day_s=23 * 3600.0, is_night=True),
        night.make_camera(),
    )
    day_mean = pygame.surfarray.array3d(day_frame)[:, 40:].mean()
    night_mean = pygame.surfarray.array3d(night_frame)[:, 40:].mean()
    assert night_mean < 0.85 * day_mean


def test_a_replay_jumping_back_makes_the_renderer_forget(market):
    scenario, world = market
    renderer = Renderer(scenario, world)
    camera = renderer.make_camera()
    renderer.draw(make_picture(10, sensors=(observer(*SPOT_A),)), camera)
    assert renderer.fog.state_at(*SPOT_A) == 2
    renderer.draw(make_picture(4, sensors=(observer(*SPOT_B),)), camera)
    assert renderer.fog.state_at(*SPOT_A) == 0, "fog from a later tick survived a jump back"


def test_contacts_are_drawn_in_their_affiliation_colour_where_they_are(market):
    scenario, world = market
    renderer = Renderer(scenario, world)
    camera = renderer.make_camera()
    hostile = Contact("T0001", *SPOT_A, 3.0, 1, True, "person", (), "combatant", 0.8)
    civilian = Contact("T0002", *SPOT_B, 3.0, 1, True, "vehicle", (), "civilian", 0.8)
    frame = renderer.draw(
        make_picture(1, sensors=(observer(*SPOT_A),), contacts=(hostile, civilian)), camera
    )
    pixels = pygame.surfarray.array3d(frame)
    for contact, colour in ((hostile, palette.VERMILLION), (civilian, palette.BLUISH_GREEN)):
        x, y = (round(v) for v in camera.world_to_screen(contact.x_m, contact.y_m))
        patch = pixels[x - 8 : x + 8, y - 8 : y + 8].reshape(-1, 3)
        assert np.all(patch == colour, axis=1).sum() >= 10, f"{contact.track_id} not drawn"


def test_trails_keep_the_last_sightings_oldest_first(market):
    scenario, world = market
    renderer = Renderer(scenario, world, trail_length=4)
    camera = renderer.make_camera()
    for tick in range(1, 7):
        walker = Contact("T0001", 100.0 + tick, 200.0, 3.0, tick, True, "person")
        renderer.draw(make_picture(tick, contacts=(walker,)), camera)
    row = int(renderer.trails.rows(["T0001"])[0])
    assert renderer.trails.positions(row) == [
        (103.0, 200.0),
        (104.0, 200.0),
        (105.0, 200.0),
        (106.0, 200.0),
    ]


def test_the_camera_must_match_the_frame(market):
    scenario, world = market
    renderer = Renderer(scenario, world, (800, 600))
    with pytest.raises(ValueError, match="frame size"):
        renderer.draw(make_picture(), Renderer(scenario, world).make_camera())


def test_time_of_day_is_shown_as_hours_and_minutes():
    assert format_time_of_day(9 * 3600 + 30 * 60 + 59) == "09:30"
    assert format_time_of_day(86400 + 60) == "00:01"
