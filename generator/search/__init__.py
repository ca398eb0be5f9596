"""Client-side search: the index files `groupdir build` writes under search/index/, and the search page.

The index is read by themes/default/static/search/*.js in the browser and by `reference.py` in tests;
`builder.py` says what the files are, `terms.py`, `facets.py` and `codec.py` how they are laid out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from generator.model import Card, SiteConfig
from generator.search.builder import INDEX_DIR, INDEX_META, SORTS, Describe, build, empty_counts
from generator.search.facets import FACETS
from generator.search.known import KnownAggregates, KnownTerms
from generator.search.made import Made
from generator.search.terms import Layout

__all__ = ["INDEX_DIR", "INDEX_META", "Layout", "build_search_index", "search_page_context"]
BY_COUNT = frozenset({"country", "industry", "language"})  # long lists: the largest values first


def build_search_index(cards: Sequence[Card], config: SiteConfig, group_url: Callable[[str], str], *,
                       layout: Layout | None = None, describe: Describe | None = None,
                       known: KnownTerms | None = None, aggregates: KnownAggregates | None = None,
                       keep: Callable[[Made], None] | None = None) -> Iterator[tuple[str, bytes]]:
    """Every file of the search index as (output-relative path, bytes), always the same for the same input.

    `describe(slug)`, when given, returns a group's description so that it is indexed too (lowest weight).
    `known`, `aggregates`: the groups' term weights and the heavy prefixes' answers from the last build
    (generator.search.known), given this build's. `keep`: handed the record of what the index was made from,
    for the next build to patch (generator.search.made, generator.search.patch).
    """
    return build(cards, config, group_url, layout=layout, describe=describe, known=known, aggregates=aggregates,
                 keep=keep)


def search_page_context(cards: Sequence[Card], config: SiteConfig) -> dict[str, object]:
    """What search.html needs.

    search_facets: [{key, label, options: [{slug, label, count}]}] with the counts of the empty query, so
    the filters are rendered with the page; search_sorts: [{key, label}]; search_total: the number of
    groups; search_index: the index folder, site-relative (for url()).
    """
    table, counts = empty_counts(cards, config)
    facets = []
    for (key, label), values, counted in zip(FACETS, table.values, counts, strict=True):
        present = [(slug, name, counted[code]) for code, (slug, name) in enumerate(values) if counted[code]]
        if key in BY_COUNT:
            present.sort(key=lambda option: (-option[2], option[1].casefold()))
        options = [{"slug": slug, "label": name, "count": n} for slug, name, n in present]
        facets.append({"key": key, "label": label, "options": options})
    return {
        "search_facets": facets,
        "search_sorts": [{"key": key, "label": label} for key, label in SORTS],
        "search_total": len(cards),
        "search_index": INDEX_DIR,
    }
