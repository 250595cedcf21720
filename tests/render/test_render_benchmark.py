"""Smoke tests of the render benchmark workload: it builds and runs. Nothing is timed here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmarks.render import run

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_render_benchmark_runs_a_tiny_workload():
    result = run(300, frames=3, buildings=60, sensors=10)
    assert result["entities"] == 300
    assert result["size"] == "1280x720"
    for key in ("ms_per_frame", "ms_per_frame_same_picture", "ms_per_frame_panning"):
        assert result[key] > 0, key
    assert result["map_tiles_drawn"] > 0


def test_render_benchmark_prints_pure_json():
    command = [sys.executable, "-m", "benchmarks.render", "--entities", "100", "--frames", "2"]
    result = subprocess.run(
        [*command, "--buildings", "40", "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["entities"] == 100 and figures["ms_per_frame"] > 0
