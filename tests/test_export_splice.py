"""Export files (groups.csv, groups.json and its pages) spliced from the published ones after small edits."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.cache
import generator.export_rows
import generator.exports
import generator.plan
import generator.splice
from generator.cache import layouts_path
from generator.options import CACHE_DIR
from tests.conftest import run_build
from tests.test_scale_fixture import write_synthetic_site

COUNT = 60


def _exports(output: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(output.glob("groups*.*"))}


def _clean(root: Path, tmp_path: Path, name: str) -> dict[str, bytes]:
    output = tmp_path / name
    assert run_build(root, output, use_cache=False).ok
    return _exports(output)


@pytest.fixture(params=[5, 1000], ids=["pages-of-runs", "pages-of-rows"])
def pieces_made(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> list[str]:
    """The groups whose export line and row were looked up one by one (not copied from a published file).

    Pages of groups.json hold 25 groups: five of the plan's runs of rows (whose digests a page's is made
    from, as at the real sizes), or, with runs of 1,000, not a whole number of them (its rows are digested)."""
    monkeypatch.setattr(generator.plan, "RUN", request.param)
    made: list[str] = []
    original: Callable[..., tuple[bytes, bytes]] = generator.export_rows.ExportRows.pair

    def counting(self: generator.export_rows.ExportRows, slug: str) -> tuple[bytes, bytes]:
        made.append(slug)
        return original(self, slug)

    monkeypatch.setattr(generator.export_rows.ExportRows, "pair", counting)
    monkeypatch.setattr(generator.exports, "GROUPS_PAGE_SIZE", 25)  # groups.json in three pages
    return made


def _edit(root: Path, number: int, text: str) -> str:
    path = root / f"content/groups/g{number:05d}.yaml"
    path.write_text(path.read_text("utf-8").replace("summary: Summary of", f"summary: {text} Summary of"), "utf-8")
    return f"g{number:05d}"  # the slug: the file's name


def test_edited_groups_are_spliced_into_the_published_exports(tmp_path: Path, pieces_made: list[str]) -> None:
    root = write_synthetic_site(tmp_path / "site", COUNT)
    assert run_build(root).ok
    assert set(_exports(root / "output")) == {"groups.csv", "groups.json", "groups-0001.json", "groups-0002.json",
                                              "groups-0003.json"}
    # A longer row in the middle, then the first and the last group and two around a page break.
    for step, numbers in enumerate([[30], [0, COUNT - 1, 24, 25]]):
        pieces_made.clear()
        slugs = {_edit(root, n, "Edited" if step == 0 else "X") for n in numbers}
        assert run_build(root).ok
        assert set(pieces_made) == slugs and len(pieces_made) == 2 * len(slugs)  # a JSON line and a CSV row each
        assert _exports(root / "output") == _clean(root, tmp_path, f"clean-{step}")


def test_exports_are_made_whole_when_their_layout_no_longer_holds(tmp_path: Path, pieces_made: list[str]) -> None:
    root = write_synthetic_site(tmp_path / "site", COUNT)
    assert run_build(root).ok
    # Altered by hand: that file is made whole; the page of groups.json holding the edited group is spliced.
    csv = root / "output/groups.csv"
    csv.write_bytes(csv.read_bytes() + b"tampered\r\n")
    pieces_made.clear()
    _edit(root, 10, "Edited")
    assert run_build(root).ok
    assert len(pieces_made) == COUNT + 1 and _exports(root / "output") == _clean(root, tmp_path, "a")
    # A new group changes the order: every file is made whole.
    (root / "content/groups/g09999.yaml").write_text(
        (root / "content/groups/g00001.yaml").read_text("utf-8").replace("Group 00001", "Group 00001b"), "utf-8")
    pieces_made.clear()
    assert run_build(root).ok
    assert len(pieces_made) == 2 * (COUNT + 1) and _exports(root / "output") == _clean(root, tmp_path, "b")
    # A damaged layout file is not trusted: the files made again (groups.csv, and the first page of groups.json,
    # which holds the edited group; the other pages are left as they are) are made whole.
    layouts = layouts_path(root / CACHE_DIR, root / "output")
    layouts.write_bytes(layouts.read_bytes()[:-3] + b"xyz")
    pieces_made.clear()
    _edit(root, 20, "Edited")
    assert run_build(root).ok
    assert len(pieces_made) == COUNT + 1 + 25 and _exports(root / "output") == _clean(root, tmp_path, "c")


@pytest.mark.parametrize("kernel", [True, False], ids=["copied-by-the-kernel", "read-and-written"])
def test_a_spliced_export_is_staged_from_ranges_of_the_published_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel: bool) -> None:
    """After an edit, groups.csv and the page of groups.json holding the group are staged as splices (their
    unchanged runs are ranges of the published files, not bytes read by the build); with no kernel copy, the
    ranges are read and written. Either way the files are a clean build's, and the next edit splices the file
    this one made."""
    monkeypatch.setattr(generator.exports, "GROUPS_PAGE_SIZE", 25)
    if not kernel:
        def refuse(*args: object) -> int:
            raise OSError(errno.EXDEV, "refused")
        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    staged: list[str] = []
    original = generator.splice.stage

    def counting(splice: generator.splice.Splice, target: Path, base: bytes) -> tuple[str, bool]:
        staged.append(splice.source.name)
        parts = list(splice.parts)
        assert sum(isinstance(part, tuple) for part in parts) >= 1  # the runs are ranges, not bytes
        return original(generator.splice.Splice(splice.source, parts), target, base)

    monkeypatch.setattr(generator.splice, "stage", counting)
    root = write_synthetic_site(tmp_path / "site", COUNT)
    assert run_build(root).ok and not staged
    for step, number in enumerate([30, 31]):
        staged.clear()
        _edit(root, number, f"Edited {step}")
        result = run_build(root)
        assert result.ok and sorted(staged) == ["groups-0002.json", "groups.csv"]
        assert {"groups.csv", "groups-0002.json"} <= set(result.written)
        assert _exports(root / "output") == _clean(root, tmp_path, f"clean-{step}")


def test_the_rows_kept_for_the_next_build_are_those_of_the_groups_there_are(tmp_path: Path) -> None:
    """A group removed: its line and row are no longer kept (in the state saved, and handed over); an edited
    group's are those of its new index.json."""
    root = write_synthetic_site(tmp_path / "site", COUNT)
    first = run_build(root)
    assert first.ok and first.state is not None
    files = sorted((root / "content/groups").glob("*.yaml"))
    gone = first.state.exports.keys() - {p.stem for p in files[1:]}
    assert len(gone) == 1
    files[0].unlink()
    edited = files[1]
    edited.write_text(edited.read_text("utf-8").replace("summary: ", "summary: Edited ", 1), "utf-8")
    again = run_build(root)
    assert again.ok and again.state is not None
    saved = generator.cache.load_state(generator.cache.state_path(root / CACHE_DIR, root / "output"))
    for exports in (again.state.exports, saved.exports):
        assert exports.keys() == first.state.exports.keys() - gone
        assert exports[edited.stem] != first.state.exports[edited.stem]
