"""What a build is asked to do (BuildOptions) and what it did (BuildResult), with no dependency on the build's
machinery: a build with nothing to do (generator.unchanged) gets by with these."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from generator.diagnostics import Report

if TYPE_CHECKING:
    from generator.assemble import Site
    from generator.cache import BuildState

CACHE_DIR = ".groupdir-cache"


@dataclass(frozen=True)
class BuildOptions:
    source: Path
    output: Path
    base_url: str | None = None
    drafts: bool = False
    jobs: int = 0  # 0: one per CPU
    strict: bool = False
    use_cache: bool = True
    progress: Callable[[str, int, int], None] | None = None
    # Fingerprinted theme asset names (css/site.1a2b3c4d.css). The preview turns them off so a CSS edit
    # rewrites only the stylesheet (and the browser swaps it in place) instead of every page that links it.
    asset_versions: bool = True
    # The preview's early reload: when set, pages and assets are published (and this is called with the paths
    # written so far) before the site-wide exports and the search index are made and published.
    pages_published: Callable[[list[str]], None] | None = None
    # The preview: every path changed since the build that made the state handed to build() (its watcher tells
    # it), so that only these content files are stamped again. None: unknown, stamp them all.
    changed: frozenset[Path] | None = None
    # The preview: says whether a newer change is waiting, so that what a build does after its pages are live
    # (checking unchanged outputs' files, the site-wide files, the search index) is left for the next build,
    # which does it for the newer content, instead of delaying it.
    superseded: Callable[[], bool] | None = None

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1


@dataclass
class BuildResult:
    report: Report
    site: Site | None = None
    rendered: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    # Outputs given an entry by this build (rendered or staged); every other output kept the last build's entry.
    recorded: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    records: int = 0
    outputs: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    state: BuildState | None = None  # hand it to the next build() to skip reading the cache file
    deferred: list[str] = field(default_factory=list)  # output folders left as they were for the next build

    @property
    def ok(self) -> bool:
        return not self.report.errors


def default_output(source: Path) -> Path:
    return source / "output"
