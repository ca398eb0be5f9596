"""Time `groupdir import` of a generated 10,000-row CSV into an empty site, then of the same file again.

    python bench/import_bench.py [ROWS]

Prints the row count, the seconds each run took and the rows per second. The second run finds every
group file in place and changes nothing, so it measures the cost of reading an existing folder.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from generator.importer.plan import ImportOptions, import_file

SITE = """\
title: Bench
base_url: https://example.org/
categories:
  - {slug: professional, name: Professional associations}
  - {slug: alumni, name: University alumni}
  - {slug: topic, name: Topic and interest groups}
"""
HEADER = ["Group Name", "Category", "MEMBERS", "Founded", "Tags", "join url", "City", "Country",
          "Description", "Internal ID"]
WORDS = ["python", "data", "cloud", "finance", "health", "design", "legal", "sales", "alumni", "energy", "media",
         "logistics"]
CITIES = [("Berlin", "Germany"), ("Zürich", "Switzerland"), ("Москва", "Russia"), ("東京", "Japan"),
          ("Lyon", "France"), ("", "")]


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for index in range(rows):
            words = rng.sample(WORDS, 3)
            name = f"{words[0].title()} {words[1].title()} Network {index % 7000}"
            city, country = rng.choice(CITIES)
            members = rng.choice([f"{rng.randint(1000, 99999):,}", f"{rng.randint(1, 90)}k",
                                  str(rng.randint(5, 999))])
            year, month, day = rng.randint(1998, 2011), rng.randint(1, 12), rng.randint(13, 28)
            founded = rng.choice([f"{year}-{month:02d}-{day:02d}", f"{day}/{month:02d}/{year}",
                                  f"{day} {['Jan', 'Mar', 'Oct'][month % 3]} {year}"])
            description = rng.choice([
                f"<p>People working on <b>{words[2]}</b>.</p><ul><li>Meetups</li><li>Jobs</li></ul>",
                f"A group about {words[2]}.\n\nMeets monthly.",
            ])
            category = rng.choice(["professional", "University alumni", "topic"])
            writer.writerow([name, category, members, founded, ", ".join(words),
                             f"https://example.org/g/{index}/join", city, country, description, f"ID-{index:06d}"])


def timed(options: ImportOptions) -> tuple[float, float, str]:
    """Wall-clock seconds, CPU seconds of this process, and the summary's last line."""
    start, cpu = time.perf_counter(), time.process_time()
    summary = import_file(options)
    elapsed, used = time.perf_counter() - start, time.process_time() - cpu
    return elapsed, used, summary.format().splitlines()[-1]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "site.yaml").write_text(SITE, encoding="utf-8")
        source = root / "groups.csv"
        make_csv(source, rows)
        options = ImportOptions(file=source, root=root)
        runs = [("first import (empty folder)", *timed(options)), ("second import (all in place)", *timed(options))]
    print(f"rows: {rows:,}")
    for label, wall, cpu, result in runs:
        print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {rows / wall:,.0f} rows/s  [{result}]")


if __name__ == "__main__":
    main()
