"""`groupdir check`: every error kind is reported with the line of the offending key or value."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from tests.conftest import GROUP_A, MakeSite


def check(root: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[str]]:
    code = main(["check", "--source", str(root), *extra])
    out = capsys.readouterr().out
    return code, [line for line in out.splitlines() if ": error: " in line or ": warning: " in line]


def only_error(lines: list[str]) -> str:
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 1, lines
    return errors[0]


def test_sample_site_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(Path(__file__).resolve().parent.parent, capsys)
    assert lines == []
    assert code == 0


GROUP = "content/groups/alpha-alumni.yaml"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("members: 450", "members: -3", f"{GROUP}:7:10: error: 'members' must not be negative, got -3"),
        ("members: 450", "members: lots", f"{GROUP}:7:10: error: 'members' must be a whole number, got 'lots'"),
        ("founded: 2008-01-01", "founded: last year",
         f"{GROUP}:9:10: error: 'founded' must be a date (YYYY-MM-DD), got 'last year'"),
        ("founded: 2008-01-01", "founded: 2008-02-30",
         f"{GROUP}:9:10: error: 'founded' must be a date (YYYY-MM-DD), got '2008-02-30'"),
        ("category: alumni", "category: alumnae", f"{GROUP}:3:11: error: 'category' 'alumnae' is not one of"),
        ("join_url: https://example.org/join/alpha", "join_url: javascript:alert(1)",
         f"{GROUP}:11:11: error: 'join_url' uses the forbidden scheme 'javascript:'"),
        ("join_url: https://example.org/join/alpha", "join_url: data:text/html,hi",
         f"{GROUP}:11:11: error: 'join_url' uses the forbidden scheme 'data:'"),
        ("join_url: https://example.org/join/alpha", "join_url: file:///etc/passwd",
         f"{GROUP}:11:11: error: 'join_url' uses the forbidden scheme 'file:'"),
        ("join_url: https://example.org/join/alpha", "join_url: gopher://x.org/",
         f"{GROUP}:11:11: error: 'join_url' uses the scheme 'gopher:', which is not allowed"),
        ("tags: [careers, mentoring]", "tags: {a: 1}", f"{GROUP}:4:7: error: 'tags' must be a list of text"),
        ("featured: true", "featured: maybe", f"{GROUP}:13:11: error: 'featured' must be true or false"),
        ("name: Alpha Alumni\n", "", f"{GROUP}:1:1: error: 'name' is required"),
        ("name: Alpha Alumni\n", 'name: "\\u202e\\u202c"\n',
         f"{GROUP}:1:7: error: 'name' is empty once control characters (bidirectional ones included) are removed"),
        ("members: 450", "members: 450\nmembers: 451", f"{GROUP}:8:1: error: duplicate key 'members'"),
        ("members: 450", "members: [450", f"{GROUP}:8:14: error: malformed YAML"),
    ],
)
def test_group_error_kinds(make_site: MakeSite, capsys: pytest.CaptureFixture[str], old: str, new: str,
                           expected: str) -> None:
    assert old in GROUP_A
    root = make_site({GROUP: GROUP_A.replace(old, new, 1)})
    code, lines = check(root, capsys)
    assert code == 1
    assert only_error(lines).startswith(expected)


def test_unknown_key_is_a_warning_with_a_suggestion(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({GROUP: GROUP_A + "memebers_as_of: 2011-01-01\n"})
    code, lines = check(root, capsys)
    assert code == 0
    assert lines == [f"{GROUP}:16:1: warning: unknown field 'memebers_as_of' (did you mean 'members_as_of'?)"]
    code, _ = check(root, capsys, "--strict")
    assert code == 1


def test_duplicate_slug_names_both_files(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/groups/zz-copy.yaml": GROUP_A.replace("name: Alpha Alumni", "name: Alpha Alumni\n"
                                                                     "slug: alpha-alumni")})
    code, lines = check(root, capsys)
    assert code == 1
    error = only_error(lines)
    assert error.startswith("content/groups/zz-copy.yaml:1:1: error: duplicate group slug 'alpha-alumni'")
    assert "content/groups/alpha-alumni.yaml:1" in error


def test_missing_related_slug_points_at_the_entry(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    text = GROUP_A + "related:\n  - beta-builders\n  - no-such-group\n"
    code, lines = check(make_site({GROUP: text}), capsys)
    assert code == 1
    assert only_error(lines) == f"{GROUP}:18:5: error: 'related' names 'no-such-group', but no group has that slug"


def test_csv_errors_name_row_line_and_column(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    csv_text = "name,slug,category,members\nGood,good,alumni,5\nBad,bad,alumni,-1\n,noname,alumni,3\n"
    code, lines = check(make_site({"content/groups/more.csv": csv_text}), capsys)
    assert code == 1
    assert lines == [
        "content/groups/more.csv:3:4: error: 'members' must not be negative, got -1",
        "content/groups/more.csv:4:1: error: 'name' is required",
    ]


def test_json_errors_name_the_record_line(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    text = '[\n  {"name": "J1", "category": "alumni"},\n  {"name": "J2",\n   "category": "nope"}\n]\n'
    code, lines = check(make_site({"content/groups/data.json": text}), capsys)
    assert code == 1
    assert only_error(lines).startswith("content/groups/data.json:3:1: error: 'category' 'nope' is not one of")


def test_non_utf8_and_binary_files(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({"content/groups/latin1.yaml": "name: Z\xfcrich\ncategory: alumni\n".encode("latin-1"),
                      "content/groups/binary.yaml": b"\x00\x01\x02PNG"})
    code, lines = check(root, capsys)
    assert code == 1
    assert "content/groups/binary.yaml: error: is a binary file, not text" in lines
    assert "content/groups/latin1.yaml:1:1: error: is not UTF-8 text (invalid byte 0xfc); save it as UTF-8" in lines


def test_every_error_is_reported_in_one_run(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({
        GROUP: GROUP_A.replace("members: 450", "members: -1").replace("founded: 2008-01-01", "founded: soon"),
        "content/groups/beta-builders.md": "---\nname: B\ncategory: nope\n---\n",
        "content/guides/choosing-groups.md": "---\ntitle: T\n---\n",
    })
    code, lines = check(root, capsys)
    assert code == 1
    errors = [line.split(": error: ")[0] for line in lines if ": error: " in line]
    assert errors == [
        f"{GROUP}:7:10",
        f"{GROUP}:9:10",
        "content/groups/beta-builders.md:3:11",
        "content/guides/choosing-groups.md:2:1",
    ]


def test_site_yaml_errors(make_site: MakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import SITE_YAML

    text = SITE_YAML.replace("per_page: 2", "per_page: 0\ntheem: x").replace(
        "base_url: https://example.org/sub/dir/", "base_url: /relative/")
    code, lines = check(make_site({"site.yaml": text}), capsys)
    assert code == 1
    assert "site.yaml:3:11: error: 'base_url' must be an absolute http(s) URL, got '/relative/'" in lines
    assert "site.yaml:6:11: error: 'per_page' must be a whole number from 1 to 1000, got 0" in lines
    assert "site.yaml:7:1: error: unknown setting 'theem' (did you mean 'theme'?)" in lines


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", "--no-such-flag"])
    assert caught.value.code == 2
