"""Parts of the search index from the last build, so that the next one makes again only what changed.

After an edit, all but one group give the same term weights again, and nearly every heavy prefix the same
precomputed answer; analysing every group and counting the groups behind every heavy prefix are the largest
parts of making the index. Each part is kept under a key that covers all it is made from (a group's weights
by slug with its card's digest; a prefix's answer by a digest of its terms, their postings and the groups'
facets), in a sealed file beside the build cache (generator.sealed) whose context is groupdir's code and the
category names. A file that is missing, damaged or from another context counts as empty.

A group's terms are stored as one string (terms joined by NUL, which no term holds) and its weights as bytes
(each 1-255), so that reading 100,000 groups back makes a few objects per group rather than one per term.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from generator import sealed

Weights = dict[str, int]
Stored = tuple[str, str, bytes]  # card digest, terms joined by NUL, weights
_SEPARATOR = "\0"


class Remembered:
    """What the last build saved in `path` (`known`), and what this build makes (`made`), saved there for the next
    on `close`. Each entry is asked for once, so one taken is dropped from `known`."""

    def __init__(self, known: dict[Any, Any] | None = None, *, path: Path | None = None, context: str = "",
                 token: bytes | None = None) -> None:
        self.known = known or {}
        self.made: dict[Any, Any] = {}
        self.hits = 0  # entries taken from the last build
        self.misses = 0  # entries made anew
        self.path, self.context = path, context
        self.token = token  # what changes to the file read are bound to (generator.sealed.read_table)
        # When `made` is what was read but for these entries (made again, and no longer kept): appended to the
        # file rather than the whole written again.
        self.changes: tuple[dict[Any, Any], list[Any]] | None = None

    def _take(self, key: Any, valid: Callable[[Any], bool] = lambda found: True) -> Any:
        """The last build's entry for `key` if there is one and it is `valid` (it is kept for the next build)."""
        found = self.known.pop(key, None)
        if found is None or not valid(found):
            return None
        self.hits += 1
        self.made[key] = found
        return found

    def close(self) -> None:
        """Save what this build made (with a path) and let it all go."""
        if self.path is not None and (self.changes is None or self.token is None
                                      or not sealed.append(self.path, self.token, *self.changes)):
            sealed.write(self.path, self.made, self.context)
        self.known, self.made, self.changes = {}, {}, None


class KnownTerms(Remembered):
    """Each group's term weights by slug, with the digest of the card they were made from."""

    def get(self, slug: str, card_digest: str) -> Weights | None:
        found: Stored | None = self._take(slug, lambda stored: stored[0] == card_digest)
        return _weights(found) if found is not None else None

    def peek(self, slug: str, card_digest: str) -> Weights | None:
        """The weights kept for the group's card of `card_digest`, left for get() and carried()."""
        found: Stored | None = self.known.get(slug)
        return _weights(found) if found is not None and found[0] == card_digest else None

    def carried(self, updated: dict[str, tuple[str, Weights]]) -> None:
        """Every group's weights kept for the next build, those of `updated` (slug -> card digest, weights) as
        given: a patched index (generator.search.patch) asks for no other."""
        self.made, self.known = self.known, {}
        for slug, (card_digest, weights) in updated.items():
            self.made.pop(slug, None)
            self.keep(slug, card_digest, weights)
        self.changes = ({slug: self.made[slug] for slug in updated if slug in self.made},
                        [slug for slug in updated if slug not in self.made])

    def keep(self, slug: str, card_digest: str, weights: Weights) -> None:
        self.misses += 1
        terms = _SEPARATOR.join(weights)
        if any(_SEPARATOR in term for term in weights) or not all(0 < w < 256 for w in weights.values()):
            return  # cannot be stored faithfully: made again next time
        self.made[slug] = (card_digest, terms, bytes(weights.values()))


def _weights(stored: Stored) -> Weights:
    return dict(zip(stored[1].split(_SEPARATOR), stored[2], strict=True)) if stored[1] else {}


class KnownAggregates(Remembered):
    """The precomputed answers of heavy prefixes (generator.search.terms), by a digest of all each is made from:
    counting the groups behind each prefix's terms is a third of the term files' making."""

    def get(self, key: bytes) -> bytes | None:
        """The last build's entry for `key`, or this build's (nested prefixes that stand for the same terms share
        their counts' entry)."""
        found = self._take(key)
        return cast("bytes | None", found if found is not None else self.made.get(key))

    def peek(self, key: bytes) -> bytes | None:
        """The last build's entry for `key`, left for get() (and not kept for the next build)."""
        return cast("bytes | None", self.known.get(key))

    def keep(self, key: bytes, data: bytes) -> None:
        self.misses += 1
        self.made[key] = data


def load(path: Path, context: str) -> KnownTerms:
    """The weights saved in `path` for the same `context` (else none), to be saved there again on closing."""
    known, token = sealed.read_table(path, context)
    return KnownTerms(known, path=path, context=context, token=token)


def load_aggregates(path: Path, context: str) -> KnownAggregates:
    """The answers saved in `path` for the same `context` (else none), to be saved there again on closing."""
    return KnownAggregates(sealed.read(path, context), path=path, context=context)
