"""The cycle collector during a build: paused while long-lived objects are made, what they made frozen until the
build ends, and left as it was found afterwards (generator.collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

import generator.build
import generator.cache
import generator.plan
import generator.search
import generator.search.patch
from generator import collector
from tests.conftest import GROUP_A, MakeSite, run_build


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    yield
    gc.enable()
    gc.unfreeze()


def test_paused_restores_the_collector_and_leaves_an_outer_pause_alone() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block did not turn it back on
    assert gc.isenabled()
    with collector.paused(False):
        assert gc.isenabled()
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()  # off before, off after


def test_a_pause_that_keeps_leaves_what_it_made_out_of_the_next_collection() -> None:
    """Kept before the collector runs again: the first collection after the block does not walk the block's objects
    (kept after it, that collection would walk them all)."""
    first_walk: list[int] = []
    made: list[list[int]] = []

    def watch(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and not first_walk:  # what this collection walks: its generation and the younger ones
            walked = {id(item) for generation in range(info["generation"] + 1)
                      for item in gc.get_objects(generation=generation)}
            first_walk.append(sum(id(item) in walked for item in made))

    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's own (the command line sets others)
    gc.callbacks.append(watch)
    try:
        with collector.keeping():
            with collector.paused(keep=True):
                made.extend([i] for i in range(5000))  # lists: tracked by the collector
            assert gc.isenabled() and gc.get_freeze_count() >= 5000
            junk = [[i] for i in range(5000)]  # enough new objects for a collection
    finally:
        gc.callbacks.remove(watch)
        gc.set_threshold(*thresholds)
    assert first_walk == [0]
    del junk


def test_a_pause_within_another_keeps_what_is_alive_when_it_ends() -> None:
    with collector.keeping(), collector.paused():
        with collector.paused(keep=True):
            made = [[i] for i in range(100)]
        assert not gc.isenabled() and gc.get_freeze_count() >= 100
    del made


def test_keeping_thaws_what_was_kept_within_it_only() -> None:
    with collector.keeping():
        kept = [[i] for i in range(100)]  # lists: tracked by the collector
        collector.keep()
        assert gc.get_freeze_count() >= 100
    assert gc.get_freeze_count() == 0
    gc.freeze()  # frozen by someone outside: an inner block leaves it to them
    outside = gc.get_freeze_count()
    with collector.keeping():
        more = [[i] for i in range(100)]
        collector.keep()
    assert gc.get_freeze_count() >= outside + 100
    del kept, more


def test_a_block_within_another_neither_counts_the_frozen_objects_nor_thaws_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[int] = []
    real = gc.get_freeze_count
    monkeypatch.setattr(gc, "get_freeze_count", lambda: counted.append(1) or real())
    with collector.keeping():
        kept = [[i] for i in range(100)]
        collector.keep()
        asked = len(counted)
        with collector.keeping():  # a pool's block within a build's
            collector.keep()
        assert len(counted) == asked  # counting walks every frozen object: not done when nested
        assert real() >= 100  # the outer block's objects stay frozen
    assert real() == 0
    del kept


def test_a_build_pauses_while_it_loads_plans_indexes_and_saves_and_leaves_the_collector_as_it_was(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    assert run_build(root).ok
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("Graduates of Alpha.", "Edited."))
    seen: dict[str, tuple[bool, int]] = {}

    def watching(name: str, function: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            seen[name] = (gc.isenabled(), gc.get_freeze_count())
            return function(*args, **kwargs)
        return call

    monkeypatch.setattr(generator.cache, "load_state", watching("load_state", generator.cache.load_state))
    monkeypatch.setattr(generator.build, "load_site", watching("load_site", generator.build.load_site))
    monkeypatch.setattr(generator.plan, "group_jobs", watching("group_jobs", generator.plan.group_jobs))
    monkeypatch.setattr(generator.cache, "save_state", watching("save_state", generator.cache.save_state))
    monkeypatch.setattr(generator.build, "_render_all", watching("render", generator.build._render_all))
    monkeypatch.setattr(generator.search, "build_search_index", watching("search", generator.search.build_search_index))
    # The summary edit patches the last index rather than making it whole: either is the index's making.
    monkeypatch.setattr(generator.search.patch, "patch", watching("search", generator.search.patch.patch))
    result = run_build(root)
    assert result.ok and "groups/alpha-alumni/index.html" in result.rendered
    assert {name: enabled for name, (enabled, _) in seen.items()} == {
        "load_state": False, "load_site": False, "group_jobs": False, "render": True, "search": False,
        "save_state": False}
    assert seen["render"][1] > 0  # the model and the loaded state are frozen while pages render
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_workers_forked_from_a_paused_build_collect_cycles() -> None:
    with collector.keeping(), collector.paused(), generator.build._pool(2) as pool:
        assert pool.map(_collecting, range(4)) == [True] * 4
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _collecting(_: int) -> bool:
    return gc.isenabled()
