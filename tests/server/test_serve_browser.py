"""Headless Chromium against the real server: pages change by themselves when files change on disk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Served

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    yield tab
    context.close()


def _connected(page: Any) -> None:
    # livereload.js has done its handshake once the page's socket is open.
    page.wait_for_function("() => window.LiveReload && window.LiveReload.connector && "
                           "window.LiveReload.connector.protocol > 0", timeout=10_000)


def test_group_page_follows_the_file(served: Served, site: Path, page: Any,
                                     edit: Callable[[Path, str], None]) -> None:
    page.goto(served.url + "groups/alpha/")
    assert page.inner_text("#title") == "Alpha Group"
    _connected(page)
    group = site / "content" / "groups" / "alpha.yaml"
    edit(group, group.read_text("utf-8").replace("name: Alpha Group", "name: Alpha Live"))
    page.wait_for_function("() => document.querySelector('#title')?.textContent === 'Alpha Live'",
                           timeout=10_000)

    edit(group, "name: [broken\n")
    page.wait_for_function("() => document.querySelector('#groupdir-errors') !== null", timeout=10_000)
    assert "content/groups/alpha.yaml:2:1: error: malformed YAML" in page.inner_text("#groupdir-errors")
    _connected(page)
    edit(group, "name: Alpha Back\nsummary: Back again.\ncategory: topic\n")
    page.wait_for_function("() => document.querySelector('#title')?.textContent === 'Alpha Back'",
                           timeout=10_000)


def test_css_change_is_applied_without_a_reload(served: Served, site: Path, page: Any,
                                                edit: Callable[[Path, str], None]) -> None:
    page.goto(served.url + "groups/alpha/")
    _connected(page)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    color = "() => getComputedStyle(document.querySelector('#title')).color"
    assert page.evaluate(color) == "rgb(0, 0, 0)"
    edit(site / "themes" / "mini" / "static" / "css" / "site.css", "h1 { color: rgb(0, 128, 0); }\n")
    page.wait_for_function(f"() => ({color})() === 'rgb(0, 128, 0)'", timeout=10_000)
    assert page.evaluate("() => window.stillTheSamePage") is True
