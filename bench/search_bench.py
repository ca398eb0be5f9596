"""Search benchmark: groupdir's index beside Pagefind on the same synthetic directories, in one run.

    python bench/search_bench.py                      # 10,000 and 100,000 groups
    python bench/search_bench.py --sizes 10000 100000 1000000 --no-pagefind-above 100000

For each size: index build time (wall and CPU) and peak memory, each in its own process; bytes fetched
by headless Chromium for a first one-word query with facet counts and its first 20 results (index and
scripts; the HTML page itself is listed apart); keystroke-to-results latency with the index cached.
Pagefind runs on one HTML page per group with the same facets as data-pagefind-filter attributes.
Writes a Markdown table to bench/SEARCH_RESULTS.md.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "search"))

from conftest import CHROMIUM, CHROMIUM_ARGS, Server  # type: ignore[import-not-found]  # noqa: E402

WORDS = ("python", "lyon")  # a common tag (~1 group in 6) and a city (~1 in 67)
KEYSTROKES = ("p", "py", "pyt", "pyth", "pytho", "python", "python l", "python ly", "python lyo",
              "python lyon", "d", "da", "dat", "data", "data s", "data se", "l", "lo", "lon", "lond", "londo",
              "london", "m", "mo", "мо", "мос", "моск", "東", "東京")
FACETS = ("category", "size_band", "activity", "country_slug", "industry_slug", "languages", "visibility")


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def build_ours(count: int, out: Path) -> dict[str, float]:
    """Runs in a child process: generate the cards, then build and write the index."""
    import gc

    from generator.search import build_search_index, synthetic

    cards = list(synthetic.cards(count))
    gc.collect()
    before = rss_kb()
    wall, cpu = time.perf_counter(), time.process_time()
    files = size = 0
    for rel, data in build_search_index(cards, synthetic.config(), lambda s: f"/groups-directory/groups/{s}/"):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files += 1
        size += len(data)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "files": files, "bytes": size,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "cards_mb": before / 1024}


def search_page(out: Path) -> None:
    """A page with the DOM of themes/default/templates/search.html, for the real search.js."""
    meta = json.loads((out / "search" / "index" / "meta.json").read_text(encoding="utf-8"))
    sets = []
    for facet in meta["facets"]:
        boxes = "".join(f'<li><label><input type="checkbox" name="{facet["key"]}" value="{html.escape(v[0])}"> '
                        f'{html.escape(v[1])} <span data-count>{v[2]}</span></label></li>' for v in facet["values"])
        sets.append(f'<fieldset data-facet="{facet["key"]}"><legend>{facet["label"]}</legend>'
                    f'<ul>{boxes}</ul></fieldset>')
    sorts = "".join(f'<option value="{key}">{label}</option>' for key, label in meta["sorts"])
    page = (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Search</title>'
            f'<div data-search-index="/groups-directory/search/index/"><form id="search-form">'
            f'<label for="search-q">Search</label><input id="search-q" type="search" name="q">'
            f'<select id="search-sort" name="sort">{sorts}</select>{"".join(sets)}</form>'
            f'<p id="search-status" role="status"></p><ol id="search-results"></ol>'
            f'<button id="search-more" hidden>More</button></div>'
            f'<script type="module" src="/groups-directory/static/search/search.js"></script></html>')
    (out / "search" / "index.html").write_text(page, encoding="utf-8")
    shutil.copytree(REPO / "themes" / "default" / "static" / "search", out / "static" / "search")


def pagefind_site(count: int, out: Path) -> None:
    from generator.search import synthetic

    for i, card in enumerate(synthetic.cards(count)):
        filters = "".join(
            f'<span data-pagefind-filter="{name}">{html.escape(value)}</span>'
            for name in FACETS for value in (getattr(card, name) if name == "languages" else [getattr(card, name)])
            if value)
        page = (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{html.escape(card.name)}</title>'
                f'<main data-pagefind-body><h1>{html.escape(card.name)}</h1><p>{html.escape(card.summary)}</p>'
                f'<p>{html.escape(", ".join(card.tags))} {html.escape(card.industry)} '
                f'{html.escape(card.location_label)}</p><div hidden>{filters}</div>'
                f'<span data-pagefind-meta="members">{card.members or 0}</span></main></html>')
        path = out / "groups" / str(i // 1000) / f"{i}.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
    harness = ('<!doctype html><html lang="en"><meta charset="utf-8"><title>Pagefind</title>'
               '<input id="q" type="search"><script type="module">'
               'window.pf = await import("/groups-directory/pagefind/pagefind.js"); await window.pf.init();'
               'window.run = async (q) => { const s = await window.pf.search(q);'
               ' const data = await Promise.all(s.results.slice(0, 20).map(r => r.data()));'
               ' return [s.results.length, Object.keys(s.filters || {}).length, data.length]; };'
               'window.ready = true;</script></html>')
    (out / "search.html").write_text(harness, encoding="utf-8")


def run_measured(args: list[str]) -> tuple[float, float, str]:
    """Runs a command; returns wall seconds, peak memory of its largest process in MB, and its stdout."""
    wrapper = ("import resource, subprocess, sys, time; t = time.perf_counter();"
               "r = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
               "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024);"
               "print(r.stdout[-2000:]); print(r.stderr[-2000:], file=sys.stderr); sys.exit(r.returncode)")
    done = subprocess.run([sys.executable, "-c", wrapper, *args], capture_output=True, text=True, check=True)
    first, _, rest = done.stdout.partition("\n")
    wall, peak = (float(x) for x in first.split())
    return wall, peak, rest


def browse(browser: Any, server: Server, path: str, script: str, keystrokes: bool) -> dict[str, float]:
    server.served.clear()
    context = browser.new_context()  # a cache of its own: ports are reused between servers
    page = context.new_page()
    page.goto(server.url + path)
    page_bytes = sum(n for p, n in server.served)
    server.served.clear()
    first = page.evaluate(script, WORDS[0])
    fetched = sum(n for _, n in server.served)
    requests = len(server.served)
    server.served.clear()
    page.evaluate(script, WORDS[1])
    second = sum(n for _, n in server.served)
    latency: list[float] = []
    if keystrokes:
        for q in KEYSTROKES:  # warm the cache with every keystroke once, then measure
            page.evaluate(script, q)
        for q in KEYSTROKES:
            latency.append(page.evaluate(f"async (q) => {{ const t = performance.now(); await ({script})(q);"
                                         f" return performance.now() - t; }}", q))
    context.close()
    del first
    return {"page_kb": page_bytes / 1024, "first_kb": fetched / 1024, "requests": requests,
            "second_kb": second / 1024, "p50": statistics.median(latency) if latency else 0.0,
            "p95": sorted(latency)[int(len(latency) * 0.95) - 1] if latency else 0.0}


OURS_QUERY = """async (q) => {
  const root = document.querySelector('[data-search-index]');
  await new Promise((ok) => { const wait = () => root.dataset.state === 'done' ? ok() : setTimeout(wait, 5); wait(); });
  const input = document.getElementById('search-q');
  input.value = q;
  input.dispatchEvent(new Event('input'));
  await new Promise((ok) => {
    const wait = () => root.dataset.state === 'done' ? ok() : requestAnimationFrame(wait);
    wait();
  });
}"""
PAGEFIND_QUERY = """async (q) => {
  while (!window.ready) await new Promise((ok) => setTimeout(ok, 5));
  return window.run(q);
}"""


def bench(count: int, with_pagefind: bool, browser: Any, work: Path) -> dict[str, Any]:
    row: dict[str, Any] = {"n": count}
    ours = work / f"ours-{count}"
    done = subprocess.run([sys.executable, __file__, "--child", str(count), str(ours)], capture_output=True,
                          text=True, check=True)
    row["ours_build"] = json.loads(done.stdout.strip().splitlines()[-1])
    search_page(ours)
    with Server(ours) as server:
        row["ours_query"] = browse(browser, server, "search/?", OURS_QUERY, True)
    shutil.rmtree(ours)
    if with_pagefind:
        site = work / f"pagefind-{count}"
        pagefind_site(count, site)
        wall, peak, _ = run_measured([sys.executable, "-m", "pagefind", "--site", str(site), "--quiet"])
        size = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
        row["pf_build"] = {"wall": wall, "peak_mb": peak, "bytes": size}
        with Server(site) as server:
            row["pf_query"] = browse(browser, server, "search.html", PAGEFIND_QUERY, True)
        shutil.rmtree(site)
    return row


def table(rows: list[dict[str, Any]]) -> str:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "-"

    lines = ["| groups | measure | groupdir | Pagefind | groupdir / Pagefind |", "|---|---|---|---|---|"]
    for row in rows:
        o, q = row["ours_build"], row["ours_query"]
        p, pq = row.get("pf_build"), row.get("pf_query")
        n = f"{row['n']:,}"
        items = [
            ("index build, wall s", o["wall"], p["wall"] if p else None, "{:.1f}"),
            ("index build, CPU s (groupdir)", o["cpu"], None, "{:.1f}"),
            ("build peak memory, MB (process)", o["peak_mb"], p["peak_mb"] if p else None, "{:.0f}"),
            ("build peak memory above the cards, MB", o["peak_mb"] - o["cards_mb"], None, "{:.0f}"),
            ("index size on disk, MB", o["bytes"] / 1e6, p["bytes"] / 1e6 if p else None, "{:.1f}"),
            (f"first query '{WORDS[0]}' + facet counts + 20 results, KB", q["first_kb"],
             pq["first_kb"] if pq else None, "{:.0f}"),
            ("  requests for it", q["requests"], pq["requests"] if pq else None, "{:.0f}"),
            (f"next query '{WORDS[1]}', KB more", q["second_kb"], pq["second_kb"] if pq else None, "{:.0f}"),
            ("keystroke to results, cached, median ms", q["p50"], pq["p50"] if pq else None, "{:.1f}"),
            ("keystroke to results, cached, p95 ms", q["p95"], pq["p95"] if pq else None, "{:.1f}"),
            ("page load before typing (HTML, scripts, first screen), KB", q["page_kb"],
             pq["page_kb"] if pq else None, "{:.0f}"),
            ("page load + first query, KB", q["page_kb"] + q["first_kb"],
             pq["page_kb"] + pq["first_kb"] if pq else None, "{:.0f}"),
        ]
        for label, mine, theirs, fmt in items:
            other = fmt.format(theirs) if theirs is not None else "-"
            lines.append(f"| {n} | {label} | {fmt.format(mine)} | {other} | "
                         f"{ratio(mine, theirs) if theirs is not None else '-'} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--no-pagefind-above", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "SEARCH_RESULTS.md")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=Path, help="also save the measured rows as JSON here")
    parser.add_argument("--render", type=Path, help="only print the table of rows saved by --rows")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(build_ours(int(args.child[0]), Path(args.child[1]))))
        return 0
    if args.render:
        print(table(json.loads(args.render.read_text(encoding="utf-8"))))
        return 0
    try:
        import pagefind  # noqa: F401

        have_pagefind = True
    except ImportError:
        have_pagefind = False
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for count in args.sizes:
            rows.append(bench(count, have_pagefind and count <= args.no_pagefind_above, browser, Path(tmp)))
            print(table(rows[-1:]), flush=True)
        browser.close()
    note = "" if have_pagefind else "\nPagefind did not install here (`pip install 'pagefind[extended]'`).\n"
    report = (f"# Search benchmark\n\n`python bench/search_bench.py --sizes {' '.join(map(str, args.sizes))}` on "
              f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d')}.\nFirst query: '{WORDS[0]}' typed into the search page and "
              f"its facet counts and 20 results shown; bytes are response bodies served (no compression), "
              f"the page load apart. Keystroke latency: {len(KEYSTROKES)} keystrokes, each replayed after a "
              f"warm-up pass.\n{note}\n{table(rows)}\n")
    args.output.write_text(report, encoding="utf-8")
    if args.rows:
        args.rows.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
