"""An output made of byte ranges of the file as published and fresh pieces between them, staged without
passing the ranges through Python, and identified without hashing them.

After one group's edit at 100,000 groups, /groups.csv (220 MB) is all ranges of the published file but one
row; staging it by reading, joining, writing and hashing every byte took about a second of the build. Here
the ranges are copied by the kernel (`os.copy_file_range`, or read and written where it is not available),
and the staged file's digest is derived rather than computed: it is a digest of the published file's digest
and of the recipe (each range's offsets, each fresh piece's bytes). Two files with the same derived digest
were made by the same recipe from the same file, so they hold the same bytes, which is all a digest is used
for (telling whether an output's bytes changed). The converse does not hold (a recipe that happens to make
the published bytes again gets a new digest), so the staging also checks whether the file it made is the
published one byte for byte, and says so: then nothing is written.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

Span = tuple[int, int]  # [start, end) of the published file
_COPY = 1 << 20  # bytes read at a time where ranges are read rather than copied by the kernel
_HELD = 1 << 16  # fresh bytes held before they are written
_PERSON = b"groupdir-splice"  # keeps derived digests apart from content digests
# What copy_file_range raises where the kernel or file system cannot do it: the ranges are read and written.
_NOT_COPIED = frozenset({errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM})


@dataclass(frozen=True)
class Splice:
    """An output's bytes: fresh pieces and Spans of `source` (the output as published), in order."""

    source: Path
    parts: Iterable[bytes | Span]


def read(splice: Splice) -> Iterator[bytes]:
    """The splice's bytes, every range read (for a build that must hash them: see `stage`)."""
    handle = os.open(splice.source, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        for part in splice.parts:
            if isinstance(part, bytes):
                yield part
            else:
                yield from _ranges(handle, *part, splice.source)
    finally:
        os.close(handle)


def _ranges(handle: int, start: int, end: int, source: Path) -> Iterator[bytes]:
    while start < end:
        chunk = os.pread(handle, min(_COPY, end - start), start)
        if not chunk:
            raise OSError(f"{source} is shorter than its layout says")
        yield chunk
        start += len(chunk)


def stage(splice: Splice, target: Path, base: bytes) -> tuple[str, bool]:
    """Write the splice to `target`; its derived digest (`base`: the digest of the source's bytes) and whether
    it holds exactly the source's bytes (the caller then keeps the source and drops `target`)."""
    hasher = hashlib.blake2b(base, digest_size=16, person=_PERSON)
    target.parent.mkdir(parents=True, exist_ok=True)
    source = os.open(splice.source, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        made = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            copier = _Copier(source, made, splice.source)
            at = 0  # where the next part starts in the file made
            same = True  # so far, the file made is the source's first `at` bytes
            for part in splice.parts:
                if isinstance(part, bytes):
                    hasher.update(b"b%d:" % len(part))
                    hasher.update(part)
                    same = same and os.pread(source, len(part), at) == part
                    copier.hold(part)
                    at += len(part)
                else:
                    start, end = part
                    hasher.update(b"r%d-%d:" % part)
                    same = same and start == at
                    copier.copy(start, end)
                    at += end - start
            copier.flush()
            same = same and at == os.fstat(source).st_size
        finally:
            os.close(made)
    finally:
        os.close(source)
    return hasher.hexdigest(), same


class _Copier:
    """Fresh bytes held and written in batches; ranges copied by the kernel where it can."""

    def __init__(self, source: int, made: int, path: Path) -> None:
        self.source, self.made, self.path = source, made, path
        self.held: list[bytes] = []
        self.length = 0
        self.kernel = hasattr(os, "copy_file_range")

    def hold(self, data: bytes) -> None:
        self.held.append(data)
        self.length += len(data)
        if self.length >= _HELD:
            self.flush()

    def flush(self) -> None:
        if self.held:
            _write_all(self.made, b"".join(self.held))
            self.held.clear()
            self.length = 0

    def copy(self, start: int, end: int) -> None:
        self.flush()
        while self.kernel and start < end:
            try:
                copied = os.copy_file_range(self.source, self.made, end - start, start)
            except OSError as exc:
                if exc.errno not in _NOT_COPIED:
                    raise
                self.kernel = False
                break
            if copied == 0:
                raise OSError(f"{self.path} is shorter than its layout says")
            start += copied
        for chunk in _ranges(self.source, start, end, self.path):
            _write_all(self.made, chunk)


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]
