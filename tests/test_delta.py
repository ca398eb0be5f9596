"""The preview's patched builds (generator.delta): a few edited group files patched onto the last build's Site,
record places and plan must give exactly what the whole way gives, and be taken only when they can."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import generator.delta
import generator.plan
from generator.build import load_site
from generator.options import BuildOptions, BuildResult
from generator.render import sitemap_pages
from tests.conftest import SITE_YAML, MakeSite, run_build, tree
from tests.test_scale_fixture import write_synthetic_site

COUNT = 120


def patched_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call of delta.patch_plan patched the plan (it is only asked once the Site was patched)."""
    calls: list[bool] = []
    real = generator.delta.patch_plan

    def noting(*args: Any, **kwargs: Any) -> Any:
        made = real(*args, **kwargs)
        calls.append(made is not None)
        return made

    monkeypatch.setattr(generator.delta, "patch_plan", noting)
    return calls


def preview(root: Path, state: Any = None, changed: frozenset[Path] | None = None,
            superseded: Callable[[], bool] | None = None) -> BuildResult:
    """A build as the preview makes them: the state handed over, pages published first."""
    result = run_build(root, state=state, use_cache=state is None, changed=changed, superseded=superseded,
                       pages_published=lambda written: None)
    assert result.ok, [d.format() for d in result.report.items]
    return result


def whole_plan(result: BuildResult) -> list[generator.plan.Job]:
    assert result.site is not None
    jobs = list(generator.plan.plan(result.site))
    return jobs + list(generator.plan.sitemap_jobs(sitemap_pages(jobs)))


def group(root: Path, number: int) -> Path:
    return root / f"content/groups/g{number:05d}.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


# (what to change in group 43, whether the last build's Site and plan can be patched)
EDITS = [
    ("summary: Summary of group 43.", "summary: Summary of group 43, edited.", True),
    ("has a *description*", "has a *longer* description", True),
    ("name: Group 00043 Berlin", "name: Group 00043 Berlin Club", True),  # still before group 44
    ("added: 2011-01-16", "added: 2011-02-28", True),  # the newest group now: the feeds change
    ("activity: {last_post: 2011-03-16}", "activity: {last_post: 2010-01-16}", True),  # no longer active
    ("members: ", "featured: true\nmembers: ", True),  # the home page's featured groups are picked again
    ("members: 40517", "members: 99999", True),  # related groups rank by size: chosen again near it
    ("members: 40517", "members: 10", False),  # another size band: other terms
    ("members: ", "related: [g00044, g00101]\nmembers: ", True),  # named first among its related groups
    ("members: ", "status: defunct\nmembers: ", True),  # never chosen as related again
    ("name: Group 00043 Berlin", "name: Aardvark", False),  # moves to the start of A-Z
    ("tags: [mentoring, ", "tags: [energy, ", False),
]


def same_as_the_whole_way(tmp_path: Path, calls: list[bool], patched_root: Path, rel: str, old: str, new: str,
                          patchable: bool) -> BuildResult:
    """The same edit made twice from the same state, once with the changed file named (patched when it can
    be) and once without (the whole way): the same outputs rendered and written, the same Site, plan and tree,
    which is a clean build's. The patched build's result."""
    whole_root = tmp_path / "whole"
    shutil.copytree(patched_root, whole_root)
    patched, whole = preview(patched_root), preview(whole_root)
    calls.clear()
    for root in (patched_root, whole_root):
        edit(root / rel, old, new)
    patched = preview(patched_root, patched.state, frozenset({patched_root / rel}))
    assert calls == ([True] if patchable else [False] * len(calls)) and (calls or not patchable)
    whole = preview(whole_root, whole.state)
    assert sorted(patched.rendered) == sorted(whole.rendered) and sorted(patched.written) == sorted(whole.written)
    assert (patched.unchanged, patched.removed, patched.outputs) == (whole.unchanged, whole.removed, whole.outputs)
    assert patched.site == whole.site == load_site(BuildOptions(patched_root, patched_root / "output")).site
    assert patched.state is not None and patched.state.last is not None
    assert patched.state.last.jobs == whole_plan(patched)
    clean = tmp_path / "clean"
    assert run_build(patched_root, clean, use_cache=False).ok
    assert tree(patched_root / "output") == tree(clean) == tree(whole_root / "output")
    shutil.rmtree(clean)
    return patched


@pytest.mark.parametrize(("old", "new", "patchable"), EDITS, ids=[e[1][:28] for e in EDITS])
def test_a_patched_build_gives_what_the_whole_way_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, old: str,
                                                        new: str, patchable: bool) -> None:
    """See same_as_the_whole_way; and a second edit patched onto the first gives a clean build's tree too."""
    patched_root = write_synthetic_site(tmp_path / "patched", COUNT)
    calls = patched_calls(monkeypatch)
    patched = same_as_the_whole_way(tmp_path, calls, patched_root, "content/groups/g00043.yaml", old, new, patchable)

    # Patched onto the patched: another group's summary, and the first group again.
    edit(group(patched_root, 7), "summary: Summary of group 7.", "summary: Seven.")
    edit(group(patched_root, 43), "Summary of group 43", "Group 43's summary")
    calls.clear()
    again = preview(patched_root, patched.state, frozenset({group(patched_root, 7), group(patched_root, 43)}))
    assert calls == [True]
    assert set(again.rendered) >= {"groups/g00007/index.html", "groups/g00043/index.html"}
    assert again.state is not None and again.state.last is not None and again.state.last.jobs == whole_plan(again)
    clean = tmp_path / "clean"
    assert run_build(patched_root, clean, use_cache=False).ok
    assert tree(patched_root / "output") == tree(clean)


# (file of the small site, what to change, whether it can be patched)
DOCUMENT_EDITS = [
    ("content/guides/choosing-groups.md", "Purpose first.", "Purpose first, always.", True),
    ("content/guides/choosing-groups.md", "title: Choosing groups", "title: Choosing a group", True),
    ("content/guides/choosing-groups.md", "date: 2011-03-01", "date: 2011-03-31", False),  # its place in the list
    ("content/milestones/one-million.md", "passed one million.", "passed one million in March.", True),  # feed
    ("content/pages/about.md", "title: About", "title: About us", True),  # in every page's footer
    ("content/groups/more.csv", "Gamma Group,gamma-group,industry,careers;data,80",
     "Gamma Group,gamma-group,industry,careers;data,85", True),  # one file, two groups
]


@pytest.mark.parametrize(("rel", "old", "new", "patchable"), DOCUMENT_EDITS, ids=[e[2][:24] for e in DOCUMENT_EDITS])
def test_documents_and_files_of_several_groups_are_patched_too(make_site: MakeSite, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch, rel: str, old: str,
                                                               new: str, patchable: bool) -> None:
    calls = patched_calls(monkeypatch)
    same_as_the_whole_way(tmp_path, calls, make_site(), rel, old, new, patchable)


def test_what_a_given_up_build_left_is_made_by_the_patched_build_after_it(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that gave its site-wide outputs up for a newer change leaves them with its last entries: the
    patched build after it makes them (and the tree is a clean build's)."""
    root = write_synthetic_site(tmp_path / "site", COUNT)
    calls = patched_calls(monkeypatch)
    result = preview(root)
    # A summary and a facet (the search page shows the facets' values and counts).
    edit(group(root, 43), "summary: Summary of group 43.", "summary: Forty-three.\nvisibility: invite")
    result = preview(root, result.state, frozenset({group(root, 43)}), superseded=lambda: True)
    left = {path for path in result.deferred if not path.endswith("/")}  # files; the index is a folder
    assert calls == [True] and "search/index.html" in left and "groups.json" in left
    # Another group's description, which the search page does not show: it is made again only as it was left.
    edit(group(root, 7), "has a *description*", "has a longer *description*")
    result = preview(root, result.state, frozenset({group(root, 7)}))
    assert calls == [True, True]
    assert left <= set(result.rendered)
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


@pytest.mark.parametrize(("last_post", "patchable"), [("2011-03-02", True), ("2012-06-01", False)])
def test_a_site_dated_by_its_newest_content_is_patched_only_while_that_date_holds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, last_post: str, patchable: bool) -> None:
    """Without `as_of`, activity is measured against the newest date in the content: a file that would move
    that date changes every group's activity, so the build goes the whole way."""
    root = write_synthetic_site(tmp_path / "site", COUNT)
    site_yaml = root / "site.yaml"
    site_yaml.write_text(site_yaml.read_text("utf-8").replace("as_of: 2011-04-01\n", ""), "utf-8")
    assert "as_of" not in site_yaml.read_text("utf-8") and "as_of" in SITE_YAML
    calls = patched_calls(monkeypatch)
    result = preview(root)
    edit(group(root, 43), "activity: {last_post: 2011-03-16}", f"activity: {{last_post: {last_post}}}")
    result = preview(root, result.state, frozenset({group(root, 43)}))
    assert calls == ([True] if patchable else [])
    assert result.site is not None and result.site == load_site(BuildOptions(root, root / "output")).site
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)


@pytest.mark.parametrize("change", ["add", "remove", "break", "site.yaml"])
def test_other_changes_go_the_whole_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    root = write_synthetic_site(tmp_path / "site", COUNT)
    calls = patched_calls(monkeypatch)
    result = preview(root)
    path = group(root, 43)
    if change == "add":
        path = group(root, COUNT)
        shutil.copy(group(root, 43), path)
        edit(path, "name: Group 00043", "name: Group 00043 Copy")
    elif change == "remove":
        path.unlink()
    elif change == "break":
        edit(path, "members: ", "members: many\nold_members: ")
    else:
        path = root / "site.yaml"
        edit(path, "title: Test Directory", "title: Tested Directory")
    built = run_build(root, state=result.state, use_cache=False, changed=frozenset({path}),
                      pages_published=lambda written: None)
    assert calls == []
    assert built.ok is (change != "break")


def test_after_a_failed_build_the_fix_is_patched_onto_the_last_good_one(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed build leaves the state of the last good one (the preview keeps it, and names every path changed
    since): the build after the fix patches that, and its tree is a clean build's."""
    root = write_synthetic_site(tmp_path / "site", COUNT)
    calls = patched_calls(monkeypatch)
    good = preview(root)
    alpha, beta = group(root, 43), group(root, 7)
    edit(alpha, "summary: Summary of group 43.", "summary: Edited while 7 was broken.")
    edit(beta, "members: ", "members: many\nold_members: ")
    failed = run_build(root, state=good.state, use_cache=False, changed=frozenset({alpha, beta}),
                       pages_published=lambda written: None)
    assert not failed.ok and calls == []
    edit(beta, "members: many\nold_members: ", "members: ")
    fixed = preview(root, good.state, frozenset({alpha, beta}))
    assert calls == [True] and "groups/g00043/index.html" in fixed.rendered
    clean = tmp_path / "clean"
    assert run_build(root, clean, use_cache=False).ok
    assert tree(root / "output") == tree(clean)
