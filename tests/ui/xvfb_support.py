"""Shared support for the real-window tests: a virtual X display and waiting helpers.

Both the console's and the replay viewer's end-to-end tests start Xvfb on a free display,
wait until it accepts clients, and drive the program with xdotool.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

MISSING_TOOLS = shutil.which("Xvfb") is None or shutil.which("xdotool") is None
SKIP_REASON = "needs Xvfb and xdotool (Debian: apt-get install xvfb xdotool; .ci/run installs them)"


def free_display(first: int) -> int:
    """A display number from ``first`` on that no X server uses."""
    for number in range(first, first + 200):
        if (
            not Path(f"/tmp/.X{number}-lock").exists()
            and not Path(f"/tmp/.X11-unix/X{number}").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


def wait_for(condition, what: str, timeout: float = 30.0, process=None, log: Path | None = None):
    """Poll ``condition`` until it returns something true; fail plainly on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.05)
    state = "" if process is None else f" (exit code {process.poll()})"
    output = "" if log is None else f"; output:\n{log.read_text()}"
    raise AssertionError(f"timed out waiting for {what}{state}{output}")


@contextmanager
def virtual_display(tmp_path: Path, screen: str, first_display: int) -> Iterator[dict[str, str]]:
    """Run Xvfb for the duration; yields the environment for programs to use it."""
    number = free_display(first_display)
    log_path = tmp_path / "xvfb.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", screen, "-nolisten", "tcp"],
        stdout=log,
        stderr=subprocess.STDOUT,
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
        # The socket appears before the server accepts clients: wait until one connects.
        probe = ["xdotool", "getdisplaygeometry"]
        return subprocess.run(probe, env=env, capture_output=True).returncode == 0

    try:
        try:
            wait_for(ready, f"Xvfb :{number}", timeout=15, process=server)
        except AssertionError:
            pytest.fail(f"Xvfb :{number} did not start: {log_path.read_text()}")
        yield env
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
