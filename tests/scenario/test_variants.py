"""Difficulty levels (merged over the base file) and seeded variation between sessions."""

from __future__ import annotations

import pytest

from simulator.core.simulation import Simulation
from simulator.scenario import ScenarioError, parse_scenario
from simulator.scenario.schema import time_to_seconds
from simulator.scenario.variants import apply_variation, merge_level

BASE = """
schema_version: 1
meta: {id: levels-v1, title: Levels}
clock: {start_time: "08:00", duration_s: 600}
map:
  extent_m: [400, 400]
  buildings:
    - {id: h1, use: home, rect: [10, 10, 20, 20], capacity: 400}
    - {id: s1, use: school, rect: [100, 10, 30, 30], capacity: 400}
  roads:
    - {id: r1, points: [[0, 50], [400, 50]]}
population:
  archetypes:
    - id: pupil
      count: 100
      schedule: [{start: "08:30", end: "12:00", use: school}]
    - {id: elder, count: 40}
intelligence: {reliability: 0.7}
variation: {civilian_count_pct: 20, schedule_shift_min: 30}
difficulty_levels:
  basic:
    intelligence: {reliability: 0.95}
    population:
      archetypes:
        - {id: pupil, count: 50}
        - {id: visitor, count: 5}
  advanced:
    environment: {weather: dust}
"""


def test_mappings_merge_by_key_and_lists_of_ids_by_id():
    base = {"a": {"x": 1, "y": 2}, "items": [{"id": "p", "n": 1}, {"id": "q", "n": 2}], "s": 1}
    override = {"a": {"y": 3}, "items": [{"id": "q", "n": 9}, {"id": "r", "n": 4}], "s": 5}
    merged = merge_level(base, override)
    assert merged["a"] == {"x": 1, "y": 3}
    assert merged["items"] == [{"id": "p", "n": 1}, {"id": "q", "n": 9}, {"id": "r", "n": 4}]
    assert merged["s"] == 5
    assert base["items"][1]["n"] == 2, "merging must not change the base data"


def test_a_level_overrides_only_what_it_names():
    base = parse_scenario(BASE)
    basic = parse_scenario(BASE, difficulty="basic")
    assert basic.meta.difficulty == "basic"
    assert basic.intelligence.reliability == 0.95
    counts = {a.id: a.count for a in basic.population.archetypes}
    assert counts == {"pupil": 50, "elder": 40, "visitor": 5}
    assert basic.map == base.map
    assert parse_scenario(BASE, difficulty="advanced").environment.weather == "dust"


def test_a_level_the_file_does_not_define_plays_the_file_as_written():
    scenario = parse_scenario(
        BASE.replace("  advanced:\n    environment: {weather: dust}\n", ""), difficulty="advanced"
    )
    assert scenario.meta.difficulty == "advanced"
    assert scenario.environment.weather == "clear"


def test_an_unknown_level_is_refused_with_a_suggestion():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(BASE, difficulty="advnced")
    assert "did you mean 'advanced'?" in str(error.value)


def test_a_broken_level_is_reported_on_its_own_line_even_when_not_chosen():
    text = BASE.replace("intelligence: {reliability: 0.95}", "intelligence: {reliability: 1.5}")
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "levels.yaml")
    issue = error.value.issues[0]
    line = text.splitlines().index("    intelligence: {reliability: 1.5}") + 1
    assert issue.line == line, str(error.value)
    assert "with difficulty 'basic'" in issue.message


def test_variation_is_the_same_for_a_seed_and_differs_between_seeds():
    scenario = parse_scenario(BASE)
    first, again, other = (apply_variation(scenario, seed) for seed in (1, 1, 2))
    assert first == again
    assert first != other
    for archetype, original in zip(first.population.archetypes, scenario.population.archetypes):
        assert abs(archetype.count - original.count) <= 0.2 * original.count + 1
    shift = time_to_seconds(first.population.archetypes[0].schedule[0].start) - time_to_seconds(
        "08:30"
    )
    assert abs(shift) <= 30 * 60


def test_without_variation_the_scenario_is_unchanged():
    scenario = parse_scenario(
        BASE.replace("variation: {civilian_count_pct: 20, schedule_shift_min: 30}", "")
    )
    assert apply_variation(scenario, 5) is scenario


def test_sessions_follow_their_seeds_variation():
    scenario = parse_scenario(BASE)
    counts = []
    for seed in (1, 2):
        sim = Simulation(scenario)
        sim.reset(seed=seed)
        counts.append(len(sim.people))
        expected = sum(a.count for a in apply_variation(scenario, seed).population.archetypes)
        assert len(sim.people) == expected
    assert counts[0] != counts[1]
