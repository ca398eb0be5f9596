"""Each group's line of /groups.json and row of /groups.csv, made once per version of its index.json.

The exports list every group, so any edit rewrites them, and making every line again means reading and
parsing every group's index.json. Instead each group's line and row go into the record store, found by
the digest of the index.json they were made from: a rebuild reads again only the groups whose
index.json changed. Like everything in the store, a missing or damaged entry is simply made again.

Better still, an export file is spliced: its layout (the length of each group's piece, the digest of the
groups' order and the file's stamp) is kept beside the cache, and when the groups and their order are the
same as when the file was made, runs of groups whose index.json did not change are ranges of the file as
it stands (a generator.splice.Splice, which the kernel copies); only the changed groups' pieces are read from
the store. A file whose stamp is not the one its layout recorded (altered by hand, or made by another build) is
made whole again.
"""

from __future__ import annotations

import json
import os
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator import exports, routes, sealed
from generator.derive import digest
from generator.records import RecordStore
from generator.sealed import opened, seal
from generator.splice import Span, Splice

Known = dict[str, tuple[str, int, int]]  # slug -> (digest of its index.json, offset, length in the store)
_LENGTH = 4  # bytes of the JSON line's length in front of an entry's body


def lines_of(index_json: bytes) -> tuple[bytes, bytes]:
    """A group's line of groups.json and row of groups.csv, from its index.json."""
    record = json.loads(index_json)
    return exports.json_line(record), exports.csv_row(record)


def entry(line: bytes, row: bytes) -> bytes:
    """The store entry holding a line and a row."""
    return seal(len(line).to_bytes(_LENGTH, "big") + line + row)


@dataclass(frozen=True)
class Layout:
    """How an export file was made: its stamp, the digest of its groups' order and each group's piece length."""

    size: int
    mtime_ns: int
    order: str
    lengths: bytes  # array("I")


Layouts = dict[str, Layout]  # output path -> layout


def load_layouts(path: Path) -> Layouts:
    """The layouts the last build saved, or none if the file is missing or damaged."""
    return sealed.read(path)


def save_layouts(path: Path, layouts: Layouts) -> None:
    sealed.write(path, layouts)


class ExportRows:
    def __init__(self, store: RecordStore, known: Known, digest_of: Callable[[str], str | None],
                 read_output: Callable[[str], bytes], output: Path | None = None,
                 layouts: Layouts | None = None) -> None:
        self.store = store
        self.known = known
        self.digest_of = digest_of  # the content digest of an output of this build, when known
        self.read_output = read_output
        self.made: Known = {}
        self.output = output  # the published site, whose export files may be spliced
        self.layouts: Layouts = layouts or {}  # as the last build left them
        self.made_layouts: dict[str, tuple[str, bytes]] = {}  # path -> order, lengths, for files made here
        self._looked: dict[str, bool] = {}  # slug -> whether its pieces are made again (see _stale)

    def spliced(self, rel: str, slugs: Sequence[str], frame: exports.Frame, line: bool) -> Iterator[bytes] | Splice:
        """The export file `rel`: each group's JSON line (`line`) or CSV row, framed. When the published file's
        layout still holds, it is a Splice of it: runs of groups whose index.json is unchanged are ranges of
        that file, and only the changed groups' pieces are read from the store."""
        order = digest("\n".join(slugs))
        old = self._old_lengths(rel, order, len(slugs))
        parts = self._parts(rel, slugs, frame, line, order, old)
        if old is None or self.output is None:
            return _fresh(parts)
        return Splice(self.output / rel, parts)

    def _parts(self, rel: str, slugs: Sequence[str], frame: exports.Frame, line: bool, order: str,
               old: array[int] | None) -> Iterator[bytes | Span]:
        if not slugs:
            yield frame.empty
            self.made_layouts[rel] = (order, b"")
            return
        yield frame.first
        if old is None:
            lengths = array("I")
            for i, slug in enumerate(slugs):
                if i:
                    yield frame.between
                piece = self.pair(slug)[0 if line else 1]
                lengths.append(len(piece))
                yield piece
        else:
            # Runs of pieces between those made again are ranges of the published file, separators and all: a run
            # from piece a to piece b-1 spans sum(old[a:b]) bytes and the b-a-1 separators between them.
            lengths = array("I", old)
            apart = len(frame.between)
            at = len(frame.first)  # where piece `done` starts in the published file
            done = 0
            for place in [*self._stale(slugs), len(slugs)]:
                if place > done:
                    if done:
                        yield frame.between
                    span = sum(old[done:place]) + (place - done - 1) * apart
                    yield (at, at + span)
                    at += span + apart
                if place == len(slugs):
                    break
                if place:
                    yield frame.between
                piece = self.pair(slugs[place])[0 if line else 1]
                lengths[place] = len(piece)
                yield piece
                at += old[place] + apart
                done = place + 1
        yield frame.last
        self.made_layouts[rel] = (order, lengths.tobytes())

    def _stale(self, slugs: Sequence[str]) -> list[int]:
        """The places of the groups whose pieces are made again (their index.json is not the one their pieces in
        the published export files were made from), each group looked at once for all the files."""
        # A group's piece stands when its index.json is the one the piece was made from. Written out with its
        # lookups bound: this runs once per group (0.15 s at 100,000 groups).
        looked, known, digest_of, json_of = self._looked, self.known, self.digest_of, routes.group_json
        places = []
        for place, slug in enumerate(slugs):
            stale = looked.get(slug)
            if stale is None:
                before = known.get(slug)
                stale = looked[slug] = before is None or before[0] != digest_of(json_of(slug))
            if stale:
                places.append(place)
        return places

    def not_made(self, rel: str) -> None:
        """`rel` was left as published (the preview gave it up): its pieces may be older than the rows known
        after this build, so no layout of it is kept and the next build makes it whole."""
        self.layouts.pop(rel, None)
        self.made_layouts.pop(rel, None)

    def _old_lengths(self, rel: str, order: str, count: int) -> array[int] | None:
        layout = self.layouts.get(rel)
        if layout is None or layout.order != order or self.output is None:
            return None
        lengths = array("I")
        lengths.frombytes(layout.lengths)
        try:
            stat = os.stat(self.output / rel)
        except OSError:
            return None
        if len(lengths) != count or (stat.st_size, stat.st_mtime_ns) != (layout.size, layout.mtime_ns):
            return None
        return lengths

    def layouts_after(self, stamps: Callable[[str], tuple[int, int] | None]) -> Layouts:
        """The layouts to keep for the next build: of the files made here, with their stamps once staged, and
        the earlier ones of files left as they were."""
        out: Layouts = {}
        for rel, layout in self.layouts.items():
            if rel not in self.made_layouts and stamps(rel) == (layout.size, layout.mtime_ns):
                out[rel] = layout
        for rel, (order, lengths) in self.made_layouts.items():
            stamp = stamps(rel)
            if stamp is not None:
                out[rel] = Layout(stamp[0], stamp[1], order, lengths)
        return out

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

    def kept(self, groups: Mapping[str, object]) -> Known:
        """What the next build may reuse: this build's entries, else the earlier ones, for the groups that exist
        (`groups`: keyed by slug, in the site's order; the site's index, rather than a set made of its slugs: 31 ms
        -> 14 ms at 100,000 groups)."""
        exist = groups.keys()
        if exist >= self.known.keys() and exist >= self.made.keys():  # no group gone: every entry, as it is
            return {**self.known, **self.made}
        out: Known = {}
        for slug in groups:
            entry = self.made.get(slug) or self.known.get(slug)
            if entry is not None:
                out[slug] = entry
        return out


def _fresh(parts: Iterator[bytes | Span]) -> Iterator[bytes]:
    for part in parts:
        assert isinstance(part, bytes), "no layout, so no range of the published file"
        yield part
