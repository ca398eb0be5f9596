"""Cards and documents from every file -> the Site: cross-checks, as-of date, taxonomies, related groups."""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator.derive import with_as_of
from generator.diagnostics import Diagnostic, error
from generator.loading import EPOCH, SourceResult
from generator.model import SIZE_BANDS, UNKNOWN_BAND, Card, Document, SiteConfig, SourceRef
from generator.text import fold_latin
from generator.yamlio import YamlProblem, load, split_front_matter

RELATED_LIMIT = 6
NEIGHBOURS = 12
RELATED_RUN = 100  # cards per digest of what choosing related groups reads (see related_runs)
RELATED_WEIGHTS = {"tags": 3, "industries": 2, "categories": 1, "locations": 1}  # per shared term


@dataclass(frozen=True, slots=True)
class Term:
    slug: str
    name: str
    indices: tuple[int, ...]  # positions in Site.cards (A-Z order)
    description: str = ""


@dataclass(frozen=True)
class Taxonomy:
    key: str  # categories | tags | locations | industries | sizes
    title: str
    singular: str
    terms: tuple[Term, ...]


@dataclass(frozen=True)
class Site:
    """Everything a build renders from; nothing here holds a group's description."""

    config: SiteConfig
    as_of: dt.date
    cards: tuple[Card, ...]  # A-Z by name
    index: dict[str, int]  # slug -> position in cards
    related: tuple[tuple[int, ...], ...]  # per card, positions of its related cards
    related_key: str  # digest of everything `related` was computed from
    taxonomies: dict[str, Taxonomy]
    guides: tuple[Document, ...]
    milestones: tuple[Document, ...]
    pages: tuple[Document, ...]
    # The digests of runs of RELATED_RUN cards that related_key is made from (see related_runs).
    related_runs: tuple[str, ...] = field(default=(), compare=False, repr=False)


def sort_key(name: str, slug: str) -> tuple[str, str]:
    return (_folded(name), slug)


@functools.lru_cache(maxsize=1 << 17)  # every build sorts every name again; the preview's builds, the same names
def _folded(name: str) -> str:
    return fold_latin(name).casefold()


def site_as_of(config: SiteConfig, results: Sequence[SourceResult]) -> dt.date:
    """The date activity is measured against: the configured one, else the newest date in the content."""
    return config.as_of or max((r.newest for r in results if r.newest), default=EPOCH)


def date_cards(config: SiteConfig, results: Sequence[SourceResult]) -> list[SourceResult]:
    """The results with every card's activity measured against the site's date.

    Cards are loaded measured against no date (a file alone cannot know the site's newest date). A result is
    replaced only when one of its cards changes (with_as_of returns the same card when nothing changes), and
    never changed in place: the build cache tells what to save by which results are new objects.
    """
    if config.as_of is not None:
        return list(results)
    as_of = site_as_of(config, results)
    dated: list[SourceResult] = []
    for result in results:
        cards = tuple(with_as_of(card, as_of) for card in result.cards)
        changed = any(new is not old for new, old in zip(cards, result.cards, strict=True))
        dated.append(result._replace(cards=cards) if changed else result)
    return dated


def assemble(config: SiteConfig, results: Sequence[SourceResult], root: Path,
             previous: tuple[str, RelatedGroups] | None = None,
             last: Site | None = None, choose: ChooseAll | None = None) -> tuple[Site, list[Diagnostic]]:
    """Join the per-file results (their cards dated by date_cards) into a Site, reporting problems that span files.

    `previous` is (key, related) from an earlier build: when nothing that choosing related groups looks at
    has changed, its answer is reused (it is the costliest part of assembling a large site). `last` is the
    Site of the previous build (the preview's, or one the command line put back together: generator.plan_memo):
    when every group is still there and the changed cards keep their place in A-Z order and their terms, its
    order, taxonomies and related groups are taken over (see `_same_shape`), and related groups are chosen again
    only near the cards whose size, status or named related groups changed. `choose` answers a RelatedChooser for
    every card (the build spreads that over its worker processes).
    """
    diagnostics: list[Diagnostic] = []
    as_of = site_as_of(config, results)
    cards: list[Card] = []
    first_seen: dict[str, SourceRef] = {}
    documents: dict[str, list[Document]] = defaultdict(list)
    doc_seen: dict[tuple[str, str], SourceRef] = {}
    keep = cards.append
    for result in results:  # once per content file: its lookups are bound
        for card in result.cards:
            slug = card.slug
            if slug in first_seen:
                other = first_seen[slug]
                diagnostics.append(error(card.source.path, card.source.line, 1,
                                         f"duplicate group slug '{slug}', also used by {other.path}:{other.line}"))
                continue
            first_seen[slug] = card.source
            keep(card)
        for doc in result.documents:
            key = (doc.kind, doc.slug)
            if key in doc_seen:
                diagnostics.append(error(doc.source.path, 1, 1, f"duplicate {doc.kind} slug '{doc.slug}', also "
                                         f"used by {doc_seen[key].path}"))
                continue
            doc_seen[key] = doc.source
            documents[doc.kind].append(doc)
    shape = _same_shape(last, config, cards) if last is not None else None
    if shape is not None:
        cards, changed = shape
        assert last is not None
        index = last.index
    else:
        cards.sort(key=lambda c: sort_key(c.name, c.slug))
        index = {card.slug: i for i, card in enumerate(cards)}
    # Groups that failed validation are reported already; references to them are not errors of their own.
    rejected = {r.slug for result in results if result.rejected for r in result.rejected}
    for card in cards:
        if not card.related:
            continue
        for position, slug in enumerate(card.related):
            if slug not in index and slug not in rejected:
                line, col = locate(root, card.source, ("related", position))
                diagnostics.append(error(card.source.path, line, col, f"'related' names '{slug}', but no group "
                                         "has that slug"))
    rechoose: list[int] = []  # places in the last Site's shape whose size, status or named related groups changed
    if shape is not None and last is not None:
        rechoose = [i for i in changed if related_fields(last.cards[i]) != related_fields(cards[i])]
        taxonomies = last.taxonomies
        runs = related_runs(cards, last.related_runs, rechoose) if rechoose else last.related_runs
        relevance = related_key(runs) if rechoose else last.related_key
    else:
        taxonomies = build_taxonomies(config, cards)
        runs = related_runs(cards)
        relevance = related_key(runs)
    if last is not None and last.related_key == relevance:
        related = last.related
    elif previous is not None and previous[0] == relevance:
        related = previous[1]
    elif rechoose and last is not None:  # the last Site's shape: only the cards near a changed one choose again
        related = rechosen(last.cards, last.related, cards, index, taxonomies, rechoose)[0]
    else:
        related = (choose or choose_all)(RelatedChooser(cards, index, taxonomies))
    by_date = lambda doc: (doc.date or EPOCH, doc.slug)  # noqa: E731
    site = Site(
        config=config,
        related_key=relevance,
        as_of=as_of,
        cards=tuple(cards),
        index=index,
        related=related,
        taxonomies=taxonomies,
        guides=tuple(sorted(documents["guide"], key=by_date, reverse=True)),
        milestones=tuple(sorted(documents["milestone"], key=by_date, reverse=True)),
        pages=tuple(sorted(documents["page"], key=lambda d: d.slug)),
        related_runs=runs,
    )
    return site, diagnostics


def rechosen(last_cards: Sequence[Card], last_related: RelatedGroups, cards: Sequence[Card], index: dict[str, int],
             taxonomies: dict[str, Taxonomy], changed: Sequence[int],
             chooser: RelatedChooser | None = None) -> tuple[RelatedGroups, list[int], RelatedChooser]:
    """The related groups of `cards`, which are `last_cards` (whose related groups were `last_related`) with those
    at `changed` replaced, in the same terms and places (their size, status or named related groups may differ):
    chosen again only for the cards whose candidates include a changed one, as every other card's candidates and
    their order are the same. `chooser` is the one for `last_cards`, when the caller kept it (else it is made:
    0.1-0.2 s at 100,000 groups).

    Returns the related groups, the places whose related groups differ from the last ones, and the chooser for
    `cards`."""
    base = chooser if chooser is not None else RelatedChooser(last_cards, index, taxonomies)
    patched = base.after(cards, changed)
    again = patched.touched_by(changed)
    related = list(last_related)
    for place, answer in zip(again, patched.choose(again), strict=True):
        related[place] = answer
    differ = [place for place in again if related[place] != last_related[place]]
    return (tuple(related) if differ else last_related), differ, patched


def related_runs(cards: Sequence[Card], last: Sequence[str] = (), changed: Iterable[int] = ()) -> tuple[str, ...]:
    """Per run of RELATED_RUN cards in A-Z order, a digest of exactly the fields RelatedChooser reads. Given
    the `last` runs, only those holding a place in `changed` are made again (the other cards are the same)."""
    count = -(-len(cards) // RELATED_RUN)
    if len(last) != count:
        return tuple(_related_run(cards, run) for run in range(count))
    runs = list(last)
    for run in {place // RELATED_RUN for place in changed}:
        runs[run] = _related_run(cards, run)
    return tuple(runs)


def _related_run(cards: Sequence[Card], run: int) -> str:
    hasher = hashlib.blake2b(digest_size=16)
    for c in cards[run * RELATED_RUN:(run + 1) * RELATED_RUN]:
        hasher.update(repr(related_fields(c)).encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


def related_key(runs: Sequence[str]) -> str:
    """A digest of exactly the fields RelatedChooser reads of every card, in A-Z order (from related_runs)."""
    return hashlib.blake2b(f"{len(runs)}|{'|'.join(runs)}".encode(), digest_size=16).hexdigest()


def related_fields(c: Card) -> tuple[object, ...]:
    return (c.slug, c.tag_slugs, c.industry_slug, c.category, c.country_slug, c.status, c.members, c.related)


def _term_fields(c: Card) -> tuple[object, ...]:
    """What build_taxonomies reads of a card (besides its place in A-Z order)."""
    return (c.category, c.tags, c.tag_slugs, c.country_slug, c.country, c.industry_slug, c.industry, c.size_band)


def _same_shape(last: Site, config: SiteConfig, cards: list[Card]) -> tuple[list[Card], list[int]] | None:
    """`cards` in the last Site's order, and the places whose card is a new object, when that order is still
    the A-Z order and the last Site's taxonomies still hold: the same configuration, the same groups, and every
    new card in the same terms as the one it replaces and still between its neighbours. Else None.

    Cards are never changed in place: an unchanged group's card is the very object the last Site holds."""
    if last.config != config or len(cards) != len(last.cards):
        return None
    ordered: list[Card | None] = [None] * len(cards)
    changed: list[int] = []
    where = last.index
    for card in cards:
        position = where.get(card.slug)
        if position is None or ordered[position] is not None:
            return None
        ordered[position] = card
        if card is not last.cards[position]:
            changed.append(position)
    placed: list[Card] = ordered  # type: ignore[assignment]  # every place filled: as many cards as places
    if not all(keeps_place(placed, position, last.cards[position]) for position in changed):
        return None
    return placed, changed


def keeps_place(cards: Sequence[Card], position: int, old: Card) -> bool:
    """Whether the card at `position`, which replaces `old`, is in the same terms and still between its
    neighbours in A-Z order."""
    card = cards[position]
    if _term_fields(card) != _term_fields(old):
        return False
    key = sort_key(card.name, card.slug)
    return not ((position > 0 and not sort_key(cards[position - 1].name, cards[position - 1].slug) < key) or
                (position + 1 < len(cards) and not key < sort_key(cards[position + 1].name, cards[position + 1].slug)))


def build_taxonomies(config: SiteConfig, cards: Sequence[Card]) -> dict[str, Taxonomy]:
    buckets: dict[str, dict[str, list[int]]] = {k: defaultdict(list) for k in
                                                 ("categories", "tags", "locations", "industries", "sizes")}
    names: dict[str, dict[str, str]] = {k: {} for k in buckets}
    for i, card in enumerate(cards):
        buckets["categories"][card.category].append(i)
        for tag, tag_slug in zip(card.tags, card.tag_slugs, strict=True):
            if tag_slug and (not buckets["tags"][tag_slug] or buckets["tags"][tag_slug][-1] != i):
                buckets["tags"][tag_slug].append(i)
                names["tags"].setdefault(tag_slug, tag)
        if card.country_slug:
            buckets["locations"][card.country_slug].append(i)
            names["locations"].setdefault(card.country_slug, card.country)
        if card.industry_slug:
            buckets["industries"][card.industry_slug].append(i)
            names["industries"].setdefault(card.industry_slug, card.industry)
        buckets["sizes"][card.size_band].append(i)

    def terms(key: str, order: Iterable[tuple[str, str, str]]) -> tuple[Term, ...]:
        return tuple(Term(slug, name, tuple(buckets[key][slug]), desc) for slug, name, desc in order
                     if buckets[key].get(slug))

    def by_name(key: str) -> list[tuple[str, str, str]]:
        return sorted(((s, n, "") for s, n in names[key].items()), key=lambda t: sort_key(t[1], t[0]))

    bands = [(slug, label, "") for slug, label, _, _ in SIZE_BANDS] + [(UNKNOWN_BAND[0], UNKNOWN_BAND[1], "")]
    return {
        "categories": Taxonomy("categories", "Categories", "Category",
                               terms("categories", ((c.slug, c.name, c.description) for c in config.categories))),
        "tags": Taxonomy("tags", "Tags", "Tag", terms("tags", by_name("tags"))),
        "locations": Taxonomy("locations", "Locations", "Location", terms("locations", by_name("locations"))),
        "industries": Taxonomy("industries", "Industries", "Industry", terms("industries", by_name("industries"))),
        "sizes": Taxonomy("sizes", "Sizes", "Size", terms("sizes", bands)),
    }


class RelatedChooser:
    """Per card: explicit `related` first, then neighbours sharing tags, industry, category and country.

    Candidates come from a window around the card in each shared term's list, so the cost per card
    is bounded however large the directory grows. Made once per site; `choose` answers for any run of
    positions, so runs can be answered by several processes.
    """

    def __init__(self, cards: Sequence[Card], index: dict[str, int], taxonomies: dict[str, Taxonomy]) -> None:
        self.cards = cards
        self.index = index
        self.lists: dict[tuple[str, str], tuple[int, ...]] = {
            (key, term.slug): term.indices for key in RELATED_WEIGHTS for term in taxonomies[key].terms}
        # Ties on score go to the larger group, then to the earlier one A-Z. One integer per candidate holds
        # that whole order: its rank by size less its score times the number of cards. Those integers are
        # distinct (the rank is), so they sort without a key function and each gives its card back (the rank is
        # the integer modulo the number of cards). A candidate scores its term's weight once per window it falls
        # in: each window goes into the pool that many times and the pool is counted in one call. At 100,000
        # groups choosing is most of assembling: 7.9 s with a key function and a dict of scores, 5.0 s so
        # (one-off timing).
        count = len(cards)
        self.by_size = sorted(range(count), key=lambda j: (-(cards[j].members or 0), j))
        self.rank = [0] * count
        for position, j in enumerate(self.by_size):
            self.rank[j] = position
        self.defunct = [card.status == "defunct" for card in cards]

    def choose(self, positions: Iterable[int]) -> list[tuple[int, ...]]:
        cards, index, lists, weights = self.cards, self.index, self.lists, RELATED_WEIGHTS
        by_size, rank, defunct, count = self.by_size, self.rank, self.defunct, len(self.cards)
        answers: list[tuple[int, ...]] = []
        for i in positions:
            card = cards[i]
            chosen = list(dict.fromkeys(index[s] for s in card.related if s in index and index[s] != i))
            if len(chosen) < RELATED_LIMIT:
                pool: list[int] = []
                for dimension, slug in _lists_of(card):
                    members = lists.get((dimension, slug))
                    if not members:
                        continue
                    at = bisect.bisect_left(members, i)
                    pool += members[max(0, at - NEIGHBOURS): at + NEIGHBOURS + 1] * weights[dimension]
                scores = Counter(pool)
                for j in (i, *chosen):
                    scores.pop(j, None)
                ranked = sorted([rank[j] - score * count for j, score in scores.items() if not defunct[j]])
                chosen.extend(by_size[key % count] for key in ranked[: RELATED_LIMIT - len(chosen)])
            answers.append(tuple(chosen))
        return answers


    def after(self, cards: Sequence[Card], changed: Sequence[int]) -> RelatedChooser:
        """This chooser for `cards`, where only the cards at `changed` are new, in the same terms and places
        (their size, status or named related groups may differ): they are taken out of the order by size and
        put back where their size puts them now."""
        chooser = copy.copy(self)
        chooser.cards = cards
        chooser.by_size, chooser.rank, chooser.defunct = by_size, rank, defunct = \
            list(self.by_size), list(self.rank), list(self.defunct)
        first = min(rank[c] for c in changed)
        last = max(rank[c] for c in changed)
        for place in sorted((rank[c] for c in changed), reverse=True):
            del by_size[place]

        def order(j: int) -> tuple[int, int]:
            return (-(cards[j].members or 0), j)

        for c in changed:
            by_size.insert(bisect.bisect_left(by_size, order(c), key=order), c)
            defunct[c] = cards[c].status == "defunct"
        for c in changed:
            place = bisect.bisect_left(by_size, order(c), key=order)
            first, last = min(first, place), max(last, place)
        for place in range(first, last + 1):
            rank[by_size[place]] = place
        return chooser

    def touched_by(self, changed: Iterable[int]) -> list[int]:
        """The places whose candidates may include a card at `changed` (the card's neighbours in each list it
        is in, within the window choose() takes), and those places themselves, in order."""
        places = set(changed)
        for c in list(places):
            for key in _lists_of(self.cards[c]):
                members = self.lists.get(key)
                if members:
                    at = bisect.bisect_left(members, c)
                    places.update(members[max(0, at - NEIGHBOURS): at + NEIGHBOURS + 1])
        return sorted(places)


def _lists_of(card: Card) -> list[tuple[str, str]]:
    """The lists a card's candidates come from: its tags', industry's, category's and country's."""
    return [("tags", t) for t in card.tag_slugs] + [("industries", card.industry_slug), ("categories", card.category),
                                                    ("locations", card.country_slug)]


RelatedGroups = tuple[tuple[int, ...], ...]  # per card, in A-Z order: the positions of its related groups
ChooseAll = Callable[[RelatedChooser], RelatedGroups]


def choose_all(chooser: RelatedChooser) -> RelatedGroups:
    """Every card's related groups, in this process."""
    return tuple(chooser.choose(range(len(chooser.cards))))


def locate(root: Path, ref: SourceRef, path: tuple[str | int, ...]) -> tuple[int, int]:
    """The position of a field in a YAML or Markdown group file; the record's line when it cannot be found."""
    if not ref.path.endswith((".yaml", ".yml", ".md")):
        return (ref.line, 1)
    try:
        text = (root / ref.path).read_text("utf-8")
        loaded = split_front_matter(text).meta if ref.path.endswith(".md") else load(text)
    except (OSError, UnicodeDecodeError, YamlProblem):
        return (ref.line, 1)
    prefix: tuple[str | int, ...] = (ref.index,) if isinstance(loaded.value, list) else ()
    return loaded.where((*prefix, *path))


__all__ = ["Site", "Taxonomy", "Term", "assemble"]
