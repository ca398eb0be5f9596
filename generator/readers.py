"""Read one content file into records: YAML, Markdown with front matter, YAML lists, JSON and CSV.

Each reader yields records and diagnostics as it goes, so a data file of a million rows streams
through without being held in memory.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.diagnostics import Diagnostic, error
from generator.model import Document, Group, Rejected, SourceRef
from generator.schema import FixedLocator, Rules, validate_document, validate_group
from generator.sources import SourceFile
from generator.text import clean_text
from generator.yamlio import Loaded, YamlProblem, load, split_front_matter

Record = Group | Document | Rejected
MAX_TEXT_FILE = 8 * 1024 * 1024
MAX_JSON_FILE = 256 * 1024 * 1024
CSV_LIST_FIELDS = {
    "audience_industries": ("audience", "industries"),
    "audience_regions": ("audience", "regions"),
    "last_post": ("activity", "last_post"),
    "posts_per_month": ("activity", "posts_per_month"),
    "city": ("location", "city"),
    "region": ("location", "region"),
    "country": ("location", "country"),
}


def read_source(root: Path, source: SourceFile, rules: Rules) -> Iterator[Record | Diagnostic]:
    """Every record and every diagnostic in one content file."""
    path = root / source.path
    suffix = path.suffix.lower()
    limit = MAX_JSON_FILE if suffix == ".json" else MAX_TEXT_FILE
    if suffix != ".csv" and source.size > limit:
        yield error(source.path, 0, 0, f"is {source.size / 1048576:.1f} MB; content files of this kind may be at "
                    f"most {limit // 1048576} MB (split it, or use a CSV data file)")
        return
    if suffix == ".csv":
        yield from _read_csv(path, source, rules)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield error(source.path, 0, 0, f"cannot be read: {exc.strerror}")
        return
    text_or_problem = decode(data)
    if isinstance(text_or_problem, Diagnostic):
        yield _at(text_or_problem, source.path)
        return
    text = text_or_problem
    slug = path.stem
    ref = SourceRef(source.path, 1, 0)
    try:
        if suffix == ".md":
            front = split_front_matter(text)
            if source.kind == "group":
                yield from _one(validate_group(front.meta.value, front.meta, ref, rules, default_slug=slug,
                                               description=clean_text(front.body), description_line=front.body_line))
            else:
                yield from _one(validate_document(source.kind, front.meta.value, front.meta, ref, rules,
                                                  slug=slug, body=clean_text(front.body), body_line=front.body_line))
        elif suffix == ".json":
            yield from _read_json(text, source, rules)
        else:
            loaded = load(text)
            if isinstance(loaded.value, list):
                yield from _read_yaml_list(loaded, source, rules)
            else:
                yield from _one(validate_group(loaded.value, loaded, ref, rules, default_slug=slug))
    except YamlProblem as exc:
        yield error(source.path, exc.line, exc.col, exc.message)
        if source.kind == "group":
            yield Rejected(slug, ref)


def decode(data: bytes) -> str | Diagnostic:
    """UTF-8 text (a byte-order mark is dropped), or a diagnostic saying why not."""
    if b"\x00" in data[:8192]:
        return error("", 0, 0, "is a binary file, not text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return error("", line, 0, f"is not UTF-8 text (invalid byte 0x{data[exc.start]:02x}); save it as UTF-8")


def _at(diagnostic: Diagnostic, path: str) -> Diagnostic:
    return Diagnostic(path, diagnostic.line, diagnostic.col, diagnostic.severity, diagnostic.message,
                      diagnostic.hint)


def _one(result: tuple[Record | None, list[Diagnostic]]) -> Iterator[Record | Diagnostic]:
    record, diagnostics = result
    yield from diagnostics
    if record is not None:
        yield record


def _read_yaml_list(loaded: Loaded, source: SourceFile, rules: Rules) -> Iterator[Record | Diagnostic]:
    if source.kind != "group":
        yield error(source.path, 1, 1, "front matter must be a mapping, not a list")
        return
    for index, raw in enumerate(loaded.value):
        line = loaded.where((index,))[0]
        ref = SourceRef(source.path, line, index)
        yield from _one(validate_group(raw, loaded, ref, rules, base=(index,)))


def _read_json(text: str, source: SourceFile, rules: Rules) -> Iterator[Record | Diagnostic]:
    """A JSON array of group objects; each record is located at the line where it starts."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        yield error(source.path, 1, 1, "a JSON data file must hold an array of group objects")
        return
    position = _skip_space(text, position + 1)
    index = 0
    while position < len(text) and text[position] != "]":
        line = text.count("\n", 0, position) + 1
        try:
            raw, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            yield error(source.path, exc.lineno, exc.colno, f"malformed JSON: {exc.msg}")
            return
        ref = SourceRef(source.path, line, index)
        yield from _one(validate_group(raw, FixedLocator(line), ref, rules))
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        index += 1


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


class _CsvLocator:
    """Fields of a CSV row: the row's first line, and the column of each header."""

    def __init__(self, line: int, columns: dict[str, int]) -> None:
        self.line = line
        self.columns = columns

    def where(self, path: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        for part in reversed(path):
            if isinstance(part, str) and part in self.columns:
                return (self.line, self.columns[part])
        return (self.line, 1)


def _read_csv(path: Path, source: SourceFile, rules: Rules) -> Iterator[Record | Diagnostic]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield error(source.path, 0, 0, f"cannot be read: {exc.strerror}")
        return
    with handle:
        head = handle.read(8192)
        if b"\x00" in head:
            yield error(source.path, 0, 0, "is a binary file, not text")
            return
        handle.seek(3 if head.startswith(b"\xef\xbb\xbf") else 0)
        stream = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
            if not header:
                yield error(source.path, 1, 1, "a CSV data file needs a header row naming the fields")
                return
            names = [h.strip().lower().replace(" ", "_") for h in header]
            columns = {name: i + 1 for i, name in enumerate(names)}
            for index, row in enumerate(_rows(reader)):
                line, cells = row
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) > len(names):
                    yield error(source.path, line, len(names) + 1, f"row has {len(cells)} cells but the header "
                                f"names {len(names)} fields")
                    continue
                raw = _csv_record(names, cells, columns)
                ref = SourceRef(source.path, line, index)
                yield from _one(validate_group(raw, _CsvLocator(line, columns), ref, rules))
        except UnicodeDecodeError as exc:
            yield error(source.path, 0, 0, f"is not UTF-8 text (invalid byte at {exc.start}); save it as UTF-8")
        except csv.Error as exc:
            yield error(source.path, reader.line_num, 1, f"malformed CSV: {exc}")


def _rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    line = 2
    for cells in reader:
        yield line, cells
        line = reader.line_num + 1


def _csv_record(names: list[str], cells: list[str], columns: dict[str, int]) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):
        value = cell.strip()
        if not value:
            continue
        if name in CSV_LIST_FIELDS:
            outer, inner = CSV_LIST_FIELDS[name]
            raw.setdefault(outer, {})[inner] = value
            columns.setdefault(outer, columns[name])
        elif name == "online":
            raw["location"] = "online" if value.lower() in ("true", "yes", "1") else raw.get("location")
        else:
            raw[name] = value
    return raw
