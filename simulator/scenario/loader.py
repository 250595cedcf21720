"""Load a scenario file: read YAML safely, validate types, then check the whole scenario.

``load_scenario(path)`` returns a frozen :class:`Scenario` or raises :class:`ScenarioError`
carrying *every* problem found, each as ``FILE:LINE:COL: path.to.field: message``.
"""

from __future__ import annotations

import hashlib
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.scenario.checks import check_scenario
from simulator.scenario.errors import (
    PathPart,
    ScenarioError,
    ScenarioIssue,
    did_you_mean,
    format_path,
)
from simulator.scenario.schema import ID_PATTERN, TIME_PATTERN, Difficulty, Scenario
from simulator.scenario.variants import LEVELS_KEY, level_data
from simulator.scenario.yaml_safe import MAX_FILE_BYTES, YamlDocument, YamlReadError, read_yaml


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario with where it came from.

    Attributes:
        scenario: the validated, frozen scenario.
        path: the file it was read from.
        sha256: hex SHA-256 of the file's bytes (recorded in every session log).
        source: the file's bytes, so a session folder can keep an exact copy.
        difficulty: the difficulty level chosen (None: the file as written).
    """

    scenario: Scenario
    path: Path
    sha256: str
    source: bytes
    difficulty: str | None = None


def load_scenario(path: str | Path) -> Scenario:
    """Load and fully validate a scenario file.

    Raises:
        ScenarioError: listing every problem, each with file, line, column and a fix.
    """
    return load_scenario_file(path).scenario


def load_scenario_file(path: str | Path, difficulty: str | None = None) -> LoadedScenario:
    """Like :func:`load_scenario` but also returns the file's hash and bytes.

    ``difficulty`` picks one of the file's difficulty levels (default: as written).
    """
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            source = b"\0" * (MAX_FILE_BYTES + 1)  # read_yaml reports the size, not the bytes
        else:
            source = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(
            [ScenarioIssue(0, 0, "(file)", "no such file; check the path and name", name)]
        ) from None
    except IsADirectoryError:
        raise ScenarioError(
            [ScenarioIssue(0, 0, "(file)", "this is a folder; give a .yaml file", name)]
        ) from None
    except OSError as error:
        raise ScenarioError(
            [ScenarioIssue(0, 0, "(file)", f"cannot read the file: {error.strerror}", name)]
        ) from None
    scenario = parse_scenario(source, name, difficulty)
    return LoadedScenario(scenario, path, hashlib.sha256(source).hexdigest(), source, difficulty)


def parse_scenario(
    source: bytes | str, filename: str = "<scenario>", difficulty: str | None = None
) -> Scenario:
    """Validate scenario text (bytes or str) and return the frozen model.

    ``difficulty`` picks one of the file's difficulty levels (default: as written).

    Raises:
        ScenarioError: listing every problem found.
    """
    # "surrogatepass": a str holding lone surrogates becomes bytes that read_yaml reports as
    # not UTF-8 (with a line) instead of failing here with a UnicodeEncodeError.
    raw = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    try:
        document = read_yaml(raw, filename)
    except YamlReadError as error:
        raise ScenarioError(error.issues) from None
    return validate_document(document, filename, difficulty)


def validate_document(
    document: YamlDocument, filename: str, difficulty: str | None = None
) -> Scenario:
    """Validate already-read YAML data against the models and the whole-scenario checks.

    Every difficulty level the file defines is validated too (merged over the base), so a
    mistake in a level is found before anyone picks it.

    Args:
        document: the data read from the file, with its locations.
        filename: shown in messages.
        difficulty: return the scenario at this level (default: the file as written).
    """
    data = document.data
    if not isinstance(data, dict):
        kind = type(data).__name__ if data is not None else "nothing"
        raise ScenarioError(
            [
                ScenarioIssue(
                    1,
                    1,
                    "(top level)",
                    f"a scenario is a mapping of sections (schema_version, meta, clock, map, "
                    f"...), but the file holds {kind}",
                    filename,
                )
            ]
        )
    base = _validate_data(_Locator(document, data), filename)
    issues: list[ScenarioIssue] = []
    chosen = None
    for level in base.difficulty_levels:
        locator = _Locator(document, level_data(data, level), (LEVELS_KEY, level))
        try:
            scenario = _validate_data(locator, filename, f"with difficulty '{level}': ")
        except ScenarioError as error:
            issues.extend(error.issues)
            continue
        if level == difficulty:
            chosen = scenario
    if issues:
        raise ScenarioError(_unique(issues))
    if difficulty is None or chosen is not None:
        return chosen or base
    known = [level.value for level in Difficulty]
    if difficulty not in known:
        raise ScenarioError(
            [
                ScenarioIssue(
                    0,
                    0,
                    "(difficulty)",
                    f"no difficulty '{difficulty}'{did_you_mean(difficulty, known)}; use one of: "
                    + ", ".join(known),
                    filename,
                )
            ]
        )
    # A level the file does not define plays the scenario as written.
    return base.model_copy(update={"meta": base.meta.model_copy(update={"difficulty": difficulty})})


class _Locator:
    """Where a data path came from in the file, for data that may be a merged level.

    Paths are looked up under the level's own section first (the line the instructor
    wrote the override on), then in the base scenario.
    """

    def __init__(self, document: YamlDocument, data: Any, prefix: tuple[PathPart, ...] = ()):
        self.document = document
        self.data = data
        self.prefix = prefix

    def locate(self, path: tuple[PathPart, ...], *, prefer_key: bool = True) -> tuple[int, int]:
        if self.prefix:
            probe = (*self.prefix, *path)
            while len(probe) > len(self.prefix):
                if prefer_key and probe in self.document.key_locations:
                    return self.document.key_locations[probe]
                if probe in self.document.locations:
                    return self.document.locations[probe]
                probe = probe[:-1]
        return self.document.locate(tuple(path), prefer_key=prefer_key)


def _validate_data(locator: _Locator, filename: str, note: str = "") -> Scenario:
    """Types, then whole-scenario checks, for one set of data; every issue at once."""
    try:
        scenario = Scenario.model_validate(locator.data)
    except ValidationError as error:
        issues = [_issue_from_pydantic(err, locator, filename) for err in error.errors()]
        raise ScenarioError(_unique([_noted(issue, note) for issue in issues])) from None
    problems = check_scenario(scenario)
    if problems:
        issues = []
        for path, message in problems:
            line, column = locator.locate(tuple(path), prefer_key=False)
            issues.append(ScenarioIssue(line, column, format_path(path), note + message, filename))
        raise ScenarioError(_unique(issues))
    return scenario


def _noted(issue: ScenarioIssue, note: str) -> ScenarioIssue:
    if not note:
        return issue
    return ScenarioIssue(issue.line, issue.column, issue.path, note + issue.message, issue.file)


def _unique(issues: list[ScenarioIssue]) -> list[ScenarioIssue]:
    seen: set[tuple[int, int, str, str]] = set()
    result = []
    for item in issues:
        key = (item.line, item.column, item.path, item.message)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


# ----------------------------------------------------------------------------- pydantic errors


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathPart, ...]:
    """Drop the parts of a pydantic location that are not in the data (union tags, etc.)."""
    path: list[PathPart] = []
    node = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif last and isinstance(part, str) and isinstance(node, dict):
            path.append(part)  # a missing or unknown key
        # else: a pydantic-internal part such as a union member name; skip it
    return tuple(path)


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation such as ``tuple[Building, ...] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, tuple, list):
        for arg in typing.get_args(annotation):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _model_at(path: tuple[PathPart, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``path`` (None if not a model)."""
    model: type[BaseModel] | None = Scenario
    for part in path:
        if model is None:
            return None
        if isinstance(part, int):
            continue  # items of a tuple of models share the model already found
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap_model(info.annotation)
    return model


def _is_time_field(path: tuple[PathPart, ...]) -> bool:
    """Whether the field at a data path holds a time of day (its type is TimeOfDay)."""
    if not path or not isinstance(path[-1], str):
        return False
    model = _model_at(path[:-1])
    info = model.model_fields.get(path[-1]) if model else None
    if info is None:
        return False
    return _has_pattern(info.metadata, TIME_PATTERN) or _has_pattern(
        [info.annotation], TIME_PATTERN
    )


def _has_pattern(items: Any, pattern: str) -> bool:
    """Whether a string pattern appears in field metadata or inside an annotation (for
    optional fields the pattern sits in ``Annotated[...] | None``)."""
    for item in items:
        if getattr(item, "pattern", None) == pattern:
            return True
        if _has_pattern(getattr(item, "metadata", ()) or (), pattern):
            return True
        if _has_pattern(typing.get_args(item), pattern):
            return True
    return False


def _expected_values(ctx: dict[str, Any]) -> list[str]:
    expected = str(ctx.get("expected", ""))
    return re.findall(r"'([^']*)'", expected)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _issue_from_pydantic(err: dict[str, Any], document: _Locator, filename: str) -> ScenarioIssue:
    """Turn one pydantic error into a located, plain-language issue."""
    path = _data_path(document.data, tuple(err["loc"]))
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        model = _model_at(path[:-1])
        known = list(model.model_fields) if model else []
        hint = did_you_mean(key, known)
        if not hint and known:
            hint = f" (allowed here: {', '.join(known)})"
        message = f"unknown key '{key}'{hint}"
        line, column = document.locate(path, prefer_key=True)
    elif kind == "missing":
        key = str(path[-1]) if path else "?"
        message = f"missing required key '{key}'; add it here"
        line, column = document.locate(path[:-1], prefer_key=True)
    elif kind in ("literal_error", "enum"):
        choices = _expected_values(ctx)
        hint = did_you_mean(str(value), choices)
        message = f"{_short(value)} is not allowed{hint}; use one of: {', '.join(choices)}"
        line, column = document.locate(path, prefer_key=False)
    elif kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern")
        if pattern == TIME_PATTERN:
            message = (
                f'{_short(value)} is not a time of day; write it as HH:MM in quotes, e.g. "07:30"'
            )
        elif pattern == ID_PATTERN:
            message = (
                f"{_short(value)} is not a valid id; use letters, digits, '-', '_' or '.', "
                "starting with a letter or digit (e.g. 'b-012')"
            )
        else:
            message = f"{_short(value)} does not have the expected form ({pattern})"
        line, column = document.locate(path, prefer_key=False)
    elif kind == "string_type" and _is_time_field(path) and isinstance(value, (int, float)):
        message = (
            f'{_short(value)} is not a time of day; write it as HH:MM in quotes, e.g. "10:30" '
            "(without quotes YAML reads 10.30 as a number)"
        )
        line, column = document.locate(path, prefer_key=False)
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
        line, column = document.locate(path, prefer_key=False)
    else:
        message = f"{err['msg']} (got {_short(value)})" if value is not None else err["msg"]
        message = message[0].lower() + message[1:] if message else message
        line, column = document.locate(path, prefer_key=False)
    return ScenarioIssue(line, column, format_path(path), message, filename)
