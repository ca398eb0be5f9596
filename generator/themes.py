"""Theme chain and the Jinja environment.

A site's `themes/<name>/` overrides single files of the theme of that name, which may extend a parent
theme (`theme.yaml`: `parent: default`); the default theme ships inside the package. Each theme's own
templates are also reachable as `@<name>/template.html`, so an override can extend what it replaces.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined

from generator.text import format_number
from generator.yamlio import YamlProblem, load

MAX_PARENTS = 8


def builtin_themes_dir() -> Path:
    """The themes shipped with groupdir: inside the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_themes", here.parent / "themes"):
        if (candidate / "default" / "templates").is_dir():
            return candidate
    raise FileNotFoundError("groupdir's default theme is missing from the installation")


class ThemeError(Exception):
    pass


@dataclass(frozen=True)
class Theme:
    """The resolved chain of theme folders, most specific first."""

    name: str
    folders: tuple[Path, ...]  # each holds templates/ and static/
    named: tuple[tuple[str, Path], ...]  # (theme name, folder) for the @name/ prefixes

    def template_dirs(self) -> list[str]:
        return [str(f / "templates") for f in self.folders if (f / "templates").is_dir()]

    def static_files(self) -> dict[str, Path]:
        """Every static file by its path under static/, the most specific theme winning."""
        files: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if not static.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(static):
                dirnames.sort()
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    full = Path(dirpath) / name
                    files[full.relative_to(static).as_posix()] = full
        return dict(sorted(files.items()))


def resolve_theme(site_root: Path, name: str) -> Theme:
    builtin = builtin_themes_dir()
    folders: list[Path] = []
    named: list[tuple[str, Path]] = []
    current: str | None = name
    seen: set[str] = set()
    while current is not None:
        if current in seen or len(seen) >= MAX_PARENTS:
            raise ThemeError(f"theme '{current}' is its own ancestor")
        seen.add(current)
        own = [p for p in (site_root / "themes" / current, builtin / current) if p.is_dir()]
        if not own:
            raise ThemeError(f"theme '{current}' not found in {site_root / 'themes'} or the built-in themes")
        folders.extend(own)
        named.append((current, own[-1]))
        current = _parent(own)
    return Theme(name, tuple(folders), tuple(named))


def _parent(folders: list[Path]) -> str | None:
    for folder in folders:
        meta = folder / "theme.yaml"
        if meta.is_file():
            try:
                value = load(meta.read_text("utf-8")).value or {}
            except (YamlProblem, UnicodeDecodeError) as exc:
                raise ThemeError(f"{meta}: {exc}") from None
            parent = value.get("parent") if isinstance(value, dict) else None
            return str(parent) if parent else None
    return None


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


def template_digests(env: Environment, names: list[str]) -> dict[str, str]:
    """For each template, a digest of its source and of every template it extends, includes or imports.

    A page records the digest of its template, so editing `group.html` re-renders group pages only and
    editing `base.html` re-renders everything.
    """
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
            todo.extend(_references(source(current)))
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


