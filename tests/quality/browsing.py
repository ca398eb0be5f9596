"""Helpers for the browser checks: pages of each kind in a built site, axe-core runs, search-page driving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.quality.sites import html_pages

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})"
DIMENSIONS = ("categories", "tags", "locations", "industries", "sizes")


def page_kinds(output: Path) -> dict[str, str]:
    """One page of each kind the issue names, as a path under the base path, picked from the built output."""
    pages = html_pages(output)

    def first(prefix: str) -> str:
        found = [p for p in pages if p.startswith(prefix) and p != prefix and p.count("/") == prefix.count("/") + 1
                 and "/page/" not in p]
        assert found, f"no page under {prefix} in {output}"
        return found[0]

    kinds = {"home": "", "group": first("groups/"), "a-z listing": "groups/", "guides": "guides/",
             "guide": first("guides/"), "milestones": "milestones/", "milestone": first("milestones/"),
             "stats": "stats/", "404": "no-such-page/"}
    if "groups/page/2/" in pages:
        kinds["a-z listing page 2"] = "groups/page/2/"
    pages_left = [p for p in pages if p.count("/") == 1 and p.split("/")[0] not in
                  {"groups", "guides", "milestones", "stats", "search", *DIMENSIONS}]
    if pages_left:
        kinds["page"] = pages_left[0]
    for dimension in DIMENSIONS:
        kinds[f"{dimension} index"] = f"{dimension}/"
        kinds[f"{dimension} listing"] = first(f"{dimension}/")
    return kinds


def axe_violations(page: Any, axe: Path) -> list[str]:
    """Run axe-core in the page at WCAG 2.2 AA; every violation as one readable line per node."""
    page.add_script_tag(path=str(axe))
    result = page.evaluate(AXE_RUN)
    lines = []
    for violation in result["violations"]:
        for node in violation["nodes"][:8]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at "
                         f"{node['target']}: {summary} html={node['html'][:160]!r}")
        if len(violation["nodes"]) > 8:
            lines.append(f"{violation['id']}: ... and {len(violation['nodes']) - 8} more nodes")
    return lines


def wait_for_results(page: Any, *, minimum: int = 1, timeout: float = 15_000) -> None:
    """Wait until the search page has finished a search showing at least `minimum` results."""
    page.wait_for_function(
        "(n) => { const r = document.querySelector('[data-search-index]');"
        " return r && r.dataset.state === 'done'"
        " && document.querySelectorAll('#search-results > li').length >= n; }",
        arg=minimum, timeout=timeout)


def search(page: Any, url: str, query: str, *, minimum: int = 1) -> None:
    """Open the search page, type a query into the search field and wait for the results."""
    page.goto(url + "search/")
    page.wait_for_function("() => document.querySelector('[data-search-index]').dataset.state === 'done'",
                           timeout=15_000)
    page.locator("#search-q").fill("")
    page.locator("#search-q").type(query, delay=10)
    page.wait_for_function(
        "(q) => new URLSearchParams(window.location.search).get('q') === q"
        " && document.querySelector('[data-search-index]').dataset.state === 'done'", arg=query, timeout=15_000)
    if minimum:
        wait_for_results(page, minimum=minimum)
