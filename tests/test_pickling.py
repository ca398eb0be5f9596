"""The records the build cache pickles come back equal, field for field."""

from __future__ import annotations

import datetime as dt
import pickle

from generator.derive import make_card
from generator.model import Category, Document, Group, Location, Rejected, SourceRef
from generator.sources import SourceFile


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
