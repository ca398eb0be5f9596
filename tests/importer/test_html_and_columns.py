"""HTML fragments become Markdown or text with nothing of the HTML left; headers match in any spelling."""

from __future__ import annotations

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.importer.columns import MapProblem, header_key, parse_maps, plan_columns
from generator.importer.htmltext import looks_like_html, to_markdown, to_text

SCHEMES = frozenset({"http", "https", "mailto"})
HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<p onclick="alert(1)">hi</p>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<style>body{display:none}</style>",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt; <b>x</b>",
    "<script>never closed",
]


@pytest.mark.parametrize("fragment", HOSTILE)
def test_hostile_html_does_not_survive(fragment: str) -> None:
    for text in (to_markdown(fragment, SCHEMES), to_markdown(f"<p>{fragment}</p>", SCHEMES)):
        assert "<" not in text
        assert "javascript" not in text.lower()
        assert "onerror" not in text and "onclick" not in text
        rendered = markdown.markdown(text)
        assert "<script" not in rendered.lower() and "<iframe" not in rendered and "javascript:" not in rendered
    assert "<" not in to_text(fragment) or not looks_like_html(to_text(fragment))


def test_structure_becomes_markdown() -> None:
    html = ("<h2>About</h2><p>We <strong>meet</strong> <em>monthly</em> at <a href='https://example.org/'>"
            "the hub</a>.<br>Bring <code>code</code>.</p><ul><li>Talks</li><li>Jobs<ol><li>Post</li></ol></li>"
            "</ul><blockquote>Quote</blockquote><pre>x &lt; y\n  z</pre><table><tr><td>a</td><td>b</td></tr></table>")
    assert to_markdown(html, SCHEMES) == (
        "## About\n\nWe **meet** *monthly* at [the hub](https://example.org/).\n\nBring `code`.\n\n"
        "- Talks\n- Jobs\n    1. Post\n\n> Quote\n\n```\nx < y\n  z\n```\n\na | b\n")


def test_markdown_with_inline_html_keeps_its_lines() -> None:
    text = "Intro with [a link](https://example.org/) and <b>bold</b>.\n\n- one\n- two <span>x</span>\n"
    assert to_markdown(text, SCHEMES) == "Intro with [a link](https://example.org/) and **bold**.\n\n- one\n- two x\n"
    assert to_markdown("Plain *Markdown* [ok](https://x.org)", SCHEMES) == "Plain *Markdown* [ok](https://x.org)"
    assert to_markdown("1 < 2 and <https://example.org>", SCHEMES) == "1 < 2 and <https://example.org>"


def test_links_keep_only_allowed_schemes() -> None:
    assert to_markdown('<p><a href="mailto:a@b.org">mail</a></p>', SCHEMES) == "[mail](mailto:a@b.org)\n"
    assert to_markdown('<p><a href="matrix:r/x">chat</a></p>', SCHEMES) == "chat\n"
    assert to_markdown('<p><a href="matrix:r/x">chat</a></p>', SCHEMES | {"matrix"}) == "[chat](matrix:r/x)\n"
    assert to_markdown('<p><a href="/relative">rel</a></p>', SCHEMES) == "rel\n"
    assert to_markdown('<p><a href="https://x.org/a b)">t</a></p>', SCHEMES) == "[t](https://x.org/a%20b%29)\n"


def test_one_line_fields() -> None:
    assert to_text("<b>Bar</b> &amp; Grill<script>x()</script>") == "Bar & Grill"
    assert to_text("AT&amp;T") == "AT&T"
    assert to_text("a < b & c") == "a < b & c"


@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdefghijklmnopqrstuvwxyz!-&;:")), max_size=200))
@settings(max_examples=400)
def test_no_tag_survives_random_markup(fragment: str) -> None:
    text = to_markdown(fragment, SCHEMES)
    assert not looks_like_html(text) or text == fragment  # unchanged only when it was not HTML to begin with


@pytest.mark.parametrize(("header", "key"), [
    ("Group Name", "group_name"), ("  MEMBERS ", "members"), ("join url", "join_url"), ("Join-URL", "join_url"),
    ("Members As Of", "members_as_of"), ("Posts/Month", "posts_month"), ("# Members", "number_members"),
    ("Gründung", "grundung"), ("", "column"),
])
def test_header_keys(header: str, key: str) -> None:
    assert header_key(header) == key


def test_column_plan() -> None:
    plan = plan_columns(["Group Name", "MEMBERS", "Join URL", "Size", "Meeting Day", "meeting day", "Kind"],
                        parse_maps(["category=Kind"]))
    assert plan.fields == {0: "name", 1: "members", 2: "join_url", 3: "members", 6: "category"}
    assert plan.extra == {4: "meeting_day", 5: "meeting_day_2"}
    assert plan.doubled == ["'Size' and 'MEMBERS' both give 'members'"]
    with pytest.raises(MapProblem):
        parse_maps(["colour=Kind"])
    with pytest.raises(MapProblem):
        plan_columns(["a"], {"name": "b"})
