"""Run an import: read the export, make each row a group, give it a slug, then create, update or skip it."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import load_config
from generator.diagnostics import Diagnostic
from generator.importer.columns import MapProblem, parse_maps, plan_columns
from generator.importer.convert import Converter, Draft
from generator.importer.decoding import DecodeProblem, decode_bytes
from generator.importer.existing import Existing, FileProblem, Folder, Loaded, same_name, scan
from generator.importer.inputs import DELIMITERS, FORMATS, InputProblem, Table, guess_format, read_table
from generator.importer.report import Outcome, Summary
from generator.importer.slugs import make_slug, numbered
from generator.importer.yamlout import NESTED_ORDER, dump, front_matter, insert_ordered, ordered
from generator.model import SourceRef
from generator.schema import Rules, validate_group


class SetupProblem(Exception):
    """The import cannot start: no usable site.yaml, an unreadable file (exit code 1)."""

    exit_code = 1


class UsageProblem(SetupProblem):
    """A bad option: unknown format, encoding or --map (exit code 2)."""

    exit_code = 2


@dataclass
class ImportOptions:
    file: Path
    root: Path = field(default_factory=Path)
    into: Path | None = None
    fmt: str | None = None
    maps: list[str] = field(default_factory=list)
    update: bool = False
    dry_run: bool = False
    encoding: str | None = None


def import_file(options: ImportOptions) -> Summary:
    """Import one file into the site at options.root; raise SetupProblem when it cannot be done at all."""
    config, diagnostics = load_config(options.root)
    if config is None:
        raise SetupProblem("\n".join(d.format(options.root) for d in diagnostics))
    rules = Rules(frozenset(c.slug for c in config.categories), config.allowed_schemes())
    if options.fmt is not None and options.fmt not in FORMATS:
        raise UsageProblem(f"--format must be one of {', '.join(FORMATS)}, got '{options.fmt}'")
    try:
        data = options.file.read_bytes()
    except OSError as exc:
        raise SetupProblem(f"{options.file}: cannot be read: {exc.strerror}") from None
    try:
        decoded = decode_bytes(data, options.encoding)
    except DecodeProblem as exc:
        problem = UsageProblem if str(exc).startswith("unknown encoding") else SetupProblem
        raise problem(f"{options.file}: {exc}") from None
    fmt = options.fmt or guess_format(options.file.name, decoded.text)
    try:
        table = read_table(decoded.text, fmt)
        plan = plan_columns(table.headers, parse_maps(options.maps))
    except InputProblem as exc:
        raise SetupProblem(f"{options.file}: {exc}") from None
    except MapProblem as exc:
        raise UsageProblem(str(exc)) from None
    into = options.into if options.into is not None else options.root / "content" / "groups"
    summary = Summary(options.file.name, _read_as(decoded.encoding, fmt, table), len(table.rows),
                      options.dry_run)
    unknown = [f"'{plan.header(i)}' as '{key}'" for i, key in plan.extra.items()]
    if unknown:
        summary.notes.append(f"columns that are not group fields, kept under 'extra': {', '.join(unknown)}")
    summary.notes += [f"{clash}; the first non-empty value is used" for clash in plan.doubled]
    if table.empty_rows:
        summary.notes.append(f"{table.empty_rows} empty {'row' if table.empty_rows == 1 else 'rows'} ignored")
    converter = Converter.for_table(table, plan, config.categories, rules.allowed_schemes)
    session = _Session(options, rules, table, plan.headers, into, scan(into, rules), summary)
    for row in table.rows:
        summary.outcomes.append(session.apply(converter.convert(row)))
    if converter.guessed_day_first:
        summary.notes.append("dates such as 03/04/2011 were read as day/month/year, as no date in the file "
                             "shows the order; write dates as YYYY-MM-DD to be sure")
    return summary


def _read_as(encoding: str, fmt: str, table: Table) -> str:
    if fmt == "csv":
        return f"{encoding}, CSV separated by {DELIMITERS.get(table.delimiter, repr(table.delimiter))}"
    return f"{encoding}, {fmt.upper()}"


@dataclass
class _Located:
    """Where the validator's findings are: in a column of the row, or in the existing file."""

    draft: Draft
    from_file: frozenset[str] = frozenset()

    def where(self, path: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        probe = tuple(str(part) for part in path)
        while probe:
            if probe in self.draft.columns:
                return (1, self.draft.columns[probe] + 1)
            probe = probe[:-1]
        if path and str(path[0]) in self.from_file:
            return (0, 0)
        return (1, 0)


@dataclass
class _Session:
    options: ImportOptions
    rules: Rules
    table: Table
    headers: list[str]
    into: Path
    folder: Folder
    summary: Summary
    claimed: dict[str, str] = field(default_factory=dict)

    def apply(self, draft: Draft) -> Outcome:
        where = f"{self.table.unit} {draft.row.number}"
        where += f" (line {draft.row.line})" if draft.row.line else ""
        for note in draft.notes:
            self.summary.notes.append(f"{where}: {note}")
        if draft.problem:
            return Outcome("skipped", where, detail=self._column(draft.problem_column) + draft.problem)
        allocated = self._allocate(draft, where)
        if isinstance(allocated, str):
            return Outcome("skipped", where, detail=allocated)
        slug, owner = allocated
        self.claimed[slug] = where
        if owner is None:
            return self._create(draft, where, slug)
        if self.folder.text(owner.path) == self._render(draft, slug):
            return Outcome("unchanged", where, self._rel(owner.path))
        if owner.data_file:
            rel = self._rel(owner.path)
            reason = f"group '{slug}' is in the data file {rel}; change it there"
            return Outcome("skipped", where, rel, reason)
        return self._update(draft, where, slug, owner.path)

    def _allocate(self, draft: Draft, where: str) -> tuple[str, Existing | None] | str:
        if draft.explicit_slug:
            slug = str(draft.raw["slug"])
            if slug in self.claimed:
                column = self._column(draft.columns[("slug",)])
                return f"{column}slug '{slug}' is also given in {self.claimed[slug]}"
            return slug, self.folder.get(slug)
        name = draft.raw.get("name")
        if not isinstance(name, str) or not name:
            return self._column(-1) + "'name' is required"
        base = make_slug(name)
        passed: list[str] = []
        for number in range(1, 10_000):
            slug = base if number == 1 else numbered(base, number)
            owner = self.folder.get(slug)
            if slug in self.claimed:
                passed.append(f"'{slug}' is {self.claimed[slug]}'s")
            elif owner is not None and not self._same_group(owner, name, draft, slug):
                known = self.folder.name(owner)
                passed.append(f"'{slug}' is taken by {self._rel(owner.path)}" + (f" ('{known}')" if known else ""))
            else:
                if passed:
                    because = "; ".join(passed)
                    self.summary.notes.append(f"{where}: '{name}' gets the slug '{slug}' ({because})")
                return slug, owner
        return f"no free slug for '{name}'"

    def _same_group(self, owner: Existing, name: str, draft: Draft, slug: str) -> bool:
        if self.folder.text(owner.path) == self._render(draft, slug):
            return True
        return same_name(self.folder.name(owner), name)

    def _render(self, draft: Draft, slug: str) -> str:
        """The file the importer would write for a new group: when a file already reads so, it is unchanged."""
        return dump(ordered({**draft.raw, "slug": slug}))

    def _create(self, draft: Draft, where: str, slug: str) -> Outcome:
        path = self.into / f"{slug}.yaml"
        rel = self._rel(path)
        raw = ordered({**draft.raw, "slug": slug})
        problem = self._validate(raw, draft, rel, slug, frozenset())
        if problem:
            return Outcome("skipped", where, rel, problem)
        try:
            self._write(path, dump(raw), new=True)
        except FileExistsError:
            return Outcome("skipped", where, rel, f"{rel} appeared while importing; run the import again")
        self.folder.claim(slug, Existing(path, False, str(raw.get("name", ""))))
        return Outcome("created", where, rel)

    def _update(self, draft: Draft, where: str, slug: str, path: Path) -> Outcome:
        rel = self._rel(path)
        loaded = self.folder.load(path)
        if isinstance(loaded, FileProblem):
            return Outcome("skipped", where, rel, f"{rel} {loaded}; fix it first")
        if loaded is None:
            return Outcome("skipped", where, rel, f"{rel} is a data file; change group '{slug}' there")
        provided = {key: value for key, value in draft.raw.items() if key != "slug"}
        markdown = loaded.body is not None
        merged, body = _merge(loaded, provided)
        changed = [key for key in merged if merged.get(key) != loaded.raw.get(key)]
        if markdown and body.strip() != (loaded.body or "").strip():
            changed.append("description")
        if not changed:
            return Outcome("unchanged", where, rel)
        fields = ", ".join(changed)
        if not self.options.update:
            return Outcome("skipped", where, rel, f"{rel} already exists and differs in {fields} "
                           "(pass --update to change it)")
        problem = self._validate(merged, draft, rel, slug, frozenset(loaded.raw) - frozenset(provided),
                                 body if markdown else None)
        if problem:
            return Outcome("skipped", where, rel, problem)
        self._write(path, front_matter(merged, body) if markdown else dump(merged))
        return Outcome("updated", where, rel, fields)

    def _validate(self, raw: dict[str, Any], draft: Draft, rel: str, slug: str, from_file: frozenset[str],
                  body: str | None = None) -> str:
        group, diagnostics = validate_group(raw, _Located(draft, from_file), SourceRef(rel), self.rules,
                                            default_slug=slug, description=body, description_line=1)
        errors = [d for d in diagnostics if d.is_error]
        return "; ".join(self._reason(d, rel) for d in errors) if group is None or errors else ""

    def _reason(self, diagnostic: Diagnostic, rel: str) -> str:
        hint = f" ({diagnostic.hint})" if diagnostic.hint else ""
        if diagnostic.line == 0:
            return f"{rel}: {diagnostic.message}{hint}"
        return self._column(diagnostic.col - 1) + diagnostic.message + hint

    def _column(self, index: int) -> str:
        if index < 0 or index >= len(self.headers):
            return ""
        if self.table.unit == "row":
            return f"column {_letters(index)} '{self.headers[index]}': "
        return f"field '{self.headers[index]}': "

    def _rel(self, path: Path) -> str:
        """The path as the site names it (relative to the site folder), else as given."""
        rel = os.path.relpath(path, self.options.root)
        return str(path) if rel.startswith("..") else Path(rel).as_posix()

    def _write(self, path: Path, text: str, *, new: bool = False) -> None:
        """A new file is created exclusively (never clobbering one made meanwhile); an existing one is
        replaced atomically, so that an interrupted import leaves no half-written group file."""
        if self.options.dry_run:
            return
        if new:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8", newline="\n")
        os.replace(temporary, path)


def _merge(loaded: Loaded, provided: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The existing mapping with the provided fields replaced (nested mappings field by field)."""
    merged = dict(loaded.raw)
    body = loaded.body or ""
    for key, value in provided.items():
        if key == "description" and loaded.body is not None:
            body = value if isinstance(value, str) else str(value)
            continue
        old = merged.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            value = ordered({key: {**old, **value}})[key] if key in NESTED_ORDER else {**old, **value}
        merged = insert_ordered(merged, key, value)
    return merged, body


def _letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA': the spreadsheet name of a column."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out
