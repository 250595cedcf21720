"""``run_sim.py validate`` and ``run_sim.py schema`` as a user runs them, in a subprocess.

A user must never see a traceback: valid files print OK and exit 0; invalid, missing or
unreadable files print ``FILE:LINE:COL: path: message`` lines and exit 2.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.scenario import json_schema

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "tests" / "scenario" / "data"
MINI = DATA / "mini.yaml"
TOWN = DATA / "town.yaml"


def run_sim(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``python run_sim.py ARGS`` from the repository root."""
    return subprocess.run(  # noqa: S603 - our own script with our own arguments
        [sys.executable, "run_sim.py", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def broken_copy(tmp_path: Path) -> Path:
    """A copy of town.yaml with a misspelt key and a misspelt building use."""
    text = TOWN.read_text(encoding="utf-8")
    for old, new in [("capacity: 8}", "capacty: 8}"), ("use: market, rect", "use: markte, rect")]:
        assert text.count(old) == 1, f"town.yaml must contain {old!r} exactly once"
        text = text.replace(old, new)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_validate_valid_files_prints_ok_and_exits_0() -> None:
    result = run_sim("validate", MINI, TOWN)
    assert result.returncode == 0, describe(result)
    lines = result.stdout.splitlines()
    assert len(lines) == 2, describe(result)
    assert lines[0].startswith(f"{MINI}: OK"), describe(result)
    assert "'Mini town' (mini-v1)" in lines[0], describe(result)
    assert lines[1].startswith(f"{TOWN}: OK"), describe(result)
    assert result.stderr == "", describe(result)


def test_validate_invalid_file_lists_every_problem_with_file_line_column_and_exits_2(
    tmp_path: Path,
) -> None:
    path = broken_copy(tmp_path)
    result = run_sim("validate", path)
    assert result.returncode == 2, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    located = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): \S+: .+$")
    issue_lines = [line for line in result.stderr.splitlines() if located.match(line)]
    assert len(issue_lines) == 2, describe(result)
    lines = path.read_text(encoding="utf-8").splitlines()
    capacty_line = next(n for n, text in enumerate(lines, 1) if "capacty" in text)
    markte_line = next(n for n, text in enumerate(lines, 1) if "markte" in text)
    assert f"{path}:{capacty_line}:" in issue_lines[0], describe(result)
    assert "did you mean 'capacity'?" in issue_lines[0], describe(result)
    assert f"{path}:{markte_line}:" in issue_lines[1], describe(result)
    assert f"{path}: INVALID (2 problems)" in result.stderr, describe(result)
    assert result.stdout == "", describe(result)


def test_validate_reports_each_file_and_exits_2_when_any_is_invalid(tmp_path: Path) -> None:
    path = broken_copy(tmp_path)
    result = run_sim("validate", MINI, path)
    assert result.returncode == 2, describe(result)
    assert f"{MINI}: OK" in result.stdout, describe(result)
    assert f"{path}: INVALID" in result.stderr, describe(result)


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("does-not-exist.yaml", "no such file"), (".", "this is a folder")],
    ids=["missing file", "folder"],
)
def test_validate_unreadable_path_exits_2_without_a_traceback(
    tmp_path: Path, name: str, fragment: str
) -> None:
    path = tmp_path / name
    result = run_sim("validate", path)
    assert result.returncode == 2, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    assert re.search(
        rf"^{re.escape(str(path))}:0:0: \(file\): .*{fragment}", result.stderr, re.M
    ), describe(result)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"- a list\n",
        b"meta: !!python/object/apply:os.system ['echo pwned']\n",
        b"\xff\xfe not utf-8\n",
        b"a: &x [1]\nb: *x\n",
        b"[" * 100_000,
    ],
    ids=["empty", "list", "python tag", "not utf-8", "alias", "deep nesting"],
)
def test_validate_hostile_or_broken_file_exits_2_without_a_traceback(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = run_sim("validate", path)
    assert result.returncode == 2, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    assert "pwned" not in result.stdout, describe(result)
    assert re.search(rf"^{re.escape(str(path))}:\d+:\d+: ", result.stderr, re.M), describe(result)


def test_validate_without_files_is_a_usage_error() -> None:
    result = run_sim("validate")
    assert result.returncode == 2, describe(result)
    assert "Traceback" not in result.stderr, describe(result)
    assert "usage:" in result.stderr, describe(result)


def test_schema_prints_the_json_schema() -> None:
    result = run_sim("schema")
    assert result.returncode == 0, describe(result)
    assert json.loads(result.stdout) == json_schema()


def test_schema_out_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "scenario.schema.json"
    result = run_sim("schema", "--out", out)
    assert result.returncode == 0, describe(result)
    assert json.loads(out.read_text(encoding="utf-8")) == json_schema()
    assert str(out) in result.stdout, describe(result)
