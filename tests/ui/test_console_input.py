"""Input mapping without a window: synthetic pygame events -> ConsoleController -> Commands.

The controller reads only a Picture (hand-made here) and the public briefing, and turns
keys, clicks and panel actions into the same Commands a scripted trainee issues.
"""

from __future__ import annotations

import pygame
import pytest
from ui_fixtures import key, mouse_click

from simulator.core.commands import (
    Abort,
    ClassifyContact,
    DeclarePid,
    EstimateCollateral,
    FollowContact,
    IssueWarning,
    MoveUnit,
    NominateTarget,
    PlanEffect,
    Release,
    RequestApproval,
    RequestIntel,
    SubmitReport,
    TaskSensor,
    ZoomSensor,
)
from simulator.core.picture import (
    Contact,
    EngagementView,
    OwnUnit,
    Picture,
    SensorView,
    briefing_from_scenario,
)
from simulator.render.camera import Camera
from simulator.ui.controller import ConsoleController, abort_window, checklist
from simulator.ui.layout import Layout

SIZE = (1280, 720)


def make_picture(tick: int = 10, engagements: tuple[EngagementView, ...] = ()) -> Picture:
    return Picture(
        side="blue",
        tick=tick,
        time_of_day_s=7 * 3600.0 + tick,
        contacts=(
            Contact("T0001", 100.0, 150.0, 2.0, tick, True, indicators=(("weapon_visible", 0.8),)),
            Contact("T0002", 300.0, 100.0, 2.0, tick, True),
            Contact("T0003", 250.0, 250.0, 40.0, tick - 30, False),
        ),
        units=(OwnUnit("p1", "Blue 1", "patrol", 200.0, 20.0, False),),
        sensors=(SensorView("drone1", "overhead", 200.0, 150.0, 200.0, False),),
        engagements=engagements,
    )


@pytest.fixture
def controller(small_loaded) -> ConsoleController:
    layout = Layout.compute(SIZE, 1.0)
    extent = tuple(small_loaded.scenario.map.extent_m)
    camera = Camera(SIZE, extent, insets_px=layout.camera_insets)
    made = ConsoleController(briefing_from_scenario(small_loaded.scenario), camera, layout.map_view)
    made.update_picture(make_picture())
    return made


def feed(controller: ConsoleController, *events: pygame.event.Event) -> None:
    for event in events:
        controller.handle_event(event)


def at(controller: ConsoleController, x_m: float, y_m: float) -> tuple[float, float]:
    return controller.camera.world_to_screen(x_m, y_m)


def test_space_pauses_and_number_keys_and_brackets_set_the_speed(controller):
    feed(controller, *key(pygame.K_SPACE))
    assert controller.paused
    feed(controller, *key(pygame.K_SPACE))
    assert not controller.paused
    feed(controller, *key(pygame.K_4))
    assert controller.speed == 8
    feed(controller, *key(pygame.K_RIGHTBRACKET), *key(pygame.K_RIGHTBRACKET))
    assert controller.speed == 32
    feed(controller, *key(pygame.K_RIGHTBRACKET))
    assert controller.speed == 32, "32x is the fastest"
    feed(controller, *key(pygame.K_1), *key(pygame.K_LEFTBRACKET))
    assert controller.speed == 1
    assert controller.take_commands() == [], "time controls are not Commands"


def test_full_stop_steps_one_tick_only_while_paused(controller):
    feed(controller, *key(pygame.K_PERIOD))
    assert controller.single_steps == 0
    feed(controller, *key(pygame.K_SPACE), *key(pygame.K_PERIOD), *key(pygame.K_PERIOD))
    assert controller.single_steps == 2


def test_left_click_on_a_symbol_selects_that_contact_and_empty_ground_clears(controller):
    feed(controller, *mouse_click(at(controller, 300.0, 100.0)))
    assert controller.selected_track == "T0002"
    x, y = at(controller, 300.0, 100.0)
    feed(controller, *mouse_click((x + 9, y - 5)))
    assert controller.selected_track == "T0002", "a click within a few pixels still picks it"
    feed(controller, *mouse_click(at(controller, 50.0, 280.0)))
    assert controller.selected_track is None
    feed(controller, *mouse_click(at(controller, 200.0, 20.0)))
    assert controller.selected_unit == "p1"
    assert controller.take_commands() == [], "selecting is not a Command"


def test_clicks_on_the_panels_never_reach_the_map(controller):
    feed(controller, *mouse_click((1200, 300)))  # right column
    feed(controller, *mouse_click((200, 700)))  # bottom strip
    assert controller.selected_track is None


def test_classify_buttons_send_the_label_with_the_slider_confidence(controller):
    assert controller.classify("civilian") is None, "nothing selected: no command"
    assert "Select a contact" in controller.notices[-1].text
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)))
    controller.confidence = 0.85
    controller.classify("combatant")
    controller.classify("unknown")
    assert controller.take_commands() == [
        ClassifyContact("T0001", "combatant", 0.85),
        ClassifyContact("T0001", "unknown", 0.85),
    ]


def test_t_then_click_tasks_the_drone_to_the_point_under_the_pointer(controller):
    feed(controller, *key(pygame.K_t))
    assert controller.mode == "task"
    feed(controller, *mouse_click(at(controller, 320.0, 60.0)))
    (command,) = controller.take_commands()
    assert isinstance(command, TaskSensor) and command.sensor_id == "drone1"
    assert command.x_m == pytest.approx(320.0, abs=1.0)
    assert command.y_m == pytest.approx(60.0, abs=1.0)
    assert controller.mode == "select", "one click tasks once"


def test_escape_cancels_a_mode_before_asking_to_end(controller):
    feed(controller, *key(pygame.K_t), *key(pygame.K_ESCAPE))
    assert controller.mode == "select" and not controller.end_requested
    feed(controller, *key(pygame.K_F1))
    assert controller.show_help
    feed(controller, *key(pygame.K_ESCAPE))
    assert not controller.show_help and not controller.end_requested
    feed(controller, *key(pygame.K_ESCAPE))
    assert controller.end_requested


def test_z_x_zoom_the_drone_and_f_follows_the_selected_contact(controller):
    feed(controller, *key(pygame.K_z), *key(pygame.K_x))
    zoom_in, zoom_out = controller.take_commands()
    assert zoom_in == ZoomSensor("drone1", 140.0)
    assert zoom_out == ZoomSensor("drone1", pytest.approx(285.7, abs=0.1))
    feed(controller, *key(pygame.K_f))
    assert controller.take_commands() == [], "F needs a selected contact"
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)), *key(pygame.K_f))
    assert controller.take_commands() == [FollowContact("drone1", "T0001")]


def test_m_then_click_moves_the_patrol(controller):
    feed(controller, *key(pygame.K_m), *mouse_click(at(controller, 150.0, 60.0)))
    (command,) = controller.take_commands()
    assert isinstance(command, MoveUnit) and command.unit_id == "p1"
    assert command.x_m == pytest.approx(150.0, abs=1.0)


def test_wheel_zooms_about_the_cursor(controller):
    camera = controller.camera
    camera.zoom_at(3, at(controller, 150.0, 180.0))  # closer than the whole map: no clamping
    anchor = at(controller, 150.0, 180.0)
    motion = pygame.event.Event(
        pygame.MOUSEMOTION, pos=tuple(int(v) for v in anchor), rel=(0, 0), buttons=(0, 0, 0)
    )
    level = camera.level
    feed(controller, motion, pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=1, flipped=False))
    assert camera.level == level + 1
    wx, wy = camera.screen_to_world(int(anchor[0]), int(anchor[1]))
    assert (wx, wy) == pytest.approx((150.0, 180.0), abs=1.0), "the point under the cursor stays"
    feed(controller, *key(pygame.K_MINUS), *key(pygame.K_EQUALS), *key(pygame.K_EQUALS))
    assert camera.level == level + 2


def test_right_drag_and_arrow_keys_pan_the_map(controller):
    camera = controller.camera
    camera.zoom_at(4)
    start = camera.centre_m
    x, y = at(controller, *start)
    x, y = int(x), int(y)
    feed(
        controller,
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=3),
        pygame.event.Event(pygame.MOUSEMOTION, pos=(x + 50, y), rel=(50, 0), buttons=(0, 0, 1)),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x + 50, y), button=3),
    )
    assert camera.centre_m[0] < start[0], "dragging right shows ground further west"
    after_drag = camera.centre_m
    feed(controller, pygame.event.Event(pygame.KEYDOWN, key=pygame.K_d, mod=0, unicode="d"))
    controller.update(0.1)
    feed(controller, pygame.event.Event(pygame.KEYUP, key=pygame.K_d, mod=0, unicode="d"))
    assert camera.centre_m[0] > after_drag[0], "D pans east"
    moved = camera.centre_m
    controller.update(0.1)
    assert camera.centre_m == moved, "panning stops when the key is released"
    assert controller.take_commands() == []


def test_the_engagement_buttons_walk_the_checklist_in_order(controller):
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)))
    assert controller.declare_pid() is None, "PID before nomination is explained, not sent"
    controller.nominate()
    controller.pid_basis = "hostile_intent"
    controller.pid_rationale = "  weapon seen  "
    controller.declare_pid()
    controller.effect_id = "fx-small"
    controller.plan_effect()
    controller.estimate()
    controller.request_approval()
    controller.issue_warning()
    controller.release_rationale = "clear of civilians"
    controller.release()
    controller.abort()
    assert controller.take_commands() == [
        NominateTarget("E1", track_id="T0001"),
        DeclarePid("E1", "hostile_intent", "weapon seen"),
        PlanEffect("E1", "fx-small"),
        EstimateCollateral("E1"),
        RequestApproval("E1"),
        IssueWarning("E1", "speaker"),
        Release("E1", "clear of civilians"),
        Abort("E1", "aborted by the trainee"),
    ]


def test_intel_and_reports_are_commands_too(controller):
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)))
    controller.request_intel()
    controller.report_text = "Man with a rifle on the square"
    controller.submit_report()
    assert controller.take_commands() == [
        RequestIntel("T0001"),
        SubmitReport("Man with a rifle on the square", "T0001"),
    ]
    assert controller.report_text == ""


def test_a_second_nomination_of_an_open_engagement_is_refused(controller):
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)))
    controller.nominate()
    assert controller.nominate() is None
    aborted = EngagementView("E1", "T0001", "aborted")
    controller.update_picture(make_picture(engagements=(aborted,)))
    controller.nominate()
    assert [c.engagement_id for c in controller.take_commands()] == ["E1", "E2"]


def test_checklist_follows_the_pictured_engagement():
    view = EngagementView(
        "E1",
        "T0001",
        "released",
        pid_basis="hostile_act",
        effect_id="fx-small",
        estimate=(("estimated_civilian_casualties", 0.0),),
        approval="granted",
        approval_note="on-scene commander",
        impact_tick=60,
        abort_until_tick=55,
    )
    steps = {s.key: s for s in checklist(view, [], "E1", 40, 1.0)}
    assert [s.state for s in steps.values()] == [
        "done",
        "done",
        "done",
        "done",
        "done",
        "next",
        "done",
    ]
    assert steps["release"].detail == "effect lands in 20 s"
    assert abort_window(view, 40, 1.0) == (True, "ABORT possible for 15 s")
    assert abort_window(view, 56, 1.0) == (False, "too late to abort")
    pending = checklist(
        EngagementView("E2", "T0002", "nominated"), [DeclarePid("E2", "hostile_act")], "E2", 40, 1.0
    )
    assert [s.state for s in pending][:3] == ["done", "queued", "next"]
    denied = EngagementView("E3", "T0003", "planned", approval="denied", approval_note="too many")
    assert {s.key: s.state for s in checklist(denied, [], "E3", 1, 1.0)}["approval"] == "failed"


def test_an_engagement_can_be_aborted_after_its_target_track_was_lost(controller):
    feed(controller, *mouse_click(at(controller, 100.0, 150.0)))
    controller.nominate()
    controller.take_commands()
    released = EngagementView("E1", "T0001", "released", impact_tick=70, abort_until_tick=65)
    lost = make_picture(tick=20, engagements=(released,))
    lost = Picture(**{**lost.__dict__, "contacts": lost.contacts[1:]})
    controller.update_picture(lost)
    assert controller.selected_contact() is None
    assert controller.abort() == Abort("E1", "aborted by the trainee")


def test_e_selects_the_target_of_each_open_engagement_in_turn(controller):
    views = (
        EngagementView("E1", "T0001", "planned"),
        EngagementView("E2", "T0002", "released", impact_tick=50, abort_until_tick=45),
        EngagementView("E3", "T0003", "aborted"),
    )
    controller.update_picture(make_picture(engagements=views))
    feed(controller, *key(pygame.K_e))
    assert controller.selected_track == "T0001"
    feed(controller, *key(pygame.K_e))
    assert controller.selected_track == "T0002"
    assert controller.engagement_id() == "E2"
    feed(controller, *key(pygame.K_e))
    assert controller.selected_track == "T0001", "aborted engagements are skipped"
