"""The Rebuilder with a stand-in build: debouncing, coalescing, the state hand-over and what gets reloaded."""

from __future__ import annotations

import gc
import io
import threading
import time
from pathlib import Path

import pytest

import generator.unchanged
from generator import cache
from generator.build import build
from generator.diagnostics import Report, error
from generator.options import BuildOptions, BuildResult
from generator.preview import rebuild
from generator.preview.rebuild import Outcome, Rebuilder, is_development_tree, watch_plan
from tests.server.conftest import group_yaml, write
from tests.test_delta import patched_calls

BASE = "/groups-directory/"


class FakeBuild:
    """Records each call; returns success (with something written) unless told to fail."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.seconds = seconds
        self.calls: list[tuple[BuildOptions, cache.BuildState | None]] = []
        self.fail_with: str | None = None
        self.written = ["groups/alpha/index.html"]
        self.lock = threading.Lock()

    def __call__(self, options: BuildOptions, previous: cache.BuildState | None) -> BuildResult:
        with self.lock:
            self.calls.append((options, previous))
        time.sleep(self.seconds)
        report = Report()
        if self.fail_with:
            report.add(error("content/groups/alpha.yaml", 2, 7, self.fail_with))
            return BuildResult(report)
        return BuildResult(report, written=list(self.written), state=cache.BuildState({}, {}, True))

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.calls)


class Running:
    def __init__(self, site: Path, fake: FakeBuild) -> None:
        self.outcomes: list[Outcome] = []
        self.out = io.StringIO()
        options = BuildOptions(site, site / ".groupdir-cache" / "preview")
        self.rebuilder = Rebuilder(options, self.outcomes.append, out=self.out, build_function=fake)
        self.thread = threading.Thread(target=self.rebuilder.run, daemon=True)
        self.thread.start()
        self.wait(lambda: len(self.outcomes) == 1)

    @staticmethod
    def wait(predicate: object, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():  # type: ignore[operator]
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.01)

    def stop(self) -> None:
        self.rebuilder.stop()
        self.thread.join(5)
        assert not self.thread.is_alive()


def test_a_burst_is_one_build(site: Path) -> None:
    fake = FakeBuild()
    running = Running(site, fake)
    try:
        paths = [site / "content" / "groups" / f"g{n}.yaml" for n in range(50)]
        for path in paths:
            running.rebuilder.changed({path})
            time.sleep(0.002)
        time.sleep(running.rebuilder.DEBOUNCE * 4)
        assert fake.count == 2  # the first build, then one for the whole burst
        assert running.outcomes[-1].changes == frozenset(paths)
    finally:
        running.stop()


def test_changes_during_a_build_make_one_more_build(site: Path) -> None:
    fake = FakeBuild(seconds=0.6)
    running = Running(site, fake)
    try:
        group = site / "content" / "groups" / "alpha.yaml"
        running.rebuilder.changed({group})
        running.wait(lambda: fake.count == 2)  # the build for the first change has started
        for n in range(3):
            time.sleep(0.12)
            running.rebuilder.changed({site / "content" / "groups" / f"during-{n}.yaml"})
        running.wait(lambda: len(running.outcomes) == 3)
        time.sleep(0.5)
        assert fake.count == 3
        assert len(running.outcomes[-1].changes) == 3
    finally:
        running.stop()


def test_a_build_is_told_when_a_newer_change_waits_and_what_it_left_is_said(site: Path) -> None:
    """`superseded` is false until a change comes in during the build (the preview then gives up its search
    index: see tests/test_incremental.py); the line printed says what was left for the next build."""
    asked, arrived = threading.Event(), threading.Event()
    seen: list[tuple[bool, bool]] = []

    class Deferring(FakeBuild):
        def __call__(self, options: BuildOptions, previous: cache.BuildState | None) -> BuildResult:
            result = super().__call__(options, previous)
            if options.changed is not None and not seen:  # the build for the first change
                assert options.superseded is not None
                before = options.superseded()
                asked.set()
                arrived.wait(5)
                seen.append((before, options.superseded()))
                result.deferred = ["search/index/"]
            return result

    fake = Deferring()
    running = Running(site, fake)
    try:
        running.rebuilder.changed({site / "content" / "groups" / "alpha.yaml"})
        assert asked.wait(5)
        running.rebuilder.changed({site / "content" / "groups" / "beta.yaml"})
        arrived.set()
        running.wait(lambda: len(running.outcomes) == 3)
        assert seen == [(False, True)]
        lines = [line for line in running.out.getvalue().splitlines() if "rebuilt" in line]
        assert "search/index/ left for the next build, as a newer change is waiting" in lines[0]
        assert "left for the next build" not in lines[1]
    finally:
        running.stop()


def test_endless_changes_still_build(site: Path) -> None:
    fake = FakeBuild()
    running = Running(site, fake)
    running.rebuilder.MAX_WAIT = 0.4
    try:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            running.rebuilder.changed({site / "content" / "groups" / "alpha.yaml"})
            time.sleep(0.03)
        assert fake.count >= 2
    finally:
        running.stop()


def test_state_is_handed_from_build_to_build(site: Path) -> None:
    fake = FakeBuild()
    running = Running(site, fake)
    try:
        running.rebuilder.changed({site / "content" / "groups" / "alpha.yaml"})
        running.wait(lambda: len(running.outcomes) == 2)
        (first_options, first_previous), (second_options, second_previous) = fake.calls
        assert first_previous is None and first_options.use_cache  # the cache file, read once
        assert second_previous is not None and second_previous.loaded_ok
        assert not second_options.use_cache  # in memory from now on
    finally:
        running.stop()


def test_what_gets_reloaded(site: Path) -> None:
    fake = FakeBuild()
    out = io.StringIO()
    rebuilder = Rebuilder(BuildOptions(site, site / "preview"), lambda o: None, out=out, build_function=fake)
    rebuilder.initial_plan()
    assert rebuilder.build_once(frozenset()).reload == (BASE,)  # tabs still open from an earlier serve
    css = site / "themes" / "mini" / "static" / "css" / "site.css"
    assert rebuilder.build_once(frozenset({css})).reload == (BASE + "static/css/site.css",)
    group = site / "content" / "groups" / "alpha.yaml"
    assert rebuilder.build_once(frozenset({group})).reload == (BASE,)
    assert rebuilder.build_once(frozenset({group, css})).reload == (BASE,)
    fake.written = []
    assert rebuilder.build_once(frozenset({group})).reload == ()  # nothing changed in the output

    fake.fail_with = "malformed YAML"
    broken = rebuilder.build_once(frozenset({group}))
    assert not broken.ok and broken.reload == (BASE,)
    assert broken.status.failure is not None and "content/groups/alpha.yaml:2:7" in broken.status.failure
    again = rebuilder.build_once(frozenset({group}))
    assert again.reload == ()  # the browser already shows these errors
    assert out.getvalue().count("content/groups/alpha.yaml:2:7") == 1  # the terminal shows them once
    assert "still failing" in out.getvalue()

    fake.fail_with = None
    fixed = rebuilder.build_once(frozenset({group}))
    assert fixed.ok and fixed.reload == (BASE,) and fixed.status.failure is None
    assert "fixed" in out.getvalue()


def test_a_crashing_build_does_not_stop_the_preview(site: Path) -> None:
    def crash(options: BuildOptions, previous: cache.BuildState | None) -> BuildResult:
        raise RuntimeError("boom")

    out = io.StringIO()
    rebuilder = Rebuilder(BuildOptions(site, site / "preview"), lambda o: None, out=out, build_function=crash)
    outcome = rebuilder.build_once(frozenset({site / "site.yaml"}))
    assert not outcome.ok and outcome.status.failure is not None and "RuntimeError: boom" in outcome.status.failure


def test_real_builds_are_incremental(site: Path) -> None:
    out = io.StringIO()
    rebuilder = Rebuilder(BuildOptions(site, site / ".groupdir-cache" / "preview", jobs=1), lambda o: None,
                          out=out)
    first = rebuilder.build_once(frozenset())
    assert first.ok and first.result is not None and first.result.rendered
    group = site / "content" / "groups" / "alpha.yaml"
    group.write_text(group.read_text("utf-8").replace("Text about Alpha", "Changed text about Alpha"), "utf-8")
    second = rebuilder.build_once(frozenset({group}))
    assert second.ok and second.result is not None
    assert "groups/beta/index.html" not in second.result.rendered  # only what the change affects
    assert len(second.result.rendered) < len(first.result.rendered)


def test_an_edit_keeping_the_groups_place_is_patched_onto_the_last_build(site: Path, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The Rebuilder hands the watcher's paths on: an edited group that keeps its place is patched onto the last
    build (generator.delta), an editor's swap file beside it changes nothing, and the site is a clean build's."""
    patched = patched_calls(monkeypatch)
    output = site / ".groupdir-cache" / "preview"
    rebuilder = Rebuilder(BuildOptions(site, output, jobs=1), lambda o: None, out=io.StringIO())
    assert rebuilder.build_once(frozenset()).ok
    alpha, swap = site / "content" / "groups" / "alpha.yaml", site / "content" / "groups" / ".alpha.yaml.swp"
    write(alpha, group_yaml("Alpha Group", "Patched summary."))
    swap.write_bytes(b"an editor's swap file")
    outcome = rebuilder.build_once(frozenset({alpha, swap}))
    assert outcome.ok and outcome.result is not None and patched == [True]
    assert "groups/alpha/index.html" in outcome.result.rendered and "groups/alpha/index.json" in outcome.result.written
    write(alpha, group_yaml("Zeta Group", "Moved to the end of A-Z."))
    assert rebuilder.build_once(frozenset({alpha})).ok and patched == [True]  # not patched: the order changed
    clean = tmp_path / "clean"
    assert build(BuildOptions(site, clean, jobs=1, use_cache=False)).ok
    files = {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert files == {p.relative_to(clean).as_posix(): p.read_bytes() for p in clean.rglob("*") if p.is_file()}


def test_only_the_changed_content_files_are_stamped_again(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scans: list[Path] = []
    find_sources = generator.unchanged.find_sources
    monkeypatch.setattr(generator.unchanged, "find_sources", lambda root: scans.append(root) or find_sources(root))
    rebuilder = Rebuilder(BuildOptions(site, site / ".groupdir-cache" / "preview", jobs=1), lambda o: None,
                          out=io.StringIO())
    assert rebuilder.build_once(frozenset()).ok
    first = len(scans)
    gamma = site / "content" / "groups" / "gamma.yaml"
    write(gamma, group_yaml("Gamma Group"))
    added = rebuilder.build_once(frozenset({gamma}))
    assert added.ok and added.result is not None and "groups/gamma/index.html" in added.result.written
    assert len(scans) == first  # the other files' stamps came from the last build
    folder = site / "content" / "groups" / "eu"
    folder.mkdir()
    write(folder / "delta.yaml", group_yaml("Delta Group"))
    nested = rebuilder.build_once(frozenset({folder}))
    assert nested.ok and nested.result is not None and "groups/delta/index.html" in nested.result.written
    assert len(scans) == first + 1  # a new folder: only a full scan knows what it holds


def test_changes_of_a_failed_build_are_seen_by_the_next(site: Path) -> None:
    rebuilder = Rebuilder(BuildOptions(site, site / ".groupdir-cache" / "preview", jobs=1), lambda o: None,
                          out=io.StringIO())
    assert rebuilder.build_once(frozenset()).ok
    alpha, beta = site / "content" / "groups" / "alpha.yaml", site / "content" / "groups" / "beta.yaml"
    write(alpha, group_yaml("Alpha Renamed"))
    write(beta, "name: [unclosed\n")
    assert not rebuilder.build_once(frozenset({alpha, beta})).ok
    write(beta, group_yaml("Beta Group"))
    fixed = rebuilder.build_once(frozenset({beta}))  # alpha's edit was never built
    assert fixed.ok
    page = site / ".groupdir-cache" / "preview" / "groups" / "alpha" / "index.html"
    assert "Alpha Renamed" in page.read_text("utf-8")


def test_rebuilds_hold_cycle_collection_until_they_end(site: Path) -> None:
    enabled: list[bool] = []

    def build(options: BuildOptions, previous: cache.BuildState | None) -> BuildResult:
        enabled.append(gc.isenabled())
        return BuildResult(Report(), written=["index.html"], state=cache.BuildState({}, {}, True))

    rebuilder = Rebuilder(BuildOptions(site, site / "preview"), lambda o: None, out=io.StringIO(), build_function=build)
    rebuilder.build_once(frozenset())
    rebuilder.build_once(frozenset({site / "content" / "groups" / "alpha.yaml"}))
    assert enabled == [True, False]  # the first build makes the whole model, and collects as usual
    assert gc.isenabled()


def test_watch_plan(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.themes import builtin_themes_dir

    builtin = builtin_themes_dir().resolve() / "default"
    output = site / ".groupdir-cache" / "preview"
    for developing in (True, False):
        monkeypatch.setattr(rebuild, "is_development_tree", lambda folder, d=developing: d)
        plan = watch_plan(site, output, (site / "themes" / "default", builtin))
        assert site / "content" in plan.trees and site / "themes" in plan.trees
        assert (builtin in plan.trees) is developing
        assert plan.relevant(site / "site.yaml")
        assert not plan.relevant(output / "index.html")


def test_is_development_tree(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "themes").mkdir()
    assert is_development_tree(checkout / "themes")
    installed = tmp_path / "lib" / "site-packages" / "generator" / "themes"
    installed.mkdir(parents=True)
    assert not is_development_tree(installed)
