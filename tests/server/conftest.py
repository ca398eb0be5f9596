"""Fixtures for `groupdir serve`: a tiny site with its own theme, and the real server in a subprocess."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BASE = "/groups-directory/"
TEMPLATES = ("home", "group", "listing", "terms", "guides", "guide", "milestones", "milestone", "page", "search",
             "404")
PAGE = """<!doctype html>
{{% set title = page.title if page is defined else "" %}}
<html lang="en"><head><meta charset="utf-8"><title>{{{{ title }}}}</title>
<link rel="stylesheet" href="{{{{ asset('css/site.css') }}}}"></head>
<body><h1 id="title">{{{{ title }}}}</h1><p class="kind">{kind}</p></body></html>
"""
SITE_YAML = """title: Mini Directory
description: A tiny directory for the preview server's tests.
base_url: https://example.org/groups-directory/
theme: mini
categories:
  - slug: topic
    name: Topic groups
"""


def template_names() -> list[str]:
    """The page templates a theme must have: the issue's list plus whatever the default theme has grown."""
    default = REPO / "themes" / "default" / "templates"
    found = {p.stem for p in default.glob("*.html") if not p.stem.startswith("_")} if default.is_dir() else set()
    return sorted(set(TEMPLATES) | found | {"stats"})


def group_yaml(name: str, summary: str = "A group for the tests.") -> str:
    return f"name: {name}\nsummary: {summary}\ncategory: topic\ndescription: |\n  Text about {name}.\n"


def make_site(root: Path, groups: int = 2) -> Path:
    """A site whose theme `mini` lives in the site (no built-in theme has that name, so it is a full theme)."""
    (root / "content" / "groups").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML, "utf-8")
    names = ["Alpha Group", "Beta Group", *[f"Group {n}" for n in range(3, groups + 1)]]
    for name in names[:groups]:
        slug = name.lower().replace(" ", "-").removesuffix("-group")
        (root / "content" / "groups" / f"{slug}.yaml").write_text(group_yaml(name), "utf-8")
    theme = root / "themes" / "mini"
    (theme / "templates").mkdir(parents=True)
    for name in template_names():
        (theme / "templates" / f"{name}.html").write_text(PAGE.format(kind=name), "utf-8")
    static = theme / "static"
    for rel, text in {
        "css/site.css": "h1 { color: rgb(0, 0, 0); }\n",
        "js/app.js": "window.appLoaded = true;\n",
        "img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n',
        "data/info.json": '{"ok": true}\n',
        "site.webmanifest": '{"name": "Mini"}\n',
    }.items():
        (static / rel).parent.mkdir(parents=True, exist_ok=True)
        (static / rel).write_text(text, "utf-8")
    return root


def write(path: Path, text: str) -> None:
    """Save a file the way an editor does, making sure its stamp changes even within one clock tick."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text, "utf-8")
    if path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def wait_for(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Served:
    """`python -m generator serve` in a subprocess; its stdout and stderr are collected line by line."""

    def __init__(self, source: Path, *extra: str, port: int = 0) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO))
        self.source = source
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "generator", "serve", "--source", str(source), "--port", str(port),
             "--jobs", "1", *extra],
            cwd=str(source), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.url = ""
        wait_for(lambda: bool(self._url()) or self.proc.poll() is not None, 30, "the server's URL")
        self.url = self._url()
        if not self.url:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            raise AssertionError(f"serve did not start:\n{self.output}")
        match = re.match(r"http://([^/:]+):(\d+)(/.*)", self.url)
        assert match, self.url
        self.host, self.port, self.base = match.group(1), int(match.group(2)), match.group(3)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def _url(self) -> str:
        for line in list(self.lines):
            match = re.search(r"Serving (http://\S+)", line)
            if match:
                return match.group(1)
        return ""

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def request(self, target: str, method: str = "GET",
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request with the target sent exactly as given (http.client does not normalise `..`)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.putrequest(method, target, skip_host=False, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def page(self, rel: str) -> tuple[int, str]:
        status, _, body = self.request(self.base + rel)
        return status, body.decode("utf-8", "replace")

    def stop(self, timeout: float = 15.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"serve did not stop on SIGINT:\n{self.output}") from None
        self._reader.join(5)
        return code


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture
def served(site: Path) -> Iterator[Served]:
    server = Served(site)
    try:
        # The first request waits for the first build; make sure it is done before the test starts.
        status, _ = server.page("")
        assert status == 200, server.output
        yield server
    finally:
        server.stop()


@pytest.fixture
def start_server() -> Iterator[Callable[..., Served]]:
    """Start more servers (with extra arguments); each is stopped at the end of the test."""
    started: list[Served] = []

    def start(source: Path, *extra: str, port: int = 0) -> Served:
        server = Served(source, *extra, port=port)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def edit() -> Callable[[Path, str], None]:
    return write


@pytest.fixture
def until() -> Callable[..., None]:
    return wait_for


@pytest.fixture
def new_site(tmp_path: Path) -> Callable[..., Path]:
    """Make another fixture site: new_site("name", groups=N)."""

    def make(name: str, groups: int = 2) -> Path:
        return make_site(tmp_path / name, groups)

    return make
