"""`groupdir import` of a messy spreadsheet export: every case from the issue, checked by `groupdir check`."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from generator.yamlio import load
from tests.importer.conftest import FIXTURES, Run, check, snapshot

MESSY = FIXTURES / "messy.csv"
CREATED = {"python-users-berlin", "zurich-finance-professionals", "python-users", "python-users-2",
           "東京-エンジニア", "hr-клуб-москва"}


def read(path: Path) -> dict[str, object]:
    value = load(path.read_text(encoding="utf-8")).value
    assert isinstance(value, dict)
    return value


@pytest.fixture
def messy(site: Path) -> Path:
    target = site.parent / "messy.csv"
    shutil.copy(MESSY, target)
    return target


def test_messy_csv_becomes_valid_group_files(run_import: Run, messy: Path, site: Path, groups: Path) -> None:
    result = run_import(messy)
    assert result.code == 0, result.err
    assert {p.stem for p in groups.glob("*.yaml")} == CREATED
    assert (result.count("created"), result.count("updated"), result.count("skipped")) == (6, 0, 3)
    code, report = check(site)
    assert code == 0, report
    assert "ok: 6 groups" in report


def test_messy_values_are_normalised(run_import: Run, messy: Path, groups: Path) -> None:
    run_import(messy)
    berlin = read(groups / "python-users-berlin.yaml")
    assert berlin["name"] == "Python Users Berlin"
    assert berlin["slug"] == "python-users-berlin"
    assert berlin["category"] == "topic"  # from the display name "Topic and interest groups"
    assert berlin["members"] == 1234  # "1,234"
    assert berlin["tags"] == ["python", "django", "web"]  # commas and semicolons in one cell
    assert berlin["founded"] == dt.date(2011, 3, 30)  # 2011-03-30
    assert berlin["added"] == dt.date(2011, 3, 30)  # Mar 30, 2011
    assert berlin["members_as_of"] == dt.date(2011, 3, 30)  # 30 March 2011
    assert berlin["activity"] == {"last_post": dt.date(2011, 3, 30), "posts_per_month": 2.5}  # 30/03/2011, "2,5"
    assert berlin["location"] == {"city": "Berlin", "country": "Germany"}
    assert berlin["languages"] == ["en", "de"]
    assert berlin["visibility"] == "open"
    assert berlin["featured"] is True
    assert berlin["join_url"] == "https://example.org/pub/join"
    assert berlin["extra"] == {"meeting_day": "Monday", "internal_id": "A-001"}

    zurich = read(groups / "zurich-finance-professionals.yaml")
    assert zurich["members"] == 12000  # "12k"
    assert zurich["founded"] == dt.date(2011, 3, 30)  # 30/03/2011
    assert zurich["added"] == dt.date(2011, 3, 30)  # 03/30/2011: month first, unambiguous
    assert zurich["tags"] == ["finance", "banking"]
    assert zurich["join_url"] == "https://example.org/zfp/join"  # scheme added to a bare host
    assert zurich["visibility"] == "request"
    assert zurich["description"] == 'Line one\nLine two with "quotes", commas; and semicolons\n'  # quoted newline
    assert zurich["location"] == {"city": "Zürich", "country": "Switzerland"}

    assert read(groups / "python-users.yaml")["location"] == "online"
    assert read(groups / "東京-エンジニア.yaml")["members"] == 1500  # "1 500"
    assert read(groups / "hr-клуб-москва.yaml")["category"] == "professional"  # display name, any case


def test_html_description_does_not_survive_as_html(run_import: Run, messy: Path, groups: Path) -> None:
    run_import(messy)
    text = (groups / "python-users-berlin.yaml").read_text(encoding="utf-8")
    description = read(groups / "python-users-berlin.yaml")["description"]
    assert isinstance(description, str)
    for bad in ("<", ">", "alert", "onclick", "onmouseover", "onerror", "steal", "javascript", "img"):
        assert bad not in text, bad
    assert "We meet **monthly**." in description
    assert "Click here or [there](https://example.org/pub/)." in description
    assert "description: |\n" in text  # a block literal


def test_skipped_rows_name_row_column_and_reason(run_import: Run, messy: Path) -> None:
    out = run_import(messy).out
    assert "skipped row 8: 'name' is required" in out
    assert "skipped row 9: column D 'CATEGORY': 'category' 'Astrology' is not one of the site's categories" in out
    assert "skipped row 12: column C 'join url': 'join_url' uses the forbidden scheme 'javascript:'" in out


def test_unknown_columns_are_reported_once(run_import: Run, messy: Path) -> None:
    out = run_import(messy).out
    notes = [line for line in out.splitlines() if "kept under 'extra'" in line]
    assert notes == ["note: columns that are not group fields, kept under 'extra': 'Meeting Day' as "
                     "'meeting_day', 'Internal ID' as 'internal_id'"]
    assert "note: 2 empty rows ignored" in out


def test_duplicate_names_get_distinct_slugs_and_are_reported(run_import: Run, messy: Path, groups: Path) -> None:
    out = run_import(messy).out
    assert "row 7: 'Python Users' gets the slug 'python-users-2' ('python-users' is row 6's)" in out
    assert read(groups / "python-users.yaml")["members"] == 500
    assert read(groups / "python-users-2.yaml")["members"] == 600


def test_second_import_changes_nothing(run_import: Run, messy: Path, groups: Path) -> None:
    run_import(messy)
    before = snapshot(groups)
    stamps = {p.name: p.stat().st_mtime_ns for p in groups.iterdir()}
    again = run_import(messy)
    assert (again.count("created"), again.count("updated"), again.count("unchanged")) == (0, 0, 6)
    assert snapshot(groups) == before
    assert {p.name: p.stat().st_mtime_ns for p in groups.iterdir()} == stamps
    with_update = run_import(messy, "--update")
    assert (with_update.count("created"), with_update.count("updated")) == (0, 0)
    assert snapshot(groups) == before


def test_dry_run_writes_nothing_and_prints_the_same_summary(run_import: Run, messy: Path, groups: Path) -> None:
    dry = run_import(messy, "--dry-run")
    assert snapshot(groups) == {}
    assert "Dry run, nothing written: 6 created, 0 updated, 0 unchanged, 3 skipped" in dry.out
    assert "would be created: content/groups/python-users-berlin.yaml" in dry.out
    real = run_import(messy)
    assert real.out.splitlines()[-1] == dry.out.splitlines()[-1].split(": ", 1)[1]


def test_existing_file_is_never_overwritten_without_update(
        run_import: Run, messy: Path, groups: Path) -> None:
    original = "# hand-written\nname: Python Users Berlin\ncategory: topic\nmembers: 99\n"
    (groups / "python-users-berlin.yaml").write_text(original, encoding="utf-8")
    result = run_import(messy)
    assert (groups / "python-users-berlin.yaml").read_text(encoding="utf-8") == original
    assert "skipped row 2: content/groups/python-users-berlin.yaml already exists and differs in" in result.out
    assert "(pass --update to change it)" in result.out
    assert result.count("created") == 5


def test_update_changes_only_the_fields_provided(run_import: Run, site: Path, groups: Path) -> None:
    (groups / "python-users.yaml").write_text(
        "name: Python Users\nsummary: Kept as it is.\ncategory: topic\nindustry: Computer Software\n"
        "members: 10\nmanagers: [Ada Lovelace]\nextra: {kept: yes please}\n", encoding="utf-8")
    source = site.parent / "update.csv"
    source.write_text("Name,Members,Tags,Notes\nPython Users,\"2,000\",python,new note\n", encoding="utf-8")
    result = run_import(source, "--update")
    assert result.count("updated") == 1, result.out
    assert "updated: content/groups/python-users.yaml (tags, members, extra)" in result.out
    assert (groups / "python-users.yaml").read_text(encoding="utf-8") == (
        "name: Python Users\nsummary: Kept as it is.\ncategory: topic\ntags: [python]\n"
        "industry: Computer Software\nmembers: 2000\nmanagers: [Ada Lovelace]\n"
        "extra:\n  kept: yes please\n  notes: new note\n")
    code, report = check(site)
    assert code == 0, report


def test_update_of_markdown_group_keeps_its_body(run_import: Run, site: Path, groups: Path) -> None:
    body = "\nThe **body** stays.\n"
    (groups / "python-users.md").write_text(f"---\nname: Python Users\ncategory: topic\nmembers: 10\n---\n{body}",
                                            encoding="utf-8")
    source = site.parent / "update.csv"
    source.write_text("name,members\nPython Users,20\n", encoding="utf-8")
    assert run_import(source, "--update").count("updated") == 1
    assert (groups / "python-users.md").read_text(encoding="utf-8") == (
        f"---\nname: Python Users\ncategory: topic\nmembers: 20\n---\n{body}")
    source.write_text("name,description\nPython Users,New <b>body</b>.\n", encoding="utf-8")
    assert run_import(source, "--update").count("updated") == 1
    assert (groups / "python-users.md").read_text(encoding="utf-8").endswith("---\nNew **body**.\n")
    assert check(site)[0] == 0


def test_slug_of_an_existing_different_group_is_not_reused(run_import: Run, messy: Path, groups: Path) -> None:
    (groups / "python-users.yaml").write_text("name: Python Users Group\ncategory: topic\n", encoding="utf-8")
    out = run_import(messy).out
    assert ("row 6: 'Python Users' gets the slug 'python-users-2' ('python-users' is taken by "
            "content/groups/python-users.yaml ('Python Users Group'))") in out
    assert read(groups / "python-users.yaml") == {"name": "Python Users Group", "category": "topic"}
    assert read(groups / "python-users-3.yaml")["members"] == 600
    again = run_import(messy)
    assert again.count("created") == 0 and again.count("unchanged") == 6


def test_group_in_a_data_file_is_not_duplicated(run_import: Run, site: Path, groups: Path) -> None:
    (groups / "more.csv").write_text("name,category,members\nPython Users,topic,5\n", encoding="utf-8")
    source = site.parent / "in.csv"
    source.write_text("name,category,members\nPython Users,topic,7\n", encoding="utf-8")
    result = run_import(source, "--update")
    assert "group 'python-users' is in the data file content/groups/more.csv; change it there" in result.out
    assert result.code == 1  # nothing could be imported
    assert sorted(p.name for p in groups.iterdir()) == ["more.csv"]


def test_rows_with_a_slug_update_only_some_fields(run_import: Run, site: Path, groups: Path) -> None:
    (groups / "python-users.yaml").write_text("name: Python Users\ncategory: topic\nmembers: 10\n", encoding="utf-8")
    source = site.parent / "counts.csv"
    source.write_text("Slug,Members\npython-users,20\nNot A Slug,5\n", encoding="utf-8")
    plain = run_import(source)
    assert "skipped row 2: content/groups/python-users.yaml already exists and differs in members" in plain.out
    assert "note: row 3: slug 'Not A Slug' is not a slug; used 'not-a-slug'" in plain.out
    assert "skipped row 3: 'name' is required; 'category' is required" in plain.out
    updated = run_import(source, "--update")
    assert updated.count("updated") == 1
    assert (groups / "python-users.yaml").read_text(encoding="utf-8") == (
        "name: Python Users\ncategory: topic\nmembers: 20\n")


def test_duplicate_slug_column_values(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "dupes.csv"
    source.write_text("name,slug,category\nOne,same,topic\nTwo,same,topic\n", encoding="utf-8")
    result = run_import(source)
    assert "skipped row 3: column B 'slug': slug 'same' is also given in row 2" in result.out
    assert read(groups / "same.yaml")["name"] == "One"
