"""Finding content files, and stamping again only the paths a watcher saw change (the preview's restamp)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import generator.sources
from generator.sources import SourceFile, find_sources, restamped


def restamp(root: Path, sources: list[SourceFile], changed: list[Path]) -> list[SourceFile] | None:
    """restamped() from and to a list; its second answer (by path) must hold the same files in the same order."""
    found = restamped(root, {source.path: source for source in sources}, changed)
    if found is None:
        return None
    assert list(found[1].values()) == found[0]
    return found[0]


def _site(root: Path) -> Path:
    for rel in ("groups/alpha.yaml", "groups/beta.md", "groups/eu/gamma.yaml", "guides/choosing.md",
                "milestones/million.md", "pages/about.md"):
        path = root / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rel}\n", "utf-8")
    return root


def _bump(path: Path, text: str) -> None:
    path.write_text(text, "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a stamp that surely differs


Change = Callable[[Path], list[Path]]


def _edit(root: Path) -> list[Path]:
    path = root / "content/groups/alpha.yaml"
    _bump(path, "name: Alpha, longer now\n")
    return [path]


def _add(root: Path) -> list[Path]:
    path = root / "content/groups/eu/delta.YAML"  # suffixes are matched in any case, as when scanning
    path.write_text("x\n", "utf-8")
    return [path]


def _delete(root: Path) -> list[Path]:
    path = root / "content/groups/beta.md"
    path.unlink()
    return [path]


def _rename(root: Path) -> list[Path]:
    old, new = root / "content/guides/choosing.md", root / "content/guides/running.md"
    old.rename(new)
    return [old, new]


def _hidden_and_foreign(root: Path) -> list[Path]:
    made = [root / "content/groups/_draft.yaml", root / "content/groups/.alpha.yaml.swp",
            root / "content/groups/notes.txt", root / "content/guides/table.csv", root / "content/extra/x.yaml",
            root / "site.yaml", root / "themes/default/templates/group.html"]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n", "utf-8")
    return made


def _a_path_that_is_gone_and_never_was(root: Path) -> list[Path]:
    return [root / "content/milestones/never.md"]


@pytest.mark.parametrize("change", [_edit, _add, _delete, _rename, _hidden_and_foreign,
                                    _a_path_that_is_gone_and_never_was])

def test_restamping_the_changed_paths_finds_what_a_full_scan_finds(tmp_path: Path, change: Change) -> None:
    root = _site(tmp_path)
    before = find_sources(root)
    changed = change(root)
    after = find_sources(root)
    assert restamp(root, before, changed) == after
    assert after != before or change in (_hidden_and_foreign, _a_path_that_is_gone_and_never_was)


def test_restamp_takes_relative_and_absolute_paths_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _site(tmp_path / "site")
    before = find_sources(root)
    changed = _add(root) + _edit(root)
    monkeypatch.chdir(tmp_path)
    assert restamp(Path("site"), before, changed) == find_sources(root)
    assert restamp(root, before, [Path("site") / p.relative_to(root) for p in changed]) == find_sources(root)


@pytest.mark.parametrize("folder_change", ["new folder", "deleted folder", "deleted folder of files", "content"])
def test_a_changed_folder_needs_a_full_scan(tmp_path: Path, folder_change: str) -> None:
    root = _site(tmp_path)
    before = find_sources(root)
    if folder_change == "new folder":
        changed = root / "content/groups/asia"
        changed.mkdir()
        (changed / "tokyo.yaml").write_text("x\n", "utf-8")
    elif folder_change == "deleted folder":
        changed = root / "content/groups/eu"
        shutil.rmtree(changed)
    elif folder_change == "deleted folder of files":
        changed = root / "content/guides"
        shutil.rmtree(changed)
    else:
        changed = root / "content"
    assert restamp(root, before, [changed]) is None


def test_stamping_folder_by_folder_finds_what_walking_the_paths_finds(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Each folder listed and its files stamped from an open handle of it (where the system can) finds the same
    files, kinds and stamps, in the same order, as the paths walked whole: nested folders, suffixes in any case,
    a link to a file (stamped as the file), a link to a folder (not followed), hidden, private and editor files."""
    root = _site(tmp_path)
    for rel in ("groups/eu/de/berlin.yml", "groups/eu/Paris.JSON", "groups/list.csv", "groups/#alpha.yaml#",
                "groups/alpha.yaml~", "groups/.hidden/x.yaml", "groups/_private/y.yaml", "guides/eu/nested.md",
                "guides/notes.txt", "elsewhere/outside.yaml"):
        path = tmp_path / "content" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rel}\n", "utf-8")
    (tmp_path / "content/groups/linked.yaml").symlink_to(tmp_path / "content/elsewhere/outside.yaml")
    (tmp_path / "content/groups/linked-folder").symlink_to(tmp_path / "content/elsewhere", target_is_directory=True)
    assert generator.sources._BY_FOLDER  # Linux: the way the build takes
    by_folder = find_sources(root)
    monkeypatch.setattr(generator.sources, "_BY_FOLDER", False)
    walked = find_sources(root)
    assert by_folder == walked and all(type(source) is SourceFile for source in by_folder)
    assert [(source.path, source.kind) for source in by_folder] == [
        ("content/groups/alpha.yaml", "group"), ("content/groups/beta.md", "group"),
        ("content/groups/eu/Paris.JSON", "group"), ("content/groups/eu/de/berlin.yml", "group"),
        ("content/groups/eu/gamma.yaml", "group"), ("content/groups/linked.yaml", "group"),
        ("content/groups/list.csv", "group"), ("content/guides/choosing.md", "guide"),
        ("content/guides/eu/nested.md", "guide"), ("content/milestones/million.md", "milestone"),
        ("content/pages/about.md", "page")]
    outside = (tmp_path / "content/elsewhere/outside.yaml").stat()
    linked = next(source for source in by_folder if source.path.endswith("linked.yaml"))
    assert linked.stamp == (outside.st_size, outside.st_mtime_ns)
