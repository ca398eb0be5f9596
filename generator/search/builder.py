"""Builds every file of the search index from the listing cards, streaming, deterministically.

Doc ids follow members (most first), then name, so equal scores fall back to the larger group and the
best results of most queries sit in the first display chunks.
"""

from __future__ import annotations

import datetime as dt
import json
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import lru_cache
from itertools import chain

from generator import routes
from generator.model import ACTIVITY_LEVELS, Card, SiteConfig
from generator.search import made
from generator.search.analyzer import analyze, normalize
from generator.search.codec import block, u32
from generator.search.facets import FACETS, Columns, FacetTable
from generator.search.known import KnownAggregates, KnownTerms
from generator.search.made import Made
from generator.search.postings import DESCRIPTION, KEYWORDS, NAME, SUMMARY, Accumulator, weights
from generator.search.terms import Layout, TermWriter

INDEX_DIR = routes.SEARCH_INDEX
INDEX_META = routes.SEARCH_META  # written last: the index is whole once it is there
VERSION = 1
SORTS: tuple[tuple[str, str], ...] = (
    ("relevance", "Best match"),
    ("members", "Most members"),
    ("name", "Name"),
    ("newest", "Newest"),
    ("active", "Most active"),
)
RANKED_SORTS = ("name", "newest", "active")
_ACTIVITY_ORDER = {slug: i for i, (slug, _) in enumerate(ACTIVITY_LEVELS)}
Describe = Callable[[str], str]


def doc_key(card: Card, folded: str) -> tuple[bool, int, str, str]:
    """A group's place in doc-id order: members, most first (unknown last), then name (`folded`)."""
    return card.members is None, -(card.members or 0), folded, card.slug


def doc_order(cards: Sequence[Card], folded: Sequence[str]) -> list[int]:
    """Positions of the cards in doc-id order."""
    return sorted(range(len(cards)), key=lambda i: doc_key(cards[i], folded[i]))


def _name_key(card: Card, folded: str, doc: int) -> tuple[str, str, int]:
    return folded, card.slug, doc


def _newest_key(card: Card, folded: str, doc: int) -> tuple[bool, int, int]:
    return card.founded is None, -_ordinal(card.founded), doc


def _active_key(card: Card, folded: str, doc: int) -> tuple[int, bool, float, bool, int, int]:
    rate = card.posts_per_month
    last = card.last_post
    return (_ACTIVITY_ORDER.get(card.activity, len(_ACTIVITY_ORDER)), rate is None, -(rate or 0.0),
            last is None, -(last.toordinal() if last else 0), doc)


SortKey = Callable[[Card, str, int], tuple[object, ...]]
SORT_KEYS: dict[str, SortKey] = {"name": _name_key, "newest": _newest_key, "active": _active_key}


def sort_keys(docs: Sequence[Card], folded: Sequence[str]) -> dict[str, list[int]]:
    """For each ranked sort, doc ids in that order (`folded`: the names, normalized)."""
    return {sort: sorted(range(len(docs)), key=lambda d, key=key: key(docs[d], folded[d], d))  # type: ignore[misc]
            for sort, key in SORT_KEYS.items()}


def _ordinal(day: dt.date | None) -> int:
    return day.toordinal() if day else 0


def build(cards: Sequence[Card], config: SiteConfig, group_url: Callable[[str], str], *,
          layout: Layout | None = None, describe: Describe | None = None,
          known: KnownTerms | None = None, aggregates: KnownAggregates | None = None,
          keep: Callable[[Made], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """`keep`, when given, is handed what the index was made from once its last file is out (it then owns the
    record's files: see generator.search.made)."""
    layout = layout or Layout()
    folded_all = [normalize(card.name) for card in cards]
    order = doc_order(cards, folded_all)
    docs = [cards[i] for i in order]
    folded = [folded_all[i] for i in order]
    del folded_all, order
    count = len(docs)
    table = FacetTable.build(docs, config)
    encoder = table.encoder()
    columns = Columns([len(values) for values in table.values])
    rows: list[bytes] = []
    value_ids: list[list[array[int]]] = [[array("I") for _ in values] for values in table.values]
    for doc, card in enumerate(docs):
        values = encoder.values(card)
        rows.append(encoder.row(values))
        columns.add(values)
        for facet, value in enumerate(values):
            for code in value:
                value_ids[facet][code].append(doc)
    orders = sort_keys(docs, folded)
    del folded
    for name, data in chain(display_files(docs, table, group_url, layout.display_chunk),
                            sort_files(orders, count, layout.sort_chunk),
                            facet_files(table, value_ids, rows)):
        assert data is not None
        yield INDEX_DIR + name, data
    empty_counts = [[len(ids) for ids in per_value] for per_value in value_ids]
    del value_ids

    accumulator = Accumulator(layout.spill)
    category_names = {c.slug: c.name for c in config.categories}
    for doc, card in enumerate(docs):
        accumulator.add(doc, _weights(card, category_names, describe, known))
    if known is not None:
        known.close()
    writer = TermWriter(count, rows, layout, aggregates)
    for merged in accumulator.merged():
        for name, data in writer.add(merged):
            yield INDEX_DIR + name, data
    for name, data in writer.ranges(columns):
        yield INDEX_DIR + name, data
    url = url_pattern(group_url)
    yield INDEX_DIR + INDEX_META, meta(count, table, empty_counts, writer, layout, url)
    if keep is None or describe is not None:  # descriptions are not in the cards a patch compares
        writer.close()
        return
    keep(Made(made.context_of(config, group_url, layout), [card.slug for card in docs],
              [card.digest for card in docs], rows, table, columns,
              {sort: array("I", ordered) for sort, ordered in orders.items()}, empty_counts,
              writer.terms, writer.entry_at, writer.external, writer.raw_at, writer.df, writer.raw, writer.bodies))


def _weights(card: Card, category_names: dict[str, str], describe: Describe | None,
             known: KnownTerms | None) -> dict[str, int]:
    """A group's term weights, taken from the last build's when its card is unchanged (descriptions, which the
    card does not cover, are never taken so)."""
    if known is None or describe is not None:
        return weights(_fields(card, category_names, describe))
    found = known.get(card.slug, card.digest)
    if found is None:
        found = weights(_fields(card, category_names, describe))
        known.keep(card.slug, card.digest, found)
    return found


def term_weights(card: Card, category_names: dict[str, str]) -> dict[str, int]:
    """A group's term weights, from its card (`category_names`: the categories' names by slug)."""
    return weights(_fields(card, category_names, None))


def _fields(card: Card, category_names: dict[str, str],
            describe: Describe | None) -> list[tuple[list[str], tuple[float, float]]]:
    keywords = list(chain.from_iterable(map(_cached, card.tags)))
    keywords += _cached(category_names.get(card.category, card.category))
    keywords += _cached(card.industry)
    keywords += _cached(card.location_label)
    fields = [(analyze(card.name), NAME), (keywords, KEYWORDS), (analyze(card.summary), SUMMARY)]
    if describe is not None:
        fields.append((analyze(describe(card.slug)), DESCRIPTION))
    return fields


@lru_cache(maxsize=65536)
def _cached_tuple(value: str) -> tuple[str, ...]:
    return tuple(analyze(value))


def _cached(value: str) -> list[str]:
    return list(_cached_tuple(value)) if value else []


def url_pattern(group_url: Callable[[str], str]) -> tuple[str, str]:
    """The parts of a group URL around its slug, when URLs are built that way."""
    probe = "slug-probe"
    prefix, found, suffix = group_url(probe).partition(probe)
    return (prefix, suffix) if found else ("", "")


def display_files(docs: Sequence[Card], table: FacetTable, group_url: Callable[[str], str], size: int,
                  only: Collection[int] | None = None) -> Iterator[tuple[str, bytes | None]]:
    """Display records; a URL that is prefix + slug + suffix is stored as the slug alone. With `only`, the
    chunks of other numbers are named with no bytes."""
    codes = table.codes()
    prefix, suffix = url_pattern(group_url)

    def link(slug: str) -> str:
        url = group_url(slug)
        return slug if prefix and url == prefix + slug + suffix and "/" not in slug and ":" not in slug else url

    for start in range(0, len(docs), size):
        number = start // size
        if only is not None and number not in only:
            yield f"d/{number}.json", None
            continue
        records = [[card.name, card.summary, link(card.slug), codes[0][card.category], card.members,
                    card.location_label, codes[2][card.activity]] for card in docs[start:start + size]]
        yield f"d/{number}.json", _json(records)


def sort_files(orders: Mapping[str, Sequence[int]] | None, count: int,
                size: int) -> Iterator[tuple[str, bytes | None]]:
    """Each ranked sort's ranks and order in chunks; with no `orders` (kept as they were), their names alone."""
    for sort in RANKED_SORTS:
        ordered = orders[sort] if orders is not None else None
        rank = array("I", bytes(4 * count) if ordered is not None else b"")
        for position, doc in enumerate(ordered or ()):
            rank[doc] = position
        for start in range(0, count, size):
            yield f"s/{sort}/{start // size}.bin", u32(rank[start:start + size]) if ordered is not None else None
            yield f"o/{sort}/{start // size}.bin", u32(ordered[start:start + size]) if ordered is not None else None


def facet_files(table: FacetTable, value_ids: Sequence[Sequence[array[int]]] | None,
                 rows: Sequence[bytes]) -> Iterator[tuple[str, bytes | None]]:
    """Each facet value's groups; with no `value_ids` (kept as they were), their names alone."""
    for facet, values in enumerate(table.values):
        for code in range(len(values)):
            ids = value_ids[facet][code] if value_ids is not None else None
            yield f"f/{FACETS[facet][0]}/{code}.bin", block(ids, bytes(len(ids)), rows) if ids is not None else None


def meta(count: int, table: FacetTable, empty_counts: list[list[int]], writer: TermWriter,
         layout: Layout, url: tuple[str, str]) -> bytes:
    facets = [
        {"key": key, "label": label,
         "values": [[slug, name, n] for (slug, name), n in zip(values, counts, strict=True)]}
        for (key, label), values, counts in zip(FACETS, table.values, empty_counts, strict=True)
    ]
    return _json({
        "version": VERSION,
        "count": count,
        "display": layout.display_chunk,
        "url": list(url),
        "sortChunk": layout.sort_chunk,
        "expansions": layout.expansions,
        "head": layout.head,
        "facets": facets,
        "sorts": [list(sort) for sort in SORTS],
        "ranges": [[sep, name] for sep, name in zip(writer.seps, writer.names, strict=True)],
    })


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def empty_counts(cards: Sequence[Card], config: SiteConfig) -> tuple[FacetTable, list[Counter[int]]]:
    """Each facet value's number of groups, for the page rendered before any search.

    Each facet's raw values are counted in one pass over the cards and only then turned into codes: a
    group's codes one by one cost most of a one-group rebuild's search page at 100,000 groups."""
    table = FacetTable.build(cards, config)
    codes = table.codes()
    raw: list[Counter[str]] = [
        Counter(card.category for card in cards),
        Counter(card.size_band for card in cards),
        Counter(card.activity for card in cards),
        Counter(card.country_slug for card in cards if card.country_slug),
        Counter(card.industry_slug for card in cards if card.industry_slug),
        Counter(chain.from_iterable(set(card.languages) for card in cards)),
        Counter(card.visibility for card in cards),
    ]
    counts: list[Counter[int]] = [Counter() for _ in FACETS]
    for facet, counted in enumerate(raw):
        for value, n in counted.items():
            counts[facet][codes[facet][value]] += n
    return table, counts
