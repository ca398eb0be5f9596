"""The records the build cache pickles come back equal, field for field, and share the values groups repeat."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

from generator.build import PARALLEL_MIN
from generator.derive import make_card
from generator.model import Category, Document, Group, Location, Rejected, SourceRef, share_values
from generator.sources import SourceFile
from tests.conftest import run_build
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
    share_values(first, known)
    share_values(second, known)
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

