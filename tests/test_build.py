"""groupdir build end to end: pages, links under a sub-path, determinism, failures that keep the old site."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import REPO, MakeSite, run_build, tree
from tests.linkcrawl import broken_links, count_links


def test_small_site_pages_exist(make_site: MakeSite) -> None:
    root = make_site()
    result = run_build(root)
    assert result.ok, [d.format() for d in result.report.items]
    out = root / "output"
    expected = [
        "index.html", "404.html", "robots.txt", ".nojekyll", "sitemap.xml", "groups/feed.xml", "milestones/feed.xml",
        "groups/index.html", "groups/page/2/index.html", "groups/alpha-alumni/index.html",
        "groups/beta-builders/index.html", "groups/gamma-group/index.html", "groups/delta-circle/index.html",
        "categories/index.html", "categories/alumni/index.html", "categories/industry/index.html",
        "tags/index.html", "tags/careers/index.html", "tags/careers/page/2/index.html",
        "locations/index.html", "locations/germany/index.html", "locations/switzerland/index.html",
        "locations/online/index.html", "industries/index.html", "industries/higher-education/index.html",
        "sizes/index.html", "sizes/under-100/index.html", "sizes/100-999/index.html",
        "sizes/1000-9999/index.html", "sizes/10000-99999/index.html",
        "guides/index.html", "guides/choosing-groups/index.html",
        "milestones/index.html", "milestones/one-million/index.html", "about/index.html", "search/index.html",
    ]
    missing = [p for p in expected if not (out / p).is_file()]
    assert missing == []
    # Four groups, two per page: A-Z has exactly two pages.
    assert not (out / "groups/page/3/index.html").exists()
    assert not (out / "sizes/100000-plus/index.html").exists()


def test_group_page_shows_fields_and_structured_data(make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    html = (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")
    for text in ("Alpha Alumni", "Graduates of Alpha.", "University alumni", "Zürich, Switzerland", "450",
                 "Higher Education", "https://example.org/join/alpha", "<strong>alumni</strong>"):
        assert text in html
    assert '<link rel="canonical" href="https://example.org/sub/dir/groups/alpha-alumni/">' in html
    assert 'property="og:url" content="https://example.org/sub/dir/groups/alpha-alumni/"' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["name"] == "Alpha Alumni"
    assert data["url"] == "https://example.org/sub/dir/groups/alpha-alumni/"
    # Beta names Alpha as related; Alpha's page lists related groups too (by shared tags).
    beta = (root / "output/groups/beta-builders/index.html").read_text("utf-8")
    assert "/sub/dir/groups/alpha-alumni/" in beta


def test_size_band_and_activity(make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    sizes = (root / "output/sizes/100-999/index.html").read_text("utf-8")
    assert "Alpha Alumni" in sizes and "Beta Builders" not in sizes
    beta = (root / "output/groups/beta-builders/index.html").read_text("utf-8")
    assert "Dormant" in beta  # last post 2010-01-01, long before as_of 2011-04-01
    alpha = (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")
    assert "Active" in alpha


def test_every_internal_link_resolves_under_a_sub_path(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code = main(["build", "--source", str(REPO), "--output", str(out), "--base-url",
                 "https://host.example/deep/sub/path/", "--jobs", "1"])
    assert code == 0
    assert count_links(out) > 1000
    assert broken_links(out, "https://host.example/deep/sub/path/") == []
    home = (out / "index.html").read_text("utf-8")
    assert 'href="/deep/sub/path/groups/"' in home


def test_builds_are_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    assert main(["build", "--source", str(REPO), "--output", str(first), "--no-cache", "--jobs", "1"]) == 0
    assert main(["build", "--source", str(REPO), "--output", str(second), "--no-cache", "--jobs", "2"]) == 0
    a, b = tree(first), tree(second)
    assert sorted(a) == sorted(b)
    assert [p for p in a if a[p] != b[p]] == []


def test_failed_build_leaves_previous_output_intact(make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    before = tree(root / "output")
    (root / "content/groups/alpha-alumni.yaml").write_text("name: Alpha\ncategory: nope\n", "utf-8")
    (root / "content/groups/new-one.yaml").write_text("name: New One\ncategory: alumni\n", "utf-8")
    result = run_build(root)
    assert not result.ok
    assert tree(root / "output") == before
    assert not any(p.name.endswith(".staging") for p in root.iterdir())


def test_template_error_names_template_and_line_and_keeps_output(make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    before = tree(root / "output")
    override = root / "themes/default/templates/group.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "@default/group.html" %}\n{% block content %}\n{{ group.no_such_field }}\n'
                        "{% endblock %}\n", "utf-8")
    result = run_build(root)
    assert not result.ok
    message = result.report.errors[0]
    assert message.path == "themes/default/templates/group.html" and message.line == 3, message
    assert "no attribute 'no_such_field'" in message.message
    assert tree(root / "output") == before


def test_site_theme_override_extends_the_default(make_site: MakeSite) -> None:
    root = make_site()
    override = root / "themes/default/templates/group.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "@default/group.html" %}\n{% block title %}OVERRIDDEN {{ group.card.name }}'
                        "{% endblock %}\n", "utf-8")
    assert run_build(root).ok
    html = (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")
    assert "<title>OVERRIDDEN Alpha Alumni</title>" in html
    assert "Graduates of Alpha." in html


def test_feeds_and_sitemap_parse(make_site: MakeSite) -> None:
    root = make_site()
    assert run_build(root).ok
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(root / "output/groups/feed.xml").getroot()
    titles = [e.findtext(f"{atom}title") for e in feed.findall(f"{atom}entry")]
    assert titles == ["Beta Builders", "Alpha Alumni"]  # newest added first; undated groups left out
    milestones = ET.parse(root / "output/milestones/feed.xml").getroot()
    assert [e.findtext(f"{atom}title") for e in milestones.findall(f"{atom}entry")] == ["One million groups"]
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [e.text for e in ET.parse(root / "output/sitemap.xml").getroot().iter(f"{sm}loc")]
    assert "https://example.org/sub/dir/groups/alpha-alumni/" in locs
    assert all(loc and loc.startswith("https://example.org/sub/dir/") for loc in locs)
    assert "Sitemap: https://example.org/sub/dir/sitemap.xml" in (root / "output/robots.txt").read_text()


def test_drafts_are_left_out_unless_asked(make_site: MakeSite) -> None:
    root = make_site({"content/groups/secret.yaml": "name: Secret\ncategory: alumni\ndraft: true\n"})
    assert run_build(root).ok
    assert not (root / "output/groups/secret/index.html").exists()
    assert run_build(root, drafts=True).ok
    assert (root / "output/groups/secret/index.html").exists()


def test_build_refuses_a_foreign_non_empty_output(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.txt").write_text("precious")
    result = run_build(root, foreign)
    assert not result.ok
    assert (foreign / "thesis.txt").read_text() == "precious"


@pytest.mark.parametrize("kind", ["group", "guide", "milestone"])
def test_new_files_are_valid(make_site: MakeSite, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site()
    assert main(["new", kind, "Zürich Data Folk", "--source", str(root)]) == 0
    assert main(["check", "--source", str(root)]) == 0
    assert "error" not in capsys.readouterr().out


def test_init_makes_a_site_that_builds(tmp_path: Path) -> None:
    site = tmp_path / "fresh"
    assert main(["init", str(site)]) == 0
    assert main(["build", "--source", str(site)]) == 0
    assert (site / "output/groups/example-professionals-network/index.html").is_file()
    assert main(["init", str(site)]) == 1


def test_each_term_page_is_about_the_term_its_index_entry_links_to(tmp_path: Path) -> None:
    """A dimension's index and each of its term pages agree on the term's name and number of groups, for every
    term of every dimension of the sample site (the page finds its term by slug, the index lists them in order)."""
    out = tmp_path / "out"
    assert main(["build", "--source", str(REPO), "--output", str(out), "--base-url", "https://host.example/",
                 "--jobs", "1"]) == 0
    singular = {"categories": "Category", "tags": "Tag", "locations": "Location", "industries": "Industry",
                "sizes": "Size"}
    checked = 0
    for dimension, label in singular.items():
        index = (out / dimension / "index.html").read_text("utf-8")
        entries = re.findall(r'<a (?:class="term-card__link" )?href="/' + dimension + r'/([^/"]+)/">'
                             r'(?:<span class="term-list__name">)?([^<]+)<', index)
        counts = re.findall(r'<span class="count">([\d,]+)', index)
        assert len(entries) == len(counts) >= 2, dimension
        for (slug, name), count in zip(entries, counts, strict=True):
            page = (out / dimension / slug / "index.html").read_text("utf-8")
            heading = re.search(r"<h1>(.*?)</h1>", page, re.S)
            assert heading is not None and heading.group(1).strip() == f"{label}: {name}", (dimension, slug)
            shown = re.search(r"of ([\d,]+) groups?</p>", page)
            assert shown is not None and shown.group(1) == count, (dimension, slug)
            checked += 1
    assert checked > 20


def test_the_command_prints_its_summary_and_exit_code_through_pipes(make_site: MakeSite) -> None:
    """`python -m generator build` ends its process without freeing its objects (generator.cli.run): what it
    printed into pipes (block-buffered) still arrives, and the exit code is the build's."""
    import os
    import subprocess
    import sys

    root = make_site()
    command = [sys.executable, "-m", "generator", "build", "--source", str(root), "--jobs", "1"]
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"built 7 records into .+: \d+ rendered, \d+ written, .+ in [0-9.]+s \(.+\)\n", done.stdout)
    broken = root / "content/groups/alpha-alumni.yaml"
    broken.write_text(broken.read_text("utf-8").replace("name: ", "name: [unclosed ", 1), "utf-8")
    failed = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=env)
    assert failed.returncode == 1
    assert "content/groups/alpha-alumni.yaml:" in failed.stderr and "build failed" in failed.stderr


def test_the_command_under_a_profiler_ends_as_usual(make_site: MakeSite, tmp_path: Path) -> None:
    """cProfile writes its findings as the process ends: the build's quick exit must not take that away."""
    import pstats
    import subprocess
    import sys

    root = make_site()
    found = tmp_path / "build.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(found), "-m", "generator", "build", "--source", str(root),
               "--jobs", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert any(name == "cmd_build" for _, _, name in pstats.Stats(str(found)).stats)  # type: ignore[attr-defined]
