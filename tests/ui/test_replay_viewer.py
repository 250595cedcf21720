"""The instructor's replay viewer: re-simulation from the log, checkpoints, bookmarks,
views, input and the ``replay DIR`` command (SDL's dummy video driver, no screen)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pygame
import pytest
from ui_fixtures import SMALL_TOWN, key, post

from simulator.cli import main
from simulator.cli_play import ALLOW_DUMMY_ENV
from simulator.core.simulation import Simulation
from simulator.policies import make_policy
from simulator.render.truth import truth_picture
from simulator.scenario import load_scenario_file
from simulator.session import EVENT_LOG, SCENARIO_COPY, run_session
from simulator.ui.replay_events import VIOLATION, describe_event
from simulator.ui.replay_timeline import ReplayTimeline
from simulator.ui.replay_viewer import (
    BOTH,
    REPLAY_SPEEDS,
    SHORTCUTS,
    TRAINEE,
    TRUTH,
    VIEWS,
    ReplayViewer,
)

UI_SOURCES = Path(__file__).resolve().parents[2] / "simulator" / "ui"
SESSION_TICKS = 300


@pytest.fixture(scope="module")
def reckless_session(tmp_path_factory) -> Path:
    """A reckless scripted trainee on the console test town: releases without PID."""
    out = tmp_path_factory.mktemp("replay") / "reckless"
    run_session(
        load_scenario_file(SMALL_TOWN),
        seed=3,
        policy=make_policy("reckless"),
        out_dir=out,
        ticks=SESSION_TICKS,
    )
    return out


@pytest.fixture
def viewer(reckless_session):
    timeline = ReplayTimeline(reckless_session, checkpoint_every=50)
    made = ReplayViewer(timeline, size=(1280, 720))
    pygame.event.clear()
    yield made
    timeline.close()
    pygame.event.clear()


def fresh_simulation(session: Path, ticks: int) -> Simulation:
    """A re-simulation from the folder, stepped from the start (the reference)."""
    timeline = ReplayTimeline(session)  # only for its parsed schedule and scenario
    sim = Simulation(timeline.scenario)
    sim.reset(seed=timeline.seed)
    while sim.tick < ticks:
        sim.step(timeline.schedule.get(sim.tick, ()))
    return sim


def press(viewer: ReplayViewer, code: int, mod: int = 0) -> None:
    post(*key(code, mod))
    viewer.frame(0.0)
    viewer.finish_seek()


# ----------------------------------------------------------------------------- re-simulation


def test_the_trainee_view_picture_equals_a_fresh_re_simulation(viewer, reckless_session):
    viewer.seek(157)
    viewer.finish_seek()
    viewer.frame(0.0)
    reference = fresh_simulation(reckless_session, 157)
    assert viewer.tick == 157
    assert viewer.timeline.picture() == reference.observe("blue"), "tick 157: pictures differ"
    assert viewer.timeline.state_hash() == reference.state_hash()


def test_seeking_back_through_checkpoints_gives_the_state_of_stepping_from_the_start(
    viewer, reckless_session
):
    timeline = viewer.timeline
    viewer.seek(260)
    viewer.finish_seek()
    assert {0, 50, 100, 150, 200, 250} <= set(timeline.checkpoint_ticks())
    viewer.seek(75)  # back: restores the checkpoint at tick 50 and steps 25 ticks
    viewer.finish_seek()
    assert timeline.tick == 75
    assert timeline.state_hash() == fresh_simulation(reckless_session, 75).state_hash()
    viewer.seek(260)
    viewer.finish_seek()
    assert timeline.state_hash() == fresh_simulation(reckless_session, 260).state_hash()
    assert timeline.hash_mismatch_tick is None, "the recorded state hashes were reproduced"
    assert timeline.checkpoint_memory_bytes() > 0


def test_the_fog_after_a_jump_back_is_the_fog_of_playing_through(viewer):
    for _ in range(120):
        viewer.timeline.step(viewer.memory)
    played = viewer.trainee_full.fog.state().copy()
    viewer.seek(230)
    viewer.finish_seek()
    viewer.seek(120)
    viewer.finish_seek()
    assert np.array_equal(viewer.trainee_full.fog.state(), played), "tick 120: fog differs"
    assert np.array_equal(viewer.trainee_half.fog.state(), played)


# ----------------------------------------------------------------------------- bookmarks


def test_bookmarks_of_a_reckless_session_include_every_failed_rule_check(viewer):
    timeline = viewer.timeline
    failed = [
        (int(e["tick"]), e["rule"])
        for e in timeline.log.of_type("rule_check")
        if not e.get("ok", True)
    ]
    assert failed, "the reckless trainee should break rules"
    by_tick = {b.tick: b for b in timeline.bookmarks}
    for tick, rule in failed:
        texts = [i.text for i in by_tick[tick].items if i.kind == VIOLATION]
        assert any(rule in text for text in texts), f"tick {tick}: {rule} not bookmarked"
    kinds = {item.kind for b in timeline.bookmarks for item in b.items}
    assert {"violation", "finding", "release", "effect", "inject"} <= kinds
    serious = [f for f in timeline.card["findings"] if f["severity"] in ("major", "critical")]
    for finding in serious:
        assert any(finding["message"] in item.text for item in by_tick[finding["tick"]].items), (
            f"tick {finding['tick']}: finding {finding['rule']} not bookmarked"
        )
    assert [b.number for b in timeline.bookmarks] == list(range(1, len(timeline.bookmarks) + 1))


def test_brackets_and_page_keys_jump_between_bookmarks(viewer):
    bookmarks = viewer.timeline.bookmarks
    later = [b for b in bookmarks if b.tick > 0]
    press(viewer, pygame.K_RIGHTBRACKET)
    assert viewer.tick == later[0].tick and viewer.paused
    press(viewer, pygame.K_PAGEDOWN)
    assert viewer.tick == later[1].tick
    press(viewer, pygame.K_LEFTBRACKET)
    assert viewer.tick == later[0].tick
    press(viewer, pygame.K_PAGEUP)
    assert viewer.tick == bookmarks[0].tick
    press(viewer, pygame.K_PAGEUP)
    assert "No earlier bookmark" in viewer.status_text()


def test_the_feed_at_a_bookmark_shows_the_finding_messages(viewer):
    first_release = next(b for b in viewer.timeline.bookmarks if b.is_violation)
    viewer.jump_to(first_release)
    viewer.finish_seek()
    viewer.frame(0.0)
    text = viewer.feed_box.html_text
    assert f"Bookmark {first_release.number}" in text
    finding = next(i for i in first_release.items if i.kind == "finding")
    assert finding.text.split(":")[0].split(") ")[1] in text
    assert "FAILED" in text


def test_clicking_a_bookmark_in_the_list_jumps_there(viewer):
    x, y, _w, _h = viewer.layout.bookmarks
    target = viewer.timeline.bookmarks[1]
    post(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x + 40, y + 22 + 5), button=1),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x + 40, y + 22 + 5), button=1),
    )
    viewer.frame(0.0)
    viewer.finish_seek()
    assert viewer.tick == target.tick


# ----------------------------------------------------------------------------- playing


def test_space_plays_and_speeds_reach_64x(viewer):
    press(viewer, pygame.K_SPACE)
    assert not viewer.paused
    press(viewer, pygame.K_7)
    assert viewer.speed == 64 == REPLAY_SPEEDS[-1]
    viewer.frame(0.1)  # 0.1 s of wall time at 64x: 6.4 s, six ticks of one second
    assert viewer.tick == 6
    press(viewer, pygame.K_DOWN)
    assert viewer.speed == 32
    press(viewer, pygame.K_SPACE)
    assert viewer.paused
    before = viewer.tick
    viewer.frame(0.1)
    assert viewer.tick == before, "paused: no ticks"
    press(viewer, pygame.K_RIGHT)
    assert viewer.tick == before + 1
    press(viewer, pygame.K_LEFT, pygame.KMOD_SHIFT)
    assert viewer.tick == 0
    press(viewer, pygame.K_END)
    assert viewer.tick == viewer.timeline.last_tick == SESSION_TICKS


def test_stop_at_bookmarks_pauses_playback_on_each(viewer):
    press(viewer, pygame.K_b)
    press(viewer, pygame.K_7)
    press(viewer, pygame.K_SPACE)
    first = next(b for b in viewer.timeline.bookmarks if b.tick > 0)
    for _ in range(200):
        viewer.frame(0.1)
        if viewer.paused:
            break
    assert viewer.paused and viewer.tick == first.tick


def test_dragging_the_time_slider_seeks(viewer):
    x, y, w, h = viewer.layout.slider
    start = (x + w // 2, y + h // 2)
    end = (x + w * 3 // 4, y + h // 2)
    post(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=start, button=1),
        pygame.event.Event(pygame.MOUSEMOTION, pos=end, rel=(w // 4, 0), buttons=(1, 0, 0)),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=end, button=1),
    )
    viewer.frame(0.0)
    viewer.finish_seek()
    assert viewer.tick == viewer.tick_at_x(end[0])
    assert abs(viewer.tick - SESSION_TICKS * 3 // 4) <= 2


# ----------------------------------------------------------------------------- views


def test_frames_render_in_every_view_without_changing_the_simulation(viewer):
    viewer.seek(140)
    viewer.finish_seek()
    before = viewer.timeline.state_hash()
    picture = viewer.timeline.picture()
    for view in VIEWS:
        viewer.set_view(view)
        for _ in range(2):
            viewer.frame(0.0)
        pixels = pygame.surfarray.pixels3d(viewer.screen)
        map_x, map_y, map_w, map_h = viewer.layout.map_view
        assert pixels[map_x : map_x + map_w, map_y : map_y + map_h].std() > 10, view
        del pixels
        assert viewer.timeline.state_hash() == before, f"{view}: drawing changed the state"
        assert viewer.timeline.picture() == picture
    assert viewer.view == BOTH


def test_v_cycles_the_views(viewer):
    seen = [viewer.view]
    for _ in range(3):
        press(viewer, pygame.K_v)
        seen.append(viewer.view)
    assert seen == [TRAINEE, TRUTH, BOTH, TRAINEE]


def test_the_truth_picture_holds_every_person_with_their_true_kind(viewer, reckless_session):
    viewer.seek(200)
    viewer.finish_seek()
    truth = truth_picture(viewer.timeline.sim)
    reference = fresh_simulation(reckless_session, 200).state()
    assert truth.person_ids == tuple(reference.person_ids)
    assert np.array_equal(truth.person_hostile, reference.person_kind == 1)
    assert np.array_equal(truth.person_indoors, reference.person_indoors)
    assert truth.counts()["hostiles"] >= 1
    assert not truth.person_xy.flags.writeable, "the truth picture is read-only"


def test_the_help_overlay_lists_every_shortcut(viewer):
    press(viewer, pygame.K_F1)
    assert viewer.show_help and viewer.help_panel.visible
    box = viewer.help_panel.get_container().elements[0]
    for keys, _what in SHORTCUTS:
        assert keys in box.html_text.replace("&amp;", "&")
    press(viewer, pygame.K_ESCAPE)
    assert not viewer.show_help and not viewer.done
    press(viewer, pygame.K_ESCAPE)
    assert viewer.done


def test_every_logged_event_reads_as_plain_text(viewer):
    for events in viewer.timeline.events.values():
        for event in events:
            text = describe_event(event)
            assert text is None or (text and "{" not in text), event


def test_an_edited_scenario_copy_is_warned_about(reckless_session, tmp_path):
    copy = tmp_path / "edited"
    copy.mkdir()
    (copy / EVENT_LOG).write_bytes((reckless_session / EVENT_LOG).read_bytes())
    scenario = (reckless_session / SCENARIO_COPY).read_bytes() + b"\n# edited\n"
    (copy / SCENARIO_COPY).write_bytes(scenario)
    timeline = ReplayTimeline(copy)
    viewer = ReplayViewer(timeline)
    assert "SHA-256" in viewer.warning_text()


# ----------------------------------------------------------------------------- boundaries


def test_the_trainee_console_never_imports_the_truth_or_the_viewer():
    instructor_only = {
        "simulator.render.truth",
        "simulator.ui.replay_viewer",
        "simulator.ui.replay_timeline",
    }
    for path in UI_SOURCES.glob("*.py"):
        if path.stem.startswith("replay_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            leaked = instructor_only.intersection(names)
            assert not leaked, f"{path.name}:{node.lineno} imports {leaked}"


def test_replay_of_a_bad_folder_is_a_plain_error(capsys, tmp_path):
    assert main(["replay", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "no such session folder" in err and "Traceback" not in err
    assert main(["replay", str(tmp_path)]) == 2
    assert "not a usable session folder" in capsys.readouterr().err


def test_replay_without_a_display_points_to_verify_and_report(
    reckless_session, capsys, monkeypatch
):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.delenv(ALLOW_DUMMY_ENV, raising=False)
    assert main(["replay", str(reckless_session)]) == 2
    err = capsys.readouterr().err
    assert "needs a screen" in err and "--verify" in err and "report" in err


def test_replay_opens_the_viewer_for_a_few_frames(reckless_session, capsys, monkeypatch):
    monkeypatch.setenv(ALLOW_DUMMY_ENV, "1")
    code = main(["replay", str(reckless_session), "--frames", "3", "--view", "both"])
    assert code == 0
    assert main(["replay", str(reckless_session), "--size", "640x480"]) == 2
    assert "at least 1024x640" in capsys.readouterr().err


def test_background_indexing_leaves_checkpoints_and_jumps_stay_exact(reckless_session):
    timeline = ReplayTimeline(reckless_session, checkpoint_every=50)
    try:
        timeline.start_indexing()
        timeline.seek(280)
        assert timeline.state_hash() == fresh_simulation(reckless_session, 280).state_hash()
        timeline.close()
        assert timeline.indexed_to == SESSION_TICKS or not timeline.indexing
        timeline.seek(30)
        assert timeline.state_hash() == fresh_simulation(reckless_session, 30).state_hash()
        assert timeline.hash_mismatch_tick is None
    finally:
        timeline.close()


def test_the_aar_guide_shows_the_viewer_with_small_screenshots_and_every_shortcut():
    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "aar.md").read_text(encoding="utf-8")
    assert "## 9. Instructor replay viewer" in guide
    for name in ("replay_trainee", "replay_truth", "replay_both", "replay_help"):
        image = root / "docs" / "images" / f"{name}.png"
        assert f"images/{name}.png" in guide
        assert image.stat().st_size < 300_000, f"{image.name} is too big"
    for keys in (
        "Space",
        "1 2 3 4 5 6 7",
        "Up / Down",
        "Shift+Right",
        "Home / End",
        "Page Down",
        "Page Up",
        "time slider",
        "B |",
        "L |",
        "V |",
        "F12",
        "F1",
    ):
        assert keys in guide, f"docs/aar.md does not explain {keys!r}"


def test_the_truth_shows_checkpoint_arrivals_with_their_hidden_behaviour(tmp_path):
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "checkpoint_day.yaml"
    run_session(
        load_scenario_file(scenario),
        seed=1,
        policy=make_policy("by-the-book"),
        out_dir=tmp_path / "cp",
        ticks=400,
    )
    timeline = ReplayTimeline(tmp_path / "cp")
    seen = set()
    while timeline.step():
        if timeline.tick % 10 == 0:
            seen |= {(a.arrival_id, a.behaviour) for a in truth_picture(timeline.sim).arrivals}
    known = {"compliant", "distracted", "confused", "emergency", "panicked", "threat"}
    assert seen, "no arrival on the approach in 400 ticks"
    assert {behaviour for _id, behaviour in seen} <= known
