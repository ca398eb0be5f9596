"""The validated content model: frozen records that refer to each other by slug."""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from generator.tuple_records import unpickled_in_c

SIZE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("under-100", "Under 100 members", 0, 99),
    ("100-999", "100 to 999 members", 100, 999),
    ("1000-9999", "1,000 to 9,999 members", 1000, 9999),
    ("10000-99999", "10,000 to 99,999 members", 10000, 99999),
    ("100000-plus", "100,000 members or more", 100000, None),
)
UNKNOWN_BAND = ("unknown", "Size not stated")
SIZE_LABELS = {slug: label for slug, label, _, _ in SIZE_BANDS} | {UNKNOWN_BAND[0]: UNKNOWN_BAND[1]}

ACTIVITY_LEVELS: tuple[tuple[str, str], ...] = (
    ("active", "Active"),
    ("quiet", "Quiet"),
    ("dormant", "Dormant"),
)
ACTIVITY_LABELS = dict(ACTIVITY_LEVELS)
VISIBILITY_LABELS = {"open": "Open to all", "request": "Join on request", "invite": "By invitation"}
STATUS_LABELS = {"active": "Active", "archived": "Archived", "defunct": "Defunct"}


T = TypeVar("T")


def tuple_pickled(cls: type[T]) -> type[T]:
    """Pickle a slotted dataclass (frozen or not) as a plain tuple of its fields.

    The __getstate__/__setstate__ that dataclasses give such classes look up the field list on every call,
    which made saving and loading the build cache of a large site take longer than the rebuild itself.
    Values that many cards repeat (a category, a country) are made one object once the cards arrive from the
    worker processes (`share_values`), not when unpickled: a pickle writes an object it already wrote as a
    reference to it, so cards pickled together (a run of the cache file) come back sharing them, and interning
    every such field of every card as it was unpickled cost a fifth of loading the cache of 100,000 groups.
    """
    names = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
    get: Callable[[Any], Any] = operator.attrgetter(*names)
    single = len(names) == 1
    # The slots' own setters (a frozen dataclass only guards __setattr__), with the place of each value.
    setters = tuple(zip((getattr(cls, name).__set__ for name in names), range(len(names)), strict=True))

    def __getstate__(self: Any) -> tuple[Any, ...]:
        values: tuple[Any, ...] = (get(self),) if single else get(self)
        return values

    def __setstate__(self: Any, state: tuple[Any, ...]) -> None:
        if len(state) != len(names):
            raise TypeError(f"{cls.__name__}: {len(state)} values for {len(names)} fields")
        for setter, at in setters:
            setter(self, state[at])

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 (mypy refuses assigning methods)
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls


@unpickled_in_c
class SourceRef(NamedTuple):
    """Where a record came from: a file relative to the site root, the line it starts on, its index there. (A named
    tuple: every card holds one, and the build cache holds every card: generator.tuple_records.)"""

    path: str
    line: int = 1
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index, which nothing calls on a SourceRef


@tuple_pickled
@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    name: str
    description: str = ""


@tuple_pickled
@dataclass(frozen=True, slots=True)
class Location:
    city: str = ""
    region: str = ""
    country: str = ""
    online: bool = False

    @property
    def label(self) -> str:
        if self.online:
            return "Online"
        return ", ".join(part for part in (self.city, self.region, self.country) if part)


@tuple_pickled
@dataclass(frozen=True, slots=True)
class Group:
    """One group, every field as validated; the description is still Markdown."""

    slug: str
    name: str
    category: str
    source: SourceRef
    summary: str = ""
    description: str = ""
    description_line: int = 0
    tags: tuple[str, ...] = ()
    industry: str = ""
    location: Location | None = None
    languages: tuple[str, ...] = ()
    members: int | None = None
    members_as_of: dt.date | None = None
    founded: dt.date | None = None
    added: dt.date | None = None
    website: str = ""
    join_url: str = ""
    visibility: str = "open"
    status: str = "active"
    last_post: dt.date | None = None
    posts_per_month: float | None = None
    audience_industries: tuple[str, ...] = ()
    audience_regions: tuple[str, ...] = ()
    managers: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    featured: bool = False
    draft: bool = False
    extra: tuple[tuple[str, str], ...] = ()


@tuple_pickled
@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that failed validation; its slug is kept so other records may still refer to it."""

    slug: str
    source: SourceRef


@unpickled_in_c
class Card(NamedTuple):
    """What a listing, a facet or the search index needs of a group; kept in memory for every group.

    `digest` changes whenever anything a listing shows changes; `record_digest` whenever anything
    in the group's own page changes. Values that repeat across groups (a category, a country, tags) are shared
    objects (`share_values`). A named tuple, not a dataclass: the build cache holds one per group, and a named
    tuple comes back from a pickle without running Python (generator.tuple_records).
    """

    slug: str
    name: str
    summary: str
    category: str
    tags: tuple[str, ...]
    tag_slugs: tuple[str, ...]
    industry: str
    industry_slug: str
    location_label: str
    country: str
    country_slug: str
    languages: tuple[str, ...]
    members: int | None
    members_as_of: dt.date | None
    size_band: str
    activity: str
    visibility: str
    status: str
    founded: dt.date | None
    added: dt.date | None
    last_post: dt.date | None
    posts_per_month: float | None
    featured: bool
    related: tuple[str, ...]
    source: SourceRef
    digest: str
    record_digest: str


# A card's values that many groups repeat: categories, places, tags, dates and the like.
_REPEATED = ("category", "industry", "industry_slug", "location_label", "country", "country_slug", "members_as_of",
             "size_band", "activity", "visibility", "status", "founded", "added", "last_post")
_REPEATED_ITEMS = ("tags", "tag_slugs", "languages")  # tuples of such values


_REPEATED_AT = tuple(Card._fields.index(name) for name in _REPEATED)
_REPEATED_ITEMS_AT = tuple(Card._fields.index(name) for name in _REPEATED_ITEMS)


def share_values(card: Card, known: dict[Any, Any]) -> Card:
    """The card with the values it repeats from other groups made the objects `known` holds for them (adding its
    own where `known` has none).

    Cards from the worker processes arrive in batches, each with its own copies of such values (a pickle shares
    objects only within itself): at 100,000 groups they held 45 MB more than when every card shares one copy,
    and made the cache file, which is pickled in runs of cards that then share them, 10% larger.
    """
    values: list[Any] = list(card)
    for at in _REPEATED_AT:
        value = values[at]
        values[at] = known.setdefault(value, value)
    for at in _REPEATED_ITEMS_AT:
        items = tuple([known.setdefault(item, item) for item in values[at]])
        values[at] = known.setdefault(items, items)
    return Card._make(values)


@tuple_pickled
@dataclass(frozen=True, slots=True)
class Document:
    """A guide, a milestone or a plain page: front matter plus a Markdown body."""

    kind: str  # "guide" | "milestone" | "page"
    slug: str
    title: str
    source: SourceRef
    body: str = ""
    body_line: int = 0
    summary: str = ""
    date: dt.date | None = None
    updated: dt.date | None = None
    author: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    figure: int | None = None
    figure_label: str = ""
    draft: bool = False


@dataclass(frozen=True)
class SiteConfig:
    """`site.yaml`, validated."""

    title: str
    base_url: str
    description: str = ""
    language: str = "en"
    theme: str = "default"
    per_page: int = 48
    as_of: dt.date | None = None
    link_schemes: tuple[str, ...] = ()
    badge_line: str = "members"
    categories: tuple[Category, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def base_path(self) -> str:
        """The URL path the site lives under, always starting and ending with '/'."""
        from urllib.parse import urlsplit

        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    def allowed_schemes(self) -> frozenset[str]:
        return frozenset(("http", "https", "mailto", *self.link_schemes))
