"""The console's session folder: written exactly like a headless run's.

:class:`SessionRecorder` uses the same pieces as :func:`simulator.session.run_session`
(:func:`~simulator.session.prepare_session_folder`, :func:`~simulator.session.session_header`,
:func:`~simulator.session.record_step`, :func:`~simulator.session.close_early`), so a
session played in the console replays (``run_sim.py replay DIR --verify``) and scores
like any other. Every line is flushed as it is written; a window closed mid-exercise or a
crash closes the log with a ``session_end`` event saying why (``closed``, ``error``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simulator.core.commands import Command
from simulator.core.events import EventLogWriter, read_log
from simulator.core.simulation import Simulation, StepResult
from simulator.scenario import LoadedScenario
from simulator.session import (
    EVENT_LOG,
    close_early,
    prepare_session_folder,
    record_step,
    session_header,
)

POLICY_NAME = "console"
SCORECARD_FILE = "scorecard.json"


class SessionRecorder:
    """Runs one console session's simulation and writes its folder.

    Args:
        loaded: the scenario and its file bytes.
        sim: the session's simulation (not reset yet).
        out_dir: the session folder.
        seed: session seed.
        trainee: trainee details recorded in the header (name, unit).
    """

    def __init__(
        self,
        loaded: LoadedScenario,
        sim: Simulation,
        out_dir: str | Path,
        *,
        seed: int,
        trainee: dict[str, str] | None = None,
    ) -> None:
        self.loaded = loaded
        self.sim = sim
        self.out_dir = Path(out_dir)
        self.seed = int(seed)
        self.trainee = dict(trainee or {})
        self.log: EventLogWriter | None = None
        self.last_hash = ""
        self.end_reason: str | None = None
        self.commands = 0

    @property
    def log_path(self) -> Path:
        """The session's ``events.jsonl``."""
        return self.out_dir / EVENT_LOG

    @property
    def open(self) -> bool:
        """Whether the log is being written."""
        return self.log is not None

    def start(self) -> None:
        """Create the folder, write the header and the opening events (tick 0)."""
        prepare_session_folder(self.loaded, self.out_dir)
        header = session_header(
            self.loaded,
            self.sim,
            seed=self.seed,
            planned_ticks=self.sim.total_ticks,
            policy=POLICY_NAME,
            trainee=self.trainee,
        )
        self.log = EventLogWriter(self.log_path, header)
        self.log.write_all(self.sim.reset(seed=self.seed))

    def step(self, commands: Iterable[Command]) -> StepResult:
        """One tick with the trainee's commands, logged; notes when the exercise ends."""
        if self.log is None:
            raise RuntimeError("the session is not open")
        commands = list(commands)
        result = record_step(self.sim, self.log, commands)
        self.commands += len(commands)
        if result.state_hash:
            self.last_hash = result.state_hash
        if result.done:
            self.end_reason = "completed"  # the engine wrote session_end itself
            self._close_file()
        return result

    def close(self, reason: str, detail: str = "") -> None:
        """Close the log; before the exercise's end, record why it stopped.

        Args:
            reason: ``closed`` (window closed), ``ended_by_trainee``, ``error`` or
                ``interrupted``.
            detail: optional detail (an error's text).
        """
        if self.log is None:
            return
        try:
            if self.end_reason is None:
                self.last_hash = close_early(
                    self.sim, self.log, reason, self.last_hash, detail=detail[:300]
                )
                self.end_reason = reason
        finally:
            self._close_file()

    def _close_file(self) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None


def score_session(out_dir: str | Path, scenario, end_reason: str) -> dict[str, Any]:
    """Score a closed session and write ``scorecard.json`` beside its log.

    Uses the scoring package when it is there, and writes the after-action report
    (``report.html``) beside it; otherwise (or if scoring fails) falls back to the outcome
    counts read from the events. Never raises: the end screen must show.

    Returns:
        A dict for :func:`simulator.ui.screens.end_summary_html`: ``session_dir``,
        ``end_reason``, ``scorecard`` (dict or None), ``outcome``, ``scorecard_path``,
        ``report_path`` and ``score_error``.
    """
    folder = Path(out_dir)
    summary: dict[str, Any] = {
        "session_dir": str(folder),
        "end_reason": end_reason,
        "scorecard": None,
        "outcome": None,
        "scorecard_path": None,
        "report_path": None,
        "score_error": "",
    }
    try:
        log = read_log(folder / EVENT_LOG)
    except Exception as error:  # noqa: BLE001 - report, never crash the end screen
        summary["score_error"] = f"the event log cannot be read: {error}"
        return summary
    try:
        from simulator import session as sessions

        write_scorecard = getattr(sessions, "write_scorecard", None)
        path = write_scorecard(folder, scenario) if write_scorecard is not None else None
        if path is not None:  # the headless runner's writer: one format for every session
            card = json.loads(Path(path).read_text(encoding="utf-8"))
        else:
            from scoring.scorecard import build_scorecard

            card = build_scorecard(log, scenario).to_dict()
            path = folder / SCORECARD_FILE
            path.write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        summary["scorecard"] = card
        summary["report_path"] = _write_report(folder, log, scenario, card)
        summary["scorecard_path"] = str(path)
    except Exception as error:  # noqa: BLE001 - missing or failing scorer: show the outcome
        summary["score_error"] = f"{type(error).__name__}: {error}"
        try:
            from scoring.outcome import outcome_from_events

            summary["outcome"] = outcome_from_events(log.events, scenario)
        except Exception as inner:  # noqa: BLE001
            summary["score_error"] += f"; outcome: {inner}"
    return summary


def _write_report(folder: Path, log, scenario, card: dict[str, Any]) -> str | None:
    """Write the take-home after-action report (``report.html``) when the scoring package
    has one; a failure costs the report only, never the session or its end screen."""
    try:
        from scoring.report import write_report

        return str(write_report(folder, log, scenario, card))
    except Exception:  # noqa: BLE001 - the report can be made later with 'report DIR'
        return None
