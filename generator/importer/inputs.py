"""Text of an export -> a table: header names and one row of values per group.

CSV rows are numbered as a spreadsheet numbers them (the header is row 1, blank rows count);
JSON and YAML records are numbered from 1.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from generator.yamlio import YamlProblem, load

FORMATS = ("csv", "json", "yaml")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
MAX_CELL = 2_000_000


class InputProblem(Exception):
    """The export as a whole cannot be read."""


@dataclass
class Row:
    number: int
    values: list[Any]
    line: int = 0
    problem: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    unit: str = "row"  # "row" (CSV) or "record" (JSON, YAML)
    delimiter: str = ""
    empty_rows: int = 0
    notes: list[str] = field(default_factory=list)


def guess_format(name: str, text: str) -> str:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "json"
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    if lowered.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def read_table(text: str, fmt: str) -> Table:
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise InputProblem(f"malformed JSON at {where}: {exc.msg}") from None
        return _records(data, {})
    if fmt == "yaml":
        try:
            loaded = load(text)
        except YamlProblem as exc:
            where = f"line {exc.line}, column {exc.col}"
            raise InputProblem(f"malformed YAML at {where}: {exc.message}") from None
        lines = {path[0]: pos[0] for path, pos in loaded.positions.items() if len(path) == 1}
        return _records(loaded.value, lines)
    return _read_csv(text)


def _records(data: Any, lines: dict[str | int, int]) -> Table:
    """A list of mappings (or {"groups": [...]}, or one mapping) -> a table of records."""
    if isinstance(data, dict):
        lists = [value for value in data.values() if isinstance(value, list)]
        if len(data) == 1 and lists:
            data, lines = lists[0], {}
        else:
            data = [data]
    if not isinstance(data, list):
        raise InputProblem("must hold a list of groups (mappings of field names to values)")
    headers: list[str] = []
    seen: dict[str, int] = {}
    for item in data:
        if isinstance(item, dict):
            for key in item:
                if str(key) not in seen:
                    seen[str(key)] = len(headers)
                    headers.append(str(key))
    rows = []
    for index, item in enumerate(data):
        row = Row(index + 1, [None] * len(headers), lines.get(index, 0))
        if isinstance(item, dict):
            for key, value in item.items():
                row.values[seen[str(key)]] = value
        else:
            row.problem = "is not a mapping of field names to values"
        rows.append(row)
    return Table(headers, rows, unit="record")


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line: the most frequent of comma, semicolon and tab outside quotes."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    started = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            if started:
                break
        elif not quoted:
            started = started or not char.isspace()
            if char in counts:
                counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


@contextmanager
def _cell_limit() -> Iterator[None]:
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, MAX_CELL))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _read_csv(text: str) -> Table:
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[Row] = []
    empty = 0
    number = 0
    with _cell_limit():
        try:
            for cells in reader:
                number += 1
                if not any(cell.strip() for cell in cells):
                    empty += 1 if headers is not None else 0
                    continue
                if headers is None:
                    headers = [" ".join(cell.split()) or f"column {i + 1}" for i, cell in enumerate(cells)]
                    continue
                rows.append(_csv_row(number, cells, len(headers)))
        except csv.Error as exc:
            raise InputProblem(f"malformed CSV near line {reader.line_num}: {exc}") from None
    if headers is None:
        raise InputProblem("has no header row (the first row must name the columns)")
    return Table(headers, rows, unit="row", delimiter=delimiter, empty_rows=empty)


def _csv_row(number: int, cells: list[str], width: int) -> Row:
    values: list[Any] = [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in cells[:width]]
    values.extend([""] * (width - len(values)))
    row = Row(number, values)
    spill = [cell for cell in cells[width:] if cell.strip()]
    if spill:
        row.problem = (f"has {len(cells)} cells but the header names {width} columns "
                       "(a missing quote or an unquoted delimiter?)")
    return row
