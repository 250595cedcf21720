"""After-action report tests: one self-contained file with no external reference, the
six scores, the outcome side by side, bookmarks on violations, every decision with the
trainee's picture beside the truth, map images, the ``report`` command's exit codes, and
a real browser (headless Chromium) that renders it and holds every score and decision.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aar_sessions import MARKET_DAY, REPO_ROOT, parse, session_folder

from scoring.report import ROUTINE_COMMANDS, SUB_SCORES, release_points, render_report
from scoring.scorecard import build_scorecard
from simulator.cli import main
from simulator.cli_review import load_or_build_scorecard
from simulator.core.events import EventLog, read_log
from simulator.scenario import load_scenario_file
from simulator.session import load_session

EXTERNAL = [
    re.compile(r"https?://", re.IGNORECASE),
    re.compile(r"""(?:src|href)\s*=\s*["']?//""", re.IGNORECASE),
    re.compile(r"@import", re.IGNORECASE),
    re.compile(r"url\(\s*['\"]?(?!data:)", re.IGNORECASE),
    re.compile(r"<(?:script|link|iframe|object|embed)\b", re.IGNORECASE),
]


def _commands(folder: Path) -> Counter:
    log = read_log(folder / "events.jsonl")
    return Counter((int(e["tick"]), e["command"]["kind"]) for e in log.of_type("command"))


@pytest.fixture(scope="module", params=["reckless", "expert", "by-the-book"])
def built(request, tmp_path_factory):
    """(folder, report HTML, scorecard) of each short session, without map images."""
    folder = session_folder(tmp_path_factory, request.param)
    log, loaded = load_session(folder)
    card = load_or_build_scorecard(folder)
    return folder, render_report(log, loaded.scenario, card), card


# ----------------------------------------------------------------------------- content


def test_report_has_no_external_references(built):
    folder, page, _ = built
    for pattern in EXTERNAL:
        match = pattern.search(page)
        assert match is None, (
            f"{folder.name}: external reference {match.group(0)!r} at "
            f"{page[max(0, match.start() - 60) : match.end() + 60]!r}"
        )
    for link in parse(page).links:
        assert link.startswith(("#", "data:")), f"{folder.name}: link {link[:60]!r} leaves the page"


def test_report_contains_every_decision(built):
    folder, page, _ = built
    elements = parse(page)
    expected = _commands(folder)
    assert expected, f"{folder.name}: the session has no commands to check"
    assert Counter(elements.commands) == expected, (
        f"{folder.name}: commands in the report differ from the log: "
        f"missing {expected - Counter(elements.commands)}, extra "
        f"{Counter(elements.commands) - expected}"
    )
    # Every decision but routine sensor tasking has its own card.
    own = Counter(item for item in expected.elements() if item[1] not in ROUTINE_COMMANDS)
    assert Counter(elements.articles) == own


def test_report_shows_the_six_scores(built):
    folder, page, card = built
    scores = parse(page).scores
    assert set(scores) == set(SUB_SCORES), f"{folder.name}: scores shown {sorted(scores)}"
    for name in SUB_SCORES:
        assert scores[name] == f"{card['scores'][name]:.1f}", f"{folder.name}: {name}"


def test_report_header_names_the_session(built, tmp_path_factory):
    folder, page, _ = built
    header = read_log(folder / "events.jsonl").header
    facts = page[page.index('id="session-facts"') : page.index("</nav>")]
    assert "market-day-v1" in facts
    assert f"<b>Seed</b>{header['seed']}" in facts
    assert "<b>Difficulty</b>intermediate" in facts
    assert f"scripted trainee “{header['policy']}”" in facts
    if header["policy"] == "expert":
        assert "Amina K." in facts and "2nd Company" in facts


def test_names_from_the_log_are_escaped(tmp_path_factory):
    folder = session_folder(tmp_path_factory, "reckless")
    log, loaded = load_session(folder)
    page = render_report(log, loaded.scenario, load_or_build_scorecard(folder))
    assert "<script>x</script>" not in page and "<b>Ann</b>" not in page
    assert "&lt;b&gt;Ann&lt;/b&gt; &amp; &#34;Co&#34;" in page
    assert "1st &lt;Coy&gt;" in page


def test_outcome_shows_the_three_kinds_of_harm_apart(built):
    folder, page, card = built
    outcome = card["outcome"]
    for box in ("outcome-own", "outcome-threat", "outcome-own-force"):
        assert f'id="{box}"' in page, f"{folder.name}: no {box} box"
    own = page[page.index('id="outcome-own"') : page.index('id="outcome-threat"')]
    threat = page[page.index('id="outcome-threat"') : page.index('id="outcome-own-force"')]
    assert f'<td class="num">{outcome["civilians_killed_own"]}</td>' in own
    assert f'<td class="num">{outcome["civilians_killed_by_threat"]}</td>' in threat
    assert "Own-force losses" in page


def test_bookmarks_mark_every_failed_rule_check_and_key_event(built):
    folder, page, _ = built
    log = read_log(folder / "events.jsonl")
    table = page[page.index('id="bookmarks"') : page.index('id="findings"')]
    rows = re.findall(r'<tr id="bookmark-(\d+)" class="([^"]*)">\s*<td class="num">\d+</td>'
                      r"<td>[^<]*</td><td class=\"num\">(\d+)</td>", table)  # fmt: skip
    ticks = {int(tick): kind for _, kind, tick in rows}
    for event in log.events:
        if event["type"] == "rule_check" and not event["ok"]:
            assert ticks.get(event["tick"]) == "violation", (
                f"{folder.name}: failed {event['rule']} at tick {event['tick']} not bookmarked"
            )
        if event["type"] in ("effect_released", "effect_resolved", "engagement_aborted", "inject"):
            assert event["tick"] in ticks, f"{folder.name}: {event['type']} at {event['tick']}"
    assert 'src="data:image/png;base64,' in page[page.index('id="timeline"') :]


def test_findings_table_lists_every_finding(built):
    folder, page, card = built
    table = page[page.index('id="findings-table"') : page.index('id="decisions"')]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = body.count("<tr")
    expected = len(card["findings"]) or 1  # one 'No findings.' row
    assert rows == expected, f"{folder.name}: {rows} rows for {len(card['findings'])} findings"
    for finding in card["findings"]:
        assert f"<td>{finding['rule']}</td>" in body


def test_decisions_show_picture_beside_truth_and_the_rationale(tmp_path_factory):
    folder = session_folder(tmp_path_factory, "expert")
    log, loaded = load_session(folder)
    page = render_report(log, loaded.scenario, load_or_build_scorecard(folder))
    release = re.search(r'<article class="decision command[^"]*" id="d-(\d+)"[^>]*'
                        r'data-kind="release".*?</article>', page, re.S).group(0)  # fmt: skip
    assert "What you saw (your picture)" in release and "What was true (ground truth)" in release
    assert "Your estimate beside the truth" in release
    assert "civilians in the area" in release
    assert "Your reason:</b> “PID on T0087 per ROE; estimate and approval done”" in release
    assert "lookout-sparrow (hostile)" in release
    classify = re.search(r'<article [^>]*data-kind="classify_contact".*?</article>', page, re.S)
    assert "Right: the contact was a" in classify.group(0)


def test_reckless_release_says_what_was_wrong(tmp_path_factory):
    folder = session_folder(tmp_path_factory, "reckless")
    log, loaded = load_session(folder)
    page = render_report(log, loaded.scenario, load_or_build_scorecard(folder))
    release = re.search(r'<article class="decision command bad"[^>]*data-kind="release".*?'
                        r"</article>", page, re.S).group(0)  # fmt: skip
    assert "FAILED" in release and "estimate_before_engagement" in release
    assert "Your reason:</b> none recorded." in release
    assert "was NOT a hostile actor" in release or "track had swapped" in release


def test_hand_built_log_with_warning_report_and_unknown_command():
    scenario = load_scenario_file(MARKET_DAY).scenario
    truth = {"entity": "leader-kestrel", "entity_kind": "hostile", "swapped": False, "lost": False}
    picture = {"tracks": 3, "in_view": 2, "contact": {"track_id": "T0001", "observed_s": 90.0}}
    events = [
        {"tick": 0, "type": "session_start"},
        {"tick": 5, "type": "command", "seq": 1, "picture": picture, "truth": truth,
         "command": {"kind": "issue_warning", "engagement_id": "E1", "means_id": "loudspeaker"}},
        {"tick": 5, "type": "warning_issued", "engagement": "E1", "means": "loudspeaker"},
        {"tick": 9, "type": "command", "seq": 2, "picture": {"tracks": 3},
         "command": {"kind": "submit_report", "text": "harm <at> market", "track_id": ""}},
        {"tick": 12, "type": "command", "seq": 3, "picture": {"tracks": 3},
         "command": {"kind": "future_thing", "checkpoint_id": "cp1", "step": "x"}},
        {"tick": 12, "type": "command_rejected", "seq": 3, "kind": "future_thing",
         "reason": "no such checkpoint"},
    ]  # fmt: skip
    log = EventLog(header={"type": "header", "seed": 3, "tick_s": 1.0, "policy": "console",
                           "trainee": {"name": "Sam"}}, events=events)  # fmt: skip
    card = build_scorecard(log, scenario).to_dict()
    page = render_report(log, scenario, card)
    elements = parse(page)
    assert Counter(elements.articles) == Counter(
        [(5, "issue_warning"), (9, "submit_report"), (12, "future_thing")]
    )
    assert "You warned civilians for engagement E1 with &#39;loudspeaker&#39;." in page
    assert "harm &lt;at&gt; market" in page
    assert "The simulator refused this command: no such checkpoint" in page
    assert "Warning given" in page


# ----------------------------------------------------------------------------- command


def test_report_command_writes_the_file_with_map_images(tmp_path_factory, capsys):
    folder = session_folder(tmp_path_factory, "reckless")
    log, loaded = load_session(folder)
    points = release_points(log, loaded.scenario)
    assert points and all(p.x_m is not None for p in points)
    out = folder / "custom.html"
    assert main(["report", str(folder), "--max-maps", "2", "--quiet", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count('src="data:image/jpeg;base64,') == 2
    assert out.stat().st_size < 3_000_000
    assert "What you saw at" in page
    assert "wrote" in capsys.readouterr().out
    assert main(["report", str(folder), "--no-maps", "--quiet"]) == 0
    assert 'src="data:image/jpeg' not in (folder / "report.html").read_text(encoding="utf-8")


def test_report_command_rejects_bad_folders_plainly(tmp_path):
    missing = tmp_path / "nowhere"
    empty = tmp_path / "empty"
    empty.mkdir()
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "events.jsonl").write_text("not json\n", encoding="utf-8")
    for folder in (missing, empty, damaged):
        result = subprocess.run(
            [sys.executable, str(REPO_ROOT / "run_sim.py"), "report", str(folder)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, f"{folder.name}: exit {result.returncode}"
        assert "error:" in result.stderr and str(folder) in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        assert not (folder / "report.html").exists()


# ----------------------------------------------------------------------------- browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _browser(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_report_renders_in_a_real_browser(tmp_path_factory, tmp_path):
    binary = _chromium()
    if binary is None:
        pytest.skip("no chromium binary found (Debian: apt-get install chromium)")
    import numpy as np
    import pygame

    folder = session_folder(tmp_path_factory, "expert")
    assert main(["report", str(folder), "--no-maps", "--quiet"]) == 0
    page = folder / "report.html"
    url = page.resolve().as_uri()
    shot = tmp_path / "report.png"
    result = _browser(
        binary, tmp_path / "profile-1", f"--screenshot={shot}", "--window-size=1280,2000", url
    )
    assert shot.is_file(), f"no screenshot: {result.stderr[-2000:]}"
    pixels = pygame.surfarray.array3d(pygame.image.load(str(shot))).astype(np.float64)
    assert pixels.shape[:2] == (1280, 2000)
    assert pixels.std() > 20, "the screenshot is blank (no variation)"
    not_white = (pixels.min(axis=2) < 200).mean()
    assert not_white > 0.03, f"the screenshot is nearly empty ({not_white:.1%} drawn)"

    dom = _browser(binary, tmp_path / "profile-2", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    elements = parse(dom.stdout)
    card = load_or_build_scorecard(folder)
    assert {k: v for k, v in elements.scores.items()} == {
        name: f"{card['scores'][name]:.1f}" for name in SUB_SCORES
    }
    assert Counter(elements.commands) == _commands(folder)


def test_own_force_losses_are_counted_once_and_shown_apart():
    scenario = load_scenario_file(REPO_ROOT / "scenarios" / "checkpoint_day.yaml").scenario
    events = [
        {"tick": 0, "type": "session_start"},
        {"tick": 40, "type": "checkpoint", "checkpoint": "hawk", "what": "threat_attack",
         "own_force_casualties": 2},
        {"tick": 50, "type": "assembly_violence", "assembly": "a1", "own_force_injured": 1,
         "people_injured": 4},
        {"tick": 60, "type": "assembly_ended", "assembly": "a1", "own_force_injured": 1},
    ]  # fmt: skip
    log = EventLog(header={"type": "header", "seed": 1, "tick_s": 1.0}, events=events)
    page = render_report(log, scenario, build_scorecard(log, scenario).to_dict())
    box = page[page.index('id="outcome-own-force"') : page.index('id="outcome-security"')]
    assert '<tr><th>Own force casualties</th><td class="num">3</td></tr>' in box
    assert 'Threat attacks that happened</th><td class="num">1<' in page
