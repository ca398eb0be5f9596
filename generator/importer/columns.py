"""Header names in any case and spacing -> group fields; `--map field=Column` overrides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generator.diagnostics import did_you_mean
from generator.text import fold_latin

# Every field a column can fill. Flattened names (city, last_post, ...) fill nested mappings.
FIELDS: tuple[str, ...] = (
    "name", "slug", "summary", "description", "category", "tags", "industry", "location", "city", "region",
    "country", "online", "languages", "members", "members_as_of", "founded", "added", "website", "join_url",
    "visibility", "status", "activity", "last_post", "posts_per_month", "audience", "audience_industries",
    "audience_regions", "managers", "rules", "related", "featured", "draft", "extra",
)
NESTED: dict[str, tuple[str, str]] = {
    "city": ("location", "city"),
    "region": ("location", "region"),
    "country": ("location", "country"),
    "online": ("location", "online"),
    "last_post": ("activity", "last_post"),
    "posts_per_month": ("activity", "posts_per_month"),
    "audience_industries": ("audience", "industries"),
    "audience_regions": ("audience", "regions"),
}
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("group_name", "group", "title", "group_title", "name_of_group"),
    "slug": ("group_slug", "id_slug", "url_slug"),
    "summary": ("tagline", "short_description", "one_liner", "subtitle", "headline"),
    "description": ("about", "details", "long_description", "body", "group_description", "desc"),
    "category": ("categories", "type", "group_type", "kind", "section"),
    "tags": ("tag", "keywords", "topics", "labels"),
    "industry": ("sector", "field"),
    "location": ("place", "where"),
    "city": ("town",),
    "region": ("state", "province", "county"),
    "country": ("nation",),
    "online": ("online_only", "is_online", "virtual"),
    "languages": ("language", "lang", "langs"),
    "members": ("member_count", "members_count", "number_of_members", "no_of_members", "size", "membership",
                "count", "num_members"),
    "members_as_of": ("members_date", "counted", "counted_on", "count_date", "member_count_date"),
    "founded": ("created", "created_on", "founded_on", "date_founded", "founding_date", "established",
                "since", "started"),
    "added": ("date_added", "added_on", "listed", "listed_on"),
    "website": ("url", "web", "site", "homepage", "home_page", "web_site", "link", "group_url"),
    "join_url": ("join", "join_link", "signup", "sign_up", "signup_url", "sign_up_url", "join_page"),
    "visibility": ("access", "membership_type", "privacy"),
    "status": ("state_of_group",),
    "last_post": ("last_activity", "last_post_date", "last_posted", "latest_post"),
    "posts_per_month": ("posts_month", "monthly_posts", "posts_a_month", "posts_per_mo"),
    "audience_industries": ("member_industries", "top_industries"),
    "audience_regions": ("member_regions", "top_regions"),
    "managers": ("manager", "owner", "owners", "moderator", "moderators", "admins", "organizers",
                 "organisers"),
    "rules": ("group_rules", "guidelines"),
    "related": ("related_groups", "see_also"),
    "featured": ("is_featured", "highlight"),
    "draft": ("is_draft", "hidden", "unpublished"),
}
_LOOKUP: dict[str, str] = {name: name for name in FIELDS}
for _field, _names in _ALIASES.items():
    for _name in _names:
        _LOOKUP[_name] = _field


class MapProblem(Exception):
    """A `--map` option that cannot be used."""


def header_key(header: str) -> str:
    """'Group Name ' -> 'group_name', 'MEMBERS' -> 'members', 'join url' -> 'join_url'."""
    text = fold_latin(header).lower().replace("#", " number ")
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_") or "column"


@dataclass
class ColumnPlan:
    """Which column fills which field; columns mapped to no field go under `extra`."""

    fields: dict[int, str]
    extra: dict[int, str]  # column index -> key under `extra`
    headers: list[str]
    doubled: list[str] = field(default_factory=list)

    def header(self, column: int) -> str:
        return self.headers[column]


def parse_maps(options: list[str]) -> dict[str, str]:
    """`--map field=Column` options -> {field: column header}."""
    out: dict[str, str] = {}
    for option in options:
        name, sep, column = option.partition("=")
        name = header_key(name)
        if not sep or not column.strip():
            raise MapProblem(f"--map needs FIELD=COLUMN, got '{option}'")
        if name not in FIELDS:
            hint = did_you_mean(name, FIELDS)
            raise MapProblem(f"--map: '{name}' is not a group field" + (f" ({hint})" if hint else ""))
        out[name] = column.strip()
    return out


def plan_columns(headers: list[str], maps: dict[str, str]) -> ColumnPlan:
    keys = [header_key(h) for h in headers]
    fields: dict[int, str] = {}
    taken: dict[str, int] = {}
    for name, column in maps.items():
        wanted = header_key(column)
        matches = [i for i, h in enumerate(headers) if h == column]
        matches = matches or [i for i, k in enumerate(keys) if k == wanted]
        if not matches:
            hint = did_you_mean(column, headers)
            raise MapProblem(f"--map {name}={column}: no column '{column}' in the file"
                             + (f" ({hint})" if hint else f" (columns: {', '.join(headers)})"))
        fields[matches[0]] = name
        taken[name] = matches[0]
    doubled: list[str] = []
    extra: dict[int, str] = {}
    for index, key in enumerate(keys):
        if index in fields:
            continue
        name = _LOOKUP.get(key, "")
        if name and name in maps:
            name = ""
        if name and name in taken:
            doubled.append(f"'{headers[index]}' and '{headers[taken[name]]}' both give '{name}'")
            fields[index] = name
            continue
        if name:
            fields[index] = name
            taken[name] = index
        else:
            extra[index] = key
    return ColumnPlan(fields, _distinct(extra), headers, doubled)


def _distinct(extra: dict[int, str]) -> dict[int, str]:
    seen: set[str] = set()
    out: dict[int, str] = {}
    for index, key in extra.items():
        candidate, n = key, 2
        while candidate in seen:
            candidate, n = f"{key}_{n}", n + 1
        seen.add(candidate)
        out[index] = candidate
    return out
