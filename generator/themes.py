"""Theme chain: which folders a site's templates and static files come from (the Jinja environment made
from them is in generator.environment, so that a build with nothing to do never loads Jinja).

A site's `themes/<name>/` overrides single files of the theme of that name, which may extend a parent
theme (`theme.yaml`: `parent: default`); the default theme ships inside the package. Each theme's own
templates are also reachable as `@<name>/template.html`, so an override can extend what it replaces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
