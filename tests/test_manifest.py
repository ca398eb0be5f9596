"""The outputs digest that lets an unchanged site's build stop after a scan."""

from __future__ import annotations

import os
from pathlib import Path

from generator import manifest, writer


def _folder(root: Path) -> Path:
    for rel in ("index.html", "groups/index.html", "groups/a/index.html", "groups/a/badge.svg",
                "groups/b/index.json", "search/index/t/0.bin", "search/index/f/category/1.bin",
                "tags/x/page/2/index.html"):
        writer.stage(root, rel, rel.encode())
    (root / writer.MARKER).write_bytes(b"groupdir output folder\n")
    return root


def test_folder_digest_is_the_digest_of_every_stamp_however_it_is_split(tmp_path: Path) -> None:
    root = _folder(tmp_path / "out")
    stamps = [stamp for stamp in writer.file_stamps(root) if stamp[0] != writer.MARKER]
    assert len(stamps) == 8 and writer.MARKER not in {rel for rel, _, _ in stamps}
    expected = manifest.outputs_digest(stamps)
    assert manifest.outputs_digest(list(reversed(stamps))) == expected
    assert [manifest.folder_digest(root, workers) for workers in (1, 2, 3)] == [expected] * 3
    assert expected.startswith("8:")


def test_any_changed_stamp_changes_the_folder_digest(tmp_path: Path) -> None:
    root = _folder(tmp_path / "out")
    seen = {manifest.folder_digest(root, 2)}
    deep = root / "search/index/f/category/1.bin"
    stat = deep.stat()
    os.utime(deep, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    seen.add(manifest.folder_digest(root, 2))
    deep.write_bytes(b"longer than before")
    seen.add(manifest.folder_digest(root, 2))
    (root / "groups/a/badge.svg").unlink()
    seen.add(manifest.folder_digest(root, 2))
    (root / "extra.txt").write_bytes(b"")
    seen.add(manifest.folder_digest(root, 2))
    assert len(seen) == 5


def test_a_digest_worked_out_from_the_last_one_equals_the_digest_of_the_new_stamps() -> None:
    before = [("index.html", 10, 1), ("groups/a/index.html", 20, 2), ("groups/b/index.html", 30, 3),
              ("search/index/meta.json", 40, 4)]
    after = [("index.html", 10, 1), ("groups/a/index.html", 21, 5),  # rewritten
             ("search/index/meta.json", 40, 4), ("groups/c/index.html", 50, 6)]  # b gone, c new
    gone = [s for s in before if s not in after]
    added = [s for s in after if s not in before]
    assert manifest.outputs_digest_after(manifest.outputs_digest(before), gone, added) == \
        manifest.outputs_digest(after)
    assert manifest.outputs_digest_after(manifest.outputs_digest(before), [], []) == manifest.outputs_digest(before)
    assert manifest.outputs_digest_after("not a digest", gone, added) is None
