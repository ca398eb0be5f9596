"""A synthetic site of N YAML group files for tests that need more than a handful of groups."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SITE_YAML


def write_synthetic_site(root: Path, count: int) -> Path:
    (root / "content/groups").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(SITE_YAML.replace("per_page: 2", "per_page: 20"), "utf-8")
    tags = ["careers", "data", "python", "mentoring", "finance", "design", "health", "energy"]
    for i in range(count):
        name = f"Group {i:05d} {'Zürich' if i % 7 == 0 else 'Berlin'}"
        (root / f"content/groups/g{i:05d}.yaml").write_text(
            f"name: {name}\nsummary: Summary of group {i}.\ncategory: {'alumni' if i % 3 else 'industry'}\n"
            f"tags: [{tags[i % 8]}, {tags[(i * 3 + 1) % 8]}]\nindustry: Industry {i % 5}\n"
            f"location: {{city: City {i % 9}, country: Country {i % 6}}}\nmembers: {(i * 7919) % 300000}\n"
            f"added: 2011-01-{(i % 28) + 1:02d}\nactivity: {{last_post: 2011-03-{(i % 28) + 1:02d}}}\n"
            f"description: |\n  Group {i} has a *description* with a [link](https://example.org/{i}).\n",
            "utf-8")
    return root
