"""Property-based tests: whatever the input, the loader answers Scenario or ScenarioError.

Authors make every mistake imaginable and some files arrive damaged. Hypothesis mutates a
valid scenario (deleting keys, adding unknown ones, replacing values with values of
random types, duplicating list items, making numbers negative, huge or NaN, ...) and
also throws raw bytes, YAML-like text and damaged copies of a scenario at the loader.
Any exception other than ScenarioError is a bug: a user would see a traceback.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.scenario import Scenario, ScenarioError, parse_scenario
from simulator.scenario.yaml_safe import read_yaml

DATA = Path(__file__).resolve().parent / "data"
TOWN_TEXT = (DATA / "town.yaml").read_text(encoding="utf-8")
# Read with the loader's own YAML 1.2 reader, so the data is exactly what the loader sees.
TOWN_DATA = read_yaml(TOWN_TEXT.encode("utf-8"), "town.yaml").data

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Each example builds and checks a whole scenario with shapely; fewer keep the file < 30 s.
FUZZ_WHOLE_SCENARIO = settings(FUZZ, max_examples=150)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["07:30", "24:00", "24:59", "25:00", "7:5", "", "home", "school-1"])
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
odd_numbers = st.sampled_from(
    [0, -1, -0.5, 1e-300, 1e308, -1e308, 10**20, 2**63, math.nan, math.inf, -math.inf]
)
odd_strings = st.sampled_from(
    ["", " ", "24:00", "24:30", "00:00", "12:30", "-bad-id", "a b", "x" * 300, "no", "~"]
)


def node_paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value in nested data, parents before children."""
    found = [path]
    if isinstance(node, dict):
        for key, child in node.items():
            found.extend(node_paths(child, (*path, key)))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found.extend(node_paths(child, (*path, index)))
    return found


def string_leaves(node: Any) -> list[str]:
    """Every string value in nested data (ids, times, uses...), to reuse elsewhere."""
    if isinstance(node, dict):
        return [text for child in node.values() for text in string_leaves(child)]
    if isinstance(node, list):
        return [text for child in node for text in string_leaves(child)]
    return [node] if isinstance(node, str) else []


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def mutate_once(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """Apply one random edit somewhere in ``data`` (in place, except at the root)."""
    path = draw(st.sampled_from(node_paths(data)))
    node = get(data, path)
    operation = draw(
        st.sampled_from(
            [
                "delete",
                "unknown key",
                "replace",
                "duplicate item",
                "odd number",
                "odd string",
                "reuse a string",
                "empty container",
            ]
        )
    )
    parent = get(data, path[:-1]) if path else None
    if operation == "delete" and path:
        del parent[path[-1]]
    elif operation == "unknown key" and isinstance(node, dict):
        node[draw(st.text(min_size=1, max_size=12))] = draw(values)
    elif operation == "duplicate item" and isinstance(node, list) and node:
        index = draw(st.integers(0, len(node) - 1))
        node.insert(draw(st.integers(0, len(node))), copy.deepcopy(node[index]))
    elif operation == "odd number" and path and isinstance(node, (int, float)):
        number = draw(odd_numbers)
        parent[path[-1]] = draw(st.sampled_from([number, -node, node * 10**6]))
    elif operation == "odd string" and path and isinstance(node, str):
        parent[path[-1]] = draw(odd_strings | st.text(max_size=30))
    elif operation == "reuse a string" and path and not isinstance(node, (dict, list)):
        # Creates duplicate ids, references to the wrong kind of thing, ids used as times...
        parent[path[-1]] = draw(st.sampled_from(string_leaves(data) or ["x"]))
    elif operation == "empty container" and path:
        parent[path[-1]] = draw(st.sampled_from([{}, [], None]))
    elif path:
        parent[path[-1]] = draw(values)
    else:
        return draw(values)  # replace the whole document
    return data


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> Any:
    data: Any = copy.deepcopy(TOWN_DATA)
    for _ in range(draw(st.integers(1, 4))):
        if not isinstance(data, dict):
            break
        data = mutate_once(draw, data)
    return data


def assert_scenario_or_scenario_error(source: str | bytes) -> Scenario | None:
    """Load ``source``; a ScenarioError must carry located, non-empty issues."""
    try:
        return parse_scenario(source, "fuzz.yaml")
    except ScenarioError as error:
        assert error.issues, "a ScenarioError without issues"
        for issue in error.issues:
            assert issue.line >= 1 and issue.column >= 1, f"issue without a position: {issue}"
            assert issue.message.strip(), f"issue without a message: {issue!r}"
            assert issue.path, f"issue without a path: {issue!r}"
        return None


@FUZZ
@given(mutated_scenarios())
def test_mutated_scenario_is_either_valid_or_a_scenario_error(data: Any) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    scenario = assert_scenario_or_scenario_error(text)
    if scenario is not None:
        again = Scenario.model_validate(scenario.model_dump())
        # compared as JSON text so that a NaN the format lets through compares equal
        assert again.model_dump_json() == scenario.model_dump_json()


@FUZZ
@given(mutated_scenarios(), st.sampled_from([None, "'", '"', "|", ">"]))
def test_mutated_scenario_in_any_yaml_style_never_raises_anything_else(
    data: Any, style: str | None
) -> None:
    text = yaml.safe_dump(
        data, allow_unicode=True, sort_keys=False, default_flow_style=None, default_style=style
    )
    assert_scenario_or_scenario_error(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2_000))
def test_random_bytes_never_raise_anything_but_scenario_error(source: bytes) -> None:
    assert_scenario_or_scenario_error(source)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2_000))
def test_random_text_never_raises_anything_but_scenario_error(source: str) -> None:
    assert_scenario_or_scenario_error(source)


YAML_ALPHABET = " \n\t-:,[]{}&*!|>'\"#%@`?.~0123456789abexyz_\\"


@settings(max_examples=250, deadline=None)
@given(st.text(alphabet=YAML_ALPHABET, max_size=300))
def test_yaml_like_text_never_raises_anything_but_scenario_error(source: str) -> None:
    assert_scenario_or_scenario_error(source)


@settings(max_examples=250, deadline=None)
@given(
    st.integers(0, len(TOWN_TEXT)),
    st.integers(0, 200),
    st.text(alphabet=YAML_ALPHABET + "\x00\x07\ufeff\u00e9", max_size=20),
)
def test_damaged_scenario_text_never_raises_anything_but_scenario_error(
    start: int, cut: int, insert: str
) -> None:
    source = TOWN_TEXT[:start] + insert + TOWN_TEXT[start + cut :]
    assert_scenario_or_scenario_error(source)


coordinates = st.one_of(
    st.integers(-50, 1_100),
    st.floats(-50, 1_100, allow_nan=False),
    st.sampled_from([0, 1e-300, 1e150, 1e308, -1e308, math.nan, math.inf, -math.inf]),
)
points = st.tuples(coordinates, coordinates).map(list)
outlines = st.lists(points, min_size=3, max_size=7) | st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, 4)).map(lambda p: [p[0] * 50, p[1] * 50]),
    min_size=3,
    max_size=7,
)
times = st.builds(
    lambda hours, minutes, seconds: (
        f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    ),
    st.integers(0, 24),
    st.integers(0, 59),
    st.sampled_from([0, 0, 30]),
)


@FUZZ_WHOLE_SCENARIO
@given(
    footprints=st.lists(outlines, min_size=1, max_size=4),
    rects=st.lists(
        st.tuples(coordinates, coordinates, coordinates, coordinates).map(list), max_size=4
    ),
    area=outlines,
    site=outlines,
    road=st.lists(points, min_size=2, max_size=4),
)
def test_random_geometry_is_either_valid_or_a_scenario_error(
    footprints: list[Any], rects: list[Any], area: Any, site: Any, road: Any
) -> None:
    data = copy.deepcopy(TOWN_DATA)
    buildings = data["map"]["buildings"]
    for number, footprint in enumerate(footprints):
        buildings.append({"id": f"shape-{number}", "use": "shop", "footprint": footprint})
    for number, rect in enumerate(rects):
        buildings.append({"id": f"box-{number}", "use": "shop", "rect": rect})
    data["map"]["open_areas"][0]["polygon"] = area
    data["protected"]["sites"][2]["polygon"] = site
    data["map"]["roads"][0]["points"] = road
    assert_scenario_or_scenario_error(yaml.safe_dump(data, sort_keys=False))


@FUZZ_WHOLE_SCENARIO
@given(
    start=times,
    duration_s=st.integers(1, 7 * 86_400),
    inject_at=times,
    change_at=st.lists(times, max_size=3),
    vehicles=st.tuples(times, times),
    deadline=times,
    schedule=st.tuples(times, times),
)
def test_random_times_are_either_valid_or_a_scenario_error(
    start: str,
    duration_s: int,
    inject_at: str,
    change_at: list[str],
    vehicles: tuple[str, str],
    deadline: str,
    schedule: tuple[str, str],
) -> None:
    data = copy.deepcopy(TOWN_DATA)
    data["clock"].update(start_time=start, duration_s=duration_s)
    data["injects"][0]["at"] = inject_at
    data["protected"]["sites"][1]["status_changes"] = [
        {"at": at, "status": "restricted"} for at in change_at
    ]
    data["population"]["vehicles"][0].update(active_from=vehicles[0], active_to=vehicles[1])
    data["scoring"]["objectives"][0]["by"] = deadline
    data["population"]["archetypes"][0]["schedule"][0].update(start=schedule[0], end=schedule[1])
    assert_scenario_or_scenario_error(yaml.safe_dump(data, sort_keys=False))
