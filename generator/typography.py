"""Typographic punctuation for Markdown text: curly quotes and apostrophes, dashes, ellipses.

Python-Markdown's `smarty` extension does this with a dozen extra inline patterns, each tried at every
text node, which doubled the cost of converting a group description. Here one regular expression finds
the few characters that matter and the character before each decides which way a quote turns.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

# Text inside these elements is shown literally.
LITERAL_TAGS = frozenset({"code", "pre", "kbd", "samp", "script", "style"})

_MARKS = re.compile(r"---|--|\.\.\.|['\"]")
_REPLACEMENTS = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}
# Each of these starts a new run of text: a quote at its start opens.
BLOCK_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote", "div", "dt", "dd",
                        "ul", "ol", "table", "thead", "tbody", "tr", "pre", "hr"})
# After these (or at the start of the text) a quote opens; after anything else it closes.
_OPENS_AFTER = frozenset(" \t\n\r\u00a0([{<\u2014\u2013-/\u2018\u201c")


def smarten(text: str, before: str = "") -> str:
    """`text` with typographic punctuation; `before` is the character that precedes it on the page."""
    if not any(mark in text for mark in ("'", '"', "--", "...")):
        return text

    def replace(match: re.Match[str]) -> str:
        mark = match.group()
        if mark in _REPLACEMENTS:
            return _REPLACEMENTS[mark]
        start = match.start()
        prev = text[start - 1] if start else before
        after = text[match.end(): match.end() + 1]
        opens = prev == "" or prev in _OPENS_AFTER
        if mark == '"':
            return "\u201c" if opens else "\u201d"
        if opens and not after.isdigit():  # '90s keeps an apostrophe
            return "\u2018"
        return "\u2019"

    return _MARKS.sub(replace, text)


def smarten_tree(root: etree.Element) -> None:
    """Apply `smarten` to every text and tail in document order, skipping literal elements."""
    _walk(root, "")


def _walk(element: etree.Element, before: str) -> str:
    """Smarten inside `element` (not its tail); returns the last character of its text content."""
    if element.tag in BLOCK_TAGS:
        before = ""
    if element.tag in LITERAL_TAGS:
        return _last(_text_of(element), before)
    if element.text:
        element.text = smarten(element.text, before)
        before = element.text[-1]
    for child in element:
        before = _walk(child, before)
        if child.tail:
            child.tail = smarten(child.tail, before)
            before = child.tail[-1]
        elif child.tag in BLOCK_TAGS:
            before = ""
    return before


def _text_of(element: etree.Element) -> str:
    return "".join(element.itertext())


def _last(text: str, before: str) -> str:
    return text[-1] if text else before
