"""Each group's term weights from the last build, so that the next one analyses only the groups that changed.

Analysing every group's name, summary and keywords is over a third of the search index's making (about 3 s
at 100,000 groups), and after an edit all but one group give the same weights again. The weights are kept
by slug with the card digest they were made from, in a file beside the build cache: a header that says what
else they depend on (groupdir's code, the category names), and a checksum of the whole body. A file that is
missing, damaged or from another context counts as empty; it is only ever a shortcut.

A group's terms are stored as one string (terms joined by NUL, which no term holds) and its weights as bytes
(each 1-255), so that reading 100,000 groups back makes a few objects per group rather than one per term.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

Weights = dict[str, int]
Stored = tuple[str, str, bytes]  # card digest, terms joined by NUL, weights
_CHECKSUM = 32
_SEPARATOR = "\0"


class KnownTerms:
    """Weights read from the last build (`get`), and those of this build (`keep`), saved for the next into
    `path` (if any) once every group's are known (`close`)."""

    def __init__(self, known: dict[str, Stored] | None = None, *, path: Path | None = None,
                 context: str = "") -> None:
        self.known = known or {}
        self.made: dict[str, Stored] = {}
        self.hits = 0
        self.path, self.context = path, context

    def get(self, slug: str, card_digest: str) -> Weights | None:
        found = self.known.pop(slug, None)  # each group is asked for once: what is left is no longer needed
        if found is None or found[0] != card_digest:
            return None
        self.hits += 1
        self.made[slug] = found
        return dict(zip(found[1].split(_SEPARATOR), found[2], strict=True)) if found[1] else {}

    def keep(self, slug: str, card_digest: str, weights: Weights) -> None:
        terms = _SEPARATOR.join(weights)
        if any(_SEPARATOR in term for term in weights) or not all(0 < w < 256 for w in weights.values()):
            return  # cannot be stored faithfully: made again next time
        self.made[slug] = (card_digest, terms, bytes(weights.values()))


    def close(self) -> None:
        """Every group's weights are known: save them (with a path) and let them go, before the index's later,
        larger stages."""
        if self.path is not None:
            _save(self.path, self.context, self.made)
        self.known, self.made = {}, {}


def load(path: Path, context: str) -> KnownTerms:
    """The weights saved in `path` for the same `context` (else none), to be saved there again on closing."""
    return KnownTerms(_read(path, context), path=path, context=context)


def _read(path: Path, context: str) -> dict[str, Stored]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    body = data[_CHECKSUM:]
    if len(data) <= _CHECKSUM or hashlib.blake2b(body, digest_size=_CHECKSUM).digest() != data[:_CHECKSUM]:
        return {}
    try:
        saved_context, known = pickle.loads(body)
    except Exception:
        return {}
    return known if saved_context == context and isinstance(known, dict) else {}


def _save(path: Path, context: str, made: dict[str, Stored]) -> None:
    """Write this build's weights (atomically; a failure only loses the shortcut)."""
    body = pickle.dumps((context, made), protocol=pickle.HIGHEST_PROTOCOL)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(hashlib.blake2b(body, digest_size=_CHECKSUM).digest() + body)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
