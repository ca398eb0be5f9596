"""Inline SVG charts for /stats/, drawn at build time from Stats.

Each chart is decoration beside a real <table> that carries the same numbers, so every SVG is
`aria-hidden="true"` (and `focusable="false"`); nothing here needs JavaScript. The SVGs have no viewBox:
text keeps its size at any width while bars and columns are laid out in percentages, with pixel offsets
(`dx`) where text meets a bar. Colours come from CSS classes (themes/default/static/css/stats.css, which
maps them to the theme's custom properties for light and dark schemes); the `currentColor` attributes are
only a fallback that keeps the charts legible without that stylesheet. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from generator.badges import fit_text
from generator.stats import Count, Stats

ROW = 36  # height of one bar row
LABEL_SIZE = 13
VALUE_SIZE = 12
LABEL_BUDGET = 230  # px a bar label may take: fits the narrowest phone layout
BAR_SPAN = 78.0  # percent of the width the longest bar takes, leaving room for its value
PLOT_TOP = 12
PLOT_HEIGHT = 200
GUTTER = 13.0  # percent of the width kept for the y-axis ticks of column charts
MAX_X_LABELS = 6


def _pct(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") + "%"


def _px(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(kind: str, height: int, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart--{kind}" width="100%" height="{height}" '
            f'style="height:{height}px" aria-hidden="true" focusable="false" font-size="{LABEL_SIZE}">')
    return Markup("\n".join([head, *body, "</svg>"]))


def compact(value: int) -> str:
    """A short axis number: 950, 1.5k, 20k, 1.2M."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return str(value)


def bar_chart(rows: Sequence[Count], kind: str, *, tones: bool = False) -> Markup:
    """Horizontal bars, one row each: the label above its bar, the count just after the bar's end.
    Empty Markup when every count is zero.

    With `tones`, each row's key (active, quiet, dormant) is also its colour class.
    """
    if not any(r.count for r in rows):
        return Markup("")
    largest = max(r.count for r in rows)
    body: list[str] = []
    for i, row in enumerate(rows):
        top = i * ROW
        tone = f" chart__row--{escape(row.key)}" if tones else ""
        width = BAR_SPAN * row.count / largest
        label = fit_text(row.label, LABEL_BUDGET, LABEL_SIZE)
        body.append(f'<g class="chart__row{tone}">')
        body.append(f'<text class="chart__label" x="0" y="{top + 12}" fill="currentColor">{escape(label)}</text>')
        body.append(f'<rect class="chart__track" x="0" y="{top + 17}" width="100%" height="12" rx="2" '
                    'fill="currentColor" fill-opacity="0.08"/>')
        if row.count:
            body.append(f'<rect class="chart__bar" x="0" y="{top + 17}" width="{_pct(max(width, 0.4))}" '
                        'height="12" rx="2" fill="currentColor"/>')
        body.append(f'<text class="chart__value" x="{_pct(width)}" dx="6" y="{top + 27.5}" '
                    f'font-size="{VALUE_SIZE}" fill="currentColor">{row.count:,}</text>')
        body.append("</g>")
    return _svg(kind, len(rows) * ROW, body)


def _nice_step(largest: int) -> int:
    """A step of 1, 2 or 5 times a power of ten giving at most four gridlines above zero."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if largest <= 4 * step:
                return step
        magnitude *= 10


def column_chart(rows: Sequence[Count], kind: str, x_labels: Sequence[tuple[int, str, bool]]) -> Markup:
    """Vertical columns on a linear count axis with gridlines.

    `x_labels` are (position, text, at_edge): the label goes under column `position`, at its centre, or at
    its left edge when `at_edge` (for bin boundaries).
    """
    if not any(r.count for r in rows):
        return Markup("")
    step = _nice_step(max(r.count for r in rows))
    top_value = step * max(1, -(-max(r.count for r in rows) // step))
    base = PLOT_TOP + PLOT_HEIGHT
    slot = (100.0 - GUTTER) / len(rows)
    body: list[str] = []
    for value in range(0, top_value + 1, step):
        y = base - PLOT_HEIGHT * value / top_value
        body.append(f'<line class="chart__grid" x1="{_pct(GUTTER)}" x2="100%" y1="{_px(y)}" y2="{_px(y)}" '
                    'stroke="currentColor" stroke-opacity="0.2"/>')
        body.append(f'<text class="chart__tick" x="{_pct(GUTTER)}" dx="-6" y="{_px(y + 4)}" text-anchor="end" '
                    f'font-size="{VALUE_SIZE}" fill="currentColor">{compact(value)}</text>')
    for i, row in enumerate(rows):
        if not row.count:
            continue
        height = max(PLOT_HEIGHT * row.count / top_value, 2.0)
        body.append(f'<rect class="chart__bar" x="{_pct(GUTTER + i * slot + slot * 0.1)}" y="{_px(base - height)}" '
                    f'width="{_pct(slot * 0.8)}" height="{_px(height)}" fill="currentColor"/>')
    body.append(f'<line class="chart__axis" x1="{_pct(GUTTER)}" x2="100%" y1="{base}" y2="{base}" '
                'stroke="currentColor"/>')
    for position, text, at_edge in x_labels:
        x = GUTTER + position * slot + (0 if at_edge else slot / 2)
        body.append(f'<text class="chart__tick" x="{_pct(x)}" y="{base + 18}" text-anchor="middle" '
                    f'font-size="{VALUE_SIZE}" fill="currentColor">{escape(text)}</text>')
    return _svg(kind, base + 26, body)


def histogram_labels(rows: Sequence[Count]) -> list[tuple[int, str, bool]]:
    """Labels at the powers of ten among the bins' lower edges (1, 10, 100, 1k ...), and "0"."""
    out: list[tuple[int, str, bool]] = []
    for i, row in enumerate(rows):
        if row.key == "0":
            out.append((i, "0", False))
            continue
        low = int(row.key.split("-")[0])
        if str(low).strip("0") == "1":
            out.append((i, compact(low), True))
    return out


def year_labels(rows: Sequence[Count]) -> list[tuple[int, str, bool]]:
    """At most MAX_X_LABELS evenly spaced labels, on round years (or decades) where the data allows."""
    count = len(rows)
    every = next((k for k in (1, 2, 5, 10, 20, 25, 50, 100) if -(-count // k) <= MAX_X_LABELS), count)
    first = 0
    for i, row in enumerate(rows[:every]):
        number = int(row.key.rstrip("s"))
        step = 10 if row.key.endswith("s") else 1
        if (number // step) % every == 0:
            first = i
            break
    return [(i, rows[i].label, False) for i in range(first, count, every)]


def category_chart(stats: Stats) -> Markup:
    return bar_chart(stats.categories, "categories")


def size_chart(stats: Stats) -> Markup:
    """Groups by member count: a histogram with two bins per power of ten, so the x axis is logarithmic."""
    return column_chart(stats.histogram, "sizes", histogram_labels(stats.histogram))


def activity_chart(stats: Stats) -> Markup:
    return bar_chart(stats.activity, "activity", tones=True)


def country_chart(stats: Stats) -> Markup:
    return bar_chart(stats.countries, "countries")


def founded_chart(stats: Stats) -> Markup:
    return column_chart(stats.founded, "founded", year_labels(stats.founded))


def all_charts(stats: Stats) -> dict[str, Markup]:
    """What stats.html receives as `charts`; a chart with no data is an empty Markup."""
    return {
        "categories": category_chart(stats),
        "sizes": size_chart(stats),
        "activity": activity_chart(stats),
        "countries": country_chart(stats),
        "founded": founded_chart(stats),
    }
