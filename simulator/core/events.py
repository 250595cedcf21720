"""The event log: the single record of a session.

Append-only JSON Lines. The first line is a header (format, scenario id and SHA-256, seed,
tick length, library versions); every later line is one event with at least ``tick`` and
``type``. Lines are written and flushed as the session goes, so if the process dies the
log up to that point is still usable. There are no wall-clock timestamps, so the same
session gives the same bytes.

Each line carries ``chain``: a short SHA-256 over the previous line's chain and this
line's content. Editing, inserting or deleting any line breaks the chain from that line
on, which :func:`read_log` reports plainly.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

LOG_FORMAT = "chm-events/1"
CHAIN_HEX = 16

Event = dict[str, Any]


def make_event(tick: int, type_: str, **fields: Any) -> Event:
    """An event dict with its tick and type first."""
    return {"tick": int(tick), "type": type_, **fields}


def library_versions() -> dict[str, str]:
    """Versions that decide whether a replay can reproduce a session bit for bit."""
    import numpy
    import shapely

    from simulator import __version__

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "shapely": shapely.__version__,
        "simulator": __version__,
    }


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(
        record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _next_chain(previous: str, body: str) -> str:
    return hashlib.sha256((previous + "\n" + body).encode("utf-8")).hexdigest()[:CHAIN_HEX]


class EventLogWriter:
    """Writes a session's header and events, one flushed line at a time.

    Args:
        path: the ``events.jsonl`` file to create (overwritten if present).
        header: header fields; ``format`` and ``type`` are added.
    """

    def __init__(self, path: str | Path, header: dict[str, Any]):
        self.path = Path(path)
        self._file: IO[str] | None = self.path.open("w", encoding="utf-8", newline="\n")
        self._chain = ""
        self.lines_written = 0
        self.write({"type": "header", "format": LOG_FORMAT, **header})

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (header or event) and flush it to disk."""
        if self._file is None:
            raise ValueError("the event log is closed")
        body = _canonical(record)
        self._chain = _next_chain(self._chain, body)
        line = body[:-1] + f',"chain":"{self._chain}"}}' if body != "{}" else body
        self._file.write(line + "\n")
        self._file.flush()
        self.lines_written += 1

    def write_all(self, events: Iterable[Event]) -> None:
        """Append several events."""
        for event in events:
            self.write(event)

    def close(self) -> None:
        """Close the file (further writes are errors)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EventLogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class EventLog:
    """A log read back from disk.

    Attributes:
        header: the header record.
        events: every intact event after the header, in order.
        problems: plain-language problems found (broken chain, truncated line...).
        first_bad_line: 1-based line number of the first altered or unreadable line.
        truncated: True when the last line was cut off (e.g. the process died mid-write).
    """

    header: dict[str, Any]
    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    first_bad_line: int | None = None
    truncated: bool = False

    def of_type(self, *types: str) -> Iterator[Event]:
        """Events of the given types, in order."""
        wanted = set(types)
        return (event for event in self.events if event.get("type") in wanted)


class EventLogError(Exception):
    """The log cannot be used at all (missing, empty, or no valid header)."""


def read_log(path: str | Path) -> EventLog:
    """Read an event log, checking its chain line by line.

    A cut-off last line is dropped and noted (the session died mid-write); any altered
    line is reported with its number and everything before it is kept.

    Raises:
        EventLogError: when the file is missing or has no readable header.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise EventLogError(f"{path}: no event log here (expected events.jsonl)") from None
    except IsADirectoryError:
        raise EventLogError(f"{path}: is a folder, not an event log") from None
    # Decode line by line: a crash can cut the last line inside a multi-byte character,
    # which must cost that line only, not the whole log.
    raw_lines = raw.split(b"\n")
    ends_cleanly = raw.endswith(b"\n")
    if ends_cleanly:
        raw_lines = raw_lines[:-1]
    lines = [chunk.decode("utf-8", errors="replace") for chunk in raw_lines]
    if not lines or not lines[0].strip():
        raise EventLogError(f"{path}: the event log is empty")
    log: EventLog | None = None
    chain = ""
    for number, line in enumerate(lines, start=1):
        last = number == len(lines)
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            if last and not ends_cleanly:
                if log is not None:
                    log.truncated = True
                    log.problems.append(
                        f"line {number} was cut off (the session stopped while writing); "
                        "everything before it is intact"
                    )
                break
            if log is None:
                raise EventLogError(f"{path}: line 1 is not a valid header") from None
            log.problems.append(f"line {number} is not valid JSON; the log was altered")
            log.first_bad_line = log.first_bad_line or number
            break
        claimed = record.pop("chain", None)
        expected = _next_chain(chain, _canonical(record))
        if number == 1:
            if record.get("type") != "header" or record.get("format") != LOG_FORMAT:
                raise EventLogError(
                    f"{path}: line 1 is not a {LOG_FORMAT} header; is this a session folder?"
                )
            log = EventLog(header=record)
        assert log is not None
        if claimed != expected:
            log.problems.append(
                f"line {number} does not match its checksum: it was edited, inserted or "
                "a line before it was removed"
            )
            log.first_bad_line = log.first_bad_line or number
            break
        chain = expected
        if number > 1:
            log.events.append(record)
    assert log is not None
    return log
