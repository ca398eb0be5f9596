"""Plain Markdown read straight into the element tree Python-Markdown's parser would make of it.

Most group descriptions use a small part of Markdown: paragraphs, `#` headings, one level of lists (`-`, `*`, `+`
or numbered, an item going on over further lines), `**strong**`, `*emphasis*`, `_emphasis_` and `[text](url)`
links. Python-Markdown's block processors and placeholder-based inline patterns take about two thirds of the time
it spends on such a text (0.34 ms of a synthetic description's 0.52); this module reads it in one pass into the tree
the parser and the inline patterns would make. The renderer then runs its own tree processors after the inline
one (typography, prettify, unescape, the link policy) and its serializer on that tree, so everything after
parsing is Python-Markdown's.

`tree` answers None for any text it is not sure of, and the renderer converts that text with Python-Markdown:
every line must be a paragraph line, a heading or a list item that cannot be read as anything else (no indented
paragraph, no line that another block processor, a reference definition or a setext underline could claim, no
two lists apart only by blank lines), and inline text may hold only the constructs above, none nested, and none
of the characters that start other constructs (backslash, backtick, `<`, `>`, `&`, `|`, `![`, an `*`, `_`, `[` or
`]` that is not part of one of them). tests/test_markdown_plain.py compares the renderer's output with
Python-Markdown's over generated texts, near-misses included, and over the sample site's.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

# Characters that start something this module does not read, anywhere in a text: escapes, code, raw HTML and
# entities, tables, and what Python-Markdown's whitespace normalisation and placeholders rely on.
_REFUSED = re.compile(r"[\\`<>&|\t\r\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]|!\[")
# A line no block processor but the paragraph's claims: not indented, not a quote, list item, ordered item,
# heading, setext underline, fence, rule or reference definition; no trailing space (a line break).
_PLAIN_START = re.compile(r"[^\s#>=~\[+*_\-\d]|\d+(?![\d.)])|(?:\*\*?|__?)(?=[^\s*_])|\[(?!\^)")
_HEADING = re.compile(r"(#{1,6}) (\S(?:.*[^\s#])?)")
_ITEM = re.compile(r"(?:[-*+]|(\d+)\.) (?=\S)")
_RULE = "-*_ "  # a line of nothing else is a rule (or an empty list item)
# Inline constructs in the order Python-Markdown's patterns claim them: links first, then strong and emphasis.
_LINK = re.compile(r"\[([^\[\]*_]+)\]\(([^\s()<>\"'\[\]]+)\)")
_EMPHASIS = re.compile(r"\*\*([^\s*_](?:[^*_]*[^\s*_])?)\*\*|\*([^\s*_](?:[^*_]*[^\s*_])?)\*"
                       r"|(?<!\w)__([^\s*_](?:[^*_]*[^\s*_])?)__(?!\w)|(?<!\w)_([^\s*_](?:[^*_]*[^\s*_])?)_(?!\w)")
_LEFT = re.compile(r"[*_\[\]]")  # what is left of a construct not read
_EMPHASIS_TAGS = ("strong", "em", "strong", "em")  # by the group that matched


class _NotPlain(Exception):
    """The text holds something this module does not read."""


def tree(text: str) -> etree.Element | None:
    """The `div` Python-Markdown's parser and inline patterns would make of `text`, or None when `text` holds
    anything outside the plain subset (see the module's docstring)."""
    if _REFUSED.search(text):
        return None
    root = etree.Element("div")
    try:
        after_list = False  # whether the last block was a list (a heading between two lists keeps them apart)
        block: list[str] = []
        for line in [*text.split("\n"), ""]:
            if line and line[-1].isspace():
                return None
            heading = _HEADING.fullmatch(line) if line[:1] == "#" else None
            if line and heading is None:
                block.append(line)
                continue
            if block:
                after_list = _add_block(root, block, after_list)
                block = []
            if heading is not None:
                _inline(etree.SubElement(root, f"h{len(heading.group(1))}"), heading.group(2))
                after_list = False
    except _NotPlain:
        return None
    return root


def _add_block(root: etree.Element, lines: list[str], after_list: bool) -> bool:
    """A run of lines between blank lines or headings, as one list or one paragraph; whether it was a list."""
    if not all(line.strip(_RULE) for line in lines):
        raise _NotPlain  # a rule, or an empty list item
    first = _ITEM.match(lines[0])
    if first is None:
        if not all(_PLAIN_START.match(line) for line in lines):
            raise _NotPlain
        _inline(etree.SubElement(root, "p"), "\n".join(lines))
        return False
    if after_list:
        raise _NotPlain  # Python-Markdown joins two lists apart only by blank lines into one loose list
    number = first.group(1)
    items = etree.SubElement(root, "ul" if number is None else "ol")
    if number is not None and number != "1":
        items.set("start", number)
    texts: list[str] = []
    for line in lines:
        item = _ITEM.match(line)
        if item is not None:
            if (item.group(1) is None) != (number is None):
                raise _NotPlain  # an ordered item in an unordered list, or the other way round
            texts.append(line[item.end():])
            continue
        # Any other line goes on with the item above, as Python-Markdown reads it (indented or not).
        content = line.lstrip(" ")
        if len(line) - len(content) > 3 or not _PLAIN_START.match(content):
            raise _NotPlain
        texts[-1] += "\n" + line
    for text in texts:
        if not _PLAIN_START.match(text):
            raise _NotPlain
        _inline(etree.SubElement(items, "li"), text)
    return True


def _inline(element: etree.Element, text: str) -> None:
    """Give `element` the text and inline children Python-Markdown's inline patterns would make of `text`:
    links first, as their pattern comes first, then strong and emphasised runs in the text between."""
    last: etree.Element | None = None
    at = 0
    for link in _LINK.finditer(text):
        last = _emphasis(element, last, text[at:link.start()])
        last = etree.SubElement(element, "a")
        last.text = link.group(1)
        last.set("href", link.group(2))
        at = link.end()
    _emphasis(element, last, text[at:])


def _emphasis(element: etree.Element, last: etree.Element | None, text: str) -> etree.Element | None:
    """Add `text` after `last` (or as `element`'s text when there is none yet), with its strong and emphasised
    runs as children; returns the last child."""
    at = 0
    for match in _EMPHASIS.finditer(text) if "*" in text or "_" in text else ():
        _put(element, last, text[at:match.start()])
        group = match.lastindex or 0
        last = etree.SubElement(element, _EMPHASIS_TAGS[group - 1])
        last.text = match.group(group)
        at = match.end()
    _put(element, last, text[at:])
    return last


def _put(element: etree.Element, last: etree.Element | None, plain: str) -> None:
    if _LEFT.search(plain):
        raise _NotPlain  # an `*`, `_`, `[` or `]` that is not part of a construct read
    if plain:
        if last is None:
            element.text = plain
        else:
            last.tail = plain
