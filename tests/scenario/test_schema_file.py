"""The committed JSON Schema (used by editors for completion and checks) is current.

``scenarios/scenario.schema.json`` is generated from the pydantic models; when a model
changes, the file must be regenerated, or authors' editors check against an old format.
"""

from __future__ import annotations

import json
from pathlib import Path

from simulator.scenario import SCHEMA_VERSION, json_schema

REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO_ROOT / "scenarios" / "scenario.schema.json"
REGENERATE = "python run_sim.py schema --out scenarios/scenario.schema.json"


def test_committed_schema_matches_the_models() -> None:
    committed = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    current = json_schema()
    if committed != current:
        changed = sorted(
            name
            for name in set(committed.get("$defs", {})) | set(current.get("$defs", {}))
            if committed.get("$defs", {}).get(name) != current.get("$defs", {}).get(name)
        )
        raise AssertionError(
            f"{SCHEMA_FILE.relative_to(REPO_ROOT)} is out of date "
            f"(changed definitions: {', '.join(changed) or 'top level'}); regenerate it "
            f"with:\n    {REGENERATE}"
        )


def test_schema_is_a_2020_12_json_schema_of_the_scenario_root() -> None:
    schema = json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "scenario.schema.json"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False, "unknown top-level keys must be errors"
    assert set(schema["required"]) == {"schema_version", "meta", "clock", "map"}
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


def test_every_model_in_the_schema_forbids_unknown_keys_and_has_a_description() -> None:
    for name, definition in json_schema()["$defs"].items():
        if definition.get("type") != "object":
            continue  # enums
        assert definition.get("additionalProperties") is False, f"{name} allows unknown keys"
        assert definition.get("description"), f"{name} has no description"
