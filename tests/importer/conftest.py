"""Fixtures for the importer: a site folder in tmp_path, a runner for `groupdir import`, and a checker."""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.cli import main as groupdir_main
from generator.importer.__main__ import main as import_main

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SITE_YAML = """\
title: Import Test Directory
base_url: https://example.org/
as_of: 2011-04-01
link_schemes: [matrix]
categories:
  - slug: professional
    name: Professional associations
  - slug: alumni
    name: University alumni
  - slug: topic
    name: Topic and interest groups
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def count(self, action: str) -> int:
        """The number before `action` in the summary's last line, e.g. count('created')."""
        last = self.out.strip().splitlines()[-1].split(": ")[-1]
        for part in last.split(", "):
            number, _, word = part.partition(" ")
            if word == action:
                return int(number)
        raise AssertionError(f"no '{action}' in {last!r}")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "content" / "groups").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
    return root


@pytest.fixture
def groups(site: Path) -> Path:
    return site / "content" / "groups"


Run = Callable[..., Result]


@pytest.fixture
def run_import(site: Path) -> Run:
    """Run `groupdir import FILE --source SITE [args]` in this process."""

    def run(file: Path, *args: str) -> Result:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = import_main([str(file), "--source", str(site), *args])
        return Result(code, out.getvalue(), err.getvalue())

    return run


def check(site: Path) -> tuple[int, str]:
    """`groupdir check --strict` on the site: (exit code, output)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = groupdir_main(["check", "--strict", "--jobs", "1", "--source", str(site)])
    return code, out.getvalue() + err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
