from __future__ import annotations

import datetime as dt

import pytest

from generator.yamlio import YamlProblem, load, split_front_matter


def test_values_and_positions() -> None:
    loaded = load("name: A\nactivity:\n  last_post: 2011-03-01\ntags: [x, y]\n")
    assert loaded.value == {"name": "A", "activity": {"last_post": dt.date(2011, 3, 1)}, "tags": ["x", "y"]}
    assert loaded.positions[("activity", "last_post")] == (3, 14)
    assert loaded.key_positions[("activity", "last_post")] == (3, 3)
    assert loaded.positions[("tags", 1)] == (4, 11)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first defined on line 1)"),
        ("a: &x [1]\nb: *x\n", 1, "anchors"),
        ("a: !!python/object/apply:os.system [ls]\n", 1, "not allowed"),
        ("a: !custom 1\n", 1, "not allowed"),
        ("a: [1, 2\nb: 3\n", 2, "malformed YAML"),
        ("a: 1\n---\nb: 2\n", 2, "second"),
    ],
)
def test_refusals(text: str, line: int, fragment: str) -> None:
    with pytest.raises(YamlProblem) as caught:
        load(text)
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    with pytest.raises(YamlProblem, match="anchors"):
        load("\n".join(lines))


def test_deep_nesting_is_refused() -> None:
    # Flow brackets are scanned ahead of the events: libyaml from PyYAML 6.0.4 refuses 5,000 of them itself
    # ("exceeded maximum nesting depth") before our limit is reached; either way, a problem on line 1.
    with pytest.raises(YamlProblem, match=r"nested deeper|maximum nesting depth") as caught:
        load("a: " + "[" * 5000 + "]" * 5000)
    assert caught.value.line == 1
    with pytest.raises(YamlProblem, match="nested deeper than 32 levels"):
        load("a: " + "[" * 40 + "]" * 40)
    deep = "".join(" " * (2 * i) + f"k{i}:\n" for i in range(200)) + " " * 400 + "v: 1\n"
    with pytest.raises(YamlProblem, match="nested deeper"):
        load(deep)


def test_front_matter_lines_count_from_the_file_start() -> None:
    front = split_front_matter("---\nname: A\nmembers: x\n---\nBody\n")
    assert front.meta.positions[("members",)] == (3, 10)
    assert front.body == "Body\n"
    assert front.body_line == 5


def test_front_matter_must_close() -> None:
    with pytest.raises(YamlProblem, match="closing"):
        split_front_matter("---\nname: A\n")


def test_loading_keeps_no_state_between_documents() -> None:
    """PyYAML's constructor remembers every node it constructs; scalars must not go through that memory."""
    from generator import yamlio

    for i in range(200):
        load(f"name: Group {i}\nfounded: 2011-01-0{1 + i % 9}\ntags: [a, b]\nmembers: {i}\n")
    assert len(yamlio._constructor.constructed_objects) == 0
