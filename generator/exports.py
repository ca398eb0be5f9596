"""Open data: /groups.json, /groups/<slug>/index.json, /groups.csv and the JSON Feed of new groups.

Everything streams: a record is built per group and written as soon as it is made, so memory does not
grow with the directory.

Layout of /groups.json. Up to GROUPS_PAGE_SIZE groups it is a JSON array of every group record
(`json_array_chunks`). Above that it is an index object (`groups_index`): {"total": N, "pages": [urls]}, and
the records are in /groups-0001.json, /groups-0002.json ... (`page_file`), each a JSON array of at most
GROUPS_PAGE_SIZE records in the same order. A reader tells the two apart by the top-level type.

/groups.csv is UTF-8 without a byte order mark (so it concatenates, diffs and greps cleanly and every
non-spreadsheet tool reads it as-is; in Excel use Data > From Text/CSV, which asks for the encoding),
RFC 4180 quoting with CRLF line ends, one header row (`csv_header`). Lists are joined with "; ", booleans
are "true"/"false", unknown values are empty. A cell starting with =, +, -, @, a tab or a carriage
return gets a leading single quote so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from generator.model import ACTIVITY_LABELS, SIZE_LABELS, STATUS_LABELS, VISIBILITY_LABELS, Card, Group

GROUPS_PAGE_SIZE = 10_000
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Every public field of a group, in output order. Left out: where the record lives in the sources, the
# draft flag (drafts are never published) and `extra` (editors' notes that no page shows).
FIELDS: tuple[str, ...] = (
    "slug", "name", "url", "badge_url", "category", "summary", "description", "tags", "industry",
    "location", "city", "region", "country", "online", "languages",
    "members", "members_as_of", "size_band", "size_label",
    "activity", "activity_label", "last_post", "posts_per_month",
    "founded", "added", "website", "join_url", "visibility", "visibility_label", "status", "status_label",
    "audience_industries", "audience_regions", "managers", "rules", "related", "featured",
)


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def group_record(group: Group, card: Card, page_url: str) -> dict[str, object]:
    """The public fields of a group, with its derived size band and activity level and page URL.

    `page_url` is the absolute URL of the group's page (ending in "/"); the badge sits beside it at
    badge.svg. Dates are ISO 8601 strings, unknown values None, lists lists; keys are in FIELDS order.
    `description` is the Markdown source as written by the editor.
    """
    location = group.location
    record: dict[str, object] = {
        "slug": group.slug,
        "name": group.name,
        "url": page_url,
        "badge_url": page_url + "badge.svg" if page_url.endswith("/") else "",
        "category": group.category,
        "summary": group.summary,
        "description": group.description,
        "tags": list(group.tags),
        "industry": group.industry,
        "location": card.location_label,
        "city": location.city if location else "",
        "region": location.region if location else "",
        "country": card.country if not (location and location.online) else "",
        "online": bool(location and location.online),
        "languages": list(group.languages),
        "members": group.members,
        "members_as_of": _date(group.members_as_of),
        "size_band": card.size_band,
        "size_label": SIZE_LABELS.get(card.size_band, card.size_band),
        "activity": card.activity,
        "activity_label": ACTIVITY_LABELS.get(card.activity, card.activity),
        "last_post": _date(group.last_post),
        "posts_per_month": group.posts_per_month,
        "founded": _date(group.founded),
        "added": _date(group.added),
        "website": group.website,
        "join_url": group.join_url,
        "visibility": group.visibility,
        "visibility_label": VISIBILITY_LABELS.get(group.visibility, group.visibility),
        "status": group.status,
        "status_label": STATUS_LABELS.get(group.status, group.status),
        "audience_industries": list(group.audience_industries),
        "audience_regions": list(group.audience_regions),
        "managers": list(group.managers),
        "rules": list(group.rules),
        "related": list(group.related),
        "featured": group.featured,
    }
    return record


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def group_json(record: Mapping[str, object]) -> bytes:
    """One record as a pretty-printed JSON document (for /groups/<slug>/index.json)."""
    return (json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8")


def json_line(record: Mapping[str, object]) -> bytes:
    """One record as the single line it takes in /groups.json."""
    return _compact(record).encode("utf-8")


def json_array_chunks(records: Iterable[Mapping[str, object]]) -> Iterator[bytes]:
    """The pieces of one JSON array, one record per line, without holding more than one record."""
    return json_array_of_lines(json_line(record) for record in records)


@dataclass(frozen=True)
class Frame:
    """What surrounds the records' pieces (lines, rows) in an export file; generator.export_rows splices by it."""

    first: bytes  # before the first piece
    between: bytes
    last: bytes  # after the last piece
    empty: bytes  # the whole file when there is no record


JSON_ARRAY = Frame(b"[\n", b",\n", b"\n]\n", b"[]\n")


def json_array_of_lines(lines: Iterable[bytes]) -> Iterator[bytes]:
    """A JSON array from records already made into lines (`json_line`)."""
    first = True
    for line in lines:
        yield (JSON_ARRAY.first if first else JSON_ARRAY.between) + line
        first = False
    yield JSON_ARRAY.empty if first else JSON_ARRAY.last


def page_file(number: int) -> str:
    """The site-relative path of page `number` (from 1) of a split /groups.json: "groups-0001.json"."""
    return f"groups-{number:04d}.json"


def page_count(total: int) -> int:
    """How many page files a directory of `total` groups needs; 0 while /groups.json holds them all."""
    return 0 if total <= GROUPS_PAGE_SIZE else -(-total // GROUPS_PAGE_SIZE)


def groups_index(total: int, page_urls: list[str]) -> bytes:
    """/groups.json for a directory split into pages: the total and the page URLs, in order."""
    document = {"total": total, "page_size": GROUPS_PAGE_SIZE, "pages": list(page_urls)}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def csv_header() -> list[str]:
    return list(FIELDS)


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(_plain(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_cell(value: object) -> str:
    """One value as spreadsheet text: lists joined by "; ", formulas neutralised."""
    text = _plain(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


_CSV_QUOTED = re.compile('[,"\r\n]')  # what the csv module's excel dialect quotes a field for (QUOTE_MINIMAL)


def _csv_text(values: list[str]) -> bytes:
    """One CSV row of text fields, as csv.writer(lineterminator="\\r\\n") writes it (the writer made for each
    row cost 22 us of a row's 55)."""
    if len(values) == 1 and not values[0]:
        return b'""\r\n'  # the csv module quotes a row's only field when it is empty
    return (",".join('"' + value.replace('"', '""') + '"' if _CSV_QUOTED.search(value) else value
                     for value in values) + "\r\n").encode("utf-8")


def csv_row(record: Mapping[str, object]) -> bytes:
    """One record as its row of /groups.csv, line end included."""
    return _csv_text([csv_cell(record.get(key)) for key in FIELDS])


def csv_chunks(records: Iterable[Mapping[str, object]]) -> Iterator[bytes]:
    """The header row, then one row per record, each as UTF-8 bytes (no byte order mark)."""
    return csv_of_rows(csv_row(record) for record in records)


def csv_frame() -> Frame:
    """/groups.csv around its rows: the header row first, nothing between rows (each ends its line)."""
    header = _csv_text(csv_header())
    return Frame(header, b"", b"", header)


def csv_of_rows(rows: Iterable[bytes]) -> Iterator[bytes]:
    """/groups.csv from records already made into rows (`csv_row`)."""
    yield csv_frame().first
    yield from rows


def rfc3339(value: dt.date | dt.datetime | str) -> str:
    """A date (midnight UTC), an aware or naive-UTC datetime, or an ISO string as RFC 3339."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else \
            dt.date.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        return f"{value.isoformat()}T00:00:00Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    text = value.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z")


def feed_item(*, url: str, title: str, published: dt.date, summary: str = "",
              tags: Sequence[str] = ()) -> dict[str, object]:
    """A JSON Feed item for a group page; its id is its URL."""
    item: dict[str, object] = {"id": url, "url": url, "title": title, "content_text": summary or title,
                               "date_published": rfc3339(published)}
    if summary:
        item["summary"] = summary
    if tags:
        item["tags"] = list(tags)
    return item


def json_feed(title: str, home_url: str, feed_url: str, items: list[dict[str, object]]) -> bytes:
    """A JSON Feed 1.1 document. Each item needs id, and content_text or content_html; url, title and
    date_published are kept when present (dates normalised to RFC 3339), as are summary and tags."""
    out_items: list[dict[str, object]] = []
    for item in items:
        if not item.get("id"):
            raise ValueError("a JSON Feed item needs an id")
        if not (item.get("content_text") or item.get("content_html")):
            raise ValueError(f"JSON Feed item {item['id']!r} needs content_text or content_html")
        entry: dict[str, object] = {"id": str(item["id"])}
        for key in ("url", "title", "content_html", "content_text", "summary"):
            if item.get(key):
                entry[key] = str(item[key])
        for key in ("date_published", "date_modified"):
            stamp = item.get(key)
            if isinstance(stamp, dt.date | str) and stamp:
                entry[key] = rfc3339(stamp)
        tags = item.get("tags")
        if isinstance(tags, list | tuple) and tags:
            entry["tags"] = [str(t) for t in tags]
        out_items.append(entry)
    document = {"version": JSON_FEED_VERSION, "title": title, "home_page_url": home_url, "feed_url": feed_url,
                "items": out_items}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
