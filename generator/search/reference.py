"""The reference search: reads the index files exactly as themes/default/static/search/engine.js does
and must return the same results, in the same order, with the same facet counts.

Query semantics: every word must match (AND); the last word, and any single Han/kana/Hangul character,
matches as a prefix (its most frequent completions, the word itself first). A document's score is the sum
over words of idf x weight x 4 (the word itself) or x 3 (a completion), the best completion counting.
Facets: OR within a facet, AND across facets; a facet's counts apply the other facets' selections.
"""

from __future__ import annotations

import heapq
import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from generator.search.analyzer import analyze, is_cjk
from generator.search.codec import Reader, order_key
from generator.search.facets import FACET_KEYS, Values, read_row
from generator.search.terms import COMPLETION, EXACT

Posting = tuple[int, int, Values]  # doc, weight, facet values


@dataclass
class Entry:
    term: str
    df: int
    idf: int
    data: bytes | None  # the block when it is inline
    file: str = ""  # else the file that holds it


@dataclass
class Aggregate:
    total: int
    expansions: list[str]
    counts: list[dict[int, int]]
    head: list[tuple[int, int]]


@dataclass
class Range:
    terms: list[str] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    aggregates: dict[str, Aggregate] = field(default_factory=dict)


@dataclass
class Result:
    total: int
    ids: list[int]
    counts: dict[str, dict[str, int]]


def read_block(data: bytes) -> list[Posting]:
    reader = Reader(data)
    count = reader.varint()
    docs: list[int] = []
    doc = 0
    for i in range(count):
        doc = reader.varint() + (doc if i else 0)
        docs.append(doc)
    weights = reader.take(count)
    return [(d, w, read_row(reader)) for d, w in zip(docs, weights, strict=True)]


def read_range(data: bytes) -> Range:
    reader = Reader(data)
    out = Range()
    for _ in range(reader.varint()):
        term = reader.text()
        df, weight, external, size = reader.varint(), reader.varint(), reader.varint(), reader.varint()
        out.terms.append(term)
        if external:
            out.entries[term] = Entry(term, df, weight, None, f"p/{reader.text()}.bin")
        else:
            out.entries[term] = Entry(term, df, weight, reader.take(size))
    for _ in range(reader.varint()):
        prefix = reader.text()
        total = reader.varint()
        expansions = [reader.text() for _ in range(reader.varint())]
        counts = [dict((reader.varint(), reader.varint()) for _ in range(reader.varint())) for _ in FACET_KEYS]
        head = [(reader.varint(), reader.varint()) for _ in range(reader.varint())]
        out.aggregates[prefix] = Aggregate(total, expansions, counts, head)
    return out


class Searcher:
    def __init__(self, get: Callable[[str], bytes]) -> None:
        """`get(path)` returns a file of the index by its path under search/index/."""
        self.get = get
        self.meta = json.loads(get("meta.json"))
        self.count: int = self.meta["count"]
        self.seps = [order_key(sep) for sep, _ in self.meta["ranges"]]
        self.facets = self.meta["facets"]
        self.codes = [{v[0]: i for i, v in enumerate(f["values"])} for f in self.facets]
        self._ranges: dict[int, Range] = {}
        self._chunks: dict[str, list[int]] = {}

    def range_at(self, term: str) -> int:
        return bisect_right(self.seps, order_key(term)) - 1

    def load(self, index: int) -> Range:
        if index not in self._ranges:
            self._ranges[index] = read_range(self.get(self.meta["ranges"][index][1]))
        return self._ranges[index]

    def entry(self, term: str) -> Entry | None:
        return self.load(self.range_at(term)).entries.get(term)

    def postings(self, entry: Entry) -> list[Posting]:
        return read_block(entry.data if entry.data is not None else self.get(entry.file))

    def expand(self, prefix: str) -> tuple[list[Entry], Aggregate | None]:
        first = self.range_at(prefix)
        aggregate = self.load(first).aggregates.get(prefix)
        if aggregate is not None:
            found = [self.entry(term) for term in aggregate.expansions]
            return [e for e in found if e is not None], aggregate
        matches: list[Entry] = []
        for index in range(first, self.range_at(prefix + "\uffff") + 1):
            loaded = self.load(index)
            matches += [loaded.entries[t] for t in loaded.terms if t.startswith(prefix)]
        exact = [e for e in matches[:1] if e.term == prefix]
        rest = range(len(exact), len(matches))
        chosen = heapq.nsmallest(self.meta["expansions"] - len(exact), rest, key=lambda j: (-matches[j].df, j))
        return exact + [matches[j] for j in chosen], None

    def search(self, query: str, filters: Mapping[str, Sequence[str]] | None = None, sort: str = "relevance",
               offset: int = 0, limit: int = 20) -> Result:
        tokens = list(dict.fromkeys(analyze(query)))
        selected: dict[int, set[int]] = {}
        for facet, key in enumerate(FACET_KEYS):
            chosen = {self.codes[facet][s] for s in (filters or {}).get(key, ()) if s in self.codes[facet]}
            if chosen:
                selected[facet] = chosen
        if not tokens:
            return self._browse(selected, sort, offset, limit)
        specs = [(t, i == len(tokens) - 1 or (len(t) == 1 and is_cjk(t))) for i, t in enumerate(tokens)]
        matched: list[dict[int, tuple[int, Values]]] = []
        for token, prefix in specs:
            if prefix:
                entries, aggregate = self.expand(token)
                if (aggregate is not None and len(specs) == 1 and not selected and sort == "relevance"
                        and (offset + limit <= len(aggregate.head) or len(aggregate.head) == aggregate.total)):
                    head = aggregate.head[offset:offset + limit]
                    return Result(aggregate.total, [d for d, _ in head], self._named(aggregate.counts))
            else:
                found = self.entry(token)
                entries = [found] if found else []
            scores: dict[int, tuple[int, Values]] = {}
            for entry in entries:
                factor = entry.idf * (EXACT if entry.term == token else COMPLETION)
                for doc, weight, values in self.postings(entry):
                    score = weight * factor
                    if doc not in scores or score > scores[doc][0]:
                        scores[doc] = (score, values)
            matched.append(scores)
            if not scores:
                return self._evaluate({}, selected, sort, offset, limit)
        matched.sort(key=len)
        candidates = dict(matched[0])
        for other in matched[1:]:
            candidates = {d: (s + other[d][0], v) for d, (s, v) in candidates.items() if d in other}
        return self._evaluate(candidates, selected, sort, offset, limit)

    def _browse(self, selected: dict[int, set[int]], sort: str, offset: int, limit: int) -> Result:
        if not selected:
            counts = [{i: v[2] for i, v in enumerate(f["values"]) if v[2]} for f in self.facets]
            end = min(self.count, offset + limit)
            if sort in ("name", "newest", "active"):
                ids = [self._sorted_at(sort, position) for position in range(offset, end)]
            else:
                ids = list(range(offset, end))
            return Result(self.count, ids, self._named(counts))
        sizes = sorted((sum(self.facets[f]["values"][c][2] for c in codes), f) for f, codes in selected.items())
        candidates: dict[int, tuple[int, Values]] = {}
        for _, facet in sizes[:2]:
            for code in sorted(selected[facet]):
                for doc, _w, values in read_block(self.get(f"f/{FACET_KEYS[facet]}/{code}.bin")):
                    candidates[doc] = (0, values)
        only = sizes[0][1] if len(sizes) == 1 else None
        return self._evaluate(candidates, selected, sort, offset, limit, only)

    def _evaluate(self, candidates: dict[int, tuple[int, Values]], selected: dict[int, set[int]], sort: str,
                  offset: int, limit: int, only: int | None = None) -> Result:
        counts: list[Counter[int]] = [Counter() for _ in FACET_KEYS]
        results: list[tuple[int, int]] = []
        for doc, (score, values) in candidates.items():
            failed = [f for f, chosen in selected.items() if chosen.isdisjoint(values[f])]
            if not failed:
                results.append((doc, score))
                for facet, codes in enumerate(values):
                    counts[facet].update(codes)
            elif len(failed) == 1:
                counts[failed[0]].update(values[failed[0]])
        if only is not None:
            counts[only] = Counter({i: v[2] for i, v in enumerate(self.facets[only]["values"])})
        if sort in ("name", "newest", "active"):
            results.sort(key=lambda item: self._rank(sort, item[0]))
        elif sort == "members":
            results.sort()
        else:
            results.sort(key=lambda item: (-item[1], item[0]))
        page = [doc for doc, _ in results[offset:offset + limit]]
        return Result(len(results), page, self._named([dict(c) for c in counts]))

    def _chunk(self, kind: str, sort: str, index: int) -> list[int]:
        path = f"{kind}/{sort}/{index}.bin"
        if path not in self._chunks:
            data = self.get(path)
            self._chunks[path] = [int.from_bytes(data[i:i + 4], "little") for i in range(0, len(data), 4)]
        return self._chunks[path]

    def _rank(self, sort: str, doc: int) -> int:
        size: int = self.meta["sortChunk"]
        return self._chunk("s", sort, doc // size)[doc % size]

    def _sorted_at(self, sort: str, position: int) -> int:
        size: int = self.meta["sortChunk"]
        return self._chunk("o", sort, position // size)[position % size]

    def _named(self, counts: Sequence[Mapping[int, int]]) -> dict[str, dict[str, int]]:
        return {f["key"]: {f["values"][c][0]: n for c, n in sorted(counted.items()) if n}
                for f, counted in zip(self.facets, counts, strict=True)}

    def records(self, ids: Sequence[int]) -> list[list[object]]:
        """[name, summary, url, category code, members, location, activity code] of each doc."""
        size = self.meta["display"]
        prefix, suffix = self.meta["url"]
        out = []
        for doc in ids:
            record = json.loads(self.get(f"d/{doc // size}.json"))[doc % size]
            if "/" not in record[2] and ":" not in record[2]:
                record[2] = prefix + record[2] + suffix
            out.append(record)
        return out
