"""The real `groupdir serve` in a subprocess, over real HTTP."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

if TYPE_CHECKING:
    from conftest import Served

GROUP = "groups/alpha/"


def test_serves_the_site_under_its_base_path(served: Served) -> None:
    assert served.base == "/groups-directory/"
    assert served.url.startswith("http://127.0.0.1:")
    status, html = served.page("")
    assert status == 200 and "<h1 id=\"title\">Mini Directory</h1>" in html
    status, html = served.page(GROUP)
    assert status == 200 and ">Alpha Group</h1>" in html
    status, headers, _ = served.request("/")
    assert status == 302 and headers["location"] == "/groups-directory/"
    status, headers, _ = served.request("/groups-directory")
    assert status == 302 and headers["location"] == "/groups-directory/"
    status, headers, _ = served.request("/groups-directory/groups/alpha?x=1")
    assert status == 302 and headers["location"] == "/groups-directory/groups/alpha/?x=1"
    status, _, _ = served.request("/groups/alpha/")  # outside the base path: not the site
    assert status == 404


def test_reload_script_is_injected_at_serve_time_only(served: Served, site: Path) -> None:
    _, html = served.page(GROUP)
    assert html.count("/livereload.js?port=") == 1
    assert html.index("livereload.js") < html.index("</head>")
    preview = site / ".groupdir-cache" / "preview"
    files = [p for p in preview.rglob("*") if p.is_file()]
    assert any(p.name == "index.html" for p in files)
    assert not any(b"livereload" in p.read_bytes() for p in files)
    assert not (site / "output").exists()  # the publishable output folder is never touched
    status, headers, body = served.request("/livereload.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"LiveReload" in body


def test_head_matches_get(served: Served) -> None:
    for rel in ("", GROUP, "static/css/site.css", "no/such/page/"):
        get_status, get_headers, get_body = served.request(served.base + rel)
        head_status, head_headers, head_body = served.request(served.base + rel, "HEAD")
        assert head_status == get_status
        assert head_body == b""
        assert head_headers["content-type"] == get_headers["content-type"]
        assert int(head_headers["content-length"]) == len(get_body)


@pytest.mark.parametrize(("rel", "expected"), [
    ("", "text/html; charset=utf-8"),
    ("static/css/site.css", "text/css; charset=utf-8"),
    ("static/js/app.js", "text/javascript; charset=utf-8"),
    ("static/img/logo.svg", "image/svg+xml"),
    ("static/data/info.json", "application/json"),
    ("static/site.webmanifest", "application/manifest+json"),
    ("sitemap.xml", "application/xml"),
    ("groups/feed.xml", "application/xml"),
    ("robots.txt", "text/plain; charset=utf-8"),
])
def test_content_types(served: Served, rel: str, expected: str) -> None:
    status, headers, _ = served.request(served.base + rel)
    assert status == 200
    assert headers["content-type"] == expected


def test_missing_page_gets_the_sites_404_page(served: Served) -> None:
    status, headers, body = served.request(served.base + "no/such/page/")
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"<p class=\"kind\">404</p>" in body  # the theme's 404.html
    assert b"livereload.js" in body
    status, _, body = served.request(served.base + "static/missing.css")
    assert status == 404 and b"<p class=\"kind\">404</p>" in body


def test_only_files_inside_the_output_folder_are_served(served: Served, site: Path, tmp_path: Path) -> None:
    secret = "TOP-SECRET-7781"
    (tmp_path / "secret.txt").write_text(secret, "utf-8")
    (site / "notes.txt").write_text(secret, "utf-8")
    preview = site / ".groupdir-cache" / "preview"
    (preview / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (preview / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    attempts = [
        "/groups-directory/../../notes.txt",
        "/groups-directory/../../../secret.txt",
        "/groups-directory/%2e%2e/%2e%2e/notes.txt",
        "/groups-directory/%2E%2E/%2E%2E/notes.txt",
        "/groups-directory/..%2f..%2fnotes.txt",
        "/groups-directory/%2e%2e%2f%2e%2e%2fnotes.txt",
        "/groups-directory/static/../../../notes.txt",
        "/groups-directory/%252e%252e/%252e%252e/notes.txt",
        "/groups-directory/..\\..\\notes.txt",
        "/../notes.txt",
        "/%2e%2e/notes.txt",
        "//etc/passwd",
        "/groups-directory//etc/passwd",
        "/groups-directory/" + str(tmp_path / "secret.txt"),
        str(tmp_path / "secret.txt"),
        "http://127.0.0.1/groups-directory/../../notes.txt",
        "/groups-directory/leak.txt",
        "/groups-directory/leakdir/secret.txt",
        "/groups-directory/.groupdir-output",
        "/groups-directory/%00/index.html",
    ]
    for target in attempts:
        for method in ("GET", "HEAD"):
            status, _, body = served.request(target, method)
            assert status in (400, 404), (target, status)
            assert secret.encode() not in body, target
    # The raw request line, for good measure: nothing between the client and the server rewrites it.
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw:
        raw.sendall(b"GET /groups-directory/../../notes.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404") and secret.encode() not in reply


def test_other_methods_are_refused(served: Served) -> None:
    status, _, _ = served.request(served.base, "POST")
    assert status == 405


def test_edit_error_and_recovery(served: Served, site: Path, edit: Callable[[Path, str], None],
                                 until: Callable[..., None]) -> None:
    group = site / "content" / "groups" / "alpha.yaml"
    edit(group, group.read_text("utf-8").replace("name: Alpha Group", "name: Alpha Renamed"))
    until(lambda: ">Alpha Renamed</h1>" in served.page(GROUP)[1], what="the edited name")

    edit(group, "name: [Alpha <b>Broken\nsummary: x\ncategory: topic\n")
    until(lambda: served.page(GROUP)[0] == 500, what="the error page")
    for _ in range(3):
        status, html = served.page(GROUP)
        assert status == 500
        assert "content/groups/alpha.yaml:2:" in html  # file and line, as `groupdir check` prints them
        assert "error: malformed YAML" in html
        assert "livereload.js" in html
    status, html = served.page("")  # every page shows it, not just the edited one
    assert status == 500 and "content/groups/alpha.yaml:2:" in html
    status, headers, _ = served.request(served.base + "static/css/site.css")  # assets still load
    assert status == 200 and headers["content-type"].startswith("text/css")
    until(lambda: "build failed" in served.output, what="the terminal report")
    time.sleep(0.3)
    assert served.output.count("content/groups/alpha.yaml:2:") == 1, served.output

    edit(group, "name: Alpha Fixed\nsummary: Fixed again.\ncategory: topic\n")

    def back() -> bool:
        status, html = served.page(GROUP)
        return status == 200 and ">Alpha Fixed</h1>" in html

    until(back, what="the site to come back")
    assert "fixed: the site builds again" in served.output


def test_template_error_names_template_and_line(served: Served, site: Path, edit: Callable[[Path, str], None],
                                                until: Callable[..., None]) -> None:
    template = site / "themes" / "mini" / "templates" / "group.html"
    good = template.read_text("utf-8")
    edit(template, "<!doctype html>\n<title>x</title>\n{% if %}\n")
    until(lambda: served.page(GROUP)[0] == 500, what="the error page")
    html = served.page(GROUP)[1]
    assert "group.html:3" in html and "Expected an expression" in html
    edit(template, good.replace("<body>", "<body><p>template fixed</p>"))
    until(lambda: "template fixed" in served.page(GROUP)[1], what="the fixed template")


def test_error_text_is_html_escaped(served: Served, site: Path, edit: Callable[[Path, str], None],
                                    until: Callable[..., None]) -> None:
    (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8") + "<script>: 1\n", "utf-8")
    until(lambda: served.page("")[0] == 500, what="the error page")
    html = served.page("")[1]
    assert "unknown setting &#x27;&lt;script&gt;&#x27;" in html
    assert "<script>: 1" not in html


def test_a_burst_of_saves_gives_one_rebuild(served: Served, site: Path, until: Callable[..., None]) -> None:
    groups = site / "content" / "groups"
    before = sum("rebuilt" in line for line in served.lines)
    for n in range(50):
        (groups / f"burst-{n:02d}.yaml").write_text(
            f"name: Burst {n:02d}\nsummary: One of many.\ncategory: topic\n", "utf-8")
    until(lambda: served.page("groups/burst-49/")[0] == 200, what="the burst to be built")
    time.sleep(0.5)
    rebuilds = sum("rebuilt" in line for line in served.lines) - before
    # One, unless a loaded machine stretched the burst past the debounce; never one per file.
    # (test_serve_rebuild.py checks the exact rule with a stand-in build.)
    assert 1 <= rebuilds <= 2, served.output


def run_in_thread(coroutine: Any) -> Any:
    """asyncio.run on a thread of its own: the session's Playwright keeps an event loop on the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_livereload_protocol(served: Served, site: Path, edit: Callable[[Path, str], None]) -> None:
    """CSS changes are announced by their URL (livereload.js swaps the stylesheet); others reload the page."""

    async def talk() -> list[dict[str, object]]:
        origin = f"http://127.0.0.1:{served.port}"
        request = HTTPRequest(f"ws://127.0.0.1:{served.port}/livereload", headers={"Origin": origin})
        ws = await websocket_connect(request)
        await ws.write_message(json.dumps({"command": "hello", "protocols": [
            "http://livereload.com/protocols/official-7"]}))
        hello = json.loads(str(await ws.read_message()))
        await ws.write_message(json.dumps({"command": "info", "url": served.url}))
        got = [hello]
        css = site / "themes" / "mini" / "static" / "css" / "site.css"
        edit(css, "h1 { color: rgb(200, 0, 0); }\n")
        got.append(json.loads(str(await asyncio.wait_for(ws.read_message(), 15))))
        group = site / "content" / "groups" / "beta.yaml"
        edit(group, group.read_text("utf-8").replace("Beta Group", "Beta Renamed"))
        got.append(json.loads(str(await asyncio.wait_for(ws.read_message(), 15))))
        ws.close()
        return got

    hello, css, page = run_in_thread(talk())
    assert hello["command"] == "hello"
    assert "http://livereload.com/protocols/official-7" in hello["protocols"]  # type: ignore[operator]
    assert css["command"] == "reload" and css["path"] == "/groups-directory/static/css/site.css"
    assert css["liveCSS"] is True
    assert page["command"] == "reload" and not str(page["path"]).endswith(".css")


def test_websocket_from_another_origin_is_refused(served: Served) -> None:
    async def connect() -> None:
        request = HTTPRequest(f"ws://127.0.0.1:{served.port}/livereload", headers={"Origin": "http://evil.example"})
        await websocket_connect(request)

    with pytest.raises(Exception, match="403"):
        run_in_thread(connect())


def test_sigint_stops_cleanly_and_frees_the_port(served: Served) -> None:
    port = served.port
    code = served.stop()
    assert code == 0, served.output
    assert "Traceback" not in served.output
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", port))  # fails with EADDRINUSE if anything still holds it


def test_fixed_port_and_port_in_use(site: Path, new_site: Callable[..., Path],
                                     start_server: Callable[..., Served]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    first = start_server(site, port=port)
    assert first.port == port
    other = new_site("other")
    with pytest.raises(AssertionError, match="cannot listen"):
        start_server(other, port=port)


def test_second_preview_of_the_same_folder_is_refused(served: Served, start_server: Callable[..., Served],
                                                      site: Path) -> None:
    with pytest.raises(AssertionError, match="already previewing"):
        start_server(site)


def test_exposed_host_warns(site: Path, start_server: Callable[..., Served]) -> None:
    server = start_server(site, "--host", "0.0.0.0")
    assert server.url.startswith("http://127.0.0.1:")
    assert "warning: listening on 0.0.0.0" in server.output
    assert server.page("")[0] == 200


def test_starting_with_a_broken_site_shows_the_error(site: Path, start_server: Callable[..., Served],
                                                     edit: Callable[[Path, str], None],
                                                     until: Callable[..., None]) -> None:
    group = site / "content" / "groups" / "alpha.yaml"
    good = group.read_text("utf-8")
    group.write_text("name: Alpha\ncategory: nowhere\n", "utf-8")
    server = start_server(site)
    status, html = server.page(GROUP)
    assert status == 500 and "content/groups/alpha.yaml:2" in html
    edit(group, good)
    until(lambda: server.page(GROUP)[0] == 200, what="the first good build")


def test_no_site_here(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "generator", "serve", "--source", str(tmp_path), "--port", "0"],
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    assert result.returncode == 2
    assert "no site.yaml" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_parallel_builds_keep_the_server_alive(new_site: Callable[..., Path], start_server: Callable[..., Served],
                                               edit: Callable[[Path, str], None],
                                               until: Callable[..., None]) -> None:
    """Builds big enough for worker processes: the pool's workers are forked from the builder's thread and
    must not inherit the server's signal handling (the pool's SIGTERM once stopped the server instead)."""
    from generator.build import PARALLEL_MIN

    site = new_site("big", groups=PARALLEL_MIN + 20)
    server = start_server(site, "--jobs", "2")
    assert server.page("")[0] == 200
    group = site / "content" / "groups" / "alpha.yaml"
    edit(group, group.read_text("utf-8").replace("name: Alpha Group", "name: Alpha Parallel"))
    until(lambda: ">Alpha Parallel</h1>" in server.page("groups/alpha/")[1], what="the rebuilt page")
    (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8").replace(
        "A tiny directory", "A big directory"), "utf-8")  # everything again, in parallel
    until(lambda: server.output.count("rebuilt") >= 2, timeout=60, what="the full rebuild")
    assert server.proc.poll() is None and "stopping" not in server.output
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    assert "Traceback" not in server.output
