"""Ranking and sorting on groups made by hand, through the reference search."""

from __future__ import annotations

import datetime as dt

from generator.model import Card
from tests.search.helpers import card, index, names, searcher


def search(cards: list[Card], query: str, sort: str = "relevance", **filters: list[str]) -> list[str]:
    found = searcher(index(cards))
    return names(found, found.search(query, filters, sort, 0, 50).ids)


def test_a_word_in_the_name_beats_the_same_word_in_a_summary() -> None:
    cards = [card("Data Club", summary="We write python every week.", members=90000),
             card("Python Paris", members=10)]
    assert search(cards, "python") == ["Python Paris", "Data Club"]


def test_tags_and_place_beat_the_summary() -> None:
    cards = [card("Alpha", summary="Mostly about nursing.", members=5000),
             card("Beta", tags=("nursing",), members=50),
             card("Gamma", summary="Nothing relevant here.", members=10)]
    assert search(cards, "nursing") == ["Beta", "Alpha"]


def test_equal_scores_fall_back_to_members_then_name() -> None:
    cards = [card("Rust Lyon", members=100), card("Rust Nice", members=500), card("Rust Bonn", members=500),
             card("Rust Oslo")]
    assert search(cards, "rust") == ["Rust Bonn", "Rust Nice", "Rust Lyon", "Rust Oslo"]


def test_the_last_word_matches_as_a_prefix() -> None:
    cards = [card("Recruiters United", members=10), card("Hiring Circle", summary="For recruitment people."),
             card("Rust Berlin")]
    assert search(cards, "recru") == ["Recruiters United", "Hiring Circle"]
    assert search(cards, "recru berlin") == []
    assert search(cards, "berlin ru") == ["Rust Berlin"]


def test_the_whole_word_ranks_above_its_completions() -> None:
    cards = [card("Javascript Guild", members=100000), card("Java Guild", members=5)]
    assert search(cards, "java") == ["Java Guild", "Javascript Guild"]


def test_every_word_must_match() -> None:
    cards = [card("Rust Berlin"), card("Rust Madrid"), card("Berlin Founders")]
    assert search(cards, "rust berlin") == ["Rust Berlin"]
    assert search(cards, "berlin") == ["Berlin Founders", "Rust Berlin"]


def test_diacritics_and_case_do_not_matter() -> None:
    cards = [card("Finanzfachleute Zürich", members=2300), card("Geneva Bankers", city="Genève", country="Switzerland")]
    assert search(cards, "Zurich") == ["Finanzfachleute Zürich"]
    assert search(cards, "ZÜRICH") == ["Finanzfachleute Zürich"]
    assert search(cards, "geneve") == ["Geneva Bankers"]


def test_non_latin_scripts() -> None:
    cards = [card("上海国际商务", members=10), card("Москва HR клуб", members=20), card("شبكة دبي", members=30),
             card("서울 게임 개발자 모임", members=40), card("Αθήνα Μηχανικοί", members=50), card("קהילת תל אביב")]
    assert search(cards, "上海") == ["上海国际商务"]
    assert search(cards, "商") == ["上海国际商务"]
    assert search(cards, "国际") == ["上海国际商务"]
    assert search(cards, "москва") == ["Москва HR клуб"]
    assert search(cards, "дубай") == []
    assert search(cards, "دبي") == ["شبكة دبي"]
    assert search(cards, "개발") == ["서울 게임 개발자 모임"]
    assert search(cards, "αθηνα") == ["Αθήνα Μηχανικοί"]
    assert search(cards, "תל") == ["קהילת תל אביב"]


def test_sorts() -> None:
    day = dt.date(2000, 1, 1)
    cards = [
        card("Émile Club", members=30, founded=day, last_post_days=100, posts_per_month=1.0),
        card("Able Club", members=None, founded=day + dt.timedelta(days=300), last_post_days=2,
             posts_per_month=9.0),
        card("Zebra Club", members=900, last_post_days=3, posts_per_month=30.0),
        card("Mango Club", members=30, founded=day + dt.timedelta(days=10), last_post_days=400),
    ]
    assert search(cards, "club", "members") == ["Zebra Club", "Émile Club", "Mango Club", "Able Club"]
    assert search(cards, "club", "name") == ["Able Club", "Émile Club", "Mango Club", "Zebra Club"]
    assert search(cards, "club", "newest") == ["Able Club", "Mango Club", "Émile Club", "Zebra Club"]
    assert search(cards, "club", "active") == ["Zebra Club", "Able Club", "Émile Club", "Mango Club"]
    assert search(cards, "", "name") == ["Able Club", "Émile Club", "Mango Club", "Zebra Club"]
    assert search(cards, "", "members") == ["Zebra Club", "Émile Club", "Mango Club", "Able Club"]


def test_filters_narrow_and_sort_the_results() -> None:
    cards = [card("Rust Berlin", category="topic", members=85, country="Germany"),
             card("Rust Alumni", category="alumni", members=4000, country="France"),
             card("Go Alumni", category="alumni", members=50, country="Germany")]
    assert search(cards, "", category=["alumni"]) == ["Rust Alumni", "Go Alumni"]
    assert search(cards, "rust", category=["alumni", "topic"], country=["germany"]) == ["Rust Berlin"]
    assert search(cards, "alumni", "name", country=["germany"]) == ["Go Alumni"]


def test_descriptions_are_indexed_below_summaries_when_given() -> None:
    from generator.search import build_search_index
    from generator.search.reference import Searcher
    from tests.search.helpers import CONFIG, url

    cards = [card("Alpha", summary="About kayaks.", members=5), card("Beta", members=500)]
    descriptions = {"alpha": "", "beta": "We also paddle kayaks on weekends."}
    files = dict(build_search_index(cards, CONFIG, url, describe=descriptions.__getitem__))
    found = Searcher(lambda path: files["search/index/" + path])
    assert names(found, found.search("kayaks").ids) == ["Alpha", "Beta"]
    assert names(searcher(index(cards)), searcher(index(cards)).search("kayaks").ids) == ["Alpha"]
