"""Subcommands of the after-action review: ``report`` and ``cohort``.

``python run_sim.py report DIR`` writes ``DIR/report.html``, the take-home report of one
session (scores, outcome, timeline with bookmarks, findings, and every decision with
what the trainee saw beside what was true). It is one file that opens offline.

``python run_sim.py cohort [--db PATH] [--import DIR...] [--scenario ID] [--csv FILE]
[--html FILE]`` keeps sessions in a cohort database and compares them: score
distributions, the most common findings, and each trainee's trend.

Both turn a user's mistake into a plain message and exit code 2, never a traceback.
The review guide for instructors is docs/aar.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from simulator.cli_common import EXIT_BAD_INPUT, EXIT_OK, print_error, progress_bar

SHORT_NAMES = {
    "civilian_harm_avoidance": "harm",
    "accuracy": "accur.",
    "process": "process",
    "awareness": "aware.",
    "mission": "mission",
    "overall": "overall",
}


def _load(folder: Path) -> tuple[Any, Any, dict[str, Any]]:
    """A session folder's log, scenario and scorecard (ReplayError when unusable)."""
    from simulator.cli_review import load_or_build_scorecard
    from simulator.session import load_session

    log, loaded = load_session(folder)
    card = load_or_build_scorecard(folder)
    return log, loaded.scenario, card


# ----------------------------------------------------------------------------- report


def _cmd_report(args: argparse.Namespace) -> int:
    from scoring.report import REPORT_FILE, release_points, write_report
    from simulator.session import ReplayError

    folder = Path(args.session)
    if not folder.is_dir():
        print_error(f"{folder}: no such session folder (make one with 'run_sim.py run')")
        return EXIT_BAD_INPUT
    if args.max_maps < 0:
        print_error("--max-maps must be 0 or more")
        return EXIT_BAD_INPUT
    try:
        log, scenario, card = _load(folder)
    except ReplayError as error:
        print_error(f"{error}\n{folder} is not a usable session folder")
        return EXIT_BAD_INPUT
    images: dict[int, bytes] = {}
    points = release_points(log, scenario)
    if points and not args.no_maps and args.max_maps > 0:
        images = _release_maps(log, scenario, points, args)
    out = Path(args.out) if args.out else folder / REPORT_FILE
    if out.is_dir():
        print_error(f"--out {out} is a folder; give a file name ending in .html")
        return EXIT_BAD_INPUT
    try:
        path = write_report(folder, log, scenario, card, out=out, map_images=images)
    except OSError as error:
        print_error(f"cannot write {out}: {error}")
        return EXIT_BAD_INPUT
    size_kb = path.stat().st_size / 1024
    commands = sum(1 for _ in log.of_type("command"))
    findings = len(card.get("findings", []))
    maps = f", {len(images)} map image{'s' if len(images) != 1 else ''}" if images else ""
    print(
        f"wrote {path} ({size_kb:.0f} KB): {commands} commands, {findings} findings{maps}; "
        "open it in any web browser (it works offline)"
    )
    return EXIT_OK


def _release_maps(log, scenario, points, args: argparse.Namespace) -> dict[int, bytes]:
    """Map images at each release; a rendering problem costs the images, not the report."""
    try:
        from simulator.render.report_images import render_release_maps

        total = min(len(points), args.max_maps)
        label = f"map images of {total} release{'s' if total != 1 else ''}"
        with progress_bar(label, not args.quiet) as bar:
            return render_release_maps(
                log, scenario, points, max_images=args.max_maps, progress=bar
            )
    except Exception as error:  # noqa: BLE001 - the report is still useful without maps
        print(
            f"warning: no map images ({error}); the report is written without them", file=sys.stderr
        )
        return {}


# ----------------------------------------------------------------------------- cohort


def _import_folders(store, paths: list[str]) -> tuple[int, list[str]]:
    """Import session folders into the store; returns (sessions stored, problems)."""
    from scoring.cohort import find_session_folders, record_from_session
    from simulator.session import ReplayError

    folders, problems = find_session_folders(paths)
    counts = {"added": 0, "updated": 0, "already stored": 0}
    for folder in folders:
        try:
            log, scenario, card = _load(folder)
            record = record_from_session(folder, log, scenario, card)
        except ReplayError as error:
            problems.append(f"{folder}: not a usable session folder: {error}")
            continue
        except OSError as error:
            problems.append(f"{folder}: cannot read it: {error}")
            continue
        status = store.add(record)
        counts[status] += 1
        if len(folders) <= 20:
            print(f"  {status:<15} {folder}")
    print(
        f"imported {len(folders)} session folder{'s' if len(folders) != 1 else ''}: "
        f"{counts['added']} added, {counts['updated']} updated (newer rubric), "
        f"{counts['already stored']} already stored"
    )
    return counts["added"] + counts["updated"], problems


def format_cohort(store, scenario: str | None, top: int = 10) -> str:
    """The cohort summary as plain text: distributions, common findings, trends."""
    lines: list[str] = []
    total = store.count(scenario)
    scope = f"scenario {scenario}" if scenario else "all scenarios"
    lines.append(f"Cohort: {total} session{'s' if total != 1 else ''} ({scope}) in {store.path}")
    known = store.scenarios()
    if not scenario and len(known) > 1:
        lines.append(
            "  scenarios: "
            + ", ".join(f"{sid} ({n})" for sid, n in known)
            + "; compare within one with --scenario ID"
        )
    lines.append("")
    lines.append("Score distributions (sessions where the score had something to judge)")
    lines.append(
        f"  {'sub-score':<26}{'n':>4}{'mean':>8}{'min':>8}{'Q1':>8}{'median':>8}{'Q3':>8}{'max':>8}"
    )
    for d in store.distributions(scenario):
        if d.n == 0:
            lines.append(f"  {d.name:<26}{0:>4}" + f"{'-':>8}" * 6)
            continue
        lines.append(
            f"  {d.name:<26}{d.n:>4}{d.mean:>8.1f}{d.minimum:>8.1f}{d.q1:>8.1f}"
            f"{d.median:>8.1f}{d.q3:>8.1f}{d.maximum:>8.1f}"
        )
    lines.append("")
    common = store.common_findings(scenario, limit=top)
    lines.append(f"Most common findings (that took points; top {top})")
    if not common:
        lines.append("  none")
    else:
        lines.append(f"  {'rule':<36}{'worst':<10}{'findings':>9}{'sessions':>9}{'share':>8}")
        for c in common:
            lines.append(
                f"  {c.rule:<36}{c.severity:<10}{c.count:>9}{c.sessions:>9}{c.share * 100:>7.0f}%"
            )
    lines.append("")
    lines.append("Trainee trends (oldest session first)")
    header = "".join(f"{SHORT_NAMES[name]:>9}" for name in SHORT_NAMES)
    for label, points in store.trends(scenario).items():
        overall = " -> ".join(f"{p.scores['overall']:.1f}" for p in points)
        lines.append(
            f"  {label}: {len(points)} session{'s' if len(points) != 1 else ''}: {overall}"
        )
        lines.append(f"    {'date':<22}{'scenario':<20}{header}")
        for p in points:
            values = "".join(
                f"{p.scores[name]:>9.1f}" if p.scores[name] is not None else f"{'-':>9}"
                for name in SHORT_NAMES
            )
            lines.append(f"    {p.date:<22}{p.scenario_id[:19]:<20}{values}")
    return "\n".join(lines)


def _cmd_cohort(args: argparse.Namespace) -> int:
    from scoring.cohort import CohortError, CohortStore, default_db_path

    if args.top < 1:
        print_error("--top must be 1 or more")
        return EXIT_BAD_INPUT
    db = Path(args.db) if args.db else default_db_path()
    if db.is_dir():
        print_error(f"--db {db} is a folder; give a database file, e.g. {db / 'cohort.sqlite3'}")
        return EXIT_BAD_INPUT
    try:
        store = CohortStore(db)
    except CohortError as error:
        print_error(str(error))
        return EXIT_BAD_INPUT
    problems: list[str] = []
    with store:
        if args.import_dirs:
            _, problems = _import_folders(store, args.import_dirs)
        code = _show_cohort(store, db, args)
    # Problems come last, where they are seen; the good folders were imported anyway.
    for problem in problems:
        print_error(problem)
    if problems:
        print(
            f"{len(problems)} of the --import paths could not be imported (see above)",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return code


def _show_cohort(store, db: Path, args: argparse.Namespace) -> int:
    if store.count() == 0:
        print(
            f"The cohort database {db} holds no sessions yet. Import session folders "
            "with: python run_sim.py cohort --import DIR"
        )
        return EXIT_OK
    if args.scenario and store.count(args.scenario) == 0:
        known = ", ".join(sid for sid, _ in store.scenarios())
        print_error(f"--scenario {args.scenario}: no sessions of it in {db}; stored: {known}")
        return EXIT_BAD_INPUT
    print(format_cohort(store, args.scenario, top=args.top))
    try:
        if args.csv:
            rows = store.export_csv(args.csv, args.scenario)
            print(f"wrote {args.csv} ({rows} session{'s' if rows != 1 else ''}, one per row)")
        if args.html:
            from scoring.cohort import write_dashboard

            path = write_dashboard(store, args.html, args.scenario)
            print(f"wrote {path}: the cohort dashboard; open it in any web browser (offline)")
    except OSError as error:
        print_error(f"cannot write the file: {error}")
        return EXIT_BAD_INPUT
    return EXIT_OK


# ----------------------------------------------------------------------------- parser


def add_subcommands(sub: argparse._SubParsersAction) -> None:
    """Register the after-action review subcommands on the main parser."""
    report = sub.add_parser(
        "report",
        help="write DIR/report.html: the take-home after-action report of a session",
        description="Write the after-action report of a session folder as one HTML file "
        "that opens offline: scores, outcome (own harm, harm from threats and own-force "
        "losses side by side), a timeline with automatic bookmarks on violations, the "
        "findings, and every decision with what the trainee saw beside what was true. "
        "Exit 0 on success, 2 when DIR is not a readable session folder. See docs/aar.md.",
    )
    report.add_argument("session", metavar="DIR", help="session folder (from 'run')")
    report.add_argument("--out", metavar="FILE", help="write here instead of DIR/report.html")
    report.add_argument(
        "--no-maps",
        action="store_true",
        help="skip the map images of the trainee's view at each release (faster: no re-simulation)",
    )
    report.add_argument(
        "--max-maps",
        type=int,
        default=12,
        metavar="N",
        help="map images for at most the first N releases (default 12; keeps the file small)",
    )
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    report.set_defaults(handler=_cmd_report)

    cohort = sub.add_parser(
        "cohort",
        help="import sessions into a cohort database and compare them",
        description="Keep sessions in a cohort database (SQLite) and compare them: score "
        "distributions, the most common findings and each trainee's trend. Importing the "
        "same session twice stores it once. Exit 0 on success, 2 on bad input (a folder "
        "without sessions, an unreadable database). See docs/aar.md.",
    )
    cohort.add_argument(
        "--db",
        metavar="PATH",
        help="database file (default: cohort.sqlite3 in your data folder, e.g. "
        "~/.local/share/chm-sim/; or set CHM_SIM_COHORT_DB)",
    )
    cohort.add_argument(
        "--import",
        dest="import_dirs",
        nargs="+",
        action="extend",
        metavar="DIR",
        help="session folders to import, or folders holding them (e.g. runs/batch)",
    )
    cohort.add_argument("--scenario", metavar="ID", help="only sessions of this scenario id")
    cohort.add_argument("--csv", metavar="FILE", help="write one row per session to a CSV file")
    cohort.add_argument("--html", metavar="FILE", help="write the cohort dashboard (offline HTML)")
    cohort.add_argument(
        "--top", type=int, default=10, metavar="N", help="how many common findings to list (10)"
    )
    cohort.set_defaults(handler=_cmd_cohort)
