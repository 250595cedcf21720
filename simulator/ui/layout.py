"""Where the console's parts go on the window, and the pygame_gui theme, per UI scale.

The map is drawn over the whole window (the renderer's frame) and the panels cover its
right and bottom edges; the camera keeps the map fitted inside the part left visible.
Everything is sized from a UI scale (1.0 for an ordinary laptop, 1.5 or 2.0 for high-DPI
screens), so one number makes the whole console larger or smaller.

Rectangles are plain ``(x, y, width, height)`` tuples: this module does not need pygame.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.render.frame import HUD_HEIGHT

MIN_UI_SCALE = 0.75
MAX_UI_SCALE = 2.5
UI_SCALE_STEP = 0.125
MIN_WINDOW = (800, 600)

Rect = tuple[int, int, int, int]


def clamp_ui_scale(scale: float) -> float:
    """A UI scale within the supported range."""
    return round(min(MAX_UI_SCALE, max(MIN_UI_SCALE, float(scale))), 3)


@dataclass(frozen=True)
class Layout:
    """Rectangles of the console's parts for one window size and UI scale.

    Attributes:
        size: the window (width, height) in pixels.
        scale: the UI scale.
        right: the right column (controls bar, then the engagement panel).
        controls: the controls bar at the top of the right column.
        engagement: the engagement panel under it.
        bottom: the bottom strip (contact panel and feed).
        contact: the contact panel (left of the bottom strip).
        feed: the intelligence and event feed (right of the bottom strip).
        map_view: the part of the window where the map is visible (under the HUD bar).
    """

    size: tuple[int, int]
    scale: float
    right: Rect
    controls: Rect
    engagement: Rect
    bottom: Rect
    contact: Rect
    feed: Rect
    map_view: Rect

    @classmethod
    def compute(cls, size: tuple[int, int], scale: float = 1.0) -> Layout:
        """Lay the console out on a window of ``size`` at a UI ``scale``."""
        width, height = int(size[0]), int(size[1])
        scale = clamp_ui_scale(scale)
        right_w = min(round(390 * scale), int(width * 0.5))
        bottom_h = min(round(200 * scale), int(height * 0.42))
        controls_h = min(round(84 * scale), height // 4)
        left_w = width - right_w
        right = (left_w, 0, right_w, height)
        controls = (left_w, 0, right_w, controls_h)
        engagement = (left_w, controls_h, right_w, height - controls_h)
        bottom = (0, height - bottom_h, left_w, bottom_h)
        contact_w = int(left_w * 0.58)
        contact = (0, height - bottom_h, contact_w, bottom_h)
        feed = (contact_w, height - bottom_h, left_w - contact_w, bottom_h)
        map_view = (0, HUD_HEIGHT, left_w, height - bottom_h - HUD_HEIGHT)
        return cls(
            (width, height), scale, right, controls, engagement, bottom, contact, feed, map_view
        )

    @property
    def camera_insets(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) pixels of the window the map must stay clear of."""
        return (0, HUD_HEIGHT, self.right[2], self.bottom[3])

    def px(self, value: float) -> int:
        """A length in pixels at this UI scale."""
        return max(1, round(value * self.scale))


def contains(rect: Rect, point: tuple[float, float]) -> bool:
    """Whether a screen point lies inside a rectangle."""
    x, y, w, h = rect
    return x <= point[0] < x + w and y <= point[1] < y + h


# --------------------------------------------------------------------------- theme

FONT_NAME = "noto_sans"
BASE_FONT_PX = 14
TITLE_FONT_PX = 17
# Okabe-Ito colours (as in simulator.render.palette), for buttons that carry meaning.
_VERMILLION = "#D55E00"
_GREEN = "#009E73"
_YELLOW = "#F0E442"
_PURPLE = "#CC79A7"
_SKY = "#56B4E9"


def font_sizes(scale: float) -> tuple[int, int]:
    """(body, title) font sizes in pixels at a UI scale."""
    return max(9, round(BASE_FONT_PX * scale)), max(10, round(TITLE_FONT_PX * scale))


def theme(scale: float) -> dict:
    """A pygame_gui theme for a UI scale: fonts scaled, meaning carried by colour *and* text."""
    body, title = font_sizes(scale)
    font = {"name": FONT_NAME, "size": str(body)}
    bold = {"name": FONT_NAME, "size": str(title), "bold": "1"}
    data: dict = {
        element: {"font": dict(font)}
        for element in (
            "label",
            "button",
            "text_box",
            "text_entry_line",
            "drop_down_menu",
            "horizontal_slider",
            "panel",
            "window",
        )
    }
    data["label"]["misc"] = {"text_horiz_alignment": "left"}
    data["text_box"]["misc"] = {"line_spacing": "1.05", "padding": "4,3"}
    data["panel"]["colours"] = {"dark_bg": "#1d2126", "normal_border": "#3a4048"}
    data["@title"] = {"font": dict(bold), "colours": {"normal_text": "#f0f0f0"}}
    data["@step_done"] = {"colours": {"normal_text": _GREEN}}
    data["@step_next"] = {"colours": {"normal_text": _YELLOW}}
    data["@step_todo"] = {"colours": {"normal_text": "#c8c8c8"}}
    data["@step_warn"] = {"colours": {"normal_text": _VERMILLION}}
    data["@dim"] = {"colours": {"normal_text": "#a0a0a0"}}
    data["#abort_button"] = {
        "font": dict(bold),
        "colours": {
            "normal_bg": _VERMILLION,
            "hovered_bg": "#ef7a24",
            "normal_text": "#ffffff",
            "hovered_text": "#ffffff",
            "disabled_bg": "#5a3a2a",
        },
    }
    data["#release_button"] = {
        "font": dict(bold),
        "colours": {"normal_border": _VERMILLION, "hovered_border": _VERMILLION},
        "misc": {"border_width": "2"},
    }
    data["#start_button"] = {
        "font": dict(bold),
        "colours": {"normal_bg": "#0072B2", "hovered_bg": "#2a8fd0", "normal_text": "#ffffff"},
    }
    for label, colour in (
        ("civilian", _GREEN),
        ("combatant", _VERMILLION),
        ("unknown", _YELLOW),
        ("protected", _PURPLE),
    ):
        data[f"#classify_{label}"] = {
            "colours": {"normal_border": colour, "hovered_border": colour},
            "misc": {"border_width": "2"},
        }
    data["@speed_active"] = {
        "colours": {"normal_bg": "#0072B2", "normal_text": "#ffffff", "normal_border": _SKY}
    }
    return data


def preload_fonts(scale: float) -> list[dict]:
    """Fonts the theme uses, for ``UIManager.preload_fonts`` (avoids load-time warnings)."""
    body, _title = font_sizes(scale)
    return [
        {"name": FONT_NAME, "point_size": body, "style": "bold"},
        {"name": FONT_NAME, "point_size": body, "style": "italic"},
        {"name": "fira_code_symbols", "point_size": body, "style": "regular"},
    ]
