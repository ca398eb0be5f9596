"""Bytes of an export -> text: byte-order marks, UTF-16 without a mark, UTF-8, else Windows-1252."""

from __future__ import annotations

import codecs
from dataclasses import dataclass


class DecodeProblem(Exception):
    """The file cannot be turned into text."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a label for the summary, e.g. "UTF-8 with BOM"


_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)


def decode_bytes(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode an export; `encoding` (any Python codec name) wins over detection."""
    if encoding:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise DecodeProblem(f"unknown encoding '{encoding}'") from None
        try:
            text = data.decode(info.name)
        except UnicodeDecodeError as exc:
            raise DecodeProblem(f"is not valid {info.name} text (byte {exc.start}: {exc.reason})") from None
        return Decoded(text.removeprefix("\ufeff"), info.name)
    for bom, name, label in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(name), label)
            except UnicodeDecodeError as exc:
                raise DecodeProblem(f"starts with a {label} byte-order mark but is not {label} text "
                                    f"(byte {exc.start}); pass --encoding") from None
    guess = _utf16_without_bom(data)
    if guess:
        try:
            return Decoded(data.decode(guess), guess.upper().replace("UTF-16-", "UTF-16 "))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise DecodeProblem("looks like a binary file, not text (a spreadsheet must be exported as CSV)")
    try:
        return Decoded(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(data.decode("cp1252"), "Windows-1252")
    except UnicodeDecodeError:
        return Decoded(data.decode("latin-1"), "Latin-1")


def _utf16_without_bom(data: bytes) -> str:
    """'utf-16-le' or 'utf-16-be' when the zero bytes of mostly-ASCII UTF-16 text show it."""
    sample = data[:4096]
    if len(sample) < 4:
        return ""
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.6 and even < half * 0.1:
        return "utf-16-le"
    if even > half * 0.6 and odd < half * 0.1:
        return "utf-16-be"
    return ""
