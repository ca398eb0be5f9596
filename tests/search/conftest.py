"""Fixtures for the search tests: index files on disk, a small static server, headless Chromium."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "themes" / "default" / "static"
BASE = "/groups-directory/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def write_files(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


class _Handler(SimpleHTTPRequestHandler):
    """Serves `directory` under BASE; counts the bytes of every response body."""

    served: list[tuple[str, int]]

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        inside = clean.startswith(BASE)
        return super().translate_path("/" + clean[len(BASE):] if inside else "/__outside_base__")

    def copyfile(self, source: Any, outputfile: Any) -> None:
        data = source.read()
        self.served.append((self.path, len(data)))
        outputfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class Server:
    def __init__(self, root: Path) -> None:
        handler: type[_Handler] = type("Handler", (_Handler,), {"served": []})
        self.handler = handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{BASE}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def served(self) -> list[tuple[str, int]]:
        served: list[tuple[str, int]] = self.handler.served
        return served

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample site (content/ and site.yaml of the repository) built with `python -m generator build`."""
    out = tmp_path_factory.mktemp("sample-site") / "out"
    done = subprocess.run([sys.executable, "-m", "generator", "build", "--source", str(REPO), "--output", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0 or not (out / "search" / "index" / "meta.json").exists():
        pytest.fail(f"the sample site did not build:\n{done.stdout}\n{done.stderr}")
    return out


@pytest.fixture(scope="session")
def sample_server(sample_site: Path) -> Iterator[Server]:
    with Server(sample_site) as server:
        yield server
