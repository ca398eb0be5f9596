"""Markdown -> HTML under the project's policy: raw HTML is shown as text, unsafe link schemes are removed."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as etree
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from generator.text import safe_link
from generator.typography import smarten_tree

_EXTENSIONS = ["sane_lists", "tables", "fenced_code"]
DESCRIPTION_TOP_HEADING = 3  # a group description sits under the page's h2 "About the group"
BODY_TOP_HEADING = 2  # a guide's, milestone's or page's body sits right under its h1
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class _LinkPolicy(Treeprocessor):
    """Drop links and images whose URL is not allowed; mark external links."""

    def __init__(self, md: Any, allowed: frozenset[str], top_heading: int) -> None:
        super().__init__(md)
        self.allowed = allowed
        self.top_heading = top_heading

    def run(self, root: etree.Element) -> None:
        # Headings are shifted so the body's highest heading sits at `top_heading`, whatever level the
        # editor started at: the page around it owns h1 (and h2 for group descriptions).
        levels = [int(el.tag[1]) for el in root.iter() if el.tag in _HEADINGS]
        shift = self.top_heading - min(levels) if levels else 0
        for parent in root.iter():
            for child in list(parent):
                if child.tag == "a":
                    href = safe_link(child.get("href", ""), self.allowed)
                    if href is None:
                        del child.attrib["href"]
                        child.tag = "span"
                    else:
                        child.set("href", href)
                        if href.startswith(("http://", "https://", "//")):
                            child.set("rel", "nofollow ugc noopener")
                elif child.tag == "img":
                    src = safe_link(child.get("src", ""), self.allowed)
                    if src is None or not src.startswith(("https://", "http://")):
                        # Images would be requests to other hosts or unsafe schemes: show the alt text.
                        alt, tail = child.get("alt", ""), child.tail
                        child.clear()
                        child.tag, child.text, child.tail = "span", alt, tail
                    else:
                        child.set("src", src)
                        child.set("loading", "lazy")
                elif child.tag in _HEADINGS and shift:
                    child.tag = f"h{max(1, min(int(child.tag[1]) + shift, 6))}"


class _Typography(Treeprocessor):
    """Curly quotes, dashes and ellipses (what `smarty` did, at a fraction of its cost)."""

    def run(self, root: etree.Element) -> None:
        smarten_tree(root)


class _Policy(Extension):
    def __init__(self, allowed: frozenset[str], top_heading: int) -> None:
        super().__init__()
        self.allowed = allowed
        self.top_heading = top_heading

    def extendMarkdown(self, md: Any) -> None:
        md.ESCAPED_CHARS.extend(["'", '"'])  # \" and \' keep a straight quote
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After inline parsing (20), before `unescape` (0) turns backslash-escaped quotes back into characters.
        md.treeprocessors.register(_Typography(md), "groupdir_typography", 15)
        md.treeprocessors.register(_LinkPolicy(md, self.allowed, self.top_heading), "groupdir_links", 0)


class MarkdownRenderer:
    """One reusable Markdown instance (creating one costs far more than converting a description)."""

    def __init__(self, allowed_schemes: frozenset[str], top_heading: int = 2) -> None:
        self._md = markdown.Markdown(extensions=[*_EXTENSIONS, _Policy(allowed_schemes, top_heading)],
                                     output_format="html")

    def render(self, text: str) -> Markup:
        html = self._md.reset().convert(text)
        return Markup(html)


@functools.lru_cache(maxsize=8)
def renderer_for(allowed_schemes: frozenset[str], top_heading: int) -> MarkdownRenderer:
    """A renderer per policy, made once per process."""
    return MarkdownRenderer(allowed_schemes, top_heading)
