"""Facet counts against counts made here by brute force from the groups' own fields."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import Card
from generator.search import search_page_context
from tests.search.helpers import CONFIG, SMALL, card, index, searcher

CATEGORIES = ("professional", "alumni", "topic", "recruiting")
COUNTRIES = (("Berlin", "Germany"), ("Zürich", "Switzerland"), ("Lyon", "France"), ("", ""))
LANGUAGES = (("en",), ("de",), ("en", "fr"), ("de", "en", "fr"), ())
MEMBERS = (None, 40, 400, 4000, 40000, 400000)


@cache
def groups() -> tuple[Card, ...]:
    out = []
    for i in range(90):
        city, country = COUNTRIES[i % 4]
        out.append(card(
            f"Group {i:02d}", slug=f"group-{i}", category=CATEGORIES[i % 3 if i % 7 else 3],
            summary="orchid growers" if i % 5 in (0, 2) else "general interest", city=city, country=country,
            languages=LANGUAGES[i % 5], members=MEMBERS[i % 6], industry=("Horticulture", "Banking", "")[i % 3],
            visibility=("open", "request", "invite")[i % 3 if i % 4 else 0],
            last_post_days=(3, 60, 900)[i % 3], posts_per_month=(5.0, 1.0, 0.0)[i % 3]))
    return tuple(out)


def values_of(group: Card) -> dict[str, set[str]]:
    return {
        "category": {group.category}, "size": {group.size_band}, "activity": {group.activity},
        "country": {group.country_slug} - {""}, "industry": {group.industry_slug} - {""},
        "language": set(group.languages), "visibility": {group.visibility},
    }


def brute_force(query_word: str, filters: dict[str, list[str]]) -> tuple[int, dict[str, dict[str, int]]]:
    """Counts for a facet apply the query and every other facet's selection (OR inside a facet)."""
    matching = [g for g in groups() if not query_word or query_word in g.summary.split()]
    counts: dict[str, dict[str, int]] = {}
    total = 0
    for group in matching:
        values = values_of(group)
        passes = {key: not chosen or bool(values[key] & set(chosen)) for key, chosen in filters.items()}
        if all(passes.values()):
            total += 1
        for key in values:
            if all(ok for other, ok in passes.items() if other != key):
                for value in values[key]:
                    counts.setdefault(key, {})[value] = counts.setdefault(key, {}).get(value, 0) + 1
    return total, counts


@cache
def built() -> dict[str, bytes]:
    return index(list(groups()), SMALL)


def check(query: str, filters: dict[str, list[str]]) -> None:
    result = searcher(built()).search(query, filters, "relevance", 0, 200)
    total, counts = brute_force(query, filters)
    assert result.total == total
    assert {k: v for k, v in result.counts.items() if v} == counts


def test_empty_query_counts_are_the_totals() -> None:
    check("", {})
    context = search_page_context(list(groups()), CONFIG)
    listed: Any = context["search_facets"]
    facets = {f["key"]: {o["slug"]: o["count"] for o in f["options"]} for f in listed}
    assert {k: v for k, v in facets.items() if v} == brute_force("", {})[1]


def test_one_filter_keeps_its_own_counts() -> None:
    check("", {"category": ["alumni"]})
    check("orchid", {"category": ["alumni"]})


def test_multi_select_is_or_and_facets_are_and() -> None:
    check("", {"category": ["alumni", "topic"], "language": ["fr"]})
    check("", {"language": ["en", "de"], "country": ["germany", "switzerland"], "size": ["100-999"]})
    check("orchid", {"language": ["en", "fr"], "visibility": ["open", "invite"]})


SELECTIONS = st.fixed_dictionaries({}, optional={
    "category": st.lists(st.sampled_from(CATEGORIES), unique=True),
    "size": st.lists(st.sampled_from(("unknown", "under-100", "100-999", "1000-9999", "10000-99999",
                                      "100000-plus")), unique=True),
    "activity": st.lists(st.sampled_from(("active", "quiet", "dormant")), unique=True),
    "country": st.lists(st.sampled_from(("germany", "switzerland", "france")), unique=True),
    "industry": st.lists(st.sampled_from(("horticulture", "banking")), unique=True),
    "language": st.lists(st.sampled_from(("en", "de", "fr")), unique=True),
    "visibility": st.lists(st.sampled_from(("open", "request", "invite")), unique=True),
})


@settings(max_examples=80, deadline=None)
@given(query=st.sampled_from(("", "orchid", "general")), filters=SELECTIONS)
def test_any_selection_counts_like_brute_force(query: str, filters: dict[str, list[str]]) -> None:
    check(query, filters)
