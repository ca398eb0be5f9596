"""The start of a command-line build, over two processes.

A build first needs three things that do not depend on one another: the stamps of every content file (the scan:
0.7 s at 100,000 groups, mostly stat calls, and whether they and the outputs are as the last build left them:
generator.unchanged), the build's own code (Markdown, Jinja and the build's modules: 0.1 s) and the cache's
state (1.3 s at 100,000 groups). One after the other, they were a third of the rebuild after one group's edit.

Here a forked process scans and looks, while this one loads the code and then the state. The process says as
soon as it knows whether the inputs changed; if they did not, loading the state stops (a build with nothing to
do never needs it) and the process goes on to check the outputs.

A state file over SPECULATE_MAX bytes (a site of some 450,000 groups: 116 MB at 100,000) is not loaded before the
build knows it needs it: for nothing, it would take gigabytes a build with nothing to do never needed. Then only
the build's code would be loaded meanwhile (0.1 s), less than receiving the scan of so many files costs (0.13 s
at 100,000 groups, sampled), so everything is done here, one after the other, as it is with one job (--jobs 1),
where processes cannot be forked, and when the process fails.
"""

from __future__ import annotations

import functools
import gc
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import cache, collector, unchanged
from generator.forked import ProcessLost, Talking
from generator.options import CACHE_DIR, BuildOptions, BuildResult
from generator.unchanged import Scan

SPECULATE_MAX = 512 << 20  # bytes of a state file loaded before the build knows it needs it


@dataclass
class Started:
    """What the build starts from: the result of a build with nothing to do, or the scan of a build with work
    to do and the cache's state when it was loaded meanwhile (None: the build loads it)."""

    checked: BuildResult | Scan
    state: cache.BuildState | None = None


def start(options: BuildOptions, started: float) -> Started:
    """The scan and its verdict (generator.unchanged.nothing_to_do), with the build's code loaded meanwhile and,
    when the build has work to do, the cache's state. Called within collector.keeping, which the build is in too:
    the state is kept from the collector until the build ends."""
    if not options.use_cache:
        return Started(unchanged.scan(options.source))
    state_file = cache.state_path(options.source / CACHE_DIR, options.output)
    if options.workers <= 1 or not hasattr(os, "fork") or _size(state_file) > SPECULATE_MAX:
        return _alone(options, started)
    looker = Talking(functools.partial(_look, options, started))
    try:
        return _meanwhile(options, started, looker, state_file)
    except (ProcessLost, OSError):  # the process died without a word: do its work here
        return _alone(options, started)
    finally:
        looker.stop()


def _meanwhile(options: BuildOptions, started: float, looker: Talking, state_file: Path) -> Started:
    import generator.build  # noqa: F401  (the build's code, loaded while the content is scanned)

    heard: list[Any] = []  # the process's first word, once heard

    def same_inputs() -> bool:
        if not heard and looker.ready(0):
            heard.append(looker.hear())
        return bool(heard) and heard[0][0] != "changed"

    state: cache.BuildState | None = None
    if not same_inputs():
        try:
            with collector.paused(keep=True):  # long-lived objects (see generator.build)
                state = cache.load_state(state_file, give_up=same_inputs)
        except cache.GaveUp:
            state = None
    if not heard:
        with collector.paused(keep=True):  # the scan: long-lived objects
            heard.append(looker.hear())
    first = heard[0]
    if first[0] == "changed":
        return Started(first[1], state)
    if first[0] == "failed":
        return _alone(options, started)
    state = None  # the inputs are as the last build's: its outputs are being checked
    last: Any = looker.hear()
    return Started(last[1]) if last[0] == "done" else _alone(options, started)


def _size(path: os.PathLike[str]) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _look(options: BuildOptions, started: float, say: Callable[[object], None]) -> None:
    """In the forked process: the scan, then whether the inputs changed ("changed" and the scan, or "same"), then
    for the same inputs the verdict on the outputs ("done" and the result or the scan); "failed" on any error."""
    # A short-lived process that makes no cycles: collecting would only walk the files' stamps as they are made
    # (sending 100,000 of them took 135 ms with the collector on, 66 ms off).
    gc.disable()
    try:
        found, last = unchanged.same_inputs(options, unchanged.scan(options.source))
        if last is None:
            say(("changed", found))
            return
        say(("same", None))
        say(("done", unchanged.same_outputs(options, found, last, started)))
    except Exception:  # the build does the work itself, and reports what is wrong
        say(("failed", None))


def _alone(options: BuildOptions, started: float) -> Started:
    found = unchanged.scan(options.source)
    return Started(unchanged.nothing_to_do(options, found, started))
