"""The Responder, called directly: every path rule without a socket."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.preview.responder import RELOAD_SNIPPET, Responder, Status, content_type, error_page, inject

BASE = "/groups-directory/"


@pytest.fixture
def output(tmp_path: Path) -> Path:
    out = tmp_path / "preview"
    for rel, text in {
        "index.html": "<html><head><title>Home</title></head><body>home</body></html>",
        "404.html": "<html><head><title>Page not found</title></head><body>custom 404</body></html>",
        "groups/alpha/index.html": "<html><head></head><body>alpha</body></html>",
        "static/css/site.css": "body{}",
        "static/img/logo.svg": "<svg/>",
        "feed.xml": "<feed/>",
        "data.json": "{}",
        "site.webmanifest": "{}",
        "app.js": "1",
        ".groupdir-output": "groupdir output folder",
        "caf\u00e9/index.html": "<html><head></head><body>cafe</body></html>",
    }.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text, "utf-8")
    (tmp_path / "secret.txt").write_text("SECRET", "utf-8")
    return out


@pytest.fixture
def responder(output: Path) -> Responder:
    return Responder(output, Status(BASE))


def test_pages_and_redirects(responder: Responder) -> None:
    home = responder.respond("GET", BASE)
    assert home.status == 200 and b"home" in home.body
    assert home.header("Content-Type") == "text/html; charset=utf-8"
    assert home.header("Content-Length") == str(len(home.body))
    assert responder.respond("GET", "/").header("Location") == BASE
    assert responder.respond("GET", "/groups-directory").status == 302
    moved = responder.respond("GET", BASE + "groups/alpha?q=1")
    assert moved.status == 302 and moved.header("Location") == BASE + "groups/alpha/?q=1"
    assert b"alpha" in responder.respond("GET", BASE + "groups/alpha/").body
    assert b"alpha" in responder.respond("GET", BASE + "groups/alpha/index.html").body
    assert b"cafe" in responder.respond("GET", BASE + "caf%C3%A9/").body


def test_root_base_path(output: Path) -> None:
    responder = Responder(output, Status("/"))
    assert responder.respond("GET", "/").status == 200
    assert responder.respond("GET", "/groups/alpha/").status == 200


def test_head_has_the_same_headers(responder: Responder) -> None:
    get = responder.respond("GET", BASE + "groups/alpha/")
    head = responder.respond("HEAD", BASE + "groups/alpha/")
    assert head.status == get.status and head.headers == get.headers


def test_other_methods(responder: Responder) -> None:
    response = responder.respond("POST", BASE)
    assert response.status == 405 and response.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("target", [
    BASE + "../secret.txt",
    BASE + "../../secret.txt",
    BASE + "%2e%2e/secret.txt",
    BASE + "%2E%2E/%2e%2e/secret.txt",
    BASE + "..%2fsecret.txt",
    BASE + "%2e%2e%2fsecret.txt",
    BASE + "static/../../secret.txt",
    BASE + "..\\secret.txt",
    BASE + "%5c..%5csecret.txt",
    BASE + "%00",
    BASE + "%ff%fe",
    BASE + ".groupdir-output",
    "/../secret.txt",
    "//secret.txt",
    BASE + "/etc/passwd",
    "/etc/passwd",
    "http://example.org/groups-directory/../secret.txt",
])
def test_nothing_outside_the_output_folder(responder: Responder, target: str) -> None:
    response = responder.respond("GET", target)
    assert response.status in (400, 404)
    assert b"SECRET" not in response.body


def test_absolute_path_after_the_base(responder: Responder, tmp_path: Path) -> None:
    response = responder.respond("GET", BASE + str(tmp_path / "secret.txt"))
    assert response.status == 404 and b"SECRET" not in response.body


def test_symlinks_out_of_the_folder(responder: Responder, output: Path, tmp_path: Path) -> None:
    (output / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (output / "leakdir").symlink_to(tmp_path, target_is_directory=True)
    (output / "inside.css").symlink_to(output / "static" / "css" / "site.css")
    assert responder.respond("GET", BASE + "leak.txt").status == 404
    assert responder.respond("GET", BASE + "leakdir/secret.txt").status == 404
    assert responder.respond("GET", BASE + "leakdir/").status == 404
    assert responder.respond("GET", BASE + "inside.css").status == 200  # a link that stays inside is fine


def test_missing_page_is_the_sites_404(responder: Responder, output: Path) -> None:
    missing = responder.respond("GET", BASE + "nope/")
    assert missing.status == 404 and b"custom 404" in missing.body and RELOAD_SNIPPET in missing.body
    assert responder.respond("GET", "/elsewhere/").status == 404
    (output / "404.html").unlink()
    bare = responder.respond("GET", BASE + "nope/")
    assert bare.status == 404 and b"Not found" in bare.body


@pytest.mark.parametrize(("name", "expected"), [
    ("a.html", "text/html; charset=utf-8"),
    ("a.css", "text/css; charset=utf-8"),
    ("a.js", "text/javascript; charset=utf-8"),
    ("a.svg", "image/svg+xml"),
    ("a.xml", "application/xml"),
    ("a.json", "application/json"),
    ("site.webmanifest", "application/manifest+json"),
    ("a.txt", "text/plain; charset=utf-8"),
    ("a.png", "image/png"),
    ("a.woff2", "font/woff2"),
    ("a.unknownthing", "application/octet-stream"),
])
def test_content_types(name: str, expected: str) -> None:
    assert content_type(name) == expected


def test_served_types(responder: Responder) -> None:
    for rel, kind in (("static/img/logo.svg", "image/svg+xml"), ("feed.xml", "application/xml"),
                      ("data.json", "application/json"), ("site.webmanifest", "application/manifest+json"),
                      ("app.js", "text/javascript; charset=utf-8")):
        assert responder.respond("GET", BASE + rel).header("Content-Type") == kind


def test_script_goes_into_html_only(responder: Responder, output: Path) -> None:
    page = responder.respond("GET", BASE)
    assert page.body.count(RELOAD_SNIPPET) == 1
    assert page.body.index(RELOAD_SNIPPET) < page.body.index(b"</head>")
    assert RELOAD_SNIPPET not in responder.respond("GET", BASE + "static/css/site.css").body
    assert RELOAD_SNIPPET not in (output / "index.html").read_bytes()  # never written to the files


def test_inject_without_head() -> None:
    assert inject(b"<p>x</P></BODY></html>", b"S") == b"<p>x</P>S</BODY></html>"
    assert inject(b"<p>x", b"S") == b"<p>xS"
    assert inject(b"<HEAD></HEAD >", b"S") == b"<HEAD>S</HEAD >"


def test_error_page_while_the_build_fails(responder: Responder) -> None:
    report = "content/groups/a.yaml:3:1: error: bad <value> & 'quote'\n1 error, 0 warnings"
    responder.status = Status(BASE, report)
    for target in (BASE, BASE + "groups/alpha/", BASE + "nope/", BASE + "anything.html"):
        page = responder.respond("GET", target)
        assert page.status == 500
        assert b"content/groups/a.yaml:3:1: error: bad &lt;value&gt; &amp; &#x27;quote&#x27;" in page.body
        assert RELOAD_SNIPPET in page.body
    assert responder.respond("GET", BASE + "static/css/site.css").status == 200  # assets still load
    assert responder.respond("GET", BASE + "nope.png").status == 500  # a missing file: the errors too
    responder.status = Status(BASE)
    assert responder.respond("GET", BASE).status == 200


def test_error_page_escapes_everything() -> None:
    body = error_page("<script>alert(1)</script>").decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_livereload_js(output: Path, tmp_path: Path) -> None:
    script = tmp_path / "livereload.js"
    script.write_text("// LiveReload", "utf-8")
    responder = Responder(output, Status(BASE), livereload_js=script)
    response = responder.respond("GET", "/livereload.js?port=8000")
    assert response.status == 200 and response.header("Content-Type") == "text/javascript; charset=utf-8"
    assert Responder(output, Status(BASE)).respond("GET", "/livereload.js").status == 404
