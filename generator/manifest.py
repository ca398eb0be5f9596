"""What the last build read and wrote, in two digests, so that a build with nothing to do stops at once.

The inputs digest covers the stamp (size, modification time) of every file a build reads (site.yaml,
every content file, every file of every theme folder in the chain), the options that change the output
and the cache header, which includes a digest of groupdir's own code. The outputs digest covers the
stamp of every file in the output folder. When both match the manifest the last build left, the output
is exactly what a full build would write, and the build ends after a directory scan (of the output
folder by as many processes as the build has workers, once it holds 20,000 files or more).

A build writes the manifest only when it succeeded without a single diagnostic (so a no-op build reports
nothing it should repeat), and every build drops it before it publishes anything.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.sources import SourceFile
from generator.writer import MARKER, file_stamps

CONFIG_FILE = "site.yaml"


@dataclass(frozen=True)
class Manifest:
    inputs: str
    outputs: str
    records: int
    files: int

    def dump(self) -> str:
        return f"groupdir-manifest 1\n{self.inputs}\n{self.outputs}\n{self.records}\n{self.files}\n"

    @classmethod
    def parse(cls, text: str) -> Manifest | None:
        lines = text.split("\n")
        if len(lines) != 6 or lines[0] != "groupdir-manifest 1" or lines[5] != "":
            return None
        try:
            return cls(lines[1], lines[2], int(lines[3]), int(lines[4]))
        except ValueError:
            return None


def read(path: Path) -> Manifest | None:
    try:
        return Manifest.parse(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def write(path: Path, manifest: Manifest) -> None:
    temp = path.with_suffix(f".tmp{os.getpid()}")
    temp.write_text(manifest.dump(), "utf-8")
    os.replace(temp, path)


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)


def stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def inputs_digest(options_key: str, config_stamp: tuple[int, int], sources: Iterable[SourceFile],
                  theme_folders: Iterable[Path]) -> str:
    """A digest of the options and of the stamp of every file a build reads."""
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"{options_key}\0{config_stamp}\n".encode())
    for source in sources:
        hasher.update(f"{source.path}\0{source.size}\0{source.mtime_ns}\n".encode())
    for folder in theme_folders:
        for rel, size, mtime in file_stamps(folder):
            hasher.update(f"{folder}\0{rel}\0{size}\0{mtime}\n".encode())
    return hasher.hexdigest()


def outputs_digest(stamps: Iterable[tuple[str, int, int]]) -> str:
    """A digest of a set of (path, size, mtime_ns) output stamps, the same whatever their order or split."""
    total, count = stamp_sum(stamps)
    return f"{count}:{total:032x}"


def outputs_digest_after(previous: str, gone: Iterable[tuple[str, int, int]],
                         added: Iterable[tuple[str, int, int]]) -> str | None:
    """outputs_digest() of a set of stamps, from that of the set before (`previous`), the stamps it lost and
    those it gained: a build that changed a few files hashes those, not all of them (0.35 s at 330,000
    outputs). None if `previous` is not such a digest."""
    count_text, _, total_text = previous.partition(":")
    try:
        count, total = int(count_text), int(total_text, 16)
    except ValueError:
        return None
    lost, lost_count = stamp_sum(gone)
    gained, gained_count = stamp_sum(added)
    return f"{count - lost_count + gained_count}:{(total - lost + gained) % _MODULUS:032x}"


def stamp_sum(stamps: Iterable[tuple[str, int, int]]) -> tuple[int, int]:
    """The sum (modulo 2**128) of a hash of each stamp, and their number.

    A sum rather than a hash of the sorted list, so that parts of a folder can be summed apart, in parallel,
    and added up; any change to one stamp changes the sum (short of a 2**-128 chance).
    """
    total = 0
    count = 0
    for rel, size, mtime in stamps:
        total += int.from_bytes(hashlib.blake2b(f"{rel}\0{size}\0{mtime}".encode(), digest_size=16).digest(), "big")
        count += 1
    return total % _MODULUS, count


_MODULUS = 1 << 128


def folder_digest(output: Path, workers: int = 1) -> str:
    """outputs_digest() of every file in an output folder, its marker aside; with `workers` over 1, its
    sub-subfolders (one per group page, at the largest sites) are stamped by that many processes, which a
    file-system walk keeps busy in the kernel as much as in Python."""
    top: list[tuple[str, int, int]] = []
    folders: list[tuple[str, str]] = []
    for entry in _entries(str(output)):
        if entry.is_dir(follow_symlinks=False):
            for inner in _entries(entry.path):
                rel = f"{entry.name}/{inner.name}"
                if inner.is_dir(follow_symlinks=False):
                    folders.append((rel + "/", inner.path))
                else:
                    top.append(_stamp(rel, inner))
        elif entry.name != MARKER:
            top.append(_stamp(entry.name, entry))
    total, count = stamp_sum(top)
    shares = [folders[i::workers] for i in range(workers)] if workers > 1 else [folders]
    sums: Iterable[tuple[int, int]]
    if len(shares) == 1:
        sums = map(_share_sum, shares)
    else:
        import multiprocessing  # only here: a build with nothing to do on a small site never needs it

        with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
            sums = pool.map(_share_sum, shares)
    for part, number in sums:
        total += part
        count += number
    return f"{count}:{total % _MODULUS:032x}"


def _entries(path: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(path) as found:
            return list(found)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _stamp(rel: str, entry: os.DirEntry[str]) -> tuple[str, int, int]:
    stat = entry.stat(follow_symlinks=False)
    return (rel, stat.st_size, stat.st_mtime_ns)


def _share_sum(folders: list[tuple[str, str]]) -> tuple[int, int]:
    total = 0
    count = 0
    for prefix, path in folders:
        part, number = stamp_sum(file_stamps(path, prefix))
        total += part
        count += number
    return total, count
