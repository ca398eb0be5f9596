"""What the cycle collector costs the parts of a build that make long-lived objects (generator.collector).

On a site built once with the cache, in one process: load the build state from the cache, load and assemble
the site from it, and plan every group's outputs, each with the collector running (at the thresholds the
command line sets) and paused, alternating which goes first, --rounds times. Prints each part's medians and
their ratio. The parts follow each other as in a build (nothing is frozen or collected between them), so a
later part also pays for collections that walk what the earlier ones made.

    python bench/collector_bench.py --groups 100000          # writes and builds the site first if needed
    python bench/collector_bench.py --groups 10000 --rounds 7 --work "$TMPDIR/groupdir-collector-bench"
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import synth  # noqa: E402

from generator import cache, collector, plan  # noqa: E402
from generator.build import load_site  # noqa: E402
from generator.cli import GC_THRESHOLDS  # noqa: E402
from generator.options import CACHE_DIR, BuildOptions  # noqa: E402
from generator.sources import SourceFile  # noqa: E402
from generator.unchanged import scan  # noqa: E402


def prepare(root: Path, groups: int) -> None:
    """The synthetic site of `groups` groups, built once with the cache (skipped when it already is)."""
    if not (root / "site.yaml").exists():
        synth.write_groupdir(root, groups)
    state = cache.state_path(root / CACHE_DIR, root / "output")
    if not cache.load_state(state).loaded_ok:
        print(f"building {root} once ...", flush=True)
        subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(root)], cwd=REPO, check=True)


def timed(paused: bool, work: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    with collector.paused(paused):
        started = time.perf_counter()
        made = work(*args)
        return time.perf_counter() - started, made


def one_round(options: BuildOptions, sources: list[SourceFile], paused: bool) -> list[float]:
    """Seconds to load the state, load the site from it, and plan its groups, one after the other as a build
    does (from a heap cleared of the last round's objects, as a new process's is)."""
    gc.collect()
    state_file = cache.state_path(options.source / CACHE_DIR, options.output)
    loading, state = timed(paused, cache.load_state, state_file)
    assert state.loaded_ok, "the cache did not load"
    assembling, loaded = timed(paused, load_site, options, state, None, None, sources)
    planning, _ = timed(paused, plan.group_jobs, loaded.site)
    return [loading, assembling, planning]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--groups", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "groupdir-collector-bench")
    args = parser.parse_args()
    root = args.work / f"n{args.groups}"
    prepare(root, args.groups)
    gc.set_threshold(*GC_THRESHOLDS)
    options = BuildOptions(root, root / "output", jobs=1)
    sources = scan(root).sources
    parts = ("load the state", "load the site", "plan the groups")
    times: dict[tuple[str, bool], list[float]] = {(part, paused): [] for part in parts for paused in (False, True)}
    for round_number in range(args.rounds):
        for paused in (False, True) if round_number % 2 == 0 else (True, False):
            for part, seconds in zip(parts, one_round(options, sources, paused), strict=True):
                times[(part, paused)].append(seconds)
    print(f"{args.groups:,} groups, {args.rounds} rounds, medians (collector running / paused):")
    for part in parts:
        running = statistics.median(times[(part, False)])
        held = statistics.median(times[(part, True)])
        print(f"  {part:16s} {running:7.2f} s / {held:7.2f} s   ratio {running / held:4.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
