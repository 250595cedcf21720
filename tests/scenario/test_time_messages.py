"""Times written without quotes are the commonest mistake; the message must say so."""

from __future__ import annotations

import pytest

from simulator.scenario import ScenarioError, parse_scenario

TEXT = """schema_version: 1
meta: {id: x, title: X}
clock: {start_time: 10.30, duration_s: 60}
map: {extent_m: [100, 100]}
scoring:
  objectives:
    - {id: o, kind: avoid_harm, description: d, by: 1030}
"""


def test_unquoted_times_are_explained_on_their_lines():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(TEXT, "t.yaml")
    by_path = {issue.path: issue for issue in error.value.issues}
    for path, line in (("clock.start_time", 3), ("scoring.objectives[0].by", 7)):
        issue = by_path[path]
        assert issue.line == line
        assert "is not a time of day" in issue.message and "quotes" in issue.message
