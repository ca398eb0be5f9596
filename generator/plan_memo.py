"""What a command-line build leaves for the next one besides the cache's state: the Site's shape (its groups' A-Z
order, taxonomies and related runs), every listing page's job, the digests of the runs of rows the pages that
sum up every group are made from (generator.plan.GroupJobs) and what the home page and feeds pick from every
group (generator.plan.Home).

The preview keeps its last Site and plan in memory and knows which cards are new objects. The command line keeps
neither, so after a group's edit it sorted every card, made the taxonomies, and digested every listing page's
cards and every run of rows again (about 1.8 s at 100,000 groups). With this memo the last Site is put back
together (the cards of the files not read again, and the last build's cards of those read again, in the memo's
order) and assembling takes its shape over as the preview's does (generator.assemble._same_shape): when every
group is still there and each card read again keeps its terms and A-Z place. The plan then makes again only the
pages and runs holding a card read again, and looks at every group for the home page only when a card read again
is, or could become, one of its picks. When the groups' outputs are made with what the last build's were (the
memo's salts), no job is made for a group whose jobs the memo's digests give: its outputs are the last build's
(generator.build._carried).

The memo is a shortcut only: it is used only with the state it was saved with (a build that saved the state
without it, or a damaged file, leaves it unused), and a Site and plan made with it equal those made without
(tested).
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import cache, sealed
from generator.assemble import RelatedGroups, Site, Taxonomy, keeps_place, site_as_of
from generator.loading import SourceResult
from generator.model import Card, SiteConfig
from generator.plan import JOB_DIGESTS, GroupJobs, Home, Job, KeptDigests, home_after, job_digests
from generator.records import CardRecords, RecordStore

Listings = dict[tuple[object, ...], Job]
_CARDS, _SLUG = operator.attrgetter("cards"), operator.attrgetter("slug")
Runs = dict[str, list[str]]


@dataclass(frozen=True)
class Shape:
    """What the last Site was assembled into, besides its cards and related groups (in the state)."""

    config: SiteConfig
    as_of: dt.date
    slugs: tuple[str, ...]  # A-Z
    taxonomies: dict[str, Taxonomy]
    related_runs: tuple[str, ...]
    related_key: str


@dataclass(frozen=True)
class Memo:
    shape: Shape
    listings: Listings
    runs: Runs
    home: Home
    jobs: str  # the inputs digests of every group's jobs, in the shape's order (generator.plan.job_digests)
    records: tuple[bytes, bytes]  # where each card's record is in the store, in the shape's order (CardRecords)
    # What the groups' outputs were made with besides their jobs' digests: the salts of a group page's fingerprint
    # and of those of outputs made without a template (generator.build._salts).
    salts: tuple[str, str]


def read(path: Path, saved: cache.Saved | None) -> Memo | None:
    """The memo saved with the state `saved` describes, if any."""
    if saved is None:
        return None
    found = sealed.read(path, _context(saved)).get("memo")
    return found if isinstance(found, Memo) else None


def save(path: Path, site: Site, groups: GroupJobs, home: Home, records: CardRecords, saved: cache.Saved | None,
         salts: tuple[str, str], kept: KeptDigests | None = None, last: Memo | None = None) -> None:
    """Keep `site`'s shape, what the plan made with `groups` (`kept`: the digests it was made with, if any),
    `home` and where its cards' records are (as in the state just saved) for the next build, beside that state
    (`saved`). `last`: the memo this build read, when `shaped` found the Site of its shape (its slugs are then
    this Site's, and not gathered again)."""
    if saved is None:
        path.unlink(missing_ok=True)
        return
    slugs = last.shape.slugs if last is not None else tuple(card.slug for card in site.cards)
    shape = Shape(site.config, site.as_of, slugs, site.taxonomies, site.related_runs, site.related_key)
    memo = Memo(shape, groups.listings, groups.runs, home, job_digests(site, groups, kept),
                (records.offsets.tobytes(), records.lengths.tobytes()), salts)
    sealed.write(path, {"memo": memo}, _context(saved))


def _context(saved: cache.Saved) -> str:
    return repr((saved.token.hex(), saved.base_size, saved.journal_size))


def last_site(memo: Memo | None, config: SiteConfig, results: Sequence[SourceResult],
              replaced: Mapping[str, Card] | None, related: cache.Related | None) -> Site | None:
    """The last build's Site, as far as assembling reads it (its documents are left out), put back together from
    this build's dated `results`, the last build's cards of the files read again (`replaced`: None when a file
    was added or removed) and its related groups; None when it cannot be: its configuration or date differ, or
    its groups are not this build's. (`related`, in the state the memo was saved with, are that Site's.)"""
    if memo is None or replaced is None or related is None:
        return None
    shape = memo.shape
    if shape.config != config or site_as_of(config, results) != shape.as_of:
        return None
    # Once per group, so in C: every card by slug, then the last build's card where the file was read again,
    # then the cards in the shape's order (the whole function: 83-95 ms as comprehensions, 67-71 ms so, at 100,000
    # groups).
    every = list(itertools.chain.from_iterable(map(_CARDS, results)))
    known = dict(zip(map(_SLUG, every), every, strict=True))
    if len(known) != len(shape.slugs):
        return None
    known.update(replaced)
    try:
        cards = tuple(map(known.__getitem__, shape.slugs))
    except KeyError:
        return None
    return Site(config, shape.as_of, cards, dict(zip(shape.slugs, range(len(shape.slugs)), strict=True)),
                related[1], shape.related_key, shape.taxonomies, (), (), (), shape.related_runs)


def changed_places(site: Site, replaced: Mapping[str, Card] | None) -> tuple[int, ...] | None:
    """The places of the cards read again (`replaced`: the last build's cards of the files read again, by slug;
    None when a file was added, removed or read under another configuration), when each keeps its terms and
    place; else None."""
    if replaced is None:
        return None
    places = []
    for slug, old in replaced.items():
        place = site.index.get(slug)
        if place is None or not keeps_place(site.cards, place, old):
            return None
        places.append(place)
    return tuple(sorted(places))


def shaped(memo: Memo | None, site: Site, changed: tuple[int, ...] | None) -> Memo | None:
    """`memo`, when it is of a Site of `site`'s shape and the cards read again are at `changed` (known); else
    None. What follows takes a memo so checked."""
    if memo is None or changed is None or memo.shape.config != site.config or memo.shape.as_of != site.as_of:
        return None
    return memo if memo.shape.slugs == tuple(card.slug for card in site.cards) else None


def records(memo: Memo | None, site: Site, store: RecordStore, fresh: Iterable[SourceResult]) -> CardRecords | None:
    """Where each card's record is: the last build's places (`memo`, checked by `shaped`), with those of the cards
    of the results new to this build (`fresh`: read again, or dated anew) in their places. Found afresh, they
    were a pass over every card (0.14-0.19 s at 100,000 groups)."""
    if memo is None or len(memo.records[0]) != len(memo.records[1]) or \
            len(memo.records[0]) != len(site.cards) * array("q").itemsize:
        return None
    offsets, lengths = array("q"), array("q")
    offsets.frombytes(memo.records[0])
    lengths.frombytes(memo.records[1])
    placed = CardRecords(store, offsets, lengths)
    placed.place_results(fresh, site.index)
    return placed


def resumed(groups: GroupJobs, memo: Memo | None, changed: tuple[int, ...] | None) -> GroupJobs:
    """`groups`, keeping its plan's listings and runs for the next build; with the last build's taken over when
    there is a `memo` (checked by `shaped`), and the cards read again are at `changed`."""
    if memo is None:
        return GroupJobs(groups.as_of, groups.made, groups.site, keep=True)
    return GroupJobs(groups.as_of, groups.made, groups.site, changed, memo.listings, keep=True,
                     last_runs=memo.runs, carried=groups.carried)


def home(memo: Memo | None, site: Site, changed: tuple[int, ...] | None,
         replaced: Mapping[str, Card] | None) -> Home | None:
    """What the home page and feeds pick (generator.plan.Home), from the last build's, when there is a `memo`
    (checked by `shaped`) and the cards read again (`replaced`: the last build's, by slug) are at `changed`."""
    if memo is None or changed is None or replaced is None:
        return None
    return home_after(site, changed, [replaced[site.cards[place].slug] for place in changed], memo.home)


def kept_jobs(memo: Memo | None, site: Site, changed: tuple[int, ...] | None,
              related: RelatedGroups | None) -> KeptDigests | None:
    """The last plan's digests of every group's jobs, and the places whose jobs are to be made again, when there
    is a `memo` (checked by `shaped`) and the cards read again are at `changed` (generator.plan.group_jobs): those
    cards, the cards showing one of them as related, and those whose related groups are not the last build's
    (`related`: the last Site's, from the state the memo was saved with)."""
    if memo is None or changed is None or related is None or len(related) != len(site.related):
        return None
    if len(memo.jobs) != JOB_DIGESTS * len(site.cards):
        return None
    read_again = frozenset(changed)
    again = set(read_again)
    if related is not site.related:
        again.update(i for i, (before, now) in enumerate(zip(related, site.related, strict=True)) if before != now)
    again.update(i for i, shown in enumerate(site.related) if not read_again.isdisjoint(shown))
    return memo.jobs, frozenset(again)
