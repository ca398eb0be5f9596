"""Dropping the inline patterns a text cannot match changes no output: the filtered renderer against the full one."""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.markdown_render import BODY_TOP_HEADING, DESCRIPTION_TOP_HEADING, MarkdownRenderer

CONTENT = Path(__file__).resolve().parent.parent / "content"
SCHEMES = frozenset({"http", "https", "mailto", "matrix"})
# Both parse with Python-Markdown (plain=False): the plain path (tests/test_markdown_plain.py) would skip the
# patterns this compares.
RENDERERS = {top: (MarkdownRenderer(SCHEMES, top, plain=False),
                   MarkdownRenderer(SCHEMES, top, filter_patterns=False, plain=False))
             for top in (DESCRIPTION_TOP_HEADING, BODY_TOP_HEADING)}
TRIGGERS = "`\\[<&*_!"


def content_texts() -> list[str]:
    """Every description and body under content/, and each Markdown file whole (front matter and all)."""
    texts = []
    for path in sorted(CONTENT.rglob("*")):
        if path.suffix == ".yaml":
            texts.append(str(yaml.safe_load(path.read_text(encoding="utf-8")).get("description") or ""))
        elif path.suffix == ".md":
            whole = path.read_text(encoding="utf-8")
            texts += [whole, whole.split("---\n", 2)[-1]]
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8", newline="") as rows:
                texts += [row.get("description") or "" for row in csv.DictReader(rows)]
    return texts


EDGE_CASES = [
    "plain text without any trigger, only words, digits 123 and punctuation: (a), b; c? d. e-f / g # h",
    *TRIGGERS,
    *(a + b for a in TRIGGERS for b in TRIGGERS),
    *(f"x {a}y{b} z {a}w{a}" for a in TRIGGERS for b in TRIGGERS),
    TRIGGERS, TRIGGERS[::-1],
    r"\"quoted\" and \'single\' and \*not em\* and \_not em\_ and \\ and \` and \[x\] and \<b\> and \&amp;",
    r"a \| b and \# c and \! d and \. e",
    "`code with * and _ and [x](y) and <b> and &amp; and \\ inside`",
    "``a ` b`` and ``` `` ``` and `unclosed and \\`escaped` tick",
    "\\\\`code after escaped backslash` and \\\\\\`x`",
    "```\nfenced * _ [x](y) <b>x</b> &amp; \\* `\n```\n\nafter *em*",
    "~~~python\nprint('*x*', \"[y]\", '<z>')\n~~~",
    "    indented code with *stars* and [x](y) and &copy;\n\ntext",
    "| a | *b* |\n|---|:---:|\n| _c_ | **d** |\n| `e | f` | [g](https://example.org) |",
    "| a | b \\| c |\n| - | - |\n| x | y |",
    "[ref][1] and [Ref] and ![img][2] and ![short]\n\n[1]: https://example.org/one \"One\"\n[ref]: https://example.org/r"
    "\n[2]: https://example.org/i.png\n[short]: http://example.org/s.png",
    "[undefined][nope] and [also undefined]",
    "[inline](https://example.org \"title\") and ![alt *text*](https://example.org/a.png) and [rel](/x) and "
    "[empty]() and [nested [brackets]](https://example.org/n)",
    "![local image](/img.png) and ![data](data:image/png;base64,xx)",
    "<https://example.org/auto> and <mail@example.org> and <mailto:mail@example.org> and <not a link>",
    "<matrix://room> and <javascript:alert(1)> and <ftp://example.org>",
    "a@b.c without angle brackets and https://example.org bare",
    "&amp; &copy; &#123; &#x7B; &nosuch; & alone &amp",
    "<b>x</b> and <i>y</i> and <!-- comment --> and <?php x ?> and <![CDATA[y]]>",
    "<div>\nblock html *em*\n</div>\n\nafter",
    "tab\tinside\t\nand tab before newline\t\nline",
    "x\t\nbreak", "tabs\t\nbreak",
    "two spaces  \nline break and three   \nand tab-made\t\nend",
    "snake_case_name and __init__ and file_name.py and 2*3*4",
    "***strong em*** and **strong** and *em* and ___x___ and __y__ and _z_ and *a **b** c*",
    "**unclosed and *also and _too",
    "[bad](javascript:alert(1)) and [ok](https://example.org) and [mail](mailto:a@example.org) and "
    "[room](matrix:r/x) and [proto](//example.org)",
    "# H1\n\n## H2 *em*\n\n### H3\n\n#### H4\n\n##### H5\n\n###### H6",
    "Setext heading\n==============\n\nSecond\n------\n\ntext",
    "- item *one*\n- item [two](https://example.org)\n    - nested `code`\n\n1. first\n2. second &amp;",
    "> quote with *em* and <https://example.org>\n> > nested \\* quote",
    '"Quotes" -- dashes --- and ellipses... it\'s `"code"` and "*quoted em*"',
    "***\n\n---\n\n___",
    "line one\r\nline two\rline three",
    "\x02stx\x03 and \x02klzzwxh:0000\x03 and \x02wzxhzdk:0\x03",
    "",
    "   \n\t\n",
]


def fuzz_cases(count: int = 400) -> list[str]:
    """Short random texts over the trigger characters and those around them in Markdown."""
    alphabet = [*TRIGGERS, *"]()>:/@#-|;\"'.=~ \n\t", "a", "b", "1", "  \n", "\n\n", "://", "http", "&amp;", "\\\\"]
    rng = random.Random(20110401)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30))) for _ in range(count)]


def wrapped(text: str) -> list[str]:
    """`text` on its own and in a list item, a quote, a heading and a table cell."""
    line = text.replace("\n", " ")
    return [text, f"- {line}", f"> {text}", f"## {line}", f"| a | b |\n|---|---|\n| {line} | x |"]


@pytest.mark.parametrize("top", sorted(RENDERERS))
def test_content_renders_as_with_every_pattern(top: int) -> None:
    filtered, full = RENDERERS[top]
    texts = content_texts()
    assert len(texts) > 50
    for text in texts:
        assert filtered.render(text) == full.render(text), text


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_render_as_with_every_pattern(text: str) -> None:
    for filtered, full in RENDERERS.values():
        for variant in wrapped(text):
            assert filtered.render(variant) == full.render(variant), variant


def test_random_texts_render_as_with_every_pattern() -> None:
    filtered, full = RENDERERS[DESCRIPTION_TOP_HEADING]
    for text in fuzz_cases():
        assert filtered.render(text) == full.render(text), text


def test_a_text_without_triggers_gets_fewer_patterns() -> None:
    filtered, full = RENDERERS[DESCRIPTION_TOP_HEADING]
    text = EDGE_CASES[0]
    assert len(filtered.markdown_for(text).inlinePatterns) < len(full.markdown_for(text).inlinePatterns)
    patterns = filtered.markdown_for(text).inlinePatterns
    assert len(patterns) == 1 and "linebreak" in patterns


def test_a_text_with_every_trigger_gets_every_pattern() -> None:
    filtered, full = RENDERERS[DESCRIPTION_TOP_HEADING]
    assert filtered.markdown_for(TRIGGERS) is filtered.markdown_for(TRIGGERS + " more")
    assert len(filtered.markdown_for(TRIGGERS).inlinePatterns) == len(full.markdown_for(TRIGGERS).inlinePatterns)


_RENDER_IN_A_FRESH_PROCESS = """
import sys
from generator.markdown_render import MarkdownRenderer
html = MarkdownRenderer(frozenset({"https"}), 3, plain=False).render("| a |\\n| - |\\n| *b* |\\n\\n```\\ncode\\n```\\n")
print("<table>" in html and "<pre><code>" in html, "importlib.metadata" in sys.modules)
"""


def test_the_markdown_extensions_are_not_looked_up_among_installed_packages() -> None:
    """Naming an extension ("tables") makes Python-Markdown look through every installed package's entry points
    (45 ms in a fresh process, paid by every build); the classes are handed over instead. The tables and fenced
    code extensions are at work all the same."""
    done = subprocess.run([sys.executable, "-c", _RENDER_IN_A_FRESH_PROCESS], capture_output=True, text=True,
                          timeout=60, cwd=CONTENT.parent, check=True)
    assert done.stdout.split() == ["True", "False"]
