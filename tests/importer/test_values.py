"""Cell values: counts, rates, dates, lists, flags, text cleaning, slugs and the YAML they end up in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.importer import values
from generator.importer.slugs import make_slug
from generator.importer.yamlout import dump, ordered
from generator.model import SourceRef
from generator.schema import FixedLocator, Rules, validate_group
from generator.text import is_slug
from generator.yamlio import load

D = dt.date(2011, 3, 30)


@pytest.mark.parametrize(("cell", "expected"), [
    ("1,234", 1234), ("1.234", 1234), ("1 234", 1234), ("1\u00a0234", 1234), ("1,234,567", 1234567),
    ("12k", 12000), ("12K", 12000), ("1.5k", 1500), ("2,5k", 2500), ("3M", 3000000), ("500+", 500),
    ("~80", 80), ("42", 42), (42, 42), (42.0, 42), ("lots", "lots"), ("1,23", "1,23"), (True, True),
])
def test_count(cell: Any, expected: Any) -> None:
    assert values.count(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [("2.5", 2.5), ("2,5", 2.5), ("3", 3), (4.0, 4), ("x", "x")])
def test_rate(cell: Any, expected: Any) -> None:
    result = values.rate(cell)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize("cell", [
    "2011-03-30", "2011/03/30", "30/03/2011", "03/30/2011", "30.03.2011", "30-03-2011", "30 March 2011",
    "30 Mar 2011", "30th March 2011", "30-Mar-2011", "Mar 30, 2011", "March 30, 2011", "march 30 2011",
    "2011-03-30T10:00:00Z", "2011-03-30 00:00:00", "30/03/11", " 30 March  2011 ",
])
def test_date_formats(cell: str) -> None:
    assert values.date(cell) == D


def test_date_order() -> None:
    assert values.slash_order(["30/03/2011", "04/05/2011"]) == "dmy"
    assert values.slash_order(["03/30/2011", "04/05/2011"]) == "mdy"
    assert values.slash_order(["04/05/2011"]) == "dmy?"
    assert values.slash_order(["30/03/2011", "03/30/2011"]) == "mixed"
    assert values.date("04/05/2011", "mdy") == dt.date(2011, 4, 5)
    assert values.date("04/05/2011", "dmy") == dt.date(2011, 5, 4)
    assert values.date("05/05/2011", "mixed") == dt.date(2011, 5, 5)
    with pytest.raises(values.ValueProblem):
        values.date("04/05/2011", "mixed")
    assert values.date("March 2011") == dt.date(2011, 3, 1)
    assert values.date("2008") == dt.date(2008, 1, 1)
    assert values.date(dt.datetime(2011, 3, 30, 12)) == D
    assert values.date("31/02/2011") == "31/02/2011"  # left for the validator to refuse
    assert values.date("soon") == "soon"


def test_lists_and_flags() -> None:
    assert values.split_list("a, b; c;; A") == ["a", "b", "c"]
    assert values.split_list("one\ntwo") == ["one", "two"]
    assert values.split_list("Smith, John; Doe, Jane", ";") == ["Smith, John", "Doe, Jane"]
    assert values.split_list(["x", None, " y ", "x"]) == ["x", "y"]
    assert [values.flag(v) for v in ("yes", "No", "x", "1", "", True, 0)] == [True, False, True, True, False,
                                                                              True, False]
    assert values.flag("maybe") == "maybe"


def test_text_cleaning() -> None:
    assert values.clean_line(" a\n\tb\x00 c\u2028d ") == "a b c d"
    # Direction controls go as the site's validation drops them: a name of nothing else is no name.
    assert values.clean_line("\u2066") == "" and values.clean_line("\u2067Cairo\u2069 \u202eclub") == "Cairo club"
    assert values.clean_block("\u2066\n\u202a") == ""
    assert values.clean_block("\r\n\n line  \r\n\ttab\x07\n\n\n\nend  ") == " line\n    tab\n\nend\n"
    assert values.clean_block("   \n") == ""


@pytest.mark.parametrize(("name", "slug"), [
    ("Python Users!", "python-users"), ("Zürich Café", "zurich-cafe"), ("Århus Ærø", "arhus-aero"),
    ("Łódź IT", "lodz-it"), ("HR-клуб Москва", "hr-клуб-москва"), ("東京 エンジニア", "東京-エンジニア"),
    ("서울 게임 개발자 모임", "서울-게임-개발자-모임"), ("مجموعة القاهرة", "مجموعة-القاهرة"),
    ("\uff26\uff55\uff4c\uff4c \uff37\uff49\uff44\uff54\uff48", "full-width"),
    ("C++ / C#", "c-c"), ("CON", "con-group"),
])
def test_slugs(name: str, slug: str) -> None:
    assert make_slug(name) == slug


def test_slug_is_never_empty() -> None:
    assert make_slug("🎸🎸").startswith("group-")
    assert make_slug("🎸🎸") == make_slug("🎸🎸") != make_slug("🎺")
    assert make_slug("!!!").startswith("group-")
    assert len(make_slug("word " * 100)) <= 80


@given(st.text(max_size=120))
@settings(max_examples=300)
def test_any_name_makes_a_valid_slug(name: str) -> None:
    slug = make_slug(name)
    assert slug and is_slug(slug) and len(slug) <= 80


RULES = Rules(frozenset({"topic"}), frozenset({"http", "https", "mailto"}))
line_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=60).map(values.clean_line).filter(bool)
block_text = st.text(st.characters(codec="utf-8"), max_size=300).map(values.clean_block)


@given(name=line_text, summary=line_text, description=block_text, tags=st.lists(line_text, max_size=5),
       extra=st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), line_text, max_size=3))
@settings(max_examples=300, deadline=None)
def test_written_yaml_reads_back_the_same(name: str, summary: str, description: str, tags: list[str],
                                          extra: dict[str, str]) -> None:
    raw = ordered({"name": name, "slug": make_slug(name), "summary": summary, "category": "topic",
                   "tags": values.split_list(tags), "members": 1234, "founded": D, "extra": extra,
                   "description": description})
    raw = {key: value for key, value in raw.items() if value not in ("", [], {})}
    text = dump(raw)
    assert load(text).value == raw
    group, diagnostics = validate_group(load(text).value, FixedLocator(1), SourceRef("x.yaml"), RULES)
    assert group is not None, diagnostics
    assert not diagnostics
