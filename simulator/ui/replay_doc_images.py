"""Make the replay viewer's screenshots for docs/aar.md, headless.

``python -m simulator.ui.replay_doc_images docs/images`` runs Market Day (seed 1) with the
``reckless`` scripted trainee for 15 minutes into a temporary session folder, opens it in
the replay viewer on SDL's dummy video driver, and saves the window at a few bookmarks:

* ``replay_trainee.png``: the trainee's view at a release, with the bookmark's findings;
* ``replay_truth.png``: the ground truth just after the effect landed;
* ``replay_both.png``: both views side by side when civilians walk into an effect area;
* ``replay_help.png``: the help overlay with every shortcut.

Each image must stay under 300 KB.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from simulator.policies import make_policy  # noqa: E402
from simulator.render.frame import save_image  # noqa: E402
from simulator.scenario import load_scenario_file  # noqa: E402
from simulator.session import run_session  # noqa: E402
from simulator.ui.replay_events import CIVILIANS, EFFECT, RELEASE  # noqa: E402
from simulator.ui.replay_timeline import ReplayTimeline  # noqa: E402
from simulator.ui.replay_viewer import BOTH, TRAINEE, TRUTH, ReplayViewer  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]
MARKET_DAY = REPO_ROOT / "scenarios" / "market_day.yaml"
MAX_BYTES = 300_000
SESSION_TICKS = 900
ZOOM_LEVEL = 4


def _bookmark(viewer: ReplayViewer, kind: str, after_tick: int = 0):
    return next(
        b
        for b in viewer.timeline.bookmarks
        if b.tick > after_tick and any(item.kind == kind for item in b.items)
    )


def _focus(viewer: ReplayViewer, x_m: float, y_m: float) -> None:
    for camera in (viewer.camera_full, viewer.camera_half):
        camera.set_level(ZOOM_LEVEL)
        camera.centre_on(x_m, y_m)


def _aim_of_latest_engagement(viewer: ReplayViewer) -> tuple[float, float]:
    aimed = [e for e in viewer.timeline.picture().engagements if e.aim_x_m is not None]
    return aimed[-1].aim_x_m, aimed[-1].aim_y_m


def _save(viewer: ReplayViewer, out_dir: Path, name: str, saved: list[Path]) -> None:
    for _ in range(3):
        viewer.frame(0.0)
    path = out_dir / name
    save_image(viewer.screen, path)
    if path.stat().st_size > MAX_BYTES:
        raise RuntimeError(f"{path} is {path.stat().st_size} bytes (limit {MAX_BYTES})")
    saved.append(path)


def make_images(out_dir: Path, size: tuple[int, int] = (1280, 720)) -> list[Path]:
    """Record a reckless Market Day session and save the viewer's screenshots."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as scratch:
        session = Path(scratch) / "reckless"
        run_session(
            load_scenario_file(MARKET_DAY),
            seed=1,
            policy=make_policy("reckless"),
            out_dir=session,
            ticks=SESSION_TICKS,
            trainee={"name": "Demo trainee"},
        )
        timeline = ReplayTimeline(session)
        try:
            viewer = ReplayViewer(timeline, size=size, view=TRAINEE)
            release = _bookmark(viewer, RELEASE, after_tick=0)
            viewer.jump_to(release)
            viewer.finish_seek()
            _focus(viewer, *_aim_of_latest_engagement(viewer))
            _save(viewer, out_dir, "replay_trainee.png", saved)

            landed = _bookmark(viewer, EFFECT, after_tick=release.tick)
            viewer.jump_to(landed)
            viewer.finish_seek()
            viewer.set_view(TRUTH)
            _save(viewer, out_dir, "replay_truth.png", saved)

            entered = _bookmark(viewer, CIVILIANS)
            viewer.jump_to(entered)
            viewer.finish_seek()
            viewer.set_view(BOTH)
            _focus(viewer, *_aim_of_latest_engagement(viewer))
            _save(viewer, out_dir, "replay_both.png", saved)

            viewer.press("help")
            _save(viewer, out_dir, "replay_help.png", saved)
        finally:
            timeline.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    """``python -m simulator.ui.replay_doc_images OUT_DIR``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m simulator.ui.replay_doc_images OUT_DIR", file=sys.stderr)
        return 2
    pygame.display.init()
    for path in make_images(Path(args[0])):
        print(f"wrote {path} ({path.stat().st_size // 1000} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
