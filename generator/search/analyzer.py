"""Text analysis shared with themes/default/static/search/analyzer.js; both must give the same tokens.

Steps: NFKC, lower case, canonical decomposition with nonspacing marks removed (Zürich -> zurich; the
kana voicing marks are kept), recomposition, a few letters folded by hand (ß -> ss, ø -> o, ...), then
words are the runs of letters, marks and digits. Runs of Han, kana and Hangul become overlapping bigrams
plus their last character alone, so every character starts some token and a one-character query
matches as a prefix. tests/vectors/analyzer.json checks both implementations.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

from generator.search import unicode_tables

FOLD = {"ß": "ss", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th",
        "\u0131": "i", "\u03c2": "\u03c3", "ħ": "h", "ŧ": "t"}  # dotless i -> i, final sigma -> sigma
_FOLD_TABLE = str.maketrans(FOLD)
KEEP_MARKS = "\u3099\u309a"
# Han, kana and Hangul: the scripts written without spaces between words (same list as analyzer.js).
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF), (0x3040, 0x30FF), (0x3130, 0x318F), (0x31F0, 0x31FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF),
)
_ASCII_WORD = re.compile(r"[a-z0-9]+")


def _char_class(ranges: list[tuple[int, int]]) -> str:
    def one(a: int, b: int) -> str:
        return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"

    return "".join(one(a, b) for a, b in ranges)


def _ranges(predicate: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category[0] in predicate if len(predicate) == 3 else category == predicate:
            if out and out[-1][1] == code - 1:
                out[-1] = (out[-1][0], code)
            else:
                out.append((code, code))
    return out


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    if unicodedata.unidata_version == unicode_tables.UNIDATA_VERSION:
        marks, words = list(unicode_tables.MARK), list(unicode_tables.WORD)
    else:  # pragma: no cover - another Python's Unicode database
        marks, words = _ranges("Mn"), _ranges("LNM")
    keep = {ord(c) for c in KEEP_MARKS}
    split: list[tuple[int, int]] = []
    for a, b in marks:
        start = a
        for code in range(a, b + 1):
            if code in keep:
                if start < code:
                    split.append((start, code - 1))
                start = code + 1
        if start <= b:
            split.append((start, b))
    mark = re.compile(f"[{_char_class(split)}]+")
    word = re.compile(f"[{_char_class(words)}]+")
    cjk = re.compile(f"([{_char_class(list(CJK_RANGES))}]+)")
    return mark, word, cjk


def normalize(text: str) -> str:
    """The folded form of a text, before it is split into words."""
    if text.isascii():
        return text.lower()
    mark, _word, _cjk = _patterns()
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).lower())
    return unicodedata.normalize("NFC", mark.sub("", text)).translate(_FOLD_TABLE)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(a <= code <= b for a, b in CJK_RANGES)


def analyze(text: str) -> list[str]:
    """The tokens of a text, in order, repeats kept."""
    folded = normalize(text)
    if folded.isascii():
        return _ASCII_WORD.findall(folded)
    _mark, word, cjk = _patterns()
    tokens: list[str] = []
    for run in word.findall(folded):
        for i, part in enumerate(cjk.split(run)):
            if not part:
                continue
            if i % 2 == 0 or len(part) == 1:
                tokens.append(part)
            else:
                tokens.extend(part[j:j + 2] for j in range(len(part) - 1))
                tokens.append(part[-1])
    return tokens
