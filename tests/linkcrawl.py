"""A crawler over a built output folder: every internal link, anchor and asset must resolve to a file."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

URL_ATTRS = {("a", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("form", "action"),
             ("source", "src"), ("iframe", "src")}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id":
                self.ids.add(value)
            if (tag, name) in URL_ATTRS:
                self.urls.append(value)
            if tag == "meta" and name == "content" and value.startswith(("http://", "https://")):
                self.urls.append(value)


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text("utf-8"))
    return collector


def broken_links(output: Path, base_url: str) -> list[str]:
    """Every internal reference in every HTML page that does not resolve, as 'page -> url (why)'."""
    base = urlsplit(base_url)
    pages = sorted(output.rglob("*.html"))
    cache: dict[Path, _Collector] = {}
    problems: list[str] = []
    for page in pages:
        rel = page.relative_to(output).as_posix()
        page_url = base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        collected = cache.setdefault(page, parse(page))
        for raw in collected.urls:
            absolute = urljoin(page_url, raw)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or parts.netloc != base.netloc:
                continue
            if not parts.path.startswith(base.path):
                problems.append(f"{rel} -> {raw} (outside the base path {base.path})")
                continue
            target_rel = unquote(parts.path[len(base.path):])
            target = output / target_rel
            if target_rel == "" or target_rel.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{rel} -> {raw} (no file {target.relative_to(output)})")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = cache.setdefault(target, parse(target)).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{rel} -> {raw} (no element with id '{parts.fragment}')")
    return problems


def count_links(output: Path) -> int:
    return sum(len(parse(p).urls) for p in output.rglob("*.html"))
