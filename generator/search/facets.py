"""The facets of the search page, their values and the compact per-group facet row.

Codes are positions in each facet's value list; category, size, activity and visibility keep their
natural order, country, industry and language are sorted by slug so that codes stay stable.
A row is: varint category, one byte size | activity << 3 | visibility << 5, varint country + 1,
varint industry + 1 (0: none), varint number of languages, varint language codes.
"""

from __future__ import annotations

import hashlib
from array import array
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from generator.model import ACTIVITY_LEVELS, SIZE_BANDS, UNKNOWN_BAND, VISIBILITY_LABELS, Card, SiteConfig
from generator.search.codec import Reader, varint

FACETS: tuple[tuple[str, str], ...] = (
    ("category", "Category"),
    ("size", "Size"),
    ("activity", "Activity"),
    ("country", "Country"),
    ("industry", "Industry"),
    ("language", "Language"),
    ("visibility", "Visibility"),
)
FACET_KEYS = tuple(key for key, _ in FACETS)
LANGUAGE_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "hr": "Croatian",
    "et": "Estonian", "lt": "Lithuanian", "lv": "Latvian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian",
    "ta": "Tamil", "tl": "Tagalog", "ur": "Urdu", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew",
    "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "ms": "Malay", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sv": "Swedish", "sw": "Swahili", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian",
    "vi": "Vietnamese", "zh": "Chinese",
}
Values = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class FacetTable:
    """Every facet's values as (slug, label), in code order."""

    values: tuple[tuple[tuple[str, str], ...], ...]

    @classmethod
    def build(cls, cards: Sequence[Card], config: SiteConfig) -> FacetTable:
        categories = [(c.slug, c.name) for c in config.categories]
        known = {slug for slug, _ in categories}
        categories += sorted({(c.category, c.category) for c in cards if c.category not in known})
        countries: dict[str, str] = {}
        industries: dict[str, str] = {}
        languages: set[str] = set()
        for card in cards:
            if card.country_slug:
                countries[card.country_slug] = min(countries.get(card.country_slug, card.country), card.country)
            if card.industry_slug:
                old = industries.get(card.industry_slug, card.industry)
                industries[card.industry_slug] = min(old, card.industry)
            languages.update(card.languages)
        return cls((
            tuple(categories),
            (*((slug, label) for slug, label, _, _ in SIZE_BANDS), UNKNOWN_BAND),
            ACTIVITY_LEVELS,
            tuple(sorted(countries.items())),
            tuple(sorted(industries.items())),
            tuple((code, language_name(code)) for code in sorted(languages)),
            tuple(VISIBILITY_LABELS.items()),
        ))

    def codes(self) -> list[dict[str, int]]:
        return [{slug: code for code, (slug, _) in enumerate(values)} for values in self.values]

    def encoder(self) -> RowEncoder:
        return RowEncoder(self.codes())


class RowEncoder:
    def __init__(self, codes: list[dict[str, int]]) -> None:
        self.codes = codes

    def values(self, card: Card) -> Values:
        """The codes of a group in each facet (several languages, no country or industry possible)."""
        c = self.codes
        return (
            (c[0][card.category],),
            (c[1][card.size_band],),
            (c[2][card.activity],),
            (c[3][card.country_slug],) if card.country_slug else (),
            (c[4][card.industry_slug],) if card.industry_slug else (),
            tuple(sorted({c[5][language] for language in card.languages})),
            (c[6][card.visibility],),
        )

    @staticmethod
    def row(values: Values) -> bytes:
        out = bytearray()
        varint(values[0][0], out)
        out.append(values[1][0] | values[2][0] << 3 | values[6][0] << 5)
        varint(values[3][0] + 1 if values[3] else 0, out)
        varint(values[4][0] + 1 if values[4] else 0, out)
        varint(len(values[5]), out)
        for code in values[5]:
            varint(code, out)
        return bytes(out)


def read_row(reader: Reader) -> Values:
    category = reader.varint()
    packed = reader.byte()
    country = reader.varint()
    industry = reader.varint()
    languages = tuple(reader.varint() for _ in range(reader.varint()))
    return (
        (category,), (packed & 7,), (packed >> 3 & 3,),
        (country - 1,) if country else (), (industry - 1,) if industry else (),
        languages, (packed >> 5 & 3,),
    )


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.lower(), code)


class Columns:
    """Every group's facet codes, packed into three keys so that counting a set of groups takes three passes."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = [max(1, size) for size in sizes]
        self.small = array("I")  # category, size, activity, visibility
        self.place = array("I")  # country + 1, industry + 1 (0: none)
        self.languages = array("I")  # an id of the group's set of languages
        self._sets: dict[tuple[int, ...], int] = {}
        self.sets: list[tuple[int, ...]] = []

    def add(self, values: Values) -> None:
        size = self.sizes
        category, band, activity, country, industry, languages, visibility = values
        self.small.append(((category[0] * size[1] + band[0]) * size[2] + activity[0]) * size[6] + visibility[0])
        self.place.append((country[0] + 1 if country else 0) * (size[4] + 1) + (industry[0] + 1 if industry else 0))
        known = self._sets.get(languages)
        if known is None:
            known = self._sets[languages] = len(self.sets)
            self.sets.append(languages)
        self.languages.append(known)

    def digest(self) -> bytes:
        """A digest of every group's facet values."""
        hasher = hashlib.blake2b(digest_size=20)
        hasher.update(repr((self.sizes, self.sets, len(self.small))).encode())
        for column in (self.small, self.place, self.languages):
            hasher.update(column.tobytes())
        return hasher.digest()

    def count(self, docs: Collection[int]) -> list[Counter[int]]:
        """How many of `docs` have each value, per facet."""
        size = self.sizes
        out: list[Counter[int]] = [Counter() for _ in FACETS]
        for key, n in Counter(map(self.small.__getitem__, docs)).items():
            rest, visibility = divmod(key, size[6])
            rest, activity = divmod(rest, size[2])
            category, band = divmod(rest, size[1])
            out[0][category] += n
            out[1][band] += n
            out[2][activity] += n
            out[6][visibility] += n
        for key, n in Counter(map(self.place.__getitem__, docs)).items():
            country, industry = divmod(key, size[4] + 1)
            if country:
                out[3][country - 1] += n
            if industry:
                out[4][industry - 1] += n
        for key, n in Counter(map(self.languages.__getitem__, docs)).items():
            for code in self.sets[key]:
                out[5][code] += n
        return out
