"""The build cache: parsed files by stamp, and for every output the fingerprint and stamp it was written with.

It is an optimisation only. A cache that is missing, from another version, or corrupt (a checksum
guards every byte) is ignored, and the build does all the work again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from generator import __version__
from generator.diagnostics import Diagnostic
from generator.loading import SourceResult
from generator.model import Card, Document, Group, Rejected, SourceRef
from generator.plan import GroupJobs

FORMAT = 5
Entry = tuple[str, str, int, int]  # fingerprint, content digest, size, mtime_ns


def _layout() -> str:
    """The field layout of every class the cache pickles: a change in any of them invalidates the cache."""
    classes = (Card, Document, Group, Rejected, SourceRef, SourceResult, Diagnostic)
    text = repr([(c.__name__, [f.name for f in dataclasses.fields(c)]) for c in classes])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _code() -> str:
    """The generator's own source: cached records and rendered Markdown are only as good as the code that made them."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


HEADER = (FORMAT, __version__, _layout(), _code())



@dataclass
class BuildState:
    parsed: dict[str, tuple[tuple[int, int], str, SourceResult]] = field(default_factory=dict)
    outputs: dict[str, Entry] = field(default_factory=dict)
    loaded_ok: bool = False
    related: tuple[str, tuple[tuple[int, ...], ...]] | None = None
    exports: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # generator.export_rows.Known
    # Kept in memory only, for the next build of the same process (the preview's): not saved.
    group_jobs: GroupJobs | None = None


def _output_key(output: Path) -> str:
    return hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()


def state_path(cache_dir: Path, output: Path) -> Path:
    return cache_dir / f"state-{_output_key(output)}.pickle"


def records_path(cache_dir: Path, output: Path) -> Path:
    """The record store (generator.records) that goes with the state of the same output."""
    return cache_dir / f"records-{_output_key(output)}.bin"


def manifest_path(cache_dir: Path, output: Path) -> Path:
    """The manifest (generator.manifest) of the last clean build into the same output."""
    return cache_dir / f"manifest-{_output_key(output)}.txt"


_CHECKSUM = 32
_CHUNK = 1 << 20


def load_state(path: Path) -> BuildState:
    """The state in `path`, or an empty state when it is missing, damaged or of another version.

    The file is read twice (checksum, then unpickling) rather than held whole in memory: at a million groups
    it is over a gigabyte.
    """
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size <= _CHECKSUM or not _checksum_matches(stream, size - _CHECKSUM):
                return BuildState()
            stream.seek(0)
            header, parsed, outputs, related, exports = pickle.load(stream)
    except Exception:
        return BuildState()
    if header != HEADER:
        return BuildState()
    return BuildState(parsed, outputs, True, related, exports)


def _checksum_matches(stream: BinaryIO, length: int) -> bool:
    hasher = hashlib.blake2b(digest_size=_CHECKSUM)
    left = length
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return False
        hasher.update(chunk)
        left -= len(chunk)
    return stream.read(_CHECKSUM) == hasher.digest()


class _HashingWriter:
    """A file that also hashes what is written to it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.hasher = hashlib.blake2b(digest_size=_CHECKSUM)

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self.stream.write(data)


def save_state(path: Path, state: BuildState) -> None:
    """Pickle the state straight into the file (never whole in memory), followed by its checksum."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", "utf-8")
    temp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        with temp.open("wb") as stream:
            writer = _HashingWriter(stream)
            pickle.dump((HEADER, state.parsed, state.outputs, state.related, state.exports), writer,
                        protocol=pickle.HIGHEST_PROTOCOL)
            stream.write(writer.hasher.digest())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def forget(path: Path) -> None:
    """Drop the state before publishing, so a build killed mid-publish is never trusted afterwards."""
    path.unlink(missing_ok=True)
