"""axe-core (npm), injected with Playwright into headless Chromium, finds no WCAG 2.2 AA violations on each
page kind, in light and dark color schemes, at phone and desktop widths; the search page works by keyboard."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.quality.browsing import axe_violations, page_kinds, search, wait_for_results
from tests.quality.conftest import StaticServer

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def _kinds() -> list[str]:
    return ["home", "group", "a-z listing", "a-z listing page 2", "categories index", "categories listing",
            "tags index", "tags listing", "locations index", "locations listing", "industries index",
            "industries listing", "sizes index", "sizes listing", "search with results", "guides", "guide",
            "milestones", "milestone", "page", "stats", "404"]


@pytest.fixture(scope="module")
def kinds(sample_output: Path) -> dict[str, str]:
    return page_kinds(sample_output)


@pytest.fixture(params=[(s, w) for w in WIDTHS for s in SCHEMES], ids=lambda p: f"{p[0]}-{p[1]}", scope="module")
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    scheme, width = request.param
    viewport_width, viewport_height = WIDTHS[width]
    context = browser.new_context(viewport={"width": viewport_width, "height": viewport_height})
    page = context.new_page()
    page.emulate_media(color_scheme=scheme)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.script_errors = errors  # type: ignore[attr-defined]
    page.scheme = scheme  # type: ignore[attr-defined]
    yield page
    context.close()


@pytest.mark.parametrize("kind", _kinds())
def test_no_axe_violations(kind: str, page: Any, kinds: dict[str, str], sample_server: StaticServer,
                           axe_script: Path) -> None:
    page.script_errors.clear()
    if kind == "search with results":
        search(page, sample_server.url, "alumni")
    else:
        if kind not in kinds:
            pytest.skip(f"the sample site has no {kind} page")
        response = page.goto(sample_server.url + kinds[kind])
        assert response is not None
        assert response.status == (404 if kind == "404" else 200), kinds[kind]
        page.wait_for_load_state("load")
    dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    assert dark == (page.scheme == "dark"), "emulate_media(color_scheme=...) did not take effect"
    violations = axe_violations(page, axe_script)
    assert not violations, f"{kind} ({page.url}):\n" + "\n".join(violations)
    assert not page.script_errors, page.script_errors


def test_color_scheme_emulation_changes_the_page(browser: Any, sample_server: StaticServer) -> None:
    """The dark runs really are dark: the theme reacts to prefers-color-scheme."""
    colors = {}
    for scheme in SCHEMES:
        context = browser.new_context()
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        page.goto(sample_server.url)
        colors[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert colors["light"] != colors["dark"], colors


def _tab_until(page: Any, predicate: str, limit: int = 400) -> int:
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return presses
    raise AssertionError(f"Tab never reached an element where {predicate} (after {limit} presses)")


def test_search_page_works_by_keyboard(browser: Any, sample_server: StaticServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(sample_server.url + "search/")
        page.wait_for_function("() => document.querySelector('[data-search-index]').dataset.state === 'done'")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        # From the top of the page, Tab reaches the search field (no mouse anywhere in this test).
        _tab_until(page, "document.activeElement && document.activeElement.id === 'search-q'")
        page.keyboard.type("alumni", delay=20)
        page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'alumni'")
        wait_for_results(page)
        before_url = page.url
        before_status = page.locator("#search-status").inner_text()
        before_results = page.locator("#search-results > li").count()
        # On to the first filter checkbox, then Space ticks it.
        _tab_until(page, "document.activeElement && document.activeElement.type === 'checkbox'")
        box = page.evaluate("({name: document.activeElement.name, value: document.activeElement.value,"
                            " checked: document.activeElement.checked})")
        assert not box["checked"]
        page.keyboard.press("Space")
        assert page.evaluate("document.activeElement.checked") is True
        page.wait_for_function("(b) => new URLSearchParams(location.search).getAll(b.name).includes(b.value)", arg=box)
        page.wait_for_function("() => document.querySelector('[data-search-index]').dataset.state === 'done'")
        after_status = page.locator("#search-status").inner_text()
        after_results = page.locator("#search-results > li").count()
        assert page.url != before_url
        assert (after_status, after_results) != (before_status, before_results), after_status
        # Space again unticks it and the filter leaves the URL.
        page.keyboard.press("Space")
        page.wait_for_function("(b) => !new URLSearchParams(location.search).getAll(b.name).includes(b.value)",
                               arg=box)
        # Enter in the search field submits without leaving the keyboard flow; results still show.
        page.locator("#search-q").focus()
        page.keyboard.press("Enter")
        wait_for_results(page)
    finally:
        context.close()


def test_focus_is_visible_on_the_search_field(browser: Any, sample_server: StaticServer) -> None:
    """Keyboard focus can be seen (WCAG 2.4.7): the focused search field draws an outline or a shadow."""
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(sample_server.url + "search/")
        _tab_until(page, "document.activeElement && document.activeElement.id === 'search-q'")
        style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                              " return {outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow}; })()")
        assert (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none", style
    finally:
        context.close()


def test_sample_site_builds_for_the_checks(sample_output: Path) -> None:
    """A cheap sanity check that the pages the parametrised tests visit exist in the build."""
    kinds = page_kinds(sample_output)
    for kind in _kinds():
        if kind in ("search with results", "404"):
            continue
        assert kind in kinds or kind == "a-z listing page 2", kind
    assert (sample_output / "search/index.html").is_file()
