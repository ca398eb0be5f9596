"""Markdown -> HTML under the project's policy: raw HTML is shown as text, unsafe link schemes are removed.

Python-Markdown tries every registered inline pattern at every text node, and that was a quarter of its time,
although most texts contain none of the characters most patterns need. So a renderer converts each text with an
instance from which the patterns that cannot match that text are deregistered (see `_NEEDS`).
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as etree
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from generator import markdown_plain
from generator.text import safe_link
from generator.typography import smarten_tree

# Extensions as classes, not names: a name is looked up among every installed package's entry points, which
# cost 45 ms the first time a process made a Markdown instance (an edit's build at 10,000 groups takes 0.8 s).
_EXTENSIONS = (SaneListExtension, TableExtension, FencedCodeExtension)
DESCRIPTION_TOP_HEADING = 3  # a group description sits under the page's h2 "About the group"
BODY_TOP_HEADING = 2  # a guide's, milestone's or page's body sits right under its h1
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

# What every match of an inline pattern contains: a character from each string listed (audited against the
# regular expressions of markdown/inlinepatterns.py, Python-Markdown 3.11; our extensions register none). A text
# lacking one cannot give that pattern a match: inline patterns only see pieces of the source, with tabs expanded
# and line ends normalised, and placeholders made of \x02, \x03, ASCII letters, digits and ':' (stashed HTML
# and code blocks, parsed inline elements, backslash escapes). Reference definitions, which block processors
# remove, start with '['.
_NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),  # (?<!\\)` or pairs of backslashes followed by (?=`+)
    "escape": ("\\",),  # \\(.) whatever ESCAPED_CHARS holds
    "reference": ("[",),  # (?<!\!)\[ and so are the next two
    "link": ("[",),
    "short_reference": ("[",),
    "image_link": ("!", "["),  # \!\[ and so are the next two
    "image_reference": ("!", "["),
    "short_image_ref": ("!", "["),
    "autolink": ("<",),  # <scheme://...>
    "automail": ("<",),  # <user@host>
    "entity": ("&",),  # &name; &#123; &#x7B;
    "em_strong": ("*_",),  # one processor for the delimiters * and _
}
# "linebreak" (two spaces before a newline) is always kept: expanded tabs can make those spaces. "html" is
# deregistered by `_Policy`.
_KEPT = ("linebreak",)
_TRIGGERS = "".join(sorted({char for needs in _NEEDS.values() for chars in needs for char in chars}))
# The processors a plain text's tree (generator.markdown_plain) goes through after parsing, audited for it: none
# but `inline` (which the tree stands for) reads what parsing kept aside, and the postprocessors only replace
# placeholders, which start with \x02: a plain text holds none, and neither does its tree.
_AFTER_INLINE = ("groupdir_typography", "prettify", "unescape", "groupdir_links")
_POSTPROCESSORS = ("raw_html", "amp_substitute")


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


@functools.cache  # at most 2 ** len(_TRIGGERS) keys
def _unmatchable(present: frozenset[str]) -> frozenset[str]:
    """The inline patterns that cannot match a text in which, of `_TRIGGERS`, only `present` occur."""
    return frozenset(name for name, needs in _NEEDS.items()
                     if not all(present.intersection(chars) for chars in needs))


class MarkdownRenderer:
    """Reusable Markdown instances (creating one costs far more than converting a description).

    A text is converted by an instance without the inline patterns that cannot match it, made on first use and
    kept: one per set of unmatchable patterns, at most 96 (2 ** 5 * 3, as the image patterns also need '[').
    The full instance is used when every pattern may match, and for every text if the registered inline
    patterns are not the audited ones of `_NEEDS`. `filter_patterns=False` makes a renderer that always uses
    the full instance, for tests.

    A text in the plain subset of Markdown is not parsed by Python-Markdown: generator.markdown_plain makes the
    tree its parser would, and the full instance's processors after parsing and its serializer make the HTML
    (0.18 ms against 0.52 for a synthetic description). `plain=False` turns that off, for tests.
    """

    def __init__(self, allowed_schemes: frozenset[str], top_heading: int = 2, *,
                 filter_patterns: bool = True, plain: bool = True) -> None:
        self._allowed = allowed_schemes
        self._top_heading = top_heading
        self._full = self._new_markdown()
        patterns = self._full.inlinePatterns
        audited = len(patterns) == len(_NEEDS) + len(_KEPT) and all(name in patterns for name in [*_NEEDS, *_KEPT])
        self._filter = filter_patterns and audited
        self._instances: dict[frozenset[str], markdown.Markdown] = {frozenset(): self._full}
        trees = self._full.treeprocessors
        self._plain = plain and _holds_only(trees, ("inline", *_AFTER_INLINE)) and \
            _holds_only(self._full.postprocessors, _POSTPROCESSORS)
        self._after_inline = [trees[name] for name in _AFTER_INLINE] if self._plain else []

    def _new_markdown(self, unmatchable: frozenset[str] = frozenset()) -> markdown.Markdown:
        extensions = [*(make() for make in _EXTENSIONS), _Policy(self._allowed, self._top_heading)]
        md = markdown.Markdown(extensions=extensions, output_format="html")
        for name in unmatchable:
            md.inlinePatterns.deregister(name)
        return md

    def markdown_for(self, text: str) -> markdown.Markdown:
        """The instance that converts `text`."""
        if not self._filter:
            return self._full
        unmatchable = _unmatchable(frozenset(char for char in _TRIGGERS if char in text))
        md = self._instances.get(unmatchable)
        if md is None:
            md = self._instances[unmatchable] = self._new_markdown(unmatchable)
        return md

    def render(self, text: str) -> Markup:
        html = self._convert_plain(text) if self._plain else None
        if html is None:
            html = self.markdown_for(text).reset().convert(text)
        return Markup(html)

    def _convert_plain(self, text: str) -> str | None:
        """What Markdown.convert returns for `text`, when it is plain (generator.markdown_plain), else None."""
        root = markdown_plain.tree(text)
        if root is None:
            return None
        if not len(root):
            return ""  # nothing but blank lines
        for processor in self._after_inline:
            root = processor.run(root) or root
        output = self._full.serializer(root)
        # What Markdown.convert does next: the document's own tags ("<div>", "</div>") come off.
        return output[len("<div>"):output.rindex("</div>")].strip()


def _holds_only(registry: Any, names: tuple[str, ...]) -> bool:
    """Whether a Python-Markdown registry holds the items `names`, and no others, in this order of priority."""
    return all(name in registry for name in names) and list(registry) == [registry[name] for name in names]


@functools.lru_cache(maxsize=8)
def renderer_for(allowed_schemes: frozenset[str], top_heading: int) -> MarkdownRenderer:
    """A renderer per policy, made once per process."""
    return MarkdownRenderer(allowed_schemes, top_heading)
