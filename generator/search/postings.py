"""Term weights of one group, and the inverted lists of all groups, spilled to disk in sorted runs.

Memory stays bounded: at most `budget` postings are buffered before a run is written to a temporary
file; the runs are merged term by term at the end (the classic single-pass in-memory indexing).
"""

from __future__ import annotations

import heapq
import tempfile
from array import array
from collections.abc import Iterator
from functools import lru_cache
from operator import itemgetter
from typing import BinaryIO

from generator.search.codec import order_key, varint

# (weight, typical length in tokens) per field: name > keywords (tags, category, industry, place)
# > summary > description. Lengths are fixed, not corpus averages, so an edit changes only its group.
NAME, KEYWORDS, SUMMARY, DESCRIPTION = (6.0, 3.0), (3.0, 6.0), (1.5, 14.0), (1.0, 80.0)
K1 = 1.2
B = 0.6


def weights(fields: list[tuple[list[str], tuple[float, float]]]) -> dict[str, int]:
    """One byte per term (1-255): a BM25F term-frequency saturation over the weighted fields."""
    mass: dict[str, float] = {}
    for tokens, (weight, typical) in fields:
        if not tokens:
            continue
        unit = weight / (1.0 - B + B * len(tokens) / typical)
        for token in tokens:
            mass[token] = mass.get(token, 0.0) + unit
    return {term: _saturate(m) for term, m in mass.items()}


@lru_cache(maxsize=4096)
def _saturate(mass: float) -> int:
    return max(1, min(255, round(255.0 * mass / (K1 + mass))))


Merged = tuple[str, "array[int]", bytes]


class Accumulator:
    def __init__(self, budget: int = 2_000_000) -> None:
        self.budget = budget
        self.postings: dict[str, array[int]] = {}  # doc << 8 | weight
        self.buffered = 0
        self.total = 0
        self.runs: list[BinaryIO] = []

    def add(self, doc: int, terms: dict[str, int]) -> None:
        if doc >= 1 << 24:
            raise ValueError("the search index holds at most 16,777,216 groups")
        postings = self.postings
        shifted = doc << 8
        for term, weight in terms.items():
            found = postings.get(term)
            if found is None:
                found = postings[term] = array("I")
            found.append(shifted | weight)
        self.buffered += len(terms)
        if self.buffered >= self.budget:
            self._spill()

    def _spill(self) -> None:
        run = tempfile.TemporaryFile()  # noqa: SIM115 - closed in merged()
        out = bytearray()
        for term in sorted(self.postings, key=order_key):
            packed = self.postings[term]
            out.clear()
            encoded = term.encode("utf-8")
            varint(len(encoded), out)
            out += encoded
            varint(len(packed), out)
            run.write(out)
            run.write(array("I", [v >> 8 for v in packed]).tobytes())
            run.write(bytes([v & 0xFF for v in packed]))
        self.total += self.buffered
        self.postings, self.buffered = {}, 0
        run.seek(0)
        self.runs.append(run)

    def merged(self) -> Iterator[Merged]:
        """Every term once, in index order, with its ascending doc ids and weights."""
        if self.buffered or not self.runs:
            self._spill()
        streams = [_read_run(run) for run in self.runs]
        current: str | None = None
        ids = array("I")
        weight = bytearray()
        for _key, term, run_ids, run_weights in heapq.merge(*streams, key=itemgetter(0)):
            if term != current:
                if current is not None:
                    yield current, ids, bytes(weight)
                current, ids, weight = term, array("I"), bytearray()
            ids.extend(run_ids)
            weight += run_weights
        if current is not None:
            yield current, ids, bytes(weight)
        for run in self.runs:
            run.close()
        self.runs = []


def _read_run(run: BinaryIO) -> Iterator[tuple[bytes, str, array[int], bytes]]:
    while True:
        length = _read_varint(run)
        if length is None:
            return
        term = run.read(length).decode("utf-8")
        count = _read_varint(run) or 0
        ids = array("I")
        ids.frombytes(run.read(count * 4))
        yield order_key(term), term, ids, run.read(count)


def _read_varint(run: BinaryIO) -> int | None:
    result = shift = 0
    while True:
        byte = run.read(1)
        if not byte:
            return None
        result |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return result
        shift += 7
