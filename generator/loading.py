"""Load every content file into cards and documents: the first, parallelisable stage of a build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from generator import records
from generator.derive import make_card, newest_date
from generator.diagnostics import Diagnostic
from generator.model import Card, Document, Group, Rejected, SiteConfig
from generator.readers import read_source
from generator.schema import Rules
from generator.sources import SourceFile
from generator.tuple_records import unpickled_in_c

EPOCH = dt.date(2000, 1, 1)


@unpickled_in_c
class SourceResult(NamedTuple):
    """What one content file holds, as far as the rest of the build needs: cards, documents, diagnostics.

    Tuples, not lists: the build keeps one result per content file, and most of a group file's are empty (every
    empty tuple is the same object; three empty lists and two of one item took 200 bytes more per group).
    A named tuple that comes back from a pickle without running Python (the cache holds one per content file:
    generator.tuple_records)."""

    source: SourceFile
    cards: tuple[Card, ...] = ()
    documents: tuple[Document, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    rejected: tuple[Rejected, ...] = ()
    newest: dt.date | None = None
    # Where each card's full record went in the record store (records.pack), in the order of `cards`.
    refs: tuple[records.Ref, ...] = ()


def rules_for(config: SiteConfig) -> Rules:
    return Rules(frozenset(c.slug for c in config.categories), config.allowed_schemes())


def load_source(root: Path, source: SourceFile, config: SiteConfig, *, drafts: bool = False,
                store: Path | None = None, last: SourceResult | None = None) -> SourceResult:
    """Read, validate and summarise one file. Pure but for reading that file.

    With a `store` (a records.RecordStore file), each group's full record and rendered description are appended
    to it, from whichever process runs this, and `refs` says where. `last`: the file's result in the last build
    under the same configuration, whose groups' descriptions, rendered then, are taken over where unchanged (an
    edit of a group's other fields then needs no Markdown, whose code and parser took 40 ms to load and make).
    """
    describe: Callable[[str], str] | None = None
    rendered = _rendered(store, last) if store is not None and last is not None and last.refs else {}
    cards: list[Card] = []
    documents: list[Document] = []
    diagnostics: list[Diagnostic] = []
    rejected: list[Rejected] = []
    payloads: list[bytes] = []
    as_of = config.as_of or EPOCH
    newest: dt.date | None = None
    for item in read_source(root, source, rules_for(config)):
        if isinstance(item, Diagnostic):
            diagnostics.append(item)
        elif isinstance(item, Rejected):
            rejected.append(item)
        elif isinstance(item, Group):
            if item.draft and not drafts:
                continue
            cards.append(make_card(item, as_of))
            if store is not None:
                kept = rendered.get(item.slug)
                html = kept[1] if kept is not None and kept[0] == item.description else None
                if html is None:
                    describe = describe or _describer(config)
                    html = describe(item.description) if item.description else ""
                payloads.append(records.pack(item, html))
            date = newest_date(item)
            if date is not None and (newest is None or date > newest):
                newest = date
        elif isinstance(item, Document):
            if item.draft and not drafts:
                continue
            documents.append(item)
            for date in (item.date, item.updated):
                if date is not None and (newest is None or date > newest):
                    newest = date
    refs = tuple(records.append_from_anywhere(store, payloads)) if store is not None else ()
    return SourceResult(source, tuple(cards), tuple(documents), tuple(diagnostics), tuple(rejected), newest, refs)


def _rendered(store: Path, last: SourceResult) -> dict[str, tuple[str, str]]:
    """The description of each group of `last`, by slug, with its HTML as the store keeps it."""
    return {stored.group.slug: (stored.group.description, str(stored.description_html))
            for stored in records.read_from_anywhere(store, last.refs) if stored is not None}


def _describer(config: SiteConfig) -> Callable[[str], str]:
    from generator.markdown_render import DESCRIPTION_TOP_HEADING, renderer_for  # loaded when first needed

    return renderer_for(config.allowed_schemes(), DESCRIPTION_TOP_HEADING).render


def groups_of(root: Path, source: SourceFile, config: SiteConfig, *, drafts: bool = False) -> list[Group]:
    """The full group records of one file, read again when their pages are rendered."""
    return [
        item for item in read_source(root, source, rules_for(config))
        if isinstance(item, Group) and (drafts or not item.draft)
    ]
