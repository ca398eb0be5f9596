"""The command line's memo (generator.plan_memo): the last Site's shape, and the last plan's listing pages and runs
of rows, are taken over only where they cannot differ, and a Site and plan made with them equal those made afresh."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import generator.assemble
import generator.build
import generator.cache
import generator.plan
import generator.plan_memo
import generator.routes
import generator.themes
from generator.options import CACHE_DIR
from generator.records import RecordStore
from tests.conftest import run_build, tree
from tests.test_incremental import counted_calls
from tests.test_scale_fixture import write_synthetic_site

GROUPS = 120


def _file(root: Path, number: int) -> Path:
    return root / f"content/groups/g{number:05d}.yaml"


def _replace(root: Path, number: int, old: str, new: str) -> None:
    path = _file(root, number)
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def _moved(root: Path) -> None:
    """A group's file renamed, its slug kept and its summary changed: no file read again holds the old card."""
    text = _file(root, 30).read_text("utf-8")
    _file(root, 30).unlink()
    (root / "content/groups/renamed.yaml").write_text(
        "slug: g00030\n" + text.replace("Summary of group 30.", "Summary of a renamed file."), "utf-8")


# Each edit, and whether the last Site's shape and plan's listing pages can be taken over.
EDITS: dict[str, tuple[Callable[[Path], None], bool]] = {
    "summary": (lambda root: _replace(root, 10, "Summary of group 10.", "A new summary."), True),
    "members": (lambda root: _replace(root, 11, "members: 87109", "members: 87110"), True),
    # In the same size band, but ranked among the others' related groups far from where it was.
    "members far": (lambda root: _replace(root, 11, "members: 87109", "members: 10001"), True),
    "two groups": (lambda root: (_replace(root, 12, "Summary of group 12.", "Twelve."),
                                 _replace(root, 99, "Summary of group 99.", "Ninety-nine.")), True),
    "tag": (lambda root: _replace(root, 10, "tags: [python, energy]", "tags: [python, health]"), False),
    "name": (lambda root: _replace(root, 10, "name: Group 00010 Berlin", "name: Aardvark 10"), False),
    "added": (lambda root: shutil.copy(_file(root, 5), root / "content/groups/added.yaml"), False),
    "removed": (lambda root: _file(root, 20).unlink(), False),
    "moved": (_moved, False),
}


def _fingerprints(result: Any) -> dict[str, str]:
    """What each output was made from; of the search index, only its meta file's (its other files keep the entry of
    the build that wrote them: generator.build._record_search; the trees compared hold their bytes)."""
    return {path: generator.cache.fingerprint_of(entry) for path, entry in result.state.outputs.items()
            if not path.startswith("search/index/") or path == "search/index/meta.json"}


def _fresh(root: Path, tmp_path: Path) -> Any:
    """A build of the same content in a folder of its own, with no cache."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("output", CACHE_DIR))
    result = run_build(fresh)
    assert result.ok
    return result


def _kept_jobs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What generator.plan_memo.kept_jobs answers, call by call."""
    answers: list[Any] = []
    real = generator.plan_memo.kept_jobs

    def noting(*args: Any) -> Any:
        answers.append(real(*args))
        return answers[-1]

    monkeypatch.setattr(generator.plan_memo, "kept_jobs", noting)
    return answers


def _planned(monkeypatch: pytest.MonkeyPatch) -> list[generator.plan.GroupJobs]:
    """What generator.plan.group_jobs makes, call by call."""
    made: list[generator.plan.GroupJobs] = []
    real = generator.plan.group_jobs

    def noting(*args: Any, **kwargs: Any) -> generator.plan.GroupJobs:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(generator.plan, "group_jobs", noting)
    return made


def test_group_jobs_made_from_the_last_plans_digests_equal_those_made_afresh(tmp_path: Path) -> None:
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    site = run_build(root).site
    assert site is not None
    fresh = generator.plan.group_jobs(site)
    digests = generator.plan.job_digests(site, fresh)
    assert len(digests) == 3 * generator.plan.DIGEST * GROUPS
    again = frozenset({3, 50})
    kept = generator.plan.group_jobs(site, kept=(digests, again))
    assert [jobs for _, _, jobs in kept.made.values()] == [jobs for _, _, jobs in fresh.made.values()]
    assert list(kept.made) == list(fresh.made)  # the same order
    # Only the places made again look at their cards' digests: a spoiled digest elsewhere shows.
    spoiled = "0" * generator.plan.DIGEST + digests[generator.plan.DIGEST:]
    first = next(iter(generator.plan.group_jobs(site, kept=(spoiled, again)).made.values()))
    assert first[2][0].inputs == "0" * generator.plan.DIGEST
    first = next(iter(generator.plan.group_jobs(site, kept=(spoiled, frozenset({0}))).made.values()))
    assert first[2][0].inputs == fresh.made[site.cards[0].slug][2][0].inputs
    # The digests of jobs made with kept ones are worked out from those kept but at the places made again.
    for places in (again, frozenset({0}), frozenset(), frozenset(range(GROUPS))):
        groups = generator.plan.group_jobs(site, kept=(spoiled, places))
        assert generator.plan.job_digests(site, groups, (spoiled, places)) == generator.plan.job_digests(site, groups)
    assert generator.plan.job_digests(site, kept, (digests, again)) == digests


def test_a_groups_jobs_write_where_its_links_and_its_badge_point(tmp_path: Path) -> None:
    """The jobs are made as plain tuples with the paths of routes.group_outputs: those are the pages the links
    lead to, and the files hold what their kind says."""
    root = write_synthetic_site(tmp_path / "site", 3)
    site = run_build(root).site
    assert site is not None
    for card in site.cards:
        page, badge, data = generator.plan.group_jobs(site).made[card.slug][2]
        assert (page.path, badge.path, data.path) == (generator.routes.output_path(generator.routes.group(card.slug)),
                                                      generator.routes.badge(card.slug),
                                                      generator.routes.group_json(card.slug))
        assert (page.kind, page.template, badge.kind, data.kind) == ("group", "group.html", "badge", "group-json")
        assert (page.late, page.near, page.key) == (False, 0, (card.slug,))
        assert (root / "output" / page.path).read_text("utf-8").startswith("<!doctype html>")
        assert (root / "output" / badge.path).read_text("utf-8").startswith("<svg")
        assert (root / "output" / data.path).read_text("utf-8").startswith("{")


@pytest.mark.parametrize("edit", EDITS)
def test_a_plan_with_the_memo_equals_a_fresh_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: str) -> None:
    monkeypatch.setattr(generator.plan, "RUN", 10)  # runs of rows of ten groups: twelve of them
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    assert run_build(root).ok
    change, taken_over = EDITS[edit]
    change(root)
    pages = counted_calls(monkeypatch, generator.plan, "listing_job")
    runs = counted_calls(monkeypatch, generator.plan, "_run_digest")
    taxonomies = counted_calls(monkeypatch, generator.assemble, "build_taxonomies")
    kept = _kept_jobs(monkeypatch)
    planned = _planned(monkeypatch)
    placed = counted_calls(monkeypatch, generator.build, "_card_records")
    result = run_build(root)
    assert result.ok
    # Taken over, only the groups made again have jobs: every other group's outputs are the last build's.
    assert (planned[0].carried is not None) == taken_over
    if taken_over:
        assert len(planned[0].made) == len(kept[0][1]) and set(planned[0].made) == {
            result.site.cards[place].slug for place in kept[0][1]}
        assert not set(result.rendered) & set(generator.routes.groups_outputs(
            generator.plan.carried_slugs([card.slug for card in result.site.cards], planned[0])))
    made_pages, made_runs, made_taxonomies = len(pages), len(runs), len(taxonomies)
    # Where each card's record is: the memo's places, with the cards read again placed anew, and no pass over
    # every card; what the memo keeps for the next build is where they are in the state just saved.
    assert placed == ([] if taken_over else [1])
    state = generator.cache.load_state(generator.cache.state_path(root / CACHE_DIR, root / "output"))
    memo = generator.plan_memo.read(_memo(root), state.saved)
    store = RecordStore(generator.cache.records_path(root / CACHE_DIR, root / "output"), fresh=False)
    try:
        assert memo is not None and result.site is not None
        expected = generator.build._card_records(result.site, (r for _, _, r in state.parsed.values()), store)
        assert memo.records == (expected.offsets.tobytes(), expected.lengths.tobytes())
        assert all(expected.get(place) is not None for place in range(len(result.site.cards)))
    finally:
        store.close()
    pages.clear()
    runs.clear()
    fresh = _fresh(root, tmp_path)
    assert (made_pages < len(pages) // 2 and made_runs < len(runs) // 2) == taken_over, (made_pages, len(pages))
    assert made_taxonomies == (0 if taken_over else 1)
    # The groups' jobs: those of the groups read again, and of the groups showing one as related, are made again;
    # every other group's are made from the last plan's digests.
    assert (kept[0] is not None) == taken_over  # (the fresh build's is None: it has no memo)
    if kept[0] is not None:
        again = kept[0][1]
        assert 0 < len(again) < GROUPS // 4
        assert len(kept[0][0]) == len(generator.plan.job_digests(fresh.site, generator.plan.group_jobs(fresh.site)))
    assert result.site == fresh.site
    assert _fingerprints(result) == _fingerprints(fresh)
    assert tree(root / "output") == tree(tmp_path / "fresh/output")
    assert run_build(root).rendered == []


def test_a_new_date_of_the_site_takes_nothing_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A site dated by its newest content: a group's later post moves the date, and with it every group's
    activity, though one file was read again."""
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    config = root / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("as_of: 2011-04-01\n", ""), "utf-8")
    assert run_build(root).ok
    _replace(root, 10, "last_post: 2011-03-11", "last_post: 2011-09-30")
    taxonomies = counted_calls(monkeypatch, generator.assemble, "build_taxonomies")
    result = run_build(root)
    assert result.ok and taxonomies == [1]
    fresh = _fresh(root, tmp_path)
    assert result.site == fresh.site and result.site.as_of.month == 9
    assert _fingerprints(result) == _fingerprints(fresh)
    assert tree(root / "output") == tree(tmp_path / "fresh/output")


def _memo(root: Path) -> Path:
    return next((root / CACHE_DIR).glob("plan-*.memo"))


@pytest.mark.parametrize("spoil", ["older memo", "damaged memo", "no memo"])
def test_a_memo_not_saved_with_the_state_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      spoil: str) -> None:
    """A memo left by an earlier build than the state's (as a build killed between saving the two leaves it),
    or damaged, or missing: the plan is made afresh, and equals a fresh one."""
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    assert run_build(root).ok
    older = _memo(root).read_bytes()
    EDITS["summary"][0](root)
    assert run_build(root).ok
    if spoil == "older memo":
        _memo(root).write_bytes(older)
    elif spoil == "damaged memo":
        data = bytearray(_memo(root).read_bytes())
        data[len(data) // 2] ^= 0x01
        _memo(root).write_bytes(bytes(data))
    else:
        _memo(root).unlink()
    _replace(root, 40, "Summary of group 40.", "Forty.")
    pages = counted_calls(monkeypatch, generator.plan, "listing_job")
    result = run_build(root)
    assert result.ok
    made = len(pages)
    pages.clear()
    fresh = _fresh(root, tmp_path)
    assert made == len(pages)
    assert _fingerprints(result) == _fingerprints(fresh)
    assert tree(root / "output") == tree(tmp_path / "fresh/output")
    assert _memo(root).exists()  # made again for the next build


@pytest.mark.parametrize("beside", [False, True], ids=["each-file-looked-at", "looked-at-beside"])
def test_the_outputs_of_groups_whose_jobs_are_the_last_builds_are_rendered_again_when_altered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, beside: bool) -> None:
    """After an edit the groups whose jobs are the last build's keep their outputs, but for those whose files were
    altered or removed since (found by this process, or by the one checking the outputs beside the build): those
    are rendered again, and nothing else of those groups. The output is a fresh build's."""
    monkeypatch.setattr(generator.build, "STAMPS_BESIDE_MIN", 0 if beside else 10**9)
    jobs = 2 if beside else 1
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    assert run_build(root, jobs=jobs).ok
    planned = _planned(monkeypatch)
    EDITS["summary"][0](root)
    assert run_build(root, jobs=jobs).ok and planned[0].carried is not None
    # Three groups whose jobs are the last build's after an edit of the same group (its related groups are the
    # same): their outputs are altered by hand.
    slugs = sorted({f"g{n:05d}" for n in range(GROUPS)} - set(planned[0].made))[20:23]
    assert len(slugs) == 3
    out = root / "output"
    altered = [generator.routes.badge(slugs[0]), generator.routes.output_path(generator.routes.group(slugs[1])),
               generator.routes.group_json(slugs[2]), generator.routes.badge(slugs[2])]  # two of one group's
    (out / altered[0]).unlink()
    (out / altered[1]).write_text("altered by hand", "utf-8")
    (out / altered[2]).write_text("{}", "utf-8")
    (out / altered[3]).write_text("<svg/>", "utf-8")
    planned.clear()
    _replace(root, 10, "A new summary.", "Another summary.")
    result = run_build(root, jobs=jobs)
    assert result.ok and planned[0].carried is not None
    assert set(slugs).isdisjoint(planned[0].made)  # their jobs are the last build's
    rendered = {path for path in result.rendered if path.startswith("groups/g")}
    remade = {path for slug in planned[0].made for path in generator.routes.group_outputs(slug)}
    assert rendered - remade == set(altered)
    fresh = _fresh(root, tmp_path)
    assert _fingerprints(result) == _fingerprints(fresh)
    assert tree(out) == tree(tmp_path / "fresh/output")
    assert run_build(root, jobs=jobs).rendered == []


def test_a_group_template_edited_takes_no_groups_outputs_over(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The groups' outputs are taken over only when made with what this build makes them with: with group.html
    edited (as with the configuration, every output's fingerprint holds it), every group's page is rendered
    again, though the memo's digests of their jobs are taken over."""
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    theme = root / "themes/default/templates"  # the site's own copy of the default theme's group.html
    theme.mkdir(parents=True)
    shutil.copy(generator.themes.builtin_themes_dir() / "default/templates/group.html", theme)
    assert run_build(root).ok
    planned = _planned(monkeypatch)
    EDITS["summary"][0](root)
    page = theme / "group.html"
    page.write_text(page.read_text("utf-8") + "{# edited #}\n", "utf-8")
    result = run_build(root)
    assert result.ok and planned[0].carried is None and len(planned[0].made) == GROUPS
    assert {f"groups/g{n:05d}/index.html" for n in range(GROUPS)} <= set(result.rendered)
    assert _fingerprints(result) == _fingerprints(_fresh(root, tmp_path))


def test_the_carried_groups_outputs_are_where_their_jobs_would_write_and_count_in_collisions(tmp_path: Path) -> None:
    """The paths worked out for every carried group at once are those of its jobs (routes.group_outputs) and its
    page's URL; a job of this build that would write one of them is a collision naming both sources."""
    root = write_synthetic_site(tmp_path / "site", GROUPS)
    site = run_build(root).site
    assert site is not None
    slugs = [card.slug for card in site.cards]
    digests = generator.plan.job_digests(site, generator.plan.group_jobs(site))
    groups = generator.plan.group_jobs(site, kept=(digests, frozenset({3})), carry=True)
    assert groups.carried is not None and list(groups.made) == [slugs[3]]
    carried = generator.plan.carried_slugs(slugs, groups)
    assert carried == slugs[:3] + slugs[4:]
    paths = generator.routes.groups_outputs(carried)
    assert sorted(paths) == sorted(path for slug in carried for path in generator.routes.group_outputs(slug))
    assert sorted(paths) == sorted(job.path for slug in carried for job in generator.plan.carried_jobs(site, groups,
                                                                                                        slug))
    assert generator.routes.group_pages(carried) == [generator.routes.group(slug) for slug in carried]
    jobs = [job for _, _, made in groups.made.values() for job in made]
    assert generator.build._collisions(jobs, site, groups, (slugs, paths)) == []
    page = generator.routes.output_path(generator.routes.group(carried[5]))
    clash = generator.plan.Job(page, "doc", "page.html", ("page", "badge"), "")
    problems = generator.build._collisions([*jobs, clash], site, groups, (slugs, paths))
    assert len(problems) == 1 and "content/pages/badge.md" in problems[0].message
    assert site.cards[site.index[carried[5]]].source.path in problems[0].message
