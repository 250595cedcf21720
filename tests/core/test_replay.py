"""Replay: a session folder re-simulates to the same state hashes, and tampering shows.

Sessions are written with ``run_session`` (a scripted trainee issues commands, one of
them invalid), then checked with ``verify_replay`` and the ``replay --verify`` command:
edited commands, seeds and scenario copies are caught, a log re-chained after an edit
is caught by the state hashes, and a log cut off by a crash still verifies up to its
last intact state hash.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from core_fixtures import REPO_ROOT, TOWN_YAML, Town

from simulator.core.commands import Command, MoveUnit, StopUnit
from simulator.core.events import EventLogWriter, read_log
from simulator.core.picture import Picture
from simulator.policies import make_policy
from simulator.scenario import load_scenario_file
from simulator.session import (
    EVENT_LOG,
    SCENARIO_COPY,
    load_session,
    logged_commands,
    run_session,
    verify_replay,
)

SCRIPT: dict[int, list[Command]] = {
    5: [MoveUnit("p1", 300.0, 100.0)],
    70: [StopUnit("p1")],
    75: [MoveUnit("op1", 10.0, 10.0)],  # a fixed post: rejected
    90: [MoveUnit("p1", 500.0, 300.0), MoveUnit("ghost", 1.0, 1.0)],  # second: rejected
    250: [MoveUnit("p1", 100.0, 300.0)],
}
SESSION_TICKS = 600


class ScriptedTrainee:
    """A test trainee issuing fixed commands at fixed ticks (it reads only the picture)."""

    name = "scripted-test"

    def __init__(self, script: dict[int, list[Command]] | None = None):
        self.script = SCRIPT if script is None else script

    def reset(self, rng: np.random.Generator, briefing: object = None) -> None:
        """Nothing random to prepare."""

    def act(self, picture: Picture) -> Sequence[Command]:
        """The commands scripted for this tick."""
        return list(self.script.get(picture.tick, ()))


class DicingTrainee:
    """A test trainee that draws from its ``policy`` stream every tick (as the docs allow)."""

    name = "dicing-test"

    def reset(self, rng: np.random.Generator, briefing: object = None) -> None:
        self.rng = rng

    def act(self, picture: Picture) -> Sequence[Command]:
        x_m = float(self.rng.uniform(0.0, 600.0))
        if picture.tick % 100 == 5:
            return [MoveUnit("p1", round(x_m, 1), 50.0)]
        return []


class FailingTrainee(ScriptedTrainee):
    """A scripted trainee that crashes at tick 150."""

    name = "failing-test"

    def act(self, picture: Picture) -> Sequence[Command]:
        if picture.tick == 150:
            raise RuntimeError("the trainee's program crashed")
        return super().act(picture)


# ----------------------------------------------------------------------------- helpers


def _records(folder: Path) -> list[dict]:
    """Every line of a session's log as a dict (chains included)."""
    lines = (folder / EVENT_LOG).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _edit_log(folder: Path, edit: Callable[[list[dict]], None], *, rechain: bool) -> None:
    """Edit a log's records; with ``rechain`` rewrite every chain so it reads as intact."""
    records = _records(folder)
    edit(records)
    path = folder / EVENT_LOG
    if rechain:
        for record in records:
            record.pop("chain", None)
        header, events = records[0], records[1:]
        with EventLogWriter(path, header) as writer:
            writer.write_all(events)
    else:
        text = "".join(
            json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records
        )
        path.write_text(text, encoding="utf-8")


def _first_command(records: list[dict], kind: str = "move_unit") -> dict:
    return next(r for r in records if r.get("type") == "command" and r["command"]["kind"] == kind)


def _hash_ticks(folder: Path) -> list[int]:
    return [r["tick"] for r in _records(folder) if r.get("type") == "state_hash"]


@pytest.fixture
def session(town: Town, tmp_path: Path) -> Path:
    """A 600-tick session of the town with scripted commands (two of them rejected)."""
    folder = tmp_path / "session"
    run_session(town.loaded, seed=13, policy=ScriptedTrainee(), out_dir=folder, ticks=SESSION_TICKS)
    return folder


# ----------------------------------------------------------------------------- replays


def test_a_whole_passive_session_replays_exactly(town: Town, tmp_path: Path):
    summary = run_session(town.loaded, seed=2, policy=make_policy("passive"), out_dir=tmp_path)
    assert summary.end_reason == "completed"
    assert summary.ticks == town.scenario.clock.total_ticks
    report = verify_replay(tmp_path)
    assert report.ok, report.problems
    assert report.problems == []
    assert report.checked == town.scenario.clock.total_ticks // 60
    assert report.ticks == town.scenario.clock.total_ticks
    assert report.first_difference_tick is None


def test_a_session_with_commands_replays_exactly(session: Path):
    log, _ = load_session(session)
    rejected = list(log.of_type("command_rejected"))
    assert len(rejected) == 2, rejected
    assert {r["tick"] for r in rejected} == {75, 90}
    assert all(r["reason"] for r in rejected)
    assert list(log.of_type("unit_arrived")), "the patrol never arrived anywhere"
    schedule = logged_commands(log)
    assert schedule == SCRIPT, "the log does not hold the commands as issued, in order"
    report = verify_replay(session)
    assert report.ok, report.problems
    assert report.checked == SESSION_TICKS // 60
    assert report.ticks == SESSION_TICKS


def test_an_edited_command_is_caught(session: Path):
    def nudge(records: list[dict]) -> None:
        _first_command(records)["command"]["x_m"] = 301.0

    edited_line = _records(session).index(_first_command(_records(session))) + 1
    _edit_log(session, nudge, rechain=False)
    assert read_log(session / EVENT_LOG).first_bad_line == edited_line
    report = verify_replay(session)
    assert not report.ok
    assert report.problems
    assert report.first_difference_tick is not None or any(
        "checksum" in p or "altered" in p for p in report.problems
    ), report.problems


def test_an_edited_seed_is_caught(session: Path):
    def reseed(records: list[dict]) -> None:
        records[0]["seed"] = 14

    _edit_log(session, reseed, rechain=False)
    assert read_log(session / EVENT_LOG).first_bad_line == 1
    report = verify_replay(session)
    assert not report.ok
    assert report.problems


def test_a_recomputed_chain_does_not_hide_an_edited_command(session: Path):
    def nudge(records: list[dict]) -> None:
        _first_command(records)["command"]["x_m"] = 301.0

    command_tick = min(SCRIPT)  # the first MoveUnit
    _edit_log(session, nudge, rechain=True)
    log = read_log(session / EVENT_LOG)
    assert log.problems == [], "the re-chained log should read as intact"
    first_hash_after = min(t for t in _hash_ticks(session) if t > command_tick)
    report = verify_replay(session)
    assert not report.ok
    assert report.first_difference_tick == first_hash_after == 60, (
        f"command at tick {command_tick}: {report}"
    )


def test_a_recomputed_chain_does_not_hide_a_removed_command(session: Path):
    def drop_stop(records: list[dict]) -> None:
        records.remove(_first_command(records, "stop_unit"))

    _edit_log(session, drop_stop, rechain=True)
    report = verify_replay(session)
    assert not report.ok
    assert report.first_difference_tick == 120  # the stop was at tick 70


def test_a_recomputed_chain_does_not_hide_an_edited_seed(session: Path):
    def reseed(records: list[dict]) -> None:
        records[0]["seed"] = 14

    _edit_log(session, reseed, rechain=True)
    report = verify_replay(session)
    assert not report.ok
    assert report.first_difference_tick == 60


def test_a_log_cut_mid_line_verifies_up_to_its_last_state_hash(session: Path):
    path = session / EVENT_LOG
    data = path.read_bytes()
    lines = data.split(b"\n")
    hash_lines = [i for i, line in enumerate(lines) if b'"type":"state_hash"' in line]
    keep = hash_lines[4]  # the hash at tick 300
    assert json.loads(lines[keep])["tick"] == 300
    cut_line = lines[keep + 1]
    offset = sum(len(line) + 1 for line in lines[: keep + 1]) + len(cut_line) // 2
    path.write_bytes(data[:offset])  # the process died while writing the next line
    report = verify_replay(session)
    assert report.ok, report.problems
    assert report.checked == 5
    assert report.ticks == 300
    assert report.notes, "a cut-off log should be noted"
    assert any("mid-line" in note or "cut off" in note for note in report.notes), report.notes


def test_a_log_cut_inside_a_non_ascii_character_still_verifies(tmp_path: Path):
    text = TOWN_YAML.replace("Market is opening.", "Le marché ouvre. السوق مفتوح")
    source = tmp_path / "town_utf8.yaml"
    source.write_text(text, encoding="utf-8")
    folder = tmp_path / "session"
    run_session(
        load_scenario_file(source), seed=3, policy=make_policy("passive"), out_dir=folder, ticks=400
    )
    path = folder / EVENT_LOG
    data = path.read_bytes()
    cut = data.index("السوق".encode()) + 1  # inside the first two-byte letter
    path.write_bytes(data[:cut])
    report = verify_replay(folder)
    assert report.ok, report.problems
    assert report.ticks == 300


def test_an_edited_scenario_copy_is_reported(session: Path):
    copy = session / SCENARIO_COPY
    copy.write_text(copy.read_text(encoding="utf-8") + "# edited after the session\n", "utf-8")
    report = verify_replay(session)
    assert not report.ok
    assert any("SHA-256" in p for p in report.problems), report.problems


def test_a_scenario_copy_edited_to_change_the_town_is_reported(session: Path):
    copy = session / SCENARIO_COPY
    text = copy.read_text(encoding="utf-8")
    assert "count: 40\n      age_group: child" in text
    copy.write_text(
        text.replace("count: 40\n      age_group: child", "count: 41\n      age_group: child"),
        "utf-8",
    )
    report = verify_replay(session)
    assert not report.ok
    assert any("SHA-256" in p for p in report.problems), report.problems
    assert report.first_difference_tick == 60


def test_a_session_stopped_by_a_crashing_trainee_replays_up_to_the_crash(
    town: Town, tmp_path: Path
):
    with pytest.raises(RuntimeError, match="crashed"):
        run_session(town.loaded, seed=6, policy=FailingTrainee(), out_dir=tmp_path)
    log, _ = load_session(tmp_path)
    end = list(log.of_type("session_end"))
    assert [e["reason"] for e in end] == ["error"]
    report = verify_replay(tmp_path)
    assert report.ok, report.problems
    assert report.ticks == 150
    assert any("error" in note for note in report.notes), report.notes


def test_a_session_whose_trainee_draws_random_numbers_replays(town: Town, tmp_path: Path):
    run_session(town.loaded, seed=3, policy=DicingTrainee(), out_dir=tmp_path, ticks=300)
    report = verify_replay(tmp_path)
    assert report.ok, report.problems


# ----------------------------------------------------------------------------- the command


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "run_sim.py", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_replay_verify_exit_codes(town: Town, tmp_path: Path):
    folder = tmp_path / "cli-session"
    run_session(town.loaded, seed=4, policy=ScriptedTrainee(), out_dir=folder, ticks=240)

    same = _cli("replay", str(folder), "--verify", "--quiet")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "OK" in same.stdout

    def reseed(records: list[dict]) -> None:
        records[0]["seed"] = 5

    _edit_log(folder, reseed, rechain=True)
    differs = _cli("replay", str(folder), "--verify", "--quiet")
    assert differs.returncode == 1, differs.stdout + differs.stderr
    assert "tick 60" in differs.stderr, "the first differing tick should be named"

    (folder / EVENT_LOG).write_text("this is not an event log\n", encoding="utf-8")
    unreadable = _cli("replay", str(folder), "--verify", "--quiet")
    assert unreadable.returncode == 2, unreadable.stdout + unreadable.stderr
    assert "Traceback" not in unreadable.stderr


def test_run_headless_writes_a_session_folder_that_replays(town: Town, tmp_path: Path):
    folder = tmp_path / "cli-run"
    ran = _cli(
        "run", str(town.path), "--headless", "--seed", "4", "--policy", "passive",
        "--ticks", "120", "--out", str(folder), "--quiet",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert verify_replay(folder).ok


# ----------------------------------------------------------------------------- Market Day


def test_an_hour_of_market_day_runs_headless_and_replays(market_day, tmp_path: Path):
    clock = market_day.scenario.clock
    one_hour = min(round(3600 / clock.tick_s), clock.total_ticks)
    started = time.perf_counter()
    summary = run_session(
        market_day, seed=1, policy=make_policy("passive"), out_dir=tmp_path, ticks=one_hour
    )
    elapsed = time.perf_counter() - started
    assert elapsed < 60.0, f"an hour of Market Day took {elapsed:.0f} s (hang guard)"
    assert summary.ticks == one_hour
    assert summary.end_reason in ("completed", "tick_limit")
    report = verify_replay(tmp_path)
    assert report.ok, report.problems
    assert report.checked >= 1
    assert report.ticks == one_hour
