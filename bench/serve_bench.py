"""Save-to-browser latency of `groupdir serve`.

For each site: start the real server, open a group page in headless Chromium, then repeatedly rewrite that
group's file (its name gets a new suffix; with --size, its member count changes too) and time from just before
the write until the page in the browser shows the new name (the page reloads by itself; nothing is done in the
browser). The server's own "rebuilt in N ms (pages live after M ms)" lines give the build's share: M is when
the pages were published and the reload sent, N when the site-wide exports and search index were done too.

Sites: `sample` is a copy of the repository's sample site (site.yaml + content/); a number N is a generated
site of N groups, one YAML file each, kept in --work between runs so the server starts warm from its cache.

    python bench/serve_bench.py                      # sample and 10000
    python bench/serve_bench.py --sites sample --edits 20
    python bench/serve_bench.py --sites 10000 --work "$TMPDIR/groupdir-serve-bench"
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
GENERATOR_VERSION = 1  # bump when generated sites change, so cached ones are made again

CATEGORIES = [("professional", "Professional associations"), ("industry", "Industry groups"),
              ("topic", "Topic and interest groups"), ("alumni", "University alumni"),
              ("regional", "Regional networks"), ("recruiting", "Recruiting and job seeking")]
CITIES = [("Berlin", "Germany"), ("Lyon", "France"), ("Toronto", "Canada"), ("Osaka", "Japan"),
          ("Austin", "United States"), ("Krakow", "Poland"), ("Lagos", "Nigeria"), ("Lima", "Peru"),
          ("Pune", "India"), ("Leeds", "United Kingdom"), ("Porto", "Portugal"), ("Perth", "Australia")]
WORDS = ["data", "design", "cloud", "finance", "supply", "logistics", "health", "legal", "retail", "energy",
         "security", "product", "research", "marketing", "sales", "teaching", "nursing", "robotics", "audit",
         "payroll", "hiring", "mobile", "quality", "safety"]
TAGS = [f"{a} {b}" for a in WORDS[:12] for b in ("practice", "careers", "tools", "network")]


# ------------------------------------------------------------------------------------------- sites


def make_sample(work: Path) -> tuple[Path, str]:
    site = work / "sample"
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    shutil.copy2(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "content", site / "content")  # the theme is the built-in default
    return site, "content/groups/rust-berlin.yaml"


def make_generated(work: Path, count: int) -> tuple[Path, str]:
    site = work / f"n{count}"
    stamp = site / ".bench-version"
    if stamp.exists() and stamp.read_text() == f"{GENERATOR_VERSION}:{count}":
        return site, _group_file(count // 2)
    if site.exists():
        shutil.rmtree(site)
    groups = site / "content" / "groups"
    groups.mkdir(parents=True)
    categories = "\n".join(f"  - slug: {slug}\n    name: {name}" for slug, name in CATEGORIES)
    (site / "site.yaml").write_text(
        "title: Benchmark Directory\n"
        "description: A generated directory for the preview benchmark.\n"
        "base_url: https://bench.example.org/groups-directory/\n"
        "theme: default\nper_page: 48\nas_of: 2024-12-31\n"
        f"categories:\n{categories}\n", "utf-8")
    rng = random.Random(20110401)
    for n in range(count):
        (site / _group_file(n)).write_text(_group_yaml(n, rng), "utf-8")
    stamp.write_text(f"{GENERATOR_VERSION}:{count}")
    return site, _group_file(count // 2)


def _group_file(n: int) -> str:
    return f"content/groups/group-{n:06d}.yaml"


def _group_yaml(n: int, rng: random.Random) -> str:
    a, b = rng.sample(WORDS, 2)
    city, country = rng.choice(CITIES)
    tags = ", ".join(rng.sample(TAGS, rng.randint(2, 4)))
    sentences = " ".join(f"Members of this group talk about {rng.choice(WORDS)} and {rng.choice(WORDS)} "
                         f"every {rng.choice(['week', 'month', 'quarter'])}." for _ in range(rng.randint(4, 9)))
    return (
        f"name: {a.title()} {b.title()} Circle {n:06d}\n"
        f"summary: People in {city} working on {a} and {b}.\n"
        f"category: {rng.choice(CATEGORIES)[0]}\n"
        f"tags: [{tags}]\n"
        f"location: {{city: {city}, country: {country}}}\n"
        f"members: {int(10 ** rng.uniform(1, 5.5))}\n"
        f"founded: {rng.randint(2003, 2023)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n"
        f"description: |\n  {sentences}\n"
    )


# ------------------------------------------------------------------------------------------ server


@dataclass
class Server:
    site: Path
    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""

    @classmethod
    def start(cls, site: Path, jobs: int) -> Server:
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO))
        proc = subprocess.Popen([sys.executable, "-m", "generator", "serve", "--source", str(site), "--port", "0",
                                 "--jobs", str(jobs)], cwd=str(site), env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        server = cls(site, proc)
        threading.Thread(target=server._read, daemon=True).start()
        server.url = server.wait_line(r"Serving (http://\S+)", 60).group(1)
        return server

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float, start: int = 0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"no line matching {pattern!r}:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(60)


class Listener:
    """A second LiveReload client, in a thread: when each reload command left the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.arrivals: list[float] = []
        self.ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True).start()
        self.ready.wait(30)

    async def _listen(self) -> None:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        origin = f"http://127.0.0.1:{self.port}"
        ws = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{self.port}/livereload",
                                                 headers={"Origin": origin}))
        await ws.write_message(json.dumps({"command": "hello",
                                           "protocols": ["http://livereload.com/protocols/official-7"]}))
        await ws.read_message()
        self.ready.set()
        while await ws.read_message() is not None:
            self.arrivals.append(time.perf_counter())

    def first_after(self, start: float) -> float | None:
        return next((t for t in self.arrivals if t > start), None)


# --------------------------------------------------------------------------------------------- run


def measure(label: str, site: Path, group_file: str, edits: int, jobs: int, browser: Any,
            patience: float, gap: float | None = None, size: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    server = Server.start(site, jobs)
    first = server.wait_line(r"\] built .* in ([\d.]+)s", 3600)
    startup = time.perf_counter() - started
    print(f"  first build: {first.group(0)[2:]} (server up after {startup:.1f}s)", flush=True)
    path = site / group_file
    original = path.read_text("utf-8")
    name = re.search(r"^name: (.*)$", original, re.M)
    assert name, group_file
    slug = Path(group_file).stem
    page = browser.new_page()
    latencies: list[float] = []
    rebuilds: list[float] = []
    messages: list[float] = []
    listener = Listener(int(server.url.split(":")[2].split("/")[0]))
    try:
        page.goto(server.url + f"groups/{slug}/")
        assert name.group(1) in page.title(), page.title()
        for n in range(edits):
            page.wait_for_function("() => window.LiveReload && window.LiveReload.connector && "
                                   "window.LiveReload.connector.protocol > 0", timeout=30_000)
            if gap is None:
                time.sleep(0.3)  # let the previous round settle
            new_name = f"{name.group(1)} edit {n}"
            text = original.replace(name.group(0), f"name: {new_name}", 1)
            members = re.search(r"^members: (\d+)$", text, re.M)
            if size and members:  # a new member count: related groups are chosen again around the group
                text = text.replace(members.group(0), f"members: {int(members.group(1)) + n + 1}", 1)
            mark = len(server.lines)
            t0 = time.perf_counter()
            path.write_text(text, "utf-8")
            page.wait_for_function(f"() => document.title.includes({json.dumps(new_name)})", polling=5,
                                   timeout=patience * 1000)
            latencies.append(time.perf_counter() - t0)
            sent = listener.first_after(t0)
            messages.append((sent or t0) - t0)
            if gap is None:
                rebuilt = server.wait_line(r"rebuilt in (\d+) ms", 30, mark)
                rebuilds.append(float(rebuilt.group(1)) / 1000)
                took = f"rebuild {rebuilt.group(1)} ms"
            else:  # the next save comes while this rebuild may still be making the site-wide files
                time.sleep(gap)
                took = f"next save {gap:.1f} s later"
            print(f"  edit {n}: {latencies[-1] * 1000:.0f} ms to the browser; {took}, "
                  f"reload sent after {messages[-1] * 1000:.0f} ms", flush=True)
    except Exception:
        print("server output:\n" + "\n".join(server.lines[-40:]), file=sys.stderr, flush=True)
        raise
    finally:
        path.write_text(original, "utf-8")
        page.close()
        code = server.stop()
    left = sum("left for the next build" in line for line in server.lines)
    return {
        "site": label, "startup_s": round(startup, 2), "first_build": first.group(0), "exit": code,
        "edits": edits, "gap_s": gap, "size_edited": size, "builds_that_left_work_for_the_next": left,
        "rebuilt_lines": [line for line in server.lines if "rebuilt in" in line],
        "latency_ms": _stats(latencies), "rebuild_ms": _stats(rebuilds), "reload_sent_ms": _stats(messages),
    }


def _stats(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    if not ms:
        return {}
    return {"median": round(statistics.median(ms)), "p90": round(ms[min(len(ms) - 1, int(len(ms) * 0.9))]),
            "min": round(ms[0]), "max": round(ms[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", default="sample,10000", help="comma-separated: sample and/or group counts")
    parser.add_argument("--edits", type=int, default=10, help="saves timed per site (default 10)")
    parser.add_argument("--jobs", type=int, default=0, help="the server's --jobs (default: one per CPU)")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "groupdir-serve-bench"),
                        help="where the sites are made")
    parser.add_argument("--patience", type=float, default=600, help="seconds to wait for one edit to show")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--size", action="store_true",
                        help="each save also changes the group's member count, so its related groups and its "
                             "neighbours' are chosen again (default: only its name)")
    parser.add_argument("--gap", type=float, default=None,
                        help="save the next edit this many seconds after the browser shows the last one, without "
                             "waiting for the server to finish that rebuild (an editor fixing a typo); default: "
                             "wait for the rebuild")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for label in args.sites.split(","):
                label = label.strip()
                made = time.perf_counter()
                site, group_file = make_sample(work) if label == "sample" else make_generated(work, int(label))
                print(f"{label}: site ready in {time.perf_counter() - made:.1f}s at {site}", flush=True)
                result = measure(label, site, group_file, args.edits, args.jobs, browser, args.patience, args.gap,
                                 args.size)
                results.append(result)
                print(json.dumps(result), flush=True)
        finally:
            browser.close()
    print(f"\nload average: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print("medians in ms (p90 for the total): save -> page shows it = reload sent + browser; "
          "reload sent = debounce + rebuild")
    print(f"{'site':>8}  {'total':>7}  {'p90':>6}  {'rebuild':>8}  {'reload sent':>11}  {'browser':>8}")
    for r in results:
        lat, reb, sent = r["latency_ms"], r["rebuild_ms"], r["reload_sent_ms"]
        rebuild = reb.get("median", "-")
        print(f"{r['site']:>8}  {lat['median']:>7}  {lat['p90']:>6}  {rebuild:>8}  {sent['median']:>11}  "
              f"{lat['median'] - sent['median']:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
