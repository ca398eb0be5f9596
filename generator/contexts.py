"""Template contexts: the Site and records -> the view objects of generator.views."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from markupsafe import Markup

from generator import routes
from generator.assemble import Site
from generator.model import (
    ACTIVITY_LABELS,
    SIZE_LABELS,
    STATUS_LABELS,
    VISIBILITY_LABELS,
    Card,
    Document,
    Group,
)
from generator.routes import Urls
from generator.text import format_number, slugify
from generator.views import CardView, DocView, GroupView, Link, NavItem, PageMeta, Pager, SiteView, TermView

if TYPE_CHECKING:
    from generator.markdown_render import MarkdownRenderer

NAV = (
    ("groups", "Groups", "groups/"),
    ("categories", "Categories", "categories/"),
    ("locations", "Locations", "locations/"),
    ("sizes", "Sizes", "sizes/"),
    ("guides", "Guides", "guides/"),
    ("milestones", "Milestones", "milestones/"),
    ("stats", "Statistics", "stats/"),
    ("search", "Search", "search/"),
)
CARD_VIEWS = 40_000
DIMENSION_INTROS = {
    "categories": "Every kind of group in the directory.",
    "tags": "Topics that groups describe themselves with.",
    "locations": "Where groups meet, by country; online groups meet anywhere.",
    "industries": "The industries groups serve.",
    "sizes": "Groups by number of members. A few hundred to a few thousand members is usually the range "
             "most worth joining: big enough to be alive, small enough to be heard.",
}


@dataclass
class Views:
    """Builds view objects for one site; holds only lookups derived from the Site."""

    site: Site
    urls: Urls
    category_names: dict[str, str] = field(init=False)
    _cards: dict[str, CardView] = field(init=False, default_factory=dict)
    _terms: dict[str, tuple[tuple[TermView, ...], dict[str, int]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.category_names = {c.slug: c.name for c in self.site.config.categories}

    # The renderers are made when first used, and Markdown's code loaded then: the pages of an edited group and
    # the listings it is on need none (the load stage rendered its description).
    @functools.cached_property
    def descriptions(self) -> MarkdownRenderer:
        """Under the group page's h2 "About the group"."""
        from generator.markdown_render import DESCRIPTION_TOP_HEADING, renderer_for

        return renderer_for(self.site.config.allowed_schemes(), DESCRIPTION_TOP_HEADING)

    @functools.cached_property
    def bodies(self) -> MarkdownRenderer:
        """Right under a guide's, milestone's or page's h1."""
        from generator.markdown_render import BODY_TOP_HEADING, renderer_for

        return renderer_for(self.site.config.allowed_schemes(), BODY_TOP_HEADING)

    def link(self, url: str) -> str:
        return self.urls.path(url)

    def site_view(self) -> SiteView:
        config = self.site.config
        return SiteView(config.title, config.description, config.language, config.base_url, config.base_path,
                        self.site.as_of, dict(config.extra))

    def page_links(self) -> tuple[Link, ...]:
        """The site's plain pages (content/pages/), for the footer: only pages that exist are linked."""
        return tuple(Link(d.title, self.link(routes.document("page", d.slug))) for d in self.site.pages)

    def nav(self) -> tuple[NavItem, ...]:
        return tuple(NavItem(key, label, self.link(url)) for key, label, url in NAV)

    def meta(self, kind: str, title: str, url: str, *, description: str = "", nav_key: str = "",
             crumbs: Sequence[tuple[str, str]] = (), og_type: str = "website", jsonld: Markup = Markup(""),
             noindex: bool = False) -> PageMeta:
        feeds = (Link("New groups", self.link("groups/feed.xml")),
                 Link("Milestones", self.link("milestones/feed.xml")))
        breadcrumbs = tuple(Link(label, self.link(u)) for label, u in crumbs) if crumbs else ()
        return PageMeta(kind, title, description or self.site.config.description, url, self.urls.absolute(url),
                        nav_key, breadcrumbs, og_type, feeds, jsonld, noindex)

    def card(self, card: Card) -> CardView:
        """The view of a group's card; kept per slug, since a group is listed on many pages of one build."""
        view = self._cards.get(card.slug)
        if view is None:
            if len(self._cards) >= CARD_VIEWS:
                self._cards.clear()
            view = self._cards[card.slug] = self._make_card(card)
        return view

    def _make_card(self, card: Card) -> CardView:
        location = Link(card.location_label, self.link(routes.term("locations", card.country_slug))) \
            if card.country_slug else None
        return CardView(
            slug=card.slug,
            name=card.name,
            summary=card.summary,
            url=self.link(routes.group(card.slug)),
            category=Link(self.category_names.get(card.category, card.category),
                          self.link(routes.term("categories", card.category))),
            members=card.members,
            members_label=f"{format_number(card.members)} members" if card.members is not None else "",
            size=Link(SIZE_LABELS[card.size_band], self.link(routes.term("sizes", card.size_band))),
            activity=card.activity,
            activity_label=ACTIVITY_LABELS[card.activity],
            location=location,
            tags=tuple(Link(t, self.link(routes.term("tags", s))) for t, s in zip(card.tags, card.tag_slugs,
                                                                                  strict=True) if s),
            featured=card.featured,
            status=card.status,
            status_label=STATUS_LABELS[card.status],
        )

    def group(self, group: Group, card: Card, description_html: Markup | None = None) -> GroupView:
        """`description_html` is the description as the load stage rendered it, when it kept it."""
        if description_html is None:
            description_html = self.descriptions.render(group.description) if group.description else Markup("")
        return GroupView(
            card=self.card(card),
            description_html=description_html,
            industry=Link(group.industry, self.link(routes.term("industries", slugify(group.industry))))
            if group.industry else None,
            languages=group.languages,
            members_as_of=group.members_as_of,
            founded=group.founded,
            added=group.added,
            website=group.website,
            join_url=group.join_url,
            visibility=group.visibility,
            visibility_label=VISIBILITY_LABELS[group.visibility],
            last_post=group.last_post,
            posts_per_month=group.posts_per_month,
            audience_industries=group.audience_industries,
            audience_regions=group.audience_regions,
            managers=group.managers,
            rules=group.rules,
            badge_url=self.urls.absolute(routes.badge(group.slug)),
            badge_path=self.link(routes.badge(group.slug)),
            page_url=self.urls.absolute(routes.group(group.slug)),
        )

    def group_jsonld(self, group: Group, card: Card) -> Markup:
        data: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": group.name,
            "url": self.urls.absolute(routes.group(group.slug)),
        }
        if group.summary:
            data["description"] = group.summary
        if group.founded:
            data["foundingDate"] = group.founded.isoformat()
        if group.members is not None:
            data["numberOfEmployees"] = {"@type": "QuantitativeValue", "value": group.members}
        if group.website:
            data["sameAs"] = group.website
        if card.location_label and not (group.location and group.location.online):
            data["location"] = {"@type": "Place", "name": card.location_label}
        if group.tags:
            data["keywords"] = ", ".join(group.tags)
        return jsonld(data)

    def doc(self, doc: Document, *, with_body: bool = True) -> DocView:
        return DocView(
            kind=doc.kind,
            slug=doc.slug,
            title=doc.title,
            summary=doc.summary,
            url=self.link(routes.document(doc.kind, doc.slug)),
            date=doc.date,
            updated=doc.updated,
            author=doc.author,
            tags=doc.tags,
            categories=tuple(Link(self.category_names.get(c, c), self.link(routes.term("categories", c)))
                             for c in doc.categories),
            figure=doc.figure,
            figure_label=doc.figure_label,
            body_html=self.bodies.render(doc.body) if with_body else Markup(""),
        )

    def pager(self, first_url: str, number: int, total_pages: int, total_items: int) -> Pager:
        per_page = self.site.config.per_page
        window = sorted({1, total_pages, *range(max(1, number - 2), min(total_pages, number + 2) + 1)})
        pages: list[tuple[int, str]] = []
        for n in window:
            if pages and n - pages[-1][0] > 1:
                pages.append((0, ""))
            pages.append((n, self.link(routes.paged(first_url, n))))
        return Pager(
            number=number,
            total_pages=total_pages,
            total_items=total_items,
            first_index=(number - 1) * per_page + 1 if total_items else 0,
            last_index=min(number * per_page, total_items),
            prev_url=self.link(routes.paged(first_url, number - 1)) if number > 1 else "",
            next_url=self.link(routes.paged(first_url, number + 1)) if number < total_pages else "",
            pages=tuple(pages),
        )

    def term_views(self, dimension: str) -> tuple[TermView, ...]:
        """The views of a dimension's terms, in the taxonomy's order; made once per build, as every listing
        page of a term asks for them (a walk over all of a dimension's terms per page grew with both)."""
        return self._term_table(dimension)[0]

    def term_position(self, dimension: str, slug: str) -> int:
        """Where the term `slug` stands in its taxonomy (and in term_views)."""
        return self._term_table(dimension)[1][slug]

    def _term_table(self, dimension: str) -> tuple[tuple[TermView, ...], dict[str, int]]:
        table = self._terms.get(dimension)
        if table is None:
            terms = self.site.taxonomies[dimension].terms
            table = self._terms[dimension] = (
                tuple(TermView(t.slug, t.name, len(t.indices), self.link(routes.term(dimension, t.slug)),
                               t.description) for t in terms),
                {t.slug: position for position, t in enumerate(terms)})
        return table


def jsonld(data: object) -> Markup:
    """JSON for a <script> element: '<', '>' and '&' escaped so content cannot close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
