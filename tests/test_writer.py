"""Staging single outputs: bytes, stamps and digests as the disk has them, and clear errors."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from generator import writer
from tests.conftest import open_deleted


def test_stage_writes_the_bytes_and_reports_the_file_as_the_disk_has_it(tmp_path: Path) -> None:
    data = "<p>Zürich</p>\n".encode() * 5000
    written = writer.stage(tmp_path, "groups/a/index.html", data)
    target = tmp_path / "groups/a/index.html"
    stat = target.stat()
    assert target.read_bytes() == data
    assert (written.path, written.size, written.mtime_ns, written.wrote) == (
        "groups/a/index.html", stat.st_size, stat.st_mtime_ns, True)
    assert written.digest == hashlib.blake2b(data, digest_size=16).hexdigest()
    # A second file in the same folder, and a shorter rewrite of the first: no stale tail is left.
    writer.stage(tmp_path, "groups/a/badge.svg", b"<svg/>")
    assert writer.stage(tmp_path, "groups/a/index.html", b"short").size == 5
    assert target.read_bytes() == b"short" and (tmp_path / "groups/a/badge.svg").read_bytes() == b"<svg/>"


@pytest.mark.parametrize("block", [1, 4000, writer.STREAM_BLOCK])
def test_a_streamed_output_is_hashed_as_its_bytes_are(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      block: int) -> None:
    """Chunks of every size (none, one byte, a mebibyte) joined into blocks hashed beside the writing: the digest
    is the one of the whole file, and the file holds the chunks in order."""
    monkeypatch.setattr(writer, "STREAM_BLOCK", block)
    rng = random.Random(3)
    chunks = [rng.randbytes(rng.choice([0, 1, 7, 4096, 1 << 20])) for _ in range(60)] + [b"a short tail"]
    written = writer.stage_stream(tmp_path, "exports/all.csv", iter(chunks))
    whole = b"".join(chunks)
    assert (tmp_path / "exports/all.csv").read_bytes() == whole
    assert written.digest == writer.content_digest(whole) and written.size == len(whole) and written.wrote
    assert writer.stage_stream(tmp_path, "empty.csv", iter([])).digest == writer.content_digest(b"")


def test_stage_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    writer.stage(tmp_path, "groups/a", b"a file where a folder would go")
    for path in ("groups/a/index.html", "groups/a/deeper/index.html"):
        with pytest.raises(writer.OutputError, match=f"cannot write '{path}': a parent of it is a file"):
            writer.stage(tmp_path, path, b"x")


def test_existing_digest_of_a_file_and_of_what_is_not_one(tmp_path: Path) -> None:
    writer.stage(tmp_path, "a/b.txt", b"hello")
    stat = (tmp_path / "a/b.txt").stat()
    assert writer.existing_digest(tmp_path, "a/b.txt") == (
        hashlib.blake2b(b"hello", digest_size=16).hexdigest(), 5, stat.st_mtime_ns)
    assert writer.existing_digest(tmp_path, "a/missing.txt") is None
    assert writer.existing_digest(tmp_path, "a/b.txt/under-a-file") is None
    assert writer.existing_digest(tmp_path, "a") is None  # a folder


def test_publish_moves_new_folders_whole_and_replaces_files_folders_and_removals(tmp_path: Path) -> None:
    output, staging = tmp_path / "output", writer.staging_for(tmp_path / "output")
    for rel, data in {"index.html": b"old home", "groups/a/index.html": b"old a", "groups/a/badge.svg": b"a badge",
                      "gone/index.html": b"gone", "was-a-file": b"file", "was-a-folder/x.txt": b"x"}.items():
        writer.stage(output, rel, data)
    (output / writer.MARKER).write_bytes(b"groupdir output folder\n")
    for rel, data in {"index.html": b"new home", "groups/a/index.html": b"new a", "groups/b/index.html": b"b",
                      "groups/b/badge.svg": b"b badge", "was-a-file/index.html": b"now a folder",
                      "was-a-folder": b"now a file", "new/deep/er/file.txt": b"deep"}.items():
        writer.stage(staging, rel, data)
    writer.publish(output, staging, ["gone/index.html"])
    assert not staging.exists()
    found = {str(p.relative_to(output)): p.read_bytes() for p in output.rglob("*") if p.is_file()}
    assert found == {
        writer.MARKER: b"groupdir output folder\n", "index.html": b"new home", "groups/a/index.html": b"new a",
        "groups/a/badge.svg": b"a badge", "groups/b/index.html": b"b", "groups/b/badge.svg": b"b badge",
        "was-a-file/index.html": b"now a folder", "was-a-folder": b"now a file", "new/deep/er/file.txt": b"deep",
    }
    assert not (output / "gone").exists()


def test_large_files_a_publish_replaces_or_removes_are_held_until_let_go(tmp_path: Path) -> None:
    """The old bytes of a large file outlive its replacement and its removal while held (the kernel frees them
    when the last descriptor closes, which `let_go` does beside the caller); small files are not held; the
    published folder is the staged one either way."""
    output, staging = tmp_path / "output", writer.staging_for(tmp_path / "output")
    large, small = b"x" * writer.HOLD_MIN, b"y" * (writer.HOLD_MIN - 1)
    old = {"groups.json": large, "groups.csv": large, "small.txt": small, "gone.json": large, "kept.json": large}
    for rel, data in old.items():
        writer.stage(output, rel, data)
    (output / writer.MARKER).write_bytes(b"groupdir output folder\n")
    for rel in ("groups.json", "groups.csv", "small.txt"):
        writer.stage(staging, rel, b"new " + rel.encode())
    sizes = [(rel, len(old[rel])) for rel in ("groups.json", "groups.csv", "small.txt", "gone.json")]
    held = writer.hold(output, sizes)
    writer.publish(output, staging, ["gone.json"])
    assert open_deleted(output) == {"groups.json", "groups.csv", "gone.json"}
    assert {p.name: p.read_bytes() for p in output.iterdir() if p.name != writer.MARKER} == {
        "groups.json": b"new groups.json", "groups.csv": b"new groups.csv", "small.txt": b"new small.txt",
        "kept.json": large}
    held.let_go()
    held.wait()
    assert open_deleted(output) == set()


def test_held_files_are_let_go_by_waiting_alone_and_at_most_hold_max_are_held(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer, "HOLD_MAX", 2)
    for number in range(4):
        writer.stage(tmp_path, f"{number}.bin", b"z" * (writer.HOLD_MIN + number))
    held = writer.hold(tmp_path, [(f"{number}.bin", writer.HOLD_MIN + number) for number in range(4)]
                       + [("missing.bin", writer.HOLD_MIN)])
    for number in range(4):
        (tmp_path / f"{number}.bin").unlink()
    assert open_deleted(tmp_path) == {"2.bin", "3.bin"}  # the largest
    held.wait()
    assert open_deleted(tmp_path) == set()


def test_all_files_names_every_file_under_the_output_but_its_marker(tmp_path: Path) -> None:
    for rel in ("index.html", "groups/a/index.html", "groups/a/badge.svg", "deep/er/still/file.txt", writer.MARKER):
        writer.stage(tmp_path, rel, b"x")
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "groups")  # a link is a file here: never followed
    assert writer.all_files(tmp_path) == sorted(
        ["index.html", "groups/a/index.html", "groups/a/badge.svg", "deep/er/still/file.txt", "link"])
    assert writer.all_files(tmp_path / "missing") == []
