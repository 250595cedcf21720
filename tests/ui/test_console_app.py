"""The console as a whole, headless (SDL dummy driver): frames render, the real-time loop
writes a session that replays, closing the window or a crash leaves a replayable log,
drawing never changes the simulation, the end screen scores the session."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pygame
import pytest
from ui_fixtures import SMALL_TOWN, click, lone_contact, post, press, run_for, screen_of, settle

from simulator.core.events import read_log
from simulator.scenario import load_scenario_file
from simulator.session import verify_replay

UI_SOURCES = Path(__file__).resolve().parents[2] / "simulator" / "ui"


class FakeClock:
    """A time source that moves on a fixed step every time it is read."""

    def __init__(self, step_s: float) -> None:
        self.now = 0.0
        self.step_s = step_s

    def __call__(self) -> float:
        self.now += self.step_s
        return self.now


def pixels(surface: pygame.Surface, rect) -> np.ndarray:
    return pygame.surfarray.array3d(surface.subsurface(pygame.Rect(rect))).astype(int)


def start(app) -> None:
    settle(app, 1)
    press(app, pygame.K_RETURN, unicode="\r")
    assert app.state == "exercise"


def ends(log) -> list[str]:
    return [event["reason"] for event in log.of_type("session_end")]


def test_briefing_shows_the_roe_card_and_learning_objectives(make_app):
    app = make_app()
    settle(app, 1)
    text = app.text_screen.body.html_text
    for needle in (
        "RULES OF ENGAGEMENT",
        "weapon visible",
        "LEARNING OBJECTIVES",
        "Town school",
        "Small (notional)",
        "Loudspeaker",
        "Stop HAWK by 07:20",
    ):
        assert needle in text, needle
    assert "HAWK is reported" in text, "the briefing text"
    assert "safehouse" not in text and "safe1" not in text, "hidden actors stay hidden"
    frame = pixels(app.screen, (0, 0, *app.size))
    assert frame.std() > 10, "the briefing screen is drawn"
    assert not (app.out_dir / "events.jsonl").exists(), "no session before Start"


def test_exercise_frames_draw_the_map_panels_and_help(make_app):
    app = make_app()
    start(app)
    run_for(app, 1.0)
    left, top = app.camera.world_to_screen(0, app.renderer.extent_m[1])
    right, bottom = app.camera.world_to_screen(*app.renderer.extent_m[:1], 0)
    inside = pixels(app.screen, (int(left) + 5, int(top) + 5, int(right - left) - 10, 20))
    assert inside.mean() > 60, "the map is drawn (lit, in view of the drone)"
    before = pixels(app.screen, (0, 0, *app.size)).copy()
    press(app, pygame.K_F1)
    assert app.panels.help_panel.visible
    after = pixels(app.screen, (0, 0, *app.size))
    assert np.abs(after - before).sum() > 0, "the help overlay is drawn"
    press(app, pygame.K_F1)
    assert not app.panels.help_panel.visible


def test_help_lists_every_shortcut():
    from simulator.ui.controller import SHORTCUTS

    keys = " ".join(k for k, _ in SHORTCUTS)
    for needle in (
        "Space",
        "1 2 3 4 5 6",
        "Arrows",
        "Wheel",
        "T,",
        "Z / X",
        "F",
        "M,",
        "F1",
        "F12",
        "Ctrl+=",
        "Escape",
        "Home",
        "Tab",
        "C",
    ):
        assert needle in keys, needle


def test_estimate_overlay_draws_radii_around_the_aim_point(make_app):
    app = make_app()
    start(app)
    run_for(app, 2.0)
    contact = lone_contact(app)
    app.camera.zoom_at(5, screen_of(app, contact))
    settle(app)
    contact = lone_contact(app)
    click(app, screen_of(app, contact))
    controller = app.controller
    controller.nominate()
    controller.plan_effect()
    run_for(app, 1.2)
    controller.estimate()
    run_for(app, 1.2)
    view = controller.engagement_view()
    assert dict(view.estimate), "an estimate exists"
    x, y = app.camera.world_to_screen(view.aim_x_m, view.aim_y_m)
    lethal_px = 3 * app.camera.scale
    frame = pygame.surfarray.array3d(app.screen)
    row = frame[int(x - lethal_px - 3) : int(x - lethal_px + 4), int(y)]
    vermillion = np.array([0xD5, 0x5E, 0x00])
    assert (np.abs(row - vermillion).sum(axis=1) < 40).any(), "lethal circle drawn"


def test_the_loop_with_a_fake_clock_writes_a_session_that_replays(make_app):
    app = make_app(trainee={"name": "Ann", "unit": "2 Coy"})
    post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r"))
    clock = FakeClock(1 / 30)
    result = app.run(max_frames=200, time_source=clock)
    log = read_log(app.out_dir / "events.jsonl")
    assert log.header["policy"] == "console" and log.header["trainee"] == {
        "name": "Ann",
        "unit": "2 Coy",
    }
    last_tick = log.events[-1]["tick"]
    assert 5 <= last_tick <= 7, f"200 frames of 1/30 s at 1x is about 6 ticks, got {last_tick}"
    assert ends(log) == ["closed"]
    report = verify_replay(app.out_dir)
    assert report.ok, report.problems
    assert result.end_reason == "closed" and result.session_dir == app.out_dir


def test_closing_the_window_mid_exercise_leaves_a_replayable_scored_session(make_app):
    app = make_app()
    start(app)
    run_for(app, 3.0)
    click(app, screen_of(app, lone_contact(app)))
    app.panels.press("classify_civilian")
    run_for(app, 61.5, frame_s=0.25)  # past a state hash at tick 60
    post(pygame.event.Event(pygame.QUIT))
    assert app.frame(0.0) is False
    log = read_log(app.out_dir / "events.jsonl")
    assert ends(log) == ["closed"]
    assert any(e["command"]["kind"] == "classify_contact" for e in log.of_type("command"))
    report = verify_replay(app.out_dir)
    assert report.ok and report.checked >= 2, (report.problems, report.checked)
    assert (app.out_dir / "scorecard.json").is_file()


def test_a_crash_closes_the_log_with_reason_error(make_app, monkeypatch):
    app = make_app()
    start(app)
    frames = {"n": 0}
    real_draw = app.overlay.draw

    def failing_draw(*args, **kwargs):
        frames["n"] += 1
        if frames["n"] == 40:
            raise RuntimeError("drawing failed")
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(app.overlay, "draw", failing_draw)
    with pytest.raises(RuntimeError, match="drawing failed"):
        app.run(time_source=FakeClock(0.1))
    log = read_log(app.out_dir / "events.jsonl")
    assert ends(log) == ["error"]
    assert "drawing failed" in list(log.of_type("session_end"))[-1]["detail"]
    assert verify_replay(app.out_dir).ok


def test_a_termination_signal_closes_the_log_as_interrupted(make_app, monkeypatch):
    app = make_app()
    start(app)
    run_for(app, 2.0)
    real_advance = app._advance

    def terminated(wall_s):
        real_advance(wall_s)
        raise SystemExit(143)  # what run_console's SIGTERM handler raises

    monkeypatch.setattr(app, "_advance", terminated)
    with pytest.raises(SystemExit):
        app.run(time_source=FakeClock(0.1))
    log = read_log(app.out_dir / "events.jsonl")
    assert ends(log) == ["interrupted"]
    assert verify_replay(app.out_dir).ok


def test_drawing_never_changes_the_simulation(make_app):
    app = make_app()
    start(app)
    run_for(app, 2.0)
    before = app.sim.state_hash()
    picture = app.sim.observe("blue")
    for _ in range(5):
        app.frame(0.0)  # draws, no time passes
    press(app, pygame.K_F1)
    app.camera.zoom_at(3)
    app.draw()
    assert app.sim.state_hash() == before
    assert app.sim.observe("blue") == picture


def test_the_exercise_ends_with_the_scorecard_on_the_end_screen(make_app, tmp_path):
    text = SMALL_TOWN.read_text(encoding="utf-8").replace("duration_s: 1200", "duration_s: 90")
    text = text.replace('by: "07:20"', 'by: "07:01"')
    short = tmp_path / "short.yaml"
    short.write_text(text, encoding="utf-8")
    app = make_app(load_scenario_file(short))
    start(app)
    press(app, pygame.K_6)
    for _ in range(400):
        if app.state != "exercise":
            break
        app.frame(0.1)
    assert app.state == "end", f"stopped at tick {app.picture.tick}"
    log = read_log(app.out_dir / "events.jsonl")
    assert ends(log) == ["completed"]
    card = json.loads((app.out_dir / "scorecard.json").read_text(encoding="utf-8"))
    body = app.text_screen.body.html_text
    assert "SCORES" in body and "Overall" in body, body[:300]
    overall = re.search(r"Overall: <b>(\d+)</b>", body)
    assert overall and int(overall.group(1)) == round(card["scores"]["overall"])
    assert str(app.out_dir) in body and "replay" in body
    assert (app.out_dir / "report.html").is_file() and "report.html" in body
    press(app, pygame.K_RETURN, unicode="\r")
    assert app.state == "done"


def test_ui_scale_rebuilds_the_panels_and_keeps_what_was_typed(make_app):
    app = make_app()
    start(app)
    run_for(app, 2.0)
    click(app, screen_of(app, lone_contact(app)))
    selected = app.controller.selected_track
    app.controller.pid_rationale = "seen twice"
    width = app.panels.buttons["nominate"].rect.width
    press(app, pygame.K_EQUALS, mod=pygame.KMOD_LCTRL)
    assert app.layout.scale == pytest.approx(1.125)
    assert app.panels.buttons["nominate"].rect.width > width
    assert app.controller.selected_track == selected
    assert app.panels.entries["pid_rationale"].get_text() == "seen twice"
    press(app, pygame.K_MINUS, mod=pygame.KMOD_LCTRL)
    press(app, pygame.K_MINUS, mod=pygame.KMOD_LCTRL)
    assert app.layout.scale == pytest.approx(0.875)
    run_for(app, 1.0)
    assert app.state == "exercise"


def test_f12_saves_a_screenshot_in_the_session_folder(make_app):
    app = make_app()
    start(app)
    run_for(app, 1.2)
    press(app, pygame.K_F12)
    press(app, pygame.K_F12)
    shots = sorted(app.out_dir.glob("screenshot-*.png"))
    assert len(shots) == 2, shots
    image = pygame.image.load(str(shots[0]))
    assert image.get_size() == app.size


def test_the_console_reads_no_ground_truth():
    """No ``sim.state()`` call and no reach into the engine's tables anywhere in the UI."""
    engine_tables = {"people", "sensing", "targeting", "awareness", "vehicle", "health"}
    for path in UI_SOURCES.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr != "state", f"{path.name}:{node.lineno} calls state()"
            if isinstance(node, ast.Attribute):
                assert node.attr not in engine_tables, f"{path.name}:{node.lineno} .{node.attr}"
            if isinstance(node, ast.Name):
                assert node.id != "GroundTruth", f"{path.name}:{node.lineno} GroundTruth"


def test_the_guide_screenshots_are_made_headless_and_small(tmp_path):
    from simulator.ui.doc_images import MAX_BYTES, make_images

    made = make_images(tmp_path)
    names = {path.name for path in made}
    assert {"console_briefing.png", "console_estimate.png", "console_abort.png"} <= names
    docs = Path(__file__).resolve().parents[2] / "docs" / "console.md"
    guide = docs.read_text(encoding="utf-8")
    for path in made:
        assert path.stat().st_size < MAX_BYTES, path
        assert f"images/{path.name}" in guide, f"docs/console.md does not show {path.name}"
