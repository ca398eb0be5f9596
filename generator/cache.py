"""The build cache: parsed files by stamp, and for every output the fingerprint and stamp it was written with.

It is an optimisation only. A cache that is missing, from another version, or corrupt (a checksum
guards every byte) is ignored, and the build does all the work again.

The state is a base file and a journal. A build that changed little appends what it changed to the journal
(one group edited at 10,000 groups: about 130 KB instead of the whole 11 MB state); once the journal
passes a quarter of the base, the next save writes a new base. Loading replays the journal onto the base.
Before publishing, a build marks the state pending; only a completed save clears the mark, so a build killed
in between leaves a state that is not trusted.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NewType, TypeAlias, TypeVar, cast

from generator import __version__

if TYPE_CHECKING:  # loading them would load Markdown, YAML and Jinja, which a build with nothing to do never needs
    from generator.delta import Last
    from generator.loading import SourceResult
    from generator.plan import GroupJobs
    from generator.unchanged import Scan

FORMAT = 7
# An output's entry: the fingerprint of what it was made from, its content digest and its stamp, packed in one
# bytes object (see `entry`).
Entry = NewType("Entry", bytes)
Parsed: TypeAlias = "dict[str, tuple[tuple[int, int], str, SourceResult]]"  # content path -> stamp, config key, result
Related = tuple[str, tuple[tuple[int, ...], ...]]  # digest of what related groups were chosen from, the choice
V = TypeVar("V")
JOURNAL_SHARE = 4  # the journal is folded into a new base once it passes 1/JOURNAL_SHARE of the base's size


def _code() -> str:
    """The generator's own source: cached records and rendered Markdown are only as good as the code that made them
    (and the classes it pickles are defined there)."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


HEADER = (FORMAT, __version__, _code())


_ENTRY = struct.Struct("<qq16s")  # size, mtime_ns, content digest; the fingerprint follows, in UTF-8
_DIGEST_AT = struct.calcsize("<qq")


def entry(fingerprint: str, digest: str, size: int, mtime_ns: int) -> Entry:
    """An output's entry, packed: a tuple of two strings and two numbers took about 330 bytes and five objects,
    this about 115 and one (at 10,000 groups the entries took 9.0 MB in memory, not 15.6, and are fewer objects
    to unpickle). `digest` is a content digest (generator.writer.content_digest)."""
    return Entry(_ENTRY.pack(size, mtime_ns, bytes.fromhex(digest)) + fingerprint.encode())


def fingerprint_of(entry: Entry) -> str:
    return entry[_ENTRY.size:].decode()


def digest_of(entry: Entry) -> str:
    return entry[_DIGEST_AT:_ENTRY.size].hex()


# The output file's size and mtime_ns when it was written: a method in C, as the checks of the outputs' files call
# it once per output (330,000 at 100,000 groups).
stamp_of = cast(Callable[[Entry], tuple[int, int]], struct.Struct("<qq").unpack_from)


@dataclass(frozen=True)
class Saved:
    """What the state files held when a state was loaded or saved: the next save may append to the journal."""

    token: bytes  # the base file's own token, which every journal entry's checksum covers
    base_size: int
    journal_size: int


@dataclass
class BuildState:
    parsed: Parsed = field(default_factory=dict)
    outputs: dict[str, Entry] = field(default_factory=dict)
    loaded_ok: bool = False
    related: Related | None = None
    exports: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # generator.export_rows.Known
    # Kept in memory only, for the next build of the same process (the preview's): not saved.
    group_jobs: GroupJobs | None = None
    scan: Scan | None = None  # the stamps of the inputs this state was made from
    last: Last | None = None  # what the preview's last build made, for the next to patch (generator.delta)
    # Set when this state is what the files hold (loaded, or saved). A result is never changed in place, so what
    # changed since is told by which results are new objects.
    saved: Saved | None = None


def _output_key(output: Path) -> str:
    return hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()


def state_path(cache_dir: Path, output: Path) -> Path:
    return cache_dir / f"state-{_output_key(output)}.pickle"


def records_path(cache_dir: Path, output: Path) -> Path:
    """The record store (generator.records) that goes with the state of the same output."""
    return cache_dir / f"records-{_output_key(output)}.bin"


def layouts_path(cache_dir: Path, output: Path) -> Path:
    """The layouts of the export files (generator.export_rows) of the last build into the same output."""
    return cache_dir / f"exports-{_output_key(output)}.layout"


def plan_memo_path(cache_dir: Path, output: Path) -> Path:
    """What the last command-line build's plan left for the next into the same output (generator.plan_memo)."""
    return cache_dir / f"plan-{_output_key(output)}.memo"


def search_parts_path(cache_dir: Path, output: Path, part: str) -> Path:
    """Parts of the search index (generator.search.known) from the last build into the same output."""
    return cache_dir / f"search-{part}-{_output_key(output)}.bin"


def manifest_path(cache_dir: Path, output: Path) -> Path:
    """The manifest (generator.manifest) of the last clean build into the same output."""
    return cache_dir / f"manifest-{_output_key(output)}.txt"


_CHECKSUM = 32
_TOKEN = 16
_LENGTH = 8
_CHUNK = 1 << 20


def journal_path(path: Path) -> Path:
    return path.with_suffix(".journal")


def pending_path(path: Path) -> Path:
    return path.with_suffix(".pending")


class GaveUp(Exception):
    """Loading the state stopped because its caller said so (see load_state)."""


def load_state(path: Path, give_up: Callable[[], bool] | None = None) -> BuildState:
    """The state in `path` with its journal replayed, or an empty state when it is missing, damaged, pending
    or of another version. `give_up` is asked between runs of items (generator.early loads the state before it
    knows whether the build needs it): once it says so, GaveUp is raised.

    The base is read twice rather than held whole in memory (at a million groups it is over a gigabyte): its
    checksum is worked out by a thread while this one unpickles it (hashing lets go of the interpreter lock), and
    nothing unpickled is used unless the checksum matches.
    """
    if pending_path(path).exists():
        return BuildState()
    checked: list[bool] = []
    checker: threading.Thread | None = None
    stop = threading.Event()  # set when loading gives up: the checksum is not needed either
    try:
        with path.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            if size <= _TOKEN + _CHECKSUM:
                return BuildState()
            checker = threading.Thread(target=lambda: checked.append(_file_checksum_matches(path, size, stop)))
            checker.start()
            token = stream.read(_TOKEN)
            header, related = pickle.load(stream)
            if header != HEADER:
                return BuildState()
            parsed, outputs, exports = (_load_in_runs(stream, give_up), _load_in_runs(stream, give_up),
                                        _load_in_runs(stream, give_up))
        checker.join()
        if checked != [True]:
            return BuildState()
        state = BuildState(parsed, outputs, True, related, exports)
        journal = _replay(journal_path(path), token, state)
    except GaveUp:
        stop.set()
        raise
    except Exception:
        return BuildState()
    finally:
        if checker is not None:
            checker.join()
    if journal is None:
        return BuildState()
    state.saved = Saved(token, size, journal)
    return state


def _file_checksum_matches(path: Path, size: int, stop: threading.Event | None = None) -> bool:
    try:
        with path.open("rb") as stream:
            return _checksum_matches(stream, size - _CHECKSUM, stop)
    except OSError:
        return False


def _checksum_matches(stream: BinaryIO, length: int, stop: threading.Event | None = None) -> bool:
    """Whether the `length` bytes from the stream's position are followed by their checksum (False once `stop` is
    set)."""
    hasher = hashlib.blake2b(digest_size=_CHECKSUM)
    left = length
    while left > 0:
        if stop is not None and stop.is_set():
            return False
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return False
        hasher.update(chunk)
        left -= len(chunk)
    return stream.read(_CHECKSUM) == hasher.digest()


Changes = tuple[Parsed, list[str], dict[str, Entry], list[str], dict[str, tuple[str, int, int]], list[str],
                tuple[Related | None] | None]  # the last: the related groups, when they changed


def _replay(journal: Path, token: bytes, state: BuildState) -> int | None:
    """Apply every journal entry to `state`; the journal's length, or None if any entry is damaged."""
    try:
        data = journal.read_bytes()
    except FileNotFoundError:
        return 0
    at = 0
    while at < len(data):
        length = int.from_bytes(data[at:at + _LENGTH], "big")
        body = data[at + _LENGTH:at + _LENGTH + length]
        check = data[at + _LENGTH + length:at + _LENGTH + length + _CHECKSUM]
        if len(body) != length or check != hashlib.blake2b(token + body, digest_size=_CHECKSUM).digest():
            return None
        _apply(state, pickle.loads(body))
        at += _LENGTH + length + _CHECKSUM
    return at


def _apply(state: BuildState, changes: Changes) -> None:
    parsed, parsed_gone, outputs, outputs_gone, exports, exports_gone, related = changes
    _update(state.parsed, parsed, parsed_gone)
    _update(state.outputs, outputs, outputs_gone)
    _update(state.exports, exports, exports_gone)
    if related is not None:
        state.related = related[0]


def _update(table: dict[str, V], updated: dict[str, V], gone: list[str]) -> None:
    table.update(updated)
    for key in gone:
        del table[key]


def _changes(old: BuildState, new: BuildState, recorded: Iterable[str] | None = None,
             removed: Iterable[str] | None = None, fresh: Iterable[str] | None = None) -> Changes:
    """What turns `old` into `new`. Results are compared by identity (they are never changed in place),
    outputs and export rows by value. `recorded`, when given, holds every output whose entry in `new` may not be
    its very entry in `old` (the others are looked at no further: 330,000 outputs at 100,000 groups); `removed`,
    the outputs of `old` that `new` lacks (else they are found by comparing the two's every output); `fresh`, when
    `new` has `old`'s very content paths, those whose entries may not be `old`'s very entries."""
    parsed = {path: entry for path, entry in (new.parsed.items() if fresh is None else
                                              ((path, new.parsed[path]) for path in fresh))
              if (was := old.parsed.get(path)) is not entry
              and (was is None or was[2] is not entry[2] or was[:2] != entry[:2])}
    outputs = {path: entry for path in (new.outputs if recorded is None else recorded)
               if (entry := new.outputs.get(path)) is not None and old.outputs.get(path) != entry}
    exports = {slug: entry for slug, entry in new.exports.items()
               if (before := old.exports.get(slug)) is not entry and before != entry}
    related = (new.related,) if (new.related and new.related[0]) != (old.related and old.related[0]) else None
    gone = list(old.outputs.keys() - new.outputs.keys()) if removed is None else list(removed)
    parsed_gone = list(old.parsed.keys() - new.parsed.keys()) if fresh is None else []
    return (parsed, parsed_gone, outputs, gone,
            exports, list(old.exports.keys() - new.exports.keys()), related)


class _HashingWriter:
    """A file that also hashes what is written to it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.hasher = hashlib.blake2b(digest_size=_CHECKSUM)

    def write(self, data: bytes) -> int:
        self.hasher.update(data)
        return self.stream.write(data)


def save_state(path: Path, state: BuildState, previous: BuildState | None = None,
               recorded: Iterable[str] | None = None, removed: Iterable[str] | None = None,
               fresh: Iterable[str] | None = None) -> None:
    """Save the state: as an entry appended to the journal when `previous` is what the files hold and the
    journal stays small, else as a new base. Clears the pending mark. `recorded`: when the caller knows them, the
    outputs whose entries may differ from `previous`'s (every other output's is `previous`'s very entry, or
    gone); `removed`: when the caller knows them, the outputs `previous` has and `state` has not (a set
    difference of every output's path costs 50 ms at 100,000 groups); `fresh`: when `state` has `previous`'s very
    content paths, those whose parsed entries may not be `previous`'s (comparing every content file's entry took
    57 ms at 100,000 groups, these alone 19 ms)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", "utf-8")
    appended = None
    if previous is not None and previous.saved is not None and _holds(path, previous.saved):
        changes = _changes(previous, state, recorded, removed, fresh)
        # Worth pickling only if it could fit the journal's share: a template edit changes most outputs.
        parsed, parsed_gone, outputs, outputs_gone, exports, exports_gone, _ = changes
        changed = sum(map(len, (parsed, parsed_gone, outputs, outputs_gone, exports, exports_gone)))
        entries = len(state.parsed) + len(state.outputs) + len(state.exports)
        if changed * JOURNAL_SHARE <= entries:
            appended = _append(path, previous.saved, changes)
    state.saved = appended or _write_base(path, state)
    pending_path(path).unlink(missing_ok=True)


def _holds(path: Path, saved: Saved) -> bool:
    """Whether the files are still those `saved` describes (no other build saved meanwhile)."""
    try:
        with path.open("rb") as stream:
            if os.fstat(stream.fileno()).st_size != saved.base_size or stream.read(_TOKEN) != saved.token:
                return False
        journal = journal_path(path)
        return (journal.stat().st_size if journal.exists() else 0) == saved.journal_size
    except OSError:
        return False


def _append(path: Path, saved: Saved, changes: Changes) -> Saved | None:
    """Append `changes` to the journal, unless that would take it past its share of the base."""
    body = pickle.dumps(changes, protocol=pickle.HIGHEST_PROTOCOL)
    entry = len(body).to_bytes(_LENGTH, "big") + body + hashlib.blake2b(saved.token + body,
                                                                         digest_size=_CHECKSUM).digest()
    if (saved.journal_size + len(entry)) * JOURNAL_SHARE > saved.base_size:
        return None
    with journal_path(path).open("ab") as stream:
        stream.write(entry)
    return Saved(saved.token, saved.base_size, saved.journal_size + len(entry))


RUN = 2000  # dictionary items per pickle in a base file


def _dump_in_runs(pickler: pickle.Pickler, part: dict[Any, Any]) -> None:
    """A dictionary as its length, then pickles of at most RUN items each.

    One pickle of the whole state kept a memo entry for every object in it until the end: 190 MiB more at
    100,000 groups, the build's peak. A pickle per run of items forgets each run's objects once it is written
    (64 MiB more, and 2.6 s rather than 4.6 s); what runs share (a configuration digest) is written once a run.
    """
    _dump(pickler, len(part))
    items = iter(part.items())
    while run := list(itertools.islice(items, RUN)):
        _dump(pickler, run)


def _dump(pickler: pickle.Pickler, value: object) -> None:
    """One pickle that stands alone (each is read back by an unpickler of its own)."""
    pickler.dump(value)
    pickler.clear_memo()


def _load_in_runs(stream: BinaryIO, give_up: Callable[[], bool] | None = None) -> dict[Any, Any]:
    count = pickle.load(stream)
    part: dict[Any, Any] = {}
    while len(part) < count:
        if give_up is not None and give_up():
            raise GaveUp
        run = pickle.load(stream)
        if not run:
            raise ValueError("an empty run")
        part.update(run)
    if len(part) != count:
        raise ValueError("a run repeats a key")
    return part


def _write_base(path: Path, state: BuildState) -> Saved:
    """Pickle the state straight into a new base file (never whole in memory), with a new token and followed
    by its checksum; the old journal goes."""
    token = os.urandom(_TOKEN)
    temp = path.with_suffix(f".tmp{os.getpid()}")
    try:
        with temp.open("wb") as stream:
            writer = _HashingWriter(stream)
            writer.write(token)
            pickler = pickle.Pickler(writer, protocol=pickle.HIGHEST_PROTOCOL)
            _dump(pickler, (HEADER, state.related))
            for part in (state.parsed, state.outputs, state.exports):
                _dump_in_runs(pickler, part)
            stream.write(writer.hasher.digest())
            size = stream.tell()
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    journal_path(path).unlink(missing_ok=True)
    return Saved(token, size, 0)


def forget(path: Path) -> None:
    """Mark the state pending before publishing, so a build killed before its save is never trusted."""
    if path.exists():
        pending_path(path).touch()
