"""Each group's line of /groups.json and row of /groups.csv, made once per version of its index.json.

The exports list every group, so any edit rewrites them, and making every line again means reading and
parsing every group's index.json. Instead each group's line and row go into the record store, found by
the digest of the index.json they were made from: a rebuild reads again only the groups whose
index.json changed. Like everything in the store, a missing or damaged entry is simply made again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from generator import exports, routes
from generator.records import RecordStore, opened, seal

Known = dict[str, tuple[str, int, int]]  # slug -> (digest of its index.json, offset, length in the store)
_LENGTH = 4  # bytes of the JSON line's length in front of an entry's body


def lines_of(index_json: bytes) -> tuple[bytes, bytes]:
    """A group's line of groups.json and row of groups.csv, from its index.json."""
    record = json.loads(index_json)
    return exports.json_line(record), exports.csv_row(record)


def entry(line: bytes, row: bytes) -> bytes:
    """The store entry holding a line and a row."""
    return seal(len(line).to_bytes(_LENGTH, "big") + line + row)


class ExportRows:
    def __init__(self, store: RecordStore, known: Known, digest_of: Callable[[str], str | None],
                 read_output: Callable[[str], bytes]) -> None:
        self.store = store
        self.known = known
        self.digest_of = digest_of  # the content digest of an output of this build, when known
        self.read_output = read_output
        self.made: Known = {}

    def json_lines(self, slugs: Iterable[str]) -> Iterator[bytes]:
        for slug in slugs:
            yield self.pair(slug)[0]

    def csv_rows(self, slugs: Iterable[str]) -> Iterator[bytes]:
        for slug in slugs:
            yield self.pair(slug)[1]

    def pair(self, slug: str) -> tuple[bytes, bytes]:
        """The group's JSON line and CSV row, from the store when its index.json has not changed."""
        rel = routes.group_json(slug)
        digest = self.digest_of(rel)
        hit = self.made.get(slug) or self.known.get(slug)
        if digest is not None and hit is not None and hit[0] == digest:
            found = self._stored(hit[1], hit[2])
            if found is not None:
                self.made[slug] = hit
                return found
        line, row = lines_of(self.read_output(rel))
        if digest is not None:
            self.adopt(slug, digest, self.store.append(entry(line, row)))
        return line, row

    def adopt(self, slug: str, digest: str, ref: tuple[int, int]) -> None:
        """Take the entry for the index.json with `digest`, appended to the store at `ref`."""
        self.made[slug] = (digest, *ref)

    def _stored(self, offset: int, length: int) -> tuple[bytes, bytes] | None:
        blob = self.store.read_entry((offset, length))
        body = opened(blob) if blob is not None else None
        if body is None or len(body) < _LENGTH:
            return None
        split = _LENGTH + int.from_bytes(body[:_LENGTH], "big")
        return body[_LENGTH:split], body[split:]

    def kept(self, slugs: Iterable[str]) -> Known:
        """What the next build may reuse: this build's entries, else the earlier ones, for groups that exist."""
        out: Known = {}
        for slug in slugs:
            entry = self.made.get(slug) or self.known.get(slug)
            if entry is not None:
                out[slug] = entry
        return out
