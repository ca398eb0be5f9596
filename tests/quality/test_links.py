"""Every internal link, #anchor and asset reference resolves with the site served under a sub-path.

Two independent checkers: LinkChecker (PyPI `linkchecker`, over HTTP against the local server at
/groups-directory/, recursive; every path on the server's origin counts as internal, so a link that escapes
the base path is fetched and fails) and tests/linkcrawl.py (our own crawler over the files, which also
checks #fragments against element ids: LinkChecker's AnchorCheck plugin is disabled upstream as unreliable).
LinkChecker is skipped when it is not installed; the crawler always runs.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.linkcrawl import broken_links, count_links
from tests.quality.conftest import StaticServer
from tests.quality.sites import BASE_URL, REPO, build_site

RC = Path(__file__).resolve().parent / "linkcheckerrc"


def linkchecker(start_url: str, *, timeout: float = 900) -> tuple[int, list[str]]:
    """(URLs checked, every failure as 'parent -> url: result') from a recursive LinkChecker run.

    Every URL on the test server's origin counts as internal (so a link that escapes the base path is
    fetched, and fails); every other URL (external links, mailto:, matrix:) is left out of the check.
    """
    # Beside this interpreter first: the test command runs the venv's Python without putting its scripts on PATH.
    beside = Path(sys.executable).parent / "linkchecker"
    program = str(beside) if beside.exists() else shutil.which("linkchecker")
    if program is None:
        pytest.fail("linkchecker is not installed (bash scripts/setup.sh test installs it)")
    origin = re.escape(start_url.split("/groups-directory/", 1)[0] + "/")
    # LinkChecker drops root privileges to `nobody`, so its config file must be world-readable.
    with tempfile.TemporaryDirectory(prefix="linkcheckerrc-") as folder:
        os.chmod(folder, 0o755)
        config = Path(folder) / "linkcheckerrc"
        config.write_text(RC.read_text("utf-8").replace("[filtering]\n", f"[filtering]\ninternlinks=^{origin}\n"),
                          "utf-8")
        config.chmod(0o644)
        command = [program, "-f", str(config), "--no-robots", "--no-status", "--verbose", "-o", "csv",
                   "--ignore-url", f"^(?!{origin})", start_url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode in (0, 1), f"linkchecker exited {done.returncode}: {done.stderr[-3000:]}"
    rows = [line for line in done.stdout.splitlines() if line and not line.startswith("#")]
    checked, failures = 0, []
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        if "ignored" in (row.get("infostring") or "").lower() or row.get("result", "").startswith("Valid: ignored"):
            continue
        checked += 1
        if row.get("valid") != "True" or row.get("warningstring"):
            failures.append(f"{row.get('parentname')} -> {row.get('urlname')}: {row.get('result')} "
                            f"{row.get('warningstring') or ''}".strip())
    if done.returncode == 1:
        assert failures, f"linkchecker reported errors it did not list: {done.stdout[-3000:]}"
    return checked, failures


def test_linkchecker_finds_no_broken_links_in_the_sample_site(sample_server: StaticServer) -> None:
    checked, failures = linkchecker(sample_server.url)
    assert not failures, "\n".join(failures[:50])
    assert checked > 500, f"LinkChecker only checked {checked} URLs: did it crawl the site?"


def _break(output: Path, target: Path) -> Path:
    """A copy of a built site whose About page links to a missing page, #anchor, image and a path outside
    the base path."""
    shutil.copytree(output, target)
    about = target / "about" / "index.html"
    about.write_text(about.read_text("utf-8").replace(
        "</main>", '<a href="/groups-directory/no-such-page/">x</a> <a href="#no-such-anchor">y</a> '
        '<a href="/groups-directory/contribute/#no-such-fragment">v</a> '
        '<img src="/groups-directory/static/img/missing.png" alt="z"> <a href="/outside-the-base/">w</a></main>'),
        "utf-8")
    return target


def test_linkchecker_reports_breakage(sample_output: Path, tmp_path: Path) -> None:
    """The checker run above can fail: a missing page, a missing image and a path outside the base path."""
    broken = _break(sample_output, tmp_path / "broken")
    with StaticServer(broken) as server:
        _, failures = linkchecker(server.url + "about/")
    text = "\n".join(failures)
    for needle in ("no-such-page", "missing.png", "outside-the-base"):
        assert needle in text, f"{needle} not reported:\n{text}"


def test_crawler_reports_breakage(sample_output: Path, tmp_path: Path) -> None:
    problems = "\n".join(broken_links(_break(sample_output, tmp_path / "broken"), BASE_URL))
    for needle in ("no-such-page", "no-such-anchor", "no-such-fragment", "missing.png", "outside-the-base"):
        assert needle in problems, f"{needle} not reported:\n{problems}"


def test_crawler_finds_no_broken_links_in_the_sample_site(tmp_path: Path) -> None:
    """Built for a host of its own (the sample content's external links point at example.org)."""
    base = "https://directory.test/groups-directory/"
    output = build_site(REPO, tmp_path / "output", base_url=base)
    assert count_links(output) > 1000
    problems = broken_links(output, base)
    assert not problems, "\n".join(problems[:50])


def test_sample_site_under_another_sub_path(tmp_path: Path) -> None:
    """Built for a deeper base path, every link still resolves under that path (crawler over the files)."""
    base = "https://example.net/a/b/"
    output = build_site(REPO, tmp_path / "deep", base_url=base)
    problems = broken_links(output, base)
    assert not problems, "\n".join(problems[:50])
    assert "/groups-directory/" not in (output / "index.html").read_text("utf-8")


@pytest.mark.slow
def test_generated_1000_group_site_has_no_broken_links(generated_1000: Path) -> None:
    problems = broken_links(generated_1000, BASE_URL)
    assert not problems, "\n".join(problems[:50])
    with StaticServer(generated_1000) as server:
        checked, failures = linkchecker(server.url)
    assert not failures, "\n".join(failures[:50])
    assert checked > 3000
