"""The groups already in the target folder: which slugs are taken, by what name, in which file.

Scanning reads every file but parses only what it must: a single-group file whose text has no top-level
`slug:` line holds the slug of its file name, so it is parsed only when an imported row wants that slug.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.model import Group
from generator.readers import decode, read_source
from generator.schema import Rules
from generator.sources import GROUP_SUFFIXES, SourceFile
from generator.text import slugify
from generator.yamlio import YamlProblem, load, split_front_matter

SINGLE = (".yaml", ".yml", ".md")
_LIST = re.compile(r"^(?:-(?:\s|$)|\[)", re.MULTILINE)
_SLUG = re.compile(r"^slug\s*:\s*(\S*)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Existing:
    """A group (or at least a file name) that holds a slug."""

    path: Path
    data_file: bool  # one of many groups in a CSV, JSON or YAML-list file: not updated by the importer
    name: str | None = None  # None: not read yet


@dataclass
class Loaded:
    """A single-group file as plain values: the mapping, and for Markdown files the body."""

    raw: dict[str, Any]
    body: str | None = None


class FileProblem(Exception):
    pass


@dataclass
class Folder:
    """The slugs taken in a folder of group files, with the files read so far."""

    taken: dict[str, Existing] = field(default_factory=dict)
    cache: dict[Path, Loaded | FileProblem | None] = field(default_factory=dict)
    texts: dict[Path, str] = field(default_factory=dict)

    def get(self, slug: str) -> Existing | None:
        return self.taken.get(slug)

    def claim(self, slug: str, entry: Existing) -> None:
        self.taken[slug] = entry

    def name(self, entry: Existing) -> str:
        """The group's name ('' when the file cannot be read)."""
        if entry.name is not None:
            return entry.name
        loaded = self.load(entry.path)
        return _name(loaded.raw.get("name")) if isinstance(loaded, Loaded) else ""

    def text(self, path: Path) -> str:
        """The file's text as it is on disk ('' when unreadable), for a quick "is it unchanged?" check."""
        if path not in self.texts:
            try:
                self.texts[path] = path.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                self.texts[path] = ""
        return self.texts[path]

    def load(self, path: Path) -> Loaded | FileProblem | None:
        if path not in self.cache:
            try:
                self.cache[path] = load_group(path)
            except FileProblem as exc:
                self.cache[path] = exc
        return self.cache[path]


def scan(into: Path, rules: Rules) -> Folder:
    """Every slug taken in `into`: by a group's `slug` (or file name), and by every single-group file name."""
    folder = Folder()
    stems: dict[str, Existing] = {}
    for path in sorted(_files(into)):
        if path.suffix.lower() not in SINGLE:
            for group in _data_groups(into, path, rules):
                folder.taken.setdefault(group.slug, Existing(path, True, group.name))
            continue
        entry = Existing(path, False)
        stems.setdefault(path.stem, entry)
        text = folder.text(path)
        declared = _SLUG.findall(text)
        if text and not _LIST.search(text) and declared in ([], [path.stem]):
            continue  # the slug is the file name: parse the file only if a row needs its name
        loaded = folder.load(path)
        if loaded is None:
            for slug, name in _list_slugs(path):
                folder.taken.setdefault(slug, Existing(path, True, name))
        elif isinstance(loaded, Loaded) and loaded.raw.get("slug"):
            folder.taken.setdefault(str(loaded.raw["slug"]), entry)
    for stem, entry in stems.items():
        folder.taken.setdefault(stem, entry)
    return folder


def load_group(path: Path) -> Loaded | None:
    """A single-group file (None when it holds a YAML list); FileProblem when it cannot be read."""
    try:
        text = decode(path.read_bytes())
    except OSError as exc:
        raise FileProblem(f"cannot be read: {exc.strerror}") from None
    if not isinstance(text, str):
        raise FileProblem(text.message)
    try:
        if path.suffix.lower() == ".md":
            front = split_front_matter(text)
            meta = front.meta.value
            if not isinstance(meta, dict):
                raise FileProblem("has front matter that is not a mapping")
            return Loaded(meta, front.body)
        value = load(text).value
    except YamlProblem as exc:
        raise FileProblem(f"line {exc.line}: {exc.message}") from None
    if isinstance(value, list):
        return None
    if not isinstance(value, dict):
        raise FileProblem("does not hold a mapping of fields")
    return Loaded(value)


def _list_slugs(path: Path) -> list[tuple[str, str]]:
    try:
        value = load(path.read_text("utf-8-sig")).value
    except (OSError, UnicodeDecodeError, YamlProblem):
        return []
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            name = _name(item.get("name"))
            slug = str(item.get("slug") or slugify(name))
            if slug:
                out.append((slug, name))
    return out


def _data_groups(into: Path, path: Path, rules: Rules) -> list[Group]:
    stat = path.stat()
    source = SourceFile(path.relative_to(into).as_posix(), "group", stat.st_size, stat.st_mtime_ns)
    return [record for record in read_source(into, source, rules) if isinstance(record, Group)]


def _name(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) else ""


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return found
    for entry in entries:
        if entry.name.startswith((".", "_", "#")) or entry.name.endswith("~"):
            continue
        if entry.is_dir(follow_symlinks=False):
            found.extend(_files(Path(entry.path)))
        elif entry.is_file() and entry.name.lower().endswith(GROUP_SUFFIXES):
            found.append(Path(entry.path))
    return found


def same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
