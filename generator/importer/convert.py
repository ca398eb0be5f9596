"""One row of an export -> one raw group mapping, in the shape `schema.validate_group` reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from generator.importer import values
from generator.importer.columns import NESTED, ColumnPlan
from generator.importer.htmltext import to_markdown, to_text
from generator.importer.inputs import Row, Table
from generator.importer.slugs import make_slug
from generator.importer.yamlout import ordered
from generator.model import Category
from generator.text import is_slug

DATE_FIELDS = frozenset({"members_as_of", "founded", "added", "last_post"})
_ANY = ";,"
_SPLIT = {"tags": _ANY, "languages": _ANY, "related": _ANY, "audience_industries": _ANY,
          "audience_regions": _ANY, "managers": ";", "rules": ";"}
_VISIBILITY = {"public": "open", "anyone": "open", "open to all": "open", "private": "request",
               "closed": "request", "on request": "request", "request to join": "request",
               "approval": "request", "members only": "request", "by request": "request",
               "invite only": "invite", "invitation only": "invite", "by invitation": "invite",
               "invitation": "invite", "secret": "invite", "invite-only": "invite"}
_STATUS = {"live": "active", "inactive": "archived", "archive": "archived", "closed": "defunct",
           "deleted": "defunct", "dead": "defunct"}
_LANGUAGES = {"english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
              "spanish": "es", "español": "es", "italian": "it", "portuguese": "pt", "dutch": "nl",
              "russian": "ru", "polish": "pl", "swedish": "sv", "danish": "da", "norwegian": "no",
              "finnish": "fi", "turkish": "tr", "arabic": "ar", "hebrew": "he", "hindi": "hi",
              "chinese": "zh", "mandarin": "zh", "japanese": "ja", "korean": "ko", "greek": "el",
              "czech": "cs"}
_AUDIENCE = {"industries": "audience_industries", "regions": "audience_regions"}
_DOMAIN = re.compile(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:[/?#]\S*)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s:/]+@[\w-]+(?:\.[\w-]+)+$")


@dataclass
class Draft:
    """A row made into a group mapping, with the column each field came from."""

    row: Row
    raw: dict[str, Any] = field(default_factory=dict)
    columns: dict[tuple[str, ...], int] = field(default_factory=dict)
    explicit_slug: bool = False
    problem: str = ""
    problem_column: int = -1
    notes: list[str] = field(default_factory=list)


@dataclass
class Converter:
    plan: ColumnPlan
    categories: tuple[Category, ...]
    schemes: frozenset[str]
    date_order: str = "dmy?"
    guessed_day_first: bool = False
    _category_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for category in self.categories:
            for label in (category.slug, category.name, make_slug(category.name)):
                self._category_names.setdefault(label.casefold(), category.slug)

    @classmethod
    def for_table(cls, table: Table, plan: ColumnPlan, categories: tuple[Category, ...],
                  schemes: frozenset[str]) -> Converter:
        dates = [str(row.values[i]) for row in table.rows for i, name in plan.fields.items()
                 if name in DATE_FIELDS and isinstance(row.values[i], str)]
        return cls(plan, categories, schemes, values.slash_order(dates))

    def convert(self, row: Row) -> Draft:
        draft = Draft(row, problem=row.problem)
        if row.problem:
            return draft
        for index, value in enumerate(row.values):
            if _blank(value):
                continue
            name = self.plan.fields.get(index)
            try:
                if name is None:
                    _to_extra(draft, self.plan.extra[index], value, index)
                elif name == "extra":
                    for key, item in (value.items() if isinstance(value, dict) else [("extra", value)]):
                        _to_extra(draft, str(key), item, index)
                else:
                    self._put(draft, name, value, index)
            except values.ValueProblem as exc:
                draft.problem, draft.problem_column = str(exc), index
                return draft
        _settle_location(draft.raw)
        draft.raw = ordered({key: value for key, value in draft.raw.items() if not _blank(value)})
        return draft

    def _put(self, draft: Draft, name: str, value: Any, index: int) -> None:
        if name in ("location", "activity", "audience") and isinstance(value, dict):
            for key, inner in value.items():
                flat = _AUDIENCE.get(str(key), str(key))
                if _blank(inner):
                    continue
                if flat in NESTED and NESTED[flat][0] == name:
                    self._put(draft, flat, inner, index)
                else:
                    _to_extra(draft, f"{name}_{key}", inner, index)
            return
        if name == "location" and isinstance(value, str):
            self._location(draft, value, index)
            return
        if name in ("location", "activity", "audience"):
            _to_extra(draft, name, value, index)  # e.g. a spreadsheet column "Activity" holding "high"
            return
        converted = self._value(name, value, draft)
        if _blank(converted):
            return
        if name in NESTED:
            outer, inner_key = NESTED[name]
            container = draft.raw.setdefault(outer, {})
            if not isinstance(container, dict):
                container = draft.raw[outer] = {"online": True} if container == "online" else {}
            container[inner_key] = converted
            draft.columns.setdefault((outer, inner_key), index)
            draft.columns.setdefault((outer,), index)
        elif name in _SPLIT and isinstance(converted, list) and isinstance(draft.raw.get(name), list):
            draft.raw[name] = values.split_list(draft.raw[name] + converted)
        elif name not in draft.raw:
            draft.raw[name] = converted
            draft.columns[(name,)] = index
            draft.explicit_slug = draft.explicit_slug or name == "slug"

    def _value(self, name: str, value: Any, draft: Draft) -> Any:
        if name == "description":
            text = value if isinstance(value, str) else str(value)
            return values.clean_block(to_markdown(text, self.schemes))
        if name in _SPLIT:
            items = values.split_list(value, _SPLIT[name])
            if not isinstance(items, list):
                return items
            items = [values.clean_line(to_text(item)) for item in items]
            if name == "languages":
                items = [_LANGUAGES.get(item.casefold(), item.lower()) for item in items]
            if name == "related":
                items = [item if is_slug(item) else make_slug(item) for item in items]
            return [item for item in items if item]
        if name == "members":
            return values.count(value)
        if name == "posts_per_month":
            return values.rate(value)
        if name in DATE_FIELDS:
            if self.date_order == "dmy?" and values.ambiguous(value):
                self.guessed_day_first = True
            return values.date(value, self.date_order)
        if name in ("featured", "draft", "online"):
            return values.flag(value)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return value
        text = values.clean_line(to_text(str(value)))
        if name == "category":
            return self._category_names.get(text.casefold(), self._category_names.get(make_slug(text), text))
        if name == "visibility":
            return _VISIBILITY.get(text.lower(), text.lower())
        if name == "status":
            return _STATUS.get(text.lower(), text.lower())
        if name in ("website", "join_url"):
            return _url(text)
        if name == "slug" and not is_slug(text):
            fixed = make_slug(text)
            draft.notes.append(f"slug '{text}' is not a slug; used '{fixed}'")
            return fixed
        return text

    def _location(self, draft: Draft, value: str, index: int) -> None:
        text = values.clean_line(to_text(value))
        if text.lower() in ("online", "remote", "virtual", "worldwide (online)"):
            draft.raw.setdefault("location", {})["online"] = True
            draft.columns.setdefault(("location",), index)
            return
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not parts:
            return
        keys = {1: ("city",), 2: ("city", "country"), 3: ("city", "region", "country")}.get(len(parts))
        if keys is None:
            keys, parts = ("city", "region", "country"), [", ".join(parts[:-2]), parts[-2], parts[-1]]
        for key, part in zip(keys, parts, strict=True):
            self._put(draft, key, part, index)


def _settle_location(raw: dict[str, Any]) -> None:
    location = raw.get("location")
    if not isinstance(location, dict):
        return
    online = location.pop("online", None)
    if online is True and not location:
        raw["location"] = "online"
    elif online not in (None, False):
        location["online"] = online


def _url(text: str) -> str:
    if _EMAIL.match(text):
        return "mailto:" + text
    if _DOMAIN.match(text):
        return "https://" + text
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, dict)) and not value) or (
        isinstance(value, str) and not value.strip())


def _to_extra(draft: Draft, key: str, value: Any, index: int) -> None:
    """A value with no group field keeps its text under `extra`."""
    text = _extra_text(value)
    extra = draft.raw.setdefault("extra", {})
    if text and isinstance(extra, dict) and key not in extra:
        extra[key] = text
        draft.columns.setdefault(("extra", key), index)
        draft.columns.setdefault(("extra",), index)


def _extra_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(_extra_text(item) for item in value if not _blank(item))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return values.clean_line(to_text(str(value)))

