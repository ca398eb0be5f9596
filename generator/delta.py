"""The preview's small edits, patched onto what its last build made instead of made again from every group.

A preview build that follows another in the same process gets the paths changed since (its watcher tells it).
When those are a few content files whose groups stay where they were (the same groups, in the same place in
A-Z order, in the same terms) and whose guides, milestones and pages keep their kind, slug and date, the Site,
the record places and the plan of the last build hold for everything else: only the changed cards and
documents, the related groups of the cards near a card whose size, status or named related groups changed,
and the jobs that show any of them, are made again. Any other change (a file added or removed, a problem
reported, a group moved or retagged, a document's date) returns None, and the build goes the whole way, as a
command-line build always does.

At 100,000 groups the whole way took about 1.3 s from a save to the pages published, all of it passes over
every group or output: loading and assembling 0.6 s, the plan 0.33, fingerprints 0.18, record places 0.13.
"""

from __future__ import annotations

import bisect
import dataclasses
import os
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import plan, routes
from generator.assemble import RelatedChooser, Site, keeps_place, rechosen, related_fields, related_key, related_runs
from generator.derive import with_as_of
from generator.diagnostics import Diagnostic
from generator.loading import SourceResult
from generator.model import Document, SiteConfig
from generator.plan import GroupJobs, Job
from generator.records import CardRecords, Ref
from generator.sources import SourceFile

MAX_FILES = 64  # changed files beyond which patching is not worth trying
Parsed = dict[str, tuple[tuple[int, int], str, SourceResult]]  # cache.Parsed


@dataclass(frozen=True)
class Last:
    """What the preview's last build made, for the next build to patch (kept in memory, never saved)."""

    sources: dict[str, SourceFile]
    report: tuple[Diagnostic, ...]  # what loading and assembling reported
    records: CardRecords
    jobs: list[Job]  # the plan, sitemap jobs included, in its order
    where: dict[str, int]  # output path -> place in `jobs`
    pages: list[str]  # what the sitemap lists
    fingerprints: tuple[str, dict[str, str]]  # (config key, template digests) the jobs were checked with
    home: plan.Home
    deferred: frozenset[str]  # outputs the last build left for the next (see BuildOptions.superseded)
    shown_by: plan.ShownBy  # which cards show which among their related groups
    chooser: tuple[str, RelatedChooser] | None = None  # the last chooser of related groups, and the key it holds for


@dataclass(frozen=True)
class Patched:
    site: Site
    sources: dict[str, SourceFile]
    parsed: Parsed
    changed: list[tuple[int, Ref]]  # each new card's place in A-Z order, and its record's
    related_at: list[int]  # the places whose related groups were chosen again and differ
    chooser: tuple[str, RelatedChooser] | None  # the chooser those were chosen with, and the key it holds for
    documents: list[Document]  # the guides, milestones and pages read again
    base: Site  # the last Site, which this one was patched from
    before: Last  # what the last build made, which the rest of this build patches


@dataclass(frozen=True)
class PatchedPlan:
    jobs: list[Job]  # the last plan's, with those made again in place
    replaced: list[int]  # the places in `jobs` of the jobs that differ from the last plan's
    home: plan.Home
    before: Last


def content_paths(root: Path, changed: Collection[Path] | None) -> list[str] | None:
    """The changed paths as names under content/ ('content/groups/x.yaml'), or None when one is not under
    content/ (site.yaml, a theme's file): only a whole build can tell what that changes."""
    if changed is None or not changed or len(changed) > MAX_FILES:
        return None
    content = os.path.abspath(root / "content")
    names: list[str] = []
    for path in changed:
        absolute = os.path.abspath(path)
        if not absolute.startswith(content + os.sep):
            return None
        names.append("content/" + Path(os.path.relpath(absolute, content)).as_posix())
    return names


def patch_site(config: SiteConfig, config_key: str, last: Site, parsed: Parsed, kept: Last, names: list[str],
               found: Mapping[str, SourceFile], load: Callable[[SourceFile], SourceResult]) -> Patched | None:
    """The Site with the groups and documents of the files `names` read again, when they keep the last Site's
    shape (and each document its place); else None.

    `found`: every content file as this build's scan stamped it, by path; `load` reads one."""
    if config != last.config:
        return None
    wanted = set(names)
    now = {name: found[name] for name in wanted if name in found}
    for name in wanted - now.keys():
        folder = name + "/"
        if name in parsed or any(path.startswith(folder) for path in found) or \
                any(other.startswith(folder) for other in parsed):
            return None  # a content file removed, or a folder of them added, moved or removed
        # Else not a content file (an editor's swap or backup file, say): nothing read changed.
    cards = list(last.cards)
    new_parsed = dict(parsed)
    sources = dict(kept.sources)
    changed: list[tuple[int, Ref]] = []
    rechoose: list[int] = []  # places whose size, status or named related groups changed
    documents: dict[tuple[str, str], Document] = {}
    for name, source in now.items():
        entry = parsed.get(name)
        if entry is None or entry[1] != config_key or name not in sources:
            return None  # a content file added (or read with another configuration)
        if entry[0] == source.stamp:
            continue
        old = entry[2]
        result = _dated(load(source), config, last)
        if result is None or not _same_contents(old, result) or \
                (config.as_of is None and old.newest == last.as_of and result.newest != last.as_of):
            return None  # the file may have set the site's date, which every card's activity is measured against
        for card, ref in zip(result.cards, result.refs, strict=True):
            position = last.index[card.slug]
            previous = last.cards[position]
            if previous.source.path != name or not all(slug in last.index for slug in card.related):
                return None  # another file's group, or a related group named that is not there (an error)
            cards[position] = card
            changed.append((position, ref))
            if related_fields(previous) != related_fields(card):
                rechoose.append(position)
        documents.update(((doc.kind, doc.slug), doc) for doc in result.documents)
        new_parsed[name] = (source.stamp, config_key, result)
        sources[name] = source
    for position, _ in changed:
        if not keeps_place(cards, position, last.cards[position]):
            return None
    site = dataclasses.replace(last, cards=tuple(cards))
    if documents:
        site = dataclasses.replace(site, guides=_replaced(site.guides, documents),
                                   milestones=_replaced(site.milestones, documents),
                                   pages=_replaced(site.pages, documents))
    related_at: list[int] = []
    chooser = kept.chooser
    if rechoose:
        site, related_at, chooser = _rechosen(site, last, sorted(rechoose), kept.chooser)
    return Patched(site, sources, new_parsed, sorted(changed), related_at, chooser, list(documents.values()), last,
                   kept)


def _replaced(docs: tuple[Document, ...], new: dict[tuple[str, str], Document]) -> tuple[Document, ...]:
    """`docs` with those in `new` (same kind, slug and date, so the same place) in place of the last ones."""
    return tuple(new.get((doc.kind, doc.slug), doc) for doc in docs)


def _rechosen(site: Site, last: Site, changed: list[int], kept: tuple[str, RelatedChooser] | None) -> tuple[
        Site, list[int], tuple[str, RelatedChooser]]:
    """The Site with the related groups chosen again for the cards whose candidates include a card at `changed`
    (generator.assemble.rechosen), with the last chooser when it holds for the last Site."""
    related, related_at, chooser = rechosen(last.cards, last.related, site.cards, last.index, last.taxonomies, changed,
                                            kept[1] if kept is not None and kept[0] == last.related_key else None)
    runs = related_runs(site.cards, last.related_runs, changed)
    key = related_key(runs)
    return dataclasses.replace(site, related=related, related_key=key, related_runs=runs), related_at, (key, chooser)


def _dated(result: SourceResult, config: SiteConfig, last: Site) -> SourceResult | None:
    """The result with its cards measured against the last Site's date, if that is still the site's date."""
    if config.as_of is not None:
        return result
    if result.newest is not None and result.newest > last.as_of:
        return None
    return result._replace(cards=tuple(with_as_of(card, last.as_of) for card in result.cards))


def _same_contents(old: SourceResult, new: SourceResult) -> bool:
    """Both hold the same groups and the same documents (kind, slug and date: their place in their lists), in
    the same order, and no problem was reported."""
    if old.diagnostics or new.diagnostics or old.rejected or new.rejected:
        return False
    if len(old.cards) != len(new.cards) or len(new.refs) != len(new.cards) or len(old.documents) != len(new.documents):
        return False
    return all(a.slug == b.slug for a, b in zip(old.cards, new.cards, strict=True)) and \
        all((a.kind, a.slug, a.date) == (b.kind, b.slug, b.date) for a, b in zip(old.documents, new.documents,
                                                                                 strict=True))


def patch_records(patched: Patched) -> CardRecords:
    """The last build's record places, with the read cards' in their places."""
    records = patched.before.records
    placed = CardRecords(records.store, records.offsets[:], records.lengths[:])
    for position, ref in patched.changed:
        placed.place(position, ref)
    return placed


def patch_plan(site: Site, patched: Patched, groups: GroupJobs) -> PatchedPlan | None:
    """The last plan with the jobs that show a changed card or document made again; None when a job made again
    is not in the last plan (the outputs would not be the last build's)."""
    kept, positions = patched.before, [position for position, _ in patched.changed]
    jobs = list(kept.jobs)
    replaced: list[int] = []
    if groups.keep:  # for the next plan: every listing page's job (those made again replace theirs below)
        groups.listings.update(groups.last_listings)
    for job in _remade(site, positions, patched.documents, groups):
        place = kept.where.get(job.path)
        if place is None:
            return None
        if jobs[place] != job:
            jobs[place] = job
            replaced.append(place)
    home = plan.home_after(site, positions, [patched.base.cards[p] for p in positions], kept.home)
    for job in plan.home_jobs(site, home):
        place = kept.where[job.path]
        if jobs[place] != job:
            jobs[place] = job
            replaced.append(place)
    return PatchedPlan(jobs, replaced, home, kept)


def _remade(site: Site, positions: Sequence[int], documents: Sequence[Document], groups: GroupJobs) -> Iterator[Job]:
    for slug in groups.remade:
        yield from groups.made[slug][2]
    yield from map(plan.doc_job, documents)
    if any(doc.kind == "milestone" for doc in documents):
        yield plan.milestones_feed_job(site)
    per_page = site.config.per_page
    listings = groups.listings
    for first_url, indices, key, head in _listings_of(site, positions):
        for number in sorted({bisect.bisect_left(indices, p) // per_page + 1 for p in positions
                              if _holds(indices, p)}):
            job = plan.listing_job(site, first_url, indices, key, head, number)
            if groups.keep:
                listings[(*key, number)] = job
            yield job
    yield from plan.summary_jobs(site, groups)


def _holds(indices: Sequence[int], position: int) -> bool:
    at = bisect.bisect_left(indices, position)
    return at < len(indices) and indices[at] == position


def _listings_of(site: Site, positions: Sequence[int]) -> Iterator[plan.Listing]:
    """Every listing that shows one of the cards at `positions`: A-Z, and each term's."""
    yield plan.a_to_z(site)
    for dimension in routes.DIMENSIONS:
        for term in site.taxonomies[dimension].terms:
            if any(_holds(term.indices, p) for p in positions):
                yield plan.term_listing(dimension, term)


__all__ = ["Last", "Patched", "PatchedPlan", "content_paths", "patch_plan", "patch_records", "patch_site"]

