"""Cards made by hand for the search tests, and the index of a list of cards in memory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from generator.derive import make_card
from generator.model import Card, Category, Group, Location, SiteConfig, SourceRef
from generator.search import Layout, build_search_index
from generator.search.reference import Searcher
from generator.text import slugify

AS_OF = dt.date(2011, 4, 1)
CONFIG = SiteConfig(
    title="Test", base_url="https://example.org/groups-directory/", as_of=AS_OF,
    categories=(Category("professional", "Professional associations"), Category("alumni", "University alumni"),
                Category("topic", "Topic groups"), Category("recruiting", "Recruiting and job seeking")),
)
SMALL = Layout(range_min=512, range_target=2048, range_max=4096, external=1024, aggregate=3000, head=12,
               expansions=8, display_chunk=4, sort_chunk=16)


def card(name: str, **fields: Any) -> Card:
    city = fields.pop("city", "")
    country = fields.pop("country", "")
    online = fields.pop("online", False)
    fields.setdefault("category", "topic")
    fields.setdefault("languages", ("en",))
    if "last_post_days" in fields:
        fields["last_post"] = AS_OF - dt.timedelta(days=fields.pop("last_post_days"))
    group = Group(slug=fields.pop("slug", slugify(name)), name=name, source=SourceRef("test.yaml"),
                  location=Location(city=city, country=country, online=online) if city or country or online else None,
                  **fields)
    return make_card(group, AS_OF)


def url(slug: str) -> str:
    return f"/groups-directory/groups/{slug}/"


def index(cards: list[Card], layout: Layout | None = None) -> dict[str, bytes]:
    return dict(build_search_index(cards, CONFIG, url, layout=layout))


def searcher(files: dict[str, bytes]) -> Searcher:
    return Searcher(lambda path: files["search/index/" + path])


def names(found: Searcher, ids: list[int]) -> list[str]:
    return [str(record[0]) for record in found.records(ids)]
