"""Full group records with their rendered descriptions, kept on disk from the load stage to the render stage.

Cards hold what listings need; a group page needs the whole record and its description as HTML. The
load stage parses, validates and renders each group once and appends the result to this store; the
render stage reads it back by offset instead of parsing the file again, and a later build reuses it for
every file that has not changed, so a template edit does not run Markdown again.

The store is an append-only file (generator.export_rows keeps each group's export rows in it too). Each
entry carries a checksum: an entry that is missing, cut short or overwritten reads as None, and the caller
makes it again from the source. Like the state file it sits in the site's own cache folder and is trusted
as much as that folder: it holds pickles.
"""

from __future__ import annotations

import os
import pickle
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from generator.model import Group
from generator.sealed import opened, seal

if TYPE_CHECKING:
    from generator.loading import SourceResult

Ref = tuple[int, int]  # offset, length


@dataclass(frozen=True, slots=True)
class StoredGroup:
    group: Group
    description_html: Markup


def pack(group: Group, description_html: str) -> bytes:
    """A group's entry: the pickled record and its description's HTML."""
    return seal(pickle.dumps((group, str(description_html)), protocol=pickle.HIGHEST_PROTOCOL))


def unpack(blob: bytes) -> StoredGroup | None:
    body = opened(blob)
    if body is None:
        return None
    try:
        group, html = pickle.loads(body)
    except Exception:
        return None
    if not isinstance(group, Group) or not isinstance(html, str):
        return None
    return StoredGroup(group, Markup(html))


class RecordStore:
    """An append-only file of packed entries. Any process may append (every descriptor is opened with O_APPEND);
    this one learns of other processes' entries by refresh()."""

    def __init__(self, path: Path, *, fresh: bool, temporary: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.temporary = temporary
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if fresh else 0)
        self._fd = os.open(path, flags, 0o644)
        self._end = os.fstat(self._fd).st_size

    @property
    def size(self) -> int:
        return self._end

    def refresh(self) -> None:
        """Take in what other processes appended (append_from_anywhere)."""
        self._end = os.fstat(self._fd).st_size

    def append(self, blob: bytes) -> Ref:
        ref = _append(self._fd, [blob])[0]
        self._end = max(self._end, ref[0] + ref[1])
        return ref

    def read(self, ref: Ref) -> StoredGroup | None:
        blob = self.read_entry(ref)
        return unpack(blob) if blob is not None else None

    def read_entry(self, ref: Ref) -> bytes | None:
        """The raw entry at `ref` (checksum included), or None when the file does not hold it."""
        offset, length = ref
        if offset < 0 or offset + length > self._end:
            return None
        try:
            blob = os.pread(self._fd, length, offset)
        except OSError:
            return None
        return blob if len(blob) == length else None

    def compacted(self, refs: Sequence[Sequence[Ref]]) -> list[list[Ref]]:
        """Rewrite the store with only the entries `refs` name (in place of the old file); returns their new refs."""
        temp = self.path.with_suffix(f".tmp{os.getpid()}")
        fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
        try:
            moved = [_append(fd, [os.pread(self._fd, length, offset) for offset, length in group]) for group in refs]
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        os.replace(temp, self.path)
        os.close(self._fd)
        self._fd, self._end = fd, os.fstat(fd).st_size
        return moved

    def close(self) -> None:
        os.close(self._fd)
        if self.temporary:
            self.path.unlink(missing_ok=True)


def read_from_anywhere(path: Path, refs: Sequence[Ref]) -> list[StoredGroup | None]:
    """Entries of the store at `path`, from any process (each None where missing or damaged)."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return [None] * len(refs)
    try:
        found: list[StoredGroup | None] = []
        for offset, length in refs:
            try:
                blob = os.pread(handle, length, offset)
            except (OSError, ValueError, OverflowError):
                blob = b""
            found.append(unpack(blob) if len(blob) == length else None)
        return found
    finally:
        os.close(handle)


def append_from_anywhere(path: Path, blobs: list[bytes]) -> list[Ref]:
    """Append entries to the store at `path` from any process, in one write.

    With O_APPEND each write lands whole at the end of the file, whatever other processes append meanwhile,
    and the file offset after it tells where it landed. A short write (a full disk) gives refs that read as
    missing, so those groups are read from their files again.
    """
    handle = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        return _append(handle, blobs)
    finally:
        os.close(handle)


def _append(handle: int, blobs: list[bytes]) -> list[Ref]:
    """Append entries through a descriptor opened with O_APPEND, in one write; where each landed."""
    data = b"".join(blobs)
    if not data:
        return [(-1, 0)] * len(blobs)
    written = os.write(handle, data)
    end = os.lseek(handle, 0, os.SEEK_CUR)
    if written != len(data):
        return [(-1, 0)] * len(blobs)
    refs: list[Ref] = []
    offset = end - len(data)
    for blob in blobs:
        refs.append((offset, len(blob)))
        offset += len(blob)
    return refs


@dataclass
class CardRecords:
    """Where each card's entry is, in the order of Site.cards (two flat arrays stay small at a million cards)."""

    store: RecordStore
    offsets: array[int]
    lengths: array[int]

    @classmethod
    def empty(cls, store: RecordStore, count: int) -> CardRecords:
        return cls(store, array("q", [-1]) * count, array("q", [0]) * count)

    def place(self, position: int, ref: Ref) -> None:
        self.offsets[position], self.lengths[position] = ref

    def place_results(self, results: Iterable[SourceResult], index: Mapping[str, int]) -> None:
        """Put the records of every card of `results` at their cards' places (`index`: the Site's, by slug)."""
        # Once per group on a full pass: the arrays are filled here rather than by a call of `place` each.
        offsets, lengths = self.offsets, self.lengths
        for result in results:
            for card, (offset, length) in zip(result.cards, result.refs, strict=False):
                position = index.get(card.slug)
                if position is not None:  # a slug used twice fails the build before anything is rendered
                    offsets[position] = offset
                    lengths[position] = length

    def get(self, position: int) -> StoredGroup | None:
        return self.store.read((self.offsets[position], self.lengths[position]))
