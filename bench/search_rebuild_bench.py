"""The search index made again after one group's card changed: from scratch, and with the parts the last build
kept (generator.search.known: each group's term weights, each heavy prefix's answer), in one process.

    python bench/search_rebuild_bench.py                   # 10,000 and 100,000 groups, 5 rounds
    python bench/search_rebuild_bench.py --sizes 10000 --rounds 9

Each round edits the summary of one group (a different one each round), then builds the index both ways,
alternating which goes first; the two must give the same files. Prints the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from generator.model import Card  # noqa: E402
from generator.search import build_search_index, known, synthetic  # noqa: E402


def build(cards: list[Card], parts: Path | None) -> tuple[float, dict[str, bytes]]:
    started = time.perf_counter()  # reading and saving the parts count too
    terms = known.load(parts / "terms.bin", "bench") if parts else None
    aggregates = known.load_aggregates(parts / "aggregates.bin", "bench") if parts else None
    files = dict(build_search_index(cards, synthetic.config(), "/groups/{}/".format, known=terms,
                                    aggregates=aggregates))
    return time.perf_counter() - started, files


def measure(count: int, rounds: int) -> tuple[float, float]:
    cards = list(synthetic.cards(count))
    fresh: list[float] = []
    kept: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        parts = Path(folder)
        build(cards, parts)  # the last build: makes the parts
        for n in range(rounds):
            at = (n * 7919) % count
            cards[at] = cards[at]._replace(summary=f"{cards[at].summary} Edited {n}.",
                                            digest=f"{cards[at].digest}-{n}")
            order = [None, parts] if n % 2 == 0 else [parts, None]
            made = {}
            for where in order:
                seconds, files = build(cards, where)
                (kept if where else fresh).append(seconds)
                made[where is not None] = files
            if made[True] != made[False]:
                raise SystemExit(f"{count} groups, round {n}: the kept parts gave another index")
    return statistics.median(fresh), statistics.median(kept)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print("| groups | from scratch | with the kept parts | ratio |")
    print("| ---: | ---: | ---: | ---: |")
    for count in args.sizes:
        fresh, kept = measure(count, args.rounds)
        print(f"| {count:,} | {fresh:.2f} s | {kept:.2f} s | {kept / fresh:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
