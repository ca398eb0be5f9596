"""Typographic punctuation in Markdown bodies: quotes turn the right way, code stays literal."""

from __future__ import annotations

import pytest

from generator.markdown_render import MarkdownRenderer
from generator.typography import smarten

RENDER = MarkdownRenderer(frozenset({"http", "https"})).render


@pytest.mark.parametrize(("text", "expected"), [
    ('He said "hello".', "He said \u201chello\u201d."),
    ("don't, it's, members'", "don\u2019t, it\u2019s, members\u2019"),
    ("'quoted' words", "\u2018quoted\u2019 words"),
    ("the '90s", "the \u201990s"),
    ("a -- b --- c...", "a \u2013 b \u2014 c\u2026"),
    ('("nested \'one\'")', "(\u201cnested \u2018one\u2019\u201d)"),
    ("plain text", "plain text"),
])
def test_smarten(text: str, expected: str) -> None:
    assert smarten(text) == expected


def test_quote_after_inline_element_closes() -> None:
    assert RENDER('"*word*"') == "<p>\u201c<em>word</em>\u201d</p>"


def test_link_text_and_quotes_around_it() -> None:
    html = RENDER('Read "[the guide](https://example.org/)" first.')
    assert "\u201c<a " in html and "</a>\u201d first." in html


def test_code_is_left_literal() -> None:
    assert RENDER('Type `say "hi" -- now` please') == '<p>Type <code>say "hi" -- now</code> please</p>'
    fenced = RENDER('```\n"code" -- x\n```\n\n"after"')
    assert '<pre><code>&quot;code&quot; -- x\n</code></pre>' in fenced
    assert "<p>\u201cafter\u201d</p>" in fenced


def test_each_block_starts_fresh() -> None:
    html = RENDER('First paragraph ends here.\n\n"Second" starts with a quote.\n\n- "item"')
    assert "<p>\u201cSecond\u201d starts" in html
    assert "<li>\u201citem\u201d</li>" in html


def test_backslash_keeps_a_straight_quote() -> None:
    assert RENDER('a \\"literal\\" quote') == '<p>a "literal" quote</p>'
    assert RENDER("\\'not curly\\'") == "<p>'not curly'</p>"
