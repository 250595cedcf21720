"""A strict, safe YAML reader that remembers where every value came from.

Scenario files are written by hand and may come from anywhere, so this reader is more
careful than ``yaml.safe_load``:

* it builds values from the parser's event stream, never from PyYAML's constructors, so
  no tag can run code, and only the plain core tags (``!!str``, ``!!int``, ...) are allowed;
* anchors and aliases are refused (this also stops alias-expansion "billion laughs" bombs);
* file size, nesting depth and number of values are capped, and text must be UTF-8;
* a key given twice in one mapping is an error (plain PyYAML keeps the last one silently);
* plain scalars follow the YAML 1.2 core schema, so ``12:30`` stays the string "12:30"
  (YAML 1.1 would read a base-60 integer, 750) and ``no`` stays "no" (not ``False``).

It returns the data together with a map from each data path to its (line, column), so
later validation errors can point at the right line.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from simulator.scenario.errors import PathPart, ScenarioIssue, format_path

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 40
MAX_VALUES = 500_000
# Longer integers are never meant; Python refuses to convert (or, before 3.11, takes
# quadratic time converting) integers with thousands of digits.
MAX_INTEGER_DIGITS = 100

_CORE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_NULL = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_INT_RE = re.compile(r"^[-+]?[0-9]+$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INF_RE = re.compile(r"^[-+]?\.(inf|Inf|INF)$")
_NAN_RE = re.compile(r"^\.(nan|NaN|NAN)$")

# The libyaml parser is ~10x faster; it yields the same events with marks.
_Parser: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


Location = tuple[int, int]


@dataclass
class YamlDocument:
    """Data read from a YAML file and the (line, column) of every value and key.

    Attributes:
        data: plain Python data (dict, list, str, int, float, bool, None).
        locations: data path -> (line, column), both 1-based, of the value's start.
        key_locations: data path -> (line, column) of the mapping key that names it.
    """

    data: Any
    locations: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)
    key_locations: dict[tuple[PathPart, ...], Location] = field(default_factory=dict)

    def locate(self, path: tuple[PathPart, ...], *, prefer_key: bool = True) -> Location:
        """Best (line, column) for a path: the key naming it, its value, or its nearest parent."""
        probe = tuple(path)
        while True:
            if prefer_key and probe in self.key_locations:
                return self.key_locations[probe]
            if probe in self.locations:
                return self.locations[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]


class YamlReadError(Exception):
    """The file is not readable YAML of the accepted kind; carries every issue found."""

    def __init__(self, issues: list[ScenarioIssue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _mark(event: Any) -> Location:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


def _resolve_plain(text: str) -> Any:
    """Type of a plain (unquoted) scalar under the YAML 1.2 core schema.

    Raises:
        ValueError: with a message for the author when an integer is absurdly long.
    """
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if _INT_RE.match(text) or _HEX_RE.match(text):
        if len(text) > MAX_INTEGER_DIGITS:
            raise ValueError(
                f"the number {text[:20]}... has more than {MAX_INTEGER_DIGITS} digits; "
                "no scenario value needs that many"
            )
        return int(text, 16) if _HEX_RE.match(text) else int(text)
    if _FLOAT_RE.match(text):
        return float(text)
    if _INF_RE.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN_RE.match(text):
        return math.nan
    return text


def _scalar_value(event: Any, issue: Any) -> Any:
    try:
        return _typed_scalar(event, issue)
    except ValueError as error:
        issue(event, str(error))
        return None


def _typed_scalar(event: Any, issue: Any) -> Any:
    tag = event.tag
    plain = event.style is None or event.style == ""
    if tag in (None, "!") or (tag == "tag:yaml.org,2002:str" and not plain):
        return _resolve_plain(event.value) if plain and tag is None else event.value
    if tag not in _CORE_TAGS:
        issue(event, f"the tag '{tag}' is not allowed in scenario files; remove it")
        return None
    if tag == "tag:yaml.org,2002:str":
        return event.value
    value = _resolve_plain(event.value)
    wanted = {
        "tag:yaml.org,2002:int": int,
        "tag:yaml.org,2002:float": (int, float),
        "tag:yaml.org,2002:bool": bool,
        "tag:yaml.org,2002:null": type(None),
    }.get(tag)
    if wanted is None or not isinstance(value, wanted):
        issue(event, f"'{event.value}' does not match its tag '{tag}'; remove the tag")
        return None
    return float(value) if tag.endswith("float") else value


def read_yaml(source: bytes, filename: str) -> YamlDocument:
    """Read one YAML document from bytes, strictly and safely.

    Args:
        source: the raw file content.
        filename: shown in error messages.

    Returns:
        The data and where each value came from.

    Raises:
        YamlReadError: with every problem found (or the first syntax error, after which
            the parser cannot go on).
    """
    issues: list[ScenarioIssue] = []

    def issue(event_or_loc: Any, message: str, path: str = "(file)") -> None:
        line, column = event_or_loc if isinstance(event_or_loc, tuple) else _mark(event_or_loc)
        issues.append(ScenarioIssue(line, column, path, message, filename))

    if len(source) > MAX_FILE_BYTES:
        issue(
            (1, 1),
            f"the file is {len(source) / 1e6:.1f} MB; scenario files may be at most "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MiB. Use archetypes with counts rather than "
            "listing every person.",
        )
        raise YamlReadError(issues)
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source[: error.start].count(b"\n") + 1
        column = error.start - (source.rfind(b"\n", 0, error.start) + 1) + 1
        issue(
            (line, column),
            f"the file is not UTF-8 text (byte 0x{source[error.start]:02x}); save it as UTF-8 "
            "in your editor (in Notepad: Save As, Encoding: UTF-8)",
        )
        raise YamlReadError(issues) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        issue((line, 1), "the file contains a NUL character; it is not a text file")
        raise YamlReadError(issues)
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        issue(
            (1, 1),
            "the file is empty; start from scenarios/market_day.yaml or docs/authoring.md",
        )
        raise YamlReadError(issues)

    document = YamlDocument(data=None)
    # Stack of open containers: (container, path, pending_key, pending_key_location).
    stack: list[list[Any]] = []
    values = 0
    documents = 0
    root_set = False

    def attach(value: Any, event: Any, is_container: bool) -> tuple[PathPart, ...] | None:
        """Put a finished value (or a new container) into its parent; return its path."""
        nonlocal root_set
        location = _mark(event)
        if not stack:
            if root_set:
                return None
            document.data = value
            root_set = True
            document.locations[()] = location
            return ()
        container, path, key, key_location = stack[-1]
        if isinstance(container, list):
            child_path = (*path, len(container))
            container.append(value)
            document.locations[child_path] = location
            return child_path
        if key is _NO_KEY:
            if is_container:
                issue(event, "a mapping key must be a plain word, not a list or mapping")
                stack[-1][2] = _BAD_KEY
                return None
            key_text = "" if value is None else str(value)
            if key_text in container:
                first = document.key_locations.get((*path, key_text), (0, 0))
                issue(
                    event,
                    f"the key '{key_text}' appears twice in this mapping (first on line "
                    f"{first[0]}); keep one",
                    format_path((*path, key_text)),
                )
                stack[-1][2] = _BAD_KEY
                return None
            stack[-1][2] = key_text
            stack[-1][3] = location
            return None
        stack[-1][2] = _NO_KEY
        if key is _BAD_KEY:
            return None
        child_path = (*path, key)
        container[key] = value
        document.locations[child_path] = location
        document.key_locations[child_path] = key_location
        return child_path

    parser = _Parser(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            kind = type(event).__name__
            if kind == "DocumentStartEvent":
                documents += 1
                if documents > 1:
                    issue(
                        event,
                        "the file holds more than one YAML document ('---'); "
                        "keep one scenario per file",
                    )
                    break
                continue
            if kind == "AliasEvent":
                issue(
                    event,
                    "anchors and aliases (&name, *name) are not allowed in scenario "
                    "files; write the values out in full",
                )
                break
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                issue(
                    event,
                    f"anchors (&{anchor}) are not allowed in scenario files; "
                    "write the values out in full",
                )
                break
            if kind in ("MappingStartEvent", "SequenceStartEvent"):
                if len(stack) >= MAX_DEPTH:
                    issue(
                        event,
                        f"the file nests deeper than {MAX_DEPTH} levels; "
                        "a scenario never needs that much nesting",
                    )
                    break
                tag = event.tag
                if tag not in (None, "!") and tag not in _CORE_TAGS:
                    issue(event, f"the tag '{tag}' is not allowed in scenario files; remove it")
                    break
                container: Any = {} if kind == "MappingStartEvent" else []
                path = attach(container, event, True)
                values += 1
                stack.append([container, path if path is not None else (), _NO_KEY, None])
                if path is None:
                    stack[-1][1] = ("<ignored>",)
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                stack.pop()
            elif kind == "ScalarEvent":
                values += 1
                attach(_scalar_value(event, issue), event, False)
            if values > MAX_VALUES:
                issue(event, f"the file holds more than {MAX_VALUES} values; too large")
                break
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "the YAML is malformed"
        hint = _syntax_hint(problem, text, line)
        issue((line, column), f"YAML syntax error: {problem}{hint}")
    except yaml.reader.ReaderError as error:
        # A character YAML forbids anywhere (a control character). The error's position
        # is a byte offset with libyaml and a character offset without it, so find the
        # character itself: its first occurrence is the one the reader stopped at.
        code = error.character if isinstance(error.character, int) else -1
        index = text.find(chr(code)) if 0 <= code <= 0x10FFFF else -1
        before = text[:index] if index >= 0 else ""
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        issue(
            (line, column),
            f"the file contains the control character U+{max(code, 0):04X}, which YAML does "
            "not allow; delete it (it is often pasted in by accident)",
        )
    except yaml.YAMLError as error:  # any other reader problem
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        issue((line, 1), f"cannot read the file as YAML: {error}")
    if issues:
        raise YamlReadError(issues)
    return document


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Sentinel("NO_KEY")
_BAD_KEY = _Sentinel("BAD_KEY")


def _syntax_hint(problem: str, text: str, line: int) -> str:
    """Plain advice for the YAML syntax errors new authors make most."""
    lines = text.splitlines()
    current = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in current or "found character '\\t'" in problem:
        return "; use spaces, not tabs, to indent"
    if "mapping values are not allowed" in problem:
        return (
            "; a value holding ': ' must be quoted, or a key is missing its indentation "
            '(e.g. write title: "Market: day one")'
        )
    if "expected <block end>" in problem or "did not find expected" in problem:
        return "; check the indentation: items of one list or mapping must line up"
    if "found undefined alias" in problem or "found unknown escape" in problem:
        return "; quote the text with single quotes"
    return ""
