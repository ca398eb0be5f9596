"""JSON arrays and YAML lists of groups, with nested fields, native types and stray keys."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from generator.yamlio import load
from tests.importer.conftest import FIXTURES, Run, check, snapshot


def read(path: Path) -> dict[str, object]:
    value = load(path.read_text(encoding="utf-8")).value
    assert isinstance(value, dict)
    return value


def test_json_list(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "groups.json"
    shutil.copy(FIXTURES / "groups.json", source)
    result = run_import(source)
    assert "groups.json: UTF-8, JSON, 5 groups" in result.out
    assert (result.count("created"), result.count("skipped")) == (2, 3)
    assert "skipped record 3: is not a mapping of field names to values" in result.out
    assert "skipped record 4: 'category' is required" in result.out
    assert "skipped record 5: field 'slug': slug 'rust-berlin-meetup' is also given in record 1" in result.out
    assert result.out.count("kept under 'extra'") == 1
    rust = read(groups / "rust-berlin-meetup.yaml")
    assert rust["members"] == 1234
    assert rust["founded"] == dt.date(2011, 3, 30)
    assert rust["activity"] == {"last_post": dt.date(2011, 3, 30), "posts_per_month": 6}
    assert rust["audience"] == {"industries": ["Computer Software"], "regions": ["Berlin", "Brandenburg"]}
    assert rust["location"] == {"city": "Berlin", "country": "Germany"}
    assert rust["extra"] == {"location_lat": "52.52", "contact_email": "rust@example.org",
                             "meta": '{"score": 7, "source": "crm"}', "verified": "true"}
    assert rust["description"] == ("## About\n\nTalks & *hacking*.\n\n- Monthly talks\n- Hack nights\n")
    lyon = read(groups / "data-engineers-lyon.yaml")
    assert lyon["members"] == 12000
    assert lyon["category"] == "topic"
    assert lyon["tags"] == ["data", "etl", "spark"]
    assert lyon["location"] == "online"
    assert lyon["featured"] is True
    code, report = check(site)
    assert code == 0, report


def test_json_wrapped_in_an_object(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "export.json"
    source.write_text(json.dumps({"groups": [{"name": "Wrapped", "category": "topic"}]}), encoding="utf-8")
    assert run_import(source).count("created") == 1
    assert (groups / "wrapped.yaml").exists()


def test_yaml_list(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "groups.yaml"
    shutil.copy(FIXTURES / "groups.yaml", source)
    result = run_import(source)
    assert (result.count("created"), result.count("skipped")) == (2, 1)
    assert "skipped record 3 (line 24): 'name' is required" in result.out
    lisboa = read(groups / "lisboa-ux.yaml")
    assert lisboa["members"] == 1234
    assert lisboa["added"] == dt.date(2011, 3, 30)
    assert lisboa["extra"] == {"slack_channel": "#ux-lisboa"}
    description = lisboa["description"]
    assert isinstance(description, str)
    assert description == "A group for **UX designers** in Lisbon.\n\nMonthly critiques.\n"
    lodz = read(groups / "lodz-it-alumni.yaml")
    assert lodz["visibility"] == "invite"
    assert lodz["managers"] == ["Anna Nowak", "Piotr Zieliński"]
    assert lodz["rules"] == ["Be kind.", "No recruiting posts, please."]
    assert check(site)[0] == 0
    before = snapshot(groups)
    again = run_import(source)
    assert (again.count("created"), again.count("updated"), again.count("unchanged")) == (0, 0, 2)
    assert snapshot(groups) == before


def test_format_option_overrides_the_extension(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "export.txt"
    source.write_text('[{"name": "From Text", "category": "topic"}]', encoding="utf-8")
    assert run_import(source, "--format", "json").count("created") == 1
    assert (groups / "from-text.yaml").exists()


def test_malformed_files_fail_with_exit_1(run_import: Run, site: Path) -> None:
    bad_json = site.parent / "bad.json"
    bad_json.write_text('[{"name": "x",}]', encoding="utf-8")
    result = run_import(bad_json)
    assert result.code == 1
    assert "malformed JSON at line 1" in result.err
    bad_yaml = site.parent / "bad.yaml"
    bad_yaml.write_text("- name: a\n  name: b\n", encoding="utf-8")
    assert "duplicate key 'name'" in run_import(bad_yaml).err
