"""The search page of the sample site (content/ and site.yaml), built by `python -m generator build`,
driven in headless Chromium."""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.search.conftest import REPO, Server

GROUPS = REPO / "content" / "groups"


def raw_groups() -> list[dict[str, Any]]:
    """Every group of content/groups/, read here straight from the files (YAML, front matter, CSV)."""
    out: list[dict[str, Any]] = []
    for path in sorted(GROUPS.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yaml":
            out.append(yaml.safe_load(text))
        elif path.suffix == ".md":
            out.append(yaml.safe_load(text.split("---", 2)[1]))
        elif path.suffix == ".csv":
            for row in csv.DictReader(text.splitlines()):
                out.append({**row, "languages": [x for x in row["languages"].split(";") if x],
                            "members": int(row["members"]) if row["members"] else None})
    return [g for g in out if not g.get("draft")]


def band(members: int | None) -> str:
    if members is None:
        return "unknown"
    for limit, slug in ((100, "under-100"), (1000, "100-999"), (10000, "1000-9999"), (100000, "10000-99999")):
        if members < limit:
            return slug
    return "100000-plus"


def expected_counts(groups: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    return {
        "category": Counter(g["category"] for g in groups),
        "language": Counter(lang for g in groups for lang in g.get("languages") or []),
        "visibility": Counter(g.get("visibility") or "open" for g in groups),
        "size": Counter(band(int(g["members"]) if g.get("members") not in (None, "") else None) for g in groups),
    }


def shown_counts(page: Any) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = page.evaluate("""() => {
      const out = {};
      for (const box of document.querySelectorAll("fieldset[data-facet] input[type=checkbox]")) {
        const count = Number(box.closest("label").querySelector("[data-count]").textContent.replace(/,/g, ""));
        (out[box.name] = out[box.name] || {})[box.value] = count;
      }
      return out;
    }""")
    return found


def wait_done(page: Any, status: str | None = None) -> None:
    page.wait_for_function("document.querySelector('[data-search-index]').dataset.state === 'done'")
    if status is not None:
        page.wait_for_function("(s) => document.getElementById('search-status').textContent.includes(s)", arg=status)


def titles(page: Any) -> list[str]:
    result: list[str] = page.eval_on_selector_all("#search-results li h2 a", "(links) => links.map(a => a.textContent)")
    return result


@pytest.fixture()
def page(browser: Any, sample_server: Server) -> Any:
    opened = browser.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    opened.close()
    assert not errors


def settle(page: Any, query: str) -> None:
    page.wait_for_function("(q) => document.getElementById('search-status').textContent.includes(q)", arg=query)


@pytest.mark.browser
def test_typing_a_group_name_finds_it_first(page: Any, sample_server: Server) -> None:
    page.goto(sample_server.url + "search/")
    wait_done(page)
    names = [str(g["name"]) for g in raw_groups()]
    assert len(names) > 30
    for name in names:
        page.fill("#search-q", name)
        settle(page, name.strip())
        assert titles(page)[0] == name


@pytest.mark.browser
def test_a_prefix_finds_the_group_while_typing(page: Any, sample_server: Server) -> None:
    page.goto(sample_server.url + "search/")
    wait_done(page)
    page.click("#search-q")
    page.keyboard.type("rust berl", delay=30)
    settle(page, "rust berl")
    assert titles(page)[0] == "Rust Berlin"
    assert page.get_attribute("#search-results li h2 a", "href") == "/groups-directory/groups/rust-berlin/"
    page.fill("#search-q", "")
    page.keyboard.type("recru", delay=30)
    settle(page, "recru")
    assert "Recruiter Network" in titles(page)
    assert parse_qs(urlsplit(page.url).query) == {"q": ["recru"]}


@pytest.mark.browser
def test_zurich_finds_zurich_with_an_umlaut(page: Any, sample_server: Server) -> None:
    page.goto(sample_server.url + "search/?q=Zurich")
    wait_done(page, "Zurich")
    zurich = [str(g["name"]) for g in raw_groups()
              if "Zürich" in str(g["name"]) + str(g.get("location", "")) + str(g.get("city", ""))]
    assert zurich
    assert set(zurich) <= set(titles(page))


@pytest.mark.browser
def test_facet_counts_equal_counts_from_content(page: Any, sample_server: Server) -> None:
    groups = raw_groups()
    page.goto(sample_server.url + "search/")
    wait_done(page)
    shown = shown_counts(page)
    for facet, counted in expected_counts(groups).items():
        assert shown[facet] == dict(counted), facet
    page.check("input[name=category][value=alumni]")
    wait_done(page)
    page.wait_for_function("() => location.search.includes('category=alumni')")
    alumni = [g for g in groups if g["category"] == "alumni"]
    shown = shown_counts(page)
    assert shown["category"] == dict(expected_counts(groups)["category"])  # its own selection does not apply
    for facet in ("language", "visibility", "size"):
        expected = expected_counts(alumni)[facet]
        assert {k: v for k, v in shown[facet].items() if v} == dict(expected), facet
    assert page.text_content("#search-status").startswith(f"{len(alumni)} groups")


@pytest.mark.browser
def test_url_state_survives_reload_and_back(page: Any, sample_server: Server) -> None:
    page.goto(sample_server.url + "search/?q=alumni&language=en&sort=name")
    wait_done(page, "alumni")
    first = titles(page)
    assert first == sorted(first, key=lambda name: "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)))
    assert page.input_value("#search-q") == "alumni"
    assert page.is_checked("input[name=language][value=en]")
    assert page.input_value("#search-sort") == "name"
    page.check("input[name=visibility][value=request]")
    page.wait_for_function("() => location.search.includes('visibility=request')")
    wait_done(page)
    narrowed = titles(page)
    assert len(narrowed) < len(first)
    page.reload()
    wait_done(page, "alumni")
    assert page.is_checked("input[name=visibility][value=request]")
    assert titles(page) == narrowed
    page.go_back()
    page.wait_for_function("() => !location.search.includes('visibility=request')")
    wait_done(page)
    assert not page.is_checked("input[name=visibility][value=request]")
    assert page.input_value("#search-sort") == "name"
    page.wait_for_function("(n) => document.querySelectorAll('#search-results li').length === n", arg=len(first))
    assert titles(page) == first


@pytest.mark.browser
def test_the_page_is_usable_from_the_keyboard(page: Any, sample_server: Server) -> None:
    page.goto(sample_server.url + "search/")
    wait_done(page)
    page.focus("#search-q")
    page.keyboard.type("rust")
    settle(page, "rust")
    page.keyboard.press("Tab")  # the submit button
    page.keyboard.press("Tab")  # the sort select
    assert page.evaluate("document.activeElement.id") == "search-sort"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "category"
    page.keyboard.press("Space")
    page.wait_for_function("() => location.search.includes('category=')")
    label = page.get_by_label("Name, topic, place or tag")
    assert label.count() == 1
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    assert page.locator("fieldset[data-facet] legend").count() >= 5


def test_without_javascript_the_form_says_so_and_links_to_browse_pages(sample_site: Path) -> None:
    html = (sample_site / "search" / "index.html").read_text(encoding="utf-8")
    noscript = html.split("<noscript>", 1)[1].split("</noscript>", 1)[0]
    assert "needs JavaScript" in noscript
    assert 'href="/groups-directory/categories/"' in noscript


@pytest.mark.browser
def test_content_is_inserted_as_text(browser: Any, tmp_path: Path) -> None:
    source = tmp_path / "site"
    (source / "content" / "groups").mkdir(parents=True)
    (source / "site.yaml").write_text(textwrap.dedent("""\
        title: Test
        base_url: https://example.org/groups-directory/
        as_of: 2011-04-01
        categories:
          - {slug: topic, name: Topics}
        """), encoding="utf-8")
    (source / "content" / "groups" / "evil.yaml").write_text(textwrap.dedent("""\
        name: "Evil <img src=x onerror=window.hacked=1> Club"
        summary: "<b>bold</b> & <script>window.hacked=2</script>"
        category: topic
        """), encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(source), "--output", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    page = browser.new_page()
    with Server(out) as server:
        page.goto(server.url + "search/?q=evil")
        wait_done(page, "evil")
        assert titles(page) == ["Evil <img src=x onerror=window.hacked=1> Club"]
        assert page.locator("#search-results img, #search-results b, #search-results script").count() == 0
        assert page.evaluate("window.hacked === undefined")
    page.close()
