"""HTML fragments from exports -> Markdown (descriptions) or plain text (one-line fields).

Nothing of the HTML survives as HTML: tags become Markdown or go, the content of script, style and
similar elements is dropped, attributes other than a link's href are dropped, and a link is kept only
when its URL is allowed by the site. Any '<' left in the text is written as '&lt;'.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import quote

from generator.text import safe_link

_BLOCK_TAG = re.compile(r"<(?:p|div|br|li|ul|ol|h[1-6]|table|tr|blockquote|pre|section|article|hr)\b", re.I)
_TAG = re.compile(r"<(?:/?[a-zA-Z][a-zA-Z0-9-]*(?=[\s/>])|!--)")
_ENTITY = re.compile(r"&(?:[a-zA-Z][a-zA-Z0-9]{1,31}|#\d{1,7}|#x[0-9a-fA-F]{1,6});")
_DROP = frozenset({
    "script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "head", "title",
    "select", "textarea", "button", "form", "frameset", "frame", "applet", "canvas", "audio", "video",
})
_BLOCK = frozenset({
    "p", "div", "section", "article", "header", "footer", "aside", "main", "nav", "address", "figure",
    "figcaption", "dl", "dt", "dd", "table", "tbody", "thead", "tfoot", "tr", "hr",
})
_VOID = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "wbr", "source"})
_URL_SAFE = ":/?#@!$&'*+,;=%~"
_INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}


def looks_like_html(text: str) -> bool:
    return bool(_TAG.search(text))


def to_markdown(text: str, schemes: frozenset[str]) -> str:
    """A description: HTML becomes Markdown; text that is not HTML is returned as it is.

    Without block-level tags the text is taken to be Markdown with some inline HTML: its line breaks
    are kept and only the tags are converted or dropped.
    """
    if not looks_like_html(text):
        return text
    parser = _ToMarkdown(schemes, keep_lines=not _BLOCK_TAG.search(text))
    parser.feed(text)
    parser.close()
    return parser.result()


def to_text(text: str) -> str:
    """A one-line field: tags dropped (with what is inside script and the like), entities decoded.

    Decoding can reveal tags ('&lt;b&gt;'), so this repeats until none is left.
    """
    for _ in range(3):
        if not looks_like_html(text):
            break
        parser = _ToMarkdown(frozenset(), plain=True)
        parser.feed(text)
        parser.close()
        text = " ".join(parser.result().split())
    else:
        text = _TAG.sub(lambda match: match.group()[1:], text)
    return html.unescape(text) if _ENTITY.search(text) and not looks_like_html(html.unescape(text)) else text


class _ToMarkdown(HTMLParser):
    def __init__(self, schemes: frozenset[str], *, plain: bool = False, keep_lines: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.keep_lines = keep_lines
        self.schemes = schemes
        self.plain = plain
        self.blocks: list[tuple[str, str]] = []  # (text, kind): "p", "li<list number>", "fence" or "pre"
        self.line: list[str] = []
        self.prefix: list[str] = []  # one entry per open list or blockquote
        self.lists: list[list[int]] = []  # [next number] for <ol>, [] for <ul>
        self.links: list[str | None] = []
        self.dropping = 0
        self.pre = 0
        self.item = False
        self.list_number = 0

    # -- building -------------------------------------------------------------------------------
    def _flush(self) -> None:
        text = "".join(self.line)
        self.line = []
        if self.pre:
            self.blocks.append((text.rstrip(), "pre"))
            return
        indent = text[: len(text) - len(text.lstrip(" "))] if self.lists else ""
        text = self._indent() + indent + " ".join(text.split())
        if text.strip():
            self.blocks.append((text, f"li{self.list_number}" if self.item else "p"))
        self.item = False

    def _emit(self, text: str) -> None:
        if not self.dropping:
            self.line.append(text)

    def result(self) -> str:
        if self.keep_lines and not self.plain:
            return "".join(self.line)
        self._flush()
        if self.plain:
            return " ".join(text for text, _ in self.blocks)
        out: list[str] = []
        previous = ""
        for text, kind in self.blocks:
            if out:
                tight = (kind == "pre" and previous in ("pre", "fence")) or (
                    kind == previous and kind.startswith("li"))
                out.append("\n" if tight else "\n\n")
            out.append(text)
            previous = kind
        return "".join(out).strip("\n") + "\n"

    def _indent(self) -> str:
        return "".join(self.prefix)

    # -- parser callbacks -----------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            if tag not in _VOID:
                self.dropping += 1
            return
        if self.dropping or self.plain:
            if tag in _BLOCK or tag in ("br", "li") or tag.startswith("h"):
                self._emit(" ")
            return
        if tag in _BLOCK or re.fullmatch(r"h[1-6]", tag) or tag in ("ul", "ol", "blockquote", "pre"):
            self._flush()
        if re.fullmatch(r"h[1-6]", tag):
            self._emit("#" * int(tag[1]) + " ")
        elif tag == "br":
            self._flush()
        elif tag in ("ul", "ol"):
            self.list_number += not self.lists
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li":
            self._flush()
            marker = "- "
            if self.lists and self.lists[-1]:
                marker = f"{self.lists[-1][0]}. "
                self.lists[-1][0] += 1
            depth = "    " * max(len(self.lists) - 1, 0)
            self._emit(depth + marker)
            self.item = True
        elif tag == "blockquote":
            self.prefix.append("> ")
        elif tag == "pre":
            self.blocks.append(("```", "fence"))
            self.pre += 1
        elif tag == "a":
            raw = (dict(attrs).get("href") or "").strip()
            href = safe_link(raw, self.schemes) if raw else None
            keep = href is not None and ":" in href
            self.links.append(href if keep else None)
            if keep:
                self._emit("[")
        elif tag in _INLINE and not self.pre:
            self._emit(_INLINE[tag])
        elif tag in ("td", "th"):
            self._emit(" | " if self.line else "")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            if alt:
                self._emit(_escape(alt))

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self.dropping = max(self.dropping - 1, 0)
            return
        if self.dropping or self.plain:
            if tag in _BLOCK or tag == "li" or tag.startswith("h"):
                self._emit(" ")
            return
        if tag == "a" and self.links:
            href = self.links.pop()
            if href is not None:
                self._emit(f"]({quote(href, safe=_URL_SAFE)})")
        elif tag in _INLINE and not self.pre:
            self._emit(_INLINE[tag])
        elif tag in ("ul", "ol") and self.lists:
            self._flush()
            self.lists.pop()
        elif tag == "blockquote" and self.prefix:
            self._flush()
            self.prefix.pop()
        elif tag == "pre" and self.pre:
            self._flush()
            self.pre -= 1
            self.blocks.append(("```", "pre"))
        elif tag in _BLOCK or re.fullmatch(r"h[1-6]", tag) or tag == "li":
            self._flush()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        if self.dropping:
            return
        if self.pre:
            for number, part in enumerate(data.split("\n")):
                if number:
                    self._flush_pre()
                self._emit(part.replace("```", "'''"))
            return
        self._emit(data if self.plain else _escape(data, brackets=not self.keep_lines))

    def _flush_pre(self) -> None:
        self.blocks.append(("".join(self.line).rstrip(), "pre"))
        self.line = []


def _escape(text: str, *, brackets: bool = True) -> str:
    """Text from HTML into Markdown: nothing that Markdown would read as HTML (or, from HTML, as a link)."""
    text = text.replace("<", "&lt;")
    return text.replace("[", "\\[").replace("]", "\\]") if brackets else text
