"""Small text helpers shared by every stage: slugs, URL policy, number formatting."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

_SLUG_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_SLUG_GAPS = re.compile(r"[\s_-]+", re.UNICODE)
SLUG_PATTERN = re.compile(r"^[^\W_](?:[\w-]*[^\W_])?$", re.UNICODE)
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def fold_latin(text: str) -> str:
    """Strip accents from Latin letters (Zürich -> Zurich) and leave other scripts as they are."""
    out = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            continue
        out.append(char)
    folded = unicodedata.normalize("NFC", "".join(out))
    return folded.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L")


def slugify(text: str) -> str:
    """A URL slug for any script: lowercase, Latin accents folded, words joined by '-'."""
    text = fold_latin(text).lower()
    text = _SLUG_DROP.sub(" ", text)
    text = _SLUG_GAPS.sub("-", text).strip("-")
    return text


def is_slug(text: str) -> bool:
    return bool(SLUG_PATTERN.match(text)) and text == text.lower()


def url_problem(url: str, allowed: frozenset[str]) -> str:
    """Why a content URL must be refused, or an empty string when it is fine.

    Only absolute URLs with an allowed scheme pass; whitespace and control characters that browsers
    strip before reading a scheme ('java\\tscript:') are rejected outright.
    """
    if not url:
        return "is empty"
    if _CONTROL.search(url):
        return "contains spaces or control characters"
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme:
        return "must be an absolute URL (https://...)"
    if scheme in _FORBIDDEN_SCHEMES:
        return f"uses the forbidden scheme '{scheme}:'"
    if scheme not in allowed:
        names = ", ".join(sorted(allowed))
        return f"uses the scheme '{scheme}:', which is not allowed (allowed: {names})"
    if scheme in ("http", "https") and not parts.netloc:
        return "has no host"
    return ""


def link_is_safe(url: str, allowed: frozenset[str]) -> bool:
    """For links inside Markdown: relative URLs and allowed schemes pass, everything else is dropped."""
    stripped = _CONTROL.sub("", url)
    scheme = urlsplit(stripped).scheme.lower()
    if not scheme:
        return True
    return scheme in allowed and scheme not in _FORBIDDEN_SCHEMES


def format_number(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"
