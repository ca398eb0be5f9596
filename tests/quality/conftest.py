"""Fixtures for the external quality checkers: built sites, a static server under the base path, axe-core.

Every built site here is built once per test session and shared between the checker modules. Chromium is the
session-wide `browser` fixture of tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.quality.sites import BASE_PATH, REPO, build_site, write_generated_site

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
HOSTILE = REPO / "tests" / "fixtures" / "hostile"


class _Handler(SimpleHTTPRequestHandler):
    """Serves `directory` under BASE_PATH, like a host that publishes the site in a sub-folder.

    A missing file gets the site's 404.html with status 404, as the publishing docs tell hosts to do.
    """

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(BASE_PATH):
            return str(Path(self.directory) / "__outside_the_base_path__")
        return super().translate_path("/" + clean[len(BASE_PATH):])

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        # LinkChecker throttles every host to a few requests a second unless the response carries a header
        # named "LinkChecker" (linkcheck/checker/httpurl.py); without it the sample site takes minutes.
        self.send_header("LinkChecker", "local test server")
        super().end_headers()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        # The client may stop reading (a checker that only needed the headers).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().copyfile(source, outputfile)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class StaticServer:
    """A threaded http.server on 127.0.0.1 (a free port) serving a folder at /groups-directory/."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        handler = partial(_Handler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = self.origin + BASE_PATH
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's sample site, built with its own base URL (https://example.org/groups-directory/)."""
    return build_site(REPO, tmp_path_factory.mktemp("sample") / "output")


@pytest.fixture(scope="session")
def generated_1000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated site of 1,000 groups in every input form, plus guides, milestones and pages, built."""
    root = tmp_path_factory.mktemp("generated-1000")
    write_generated_site(root / "site", 1000)
    return build_site(root / "site", root / "output")


@pytest.fixture(scope="session")
def sample_server(sample_output: Path) -> Iterator[StaticServer]:
    with StaticServer(sample_output) as server:
        yield server


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `npm install` in the repository (bash scripts/setup.sh test)")
    return AXE


def copy_hostile(target: Path) -> Path:
    """The committed hostile fixture site, copied so a test can add or change files."""
    shutil.copytree(HOSTILE, target)
    return target
