"""Sites for the quality checkers: the sample site, and generated N-group sites that use every field.

`write_generated_site(root, count)` writes `count` groups spread over every input form (YAML files, Markdown
files with front matter, a YAML list and a CSV data file), plus guides, milestones and pages, so that every
page kind and template branch the checkers look at is exercised. With `csv_only=True` all groups go into one
CSV data file (content/groups/all.csv), which is what the 60,000-group sitemap test uses to stay fast.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from generator.cli import main as groupdir_main

REPO = Path(__file__).resolve().parents[2]
BASE_URL = "https://example.org/groups-directory/"
BASE_PATH = "/groups-directory/"

SITE_YAML = """\
title: Generated Groups Directory
description: A generated directory for the quality checkers.
base_url: https://example.org/groups-directory/
language: en
theme: default
per_page: {per_page}
as_of: 2011-04-01
link_schemes: [xmpp, irc, matrix]
badge_line: activity
categories:
  - slug: professional
    name: Professional associations
    description: People who share a profession.
  - slug: alumni
    name: University alumni
    description: Graduates of one school.
  - slug: industry
    name: Industry groups
    description: Everyone working in one industry.
  - slug: topic
    name: Topic and interest groups
    description: Practitioners gathered around one subject.
  - slug: regional
    name: Regional networks
    description: Professionals of one city or region.
extra:
  accent_color: "#1f5f8b"
  footer_note: Generated content for the test suite.
"""

CATEGORIES = ["professional", "alumni", "industry", "topic", "regional"]
TAGS = ["careers", "data", "python", "mentoring", "finance", "design", "health care", "energy", "open source",
        "recruiting", "logistics", "marketing"]
INDUSTRIES = ["Computer Software", "Higher Education", "Financial Services", "Hospital and Health Care",
              "Oil and Energy", "Staffing and Recruiting", "Design"]
PLACES = [("Berlin", "Germany"), ("Zürich", "Switzerland"), ("Toronto", "Canada"), ("Nairobi", "Kenya"),
          ("São Paulo", "Brazil"), ("東京", "Japan"), ("Kraków", "Poland"), ("Dubai", "United Arab Emirates")]
MEMBERS = [12, 85, 450, 2500, 12000, 48000, 230000]
LANGUAGES = [["en"], ["en", "de"], ["fr"], ["es", "en"], ["ja"]]
CSV_FIELDS = ["name", "slug", "summary", "category", "tags", "industry", "city", "country", "online", "languages",
              "members", "members_as_of", "founded", "added", "website", "join_url", "visibility", "status",
              "last_post", "posts_per_month", "managers", "rules", "featured", "description"]


def group_record(i: int) -> dict[str, str]:
    """Group number i as CSV-style text cells (list fields joined with ';')."""
    city, country = PLACES[i % len(PLACES)]
    online = i % 11 == 0
    return {
        "name": f"Group {i:05d} {city}",
        "slug": f"g{i:05d}",
        "summary": f"Summary of group {i}: people in {city} talking about {TAGS[i % len(TAGS)]}.",
        "category": CATEGORIES[i % len(CATEGORIES)],
        "tags": f"{TAGS[i % len(TAGS)]};{TAGS[(i * 5 + 3) % len(TAGS)]}",
        "industry": INDUSTRIES[i % len(INDUSTRIES)],
        "city": "" if online else city,
        "country": "" if online else country,
        "online": "true" if online else "",
        "languages": ";".join(LANGUAGES[i % len(LANGUAGES)]),
        "members": "" if i % 13 == 0 else str(MEMBERS[i % len(MEMBERS)] + i),
        "members_as_of": "2011-03-01",
        "founded": f"{2000 + i % 11}-0{1 + i % 9}-1{i % 10}",
        "added": f"2011-0{1 + i % 3}-{(i % 28) + 1:02d}",
        "website": f"https://example.com/groups/{i}/",
        "join_url": f"https://example.com/groups/{i}/join" if i % 4 else f"matrix:r/g{i}:example.org",
        "visibility": ["open", "request", "invite"][i % 3],
        "status": "archived" if i % 17 == 0 else "active",
        "last_post": "" if i % 9 == 0 else f"201{i % 2}-0{1 + i % 3}-{(i % 28) + 1:02d}",
        "posts_per_month": "" if i % 9 == 0 else str(i % 30),
        "managers": f"Manager {i};Deputy {i}" if i % 2 else "",
        "rules": "Be kind.;No spam." if i % 3 == 0 else "",
        "featured": "true" if i % 97 == 0 else "",
        "description": f"Group {i} has a *description* with a [link](https://example.com/{i}) and **bold** text.",
    }


def _yaml_group(cells: dict[str, str], *, markdown: bool) -> str:
    """One group as a YAML mapping (or Markdown front matter plus body) from its CSV cells."""
    lines = [f'name: "{cells["name"]}"', f'summary: "{cells["summary"]}"', f"category: {cells['category']}",
             f"tags: [{', '.join(cells['tags'].split(';'))}]", f"industry: {cells['industry']}"]
    if cells["online"]:
        lines.append("location: online")
    else:
        lines.append(f'location: {{city: "{cells["city"]}", country: "{cells["country"]}"}}')
    lines.append(f"languages: [{', '.join(cells['languages'].split(';'))}]")
    for key in ("members", "members_as_of", "founded", "added", "website", "join_url", "visibility", "status"):
        if cells[key]:
            lines.append(f"{key}: {cells[key]}")
    if cells["last_post"]:
        lines.append(f"activity: {{last_post: {cells['last_post']}, posts_per_month: {cells['posts_per_month']}}}")
    if cells["managers"]:
        lines.append(f"managers: [{', '.join(cells['managers'].split(';'))}]")
    if cells["rules"]:
        lines.append("rules:\n" + "".join(f"  - {r}\n" for r in cells["rules"].split(";")).rstrip("\n"))
    if cells["featured"]:
        lines.append("featured: true")
    if markdown:
        return "---\n" + "\n".join(lines) + "\n---\n" + cells["description"] + "\n\n## More\n\n- one\n- two\n"
    return "\n".join(lines) + "\ndescription: |\n  " + cells["description"] + "\n"


def _csv_text(rows: Sequence[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_generated_site(root: Path, count: int, *, csv_only: bool = False, per_page: int = 24) -> Path:
    groups = root / "content" / "groups"
    groups.mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE_YAML.format(per_page=per_page), "utf-8")
    records = [group_record(i) for i in range(count)]
    if csv_only:
        with (groups / "all.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(records)
    else:
        csv_rows, list_items = [], []
        for i, cells in enumerate(records):
            form = i % 20  # mostly one file per group; one in ten in the two data files
            if form < 9:
                (groups / f"{cells['slug']}.yaml").write_text(_yaml_group(cells, markdown=False), "utf-8")
            elif form < 18:
                (groups / f"{cells['slug']}.md").write_text(_yaml_group(cells, markdown=True), "utf-8")
            elif form == 18:
                csv_rows.append(cells)
            else:
                list_items.append("- slug: " + cells["slug"] + "\n" + "\n".join(
                    "  " + line for line in _yaml_group(cells, markdown=False).splitlines()))
        (groups / "data.csv").write_text(_csv_text(csv_rows), "utf-8")
        (groups / "list.yaml").write_text("\n".join(list_items) + "\n", "utf-8")
    for kind, folder in (("guide", "guides"), ("milestone", "milestones"), ("page", "pages")):
        (root / "content" / folder).mkdir(parents=True, exist_ok=True)
        for n in range(3):
            extra = {"guide": f"date: 2011-03-1{n}\nauthor: Editor {n}\ntags: [advice, tag {n}]\n"
                              f"categories: [{CATEGORIES[n]}]\n",
                     "milestone": f"date: 2011-03-2{n}\nfigure: {1000 * (n + 1)}\nfigure_label: groups\n",
                     "page": ""}[kind]
            (root / "content" / folder / f"{kind}-{n}.md").write_text(
                f"---\ntitle: The {kind} number {n}\nsummary: What {kind} {n} is about.\n{extra}---\n"
                f"Some *text* for {kind} {n}, with a [link elsewhere](https://example.com/x) and a list:\n\n"
                "- first\n- second\n\n## A heading\n\n> A quote.\n\n```\ncode block\n```\n", "utf-8")
    return root


def build_site(source: Path, output: Path, *, base_url: str | None = None, jobs: int = 1) -> Path:
    """Build with the command line in-process; fail the test with the report if the build fails."""
    args = ["build", "--source", str(source), "--output", str(output), "--jobs", str(jobs), "--no-cache"]
    if base_url:
        args += ["--base-url", base_url]
    code = groupdir_main(args)
    assert code == 0, f"groupdir build of {source} exited {code}"
    return output


def html_pages(output: Path) -> list[str]:
    """Every HTML page of a built site as a path under the base path ('groups/x/'), sorted."""
    pages = []
    for path in sorted(output.rglob("*.html")):
        rel = path.relative_to(output).as_posix()
        pages.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return pages
