"""The last build's search index patched for a few edited groups, instead of made again from every group.

Given the record of the last index (generator.search.made) and this build's cards, the groups whose card
changed are found by digest. When there are a few, and each keeps its doc id (its place by members and name),
its place in every ranked sort and its facet values, every file of the index but these stands as it is:
- the display chunk holding the group;
- the terms whose weight for the group changed: their postings are edited in place, and those that have a
  posting file get it written again;
- the range files, made again from every term's entry (the kept terms' entries are taken from the record, so
  only the edited ones are encoded), with the heavy prefixes' answers keyed anew as in a whole build;
- meta.json (the range list may change).
Anything else (a group added, removed or moved, a facet value changed, a country or industry spelt otherwise
than its facet's label) returns None: the whole index is made.
A patched index is byte for byte the one a whole build makes from the same cards (tests/search/test_patch.py).
"""

from __future__ import annotations

import bisect
import heapq
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from generator.model import Card, SiteConfig
from generator.search import made
from generator.search.analyzer import normalize
from generator.search.builder import (
    INDEX_DIR,
    INDEX_META,
    SORT_KEYS,
    display_files,
    doc_key,
    facet_files,
    meta,
    sort_files,
    term_weights,
    url_pattern,
)
from generator.search.codec import order_key
from generator.search.facets import FACET_KEYS, FacetTable
from generator.search.known import KnownAggregates, KnownTerms, Weights
from generator.search.made import Made
from generator.search.terms import Layout, TermWriter

MAX_CHANGED = 64  # groups changed beyond which the whole index is made


@dataclass
class Patched:
    files: list[tuple[str, bytes | None]]  # every file of the index (output-relative), with no bytes if it stands
    made: Made  # the record of the patched index (its `files` still to be filled in by whoever stages them)


class _Folded:
    """Normalized names, made when first asked for (a patch looks at a few groups' neighbours only)."""

    def __init__(self, docs: Sequence[Card]) -> None:
        self.docs = docs
        self.found: dict[int, str] = {}

    def __getitem__(self, doc: int) -> str:
        found = self.found.get(doc)
        if found is None:
            found = self.found[doc] = normalize(self.docs[doc].name)
        return found


def patch(last: Made, cards: Sequence[Card], config: SiteConfig, group_url: Callable[[str], str], layout: Layout,
          known: KnownTerms, aggregates: KnownAggregates | None) -> Patched | None:
    """The index for `cards` patched from `last`, or None when it cannot be. `known` must hold the last build's
    term weights (the changed groups' old weights are read from it); it is saved for the next build."""
    if last.context != made.context_of(config, group_url, layout) or len(cards) != len(last.slugs):
        return None
    by_slug = {card.slug: card for card in cards}
    docs = [by_slug.get(slug) for slug in last.slugs]
    if len(by_slug) != len(cards) or None in docs:
        return None
    placed: list[Card] = docs  # type: ignore[assignment]  # no None, checked above
    changed = [doc for doc, (card, was) in enumerate(zip(placed, last.digests, strict=True)) if card.digest != was]
    if len(changed) > MAX_CHANGED or not _keeps_places(last, placed, changed):
        return None
    category_names = {c.slug: c.name for c in config.categories}
    touched: dict[str, dict[int, int]] = {}  # term -> doc -> its new weight (0: no longer there)
    updated: dict[str, tuple[str, Weights]] = {}
    for doc in changed:
        card = placed[doc]
        old = known.peek(card.slug, last.digests[doc])
        if old is None:
            return None
        weights = term_weights(card, category_names)
        updated[card.slug] = (card.digest, weights)
        for term in old.keys() | weights.keys():
            if old.get(term) != weights.get(term):
                touched.setdefault(term, {})[doc] = weights.get(term, 0)
    known.carried(updated)
    known.close()
    count = len(placed)
    size = layout.display_chunk
    files: list[tuple[str, bytes | None]] = []
    files += display_files(placed, last.table, group_url, size, only={doc // size for doc in changed})
    files += sort_files(None, count, layout.sort_chunk)
    files += facet_files(last.table, None, last.rows)
    writer = TermWriter(count, last.rows, layout, aggregates)
    files += _terms(last, writer, touched)
    files += writer.ranges(last.columns)
    files.append((INDEX_META, meta(count, last.table, last.empty_counts, writer, layout, url_pattern(group_url))))
    digests = list(last.digests)
    for doc in changed:
        digests[doc] = placed[doc].digest
    after = Made(last.context, last.slugs, digests, last.rows, last.table, last.columns, last.orders,
                 last.empty_counts, writer.terms, writer.entry_at, writer.external, writer.raw_at, writer.df,
                 writer.raw, writer.bodies)
    return Patched([(INDEX_DIR + name, data) for name, data in files], after)


def _keeps_places(last: Made, docs: Sequence[Card], changed: Sequence[int]) -> bool:
    """Whether every changed group keeps its facet row, its doc id and its place in each ranked sort: a list is
    still in order when each pair of neighbours that holds a changed group is."""
    if not changed:
        return True
    encoder = last.table.encoder()
    for doc in changed:
        try:
            row = encoder.row(encoder.values(docs[doc]))
        except KeyError:  # a facet value the last index did not have
            return False
        if row != last.rows[doc] or not _keeps_labels(last.table, encoder.codes, docs[doc]):
            return False
    folded = _Folded(docs)
    if not _in_order(range(len(docs)), changed, lambda doc: doc_key(docs[doc], folded[doc])):
        return False
    for sort, order in last.orders.items():
        key = SORT_KEYS[sort]
        places = [order.index(doc) for doc in changed]
        if not _in_order(order, places, lambda doc, key=key: key(docs[doc], folded[doc], doc)):  # type: ignore[misc]
            return False
    return True


_COUNTRY, _INDUSTRY = FACET_KEYS.index("country"), FACET_KEYS.index("industry")


def _keeps_labels(table: FacetTable, codes: list[dict[str, int]], card: Card) -> bool:
    """Whether the group spells its country and industry as the facet table shows them: a value's label is the
    first of the groups' spellings of it (FacetTable.build), which another spelling could change."""
    return all(table.values[facet][codes[facet][slug]][1] == name
               for facet, slug, name in ((_COUNTRY, card.country_slug, card.country),
                                         (_INDUSTRY, card.industry_slug, card.industry)) if slug)


def _in_order(order: Sequence[int], places: Iterable[int], key: Callable[[int], tuple[object, ...]]) -> bool:
    """Whether `order` (doc ids) is still in increasing `key` order around each of `places`."""
    last = len(order) - 1
    for place in places:
        doc = order[place]
        if place > 0 and not key(order[place - 1]) < key(doc):
            return False
        if place < last and not key(doc) < key(order[place + 1]):
            return False
    return True


def _terms(last: Made, writer: TermWriter, touched: dict[str, dict[int, int]]) -> Iterator[tuple[str, bytes | None]]:
    """Every term in index order through `writer`: kept ones with their recorded entry, touched ones with their
    postings edited (a term no group has any more is left out). A term whose groups changed is given to the
    writer's `moved` with its groups in the last index, for the counts of the prefixes standing for it."""
    where = {term: index for index, term in enumerate(last.terms)} if touched else {}
    fresh = sorted((term for term in touched if term not in where), key=order_key)
    kept = ((order_key(term), term, index) for index, term in enumerate(last.terms))
    for _, term, index in heapq.merge(kept, ((order_key(term), term, -1) for term in fresh)):
        edits = touched.get(term)
        if edits is None:
            ids, weights = last.postings(index)
            yield from writer.add_kept(term, ids, weights, last.entry(index), last.external[index])
            continue
        postings = last.postings(index) if index >= 0 else (b"", b"")
        ids_now, weights_now = _edited(postings, edits)
        ids_before = array("I")
        ids_before.frombytes(postings[0])
        if ids_before != ids_now:
            writer.moved[term] = (ids_before, frozenset(edits))
        if ids_now:
            yield from writer.add((term, ids_now, weights_now))


def _edited(postings: tuple[bytes, bytes], edits: dict[int, int]) -> tuple[array[int], bytes]:
    """A term's postings with each doc of `edits` given its new weight (0: taken out)."""
    ids = array("I")
    ids.frombytes(postings[0])
    weights = bytearray(postings[1])
    for doc, weight in sorted(edits.items()):
        at = bisect.bisect_left(ids, doc)
        present = at < len(ids) and ids[at] == doc
        if not weight:
            if present:
                del ids[at]
                del weights[at]
        elif present:
            weights[at] = weight
        else:
            ids.insert(at, doc)
            weights.insert(at, weight)
    return ids, bytes(weights)


__all__ = ["MAX_CHANGED", "Patched", "patch"]
