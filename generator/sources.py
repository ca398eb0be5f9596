"""Find the content files of a site, classify them, and stamp them for the caches."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from generator.model import tuple_pickled

GROUP_SUFFIXES = (".yaml", ".yml", ".md", ".json", ".csv")
DOCUMENT_DIRS = {"guides": "guide", "milestones": "milestone", "pages": "page"}


@tuple_pickled
@dataclass(frozen=True, slots=True)
class SourceFile:
    """One content file: its path relative to the site root, what it holds, and its stamp."""

    path: str
    kind: str  # "group" | "guide" | "milestone" | "page"
    size: int
    mtime_ns: int

    SHARED: ClassVar[tuple[str, ...]] = ("path", "kind")

    @property
    def stamp(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


def _scan(folder: Path, suffixes: tuple[str, ...]) -> list[os.DirEntry[str]]:
    found: list[os.DirEntry[str]] = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.name.startswith((".", "_", "#")) or entry.name.endswith("~"):
            continue
        if entry.is_dir(follow_symlinks=False):
            found.extend(_scan(Path(entry.path), suffixes))
        elif entry.is_file() and entry.name.lower().endswith(suffixes):
            found.append(entry)
    return found


def find_sources(root: Path) -> list[SourceFile]:
    """Every content file under `root/content`, sorted by path so that builds are deterministic."""
    content = root / "content"
    out: list[SourceFile] = []
    plan = [("groups", "group", GROUP_SUFFIXES)] + [(d, k, (".md",)) for d, k in DOCUMENT_DIRS.items()]
    for folder, kind, suffixes in plan:
        base = content / folder
        skip = len(str(base)) + 1  # an entry's path is the scanned folder's path, a separator, and the rest
        for entry in _scan(base, suffixes):
            stat = entry.stat()
            rel = f"content/{folder}/" + entry.path[skip:].replace(os.sep, "/")
            out.append(SourceFile(rel, kind, stat.st_size, stat.st_mtime_ns))
    out.sort(key=lambda s: s.path)
    return out
