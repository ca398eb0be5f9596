"""Slugs for names in any script: Latin accents folded, other scripts kept, never empty, never clashing."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from generator.text import fold_latin, is_slug

MAX_SLUG = 80
_DROP = re.compile(r"[^\w\s-]", re.UNICODE)
_GAPS = re.compile(r"[\s_-]+", re.UNICODE)
# Latin letters without a decomposition, beyond the ß, ø and ł that fold_latin handles.
_LATIN_EXTRA = str.maketrans({"æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                              "þ": "th", "Þ": "Th", "\u0131": "i", "ħ": "h", "Ħ": "H", "ŧ": "t", "Ŧ": "T", "ŋ": "ng",
                              "Ŋ": "Ng", "ĸ": "k"})
_RESERVED = frozenset({"con", "prn", "aux", "nul", "index", *(f"com{i}" for i in range(10)),
                       *(f"lpt{i}" for i in range(10))})


def make_slug(name: str) -> str:
    """'Zürich Finance' -> 'zurich-finance', '東京 エンジニア' -> '東京-エンジニア', '🎸' -> 'group-<hash>'.

    Unlike generator.text.slugify, marks are stripped only from Latin letters, so that kana keep their
    voicing marks; marks that a slug cannot hold (Devanagari vowel signs, Thai vowels) are dropped.
    """
    text = unicodedata.normalize("NFKC", name)
    if not text.isascii():
        text = "".join(fold_latin(char) if _is_latin(char) else char for char in text).translate(_LATIN_EXTRA)
    text = unicodedata.normalize("NFC", text).lower()
    if not text.isascii():
        text = "".join(char for char in text if not unicodedata.category(char).startswith("M"))
    text = _GAPS.sub("-", _DROP.sub(" ", text)).strip("-")
    if len(text) > MAX_SLUG:
        cut = text[:MAX_SLUG]
        text = (cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2 :] else cut).strip("-")
    if text in _RESERVED:
        text += "-group"
    if not text or not is_slug(text):
        digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
        text = f"group-{digest}"
    return text


def _is_latin(char: str) -> bool:
    if char.isascii():
        return True
    try:
        return "LATIN" in unicodedata.name(char)
    except ValueError:
        return False


def numbered(slug: str, number: int) -> str:
    """The slug to try after `slug` is taken: 'python-users-2', 'python-users-3', ..."""
    suffix = f"-{number}"
    return slug[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
