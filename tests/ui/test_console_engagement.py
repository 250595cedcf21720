"""A scripted click-through of a whole engagement, from classifying a contact to aborting,
driven with synthetic mouse clicks, key presses and typed text against a real simulation.
"""

from __future__ import annotations

import pygame
from ui_fixtures import (
    click,
    click_button,
    lone_contact,
    press,
    run_for,
    screen_of,
    settle,
    type_into,
)

from simulator.core.events import read_log
from simulator.session import verify_replay

WORKFLOW = (
    "classify_contact",
    "nominate_target",
    "declare_pid",
    "plan_effect",
    "estimate_collateral",
    "request_approval",
    "issue_warning",
    "release",
    "abort",
)


def _step_marks(app) -> dict[str, str]:
    return {key: label.text.split(" ")[0] for key, label in app.panels.step_labels.items()}


def test_click_through_an_engagement_from_classification_to_abort(make_app):
    app = make_app()
    settle(app, 1)
    press(app, pygame.K_RETURN, unicode="\r")
    assert app.state == "exercise", "Enter on the briefing starts the exercise"
    run_for(app, 3.0)
    app.controller.zoom_map(4, screen_of(app, lone_contact(app)))
    settle(app)
    contact = lone_contact(app)
    click(app, screen_of(app, contact))
    assert app.controller.selected_track == contact.track_id, f"tick {app.picture.tick}"
    assert app.panels.contact_title.text.startswith(f"Contact {contact.track_id}")

    click_button(app, "classify_combatant")
    click_button(app, "nominate")
    type_into(app, "pid_rationale", "weapon seen for 20 s")
    click_button(app, "declare_pid")
    click_button(app, "plan_effect")
    run_for(app, 1.0)
    marks = _step_marks(app)
    assert marks["nominate"] == "[x]" and marks["pid"] == "[x]" and marks["effect"] == "[x]", marks
    assert marks["estimate"] == "[>]", f"the estimate is the next step: {marks}"

    click_button(app, "estimate")
    run_for(app, 1.5)
    assert app.panels.estimate_box.html_text.count("civilian casualties"), "estimate shown"
    click_button(app, "request_approval")
    click_button(app, "issue_warning")
    type_into(app, "release_rationale", "PID held, estimate clear, warned")
    click_button(app, "release")
    run_for(app, 2.0)
    view = app.controller.engagement_view()
    assert view is not None and view.status == "released", view
    assert app.panels.abort_label.text.startswith("ABORT possible for"), app.panels.abort_label.text
    seconds_left = int(app.panels.abort_label.text.split("for ")[1].split(" ")[0])
    run_for(app, 2.0)
    later = int(app.panels.abort_label.text.split("for ")[1].split(" ")[0])
    assert later < seconds_left, "the abort countdown runs"

    click_button(app, "abort")
    run_for(app, 1.0)
    assert app.controller.engagement_view().status == "aborted"
    press(app, pygame.K_ESCAPE)
    assert app.panels.end_dialog_open
    press(app, pygame.K_RETURN, unicode="\r")
    assert app.state == "end"

    log = read_log(app.out_dir / "events.jsonl")
    kinds = [event["command"]["kind"] for event in log.of_type("command")]
    positions = [kinds.index(kind) for kind in WORKFLOW]
    assert positions == sorted(positions), f"commands out of order: {kinds}"
    rejected = [(e["tick"], e["kind"], e["reason"]) for e in log.of_type("command_rejected")]
    assert not rejected, rejected
    pid = next(
        e["command"] for e in log.of_type("command") if e["command"]["kind"] == "declare_pid"
    )
    assert pid["rationale"] == "weapon seen for 20 s" and pid["basis"] == "hostile_act"
    assert next(log.of_type("engagement_aborted"), None) is not None
    assert list(log.of_type("session_end"))[-1]["reason"] == "ended_by_trainee"
    report = verify_replay(app.out_dir)
    assert report.ok, report.problems
