"""The watchers: inotify and the stamp poller report the changes that matter, and nothing else."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.preview.watcher import InotifyWatcher, PollingWatcher, Watcher, WatchPlan, is_junk


class Harness:
    def __init__(self, kind: type[Watcher], plan: WatchPlan) -> None:
        self.events: queue.Queue[set[Path]] = queue.Queue()
        self.watcher = kind(self.events.put)
        if isinstance(self.watcher, PollingWatcher):
            self.watcher.INTERVAL, self.watcher.SWEEP = 0.05, 0.5
        self.watcher.update(plan)
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)
        self.thread.start()

    def expect(self, *paths: Path, timeout: float = 5.0) -> set[Path]:
        """Wait until every path has been reported; return everything reported meanwhile."""
        seen: set[Path] = set()
        deadline = time.monotonic() + timeout
        while not set(paths) <= seen:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"not reported: {set(paths) - seen}; reported: {seen}")
            try:
                seen |= self.events.get(timeout=remaining)
            except queue.Empty:
                continue
        return seen

    def quiet(self, seconds: float = 0.6) -> set[Path]:
        seen: set[Path] = set()
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                seen |= self.events.get(timeout=remaining)
            except queue.Empty:
                break
        return seen

    def close(self) -> None:
        self.watcher.stop()
        self.thread.join(5)
        assert not self.thread.is_alive()


def _inotify_available() -> bool:
    try:
        watcher = InotifyWatcher(lambda paths: None)
    except OSError:
        return False
    watcher.stop()
    watcher.run()  # returns at once and closes its descriptors
    return True


KINDS = [
    pytest.param(InotifyWatcher, id="inotify",
                 marks=pytest.mark.skipif(not _inotify_available(), reason="no inotify here")),
    pytest.param(PollingWatcher, id="polling"),
]


def touch(path: Path, text: str = "x") -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, "utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "content" / "groups").mkdir(parents=True)
    (tmp_path / "themes" / "mini" / "static").mkdir(parents=True)
    (tmp_path / "site.yaml").write_text("title: x\n", "utf-8")
    (tmp_path / "content" / "groups" / "a.yaml").write_text("name: A\n", "utf-8")
    (tmp_path / "themes" / "mini" / "static" / "site.css").write_text("body{}", "utf-8")
    return tmp_path


@pytest.fixture(params=KINDS)
def watch(request: pytest.FixtureRequest, tree: Path) -> Iterator[Harness]:
    plan = WatchPlan((tree / "site.yaml",), (tree / "content", tree / "themes"), (tree / "content" / "out",))
    harness = Harness(request.param, plan)
    yield harness
    harness.close()


def test_reports_what_matters(watch: Harness, tree: Path) -> None:
    touch(tree / "site.yaml", "title: y\n")
    watch.expect(tree / "site.yaml")
    touch(tree / "content" / "groups" / "a.yaml", "name: B\n")
    watch.expect(tree / "content" / "groups" / "a.yaml")
    touch(tree / "themes" / "mini" / "static" / "site.css", "body{color:red}")
    watch.expect(tree / "themes" / "mini" / "static" / "site.css")
    new = tree / "content" / "groups" / "new.yaml"
    touch(new)
    watch.expect(new)
    new.rename(tree / "content" / "groups" / "renamed.yaml")
    watch.expect(tree / "content" / "groups" / "renamed.yaml")
    (tree / "content" / "groups" / "renamed.yaml").unlink()
    watch.expect(tree / "content" / "groups" / "renamed.yaml")


def test_new_folders_are_watched(watch: Harness, tree: Path) -> None:
    sub = tree / "content" / "groups" / "more"
    sub.mkdir()
    watch.expect(sub)
    time.sleep(0.2)
    touch(sub / "deep.yaml")
    watch.expect(sub / "deep.yaml")
    touch(sub / "deep.yaml", "changed")
    watch.expect(sub / "deep.yaml")


def test_editor_saving_by_rename(watch: Harness, tree: Path) -> None:
    target = tree / "content" / "groups" / "a.yaml"
    temp = tree / "content" / "groups" / ".a.yaml.tmp123"
    temp.write_text("name: Saved\n", "utf-8")
    os.replace(temp, target)
    reported = watch.expect(target)
    assert temp not in reported


def test_ignores_junk_and_the_rest(watch: Harness, tree: Path) -> None:
    touch(tree / "README.md")
    touch(tree / "content" / "groups" / ".a.yaml.swp")
    touch(tree / "content" / "groups" / "a.yaml~")
    touch(tree / "content" / "groups" / "#a.yaml#")
    (tree / "content" / "out").mkdir()
    touch(tree / "content" / "out" / "index.html")
    assert watch.quiet() == set()


def test_a_tree_created_later(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: x\n", "utf-8")
    kind: type[Watcher] = InotifyWatcher if _inotify_available() else PollingWatcher
    harness = Harness(kind, WatchPlan((tmp_path / "site.yaml",), (tmp_path / "content",)))
    try:
        (tmp_path / "content" / "groups").mkdir(parents=True)
        harness.expect(tmp_path / "content")
        time.sleep(0.3)
        touch(tmp_path / "content" / "groups" / "a.yaml")
        harness.expect(tmp_path / "content" / "groups" / "a.yaml")
    finally:
        harness.close()


def test_polling_stays_cheap(tree: Path) -> None:
    """A tick stats the folders, the hot files and a slice of the rest, not every file."""
    groups = tree / "content" / "groups"
    for n in range(1000):
        (groups / f"g{n}.yaml").write_text("name: x\n", "utf-8")
    found: list[set[Path]] = []
    poller = PollingWatcher(found.append)
    poller.update(WatchPlan((tree / "site.yaml",), (tree / "content",)))
    calls = 0
    real_stat = Path.stat

    def counting(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        nonlocal calls
        calls += 1
        return real_stat(self, *args, **kwargs)  # type: ignore[arg-type]

    Path.stat = counting  # type: ignore[method-assign]
    try:
        poller.tick()
    finally:
        Path.stat = real_stat  # type: ignore[method-assign]
    assert calls < 1000 * poller.INTERVAL / poller.SWEEP + 20
    target = groups / "g500.yaml"
    touch(target, "name: changed\n")
    changed: set[Path] = set()
    for _ in range(int(poller.SWEEP / poller.INTERVAL) + 2):
        changed |= poller.tick()
    assert target in changed


def test_is_junk() -> None:
    for name in (".a.swp", "a~", "#a#", ".#a", "a.tmp", "4913", "a.yaml___jb_tmp___"):
        assert is_junk(name), name
    for name in ("a.yaml", "_macros.html", "site.css", "group.html"):
        assert not is_junk(name), name


def test_plan_relevance(tmp_path: Path) -> None:
    plan = WatchPlan((tmp_path / "site.yaml",), (tmp_path / "content", tmp_path / "themes"),
                     (tmp_path / ".groupdir-cache",))
    relevant: Callable[[Path], bool] = plan.relevant
    assert relevant(tmp_path / "site.yaml")
    assert relevant(tmp_path / "content" / "groups" / "a.yaml")
    assert relevant(tmp_path / "themes" / "x" / "templates" / "_macros.html")
    assert not relevant(tmp_path / "other.yaml")
    assert not relevant(tmp_path / ".groupdir-cache" / "preview" / "index.html")
    assert not relevant(tmp_path / "content" / ".git" / "HEAD")
