"""Orchestrates a build: load -> validate -> assemble -> plan -> render -> write -> publish, timing each stage."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import operator
import os
import shutil
import signal
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from generator import cache, collector, export_rows, manifest, plan, plan_memo, routes, splice, writer
from generator.assemble import ChooseAll, RelatedChooser, RelatedGroups, Site, assemble, choose_all, date_cards
from generator.assets import AssetError, publish_assets
from generator.config import load_config
from generator.derive import digest
from generator.diagnostics import Diagnostic, Report, error
from generator.environment import KnownReferences, template_digests
from generator.export_rows import ExportRows
from generator.forked import Forked, ProcessLost
from generator.loading import SourceResult, load_source
from generator.model import Card, SiteConfig, share_values
from generator.options import CACHE_DIR, BuildOptions, BuildResult
from generator.plan import Job
from generator.records import CardRecords, RecordStore
from generator.render import RenderContext, Rendered, RenderError, render, sitemap_pages
from generator.routes import SEARCH_INDEX as INDEX_DIR
from generator.routes import SEARCH_META as INDEX_META
from generator.routes import check_collisions, output_path
from generator.sources import SourceFile, find_sources
from generator.splice import Splice
from generator.themes import ThemeError, resolve_theme
from generator.unchanged import Scan, nothing_to_do, options_key, rescan

COMPACT_SLACK = 8 << 20  # bytes of stale record entries tolerated before the store is rewritten
PARALLEL_MIN = 400  # below this many tasks, worker start-up costs more than it saves
RELATED_PARALLEL_MIN = 5000  # groups from which their related groups are chosen by worker processes
SEARCH_BESIDE_MIN = 2000  # from this many groups, the search index is made in a process of its own
BESIDE_POLL = 0.05  # seconds between two looks at whether work beside may be given up
STAMPS_BESIDE_MIN = 20_000  # from this many outputs, the command line checks their files in a process beside
CHECK_RUN = 4096  # output files checked between two looks at whether the preview's build may give up
if TYPE_CHECKING:  # loaded where used: the preview's patches (delta), and the search index, made beside the
    # command line's build by a process of its own (5-8 ms of every build's start when loaded here)
    from generator import delta
    from generator.search import known
    from generator.search import made as index_record
    from generator.search import patch as index_patch
T = TypeVar("T")
Task = tuple[Job, str, "cache.Entry | None"]  # job, fingerprint, the last entry, if its file stands as it left it
Carried = tuple[Sequence[str], list[str]]  # every group's slug; the outputs of the groups in GroupJobs.carried


@dataclass
class Loaded:
    config: SiteConfig | None
    site: Site | None
    sources: dict[str, SourceFile]
    report: Report
    parsed: dict[str, tuple[tuple[int, int], str, SourceResult]]
    patched: delta.Patched | None = None  # when the preview's last Site was patched (generator.delta)
    # The last build's cards of the files read again, by slug, when every other file was read by it too (under
    # the same configuration) and none is gone; else None.
    replaced: dict[str, Card] | None = None
    memo: plan_memo.Memo | None = None  # what the last command-line build left for this one (generator.plan_memo)
    # The paths whose entries in `parsed` are not the state's, when `parsed` has the state's very paths; else None.
    fresh: list[str] | None = None


def load_site(options: BuildOptions, state: cache.BuildState | None = None,
              timings: dict[str, float] | None = None, store: RecordStore | None = None,
              sources: list[SourceFile] | None = None, by_path: dict[str, SourceFile] | None = None) -> Loaded:
    """Every stage up to the validated Site; every problem found is in the report.

    With a `store`, every group's full record and rendered description go into it for the render stage.
    `sources` are the content files as the caller already found (and stamped) them (`by_path`: the same, by
    path, if the caller has them so).
    """
    timings = timings if timings is not None else {}
    report = Report()
    started = time.perf_counter()
    config, problems = load_config(options.source, base_url=options.base_url)
    report.extend(problems)
    if config is None:
        return Loaded(None, None, {}, report, {})
    config_key = digest(repr((config, options.drafts)))
    sources = find_sources(options.source) if sources is None else sources
    patched = _patched(options, config, config_key, state, store, sources, by_path)
    if patched is not None:
        assert state is not None and state.last is not None
        timings["load"] = time.perf_counter() - started
        return Loaded(config, patched.site, patched.sources, Report(list(state.last.report)), patched.parsed, patched)
    previous = state.parsed if state else {}
    # Each file's result in the order of `sources`: the last build's where its entry is still good, else one
    # read again (placed at `again`). Entries are looked up and compared in C, once per content file (a loop
    # doing so took 16 ms at 10,000 groups, 0.3 s at 100,000 before it was bound and unrolled).
    hits = list(map(previous.get, map(_PATH, sources), itertools.repeat(_NO_ENTRY)))
    good = map(operator.and_, map(operator.eq, map(_STAMP, sources), map(_ENTRY_STAMP, hits)),
               map(operator.eq, map(_ENTRY_KEY, hits), itertools.repeat(config_key)))
    again: list[int] = list(itertools.compress(itertools.count(), map(operator.not_, good)))
    results: list[SourceResult | None] = list(map(_ENTRY_RESULT, hits))
    # Each file read again, with its result in the last build when under the same configuration.
    todo = [(sources[place], hits[place][2] if hits[place][1] == config_key else None) for place in again]
    replaced: dict[str, Card] = {}  # the last build's cards of the files read again
    every_file_known = len(previous) == len(sources)
    for place in again:
        last_entry = hits[place]
        results[place] = None  # placed below
        if last_entry[1] == config_key:
            replaced.update((card.slug, card) for card in last_entry[2].cards)
        else:
            every_file_known = False
    loader = _Loader(options.source, config, options.drafts, store.path if store is not None else None)
    known: dict[Any, Any] = {}
    for done, (place, result) in enumerate(zip(again, _map(loader.again, todo, options.workers), strict=True), start=1):
        if result.cards:  # a result just read: nothing refers to it yet
            result = result._replace(cards=tuple([share_values(card, known) for card in result.cards]))
        results[place] = result
        if options.progress is not None:
            options.progress("read", done, len(todo))
    if store is not None:
        store.refresh()  # the workers appended to it
    ordered = date_cards(config, cast(list[SourceResult], results))  # every place is filled by now
    report.extend(itertools.chain.from_iterable(result.diagnostics for result in ordered))
    timings["load"] = time.perf_counter() - started
    started = time.perf_counter()
    # The last Site: the preview's, else one put back together from the command line's memo.
    memo = plan_memo.read(cache.plan_memo_path(options.source / CACHE_DIR, options.output), state.saved) \
        if options.use_cache and state is not None and state.group_jobs is None else None
    last = state.group_jobs.site if state is not None and state.group_jobs is not None else \
        plan_memo.last_site(memo, config, ordered, replaced if every_file_known else None,
                            state.related if state else None)
    site, problems = assemble(config, ordered, options.source, state.related if state else None, last,
                              _choose_related(options.workers))
    report.extend(problems)
    timings["assemble"] = time.perf_counter() - started
    # The last build's entry where it stands (the state's journal then passes over it: generator.cache._changes),
    # keyed by its result's own path (one string, not two, in memory and in the cache file).
    fresh: list[str] | None = None
    if every_file_known:  # the last build's files: its table, with the places read again or dated anew replaced
        parsed = previous.copy()
        places = sorted({*again, *itertools.compress(range(len(ordered)), map(operator.is_not, results, ordered))})
        fresh = [ordered[place].source.path for place in places]
        for place, path in zip(places, fresh, strict=True):
            parsed[path] = (sources[place].stamp, config_key, ordered[place])
    else:
        parsed = {result.source.path: hit if (hit := previous.get(s.path)) is not None and hit[2] is result
                  else (s.stamp, config_key, result) for s, result in zip(sources, ordered, strict=True)}
    return Loaded(config, site, {s.path: s for s in sources}, report, parsed,
                  replaced=replaced if every_file_known else None, memo=memo, fresh=fresh)


_PATH, _STAMP = operator.itemgetter(0), operator.itemgetter(2, 3)  # of a SourceFile
_ENTRY_STAMP, _ENTRY_KEY, _ENTRY_RESULT = operator.itemgetter(0), operator.itemgetter(1), operator.itemgetter(2)
_NO_ENTRY = ((-1, -1), None, None)  # of a file the last build did not read


def _patched(options: BuildOptions, config: SiteConfig, config_key: str, state: cache.BuildState | None,
             store: RecordStore | None, sources: list[SourceFile],
             by_path: dict[str, SourceFile] | None) -> delta.Patched | None:
    """The preview's last Site with the changed files read again, when they keep its shape (generator.delta)."""
    if state is None or state.last is None or state.group_jobs is None or state.group_jobs.site is None \
            or store is None:
        return None
    from generator import delta

    names = delta.content_paths(options.source, options.changed)
    if names is None:
        return None
    loader = _Loader(options.source, config, options.drafts, store.path)
    found = by_path if by_path is not None else {source.path: source for source in sources}
    patched = delta.patch_site(config, config_key, state.group_jobs.site, state.parsed, state.last, names, found,
                               loader)
    store.refresh()  # the loader appended to it
    return patched


@dataclass(frozen=True)
class _Loader:
    root: Path
    config: SiteConfig
    drafts: bool
    store: Path | None

    def __call__(self, source: SourceFile, last: SourceResult | None = None) -> SourceResult:
        return load_source(self.root, source, self.config, drafts=self.drafts, store=self.store, last=last)

    def again(self, item: tuple[SourceFile, SourceResult | None]) -> SourceResult:
        """A file read again (with its result in the last build, if any)."""
        return self(*item)


def _choose_related(workers: int) -> ChooseAll:
    """Choosing every card's related groups, spread over `workers` processes on a large site (forked once the
    chooser is made, so each has it; each answers runs of positions)."""

    def choose(chooser: RelatedChooser) -> RelatedGroups:
        count = len(chooser.cards)
        if workers <= 1 or count < RELATED_PARALLEL_MIN:
            return choose_all(chooser)
        step = -(-count // (workers * 4))
        runs = [range(start, min(start + step, count)) for start in range(0, count, step)]
        _worker_ctx["chooser"] = chooser
        try:
            with _pool(workers, collect=False) as pool:
                return tuple(itertools.chain.from_iterable(pool.map(_choose_run, runs)))
        finally:
            _worker_ctx.pop("chooser", None)

    return choose


def _choose_run(run: range) -> list[tuple[int, ...]]:
    chooser: RelatedChooser = _worker_ctx["chooser"]
    return chooser.choose(run)


def _map(function: Callable[[Any], Any], items: list[Any], workers: int) -> Iterator[Any]:
    if workers <= 1 or len(items) < PARALLEL_MIN:
        yield from map(function, items)
        return
    with _pool(workers) as pool:
        yield from pool.imap(function, items, chunksize=64)


def _quiet_worker() -> None:
    """Ctrl-C goes to the whole process group: the parent stops the pool, so workers ignore it. A worker collects
    cycles even when forked from a part of the build that holds the collector."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    collector.in_worker()


@contextlib.contextmanager
def _pool(workers: int, *, collect: bool = True) -> Iterator[Any]:
    """Forked workers share the parent's model; freezing the GC keeps its pages from being copied into each."""
    import multiprocessing  # here: a build with too few jobs for a pool never needs it (8-15 ms to load)

    with collector.keeping():
        if collect:
            gc.collect()
        collector.keep()
        with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker) as pool:
            yield pool


def build(options: BuildOptions, previous: cache.BuildState | None = None, *,
          scanned: tuple[Scan, float] | None = None, loaded: cache.BuildState | None = None) -> BuildResult:
    """Build the site; on any error the output folder is left exactly as it was.

    `previous` is the state a long-running caller (the preview server) kept from its last build. `scanned`: the
    caller's scan of the inputs and when it started, given once generator.unchanged has found work to do.
    `loaded`: the cache's state, when the caller loaded it already (generator.early).
    """
    total_started = scanned[1] if scanned else time.perf_counter()
    state_file = cache.state_path(options.source / CACHE_DIR, options.output)
    found = scanned[0] if scanned else rescan(options.source, previous.scan if previous else None, options.changed)
    if options.use_cache and scanned is None:
        checked = nothing_to_do(options, found, total_started)
        if isinstance(checked, BuildResult):
            checked.state = previous
            return checked
        found = checked
    with collector.keeping():
        if previous is not None and previous.loaded_ok:
            state = previous
        elif loaded is not None and options.use_cache:
            state = loaded
        else:
            with collector.paused(keep=True):
                state = cache.load_state(state_file) if options.use_cache else cache.BuildState()
        store = _record_store(options, state)
        writer.recover(options.output)  # a publish a killed build left half done: finished before any look at it
        # The command line checks the last build's outputs against their files in a process of its own, beside
        # loading and planning (stat calls are not spread by threads): 0.8 s of stat calls at 100,000 groups.
        # With no state to trust, the files to prune are those of the output folder this build did not make: the
        # folder is listed beside the build too (1.5-11 s at 100,000 groups, the slower with its folders no longer
        # cached, as after a cold build's rendering), once a publish a killed build left half done is finished.
        beside = options.pages_published is None and options.workers > 1 and state.loaded_ok \
            and len(state.outputs) >= STAMPS_BESIDE_MIN
        listed = options.pages_published is None and options.workers > 1 and not state.loaded_ok \
            and writer.holds_files(options.output)
        try:
            with _beside(functools.partial(_not_standing, options.output, state.outputs), True) if beside \
                    else contextlib.nullcontext() as stamps, \
                    _beside(functools.partial(writer.all_files, options.output), True) if listed \
                    else contextlib.nullcontext() as listing:
                return _build(options, found, state, state_file, store, total_started, stamps, listing)
        finally:
            store.close()


def _record_store(options: BuildOptions, state: cache.BuildState) -> RecordStore:
    """The cache's record store (started afresh when there is no state to trust), or with --no-cache and no
    state from an earlier build in this process, a temporary one."""
    if options.use_cache or state.loaded_ok:  # the preview hands its state over with the cache file turned off
        return RecordStore(cache.records_path(options.source / CACHE_DIR, options.output), fresh=not state.loaded_ok)
    import tempfile  # here: only a build without the cache needs it

    handle, name = tempfile.mkstemp(prefix="groupdir-records-")
    os.close(handle)
    return RecordStore(Path(name), fresh=True, temporary=True)


def _card_records(site: Site, results: Iterable[SourceResult], store: RecordStore) -> CardRecords:
    records = CardRecords.empty(store, len(site.cards))
    records.place_results(results, site.index)
    return records


def _build(options: BuildOptions, scan: Scan, state: cache.BuildState, state_file: Path, store: RecordStore,
           total_started: float, stamps: Collect[frozenset[str]] | None = None,
           listing: Collect[list[str]] | None = None) -> BuildResult:
    """The build once the state is loaded; `stamps`, when given, collects the outputs of the last build whose files
    no longer stand as it left them (_not_standing), worked out beside this build; `listing`, every file of the
    output folder as the build began (writer.all_files), listed beside it."""
    timings: dict[str, float] = {}
    output = options.output
    # The last build's manifest, read before this build drops it: its outputs digest, if it describes the state
    # in hand, is the base this build's is worked out from.
    last = manifest.read(cache.manifest_path(options.source / CACHE_DIR, output)) \
        if options.use_cache and state.loaded_ok else None
    with collector.paused(keep=True):
        loaded = load_site(options, state, timings, store, scan.sources, scan.by_path)
    load_report = tuple(loaded.report.items)
    patched = loaded.patched
    result = BuildResult(loaded.report, loaded.site, timings=timings)
    if loaded.site is None or loaded.report.failed(options.strict):
        return result
    site = loaded.site
    result.records = len(site.cards) + len(site.guides) + len(site.milestones) + len(site.pages)
    try:
        writer.check_output_folder(output)
        theme = resolve_theme(options.source, site.config.theme)
    except (writer.OutputError, ThemeError) as exc:
        result.report.add(error("site.yaml" if isinstance(exc, ThemeError) else str(output), 0, 0, str(exc)))
        return result
    # Stamps of what this build reads, taken before any theme file is read (content files were stamped when
    # found): a file saved while the build runs makes the next build look again. Only for the manifest, which
    # a build without the cache (the preview's after its first) does not write.
    inputs = (scan.inputs or manifest.inputs_digest(options_key(options), scan.config_stamp, scan.sources,
                                                    theme.folders)) if options.use_cache else ""

    started = time.perf_counter()
    try:
        assets = publish_assets(theme.static_files(), fingerprint=options.asset_versions)
    except AssetError as exc:
        result.report.add(error("themes", 0, 0, str(exc)))
        return result
    asset_urls = {rel: site.config.base_path + asset.output for rel, asset in assets.items()}
    # Compiled templates are kept in the cache, and by the preview (which hands its state over, cache file off).
    compiled = options.source / CACHE_DIR / "templates" if options.use_cache or state.loaded_ok else None
    # The command line keeps no plan in memory: where the cards' records are, the last plan's group jobs' digests,
    # listing pages and runs come from its memo.
    memo_file = cache.plan_memo_path(options.source / CACHE_DIR, output) \
        if options.use_cache and state.group_jobs is None and patched is None else None
    changed = plan_memo.changed_places(site, loaded.replaced) if memo_file is not None and state.loaded_ok else None
    memo = plan_memo.shaped(loaded.memo, site, changed) if memo_file is not None else None
    if patched is not None:
        from generator import delta  # the preview's: its patch is made from here on

        records = delta.patch_records(patched)
    else:
        new_results = (loaded.parsed[path][2] for path in loaded.fresh or ())
        records = plan_memo.records(memo, site, store, new_results) or \
            _card_records(site, (r for _, _, r in loaded.parsed.values()), store)
    ctx = RenderContext(options.source, site, theme, loaded.sources, asset_urls, options.drafts,
                        bytecode_cache=compiled, records=records)
    ctx.shared_makers["search"] = lambda: _search_context(site)
    # What every page shows: the configuration, the as-of date, asset URLs and the footer's page list.
    config_key = digest(repr((site.config, site.as_of, sorted(asset_urls.items()),
                              [(d.slug, d.title) for d in site.pages])))
    # An output folder empty as the build begins (a first build) holds no file to compare a page with: none is
    # looked for (the preview, which publishes its pages before the rest, always looks).
    existing = output if options.pages_published is not None or writer.holds_files(output) else None
    staging = writer.staging_for(output)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    old = state.outputs
    new: dict[str, cache.Entry] = {}
    # The search index is made from the cards alone, as the search page's listing is: when its digest of every
    # card is unchanged, the files already published stand. Otherwise it is made beside everything else, from
    # here on.
    shown_by = None
    if patched is not None:
        shown_by = patched.before.shown_by.moved(patched.base.related, site.related, patched.related_at) \
            if patched.related_at else patched.before.shown_by
    digests = plan_memo.kept_jobs(memo, site, changed, state.related[1] if state.related else None)
    references = KnownReferences(compiled / "references.bin" if compiled is not None else None)
    # What the groups' outputs are made with besides their jobs' digests, for the memo. When they are what the last
    # build's were made with, the groups whose jobs the memo's digests give keep their outputs as it left them, and
    # no job is made for them (_carried).
    salts = _group_salts(ctx, config_key, references) if memo_file is not None else None
    carry = digests is not None and memo is not None and memo.salts == salts and options.pages_published is None
    with collector.paused(keep=True):  # long-lived objects
        groups = plan.group_jobs(site, state.group_jobs, keep=options.pages_published is not None,
                                 changed_at=[p for p, _ in patched.changed] if patched is not None else None,
                                 shown_by=shown_by, related_at=patched.related_at if patched is not None else None,
                                 kept=digests, carry=carry)
    # The slugs of every group (the memo's: this Site's, as `shaped` found), and the output paths of the groups
    # whose jobs are the last build's.
    carried: Carried | None = None
    if groups.carried is not None:
        assert memo is not None
        carried = memo.shape.slugs, routes.groups_outputs(plan.carried_slugs(memo.shape.slugs, groups))
    remembered: plan.Home | None = None
    if memo_file is not None:
        groups = plan_memo.resumed(groups, memo, changed)
        remembered = plan_memo.home(memo, site, changed, loaded.replaced)
    all_cards = plan.cards_digest(site, groups)
    search_key = digest(f"search|{all_cards}|{config_key}")
    standing = _standing_index(old, search_key, output)
    # The preview publishes its pages first: its index is made once they are live and checked, beside the late
    # outputs, and given up when a newer change is waiting (the published index stands until the next build
    # makes it again).
    beside = not standing and options.workers > 1 and len(site.cards) >= SEARCH_BESIDE_MIN
    try:
        parts = functools.partial(cache.search_parts_path, options.source / CACHE_DIR, output) \
            if compiled is not None else None
        with contextlib.ExitStack() as stack:
            stage_search = functools.partial(_stage_search, site, ctx, staging, output, old, parts)
            search_files = stack.enter_context(_beside(stage_search, beside and options.pages_published is None))
            with collector.paused(keep=True):  # the plan: long-lived objects
                made = delta.patch_plan(site, patched, groups) if patched is not None else None
                if made is not None:
                    jobs, home, pages = made.jobs, made.home, made.before.pages
                    _sitemap_maker(ctx, pages)
                else:
                    home = remembered if remembered is not None else plan.home_of(site)
                    jobs, pages, problems = _plan(site, ctx, groups, home, carried)
                    if problems:
                        raise _Clash(problems)
                ctx.home = home
                # A patched plan's outputs are those of the last, made with the same templates.
                used = made.before.fingerprints[1].keys() if made is not None else \
                    {job.template for job in jobs if job.template}
                templates = template_digests(ctx.env, sorted(used), references)
                references.save()
                timings["plan"] = time.perf_counter() - started
                started = time.perf_counter()
                if made is not None and made.before.fingerprints == (config_key, templates):
                    # Only the jobs made again, and those the last build left for this one, can be out of date.
                    where, left = made.before.where, made.before.deferred
                    check = sorted({*made.replaced, *(where[p] for p in left if p in where)})
                    dirty, checked = _outdated([jobs[i] for i in check], templates, config_key, old, output)
                    unchanged: Callable[[], tuple[list[tuple[Job, cache.Entry]], list[Task]]] = functools.partial(
                        _taken_over, jobs, check, checked, templates, config_key, old, output)
                else:
                    dirty, checked = _outdated(jobs, templates, config_key, old, output)
                    unchanged = functools.partial(_no_more, checked)
                ctx.read_output = lambda rel: _read_output(rel, staging, output)
                layouts_file = cache.layouts_path(options.source / CACHE_DIR, output) \
                    if options.use_cache or state.loaded_ok else None
                rows_made = ctx.export_rows = ExportRows(
                    store, state.exports, lambda rel: cache.digest_of(new[rel]) if rel in new else None,
                    ctx.read_output, output,
                    export_rows.load_layouts(layouts_file) if layouts_file is not None and state.loaded_ok else {})
                early, late = _phases(dirty, site)

            written_back = writer.WrittenBack()  # large files staged: their writing out started before the publish

            def run(tasks: list[Task], workers: int, total: int,
                    give_up: Callable[[], bool] | None = None) -> list[Task]:
                """Render `tasks`; those left when `give_up` says so after one of them are returned."""
                done = _render_all(ctx, tasks, staging, existing, workers)
                for number, (job, fingerprint, written, rows) in enumerate(done, start=1):
                    if rows is not None:
                        rows_made.adopt(str(job.key[0]), written.digest, store.append(rows))
                    if options.progress is not None:
                        options.progress("render", len(result.rendered) + 1, total)
                    _record(job.path, written, fingerprint, new, result)
                    result.rendered.append(job.path)
                    if written.wrote and written.size >= writer.HOLD_MIN and job.path in old:  # replaces a file
                        written_back.add(os.path.join(staging, job.path))
                    if give_up is not None and number < len(tasks) and give_up():
                        done.close()
                        return tasks[number:]
                return []

            run(early, options.workers, len(dirty))
            for asset in assets.values():
                _record(asset.output, _stage_one(asset.output, asset.data, old, staging, existing), "static", new,
                        result)
            # Outputs whose inputs are unchanged are checked against their files (which someone may have altered)
            # once the pages of changed inputs are rendered: the command line finds their stamps beside meanwhile
            # (waited for before: 33 ms of an edit at 10,000 groups), and the preview has its pages live.
            if options.pages_published is None:
                same, missing = unchanged()
                not_standing = _collected(stamps)
                altered = missing + _altered(same, output, new, result, not_standing=not_standing)
                if carried is not None:
                    assert salts is not None
                    altered += _carried(site, groups, carried[1], old, new, result, output, salts, not_standing)
            else:
                _publish_pages(options, staging, state_file, result)
                same, missing = unchanged()
                altered = missing + _altered(same, output, new, result, options.superseded)
            altered_early, altered_late = _phases(altered, site)
            total = len(dirty) + len(altered)
            run(altered_early, options.workers, total)
            late = _phases(late + altered_late, site)[1]
            if beside and options.pages_published is not None:
                # not before: forking this process held back the reload and the browser's requests
                search_files = stack.enter_context(_beside(stage_search, True))
            # The preview gives up the site-wide outputs still to make when a newer change waits: the files
            # published stand, with the entries of the build that made them, and the next build makes them again.
            for job, _, _ in run(late, 1, total, options.superseded):
                result.deferred.append(job.path)
                rows_made.not_made(job.path)
                if job.path in old:
                    new[job.path] = old[job.path]
                    result.unchanged += 1  # as the outputs left unchecked and the index left are counted
            searched = [] if standing else search_files(options.superseded)
    except (RenderError, _Clash) as exc:
        # Out of the `with` block: the process making the search index (which writes into staging) is stopped.
        result.report.extend(exc.problems if isinstance(exc, _Clash) else [error(exc.path, exc.line, 0, exc.message)])
        shutil.rmtree(staging, ignore_errors=True)
        return result
    if searched is None:  # given up for a newer change: what was staged of it goes, the published index stands
        shutil.rmtree(staging / INDEX_DIR, ignore_errors=True)
        standing = {rel: entry for rel, entry in old.items() if rel.startswith(INDEX_DIR)}
        result.deferred.append(INDEX_DIR)
    if standing:
        new.update(standing)
        result.unchanged += len(standing)
    _record_search(searched or (), search_key, old, new, result)
    timings["render"] = time.perf_counter() - started

    started = time.perf_counter()
    if state.loaded_ok:
        removals = sorted(itertools.filterfalse(new.__contains__, old))  # no set of every path: 45-64 -> 34-41 ms
    else:
        listed = _collected(listing)
        if listed is None:
            listed = writer.all_files(output) if output.exists() else []
        removals = [p for p in listed if p not in new]
    result.removed = removals
    result.outputs = len(new)
    if layouts_file is not None:
        layouts_file.unlink(missing_ok=True)  # the files it describes are about to be replaced
    # The large files this publish replaces or removes are let go beside saving the state (writer.Held).
    written_back.wait()
    held = writer.hold(output, ((rel, cache.stamp_of(old[rel])[0]) for rel in (*result.written, *removals)
                                if rel in old))
    try:
        _publish(options, staging, state_file, removals)
    finally:
        held.let_go()
    # Files published keep the stamp they had in staging (rename keeps mtime), so `new` is accurate.
    if layouts_file is not None:
        export_rows.save_layouts(layouts_file, rows_made.layouts_after(
            lambda rel: cache.stamp_of(new[rel]) if rel in new else None))
    with collector.paused(keep=True):  # the state: long-lived objects
        parsed, kept = loaded.parsed, rows_made.kept(site.index)
        fresh = loaded.fresh
        if options.use_cache:
            parsed, kept = _compact(store, parsed, kept)
            fresh = fresh if parsed is loaded.parsed else None  # compacted: every entry is new
        result.state = cache.BuildState(parsed, new, True, (site.related_key, site.related), kept, groups,
                                        scan=scan)
        if options.pages_published is not None:  # the preview: its next build may patch what this one made
            where = made.before.where if made is not None else {job.path: place for place, job in enumerate(jobs)}
            shown_by = shown_by or plan.ShownBy()
            shown_by.showing(site.related, ())  # worked out now, with the pages live, rather than in the next build
            from generator.delta import Last

            result.state.last = Last(loaded.sources, load_report, records, jobs, where, pages,
                                           (config_key, templates), home, frozenset(result.deferred), shown_by,
                                           patched.chooser if patched is not None else None)
        if options.use_cache:
            cache.save_state(state_file, result.state, state, result.recorded, removals if state.loaded_ok else None,
                             fresh)
            if memo_file is not None:
                kept_records = records if parsed is loaded.parsed else \
                    _card_records(site, (r for _, _, r in parsed.values()), store)  # compacted: new places
                assert salts is not None
                plan_memo.save(memo_file, site, groups, home, kept_records, result.state.saved, salts, digests, memo)
            if not result.report.items:
                manifest.write(cache.manifest_path(options.source / CACHE_DIR, output),
                               manifest.Manifest(inputs, _outputs_digest(old, new, last, result.recorded, removals),
                                                 result.records, len(new)))
    held.wait()
    timings["write"] = time.perf_counter() - started
    timings["total"] = time.perf_counter() - total_started
    return result


def _outputs_digest(old: dict[str, cache.Entry], new: dict[str, cache.Entry], last: manifest.Manifest | None,
                    recorded: Iterable[str], removals: Iterable[str]) -> str:
    """The digest of the output stamps in `new`: from the last manifest's (which the same build that saved
    `old` wrote, from `old`'s stamps) when there is one, with only the stamps that changed hashed. Those are
    among the outputs `recorded` (given an entry by this build) and `removals`: every other output's entry in
    `new` is its entry in `old`."""
    if last is not None and last.files == len(old):
        gone: list[tuple[str, int, int]] = []
        added: list[tuple[str, int, int]] = []
        for path in {*recorded, *removals}:
            was, now = old.get(path), new.get(path)
            before = cache.stamp_of(was) if was is not None else None
            after = cache.stamp_of(now) if now is not None else None
            if before != after:
                if before is not None:
                    gone.append((path, *before))
                if after is not None:
                    added.append((path, *after))
        updated = manifest.outputs_digest_after(last.outputs, gone, added)
        if updated is not None:
            return updated
    return manifest.outputs_digest((path, *cache.stamp_of(entry)) for path, entry in new.items())


class _Clash(Exception):
    """Outputs that more than one source would write: the build stops before rendering anything."""

    def __init__(self, problems: list[Diagnostic]) -> None:
        super().__init__(problems)
        self.problems = problems


def _plan(site: Site, ctx: RenderContext, groups: plan.GroupJobs, home: plan.Home,
          carried: Carried | None = None) -> tuple[list[Job], list[str], list[Diagnostic]]:
    """Every output's job, the sitemap's included; the pages the sitemap lists; and the outputs that more than one
    source would write. `carried`, when the jobs of some groups are the last build's (GroupJobs.carried): every
    group's slug and those groups' outputs (no job is made for them)."""
    jobs = list(plan.plan(site, groups, home))
    pages = sitemap_pages(jobs, carried[0] if carried is not None else None)
    jobs.extend(plan.sitemap_jobs(pages))
    _sitemap_maker(ctx, pages)
    return jobs, pages, _collisions(jobs, site, groups, carried)


def _sitemap_maker(ctx: RenderContext, pages: list[str]) -> None:
    ctx.shared_makers["sitemap"] = lambda: {"urls": [ctx.urls.absolute(page) for page in pages]}


def _outdated(jobs: list[Job], templates: dict[str, str], config_key: str, old: dict[str, cache.Entry],
              output: Path) -> tuple[list[Task], list[tuple[Job, cache.Entry]]]:
    """The jobs whose inputs changed since the last build (to render), and the others with the last build's
    entry for their output (to keep, if their files stand as that build left them: see _altered)."""
    dirty: list[Task] = []
    same: list[tuple[Job, cache.Entry]] = []
    output_prefix = f"{output}{os.sep}"
    # A fingerprint is the job's inputs digest joined to one digest of its template and the configuration: one
    # hash per template rather than one per output (about 1 us each, a third of a second at 100,000 groups).
    # Unambiguous, as the second part has a fixed length.
    salts, bare = _salts(templates, config_key)
    for job in jobs:
        fingerprint = f"{job.inputs}|{salts.get(job.template, bare)}"
        entry = old.get(job.path)
        if entry is not None and cache.fingerprint_of(entry) == fingerprint:
            same.append((job, entry))
        else:
            standing = _standing(f"{output_prefix}{job.path}", entry)
            dirty.append((job, fingerprint, standing))
    return dirty, same


def _group_salts(ctx: RenderContext, config_key: str, references: KnownReferences) -> tuple[str, str]:
    """The salts (_salts) of a group page's fingerprint and of those of outputs made without a template."""
    salts, bare = _salts(template_digests(ctx.env, ["group.html"], references), config_key)
    return salts["group.html"], bare


def _salts(templates: dict[str, str], config_key: str) -> tuple[dict[str, str], str]:
    """What a job's inputs digest is joined to in its output's fingerprint: a digest of its template and the
    configuration, by template; and for outputs made without one, of the configuration alone."""
    return {name: digest(f"{template}|{config_key}") for name, template in templates.items()}, \
        digest(f"|{config_key}")


def _carried(site: Site, groups: plan.GroupJobs, paths: list[str], old: dict[str, cache.Entry],
             new: dict[str, cache.Entry], result: BuildResult, output: Path, salts: tuple[str, str],
             not_standing: frozenset[str] | None) -> list[Task]:
    """The outputs (`paths`) of the groups whose jobs are the last build's (GroupJobs.carried), taken over as it
    left them: their inputs and what they were made with (`salts`: the memo's) are unchanged. Those whose files no
    longer stand (`not_standing`, when already found: else each file is looked at) are rendered again: their
    tasks.

    Every group's jobs were made and compared with the last build's entries one by one before: 60-70 ms of a
    one-group rebuild at 10,000 groups, 0.9 s at 100,000. Here they are taken over in C, but for the few to
    render again."""
    entries = list(map(old.get, paths))
    again: set[str]
    if not_standing is not None:
        again = set(not_standing.intersection(paths))
    else:
        prefix = f"{output}{os.sep}"
        again = {path for path, entry in zip(paths, entries, strict=True) if _standing(prefix + path, entry) is None}
    if None in entries:  # not made by the last build after all: made now
        again.update(itertools.compress(paths, map(operator.not_, entries)))
    new.update(zip(paths, cast(list[cache.Entry], entries), strict=True))  # those of `again` taken out below
    result.unchanged += len(paths) - len(again)
    tasks: list[Task] = []
    for slug in sorted(set(map(routes.group_of_output, again))):
        for job in plan.carried_jobs(site, groups, slug):
            if job.path in again:
                del new[job.path]
                entry = old.get(job.path)
                fingerprint = cache.fingerprint_of(entry) if entry is not None else \
                    f"{job.inputs}|{salts[0] if job.template else salts[1]}"
                tasks.append((job, fingerprint, None))
    return tasks


def _no_more(same: list[tuple[Job, cache.Entry]]) -> tuple[list[tuple[Job, cache.Entry]], list[Task]]:
    return same, []


def _taken_over(jobs: list[Job], checked: list[int], same: list[tuple[Job, cache.Entry]], templates: dict[str, str],
                config_key: str, old: dict[str, cache.Entry],
                output: Path) -> tuple[list[tuple[Job, cache.Entry]], list[Task]]:
    """A patched plan's outputs whose inputs are unchanged (`same`, found among the jobs at the places
    `checked`, and every other job: taken over from the last plan, whose build left an entry for each with the
    same fingerprint); and as tasks, any job without an entry (none is expected)."""
    skip = set(checked)
    same = list(same)
    missing: list[Job] = []
    for place, job in enumerate(jobs):
        if place not in skip:
            entry = old.get(job.path)
            if entry is None:
                missing.append(job)
            else:
                same.append((job, entry))
    return same, _outdated(missing, templates, config_key, old, output)[0] if missing else []


def _altered(same: list[tuple[Job, cache.Entry]], output: Path, new: dict[str, cache.Entry],
             result: BuildResult, give_up: Callable[[], bool] | None = None,
             not_standing: frozenset[str] | None = None) -> list[Task]:
    """Of the outputs whose inputs are unchanged, those whose files no longer stand as the last build left
    them (to render again); the others go straight into `new`. `not_standing`: those of the last build's outputs,
    when already found (_not_standing), else each file is looked at.

    When `give_up` says so (asked every CHECK_RUN outputs), the rest go into `new` unchecked: every build checks
    all of its outputs whose inputs are unchanged, so the next one checks them (1.1 s at 100,000 groups)."""
    altered: list[Task] = []
    output_prefix = f"{output}{os.sep}"
    for number, (job, entry) in enumerate(same):
        if give_up is not None and number % CHECK_RUN == 0 and number and give_up():
            new.update((job.path, entry) for job, entry in same[number:])
            result.unchanged += len(same) - number
            break
        if (job.path not in not_standing) if not_standing is not None else \
                _standing(f"{output_prefix}{job.path}", entry) is not None:
            new[job.path] = entry
            result.unchanged += 1
        else:
            altered.append((job, cache.fingerprint_of(entry), None))
    return altered


def _phases(tasks: list[Task], site: Site) -> tuple[list[Task], list[Task]]:
    """Tasks in rendering order, split into those for the worker processes and the late ones."""
    tasks.sort(key=lambda item: _locality(item[0], site))
    return [t for t in tasks if not t[0].late], [t for t in tasks if t[0].late]


def _compact(store: RecordStore, parsed: cache.Parsed,
             rows: export_rows.Known) -> tuple[cache.Parsed, export_rows.Known]:
    """Rewrite the store once entries no longer referred to make up more than half of it; returns `parsed` and
    `rows` with the entries' new places (new results: a result is never changed in place)."""
    live = sum(length for _, _, result in parsed.values() for _, length in result.refs)
    live += sum(length for _, _, length in rows.values())
    if store.size <= 2 * live + COMPACT_SLACK:
        return parsed, rows
    slugs = list(rows)
    moved = store.compacted([r.refs for _, _, r in parsed.values()] + [[(rows[s][1], rows[s][2]) for s in slugs]])
    compacted = {path: (stamp, key, result._replace(refs=tuple(refs)))
                 for (path, (stamp, key, result)), refs in zip(parsed.items(), moved, strict=False)}
    return compacted, {slug: (rows[slug][0], *ref) for slug, ref in zip(slugs, moved[-1], strict=True)}


def _collisions(jobs: list[Job], site: Site, groups: plan.GroupJobs | None = None,
                carried: Carried | None = None) -> list[Diagnostic]:
    """Output paths more than one source would write (looked into only when a path repeats: whether one does is
    told by one set made in C, half the time of a loop noting each path, 30 ms at 100,000 groups). `carried` (see
    _plan): the outputs of the groups whose jobs are the last build's count too."""
    paths = [job.path for job in jobs]
    unique = set(paths)
    clash = groups is not None and carried is not None and not unique.isdisjoint(carried[1])
    if not clash and len(unique) == len(paths):
        return []
    if clash:  # looked into with those groups' jobs
        assert groups is not None and carried is not None
        slugs = plan.carried_slugs(carried[0], groups)
        jobs = [*jobs, *itertools.chain.from_iterable(plan.carried_jobs(site, groups, slug) for slug in slugs)]
    seen: set[str] = set()
    repeated: set[str] = set()
    for job in jobs:
        (repeated if job.path in seen else seen).add(job.path)
    if not repeated:
        return []
    return check_collisions(_claims((j for j in jobs if j.path in repeated), site))


def _claims(jobs: Iterable[Job], site: Site) -> dict[str, list[str]]:
    claims: dict[str, list[str]] = {}
    for job in jobs:
        if job.kind == "group":
            source = site.cards[site.index[str(job.key[0])]].source.path
        elif job.kind == "doc":
            source = f"content/{job.key[0]}s/{job.key[1]}.md"
        else:
            source = f"(generated {job.kind})"
        claims.setdefault(job.path, []).append(source)
    return claims


def _not_standing(output: Path, entries: dict[str, cache.Entry]) -> frozenset[str]:
    """The outputs in `entries` whose files do not stand as their entries say (changed, or gone)."""
    prefix, stat, stamp_of = f"{output}{os.sep}", os.stat, cache.stamp_of
    gone: list[str] = []  # written out, with its lookups bound: it runs once per output
    for rel, entry in entries.items():
        try:
            found = stat(prefix + rel)
        except OSError:
            gone.append(rel)
            continue
        if (found.st_size, found.st_mtime_ns) != stamp_of(entry):
            gone.append(rel)
    return frozenset(gone)


def _collected(beside: Collect[T] | None) -> T | None:
    """What the work `beside` found, or None (the work is then done here) if its process failed."""
    if beside is None:
        return None
    try:
        return beside(None)
    except Exception:  # an optimisation only: the files are looked at again
        return None


def _standing(path: Path | str, entry: cache.Entry | None) -> cache.Entry | None:
    """The last build's entry for an output, if the file's stamp shows it is as that build left it (so the
    entry's digest is what the file holds)."""
    if entry is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return entry if (stat.st_size, stat.st_mtime_ns) == cache.stamp_of(entry) else None


PER_GROUP_KINDS = frozenset({"group", "group-json", "badge"})


def _locality(job: Job, site: Site) -> tuple[int, str]:
    """Jobs in the A-Z order of the groups they show. A group's related groups are its neighbours in the lists
    of its tags, category and country, and a listing page shows a run of one such list, so in this order the
    cards each page needs were mostly rendered by the same worker a little earlier (render.CARD_CACHE). With
    the cache cut to a tenth of a 10,000-group site, the order by file rendered 93,252 cards, this one 44,234."""
    if job.kind in PER_GROUP_KINDS:
        return (site.index[str(job.key[0])], job.path)
    return (job.near, job.path)


_worker_ctx: dict[str, Any] = {}


Done = tuple[int, str, int, int, bool, bytes | None]  # task number, digest, size, mtime_ns, wrote, export rows


def _render_task(task: tuple[int, Job, cache.Entry | None]) -> Done:
    """Render and stage one output. A group's index.json also gives its export rows (generator.export_rows),
    made here in the worker rather than one by one in the main process when the exports are written.

    Only the task's number goes back: the main process has the job, and a million job paths sent back would
    each arrive as a new copy of a string it already holds."""
    number, job, standing = task
    ctx: RenderContext = _worker_ctx["ctx"]
    data = render(job, ctx)
    rows = export_rows.entry(*export_rows.lines_of(data)) if job.kind == "group-json" and isinstance(data, bytes) \
        else None
    written = _settle(job.path, data, standing, _worker_ctx["staging"], _worker_ctx["output"])
    return number, written.digest, written.size, written.mtime_ns, written.wrote, rows


def _settle(path: str, data: Rendered, standing: cache.Entry | None, staging: Path,
            output: Path | None) -> writer.Written:
    """Stage the bytes unless the output already holds exactly these bytes (a large output is streamed into
    staging to learn its digest, and taken out again if it is unchanged; a splice of the published file, whose
    entry gives its digest, says itself whether it is unchanged). `output` is None when the output folder held
    nothing as the build began: there is no file to look for."""
    if isinstance(data, bytes):
        digest = writer.content_digest(data)
        kept = _kept(output, path, digest, standing)
        return kept if kept is not None else writer.stage(staging, path, data, digest)
    if isinstance(data, Splice):
        if standing is None:  # the published file's digest is not known: the bytes are hashed
            data = splice.read(data)
        else:
            target = staging / path
            derived, same = splice.stage(data, target, bytes.fromhex(cache.digest_of(standing)))
            if same:
                target.unlink()
                return _as_left(path, standing)
            stat = target.stat()
            return writer.Written(path, derived, stat.st_size, stat.st_mtime_ns, True)
    staged = writer.stage_stream(staging, path, data)
    kept = _kept(output, path, staged.digest, standing)
    if kept is None:
        return staged
    (staging / path).unlink()
    return kept


def _kept(output: Path | None, path: str, digest: str, standing: cache.Entry | None) -> writer.Written | None:
    """The output as it stands, if it holds the bytes of `digest`: known from the last build's entry for it
    (`standing`: given when the file's stamp was found to be the entry's, so no second stat), else found by
    reading it (none when `output` is None: the folder was empty)."""
    if standing is None:
        found = writer.existing_digest(output, path) if output is not None else None
        return writer.Written(path, digest, found[1], found[2], False) if found and found[0] == digest else None
    return _as_left(path, standing) if cache.digest_of(standing) == digest else None


def _as_left(path: str, entry: cache.Entry) -> writer.Written:
    """An output taken over as the last build left it, by that build's entry for it."""
    return writer.Written(path, cache.digest_of(entry), *cache.stamp_of(entry), False)


def _render_all(ctx: RenderContext, tasks: list[Task], staging: Path, output: Path | None,
                workers: int) -> Generator[tuple[Job, str, writer.Written, bytes | None], None, None]:
    """Render jobs, in worker processes when there are many."""
    work = [(number, job, standing) for number, (job, _, standing) in enumerate(tasks)]
    _worker_ctx.update(ctx=ctx, staging=staging, output=output)
    try:
        with contextlib.ExitStack() as stack:
            done: Iterator[Done]
            if workers <= 1 or len(tasks) < PARALLEL_MIN:
                done = map(_render_task, work)
            else:
                done = stack.enter_context(_pool(workers)).imap(_render_task, work, chunksize=32)
            for number, digest, size, mtime_ns, wrote, rows in done:
                job, fingerprint, _ = tasks[number]
                yield job, fingerprint, writer.Written(job.path, digest, size, mtime_ns, wrote), rows
    finally:
        _worker_ctx.clear()


def _publish(options: BuildOptions, staging: Path, state_file: Path, removals: list[str]) -> None:
    """Publish staged files; the manifest and state go first, so a build killed mid-publish is never trusted."""
    manifest.forget(cache.manifest_path(options.source / CACHE_DIR, options.output))
    cache.forget(state_file)
    writer.publish(options.output, staging, removals)


def _publish_pages(options: BuildOptions, staging: Path, state_file: Path, result: BuildResult) -> None:
    """The preview's first publish: pages and assets, before the site-wide exports and search index.

    Nothing is removed yet; a failure after this leaves new pages beside old exports, which is why only the
    preview asks for it (its output folder is its own).
    """
    assert options.pages_published is not None
    _publish(options, staging, state_file, [])
    staging.mkdir(parents=True, exist_ok=True)
    options.pages_published(list(result.written))


def _standing_index(old: dict[str, cache.Entry], fingerprint: str, output: Path) -> dict[str, cache.Entry]:
    """The previous build's search index, if it was made from `fingerprint` and every file of it is as it was.

    Its meta file's entry tells what the index was made from: a build that makes the index records that file
    whatever it holds, and every other file only when it wrote it (see _record_search). A pass over every entry
    is made only when the fingerprint is the one sought (40 ms at 100,000 groups)."""
    probed = old.get(INDEX_DIR + INDEX_META)
    if probed is None or cache.fingerprint_of(probed) != fingerprint:
        return {}
    found = {rel: entry for rel, entry in old.items() if rel.startswith(INDEX_DIR)}
    prefix = f"{output}{os.sep}"  # paths joined as strings: once per file of the index (13,000 at 100,000 groups)
    if any(_standing(prefix + rel, entry) is None for rel, entry in found.items()):
        return {}
    return found


def _record_search(staged: Iterable[writer.Written], fingerprint: str, old: dict[str, cache.Entry],
                   new: dict[str, cache.Entry], result: BuildResult) -> None:
    """The search index's files in `new`: its meta file, and those written, with entries of this build; the others
    keep the last build's entry for them (the index's files are not told apart by what they were made from, but
    by their bytes: see _standing_index). Once every file's entry was made again, an edit at 100,000 groups
    recorded 13,000 entries in the state's journal, 1.16 MB, and at 10,000 groups 1,500 (131 of its 137 KB)."""
    meta = INDEX_DIR + INDEX_META
    for written in staged:
        entry = old.get(written.path)
        if written.wrote or written.path == meta or entry is None or cache.digest_of(entry) != written.digest \
                or cache.stamp_of(entry) != (written.size, written.mtime_ns):
            _record(written.path, written, fingerprint, new, result)
        else:
            new[written.path] = entry
            result.unchanged += 1


def _read_output(rel: str, staging: Path, output: Path) -> bytes:
    """An output of this build: staged if it changed, else as the previous build left it."""
    try:
        return (staging / rel).read_bytes()
    except FileNotFoundError:
        return (output / rel).read_bytes()


def _stage_one(rel: str, data: bytes, old: dict[str, cache.Entry], staging: Path,
               output: Path | None) -> writer.Written:
    standing = _standing(f"{output}{os.sep}{rel}", old.get(rel)) if output is not None else None
    return _settle(rel, data, standing, staging, output)


def _record(rel: str, written: writer.Written, fingerprint: str, new: dict[str, cache.Entry],
            result: BuildResult) -> None:
    new[rel] = cache.entry(fingerprint, written.digest, written.size, written.mtime_ns)
    result.recorded.append(rel)
    if written.wrote:
        result.written.append(rel)
    else:
        result.unchanged += 1


def _stage_search(site: Site, ctx: RenderContext, staging: Path, output: Path, old: dict[str, cache.Entry],
                  parts: Callable[[str], Path] | None) -> list[writer.Written]:
    """Make and stage the search index. With `parts` (where the cache keeps each kind of part), the last build's
    index is patched when only a few groups changed and its files stand (generator.search.patch); else it is made
    whole, with the groups' term weights and the heavy prefixes' answers taken from the last build's where all
    they are made from is unchanged. Either way what this build made is saved for the next."""
    def group_url(slug: str) -> str:
        return ctx.urls.path(f"groups/{slug}/")

    def stage(files: Iterable[tuple[str, bytes | None]]) -> list[writer.Written]:
        """Each file staged, or with no bytes (a patch's file that stands), taken over as the last build left it."""
        return [_stage_one(rel, data, old, staging, output) if data is not None else _as_left(rel, old[rel])
                for rel, data in files]

    # Paused: the index's postings and answers are long-lived until it is written, and making it leaves no
    # cycles (none found after a 100,000-group index made with the collector off; 4.3-4.7 s against 4.8-5.2 s).
    # Kept at its end: what is alive then (the known terms, the record, what was staged) would else be walked by
    # the next collection; kept objects are still freed when no longer referred to.
    from generator.search import build_search_index, known
    from generator.search import made as index_record

    with collector.paused(keep=True):
        if parts is None:
            return stage(build_search_index(site.cards, site.config, group_url))
        context = digest(repr((cache.HEADER, sorted((c.slug, c.name) for c in site.config.categories))))
        terms = known.load(parts("terms"), context)
        aggregates = known.load_aggregates(parts("aggregates"), context)
        last = index_record.load(parts("index"), context)
        if last is not None:
            patched = _patched_search(last, site, group_url, terms, aggregates, old, output)
            last.close()
            if patched is not None:
                staged = stage(patched.files)
                _keep_search_record(patched.made, staged, parts("index"), context)
                return staged
        records: list[index_record.Made] = []
        staged = stage(build_search_index(site.cards, site.config, group_url, known=terms, aggregates=aggregates,
                                          keep=records.append))
        for record in records:
            _keep_search_record(record, staged, parts("index"), context)
        return staged


def _patched_search(last: index_record.Made, site: Site, group_url: Callable[[str], str], terms: known.KnownTerms,
                    aggregates: known.KnownAggregates, old: dict[str, cache.Entry],
                    output: Path) -> index_patch.Patched | None:
    """The last index patched for this build's cards, when every file of it stands as the record says (each
    output entry holds the digest the record has, and the file the entry's stamp) and the patch can be made."""
    prefix = f"{output}{os.sep}"  # paths joined as strings, not Paths: 85-86 ms -> 39-40 ms for 13,347 files
    for rel, held in last.files.items():
        entry = old.get(rel)
        if entry is None or cache.digest_of(entry) != held or _standing(prefix + rel, entry) is None:
            return None
    from generator.search import Layout
    from generator.search import patch as index_patch

    patched = index_patch.patch(last, site.cards, site.config, group_url, Layout(), terms, aggregates)
    if patched is None or any(data is None and rel not in last.files for rel, data in patched.files):
        return None
    return patched


def _keep_search_record(record: index_record.Made, staged: list[writer.Written], path: Path, context: str) -> None:
    from generator.search import made as index_record

    record.files = {written.path: written.digest for written in staged}
    index_record.save(path, record, context)
    record.close()


Collect = Callable[[Callable[[], bool] | None], T | None]


@contextlib.contextmanager
def _beside(work: Callable[[], T], parallel: bool) -> Iterator[Collect[T]]:
    """`work`, run in a forked process while the caller goes on when `parallel` (generator.forked), else when its
    result is asked for. Leaving the block stops the process if its result was not collected. Blocks may nest.

    What it yields collects the result; given `give_up`, it returns None instead once that says so (asked before
    the work starts here, and every BESIDE_POLL seconds while the process works)."""
    if not parallel:
        def now(give_up: Callable[[], bool] | None = None) -> T | None:
            return None if give_up is not None and give_up() else work()
        yield now
        return
    # Not collected first: a full collection of a large site's model costs more than the fork saves.
    process = Forked(work)  # forked here, with `work` and all it refers to

    def collect(give_up: Callable[[], bool] | None = None) -> T | None:
        while give_up is not None and not process.ready(BESIDE_POLL):
            if give_up():
                return None
        try:
            return process.result()
        except ProcessLost:  # killed (by the kernel, short of memory, say): the work is done here after all
            return None if give_up is not None and give_up() else work()
    try:
        yield collect
    finally:
        process.stop()


def _search_context(site: Site) -> dict[str, Any]:
    from generator.search import search_page_context

    return dict(search_page_context(site.cards, site.config))


__all__ = ["BuildOptions", "BuildResult", "build", "load_site", "output_path"]
