"""Differential test: the JavaScript engine in Chromium against the Python reference, 200 queries."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.search import Layout, synthetic
from generator.search.analyzer import analyze
from tests.search.conftest import STATIC, Server, write_files
from tests.search.helpers import index, searcher

LAYOUT = Layout(range_min=1024, range_target=4096, range_max=8192, external=3072, aggregate=8000,
                expansions=20, head=30, display_chunk=16, sort_chunk=256)
HARNESS = """<!doctype html><meta charset="utf-8"><title>harness</title>
<script type="module">
import {Searcher, httpLoader} from "./static/search/engine.js";
const searcher = new Searcher(httpLoader(new URL("./search/index/", location.href)));
window.ready = searcher.open();
window.runAll = async (queries) => {
  await window.ready;
  const out = [];
  for (const q of queries) out.push(await searcher.search(q.query, q.filters, q.sort, q.offset, q.limit));
  return out;
};
</script>"""


def queries(files: dict[str, bytes], count: int = 200) -> list[dict[str, Any]]:
    rng = random.Random(20110401)
    cards = list(synthetic.cards(3000, seed=11))
    words = sorted({w for c in cards[:400] for w in analyze(c.summary + " " + " ".join(c.tags))})
    names = sorted({w for c in cards for w in analyze(c.name) if not w.isascii()})
    meta = json.loads(files["search/index/meta.json"])
    out: list[dict[str, Any]] = []
    for i in range(count):
        kind = i % 8
        if kind == 0:
            query = rng.choice(words)
        elif kind == 1:
            query = rng.choice(words)[: rng.randint(1, 4)]
        elif kind == 2:
            query = f"{rng.choice(words)} {rng.choice(words)[: rng.randint(1, 5)]}"
        elif kind == 3:
            query = rng.choice(names)
        elif kind == 4:
            name = rng.choice(names)
            query = name[: max(1, len(name) // 2)]
        elif kind == 5:
            query = rng.choice(("", "", rng.choice(words)[:2]))
        elif kind == 6:
            query = rng.choice(("Zürich", "ZURICH", "São", "Kraków", "İstanbul", "Москва", "東京", "上", "서울 개"))
        else:
            query = f"{rng.choice(words).upper()}  {rng.choice(names)}"
        filters: dict[str, list[str]] = {}
        if kind in (2, 5, 6) or rng.random() < 0.3:
            for facet in rng.sample(meta["facets"], rng.randint(1, 3)):
                values = [v[0] for v in facet["values"] if v[2]]
                filters[facet["key"]] = rng.sample(values, min(len(values), rng.randint(1, 2)))
        sort = rng.choice(("relevance", "relevance", "relevance", "members", "name", "newest", "active"))
        out.append({"query": query, "filters": filters, "sort": sort,
                    "offset": rng.choice((0, 0, 0, 20)), "limit": 20})
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict[str, bytes]]]:
    root: Path = tmp_path_factory.mktemp("differential")
    files = index(list(synthetic.cards(3000, seed=11)), LAYOUT)
    write_files(root, files)
    shutil.copytree(STATIC / "search", root / "static" / "search")
    (root / "harness.html").write_text(HARNESS, encoding="utf-8")
    with Server(root) as server:
        yield server, files


@pytest.mark.browser
def test_javascript_and_python_agree_on_200_queries(browser: Any, site: tuple[Server, dict[str, bytes]]) -> None:
    server, files = site
    asked = queries(files)
    reference = searcher(files)
    expected = []
    for q in asked:
        result = reference.search(q["query"], q["filters"], q["sort"], q["offset"], q["limit"])
        expected.append({"total": result.total, "ids": result.ids, "counts": result.counts})
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "harness.html")
    got = page.evaluate("(queries) => window.runAll(queries)", asked)
    page.close()
    assert not errors
    assert len(got) == len(asked) == 200
    kinds = {"with results": 0, "empty": 0, "non-latin": 0, "filtered": 0}
    for q, mine, theirs in zip(asked, expected, got, strict=True):
        assert theirs == mine, q
        kinds["with results" if mine["total"] else "empty"] += 1
        kinds["non-latin"] += not q["query"].isascii()
        kinds["filtered"] += bool(q["filters"])
    assert min(kinds.values()) >= 10, kinds
