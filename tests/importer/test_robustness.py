"""Whatever the cells hold, the importer neither crashes nor writes a file that `groupdir check` refuses."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.importer.plan import ImportOptions, import_file
from tests.importer.conftest import SITE_YAML, check

HEADER = ["Name", "Category", "Members", "Founded", "Tags", "Join URL", "Location", "Description", "Visibility",
          "Featured", "Slug", "Extra Column"]
SAMPLES = {
    "Name": ["Python Users", "Zürich Café", "東京", "", "<b>x</b>", "🎸", "a" * 300, "yes", "2011"],
    "Category": ["topic", "Topic and interest groups", "ALUMNI", "nope", ""],
    "Members": ["1,234", "12k", "-5", "lots", "", "1.5M", "0"],
    "Founded": ["2011-03-30", "30/03/2011", "03/30/2011", "04/05/2011", "31/02/2011", "Mar 30, 2011", "soon"],
    "Tags": ["a, b; c", ";;", "x", ""],
    "Join URL": ["https://example.org/j", "javascript:alert(1)", "example.org/j", "a@b.org", "matrix:r/x", "ftp://x"],
    "Location": ["online", "Berlin, Germany", "A, B, C, D", ",", ""],
    "Description": ["<script>x</script><p>hi</p>", "line\nline", "  ", "<a href='javascript:x'>y</a>", "*md*"],
    "Visibility": ["public", "invite only", "weird", ""],
    "Featured": ["yes", "no", "maybe", ""],
    "Slug": ["", "", "", "same", "Not A Slug", "ok-slug"],
    "Extra Column": ["", "note", "<i>x</i>"],
}
cell = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30),
                 st.sampled_from(["", "x"]))
row = st.fixed_dictionaries({key: st.one_of(st.sampled_from(options), cell) for key, options in SAMPLES.items()})


@given(st.lists(row, min_size=1, max_size=8), st.sampled_from([",", ";", "\t"]), st.booleans())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_rows(rows: list[dict[str, str]], delimiter: str, twice: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "content" / "groups").mkdir(parents=True)
        (site / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        text = io.StringIO()
        writer = csv.writer(text, delimiter=delimiter)
        writer.writerow(HEADER)
        for item in rows:
            writer.writerow([item[key] for key in HEADER])
        source = site / "in.csv"
        source.write_text(text.getvalue(), encoding="utf-8", newline="")
        summary = import_file(ImportOptions(file=source, root=site))
        assert len(summary.outcomes) <= len(rows)
        code, report = check(site)
        assert code == 0, report
        if twice:
            again = import_file(ImportOptions(file=source, root=site))
            assert again.count("created") == 0 and again.count("updated") == 0, again.format()


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**7) | st.floats(allow_nan=False) |
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = ["name", "category", "members", "founded", "tags", "location", "activity", "audience", "extra", "slug",
          "description", "related", "featured", "languages", "unknown"]
record = st.dictionaries(st.sampled_from(FIELDS), json_value | st.sampled_from(["topic", "Some Name", "12k"]),
                         max_size=8)


@given(st.lists(record | json_value, max_size=6))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_random_json(records: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        (site / "content" / "groups").mkdir(parents=True)
        (site / "site.yaml").write_text(SITE_YAML, encoding="utf-8")
        source = site / "in.json"
        source.write_text(json.dumps(records), encoding="utf-8")
        import_file(ImportOptions(file=source, root=site))
        code, report = check(site)
        assert code == 0, report
