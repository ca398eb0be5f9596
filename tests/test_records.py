"""The record store: entries appended from several processes at once all read back whole."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from generator.model import Group, SourceRef
from generator.records import RecordStore, append_from_anywhere, pack


def _group(n: int) -> Group:
    return Group(slug=f"g{n}", name=f"Group {n}", category="topic", source=SourceRef("content/groups/x.yaml", n),
                 description="word " * (n % 50))


def _append(args: tuple[Path, int]) -> list[tuple[int, int]]:
    path, worker = args
    refs: list[tuple[int, int]] = []
    for n in range(worker * 1000, worker * 1000 + 200):
        refs += append_from_anywhere(path, [pack(_group(n), f"<p>{n}</p>"), pack(_group(n + 500), "")])
    return refs


def test_concurrent_appends_read_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "records.bin"
    store = RecordStore(path, fresh=True)
    store.append(pack(_group(7), "<p>first</p>"))  # the main process's own entry stays readable too
    with multiprocessing.get_context("fork").Pool(3) as pool:
        per_worker = pool.map(_append, [(path, w) for w in range(3)])
    store.refresh()
    seen = set()
    for worker, refs in enumerate(per_worker):
        assert len(refs) == 400
        for i, ref in enumerate(refs):
            stored = store.read(ref)
            assert stored is not None
            n = worker * 1000 + i // 2 + (500 if i % 2 else 0)
            assert stored.group == _group(n)
            assert str(stored.description_html) == ("" if i % 2 else f"<p>{n}</p>")
            seen.add(ref)
    assert len(seen) == 1200
    assert store.read((0, path.stat().st_size)) is None  # a wrong length fails the checksum
    store.close()
