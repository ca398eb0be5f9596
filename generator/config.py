"""`site.yaml`: a strict schema, every problem reported at once, free-form values only under `extra`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.diagnostics import Diagnostic, did_you_mean, error
from generator.model import Category, SiteConfig
from generator.text import clean_text, is_slug
from generator.yamlio import Loaded, YamlProblem, load

CONFIG_NAME = "site.yaml"
CONFIG_KEYS = frozenset(
    ["title", "description", "base_url", "language", "theme", "per_page", "as_of", "link_schemes", "badge_line",
     "categories", "extra"]
)
CATEGORY_KEYS = frozenset({"slug", "name", "description"})


def load_config(root: Path, *, base_url: str | None = None) -> tuple[SiteConfig | None, list[Diagnostic]]:
    """Read and validate `site.yaml` under root; `base_url` overrides the file's value."""
    path = root / CONFIG_NAME
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None, [error(CONFIG_NAME, 0, 0, f"no {CONFIG_NAME} here; is this a groupdir site? "
                            "(`groupdir init DIR` makes one)")]
    except UnicodeDecodeError as exc:
        return None, [error(CONFIG_NAME, 0, 0, f"is not UTF-8 text (byte {exc.start})")]
    try:
        loaded = load(text)
    except YamlProblem as exc:
        return None, [error(CONFIG_NAME, exc.line, exc.col, exc.message)]
    return parse_config(loaded, base_url=base_url)


def parse_config(loaded: Loaded, *, base_url: str | None = None) -> tuple[SiteConfig | None, list[Diagnostic]]:
    raw = loaded.value
    problems: list[Diagnostic] = []

    def fail(path: tuple[str | int, ...], message: str, hint: str = "", *, key: bool = False) -> None:
        line, col = loaded.where(path, key=key)
        problems.append(error(CONFIG_NAME, line, col, message, hint))

    if not isinstance(raw, dict):
        fail((), "must be a mapping of settings")
        return None, problems
    for key in raw:
        if key not in CONFIG_KEYS:
            fail((key,), f"unknown setting '{key}'", did_you_mean(key, CONFIG_KEYS) or
                 "free-form values go under 'extra'", key=True)

    def text(key: str, default: str | None = None) -> str:
        value = raw.get(key, default)
        if value is None:
            fail((), f"'{key}' is required")
            return ""
        if not isinstance(value, str) or not value.strip():
            fail((key,), f"'{key}' must be non-empty text")
            return ""
        return clean_text(value.strip())

    title = text("title")
    description = text("description", "") if raw.get("description") else ""
    url = base_url or text("base_url")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fail(("base_url",), f"'base_url' must be an absolute http(s) URL, got '{url}'")
        elif parts.query or parts.fragment:
            fail(("base_url",), "'base_url' must not have a query or fragment")
        if not url.endswith("/"):
            url += "/"
    language = text("language", "en")
    theme = text("theme", "default")
    per_page = raw.get("per_page", 48)
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        fail(("per_page",), f"'per_page' must be a whole number from 1 to 1000, got {per_page!r}")
        per_page = 48
    as_of = raw.get("as_of")
    if as_of is not None and not isinstance(as_of, dt.date):
        fail(("as_of",), f"'as_of' must be a date (YYYY-MM-DD), got {as_of!r}")
        as_of = None
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    schemes = raw.get("link_schemes", [])
    if not isinstance(schemes, list) or not all(isinstance(s, str) and s.isalnum() for s in schemes):
        fail(("link_schemes",), "'link_schemes' must be a list of URL scheme names such as [xmpp, irc]")
        schemes = []
    bad = {s.lower() for s in schemes} & {"javascript", "data", "vbscript", "file"}
    if bad:
        fail(("link_schemes",), f"'link_schemes' may not allow {', '.join(sorted(bad))}")
        schemes = [s for s in schemes if s.lower() not in bad]
    badge_line = raw.get("badge_line", "members")
    if badge_line not in ("members", "size", "activity"):
        fail(("badge_line",), f"'badge_line' must be members, size or activity, got {badge_line!r}")
        badge_line = "members"
    extra = raw.get("extra", {})
    if not isinstance(extra, dict):
        fail(("extra",), "'extra' must be a mapping")
        extra = {}
    extra = _clean_values(extra)
    categories = _categories(raw.get("categories"), loaded, fail)
    if problems:
        return None, problems
    return (
        SiteConfig(
            title=title, base_url=url, description=description, language=language, theme=theme,
            per_page=per_page, as_of=as_of, link_schemes=tuple(s.lower() for s in schemes),
            badge_line=badge_line, categories=tuple(categories), extra=extra,
        ),
        problems,
    )


def _clean_values(value: Any) -> Any:
    """`extra` values reach themes as text: direction overrides removed at any depth."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: _clean_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean_values(v) for v in value]
    return value


def _categories(value: Any, loaded: Loaded, fail: Any) -> list[Category]:
    if not isinstance(value, list) or not value:
        fail(("categories",), "'categories' must be a non-empty list of {slug, name, description}")
        return []
    out: list[Category] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = ("categories", index)
        if not isinstance(item, dict):
            fail(where, "each category must be a mapping with slug, name and description")
            continue
        for key in item:
            if key not in CATEGORY_KEYS:
                fail((*where, key), f"unknown category field '{key}'", did_you_mean(key, CATEGORY_KEYS), key=True)
        slug, name = item.get("slug"), item.get("name")
        if not isinstance(slug, str) or not is_slug(slug):
            fail((*where, "slug"), f"category 'slug' must be lowercase letters, digits and '-', got {slug!r}")
            continue
        if slug in seen:
            fail((*where, "slug"), f"category '{slug}' is listed twice")
            continue
        if not isinstance(name, str) or not name.strip():
            fail((*where, "name"), "category 'name' is required")
            continue
        seen.add(slug)
        description = item.get("description") or ""
        out.append(Category(slug, clean_text(name.strip()), clean_text(str(description).strip())))
    return out
