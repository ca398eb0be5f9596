"""Values derived from one group: size band, activity level, the listing card and content digests."""

from __future__ import annotations

import datetime as dt
import hashlib

from generator.model import SIZE_BANDS, UNKNOWN_BAND, Card, Group, SourceRef
from generator.text import slugify

SOURCE_BLANK = SourceRef("")
ACTIVE_DAYS = 30
QUIET_DAYS = 180
ACTIVE_MIN_POSTS = 2.0


def size_band(members: int | None) -> str:
    if members is None:
        return UNKNOWN_BAND[0]
    for slug, _label, low, high in SIZE_BANDS:
        if members >= low and (high is None or members <= high):
            return slug
    return UNKNOWN_BAND[0]


def activity_level(status: str, last_post: dt.date | None, posts_per_month: float | None, as_of: dt.date) -> str:
    """active: a post within 30 days (and 2+ posts a month when stated); quiet: within 180; else dormant."""
    if status != "active" or last_post is None:
        return "dormant"
    days = (as_of - last_post).days
    if days <= ACTIVE_DAYS and (posts_per_month is None or posts_per_month >= ACTIVE_MIN_POSTS):
        return "active"
    if days <= QUIET_DAYS:
        return "quiet"
    return "dormant"


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def make_card(group: Group, as_of: dt.date) -> Card:
    """The listing card of a group; its activity level is measured against `as_of`."""
    location = group.location
    country = "Online" if location is not None and location.online else (location.country if location else "")
    card = Card(
        slug=group.slug,
        name=group.name,
        summary=group.summary,
        category=group.category,
        tags=group.tags,
        tag_slugs=tuple(slugify(tag) for tag in group.tags),
        industry=group.industry,
        industry_slug=slugify(group.industry) if group.industry else "",
        location_label=location.label if location else "",
        country=country,
        country_slug=slugify(country) if country else "",
        languages=group.languages,
        members=group.members,
        members_as_of=group.members_as_of,
        size_band=size_band(group.members),
        activity="",
        visibility=group.visibility,
        status=group.status,
        founded=group.founded,
        added=group.added,
        last_post=group.last_post,
        posts_per_month=group.posts_per_month,
        featured=group.featured,
        related=group.related,
        source=group.source,
        digest="",
        record_digest=digest(repr(group)),
    )
    return with_as_of(card, as_of)


def with_as_of(card: Card, as_of: dt.date) -> Card:
    """The card with its activity level (and so its digest) measured against another date."""
    activity = activity_level(card.status, card.last_post, card.posts_per_month, as_of)
    if activity == card.activity and card.digest:
        return card
    listed = card._replace(activity=activity, digest="", record_digest="", source=SOURCE_BLANK)
    return card._replace(activity=activity, digest=digest(repr(listed)))


def newest_date(group: Group) -> dt.date | None:
    dates = [d for d in (group.members_as_of, group.founded, group.added, group.last_post) if d is not None]
    return max(dates) if dates else None
