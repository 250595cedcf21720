"""Subcommands that review finished sessions: ``score``.

``python run_sim.py score DIR`` prints a session's scorecard as a readable table (the
sub-scores, the outcome and every finding by tick, with its severity, rule and the line
of ``events.jsonl`` it comes from), or as JSON with ``--json``. It uses the folder's
``scorecard.json`` when it matches the log, and scores the log again otherwise.
"""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path
from typing import Any

from simulator.cli_common import EXIT_BAD_INPUT, EXIT_OK
from simulator.cli_common import print_error as _print_error

SEVERITY_ORDER = ("info", "minor", "major", "critical")
OUTCOME_ROWS = (
    ("civilians_killed_own", "civilians killed by your effects"),
    ("civilians_injured_own", "civilians injured by your effects"),
    ("civilians_harmed_own_never_observable", "  of them never observable (indoors)"),
    ("protected_sites_damaged", "protected sites damaged by your effects"),
    ("buildings_damaged_own", "buildings damaged by your effects"),
    ("civilians_killed_by_threat", "civilians killed by threats not prevented"),
    ("civilians_injured_by_threat", "civilians injured by threats not prevented"),
    ("effects_released", "effects released"),
    ("engagements_aborted", "engagements aborted"),
)


def _severity_rank(severity: Any) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else 0


def load_or_build_scorecard(session_dir: str | Path, rebuild: bool = False) -> dict[str, Any]:
    """The scorecard of a session folder as a dict.

    Uses ``scorecard.json`` when it is readable, made with the current rubric and from
    the same number of events as the log holds; otherwise scores the log again (and does
    not write).

    Raises:
        simulator.session.ReplayError: when the folder is not a readable session.
    """
    from scoring.scorecard import RUBRIC_VERSION, SCORECARD_FORMAT, build_scorecard
    from simulator.session import SCORECARD, load_session

    log, loaded = load_session(session_dir)
    saved = Path(session_dir) / SCORECARD
    if not rebuild and saved.is_file():
        try:
            data = json.loads(saved.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if (
            isinstance(data, dict)
            and data.get("format") == SCORECARD_FORMAT
            and data.get("rubric") == RUBRIC_VERSION
            and data.get("session", {}).get("events") == len(log.events)
        ):
            return data
    return build_scorecard(log, loaded.scenario).to_dict()


def format_scorecard(card: dict[str, Any], min_severity: str = "info", width: int = 100) -> str:
    """A plain-text report of a scorecard dict: sub-scores, outcome, findings by tick."""
    session = card.get("session", {})
    scores = card.get("scores", {})
    judged = card.get("judged", {})
    weights = card.get("weights", {})
    findings = card.get("findings", [])
    lines = []
    title = session.get("scenario_title") or session.get("scenario_id") or "session"
    trainee = session.get("trainee") or {}
    who = trainee.get("name") or session.get("policy") or "trainee"
    lines.append(
        f"Scorecard: {title} ({session.get('scenario_id')}), seed {session.get('seed')}, "
        f"{who}, {session.get('ticks')} ticks "
        f"(ended: {session.get('end_reason') or 'cut off, no end recorded'})"
    )
    lines.append("")
    lines.append(f"  {'sub-score':<26}{'score':>7}{'weight':>8}{'deducted':>10}  findings")
    for name in ("civilian_harm_avoidance", "accuracy", "process", "awareness", "mission"):
        own = [f for f in findings if f.get("sub_score") == name]
        deducted = sum(float(f.get("points", 0.0)) for f in own)
        counted = [f for f in own if float(f.get("points", 0.0)) > 0]
        weight = f"{float(weights.get(name, 0.0)):.2f}" if judged.get(name, True) else "-"
        note = "" if judged.get(name, True) else "  (nothing to judge; not in overall)"
        lines.append(
            f"  {name:<26}{float(scores.get(name, 0.0)):>7.1f}{weight:>8}{deducted:>10.1f}"
            f"  {len(counted)}{note}"
        )
    lines.append(f"  {'overall':<26}{float(scores.get('overall', 0.0)):>7.1f}")
    lines.append("")
    outcome = card.get("outcome", {})
    lines.append("Outcome (harm by your action and by threats is shown apart, never blended)")
    for key, label in OUTCOME_ROWS:
        if key in outcome:
            lines.append(f"  {label:<48}{outcome[key]:>6}")
    neutralised = outcome.get("hostiles_neutralised") or []
    who = ", ".join(neutralised)
    lines.append(f"  {'hostile actors neutralised':<48}{len(neutralised):>6}  {who}".rstrip())
    objectives = outcome.get("objectives") or []
    lines.append(
        f"  objectives met: {outcome.get('objectives_met', 0)} of "
        f"{outcome.get('objectives_total', len(objectives))}"
    )
    for item in objectives:
        lines.append(
            f"    [{'x' if item.get('met') else ' '}] {item.get('id')} ({item.get('kind')})"
        )
    lines.append("")
    floor = SEVERITY_ORDER.index(min_severity) if min_severity in SEVERITY_ORDER else 0
    shown = [f for f in findings if _severity_rank(f.get("severity")) >= floor]
    shown.sort(key=lambda f: (int(f.get("tick", 0)), f.get("line") or 0))
    hidden = len(findings) - len(shown)
    lines.append(
        f"Findings by tick ({len(shown)} shown"
        + (f", {hidden} below '{min_severity}' hidden" if hidden else "")
        + "; trace each one to events.jsonl by its line)"
    )
    indent = " " * 6
    for finding in shown:
        points = float(finding.get("points", 0.0))
        cost = f"-{points:g}" if points else "0"
        where = f"line {finding['line']}" if finding.get("line") else "no line"
        lines.append(
            f"  tick {finding.get('tick'):>5} {finding.get('time', ''):<9}"
            f"{finding.get('severity', '').upper():<9}{finding.get('sub_score', ''):<24}"
            f"{cost:>7}  {finding.get('rule')}  ({where})"
        )
        lines.extend(
            textwrap.wrap(
                str(finding.get("message", "")),
                width=max(40, width),
                initial_indent=indent,
                subsequent_indent=indent,
            )
        )
    for note in card.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines)


def _cmd_score(args: argparse.Namespace) -> int:
    from simulator.session import ReplayError

    folder = Path(args.session)
    if not folder.is_dir():
        _print_error(f"{folder}: no such session folder (make one with 'run_sim.py run')")
        return EXIT_BAD_INPUT
    try:
        card = load_or_build_scorecard(folder, rebuild=args.rebuild)
    except ReplayError as error:
        _print_error(f"{error}\n{folder} is not a usable session folder")
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(card, indent=1, ensure_ascii=False))
    else:
        print(format_scorecard(card, min_severity=args.min_severity))
    return EXIT_OK


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the review subcommands on the main parser."""
    score = sub.add_parser(
        "score",
        help="print a session's scorecard: sub-scores, outcome and findings by tick",
        description="Print the scorecard of a session folder (from 'run'): five sub-scores "
        "and the overall, the outcome, and every finding with its tick, severity, rule and "
        "line in events.jsonl. Uses DIR/scorecard.json when it matches the log, else scores "
        "the log. Exit 0 on success, 2 when DIR is not a readable session folder. "
        "The rubric is in docs/scoring.md.",
    )
    score.add_argument("session", metavar="DIR", help="session folder")
    score.add_argument("--json", action="store_true", help="print the scorecard as JSON")
    score.add_argument(
        "--rebuild", action="store_true", help="score the log again even if scorecard.json exists"
    )
    score.add_argument(
        "--min-severity",
        choices=SEVERITY_ORDER,
        default="info",
        help="hide findings below this severity in the table (default: show all)",
    )
    score.set_defaults(handler=_cmd_score)
