"""The hostile fixture site (tests/fixtures/hostile/): every text field, tag, category name, the site title and
every Markdown body carry attack strings. It builds, and nothing in it runs in Chromium.

The committed files hold the attack strings; the 1 MB description and the 10,000-character name are written
into tmp_path at test time. Payloads set `window.__pwned`; the browser tests assert it stays undefined, that no
dialog opens, and that no javascript:/data: link, iframe, object, event-handler attribute or foreign form
action exists in the DOM of any page, including the search page with the attack strings as its query.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.quality.browsing import search
from tests.quality.conftest import HOSTILE, StaticServer, copy_hostile
from tests.quality.feeds import atom_problems, json_feed_problems, sitemap_locs
from tests.quality.sites import REPO, build_site, html_pages
from tests.quality.vnu import vnu_errors

PWN = "window.__pwned=1"
ATTACKS = [
    f"<script>{PWN}</script>",
    f'"><img src=x onerror="{PWN}">',
    f"'><svg onload={PWN}>",
    f"</script><script>{PWN}</script>",
    f"javascript:{PWN}",
    f"data:text/html,<script>{PWN}</script>",
    "{{ 7*7 }}",
    "\u202egnp.exe\u202c",
    "line\u2028separator",
]
BIG_NAME = "N" * 9_990 + "<b>{{ 7*7 }}"  # 10,000 characters with markup and Jinja at the end
BIG_DESCRIPTION_BYTES = 1024 * 1024

# In the page: 0 when clean, else a list of what is wrong.
DOM_AUDIT = """() => {{
  const bad = [];
  const base = {};
  const unsafe = (v) => /^\\s*(javascript|data|vbscript):/i.test((v || '').replace(/[\\u0000-\\u001f]/g, ''));
  for (const el of document.querySelectorAll('*')) {{
    for (const attr of el.attributes) {{
      if (/^on/i.test(attr.name)) bad.push(`${{el.tagName}} has event handler ${{attr.name}}`);
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc', 'poster', 'background']
          .includes(attr.name.toLowerCase()) && unsafe(attr.value))
        bad.push(`${{el.tagName}} ${{attr.name}}=${{attr.value.slice(0, 80)}}`);
    }}
  }}
  for (const tag of ['iframe', 'frame', 'object', 'embed', 'base', 'applet'])
    for (const el of document.querySelectorAll(tag)) bad.push(`a <${{tag}}> element`);
  for (const el of document.querySelectorAll('meta[http-equiv]')) bad.push(`meta http-equiv ${{el.outerHTML}}`);
  for (const form of document.querySelectorAll('form')) {{
    const action = form.getAttribute('action');
    if (action === null || !action.startsWith(base)) bad.push(`form action ${{action}}`);
  }}
  for (const script of document.querySelectorAll('script')) {{
    const type = (script.getAttribute('type') || '').toLowerCase();
    if (script.src) {{
      if (!new URL(script.src).pathname.startsWith(base + 'static/')) bad.push(`script src ${{script.src}}`);
    }} else if (type === 'application/ld+json' || type === 'application/json') {{
      try {{ JSON.parse(script.textContent); }} catch (e) {{ bad.push(`inline JSON does not parse: ${{e}}`); }}
    }} else {{
      bad.push(`inline script: ${{script.textContent.slice(0, 80)}}`);
    }}
  }}
  if (typeof window.__pwned !== 'undefined') bad.push('window.__pwned was set');
  return bad;
}}""".format(json.dumps("/groups-directory/"))


def _write_big_records(site: Path) -> None:
    """The 1 MB description and the 10,000-character name, written at test time (too big to commit)."""
    chunk = "A paragraph with <script>window.__pwned=1</script>, {{ 7*7 }} and [js](javascript:window.__pwned=1).\n\n"
    description = (chunk * (BIG_DESCRIPTION_BYTES // len(chunk) + 1))[:BIG_DESCRIPTION_BYTES]
    groups = site / "content" / "groups"
    body = "\n".join("  " + line for line in description.splitlines())
    (groups / "big-description.yaml").write_text(
        "name: Big description\ncategory: plain\ntags: [big]\ndescription: |\n" + body + "\n", "utf-8")
    (groups / "long-name.yaml").write_text(
        f"name: '{BIG_NAME}'\ncategory: evil\nsummary: A name of {len(BIG_NAME)} characters.\n", "utf-8")


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    site = copy_hostile(root / "site")
    _write_big_records(site)
    return build_site(site, root / "output")


@pytest.fixture(scope="module")
def hostile_server(hostile_output: Path) -> Iterator[StaticServer]:
    with StaticServer(hostile_output) as server:
        yield server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.errors = []  # type: ignore[attr-defined]

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    # A payload that assigns window.__pwned is recorded even if the page later deletes it.
    page.add_init_script("Object.defineProperty(window, '__pwned', {configurable: false,"
                         " get() { return window.__pwnedHits ? 1 : undefined; },"
                         " set(v) { window.__pwnedHits = (window.__pwnedHits || 0) + 1; }});")
    yield page
    context.close()


def _problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(DOM_AUDIT)
    if page.dialogs:
        problems.append(f"a dialog opened: {page.dialogs}")
    if page.evaluate("window.__pwnedHits") is not None:
        problems.append("a payload ran")
    return problems


def _audit(page: Any, label: str) -> None:
    problems = _problems(page)
    assert not problems, f"{label}: {problems[:20]}"


def test_fixture_is_committed_and_hostile() -> None:
    text = "\n".join(p.read_text("utf-8") for p in HOSTILE.rglob("*") if p.is_file())
    for needle in ("<script>", "onerror=", "javascript:", "data:text/html", "</script>", "{{ 7*7 }}", "\u202e",
                   "\u2028", "<iframe", "<form action"):
        assert needle in text, needle
    assert sum(p.stat().st_size for p in HOSTILE.rglob("*") if p.is_file()) < 100_000  # nothing huge committed


def test_hostile_site_checks_clean() -> None:
    """Text and Markdown are neutralised, not rejected: `groupdir check` accepts the committed fixture."""
    done = subprocess.run([sys.executable, "-m", "generator", "check", "--source", str(HOSTILE), "--jobs", "1"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hostile_site_builds_with_big_records(hostile_output: Path) -> None:
    big = hostile_output / "groups" / "big-description" / "index.html"
    assert big.stat().st_size > BIG_DESCRIPTION_BYTES
    assert (hostile_output / "groups" / "long-name" / "index.html").is_file()
    for rel in ("groups/hostile-yaml/", "groups/hostile-markdown/", "groups/hostile-json/", "groups/hostile-csv/",
                "guides/hostile-guide/", "milestones/hostile-milestone/", "hostile-page/"):
        assert (hostile_output / rel / "index.html").is_file(), rel


class _Markup(HTMLParser):
    """What a browser would treat as active markup in one page, read with the standard HTML tokenizer."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "data") and value and \
                    re.match(r"\s*(javascript|data|vbscript):", re.sub(r"[\x00-\x1f]", "", value), re.I):
                self.found.append(f"<{tag} {name}={value[:60]}>")
        if tag in ("iframe", "frame", "object", "embed", "base"):
            self.found.append(f"<{tag}>")
        if tag == "script" and not values.get("src") and values.get("type") not in ("application/ld+json",
                                                                                   "application/json"):
            self.found.append("inline <script>")


def test_no_active_markup_from_content_in_the_html(hostile_output: Path) -> None:
    """A static check before the browser: no payload became a tag or an attribute in any page."""
    for path in hostile_output.rglob("*.html"):
        parser = _Markup()
        parser.feed(path.read_text("utf-8"))
        assert not parser.found, f"{path.relative_to(hostile_output)}: {parser.found[:10]}"


def test_direction_overrides_are_removed(hostile_output: Path) -> None:
    """U+202A-U+202E and U+2066-U+2069 make text read differently from what it is; none reaches a page."""
    leaks = {}
    for path in sorted(hostile_output.rglob("*.html")):
        html = path.read_text("utf-8")
        found = sorted({f"U+{ord(c):04X}" for c in html if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069})
        if found:
            at = min(html.find(chr(int(code[2:], 16))) for code in found)
            leaks[path.relative_to(hostile_output).as_posix()] = (found, html[max(at - 80, 0): at + 20])
    assert not leaks, "\n".join(f"{k}: {v}" for k, v in list(leaks.items())[:10]) + f"\n({len(leaks)} pages)"


@pytest.mark.browser
def test_no_page_runs_a_payload(hostile_output: Path, hostile_server: StaticServer, page: Any) -> None:
    pages = html_pages(hostile_output)
    assert len(pages) > 30
    found = {}
    for rel in pages:
        page.goto(hostile_server.url + rel, wait_until="load")
        problems = _problems(page)
        if problems:
            found[rel] = sorted(set(problems))
    assert not found, "\n".join(f"{rel}: {problems}" for rel, problems in found.items())
    assert not page.errors, page.errors


@pytest.mark.browser
def test_jinja_syntax_is_shown_literally(hostile_server: StaticServer, page: Any) -> None:
    for rel in ("groups/hostile-yaml/", "groups/hostile-markdown/", "guides/hostile-guide/", "hostile-page/", ""):
        page.goto(hostile_server.url + rel)
        text = page.inner_text("body")
        assert "{{ 7*7 }}" in text, rel
        assert "{% if true %}JINJA-BLOCK{% endif %}" in text, rel
        title = page.title()
        assert "{{ 7*7 }}" in (title + text)
    page.goto(hostile_server.url + "groups/long-name/")
    assert BIG_NAME in page.inner_text("h1")


@pytest.mark.browser
def test_search_with_attack_strings_as_the_query(hostile_server: StaticServer, page: Any) -> None:
    for query in ATTACKS:
        search(page, hostile_server.url, query, minimum=0)
        _audit(page, f"search for {query!r}")
        for link in page.locator("#search-results a").all():
            href = link.get_attribute("href") or ""
            assert href.startswith("/groups-directory/") or href.startswith("http"), href
    # The same strings arriving through the URL, as a shared link would bring them.
    for query in ATTACKS:
        page.goto(hostile_server.url + "search/?q=" + query.replace("#", "%23").replace("&", "%26"))
        page.wait_for_function("() => document.querySelector('[data-search-index]').dataset.state !== 'busy'")
        _audit(page, f"search URL for {query!r}")
    search(page, hostile_server.url, "script", minimum=1)
    _audit(page, "search for 'script'")
    assert not page.errors, page.errors


def test_hostile_feeds_and_sitemap_stay_well_formed(hostile_output: Path) -> None:
    for feed in ("groups/feed.xml", "milestones/feed.xml"):
        assert not atom_problems(hostile_output / feed), atom_problems(hostile_output / feed)
    assert not json_feed_problems(hostile_output / "groups/feed.json")
    _, problems = sitemap_locs(hostile_output)
    assert not problems, problems


@pytest.mark.slow
def test_hostile_pages_are_valid_html(hostile_output: Path) -> None:
    _, errors = vnu_errors(hostile_output)
    assert not errors, "\n".join(errors[:40])


BAD_URLS = [
    "javascript:window.__pwned=1",
    "JavaScript:window.__pwned=1",
    "data:text/html,<script>window.__pwned=1</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "java\tscript:window.__pwned=1",
    " javascript:window.__pwned=1",
    "\x01javascript:window.__pwned=1",
    'https://example.org/site?q="><script>window.__pwned=1</script>',
]


@pytest.mark.parametrize("field", ["join_url", "website"])
def test_check_rejects_dangerous_url_schemes(tmp_path: Path, field: str) -> None:
    site = copy_hostile(tmp_path / "site")
    for number, url in enumerate(BAD_URLS):
        (site / "content" / "groups" / f"bad-url-{number}.yaml").write_text(
            f"name: Bad URL {number}\ncategory: plain\n{field}: {json.dumps(url)}\n", "utf-8")
    done = subprocess.run([sys.executable, "-m", "generator", "check", "--source", str(site), "--jobs", "1"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for number in range(len(BAD_URLS)):
        name = f"content/groups/bad-url-{number}.yaml:3:"
        hits = [line for line in lines if line.startswith(name) and ": error:" in line and field in line]
        assert hits, f"{BAD_URLS[number]!r} in {field} was not rejected with a located error:\n{done.stdout}"
    # Nothing else is reported: the hostile text and Markdown are accepted.
    errors = [line for line in lines if ": error:" in line]
    assert len(errors) == len(BAD_URLS), "\n".join(errors)
