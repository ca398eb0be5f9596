"""Latin folding: sort keys and slugs strip accents from Latin letters only."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.text import _LATIN_EXTRA, clean_text, fold_latin


@pytest.mark.parametrize(("text", "expected"), [
    ("Zürich", "Zurich"),
    ("Łódź Ærøskøbing Straße", "Lodz AEroskobing Strasse"),
    ("Phở Hà Nội", "Pho Ha Noi"),
    ("e\u0301te\u0301", "ete"),  # already decomposed
    ("\uff3a\uff55\uff52\uff49\uff43\uff48 \ufb01nance", "Zurich finance"),  # fullwidth letters, a ligature
    ("Αθήνα", "Αθήνα"),  # Greek keeps its accents
    ("हिन्दी समूह", "हिन्दी समूह"),  # combining vowel signs on Devanagari stay
    ("東京 デザイナー", "東京 デザイナー"),
    ("Müller-Αθήνα 2024", "Muller-Αθήνα 2024"),
    ("a\u0308\u0301 и\u0306", "a й"),  # marks after a Latin base go; a Cyrillic breve stays
])
def test_fold_latin(text: str, expected: str) -> None:
    assert fold_latin(text) == expected


def _one_char_at_a_time(text: str) -> str:
    """The rule spelled out with no shortcut: a combining mark is dropped when the character it follows
    (after compatibility decomposition) is a Latin one, by its Unicode name."""
    out: list[str] = []
    base_is_latin = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char):
            if base_is_latin:
                continue
        else:
            base_is_latin = unicodedata.name(char, "").startswith("LATIN")
        out.append(_LATIN_EXTRA.get(char, char))
    return unicodedata.normalize("NFC", "".join(out))


_MIXED = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(
    list("aeiouAEIOU -1\u0300\u0301\u0308\u0327\u0306\u093f\u094dßøŁæ\u0131Ðþéñçű東Ий\u0391ή")), max_size=40)


@settings(max_examples=2000, deadline=None)
@given(_MIXED)
def test_fold_latin_follows_the_rule_for_any_text(text: str) -> None:
    assert fold_latin(text) == _one_char_at_a_time(text)


# The explicit embeddings and overrides (U+202A-U+202E) and the isolates (U+2066-U+2069), as Unicode's
# bidirectional algorithm (UAX #9) lists them.
DIRECTION_CONTROLS = [chr(code) for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]]


@pytest.mark.parametrize("control", DIRECTION_CONTROLS, ids=[f"U+{ord(c):04X}" for c in DIRECTION_CONTROLS])
@pytest.mark.parametrize("around", ["Zurich ", "Zürich ", "東京 "])
def test_clean_text_drops_every_direction_control(control: str, around: str) -> None:
    assert clean_text(f"{around}{control}gnp.exe{control}") == f"{around}gnp.exe"


@given(st.text())
def test_clean_text_keeps_every_other_character(text: str) -> None:
    assert clean_text(text) == "".join(char for char in text if char not in DIRECTION_CONTROLS)
