"""What a build's search index was made from, kept beside the build cache so that the next build can patch it.

The index is a function of every group's card. After an edit that keeps a group's place in every order the
index has (its doc id, its rank in each sort) and its facet values, only its display chunk, the postings of the
terms whose weight for it changed, the range files holding those terms and meta.json differ: generator.search.patch
makes those from this record instead of every file from every group (about 6 s at 100,000 groups).

The record is one file: a header (the groups in doc order with their card digests and facet rows, the facet
table and columns, the sort orders, every term with where its postings and its range-file entry lie, and the
digest of every file the index had), then every term's postings and every term's entry as two byte runs, then a
checksum of all of it. A file that is missing, damaged or made in another context (groupdir's code, the layout,
the configuration the index reads) reads as None.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from generator.model import SiteConfig
from generator.search.facets import Columns, FacetTable
from generator.search.terms import Layout

_MAGIC = b"gdsearch"
_CHECK = 32
_LENGTH = 8


@dataclass
class Made:
    context: str  # what else than the cards the files depend on (see context_of())
    slugs: list[str]  # doc id -> group
    digests: list[str]  # doc id -> its card's digest
    rows: list[bytes]  # doc id -> facet row
    table: FacetTable
    columns: Columns
    orders: dict[str, array[int]]  # each ranked sort's doc ids, in its order
    empty_counts: list[list[int]]
    terms: list[str]  # in index order
    entry_at: array[int]  # term -> where its range-file entry starts in `bodies` (one more: the end)
    external: array[int]  # term -> the size of its posting file (0: none)
    raw_at: array[int]  # term -> where its doc ids (4 bytes each), then weights (1 byte each), start in `raw`
    df: array[int]  # term -> number of groups
    raw: BinaryIO
    bodies: BinaryIO
    files: dict[str, str] = field(default_factory=dict)  # index-relative path -> content digest, once staged

    def postings(self, term: int) -> tuple[bytes, bytes]:
        """A term's doc ids (array('I') bytes) and weights."""
        count = self.df[term]
        self.raw.seek(self.raw_at[term])
        return self.raw.read(4 * count), self.raw.read(count)

    def entry(self, term: int) -> bytes:
        self.bodies.seek(self.entry_at[term])
        return self.bodies.read(self.entry_at[term + 1] - self.entry_at[term])

    def close(self) -> None:
        self.raw.close()
        self.bodies.close()


def context_of(config: SiteConfig, group_url: Callable[[str], str], layout: Layout) -> str:
    """A digest of what the index reads besides the cards: the categories (facet values and keywords), the
    layout, and how group URLs are made (one URL for a probe slug, which the stored URL pattern comes from)."""
    return hashlib.blake2b(repr((config.categories, layout, group_url("slug-probe"))).encode(),
                           digest_size=16).hexdigest()


class _Hashing:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.hasher = stream, hashlib.blake2b(digest_size=_CHECK)

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self.stream.write(data)


def save(path: Path, made: Made, key: str) -> None:
    """Write the record atomically (a failed write leaves no record: the next build makes the whole index).
    `key`: what else the record is good for (groupdir's code); load() is given it again."""
    header = pickle.dumps((key, made.context, _packed(made), _size(made.raw), _size(made.bodies)),
                          protocol=pickle.HIGHEST_PROTOCOL)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as stream:
            out = _Hashing(stream)
            out.write(_MAGIC + len(header).to_bytes(_LENGTH, "big"))
            out.write(header)
            for part in (made.raw, made.bodies):
                part.seek(0)
                shutil.copyfileobj(part, out)
            stream.write(out.hasher.digest())
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        path.unlink(missing_ok=True)


_FIELDS = ("slugs", "digests", "rows", "table", "columns", "orders", "empty_counts", "terms", "entry_at", "external",
           "raw_at", "df", "files")


_JOIN = "\0"


def _packed(made: Made) -> dict[str, object]:
    """The header's fields, the per-group lists as one string or bytes each: a pickler keeps a memo entry for
    every object it writes, a million groups' slugs, digests and rows would be three million (about 300 MB)."""
    fields: dict[str, object] = {name: getattr(made, name) for name in _FIELDS}
    for name in ("slugs", "digests", "terms"):
        values: list[str] = fields[name]  # type: ignore[assignment]
        if not any(_JOIN in value for value in values):
            fields[name] = (_JOIN.join(values), len(values))
    fields["rows"] = (b"".join(made.rows), array("I", map(len, made.rows)))
    return fields


def _unpacked(fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("slugs", "digests", "terms"):
        if isinstance(fields[name], tuple):
            text, count = fields[name]
            fields[name] = text.split(_JOIN) if count else []
    data, lengths = fields["rows"]
    rows: list[bytes] = []
    at = 0
    for length in lengths:
        rows.append(data[at:at + length])
        at += length
    fields["rows"] = rows
    return fields


def _size(stream: BinaryIO) -> int:
    stream.seek(0, io.SEEK_END)
    return stream.tell()


def load(path: Path, key: str) -> Made | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body = memoryview(data)[:-_CHECK]
    if len(data) < len(_MAGIC) + _LENGTH + _CHECK or data[:len(_MAGIC)] != _MAGIC or \
            hashlib.blake2b(body, digest_size=_CHECK).digest() != data[-_CHECK:]:
        return None
    at = len(_MAGIC) + _LENGTH
    length = int.from_bytes(data[len(_MAGIC):at], "big")
    try:
        found, context, fields, raw, bodies = pickle.loads(body[at:at + length])
    except Exception:  # a pickle of classes that changed: the record is only a shortcut
        return None
    if found != key or at + length + raw + bodies != len(body):
        return None
    at += length
    return Made(context, raw=io.BytesIO(body[at:at + raw]), bodies=io.BytesIO(body[at + raw:]), **_unpacked(fields))
