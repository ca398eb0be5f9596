"""Hostile files are rejected by `groupdir check` with a clear error naming the file, in bounded time and memory,
and the rest of the site is still checked (a separate bad group elsewhere is reported in the same run)."""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import SMALL_SITE
from tests.quality.sites import REPO

MEMORY_LIMIT = 2 * 1024**3  # RLIMIT_AS for the checking process
TIME_LIMIT = 60.0
OTHER_BAD = "content/groups/zz-other-bad.yaml"  # unknown category: must be reported whatever else is wrong


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, 12):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return ("name: Laughs\ncategory: alumni\n" + "\n".join(lines) + "\ndescription: *l\n").encode()


def recursive_alias() -> bytes:
    return b"name: Loop\ncategory: alumni\ntags: &loop [*loop, *loop]\n"


PWNED = Path(tempfile.gettempdir()) / "groupdir-pwned"  # a payload that ran would create this file


def python_tag() -> bytes:
    return (f"name: !!python/object/apply:os.system ['touch {PWNED}']\ncategory: alumni\n"
            "summary: !!python/name:os.system\n").encode()


def python_tag_front_matter() -> bytes:
    return b"---\nname: Tagged\ncategory: !!python/object/new:builtins.dict [{}]\n---\nBody.\n"


def binary() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64


def non_utf8() -> bytes:
    return "name: Caf\xe9 Society\ncategory: alumni\nsummary: Gr\xfc\xdfe aus M\xfcnchen\n".encode("latin-1")


def utf16() -> bytes:
    return "name: Wide\ncategory: alumni\n".encode("utf-16")


def fifty_megabytes() -> bytes:
    line = b"  A long description line that goes on and on and on and on and on and on and on.\n"
    return b"name: Huge\ncategory: alumni\ndescription: |\n" + line * (50 * 1024 * 1024 // len(line) + 1)


def deep_front_matter() -> bytes:
    depth = 100_000
    return b"---\nname: Deep\ncategory: alumni\nextra: " + b"[" * depth + b"]" * depth + b"\n---\nBody.\n"


def deep_block_nesting() -> bytes:
    lines = ["name: Deep blocks", "category: alumni", "audience:"]
    lines += [" " * (2 * n) + f"k{n}:" for n in range(1, 400)]
    return ("\n".join(lines) + " leaf\n").encode()


def many_documents() -> bytes:
    return b"name: One\ncategory: alumni\n---\nname: Two\ncategory: alumni\n" * 3


CASES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "billion laughs": ("content/groups/laughs.yaml", billion_laughs),
    "recursive alias": ("content/groups/loop.yaml", recursive_alias),
    "python object tag": ("content/groups/tagged.yaml", python_tag),
    "python tag in front matter": ("content/groups/tagged-front.md", python_tag_front_matter),
    "binary file": ("content/groups/image.yaml", binary),
    "binary markdown": ("content/guides/image.md", binary),
    "non-UTF-8 text": ("content/groups/latin1.yaml", non_utf8),
    "UTF-16 text": ("content/groups/wide.yaml", utf16),
    "50 MB file": ("content/groups/huge.yaml", fifty_megabytes),
    "50 MB markdown": ("content/guides/huge.md", fifty_megabytes),
    "deeply nested front matter": ("content/groups/deep.md", deep_front_matter),
    "deep block nesting": ("content/groups/deep-blocks.yaml", deep_block_nesting),
    "several documents": ("content/groups/several.yaml", many_documents),
}


def _write_site(root: Path) -> Path:
    for rel, text in SMALL_SITE.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    (root / OTHER_BAD).write_text("name: Other Bad\ncategory: no-such-category\n", "utf-8")
    return root


def _check(site: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "generator", "check", "--source", str(site), "--jobs", "1"],
                          capture_output=True, text=True, timeout=TIME_LIMIT, cwd=REPO, check=False,
                          preexec_fn=_limit_memory)
    return done, time.monotonic() - started


def test_the_base_site_reports_only_the_other_bad_group(tmp_path: Path) -> None:
    done, _ = _check(_write_site(tmp_path / "site"))
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1 and errors[0].startswith(OTHER_BAD + ":2:"), done.stdout


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_rejected_with_a_located_error(tmp_path: Path, case: str) -> None:
    rel, make = CASES[case]
    site = _write_site(tmp_path / "site")
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    (site / rel).write_bytes(make())
    pwned = PWNED
    pwned.unlink(missing_ok=True)
    done, seconds = _check(site)
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-4000:]
    assert done.returncode == 1, output[-4000:]
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    ours = [line for line in errors if line.startswith(rel + ":") or line.startswith(rel + ": ")]
    assert ours, f"no error names {rel}:\n{output[-4000:]}"
    assert any(line.startswith(OTHER_BAD + ":") for line in errors), f"the other bad group was not reported:\n{output}"
    assert all(len(line) < 1000 for line in errors), "an error line echoes the file's content"
    assert seconds < 30, f"check took {seconds:.1f}s"
    assert not pwned.exists(), "a YAML tag ran code"
