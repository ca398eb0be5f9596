"""Checksummed blobs and the small cache files made of them (export layouts, search parts, template references).

A sealed blob is a checksum followed by its body; a damaged one opens to None. A cache file is one sealed
pickle of (context, dictionary): read back only when whole and made in the same context (what else its
entries depend on), else empty. Every such file is a shortcut only, so reading never fails and a failed
write only loses the shortcut.

A large table changed in a few entries (the search index's term weights after one group's edit: 2.6 MB at 10,000
groups, rewritten whole in 35 ms of every such build) has those changes appended to a journal beside it instead
(`append`), each a sealed pickle bound to the table's checksum, until the journal passes a JOURNAL_SHARE of the
table's size; then the table is written whole again. Reading replays the journal's entries bound to the table
read, up to the first damaged or unfinished one.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_CHECK = 8  # bytes of checksum in front of each blob
_LENGTH = 4  # bytes of a journal entry's length, in front of it
JOURNAL_SHARE = 4  # a journal is folded into its table once it passes a quarter of the table's size


def seal(body: bytes) -> bytes:
    """A blob: a checksum, then the body."""
    return hashlib.blake2b(body, digest_size=_CHECK).digest() + body


def opened(blob: bytes) -> bytes | None:
    """The body of a blob, or None when the checksum does not match."""
    body = blob[_CHECK:]
    if len(blob) <= _CHECK or hashlib.blake2b(body, digest_size=_CHECK).digest() != blob[:_CHECK]:
        return None
    return body


def read(path: Path, context: str = "") -> dict[Any, Any]:
    """The dictionary `write` saved in `path` in the same `context` (with the changes appended since); empty if
    missing, damaged or of another."""
    return read_table(path, context)[0]


def read_table(path: Path, context: str = "") -> tuple[dict[Any, Any], bytes | None]:
    """As `read`, with what changes appended to the table are bound to (`append`): None when nothing was read."""
    try:
        blob = path.read_bytes()
        body = opened(blob)
        found = pickle.loads(body) if body is not None else None
    except Exception:  # unreadable, or a pickle of classes that no longer exist: only a shortcut is lost
        return {}, None
    if not isinstance(found, tuple) or len(found) != 2 or found[0] != context or not isinstance(found[1], dict):
        return {}, None
    table: dict[Any, Any] = found[1]
    _replay(journal_path(path), blob[:_CHECK], table)
    return table, blob[:_CHECK]


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def _replay(journal: Path, token: bytes, table: dict[Any, Any]) -> None:
    try:
        data = journal.read_bytes()
    except OSError:
        return
    at = 0
    while at + _LENGTH <= len(data):
        end = at + _LENGTH + int.from_bytes(data[at:at + _LENGTH], "big")
        body = opened(data[at + _LENGTH:end]) if end <= len(data) else None
        try:
            bound, updated, gone = pickle.loads(body) if body is not None else (None, {}, [])
        except Exception:
            return
        if bound != token:  # damaged, unfinished, or of another table: neither it nor any after is replayed
            return
        table.update(updated)
        for key in gone:
            table.pop(key, None)
        at = end


def append(path: Path, token: bytes, updated: dict[Any, Any], gone: Iterable[Any] = ()) -> bool:
    """Append changes (entries `updated`, keys `gone`) to the table in `path`, read with `token` (read_table);
    False, with nothing appended, when the table is no longer that one, or the journal would pass a
    JOURNAL_SHARE of its size: the caller then writes the table whole."""
    journal = journal_path(path)
    entry = seal(pickle.dumps((token, updated, list(gone)), protocol=pickle.HIGHEST_PROTOCOL))
    try:
        with path.open("rb") as table:
            if table.read(_CHECK) != token:
                return False
            size = os.fstat(table.fileno()).st_size
        kept = journal.stat().st_size if journal.exists() else 0
        if (kept + _LENGTH + len(entry)) * JOURNAL_SHARE > size:
            return False
        with journal.open("ab") as stream:
            stream.write(len(entry).to_bytes(_LENGTH, "big") + entry)
    except OSError:
        return False
    return True


def write(path: Path, value: dict[Any, Any], context: str = "") -> None:
    """Save a dictionary with its context, atomically (a write that fails leaves the file as it was). Changes
    appended to the last table go first: a table written again that happened to hold the same bytes would take
    them up again."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(seal(pickle.dumps((context, value), protocol=pickle.HIGHEST_PROTOCOL)))
        journal_path(path).unlink(missing_ok=True)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
