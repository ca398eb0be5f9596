"""Shared fixtures: tiny sites written to tmp_path, and a build helper."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from generator.build import build
from generator.options import BuildOptions, BuildResult

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole run, driven by Playwright (one sync Playwright per thread)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required (scripts/setup.sh test installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()

SITE_YAML = """\
title: Test Directory
description: A directory for tests.
base_url: https://example.org/sub/dir/
language: en
theme: default
per_page: 2
as_of: 2011-04-01
link_schemes: [matrix]
categories:
  - slug: alumni
    name: University alumni
    description: Graduates keeping in touch.
  - slug: industry
    name: Industry
    description: One industry.
extra: {}
"""

GROUP_A = """\
name: Alpha Alumni
summary: Graduates of Alpha.
category: alumni
tags: [careers, mentoring]
industry: Higher Education
location: {city: Zürich, country: Switzerland}
members: 450
members_as_of: 2011-03-01
founded: 2008-01-01
added: 2011-02-01
join_url: https://example.org/join/alpha
activity: {last_post: 2011-03-20, posts_per_month: 5}
featured: true
description: |
  Alpha's **alumni** meet here.
"""

GROUP_B = """\
---
name: Beta Builders
category: industry
tags: [construction, careers]
members: 12000
location: online
activity: {last_post: 2010-01-01}
added: 2011-03-01
related: [alpha-alumni]
---
Beta builds things.
"""

GROUPS_CSV = """\
name,slug,category,tags,members,country,city
Gamma Group,gamma-group,industry,careers;data,80,Germany,Berlin
Delta Circle,delta-circle,alumni,mentoring,2500,Germany,Munich
"""

GUIDE = """\
---
title: Choosing groups
date: 2011-03-01
summary: How to choose.
categories: [alumni]
---
Purpose first.
"""

MILESTONE = """\
---
title: One million groups
date: 2011-03-30
figure: 1000237
figure_label: groups
---
The count passed one million.
"""

PAGE = """\
---
title: About
---
About this directory.
"""

SMALL_SITE = {
    "site.yaml": SITE_YAML,
    "content/groups/alpha-alumni.yaml": GROUP_A,
    "content/groups/beta-builders.md": GROUP_B,
    "content/groups/more.csv": GROUPS_CSV,
    "content/guides/choosing-groups.md": GUIDE,
    "content/milestones/one-million.md": MILESTONE,
    "content/pages/about.md": PAGE,
}

MakeSite = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Write a site: the small valid site, with files replaced, added, or removed (value None)."""

    def make(files: dict[str, str | bytes | None] | None = None, *, base: dict[str, str] | None = None,
             name: str = "site") -> Path:
        root = tmp_path / name
        merged: dict[str, str | bytes | None] = {**(SMALL_SITE if base is None else base), **(files or {})}
        for rel, text in merged.items():
            if text is None:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(text, bytes):
                path.write_bytes(text)
            else:
                path.write_text(textwrap.dedent(text) if text.startswith("\n") else text, "utf-8")
        return root

    return make


def run_build(root: Path, output: Path | None = None, **kwargs: object) -> BuildResult:
    """A build in this process (one job unless told); `state`: an earlier build's state, as the preview hands over."""
    state = kwargs.pop("state", None)
    options = BuildOptions(root, output or root / "output", jobs=int(str(kwargs.pop("jobs", 1))), **kwargs)  # type: ignore[arg-type]
    return build(options, state)  # type: ignore[arg-type]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def open_deleted(folder: Path) -> set[str]:
    """The files under `folder` that this process holds open though they no longer have a name (Linux)."""
    held = set()
    for link in Path("/proc/self/fd").iterdir():
        try:
            target = str(link.readlink())
        except OSError:  # the descriptor of the listing itself, closed meanwhile
            continue
        if target.startswith(f"{folder}/") and target.endswith(" (deleted)"):
            held.add(target[len(str(folder)) + 1:-len(" (deleted)")])
    return held



T = TypeVar("T")


def python_calls(function: Callable[..., T], *args: Any) -> tuple[T, list[str]]:
    """What `function(*args)` returns, and the Python functions called while it ran (a profile hook sees each
    call; `function` itself is among them unless it is written in C, as pickle.loads is)."""
    calls: list[str] = []

    def watch(frame: object, event: str, arg: object) -> None:
        if event == "call":
            calls.append(getattr(getattr(frame, "f_code", None), "co_qualname", "?"))

    sys.setprofile(watch)
    try:
        return function(*args), calls
    finally:
        sys.setprofile(None)
