"""End to end in a real window: the console under Xvfb, driven by xdotool.

``python run_sim.py play`` runs in its own process on a virtual X display. Real key
presses and mouse clicks (XTEST, as a person's) start the exercise, pause it, select a
contact, classify it, run, take screenshots (F12) and end it. The screenshots and the
session's event log are then checked.

Where to click is worked out by a second, headless console in this process: same
scenario, seed, window size and UI scale give the same layout, camera and picture (the
simulation is deterministic and no order is given before the click).

Needs Debian's ``xvfb`` and ``xdotool`` (``.ci/run`` installs them); skipped without them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pygame
import pytest
from ui_fixtures import SMALL_TOWN, lone_contact, screen_of
from xvfb_support import MISSING_TOOLS, SKIP_REASON, virtual_display, wait_for

from simulator.core.events import read_log
from simulator.session import verify_replay

REPO_ROOT = Path(__file__).resolve().parents[2]
WINDOW = (1024, 700)

pytestmark = pytest.mark.skipif(MISSING_TOOLS, reason=SKIP_REASON)


@pytest.fixture
def xvfb(tmp_path):
    """A virtual X display; yields the environment to run programs on it."""
    with virtual_display(tmp_path, "1280x800x24", first_display=91) as env:
        yield env


def _xdotool(env: dict[str, str], *args: str, timeout: float = 10.0) -> str:
    done = subprocess.run(
        ["xdotool", *args], env=env, capture_output=True, text=True, timeout=timeout, check=True
    )
    return done.stdout.strip()


def _ring_whiteness(pixels: np.ndarray, centre: tuple[float, float]) -> float:
    """Share of the 16 compass points round ``centre`` with a white pixel 12 to 16 px out
    (where the console draws its selection ring, 14 px)."""
    hits = 0
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        for radius in range(12, 17):
            x = round(centre[0] + radius * np.cos(angle))
            y = round(centre[1] + radius * np.sin(angle))
            if (pixels[x, y] > 235).all():
                hits += 1
                break
    return hits / 16


def _screenshots(folder: Path) -> list[Path]:
    return sorted(folder.glob("screenshot-*.png"), key=lambda p: p.stat().st_mtime_ns)


def test_console_in_a_real_window_driven_by_real_keys_and_clicks(xvfb, tmp_path, make_app):
    out = tmp_path / "session"
    console_log = (tmp_path / "console.log").open("w")
    console = subprocess.Popen(
        [
            sys.executable,
            "run_sim.py",
            "play",
            str(SMALL_TOWN),
            "--out",
            str(out),
            "--seed",
            "1",
            "--size",
            f"{WINDOW[0]}x{WINDOW[1]}",
            "--trainee",
            "xdotool",
        ],
        cwd=REPO_ROOT,
        env=xvfb,
        stdout=console_log,
        stderr=subprocess.STDOUT,
    )
    try:
        # SDL names its window through _NET_WM_NAME only; find it by process id instead.
        window = wait_for(
            lambda: subprocess.run(
                ["xdotool", "search", "--pid", str(console.pid)],
                env=xvfb,
                capture_output=True,
                text=True,
            ).stdout.split(),
            "the console window",
            process=console,
            log=tmp_path / "console.log",
        )[0]
        geometry = dict(
            line.split("=", 1)
            for line in _xdotool(xvfb, "getwindowgeometry", "--shell", window).splitlines()
        )
        origin = (int(geometry["X"]), int(geometry["Y"]))
        assert (int(geometry["WIDTH"]), int(geometry["HEIGHT"])) == WINDOW

        def key(name: str) -> None:
            _xdotool(xvfb, "key", "--clearmodifiers", name)
            time.sleep(0.3)

        def click_at(pos: tuple[float, float]) -> None:
            x, y = round(origin[0] + pos[0]), round(origin[1] + pos[1])
            _xdotool(xvfb, "mousemove", "--sync", str(x), str(y))
            time.sleep(0.15)
            _xdotool(xvfb, "click", "1")
            time.sleep(0.35)

        def screenshot() -> Path:
            before = len(_screenshots(out))
            key("F12")
            shots = wait_for(
                lambda: _screenshots(out)[before:],
                "an F12 screenshot",
                process=console,
                log=tmp_path / "console.log",
            )
            return shots[-1]

        # Keyboard focus follows the pointer on a bare X server: put it on the window.
        _xdotool(xvfb, "mousemove", "--sync", str(origin[0] + 300), str(origin[1] + 200))
        subprocess.run(["xdotool", "windowfocus", window], env=xvfb, capture_output=True)
        time.sleep(0.5)
        key("Return")  # briefing -> exercise
        wait_for(
            lambda: (out / "events.jsonl").exists(),
            "the session log",
            process=console,
            log=tmp_path / "console.log",
        )
        time.sleep(1.5)
        key("space")  # pause
        paused = screenshot()
        tick = int(paused.stem.split("-")[1])

        # The same console, headless, at the same tick: where things are on the window.
        twin = make_app(size=WINDOW, out_dir=tmp_path / "twin")
        twin.start_exercise()
        while twin.sim.tick < tick:
            twin.recorder.step([])
        twin.picture = twin.sim.observe("blue")
        twin.controller.update_picture(twin.picture)
        twin.draw()
        contact = lone_contact(twin, min_gap_px=20.0)
        target = screen_of(twin, contact)
        click_at(target)
        selected = screenshot()
        click_at(twin.panels.buttons["classify_civilian"].rect.center)
        key("space")  # run: the queued classification is applied at the next tick
        time.sleep(1.5)
        key("space")
        classified = screenshot()
        key("Escape")  # end the exercise? ...
        key("Return")  # ... yes
        time.sleep(1.0)
        end_screen = screenshot()
        key("Return")  # quit
        assert console.wait(30) == 0, (tmp_path / "console.log").read_text()
    finally:
        if console.poll() is None:
            console.kill()
        console_log.close()

    # Screenshots: real window pixels, the selection ring drawn round the clicked contact.
    for shot in (paused, selected, classified, end_screen):
        assert pygame.image.load(str(shot)).get_size() == WINDOW, shot
    selected_pixels = pygame.surfarray.array3d(pygame.image.load(str(selected))).astype(int)
    paused_pixels = pygame.surfarray.array3d(pygame.image.load(str(paused))).astype(int)
    assert _ring_whiteness(selected_pixels, target) > 0.5, "selection ring after the click"
    assert _ring_whiteness(paused_pixels, target) < 0.3, "no selection ring before it"
    end_pixels = pygame.surfarray.array3d(pygame.image.load(str(end_screen))).astype(int)
    assert np.abs(end_pixels - selected_pixels).sum() > 0

    # The event log: the click's classification, then the trainee's end; it replays.
    log = read_log(out / "events.jsonl")
    assert log.header["trainee"] == {"name": "xdotool"}
    commands = [e["command"] for e in log.of_type("command")]
    assert commands == [
        {
            "kind": "classify_contact",
            "track_id": contact.track_id,
            "label": "civilian",
            "confidence": 0.7,
        }
    ], commands
    assert [e["reason"] for e in log.of_type("session_end")] == ["ended_by_trainee"]
    assert (out / "scorecard.json").is_file()
    assert verify_replay(out).ok
