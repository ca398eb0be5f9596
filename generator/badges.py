"""Embeddable SVG badges (/groups/<slug>/badge.svg) and the text-width estimate they and the charts share.

A badge has two bands: the group's name on top; below it the category on the left and the editor's chosen
second line (members, size band or activity) on the right, in a colour that says the tone. Text is
measured with a conservative per-character width table (wider than Verdana, the widest common UI font,
so real fonts render narrower than the estimate); whatever does not fit is cut and ends with an ellipsis.
Only the category and the name are ever cut before the second line is, so a badge never hides that a
group is dormant. Output is deterministic bytes, well under 2 KB.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata

from generator.model import ACTIVITY_LABELS, SIZE_LABELS, STATUS_LABELS, Card

ELLIPSIS = "\u2026"
FONT_FAMILY = ("Verdana,'DejaVu Sans','Segoe UI',system-ui,-apple-system,Roboto,'Noto Sans',"
               "'Noto Sans CJK SC','Noto Sans Arabic',sans-serif")

HEIGHT = 40
SPLIT = 22  # y where the lower band starts
PAD = 8
MIN_WIDTH = 120
MAX_WIDTH = 300
MAX_LINE = 180  # the widest the second line may grow before it too is cut: every size label fits
NAME_SIZE = 12
LINE_SIZE = 11
BOLD_FACTOR = 1.1
RADIUS = 4

TEXT_COLOUR = "#ffffff"
NAME_BG = "#1f2328"
CATEGORY_BG = "#343a42"
TONE_BG = {
    "active": "#116329",
    "quiet": "#8a4600",
    "dormant": "#626d7a",
    "neutral": "#1f5f8b",
}
TONES = tuple(TONE_BG)

# Widths in em. Verdana's widest lowercase letter is 'm' at 1.06em and its digits are 0.64em.
_NARROW = dict.fromkeys("ijl.,:;'`!|I", 0.38)
_SEMI = dict.fromkeys("frt()[]{}/\\\" -", 0.55)
_WIDE = dict.fromkeys("mwMW@%&", 1.12)
_ASCII_WIDTHS = {**_NARROW, **_SEMI, **_WIDE}
_SPACE = 0.4
_DIGIT = 0.7
_LOWER = 0.68
_UPPER = 0.86
_OTHER_ASCII = 0.75
_RTL_SCRIPTS = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))
_NARROW_SCRIPTS = ((0x0370, 0x052F),)  # Greek and Cyrillic: letter-like, as wide as capitals at most
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_FSI, _PDI = "\u2068", "\u2069"


@functools.cache  # a site's names use a few thousand distinct characters; the Unicode look-ups cost more
def char_width(char: str) -> float:
    """The estimated advance of one character, in em; generous, never less than a real font's."""
    if char in _ASCII_WIDTHS:
        return _ASCII_WIDTHS[char]
    if char.isascii():
        if char.isdigit():
            return _DIGIT
        if char.islower():
            return _LOWER
        if char.isupper():
            return _UPPER
        return _SPACE if char.isspace() else _OTHER_ASCII
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf") or char in "\u200b\ufeff":
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.1 if category == "So" else 1.05  # CJK, fullwidth forms, emoji
    if category.startswith("Z"):
        return _SPACE
    parts = unicodedata.normalize("NFKD", char)
    if parts != char:
        return sum(char_width(part) for part in parts)  # é -> e, ǆ -> dž, ℃ -> °C, Ⅷ -> VIII
    code = ord(char)
    if any(low <= code <= high for low, high in _RTL_SCRIPTS):
        return 0.8
    if any(low <= code <= high for low, high in _NARROW_SCRIPTS):
        return _UPPER
    return 1.0


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width of `text` in pixels at font size `size`."""
    width = sum(map(char_width, text)) * size
    return width * BOLD_FACTOR if bold else width


def clean_text(text: str) -> str:
    """One line of XML-safe text: characters XML 1.0 forbids removed, runs of whitespace made one space."""
    return _SPACES.sub(" ", _INVALID_XML.sub("", text)).strip()


def _clusters(text: str) -> list[str]:
    """Split into user-perceived characters closely enough not to strand a combining mark or a ZWJ."""
    out: list[str] = []
    for char in text:
        joins = unicodedata.category(char) in ("Mn", "Me", "Mc") or char in "\u200d\ufe0e\ufe0f"
        if out and (joins or out[-1].endswith("\u200d")):
            out[-1] += char
        else:
            out.append(char)
    return out


def fit_text(text: str, max_width: float, size: float, bold: bool = False) -> str:
    """`text` if it fits in `max_width` pixels, else its longest prefix that fits with an ellipsis after it."""
    if text_width(text, size, bold) <= max_width:
        return text
    budget = max_width - text_width(ELLIPSIS, size, bold)
    if budget < 0:
        return ""
    kept: list[str] = []
    used = 0.0
    for cluster in _clusters(text):
        width = text_width(cluster, size, bold)
        if used + width > budget:
            break
        kept.append(cluster)
        used += width
    return "".join(kept).rstrip() + ELLIPSIS


def is_rtl(text: str) -> bool:
    """True when the first strongly directional character is right-to-left (Arabic, Hebrew...)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attr(text: str) -> str:
    return xml_text(text).replace('"', "&quot;")


def _isolated(text: str) -> str:
    """Right-to-left text wrapped in a first-strong isolate, so an ellipsis lands at its visual end."""
    return f"{_FSI}{text}{_PDI}" if is_rtl(text) else text


def contrast(fg: str, bg: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def badge_svg(name: str, category: str, second_line: str, tone: str) -> bytes:
    """The badge of one group as SVG 1.1 bytes; `tone` is active, quiet, dormant or neutral."""
    if tone not in TONE_BG:
        raise ValueError(f"badge tone must be one of {', '.join(TONES)}, got {tone!r}")
    name, category, second_line = clean_text(name), clean_text(category), clean_text(second_line)
    line = fit_text(second_line, MAX_LINE, LINE_SIZE)
    right = math.ceil(text_width(line, LINE_SIZE)) + 2 * PAD
    natural = max(text_width(name, NAME_SIZE, bold=True) + 2 * PAD,
                  text_width(category, LINE_SIZE) + 2 * PAD + right)
    width = min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(natural)))
    split = width - right
    shown_name = fit_text(name, width - 2 * PAD, NAME_SIZE, bold=True)
    shown_category = fit_text(category, split - 2 * PAD, LINE_SIZE)
    label = ", ".join(part for part in (name, category) if part) + (f": {second_line}" if second_line else "")
    r = RADIUS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{xml_attr(label)}">',
        f"<title>{xml_text(label)}</title>",
        f'<rect width="{width}" height="{HEIGHT}" rx="{r}" fill="{NAME_BG}"/>',
        f'<path d="M0 {SPLIT}H{split}V{HEIGHT}H{r}A{r} {r} 0 0 1 0 {HEIGHT - r}Z" fill="{CATEGORY_BG}"/>',
        f'<path d="M{split} {SPLIT}H{width}V{HEIGHT - r}A{r} {r} 0 0 1 {width - r} {HEIGHT}H{split}Z" '
        f'fill="{TONE_BG[tone]}"/>',
        f'<g fill="{TEXT_COLOUR}" font-family="{xml_attr(FONT_FAMILY)}">',
        f'<text x="{PAD}" y="15.5" font-size="{NAME_SIZE}" font-weight="bold">{xml_text(_isolated(shown_name))}</text>',
    ]
    if shown_category:
        parts.append(f'<text x="{PAD}" y="35" font-size="{LINE_SIZE}">{xml_text(_isolated(shown_category))}</text>')
    if line:
        parts.append(f'<text x="{_num(split + PAD)}" y="35" font-size="{LINE_SIZE}">{xml_text(_isolated(line))}</text>')
    parts.append("</g></svg>\n")
    return "\n".join(parts).encode("utf-8")


def badge_line(card: Card, setting: str) -> tuple[str, str]:
    """The badge's second line and tone for a group, by `SiteConfig.badge_line`.

    members: "1,234 members" ("Size not stated" when unknown), neutral tone; size: the size band's label,
    neutral tone; activity: "Active" / "Quiet" / "Dormant" in that tone, except that an archived or defunct
    group says so ("Archived", "Defunct") in the dormant tone rather than merely "Dormant".
    """
    if setting == "members":
        if card.members is None:
            return SIZE_LABELS["unknown"], "neutral"
        return f"{card.members:,} {'member' if card.members == 1 else 'members'}", "neutral"
    if setting == "size":
        return SIZE_LABELS[card.size_band], "neutral"
    if setting == "activity":
        if card.status != "active":
            return STATUS_LABELS.get(card.status, card.status.title()), "dormant"
        return ACTIVITY_LABELS[card.activity], card.activity
    raise ValueError(f"badge_line must be members, size or activity, got {setting!r}")
