"""The cohort store: every session's scorecard kept in one SQLite file, for comparison.

Training centres collect session folders from several laptops and import them here.
The store answers the questions of a cohort review: how are the scores spread, which
findings come up most, and how does each trainee progress from session to session.

* **One file**, SQLite from the standard library, in WAL mode (readers do not block the
  importer, and a crash mid-import leaves the file intact).
* **Default place**: the user's data directory, computed from the environment (no extra
  dependency): ``$CHM_SIM_COHORT_DB`` if set; else on Windows
  ``%APPDATA%\\chm-sim\\cohort.sqlite3``; on macOS
  ``~/Library/Application Support/chm-sim/cohort.sqlite3``; elsewhere
  ``$XDG_DATA_HOME/chm-sim/cohort.sqlite3`` (``~/.local/share/...`` when unset).
* **No duplicates**: a session's key is the SHA-256 of its ``events.jsonl``, so the same
  session copied from two laptops (or imported twice) is stored once.
* **Date**: the log has no wall clock by design (the same session gives the same bytes),
  so the date is ``date`` from ``DIR/session.json`` when that file exists, else the
  modification time of ``events.jsonl`` (UTC).

The store reads files and writes its database; the scoring itself stays pure (the
scorecard comes from ``scoring.scorecard``), and nothing here reads the clock.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUB_SCORES = (
    "civilian_harm_avoidance",
    "accuracy",
    "process",
    "awareness",
    "mission",
    "overall",
)
OUTCOME_COLUMNS = (
    "civilians_killed_own",
    "civilians_injured_own",
    "civilians_harmed_own_never_observable",
    "civilians_killed_by_threat",
    "civilians_injured_by_threat",
    "own_force_losses",
    "protected_sites_damaged",
    "buildings_damaged_own",
    "effects_released",
    "engagements_aborted",
    "objectives_met",
    "objectives_total",
)
CSV_COLUMNS = (
    "session_key",
    "date",
    "trainee",
    "unit",
    "scenario_id",
    "scenario_title",
    "difficulty",
    "policy",
    "seed",
    "ticks",
    "end_reason",
    *SUB_SCORES,
    *OUTCOME_COLUMNS,
    "findings",
    "findings_major_or_critical",
    "source",
)
SEVERITIES = ("info", "minor", "major", "critical")
DB_FILE = "cohort.sqlite3"
APP_DIR = "chm-sim"
ENV_DB = "CHM_SIM_COHORT_DB"
SESSION_INFO = "session.json"
EVENT_LOG = "events.jsonl"
SCHEMA_VERSION = 1

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS store_info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    session_key TEXT PRIMARY KEY,
    date TEXT NOT NULL,
    trainee TEXT NOT NULL DEFAULT '',
    unit TEXT NOT NULL DEFAULT '',
    scenario_id TEXT NOT NULL,
    scenario_title TEXT NOT NULL DEFAULT '',
    difficulty TEXT NOT NULL DEFAULT '',
    policy TEXT NOT NULL DEFAULT '',
    seed INTEGER,
    ticks INTEGER,
    end_reason TEXT NOT NULL DEFAULT '',
    rubric INTEGER,
    source TEXT NOT NULL DEFAULT '',
    {", ".join(f"{name} REAL" for name in SUB_SCORES)},
    {", ".join(f"{name} INTEGER" for name in OUTCOME_COLUMNS)},
    judged_json TEXT NOT NULL DEFAULT '{{}}',
    outcome_json TEXT NOT NULL DEFAULT '{{}}'
);
CREATE INDEX IF NOT EXISTS sessions_scenario ON sessions (scenario_id, date);
CREATE INDEX IF NOT EXISTS sessions_trainee ON sessions (trainee, unit, date);
CREATE TABLE IF NOT EXISTS findings (
    session_key TEXT NOT NULL REFERENCES sessions (session_key) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    tick INTEGER,
    time TEXT,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    sub_score TEXT,
    points REAL,
    message TEXT,
    line INTEGER,
    engagement TEXT,
    PRIMARY KEY (session_key, position)
);
CREATE INDEX IF NOT EXISTS findings_rule ON findings (rule);
"""


class CohortError(Exception):
    """A problem the user can fix (an unreadable folder, a database that is not ours)."""


# ----------------------------------------------------------------------------- places


def default_db_path(environ: dict[str, str] | None = None, platform: str | None = None) -> Path:
    """Where the cohort database lives by default (see the module docstring).

    Args:
        environ: environment variables (default ``os.environ``).
        platform: ``sys.platform`` value to assume (default the running one).
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if env.get(ENV_DB):
        return Path(env[ENV_DB]).expanduser()
    home = Path(env.get("HOME") or env.get("USERPROFILE") or Path.home())
    if platform.startswith("win"):
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
    return base / APP_DIR / DB_FILE


def find_session_folders(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Session folders in the given paths: each path is a session folder (it holds
    ``events.jsonl``) or a parent folder searched at any depth (e.g. ``runs/batch``).

    Returns:
        The folders found (sorted, without repeats), and a plain message for every path
        that is missing or holds no session.
    """
    found: list[Path] = []
    problems: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(f"{path}: no such folder")
            continue
        if not path.is_dir():
            problems.append(f"{path}: not a folder (give a session folder or a folder of them)")
            continue
        if (path / EVENT_LOG).is_file():
            folders = [path]
        else:
            folders = sorted(log.parent for log in path.rglob(EVENT_LOG) if log.is_file())
        if not folders:
            problems.append(
                f"{path}: no session folders here (a session folder holds {EVENT_LOG}; "
                "make one with 'run_sim.py run')"
            )
        for folder in folders:
            resolved = folder.resolve()
            if resolved not in seen:
                seen.add(resolved)
                found.append(folder)
    return found, problems


# ----------------------------------------------------------------------------- dates


def utc_date_text(epoch_s: float) -> str:
    """'YYYY-MM-DDTHH:MM:SSZ' of seconds since 1970 (UTC), without the datetime module
    (this package never reads the clock; it only converts a file's timestamp)."""
    whole = int(math.floor(epoch_s))
    days, seconds = divmod(whole, 86400)
    # Days to a civil date (Howard Hinnant's algorithm, proleptic Gregorian calendar).
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    day_of_era = days - era * 146097
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096
    ) // 365
    year = year_of_era + era * 400
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 if month_index < 10 else month_index - 9
    if month <= 2:
        year += 1
    hours, rest = divmod(seconds, 3600)
    return f"{year:04d}-{month:02d}-{day:02d}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def readable_date(text: str) -> str:
    """'2026-03-01T09:30:00Z' -> '2026-03-01 09:30 UTC' (other texts are shown as given)."""
    if len(text) == 20 and text[10] == "T" and text.endswith("Z"):
        return f"{text[:10]} {text[11:16]} UTC"
    return text


def session_date(folder: str | Path) -> str:
    """The date of a session: ``session.json``'s ``date`` when present, else the log's
    modification time (UTC)."""
    folder = Path(folder)
    info = folder / SESSION_INFO
    if info.is_file():
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            for key in ("date", "started", "start"):
                if isinstance(data.get(key), str) and data[key].strip():
                    return data[key].strip()
    return utc_date_text((folder / EVENT_LOG).stat().st_mtime)


# ----------------------------------------------------------------------------- records


@dataclass
class SessionRecord:
    """One session as the store keeps it."""

    session_key: str
    date: str
    trainee: str
    unit: str
    scenario_id: str
    scenario_title: str
    difficulty: str
    policy: str
    seed: int | None
    ticks: int | None
    end_reason: str
    rubric: int | None
    source: str
    scores: dict[str, float]
    judged: dict[str, bool]
    outcome: dict[str, Any]
    findings: list[dict[str, Any]] = field(default_factory=list)

    def outcome_value(self, name: str) -> int:
        if name == "own_force_losses":
            name = "own_force_casualties"
        value = self.outcome.get(name, 0)
        return int(value) if isinstance(value, (int, float)) else 0


def record_from_session(folder: str | Path, log, scenario, card: dict[str, Any]) -> SessionRecord:
    """Build the store's record of a session folder from its log, scenario and scorecard.

    Args:
        folder: the session folder (for the key, the date and the source).
        log: its EventLog.
        scenario: its scenario.
        card: its scorecard as a dict (``Scorecard.to_dict()``).
    """
    folder = Path(folder)
    digest = hashlib.sha256((folder / EVENT_LOG).read_bytes()).hexdigest()
    header = log.header
    trainee = header.get("trainee") or {}
    meta = scenario.meta
    difficulty = header.get("difficulty") or getattr(meta.difficulty, "value", meta.difficulty)
    session = card.get("session", {})
    seed = header.get("seed")
    outcome = dict(card.get("outcome") or {})
    if "own_force_casualties" not in outcome:
        # Checkpoint and assembly losses, counted like the batch tables count them.
        from scoring.security import security_outcome

        outcome["own_force_casualties"] = int(
            security_outcome(list(log.events), scenario).get("own_force_casualties", 0)
        )
    return SessionRecord(
        session_key=digest,
        date=session_date(folder),
        trainee=str(trainee.get("name") or ""),
        unit=str(trainee.get("unit") or ""),
        scenario_id=str(header.get("scenario_id") or meta.id),
        scenario_title=str(meta.title),
        difficulty=str(difficulty or ""),
        policy=str(header.get("policy") or ""),
        seed=int(seed) if isinstance(seed, int) else None,
        ticks=int(session["ticks"]) if isinstance(session.get("ticks"), int) else None,
        end_reason=str(session.get("end_reason") or ""),
        rubric=card.get("rubric") if isinstance(card.get("rubric"), int) else None,
        source=str(folder.resolve()),
        scores={name: float(card.get("scores", {}).get(name, 0.0) or 0.0) for name in SUB_SCORES},
        judged={k: bool(v) for k, v in (card.get("judged") or {}).items()},
        outcome=outcome,
        findings=[dict(f) for f in card.get("findings", [])],
    )


def trainee_label(trainee: str, unit: str, policy: str) -> str:
    """How a trainee is named in the cohort views: 'name (unit)', or the scripted
    trainee's name when the session recorded no person."""
    if trainee:
        return f"{trainee} ({unit})" if unit else trainee
    if policy and policy != "console":
        return f"scripted: {policy}"
    return "unnamed trainee"


# ----------------------------------------------------------------------------- store


@dataclass(frozen=True)
class ImportResult:
    """What happened to one session folder on import: 'added', 'updated' (scored with a
    newer rubric) or 'already stored'."""

    folder: Path
    session_key: str
    status: str


@dataclass(frozen=True)
class Distribution:
    """Spread of one sub-score over the sessions."""

    name: str
    n: int
    mean: float | None
    minimum: float | None
    q1: float | None
    median: float | None
    q3: float | None
    maximum: float | None
    values: tuple[float, ...] = ()


@dataclass(frozen=True)
class CommonFinding:
    """A rule and how often it was found."""

    rule: str
    severity: str
    sub_score: str
    count: int
    sessions: int
    share: float  # share of the sessions (0..1) with at least one such finding
    points: float


@dataclass(frozen=True)
class TrendPoint:
    """One session in a trainee's trend."""

    date: str
    session_key: str
    scenario_id: str
    scores: dict[str, float]


def quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile (linear interpolation between the
    closest ranks, the method of most spreadsheets)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")

    def at(share: float) -> float:
        position = share * (len(ordered) - 1)
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return at(0.25), at(0.5), at(0.75)


class CohortStore:
    """The cohort database (see the module docstring). Use it as a context manager.

    Args:
        path: the SQLite file (created with its folder when missing).

    Raises:
        CohortError: when the file cannot be opened or is not a cohort database.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(str(self.path))
        except (OSError, sqlite3.Error) as error:
            raise CohortError(f"{self.path}: cannot open the cohort database: {error}") from None
        self.connection.row_factory = sqlite3.Row
        try:
            self.connection.execute("PRAGMA journal_mode=WAL")
            self.connection.execute("PRAGMA foreign_keys=ON")
            with self.connection:
                self.connection.executescript(_SCHEMA)
                self.connection.execute(
                    "INSERT OR IGNORE INTO store_info (key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
        except sqlite3.DatabaseError as error:
            self.connection.close()
            raise CohortError(
                f"{self.path}: not a cohort database ({error}); give another file with --db"
            ) from None

    def __enter__(self) -> CohortStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        self.connection.close()

    def journal_mode(self) -> str:
        """SQLite's journal mode of the file ('wal')."""
        return str(self.connection.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    # ------------------------------------------------------------------ writing

    def add(self, record: SessionRecord) -> str:
        """Store a session; returns 'added', 'updated' or 'already stored'.

        A session already stored (same key) is left alone, unless it was scored with an
        older rubric: then its scores and findings are replaced.
        """
        row = self.connection.execute(
            "SELECT rubric FROM sessions WHERE session_key = ?", (record.session_key,)
        ).fetchone()
        if row is not None and (record.rubric or 0) <= (row["rubric"] or 0):
            return "already stored"
        status = "added" if row is None else "updated"
        columns = [
            "session_key",
            "date",
            "trainee",
            "unit",
            "scenario_id",
            "scenario_title",
            "difficulty",
            "policy",
            "seed",
            "ticks",
            "end_reason",
            "rubric",
            "source",
            *SUB_SCORES,
            *OUTCOME_COLUMNS,
            "judged_json",
            "outcome_json",
        ]
        values = [
            record.session_key,
            record.date,
            record.trainee,
            record.unit,
            record.scenario_id,
            record.scenario_title,
            record.difficulty,
            record.policy,
            record.seed,
            record.ticks,
            record.end_reason,
            record.rubric,
            record.source,
            *(record.scores.get(name) for name in SUB_SCORES),
            *(record.outcome_value(name) for name in OUTCOME_COLUMNS),
            json.dumps(record.judged, sort_keys=True),
            json.dumps(record.outcome, sort_keys=True, ensure_ascii=False),
        ]
        marks = ", ".join("?" for _ in columns)
        with self.connection:
            self.connection.execute(
                "DELETE FROM findings WHERE session_key = ?", (record.session_key,)
            )
            self.connection.execute(
                f"INSERT OR REPLACE INTO sessions ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - fixed column names
                values,
            )
            self.connection.executemany(
                "INSERT INTO findings (session_key, position, tick, time, rule, severity, "
                "sub_score, points, message, line, engagement) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        record.session_key,
                        position,
                        finding.get("tick"),
                        finding.get("time"),
                        str(finding.get("rule", "?")),
                        str(finding.get("severity", "info")),
                        finding.get("sub_score"),
                        float(finding.get("points") or 0.0),
                        finding.get("message"),
                        finding.get("line"),
                        finding.get("engagement") or "",
                    )
                    for position, finding in enumerate(record.findings)
                ],
            )
        return status

    # ------------------------------------------------------------------ reading

    def _where(self, scenario: str | None, alias: str = "") -> tuple[str, tuple]:
        if scenario:
            return f" WHERE {alias}scenario_id = ?", (scenario,)
        return "", ()

    def count(self, scenario: str | None = None) -> int:
        """How many sessions are stored (of one scenario, when given)."""
        where, params = self._where(scenario)
        query = f"SELECT COUNT(*) FROM sessions{where}"  # noqa: S608 - fixed SQL, values bound
        return int(self.connection.execute(query, params).fetchone()[0])

    def scenarios(self) -> list[tuple[str, int]]:
        """Scenario ids with their number of sessions."""
        rows = self.connection.execute(
            "SELECT scenario_id, COUNT(*) AS n FROM sessions "
            "GROUP BY scenario_id ORDER BY scenario_id"
        )
        return [(row["scenario_id"], int(row["n"])) for row in rows]

    def sessions(self, scenario: str | None = None) -> list[dict[str, Any]]:
        """Every stored session (of one scenario, when given), oldest first."""
        where, params = self._where(scenario, "s.")
        rows = self.connection.execute(
            "SELECT s.*, (SELECT COUNT(*) FROM findings f WHERE f.session_key = s.session_key) "  # noqa: S608 - fixed SQL
            "AS findings, (SELECT COUNT(*) FROM findings f WHERE f.session_key = s.session_key "
            "AND f.severity IN ('major', 'critical')) AS findings_major_or_critical "
            f"FROM sessions s{where} ORDER BY s.date, s.source, s.session_key",
            params,
        )
        result = []
        for row in rows:
            item = {key: row[key] for key in row.keys()}
            item["judged"] = json.loads(item.pop("judged_json") or "{}")
            item["outcome"] = json.loads(item.pop("outcome_json") or "{}")
            item["label"] = trainee_label(item["trainee"], item["unit"], item["policy"])
            result.append(item)
        return result

    def findings_of(self, session_key: str) -> list[dict[str, Any]]:
        """The findings of one session, in order."""
        rows = self.connection.execute(
            "SELECT tick, time, rule, severity, sub_score, points, message, line, engagement "
            "FROM findings WHERE session_key = ? ORDER BY position",
            (session_key,),
        )
        return [{key: row[key] for key in row.keys()} for row in rows]

    def distributions(self, scenario: str | None = None) -> list[Distribution]:
        """n, mean, minimum, quartiles and maximum of each sub-score.

        A sub-score with nothing to judge in a session (e.g. process when no engagement
        happened) is left out for that session, so inaction does not look like a perfect
        score.
        """
        sessions = self.sessions(scenario)
        result = []
        for name in SUB_SCORES:
            values = [
                float(item[name])
                for item in sessions
                if item[name] is not None and item["judged"].get(name, True)
            ]
            if values:
                q1, median, q3 = quartiles(values)
                result.append(
                    Distribution(
                        name,
                        len(values),
                        sum(values) / len(values),
                        min(values),
                        q1,
                        median,
                        q3,
                        max(values),
                        tuple(values),
                    )
                )
            else:
                result.append(Distribution(name, 0, None, None, None, None, None, None))
        return result

    def common_findings(
        self, scenario: str | None = None, limit: int = 10, include_info: bool = False
    ) -> list[CommonFinding]:
        """The rules found most often (by the number of sessions with them, then count).

        Args:
            scenario: only sessions of this scenario.
            limit: at most this many rules.
            include_info: also count 'info' findings (good decisions, 0 points).
        """
        total = self.count(scenario)
        if total == 0:
            return []
        conditions = []
        params: list[Any] = []
        if scenario:
            conditions.append("s.scenario_id = ?")
            params.append(scenario)
        if not include_info:
            conditions.append("f.severity != 'info'")
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        rows = self.connection.execute(
            "SELECT f.rule AS rule, COUNT(*) AS n, COUNT(DISTINCT f.session_key) AS sessions, "  # noqa: S608 - fixed SQL
            "SUM(f.points) AS points, MAX(CASE f.severity WHEN 'critical' THEN 3 WHEN 'major' "
            "THEN 2 WHEN 'minor' THEN 1 ELSE 0 END) AS worst, MIN(f.sub_score) AS sub_score "
            f"FROM findings f JOIN sessions s ON s.session_key = f.session_key{where} "
            "GROUP BY f.rule ORDER BY sessions DESC, n DESC, f.rule LIMIT ?",
            (*params, int(limit)),
        )
        return [
            CommonFinding(
                rule=row["rule"],
                severity=SEVERITIES[int(row["worst"] or 0)],
                sub_score=row["sub_score"] or "",
                count=int(row["n"]),
                sessions=int(row["sessions"]),
                share=int(row["sessions"]) / total,
                points=round(float(row["points"] or 0.0), 1),
            )
            for row in rows
        ]

    def trends(self, scenario: str | None = None) -> dict[str, list[TrendPoint]]:
        """Each trainee's sessions in date order, with their scores."""
        result: dict[str, list[TrendPoint]] = {}
        for item in self.sessions(scenario):
            result.setdefault(item["label"], []).append(
                TrendPoint(
                    date=item["date"],
                    session_key=item["session_key"],
                    scenario_id=item["scenario_id"],
                    scores={name: item[name] for name in SUB_SCORES},
                )
            )
        return dict(sorted(result.items()))

    def export_csv(self, path: str | Path, scenario: str | None = None) -> int:
        """Write one row per session (columns: ``CSV_COLUMNS``); returns the row count."""
        rows = self.sessions(scenario)
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for item in rows:
                writer.writerow([_csv_value(item.get(column)) for column in CSV_COLUMNS])
        return len(rows)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # Spreadsheets run cells that start like a formula; a name from a log must not.
        return "'" + value
    return value


# ----------------------------------------------------------------------------- dashboard


def _horizontal() -> dict[str, Any]:
    """Matplotlib's keyword for horizontal box plots ('vert' is deprecated from 3.11)."""
    import matplotlib

    major, minor = (int(part) for part in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def _box_chart(distributions: Sequence[Distribution]) -> str:
    from matplotlib.figure import Figure

    from scoring.report import _png_data_uri

    figure = Figure(figsize=(10, 3.6), dpi=100)
    axis = figure.subplots()
    data = [list(d.values) or [float("nan")] for d in distributions]
    axis.boxplot(
        data, whis=(0, 100), widths=0.55, medianprops={"color": "#D55E00"}, **_horizontal()
    )
    for index, d in enumerate(distributions, start=1):
        if d.values:
            axis.scatter(
                d.values, [index] * len(d.values), s=12, color="#0072B2", alpha=0.6, zorder=3
            )
    axis.set_yticks(range(1, len(distributions) + 1))
    axis.set_yticklabels([d.name for d in distributions], fontsize=9)
    axis.invert_yaxis()
    axis.set_xlim(-2, 102)
    axis.set_xlabel(
        "score (0 to 100); box: middle half of the sessions; line: median; dots: sessions",
        fontsize=8,
    )
    axis.grid(axis="x", color="#eeeeee")
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    figure.subplots_adjust(left=0.2, right=0.98, top=0.96, bottom=0.17)
    return _png_data_uri(figure)


def _findings_chart(common: Sequence[CommonFinding]) -> str:
    from matplotlib.figure import Figure

    from scoring.report import _png_data_uri

    figure = Figure(figsize=(10, 0.5 + 0.32 * max(1, len(common))), dpi=100)
    axis = figure.subplots()
    shares = [c.share * 100 for c in common]
    colours = {"critical": "#D55E00", "major": "#E69F00", "minor": "#56B4E9", "info": "#999999"}
    axis.barh(range(len(common)), shares, color=[colours[c.severity] for c in common])
    axis.set_yticks(range(len(common)))
    axis.set_yticklabels([f"{c.rule} ({c.severity})" for c in common], fontsize=8)
    axis.invert_yaxis()
    axis.set_xlim(0, 100)
    axis.set_xlabel("share of sessions with this finding (%)", fontsize=8)
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    figure.subplots_adjust(
        left=0.32, right=0.98, top=0.95, bottom=max(0.08, 0.6 / (0.5 + 0.32 * max(1, len(common))))
    )
    return _png_data_uri(figure)


def _trend_chart(trends: dict[str, list[TrendPoint]]) -> str:
    from matplotlib.figure import Figure

    from scoring.report import _png_data_uri

    figure = Figure(figsize=(10, 3.8), dpi=100)
    axis = figure.subplots()
    palette = [
        "#0072B2",
        "#D55E00",
        "#009E73",
        "#CC79A7",
        "#E69F00",
        "#56B4E9",
        "#000000",
        "#F0E442",
    ]
    styles = ["-", "--", "-.", ":"]
    for index, (label, points) in enumerate(trends.items()):
        values = [p.scores.get("overall") for p in points]
        axis.plot(
            range(1, len(values) + 1),
            values,
            marker="o",
            linestyle=styles[(index // len(palette)) % len(styles)],
            color=palette[index % len(palette)],
            label=label,
        )
    axis.set_ylim(-2, 102)
    axis.set_xlabel("session number of the trainee (in date order)", fontsize=8)
    axis.set_ylabel("overall score", fontsize=8)
    longest = max((len(p) for p in trends.values()), default=1)
    axis.set_xticks(range(1, longest + 1))
    axis.grid(color="#eeeeee")
    if len(trends) <= 16:
        axis.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    for side in ("top", "right"):
        axis.spines[side].set_visible(False)
    figure.subplots_adjust(left=0.07, right=0.75, top=0.95, bottom=0.14)
    return _png_data_uri(figure)


def dashboard_context(store: CohortStore, scenario: str | None = None) -> dict[str, Any]:
    """Everything the cohort dashboard shows."""
    distributions = store.distributions(scenario)
    common = store.common_findings(scenario, limit=15)
    trends = store.trends(scenario)
    sessions = store.sessions(scenario)
    for item in sessions:
        item["worst_findings"] = [
            f
            for f in store.findings_of(item["session_key"])
            if f["severity"] in ("major", "critical")
        ]
    return {
        "title": "Cohort dashboard" + (f": {scenario}" if scenario else ""),
        "scenario": scenario or "",
        "database": str(store.path),
        "count": len(sessions),
        "scenarios": store.scenarios(),
        "distributions": distributions,
        "common": common,
        "trends": trends,
        "sessions": sessions,
        "sub_scores": SUB_SCORES,
        "box_chart": _box_chart(distributions) if sessions else "",
        "findings_chart": _findings_chart(common) if common else "",
        "trend_chart": _trend_chart(trends) if trends else "",
    }


def write_dashboard(store: CohortStore, path: str | Path, scenario: str | None = None) -> Path:
    """Write the self-contained cohort dashboard (HTML, charts inline, no external URL)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from scoring.report import TEMPLATE_DIR

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["when"] = readable_date
    html = environment.get_template("cohort.html.j2").render(**dashboard_context(store, scenario))
    target = Path(path)
    target.write_text(html, encoding="utf-8")
    return target
