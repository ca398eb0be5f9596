"""Atomic output: a build writes changed files into a staging folder and publishes only on success.

The previous site stays complete until publishing, which moves the staged files into place and deletes
what the site no longer produces. Publishing is journalled (a ready marker and a list of removals), so a
build killed while publishing is finished by the next build before it starts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from typing import NamedTuple

from generator.tuple_records import unpickled_in_c

READY = ".groupdir-ready"
REMOVALS = ".groupdir-removals"
MARKER = ".groupdir-output"
STREAM_BLOCK = 1 << 20  # bytes of a streamed output hashed and written at a time


class OutputError(Exception):
    pass


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@unpickled_in_c
class Written(NamedTuple):
    """An output as staged, or as it stands (`wrote` False). A named tuple unpickled in C: the process making the
    search index sends one back for each of its files (13,000 at 100,000 groups: sent in 28 ms and received in
    25 ms as slotted dataclasses)."""

    path: str
    digest: str
    size: int
    mtime_ns: int
    wrote: bool


def staging_for(output: Path) -> Path:
    return output.parent / f".{output.name}.staging"


def check_output_folder(output: Path) -> None:
    """Refuse to manage a non-empty folder that groupdir did not make (pruning would delete its files)."""
    if output.exists() and not output.is_dir():
        raise OutputError(f"output '{output}' exists and is not a folder")
    if not (output / MARKER).exists() and holds_files(output):
        raise OutputError(f"output folder '{output}' is not empty and was not made by groupdir; "
                          "choose an empty or new folder")


def holds_files(output: Path) -> bool:
    """Whether the output folder exists and holds anything."""
    return output.is_dir() and any(output.iterdir())


def recover(output: Path) -> None:
    """Finish a publish that a killed build left half done, or drop an unfinished staging folder."""
    staging = staging_for(output)
    if not staging.exists():
        return
    if (staging / READY).exists():
        _move_all(staging, output)
        _remove(output, _read_removals(staging))
    shutil.rmtree(staging, ignore_errors=True)


def stage(staging: Path, path: str, data: bytes, digest: str | None = None) -> Written:
    """Write one output into staging (`digest`: its content_digest, when the caller has it). Written straight,
    with plain string paths: its folder is only made when the open finds it missing (a group's three files share
    one), which at a million files saves millions of system calls and Path objects."""
    target = os.path.join(staging, path)
    try:
        handle = _create(target)
    except FileNotFoundError:
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            handle = _create(target)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(f"cannot write '{path}': a parent of it is a file") from None
    except NotADirectoryError:
        raise OutputError(f"cannot write '{path}': a parent of it is a file") from None
    try:
        with memoryview(data) as view:
            while view:
                view = view[os.write(handle, view):]
        stat = os.fstat(handle)
    finally:
        os.close(handle)
    return Written(path, digest or content_digest(data), stat.st_size, stat.st_mtime_ns, True)


def _create(target: str) -> int:
    return os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)


def stage_stream(staging: Path, path: str, chunks: Iterable[bytes]) -> Written:
    """Stage a large output from chunks, hashing as it goes, so it never sits whole in memory.

    Chunks are joined into blocks of STREAM_BLOCK bytes; each block is hashed by a thread while this one writes
    it and makes the next (both let go of the interpreter lock): the 220 MB /groups.csv of 100,000 groups took
    0.3 s to hash and as long to write, on every edit. (A thread for each chunk, a group's row, cost more.)"""
    # Imported here: this module is loaded by the check for a build with nothing to do, which has no thread to
    # start and should not pay for importing concurrent.futures (and logging with it).
    from concurrent.futures import Future, ThreadPoolExecutor

    target = staging / path
    target.parent.mkdir(parents=True, exist_ok=True)
    hasher = hashlib.blake2b(digest_size=16)
    with ThreadPoolExecutor(1) as hashing, target.open("wb") as handle:
        hashed: Future[None] | None = None
        for block in _blocks(chunks, STREAM_BLOCK):
            if hashed is not None:
                hashed.result()  # in order: one block at a time
            hashed = hashing.submit(hasher.update, block)
            handle.write(block)
        if hashed is not None:
            hashed.result()
    stat = target.stat()
    return Written(path, hasher.hexdigest(), stat.st_size, stat.st_mtime_ns, True)


def _blocks(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    """The chunks joined into blocks of at least `size` bytes (the last may be shorter; none is empty)."""
    held: list[bytes] = []
    length = 0
    for chunk in chunks:
        held.append(chunk)
        length += len(chunk)
        if length >= size:
            yield b"".join(held)
            held.clear()
            length = 0
    if length:
        yield b"".join(held)


def existing_digest(output: Path, path: str) -> tuple[str, int, int] | None:
    """Digest and stamp of a file already in the output, or None."""
    try:
        handle = os.open(os.path.join(output, path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        stat = os.fstat(handle)
        if not S_ISREG(stat.st_mode):
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read()
    finally:
        os.close(handle)
    return content_digest(data), stat.st_size, stat.st_mtime_ns


def publish(output: Path, staging: Path, removals: list[str]) -> None:
    """Move staged files into the output and delete removals; the ready marker makes it restartable."""
    (staging / MARKER).write_bytes(b"groupdir output folder\n")
    if not holds_files(output):
        # A first build: the staging folder becomes the output in one rename.
        if output.exists():
            output.rmdir()
        os.replace(staging, output)
        return
    (staging / REMOVALS).write_text("\n".join(removals), "utf-8")
    (staging / READY).write_bytes(b"")
    _move_all(staging, output)
    _remove(output, removals)
    shutil.rmtree(staging, ignore_errors=True)


HOLD_MIN = 1 << 20  # bytes from which a file a publish replaces or removes is held open and let go beside
HOLD_MAX = 256  # files held at most (the largest), well under any limit on open files


class Held:
    """Files about to be replaced or removed, held open so that publishing does not free them.

    The kernel frees a file's blocks and cached pages when its last name and its last descriptor go, in the
    process that lets go of it: replacing a 27 MB export took 23 ms, a page of 70 KB 0.1 ms. Held, the files
    are freed when `let_go` closes them, in a thread of its own while the build goes on (saving its state);
    `wait` is for that thread to be done. Either way the files are gone once the process ends.
    """

    def __init__(self, descriptors: list[int]) -> None:
        self._descriptors = descriptors
        self._closing: threading.Thread | None = None

    def let_go(self) -> None:
        if self._descriptors and self._closing is None:
            self._closing = threading.Thread(target=self._close, name="groupdir-let-go", daemon=True)
            self._closing.start()

    def wait(self) -> None:
        if self._closing is None:
            self._close()
        else:
            self._closing.join()

    def _close(self) -> None:
        while self._descriptors:
            os.close(self._descriptors.pop())


class WrittenBack:
    """Large staged files handed to the disk by a thread while the build goes on, before they are published.

    ext4 (the default file system on Linux) starts writing a file's data out when a rename replaces another file
    with it, so that a crash cannot leave the new name holding nothing: publishing a 220 MB /groups.csv over the
    last one took 86-88 ms of a one-group rebuild at 100,000 groups, in the rename (17-23 ms for all 31 renames
    with this). Here each such file's writing out is started as soon as it is staged whole (`add`: the build gives
    the large files that will replace a published one), by the C library's sync_file_range, which returns once
    the data is on its way, as the rename's own start would; the rename then has nothing left to start. Elsewhere
    than Linux nothing is done. `wait` before publishing.
    """

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []

    def add(self, path: str) -> None:
        if not sys.platform.startswith("linux"):
            return
        thread = threading.Thread(target=_write_back, args=(path,), name="groupdir-write-back", daemon=True)
        thread.start()  # a thread each: they are few (the large files of a build)
        self._threads.append(thread)

    def wait(self) -> None:
        while self._threads:
            self._threads.pop().join()


_SYNC_FILE_RANGE_WRITE = 2  # start writing out the dirty pages of the range; do not wait for them


def _write_back(path: str) -> bool:
    """Start writing out `path`'s data; whether that was started (an optimisation only: else the rename does)."""
    try:
        import ctypes  # here: only builds with large files need it, and the thread loads it

        start = ctypes.CDLL(None, use_errno=True).sync_file_range
        start.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except (OSError, AttributeError):
        return False
    try:
        return bool(start(handle, 0, 0, _SYNC_FILE_RANGE_WRITE) == 0)  # the interpreter lock is let go meanwhile
    finally:
        os.close(handle)


def hold(output: Path, sizes: Iterable[tuple[str, int]]) -> Held:
    """The files among `sizes` (an output's relative path, its size as last written) of at least HOLD_MIN bytes,
    the largest HOLD_MAX of them, held open (those that cannot be opened are left out)."""
    large = sorted(((size, rel) for rel, size in sizes if size >= HOLD_MIN), reverse=True)[:HOLD_MAX]
    descriptors: list[int] = []
    for _, rel in large:
        try:
            descriptors.append(os.open(output / rel, os.O_RDONLY | os.O_CLOEXEC))
        except OSError:
            continue
    return Held(descriptors)


def _read_removals(staging: Path) -> list[str]:
    try:
        return [line for line in (staging / REMOVALS).read_text("utf-8").splitlines() if line]
    except FileNotFoundError:
        return []


def _move_all(staging: Path, output: Path) -> None:
    """Move every staged file into place: a folder the output lacks in one rename, other files one by one, and
    each staged folder removed once emptied (a template edit at 100,000 groups moves 100,000 files)."""
    _move_tree(str(staging), str(output), top=True)


def _move_tree(source: str, target: str, *, top: bool = False) -> None:
    with os.scandir(source) as found:
        entries = sorted(found, key=lambda entry: entry.name)
    for entry in entries:
        destination = os.path.join(target, entry.name)
        if entry.is_dir(follow_symlinks=False):
            try:
                is_folder = S_ISDIR(os.lstat(destination).st_mode)
            except FileNotFoundError:
                os.replace(entry.path, destination)
                continue
            if is_folder:
                _move_tree(entry.path, destination)
            else:  # a file where the new site has a folder
                os.unlink(destination)
                os.replace(entry.path, destination)
        elif not (top and entry.name in (READY, REMOVALS)):
            try:
                os.replace(entry.path, destination)
            except IsADirectoryError:  # a folder where the new site has a file
                shutil.rmtree(destination)
                os.replace(entry.path, destination)
    if not top:
        os.rmdir(source)


def _remove(output: Path, removals: list[str]) -> None:
    parents: set[Path] = set()
    for rel in removals:
        target = output / rel
        try:
            target.unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            continue
        parents.add(target.parent)
    # Remove folders left empty, deepest first, never the output itself.
    for folder in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        while folder != output and output in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


def all_files(output: Path) -> list[str]:
    """Every file in an output folder but its marker, relative and sorted, for pruning when no state is trusted.
    Named from the folders' listings alone (no file is stat'ed: 1.5 s rather than 2.5 s for 330,000 files)."""
    return sorted(rel for rel, _ in _files(output) if rel != MARKER)


def file_stamps(folder: Path | str, prefix: str = "") -> list[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every file under a folder, symlinks not followed, in no set order;
    `prefix` goes in front of each relative path."""
    found: list[tuple[str, int, int]] = []
    for rel, entry in _files(folder, prefix):
        st = entry.stat(follow_symlinks=False)
        found.append((rel, st.st_size, st.st_mtime_ns))
    return found


def _files(folder: Path | str, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """(relative path, directory entry) of every file under a folder (anything but a folder: symlinks are not
    followed), in no set order; `prefix` goes in front of each relative path."""
    todo = [(prefix, str(folder))]
    while todo:
        prefix, path = todo.pop()
        try:
            entries = list(os.scandir(path))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                todo.append((rel + "/", entry.path))
            else:
                yield rel, entry
