"""One request in, one response out: what the preview serves, with no socket involved.

The preview serves the output folder under the site's base path, exactly as a static host would, plus two
fixed URLs of the livereload protocol at the server root (`/livereload.js` and the `/livereload` WebSocket,
which the client library cannot move). Everything here is a pure function of the request and the files,
so the path rules are tested without a server.
"""

from __future__ import annotations

import html
import mimetypes
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

LIVERELOAD_JS = "/livereload.js"
LIVERELOAD_SOCKET = "/livereload"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".pdf": "application/pdf",
    ".wasm": "application/wasm",
}

# The snippet livereload's own server injects, minus its flaws: the port comes from the page's own URL,
# and reconnection after a server restart starts at half a second.
RELOAD_SNIPPET = (
    b'<script>(function(){var d=document,s=d.createElement("script"),l=window.location,'
    b'p=l.port||(l.protocol==="https:"?443:80);'
    b's.src="//"+l.hostname+":"+p+"/livereload.js?port="+p+"&mindelay=500&maxdelay=5000";'
    b'(d.head||d.documentElement).appendChild(s);})();</script>'
)
_HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_PRIVATE = (".groupdir",)  # the output folder's own bookkeeping files


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def inject(body: bytes, snippet: bytes = RELOAD_SNIPPET) -> bytes:
    """The HTML with the reload script before `</head>` (or `</body>`, or at the end)."""
    match = _HEAD_END.search(body)
    if match is None:
        ends = list(_BODY_END.finditer(body))
        match = ends[-1] if ends else None
    if match is None:
        return body + snippet
    return body[: match.start()] + snippet + body[match.start():]


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Status:
    """What the last build left: the base path to serve under and, after a failed build, its report."""

    base_path: str = "/"
    failure: str | None = None  # the report as `groupdir check` prints it


@dataclass
class Responder:
    output: Path
    status: Status = field(default_factory=Status)
    livereload_js: Path | None = None
    reload_snippet: bytes = RELOAD_SNIPPET

    def respond(self, method: str, target: str) -> Response:
        """The response to `method target` (the raw request-target); for HEAD the caller drops the body."""
        if method not in ("GET", "HEAD"):
            return _plain(405, "method not allowed\n", ("Allow", "GET, HEAD"))
        status = self.status
        raw_path, query = _split_target(target)
        if raw_path is None:
            return _plain(400, "bad request\n")
        if raw_path == LIVERELOAD_JS:
            return self._livereload_js()
        base = status.base_path
        try:
            path = unquote(raw_path, errors="strict")
        except UnicodeDecodeError:
            return self._not_found(status)
        if path in ("/", base.rstrip("/")) and base != "/":
            return _redirect(base, query)
        if not path.startswith(unquote(base)):
            return self._not_found(status)
        rel = path[len(unquote(base)):]
        segments = rel.split("/")
        if any(s in (".", "..") or s.startswith(_PRIVATE) or "\x00" in s or "\\" in s for s in segments):
            return self._not_found(status)
        file = self._inside(os.path.join(self.output, *[s for s in segments if s]))
        if file is not None and os.path.isdir(file):
            if not path.endswith("/"):
                return _redirect(raw_path + "/", query)
            file = self._inside(os.path.join(file, "index.html"))
        last = segments[-1]
        looks_like_page = last == "" or last.endswith((".html", ".htm")) or "." not in last
        if status.failure is not None and looks_like_page:
            return self.error_page(status.failure)
        if file is None or not os.path.isfile(file):
            return self._not_found(status)
        try:
            with open(file, "rb") as handle:
                body = handle.read()
        except OSError:
            return self._not_found(status)
        return self._file(200, file, body)

    def _inside(self, candidate: str) -> str | None:
        """The real path of `candidate` if it lies inside the output folder (symlinks resolved), else None."""
        root = os.path.realpath(self.output)
        real = os.path.realpath(candidate)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return real
        return None

    def _file(self, code: int, name: str, body: bytes) -> Response:
        kind = content_type(name)
        if kind.startswith("text/html"):
            body = inject(body, self.reload_snippet)
        return Response(code, (("Content-Type", kind), ("Content-Length", str(len(body))),
                               ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")), body)

    def _not_found(self, status: Status) -> Response:
        if status.failure is not None:
            return self.error_page(status.failure)
        page = self._inside(os.path.join(self.output, "404.html"))
        if page is not None and os.path.isfile(page):
            try:
                with open(page, "rb") as handle:
                    return self._file(404, page, handle.read())
            except OSError:
                pass
        return self._file(404, "404.html", b"<!doctype html><title>Not found</title><h1>Not found</h1>\n")

    def _livereload_js(self) -> Response:
        if self.livereload_js is None:
            return _plain(404, "not found\n")
        try:
            body = self.livereload_js.read_bytes()
        except OSError:
            return _plain(404, "not found\n")
        return self._file(200, LIVERELOAD_JS, body)

    def error_page(self, report: str) -> Response:
        return self._file(500, "error.html", error_page(report))


def error_page(report: str) -> bytes:
    """The page every page request gets while the site does not build: the report, HTML-escaped."""
    first = report.splitlines()[0] if report else "build failed"
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Build failed: {html.escape(first)}</title>"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:2rem;color:#222;background:#fff}"
        "h1{color:#a40000;font-size:1.4rem}pre{background:#fff4f4;border:1px solid #e0b4b4;padding:1rem;"
        "overflow:auto;font:14px/1.45 ui-monospace,monospace;white-space:pre-wrap}</style></head>\n<body>"
        "<h1>The site does not build</h1>\n"
        f"<pre id=\"groupdir-errors\">{html.escape(report)}</pre>\n"
        "<p>Fix the file and save: this page reloads by itself.</p>\n</body></html>\n"
    ).encode()


def _split_target(target: str) -> tuple[str | None, str]:
    """(raw path, query) of a request-target; absolute-form targets are reduced to their path."""
    if not target.startswith("/"):
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.path.startswith("/"):
            return None, ""
        return parts.path, parts.query
    if target.startswith("//"):  # a path, not a network-path reference: never let urlsplit read a host
        target = "/" + target.lstrip("/")
    path, _, query = target.partition("?")
    return path.partition("#")[0], query


def _redirect(location: str, query: str) -> Response:
    # 302, not 301: a browser caches a 301 for good, and the next project on this port would inherit it.
    target = quote(location, safe="/%:@!$&'()*+,;=-._~") + (f"?{query}" if query else "")
    body = f"<a href=\"{html.escape(target)}\">{html.escape(target)}</a>\n".encode()
    return Response(302, (("Location", target), ("Content-Type", "text/html; charset=utf-8"),
                          ("Content-Length", str(len(body))), ("Cache-Control", "no-cache")), body)


def _plain(code: int, text: str, *extra: tuple[str, str]) -> Response:
    body = text.encode("utf-8")
    return Response(code, (("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                           *extra), body)
