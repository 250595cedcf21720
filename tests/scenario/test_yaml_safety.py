"""Hostile or careless scenario files cannot run code, hang the loader or exhaust memory.

Scenario files may come from anywhere, so the reader refuses code-running tags, anchors
(and with them alias bombs), huge files, deep nesting and extra documents — each with a
plain message, quickly, and never with an exception other than ScenarioError. It also
reads plain scalars the YAML 1.2 way, so times and words stay what the author wrote.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, parse_scenario, yaml_safe
from simulator.scenario.yaml_safe import MAX_DEPTH, MAX_FILE_BYTES, read_yaml

# Not a performance budget: a guard that these inputs are refused up front, not after
# expanding or parsing them (which would take minutes or exhaust memory).
QUICK_S = 2.0


def rejected(source: str | bytes) -> ScenarioError:
    """The ScenarioError that ``source`` must raise."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(source, "hostile.yaml")
    return caught.value


def rejected_quickly(source: str | bytes) -> ScenarioError:
    """Like :func:`rejected`, and the loader must give up within ``QUICK_S`` seconds."""
    started = time.perf_counter()
    error = rejected(source)
    elapsed = time.perf_counter() - started
    assert elapsed < QUICK_S, f"rejecting a {len(source)}-long input took {elapsed:.2f} s"
    return error


# --------------------------------------------------------------------------- tags

# Each would create MARKER under yaml.unsafe_load; "{command}" is "touch MARKER".
CODE_TAGS = {
    "root": "!!python/object/apply:os.system [{command!r}]\n",
    "section": "schema_version: 1\nmeta: !!python/object/apply:os.system [{command!r}]\n",
    "nested with args": (
        "meta:\n  title: !!python/object/apply:os.system\n    args: [{command!r}]\n"
    ),
    "subprocess": "x: !!python/object/apply:subprocess.check_call [[touch, '{marker}']]\n",
    "object/new": "x: !!python/object/new:subprocess.Popen [[touch, '{marker}']]\n",
    "in a list": "x: [!!python/object/apply:os.system [{command!r}]]\n",
    "after a name tag": (
        "x: !!python/name:os.system\ny: !!python/object/apply:os.system [{command!r}]\n"
    ),
    "verbatim tag": "x: !<tag:yaml.org,2002:python/object/apply:os.system> [{command!r}]\n",
}


@pytest.mark.parametrize("template", CODE_TAGS.values(), ids=CODE_TAGS.keys())
def test_python_tags_are_rejected_and_never_executed(tmp_path: Path, template: str) -> None:
    marker = tmp_path / "pwned"
    source = template.format(command=f"touch {marker}", marker=marker)
    error = rejected(source)
    assert any("is not allowed in scenario files" in i.message for i in error.issues), str(error)
    assert not marker.exists(), f"loading {source!r} ran code: {marker} was created"


def test_python_tag_in_a_scenario_file_is_reported_on_its_line(
    mini_text: str, tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        mini_text.replace(
            "  title: Mini town", f"  title: !!python/object/apply:os.system ['touch {marker}']"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    line = mini_text.splitlines().index("  title: Mini town") + 1
    assert [issue.line for issue in caught.value.issues] == [line], str(caught.value)
    assert "python/object/apply:os.system" in caught.value.issues[0].message
    assert not marker.exists(), "the tag ran code"


@pytest.mark.parametrize("tag", ["!custom", "!!binary", "!!timestamp", "!!set", "!!omap"])
def test_non_core_tags_are_rejected(tag: str) -> None:
    error = rejected(f"meta:\n  title: {tag} aGVsbG8=\n")
    assert error.issues[0].line == 2, str(error)
    assert "is not allowed" in error.issues[0].message, str(error)


def test_core_tags_are_accepted(mini_text: str) -> None:
    text = mini_text.replace("  title: Mini town", "  title: !!str 12:30")
    text = text.replace("  duration_s: 3600", "  duration_s: !!int 3600")
    assert parse_scenario(text).meta.title == "12:30"


# --------------------------------------------------------------------------- aliases


def billion_laughs(levels: int = 9) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_rejected_quickly() -> None:
    error = rejected_quickly(billion_laughs(9))
    assert "anchors" in error.issues[0].message, str(error)


def test_alias_to_an_anchor_is_rejected_even_when_harmless() -> None:
    error = rejected("a: &x 1\nb: *x\n")
    assert "anchors" in error.issues[0].message and error.issues[0].line == 1, str(error)


def test_alias_without_anchor_is_rejected() -> None:
    error = rejected("a: *nowhere\n")
    assert error.issues[0].line == 1, str(error)


# --------------------------------------------------------------------------- size


def test_file_over_16_mib_is_rejected_quickly_with_its_size() -> None:
    error = rejected_quickly(b"title: " + b"x" * MAX_FILE_BYTES)
    assert "16 MiB" in error.issues[0].message and "MB" in error.issues[0].message, str(error)


def test_huge_file_on_disk_is_rejected_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # a sparse file: large on paper, nothing written
        handle.truncate(4 * MAX_FILE_BYTES)
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    elapsed = time.perf_counter() - started
    assert elapsed < QUICK_S, f"rejecting a huge file took {elapsed:.2f} s"
    assert "16 MiB" in caught.value.issues[0].message, str(caught.value)


def test_file_of_exactly_the_limit_is_not_rejected_for_size() -> None:
    source = b"#" + b"x" * (MAX_FILE_BYTES - 2) + b"\n"
    error = rejected(source)  # only comments: empty, but not too large
    assert "empty" in error.issues[0].message, str(error)


# --------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    "source",
    [
        "[" * 100_000,
        "{a: " * 100_000,
        "x: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "".join("  " * depth + f"k{depth}:\n" for depth in range(2_000)) + "  " * 2_000 + "v\n",
        "".join("  " * depth + "-\n" for depth in range(2_000)),
    ],
    ids=["flow lists", "flow mappings", "closed flow lists", "block mappings", "block lists"],
)
def test_deep_nesting_is_rejected_without_recursion_error(source: str) -> None:
    error = rejected_quickly(source)  # a RecursionError would fail here, not be caught
    assert len(error.issues) == 1, str(error)
    message = error.issues[0].message
    assert "nest" in message or "nesting" in message, str(error)


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_not() -> None:
    # The root mapping is one level, so MAX_DEPTH - 1 lists fit inside it.
    deepest = MAX_DEPTH - 1
    data = read_yaml(f"x: {'[' * deepest}1{']' * deepest}\n".encode(), "deep.yaml").data["x"]
    for _ in range(deepest - 1):
        data = data[0]
    assert data == [1]
    error = rejected(f"x: {'[' * (deepest + 1)}1{']' * (deepest + 1)}\n")
    assert f"deeper than {MAX_DEPTH} levels" in error.issues[0].message, str(error)


def test_too_many_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    # A small cap keeps the test fast; the counting is the same at the real cap.
    monkeypatch.setattr(yaml_safe, "MAX_VALUES", 1_000)
    error = rejected("x: [" + "1, " * 1_500 + "1]\n")
    assert "more than 1000 values" in error.issues[0].message, str(error)
    assert read_yaml(("x: [" + "1, " * 900 + "1]\n").encode(), "ok.yaml").data["x"][900] == 1


# --------------------------------------------------------------------------- documents, bytes


def test_multiple_documents_are_rejected_at_the_second(mini_text: str) -> None:
    text = mini_text + "---\n" + mini_text
    error = rejected(text)
    line = mini_text.count("\n") + 1
    assert [issue.line for issue in error.issues] == [line], str(error)
    assert "more than one YAML document" in error.issues[0].message


def test_explicit_single_document_markers_are_accepted(mini_text: str) -> None:
    assert parse_scenario("---\n" + mini_text + "...\n").meta.id == "mini-v1"


def test_nul_byte_is_rejected_with_its_line(mini_text: str) -> None:
    error = rejected(mini_text + "x: \x00\n")
    assert error.issues[0].line == mini_text.count("\n") + 1, str(error)
    assert "NUL" in error.issues[0].message


@pytest.mark.parametrize("control", ["\x01", "\x07", "\x1b", "\ufffe"], ids=ascii)
def test_control_characters_are_reported_at_their_line_and_column(
    mini_text: str, control: str
) -> None:
    # Non-ASCII text before the character: libyaml counts bytes, the message must not.
    text = mini_text.replace("  title: Mini town", f"  title: Caf\u00e9 \u00e0 Mini{control}town")
    error = rejected(text)
    line = text[: text.index(control)].count("\n") + 1
    column = text.splitlines()[line - 1].index(control) + 1
    assert [(i.line, i.column) for i in error.issues] == [(line, column)], str(error)
    assert f"U+{ord(control):04X}" in error.issues[0].message, str(error)


# --------------------------------------------------------------------------- YAML 1.2 scalars


def test_unquoted_time_stays_a_time_string(mini_text: str) -> None:
    # YAML 1.1 would read 12:30 as the base-60 integer 750.
    scenario = parse_scenario(mini_text.replace('start_time: "07:00"', "start_time: 12:30"))
    assert scenario.clock.start_time == "12:30"


def test_unquoted_schedule_times_stay_time_strings(mini_text: str) -> None:
    text = mini_text.replace('{start: "07:30", end: "13:00"', "{start: 07:30, end: 13:00")
    entry = parse_scenario(text).population.archetypes[0].schedule[0]
    assert (entry.start, entry.end) == ("07:30", "13:00")


@pytest.mark.parametrize("word", ["no", "yes", "on", "off", "y", "n", "NO"])
def test_yaml_11_booleans_stay_words(mini_text: str, word: str) -> None:
    scenario = parse_scenario(mini_text.replace("  title: Mini town", f"  title: {word}"))
    assert scenario.meta.title == word


@pytest.mark.parametrize(
    ("text", "value"),
    [("0x1F", 31), ("1_000", "1_000"), ("010", 10), ("1e3", 1000.0), ("+5", 5), ("0o17", "0o17")],
)
def test_numbers_follow_the_yaml_12_core_schema(text: str, value: object) -> None:
    assert read_yaml(f"v: {text}\n".encode(), "n.yaml").data == {"v": value}
