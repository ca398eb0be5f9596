"""What a command-line build's plan leaves for the next one: every listing page's job and the digests of the runs
of rows the pages that sum up every group are made from (generator.plan.GroupJobs).

The preview keeps its last Site and plan in memory and knows which cards are new objects. The command line keeps
neither, so after a group's edit it digested every listing page's cards and every run of rows again (about 1 s at
100,000 groups). With this memo it makes again only the pages and runs holding a card of a file read again, when
the rest cannot differ from the last build's: the same configuration, date and groups in the same A-Z order, and
every card read again in the same terms as the one it replaces (so the taxonomies are the last build's too).

The memo is a shortcut only: it is used only with the state it was saved with (a build that saved the state
without it, or a damaged file, leaves it unused), and a plan made with it equals one made without (tested).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from generator import cache, sealed
from generator.assemble import Site, keeps_place
from generator.derive import digest
from generator.model import Card
from generator.plan import GroupJobs, Job

Listings = dict[tuple[object, ...], Job]
Runs = dict[str, list[str]]


def shape_key(site: Site, drafts: bool) -> str:
    """What the memo's jobs and runs were made for, besides the cards themselves: the configuration, the site's
    date and the groups' A-Z order."""
    order = digest("\n".join(card.slug for card in site.cards))
    return digest(repr((cache.HEADER, site.config, drafts, site.as_of, order)))


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


def _context(saved: cache.Saved | None, key: str) -> str | None:
    return None if saved is None else repr((saved.token.hex(), saved.base_size, saved.journal_size, key))


def resumed(groups: GroupJobs, path: Path, saved: cache.Saved | None, key: str,
            changed: tuple[int, ...] | None) -> GroupJobs:
    """`groups`, keeping its plan's listings and runs for the next build; with the last build's taken over when
    its memo was saved with the state `saved` for the same `key`, and the cards read again are at `changed`."""
    context = _context(saved, key)
    found = sealed.read(path, context) if context is not None and changed is not None else {}
    listings, runs = found.get("listings"), found.get("runs")
    if not isinstance(listings, dict) or not isinstance(runs, dict):
        return GroupJobs(groups.as_of, groups.made, groups.site, keep=True)
    return GroupJobs(groups.as_of, groups.made, groups.site, changed, listings, keep=True, last_runs=runs)


def save(path: Path, groups: GroupJobs, saved: cache.Saved | None, key: str) -> None:
    """Keep what the plan made with `groups` for the next build, beside the state just saved (`saved`)."""
    context = _context(saved, key)
    if context is None:
        path.unlink(missing_ok=True)
        return
    sealed.write(path, {"listings": groups.listings, "runs": groups.runs}, context)
