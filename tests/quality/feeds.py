"""Checks for feeds and sitemaps shared by the sample-site, large-site and hostile-site tests."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

SCHEMAS = Path(__file__).resolve().parent / "schemas"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITEMAP_MAX_URLS = 50_000
SITEMAP_MAX_BYTES = 50 * 1024 * 1024


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def _rfc3339(text: str | None) -> bool:
    if not text:
        return False
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def atom_problems(path: Path) -> list[str]:
    """What feedparser and the Atom spec (RFC 4287) say is wrong with one Atom feed; empty when fine."""
    import feedparser

    problems = []
    parsed = feedparser.parse(path.read_bytes())
    if parsed.bozo:
        problems.append(f"feedparser: bozo {parsed.bozo_exception!r}")
    if parsed.version != "atom10":
        problems.append(f"feedparser sees version {parsed.version!r}, not atom10")
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    if root.tag != f"{ATOM}feed":
        return [*problems, f"root element is {root.tag}"]
    for name in ("id", "title", "updated"):
        element = root.find(f"{ATOM}{name}")
        if element is None or not (element.text or "").strip():
            problems.append(f"feed has no {name}")
    if not _rfc3339(root.findtext(f"{ATOM}updated")):
        problems.append(f"feed updated {root.findtext(f'{ATOM}updated')!r} is not an RFC 3339 date-time")
    feed_author = root.find(f"{ATOM}author/{ATOM}name") is not None
    if root.find(f"{ATOM}link[@rel='self']") is None:
        problems.append("feed has no rel=self link")
    entries = root.findall(f"{ATOM}entry")
    for number, entry in enumerate(entries, start=1):
        for name in ("id", "title", "updated"):
            element = entry.find(f"{ATOM}{name}")
            if element is None or not (element.text or "").strip():
                problems.append(f"entry {number} has no {name}")
        if not _rfc3339(entry.findtext(f"{ATOM}updated")):
            problems.append(f"entry {number} updated is not an RFC 3339 date-time")
        links = [link for link in entry.findall(f"{ATOM}link") if link.get("href")]
        if not links:
            problems.append(f"entry {number} has no link")
        if not feed_author and entry.find(f"{ATOM}author/{ATOM}name") is None:
            problems.append(f"entry {number} has no author and the feed has none either")
    if len(parsed.entries) != len(entries):
        problems.append(f"feedparser found {len(parsed.entries)} entries, the XML holds {len(entries)}")
    return problems


def json_feed_problems(path: Path) -> list[str]:
    """What is missing from a JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/); empty when fine."""
    problems = []
    feed = json.loads(path.read_text("utf-8"))
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {feed.get('version')!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        problems.append("no title")
    for key in ("home_page_url", "feed_url"):
        if key in feed and urlsplit(feed[key]).scheme not in ("http", "https"):
            problems.append(f"{key} {feed[key]!r} is not an absolute URL")
    items = feed.get("items")
    if not isinstance(items, list):
        return [*problems, "items is not a list"]
    ids = set()
    for number, item in enumerate(items, start=1):
        if not isinstance(item.get("id"), str) or not item["id"]:
            problems.append(f"item {number} has no id (a string)")
        ids.add(item.get("id"))
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            problems.append(f"item {number} has neither content_html nor content_text")
        if "url" in item and urlsplit(item["url"]).scheme not in ("http", "https"):
            problems.append(f"item {number} url is not absolute")
        for key in ("date_published", "date_modified"):
            if key in item and not _rfc3339(item[key]):
                problems.append(f"item {number} {key} {item[key]!r} is not RFC 3339")
        if "tags" in item and not all(isinstance(t, str) for t in item["tags"]):
            problems.append(f"item {number} tags are not all strings")
    if len(ids) != len(items):
        problems.append("item ids are not unique")
    return problems


def sitemap_locs(output: Path) -> tuple[list[str], list[str]]:
    """(every URL the site's sitemap lists, problems): validates sitemap.xml or the index and each of its parts."""
    problems: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

    def check(path: Path, schema_name: str, root_tag: str) -> etree._Element | None:
        if path.stat().st_size > SITEMAP_MAX_BYTES:
            problems.append(f"{path.name} is larger than 50 MB")
        document = etree.parse(str(path), parser)
        validator = schema(schema_name)
        if not validator.validate(document):
            problems.extend(f"{path.name}:{e.line}: {e.message}" for e in list(validator.error_log)[:20])
            return None
        if document.getroot().tag != f"{SITEMAP_NS}{root_tag}":
            problems.append(f"{path.name} root is {document.getroot().tag}")
            return None
        return document.getroot()

    main = output / "sitemap.xml"
    root = etree.parse(str(main), parser).getroot()
    locs: list[str] = []
    if root.tag == f"{SITEMAP_NS}sitemapindex":
        index = check(main, "siteindex.xsd", "sitemapindex")
        if index is None:
            return locs, problems
        parts = [e.text or "" for e in index.iter(f"{SITEMAP_NS}loc")]
        if len(parts) > SITEMAP_MAX_URLS:
            problems.append(f"the index lists {len(parts)} sitemaps")
        for part_url in parts:
            name = urlsplit(part_url).path.rsplit("/", 1)[-1]
            part_path = output / name
            if not part_path.is_file():
                problems.append(f"the index lists {part_url}, which was not written")
                continue
            part = check(part_path, "sitemap.xsd", "urlset")
            if part is None:
                continue
            found = [e.text or "" for e in part.iter(f"{SITEMAP_NS}loc")]
            if len(found) > SITEMAP_MAX_URLS:
                problems.append(f"{name} lists {len(found)} URLs, more than 50,000")
            locs.extend(found)
    else:
        urlset = check(main, "sitemap.xsd", "urlset")
        if urlset is not None:
            locs = [e.text or "" for e in urlset.iter(f"{SITEMAP_NS}loc")]
            if len(locs) > SITEMAP_MAX_URLS:
                problems.append(f"sitemap.xml lists {len(locs)} URLs, more than 50,000")
    return locs, problems


def indexable_pages(output: Path, base_url: str) -> set[str]:
    """Absolute URLs of every HTML page that does not ask robots not to index it."""
    pages = set()
    for path in output.rglob("*.html"):
        with path.open("rb") as handle:
            head = handle.read(4096)
        if b'<meta name="robots" content="noindex">' in head:
            continue
        rel = path.relative_to(output).as_posix()
        pages.add(base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return pages
