"""The page plan: every output the site will have, each with a digest of the data it is made from.

A job is small and picklable: the renderer looks the data up again from the Site by `key`. A job's
`inputs` digest, with the digest of its template and of the configuration, decides whether an
output from an earlier build can be kept as it is.
"""

from __future__ import annotations

import bisect
import heapq
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

from generator import exports, routes
from generator.assemble import RelatedGroups, Site, Term
from generator.derive import digest
from generator.model import Card, Document

HOME_FEATURED = 6
HOME_RECENT = 6
HOME_DOCS = 4
FEED_ENTRIES = 50
SITEMAP_LIMIT = 50_000
SWEET_SPOT = ("100-999", "1000-9999")  # the size bands the home page counts as the sweet spot
RUN = 100  # cards per run of rows whose digest a plan keeps (see _runs); a page of the exports is 100 runs


class Job(NamedTuple):
    """One output to make. A named tuple rather than a frozen dataclass: a plan makes one per output (three per
    group), and a tuple is made in a fifth of the time (0.25 us, not 1.2 us: a third of a second at 100,000
    groups, on every build from the command line)."""

    path: str  # output path, e.g. "groups/rust-berlin/index.html"
    kind: str  # see render._HANDLERS
    template: str  # template name, or "" for outputs made without one
    key: tuple[object, ...]  # what the renderer needs to find the data again
    inputs: str  # digest of the data this output is made from
    # Late jobs run after every other job, in the main process: they read outputs of this build, or sum up
    # every group.
    late: bool = False
    # A listing page's first group in the site's A-Z order of groups: rendering goes through jobs in that
    # order, so the cards a page shows are mostly ones its worker rendered for the pages just before.
    near: int = 0


def _digest_cards(cards: Sequence[Card]) -> str:
    """A digest of everything the cards show, in order."""
    return digest("|".join(card.digest for card in cards))


def pages_of(count: int, per_page: int) -> int:
    return max(1, math.ceil(count / per_page))


def featured(site: Site) -> list[int]:
    chosen = [i for i, card in enumerate(site.cards) if card.featured]
    return sorted(chosen, key=lambda i: (-(site.cards[i].members or 0), i))[:HOME_FEATURED]


def recently_added(site: Site, limit: int) -> list[int]:
    """The newest `limit` groups by date added (then slug, last first)."""
    cards = site.cards
    dated = (i for i, card in enumerate(cards) if card.added is not None)
    return heapq.nlargest(limit, dated, key=lambda i: (cards[i].added, cards[i].slug))


Listing = tuple[str, Sequence[int], tuple[object, ...], str]  # first page's URL, cards' places, key, digest head


def a_to_z(site: Site) -> Listing:
    """The listing of every group, A-Z."""
    return "groups/", range(len(site.cards)), ("all",), "all"


def term_listing(dimension: str, term: Term) -> Listing:
    """The listing of a term's groups."""
    return (routes.term(dimension, term.slug), term.indices, ("term", dimension, term.slug),
            f"{dimension}|{term.slug}|{term.name}|{term.description}")


def listing_jobs(site: Site, first_url: str, indices: Sequence[int], key: tuple[object, ...],
                 head: str, groups: GroupJobs | None = None) -> Iterator[Job]:
    """The pages of one listing. With `groups` from group_jobs(), a page none of whose cards changed since
    the last plan takes that plan's job over (see GroupJobs.changed), and every page's job is kept for the
    next plan."""
    per_page = site.config.per_page
    total = pages_of(len(indices), per_page)
    kept = groups.listings if groups is not None and groups.keep else None
    changed = groups.changed if groups is not None else None
    for number in range(1, total + 1):
        start, stop = (number - 1) * per_page, min(number * per_page, len(indices))
        job_key = (*key, number)
        job = groups.last_listings.get(job_key) if groups is not None and changed is not None else None
        if job is None or changed is None or _touched(indices, start, stop, changed):
            job = listing_job(site, first_url, indices, key, head, number)
        if kept is not None:
            kept[job_key] = job
        yield job


def listing_job(site: Site, first_url: str, indices: Sequence[int], key: tuple[object, ...], head: str,
                number: int) -> Job:
    """Page `number` of a listing."""
    per_page = site.config.per_page
    start, stop = (number - 1) * per_page, min(number * per_page, len(indices))
    chunk = [site.cards[i] for i in indices[start:stop]]
    url = routes.paged(first_url, number)
    inputs = digest(f"{head}|{number}|{pages_of(len(indices), per_page)}|{len(indices)}|{_digest_cards(chunk)}")
    near = indices[start] if indices else 0
    return Job(routes.output_path(url), "listing", "listing.html", (*key, number), inputs, near=near)


def _touched(indices: Sequence[int], start: int, stop: int, changed: Sequence[int]) -> bool:
    """Whether any of the places in `changed` (sorted) is among indices[start:stop] (sorted)."""
    if start >= stop or not changed:
        return False
    at = bisect.bisect_left(changed, indices[start])
    last = indices[stop - 1]
    while at < len(changed) and changed[at] <= last:
        place = bisect.bisect_left(indices, changed[at], start, stop)
        if place < stop and indices[place] == changed[at]:
            return True
        at += 1
    return False


def cards_digest(site: Site, groups: GroupJobs | None = None) -> str:
    """What the search index is made from: every card, in order."""
    return _rows_digest(site.cards, "cards", _card_row, groups)


@dataclass(frozen=True)
class GroupJobs:
    """Each group's jobs (page, badge, index.json) as a plan made them, by slug, with the card and related
    cards they were made from; and every listing page's job, by key, as plan() made them.

    A later plan in the same process (the preview's) takes a group's jobs over when its card and related
    cards are the very objects they were made from: cards are immutable, and an edited file gives new ones.
    It takes a listing page's job over when the Site kept the last one's shape (assemble took its order and
    taxonomies over) and none of the page's cards is a new object.
    """

    as_of: str
    made: dict[str, tuple[Card, tuple[Card, ...], tuple[Job, Job, Job]]]
    site: Site | None = None  # what these jobs were planned for; the next build assembles from its shape
    # The places in A-Z order whose card is new since the last plan, sorted, when that plan's listing jobs
    # (last_listings) may be taken over; else None.
    changed: tuple[int, ...] | None = None
    last_listings: dict[tuple[object, ...], Job] = field(default_factory=dict)
    # Filled by plan() when `keep` (a process that plans again: the preview): every listing page's job, and
    # the digests of the runs of rows made of every card for the pages that sum up every group (see _runs).
    keep: bool = False
    listings: dict[tuple[object, ...], Job] = field(default_factory=dict)
    last_runs: dict[str, list[str]] = field(default_factory=dict)
    runs: dict[str, list[str]] = field(default_factory=dict)
    # When the last plan's jobs were taken over (`changed`): the groups whose jobs were made again.
    remade: tuple[str, ...] = ()
    # With `carry` (see group_jobs): the last build's digests of every group's jobs, and the places whose jobs
    # were made again (the only groups in `made`); every other group's jobs are the last build's.
    carried: KeptDigests | None = None


def group_jobs(site: Site, previous: GroupJobs | None = None, *, keep: bool = False,
               changed_at: Sequence[int] | None = None, shown_by: ShownBy | None = None,
               related_at: Sequence[int] | None = None, kept: KeptDigests | None = None,
               carry: bool = False) -> GroupJobs:
    """Each group's jobs; `keep`: the plan made with them keeps what a later plan in this process can take
    over (see GroupJobs). A caller that knows them gives the places whose card is new since `previous` was
    made (`changed_at`, sorted) and which cards show which as related (`shown_by`, for site.related), sparing
    two passes over every group; and, when the related groups of some cards were chosen again, their places
    (`related_at`: every other card's are the last Site's).

    `kept`: the inputs digests of every group's jobs as the last build's plan made them (see job_digests), for a
    Site of the same shape, and the places whose jobs are made again (every other group's card and related cards
    are those the digests were made from). Jobs taken from it carry no related cards (a later plan in the same
    process makes them again). With `carry` as well, those jobs are not made at all: only the places made again
    are in `made`, and the rest are the last build's (GroupJobs.carried; carried_slugs, carried_jobs)."""
    cards = site.cards
    as_of = repr(site.as_of)
    config_bits = digest(as_of)
    reuse = previous.made if previous is not None and previous.as_of == as_of else {}
    last = previous.site if previous is not None and previous.as_of == as_of else None
    changed: tuple[int, ...] | None = None
    if last is not None and last.taxonomies is site.taxonomies and last.config == site.config \
            and len(last.cards) == len(cards):
        changed = tuple(changed_at) if changed_at is not None else \
            tuple(i for i, (new, old) in enumerate(zip(cards, last.cards, strict=True)) if new is not old)
    made: dict[str, tuple[Card, tuple[Card, ...], tuple[Job, Job, Job]]]
    todo: Sequence[int]
    remade: list[str] = []
    if changed is not None and last is not None and (last.related is site.related or related_at is not None) \
            and len(reuse) == len(cards):
        # The last Site's shape and related groups were taken over: only the changed groups, the groups that
        # show one of them as related, and those whose related groups changed, can have other jobs. The rest
        # keep theirs, in the same order.
        stale = set(changed)
        todo = shown_by.showing(site.related, changed) if shown_by is not None else \
            [i for i, shown in enumerate(site.related) if i in stale or not stale.isdisjoint(shown)]
        if related_at:
            todo = sorted({*todo, *related_at})
        made = dict(reuse)
    else:
        todo = range(len(cards))
        made = {}
    digests, again = kept if kept is not None else ("", frozenset[int]())
    carried = kept if carry and kept is not None and not reuse else None
    if carried is not None:
        todo = sorted(again)
    for i in todo:
        if digests and i not in again:
            card = cards[i]
            made[card.slug] = (card, (), _group_jobs(card.slug, digests[i * JOB_DIGESTS:(i + 1) * JOB_DIGESTS]))
            continue
        card, related_at = cards[i], site.related[i]
        related = tuple(cards[j] for j in related_at)
        hit = reuse.get(card.slug)
        if hit is not None and hit[0] is card and len(hit[1]) == len(related) \
                and all(map(operator.is_, hit[1], related)):
            made[card.slug] = hit
            continue
        shown = "|".join([card.record_digest, card.digest, *[other.digest for other in related], config_bits])
        remade.append(card.slug)
        badge = f"{card.name}|{card.category}|{card.members}|{card.size_band}|{card.activity}|{card.status}"
        made[card.slug] = (card, related, _group_jobs(
            card.slug, digest(shown) + digest(badge) + digest(f"{card.record_digest}|{card.digest}")))
    if changed is not None and previous is not None:
        return GroupJobs(as_of, made, site, changed, previous.listings, keep, last_runs=previous.runs,
                         remade=tuple(remade))
    return GroupJobs(as_of, made, site, changed, keep=keep, carried=carried)


def carried_slugs(slugs: Sequence[str], groups: GroupJobs) -> list[str]:
    """Of every group's slug (A-Z), those of the groups whose jobs are the last build's (GroupJobs.carried)."""
    if groups.carried is None:
        return list(slugs)
    start: int = 0
    kept: list[str] = []
    for place in sorted(groups.carried[1]):
        kept.extend(slugs[start:place])
        start = place + 1
    kept.extend(slugs[start:])
    return kept


def carried_jobs(site: Site, groups: GroupJobs, slug: str) -> tuple[Job, Job, Job]:
    """The jobs of a group whose jobs are the last build's (GroupJobs.carried), made from that build's digests."""
    assert groups.carried is not None
    place = site.index[slug]
    return _group_jobs(slug, groups.carried[0][place * JOB_DIGESTS:(place + 1) * JOB_DIGESTS])


DIGEST = len(digest(""))  # characters of an inputs digest
JOB_DIGESTS = 3 * DIGEST  # a group's three jobs'
KeptDigests = tuple[str, frozenset[int]]  # see group_jobs
_new_job = tuple.__new__


def _group_jobs(slug: str, digests: str) -> tuple[Job, Job, Job]:
    """A group's page, badge and index.json jobs, from their inputs digests one after the other (JOB_DIGESTS
    characters). Each Job made as a tuple straight: Job's own constructor, a Python function with defaults, and
    the routes called one by one took a third more time (0.28 s against 0.21 s for 100,000 groups)."""
    page, badge, data = routes.group_outputs(slug)
    key = (slug,)
    return (_new_job(Job, (page, "group", "group.html", key, digests[:DIGEST], False, 0)),
            _new_job(Job, (badge, "badge", "", key, digests[DIGEST:2 * DIGEST], False, 0)),
            _new_job(Job, (data, "group-json", "", key, digests[2 * DIGEST:JOB_DIGESTS], False, 0)))


def job_digests(site: Site, groups: GroupJobs, kept: KeptDigests | None = None) -> str:
    """The inputs digests of every group's jobs (page, badge, index.json), in A-Z order, one after the other.
    `kept`: what `groups` was made with (group_jobs): every group's digests are those kept but at the places made
    again, so only those are looked up (joining every group's took 0.1 s at 100,000 groups)."""
    made, cards = groups.made, site.cards
    if kept is None or len(kept[0]) != JOB_DIGESTS * len(cards):
        return "".join([job.inputs for card in cards for job in made[card.slug][2]])
    digests, again = kept
    parts: list[str] = []
    start = 0
    for place in sorted(again):
        parts.append(digests[start:place * JOB_DIGESTS])
        parts.extend(job.inputs for job in made[cards[place].slug][2])
        start = (place + 1) * JOB_DIGESTS
    parts.append(digests[start:])
    return "".join(parts)


@dataclass(frozen=True)
class Home:
    """What the home page and the groups' feeds pick from every group (see home_after)."""

    featured: tuple[int, ...]  # places in A-Z order
    newest: tuple[int, ...]
    members: int  # in every group
    active: int  # groups
    sweet: int  # groups of 100 to 9,999 members


def home_of(site: Site) -> Home:
    cards = site.cards
    return Home(tuple(featured(site)), tuple(recently_added(site, FEED_ENTRIES)),
                sum(c.members or 0 for c in cards), sum(c.activity == "active" for c in cards),
                sum(map(_sweet, cards)))


def _sweet(card: Card) -> bool:
    return card.size_band in SWEET_SPOT


def home_after(site: Site, positions: Sequence[int], old: Sequence[Card], home: Home) -> Home:
    """`home` (made for the last Site) for `site`, where only the cards at `positions` are new (`old`: the last
    Site's cards there): the picks are made again from every group only when one of those cards is, or could
    become, one of them."""
    new = [site.cards[p] for p in positions]
    members = home.members + sum(c.members or 0 for c in new) - sum(c.members or 0 for c in old)
    active = home.active + sum(c.activity == "active" for c in new) - sum(c.activity == "active" for c in old)
    sweet = home.sweet + sum(map(_sweet, new)) - sum(map(_sweet, old))
    same_featured = not any(a.featured or b.featured for a, b in zip(old, new, strict=True))
    same_newest = all(a.added == b.added for a, b in zip(old, new, strict=True))
    return Home(home.featured if same_featured else tuple(featured(site)),
                home.newest if same_newest else tuple(recently_added(site, FEED_ENTRIES)), members, active, sweet)


def home_jobs(site: Site, home: Home) -> tuple[Job, Job, Job]:
    """The home page and the groups' two feeds."""
    cards = site.cards
    home_inputs = digest("|".join([
        digest(repr(site.as_of)),
        _digest_cards([cards[i] for i in home.featured]),
        _digest_cards([cards[i] for i in home.newest[:HOME_RECENT]]),
        repr([(t.slug, len(t.indices)) for t in site.taxonomies["categories"].terms]),
        repr([(t.slug, len(t.indices)) for t in site.taxonomies["sizes"].terms]),
        repr([d for d in site.guides[:HOME_DOCS]]), repr([d for d in site.milestones[:HOME_DOCS]]),
        repr((len(cards), home.members, home.active)),
    ]))
    newest_cards = _digest_cards([cards[i] for i in home.newest])
    return (Job("index.html", "home", "home.html", (), home_inputs),
            Job("groups/feed.xml", "feed", "", ("groups",), newest_cards),
            Job("groups/feed.json", "json-feed", "", (), newest_cards))


class ShownBy:
    """Which cards show each card among their related groups, worked out once for a choice of related groups
    (Site.related, never changed in place)."""

    def __init__(self) -> None:
        self._related: RelatedGroups | None = None
        self._showing: dict[int, list[int]] = {}

    def showing(self, related: RelatedGroups, positions: Sequence[int]) -> list[int]:
        """`positions` and the places of every card showing one of them, in order."""
        if self._related is not related:
            showing: dict[int, list[int]] = defaultdict(list)
            for place, shown in enumerate(related):
                for other in shown:
                    showing[other].append(place)
            self._related, self._showing = related, dict(showing)
        return sorted({*positions, *chain.from_iterable(self._showing.get(p, ()) for p in positions)})

    def moved(self, old: RelatedGroups, new: RelatedGroups, places: Sequence[int]) -> ShownBy:
        """This for `new`, which differs from `old` only at `places` (this one is left as it is)."""
        moved = ShownBy()
        if self._related is not old:
            return moved  # worked out again when asked
        showing = dict(self._showing)
        for place in places:
            for other in old[place]:
                showing[other] = [p for p in showing[other] if p != place]
            for other in new[place]:
                showing[other] = [*showing.get(other, ()), place]
        moved._related, moved._showing = new, showing
        return moved


def plan(site: Site, groups: GroupJobs | None = None, home: Home | None = None) -> Iterator[Job]:
    """Every output, in a fixed order (`groups`: group_jobs(site), `home`: home_of(site), if the caller has them
    already)."""
    home_page, feed_xml, feed_json = home_jobs(site, home or home_of(site))
    yield home_page

    groups = groups or group_jobs(site)
    for _, _, jobs in groups.made.values():
        yield from jobs

    yield from listing_jobs(site, *a_to_z(site), groups)

    for dimension in routes.DIMENSIONS:
        taxonomy = site.taxonomies[dimension]
        listing = repr([(t.slug, t.name, t.description, len(t.indices)) for t in taxonomy.terms])
        yield Job(routes.output_path(routes.dimension_index(dimension)), "terms", "terms.html", (dimension,),
                  digest(listing))
        for term in taxonomy.terms:
            yield from listing_jobs(site, *term_listing(dimension, term), groups)

    summaries = summary_jobs(site, groups)
    docs_index = {kind: next(summaries) for kind in ("guide", "milestone")}
    for kind, docs in (("guide", site.guides), ("milestone", site.milestones)):
        yield docs_index[kind]
        yield from map(doc_job, docs)
    yield from map(doc_job, site.pages)

    # Pages that sum up every group are made with the exports (late), after the pages of the groups themselves:
    # the preview shows an edited group before it has counted every group again.
    yield next(summaries)  # the search page
    yield next(summaries)  # the statistics
    yield Job("404.html", "404", "404.html", (), "")

    yield feed_xml
    yield milestones_feed_job(site)
    yield feed_json
    yield Job("robots.txt", "robots", "", (), "")
    yield Job(".nojekyll", "nojekyll", "", (), "")  # GitHub Pages: serve folders such as _x as they are
    yield from summaries  # the exports


def doc_job(doc: Document) -> Job:
    """A guide's, milestone's or page's own page."""
    return Job(routes.output_path(routes.document(doc.kind, doc.slug)), "doc", f"{doc.kind}.html",
               (doc.kind, doc.slug), digest(repr(doc)))


def milestones_feed_job(site: Site) -> Job:
    return Job("milestones/feed.xml", "feed", "", ("milestones",), digest(repr(site.milestones[:FEED_ENTRIES])))


def summary_jobs(site: Site, groups: GroupJobs | None) -> Iterator[Job]:
    """The jobs made from a row of every group: the guides' and milestones' indexes (the milestones show
    figures computed from every group), the search page, the statistics and the exports, in that order."""
    cards = site.cards
    computed = _rows_digest(cards, "computed", _computed_row, groups)
    for kind, docs, index_url in (("guide", site.guides, "guides/"), ("milestone", site.milestones, "milestones/")):
        extra = computed if kind == "milestone" else ""
        # The milestones' index shows figures computed from every group: made late, as the statistics are.
        yield Job(routes.output_path(index_url), "docs", f"{kind}s.html", (kind,), digest(repr(docs) + extra),
                  late=kind == "milestone")
    # The search page shows each facet's values and counts before any search (the index holds the rest).
    faceted = _rows_digest(cards, "faceted", _faceted_row, groups)
    yield Job("search/index.html", "search", "search.html", (), faceted, late=True)
    counted = _rows_digest(cards, "counted", _counted_row, groups)
    yield Job("stats/index.html", "stats", "stats.html", (), counted, late=True)
    yield from export_jobs(site, groups)


def _computed_row(c: Card) -> str:  # what the milestones' computed figures read of a card
    return repr((c.slug, c.founded, c.members, c.members_as_of))


def _faceted_row(c: Card) -> str:  # what the search page's facets read of a card (search.facets)
    return repr((c.category, c.size_band, c.activity, c.country_slug, c.country, c.industry_slug, c.industry,
                 c.languages, c.visibility))


def _counted_row(c: Card) -> str:  # what the statistics page reads of a card
    return repr((c.slug, c.name, c.category, c.members, c.members_as_of, c.activity, c.status, c.country,
                 c.country_slug, c.founded))


def _record_row(c: Card) -> str:  # what a group's line in the exports is made from
    return f"{c.record_digest}{c.digest}"


def _card_row(c: Card) -> str:  # what the search page and index read of a card
    return c.digest


def _runs(cards: Sequence[Card], name: str, row: Callable[[Card], str], groups: GroupJobs | None) -> list[str]:
    """The digests of the rows of every RUN cards, in order. A plan that took the last one's shape over
    (groups.changed) makes again only the runs with a changed card: the others hold the very cards, in the same
    places. (A digest of every row at 100,000 groups took 15-35 ms, and each plan makes four.)"""
    changed = groups.changed if groups is not None else None
    last = groups.last_runs.get(name) if groups is not None and changed is not None else None
    count = -(-len(cards) // RUN)
    if changed is not None and last is not None and len(last) == count:
        runs = list(last)
        for run in sorted({position // RUN for position in changed}):
            runs[run] = _run_digest(cards, run, row)
    else:
        runs = [_run_digest(cards, run, row) for run in range(count)]
    if groups is not None and groups.keep:
        groups.runs[name] = runs
    return runs


def _run_digest(cards: Sequence[Card], run: int, row: Callable[[Card], str]) -> str:
    return digest("\n".join(map(row, cards[run * RUN:(run + 1) * RUN])))


def _rows_digest(cards: Sequence[Card], name: str, row: Callable[[Card], str], groups: GroupJobs | None) -> str:
    """A digest of row(card) for every card, in order (see _runs)."""
    return digest(f"{len(cards)}|" + "|".join(_runs(cards, name, row, groups)))


def export_jobs(site: Site, groups: GroupJobs | None = None) -> Iterator[Job]:
    """/groups.json (split into pages of 10,000 above that), /groups.csv: made from each group's index.json."""
    cards = site.cards
    runs = _runs(cards, "records", _record_row, groups)
    records = digest(f"{len(cards)}|" + "|".join(runs))
    pages = exports.page_count(len(cards))
    if pages == 0:
        yield Job("groups.json", "groups-json", "", ("all",), records, late=True)
    else:
        size = exports.GROUPS_PAGE_SIZE
        for number in range(1, pages + 1):
            start, stop = (number - 1) * size, number * size
            # A page is a whole number of runs (a page size that is not, as in tests, digests its rows).
            rows = "|".join(runs[start // RUN: stop // RUN]) if size % RUN == 0 else \
                "\n".join(map(_record_row, cards[start:stop]))
            yield Job(exports.page_file(number), "groups-json", "", ("page", number), digest(rows), late=True)
        yield Job("groups.json", "groups-index", "", (pages,), digest(f"{len(cards)}|{pages}"), late=True)
    yield Job("groups.csv", "groups-csv", "", (), records, late=True)


def sitemap_jobs(urls: Sequence[str]) -> Iterator[Job]:
    """sitemap.xml, or a sitemap index with parts of at most 50,000 URLs once the site is larger (`urls`:
    site-relative; the base URL is in every output's fingerprint)."""
    if len(urls) <= SITEMAP_LIMIT:
        yield Job("sitemap.xml", "sitemap", "", ("single",), digest("\n".join(urls)))
        return
    parts = pages_of(len(urls), SITEMAP_LIMIT)
    for number in range(1, parts + 1):
        chunk = urls[(number - 1) * SITEMAP_LIMIT: number * SITEMAP_LIMIT]
        yield Job(f"sitemap-{number}.xml", "sitemap", "", ("part", number), digest("\n".join(chunk)))
    yield Job("sitemap.xml", "sitemap", "", ("index", parts), digest(str(parts)))
