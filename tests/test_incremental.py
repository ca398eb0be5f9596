"""Incremental builds: what a rebuild renders and writes, and that the cache never changes the output."""

from __future__ import annotations

import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import generator.assemble
import generator.build
import generator.cache
import generator.manifest
import generator.plan
import generator.render
import generator.sealed
import generator.search.known
import generator.search.patch
import generator.unchanged
import generator.writer
from generator.options import CACHE_DIR
from generator.render import RenderError
from tests.conftest import GROUP_A, REPO, SITE_YAML, MakeSite, open_deleted, run_build, tree


def counted_calls(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[int]:
    """Replace module.name by a wrapper that notes each call; the list it notes them in."""
    calls: list[int] = []
    real = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def rendered(root: Path, **kwargs: object) -> set[str]:
    result = run_build(root, **kwargs)
    assert result.ok, [d.format() for d in result.report.items]
    return set(result.rendered)


def test_second_build_renders_and_writes_nothing(make_site: MakeSite) -> None:
    root = make_site()
    first = run_build(root)
    assert first.ok and len(first.written) > 30
    second = run_build(root)
    assert second.rendered == [] and second.written == [] and second.removed == []
    assert second.unchanged == first.outputs


def test_editing_one_group_renders_its_page_and_the_listings_it_is_on(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, edited."))
    got = rendered(root)
    # Alpha (A-Z first) sits on page 1 of A-Z, its category, tags, location, industry and size pages;
    # Beta names it as related; Gamma and Delta share tags or category with it, so list it as related;
    # the home page features it; the feed of new groups carries its summary. (The search page shows the
    # facets' values and counts, which a summary leaves alone.)
    expected = {
        "groups/alpha-alumni/index.html",
        "groups/index.html",
        "categories/alumni/index.html",
        "tags/careers/index.html",
        "tags/mentoring/index.html",
        "locations/switzerland/index.html",
        "industries/higher-education/index.html",
        "sizes/100-999/index.html",
        "groups/beta-builders/index.html",
        "groups/gamma-group/index.html",
        "groups/delta-circle/index.html",
        "index.html",
        "groups/feed.xml",
        "groups/feed.json",
        # The open data: the group's own record, and the exports made from every record.
        "groups/alpha-alumni/index.json",
        "groups.json",
        "groups.csv",
    }
    assert got == expected


# Edits of a group and whether the search page (each facet's values and counts) shows them.
SEARCH_PAGE_EDITS = {
    "summary": ("summary: Graduates of Alpha.", "summary: Graduates of Alpha, edited.", False),
    "members within the size band": ("members: 450", "members: 451", False),
    "members into another size band": ("members: 450", "members: 4500", True),
    "country": ("country: Switzerland}", "country: Austria}", True),
    "country spelt otherwise": ("country: Switzerland}", "country: SWITZERLAND}", True),
    "industry spelt otherwise": ("industry: Higher Education", "industry: Higher education", True),
    "industry": ("industry: Higher Education", "industry: Adult Education", True),
    "category": ("category: alumni", "category: industry", True),
    "activity": ("last_post: 2011-03-20", "last_post: 2009-03-20", True),
    "languages": ("featured: true", "featured: true\nlanguages: [de]", True),
    "visibility": ("featured: true", "featured: true\nvisibility: invite", True),
}


@pytest.mark.parametrize("edit", SEARCH_PAGE_EDITS)
def test_the_search_page_is_made_again_when_a_facet_of_a_group_changes(make_site: MakeSite, tmp_path: Path,
                                                                       edit: str) -> None:
    root = make_site()
    run_build(root)
    old, new, shown = SEARCH_PAGE_EDITS[edit]
    assert old in GROUP_A
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace(old, new), "utf-8")
    assert ("search/index.html" in rendered(root)) == shown
    assert run_build(root, tmp_path / "clean", use_cache=False).ok
    assert tree(root / "output") == tree(tmp_path / "clean")


def test_editing_a_description_renders_only_that_page(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("Alpha's **alumni** meet here.", "Alpha's alumni meet here, often."))
    assert rendered(root) == {"groups/alpha-alumni/index.html", "groups/alpha-alumni/index.json", "groups.json",
                              "groups.csv"}
    assert "meet here, often." in (root / "output/groups/alpha-alumni/index.html").read_text()


def test_deleting_a_group_removes_its_page_and_every_reference(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    (root / "content/groups/beta-builders.md").unlink()
    result = run_build(root)
    assert result.ok
    out = root / "output"
    assert "groups/beta-builders/index.html" in result.removed
    assert not (out / "groups/beta-builders").exists()
    assert not (out / "locations/online").exists()  # Beta was the only online group
    for page in out.rglob("*.html"):
        assert "groups/beta-builders/" not in page.read_text("utf-8"), page
    assert "beta-builders" not in (out / "sitemap.xml").read_text()


def test_a_build_holds_the_files_it_replaces_and_removes_and_lets_go_of_them_before_it_returns(
        make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With every file large enough to hold, the old bytes of what an edit replaced and a deletion removed are
    still open once published, and none is open when the build returns; the site equals a clean build's."""
    monkeypatch.setattr(generator.writer, "HOLD_MIN", 1)
    root = make_site()
    run_build(root)
    held_then: list[set[str]] = []
    publish = generator.writer.publish

    def noting(output: Path, staging: Path, removals: list[str]) -> None:
        publish(output, staging, removals)
        held_then.append(open_deleted(output))

    monkeypatch.setattr(generator.writer, "publish", noting)
    before = set(tree(root / "output"))
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("Alpha's **alumni** meet here.", "Alpha's alumni meet here, often."))
    (root / "content/groups/beta-builders.md").unlink()
    result = run_build(root)
    assert result.ok
    assert {"groups.json", "groups/alpha-alumni/index.html", "groups/beta-builders/index.html"} <= held_then[0]
    assert held_then == [({*result.written} & before) | {*result.removed}]
    assert open_deleted(root / "output") == set()
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_large_files_are_handed_to_the_disk_once_staged_and_before_they_are_published(
        make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every output rendered and written of at least HOLD_MIN bytes that replaces a published file has its writing
    out started while it is in staging, and started by the time the publish begins (writer.WrittenBack); a first
    build replaces nothing, so hands nothing over. The site equals a clean build's."""
    monkeypatch.setattr(generator.writer, "HOLD_MIN", 3000)
    root = make_site()
    started: list[tuple[str, bool, bool]] = []  # path under staging, whether it was there, whether started
    write_back = generator.writer._write_back

    def noting(path: str) -> bool:
        there = os.path.isfile(path)
        done = write_back(path)
        started.append((path, there, done))
        return done

    published: list[int] = []
    publish = generator.writer.publish
    monkeypatch.setattr(generator.writer, "_write_back", noting)
    monkeypatch.setattr(generator.writer, "publish",
                        lambda *args: published.append(len(started)) or publish(*args))  # type: ignore[func-returns-value]
    assert run_build(root).ok and started == [] and published == [0]  # a first build moves its staging folder whole
    published.clear()
    before = set(tree(root / "output"))
    (root / "content/groups/new-group.yaml").write_text(GROUP_A.replace("Alpha Alumni", "New Group"), "utf-8")
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("Alpha's **alumni** meet here.", "Alpha's alumni meet here, often."))
    result = run_build(root)
    assert result.ok
    staging = generator.writer.staging_for(root / "output")
    large = {rel for rel in {*result.written} & {*result.rendered} if (root / "output" / rel).stat().st_size >= 3000}
    assert {"groups.json", "groups/alpha-alumni/index.html", "groups/new-group/index.html"} <= large
    large &= before  # the new group's page replaces nothing
    assert sorted(os.path.relpath(p, staging) for p, _, _ in started) == sorted(large)
    assert all(there and done for _, there, done in started) and published == [len(large)]
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_template_edit_renders_the_pages_using_it(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    _theme_file(root, "templates/guide.html", '{% extends "@default/guide.html" %}\n')
    assert rendered(root) == {"guides/choosing-groups/index.html"}


def test_template_references_are_kept_and_a_damaged_file_of_them_is_ignored(make_site: MakeSite) -> None:
    root = make_site()
    _theme_file(root, "templates/base.html", '{% extends "@default/base.html" %}{# v1 #}\n')
    first = run_build(root)
    pages = {p for p in first.rendered if p.endswith(".html")}
    assert "guides/choosing-groups/index.html" in pages and "groups/alpha-alumni/index.html" in pages
    kept = root / CACHE_DIR / "templates/references.bin"
    true = generator.sealed.read(kept)
    assert ("@default/base.html",) in true.values()  # the override's own reference
    # A file whose body no longer matches its checksum is not trusted: had these empty lists been believed, no
    # page would depend on base.html, and editing it would render nothing.
    blob = kept.read_bytes()
    checksum = blob[:len(blob) - len(generator.sealed.opened(blob) or b"")]
    kept.write_bytes(checksum + pickle.dumps(("", {key: () for key in true})))
    _theme_file(root, "templates/base.html", '{% extends "@default/base.html" %}{# v2 #}\n')
    assert pages <= rendered(root)
    # That build parsed the sources again and wrote the file anew: the true references, not the forged ones.
    rewritten = generator.sealed.read(kept)
    common = set(true) & set(rewritten)  # all but the first base.html's
    assert len(common) == len(true) - 1 and all(rewritten[key] == true[key] for key in common)
    _theme_file(root, "templates/base.html", '{% extends "@default/base.html" %}{# v3 #}\n')
    assert pages <= rendered(root)


def test_the_outputs_digest_is_worked_out_from_the_last_builds(make_site: MakeSite,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    assert run_build(root).ok
    worked_out: list[str | None] = []
    real = generator.manifest.outputs_digest_after

    def noting(*args: Any) -> str | None:
        worked_out.append(real(*args))
        return worked_out[-1]

    monkeypatch.setattr(generator.manifest, "outputs_digest_after", noting)
    path = root / "content/groups/alpha-alumni.yaml"
    edits = [lambda: path.write_text(GROUP_A.replace("members: 450", "members: 4500")),
             lambda: (root / "content/groups/beta-builders.md").unlink(),
             lambda: path.write_text(GROUP_A)]
    for n, edit in enumerate(edits, start=1):
        edit()
        assert run_build(root).ok
        kept = generator.manifest.read(next((root / CACHE_DIR).glob("manifest-*.txt")))
        assert kept is not None and len(worked_out) == n and worked_out[-1] == kept.outputs
        assert kept.outputs == generator.manifest.folder_digest(root / "output")  # what is on disk


def test_the_inputs_digest_is_worked_out_once_per_build(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    assert run_build(root).ok
    calls = counted_calls(monkeypatch, generator.manifest, "inputs_digest")
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500"))
    assert run_build(root).ok and len(calls) == 1  # by the no-change check, and used by the build it let run
    assert run_build(root).ok and len(calls) == 2  # nothing to do: the check's alone


def test_cache_gives_the_same_output_as_a_clean_build(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site()
    run_build(root)
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500"))
    (root / "content/groups/beta-builders.md").unlink()
    assert run_build(root).ok
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == {k: v for k, v in tree(clean).items()}


def test_a_first_build_looks_for_no_output_file_and_one_without_state_for_every_one(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    looked: list[str] = []
    look = generator.writer.existing_digest
    monkeypatch.setattr(generator.writer, "existing_digest",
                        lambda output, path: looked.append(path) or look(output, path))
    first = run_build(root, use_cache=False)
    assert first.ok and len(first.written) > 30
    # The search index's files are staged apart from the pages, and still look.
    assert [path for path in looked if not path.startswith(generator.build.INDEX_DIR)] == []
    looked.clear()
    second = run_build(root, use_cache=False)  # no state: every output is compared with the file in the output
    assert second.ok and second.written == [] and second.unchanged == first.outputs
    assert sorted(looked) == sorted(first.written)


def test_corrupt_cache_is_ignored(make_site: MakeSite) -> None:
    root = make_site()
    first = run_build(root)
    before = tree(root / "output")
    for state in [*(root / CACHE_DIR).glob("state-*.pickle"), *_manifest(root)]:
        data = bytearray(state.read_bytes())
        data[len(data) // 2] ^= 0x01
        state.write_bytes(bytes(data))
    again = run_build(root)
    assert again.ok
    assert len(again.rendered) == first.outputs - _static_and_search(first)
    assert again.written == []  # every page rendered again, but the bytes on disk were already right
    assert tree(root / "output") == before


def test_a_damaged_base_that_still_unpickles_is_not_trusted(make_site: MakeSite) -> None:
    """The checksum is worked out beside the unpickling: a base whose damage leaves a pickle that loads (a slug
    spelt otherwise) still gives no state."""
    root = make_site()
    run_build(root)
    base, _ = _state_files(root)
    assert generator.cache.load_state(base).loaded_ok
    data = base.read_bytes()
    assert data.count(b"alpha-alumni") > 1
    base.write_bytes(data.replace(b"alpha-alumni", b"alpha-alumnj", 1))
    assert not generator.cache.load_state(base).loaded_ok
    base.write_bytes(data)
    assert generator.cache.load_state(base).loaded_ok


def _state_files(root: Path) -> tuple[Path, Path]:
    base = next((root / CACHE_DIR).glob("state-*.pickle"))
    return base, generator.cache.journal_path(base)


def _same_state(a: generator.cache.BuildState, b: generator.cache.BuildState) -> bool:
    return (a.parsed, a.outputs, a.related, a.exports) == (b.parsed, b.outputs, b.related, b.exports)


def test_small_changes_go_to_the_journal_and_load_back_as_the_same_state(make_site: MakeSite, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.cache, "JOURNAL_SHARE", 0)  # no limit: the small site's changes are large next to it
    root = make_site({"site.yaml": SITE_YAML.replace("as_of: 2011-04-01\n", "")})  # as of the newest date
    run_build(root)
    base, journal = _state_files(root)
    written = base.read_bytes()
    assert not journal.exists()
    groups = root / "content/groups"
    edits = [
        lambda: (groups / "alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500")),
        lambda: (groups / "beta-builders.md").unlink(),
        # a newer date than any before: every other group's activity is measured again, their files unchanged
        lambda: (groups / "epsilon.yaml").write_text(GROUP_A.replace("Alpha Alumni", "Epsilon Circle")
                                                     .replace("last_post: 2011-03-20", "last_post: 2012-06-01")),
        # the same files, the newest date moved back: alpha's activity is measured again, its file unchanged
        lambda: (groups / "epsilon.yaml").write_text(GROUP_A.replace("Alpha Alumni", "Epsilon Circle")
                                                     .replace("last_post: 2011-03-20", "last_post: 2011-03-25")),
    ]
    sizes: list[int] = []
    activity: list[str | None] = []
    for edit in edits:
        edit()
        result = run_build(root)
        assert result.ok and result.state is not None
        assert base.read_bytes() == written  # the base was not written again
        sizes.append(journal.stat().st_size)
        activity.append(result.site and {c.slug: c.activity for c in result.site.cards}["alpha-alumni"])
        loaded = generator.cache.load_state(base)
        assert loaded.loaded_ok and _same_state(loaded, result.state)
    assert sizes == sorted(set(sizes)) and sizes[0] < len(written)  # one entry more each time
    assert activity == ["active", "active", "dormant", "active"]
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)
    assert run_build(root).rendered == []


def test_a_long_journal_is_folded_into_a_new_base(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.cache, "JOURNAL_SHARE", 10**6)  # no entry is small enough
    root = make_site()
    run_build(root)
    base, journal = _state_files(root)
    written = base.read_bytes()
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500"))
    result = run_build(root)
    assert result.state is not None
    assert not journal.exists() and base.read_bytes() != written
    assert _same_state(generator.cache.load_state(base), result.state)


def test_a_base_written_in_many_runs_loads_back_as_the_same_state(make_site: MakeSite,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.cache, "RUN", 3)  # every part of the small site's state takes several runs
    root = make_site()
    result = run_build(root)
    assert result.state is not None and len(result.state.parsed) > 3 and len(result.state.outputs) > 3
    base, _ = _state_files(root)
    loaded = generator.cache.load_state(base)
    assert loaded.loaded_ok and _same_state(loaded, result.state)
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500"))
    assert run_build(root).rendered  # the loaded state serves an incremental build
    assert run_build(root).rendered == []


def test_a_damaged_journal_or_a_pending_mark_is_not_trusted(make_site: MakeSite, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generator.cache, "JOURNAL_SHARE", 0)
    root = make_site()
    run_build(root)
    base, journal = _state_files(root)
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 4500"))
    assert run_build(root).ok and journal.exists()
    assert generator.cache.load_state(base).loaded_ok
    data = bytearray(journal.read_bytes())
    data[len(data) // 2] ^= 0x01
    journal.write_bytes(bytes(data))
    assert not generator.cache.load_state(base).loaded_ok
    generator.cache.pending_path(base).touch()  # what a build killed between publishing and saving leaves
    journal.unlink()
    assert not generator.cache.load_state(base).loaded_ok
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 45"))
    assert run_build(root).ok
    assert not generator.cache.pending_path(base).exists() and generator.cache.load_state(base).loaded_ok
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def _static_and_search(result: object) -> int:
    return sum(1 for p in result.written if p.startswith(("static/", "search/index/")))


def test_cache_of_a_different_format_is_ignored(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    for state in (root / CACHE_DIR).glob("state-*.pickle"):
        state.write_bytes(pickle.dumps({"not": "ours"}))
    assert run_build(root).ok


def test_jobs_one_and_two_give_identical_trees(tmp_path: Path) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "big", 600)
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_build(root, one, jobs=1, use_cache=False).ok
    assert run_build(root, two, jobs=2, use_cache=False).ok
    a, b = tree(one), tree(two)
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []


def test_search_index_made_beside_the_rendering_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "big", 500)
    inline = tmp_path / "inline"
    assert run_build(root, inline, jobs=1, use_cache=False).ok
    monkeypatch.setattr(generator.build, "SEARCH_BESIDE_MIN", 100)
    makers = tmp_path / "makers"
    real = generator.build._stage_search

    def noting_process(*args: object) -> object:
        with makers.open("a") as stream:  # a file: the forked process's memory is its own
            stream.write(f"{os.getpid()}\n")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.build, "_stage_search", noting_process)
    beside = tmp_path / "beside"
    assert run_build(root, beside, jobs=2).ok
    assert makers.read_text().split() != [str(os.getpid())] and len(makers.read_text().split()) == 1
    assert tree(beside) == tree(inline)
    # An edit a search shows: the index is made again (beside), and the site equals a clean build.
    path = next((root / "content/groups").glob("*.yaml"))
    path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
    result = run_build(root, beside, jobs=2)
    assert result.ok and any(p.startswith("search/index/") for p in result.written)
    clean = tmp_path / "clean"
    assert run_build(root, clean, jobs=1, use_cache=False).ok
    assert tree(beside) == tree(clean)


def test_a_search_index_made_again_gives_new_entries_only_to_its_meta_file_and_the_files_it_wrote(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "site", 300)
    assert run_build(root).ok
    state_file = generator.cache.state_path(root / CACHE_DIR, root / "output")
    before = generator.cache.load_state(state_file).outputs
    index = {rel for rel in before if rel.startswith("search/index/")}
    path = next((root / "content/groups").glob("*.yaml"))
    path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
    edited = run_build(root)
    assert edited.ok
    recorded = {rel for rel in edited.recorded if rel.startswith("search/index/")}
    written = {rel for rel in edited.written if rel.startswith("search/index/")}
    assert recorded == written | {"search/index/meta.json"} and 0 < len(written) < len(index) // 4
    after = generator.cache.load_state(state_file).outputs
    assert {rel for rel in after if rel.startswith("search/index/")} == index
    assert all(after[rel] == before[rel] for rel in index - recorded)
    # The cards as they were (the file read again, unchanged): the index stands, though most of its files' entries
    # are an older build's; nothing of it is made, written or recorded.
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    made = counted_calls(monkeypatch, generator.build, "_stage_search")
    again = run_build(root)
    assert again.ok and made == []
    assert not any(rel.startswith("search/index/") for rel in again.recorded + again.written)
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def _index(output: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in tree(output).items() if rel.startswith("search/index/")}


def test_the_preview_makes_its_search_index_beside_once_pages_are_live(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """With the preview's early publish the index is made in a process of its own, started after the pages are
    published (beside the late outputs), and the site equals a clean build."""
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "site", 300)
    monkeypatch.setattr(generator.build, "SEARCH_BESIDE_MIN", 100)
    first = run_build(root, jobs=2)
    before = _index(root / "output")
    makers = tmp_path / "makers"
    real = generator.build._stage_search
    live: list[dict[str, bytes]] = []

    def noting_process(*args: object) -> object:
        with makers.open("a") as stream:
            stream.write(f"{os.getpid()} {len(live)}\n")  # how many publishes this process saw at its start
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.build, "_stage_search", noting_process)
    path = next((root / "content/groups").glob("*.yaml"))
    path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
    result = run_build(root, state=first.state, use_cache=False, jobs=2, superseded=lambda: False,
                       pages_published=lambda written: live.append(_index(root / "output")))
    assert result.ok and result.deferred == [] and any(p.startswith("search/index/") for p in result.written)
    assert live == [before]  # the pages went live with the last index
    pid, publishes = makers.read_text().split()
    assert pid != str(os.getpid()) and publishes == "1"  # forked after the pages were published
    clean = tmp_path / "clean"
    assert run_build(root, clean, jobs=1, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_preview_gives_up_its_search_index_for_a_newer_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  jobs: int) -> None:
    """A build whose site-wide files and search index are still to make (one job) or being made (two) when a
    newer change waits leaves those published as they were, stops the process making the index, publishes
    nothing of it, and hands over a state from which the next build makes them again."""
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "site", 300)
    monkeypatch.setattr(generator.build, "SEARCH_BESIDE_MIN", 100)
    output = root / "output"
    first = run_build(root, jobs=2)
    before, files = _index(output), tree(output)
    staging = generator.writer.staging_for(output)
    makers = tmp_path / "makers"
    real = generator.build._stage_search

    def slow_and_partial(*args: object) -> object:
        (tmp_path / "maker").write_text(str(os.getpid()))
        os.replace(tmp_path / "maker", makers)  # whole, even if the process is stopped right after
        (staging / "search/index").mkdir(parents=True, exist_ok=True)
        (staging / "search/index/meta.json").write_text("half-made", "utf-8")
        time.sleep(30)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(generator.build, "_stage_search", slow_and_partial)
    monkeypatch.setattr(generator.build, "CHECK_RUN", 1)  # outputs altered by hand: checked by the next build
    badges = sorted((output / "groups").glob("*/badge.svg"))[-2:]
    for badge in badges:
        badge.write_text("altered", "utf-8")
    path = next((root / "content/groups").glob("*.yaml"))
    path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
    asked: list[bool] = []
    forked: list[bool] = []
    beside = generator.build._beside

    def noting(work: Any, parallel: bool) -> Any:
        forked.append(parallel)
        return beside(work, parallel)

    monkeypatch.setattr(generator.build, "_beside", noting)

    def newer_change() -> bool:
        asked.append(True)
        deadline = time.monotonic() + 30
        while any(forked) and not makers.exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # once the process making the index, forked, has begun (a busy machine is slow to)
        return True

    result = run_build(root, state=first.state, use_cache=False, jobs=jobs, superseded=newer_change,
                       pages_published=lambda written: None)
    assert result.ok and result.deferred[-1] == "search/index/" and asked
    late = result.deferred[:-1]  # the site-wide files (here the exports): one made, then the others given up
    assert "groups.json" in late and not set(late) & set(result.rendered)
    assert all((output / rel).read_bytes() == files[rel] for rel in late)
    assert not any(p.startswith("search/index/") for p in result.written + result.removed)
    assert "Findable" in (output / "groups" / path.stem / "index.html").read_text("utf-8")
    assert _index(output) == before and not staging.exists()
    assert "altered" in [badge.read_text("utf-8") for badge in badges]  # not checked: given up after one
    if jobs == 1:
        assert not makers.exists()  # given up before it began
    else:
        with pytest.raises(ProcessLookupError):  # the process making it was stopped
            os.kill(int(makers.read_text()), 0)
    monkeypatch.setattr(generator.build, "_stage_search", real)
    again = run_build(root, state=result.state, use_cache=False, jobs=jobs)
    assert again.ok and again.deferred == [] and any(p.startswith("search/index/") for p in again.written)
    clean = tmp_path / "clean"
    assert run_build(root, clean, jobs=1, use_cache=False).ok
    assert tree(output) == tree(clean)


def test_search_terms_of_unchanged_groups_are_taken_from_the_last_build(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "site", 120)
    assert run_build(root, jobs=1).ok
    terms_file = next((root / CACHE_DIR).glob("search-terms-*.bin"))
    loaded: list[generator.search.known.KnownTerms] = []
    real = generator.search.known.load

    def noting(path: Path, context: str) -> generator.search.known.KnownTerms:
        loaded.append(real(path, context))
        return loaded[-1]

    monkeypatch.setattr(generator.search.known, "load", noting)
    clean = tmp_path / "clean"
    files = sorted((root / "content/groups").glob("*.yaml"))
    for n, damage in enumerate([False, True]):
        if damage:  # a damaged file is not trusted: every group is analysed again, to the same index
            data = bytearray(terms_file.read_bytes())
            data[len(data) // 2] ^= 0x01
            terms_file.write_bytes(bytes(data))
        path = files[n * 7]
        path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
        for record in (root / CACHE_DIR).glob("search-index-*.bin"):  # else the last index is patched
            record.unlink()
        result = run_build(root, jobs=1)
        assert result.ok and any(p.startswith("search/index/") for p in result.written)
        assert loaded[-1].hits == (0 if damage else 119)
        assert run_build(root, clean, jobs=1, use_cache=False).ok
        assert tree(root / "output") == tree(clean)
    assert generator.search.known.load(terms_file, "another context").known == {}


@pytest.mark.parametrize("beside", [False, True], ids=["pool", "pool-and-index-beside"])
def test_template_error_in_worker_processes_fails_the_build_and_keeps_the_output(tmp_path: Path,
                                                                                 beside: bool) -> None:
    """In a subprocess with a time limit: an error that cannot travel back from a worker hangs the pool."""
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "big", 500)
    assert run_build(root, jobs=2).ok
    before = tree(root / "output")
    path = next((root / "content/groups").glob("*.yaml"))
    path.write_text(path.read_text("utf-8").replace("summary: ", "summary: Findable ", 1), "utf-8")
    _theme_file(root, "templates/group.html", '{% extends "@default/group.html" %}\n{% block content %}'
                "{{ group.no_such_field }}{% endblock %}\n")
    code = ("import sys, generator.build, generator.cli\n"
            f"generator.build.SEARCH_BESIDE_MIN = {100 if beside else 10**9}\n"
            "sys.exit(generator.cli.main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "build", "--source", str(root), "--jobs", "2"],
                          capture_output=True, text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 1, done.stderr
    assert "group.html:" in done.stderr and "no_such_field" in done.stderr
    assert tree(root / "output") == before
    assert not any(p.name.endswith(".staging") for p in root.iterdir())


@pytest.mark.parametrize("beside", [False, True], ids=["inline", "index-beside"])
def test_two_sources_for_one_output_fail_the_build_and_keep_the_output(make_site: MakeSite, beside: bool,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    assert run_build(root).ok
    before = tree(root / "output")
    if beside:  # the index is being made in another process when the clash is found
        monkeypatch.setattr(generator.build, "SEARCH_BESIDE_MIN", 1)
    page = root / "content/pages/search.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("---\ntitle: Search tips\n---\nUse fewer words.\n", "utf-8")
    (root / "content/groups/alpha-alumni.yaml").write_text(
        GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, findable."), "utf-8")
    result = run_build(root, jobs=2)
    assert not result.ok
    assert any("'search/index.html' would be written by more than one source" in d.message
               and "content/pages/search.md" in d.message for d in result.report.errors)
    assert tree(root / "output") == before
    assert not any(p.name.endswith(".staging") for p in root.iterdir())


def test_render_errors_survive_the_trip_from_a_worker() -> None:
    error = pickle.loads(pickle.dumps(RenderError("templates/group.html", 3, "boom")))
    assert (error.path, error.line, error.message) == ("templates/group.html", 3, "boom")


def test_killed_builds_never_leave_a_wrong_site(tmp_path: Path) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "big", 800)
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    expected = tree(clean)
    output = tmp_path / "out"
    command = [sys.executable, "-m", "generator", "build", "--source", str(root), "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for delay in (0.15, 0.4, 0.7, 1.0, 1.4):
        # Each run edits a group so the killed build has real work in flight.
        target = root / "content/groups/g00007.yaml"
        text = target.read_text("utf-8")
        target.write_text(text.replace("summary:", "summary: x"), "utf-8")
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        target.write_text(text, "utf-8")
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    assert tree(output) == expected


def _theme_file(root: Path, rel: str, text: str) -> Path:
    """Write a file of the site's own default-theme overrides."""
    path = root / "themes/default" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def _group_template_edit(root: Path) -> None:
    _theme_file(root, "templates/group.html", '{% extends "@default/group.html" %}\n{# edited #}\n')


def test_template_edit_takes_records_and_descriptions_from_the_store(
        make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    run_build(root)
    before = tree(root / "output")
    _group_template_edit(root)

    def no_reread(*args: object, **kwargs: object) -> object:
        raise AssertionError("a group file was read again although the record store holds it")

    monkeypatch.setattr("generator.render.groups_of", no_reread)
    monkeypatch.setattr("generator.markdown_render.MarkdownRenderer.render", no_reread)
    result = run_build(root)
    assert result.ok, [d.format() for d in result.report.items]
    assert {p for p in result.rendered if p.startswith("groups/") and p.endswith("/index.html")} >= {
        "groups/alpha-alumni/index.html", "groups/beta-builders/index.html"}
    assert tree(root / "output") == before


def test_a_damaged_record_store_falls_back_to_the_source_files(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site()
    run_build(root)
    stores = list((root / CACHE_DIR).glob("records-*.bin"))
    assert len(stores) == 1 and stores[0].stat().st_size > 1000
    data = bytearray(stores[0].read_bytes())
    for at in range(40, len(data), 97):  # damage every entry
        data[at] ^= 0x5A
    stores[0].write_bytes(bytes(data[: len(data) * 2 // 3]))  # and cut the file short
    _group_template_edit(root)
    assert run_build(root).ok
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_record_store_is_compacted_when_mostly_stale(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.build.COMPACT_SLACK", 0)
    root = make_site()
    run_build(root)
    store = next((root / CACHE_DIR).glob("records-*.bin"))
    size = store.stat().st_size
    path = root / "content/groups/alpha-alumni.yaml"
    for n in range(8):  # each edit appends a new entry for Alpha
        path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", f"summary: Graduates of Alpha, {n}."))
        assert run_build(root).ok
        assert store.stat().st_size <= 2 * size
    _group_template_edit(root)
    result = run_build(root)
    assert result.ok
    assert "Graduates of Alpha, 7." in (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")


def _manifest(root: Path) -> list[Path]:
    return list((root / CACHE_DIR).glob("manifest-*.txt"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_unchanged_site_stops_before_loading_anything(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                                                      jobs: int) -> None:
    monkeypatch.setattr(generator.unchanged, "PARALLEL_STAMPS", 0)  # with two jobs, outputs stamped by two processes
    root = make_site()
    first = run_build(root, jobs=jobs)
    assert len(_manifest(root)) == 1

    def no_load(*args: object, **kwargs: object) -> object:
        raise AssertionError("an unchanged site was loaded")

    monkeypatch.setattr("generator.build.load_site", no_load)
    again = run_build(root, jobs=jobs)
    assert again.ok and again.rendered == [] and again.written == []
    assert again.unchanged == first.outputs and again.records == first.records


_MODULES_AFTER_BUILD = """
import sys
from generator.cli import main
code = main(sys.argv[1:])
heavy = ("jinja2", "markdown", "generator.build", "generator.render", "concurrent.futures", "generator.importer.plan",
         "importlib.metadata")
print(code, *sorted(name for name in heavy if name in sys.modules))
"""


def test_the_command_line_loads_the_build_machinery_beside_the_check_that_there_is_nothing_to_do(
        make_site: MakeSite) -> None:
    """With more than one job, Jinja and the build's own modules are loaded while another process checks whether
    there is anything to do (generator.early); with one job, a build with nothing to do loads none of them, nor
    concurrent.futures (12 ms to import, for the thread hashing a streamed output). Markdown is loaded only by a
    build that renders a description or a document (not by one whose edit left the descriptions as they were:
    theirs are taken over from the last build). No build loads the
    importer's stages (20 ms) or looks through the installed packages' metadata (Markdown did, for its
    extensions: 45 ms)."""
    root = make_site()
    command = [sys.executable, "-c", _MODULES_AFTER_BUILD, "build", "--source", str(root)]

    def run(jobs: int) -> tuple[str, list[str]]:
        done = subprocess.run([*command, "--jobs", str(jobs)], capture_output=True, text=True, timeout=120, cwd=REPO)
        *_, summary, loaded = done.stdout.strip().splitlines()
        return summary, loaded.split()

    machinery = ["generator.build", "generator.render", "jinja2"]
    summary, loaded = run(2)
    assert loaded == ["0", "concurrent.futures", *machinery, "markdown"]  # the first build renders every page
    summary, loaded = run(2)
    assert loaded == ["0", *machinery] and " 0 rendered, 0 written, " in summary
    summary, loaded = run(1)
    assert loaded == ["0"] and " 0 rendered, 0 written, " in summary
    # An edit of a group's other fields takes its description's HTML over from the last build: no Markdown.
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 451"), "utf-8")
    summary, loaded = run(2)
    assert loaded == ["0", *machinery] and " 0 rendered," not in summary
    page = (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")
    assert "451 members" in page
    # An edit of the description renders it.
    described = GROUP_A.replace("members: 450", "members: 451")
    (root / "content/groups/alpha-alumni.yaml").write_text(
        described.replace("Alpha's **alumni** meet here.", "Now *described* anew."), "utf-8")
    summary, loaded = run(2)
    assert loaded == ["0", *machinery, "markdown"]
    assert "Now <em>described</em> anew." in (root / "output/groups/alpha-alumni/index.html").read_text("utf-8")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_changed_or_missing_output_file_is_restored(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch,
                                                      jobs: int) -> None:
    monkeypatch.setattr(generator.unchanged, "PARALLEL_STAMPS", 0)
    root = make_site()
    run_build(root, jobs=jobs)
    before = tree(root / "output")
    (root / "output/groups/alpha-alumni/index.html").write_text("tampered", "utf-8")
    (root / "output/tags/careers/index.html").unlink()
    result = run_build(root, jobs=jobs)
    assert result.ok
    assert set(result.written) == {"groups/alpha-alumni/index.html", "tags/careers/index.html"}
    assert tree(root / "output") == before


@pytest.mark.parametrize("beside", [False, True])
def test_a_build_with_an_edit_still_restores_changed_or_missing_output_files(make_site: MakeSite, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch,
                                                                             beside: bool) -> None:
    """The outputs a group's edit leaves alone are checked against their files too: by the build, or from
    STAMPS_BESIDE_MIN outputs by a process beside it."""
    monkeypatch.setattr(generator.build, "STAMPS_BESIDE_MIN", 0 if beside else 10**9)
    root = make_site()
    run_build(root, jobs=2)
    (root / "content/groups/alpha-alumni.yaml").write_text(GROUP_A.replace("members: 450", "members: 451"), "utf-8")
    (root / "output/groups/beta-builders/badge.svg").write_text("tampered", "utf-8")
    (root / "output/tags/construction/index.html").unlink()  # Beta's tag alone: the edit leaves both alone
    found: list[frozenset[str] | None] = []  # what the process beside found, handed to _altered
    real = generator.build._altered

    def altered(*args: Any, **kwargs: Any) -> Any:
        found.append(kwargs.get("not_standing"))
        return real(*args, **kwargs)

    monkeypatch.setattr(generator.build, "_altered", altered)
    result = run_build(root, jobs=2)
    assert result.ok and "groups/alpha-alumni/index.html" in result.written
    spoilt = {"groups/beta-builders/badge.svg", "tags/construction/index.html"}
    assert spoilt <= set(result.written)
    assert found == [frozenset(spoilt)] if beside else found == [None]
    assert run_build(root, tmp_path / "clean", use_cache=False).ok
    assert tree(root / "output") == tree(tmp_path / "clean")


@pytest.mark.parametrize("beside", [False, True])
def test_with_no_state_to_trust_the_files_the_build_did_not_make_are_pruned(make_site: MakeSite, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch,
                                                                           beside: bool) -> None:
    """With the cache's state gone, the files to prune are found by listing the output folder: with two jobs in a
    process beside the build (as it began, once a publish a killed build left half done is finished), with one in
    the build itself. Either way the folder ends as a clean build's."""
    root = make_site()
    run_build(root)
    cache = root / CACHE_DIR
    for stale in [*cache.glob("state-*"), *cache.glob("manifest-*")]:
        stale.unlink()
    (root / "output/stray/index.html").parent.mkdir()
    (root / "output/stray/index.html").write_text("not made by this site", "utf-8")
    (root / "output/groups/old-group/index.html").parent.mkdir()
    (root / "output/groups/old-group/index.html").write_text("a group since removed", "utf-8")
    # A publish a killed build left half done: the next build finishes it before anything is listed.
    staging = generator.writer.staging_for(root / "output")
    (staging / "half").mkdir(parents=True)
    (staging / "half/index.html").write_text("published late", "utf-8")
    (staging / generator.writer.READY).write_bytes(b"")
    (staging / generator.writer.REMOVALS).write_text("", "utf-8")
    pids = tmp_path / "pids"
    real = generator.writer.all_files

    def listing(output: Path) -> list[str]:
        with pids.open("a", encoding="utf-8") as noted:  # a forked process cannot append to this one's list
            noted.write(f"{os.getpid()}\n")
        return real(output)

    monkeypatch.setattr(generator.writer, "all_files", listing)
    result = run_build(root, jobs=2 if beside else 1)
    assert result.ok
    listed_by = [int(line) for line in pids.read_text("utf-8").split()]
    assert len(listed_by) == 1 and (listed_by[0] != os.getpid()) == beside
    assert {"stray/index.html", "groups/old-group/index.html", "half/index.html"} <= set(result.removed)
    assert run_build(root, tmp_path / "clean", use_cache=False).ok
    assert tree(root / "output") == tree(tmp_path / "clean")


def test_any_input_change_is_seen(make_site: MakeSite) -> None:
    root = make_site()
    run_build(root)
    _theme_file(root, "static/css/extra.css", "body { margin: 0 }\n")
    assert any(p.startswith("static/css/extra.") for p in run_build(root).written)
    site = root / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("per_page:", "# edited\nper_page:"), "utf-8")
    assert run_build(root).ok
    assert run_build(root, base_url="https://example.net/other/").rendered  # options count too


def test_warnings_are_reported_again_by_the_next_build(make_site: MakeSite) -> None:
    root = make_site()
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A + "memebers_as_of: 2024-01-01\n", "utf-8")
    first = run_build(root)
    assert first.ok and first.report.warnings
    assert _manifest(root) == []
    again = run_build(root)
    assert [d.format() for d in again.report.warnings] == [d.format() for d in first.report.warnings]


def test_pages_first_publishes_pages_before_the_site_wide_files(make_site: MakeSite, tmp_path: Path) -> None:
    root = make_site()
    first = run_build(root)
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, early."))
    seen: dict[str, object] = {}

    def pages_published(written: list[str]) -> None:
        out = root / "output"
        seen["written"] = set(written)
        seen["page"] = (out / "groups/alpha-alumni/index.html").read_text("utf-8")
        seen["csv"] = (out / "groups.csv").read_text("utf-8")

    result = run_build(root, state=first.state, pages_published=pages_published)
    assert result.ok
    assert "Graduates of Alpha, early." in str(seen["page"])
    assert "groups/alpha-alumni/index.html" in seen["written"]  # type: ignore[operator]
    assert "groups.csv" not in seen["written"] and "early" not in str(seen["csv"])  # type: ignore[operator]
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_pages_first_checks_untouched_outputs_once_the_pages_are_live(make_site: MakeSite, tmp_path: Path) -> None:
    """With the preview's early publish, outputs whose inputs did not change are checked against their files
    after the edited pages are live, not before; a file altered meanwhile is still made again."""
    root = make_site()
    first = run_build(root)
    out = root / "output"
    badge, stats = out / "groups/delta-circle/badge.svg", out / "stats/index.html"  # one early, one late output
    badge.write_text("altered", "utf-8")
    stats.write_text("altered", "utf-8")
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, early."))
    seen: dict[str, object] = {}

    def pages_published(written: list[str]) -> None:
        seen["written"] = set(written)
        seen["files"] = (badge.read_text("utf-8"), stats.read_text("utf-8"))

    result = run_build(root, state=first.state, pages_published=pages_published)
    assert result.ok
    assert "groups/alpha-alumni/index.html" in seen["written"]  # type: ignore[operator]
    assert seen["files"] == ("altered", "altered")
    assert {"groups/delta-circle/badge.svg", "stats/index.html"} <= set(result.rendered)
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(out) == tree(clean)
    assert run_build(root).rendered == []


def test_group_jobs_taken_over_from_the_last_plan_equal_a_fresh_plan(make_site: MakeSite) -> None:
    """The preview hands its state to the next build, which reuses each group's jobs whose card and related
    cards are unchanged; a group showing the edited group's card gets new ones."""
    root = make_site()
    first = run_build(root)
    assert first.state is not None and first.state.group_jobs is not None
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, renamed."))
    second = run_build(root, state=first.state)
    assert second.ok and second.site is not None and second.state is not None
    taken, fresh = second.state.group_jobs, generator.plan.group_jobs(second.site)
    assert taken is not None
    assert [j for _, _, jobs in taken.made.values() for j in jobs] == \
        [j for _, _, jobs in fresh.made.values() for j in jobs]
    site = second.site
    showing_alpha = {card.slug for card, related in zip(site.cards, site.related, strict=True)
                     if site.index["alpha-alumni"] in related}
    assert "beta-builders" in showing_alpha  # beta names alpha as related
    assert "groups/beta-builders/index.html" in second.rendered
    for slug, entry in taken.made.items():
        reused = entry is first.state.group_jobs.made[slug]
        assert reused == (slug != "alpha-alumni" and slug not in showing_alpha), slug


def test_search_index_is_made_again_only_when_a_card_changed(make_site: MakeSite, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site()
    run_build(root)
    whole = counted_calls(monkeypatch, generator.search, "build_search_index")
    patched = counted_calls(monkeypatch, generator.search.patch, "patch")
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("Alpha's **alumni** meet here.", "Alpha's alumni meet here, weekly."))
    assert run_build(root).ok and whole == patched == []  # descriptions are not in the index
    index_file = next((root / "output/search/index").glob("d/*.json"))
    index_file.unlink()
    result = run_build(root)
    # A file of the last index gone: it is not patched (not even tried), but made whole.
    assert whole == [1] and patched == [] and index_file.exists()
    assert index_file.relative_to(root / "output").as_posix() in result.written
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, searchable."))
    result = run_build(root)
    written = {p for p in result.written if p.startswith("search/index/")}
    index = {p.relative_to(root / "output").as_posix() for p in (root / "output/search/index").rglob("*.*")}
    assert whole == [1] and patched == [1] and written and len(written) < len(index) / 2
    assert "search/index/meta.json" not in written  # a summary changes no range, count or facet
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_a_patched_search_index_stands_on_the_files_it_was_made_from(make_site: MakeSite, tmp_path: Path) -> None:
    """The last index is patched only when its files are the ones its record describes: one altered by hand,
    or a record of another index than the one published (an older one here), gives an index made whole, the
    same as a clean build's."""
    root = make_site()
    assert run_build(root).ok
    path = root / "content/groups/alpha-alumni.yaml"
    clean = tmp_path / "clean"
    for n, spoil in enumerate(["altered", "record of another index", "damaged record"]):
        record = next((root / CACHE_DIR).glob("search-index-*.bin"))
        if spoil == "altered":  # a file no patch would write again
            ranks = root / "output/search/index/s/name/0.bin"
            ranks.write_bytes(ranks.read_bytes()[::-1])
        if spoil == "record of another index":
            kept = record.read_bytes()
            path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha first."))
            assert run_build(root).ok
            assert record.read_bytes() != kept
            record.write_bytes(kept)
        path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", f"summary: Graduates of Alpha {n}."))
        if spoil == "damaged record":
            data = bytearray(record.read_bytes())
            data[len(data) // 3] ^= 0x10
            record.write_bytes(bytes(data))
        assert run_build(root).ok
        shutil.rmtree(clean, ignore_errors=True)
        assert run_build(root, clean, use_cache=False).ok
        assert tree(root / "output") == tree(clean), spoil


def test_a_patch_that_keeps_a_file_the_last_index_lacked_is_not_used(make_site: MakeSite, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A patch takes over the files it names without bytes from the last index; one the last index never had
    (no patch names one: this stands guard over that) gives the whole index instead of a missing file."""
    root = make_site()
    assert run_build(root).ok
    real = generator.search.patch.patch

    def naming_a_new_file(*args: Any, **kwargs: Any) -> generator.search.patch.Patched | None:
        patched = real(*args, **kwargs)
        assert patched is not None  # a summary edit is patched (test_search_index_is_made_again_only_when...)
        patched.files.append(("search/index/d/never-made.json", None))
        return patched

    monkeypatch.setattr(generator.search.patch, "patch", naming_a_new_file)
    whole = counted_calls(monkeypatch, generator.search, "build_search_index")
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, kept."))
    assert run_build(root).ok and whole == [1]
    assert not (root / "output/search/index/d/never-made.json").exists()
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


def test_a_file_saved_during_a_build_is_seen_by_the_next(make_site: MakeSite) -> None:
    root = make_site()
    override = _theme_file(root, "templates/guide.html", '{% extends "@default/guide.html" %}\n')
    run_build(root)
    path = root / "content/groups/alpha-alumni.yaml"
    path.write_text(GROUP_A.replace("summary: Graduates of Alpha.", "summary: Graduates of Alpha, again."))

    def save_meanwhile(written: list[str]) -> None:  # called while the build runs
        override.write_text('{% extends "@default/guide.html" %}\n{# saved during the build #}\n', "utf-8")

    assert run_build(root, pages_published=save_meanwhile).ok
    again = run_build(root)
    assert again.rendered == ["guides/choosing-groups/index.html"]


_LISTING = re.compile(r"(groups/|(categories|tags|locations|industries|sizes)/[^/]+/)(page/\d+/)?index\.html")
_FIRST_CARD = re.compile(r'class="card__title"><a href="/sub/dir/groups/([^/"]+)/"')


def test_outputs_render_in_the_a_to_z_order_of_the_groups_they_show(tmp_path: Path) -> None:
    """Group outputs follow the groups' A-Z order, not their files' order, and each listing page comes where
    its first group does: the order that lets each worker reuse the cards it rendered just before."""
    root = tmp_path / "site"
    (root / "content/groups").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE_YAML.replace("per_page: 2", "per_page: 3"), "utf-8")
    words = ["Quartz", "Amber", "Nickel", "Cobalt", "Xenon", "Birch", "Maple", "Onyx", "Juniper", "Falcon",
             "Heron", "Walnut", "Dune", "Ivory", "Lotus", "Raven", "Garnet", "Pebble", "Sable", "Tundra"]
    for i, word in enumerate(words):  # file names in an order unrelated to the names
        (root / f"content/groups/g{i:02d}.yaml").write_text(
            f"name: {word} Circle\nsummary: About {word}.\ncategory: {'alumni' if i % 2 else 'industry'}\n"
            f"tags: [t{i % 3}, t{i % 4}]\nlocation: {{city: C, country: Country {i % 2}}}\nmembers: {i * 10}\n",
            "utf-8")
    result = run_build(root, use_cache=False)
    assert result.ok and result.site is not None
    position = {card.slug: i for i, card in enumerate(result.site.cards)}
    assert [card.name for card in result.site.cards] == sorted(f"{w} Circle" for w in words)

    order: list[int] = []
    listings = 0
    for rel in result.rendered:
        parts = rel.split("/")
        if parts[0] == "groups" and len(parts) == 3 and parts[1] in position:
            order.append(position[parts[1]])
        elif _LISTING.fullmatch(rel):
            first = _FIRST_CARD.search((root / "output" / rel).read_text("utf-8"))
            assert first is not None, rel
            order.append(position[first.group(1)])
            listings += 1
    assert listings > 20 and len(order) == listings + 3 * len(words)
    assert order == sorted(order)


def test_a_card_cache_smaller_than_the_site_gives_the_same_site(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_scale_fixture import write_synthetic_site

    root = write_synthetic_site(tmp_path / "big", 60)
    assert run_build(root, tmp_path / "roomy", use_cache=False).ok
    monkeypatch.setattr(generator.render, "CARD_CACHE", 2)
    assert run_build(root, tmp_path / "tight", use_cache=False).ok
    a, b = tree(tmp_path / "roomy"), tree(tmp_path / "tight")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []


def test_a_build_handed_the_last_state_takes_the_sites_shape_over_only_while_it_holds(
        make_site: MakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The preview's builds take the last Site's order, taxonomies and related groups over when the changed
    groups keep their place in A-Z order and their terms, and the last plan's jobs for listing pages without a
    changed group; every build's output is a clean build's."""
    root = make_site()
    made = counted_calls(monkeypatch, generator.assemble, "build_taxonomies")
    published: list[list[str]] = []
    result = run_build(root, pages_published=published.append)  # as the preview builds: it keeps what it can
    group = root / "content/groups/alpha-alumni.yaml"
    edits = [  # (what the file becomes, whether the last shape still holds)
        (GROUP_A.replace("Graduates of Alpha.", "Graduates of Alpha, all years."), True),
        (GROUP_A.replace("name: Alpha Alumni", "name: Alpha Alumni Club"), True),  # still before Beta Builders
        (GROUP_A.replace("members: 450", "members: 500"), True),  # same size band; related groups chosen again
        (GROUP_A + "related: [gamma-group]\n", True),  # named first among its related groups
        (GROUP_A.replace("members: 450", "members: 4500"), False),  # another size band
        (GROUP_A.replace("name: Alpha Alumni", "name: Zeta Alumni"), False),  # moves to the end of A-Z
        (GROUP_A.replace("tags: [careers, mentoring]", "tags: [careers, hiring]"), False),
    ]
    for number, (text, kept) in enumerate(edits):
        group.write_text(GROUP_A, "utf-8")  # each edit is measured from the first content
        result = run_build(root, state=result.state, use_cache=False, pages_published=published.append)
        group.write_text(text, "utf-8")
        made.clear()
        assert result.state is not None and result.state.group_jobs is not None
        last_listings = result.state.group_jobs.listings
        result = run_build(root, state=result.state, use_cache=False, pages_published=published.append)
        assert result.ok, [d.format() for d in result.report.items]
        assert (made == []) is kept, number
        assert result.state is not None and result.state.group_jobs is not None
        plan = result.state.group_jobs
        taken = sum(1 for key, job in plan.listings.items() if last_listings.get(key) is job)
        # Only listing pages without the edited group are taken over, and only while the shape holds.
        assert (plan.changed == (0,) and 0 < taken < len(plan.listings)) if kept else taken == 0, number
        clean = tmp_path / f"clean-{number}"
        assert run_build(root, clean, use_cache=False).ok
        assert tree(root / "output") == tree(clean), number
