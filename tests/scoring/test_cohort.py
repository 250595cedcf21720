"""Cohort store tests on temporary databases: a session imported twice (or from two
laptops) is stored once, WAL mode, filters by scenario, quartiles, common findings, trend
order, CSV columns, the default place of the database, the dashboard (offline), and the
``cohort`` command's exit codes.
"""

from __future__ import annotations

import csv
import datetime
import json
import math
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aar_sessions import REPO_ROOT, parse, session_folder

from scoring.cohort import (
    CSV_COLUMNS,
    SUB_SCORES,
    CohortStore,
    SessionRecord,
    default_db_path,
    find_session_folders,
    quartiles,
    record_from_session,
    session_date,
    utc_date_text,
    write_dashboard,
)
from simulator.cli import main
from simulator.cli_review import load_or_build_scorecard
from simulator.session import load_session


def _record(folder: Path) -> SessionRecord:
    log, loaded = load_session(folder)
    return record_from_session(folder, log, loaded.scenario, load_or_build_scorecard(folder))


def _synthetic(key: str, date: str, trainee: str = "Ana", scenario: str = "market-day-v1",
               overall: float = 50.0, findings: tuple[str, ...] = (), judged_process: bool = True,
               ) -> SessionRecord:  # fmt: skip
    scores = dict.fromkeys(SUB_SCORES, overall)
    return SessionRecord(
        session_key=key,
        date=date,
        trainee=trainee,
        unit="A Coy",
        scenario_id=scenario,
        scenario_title=scenario,
        difficulty="basic",
        policy="console",
        seed=1,
        ticks=100,
        end_reason="completed",
        rubric=1,
        source=f"/laptops/{key}",
        scores=scores,
        judged={name: (judged_process or name != "process") for name in SUB_SCORES},
        outcome={"civilians_killed_own": 1, "own_force_casualties": 2, "objectives_met": 1},
        findings=[
            {
                "tick": 5,
                "time": "09:00:05",
                "rule": rule,
                "severity": "major",
                "sub_score": "process",
                "points": 8.0,
                "message": f"{rule} happened",
                "line": 3,
            }
            for rule in findings
        ],  # fmt: skip
    )


@pytest.fixture
def store(tmp_path):
    with CohortStore(tmp_path / "cohort.sqlite3") as opened:
        yield opened


# ----------------------------------------------------------------------------- store


def test_the_database_is_in_wal_mode(store, tmp_path):
    assert store.journal_mode() == "wal"
    with sqlite3.connect(tmp_path / "cohort.sqlite3") as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_importing_the_same_session_twice_stores_it_once(store, tmp_path_factory, tmp_path):
    folder = session_folder(tmp_path_factory, "expert")
    assert store.add(_record(folder)) == "added"
    assert store.add(_record(folder)) == "already stored"
    # The same session copied from another laptop, into another folder.
    copy = tmp_path / "laptop-2" / "session"
    shutil.copytree(folder, copy)
    assert store.add(_record(copy)) == "already stored"
    assert store.count() == 1
    assert len(store.findings_of(_record(folder).session_key)) == len(
        load_or_build_scorecard(folder)["findings"]
    )


def test_a_session_scored_with_a_newer_rubric_is_updated_not_duplicated(store):
    old = _synthetic("k1", "2026-01-01T10:00:00Z", findings=("pid_basis",))
    assert store.add(old) == "added"
    newer = _synthetic("k1", "2026-01-01T10:00:00Z", overall=70.0, findings=("a", "b"))
    newer.rubric = 2
    assert store.add(newer) == "updated"
    assert store.count() == 1
    assert [f["rule"] for f in store.findings_of("k1")] == ["a", "b"]
    assert store.sessions()[0]["overall"] == 70.0


def test_a_real_session_is_recorded_with_trainee_unit_scenario_and_scores(store, tmp_path_factory):
    folder = session_folder(tmp_path_factory, "expert")
    store.add(_record(folder))
    (row,) = store.sessions()
    card = load_or_build_scorecard(folder)
    assert (row["trainee"], row["unit"]) == ("Amina K.", "2nd Company")
    assert (row["scenario_id"], row["difficulty"], row["policy"], row["seed"]) == (
        "market-day-v1",
        "intermediate",
        "expert",
        1,
    )
    for name in SUB_SCORES:
        assert row[name] == pytest.approx(card["scores"][name])
    assert row["civilians_killed_own"] == card["outcome"]["civilians_killed_own"]
    # Runs note when they were played in session.json; the log's time is the fallback.
    info = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    assert row["date"] == info["date"]
    assert info["date"][:10] == utc_date_text((folder / "events.jsonl").stat().st_mtime)[:10]


def test_filter_by_scenario(store):
    store.add(_synthetic("a", "2026-01-01T10:00:00Z", scenario="market-day-v1", overall=40))
    store.add(_synthetic("b", "2026-01-02T10:00:00Z", scenario="checkpoint-v1", overall=90))
    store.add(_synthetic("c", "2026-01-03T10:00:00Z", scenario="market-day-v1", overall=60))
    assert store.count("market-day-v1") == 2 and store.count("checkpoint-v1") == 1
    assert [s["session_key"] for s in store.sessions("market-day-v1")] == ["a", "c"]
    overall = {d.name: d for d in store.distributions("market-day-v1")}["overall"]
    assert (overall.n, overall.mean, overall.maximum) == (2, 50.0, 60.0)
    assert store.scenarios() == [("checkpoint-v1", 1), ("market-day-v1", 2)]
    assert list(store.trends("checkpoint-v1")) == ["Ana (A Coy)"]


def test_distributions_give_n_mean_min_quartiles_max_and_skip_unjudged(store):
    for key, value in zip("abcd", (0.0, 50.0, 100.0, 100.0)):
        store.add(_synthetic(key, f"2026-01-0{ord(key) - 96}T00:00:00Z", overall=value,
                             judged_process=key != "a"))  # fmt: skip
    found = {d.name: d for d in store.distributions()}
    overall = found["overall"]
    assert (overall.n, overall.mean, overall.minimum, overall.maximum) == (4, 62.5, 0.0, 100.0)
    assert (overall.q1, overall.median, overall.q3) == (37.5, 75.0, 100.0)
    assert found["process"].n == 3, "a score with nothing to judge is left out"
    assert quartiles([7.0]) == (7.0, 7.0, 7.0)


def test_most_common_findings_count_sessions_and_share(store):
    store.add(_synthetic("a", "2026-01-01T00:00:00Z", findings=("pid_basis", "pid_basis")))
    store.add(_synthetic("b", "2026-01-02T00:00:00Z", findings=("pid_basis", "late_abort")))
    store.add(_synthetic("c", "2026-01-03T00:00:00Z"))
    common = store.common_findings()
    assert [(c.rule, c.count, c.sessions) for c in common] == [
        ("pid_basis", 3, 2),
        ("late_abort", 1, 1),
    ]
    assert common[0].share == pytest.approx(2 / 3)
    assert common[0].points == 24.0


def test_trends_are_in_date_order_per_trainee(store):
    store.add(_synthetic("late", "2026-03-01T09:00:00Z", trainee="Ana", overall=90))
    store.add(_synthetic("early", "2026-01-01T09:00:00Z", trainee="Ana", overall=30))
    store.add(_synthetic("middle", "2026-02-01T09:00:00Z", trainee="Ana", overall=60))
    store.add(_synthetic("other", "2026-01-15T09:00:00Z", trainee="Ben", overall=70))
    trends = store.trends()
    assert list(trends) == ["Ana (A Coy)", "Ben (A Coy)"]
    assert [p.session_key for p in trends["Ana (A Coy)"]] == ["early", "middle", "late"]
    assert [p.scores["overall"] for p in trends["Ana (A Coy)"]] == [30, 60, 90]


def test_csv_has_one_row_per_session_with_the_documented_columns(store, tmp_path):
    store.add(_synthetic("a", "2026-01-01T00:00:00Z", trainee="=HYPERLINK(1)", findings=("x",)))
    store.add(_synthetic("b", "2026-01-02T00:00:00Z"))
    path = tmp_path / "cohort.csv"
    assert store.export_csv(path) == 2
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 3
    first = dict(zip(rows[0], rows[1]))
    assert first["session_key"] == "a" and first["overall"] == "50.0"
    assert first["trainee"] == "'=HYPERLINK(1)", "a formula from a log must not run"
    assert first["own_force_losses"] == "2" and first["findings_major_or_critical"] == "1"


def test_session_json_date_wins_over_the_file_time(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "events.jsonl").write_text("{}\n", encoding="utf-8")
    assert session_date(folder) == utc_date_text((folder / "events.jsonl").stat().st_mtime)
    (folder / "session.json").write_text(json.dumps({"date": "2026-05-04T08:00:00Z"}))
    assert session_date(folder) == "2026-05-04T08:00:00Z"


def test_utc_date_text_matches_the_calendar():
    for seconds in (0, 951_782_400, 1_700_000_000.7, 4_102_444_800, -86_400, 1_582_934_399):
        expected = datetime.datetime.fromtimestamp(
            math.floor(seconds), datetime.timezone.utc
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert utc_date_text(seconds) == expected, seconds


def test_default_database_place():
    env = {"HOME": "/home/ana"}
    assert default_db_path(env, "linux") == Path("/home/ana/.local/share/chm-sim/cohort.sqlite3")
    assert default_db_path({**env, "XDG_DATA_HOME": "/data"}, "linux") == Path(
        "/data/chm-sim/cohort.sqlite3"
    )
    assert default_db_path({"APPDATA": "C:/Users/ana/AppData/Roaming"}, "win32") == Path(
        "C:/Users/ana/AppData/Roaming/chm-sim/cohort.sqlite3"
    )
    assert default_db_path(env, "darwin") == Path(
        "/home/ana/Library/Application Support/chm-sim/cohort.sqlite3"
    )
    assert default_db_path({**env, "CHM_SIM_COHORT_DB": "/x/c.db"}, "linux") == Path("/x/c.db")


def test_session_folders_are_found_under_a_parent_folder(tmp_path_factory, tmp_path):
    batch = tmp_path / "runs" / "batch"
    for name in ("expert", "reckless"):
        shutil.copytree(session_folder(tmp_path_factory, name), batch / "market_day" / name)
    (batch / "notes").mkdir()
    found, problems = find_session_folders([batch, batch / "market_day" / "expert"])
    assert [f.name for f in found] == ["expert", "reckless"] and problems == []
    found, problems = find_session_folders([tmp_path / "missing", batch / "notes"])
    assert found == [] and len(problems) == 2
    assert "no such folder" in problems[0] and "no session folders here" in problems[1]


def test_the_dashboard_is_self_contained_and_lists_every_session(store, tmp_path):
    store.add(_synthetic("a", "2026-01-01T00:00:00Z", trainee="<i>Ana</i>", findings=("x",)))
    store.add(_synthetic("b", "2026-01-02T00:00:00Z", trainee="Ben", overall=80))
    page = write_dashboard(store, tmp_path / "cohort.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page and "@import" not in page
    assert all(link.startswith(("#", "data:")) for link in parse(page).links)
    assert "&lt;i&gt;Ana&lt;/i&gt;" in page and "<i>Ana</i>" not in page
    assert page.count('<details class="drill box"') == 2
    for name in SUB_SCORES:
        assert f'data-score="{name}"' in page
    assert page.count('src="data:image/png;base64,') == 3


# ----------------------------------------------------------------------------- command


def test_cohort_command_imports_a_batch_folder_and_exports(tmp_path_factory, tmp_path, capsys):
    batch = tmp_path / "runs"
    for name in ("expert", "reckless", "by-the-book"):
        shutil.copytree(session_folder(tmp_path_factory, name), batch / name)
    db = tmp_path / "db" / "cohort.sqlite3"
    csv_path = tmp_path / "out.csv"
    html_path = tmp_path / "out.html"
    argv = ["cohort", "--db", str(db), "--import", str(batch), "--csv", str(csv_path)]
    assert main([*argv, "--html", str(html_path)]) == 0
    out = capsys.readouterr().out
    assert "3 added" in out and "Score distributions" in out and "Most common findings" in out
    assert "Amina K. (2nd Company): 1 session" in out
    assert main(argv) == 0
    assert "3 already stored" in capsys.readouterr().out
    with CohortStore(db) as opened:
        assert opened.count() == 3
    assert len(csv_path.read_text(encoding="utf-8").splitlines()) == 4
    assert html_path.stat().st_size > 10_000
    assert main(["cohort", "--db", str(db), "--scenario", "market-day-v1"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing", "no such folder"),
        ("empty", "no session folders here"),
        ("db-folder", "is a folder"),
        ("not-a-db", "not a cohort database"),
        ("unknown-scenario", "no sessions of it"),
    ],
)
def test_cohort_command_bad_input_exits_2_with_a_plain_message(tmp_path, case, expected):
    db = tmp_path / "cohort.sqlite3"
    if case == "unknown-scenario":
        with CohortStore(db) as opened:
            opened.add(_synthetic("a", "2026-01-01T00:00:00Z"))
    args = {
        "missing": ["--db", str(db), "--import", str(tmp_path / "missing")],
        "empty": ["--db", str(db), "--import", str(tmp_path)],
        "db-folder": ["--db", str(tmp_path)],
        "not-a-db": ["--db", str(tmp_path / "junk.sqlite3")],
        "unknown-scenario": ["--db", str(db), "--scenario", "nope"],
    }[case]
    (tmp_path / "junk.sqlite3").write_text("this is not a database\n" * 100, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "run_sim.py"), "cohort", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, f"{case}: exit {result.returncode}\n{result.stderr}"
    assert expected in result.stderr and "error:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
