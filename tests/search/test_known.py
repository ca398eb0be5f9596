"""Parts of the index taken from the last build (generator.search.known) give the index a fresh build gives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from generator import sealed
from generator.model import Card
from generator.search import build_search_index, known, synthetic
from generator.search import terms as terms_module
from generator.search.analyzer import analyze
from generator.search.builder import term_weights
from tests.search.helpers import SMALL

URL = "/groups/{}/".format


def _index(cards: list[Card], terms: known.KnownTerms | None = None,
           aggregates: known.KnownAggregates | None = None) -> dict[str, bytes]:
    return dict(build_search_index(cards, synthetic.config(), URL, layout=SMALL, known=terms, aggregates=aggregates))


def _remade(card: Card, **fields: object) -> Card:
    """The card of the same group with some fields changed, and so another digest, as a rebuild makes it."""
    return card._replace(digest=f"{card.digest}-edited", **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cards() -> list[Card]:
    return list(synthetic.cards(400))


def _remember(cards: list[Card], tmp_path: Path) -> tuple[known.KnownTerms, known.KnownAggregates]:
    terms = known.load(tmp_path / "terms.bin", "ctx")
    aggregates = known.load_aggregates(tmp_path / "aggregates.bin", "ctx")
    _index(cards, terms, aggregates)
    return known.load(tmp_path / "terms.bin", "ctx"), known.load_aggregates(tmp_path / "aggregates.bin", "ctx")


@pytest.mark.parametrize(("edit", "answers_kept"), [
    ({"summary": "A findable summary about quantum bookkeeping."}, True),  # terms of one group
    ({"category": "alumni"}, False),  # a facet value: every prefix's counts are made again
    ({"name": "Renamed Network of Everything"}, True),  # terms, the A-Z order and the doc order
])
def test_parts_from_the_last_build_give_the_same_index(cards: list[Card], tmp_path: Path,
                                                        edit: dict[str, object], answers_kept: bool) -> None:
    terms, aggregates = _remember(cards, tmp_path)
    assert terms.known and aggregates.known
    edited = list(cards)
    edited[5] = _remade(cards[5], **edit)
    assert edited[5].digest != cards[5].digest
    fresh = _index(edited)
    assert _index(edited, terms, aggregates) == fresh
    assert terms.hits == len(cards) - 1
    assert (aggregates.hits > 0) == answers_kept


def test_answers_follow_groups_that_move_in_the_doc_order(cards: list[Card], tmp_path: Path) -> None:
    """More members, in the same size band: the group moves up the doc order (most members first), so the
    postings of many terms hold other doc ids with their counts unchanged."""
    terms, aggregates = _remember(cards, tmp_path)
    low = min((c for c in cards if c.members), key=lambda c: c.members or 0)
    above = max((c for c in cards if c.size_band == low.size_band and c is not low), key=lambda c: c.members or 0)
    assert (above.members or 0) > (low.members or 0)
    edited = [_remade(c, members=(above.members or 0) + 0) if c is low else c for c in cards]
    fresh = _index(edited)
    assert fresh != _index(cards)
    assert _index(edited, terms, aggregates) == fresh


def test_a_weight_that_changes_alone_changes_the_answers_it_is_in(cards: list[Card], tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The most common summary word said twenty times more by a group that has it already: the term's postings
    hold the same groups with the same facets, only this group's weight is higher. The answers of the
    prefixes that expand to the term are keyed anew (made again), the others kept; the groups behind them and
    their facet counts are the last build's, and are not counted again."""
    common = Counter(word for c in cards for word in set(analyze(c.summary))).most_common(1)[0][0]
    chosen = next(c for c in cards if common in analyze(c.summary))
    edited = [_remade(c, summary=c.summary + f" {common}" * 20) if c is chosen else c for c in cards]
    terms, remembered = _remember(cards, tmp_path)
    counted = _counting(monkeypatch)
    assert _index(edited, terms, remembered) == _index(edited, None, None)
    assert remembered.hits > 0 and remembered.misses > 0
    # The kept parts' build counted no prefix's groups again (nested prefixes standing for the same terms share
    # their counts' entry); the fresh one counted them all.
    assert counted[0] == 0 and counted[1] > 0


def test_answers_whose_groups_changed_count_them_again(cards: list[Card], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A group's facet value changed: every prefix's facet counts are made again."""
    terms, remembered = _remember(cards, tmp_path)
    edited = list(cards)
    edited[5] = _remade(cards[5], category="alumni" if cards[5].category != "alumni" else "professional")
    counted = _counting(monkeypatch)
    assert _index(edited, terms, remembered) == _index(edited, None, None)
    assert counted[0] > 0 and counted[0] == counted[1]


def test_a_word_moved_to_a_group_of_another_category_counts_its_prefixes_again(cards: list[Card],
                                                                             tmp_path: Path) -> None:
    """A word one group stops using and another, of another category, starts: the word's postings keep their
    length, but its groups and their facet counts change."""
    names = {c.slug: c.name for c in synthetic.config().categories}
    common = Counter(word for c in cards for word in set(analyze(c.summary))).most_common(1)[0][0]
    had = next(c for c in cards if common in analyze(c.summary) and
               common not in term_weights(c._replace(summary=""), names))
    gets = next(c for c in cards if common not in term_weights(c, names) and c.category != had.category)
    dropped = " ".join(word for word in had.summary.split() if common not in analyze(word))
    edited = [_remade(c, summary=dropped) if c is had else
              _remade(c, summary=f"{c.summary} {common}") if c is gets else c for c in cards]
    assert sum(common in term_weights(c, names) for c in edited) == sum(common in term_weights(c, names)
                                                                        for c in cards)
    terms, remembered = _remember(cards, tmp_path)
    assert _index(edited, terms, remembered) == _index(edited)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The groups behind prefixes counted (TermWriter._count) by each index made from here on: one count each."""
    counts: list[int] = []
    real_count, real_index = terms_module.TermWriter._count, build_search_index

    def count(self: terms_module.TermWriter, *args: object) -> bytes:
        counts[-1] += 1
        return real_count(self, *args)  # type: ignore[arg-type]

    def index(*args: object, **kwargs: object) -> object:
        counts.append(0)
        return real_index(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(terms_module.TermWriter, "_count", count)
    monkeypatch.setitem(globals(), "build_search_index", index)
    return counts


def test_nothing_is_taken_from_a_damaged_file_or_another_context(cards: list[Card], tmp_path: Path) -> None:
    _remember(cards, tmp_path)
    for name in ("terms.bin", "aggregates.bin"):
        path = tmp_path / name
        assert sealed.read(path, "ctx") and not sealed.read(path, "another context")
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
        assert sealed.read(path, "ctx") == {}
