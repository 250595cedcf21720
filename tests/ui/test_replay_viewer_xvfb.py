"""The replay viewer in a real window: ``replay DIR`` under Xvfb, driven by xdotool.

Real key presses jump to the next bookmark (``]``), switch to the side-by-side view (V)
and take a screenshot (F12); Escape closes the viewer. The screenshot's name carries the
tick shown, which must be the first bookmark after the start.

Needs Debian's ``xvfb`` and ``xdotool`` (``.ci/run`` installs them); skipped without them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pygame
import pytest
from ui_fixtures import SMALL_TOWN
from xvfb_support import MISSING_TOOLS, SKIP_REASON, virtual_display, wait_for

from simulator.core.events import read_log
from simulator.policies import make_policy
from simulator.scenario import load_scenario_file
from simulator.session import run_session
from simulator.ui.replay_events import find_bookmarks

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(MISSING_TOOLS, reason=SKIP_REASON)


@pytest.fixture
def display(tmp_path):
    with virtual_display(tmp_path, "1400x900x24", first_display=310) as env:
        yield env


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
        window = wait_for(
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
        shot = wait_for(lambda: sorted(session.glob("replay-*.png")), "an F12 screenshot")[0]
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
