"""Property: any group record goes through load -> validate -> render and either builds with every text escaped
or is reported as a located error; no exception ever escapes the build."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from generator.build import build
from generator.options import BuildOptions
from tests.conftest import SITE_YAML

GROUP_FILE = "content/groups/g.yaml"
NASTY = ["<", ">", "&", '"', "'", "{{ 7*7 }}", "{% if x %}", "{#", "</script>", "<b>", "&amp;", "&#x3C;", "\x00",
         "\x07", "\x1b", "\x7f", "\u0085", "\u2028", "\u2029", "\u202e", "\u2066", "\ufeff", "\t", "\n", "\r", " ",
         "javascript:", "ü", "中文", "🙂", "\U000e0041"]

texts = st.lists(st.one_of(st.sampled_from(NASTY), st.text(st.characters(exclude_categories=("Cs",)), max_size=8)),
                 max_size=8).map("".join)
scalars = st.one_of(texts, st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.booleans(), st.none(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)))
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(texts, inner, max_size=3)), max_leaves=6)


def field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return good


plausible = st.fixed_dictionaries(
    {"name": field(texts.filter(lambda t: t.strip() != "")),
     "category": field(st.sampled_from(["alumni", "industry"]))},
    optional={
        "summary": field(texts),
        "description": field(texts),
        "tags": field(st.lists(texts, max_size=4)),
        "industry": field(texts),
        "location": field(st.one_of(st.just("online"), st.fixed_dictionaries(
            {}, optional={"city": texts, "region": texts, "country": texts}))),
        "languages": field(st.lists(st.sampled_from(["en", "de", "xx", "<b>"]), max_size=3)),
        "members": field(st.integers(0, 10**9)),
        "members_as_of": field(st.dates(dt.date(1990, 1, 1), dt.date(2011, 4, 1))),
        "founded": field(st.dates(dt.date(1990, 1, 1), dt.date(2011, 4, 1))),
        "added": field(st.dates(dt.date(2010, 1, 1), dt.date(2011, 4, 1))),
        "website": field(st.sampled_from(["https://example.org/x", "https://example.org/?q=<b>&x='1'",
                                          "mailto:a@example.org"])),
        "join_url": field(st.sampled_from(["https://example.org/j?a=1&b=2", "matrix:r/x:example.org"])),
        "visibility": field(st.sampled_from(["open", "request", "invite"])),
        "activity": field(st.fixed_dictionaries({}, optional={"last_post": st.dates(dt.date(2000, 1, 1),
                                                                                    dt.date(2011, 4, 1)),
                                                              "posts_per_month": st.floats(0, 1000)})),
        "managers": field(st.lists(texts, max_size=3)),
        "rules": field(st.lists(texts, max_size=3)),
        "featured": field(st.booleans()),
    },
)
FIELDS = ["name", "category", "summary", "description", "tags", "industry", "location", "languages", "members",
          "members_as_of", "founded", "added", "website", "join_url", "visibility", "activity", "managers", "rules",
          "featured", "related", "slug", "status", "audience", "draft", "no_such_field"]
BAD_URLS = ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:,x", "<x>", "java\tscript:x", "vbscript:x", "file:///x"]
# A third of the records are plausible, a third carry a forbidden URL, a third have one or two fields of any type.
records = st.one_of(
    plausible,
    st.tuples(plausible, st.sampled_from(["website", "join_url"]), st.sampled_from(BAD_URLS)).map(
        lambda p: {**p[0], p[1]: p[2]}),
    st.tuples(plausible, st.dictionaries(st.sampled_from(FIELDS), anything, min_size=1, max_size=2)).map(
        lambda p: {**p[0], **p[1]}),
)


def _shown(value: str) -> str:
    """A one-line text field as the schema normalises it (bidi controls dropped, whitespace collapsed)."""
    bidi = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
    return " ".join(value.translate(bidi).split())


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record=records)
@example(record={"name": "<", "category": "alumni", "slug": 0})  # found by CI: a YAML number as the slug
def test_any_record_builds_escaped_or_fails_with_a_located_error(record: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "site"
        (root / "content" / "groups").mkdir(parents=True)
        (root / "site.yaml").write_text(SITE_YAML, "utf-8")
        (root / GROUP_FILE).write_text(yaml.safe_dump(record, allow_unicode=False, sort_keys=False), "utf-8")
        result = build(BuildOptions(root, Path(folder) / "output", jobs=1, use_cache=False))  # nothing may raise
        event("built" if result.ok else "reported as located errors")
        if any(record.get(key) in BAD_URLS for key in ("website", "join_url")):
            assert not result.ok, "a forbidden URL was accepted"
        if not result.ok:
            for diagnostic in result.report.errors:
                assert diagnostic.path == GROUP_FILE, diagnostic
                assert diagnostic.line >= 1, f"error without a line: {diagnostic.format()}"
                assert diagnostic.message
            return
        # The group's own folder: named after the file, unless the record gives a slug (`slug: 0` is "0").
        groups = Path(folder) / "output" / "groups"
        pages = [p.parent.name for p in groups.glob("*/index.html") if p.parent.name != "page"]
        assert len(pages) == 1, sorted(p.name for p in groups.iterdir())
        if "slug" not in record:
            assert pages == ["g"]
        page = groups / pages[0] / "index.html"
        parsed = _Page()
        parsed.feed(page.read_text("utf-8"))
        unknown = parsed.tags - ALLOWED_TAGS
        assert not unknown, f"tags that neither the theme nor Markdown writes: {unknown}"
        assert not parsed.inline_scripts, parsed.inline_scripts
        if isinstance(record["name"], str):
            # The heading's text is exactly the (normalised) name: every '<', '&' and quote was escaped.
            assert parsed.h1 == _shown(record["name"]), (parsed.h1, record["name"])
            assert _shown(record["name"]) in parsed.title
            if "{{ 7*7 }}" in record["name"]:
                assert "{{ 7*7 }}" in parsed.h1


THEME = Path(__file__).resolve().parents[2] / "themes" / "default" / "templates"
MARKDOWN_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "code", "pre", "blockquote", "h2", "h3", "h4", "h5",
                 "h6", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "span", "img", "del", "sup", "div"}
ALLOWED_TAGS = MARKDOWN_TAGS | {m.lower() for t in THEME.glob("*.html")
                                for m in re.findall(r"<([A-Za-z][A-Za-z0-9]*)", t.read_text("utf-8"))}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.inline_scripts: list[str] = []
        self.h1 = ""
        self.title = ""
        self._in: list[str] = []
        self._script_type: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "script":
            self._script_type = None if values.get("src") else (values.get("type") or "text/javascript")
        if tag in ("h1", "title"):
            self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "script":
            self._script_type = None

    def handle_data(self, data: str) -> None:
        if self._script_type not in (None, "application/ld+json"):
            self.inline_scripts.append(data[:80])
        if "h1" in self._in:
            self.h1 += data
        if "title" in self._in:
            self.title += data
