"""An output staged as ranges of its published file and fresh pieces (generator.splice)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import generator.splice
from generator.splice import Span, Splice, read, stage

SOURCE = bytes(range(256)) * 40 + b"tail"  # 10,244 bytes, no two neighbouring ranges alike
BASE = bytes(16)


def _expected(parts: list[bytes | Span]) -> bytes:
    """What the parts say, put together here from slices of SOURCE."""
    return b"".join(part if isinstance(part, bytes) else SOURCE[part[0]:part[1]] for part in parts)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "published.csv"
    path.write_bytes(SOURCE)
    return path


@pytest.fixture(params=["kernel", "refused", "absent"])
def copying(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Ranges copied by the kernel; by reading and writing when the kernel refuses; when Python has no
    copy_file_range. Small read chunks, so a range takes several."""
    monkeypatch.setattr(generator.splice, "_COPY", 1000)
    if request.param == "refused":
        def refuse(*args: object) -> int:
            raise OSError(errno.EXDEV, "refused")
        monkeypatch.setattr(os, "copy_file_range", refuse, raising=False)
    elif request.param == "absent":
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    return str(request.param)


RECIPES: list[list[bytes | Span]] = [
    [b"head,", (10, 4000), b"a new row\r\n", (4100, len(SOURCE))],  # one piece replaced by a longer one
    [(0, 3), (3, 9000), b"", (9000, len(SOURCE) - 4), b"TAIL"],  # the same length, one piece changed
    [b"x" * 70_000, (0, 1), b"y", (len(SOURCE) - 1, len(SOURCE))],  # fresh bytes beyond what is held at once
    [b"only fresh bytes"],
]


@pytest.mark.parametrize("parts", RECIPES)
def test_a_splice_writes_the_ranges_and_pieces_in_order(source: Path, tmp_path: Path, copying: str,
                                                        parts: list[bytes | Span]) -> None:
    target = tmp_path / "staging/deep/groups.csv"
    _, same = stage(Splice(source, parts), target, BASE)
    assert target.read_bytes() == _expected(parts) and not same
    assert b"".join(read(Splice(source, parts))) == _expected(parts)
    assert source.read_bytes() == SOURCE


@pytest.mark.parametrize("parts", [
    [(0, len(SOURCE))],
    [SOURCE[:5], (5, 600), (600, len(SOURCE) - 4), b"tail"],  # fresh pieces holding the published bytes
])
def test_a_splice_that_makes_the_published_bytes_says_so(source: Path, tmp_path: Path, copying: str,
                                                         parts: list[bytes | Span]) -> None:
    target = tmp_path / "groups.csv"
    assert stage(Splice(source, parts), target, BASE)[1]
    assert target.read_bytes() == SOURCE


@pytest.mark.parametrize("parts", [
    [(0, len(SOURCE) - 1)],  # shorter
    [(0, len(SOURCE)), b"!"],  # longer
    [(1, len(SOURCE)), b"\x00"],  # the same length and bytes shifted
    [(1, len(SOURCE)), SOURCE[-1:]],  # so, ending as the published bytes do
    [SOURCE[:5], (5, 600), b"!", (601, len(SOURCE))],  # one byte changed (SOURCE[600] is "X")
])
def test_a_splice_that_differs_from_the_published_bytes_says_so(source: Path, tmp_path: Path,
                                                                parts: list[bytes | Span]) -> None:
    target = tmp_path / "groups.csv"
    assert not stage(Splice(source, parts), target, BASE)[1]
    assert target.read_bytes() == _expected(parts)


def test_a_derived_digest_follows_the_published_digest_and_the_recipe(source: Path, tmp_path: Path) -> None:
    def digest(parts: list[bytes | Span], base: bytes = BASE) -> str:
        return stage(Splice(source, parts), tmp_path / "out", base)[0]

    recipe: list[bytes | Span] = [b"a", (0, 100), b"b"]
    assert digest(recipe) == digest(list(recipe))
    others = [digest(recipe, b"\x01" * 16), digest([b"a", (0, 101), b"b"]), digest([b"a", (0, 100), b"c"]),
              digest([b"a", (0, 50), (50, 100), b"b"]), digest([b"a", (0, 100), b"", b"b"])]
    # A new digest for every other base or recipe (the last two make the same bytes: a new digest costs a
    # write at worst, never a file taken for another).
    assert len({digest(recipe), *others}) == 1 + len(others)


def test_a_source_shorter_than_its_ranges_is_an_error(source: Path, tmp_path: Path, copying: str) -> None:
    with pytest.raises(OSError, match="shorter"):
        stage(Splice(source, [(0, len(SOURCE) + 10)]), tmp_path / "out", BASE)
    with pytest.raises(OSError, match="shorter"):
        b"".join(read(Splice(source, [(len(SOURCE) - 5, len(SOURCE) + 10)])))
