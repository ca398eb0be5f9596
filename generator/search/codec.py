"""Byte formats of the search index: unsigned LEB128 varints, strings, posting blocks.

A posting block (the documents of one term or one facet value) is
    varint n, n varint doc-id gaps (the first is the id itself), n bytes of term weight, n facet rows,
and a facet row is written by `facets.FacetTable.row`. themes/default/static/search/codec.js reads it.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import sub


def varint(value: int, out: bytearray) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


def varints(values: Iterable[int]) -> bytes:
    out = bytearray()
    for value in values:
        while value >= 0x80:
            out.append((value & 0x7F) | 0x80)
            value >>= 7
        out.append(value)
    return bytes(out)


def text(value: str, out: bytearray) -> None:
    data = value.encode("utf-8")
    varint(len(data), out)
    out += data


def order_key(term: str) -> bytes:
    """Terms are ordered by UTF-16 code units, as JavaScript compares strings."""
    return term.encode("utf-16-be", "surrogatepass")


def name_hash(value: str, size: int = 8) -> str:
    return hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=size).hexdigest()


def block(docs: Sequence[int], weights: bytes, rows: Sequence[bytes]) -> bytes:
    """A posting block for ascending doc ids, one weight byte each, and the facet row of every id."""
    out = bytearray()
    varint(len(docs), out)
    gaps = [docs[0], *map(sub, islice(docs, 1, None), docs)] if docs else []
    if not gaps or max(gaps) < 0x80:
        out += bytes(gaps)
    else:
        out += varints(gaps)
    out += weights
    out += b"".join(map(rows.__getitem__, docs))
    return bytes(out)


class Reader:
    """Sequential reads from one index file."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def varint(self) -> int:
        data = self.data
        result = shift = 0
        while True:
            byte = data[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7

    def byte(self) -> int:
        self.pos += 1
        return self.data[self.pos - 1]

    def take(self, size: int) -> bytes:
        self.pos += size
        return self.data[self.pos - size:self.pos]

    def text(self) -> str:
        return self.take(self.varint()).decode("utf-8")

    @property
    def done(self) -> bool:
        return self.pos >= len(self.data)


def u32(values: Iterable[int]) -> bytes:
    out = array("I", values)
    if out.itemsize != 4:  # pragma: no cover - every platform CPython runs on has 4-byte unsigned ints
        raise RuntimeError("array('I') is not 32 bits here")
    import sys

    if sys.byteorder != "little":  # pragma: no cover
        out.byteswap()
    return out.tobytes()
