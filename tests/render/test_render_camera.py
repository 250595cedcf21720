"""The camera: world metres <-> screen pixels, pan, zoom about a point, clamp to the map."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.render.camera import Camera


def test_world_and_screen_round_trip_with_north_up():
    camera = Camera((1280, 720), (1000.0, 800.0))
    for x, y in [(0.0, 0.0), (1000.0, 800.0), (123.4, 567.8)]:
        sx, sy = camera.world_to_screen(x, y)
        back = camera.screen_to_world(sx, sy)
        assert back == pytest.approx((x, y), abs=1e-9), f"point ({x}, {y})"
    # North (larger y) is higher on screen (smaller pixel y); east is to the right.
    assert camera.world_to_screen(500, 700)[1] < camera.world_to_screen(500, 100)[1]
    assert camera.world_to_screen(700, 400)[0] > camera.world_to_screen(100, 400)[0]


def test_vectorised_conversion_matches_the_scalar_one():
    camera = Camera((1280, 720), (1000.0, 800.0))
    camera.zoom_at(3, (300, 200))
    xs, ys = np.array([0.0, 250.5, 999.0]), np.array([10.0, 400.0, 790.0])
    sx, sy = camera.world_to_screen_arrays(xs, ys)
    for i in range(3):
        assert (sx[i], sy[i]) == pytest.approx(camera.world_to_screen(xs[i], ys[i]))


def test_level_zero_fits_the_whole_map_inside_the_view_below_the_insets():
    camera = Camera((1280, 720), (1000.0, 800.0), insets_px=(0, 30, 0, 0))
    left, top = camera.world_to_screen(0, 800)
    right, bottom = camera.world_to_screen(1000, 0)
    assert 0 <= left < right <= 1280
    assert 30 <= top < bottom <= 720
    assert (left + right) / 2 == pytest.approx(640, abs=1)
    assert (top + bottom) / 2 == pytest.approx(30 + 690 / 2, abs=1)


def test_zoom_keeps_the_world_point_under_the_anchor():
    camera = Camera((1280, 720), (1000.0, 800.0))
    camera.zoom_at(4)  # zoomed in, so the anchor point is not clamped away
    anchor = (900.0, 500.0)
    before = camera.screen_to_world(*anchor)
    camera.zoom_at(2, anchor)
    assert camera.level == 6
    assert camera.screen_to_world(*anchor) == pytest.approx(before, abs=camera.scale**-1)
    camera.zoom_at(-1, anchor)
    assert camera.screen_to_world(*anchor) == pytest.approx(before, abs=camera.scale**-1)


def test_zoom_is_clamped_between_the_whole_map_and_the_closest_level():
    camera = Camera((1280, 720), (1000.0, 800.0))
    camera.zoom_at(-5)
    assert camera.level == 0
    camera.zoom_at(1000)
    assert camera.level == camera.max_level
    assert camera.scale >= 10.0, "the closest zoom should show a person large"


def test_pan_moves_the_view_and_is_clamped_to_the_map_edges():
    camera = Camera((1280, 720), (1000.0, 800.0))
    camera.zoom_at(6)
    start = camera.centre_m
    camera.pan(100, 0)
    assert camera.centre_m[0] == pytest.approx(start[0] + 100 / camera.scale)
    camera.pan(0, 100)  # dragging down the screen shows what lies further south
    assert camera.centre_m[1] < start[1]
    camera.pan(-1_000_000, -1_000_000)
    x0, y0, x1, y1 = camera.visible_world_rect()
    assert x0 == pytest.approx(0.0, abs=1 / camera.scale)
    assert y1 == pytest.approx(800.0, abs=1 / camera.scale)
    # At level 0 the map is smaller than the view: it stays centred whatever the pan.
    camera.fit_map()
    key = camera.key
    camera.pan(300, -200)
    assert camera.key == key


def test_bad_viewports_are_refused():
    with pytest.raises(ValueError):
        Camera((0, 720), (1000.0, 800.0))
    with pytest.raises(ValueError):
        Camera((1280, 720), (1000.0, 800.0), insets_px=(0, 720, 0, 0))
