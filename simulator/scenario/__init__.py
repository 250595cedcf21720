"""The scenario format: pydantic models, safe YAML loading, whole-scenario checks."""

from simulator.scenario.errors import ScenarioError, ScenarioIssue
from simulator.scenario.loader import (
    LoadedScenario,
    load_scenario,
    load_scenario_file,
    parse_scenario,
)
from simulator.scenario.schema import SCHEMA_VERSION, Scenario, json_schema

__all__ = [
    "SCHEMA_VERSION",
    "LoadedScenario",
    "Scenario",
    "ScenarioError",
    "ScenarioIssue",
    "json_schema",
    "load_scenario",
    "load_scenario_file",
    "parse_scenario",
]
