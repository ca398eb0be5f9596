"""Page jobs -> bytes. A RenderContext holds what every job of one build needs; jobs look data up in it."""

from __future__ import annotations

import datetime as dt
import functools
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from generator import exports, feeds, plan, routes
from generator.assemble import Site
from generator.contexts import DIMENSION_INTROS, Views
from generator.environment import make_environment
from generator.export_rows import ExportRows
from generator.loading import groups_of
from generator.model import Group
from generator.plan import Job
from generator.records import CardRecords
from generator.routes import Urls
from generator.sources import SourceFile
from generator.splice import Splice
from generator.themes import Theme
from generator.views import DocView, Link

if TYPE_CHECKING:  # loaded by the pages that need them (_stats, _badge): most rebuilds render neither
    from generator.stats import ComputedMilestone

CARD_CACHE = 40_000  # rendered cards kept per process (about 2 KB each); the oldest go first


class RenderError(Exception):
    """A template failed: the template file, the line in it, and what went wrong."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message

    def __reduce__(self) -> tuple[type[RenderError], tuple[str, int, str]]:
        # Raised in a worker process, it is pickled back to the parent; the default would call
        # RenderError(formatted message), which fails there and leaves the pool waiting for ever.
        return (RenderError, (self.path, self.line, self.message))


@dataclass
class RenderContext:
    root: Path
    site: Site
    theme: Theme
    sources: dict[str, SourceFile]
    asset_urls: dict[str, str]
    drafts: bool = False
    bytecode_cache: Path | None = None  # compiled templates kept between builds
    # Site-wide values a few pages need ("sitemap": every page's URL; "search": the facet counts over every
    # group), each made by its callable the first time a page asks for it (see `shared`).
    shared_makers: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    # Set by the build before late jobs run: the bytes of an output written earlier in this build.
    read_output: Callable[[str], bytes] | None = None
    # Each card's full record and rendered description, as the load stage stored them.
    records: CardRecords | None = None
    # Set by the build before late jobs run: each group's line of groups.json and row of groups.csv.
    export_rows: ExportRows | None = None
    # What the home page picks from every group, as the plan worked it out (else worked out when rendering).
    home: plan.Home | None = None
    _groups: dict[str, Group] = field(default_factory=dict)
    _groups_source: str = ""
    _env: jinja2.Environment | None = None
    _views: Views | None = None
    _cards: OrderedDict[tuple[str, int], Markup] = field(default_factory=OrderedDict)
    _card_macro: Any = None
    _shared: dict[str, dict[str, Any]] = field(default_factory=dict)

    def shared(self, name: str) -> dict[str, Any]:
        made = self._shared.get(name)
        if made is None:
            made = self._shared[name] = self.shared_makers[name]()
        return made

    @functools.cached_property
    def urls(self) -> Urls:  # made once: the search index asks for every group's link
        return Urls(self.site.config.base_url, self.site.config.base_path)

    @property
    def views(self) -> Views:
        if self._views is None:
            self._views = Views(self.site, self.urls)
        return self._views

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            views = self.views
            self._env = make_environment(self.theme, bytecode_cache=self.bytecode_cache, globals_={
                "site": views.site_view(),
                "nav": views.nav(),
                "site_pages": views.page_links(),
                "url": views.link,
                "asset": self.asset,
                "card_html": self.card_html,
            })
        return self._env

    def card_html(self, card: Any, level: int = 2) -> Markup:
        """The theme's `card` macro for one group, rendered once per build and heading level."""
        key = (card.slug, level)
        html = self._cards.get(key)
        if html is None:
            if self._card_macro is None:
                self._card_macro = self.env.get_template("_macros.html").module.card  # type: ignore[attr-defined]
            html = Markup(self._card_macro(card, level))
            if len(self._cards) >= CARD_CACHE:
                self._cards.popitem(last=False)
            self._cards[key] = html
        return html

    def asset(self, path: str) -> str:
        if path not in self.asset_urls:
            raise jinja2.TemplateRuntimeError(f"asset('{path}'): no such file in the theme's static/ folder")
        return self.asset_urls[path]

    def group(self, slug: str) -> tuple[Group, Markup | None]:
        """The full record of a group and its rendered description (None: render it now).

        From the record store when it has the entry; else the source file is read again (the groups of one
        file are read together and kept until the next file).
        """
        position = self.site.index[slug]
        if self.records is not None:
            stored = self.records.get(position)
            if stored is not None and stored.group.slug == slug:
                return stored.group, stored.description_html
        card = self.site.cards[position]
        if self._groups_source != card.source.path:
            source = self.sources[card.source.path]
            self._groups = {g.slug: g for g in groups_of(self.root, source, self.site.config, drafts=self.drafts)}
            self._groups_source = card.source.path
        return self._groups[slug], None


def template(ctx: RenderContext, name: str, **values: Any) -> bytes:
    try:
        return ctx.env.get_template(name).render(**values).encode("utf-8")
    except jinja2.TemplateNotFound as exc:
        folders = ", ".join(ctx.theme.template_dirs())
        raise RenderError(name, 0, f"template '{exc.name}' not found (looked in {folders})") from None
    except jinja2.TemplateSyntaxError as exc:
        path = exc.filename or exc.name or name
        raise RenderError(_shown(ctx, path), exc.lineno, f"template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        path, line = _template_frame(exc)
        raise RenderError(_shown(ctx, path or name), line, f"template error: {exc}") from None


def _template_frame(exc: BaseException) -> tuple[str, int]:
    """The innermost template file and line of a runtime error (Jinja rewrites tracebacks to point there)."""
    tb = exc.__traceback__
    found = ("", 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".xml", ".svg", ".txt", ".j2")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _shown(ctx: RenderContext, path: str) -> str:
    """A template path relative to the site when it lives there, else as Jinja names it."""
    try:
        return Path(path).resolve().relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return path


Rendered = bytes | Iterator[bytes] | Splice


def render(job: Job, ctx: RenderContext) -> Rendered:
    """The bytes of one output; large exports come as an iterator of chunks so they stream to disk."""
    handler = _HANDLERS[job.kind]
    return handler(job, ctx)


def _home(job: Job, ctx: RenderContext) -> bytes:
    site, views = ctx.site, ctx.views
    cards = site.cards
    home = ctx.home or plan.home_of(site)
    return template(
        ctx, job.template,
        page=views.meta("home", site.config.title, "", nav_key="home"),
        featured=[views.card(cards[i]) for i in home.featured],
        recent=[views.card(cards[i]) for i in home.newest[:plan.HOME_RECENT]],
        categories=views.term_views("categories"),
        guides=[views.doc(d, with_body=False) for d in site.guides[: plan.HOME_DOCS]],
        milestones=[views.doc(d, with_body=False) for d in site.milestones[: plan.HOME_DOCS]],
        totals={"groups": len(cards), "members": home.members, "active": home.active, "sweet_spot": home.sweet},
        browse=[views_link(views, label, url) for _, label, url in (
            ("groups", "All groups A-Z", "groups/"), ("categories", "Categories", "categories/"),
            ("tags", "Tags", "tags/"), ("locations", "Locations", "locations/"),
            ("industries", "Industries", "industries/"), ("sizes", "Sizes", "sizes/"))],
    )


def views_link(views: Views, label: str, url: str) -> Link:
    return Link(label, views.link(url))


def _group(job: Job, ctx: RenderContext) -> bytes:
    slug = str(job.key[0])
    site, views = ctx.site, ctx.views
    position = site.index[slug]
    card = site.cards[position]
    group, description_html = ctx.group(slug)
    category = views.category_names.get(card.category, card.category)
    url = routes.group(slug)
    meta = views.meta("group", group.name, url, description=group.summary, nav_key="groups", og_type="profile",
                      crumbs=[("Home", ""), ("Groups", "groups/"), (category, routes.term("categories",
                                                                                         card.category))],
                      jsonld=views.group_jsonld(group, card))
    return template(ctx, job.template, page=meta, group=views.group(group, card, description_html),
                    related=[views.card(site.cards[j]) for j in site.related[position]])


def _listing(job: Job, ctx: RenderContext) -> bytes:
    site, views = ctx.site, ctx.views
    number = int(str(job.key[-1]))
    if job.key[0] == "all":
        indices: tuple[int, ...] | range = range(len(site.cards))
        first, heading, intro, term_view, dimension = "groups/", "All groups, A to Z", "", None, None
        crumbs = [("Home", "")]
        nav_key = "groups"
    else:
        _, dim, slug = job.key[0], str(job.key[1]), str(job.key[2])
        taxonomy = site.taxonomies[dim]
        position = views.term_position(dim, slug)
        term, term_view = taxonomy.terms[position], views.term_views(dim)[position]
        indices = term.indices
        first = routes.term(dim, slug)
        heading = f"{taxonomy.singular}: {term.name}"
        intro = term.description
        dimension = views_link(views, taxonomy.title, routes.dimension_index(dim))
        crumbs = [("Home", ""), (taxonomy.title, routes.dimension_index(dim))]
        nav_key = dim
    per_page = site.config.per_page
    total_pages = plan.pages_of(len(indices), per_page)
    chunk = indices[(number - 1) * per_page: number * per_page]
    title = heading if number == 1 else f"{heading} (page {number} of {total_pages})"
    meta = views.meta("listing", title, routes.paged(first, number), nav_key=nav_key, crumbs=crumbs,
                      description=intro)
    return template(ctx, job.template, page=meta, heading=heading, intro=intro,
                    items=[views.card(site.cards[i]) for i in chunk],
                    pager=views.pager(first, number, total_pages, len(indices)), term=term_view, dimension=dimension)


def _terms(job: Job, ctx: RenderContext) -> bytes:
    dim = str(job.key[0])
    taxonomy = ctx.site.taxonomies[dim]
    meta = ctx.views.meta("terms", taxonomy.title, routes.dimension_index(dim), nav_key=dim,
                          crumbs=[("Home", "")], description=DIMENSION_INTROS[dim])
    return template(ctx, job.template, page=meta, heading=taxonomy.title, intro=DIMENSION_INTROS[dim],
                    terms=ctx.views.term_views(dim), dimension_key=dim)


def _docs(job: Job, ctx: RenderContext) -> bytes:
    kind = str(job.key[0])
    site, views = ctx.site, ctx.views
    docs = site.guides if kind == "guide" else site.milestones
    heading = "Guides" if kind == "guide" else "Milestones"
    intro = ("How to choose groups worth your time, and how to run one well." if kind == "guide"
             else "Dated news about the directory and the network it describes.")
    meta = views.meta(f"{kind}s", heading, f"{kind}s/", nav_key=f"{kind}s", crumbs=[("Home", "")], description=intro)
    items = [views.doc(d, with_body=False) for d in docs]
    if kind == "milestone":
        items.extend(computed_views(ctx))
        items.sort(key=lambda d: (d.date or dt.date.min, not d.computed, d.slug), reverse=True)
    return template(ctx, job.template, page=meta, heading=heading, intro=intro, items=items)


def computed_milestones(ctx: RenderContext) -> list[ComputedMilestone]:
    from generator import stats  # here: loading it (and generator.charts) took 5.5-10 ms of every build's start

    cards = ctx.site.cards
    dated = {c.slug: c.members_as_of for c in cards if c.members_as_of is not None}
    return stats.computed_milestones(cards, dated)


def computed_views(ctx: RenderContext) -> list[DocView]:
    return [DocView(kind="milestone", slug=m.slug, title=m.title, summary=m.summary,
                    url=ctx.views.link(f"stats/#milestone-{m.slug}"), date=m.date, updated=None, author="",
                    tags=(), categories=(), figure=m.figure, figure_label=m.figure_label, body_html=Markup(""),
                    computed=True)
            for m in computed_milestones(ctx)]


def _doc(job: Job, ctx: RenderContext) -> bytes:
    kind, slug = str(job.key[0]), str(job.key[1])
    site, views = ctx.site, ctx.views
    pool = {"guide": site.guides, "milestone": site.milestones, "page": site.pages}[kind]
    doc = next(d for d in pool if d.slug == slug)
    url = routes.document(kind, slug)
    crumbs = [("Home", "")] + ([(f"{kind.title()}s", f"{kind}s/")] if kind != "page" else [])
    meta = views.meta(kind, doc.title, url, description=doc.summary, nav_key=f"{kind}s" if kind != "page" else "",
                      crumbs=crumbs, og_type="article" if kind != "page" else "website")
    return template(ctx, job.template, page=meta, doc=views.doc(doc))


def _search(job: Job, ctx: RenderContext) -> bytes:
    meta = ctx.views.meta("search", "Search", "search/", nav_key="search", crumbs=[("Home", "")])
    return template(ctx, job.template, page=meta, **ctx.shared("search"))


def _stats(job: Job, ctx: RenderContext) -> bytes:
    from generator import charts, stats  # (see computed_milestones)

    site = ctx.site
    numbers = stats.compute_stats(site.cards, site.config, site.as_of)
    meta = ctx.views.meta("stats", "Statistics", "stats/", nav_key="stats", crumbs=[("Home", "")],
                          description="The directory at a glance: groups by category, size, activity, country "
                                      "and year founded.")
    return template(ctx, job.template, page=meta, stats=numbers, charts=charts.all_charts(numbers),
                    computed=computed_milestones(ctx))


def _badge(job: Job, ctx: RenderContext) -> bytes:
    from generator import badges  # (see computed_milestones)

    site = ctx.site
    card = site.cards[site.index[str(job.key[0])]]
    line, tone = badges.badge_line(card, site.config.badge_line)
    return badges.badge_svg(card.name, ctx.views.category_names.get(card.category, card.category), line, tone)


def _group_record(ctx: RenderContext, slug: str) -> dict[str, object]:
    site = ctx.site
    card = site.cards[site.index[slug]]
    return exports.group_record(ctx.group(slug)[0], card, ctx.urls.absolute(routes.group(slug)))


def _group_json(job: Job, ctx: RenderContext) -> bytes:
    return exports.group_json(_group_record(ctx, str(job.key[0])))


def _groups_json(job: Job, ctx: RenderContext) -> Iterator[bytes] | Splice:
    assert ctx.export_rows is not None, "late jobs need export_rows"
    cards = ctx.site.cards
    if job.key[0] == "page":
        size = exports.GROUPS_PAGE_SIZE
        number = int(str(job.key[1]))
        cards = cards[(number - 1) * size: number * size]
    return ctx.export_rows.spliced(job.path, [c.slug for c in cards], exports.JSON_ARRAY, line=True)


def _groups_index(job: Job, ctx: RenderContext) -> bytes:
    pages = int(str(job.key[0]))
    urls = [ctx.urls.absolute(exports.page_file(n)) for n in range(1, pages + 1)]
    return exports.groups_index(len(ctx.site.cards), urls)


def _groups_csv(job: Job, ctx: RenderContext) -> Iterator[bytes] | Splice:
    assert ctx.export_rows is not None, "late jobs need export_rows"
    return ctx.export_rows.spliced(job.path, [c.slug for c in ctx.site.cards], exports.csv_frame(), line=False)


def _json_feed(job: Job, ctx: RenderContext) -> bytes:
    site, urls = ctx.site, ctx.urls
    cards = [site.cards[i] for i in plan.recently_added(site, plan.FEED_ENTRIES)]
    items = [exports.feed_item(url=urls.absolute(routes.group(c.slug)), title=c.name,
                               published=c.added or site.as_of, summary=c.summary, tags=c.tags) for c in cards]
    return exports.json_feed(f"{site.config.title}: new groups", urls.absolute("groups/"),
                             urls.absolute("groups/feed.json"), items)


def _not_found(job: Job, ctx: RenderContext) -> bytes:
    meta = ctx.views.meta("404", "Page not found", "404.html", noindex=True)
    return template(ctx, job.template, page=meta)


def _feed(job: Job, ctx: RenderContext) -> bytes:
    site, urls = ctx.site, ctx.urls
    if job.key[0] == "groups":
        cards = [site.cards[i] for i in plan.recently_added(site, plan.FEED_ENTRIES)]
        entries = [{"title": c.name, "url": urls.absolute(routes.group(c.slug)),
                    "id": urls.absolute(routes.group(c.slug)), "updated": (c.added or site.as_of).isoformat(),
                    "summary": c.summary} for c in cards]
        title, url, page_url = f"{site.config.title}: new groups", "groups/feed.xml", "groups/"
    else:
        docs = site.milestones[: plan.FEED_ENTRIES]
        entries = [{"title": d.title, "url": urls.absolute(routes.document("milestone", d.slug)),
                    "id": urls.absolute(routes.document("milestone", d.slug)),
                    "updated": (d.updated or d.date or site.as_of).isoformat(), "summary": d.summary} for d in docs]
        title, url, page_url = f"{site.config.title}: milestones", "milestones/feed.xml", "milestones/"
    updated = max((dt.date.fromisoformat(e["updated"]) for e in entries), default=site.as_of)
    return feeds.atom_feed(title=title, feed_url=urls.absolute(url), site_url=urls.absolute(page_url),
                           feed_id=urls.absolute(url), updated=updated, entries=entries)


def _nojekyll(job: Job, ctx: RenderContext) -> bytes:
    return b""


def _robots(job: Job, ctx: RenderContext) -> bytes:
    return feeds.robots(ctx.urls)


def sitemap_pages(jobs: list[Job], groups: Sequence[str] | None = None) -> list[str]:
    """Site-relative URLs of every HTML page worth listing in a sitemap (made absolute only when the sitemap
    is written: the plan needs no more than to know whether the list changed). `groups`, from a plan that made no
    jobs for the groups whose jobs are the last build's (generator.plan.carried_slugs): every group's slug, in
    A-Z order; their pages take the place the groups' pages have in a plan's order (after the home page), and the
    jobs' own group pages are left out."""
    # Written as one comprehension: it runs over every job (330,000 at 100,000 groups) on every build.
    pages = [path[:-10] if path.endswith("index.html") else path  # 10: len("index.html")
             for job in jobs if (path := job.path).endswith(".html") and job.kind != "404"
             and (groups is None or job.kind != "group")]
    if groups is not None:
        assert jobs[0].kind == "home"
        pages[1:1] = routes.group_pages(groups)
    return pages


def _sitemap(job: Job, ctx: RenderContext) -> bytes:
    all_urls = ctx.shared("sitemap")["urls"]
    if job.key[0] == "single":
        return feeds.sitemap(all_urls)
    if job.key[0] == "part":
        number = int(str(job.key[1]))
        return feeds.sitemap(all_urls[(number - 1) * plan.SITEMAP_LIMIT: number * plan.SITEMAP_LIMIT])
    parts = int(str(job.key[1]))
    return feeds.sitemap_index([ctx.urls.absolute(f"sitemap-{n}.xml") for n in range(1, parts + 1)])


_HANDLERS: dict[str, Callable[[Job, RenderContext], Rendered]] = {
    "home": _home,
    "group": _group,
    "listing": _listing,
    "terms": _terms,
    "docs": _docs,
    "doc": _doc,
    "search": _search,
    "404": _not_found,
    "feed": _feed,
    "robots": _robots,
    "nojekyll": _nojekyll,
    "sitemap": _sitemap,
    "stats": _stats,
    "badge": _badge,
    "group-json": _group_json,
    "groups-json": _groups_json,
    "groups-index": _groups_index,
    "groups-csv": _groups_csv,
    "json-feed": _json_feed,
}
