"""Every kind of scenario mistake is reported on the line (and column) where it was made.

Each case edits the valid ``town.yaml`` fixture in one place and finds the expected
line from a marker string in the edited text, so the tests do not break when the
fixture grows. Failure messages show every issue that was reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, ScenarioIssue, load_scenario, parse_scenario

FILENAME = "town.yaml"


def replace_once(text: str, old: str, new: str) -> str:
    """``text`` with the single occurrence of ``old`` replaced (the fixture must hold it once)."""
    assert text.count(old) == 1, f"the fixture must contain {old!r} exactly once"
    return text.replace(old, new)


def position_of(text: str, marker: str) -> tuple[int, int]:
    """1-based (line, column) where the single occurrence of ``marker`` starts."""
    assert text.count(marker) == 1, f"marker {marker!r} must occur exactly once"
    before = text[: text.index(marker)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def issues_of(source: str | bytes, filename: str = FILENAME) -> list[ScenarioIssue]:
    """The issues of a scenario that must be invalid."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(source, filename)
    assert caught.value.issues, "a ScenarioError must carry at least one issue"
    return caught.value.issues


def listing(issues: list[ScenarioIssue]) -> str:
    return "\n".join(str(issue) for issue in issues)


def issue_at(issues: list[ScenarioIssue], path: str) -> ScenarioIssue:
    """The one issue reported for ``path``."""
    found = [issue for issue in issues if issue.path == path]
    assert len(found) == 1, f"expected one issue at {path}, got:\n{listing(issues)}"
    return found[0]


@dataclass(frozen=True)
class Mistake:
    """One edit of the fixture and where and how it must be reported."""

    name: str
    old: str
    new: str
    marker: str  # where the issue must point: the key or value that is wrong
    path: str
    fragments: tuple[str, ...]
    check_column: bool = True


MISTAKES = [
    Mistake(
        "unknown key with did-you-mean",
        "rect: [10, 10, 20, 20], capacity: 8}",
        "rect: [10, 10, 20, 20], capacty: 8}",
        "capacty",
        "map.buildings[0].capacty",
        ("unknown key 'capacty'", "did you mean 'capacity'?"),
    ),
    Mistake(
        "missing required key",
        "  duration_s: 7200\n",
        "",
        "clock:",
        "clock.duration_s",
        ("missing required key 'duration_s'",),
    ),
    Mistake(
        "wrong enum value with did-you-mean",
        "use: market, rect",
        "use: markte, rect",
        "markte",
        "map.buildings[4].use",
        ("'markte' is not allowed", "did you mean 'market'?", "use one of:"),
    ),
    Mistake(
        "bad time format",
        'start_time: "08:00"',
        'start_time: "8h00"',
        '"8h00"',
        "clock.start_time",
        ("'8h00' is not a time of day", "HH:MM"),
    ),
    Mistake(
        "time of day past 24:00",
        'start_time: "08:00"',
        'start_time: "24:30"',
        '"24:30"',
        "clock.start_time",
        ("'24:30' is not a time of day", "HH:MM"),
    ),
    Mistake(
        "inject time past 24:00",
        'at: "08:30"',
        'at: "24:30"',
        '"24:30"',
        "injects[0].at",
        ("'24:30' is not a time of day",),
    ),
    Mistake(
        "occupancy estimate time past 24:00",
        'end: "12:00", fraction',
        'end: "24:30", fraction',
        '"24:30"',
        "roe.occupancy_estimates[0].end",
        ("'24:30' is not a time of day",),
    ),
    Mistake(
        "coordinate that is not a number",
        "rect: [500, 400, 50, 50]",
        "rect: [.nan, 400, 50, 50]",
        ".nan",
        "map.buildings[4].rect[0]",
        ("finite number", "nan"),
    ),
    Mistake(
        "infinite coordinate in a footprint",
        "footprint: [[300, 300], [340, 300]",
        "footprint: [[.inf, 300], [340, 300]",
        ".inf",
        "map.buildings[3].footprint[0][0]",
        ("finite number", "inf"),
    ),
    Mistake(
        "coordinate near the float limit",
        "[800, 100], [900, 100], [900, 200]]",
        "[800, 100], [1e308, 100], [900, 200]]",
        "[[800, 100]",
        "protected.sites[2].polygon",
        ("site 'p-shrine'", "outside the map"),
    ),
    Mistake(
        "wrong type",
        "count: 30",
        "count: thirty",
        "thirty",
        "population.archetypes[0].count",
        ("valid integer", "'thirty'"),
    ),
    Mistake(
        "absurdly long number",
        "count: 30",
        "count: " + "9" * 200,
        "9" * 200,
        "(file)",
        ("more than 100 digits",),
    ),
    Mistake(
        "duplicate id",
        "{id: market-1, use: market",
        "{id: home-2, use: market",
        "home-2, use: market",
        "map.buildings[4].id",
        ("duplicate building id 'home-2'", "map.buildings[1].id"),
    ),
    Mistake(
        "reference to a missing building with did-you-mean",
        "building: school-1}",
        "building: schol-1}",
        "schol-1",
        "protected.sites[0].building",
        ("no building with id 'schol-1'", "did you mean 'school-1'?"),
    ),
    Mistake(
        "self-intersecting polygon",
        "footprint: [[300, 300], [340, 300], [340, 330], [300, 330]]",
        "footprint: [[300, 300], [340, 330], [340, 300], [300, 330]]",
        "[[300, 300], [340, 330]",
        "map.buildings[3].footprint",
        ("building 'clinic-1'", "crosses itself"),
    ),
    Mistake(
        "overlapping buildings",
        "rect: [500, 400, 50, 50]",
        "rect: [120, 120, 50, 50]",
        "[120, 120, 50, 50]",
        "map.buildings[4].rect",
        ("building 'market-1' overlaps building 'school-1'",),
    ),
    Mistake(
        "position outside the map",
        "{id: patrol-1, position: [50, 50]}",
        "{id: patrol-1, position: [1500, 50]}",
        "[1500, 50]",
        "forces.friendly[0].position",
        ("unit 'patrol-1'", "outside the map", "(1000, 800)"),
    ),
    Mistake(
        "inject time outside the exercise",
        'at: "08:30"',
        'at: "11:30"',
        '"11:30"',
        "injects[0].at",
        ("inject 'tip' at 11:30 is outside the exercise", "08:00 to 10:00"),
    ),
    Mistake(
        "schedule end before start",
        '{start: "08:00", end: "13:00", use: school}',
        '{start: "13:00", end: "08:00", use: school}',
        '{start: "13:00"',
        "population.archetypes[0].schedule[0]",
        ("end 08:00 must be after start 13:00",),
    ),
    Mistake(
        "vehicles stop before they start",
        'active_from: "07:00", active_to: "19:00"',
        'active_from: "19:00", active_to: "07:00"',
        '"07:00"}',
        "population.vehicles[0].active_to",
        ("active_to 07:00 must be after active_from 19:00",),
    ),
    Mistake(
        "inject waiting for a missing inject",
        "after_inject: arrival,",
        "after_inject: arival,",
        "arival",
        "injects[3].when.after_inject",
        ("no inject with id 'arival'", "did you mean 'arrival'?"),
    ),
]


@pytest.mark.parametrize("mistake", MISTAKES, ids=[m.name for m in MISTAKES])
def test_mistake_is_reported_at_its_line_with_a_helpful_message(
    town_text: str, mistake: Mistake
) -> None:
    text = replace_once(town_text, mistake.old, mistake.new)
    line, column = position_of(text, mistake.marker)
    issues = issues_of(text)
    issue = issue_at(issues, mistake.path)
    assert issue.line == line, f"{mistake.name}: expected line {line}, got:\n{listing(issues)}"
    if mistake.check_column:
        assert issue.column == column, (
            f"{mistake.name}: expected column {column}, got:\n{listing(issues)}"
        )
    for fragment in mistake.fragments:
        assert fragment in issue.message, f"{mistake.name}: {fragment!r} not in:\n{issue}"
    assert issue.file == FILENAME


def test_duplicate_key_is_reported_on_the_second_key_naming_the_first_line(
    town_text: str,
) -> None:
    text = replace_once(town_text, "  tick_s: 1\n", "  tick_s: 1\n  tick_s: 2\n")
    first_line, _ = position_of(text, "tick_s: 1")
    line, column = position_of(text, "tick_s: 2")
    issue = issue_at(issues_of(text), "clock.tick_s")
    assert (issue.line, issue.column) == (line, column), str(issue)
    assert "'tick_s' appears twice" in issue.message, str(issue)
    assert f"first on line {first_line}" in issue.message, str(issue)


def test_tab_indentation_is_a_syntax_error_that_mentions_tabs(town_text: str) -> None:
    text = replace_once(town_text, "  title: ", "\ttitle: ")
    line, _ = position_of(text, "\ttitle")
    issues = issues_of(text)
    assert len(issues) == 1, listing(issues)
    assert issues[0].line == line, listing(issues)
    assert "YAML syntax error" in issues[0].message, listing(issues)
    assert "tabs" in issues[0].message, listing(issues)


def test_unclosed_bracket_is_a_syntax_error_with_a_line(town_text: str) -> None:
    text = replace_once(town_text, "extent_m: [1000, 800]", "extent_m: [1000, 800")
    issues = issues_of(text)
    assert len(issues) == 1, listing(issues)
    assert "YAML syntax error" in issues[0].message, listing(issues)
    assert issues[0].line >= position_of(text, "extent_m")[0], listing(issues)


def test_non_utf8_bytes_are_reported_at_the_offending_byte(town_text: str) -> None:
    text = replace_once(town_text, "Test town", "Caf\N{LATIN SMALL LETTER E WITH ACUTE} town")
    source = text.encode("latin-1")
    line, column = position_of(text, "\N{LATIN SMALL LETTER E WITH ACUTE}")
    issues = issues_of(source)
    assert len(issues) == 1, listing(issues)
    assert (issues[0].line, issues[0].column) == (line, column), listing(issues)
    assert "not UTF-8" in issues[0].message and "0xe9" in issues[0].message, listing(issues)


def test_text_with_a_lone_surrogate_is_reported_as_not_utf8() -> None:
    issues = issues_of("meta:\n  title: \ud800\n")
    assert [issue.line for issue in issues] == [2], listing(issues)
    assert "not UTF-8" in issues[0].message, listing(issues)


@pytest.mark.parametrize("source", ["", "\n\n   \n", "# just a comment\n# and another\n"], ids=repr)
def test_empty_file_is_reported_as_empty(source: str) -> None:
    issues = issues_of(source)
    assert [(issue.line, issue.column) for issue in issues] == [(1, 1)], listing(issues)
    assert "empty" in issues[0].message, listing(issues)


@pytest.mark.parametrize(
    ("source", "kind"),
    [("- meta\n- clock\n", "list"), ("just words\n", "str"), ("42\n", "int"), ("~\n", "nothing")],
)
def test_top_level_that_is_not_a_mapping_is_reported(source: str, kind: str) -> None:
    issues = issues_of(source)
    assert len(issues) == 1, listing(issues)
    issue = issues[0]
    assert (issue.line, issue.path) == (1, "(top level)"), str(issue)
    assert "mapping of sections" in issue.message and kind in issue.message, str(issue)


def test_several_type_errors_are_all_reported_in_one_error(town_text: str) -> None:
    text = town_text
    edits = [
        ("rect: [10, 10, 20, 20], capacity: 8}", "rect: [10, 10, 20, 20], capacty: 8}"),
        ("use: market, rect", "use: markte, rect"),
        ('start_time: "08:00"', 'start_time: "8h00"'),
        ("count: 30", "count: thirty"),
    ]
    for old, new in edits:
        text = replace_once(text, old, new)
    issues = issues_of(text)
    expected = {
        "map.buildings[0].capacty": position_of(text, "capacty")[0],
        "map.buildings[4].use": position_of(text, "markte")[0],
        "clock.start_time": position_of(text, "8h00")[0],
        "population.archetypes[0].count": position_of(text, "thirty")[0],
    }
    assert {issue.path: issue.line for issue in issues} == expected, listing(issues)


def test_several_whole_scenario_problems_are_all_reported_in_one_error(town_text: str) -> None:
    text = town_text
    edits = [
        ("{id: market-1, use: market", "{id: home-2, use: market"),
        ("building: school-1}", "building: schol-1}"),
        ("{id: patrol-1, position: [50, 50]}", "{id: patrol-1, position: [1500, 50]}"),
        ('at: "08:30"', 'at: "11:30"'),
    ]
    for old, new in edits:
        text = replace_once(text, old, new)
    issues = issues_of(text)
    expected = {
        # the market lost its id, so the inject, hostile and schedule naming it fail too
        "map.buildings[4].id": position_of(text, "home-2, use: market")[0],
        "protected.sites[0].building": position_of(text, "schol-1")[0],
        "forces.friendly[0].position": position_of(text, "[1500, 50]")[0],
        "injects[0].at": position_of(text, '"11:30"')[0],
    }
    found = {issue.path: issue.line for issue in issues if issue.path in expected}
    assert found == expected, listing(issues)


def test_whole_scenario_checks_wait_until_the_types_are_valid(town_text: str) -> None:
    text = replace_once(town_text, "rect: [500, 400, 50, 50]", "rect: [120, 120, 50, 50]")
    text = replace_once(text, "count: 30", "count: thirty")
    issues = issues_of(text)
    assert [issue.path for issue in issues] == ["population.archetypes[0].count"], listing(issues)


def test_issues_are_sorted_by_line_and_print_as_file_line_column_path_message(
    town_text: str,
) -> None:
    text = replace_once(town_text, "count: 30", "count: thirty")
    text = replace_once(text, "use: market, rect", "use: markte, rect")
    issues = issues_of(text, "scenarios/town.yaml")
    assert [issue.line for issue in issues] == sorted(issue.line for issue in issues)
    for issue in issues:
        expected = f"scenarios/town.yaml:{issue.line}:{issue.column}: {issue.path}: {issue.message}"
        assert str(issue) == expected
    error = ScenarioError(issues)
    assert str(error).splitlines() == [str(issue) for issue in issues]


def test_load_scenario_names_the_file_it_was_given(town_text: str, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(replace_once(town_text, "count: 30", "count: thirty"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [issue.file for issue in caught.value.issues] == [str(path)]
    assert str(caught.value).startswith(f"{path}:")


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda tmp: tmp / "missing.yaml", "no such file"),
        (lambda tmp: tmp, "this is a folder"),
    ],
    ids=["missing file", "folder"],
)
def test_unreadable_path_is_a_scenario_error_not_an_os_error(
    tmp_path: Path, make, fragment: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert len(caught.value.issues) == 1
    assert fragment in caught.value.issues[0].message, str(caught.value)
    assert caught.value.issues[0].file == str(path)
