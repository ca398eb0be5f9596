"""Build the sample directory, serve it under its base path, and take the screenshots shown in README.md.

    python scripts/screenshots.py            # writes docs/screenshots/*.png
"""

from __future__ import annotations

import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.cli import main as groupdir  # noqa: E402

SHOTS = [
    ("stats.png", "stats/", 1280, "light"),
    ("group.png", "groups/recruiter-network/", 1280, "light"),
    ("home-dark.png", "", 1280, "dark"),
    ("search-phone.png", "search/?q=recru", 390, "light"),
]


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/groups-directory/"


def main() -> int:
    target = REPO / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if groupdir(["build", "--source", str(REPO), "--output", str(root / "groups-directory"), "--no-cache"]):
            return 1
        server, base = serve(root)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                for name, path, width, scheme in SHOTS:
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
                    page.goto(base + path, wait_until="networkidle")
                    if path.startswith("search/"):
                        page.wait_for_selector(".search-result", timeout=10_000)
                    page.screenshot(path=str(target / name), full_page=True)
                    page.close()
                    print(f"wrote docs/screenshots/{name}")
                browser.close()
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
