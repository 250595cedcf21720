"""The briefing screen before the exercise and the end screen after it.

The texts are built by pure functions (:func:`briefing_html`, :func:`end_summary_html`)
from public material only: the scenario's briefing, ROE, effects, warning means,
objectives, learning objectives and no-strike list before; the session's scorecard (or
its outcome counts) after. The screens are thin pygame_gui wrappers around them.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UILabel, UITextBox

from simulator.core.picture import Briefing
from simulator.ui.layout import Layout

SCORE_NAMES = {
    "overall": "Overall",
    "civilian_harm_avoidance": "Civilian harm avoidance",
    "accuracy": "Accuracy (distinction, PID)",
    "process": "Process (checklist, rationale)",
    "awareness": "Awareness (sensors, classification)",
    "mission": "Mission",
}
OUTCOME_NAMES = (
    ("civilians_killed_own", "civilians killed by your effects"),
    ("civilians_injured_own", "civilians injured by your effects"),
    ("protected_sites_damaged", "protected sites damaged by your effects"),
    ("buildings_damaged_own", "buildings damaged by your effects"),
    ("civilians_killed_by_threat", "civilians killed by threats not prevented"),
    ("civilians_injured_by_threat", "civilians injured by threats not prevented"),
    ("effects_released", "effects released"),
    ("engagements_aborted", "engagements aborted"),
)
END_REASONS = {
    "completed": "The exercise ran to its end.",
    "ended_by_trainee": "You ended the exercise early.",
    "closed": "The window was closed.",
    "error": "The console stopped on an error; the session was saved up to there.",
}


def _e(text: object) -> str:
    return html.escape(str(text))


def _name(value: object) -> str:
    return str(getattr(value, "value", value)).replace("_", " ")


def briefing_html(briefing: Briefing, scenario) -> str:
    """The briefing screen's text: situation and mission, ROE card, learning objectives.

    Args:
        briefing: the public briefing (:func:`simulator.core.picture.briefing_from_scenario`).
        scenario: the scenario, for its public parts only (learning objectives, no-strike
            list, clock); hidden actors and instructor notes are never shown.
    """
    roe = briefing.roe
    parts = [f"<b>{_e(briefing.title)}</b>"]
    meta = scenario.meta
    clock = scenario.clock
    minutes = clock.duration_s / 60
    parts.append(
        f"<i>Starts {_e(clock.start_time)}, lasts {minutes:g} minutes; "
        f"difficulty {_e(_name(meta.difficulty))}.</i><br>"
    )
    if briefing.text.strip():
        paragraphs = [p.strip() for p in briefing.text.strip().split("\n\n") if p.strip()]
        parts.append("<br><br>".join(_e(" ".join(p.split())) for p in paragraphs))
    if briefing.objectives:
        parts.append("<br><b>MISSION OBJECTIVES</b>")
        for _ident, kind, description, deadline in briefing.objectives:
            when = f" (by {deadline})" if deadline else ""
            parts.append(f"- {_e(description or _name(kind))}{_e(when)}")
    parts.append("<br><b>RULES OF ENGAGEMENT CARD</b>" + f" <i>({_e(roe.profile)})</i>")
    indicators = ", ".join(_name(i) for i in roe.pid_required_indicators) or "none"
    parts.append(
        f"- <b>PID</b> needs: {_e(indicators)}, each seen at least "
        f"{roe.min_indicator_quality:.0%} clearly, contact watched at least "
        f"{roe.pid_min_observation_s:g} s. Basis for force: hostile act, hostile intent or "
        "declared hostile, with your written reason."
    )
    for level in roe.approval_levels:
        delay = f", takes about {level.delay_s:g} s" if level.delay_s else ""
        parts.append(
            f"- <b>Approval</b>: up to {level.max_estimated_civilian_casualties:g} expected "
            f"civilian casualties: {_e(level.authority)}{_e(delay)}."
        )
    if roe.approval_levels:
        top = roe.approval_levels[-1].max_estimated_civilian_casualties
        parts.append(f"- Above {top:g} expected civilian casualties: <b>not approved</b>.")
    categories = ", ".join(_name(c) for c in roe.protected_categories)
    parts.append(f"- <b>Protected</b> (no effect may touch them): {_e(categories)}.")
    sites = [s for s in scenario.protected.sites]
    if sites:
        names = ", ".join(f"{s.name or s.id} ({_name(s.category)})" for s in sites)
        parts.append(f"- <b>No-strike list</b>: {_e(names)}.")
    parts.append(
        f"- <b>Abort</b> possible until {roe.abort_cutoff_s:g} s before an effect lands. "
        + (
            "<b>Warn civilians</b> whenever circumstances permit."
            if roe.warning_required_when_feasible
            else ""
        )
    )
    if briefing.effects:
        parts.append("<br><b>EFFECTS YOU MAY USE</b> <i>(notional training values)</i>")
        for effect in briefing.effects:
            if _name(effect.kind) == "kinetic":
                detail = (
                    f"kinetic: lethal {effect.lethal_radius_m:g} m, injury "
                    f"{effect.injury_radius_m:g} m, scatter {effect.scatter_m:g} m, lands "
                    f"{effect.time_to_effect_s:g} s after release, heard "
                    f"{effect.noise_radius_m:g} m away"
                )
            else:
                action = _name(effect.action) if effect.action else "non-kinetic"
                detail = f"{action}, takes {effect.time_to_effect_s:g} s"
                if effect.action is not None and _name(effect.action) == "detain":
                    detail += f", needs an own unit within {effect.unit_reach_m:g} m"
            parts.append(f"- <b>{_e(effect.name)}</b>: {_e(detail)}")
    if briefing.warnings:
        parts.append("<br><b>WARNING MEANS</b>")
        for means in briefing.warnings:
            parts.append(
                f"- <b>{_e(means.name or means.id)}</b>: reaches {means.reach_m:g} m, people "
                f"leave after about {means.delay_s:g} s"
            )
    if meta.learning_objectives:
        parts.append("<br><b>LEARNING OBJECTIVES</b>")
        parts.extend(f"- {_e(item)}" for item in meta.learning_objectives)
    parts.append(
        "<br><b>HOW TO PLAY</b><br>Press <b>F1</b> at any time for every shortcut. Select a "
        "contact with a left click; classify it in the contact panel (bottom left); walk an "
        "engagement through the checklist on the right; watch the feed (bottom right) for "
        "intelligence. Space pauses. Escape ends the exercise."
    )
    return "<br>".join(parts)


def end_summary_html(summary: dict[str, Any]) -> str:
    """The end screen's text from :func:`simulator.ui.recording.score_session`'s result."""
    parts = []
    reason = summary.get("end_reason", "")
    parts.append(f"<b>Exercise over.</b> {_e(END_REASONS.get(reason, reason))}")
    folder = summary.get("session_dir")
    if folder:
        parts.append("<br><b>YOUR SESSION</b>")
        parts.append(f"- session folder: {_e(folder)}")
        parts.append(f"- event log: {_e(Path(folder) / 'events.jsonl')}")
        if summary.get("scorecard_path"):
            parts.append(f"- scorecard: {_e(summary['scorecard_path'])}")
        if summary.get("report_path"):
            parts.append(
                f"- after-action report (open it in a browser): {_e(summary['report_path'])}"
            )
        parts.append(
            f"- review it: python run_sim.py score {_e(folder)}<br>"
            f"- check it replays: python run_sim.py replay {_e(folder)} --verify"
        )
    card = summary.get("scorecard")
    outcome = summary.get("outcome") or (card or {}).get("outcome") or {}
    if card:
        scores = card.get("scores", {})
        judged = card.get("judged", {})
        parts.append("<br><b>SCORES</b> (0 to 100)")
        for key, name in SCORE_NAMES.items():
            if key in scores:
                note = "" if judged.get(key, True) else " <i>(nothing to judge)</i>"
                parts.append(f"- {_e(name)}: <b>{float(scores[key]):.0f}</b>{note}")
    if outcome:
        parts.append("<br><b>OUTCOME</b>")
        for key, name in OUTCOME_NAMES:
            value = outcome.get(key)
            if value is not None:
                count = len(value) if isinstance(value, (list, tuple)) else value
                parts.append(f"- {_e(name)}: {_e(count)}")
        for objective in outcome.get("objectives", []):
            mark = "met" if objective.get("met") else "NOT met"
            parts.append(f"- objective {_e(objective.get('id'))}: <b>{mark}</b>")
    if card:
        findings = [
            f for f in card.get("findings", []) if f.get("severity") in ("critical", "major")
        ]
        if findings:
            parts.append("<br><b>MAIN FINDINGS</b>")
            for finding in findings[:10]:
                parts.append(
                    f"- tick {_e(finding.get('tick'))} [{_e(finding.get('severity'))}] "
                    f"{_e(finding.get('message'))}"
                )
            if len(findings) > 10:
                parts.append(f"- ... and {len(findings) - 10} more in the scorecard")
    elif summary.get("score_error"):
        parts.append(f"<br><i>Scoring was not possible here: {_e(summary['score_error'])}</i>")
    return "<br>".join(parts)


class TextScreen:
    """A full-window screen: a title, a scrolling text and one button (Enter presses it).

    Args:
        manager: the pygame_gui manager.
        layout: the window layout (for sizes at the UI scale).
        title: the title line.
        text_html: the body (pygame_gui HTML subset).
        button_text: the button's caption.
        button_id: the button's object id (``#start_button`` ...).
    """

    def __init__(
        self,
        manager: pygame_gui.UIManager,
        layout: Layout,
        title: str,
        text_html: str,
        button_text: str,
        button_id: str,
    ) -> None:
        width, height = layout.size
        margin = layout.px(16)
        title_h = layout.px(32)
        button_h = layout.px(40)
        self.title = UILabel(
            pygame.Rect(margin, margin, width - 2 * margin, title_h),
            title,
            manager=manager,
            object_id=ObjectID(class_id="@title"),
        )
        body_top = margin + title_h + layout.px(6)
        self.body = UITextBox(
            text_html,
            pygame.Rect(
                margin, body_top, width - 2 * margin, height - body_top - button_h - 2 * margin
            ),
            manager=manager,
        )
        button_w = layout.px(260)
        self.button = UIButton(
            pygame.Rect((width - button_w) // 2, height - button_h - margin, button_w, button_h),
            button_text,
            manager=manager,
            object_id=ObjectID(object_id=button_id),
        )

    def kill(self) -> None:
        """Remove the screen's widgets."""
        for element in (self.title, self.body, self.button):
            element.kill()
