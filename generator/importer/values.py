"""Cell text -> field values: counts ("1,234", "12k"), rates, dates in the common formats, lists, flags.

A parser returns the original value when it cannot make sense of it, so that the validator rejects it
with its own message; it raises `ValueProblem` only when it knows better (an ambiguous date).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from generator.text import clean_text

_MONTHS = {
    name: number
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_GROUPED = re.compile(r"^\d{1,3}([,.]\d{3})+$")
_SCALED = re.compile(r"^(\d+(?:[.,]\d+)?)([km])$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ][\d:.]+(?:z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4})$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?[\s-]+(\d{1,2})(?:st|nd|rd|th)?,?[\s-]+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?,?\s+(\d{4})$")
_TRUE = {"true", "yes", "y", "1", "on", "x", "✓", "✔", "featured", "draft", "online"}
_FALSE = {"false", "no", "n", "0", "off", "-", ""}


class ValueProblem(Exception):
    """A value the importer can say more about than the validator."""


def count(value: Any) -> Any:
    """'1,234' / '1.234' / '1 234' -> 1234, '12k' -> 12000, '1.5M' -> 1500000, '500+' -> 500."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, str):
        return value
    text = _SPACES.sub("", value).lower().lstrip("~≈").rstrip("+")
    text = text.removesuffix("members").removesuffix("member")
    if text.isdecimal():
        return int(text)
    if _GROUPED.match(text) and len({c for c in text if not c.isdigit()}) == 1:
        return int(re.sub(r"\D", "", text))
    scaled = _SCALED.match(text)
    if scaled:
        number = float(scaled.group(1).replace(",", "."))
        return round(number * (1000 if scaled.group(2) == "k" else 1_000_000))
    return value


def rate(value: Any) -> Any:
    """'2.5' / '2,5' -> 2.5; whole numbers come back as int so that they print as '3', not '3.0'."""
    if isinstance(value, str):
        text = _SPACES.sub("", value)
        if re.fullmatch(r"\d+,\d+", text):
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def slash_order(samples: list[str]) -> str:
    """'dmy' or 'mdy' for the numeric dates of a file, from the ones that can only be read one way."""
    day_first = month_first = 0
    for sample in samples:
        match = _NUMERIC.match(sample.strip())
        if not match or match.group(2) == ".":
            continue
        first, second = int(match.group(1)), int(match.group(3))
        day_first += first > 12 >= second
        month_first += second > 12 >= first
    if month_first and not day_first:
        return "mdy"
    if day_first and not month_first:
        return "dmy"
    return "mixed" if day_first else "dmy?"


def ambiguous(value: Any) -> bool:
    """True for a numeric date such as 03/04/2011 that reads differently day-first and month-first."""
    match = _NUMERIC.match(value.strip()) if isinstance(value, str) else None
    if not match or match.group(2) == ".":
        return False
    first, second = int(match.group(1)), int(match.group(3))
    return first != second and first <= 12 and second <= 12


def date(value: Any, order: str = "dmy?") -> Any:
    """The common spellings of a date -> a date; `order` says how to read 03/04/2011 (see slash_order)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, int) and not isinstance(value, bool) and 1800 <= value <= 2100:
        return dt.date(value, 1, 1)
    if isinstance(value, dt.date) or not isinstance(value, str):
        return value
    text = " ".join(value.split()).lower()
    try:
        return _date(text, order)
    except ValueError:
        return value


def _date(text: str, order: str) -> dt.date:
    match = _ISO.match(text)
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _NUMERIC.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
        if match.group(2) == ".":
            return dt.date(year, second, first)
        if first > 12 or second > 12 or first == second:
            day, month = (first, second) if first > 12 or first == second else (second, first)
            return dt.date(year, month, day)
        if order in ("dmy", "dmy?"):
            return dt.date(year, second, first)
        if order == "mdy":
            return dt.date(year, first, second)
        raise ValueProblem(f"'{text}' could be day/month or month/day, and this file has dates written "
                           "both ways; write it as YYYY-MM-DD")
    match = _DAY_MONTH.match(text)
    if match and match.group(2) in _MONTHS:
        return dt.date(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    match = _MONTH_DAY.match(text)
    if match and match.group(1) in _MONTHS:
        return dt.date(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
    match = _MONTH_YEAR.match(text)
    if match and match.group(1) in _MONTHS:
        return dt.date(int(match.group(2)), _MONTHS[match.group(1)], 1)
    if re.fullmatch(r"(1[89]|20)\d\d", text):
        return dt.date(int(text), 1, 1)
    raise ValueError(text)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def split_list(value: Any, separators: str = ";,") -> Any:
    """'a, b; c' -> ['a', 'b', 'c'] (splitting on the first of `separators` found, else all of them)."""
    if isinstance(value, (list, tuple)):
        items = [" ".join(str(v).split()) for v in value if v is not None and not isinstance(v, (dict, list))]
        return _unique([item for item in items if item])
    if not isinstance(value, str):
        return value
    pattern = "[" + re.escape(separators) + "\n]"
    parts = re.split(pattern, value)
    return _unique([" ".join(p.split()) for p in parts if p.strip()])


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.casefold() not in seen:
            seen.add(item.casefold())
            out.append(item)
    return out


def flag(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return value


def clean_line(text: str) -> str:
    """One line of text: every run of whitespace (newlines too) becomes one space; controls go."""
    return " ".join(_printable(text).split())


def clean_block(text: str) -> str:
    """Multi-line text that a YAML block literal can hold: LF newlines, no tabs, no trailing spaces."""
    text = _printable(text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
                      .replace("\u2029", "\n\n").replace("\x85", "\n").expandtabs(4), keep="\n")
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    body = "\n".join(lines).rstrip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return body + "\n" if body else ""


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_BREAKS = re.compile("[\t\n\r\x85\u2028\u2029]")


def _printable(text: str, keep: str = "") -> str:
    """Control characters dropped, direction controls too (as the site's validation drops them: a name of
    nothing else would be written, then rejected); tabs and line breaks (unless in `keep`) become spaces."""
    text = clean_text(_CONTROL.sub("", text))
    if keep:
        return _BREAKS.sub(lambda m: m.group() if m.group() in keep else " ", text)
    return _BREAKS.sub(" ", text)
