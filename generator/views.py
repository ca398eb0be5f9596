"""What templates see: small immutable view objects, built from the model with URLs and labels resolved.

This module is the contract between the generator and themes; docs/themes.md lists every variable. They are named
tuples: a build makes several for every page, and every build that renders loads this module (as frozen
dataclasses, making its nine classes took 6.3 ms of every command-line build's start, and each object was made
one field at a time).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from markupsafe import Markup


class Link(NamedTuple):
    label: str
    url: str


class NavItem(NamedTuple):
    key: str
    label: str
    url: str


class SiteView(NamedTuple):
    title: str
    description: str
    language: str
    base_url: str
    base_path: str
    as_of: dt.date
    extra: dict[str, object]


class PageMeta(NamedTuple):
    """Head and chrome of any page."""

    kind: str  # home | group | listing | terms | guides | guide | milestones | milestone | page | search | 404
    title: str
    description: str
    path: str  # site-relative URL path, e.g. "groups/rust-berlin/"
    canonical: str  # absolute URL
    nav_key: str
    breadcrumbs: tuple[Link, ...] = ()
    og_type: str = "website"
    feeds: tuple[Link, ...] = ()  # Atom feeds to advertise in <head>
    jsonld: Markup = Markup("")  # a complete, escaped JSON-LD document, or empty
    noindex: bool = False


class CardView(NamedTuple):
    """A group as listings show it."""

    slug: str
    name: str
    summary: str
    url: str
    category: Link
    members: int | None
    members_label: str  # "1,234 members" or ""
    size: Link  # size band label and its browse page
    activity: str  # active | quiet | dormant
    activity_label: str
    location: Link | None
    tags: tuple[Link, ...]
    featured: bool
    status: str  # active | archived | defunct
    status_label: str


class GroupView(NamedTuple):
    """A group on its own page: the card, plus every other field."""

    card: CardView
    description_html: Markup
    industry: Link | None
    languages: tuple[str, ...]
    members_as_of: dt.date | None
    founded: dt.date | None
    added: dt.date | None
    website: str
    join_url: str
    visibility: str
    visibility_label: str
    last_post: dt.date | None
    posts_per_month: float | None
    audience_industries: tuple[str, ...]
    audience_regions: tuple[str, ...]
    managers: tuple[str, ...]
    rules: tuple[str, ...]
    badge_url: str  # absolute URL of the SVG badge (for embedding elsewhere)
    badge_path: str  # the badge's URL path on this site (to show it here, also in a local preview)
    page_url: str  # absolute URL of the group page


class Pager(NamedTuple):
    number: int
    total_pages: int
    total_items: int
    first_index: int  # 1-based index of the first item on this page
    last_index: int
    prev_url: str
    next_url: str
    pages: tuple[tuple[int, str], ...]  # (number, url) for a window of pages; number 0 means a gap


class TermView(NamedTuple):
    slug: str
    name: str
    count: int  # type: ignore[assignment]  # the field, not tuple.count: nothing calls count() on a view
    url: str
    description: str = ""


class DocView(NamedTuple):
    """A guide, milestone or page."""

    kind: str
    slug: str
    title: str
    summary: str
    url: str
    date: dt.date | None
    updated: dt.date | None
    author: str
    tags: tuple[str, ...]
    categories: tuple[Link, ...]
    figure: int | None
    figure_label: str
    body_html: Markup
    computed: bool = False  # a milestone computed from the data, not written by an editor
