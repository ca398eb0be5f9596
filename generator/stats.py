"""Directory statistics for /stats/ and the milestones the data itself reaches.

Everything here is computed from listing cards alone (plus, for member milestones, the date each count
was taken), in one pass per figure, and returned as frozen, deterministically ordered records.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.model import ACTIVITY_LEVELS, SIZE_BANDS, UNKNOWN_BAND, Card, SiteConfig

TOP_COUNTRIES = 20
DECADES_AFTER = 40  # founding years spanning more than this many years are counted per decade
GROUP_THRESHOLDS_FROM = 100  # 100, 1,000, 10,000 ... groups founded
MEMBER_THRESHOLDS_FROM = 1000  # 1,000, 10,000, 100,000 ... members in one group


@dataclass(frozen=True, slots=True)
class Count:
    """One bar of a chart and one row of its table.

    `key` identifies the bar: a category, country or size-band slug (each has a browse page), an activity
    level, a year ("2011"), a decade ("1990s") or a histogram bin ("100-299").
    """

    key: str
    label: str
    count: int
    share: str = ""  # of the figure's whole, e.g. "12%" (see Stats)


@dataclass(frozen=True, slots=True)
class Stats:
    """Every figure the statistics page shows.

    Shares (`Count.share`) are of all groups, except the histogram's (of groups stating a count) and
    founded's (of groups stating a founding date). `members` sums only the groups that state a count
    (`groups_with_members` of them). `histogram` bins member counts on a log scale, two bins per power
    of ten (1-2, 3-9, 10-29, 30-99, 100-299, ...; "0" when a group states zero), from the smallest to the
    largest stated count with empty bins between kept; groups without a count are `sizes`' "unknown".
    """

    as_of: dt.date
    groups: int
    members: int
    groups_with_members: int
    median_members: int | None
    largest_members: int | None
    active: int
    active_share: float  # 0.0 to 1.0
    active_percent: str  # "42%"
    archived: int
    defunct: int
    categories: tuple[Count, ...]  # most groups first, then by label
    sizes: tuple[Count, ...]  # the site's size bands in order, then "unknown"; zero rows kept
    histogram: tuple[Count, ...]
    activity: tuple[Count, ...]  # active, quiet, dormant; zero rows kept
    countries: tuple[Count, ...]  # the TOP_COUNTRIES with most groups, then by label; "Online" counts as one
    countries_total: int  # distinct countries (and "Online")
    countries_other: int  # groups in countries beyond the top ones
    no_country: int  # groups stating no location
    founded: tuple[Count, ...]  # per year (or decade, see founded_step), oldest first, empty years kept
    founded_step: str  # "year" | "decade"
    founded_known: int
    founded_unknown: int


@dataclass(frozen=True, slots=True)
class ComputedMilestone:
    """A milestone found in the data rather than written by an editor; show it marked as computed."""

    slug: str  # "directory-1000-groups", "group-10000-members"
    title: str
    date: dt.date
    figure: int
    figure_label: str
    summary: str
    group_slug: str | None  # the group the milestone is about, or None
    group_name: str = ""  # that group's name, for link text


def percent(part: int, whole: int) -> str:
    """A whole-number percentage that never rounds a non-zero share to 0% or a partial one to 100%."""
    if whole <= 0:
        return "0%"
    value = round(100 * part / whole)
    if part and value == 0:
        return "<1%"
    if part < whole and value == 100:
        return ">99%"
    return f"{value}%"


def _edges() -> Iterable[int]:
    """Lower edges of the histogram bins: 1, 3, 10, 30, 100, 300, ..."""
    low = 1
    while True:
        yield low
        yield 3 * low
        low *= 10


def histogram_bin(members: int) -> tuple[int, int]:
    """The bin (low, high inclusive) holding a member count; (0, 0) for zero."""
    if members <= 0:
        return (0, 0)
    previous = None
    for edge in _edges():
        if previous is not None and members < edge:
            return (previous, edge - 1)
        previous = edge
    raise AssertionError("unreachable")  # pragma: no cover


def _bin_key(low: int, high: int) -> str:
    return "0" if high == 0 else f"{low}-{high}"


def _bin_label(low: int, high: int) -> str:
    return "0" if high == 0 else f"{low:,}\u2013{high:,}"


def _with_shares(rows: Iterable[Count], whole: int) -> tuple[Count, ...]:
    return tuple(Count(r.key, r.label, r.count, percent(r.count, whole)) for r in rows)


def _histogram(counts: Sequence[int]) -> tuple[Count, ...]:
    if not counts:
        return ()
    tally = Counter(histogram_bin(n) for n in counts)
    first, last = min(tally), max(tally)
    bins: list[tuple[int, int]] = [(0, 0)] if first == (0, 0) else []
    for edge in _edges():
        if edge > last[0]:
            break
        current = histogram_bin(edge)
        if current >= first and current not in bins:
            bins.append(current)
    return _with_shares((Count(_bin_key(*b), _bin_label(*b), tally.get(b, 0)) for b in bins), len(counts))


def _ranked(counts: Counter[str], labels: Mapping[str, str]) -> list[Count]:
    rows = [Count(key, labels.get(key, key), n) for key, n in counts.items()]
    return sorted(rows, key=lambda c: (-c.count, c.label.casefold(), c.key))


def _founded(cards: Sequence[Card]) -> tuple[tuple[Count, ...], str]:
    years = Counter(c.founded.year for c in cards if c.founded is not None)
    if not years:
        return (), "year"
    first, last = min(years), max(years)
    whole = sum(years.values())
    if last - first <= DECADES_AFTER:
        return _with_shares((Count(str(y), str(y), years.get(y, 0)) for y in range(first, last + 1)), whole), "year"
    decades: Counter[int] = Counter()
    for year, n in years.items():
        decades[year - year % 10] += n
    rows = (Count(f"{d}s", f"{d}s", decades.get(d, 0)) for d in range(first - first % 10, last + 1, 10))
    return _with_shares(rows, whole), "decade"


def compute_stats(cards: Sequence[Card], config: SiteConfig, as_of: dt.date) -> Stats:
    """The statistics of a directory; the same cards always give the same Stats.

    `as_of` is the date the figures describe (cards' activity levels must already be measured against it,
    as the Site's are). A country spelt more than one way is labelled with the first spelling met, as on
    the locations pages; nothing else depends on the order of `cards`.
    """
    category_names = {c.slug: c.name for c in config.categories}
    stated = sorted(c.members for c in cards if c.members is not None)
    activity = Counter(c.activity for c in cards)
    status = Counter(c.status for c in cards)
    bands = Counter(c.size_band for c in cards)
    country_labels: dict[str, str] = {}
    countries: Counter[str] = Counter()
    for card in cards:
        if card.country_slug:
            country_labels.setdefault(card.country_slug, card.country)
            countries[card.country_slug] += 1
    ranked_countries = _ranked(countries, country_labels)
    top = ranked_countries[:TOP_COUNTRIES]
    total = len(cards)
    founded, step = _founded(cards)
    founded_known = sum(1 for c in cards if c.founded is not None)
    active = activity.get("active", 0)
    band_rows = [(slug, label) for slug, label, _, _ in SIZE_BANDS] + [UNKNOWN_BAND]
    return Stats(
        as_of=as_of,
        groups=len(cards),
        members=sum(stated),
        groups_with_members=len(stated),
        median_members=int(statistics.median_low(stated)) if stated else None,
        largest_members=stated[-1] if stated else None,
        active=active,
        active_share=active / len(cards) if cards else 0.0,
        active_percent=percent(active, len(cards)),
        archived=status.get("archived", 0),
        defunct=status.get("defunct", 0),
        categories=_with_shares(_ranked(Counter(c.category for c in cards), category_names), total),
        sizes=_with_shares((Count(slug, label, bands.get(slug, 0)) for slug, label in band_rows), total),
        histogram=_histogram(stated),
        activity=_with_shares((Count(slug, label, activity.get(slug, 0)) for slug, label in ACTIVITY_LEVELS), total),
        countries=_with_shares(top, total),
        countries_total=len(countries),
        countries_other=sum(c.count for c in ranked_countries[TOP_COUNTRIES:]),
        no_country=sum(1 for c in cards if not c.country_slug),
        founded=founded,
        founded_step=step,
        founded_known=founded_known,
        founded_unknown=len(cards) - founded_known,
    )


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _powers_of_ten(start: int, up_to: int) -> Iterable[int]:
    value = start
    while value <= up_to:
        yield value
        value *= 10


def computed_milestones(cards: Sequence[Card],
                        members_as_of: Mapping[str, dt.date] | None = None) -> list[ComputedMilestone]:
    """Milestones the data reaches, newest first (same date: larger figure first).

    Directory milestones, for N = 100, 1,000, 10,000 ...: the groups with a `founded` date are ordered by
    (founded, slug); the N-th of them is the group with which the directory's groups passed N, and its
    founding date is the milestone's date. Groups without a founding date are not counted; every status
    counts, since an archived or defunct group was still founded. Only thresholds reached are listed.

    Group milestones, for T = 1,000, 10,000, 100,000 ...: among groups with `members >= T` whose count has
    a date (`members_as_of[slug]`; `Card` does not carry that date, so the caller passes it for the groups
    it has), the one with the earliest date (ties: slug) is the first group on record at T or more, and
    that date is the milestone's date: the first date the directory can vouch for a group being that big
    (it may have got there earlier). Groups whose count has no date are left out; with no mapping there
    are no group milestones.
    """
    out: list[ComputedMilestone] = []
    founded = sorted((c.founded, c.slug, c.name) for c in cards if c.founded is not None)
    for n in _powers_of_ten(GROUP_THRESHOLDS_FROM, len(founded)):
        day, slug, name = founded[n - 1]
        out.append(ComputedMilestone(
            slug=f"directory-{n}-groups",
            title=f"The directory's groups pass {n:,}",
            date=day,
            figure=n,
            figure_label="groups founded",
            summary=f"With {name}, founded {_long(day)}, {n:,} of the groups listed here had been founded.",
            group_slug=slug,
            group_name=name,
        ))
    dated = members_as_of or {}
    sized = [(c.members, c.slug, c.name, dated[c.slug]) for c in cards if c.members is not None and c.slug in dated]
    largest = max((m for m, _, _, _ in sized), default=0)
    for threshold in _powers_of_ten(MEMBER_THRESHOLDS_FROM, largest):
        day, slug, name, members = min((d, s, nm, m) for m, s, nm, d in sized if m >= threshold)
        out.append(ComputedMilestone(
            slug=f"group-{threshold}-members",
            title=f"A group passes {threshold:,} members",
            date=day,
            figure=threshold,
            figure_label="members in one group",
            summary=f"{name} counted {members:,} members on {_long(day)}, the first group on record "
                    f"with {threshold:,} or more.",
            group_slug=slug,
            group_name=name,
        ))
    return sorted(out, key=lambda m: (m.date, m.figure, m.slug), reverse=True)
