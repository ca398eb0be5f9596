"""Sealed cache tables and the journal of changes appended to them (generator.sealed)."""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.sealed
from generator import sealed
from generator.search import known

TABLE = {f"key-{n}": f"value {n}" * 20 for n in range(200)}  # some 30 KB pickled


def test_changes_appended_to_a_table_are_read_with_it(tmp_path: Path) -> None:
    path = tmp_path / "table.bin"
    sealed.write(path, TABLE, "context")
    table, token = sealed.read_table(path, "context")
    assert table == TABLE and token is not None
    assert sealed.append(path, token, {"key-1": "changed", "new": "added"}, ["key-2"])
    assert sealed.append(path, token, {"key-1": "changed again"})
    expected = {**TABLE, "key-1": "changed again", "new": "added"}
    del expected["key-2"]
    assert sealed.read(path, "context") == expected
    assert sealed.read_table(path, "context")[1] == token  # the table itself is as written
    assert sealed.read(path, "another context") == {}
    sealed.write(path, {"only": "this"}, "context")  # written whole: the journal goes
    assert not sealed.journal_path(path).exists() and sealed.read(path, "context") == {"only": "this"}


def test_a_journal_grows_to_a_share_of_its_table_then_the_table_is_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "table.bin"
    sealed.write(path, TABLE, "context")
    token = sealed.read_table(path, "context")[1]
    assert token is not None
    appended = 0
    while sealed.append(path, token, {f"key-{appended}": "x" * 100}):
        appended += 1
    assert appended > 0
    assert sealed.journal_path(path).stat().st_size * generator.sealed.JOURNAL_SHARE <= path.stat().st_size
    table = sealed.read(path, "context")
    assert all(table[f"key-{n}"] == "x" * 100 for n in range(appended)) and table[f"key-{appended}"] != "x" * 100


def test_a_journal_is_replayed_up_to_a_damaged_or_unfinished_entry(tmp_path: Path) -> None:
    path = tmp_path / "table.bin"
    sealed.write(path, TABLE, "context")
    token = sealed.read_table(path, "context")[1]
    assert token is not None
    for n in range(3):
        assert sealed.append(path, token, {f"key-{n}": f"change {n}"})
    journal = sealed.journal_path(path)
    whole = journal.read_bytes()
    journal.write_bytes(whole[:-3])  # the last entry cut short, as a build killed while appending leaves it
    assert [sealed.read(path, "context")[f"key-{n}"] for n in range(3)] == ["change 0", "change 1", TABLE["key-2"]]
    damaged = bytearray(whole)
    damaged[len(whole) // 2] ^= 0x01  # within the second entry
    journal.write_bytes(bytes(damaged))
    assert [sealed.read(path, "context")[f"key-{n}"] for n in range(3)] == ["change 0", TABLE["key-1"], TABLE["key-2"]]


def test_changes_bound_to_another_table_are_neither_read_nor_appended(tmp_path: Path) -> None:
    """A journal left beside a table written since (as a build killed between the two leaves it) is not replayed;
    and changes read with a table that was written again since are not appended to it."""
    path = tmp_path / "table.bin"
    sealed.write(path, TABLE, "context")
    token = sealed.read_table(path, "context")[1]
    assert token is not None
    assert sealed.append(path, token, {"key-1": "changed"})
    journal = sealed.journal_path(path).read_bytes()
    sealed.write(path, {**TABLE, "key-3": "rewritten"}, "context")
    sealed.journal_path(path).write_bytes(journal)
    assert sealed.read(path, "context") == {**TABLE, "key-3": "rewritten"}
    assert not sealed.append(path, token, {"key-1": "changed"})


@pytest.mark.parametrize("weights", [{"berlin": 3, "python": 1}, {"\0": 1}], ids=["kept", "not-storable"])
def test_term_weights_carried_after_one_groups_edit_are_appended(tmp_path: Path, weights: dict[str, int]) -> None:
    """A patched index's term weights: the edited group's are appended to the file, which is not written again
    (weights that cannot be stored go from it); the next build reads every group's."""
    path = tmp_path / "terms.bin"
    first = known.KnownTerms(path=path, context="c")
    for n in range(300):
        first.keep(f"g{n}", f"digest {n}", {f"term{n}": 2, "common": 1})
    first.close()
    before = path.read_bytes()
    patched = known.load(path, "c")
    assert patched.peek("g5", "digest 5") == {"term5": 2, "common": 1}
    patched.carried({"g5": ("digest 5b", weights)})
    patched.close()
    assert path.read_bytes() == before and sealed.journal_path(path).exists()
    after = known.load(path, "c")
    assert after.peek("g5", "digest 5b") == (weights if "\0" not in weights else None)
    assert after.peek("g5", "digest 5") is None and after.peek("g6", "digest 6") == {"term6": 2, "common": 1}
    assert len(after.known) == 300 - ("\0" in weights)
