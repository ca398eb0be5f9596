"""The start of a command-line build over two processes (generator.early): a forked process scans the content and
checks whether there is anything to do while this one loads the cache's state."""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import generator.cache
import generator.early
import generator.unchanged
from generator import collector
from generator.build import build
from generator.options import CACHE_DIR, BuildOptions, BuildResult
from generator.sources import SourceFile
from generator.unchanged import Scan
from tests.conftest import GROUP_A, MakeSite, python_calls, run_build, tree
from tests.test_scale_fixture import write_synthetic_site


@pytest.fixture(autouse=True)
def _as_the_command_line() -> Iterator[None]:
    """The command line starts a build within collector.keeping (what it loads is frozen until the build ends)."""
    with collector.keeping():
        yield


def _options(root: Path, **kwargs: Any) -> BuildOptions:
    return BuildOptions(root, root / "output", jobs=int(kwargs.pop("jobs", 2)), **kwargs)


def _state_file(root: Path) -> Path:
    return generator.cache.state_path(root / CACHE_DIR, root / "output")


def _edit(root: Path) -> None:
    (root / "content/groups/alpha-alumni.yaml").write_text(
        GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, edited."), "utf-8")


def _built_and_edited(make_site: MakeSite) -> Path:
    """The small site, built, then one group edited."""
    root = make_site()
    assert run_build(root).ok
    _edit(root)
    return root


def _scanners(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], list[int]]:
    """The processes that scanned the content from here on, as each noted its pid in a file (the forked one too)."""
    notes = tmp_path / "scanned-by"
    real = generator.unchanged.scan

    def noting(source: Path) -> Scan:
        with notes.open("a", encoding="utf-8") as out:
            out.write(f"{os.getpid()}\n")
        return real(source)

    monkeypatch.setattr(generator.unchanged, "scan", noting)
    return lambda: [int(pid) for pid in notes.read_text("utf-8").split()]


def test_with_work_to_do_the_content_is_scanned_by_another_process_and_the_state_loaded_meanwhile(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = _built_and_edited(make_site)
    scanners = _scanners(monkeypatch, tmp_path)
    begun = generator.early.start(_options(root), time.perf_counter())
    assert len(scanners()) == 1 and scanners()[0] != os.getpid()
    assert isinstance(begun.checked, Scan) and begun.checked.inputs  # the inputs digest, worked out there
    assert begun.checked.sources == generator.unchanged.scan(root).sources
    assert begun.state is not None and begun.state.loaded_ok
    on_disk = generator.cache.load_state(_state_file(root))
    assert begun.state.parsed.keys() == on_disk.parsed.keys() and begun.state.outputs == on_disk.outputs
    result = build(_options(root), scanned=(begun.checked, time.perf_counter()), loaded=begun.state)
    assert result.ok and "groups/alpha-alumni/index.html" in result.rendered
    clean = run_build(root, root / "clean", use_cache=False)
    assert clean.ok and tree(root / "output") == tree(root / "clean")


def test_with_nothing_to_do_the_verdict_comes_from_the_other_process_and_no_state_is_kept(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    root = make_site()
    first = run_build(root)
    scanners = _scanners(monkeypatch, tmp_path)
    begun = generator.early.start(_options(root), time.perf_counter())
    assert [pid != os.getpid() for pid in scanners()] == [True]
    assert isinstance(begun.checked, BuildResult) and begun.state is None
    assert begun.checked.ok and begun.checked.unchanged == first.outputs and begun.checked.rendered == []


def test_with_the_inputs_unchanged_but_an_output_altered_the_build_is_left_to_load_the_state(
        make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    page = root / "output/groups/alpha-alumni/index.html"
    page.write_text("altered", "utf-8")
    begun = generator.early.start(_options(root), time.perf_counter())
    assert isinstance(begun.checked, Scan) and begun.state is None
    result = build(_options(root), scanned=(begun.checked, time.perf_counter()), loaded=begun.state)
    assert result.ok and result.written == ["groups/alpha-alumni/index.html"]
    assert page.read_text("utf-8") != "altered"


def test_with_a_state_file_over_the_limit_everything_is_done_in_this_process(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A state too large to load before the build knows it needs it: the scan is not handed over either."""
    root = _built_and_edited(make_site)
    scanners = _scanners(monkeypatch, tmp_path)
    monkeypatch.setattr(generator.early, "SPECULATE_MAX", _state_file(root).stat().st_size - 1)
    begun = generator.early.start(_options(root), time.perf_counter())
    assert isinstance(begun.checked, Scan) and begun.state is None
    assert scanners() == [os.getpid()]
    monkeypatch.setattr(generator.early, "SPECULATE_MAX", _state_file(root).stat().st_size)
    begun = generator.early.start(_options(root), time.perf_counter())
    assert isinstance(begun.checked, Scan) and begun.state is not None and begun.state.loaded_ok
    assert scanners()[1] != os.getpid()


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_job_or_no_cache_does_everything_in_this_process(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path, jobs: int) -> None:
    root = _built_and_edited(make_site)
    scanners = _scanners(monkeypatch, tmp_path)
    begun = generator.early.start(_options(root, jobs=jobs, use_cache=jobs != 2), time.perf_counter())
    assert scanners() == [os.getpid()]
    assert isinstance(begun.checked, Scan) and begun.state is None


@pytest.mark.parametrize("how", ["raises", "exits"])
@pytest.mark.parametrize("edited", [True, False])
def test_when_the_other_process_fails_its_work_is_done_here(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                                                           how: str, edited: bool) -> None:
    root = make_site()
    first = run_build(root)
    if edited:
        _edit(root)
    here = os.getpid()
    real = generator.unchanged.same_inputs

    def failing(options: BuildOptions, found: Scan) -> Any:
        if os.getpid() != here:
            if how == "exits":
                os._exit(3)
            raise RuntimeError("failed in the forked process")
        return real(options, found)

    monkeypatch.setattr(generator.unchanged, "same_inputs", failing)
    begun = generator.early.start(_options(root), time.perf_counter())
    if edited:
        assert isinstance(begun.checked, Scan) and begun.checked.sources == generator.unchanged.scan(root).sources
        result = build(_options(root), scanned=(begun.checked, time.perf_counter()), loaded=begun.state)
        assert result.ok and "groups/alpha-alumni/index.html" in result.rendered
    else:
        assert isinstance(begun.checked, BuildResult) and begun.checked.unchanged == first.outputs


def test_loading_the_state_stops_between_runs_once_told(make_site: MakeSite,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.cache, "RUN", 3)  # the base file holds runs of three items
    root = make_site()
    assert run_build(root).ok
    path = _state_file(root)
    whole = generator.cache.load_state(path)
    assert whole.loaded_ok and len(whole.outputs) > 9
    asked: list[int] = []

    def after(count: int) -> Any:
        def give_up() -> bool:
            asked.append(1)
            return len(asked) > count
        return give_up

    with pytest.raises(generator.cache.GaveUp):
        generator.cache.load_state(path, give_up=after(4))
    assert len(asked) == 5
    asked.clear()
    kept = generator.cache.load_state(path, give_up=after(10_000))
    runs = sum(-(-len(part) // 3) for part in (whole.parsed, whole.outputs, whole.exports))
    assert kept.loaded_ok and len(asked) == runs
    assert kept.parsed.keys() == whole.parsed.keys() and kept.outputs == whole.outputs


def test_the_state_file_checksum_stops_when_loading_gives_up(make_site: MakeSite) -> None:
    import threading

    root = make_site()
    assert run_build(root).ok
    path = _state_file(root)
    size = path.stat().st_size
    stop = threading.Event()
    assert generator.cache._file_checksum_matches(path, size, stop)
    stop.set()
    assert not generator.cache._file_checksum_matches(path, size, stop)


def test_a_scan_is_sent_as_columns_and_comes_back_equal(tmp_path: Path) -> None:
    """The scan the forked process sends pickles its files' stamps as lists (no Python called per file, however
    many), and comes back equal, each file a SourceFile."""
    found = generator.unchanged.scan(write_synthetic_site(tmp_path / "site", 300))
    (_, again), calls = python_calls(pickle.loads, pickle.dumps(("changed", found), pickle.HIGHEST_PROTOCOL))
    assert again == found and len(again.sources) == 300 and again.config_stamp == found.config_stamp
    assert all(type(source) is SourceFile for source in again.sources)
    assert len(calls) < 10, calls  # the scan's own __reduce__ and its rebuilding, not one call per file
