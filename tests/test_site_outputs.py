"""Badges, statistics and open data in a built sample site, checked against the content files themselves."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
import yaml
from lxml import etree

from generator.cli import main
from tests.conftest import REPO

BASE = "https://example.org/groups-directory/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    assert main(["build", "--source", str(REPO), "--output", str(out), "--jobs", "1", "--no-cache"]) == 0
    return out


def yaml_groups() -> dict[str, dict[str, object]]:
    """The single-group YAML files of the sample, read with plain PyYAML (not our loader)."""
    found = {}
    for path in sorted((REPO / "content/groups").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8"))
        if isinstance(data, dict) and not data.get("draft"):
            found[data.get("slug", path.stem)] = data
    return found


def csv_groups() -> list[dict[str, str]]:
    with (REPO / "content/groups/more-groups.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_group_has_a_valid_small_badge(built: Path) -> None:
    groups = yaml_groups()
    badges = sorted(built.glob("groups/*/badge.svg"))
    assert len(badges) == len(list((built / "groups").glob("*/index.html")))
    for path in badges:
        data = path.read_bytes()
        assert len(data) < 2048, path
        root = etree.fromstring(data)
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("version") == "1.1"
        assert root.get("role") == "img"
        title = root.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text
    slug, group = "rust-berlin", groups["rust-berlin"]
    text = " ".join(etree.fromstring((built / f"groups/{slug}/badge.svg").read_bytes()).itertext())
    assert str(group["name"]) in text


def test_group_page_offers_badge_snippets(built: Path) -> None:
    html = (built / "groups/rust-berlin/index.html").read_text("utf-8")
    assert f"{BASE}groups/rust-berlin/badge.svg" in html
    assert f"[![Rust Berlin]({BASE}groups/rust-berlin/badge.svg)]({BASE}groups/rust-berlin/)" in html


def test_groups_json_matches_the_content_files(built: Path) -> None:
    records = {r["slug"]: r for r in json.loads((built / "groups.json").read_text("utf-8"))}
    groups = yaml_groups()
    rows = csv_groups()
    md_files = list((REPO / "content/groups").glob("*.md"))
    assert len(records) == len(groups) + len(rows) + len(md_files)
    for slug, group in groups.items():
        record = records[slug]
        assert record["name"] == group["name"]
        assert record["category"] == group["category"]
        assert record["members"] == group.get("members")
        assert record["tags"] == list(group.get("tags", []))
        assert record["url"] == f"{BASE}groups/{slug}/"
        if "founded" in group:
            assert record["founded"] == group["founded"].isoformat()  # type: ignore[attr-defined]
        if "join_url" in group:
            assert record["join_url"] == group["join_url"]
    for row in rows:
        record = records[row["slug"]]
        assert record["name"] == row["name"]
        assert record["members"] == int(row["members"].replace(",", ""))


def test_per_group_json_and_csv_agree_with_groups_json(built: Path) -> None:
    records = json.loads((built / "groups.json").read_text("utf-8"))
    for record in records:
        assert json.loads((built / f"groups/{record['slug']}/index.json").read_text("utf-8")) == record
    table = list(csv.DictReader(io.StringIO((built / "groups.csv").read_text("utf-8"))))
    assert [r["slug"] for r in table] == [r["slug"] for r in records]
    for row, record in zip(table, records, strict=True):
        assert row["name"] == record["name"]
        assert row["members"] == ("" if record["members"] is None else str(record["members"]))


def test_json_feed_has_required_fields(built: Path) -> None:
    feed = json.loads((built / "groups/feed.json").read_text("utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] and feed["home_page_url"].startswith(BASE)
    assert feed["feed_url"] == f"{BASE}groups/feed.json"
    assert feed["items"]
    for item in feed["items"]:
        assert item["id"] and item["url"].startswith(BASE)
        assert "content_text" in item or "content_html" in item
        dt.datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))


def test_stats_totals_match_the_content(built: Path) -> None:
    groups = yaml_groups()
    rows = csv_groups()
    md_members = []
    for path in (REPO / "content/groups").glob("*.md"):
        front = path.read_text("utf-8").split("---")[1]
        md_members.append(yaml.safe_load(front).get("members") or 0)
    total_groups = len(groups) + len(rows) + len(md_members)
    total_members = (sum(int(g.get("members") or 0) for g in groups.values())  # type: ignore[call-overload]
                     + sum(int(r["members"].replace(",", "") or 0) for r in rows) + sum(md_members))
    html = (built / "stats/index.html").read_text("utf-8")
    assert f"{total_groups:,}" in html
    assert f"{total_members:,}" in html
    tree = etree.HTML(html.encode("utf-8"))
    svgs = tree.findall(".//svg")
    assert len(svgs) >= 5
    for svg in svgs:
        etree.fromstring(etree.tostring(svg, with_tail=False))  # each chart is well-formed XML


def test_milestones_page_marks_computed_entries(built: Path) -> None:
    html = (built / "milestones/index.html").read_text("utf-8")
    assert "A group passes 100,000 members" in html  # the recruiting network's 199,000
    assert "computed" in html.lower()
