"""The end of a build with nothing to do: when the stamps of every input and of every output are those the last
clean build recorded (generator.manifest), the output is what a full build would write.

Kept apart from generator.build so that such a build loads neither Markdown, Jinja nor the build's own modules.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator import cache, manifest
from generator.config import load_config
from generator.diagnostics import Report
from generator.options import CACHE_DIR, BuildOptions, BuildResult
from generator.sources import SourceFile, find_sources, restamped
from generator.themes import ThemeError, resolve_theme

PARALLEL_STAMPS = 20_000  # from this many output files, the output folder is stamped by worker processes
RESTAMP_MAX = 64  # changed paths beyond which stamping every content file again costs less than looking


@dataclass(frozen=True)
class Scan:
    """The stamps of site.yaml and of every content file, taken before any of them is read."""

    config_stamp: tuple[int, int]
    sources: list[SourceFile]
    inputs: str | None = None  # the inputs digest (generator.manifest), once the no-change check worked it out
    by_path: dict[str, SourceFile] | None = field(default=None, compare=False, repr=False)  # `sources`, by path

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as columns (generator.early sends a scan from the process that made it): lists of strings and
        numbers pickle in C, where each SourceFile called Python to pickle it (15-24 ms for 10,000 files, sent
        then 17 times as long as received). `by_path`, a view of `sources`, is made again where it is needed."""
        paths, kinds, sizes, mtimes = (list(column) for column in zip(*self.sources, strict=True)) \
            if self.sources else ([], [], [], [])
        return _from_columns, (self.config_stamp, paths, kinds, sizes, mtimes, self.inputs)


def _from_columns(config_stamp: tuple[int, int], paths: list[str], kinds: list[str], sizes: list[int],
                  mtimes: list[int], inputs: str | None) -> Scan:
    make = functools.partial(tuple.__new__, SourceFile)
    return Scan(config_stamp, list(map(make, zip(paths, kinds, sizes, mtimes, strict=True))), inputs)


def scan(source: Path) -> Scan:
    return Scan(manifest.stamp(source / manifest.CONFIG_FILE), find_sources(source))


def rescan(source: Path, previous: Scan | None, changed: Collection[Path] | None) -> Scan:
    """The scan of `source` now, from `previous` when `changed` holds every path changed since it was taken
    (the preview's watcher knows them) and they are few files; else a full scan."""
    if previous is not None and changed is not None and len(changed) <= RESTAMP_MAX:
        by_path = previous.by_path if previous.by_path is not None else {s.path: s for s in previous.sources}
        found = restamped(source, by_path, changed)
        if found is not None:
            return Scan(manifest.stamp(source / manifest.CONFIG_FILE), found[0], by_path=found[1])
    return scan(source)


def options_key(options: BuildOptions) -> str:
    """Every option that changes the output, and the cache header (which covers groupdir's code)."""
    return repr((cache.HEADER, options.base_url, options.drafts, options.asset_versions, str(options.output.resolve())))


def nothing_to_do(options: BuildOptions, found: Scan, started: float) -> BuildResult | Scan:
    """The result of a build whose inputs and outputs are as the last clean build left them; else the scan, with
    the inputs digest if it was worked out (the build records it rather than working it out again)."""
    found, last = same_inputs(options, found)
    return found if last is None else same_outputs(options, found, last, started)


def same_inputs(options: BuildOptions, found: Scan) -> tuple[Scan, manifest.Manifest | None]:
    """The scan, with the inputs digest if it was worked out; and the last clean build's manifest when the inputs
    (the stamps in `found`, the options, the theme's folders) are those it recorded, else None."""
    last = manifest.read(cache.manifest_path(options.source / CACHE_DIR, options.output))
    if last is None:
        return found, None
    config, problems = load_config(options.source, base_url=options.base_url)
    if config is None or problems:
        return found, None
    try:
        theme = resolve_theme(options.source, config.theme)
    except ThemeError:
        return found, None
    inputs = manifest.inputs_digest(options_key(options), found.config_stamp, found.sources, theme.folders)
    return replace(found, inputs=inputs), last if inputs == last.inputs else None


def same_outputs(options: BuildOptions, found: Scan, last: manifest.Manifest, started: float) -> BuildResult | Scan:
    """With the inputs as the last clean build recorded them (`last`, see same_inputs): the result of a build with
    nothing to do when every output file's stamp is as that build left it, else the scan."""
    workers = options.workers if last.files >= PARALLEL_STAMPS else 1
    if manifest.folder_digest(options.output, workers) != last.outputs:
        return found
    elapsed = time.perf_counter() - started
    return BuildResult(Report(), records=last.records, unchanged=last.files, outputs=last.files,
                       timings={"load": elapsed, "total": elapsed})
