"""``run_sim.py snapshot``: a PNG of the requested size, plain errors with exit 2."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from render_fixtures import MARKET_DAY

from simulator.cli import main

REPO_ROOT = Path(__file__).resolve().parents[2]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_snapshot_writes_a_png_of_the_requested_size(tmp_path):
    out = tmp_path / "shots" / "market.png"
    result = subprocess.run(
        [
            sys.executable,
            "run_sim.py",
            "snapshot",
            str(MARKET_DAY),
            "--seed",
            "2",
            "--at",
            "30",
            "--out",
            str(out),
            "--size",
            "1000x700",
            "--quiet",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert png_size(out) == (1000, 700)
    assert "tick 30" in result.stdout


def test_snapshot_of_a_bad_scenario_exits_2_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\nmeta: {id: x}\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "run_sim.py", "snapshot", str(bad), "--out", str(tmp_path / "x.png")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "bad.yaml" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_snapshot_refuses_bad_sizes_ticks_and_names_with_exit_2(tmp_path, capsys):
    out = str(tmp_path / "x.png")
    cases = [
        (["--size", "big"], "WIDTHxHEIGHT"),
        (["--size", "100x100"], "width must be"),
        (["--at", "999999"], "ticks 0 to 3600"),
        (["--at", "-1"], "ticks 0 to"),
        (["--policy", "nobody"], "unknown policy"),
    ]
    for extra, message in cases:
        code = main(["snapshot", str(MARKET_DAY), "--out", out, "--quiet", *extra])
        err = capsys.readouterr().err
        assert code == 2, extra
        assert message in err, f"{extra}: {err}"
    code = main(["snapshot", str(MARKET_DAY), "--out", str(tmp_path / "x.jpg")])
    assert code == 2 and ".png" in capsys.readouterr().err
    missing = main(["snapshot", str(tmp_path / "none.yaml"), "--out", out])
    assert missing == 2 and "no such file" in capsys.readouterr().err
