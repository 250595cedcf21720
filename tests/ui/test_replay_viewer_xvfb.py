"""The replay viewer in a real window: ``replay DIR`` under Xvfb, driven by xdotool.

Real key presses jump to the next bookmark (``]``), switch to the side-by-side view (V)
and take a screenshot (F12); Escape closes the viewer. The screenshot's name carries the
tick shown, which must be the first bookmark after the start.

Needs Debian's ``xvfb`` and ``xdotool`` (``.ci/run`` installs them); skipped without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest
from ui_fixtures import SMALL_TOWN

from simulator.core.events import read_log
from simulator.policies import make_policy
from simulator.scenario import load_scenario_file
from simulator.session import run_session
from simulator.ui.replay_events import find_bookmarks

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
    reason="needs Xvfb and xdotool (Debian: apt-get install xvfb xdotool; .ci/run installs them)",
)


def _free_display() -> int:
    for number in range(310, 400):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


def _wait_for(condition, what: str, process=None, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def display(tmp_path):
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = dict(os.environ)
    env.update(
        DISPLAY=f":{number}",
        SDL_VIDEODRIVER="x11",
        SDL_AUDIODRIVER="dummy",
        PYGAME_HIDE_SUPPORT_PROMPT="1",
    )
    env.pop("CHM_CONSOLE_ALLOW_DUMMY", None)

    def ready() -> bool:
        probe = ["xdotool", "getdisplaygeometry"]
        return subprocess.run(probe, env=env, capture_output=True).returncode == 0

    try:
        _wait_for(ready, f"Xvfb :{number}", process=server, timeout=15)
        yield env
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()


def test_the_viewer_in_a_real_window_follows_real_keys(display, tmp_path):
    session = tmp_path / "session"
    run_session(
        load_scenario_file(SMALL_TOWN),
        seed=3,
        policy=make_policy("reckless"),
        out_dir=session,
        ticks=200,
    )
    first = next(b for b in find_bookmarks(read_log(session / "events.jsonl").events) if b.tick)
    log = (tmp_path / "viewer.log").open("w")
    viewer = subprocess.Popen(
        [sys.executable, "run_sim.py", "replay", str(session), "--size", "1280x720"],
        cwd=REPO_ROOT,
        env=display,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        window = _wait_for(
            lambda: subprocess.run(
                ["xdotool", "search", "--pid", str(viewer.pid)],
                env=display,
                capture_output=True,
                text=True,
            ).stdout.split(),
            "the viewer window",
            process=viewer,
        )[0]
        subprocess.run(["xdotool", "mousemove", "--sync", "400", "300"], env=display, check=True)
        subprocess.run(["xdotool", "windowfocus", window], env=display, capture_output=True)
        time.sleep(0.5)

        def key(name: str) -> None:
            subprocess.run(["xdotool", "key", "--clearmodifiers", name], env=display, check=True)
            time.sleep(0.4)

        key("bracketright")
        key("v")
        key("v")
        key("F12")
        shot = _wait_for(lambda: sorted(session.glob("replay-*.png")), "an F12 screenshot")[0]
        key("Escape")
        assert viewer.wait(15) == 0, (tmp_path / "viewer.log").read_text()
    finally:
        if viewer.poll() is None:
            viewer.kill()
        log.close()
    assert shot.name == f"replay-{first.tick}.png"
    image = pygame.image.load(str(shot))
    assert image.get_size() == (1280, 720)
    pixels = pygame.surfarray.array3d(image)
    assert pixels[:880, :600].std() > 10, "the map area is blank"
