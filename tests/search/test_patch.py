"""A patched search index (generator.search.patch) is byte for byte the index a whole build makes from the same
cards, and a patch is refused whenever a group moves or changes its facets."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from generator import sealed
from generator.model import Card
from generator.search import build_search_index, known, made, patch, synthetic
from generator.search import terms as terms_module
from generator.search.analyzer import analyze
from generator.search.made import Made
from generator.search.terms import Layout
from tests.search.helpers import SMALL

URL = "/groups/{}/".format
CONFIG = synthetic.config()


def _whole(cards: list[Card], layout: Layout = SMALL) -> dict[str, bytes]:
    return dict(build_search_index(cards, CONFIG, URL, layout=layout))


def _remade(card: Card, **fields: object) -> Card:
    """The card of the same group with some fields changed, and so another digest, as a rebuild makes it."""
    return card._replace(digest=f"{card.digest}-edited", **fields)  # type: ignore[arg-type]


class Kept:
    """An index as a build leaves it: its files, its record and the groups' term weights saved in a folder."""

    def __init__(self, files: dict[str, bytes], record: Made, folder: Path, layout: Layout = SMALL) -> None:
        self.files, self.record, self.folder, self.layout = files, record, folder, layout

    @classmethod
    def whole(cls, cards: list[Card], folder: Path, layout: Layout = SMALL) -> Kept:
        records: list[Made] = []
        files = dict(build_search_index(cards, CONFIG, URL, layout=layout, known=known.load(folder / "terms", "c"),
                                        keep=records.append))
        return cls(files, records[0], folder, layout)

    def patched(self, cards: list[Card]) -> Kept | None:
        """The index patched for `cards`, with what stands taken from this one; None if it was refused."""
        done = patch.patch(self.record, cards, CONFIG, URL, self.layout, known.load(self.folder / "terms", "c"),
                           None)
        if done is None:
            return None
        files = {name: data if data is not None else self.files[name] for name, data in done.files}
        return Kept(files, done.made, self.folder, self.layout)


@pytest.fixture(scope="module")
def cards() -> list[Card]:
    return list(synthetic.cards(300))


def _common_word(cards: list[Card]) -> str:
    return Counter(w for c in cards for w in set(analyze(c.summary))).most_common(1)[0][0]


EDITS = {
    "summary": lambda c, cards: _remade(c, summary="Quantum bookkeeping for the zebra-striped guild."),
    "summary emptied": lambda c, cards: _remade(c, summary=""),
    "summary repeats a common word": lambda c, cards: _remade(c, summary=c.summary + f" {_common_word(cards)}" * 30),
    "tags": lambda c, cards: _remade(c, tags=(*c.tags, "underwater basket weaving")),
    "industry (not a facet value change: same slug)": lambda c, cards: _remade(c, industry=c.industry),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_patched_index_is_the_whole_builds(cards: list[Card], tmp_path: Path, edit: str) -> None:
    first = Kept.whole(cards, tmp_path)
    edited = list(cards)
    edited[17] = EDITS[edit](cards[17], cards)
    second = first.patched(edited)
    assert second is not None
    assert second.files == _whole(edited)
    assert second.files != first.files or edit.startswith("industry")


def test_a_term_that_grows_past_the_inline_size_gets_its_posting_file(cards: list[Card], tmp_path: Path) -> None:
    """A rare word given to many groups at once: its postings grow from inline to a file of their own (and
    shrink back when they lose it), with every range file and meta.json as a whole build makes them."""
    layout = dataclasses.replace(SMALL, external=256)
    first = Kept.whole(cards, tmp_path, layout)
    word = "zyzzyva"
    many = [_remade(c, summary=f"{c.summary} {word}") if i % 5 == 0 else c for i, c in enumerate(cards)]
    assert sum(c is not d for c, d in zip(cards, many, strict=True)) <= patch.MAX_CHANGED
    grown = first.patched(many)
    assert grown is not None
    whole = _whole(many, layout)
    assert grown.files == whole
    assert set(whole) - set(first.files), "the word has a posting file of its own"
    shrunk = grown.patched(cards)
    assert shrunk is not None and shrunk.files == first.files


def test_patches_follow_each_other(cards: list[Card], tmp_path: Path) -> None:
    """Thirty rounds of random edits to a few groups' summaries and tags, each patched onto the last patch."""
    rng = random.Random(5)
    words = sorted({w for c in cards for w in analyze(c.summary)})
    current = list(cards)
    kept = Kept.whole(current, tmp_path)
    for _ in range(30):
        for place in rng.sample(range(len(current)), rng.randint(1, 4)):
            card = current[place]
            if rng.random() < 0.7:
                current[place] = _remade(card, summary=" ".join(rng.sample(words, rng.randint(0, 12))))
            else:
                current[place] = _remade(card, tags=tuple(rng.sample(words, rng.randint(1, 3))))
        patched = kept.patched(current)
        assert patched is not None
        assert patched.files == _whole(current)
        kept = patched


@pytest.mark.parametrize("edit", [
    "members: the doc order", "name: the A-Z sort", "founded: the newest sort", "activity: a facet and a sort",
    "visibility: a facet alone", "languages: a facet alone",
    "country spelt otherwise: a facet's label", "industry spelt otherwise: a facet's label",
    "a group added", "a group removed", "layout",
])
def test_a_patch_is_refused_when_the_index_would_not_be_the_same_elsewhere(cards: list[Card], tmp_path: Path,
                                                                          edit: str) -> None:
    first = Kept.whole(cards, tmp_path)
    edited = list(cards)
    by_members = sorted((c for c in cards if c.members), key=lambda c: -(c.members or 0))
    if edit.startswith("members"):
        top, bottom = by_members[0], by_members[-1]
        edited[cards.index(bottom)] = _remade(bottom, members=(top.members or 0) + 1)
    elif edit.startswith("name"):
        edited[3] = _remade(cards[3], name="Aaaa " + cards[3].name)
    elif edit.startswith("founded"):
        oldest = min(cards, key=lambda c: c.founded or c.added or synthetic.AS_OF)
        newest = max(cards, key=lambda c: c.founded or synthetic.AS_OF)
        edited[cards.index(oldest)] = _remade(oldest, founded=newest.founded)
    elif edit.startswith("activity"):
        edited[3] = _remade(cards[3], activity="dormant" if cards[3].activity != "dormant" else "very-active")
    elif edit.startswith("visibility"):
        edited[3] = _remade(cards[3], visibility="invite" if cards[3].visibility != "invite" else "open")
    elif edit.startswith("languages"):
        edited[3] = _remade(cards[3], languages=(*cards[3].languages, "zz"))
    elif edit.startswith("country"):  # the same slug: the label is the first of the groups' spellings
        edited[3] = _remade(cards[3], country=cards[3].country.upper())
    elif edit.startswith("industry"):
        edited[3] = _remade(cards[3], industry=cards[3].industry.upper())
    elif edit == "a group added":
        edited.append(_remade(cards[3], slug="a-new-group"))
    elif edit == "a group removed":
        del edited[3]
    if edit == "layout":
        done = patch.patch(first.record, cards, CONFIG, URL, dataclasses.replace(SMALL, display_chunk=5),
                           known.load(tmp_path / "terms", "c"), None)
        assert done is None
        return
    assert _whole(edited) != first.files
    assert first.patched(edited) is None


def test_the_record_survives_its_file_and_a_damaged_one_is_not_read(cards: list[Card], tmp_path: Path) -> None:
    first = Kept.whole(cards, tmp_path)
    first.record.files = {"search/index/meta.json": "x"}
    path = tmp_path / "record.bin"
    made.save(path, first.record, "code")
    read = made.load(path, "code")
    assert read is not None and read.files == first.record.files
    for name in ("slugs", "digests", "rows", "terms", "orders", "empty_counts", "entry_at", "df"):
        assert getattr(read, name) == getattr(first.record, name), name
    edited = list(cards)
    edited[9] = _remade(cards[9], summary="A summary read back from the record's file.")
    again = Kept(first.files, read, tmp_path).patched(edited)
    assert again is not None and again.files == _whole(edited)
    assert made.load(path, "other code") is None
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))
    assert made.load(path, "code") is None
    path.write_bytes(b"")
    assert made.load(path, "code") is None


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_a_patch_follows_the_groups_a_term_gained_or_lost_into_its_prefixes_counts(
        cards: list[Card], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    """A patch with the last build's heavy prefixes' answers: where a term gained or lost groups, the prefixes'
    counts are the last build's with those groups' facet values added or taken away, rather than counted again
    over every group the prefix stands for; the index is the whole build's either way."""
    records: list[Made] = []
    folder = tmp_path / "parts"
    files = dict(build_search_index(cards, CONFIG, URL, layout=SMALL, known=known.load(folder / "terms", "c"),
                                    aggregates=known.load_aggregates(folder / "answers", "c"), keep=records.append))
    saved = {name: (folder / name).read_bytes() for name in ("terms", "answers")}
    edited = list(cards)
    edited[7] = EDITS[edit](cards[7], cards)
    whole = _whole(edited)
    real_count = terms_module.TermWriter._count

    def patched(follow: bool) -> int:
        for name, data in saved.items():  # the parts as the whole build left them (and no changes since)
            (folder / name).write_bytes(data)
            sealed.journal_path(folder / name).unlink(missing_ok=True)
        counted: list[int] = []

        def count(self: terms_module.TermWriter, *args: Any) -> bytes:
            counted.append(1)
            return real_count(self, *args)

        monkeypatch.setattr(terms_module.TermWriter, "_count", count)
        if not follow:
            monkeypatch.setattr(terms_module.TermWriter, "_moved_counts", lambda *args: None)
        done = patch.patch(records[0], edited, CONFIG, URL, SMALL, known.load(folder / "terms", "c"),
                           known.load_aggregates(folder / "answers", "c"))
        monkeypatch.undo()
        assert done is not None
        assert {name: data if data is not None else files[name] for name, data in done.files} == whole
        return len(counted)

    following, counting = patched(True), patched(False)
    assert following < counting if counting else following == 0
