"""Atom feeds parse cleanly with feedparser, the JSON Feed has its required fields, and sitemaps validate
against the sitemaps.org 0.9 schemas (tests/quality/schemas/) with lxml, including a sitemap index."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from lxml import etree

from tests.quality.feeds import (
    ATOM,
    atom_problems,
    indexable_pages,
    json_feed_problems,
    schema,
    sitemap_locs,
)
from tests.quality.sites import BASE_URL, build_site, write_generated_site


def _target(output: Path, url: str) -> Path:
    rel = unquote(url.removeprefix(BASE_URL))
    return output / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


@pytest.mark.parametrize("feed", ["groups/feed.xml", "milestones/feed.xml"])
def test_atom_feed_is_well_formed_and_complete(sample_output: Path, feed: str) -> None:
    path = sample_output / feed
    assert not atom_problems(path), atom_problems(path)
    root = etree.parse(str(path)).getroot()
    entries = root.findall(f"{ATOM}entry")
    assert entries, f"{feed} has no entries"
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href")
        assert href.startswith(BASE_URL) and _target(sample_output, href).is_file(), href


def test_json_feed_has_required_fields(sample_output: Path) -> None:
    path = sample_output / "groups/feed.json"
    assert not json_feed_problems(path), json_feed_problems(path)


def test_schemas_reject_what_the_protocol_forbids() -> None:
    """The hand-written XSDs are strict enough to catch mistakes (so a pass means something)."""
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    bad = [
        f'<urlset xmlns="{ns}"></urlset>',  # no url
        f'<urlset xmlns="{ns}"><url><lastmod>2011-01-01</lastmod></url></urlset>',  # no loc
        f'<urlset xmlns="{ns}"><url><loc>https://example.org/</loc><priority>2</priority></url></urlset>',
        f'<urlset xmlns="{ns}"><url><loc>https://example.org/</loc><changefreq>often</changefreq></url></urlset>',
        f'<urlset xmlns="{ns}"><url><loc>https://example.org/</loc><lastmod>yesterday</lastmod></url></urlset>',
        '<urlset><url><loc>https://example.org/</loc></url></urlset>',  # no namespace
    ]
    for text in bad:
        assert not schema("sitemap.xsd").validate(etree.fromstring(text)), text
    good = f'<urlset xmlns="{ns}"><url><loc>https://example.org/a/</loc><lastmod>2011-03-01</lastmod></url></urlset>'
    assert schema("sitemap.xsd").validate(etree.fromstring(good))
    assert not schema("siteindex.xsd").validate(etree.fromstring(f'<sitemapindex xmlns="{ns}"/>'))
    index = f'<sitemapindex xmlns="{ns}"><sitemap><loc>https://example.org/s-1.xml</loc></sitemap></sitemapindex>'
    assert schema("siteindex.xsd").validate(etree.fromstring(index))


def test_sample_sitemap_validates_and_lists_every_page(sample_output: Path) -> None:
    locs, problems = sitemap_locs(sample_output)
    assert not problems, problems
    assert len(locs) == len(set(locs)), "duplicate URLs in the sitemap"
    assert {unquote(u) for u in locs} == {unquote(u) for u in indexable_pages(sample_output, BASE_URL)}
    robots = (sample_output / "robots.txt").read_text("utf-8")
    assert f"Sitemap: {BASE_URL}sitemap.xml" in robots


@pytest.mark.slow
def test_60000_group_site_gets_a_valid_sitemap_index(tmp_path: Path) -> None:
    site = write_generated_site(tmp_path / "site", 60_000, csv_only=True, per_page=100)
    output = build_site(site, tmp_path / "output", jobs=0)
    root = etree.parse(str(output / "sitemap.xml")).getroot()
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    locs, problems = sitemap_locs(output)
    assert not problems, problems[:40]
    assert len(locs) == len(set(locs)), "a URL is listed in more than one sitemap part"
    pages = indexable_pages(output, BASE_URL)
    assert len(pages) > 60_000
    listed = {unquote(u) for u in locs}
    expected = {unquote(u) for u in pages}
    assert listed == expected, (sorted(expected - listed)[:10], sorted(listed - expected)[:10])
    for feed in ("groups/feed.xml", "milestones/feed.xml"):
        assert not atom_problems(output / feed), feed
    assert not json_feed_problems(output / "groups/feed.json")
