"""A plain text's tree made without Python-Markdown's parser gives the HTML Python-Markdown gives.

Every comparison is against Python-Markdown itself (a renderer made with `plain=False`), over generated texts
built from the constructs generator.markdown_plain reads and from near-misses of them, the sample site's texts and
hand-picked cases at the edge of what it reads.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from generator import markdown_plain
from generator.markdown_render import BODY_TOP_HEADING, DESCRIPTION_TOP_HEADING, MarkdownRenderer
from tests.test_markdown_triggers import EDGE_CASES, content_texts

SCHEMES = frozenset({"http", "https", "mailto"})
TOPS = (DESCRIPTION_TOP_HEADING, BODY_TOP_HEADING)
PLAIN = {top: MarkdownRenderer(SCHEMES, top) for top in TOPS}
PYTHON_MARKDOWN = {top: MarkdownRenderer(SCHEMES, top, plain=False) for top in TOPS}

WORDS = ["group", "members", "meet", "online", "Milano", "São", "東京", "Ελλάδα", "Москва", "مرحبا", "café", "don't",
         "'90s", "rock'n'roll", '"quoted"', "it's", "--", "---", "...", "2019", "3", "co-op", "e.g.", "(aside)",
         "a:b", "50%", "#1", "!", "?", ";", "=", "+", "~", "-", "@", "$", "^", "{x}"]
NEAR_WORDS = ["x_y", "a*b", "snake_case", "1.", "2)", "a]b", "[c", "__init__", "2*3*4"]
INLINE = ["**{w}**", "*{w}*", "_{w}_", "__{w}__", "[{w}](https://example.org/{u})", "[{w}](/local/{u})",
          "[{w}](mailto:a@example.org)", "[{w}](javascript:alert)", "[{w}](//example.org/{u})"]
NEAR_INLINE = ["** {w}**", "*{w} *", "_{w}", "{w}_", "[{w}]", "[{w}](x y)", "![{w}](https://e/i.png)", "**{w}*",
               "***{w}***", "*{w}**", "_{w}_x", "x_{w}_", "**{w} *b* c**", "*a **b** c*", "[*{w}*](https://e/)",
               "**[{w}](https://e/)**", "[{w}](<https://e/>)", '[{w}](https://e/ "t")', "[{w}](https://e/(x))",
               "[x][y]", "[x]: https://e/", "*", "_", "**", "* a *", "`{w}`", "<b>{w}</b>", "a & b", "{w}\\*"]
URL_ENDS = ["a", "a_b", "a-b", "x?y=1", "p#f", "*s*", "%20"]
STARTS = ["", "", "", "", "", "", "# ", "## ", "### ", "###### ", "- ", "* ", "+ ", "1. ", "2. ", "10. ", "01. ",
          "2019 ", "**a** ", "*a* ", "_a_ ", "[a](https://e/) "]
NEAR_STARTS = ["####### ", "#", "> ", " ", "    ", "     ", "-  ", "1.  ", "**", "*", "_", "=== ", "--- ", "***",
               "___", "- - -", "~~~", "```", "[a]: ", "| ", "\t", "1) ", "-", "+"]
ENDS = ["", "", "", "", " ", "#", " ##", "  "]


def _phrase(rng: random.Random, near: float) -> str:
    words = []
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.3:
            pattern = rng.choice(NEAR_INLINE if rng.random() < near else INLINE)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
            if rng.random() < 0.2:
                text = text.replace(" ", "\n", 1)
            words.append(pattern.format(w=text, u=rng.choice(URL_ENDS)))
        else:
            words.append(rng.choice(NEAR_WORDS if rng.random() < near / 3 else WORDS))
    return " ".join(words)


def generated(count: int, near: float, seed: int) -> list[str]:
    """Texts of up to a dozen lines: paragraphs, headings, lists and blank lines, each line and each inline run a
    near-miss with probability about `near`."""
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        lines = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.2:
                lines.append("")
                continue
            start = rng.choice(NEAR_STARTS if rng.random() < near else STARTS)
            if lines and lines[-1][:1] in "-*+1" and rng.random() < 0.3:
                start = rng.choice(["", "  ", "   "])  # the list item above goes on
            end = rng.choice(ENDS) if rng.random() < near else ""
            lines.append(start + _phrase(rng, near) + end)
        texts.append("\n".join(lines) + rng.choice(["", "\n", "\n\n"]))
    return texts


def assert_as_python_markdown(text: str) -> None:
    for top in TOPS:
        assert PLAIN[top].render(text) == PYTHON_MARKDOWN[top].render(text), (top, text)


@pytest.mark.parametrize(("near", "seed"), [(0.02, 1), (0.1, 2), (0.4, 3)])
def test_generated_texts_render_as_with_python_markdown(near: float, seed: int) -> None:
    texts = generated(1500, near, seed)
    read = [text for text in texts if markdown_plain.tree(text) is not None]
    # Not a comparison of fallbacks with themselves: a share of the texts is read by the plain path, and what it
    # read covers every construct.
    assert len(read) > len(texts) * (0.2 if near < 0.05 else 0.03), len(read)
    made: Counter[str] = Counter()
    for text in read:
        assert_as_python_markdown(text)
        html = str(PLAIN[DESCRIPTION_TOP_HEADING].render(text))
        made.update(tag for tag in ("<p>", "<h3>", "<ul>", "<ol>", "<ol start=", "<li>", "<em>", "<strong>",
                                    "<a href", "<span>", "\u2019", "\u201c", "\u2014", "\u2026") if tag in html)
        made.update(["item going on"] if "<li>" in html and "\n  " in html else [])
    if near < 0.05:
        assert len(made) == 15, made


def test_the_sample_sites_texts_render_as_with_python_markdown() -> None:
    texts = content_texts()
    read = [text for text in texts if markdown_plain.tree(text) is not None]
    assert len(read) > len(texts) // 2
    for text in texts:
        assert_as_python_markdown(text)


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_render_as_with_python_markdown(text: str) -> None:
    assert_as_python_markdown(text)


READ = [
    "**Lisbon Data Engineers** meet *monthly* in _Lisbon_ and online.\n\n## What members talk about\n\n- Pipelines\n"
    "- Careers and **pay**\n\nRead [the group's pages](https://example.org/x_y) before you ask to join.",
    "- a\n- b\n\npara", "* a\n- b\n+ c", "3. third\n4. fourth", "- a\n## H\n- b", "para\n## H\ntext",
    "## *H* [l](https://e/)", "'90s and \"quotes\" -- and --- and...", "foo*bar*baz", "x _w_ y (_a_).",
    "- an item that goes on\n  over the next line\nand one more", "a **strong run\nover two lines** end",
    "[a](javascript:alert) and [b](//example.org/x)", "12 angry men", "text ending with #", "a\n\n\n\nb",
]
NOT_READ = [
    "- a\n\n- b",  # one loose list to Python-Markdown
    "1. a\n\n2. b", "_a_b", "*a*b*", "__a__b", "x\n- y", "#tag", "- ", "a\n---", "a\n===", "***", "- - -",
    "    code", " indented", "a  \nb", "a\tb", "`code`", "a \\* b", "<b>x</b>", "a & b", "| a | b |",
    "![alt](https://e/i.png)", "[x][y]", "[x]: https://e/", "> quote", "~~~\ncode\n~~~", "1) a", "- a\n    - b",
    "* a *", "[l](https://e/ \"title\")", "[*l*](https://e/)", "**a *b* c**",
]


@pytest.mark.parametrize("text", READ)
def test_plain_texts_are_read_without_python_markdowns_parser(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {top: PYTHON_MARKDOWN[top].render(text) for top in TOPS}
    renderers = {top: MarkdownRenderer(SCHEMES, top) for top in TOPS}
    for renderer in renderers.values():
        monkeypatch.setattr(renderer, "markdown_for", lambda _text: pytest.fail("parsed by Python-Markdown"))
    assert {top: renderer.render(text) for top, renderer in renderers.items()} == expected


@pytest.mark.parametrize("text", NOT_READ)
def test_texts_outside_the_subset_go_to_python_markdown(text: str) -> None:
    assert markdown_plain.tree(text) is None
    assert_as_python_markdown(text)
