"""The records the build cache pickles come back equal, field for field, and share the values groups repeat."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

from generator import cache
from generator.build import PARALLEL_MIN
from generator.config import load_config
from generator.derive import make_card
from generator.loading import SourceResult, load_source
from generator.model import Category, Document, Group, Location, Rejected, SourceRef, share_values
from generator.sources import SourceFile, find_sources
from generator.writer import Written, content_digest
from tests.conftest import python_calls, run_build
from tests.test_scale_fixture import write_synthetic_site


def test_records_survive_a_pickle_round_trip() -> None:
    group = Group(slug="alpha", name="Alpha", category="alumni", source=SourceRef("content/groups/a.yaml", 3, 1),
                  summary="S", description="**D**", tags=("a", "b"), location=Location("Zürich", "", "Switzerland"),
                  members=450, founded=dt.date(2001, 2, 3), posts_per_month=2.5, featured=True,
                  extra=(("note", "x"),))
    records: list[object] = [
        group,
        make_card(group, dt.date(2024, 1, 1)),
        SourceRef("p", 1, 0),
        Category("alumni", "Alumni groups", "About"),
        Rejected("content/groups/b.yaml", "beta"),
        Document(kind="guide", slug="g", title="G", source=SourceRef("content/guides/g.md"), body="b",
                 date=dt.date(2020, 1, 1)),
        SourceFile("content/groups/a.yaml", "group", 10, 123456789),
        SourceResult(SourceFile("content/groups/a.yaml", "group", 10, 1), (make_card(group, dt.date(2024, 1, 1)),),
                     newest=dt.date(2024, 1, 1), refs=((0, 40),)),
    ]
    for record in records:
        again = pickle.loads(pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        assert again == record and type(again) is type(record)


def test_cards_from_separate_pickles_share_their_repeated_values_once_shared() -> None:
    group = Group(slug="a", name="A", category="alumni", source=SourceRef("content/groups/a.yaml"), tags=("x", "y"),
                  location=Location("Lyon", "", "France"), founded=dt.date(2001, 2, 3), added=dt.date(2011, 1, 1))
    made = make_card(group, dt.date(2024, 1, 1))
    # Two batches from the workers: each pickle has its own copy of every value.
    first, second = (pickle.loads(pickle.dumps(made, protocol=pickle.HIGHEST_PROTOCOL)) for _ in range(2))
    assert first.category is not second.category and first.founded is not second.founded
    known: dict[object, object] = {}
    first, second = share_values(first, known), share_values(second, known)
    assert first == second == made
    for field in ("category", "tags", "location_label", "country", "founded", "added", "members_as_of", "visibility"):
        assert getattr(first, field) is getattr(second, field), field


def test_a_build_with_workers_gives_every_card_the_same_objects_for_repeated_values(tmp_path: Path) -> None:
    root = write_synthetic_site(tmp_path / "site", PARALLEL_MIN + 100)  # enough files for the worker processes
    result = run_build(root, jobs=2)
    assert result.ok and result.site is not None
    cards = result.site.cards
    for field in ("category", "industry", "country", "size_band", "activity", "tags", "added", "last_post"):
        values = {getattr(card, field) for card in cards}
        assert len({id(getattr(card, field)) for card in cards}) == len(values) < len(cards), field
    tags = [tag for card in cards for tag in card.tags]
    assert len({id(tag) for tag in tags}) == len(set(tags)) < len(tags)


@pytest.mark.parametrize("fingerprint", ["static", "", "|0a1b2c", "5483c1e1799826813c453dcd|09b6248e2929ccf41b1e02c1",
                                         "search|ünïcode"])
def test_an_output_entry_packs_its_fingerprint_digest_and_stamp(fingerprint: str) -> None:
    digest = content_digest(b"<p>page</p>")
    for size, mtime_ns in ((0, 0), (4677, 1_795_492_061_330_238_986), (2**40, -1)):
        entry = cache.entry(fingerprint, digest, size, mtime_ns)
        again = pickle.loads(pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL))
        assert cache.fingerprint_of(again) == fingerprint
        assert cache.digest_of(again) == digest
        assert cache.stamp_of(again) == (size, mtime_ns)
    assert cache.entry(fingerprint, digest, 1, 2) != cache.entry(fingerprint + "x", digest, 1, 2)
    assert cache.entry(fingerprint, digest, 1, 2) != cache.entry(fingerprint, content_digest(b""), 1, 2)


def test_a_group_files_result_holds_no_empty_lists_of_its_own(tmp_path: Path) -> None:
    """The build keeps one result per content file: a group file's has no documents, problems or rejected records,
    and those are the one empty tuple for every file, also once the result comes back from a pickle."""
    root = write_synthetic_site(tmp_path / "site", 2)
    config, problems = load_config(root)
    assert config is not None and not problems
    results = [load_source(root, source, config) for source in find_sources(root)]
    again = [pickle.loads(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)) for result in results]
    for first, second in (results, again):
        assert len(first.cards) == len(second.cards) == 1
        for name in ("documents", "diagnostics", "rejected"):
            assert getattr(first, name) == () and getattr(first, name) is getattr(second, name), name


def test_the_records_the_cache_holds_per_content_file_unpickle_without_running_python(tmp_path: Path) -> None:
    """A file's result, its source and its cards come back from a pickle made by C alone (no __new__ or
    __setstate__ written in Python: generator.tuple_records), equal and of the same types."""
    root = write_synthetic_site(tmp_path / "site", 3)
    config, problems = load_config(root)
    assert config is not None and not problems
    results = [load_source(root, source, config) for source in find_sources(root)]
    assert any(result.cards for result in results)
    blob = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    again, calls = python_calls(pickle.loads, blob)
    assert again == results
    assert [type(result) for result in again] == [type(result) for result in results]
    assert [type(result.source) for result in again] == [SourceFile] * len(results)
    assert all(type(card) is type(results[0].cards[0]) for result in again for card in result.cards)
    assert calls == []


def test_the_files_the_search_index_process_sends_back_unpickle_without_running_python() -> None:
    """What the process making the search index sends back, one record per file of the index (13,000 at
    100,000 groups), comes back equal from a pickle made by C alone."""
    staged = [Written(f"search/index/p/{n:016x}.bin", content_digest(bytes([n % 256])), 1000 + n, 10**18 + n,
                      n % 2 == 0) for n in range(50)]
    blob = pickle.dumps(staged, protocol=pickle.HIGHEST_PROTOCOL)
    again, calls = python_calls(pickle.loads, blob)
    assert again == staged and all(type(written) is Written for written in again) and calls == []
    assert again[3].path.endswith("3.bin") and again[3].wrote is False and again[4].wrote is True
