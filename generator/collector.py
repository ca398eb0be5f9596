"""The cycle collector during a build.

A large site's model and cache are millions of objects that live until the build ends and form no cycles. While
they are made, every full collection walks all of those made so far, and once made, every full collection walks
them again. `bench/collector_bench.py` at 100,000 groups (medians, collector running / paused): loading the
state 3.98 / 1.71 s, loading the site from it 1.35 / 1.17 s, planning each group's outputs 2.95 / 0.80 s.

So a build pauses the collector while it makes such objects (`paused`), and marks what it made as kept
(`keep`: frozen, which later collections skip) until the build ends (`keeping`, which thaws it again, so a
long-running process such as the preview collects it once the next build replaces it). Worker processes
forked from a paused build collect as usual (`in_worker`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused(wanted: bool = True, *, keep: bool = False) -> Iterator[None]:
    """With `wanted`, no cycle collection during the block; one runs at the next allocation after it, if due.
    A collector already off (an outer block) is left as it is.

    With `keep`, what is alive when the block ends is kept (`keep`) before the collector runs again, so only within
    `keeping`. Kept afterwards instead, the first allocation after the block would collect the youngest generation,
    which holds every object the block made: a walk of them all (0.2 s for two million lists; about 1.5 s of a
    one-group rebuild at 100,000 groups, where the state, the site and the plan are each made so).
    """
    pause = wanted and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if keep:
            gc.freeze()
        if pause:
            gc.enable()


def keep() -> None:
    """Objects alive now live until the block ends: later collections skip them. Only within `keeping`."""
    gc.freeze()


class _Blocks:
    """The `keeping` blocks open in this process (the collector's frozen objects are the process's too), and
    whether the outermost thaws when it ends. Nested blocks do not ask the collector how many objects are
    frozen: `gc.get_freeze_count()` walks them all (57 ms at 100,000 groups)."""

    open = 0
    thaw = False


@contextlib.contextmanager
def keeping() -> Iterator[None]:
    """A build, or a pool of workers: what `keep` froze within it is thawed when it ends (unless objects were
    frozen before it began: then whoever froze them thaws everything). A block within another (a pool's within a
    build's) leaves that to the outer one."""
    if _Blocks.open == 0:
        _Blocks.thaw = gc.get_freeze_count() == 0  # nothing frozen: a walk of nothing
    _Blocks.open += 1
    try:
        yield
    finally:
        _Blocks.open -= 1
        if _Blocks.open == 0 and _Blocks.thaw:
            gc.unfreeze()


def in_worker() -> None:
    """In a process forked from a build: collect cycles, whatever the build was doing when it forked."""
    gc.enable()
