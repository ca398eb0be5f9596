"""Field specs for groups, guides, milestones and pages: raw mapping -> record + located diagnostics."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from generator.diagnostics import Diagnostic, did_you_mean, error, warning
from generator.model import Document, Group, Location, Rejected, SourceRef
from generator.text import clean_text, is_slug, slugify, url_problem


class Locator(Protocol):
    def where(self, path: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]: ...


@dataclass(frozen=True)
class FixedLocator:
    """Every field of a record at one place (JSON records, whose fields carry no positions)."""

    line: int
    col: int = 1

    def where(self, path: tuple[str | int, ...], *, key: bool = False) -> tuple[int, int]:
        return (self.line, self.col)


@dataclass(frozen=True)
class Rules:
    """What validation needs to know about the site."""

    categories: frozenset[str]
    allowed_schemes: frozenset[str]


class _Invalid(Exception):
    def __init__(self, message: str, subpath: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.subpath = subpath


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off", ""}
MAX_TEXT = 2_000_000


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise _Invalid(f"must be text, got {_kind(value)}")
    if isinstance(value, (dt.date, int, float)):
        return str(value)
    if not isinstance(value, str):
        raise _Invalid(f"must be text, got {_kind(value)}")
    if len(value) > MAX_TEXT:
        raise _Invalid(f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}")
    return clean_text(value)


def _line(value: Any) -> str:
    return " ".join(_text(value).split())


def _text_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        parts = re.split(r"[;,]", value) if (";" in value or "," in value) else [value]
        return tuple(p.strip() for p in parts if p.strip())
    if not isinstance(value, list):
        raise _Invalid(f"must be a list of text, got {_kind(value)}")
    out = []
    for index, item in enumerate(value):
        try:
            text = _line(item).strip()
        except _Invalid as exc:
            raise _Invalid(exc.message, (index,)) from None
        if text:
            out.append(text)
    return tuple(out)


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise _Invalid("must be a whole number, got true/false")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,3}(,\d{3})+\s*|\s*-?\d+\s*", value):
        value = int(value.replace(",", ""))
    if not isinstance(value, int):
        raise _Invalid(f"must be a whole number, got {_show(value)}")
    if value < 0:
        raise _Invalid(f"must not be negative, got {value}")
    return value


def _rate(value: Any) -> float:
    if isinstance(value, bool):
        raise _Invalid("must be a number, got true/false")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise _Invalid(f"must be a number, got {_show(value)}") from None
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Invalid(f"must be a number, got {_show(value)}")
    if value < 0:
        raise _Invalid(f"must not be negative, got {value}")
    return float(value)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid(f"must be a date (YYYY-MM-DD), got {_show(value)}")


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid(f"must be true or false, got {_show(value)}")


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _line(value).lower()
        if text not in options:
            hint = did_you_mean(text, options)
            extra = f"; {hint}" if hint else ""
            raise _Invalid(f"must be one of {', '.join(options)}, got {_show(value)}{extra}")
        return text

    return parse


def _slug_list(value: Any) -> tuple[str, ...]:
    items = _text_list(value)
    for index, item in enumerate(items):
        if not is_slug(item):
            raise _Invalid(f"'{item}' is not a slug (lowercase letters, digits and '-')", (index,))
    return items


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _show(value: Any) -> str:
    if isinstance(value, (list, dict)) or value is None:
        return _kind(value)
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


@dataclass
class _Checker:
    """Reads fields out of one raw mapping, collecting a diagnostic for each bad one."""

    raw: Mapping[str, Any]
    locator: Locator
    path: str
    base: tuple[str | int, ...]
    diagnostics: list[Diagnostic]

    def get(self, key: str, parse: Callable[[Any], Any], default: Any = None, *, required: bool = False) -> Any:
        if key not in self.raw or self.raw[key] is None or self.raw[key] == "":
            if required:
                line, col = self.locator.where(self.base)
                self.diagnostics.append(error(self.path, line, col, f"'{key}' is required"))
            return default
        try:
            value = parse(self.raw[key])
        except _Invalid as exc:
            line, col = self.locator.where((*self.base, key, *exc.subpath))
            self.diagnostics.append(error(self.path, line, col, f"'{key}' {exc.message}"))
            return default
        if required and value == "":  # only control characters, which text cleaning removes
            line, col = self.locator.where((*self.base, key))
            self.diagnostics.append(error(self.path, line, col, f"'{key}' is empty once control characters "
                                          "(bidirectional ones included) are removed"))
            return default
        return value

    def url(self, key: str, rules: Rules) -> str:
        text = self.get(key, _line, "")
        if not text:
            return ""
        problem = url_problem(text, rules.allowed_schemes)
        if problem:
            line, col = self.locator.where((*self.base, key))
            self.diagnostics.append(error(self.path, line, col, f"'{key}' {problem}: {_show(text)}"))
            return ""
        return str(text)

    def unknown_keys(self, known: frozenset[str]) -> None:
        for key in self.raw:
            if key not in known:
                line, col = self.locator.where((*self.base, key), key=True)
                hint = did_you_mean(str(key), known)
                self.diagnostics.append(warning(self.path, line, col, f"unknown field '{key}'", hint))

    def nested(self, key: str) -> _Checker | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            line, col = self.locator.where((*self.base, key))
            self.diagnostics.append(error(self.path, line, col, f"'{key}' must be a mapping, got {_kind(value)}"))
            return None
        return _Checker(value, self.locator, self.path, (*self.base, key), self.diagnostics)


GROUP_FIELDS = frozenset({
    "name", "slug", "summary", "description", "category", "tags", "industry", "location", "languages",
    "members", "members_as_of", "founded", "added", "website", "join_url", "visibility", "status", "activity",
    "audience", "managers", "rules", "related", "featured", "draft", "extra",
})
LOCATION_FIELDS = frozenset({"city", "region", "country", "online"})
ACTIVITY_FIELDS = frozenset({"last_post", "posts_per_month"})
AUDIENCE_FIELDS = frozenset({"industries", "regions"})


def _location(check: _Checker) -> Location | None:
    value = check.raw.get("location")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if value.strip().lower() == "online":
            return Location(online=True)
        line, col = check.locator.where((*check.base, "location"))
        check.diagnostics.append(
            error(check.path, line, col, f"'location' must be 'online' or a mapping with city, region and "
                  f"country, got {_show(value)}")
        )
        return None
    inner = check.nested("location")
    if inner is None:
        return None
    inner.unknown_keys(LOCATION_FIELDS)
    online = inner.get("online", _flag, False)
    return Location(
        city=inner.get("city", _line, ""),
        region=inner.get("region", _line, ""),
        country=inner.get("country", _line, ""),
        online=online,
    )


def validate_group(
    raw: Any, locator: Locator, source: SourceRef, rules: Rules, *, default_slug: str = "",
    description: str | None = None, description_line: int = 0, base: tuple[str | int, ...] = (),
) -> tuple[Group | Rejected | None, list[Diagnostic]]:
    """One raw group mapping -> a Group (Rejected when it has errors) and every diagnostic found."""
    diagnostics: list[Diagnostic] = []
    if not isinstance(raw, dict):
        line, col = locator.where(base)
        return None, [error(source.path, line, col, f"a group must be a mapping of fields, got {_kind(raw)}")]
    check = _Checker(raw, locator, source.path, base, diagnostics)
    check.unknown_keys(GROUP_FIELDS)
    name = check.get("name", _line, "", required=True)
    slug = check.get("slug", _line, "") or default_slug or slugify(name)
    if slug and not is_slug(slug):
        line, col = locator.where((*base, "slug") if "slug" in raw else base)
        diagnostics.append(error(source.path, line, col, f"'slug' must be lowercase letters, digits and '-', "
                                 f"got {_show(slug)}", hint=f"try '{slugify(slug)}'" if slugify(slug) else ""))
    elif not slug and name:
        line, col = locator.where((*base, "name"))
        diagnostics.append(error(source.path, line, col, "cannot make a slug from 'name'; give a 'slug'"))
    category = check.get("category", _line, "", required=True)
    if category and category not in rules.categories:
        line, col = locator.where((*base, "category"))
        hint = did_you_mean(category, rules.categories)
        diagnostics.append(error(source.path, line, col, f"'category' '{category}' is not one of the site's "
                                 f"categories ({', '.join(sorted(rules.categories))})", hint))
    if description is None:
        description = check.get("description", _text, "")
        description_line = locator.where((*base, "description"))[0] if "description" in raw else 0
    activity = check.nested("activity")
    if activity is not None:
        activity.unknown_keys(ACTIVITY_FIELDS)
    audience = check.nested("audience")
    if audience is not None:
        audience.unknown_keys(AUDIENCE_FIELDS)
    group = Group(
        slug=slug,
        name=name,
        category=category,
        source=source,
        summary=check.get("summary", _line, ""),
        description=description,
        description_line=description_line,
        tags=check.get("tags", _text_list, ()),
        industry=check.get("industry", _line, ""),
        location=_location(check),
        languages=check.get("languages", _text_list, ()),
        members=check.get("members", _count),
        members_as_of=check.get("members_as_of", _date),
        founded=check.get("founded", _date),
        added=check.get("added", _date),
        website=check.url("website", rules),
        join_url=check.url("join_url", rules),
        visibility=check.get("visibility", _choice(("open", "request", "invite")), "open"),
        status=check.get("status", _choice(("active", "archived", "defunct")), "active"),
        last_post=activity.get("last_post", _date) if activity else None,
        posts_per_month=activity.get("posts_per_month", _rate) if activity else None,
        audience_industries=audience.get("industries", _text_list, ()) if audience else (),
        audience_regions=audience.get("regions", _text_list, ()) if audience else (),
        managers=check.get("managers", _text_list, ()),
        rules=check.get("rules", _rule_list, ()),
        related=check.get("related", _slug_list, ()),
        featured=check.get("featured", _flag, False),
        draft=check.get("draft", _flag, False),
        extra=check.get("extra", _extra, ()),
    )
    if any(d.is_error for d in diagnostics):
        return (Rejected(slug, source) if slug else None), diagnostics
    return group, diagnostics


def _extra(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise _Invalid(f"must be a mapping of names to text, got {_kind(value)}")
    out = []
    for key, item in value.items():
        try:
            out.append((str(key), _line(item)))
        except _Invalid as exc:
            raise _Invalid(exc.message, (key,)) from None
    return tuple(sorted(out))


def _rule_list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(line.strip() for line in value.splitlines() if line.strip())
    return _text_list(value)


DOCUMENT_FIELDS = {
    "guide": frozenset(["title", "summary", "date", "updated", "author", "tags", "categories", "draft"]),
    "milestone": frozenset(["title", "summary", "date", "figure", "figure_label", "draft"]),
    "page": frozenset(["title", "summary", "draft"]),
}


def validate_document(
    kind: str, raw: Any, locator: Locator, source: SourceRef, rules: Rules, *, slug: str, body: str,
    body_line: int,
) -> tuple[Document | None, list[Diagnostic]]:
    """Front matter of a guide, milestone or page -> a Document and every diagnostic found."""
    diagnostics: list[Diagnostic] = []
    if not isinstance(raw, dict):
        return None, [error(source.path, 1, 1, f"the front matter must be a mapping, got {_kind(raw)}")]
    check = _Checker(raw, locator, source.path, (), diagnostics)
    check.unknown_keys(DOCUMENT_FIELDS[kind])
    if not is_slug(slug):
        diagnostics.append(error(source.path, 1, 1, f"the file name must make a slug (lowercase letters, digits "
                                 f"and '-'), got {_show(slug)}", hint=f"rename it to '{slugify(slug)}.md'"))
    categories = check.get("categories", _slug_list, ())
    for index, category in enumerate(categories):
        if category not in rules.categories:
            line, col = locator.where(("categories", index))
            diagnostics.append(error(source.path, line, col, f"'categories' '{category}' is not one of the "
                                     f"site's categories", did_you_mean(category, rules.categories)))
    document = Document(
        kind=kind,
        slug=slug,
        title=check.get("title", _line, "", required=True),
        source=source,
        body=body,
        body_line=body_line,
        summary=check.get("summary", _line, ""),
        date=check.get("date", _date, required=kind != "page"),
        updated=check.get("updated", _date),
        author=check.get("author", _line, ""),
        tags=check.get("tags", _text_list, ()),
        categories=categories,
        figure=check.get("figure", _count),
        figure_label=check.get("figure_label", _line, ""),
        draft=check.get("draft", _flag, False),
    )
    if any(d.is_error for d in diagnostics):
        return None, diagnostics
    return document, diagnostics
