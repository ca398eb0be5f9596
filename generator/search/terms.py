"""Term ranges: the vocabulary in UTF-16 order, cut into files at content-defined points, plus the
precomputed answers ("aggregates") for prefixes whose terms are too heavy to fetch on every keystroke.

Range file: varint term count, entries, varint aggregate count, aggregates.
Entry: text term, varint df, varint idf (x100), then varint 0 + varint size + block, or
varint 1 + varint size + text name (the block is then the file p/<name>.bin).
Aggregate: text prefix, varint total, varint n + n text expansions, per facet varint n + n (code, count),
varint k + k (doc, score) best first.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import math
import tempfile
from array import array
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator.search.codec import Reader, block, name_hash, order_key, text, varint
from generator.search.facets import FACETS, Columns
from generator.search.known import KnownAggregates
from generator.search.postings import Merged

EXACT, COMPLETION = 4, 3
Postings = dict[int, tuple["array[int]", bytes]]  # term index -> doc ids, weights


@dataclass(frozen=True)
class Layout:
    """Sizes that shape the index files (bytes unless said otherwise)."""

    range_min: int = 3072
    range_target: int = 10240
    range_max: int = 24576
    external: int = 3072
    aggregate: int = 24576
    expansions: int = 50
    head: int = 40
    display_chunk: int = 8
    sort_chunk: int = 4096
    spill: int = 2_000_000


def idf(count: int, df: int) -> int:
    return max(1, round(100.0 * math.log(1.0 + (count - df + 0.5) / (df + 0.5))))


def separator(before: str, after: str) -> str:
    """The shortest prefix of `after` that sorts after `before`."""
    key = order_key(before)
    for size in range(1, len(after) + 1):
        if order_key(after[:size]) > key:
            return after[:size]
    return after


class TermWriter:
    """Takes the merged terms in order; yields external posting files, then the range files."""

    def __init__(self, count: int, rows: Sequence[bytes], layout: Layout,
                 known: KnownAggregates | None = None) -> None:
        self.count, self.rows, self.layout = count, rows, layout
        self.known = known
        self.terms: list[str] = []
        self.df = array("I")
        self.idf = array("I")
        self.size = array("Q")
        self.range_of = array("I")
        self.raw = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close() (kept by the caller until then)
        self.raw_at = array("Q")
        self.bodies = tempfile.TemporaryFile()  # noqa: SIM115
        self.entry_at = array("Q")  # where each term's entry starts in `bodies` (the entries of all ranges, in order)
        self.external = array("Q")  # the size of each term's posting file (0: its block is in its entry)
        self.spans: list[tuple[int, int, int]] = []  # (body start, body end, term count)
        self.seps: list[str] = [""]
        self.names: list[str] = []
        self._body = bytearray()
        self._terms_in_range = 0
        self._counted: dict[tuple[int, ...], bytes] = {}
        # Terms whose groups changed since the last build's index, with their doc ids there and the docs edited
        # (set by generator.search.patch: see _moved_counts).
        self.moved: dict[str, tuple[array[int], frozenset[int]]] = {}
        self._heads: dict[int, list[tuple[int, int]]] = {}

    def add(self, merged: Merged) -> Iterator[tuple[str, bytes]]:
        term, ids, weights = merged
        df = len(ids)
        weight = idf(self.count, df)
        data = block(ids, weights, self.rows)
        entry = bytearray()
        text(term, entry)
        varint(df, entry)
        varint(weight, entry)
        external = len(data) > self.layout.external
        if external:
            varint(1, entry)
            varint(len(data), entry)
            text(name_hash(term), entry)
            yield f"p/{name_hash(term)}.bin", data
        else:
            varint(0, entry)
            varint(len(data), entry)
            entry += data
        self._take(term, ids.tobytes(), weights, weight, entry, len(data) if external else 0)

    def add_kept(self, term: str, ids: bytes, weights: bytes, entry: bytes,
                 external: int) -> Iterator[tuple[str, bytes | None]]:
        """A term whose postings, and every row of their groups, are those of the last build's index (whose entry
        and posting file were made from them): its posting file, if it has one, is named with no bytes (the
        published one stands)."""
        if external:
            yield f"p/{name_hash(term)}.bin", None
        self._take(term, ids, weights, idf(self.count, len(weights)), entry, external)

    def _take(self, term: str, ids: bytes, weights: bytes, weight: int, entry: bytes | bytearray,
              external: int) -> None:
        if not self._terms_in_range:
            if self.terms:
                self.seps.append(separator(self.terms[-1], term))
            self.names.append(f"t/{name_hash(term)}.bin")
        self.raw_at.append(self.raw.tell())
        self.raw.write(ids)
        self.raw.write(weights)
        self.entry_at.append(self.bodies.tell() + len(self._body))
        self.terms.append(term)
        self.df.append(len(weights))
        self.idf.append(weight)
        self.size.append(len(entry) + external)
        self.external.append(external)
        self.range_of.append(len(self.names) - 1)
        self._body += entry
        self._terms_in_range += 1
        size = len(self._body)
        cut_odds = len(entry) / max(1, self.layout.range_target - self.layout.range_min)
        if size >= self.layout.range_max or (
            size >= self.layout.range_min and int(name_hash(term, 4), 16) < cut_odds * 2**32
        ):
            self._close()

    def _close(self) -> None:
        start = self.bodies.tell()
        self.bodies.write(self._body)
        self.spans.append((start, self.bodies.tell(), self._terms_in_range))
        self._body = bytearray()
        self._terms_in_range = 0

    def ranges(self, facets: Columns) -> Iterator[tuple[str, bytes]]:
        if self._terms_in_range or not self.spans:
            if not self.names:
                self.names.append("t/empty.bin")
            self._close()
        self.entry_at.append(self.bodies.tell())  # the end of the last entry
        aggregates: list[list[bytes]] = [[] for _ in self.spans]
        facets_key = facets.digest() if self.known is not None else b""
        for prefix, low, high in self._heavy_prefixes():
            aggregates[self.range_of[low]].append(self._remembered(prefix, low, high, facets, facets_key))
        if self.known is not None:
            self.known.close()
        for (start, end, terms), name, extra in zip(self.spans, self.names, aggregates, strict=True):
            self.bodies.seek(start)
            out = bytearray()
            varint(terms, out)
            out += self.bodies.read(end - start)
            varint(len(extra), out)
            out += b"".join(extra)
            yield name, bytes(out)

    def close(self) -> None:
        """Let the postings and entries go (after ranges(); generator.search.patch may read them before)."""
        self.raw.close()
        self.bodies.close()

    def _heavy_prefixes(self) -> Iterator[tuple[str, int, int]]:
        """Every prefix whose terms weigh more than the aggregate threshold: (prefix, first, end)."""
        cumulative = array("Q", [0])
        for size in self.size:
            cumulative.append(cumulative[-1] + size)
        limit = self.layout.aggregate
        stack: list[tuple[str, int]] = []
        previous = ""
        for i, term in enumerate(self.terms):
            common = 0
            for a, b in zip(previous, term, strict=False):
                if a != b:
                    break
                common += 1
            while len(stack) > common:
                prefix, low = stack.pop()
                if cumulative[i] - cumulative[low] > limit:
                    yield prefix, low, i
            stack.extend((term[:size], i) for size in range(len(stack) + 1, len(term) + 1))
            previous = term
        end = len(self.terms)
        while stack:
            prefix, low = stack.pop()
            if cumulative[end] - cumulative[low] > limit:
                yield prefix, low, end

    def _arrays(self, index: int) -> tuple[array[int], bytes]:
        count = self.df[index]
        self.raw.seek(self.raw_at[index])
        ids = array("I")
        ids.frombytes(self.raw.read(count * 4))
        return ids, self.raw.read(count)

    def _postings(self, index: int, read: Postings | None) -> tuple[array[int], bytes]:
        """A term's doc ids and weights: from `read` (those of a prefix's terms, read to make its key) when
        there, else from the spill file."""
        found = read.get(index) if read is not None else None
        return found if found is not None else self._arrays(index)

    def _remembered(self, prefix: str, low: int, high: int, facets: Columns, facets_key: bytes) -> bytes:
        """A prefix's aggregate, taken from the last build's when all it is made from is the same: the prefix,
        its terms with their idf and postings, every group's facet values, and the layout. When only weights
        changed (an edited group's text weighs its terms again), its groups and their facet counts are the last
        build's: those are kept under a key of their own (the terms and their groups, not their weights)."""
        if self.known is None:
            return self._aggregate(prefix, low, high, facets)
        chosen = expansions(self.terms, self.df, prefix, low, high, self.layout.expansions)
        weighed = hashlib.blake2b(digest_size=20)
        weighed.update(repr((prefix, self.count, self.layout.head, self.layout.expansions)).encode())
        weighed.update(facets_key)
        read = {index: self._arrays(index) for index in chosen}  # kept for counting, on a miss
        for index in chosen:
            ids, weights = read[index]
            weighed.update(repr((self.terms[index], self.idf[index], len(ids))).encode())
            weighed.update(ids)
            weighed.update(weights)
        counts_key = _counts_key(facets_key, [(self.terms[index], read[index][0]) for index in chosen])
        counts = self.known.get(counts_key)  # taken either way: kept for the next build
        if counts is None:
            counts = self._moved_counts(chosen, read, facets, facets_key)
            if counts is not None:
                self.known.keep(counts_key, counts)
        key = weighed.digest()
        found = self.known.get(key)
        if found is None:
            if counts is not None:
                self._counted = {tuple(chosen): counts}
            found = self._aggregate(prefix, low, high, facets, chosen, read)
            self.known.keep(key, found)
        if counts is None:
            counts = self._counts_of(chosen, facets, read)
            self.known.keep(counts_key, counts)
        return found

    def _aggregate(self, prefix: str, low: int, high: int, facets: Columns,
                   chosen: list[int] | None = None, read: Postings | None = None) -> bytes:
        if chosen is None:
            chosen = expansions(self.terms, self.df, prefix, low, high, self.layout.expansions)
        out = bytearray()
        text(prefix, out)
        out += self._counts_of(chosen, facets, read)
        candidates: dict[int, int] = {}
        for index in chosen:
            factor = self.idf[index] * (EXACT if self.terms[index] == prefix else COMPLETION)
            for weight, doc in self._best(index, read):
                score = weight * factor
                if score > candidates.get(doc, 0):
                    candidates[doc] = score
        head = sorted(candidates.items(), key=lambda item: (-item[1], item[0]))[: self.layout.head]
        varint(len(head), out)
        for doc, score in head:
            varint(doc, out)
            varint(score, out)
        return bytes(out)

    def _counts_of(self, chosen: list[int], facets: Columns, read: Postings | None) -> bytes:
        """The groups behind the terms `chosen` and their facet counts, counted once for nested prefixes that share
        their expansions."""
        key = tuple(chosen)
        if key not in self._counted:
            self._counted.clear()  # keep only the latest
            self._counted[key] = self._count(chosen, facets, read)
        return self._counted[key]

    def _count(self, chosen: list[int], facets: Columns, read: Postings | None) -> bytes:
        union: set[int] = set()
        for index in chosen:
            union.update(self._postings(index, read)[0])
        return self._counts_bytes(len(union), chosen, facets.count(union))

    def _counts_bytes(self, groups: int, chosen: list[int], counted: Sequence[Mapping[int, int]]) -> bytes:
        out = bytearray()
        varint(groups, out)
        varint(len(chosen), out)
        for index in chosen:
            text(self.terms[index], out)
        for values in counted:
            varint(len(values), out)
            for code in sorted(values):
                varint(code, out)
                varint(values[code], out)
        return bytes(out)

    def _moved_counts(self, chosen: list[int], read: Postings, facets: Columns, facets_key: bytes) -> bytes | None:
        """The groups and facet counts of the terms `chosen`, from the last build's, when some of those terms gained
        or lost groups since (`moved`, from generator.search.patch: their doc ids in the last index) and the last
        build kept the counts for the same terms holding the groups they held then: each edited group that joined
        or left the union adds or takes away its facet values. The last build's counts are found by their key (see
        _remembered), worked out from the postings as they were, so a count kept for other groups is never
        taken."""
        if self.known is None or not any(self.terms[index] in self.moved for index in chosen):
            return None
        before: dict[int, array[int]] = {}
        changed: set[int] = set()
        for index in chosen:
            moved = self.moved.get(self.terms[index])
            if moved is not None:
                before[index], edited = moved
                changed |= edited
        kept = self.known.peek(_counts_key(facets_key, [(self.terms[index], before.get(index, read[index][0]))
                                                        for index in chosen]))
        if kept is None:
            return None
        reader = Reader(kept)
        union = reader.varint()
        if [reader.text() for _ in range(reader.varint())] != [self.terms[index] for index in chosen]:
            return None
        counted = []
        for _ in FACETS:
            values: dict[int, int] = {}
            for _ in range(reader.varint()):
                code = reader.varint()
                values[code] = reader.varint()
            counted.append(values)
        for doc in sorted(changed):
            was = any(_holds(before.get(index, read[index][0]), doc) for index in chosen)
            now = any(_holds(read[index][0], doc) for index in chosen)
            if was == now:
                continue
            sign = 1 if now else -1
            union += sign
            for values, of_doc in zip(counted, facets.count((doc,)), strict=True):
                for code, n in of_doc.items():
                    left = values.get(code, 0) + sign * n
                    if left < 0:
                        return None
                    if left:
                        values[code] = left
                    else:
                        del values[code]
        return self._counts_bytes(union, chosen, counted)

    def _best(self, index: int, read: Postings | None) -> list[tuple[int, int]]:
        """The term's `head` best (weight, doc) pairs: highest weight, then lowest doc."""
        if index not in self._heads:
            ids, weights = self._postings(index, read)
            limit = self.layout.head
            floor = 0
            if len(ids) > limit:
                histogram = Counter(weights)
                seen = 0
                for floor in sorted(histogram, reverse=True):
                    seen += histogram[floor]
                    if seen >= limit:
                        break
            best = [(w, d) for w, d in zip(weights, ids, strict=True) if w >= floor]
            best.sort(key=lambda item: (-item[0], item[1]))
            self._heads[index] = best[:limit]
        return self._heads[index]


def _counts_key(facets_key: bytes, postings: Sequence[tuple[str, array[int]]]) -> bytes:
    """The key of the groups behind some terms and their facet counts: each term with its doc ids, and a digest of
    every group's facet values."""
    key = hashlib.blake2b(facets_key, digest_size=20, person=b"groupdir-counts")
    for term, ids in postings:
        key.update(repr((term, len(ids))).encode())
        key.update(ids)
    return key.digest()


def _holds(ids: array[int], doc: int) -> bool:
    """Whether the ascending doc ids `ids` hold `doc`."""
    at = bisect.bisect_left(ids, doc)
    return at < len(ids) and ids[at] == doc


def expansions(terms: Sequence[str], df: Sequence[int], prefix: str, low: int, high: int, limit: int) -> list[int]:
    """The terms a prefix stands for: itself if it is a term, then the most frequent completions."""
    exact = [low] if low < high and terms[low] == prefix else []
    start = low + len(exact)
    rest = heapq.nsmallest(limit - len(exact), range(start, high), key=lambda j: (-df[j], j))
    return exact + rest
