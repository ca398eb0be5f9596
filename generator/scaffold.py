"""`groupdir init` and `groupdir new`: files an editor starts from, every field stubbed and explained."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from generator.text import slugify

SITE_YAML = """\
# groupdir site settings. Every key is listed in docs/content-format.md.
title: {title}
description: A directory of professional groups worth joining.
base_url: https://example.org/
language: en
theme: default
per_page: 24
# as_of: 2011-04-01        # the date activity is measured against; default: the newest date in the content
link_schemes: []            # extra URL schemes allowed in links, e.g. [xmpp, irc, matrix]
badge_line: members         # second line of group badges: members | size | activity
categories:
  - slug: professional
    name: Professional
    description: Groups for people who share a profession.
  - slug: alumni
    name: Alumni
    description: Graduates of one school keeping in touch.
  - slug: industry
    name: Industry
    description: Groups around one industry.
extra: {{}}
"""

GROUP_YAML = """\
# yaml-language-server: $schema=https://example.org/schemas/group.schema.json
name: {title}
# slug: {slug}                      # default: the file name
summary: One line saying what the group is for.
category: {category}                # one of the categories in site.yaml
tags: []                            # e.g. [recruiting, careers]
industry: ""                        # e.g. Staffing and Recruiting
location: online                    # or: {{city: Berlin, region: Berlin, country: Germany}}
languages: [en]
members: 0
members_as_of: {today}
founded: {today}
added: {today}                      # when it joined the directory (the "new groups" feed)
website: ""                         # https://...
join_url: ""                        # https://... where people ask to join
visibility: open                    # open | request | invite
status: active                      # active | archived | defunct
activity:
  last_post: {today}
  posts_per_month: 0
audience:
  industries: []                    # top industries of members
  regions: []                       # top regions of members
managers: []
rules: []
related: []                         # slugs of other groups
featured: false
draft: false
description: |
  What the group is for, who joins it and what members get from it. Markdown works here.
"""

GUIDE_MD = """\
---
title: {title}
summary: One line about the guide.
date: {today}
# updated: {today}
author: ""
tags: []
categories: []        # category slugs this guide concerns
draft: false
---
Write the guide here, in Markdown.
"""

MILESTONE_MD = """\
---
title: {title}
date: {today}
summary: One line about the milestone.
# figure: 1000000      # a headline number
# figure_label: groups
draft: false
---
Write the milestone post here, in Markdown.
"""

EXAMPLE_GROUP = """\
name: Example Professionals Network
summary: A sample group; edit or delete it.
category: professional
tags: [networking, careers]
industry: Professional Training
location: {city: Berlin, country: Germany}
languages: [en, de]
members: 420
members_as_of: 2011-03-01
founded: 2008-05-12
added: 2011-03-01
join_url: https://example.org/join
activity: {last_post: 2011-03-28, posts_per_month: 6}
featured: true
description: |
  A moderately sized, active group: the kind most worth joining.
"""

ABOUT_MD = """\
---
title: About
summary: What this directory is.
---
This directory lists professional groups worth joining.
"""


def _write_new(path: Path, text: str) -> bool:
    if path.exists():
        print(f"{path}: already exists; not overwritten", file=sys.stderr)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    print(f"created {path}")
    return True


def init_site(directory: Path) -> int:
    if (directory / "site.yaml").exists():
        print(f"{directory / 'site.yaml'}: a site is already here", file=sys.stderr)
        return 1
    title = directory.resolve().name.replace("-", " ").replace("_", " ").title() or "Group Directory"
    ok = all([
        _write_new(directory / "site.yaml", SITE_YAML.format(title=title)),
        _write_new(directory / "content/groups/example-professionals-network.yaml", EXAMPLE_GROUP),
        _write_new(directory / "content/guides/choosing-a-group.md",
                   GUIDE_MD.format(title="Choosing a group", today="2011-03-01")),
        _write_new(directory / "content/milestones/directory-opens.md",
                   MILESTONE_MD.format(title="The directory opens", today="2011-03-01")),
        _write_new(directory / "content/pages/about.md", ABOUT_MD),
        _write_new(directory / ".gitignore", "/output/\n/.groupdir-cache/\n"),
    ])
    if ok:
        print(f"next: cd {directory} && groupdir build   (or: groupdir serve)")
    return 0 if ok else 1


def new_file(root: Path, kind: str, title: str, today: dt.date | None = None) -> int:
    slug = slugify(title)
    if not slug:
        print(f"cannot make a file name from {title!r}", file=sys.stderr)
        return 2
    day = (today or dt.date.today()).isoformat()
    quoted = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "group":
        category = _first_category(root)
        text = GROUP_YAML.format(title=quoted, slug=slug, category=category, today=day)
        path = root / "content/groups" / f"{slug}.yaml"
    elif kind == "guide":
        path, text = root / "content/guides" / f"{slug}.md", GUIDE_MD.format(title=quoted, today=day)
    else:
        path, text = root / "content/milestones" / f"{slug}.md", MILESTONE_MD.format(title=quoted, today=day)
    return 0 if _write_new(path, text) else 1


def _first_category(root: Path) -> str:
    from generator.config import load_config

    config, _ = load_config(root)
    return config.categories[0].slug if config and config.categories else "professional"
