"""The file layout of the index: term ranges, external postings, precomputed prefixes, determinism."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from functools import cache

from generator.model import Card
from generator.search import Layout, synthetic
from generator.search.codec import order_key
from generator.search.reference import read_range
from tests.search.helpers import CONFIG, index, searcher

LAYOUT = Layout(range_min=1024, range_target=4096, range_max=8192, external=2048, aggregate=6000,
                expansions=100_000, head=25, display_chunk=16, sort_chunk=64)


@cache
def corpus() -> tuple[Card, ...]:
    return tuple(synthetic.cards(800, seed=3))


@cache
def built() -> dict[str, bytes]:
    return index(list(corpus()), LAYOUT)


def words_of(card: Card) -> set[str]:
    """Every word a group is found by, collected here with plain str methods on ASCII-only fields."""
    names = {c.slug: c.name for c in CONFIG.categories}
    text = " ".join([card.summary, *card.tags, card.industry, names.get(card.category, card.category)])
    return {w.strip(".,").lower() for w in text.split() if w.strip(".,").isascii() and w.strip(".,").isalpha()}


def test_every_term_is_in_the_range_the_separators_point_to() -> None:
    files = built()
    found = searcher(files)
    seps = [order_key(sep) for sep, _ in found.meta["ranges"]]
    assert len(seps) > 5, "the test needs several ranges"
    assert seps == sorted(seps) and len(set(seps)) == len(seps)
    for i, (_, name) in enumerate(found.meta["ranges"]):
        terms = read_range(files["search/index/" + name]).terms
        keys = [order_key(t) for t in terms]
        assert keys == sorted(keys)
        assert all(seps[i] <= k for k in keys)
        if i + 1 < len(seps):
            assert all(k < seps[i + 1] for k in keys)


def test_document_frequencies_match_the_groups() -> None:
    files = built()
    found = searcher(files)
    expected: Counter[str] = Counter()
    for card in corpus():
        expected.update(words_of(card))
    for word, count in expected.most_common(60) + expected.most_common()[-60:]:
        entry = found.entry(word)
        assert entry is not None, word
        assert entry.df >= count, word  # the name may hold the word too
        assert len(found.postings(entry)) == entry.df


def test_large_posting_lists_live_in_their_own_files() -> None:
    files = built()
    external = [path for path in files if path.startswith("search/index/p/")]
    assert external
    assert all(len(files[path]) > LAYOUT.external for path in external)
    ranges = [path for path in files if path.startswith("search/index/t/")]
    assert all(len(files[p]) < LAYOUT.range_max * 4 for p in ranges)


def test_precomputed_prefixes_answer_like_the_full_search() -> None:
    files = built()
    found = searcher(files)
    aggregates = {}
    for _, name in found.meta["ranges"]:
        aggregates.update(read_range(files["search/index/" + name]).aggregates)
    assert len(aggregates) > 3
    for prefix, aggregate in list(aggregates.items())[:20]:
        fast = found.search(prefix, {}, "relevance", 0, 10)
        assert fast.total == aggregate.total
        # page past the precomputed head: the full evaluation must agree on the same positions
        full = found.search(prefix, {}, "relevance", 0, LAYOUT.head + 1)
        assert full.ids[:10] == fast.ids
        assert full.counts == fast.counts
        expected = sum(1 for card in corpus() if any(w.startswith(prefix) for w in words_of(card)))
        assert fast.total >= expected


def test_the_same_input_gives_the_same_bytes() -> None:
    again = index(list(corpus()), LAYOUT)
    assert again == built()


def test_editing_one_summary_rewrites_few_files() -> None:
    cards = list(corpus())
    position = 400
    cards[position] = cards[position]._replace(summary=cards[position].summary + " zyzzyva")
    edited = index(cards, LAYOUT)
    before = built()
    changed = sorted(p for p in edited.keys() | before.keys() if edited.get(p) != before.get(p))
    assert len(before) > 100
    # the display chunk of the group, and the ranges (or own files) of its summary's words, whose weights
    # change with the summary's length; nothing else
    affected = len(set(cards[position].summary.split())) + 2
    assert 1 <= len(changed) <= affected, changed
    assert all(p.startswith(("search/index/t/", "search/index/p/", "search/index/d/")) for p in changed), changed
    print(len(changed), "of", len(before))


def test_spilling_runs_to_disk_changes_nothing() -> None:
    assert index(list(corpus()), replace(LAYOUT, spill=500)) == built()
