"""The Jinja environment of a theme chain (generator.themes), and digests of templates with what they include."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

from generator import sealed
from generator.text import format_number
from generator.themes import Theme


def _bytecode_cache(folder: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates on disk: compiling the theme costs more than rendering a small site's change."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def isodate(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def longdate(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def make_environment(theme: Theme, globals_: dict[str, Any], bytecode_cache: Path | None = None) -> Environment:
    loader = ChoiceLoader([
        FileSystemLoader(theme.template_dirs()),
        PrefixLoader({f"@{name}": FileSystemLoader(str(folder / "templates")) for name, folder in theme.named}),
    ])
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        bytecode_cache=_bytecode_cache(bytecode_cache),
    )
    env.filters["number"] = format_number
    env.filters["isodate"] = isodate
    env.filters["longdate"] = longdate
    env.globals.update(globals_)
    return env


def template_digests(env: Environment, names: list[str],
                     references: Callable[[str], tuple[str, ...]] | None = None) -> dict[str, str]:
    """For each template, a digest of its source and of every template it extends, includes or imports.

    A page records the digest of its template, so editing `group.html` re-renders group pages only and
    editing `base.html` re-renders everything. `references` finds what a source refers to (default: parsing
    it; see KnownReferences).
    """
    refers = references or _references
    loader = env.loader
    assert loader is not None
    sources: dict[str, str] = {}

    def source(name: str) -> str:
        if name not in sources:
            try:
                sources[name] = loader.get_source(env, name)[0]
            except jinja2.TemplateNotFound:
                sources[name] = ""
        return sources[name]

    def closure(name: str) -> set[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(refers(source(current)))
        return seen

    out = {}
    for name in names:
        hasher = hashlib.blake2b(digest_size=12)
        for part in sorted(closure(name)):
            hasher.update(part.encode() + b"\0" + source(part).encode() + b"\0")
        out[name] = hasher.hexdigest()
    return out


_PARSER = Environment()


@functools.lru_cache(maxsize=1024)
def _references(text: str) -> tuple[str, ...]:
    """The templates a template's source extends, includes or imports by literal name (memoised by source)."""
    if not text:
        return ()
    try:
        refs = jinja2.meta.find_referenced_templates(_PARSER.parse(text))
    except jinja2.TemplateSyntaxError:
        return ()
    return tuple(r for r in refs if r is not None)


class KnownReferences:
    """What each template source refers to (_references), kept in a file from one build to the next:
    parsing the default theme's templates to find out costs about 60 ms, on every build with work to do.

    Keyed by a digest of the source, so an edited template is parsed again; the file is sealed
    (generator.sealed), and one that is damaged or unreadable counts as empty."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.known: dict[str, tuple[str, ...]] = sealed.read(path) if path is not None else {}
        self.found = False

    def __call__(self, text: str) -> tuple[str, ...]:
        key = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
        known = self.known.get(key)
        if known is None:
            known = self.known[key] = _references(text)
            self.found = True
        return known

    def save(self) -> None:
        """Write the file if this build parsed any source (never fails the build: it is only a cache)."""
        if self.path is not None and self.found:
            sealed.write(self.path, self.known)
