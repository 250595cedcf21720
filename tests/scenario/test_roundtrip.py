"""Valid scenarios load, and a loaded scenario survives dumping and re-validating.

The engine, the session log and the editor all pass scenarios around as plain data or
JSON; these tests make sure nothing is lost or changed on the way.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from simulator.scenario import (
    Scenario,
    load_scenario,
    load_scenario_file,
    parse_scenario,
)

FIXTURES = ["mini.yaml", "town.yaml"]
SHIPPED = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("name", FIXTURES)
def test_valid_fixture_loads_as_a_frozen_scenario(data_dir: Path, name: str) -> None:
    scenario = load_scenario(data_dir / name)
    assert isinstance(scenario, Scenario), name
    with pytest.raises(ValidationError, match="frozen"):
        scenario.meta.title = "changed"  # type: ignore[misc]


def test_loaded_town_keeps_the_values_written_in_the_file(data_dir: Path) -> None:
    scenario = load_scenario(data_dir / "town.yaml")
    assert scenario.meta.title == "Test town: every section"
    assert scenario.clock.start_time == "08:00"
    assert scenario.clock.duration_s == 7200
    assert [b.id for b in scenario.map.buildings][:3] == ["home-1", "home-2", "school-1"]
    assert scenario.map.buildings[3].footprint == ((300, 300), (340, 300), (340, 330), (300, 330))
    assert scenario.population.archetypes[0].schedule[0].use == "school"
    assert scenario.roe.allowed_effects == ("warning-shot", "small-munition")
    assert scenario.injects[2].when is not None
    assert scenario.injects[2].when.actor_at == "hostile-1"


@pytest.mark.parametrize("name", FIXTURES)
def test_model_dump_round_trip_gives_an_equal_scenario(data_dir: Path, name: str) -> None:
    scenario = load_scenario(data_dir / name)
    again = Scenario.model_validate(scenario.model_dump())
    assert again == scenario, f"{name}: model_dump() does not validate back to the same scenario"


@pytest.mark.parametrize("name", FIXTURES)
def test_json_round_trip_gives_an_equal_scenario(data_dir: Path, name: str) -> None:
    scenario = load_scenario(data_dir / name)
    text = json.dumps(scenario.model_dump(mode="json"))
    again = Scenario.model_validate(json.loads(text))
    assert again == scenario, f"{name}: the JSON dump does not validate back to the same scenario"
    assert Scenario.model_validate_json(scenario.model_dump_json()) == scenario, name


@pytest.mark.parametrize("name", FIXTURES)
def test_yaml_dump_of_a_scenario_is_itself_a_valid_scenario_file(data_dir: Path, name: str) -> None:
    scenario = load_scenario(data_dir / name)
    text = yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)
    assert parse_scenario(text, f"dumped-{name}") == scenario, name


def test_bytes_and_text_parse_to_the_same_scenario(data_dir: Path) -> None:
    source = (data_dir / "town.yaml").read_bytes()
    assert parse_scenario(source, "town.yaml") == parse_scenario(source.decode("utf-8"))


def test_utf8_byte_order_mark_is_accepted(data_dir: Path) -> None:
    source = (data_dir / "mini.yaml").read_bytes()
    assert parse_scenario(b"\xef\xbb\xbf" + source) == parse_scenario(source)


def test_load_scenario_file_records_the_exact_bytes_and_their_hash(data_dir: Path) -> None:
    path = data_dir / "mini.yaml"
    loaded = load_scenario_file(path)
    source = path.read_bytes()
    assert loaded.source == source
    assert loaded.sha256 == hashlib.sha256(source).hexdigest()
    assert loaded.path == path
    assert loaded.scenario == load_scenario(path)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scenario_is_valid_and_round_trips(path: Path) -> None:
    scenario = load_scenario(path)
    assert Scenario.model_validate(scenario.model_dump(mode="json")) == scenario, path.name
