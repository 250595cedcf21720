"""The exercise screen's pygame_gui widgets: controls bar, contact panel, engagement
checklist, intelligence and event feed, help overlay and the end-of-exercise dialog.

Widgets are views: they show the controller's state and the trainee's picture, and pass
every button press, choice and typed text to :class:`~simulator.ui.controller.ConsoleController`,
which makes the Commands. They can be thrown away and rebuilt at any time (a new UI
scale) without losing anything, because nothing lives only in a widget.

Texts are only re-laid out when they change (pygame_gui text boxes are costly to
rebuild), so a frame where nothing changed costs a few string comparisons.
"""

from __future__ import annotations

import html

import pygame
import pygame_gui
from pygame_gui.core import ObjectID
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UIHorizontalSlider,
    UILabel,
    UIPanel,
    UITextBox,
    UITextEntryLine,
)

from simulator.core.picture import Picture
from simulator.ui.clock import SPEEDS
from simulator.ui.controller import (
    CLASSIFICATIONS,
    MODE_MOVE,
    MODE_TASK,
    PID_BASES,
    PID_BASIS_NAMES,
    SHORTCUTS,
    ConsoleController,
    abort_window,
)
from simulator.ui.layout import Layout

STEP_MARK = {
    "done": "[x]",
    "next": "[>]",
    "todo": "[ ]",
    "queued": "[~]",
    "failed": "[!]",
    "closed": "[-]",
}
STEP_CLASS = {
    "done": "@step_done",
    "next": "@step_next",
    "todo": "@step_todo",
    "queued": "@step_next",
    "failed": "@step_warn",
    "closed": "@dim",
}
FEED_TAGS = {
    "message": ("MSG", "#e0e0e0"),
    "intel_report": ("INTEL", "#56B4E9"),
    "approval": ("APPROVAL", "#F0E442"),
    "protected_status": ("NO-STRIKE", "#CC79A7"),
    "damage_assessment": ("BDA", "#E69F00"),
    "warning": ("WARNING", "#E69F00"),
    "console": ("YOU", "#a0a0a0"),
    "refused": ("REFUSED", "#D55E00"),
}
FEED_LIMIT = 80
INDICATOR_NAMES = {
    "weapon_visible": "weapon seen",
    "hostile_act": "hostile act",
    "uniform": "uniform",
    "intelligence_match": "intelligence match",
}


def clock_text(briefing_start_s: float, tick: int, tick_s: float) -> str:
    """'HH:MM:SS' of a tick."""
    total = int(briefing_start_s + tick * tick_s) % 86400
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def quality_bar(quality: float, cells: int = 5) -> str:
    """A text bar for a 0..1 quality, readable without colour: '###..'."""
    filled = round(min(max(quality, 0.0), 1.0) * cells)
    return "#" * filled + "." * (cells - filled)


class _Rows:
    """A vertical cursor for laying widgets out in rows inside a panel."""

    def __init__(self, layout: Layout, width: int) -> None:
        self.pad = layout.px(6)
        self.row_h = layout.px(28)
        self.y = self.pad
        self.width = width - 2 * self.pad - layout.px(4)
        self.x = self.pad

    def take(self, height: int | None = None, gap: int | None = None) -> tuple[int, int]:
        """(y, height) of the next row."""
        height = self.row_h if height is None else height
        y = self.y
        self.y += height + (self.pad // 2 if gap is None else gap)
        return y, height


class ExercisePanels:
    """Every widget of the exercise screen, bound to one controller.

    Args:
        manager: the pygame_gui manager (built with :func:`simulator.ui.layout.theme`).
        layout: where things go at the current UI scale.
        controller: the console's controller (state and commands).
    """

    def __init__(
        self, manager: pygame_gui.UIManager, layout: Layout, controller: ConsoleController
    ) -> None:
        self.manager = manager
        self.layout = layout
        self.controller = controller
        self.briefing = controller.briefing
        self.buttons: dict[str, UIButton] = {}
        self.entries: dict[str, UITextEntryLine] = {}
        self.menus: dict[str, UIDropDownMenu] = {}
        self.step_labels: dict[str, UILabel] = {}
        self.step_details: dict[str, UILabel] = {}
        self._shown: dict[int, str] = {}
        self._feed_key: tuple | None = None
        self._indicator_key: tuple | None = None
        self._estimate_key: tuple | None = None
        self._build_controls()
        self._build_contact()
        self._build_feed()
        self._build_engagement()
        self._build_help()
        self._build_end_dialog()

    # ------------------------------------------------------------------ building

    def _panel(self, rect: tuple[int, int, int, int], object_id: str) -> UIPanel:
        return UIPanel(
            pygame.Rect(rect), starting_height=1, manager=self.manager, object_id=object_id
        )

    def _button(
        self,
        name: str,
        text: str,
        rect: tuple[int, int, int, int],
        container,
        tool_tip: str | None = None,
        object_id: str | None = None,
    ) -> UIButton:
        button = UIButton(
            pygame.Rect(rect),
            text,
            manager=self.manager,
            container=container,
            tool_tip_text=tool_tip,
            object_id=ObjectID(object_id=object_id or f"#{name}", class_id="@console_button"),
        )
        self.buttons[name] = button
        return button

    def _label(self, text: str, rect, container, class_id: str | None = None) -> UILabel:
        return UILabel(
            pygame.Rect(rect),
            text,
            manager=self.manager,
            container=container,
            object_id=ObjectID(class_id=class_id) if class_id else None,
        )

    def _build_controls(self) -> None:
        layout = self.layout
        x, y, w, h = layout.controls
        panel = self._panel(layout.controls, "#controls_panel")
        rows = _Rows(layout, w)
        top, height = rows.take()
        pause_w = layout.px(78)
        self._button("pause", "Pause", (rows.x, top, pause_w, height), panel, "Space")
        gap = layout.px(3)
        speed_w = (rows.width - pause_w - gap * len(SPEEDS)) // len(SPEEDS)
        for index, speed in enumerate(SPEEDS):
            left = rows.x + pause_w + gap + index * (speed_w + gap)
            self._button(
                f"speed_{speed}",
                f"{speed}x",
                (left, top, speed_w, height),
                panel,
                f"key {index + 1}",
            )
        top, height = rows.take(layout.px(24))
        help_w = layout.px(70)
        self.status_label = self._label(
            "", (rows.x, top, rows.width - help_w - gap, height), panel, "@dim"
        )
        self._button("help", "Help F1", (rows.x + rows.width - help_w, top, help_w, height), panel)
        self.controls_panel = panel

    def _build_contact(self) -> None:
        layout = self.layout
        x, y, w, h = layout.contact
        panel = self._panel(layout.contact, "#contact_panel")
        rows = _Rows(layout, w)
        top, height = rows.take(layout.px(26), gap=0)
        self.contact_title = self._label("", (rows.x, top, rows.width, height), panel, "@title")
        top, height = rows.take(layout.px(22), gap=0)
        self.contact_info = self._label("", (rows.x, top, rows.width, height), panel)
        top, height = rows.take(layout.px(22))
        self.contact_label = self._label("", (rows.x, top, rows.width, height), panel, "@dim")
        body_top = rows.y
        body_h = h - body_top - rows.pad - layout.px(4)
        left_w = int(rows.width * 0.42)
        self.indicator_box = UITextBox(
            "",
            pygame.Rect(rows.x, body_top, left_w, body_h),
            manager=self.manager,
            container=panel,
        )
        right_x = rows.x + left_w + rows.pad
        right_w = rows.width - left_w - rows.pad
        half = (right_w - rows.pad) // 2
        row_h = max(layout.px(24), (body_h - 3 * layout.px(4)) // 4)
        cy = body_top
        for index, label in enumerate(CLASSIFICATIONS):
            column, row = index % 2, index // 2
            self._button(
                f"classify_{label}",
                label.capitalize(),
                (
                    right_x + column * (half + rows.pad),
                    cy + row * (row_h + layout.px(4)),
                    half,
                    row_h,
                ),
                panel,
                f"classify the selected contact as {label}",
            )
        cy += 2 * (row_h + layout.px(4))
        label_w = layout.px(118)
        self.confidence_label = self._label("", (right_x, cy, label_w, row_h), panel)
        self.confidence_slider = UIHorizontalSlider(
            pygame.Rect(right_x + label_w, cy, right_w - label_w, row_h),
            start_value=round(self.controller.confidence * 100),
            value_range=(0, 100),
            manager=self.manager,
            container=panel,
            click_increment=5,
            object_id="#confidence_slider",
        )
        cy += row_h + layout.px(4)
        self._button(
            "request_intel",
            "Request intel",
            (right_x, cy, half, row_h),
            panel,
            "ask the intelligence cell whether this contact matches a wanted person",
        )
        self._button("follow", "Follow (F)", (right_x + half + rows.pad, cy, half, row_h), panel)
        self.contact_panel = panel

    def _build_feed(self) -> None:
        layout = self.layout
        x, y, w, h = layout.feed
        panel = self._panel(layout.feed, "#feed_panel")
        rows = _Rows(layout, w)
        top, height = rows.take(layout.px(26), gap=0)
        self._label("Intelligence and events", (rows.x, top, rows.width, height), panel, "@title")
        entry_h = layout.px(28)
        box_top = rows.y
        box_h = h - box_top - entry_h - 2 * rows.pad - layout.px(4)
        self.feed_box = UITextBox(
            "",
            pygame.Rect(rows.x, box_top, rows.width, box_h),
            manager=self.manager,
            container=panel,
        )
        entry_top = box_top + box_h + rows.pad // 2
        send_w = layout.px(104)
        self.entries["report"] = UITextEntryLine(
            pygame.Rect(rows.x, entry_top, rows.width - send_w - rows.pad, entry_h),
            manager=self.manager,
            container=panel,
            placeholder_text="Report to higher (e.g. what you learnt about a contact)",
            object_id="#report_entry",
        )
        self.entries["report"].set_text(self.controller.report_text)
        self._button(
            "send_report",
            "Send report",
            (rows.x + rows.width - send_w, entry_top, send_w, entry_h),
            panel,
            "send the report (about the selected contact, if one is selected)",
        )
        self.feed_panel = panel

    def _build_engagement(self) -> None:
        layout = self.layout
        x, y, w, h = layout.engagement
        panel = self._panel(layout.engagement, "#engagement_panel")
        rows = _Rows(layout, w)
        top, height = rows.take(layout.px(26), gap=0)
        self.engagement_title = self._label(
            "Engagement", (rows.x, top, rows.width, height), panel, "@title"
        )
        top, height = rows.take(layout.px(20))
        self.engagement_info = self._label("", (rows.x, top, rows.width, height), panel, "@dim")
        step_w = layout.px(112)
        field_x = rows.x + step_w
        field_w = rows.width - step_w
        button_w = layout.px(92)
        gap = layout.px(4)

        def step_row(key: str, height: int | None = None) -> tuple[int, int]:
            top, row_h = rows.take(height)
            self.step_labels[key] = self._label(
                "", (rows.x, top, step_w, row_h), panel, "@step_todo"
            )
            return top, row_h

        def detail_row(key: str) -> None:
            top, row_h = rows.take(layout.px(18), gap=layout.px(6))
            self.step_details[key] = self._label("", (field_x, top, field_w, row_h), panel, "@dim")

        top, row_h = step_row("nominate")
        self._button(
            "nominate",
            "Nominate selected contact",
            (field_x, top, field_w, row_h),
            panel,
            "open an engagement against the selected contact",
        )

        top, row_h = step_row("pid")
        basis_options = [(PID_BASIS_NAMES[b], b) for b in PID_BASES]
        current = (PID_BASIS_NAMES[self.controller.pid_basis], self.controller.pid_basis)
        self.menus["pid_basis"] = UIDropDownMenu(
            basis_options,
            current,
            pygame.Rect(field_x, top, field_w - button_w - gap, row_h),
            manager=self.manager,
            container=panel,
            object_id="#pid_basis_menu",
        )
        self._button(
            "declare_pid",
            "Declare PID",
            (field_x + field_w - button_w, top, button_w, row_h),
            panel,
            "declare positive identification with this basis and your reason",
        )
        top, row_h = rows.take()
        self.entries["pid_rationale"] = UITextEntryLine(
            pygame.Rect(field_x, top, field_w, row_h),
            manager=self.manager,
            container=panel,
            placeholder_text="PID rationale: what did you see?",
            object_id="#pid_rationale_entry",
        )
        self.entries["pid_rationale"].set_text(self.controller.pid_rationale)
        detail_row("pid")

        top, row_h = step_row("effect")
        effects = [(e.name, e.id) for e in self.briefing.effects] or [("(none)", "")]
        chosen = next((o for o in effects if o[1] == self.controller.effect_id), effects[0])
        self.menus["effect"] = UIDropDownMenu(
            effects,
            chosen,
            pygame.Rect(field_x, top, field_w - button_w - gap, row_h),
            manager=self.manager,
            container=panel,
            object_id="#effect_menu",
        )
        self._button(
            "plan_effect",
            "Plan",
            (field_x + field_w - button_w, top, button_w, row_h),
            panel,
            "plan this effect on the target's position",
        )

        top, row_h = step_row("estimate")
        self._button(
            "estimate",
            "Run estimate (CDE)",
            (field_x, top, field_w, row_h),
            panel,
            "collateral damage estimate from your picture; drawn on the map",
        )
        top, _ = rows.take(layout.px(96))
        self.estimate_box = UITextBox(
            "",
            pygame.Rect(field_x, top, field_w, layout.px(96)),
            manager=self.manager,
            container=panel,
        )

        top, row_h = step_row("approval")
        self._button(
            "request_approval",
            "Request approval",
            (field_x, top, field_w, row_h),
            panel,
            "ask the approval level the estimate requires",
        )
        top, row_h = rows.take(layout.px(44), gap=layout.px(6))
        self.approval_box = UITextBox(
            "",
            pygame.Rect(field_x, top, field_w, row_h),
            manager=self.manager,
            container=panel,
            object_id="#approval_box",
        )

        top, row_h = step_row("warning")
        means = [(m.name or m.id, m.id) for m in self.briefing.warnings] or [("(none)", "")]
        chosen = next((o for o in means if o[1] == self.controller.warning_id), means[0])
        self.menus["warning"] = UIDropDownMenu(
            means,
            chosen,
            pygame.Rect(field_x, top, field_w - button_w - gap, row_h),
            manager=self.manager,
            container=panel,
            object_id="#warning_menu",
        )
        self._button(
            "issue_warning",
            "Warn",
            (field_x + field_w - button_w, top, button_w, row_h),
            panel,
            "warn civilians around the aim point",
        )
        detail_row("warning")

        top, row_h = step_row("release")
        self.entries["release_rationale"] = UITextEntryLine(
            pygame.Rect(field_x, top, field_w, row_h),
            manager=self.manager,
            container=panel,
            placeholder_text="Release rationale: why now, why this effect?",
            object_id="#release_rationale_entry",
        )
        self.entries["release_rationale"].set_text(self.controller.release_rationale)
        top, row_h = rows.take()
        self._button(
            "release",
            "RELEASE",
            (field_x, top, field_w, row_h),
            panel,
            "release the planned effect",
            object_id="#release_button",
        )
        detail_row("release")

        top, row_h = rows.take(layout.px(36))
        self._button(
            "abort",
            "ABORT",
            (rows.x, top, step_w - gap, row_h),
            panel,
            "hold or abort the engagement (until shortly before the effect lands)",
            object_id="#abort_button",
        )
        self.abort_label = self._label("", (field_x, top, field_w, row_h), panel, "@step_warn")
        self.engagement_panel = panel

    def _build_help(self) -> None:
        width, height = self.layout.size
        w = min(width - 40, self.layout.px(620))
        h = min(height - 40, self.layout.px(560))
        rect = pygame.Rect((width - w) // 2, (height - h) // 2, w, h)
        panel = UIPanel(rect, starting_height=20, manager=self.manager, object_id="#help_panel")
        rows_html = "".join(
            f"<b>{html.escape(keys)}</b>: {html.escape(what)}<br>" for keys, what in SHORTCUTS
        )
        steps = (
            "<br><b>Engagement checklist</b> (right panel, for the selected contact): "
            "1 Nominate, 2 PID (basis and reason), 3 Effect, 4 Estimate (drawn on the map: "
            "solid circle lethal, dashed circle injury, outer ring area considered), "
            "5 Approval, 6 Warning, 7 Release (with reason). ABORT holds or cancels; after "
            "release it counts down to the last moment an abort is possible.<br>"
            "<b>Symbols</b>: yellow clover unknown, green square civilian, red diamond "
            "combatant, purple double square protected, blue rectangle own unit; filled = "
            "in view now, hollow with a dotted ring = last known position."
        )
        UITextBox(
            "<b>Shortcuts</b> (F1 or Escape closes this help)<br>" + rows_html + steps,
            pygame.Rect(6, 6, w - 16, h - 16),
            manager=self.manager,
            container=panel,
        )
        panel.hide()
        self.help_panel = panel

    def _build_end_dialog(self) -> None:
        width, height = self.layout.size
        w, h = self.layout.px(440), self.layout.px(130)
        rect = pygame.Rect((width - w) // 2, (height - h) // 2, w, h)
        panel = UIPanel(rect, starting_height=30, manager=self.manager, object_id="#end_dialog")
        pad = self.layout.px(10)
        self._label(
            "End the exercise now?", (pad, pad, w - 2 * pad, self.layout.px(26)), panel, "@title"
        )
        self._label(
            "Everything so far is saved and will be scored.",
            (pad, pad + self.layout.px(28), w - 2 * pad, self.layout.px(22)),
            panel,
        )
        bw = (w - 3 * pad) // 2
        bh = self.layout.px(32)
        self._button("end_confirm", "End exercise (Enter)", (pad, h - bh - pad - 4, bw, bh), panel)
        self._button(
            "end_cancel", "Continue (Esc)", (2 * pad + bw, h - bh - pad - 4, bw, bh), panel
        )
        panel.hide()
        self.end_dialog = panel

    # ------------------------------------------------------------------ events

    def text_focused(self) -> bool:
        """Whether the trainee is typing in a text box (shortcuts are off then)."""
        return any(entry.is_focused for entry in self.entries.values())

    def unfocus_text(self) -> None:
        """Leave any text box (Escape while typing)."""
        for entry in self.entries.values():
            if entry.is_focused:
                entry.unfocus()

    @property
    def end_dialog_open(self) -> bool:
        """Whether the end-of-exercise question is shown."""
        return bool(self.end_dialog.visible)

    def process_event(self, event: pygame.event.Event) -> str | None:
        """Act on a pygame_gui event; returns 'end' when the trainee confirmed the end."""
        controller = self.controller
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            name = self._name_of(event.ui_element)
            if name is None:
                return None
            return self._press(name)
        if event.type == pygame_gui.UI_DROP_DOWN_MENU_CHANGED:
            option = getattr(event, "selected_option_id", None)
            if event.ui_element is self.menus.get("pid_basis"):
                controller.pid_basis = option or controller.pid_basis
            elif event.ui_element is self.menus.get("effect"):
                controller.effect_id = option or controller.effect_id
            elif event.ui_element is self.menus.get("warning"):
                controller.warning_id = option or controller.warning_id
            return None
        if event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED:
            if event.ui_element is self.confidence_slider:
                controller.confidence = float(event.value) / 100.0
            return None
        if event.type in (pygame_gui.UI_TEXT_ENTRY_CHANGED, pygame_gui.UI_TEXT_ENTRY_FINISHED):
            for name, entry in self.entries.items():
                if event.ui_element is entry:
                    setattr(
                        controller, f"{name}_text" if name == "report" else name, entry.get_text()
                    )
                    if event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED:
                        if name == "report":
                            self._press("send_report")
                        entry.unfocus()
            return None
        return None

    def _name_of(self, element) -> str | None:
        for name, button in self.buttons.items():
            if button is element:
                return name
        return None

    def press(self, name: str) -> str | None:
        """Do what a button does (tests and keyboard equivalents call this too)."""
        return self._press(name)

    def _press(self, name: str) -> str | None:
        controller = self.controller
        if name == "pause":
            controller.toggle_pause()
        elif name.startswith("speed_"):
            controller.set_speed_index(SPEEDS.index(int(name.split("_")[1])))
        elif name == "help":
            controller.show_help = not controller.show_help
        elif name.startswith("classify_"):
            controller.classify(name.split("_", 1)[1])
        elif name == "request_intel":
            controller.request_intel()
        elif name == "follow":
            controller.follow_selected()
        elif name == "send_report":
            controller.report_text = self.entries["report"].get_text()
            if controller.submit_report() is not None:
                self.entries["report"].set_text("")
        elif name == "nominate":
            controller.nominate()
        elif name == "declare_pid":
            controller.pid_rationale = self.entries["pid_rationale"].get_text()
            controller.declare_pid()
        elif name == "plan_effect":
            controller.plan_effect()
        elif name == "estimate":
            controller.estimate()
        elif name == "request_approval":
            controller.request_approval()
        elif name == "issue_warning":
            controller.issue_warning()
        elif name == "release":
            controller.release_rationale = self.entries["release_rationale"].get_text()
            controller.release()
        elif name == "abort":
            controller.abort()
        elif name == "end_confirm":
            return "end"
        elif name == "end_cancel":
            controller.end_requested = False
        return None

    # ------------------------------------------------------------------ refresh

    def _set(self, widget, text: str) -> None:
        """Set a widget's text only when it changed (re-layout is the costly part)."""
        if self._shown.get(id(widget)) != text:
            self._shown[id(widget)] = text
            widget.set_text(text)

    def _set_class(self, widget, class_id: str) -> None:
        key = -id(widget)
        if self._shown.get(key) != class_id:
            self._shown[key] = class_id
            widget.change_object_id(ObjectID(class_id=class_id))

    def refresh(self, picture: Picture | None, queued_ticks_dropped: int = 0) -> None:
        """Bring every widget up to date with the controller and the picture."""
        controller = self.controller
        self._refresh_controls(picture)
        self._refresh_contact(picture)
        self._refresh_feed(picture)
        self._refresh_engagement(picture)
        if controller.show_help != self.help_panel.visible:
            (self.help_panel.show if controller.show_help else self.help_panel.hide)()
        if controller.end_requested != bool(self.end_dialog.visible):
            (self.end_dialog.show if controller.end_requested else self.end_dialog.hide)()

    def _refresh_controls(self, picture: Picture | None) -> None:
        controller = self.controller
        self._set(self.buttons["pause"], "Run" if controller.paused else "Pause")
        for speed in SPEEDS:
            button = self.buttons[f"speed_{speed}"]
            active = speed == controller.speed
            self._set_class(button, "@speed_active" if active else "@console_button")
        state = "PAUSED" if controller.paused else f"running {controller.speed}x"
        mode = {MODE_TASK: " | T: click the map", MODE_MOVE: " | M: click the map"}.get(
            controller.mode, ""
        )
        queued = f" | {len(controller.outbox)} queued" if controller.outbox else ""
        left_s = max(0.0, (self.briefing.total_ticks - controller.tick) * self.briefing.tick_s)
        left = f"{left_s / 60:.0f} min left" if left_s >= 90 else f"{left_s:.0f} s left"
        self._set(self.status_label, f"{state} | {left}{queued}{mode}")

    def _refresh_contact(self, picture: Picture | None) -> None:
        controller = self.controller
        contact = controller.selected_contact()
        enabled = contact is not None
        for name in (*(f"classify_{c}" for c in CLASSIFICATIONS), "request_intel", "follow"):
            button = self.buttons[name]
            if enabled and not button.is_enabled:
                button.enable()
            elif not enabled and button.is_enabled:
                button.disable()
        self._set(self.confidence_label, f"Confidence {controller.confidence:.0%}")
        if contact is None:
            lost = controller.selected_track
            self._set(
                self.contact_title,
                f"Contact {lost}: track lost" if lost else "No contact selected",
            )
            self._set(
                self.contact_info,
                "Click a symbol on the map to select it."
                if not lost
                else "Task the drone where it was last seen to find it again.",
            )
            self._set(self.contact_label, "")
            key: tuple = ()
            if key != self._indicator_key:
                self._indicator_key = key
                self.indicator_box.set_text("<i>Observed indicators appear here.</i>")
            return
        tick_s = self.briefing.tick_s
        ago = max(0.0, (controller.tick - contact.last_seen_tick) * tick_s)
        seen = clock_text(self.briefing.start_s, contact.last_seen_tick, tick_s)
        view = "IN VIEW" if contact.in_view else f"last seen {seen} ({ago:.0f} s ago)"
        self._set(self.contact_title, f"Contact {contact.track_id} ({contact.category})")
        self._set(self.contact_info, f"{view}  |  position +/- {contact.uncertainty_m:.0f} m")
        watched = (contact.last_seen_tick - contact.first_seen_tick) * tick_s
        self._set(
            self.contact_label,
            f"Your label: {contact.classification} ({contact.confidence:.0%})  |  "
            f"watched {watched:.0f} s",
        )
        key = contact.indicators
        if key != self._indicator_key:
            self._indicator_key = key
            if contact.indicators:
                lines = [
                    f"<font face='fira_code_symbols'>{quality:.2f} {quality_bar(quality)}</font> "
                    f"{html.escape(INDICATOR_NAMES.get(name, name.replace('_', ' ')))}"
                    for name, quality in contact.indicators
                ]
                text = "<b>Observed indicators</b> (clarity)<br>" + "<br>".join(lines)
            else:
                text = "<b>Observed indicators</b><br><i>none yet: keep watching</i>"
            self.indicator_box.set_text(text)

    def _refresh_feed(self, picture: Picture | None) -> None:
        controller = self.controller
        messages = picture.messages if picture is not None else ()
        key = (
            len(messages),
            len(controller.notices),
            id(controller.notices[-1]) if controller.notices else 0,
        )
        if key == self._feed_key:
            return
        self._feed_key = key
        entries = [(m.tick, 1, m.kind, m.text, m.reliability) for m in messages]
        entries += [(n.tick, 0, n.kind, n.text, None) for n in controller.notices]
        entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
        lines = []
        for tick, _order, kind, text, reliability in entries[:FEED_LIMIT]:
            tag, colour = FEED_TAGS.get(kind, (kind.upper(), "#e0e0e0"))
            when = clock_text(self.briefing.start_s, tick, self.briefing.tick_s)
            rel = f" ({reliability:.0%})" if reliability is not None else ""
            lines.append(
                f"<font color='{colour}'><b>{when} {html.escape(tag)}{rel}</b></font> "
                f"{html.escape(text)}"
            )
        self.feed_box.set_text("<br>".join(lines) or "<i>No messages yet.</i>")

    def _refresh_engagement(self, picture: Picture | None) -> None:
        controller = self.controller
        contact = controller.selected_contact()
        view = controller.engagement_view()
        engagement_id = controller.engagement_id()
        if controller.selected_track is None:
            self._set(self.engagement_title, "Engagement: select a contact")
        else:
            name = engagement_id or (view.engagement_id if view is not None else None)
            self._set(
                self.engagement_title,
                f"Engagement {name} on {controller.selected_track}"
                if name
                else f"{controller.selected_track}: no engagement yet",
            )
        status = view.status if view is not None else ("queued" if engagement_id else "-")
        self._set(self.engagement_info, f"status: {status}")
        for step in controller.checklist():
            label = self.step_labels[step.key]
            self._set(label, f"{STEP_MARK[step.state]} {step.title}")
            self._set_class(label, STEP_CLASS[step.state])
            if step.key in self.step_details:
                self._set(self.step_details[step.key], step.detail)
            elif step.key == "approval":
                self._set(self.approval_box, html.escape(step.detail))
        open_engagement = engagement_id is not None
        wanted = {
            "nominate": contact is not None and not open_engagement,
            "declare_pid": open_engagement,
            "plan_effect": open_engagement,
            "estimate": open_engagement,
            "request_approval": open_engagement,
            "issue_warning": open_engagement,
            "release": open_engagement and not (view is not None and view.status == "released"),
        }
        possible, countdown = abort_window(view, controller.tick, self.briefing.tick_s)
        if view is None and open_engagement:
            possible, countdown = True, "hold: abort before release"
        wanted["abort"] = possible
        for name, on in wanted.items():
            button = self.buttons[name]
            if on and not button.is_enabled:
                button.enable()
            elif not on and button.is_enabled:
                button.disable()
        self._set(self.abort_label, countdown)
        estimate = dict(view.estimate) if view is not None else {}
        key = tuple(sorted((k, str(v)) for k, v in estimate.items()))
        if key != self._estimate_key:
            self._estimate_key = key
            self.estimate_box.set_text(estimate_html(estimate))


def estimate_html(estimate: dict) -> str:
    """The estimate as a few short lines for the checklist."""
    if not estimate:
        return "<i>No estimate yet. It is drawn on the map when made.</i>"
    sites = estimate.get("protected_sites_in_area") or []
    site_text = ", ".join(f"{s.get('site')} ({s.get('status')})" for s in sites) or "none"
    contacts = estimate.get("contacts_in_area") or []
    authority = str(estimate.get("approval_authority", ""))
    return (
        f"<b>{float(estimate.get('estimated_civilian_casualties', 0)):g} civilian casualties "
        f"expected</b><br>"
        f"{len(contacts)} contacts, {estimate.get('buildings_in_area', 0)} buildings within "
        f"{float(estimate.get('radius_considered_m', 0)):g} m<br>"
        f"protected sites: {html.escape(site_text)}<br>"
        f"approves: {html.escape(authority)}"
    )
