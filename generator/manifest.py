"""What the last build read and wrote, in two digests, so that a build with nothing to do stops at once.

The inputs digest covers the stamp (size, modification time) of every file a build reads (site.yaml,
every content file, every file of every theme folder in the chain), the options that change the output
and the cache header, which includes a digest of groupdir's own code. The outputs digest covers the
stamp of every file in the output folder. When both match the manifest the last build left, the output
is exactly what a full build would write, and the build ends after a directory scan.

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
from generator.writer import file_stamps

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
    """A digest of (path, size, mtime_ns) of output files, in path order."""
    hasher = hashlib.blake2b(digest_size=16)
    # As strings, not tuples: a list of strings sorts several times faster.
    lines = sorted([f"{rel}\0{size}\0{mtime}" for rel, size, mtime in stamps])
    for start in range(0, len(lines), _SLICE):
        hasher.update("\n".join(lines[start:start + _SLICE]).encode())
        hasher.update(b"\n")
    return hasher.hexdigest()


_SLICE = 4096
