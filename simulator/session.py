"""Running a session to a folder, and replaying one from its folder.

A session folder holds everything needed to review or replay it, so training centres can
copy folders between laptops:

* ``scenario.yaml``: an exact copy of the scenario file (its SHA-256 is in the log);
* ``events.jsonl``: the event log, written and flushed as the session goes;
* ``scorecard.json``: the scorecard, written once the log is closed (see scoring/).

Replaying re-simulates from the scenario, the seed and the logged commands and compares
the state hashes recorded every N ticks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from simulator.core.commands import Command, CommandFormatError, command_from_dict
from simulator.core.events import (
    EventLog,
    EventLogError,
    EventLogWriter,
    library_versions,
    make_event,
    read_log,
)
from simulator.core.picture import briefing_from_scenario
from simulator.core.review import picture_report
from simulator.core.simulation import Simulation, StepResult
from simulator.policies import Policy
from simulator.scenario import LoadedScenario, ScenarioError, load_scenario_file

SCENARIO_COPY = "scenario.yaml"
EVENT_LOG = "events.jsonl"
SCORECARD = "scorecard.json"

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SessionSummary:
    """What a finished (or stopped) session produced."""

    out_dir: Path
    ticks: int
    events: int
    commands: int
    end_reason: str
    final_hash: str


def run_session(
    loaded: LoadedScenario,
    *,
    seed: int,
    policy: Policy,
    out_dir: str | Path,
    ticks: int | None = None,
    progress: Progress | None = None,
    trainee: dict[str, str] | None = None,
    dump_ticks: Iterable[int] = (),
) -> SessionSummary:
    """Run a headless session with a scripted trainee and write its folder.

    Args:
        loaded: the scenario and its file bytes.
        seed: session seed.
        policy: the scripted trainee; it sees only ``observe()``.
        out_dir: session folder (created; an existing log there is replaced).
        ticks: stop after this many ticks (default: the scenario's duration).
        progress: called as ``progress(tick, total)`` after every step.
        trainee: optional trainee details (name, unit) recorded in the header.
        dump_ticks: ticks at which to write ``picture_<TICK>.json`` (what the trainee
            knew, what was true, what was hidden).

    Returns:
        A summary. If anything interrupts the run, the log is closed with a
        ``session_end`` event saying why, so the session can still be scored and replayed
        up to that point, and the exception propagates.
    """
    out = prepare_session_folder(loaded, out_dir)
    scenario = loaded.scenario
    sim = Simulation(scenario)
    limit = sim.total_ticks if ticks is None else max(0, min(int(ticks), sim.total_ticks))
    header = session_header(
        loaded, sim, seed=seed, planned_ticks=limit, policy=policy.name, trainee=trainee
    )
    commands = 0
    events = 0
    end_reason = "completed"
    with EventLogWriter(out / EVENT_LOG, header) as log:
        start_events = sim.reset(seed=seed)
        policy.reset(sim.streams["policy"], briefing_from_scenario(scenario))
        log.write_all(start_events)
        events += len(start_events)
        last_hash = ""
        dumps = {int(t) for t in dump_ticks}
        try:
            _dump_if_due(sim, out, dumps)
            while sim.tick < limit:
                # A policy that never looks (passive) is spared building the picture.
                picture = sim.observe("blue") if getattr(policy, "observes", True) else None
                decided = list(policy.act(picture))
                result = record_step(sim, log, decided)
                events += len(result.events)
                commands += len(decided)
                if result.state_hash:
                    last_hash = result.state_hash
                _dump_if_due(sim, out, dumps)
                if progress is not None:
                    progress(sim.tick, limit)
            if not sim.done:
                end_reason = "tick_limit"
                last_hash = close_early(sim, log, end_reason, last_hash)
        except BaseException as error:  # noqa: BLE001 - the log must be closed cleanly
            end_reason = "interrupted" if isinstance(error, KeyboardInterrupt) else "error"
            close_early(sim, log, end_reason, last_hash, detail=repr(error)[:300])
            raise
    write_scorecard(out, scenario)
    return SessionSummary(out, sim.tick, events, commands, end_reason, last_hash)


def write_scorecard(out_dir: str | Path, scenario) -> Path | None:
    """Score a closed session's log and write ``scorecard.json`` beside it.

    Scoring never costs a session: if anything goes wrong, nothing is written and the
    scorecard can be rebuilt later with ``run_sim.py score DIR``.

    Returns:
        The file written, or None when scoring failed.
    """
    path = Path(out_dir) / SCORECARD
    try:
        path.unlink(missing_ok=True)  # never leave a stale card beside a new log
        from scoring.scorecard import build_scorecard

        card = build_scorecard(read_log(Path(out_dir) / EVENT_LOG), scenario)
        path.write_text(
            json.dumps(card.to_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    except Exception:  # noqa: BLE001 - a scoring failure must never lose the session
        return None
    return path


SESSION_INFO = "session.json"


def prepare_session_folder(loaded: LoadedScenario, out_dir: str | Path) -> Path:
    """Create a session folder, copy the scenario file into it and note when the session
    was played; returns the folder.

    The date goes to ``session.json``, beside the log, never into it: the event log has no
    wall-clock time, so the same session always gives the same bytes. Cohort comparisons
    read the date from here (copying folders between laptops keeps it).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / SCENARIO_COPY).write_bytes(loaded.source)
    played = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    info = {"date": played, "scenario_id": loaded.scenario.meta.id}
    (out / SESSION_INFO).write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
    return out


def session_header(
    loaded: LoadedScenario,
    sim: Simulation,
    *,
    seed: int,
    planned_ticks: int,
    policy: str,
    trainee: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The header of a session's event log (what a replay needs to start again).

    Both the headless runner and the interactive console write their logs with this
    header, so every session folder replays and scores the same way.

    Args:
        loaded: the scenario and its file bytes (for the SHA-256).
        sim: the session's simulation (tick length, state hash period).
        seed: session seed.
        planned_ticks: how many ticks the session is meant to run.
        policy: who plays: a scripted trainee's name, or ``console`` for a person.
        trainee: optional trainee details (name, unit).
    """
    scenario = loaded.scenario
    return {
        "scenario_id": scenario.meta.id,
        "scenario_sha256": loaded.sha256,
        "scenario_file": SCENARIO_COPY,
        "seed": int(seed),
        "tick_s": sim.tick_s,
        "start_time": scenario.clock.start_time,
        "planned_ticks": int(planned_ticks),
        "state_hash_every": sim.hash_every,
        "difficulty": loaded.difficulty,
        "policy": policy,
        "trainee": dict(trainee or {}),
        "versions": library_versions(),
    }


def record_step(sim: Simulation, log: EventLogWriter, commands: Iterable[Command]) -> StepResult:
    """Advance the simulation one tick with the trainee's commands and log its events.

    The one way a session (headless or console) moves on, so both record alike.
    """
    result = sim.step(commands)
    log.write_all(result.events)
    return result


def picture_dump_path(out_dir: str | Path, tick: int) -> Path:
    """Where the picture dump of a tick is written."""
    return Path(out_dir) / f"picture_{int(tick)}.json"


def _dump_if_due(sim: Simulation, out: Path, dumps: set[int]) -> None:
    if sim.tick in dumps:
        report = picture_report(sim)
        picture_dump_path(out, sim.tick).write_text(
            json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
        )


def close_early(
    sim: Simulation, log: EventLogWriter, reason: str, last_hash: str = "", detail: str = ""
) -> str:
    """Record a final state hash and why the session stopped before its end.

    Args:
        sim: the session's simulation.
        log: its open log.
        reason: why it stopped: ``tick_limit``, ``interrupted``, ``error``, ``closed``
            (the console's window was closed) or ``ended_by_trainee``.
        last_hash: the last state hash written ('' when unknown).
        detail: optional detail (an error's text).

    Returns:
        The final state hash.
    """
    if sim.tick % sim.hash_every != 0 or not last_hash:
        last_hash = sim.state_hash()
        log.write(make_event(sim.tick, "state_hash", hash=last_hash))
    fields: dict[str, Any] = {"reason": reason}
    if detail:
        fields["detail"] = detail
    log.write(make_event(sim.tick, "session_end", **fields))
    return last_hash


# ----------------------------------------------------------------------------- replay


@dataclass
class ReplayReport:
    """Result of re-simulating a session and comparing state hashes.

    Attributes:
        ok: True when the log is intact and every recorded hash was reproduced.
        checked: how many state hashes were compared.
        ticks: how many ticks were re-simulated.
        first_difference_tick: the first tick whose state differs (None when none).
        problems: plain-language problems (altered lines, changed scenario...).
        notes: things worth knowing that are not failures (e.g. a session cut short).
    """

    ok: bool = True
    checked: int = 0
    ticks: int = 0
    first_difference_tick: int | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ReplayError(Exception):
    """The session folder cannot be replayed at all (explained in the message)."""


def load_session(session_dir: str | Path) -> tuple[EventLog, LoadedScenario]:
    """Read a session folder's log and scenario copy.

    Raises:
        ReplayError: when the folder, the log or the scenario copy is unusable.
    """
    folder = Path(session_dir)
    if not folder.is_dir():
        raise ReplayError(f"{folder}: no such session folder")
    try:
        log = read_log(folder / EVENT_LOG)
    except EventLogError as error:
        raise ReplayError(str(error)) from None
    scenario_name = str(log.header.get("scenario_file", SCENARIO_COPY))
    if Path(scenario_name).name != scenario_name:
        raise ReplayError(f"{folder}: the log names an odd scenario file {scenario_name!r}")
    try:
        loaded = load_scenario_file(folder / scenario_name, log.header.get("difficulty"))
    except ScenarioError as error:
        raise ReplayError(
            f"{folder / scenario_name}: the scenario copy is missing or invalid:\n{error}"
        ) from None
    return log, loaded


def logged_commands(log: EventLog) -> dict[int, list[Command]]:
    """Commands of a log grouped by the tick they were applied at, in order.

    Raises:
        ReplayError: when a command line cannot be understood.
    """
    schedule: dict[int, list[Command]] = {}
    for event in log.of_type("command"):
        try:
            schedule.setdefault(int(event["tick"]), []).append(command_from_dict(event["command"]))
        except (CommandFormatError, KeyError, TypeError, ValueError) as error:
            raise ReplayError(f"tick {event.get('tick')}: unreadable command: {error}") from None
    return schedule


def verify_replay(session_dir: str | Path, progress: Progress | None = None) -> ReplayReport:
    """Re-simulate a session and compare every recorded state hash.

    Raises:
        ReplayError: when the folder cannot be replayed at all.
    """
    log, loaded = load_session(session_dir)
    report = ReplayReport()
    header = log.header
    if log.problems:
        report.problems.extend(log.problems)
        if log.first_bad_line is not None:
            report.ok = False
    if log.truncated:
        report.notes.append("the log ends mid-line: the session stopped abruptly")
    if header.get("scenario_sha256") != loaded.sha256:
        report.ok = False
        report.problems.append(
            "the scenario copy differs from the one the session ran (SHA-256 mismatch): "
            "it was edited after the session"
        )
    versions = library_versions()
    recorded = header.get("versions", {})
    changed = [f"{k} {recorded.get(k)} -> {v}" for k, v in versions.items() if recorded.get(k) != v]
    if changed:
        report.notes.append("library versions differ from the session's: " + ", ".join(changed))
    try:
        seed = int(header["seed"])
    except (KeyError, TypeError, ValueError):
        raise ReplayError("the log header has no valid seed") from None
    schedule = logged_commands(log)
    expected = {int(e["tick"]): str(e["hash"]) for e in log.of_type("state_hash")}
    if not expected:
        report.notes.append("the log holds no state hashes; nothing to compare")
    last_tick = max(expected, default=0)
    sim = Simulation(loaded.scenario)
    sim.reset(seed=seed)
    while sim.tick < last_tick and not sim.done:
        sim.step(schedule.get(sim.tick, ()))
        if sim.tick in expected:
            report.checked += 1
            if sim.state_hash() != expected[sim.tick]:
                report.ok = False
                report.first_difference_tick = sim.tick
                report.problems.append(
                    f"the state differs at tick {sim.tick} (first hash mismatch): the log's "
                    "header or commands do not produce the recorded session"
                )
                break
        if progress is not None:
            progress(sim.tick, last_tick)
    report.ticks = sim.tick
    if log.first_bad_line is not None:
        return report
    ends = list(log.of_type("session_end"))
    if ends and ends[-1].get("reason") not in ("completed", None):
        report.notes.append(
            f"the session ended early ({ends[-1]['reason']}) at tick {ends[-1]['tick']}"
        )
    elif not ends:
        report.notes.append("the log has no session_end: the session was cut off")
    return report
