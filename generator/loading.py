"""Load every content file into cards and documents: the first, parallelisable stage of a build."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from generator import records
from generator.derive import make_card, newest_date
from generator.diagnostics import Diagnostic
from generator.markdown_render import DESCRIPTION_TOP_HEADING, renderer_for
from generator.model import Card, Document, Group, Rejected, SiteConfig
from generator.readers import read_source
from generator.schema import Rules
from generator.sources import SourceFile

EPOCH = dt.date(2000, 1, 1)


@dataclass(slots=True)
class SourceResult:
    """What one content file holds, as far as the rest of the build needs: cards, documents, diagnostics."""

    source: SourceFile
    cards: list[Card] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    newest: dt.date | None = None
    # Where each card's full record went in the record store (records.pack), in the order of `cards`.
    refs: list[records.Ref] = field(default_factory=list)


def rules_for(config: SiteConfig) -> Rules:
    return Rules(frozenset(c.slug for c in config.categories), config.allowed_schemes())


def load_source(root: Path, source: SourceFile, config: SiteConfig, *, drafts: bool = False,
                store: Path | None = None) -> SourceResult:
    """Read, validate and summarise one file. Pure but for reading that file.

    With a `store` (a records.RecordStore file), each group's full record and rendered description are appended
    to it, from whichever process runs this, and `refs` says where.
    """
    result = SourceResult(source)
    describe = renderer_for(config.allowed_schemes(), DESCRIPTION_TOP_HEADING) if store is not None else None
    payloads: list[bytes] = []
    as_of = config.as_of or EPOCH
    newest: dt.date | None = None
    for item in read_source(root, source, rules_for(config)):
        if isinstance(item, Diagnostic):
            result.diagnostics.append(item)
        elif isinstance(item, Rejected):
            result.rejected.append(item)
        elif isinstance(item, Group):
            if item.draft and not drafts:
                continue
            result.cards.append(make_card(item, as_of))
            if describe is not None:
                html = describe.render(item.description) if item.description else ""
                payloads.append(records.pack(item, html))
            date = newest_date(item)
            if date is not None and (newest is None or date > newest):
                newest = date
        elif isinstance(item, Document):
            if item.draft and not drafts:
                continue
            result.documents.append(item)
            for date in (item.date, item.updated):
                if date is not None and (newest is None or date > newest):
                    newest = date
    result.newest = newest
    if store is not None:
        result.refs = records.append_from_anywhere(store, payloads)
    return result


def groups_of(root: Path, source: SourceFile, config: SiteConfig, *, drafts: bool = False) -> list[Group]:
    """The full group records of one file, read again when their pages are rendered."""
    return [
        item for item in read_source(root, source, rules_for(config))
        if isinstance(item, Group) and (drafts or not item.draft)
    ]
