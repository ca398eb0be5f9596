"""Which related groups a group page shows, and in what order (generator.assemble.RelatedChooser)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from pathlib import Path

import pytest

import generator.build
from generator.assemble import RelatedChooser, choose_all
from tests.conftest import MakeSite, run_build, tree
from tests.test_scale_fixture import write_synthetic_site

# Every group but the anchor is in the "industry" category and online, unless it says otherwise; so what each
# shares with the anchor is exactly what its name says.
GROUPS = """\
- {name: Anchor, slug: anchor, category: alumni, tags: [x, y], industry: Ind,
   location: {city: Berlin, country: Germany}, members: 40, related: [zeta]}
- {name: B shares two tags, slug: b-two-tags, category: industry, tags: [x, y], members: 10, location: online}
- {name: C one tag big, slug: c-one-tag-big, category: industry, tags: [x], members: 5000, location: online}
- {name: D one tag, slug: d-one-tag, category: industry, tags: [y], members: 50, location: online}
- {name: E industry and country, slug: e-industry-country, category: industry, industry: Ind,
   location: {city: Munich, country: Germany}, members: 50}
- {name: F category only, slug: f-category, category: alumni, members: 100000, location: online}
- {name: G defunct two tags, slug: g-defunct, category: industry, tags: [x, y], members: 900000,
   status: defunct, location: online}
- {name: H country only, slug: h-country, category: industry, location: {city: Bonn, country: Germany},
   members: 1, related: [e-industry-country, e-industry-country, h-country]}
- {name: Zeta, slug: zeta, category: industry, tags: [z], members: 3, location: online}
"""


def test_related_groups_are_the_named_ones_then_the_best_scored_larger_first_then_a_to_z(
        make_site: MakeSite) -> None:
    root = make_site({"content/groups/related.yaml": GROUPS, "content/groups/alpha-alumni.yaml": None,
                      "content/groups/beta-builders.md": None, "content/groups/more.csv": None,
                      "content/guides/choosing-groups.md": None})
    result = run_build(root)
    assert not result.report.items, result.report.items
    site = result.site
    assert site is not None
    related = {card.slug: [site.cards[j].slug for j in chosen] for card, chosen in zip(site.cards, site.related,
                                                                                       strict=True)}
    # Zeta is named; B shares two tags (3 + 3); C, D (a tag each) and E (industry 2 + country 1) score 3, C
    # the largest, D before E A-Z at equal size; F (category) and H (country) score 1, F larger, but only six
    # are shown. G shares most but is defunct; no group is its own relation.
    assert related["anchor"] == ["zeta", "b-two-tags", "c-one-tag-big", "d-one-tag", "e-industry-country",
                                 "f-category"]
    # A named group comes once, however often it is named, and is not offered again by score (H and E share a
    # country); a group naming itself is not its own relation.
    assert related["h-country"][0] == "e-industry-country"
    assert len(set(related["h-country"])) == len(related["h-country"]) == 6
    assert "h-country" not in related["h-country"]
    assert "g-defunct" not in {slug for chosen in related.values() for slug in chosen}


def test_worker_processes_choose_the_same_related_groups(make_site: MakeSite, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site({"content/groups/related.yaml": GROUPS})
    alone = run_build(root, root / "alone", jobs=1, use_cache=False)
    monkeypatch.setattr(generator.build, "RELATED_PARALLEL_MIN", 1)  # the sample is far below the real threshold
    runs: list[range] = []
    original = RelatedChooser.choose

    def watched(chooser: RelatedChooser, positions: range) -> list[tuple[int, ...]]:
        runs.append(positions)  # in this process only: a worker appends to its own copy
        return original(chooser, positions)

    monkeypatch.setattr(RelatedChooser, "choose", watched)
    spread = run_build(root, root / "spread", jobs=2, use_cache=False)
    assert alone.site is not None and spread.site is not None
    assert len(alone.site.related) == len(alone.site.cards) > 8
    assert spread.site.related == alone.site.related
    assert runs == []  # nothing was chosen in this process: the workers chose it all


def test_a_chooser_patched_for_changed_cards_chooses_what_a_new_one_does(tmp_path: Path) -> None:
    """RelatedChooser.after (the preview's patched builds): for cards whose size or status changed, the patched
    chooser holds the same order by size as a new one, and choosing again the places touched_by names gives
    every card's related groups as a new chooser gives them (no other card's choice changed)."""
    site = run_build(write_synthetic_site(tmp_path / "site", 200), use_cache=False).site
    assert site is not None
    rng = random.Random(11)
    base = RelatedChooser(site.cards, site.index, site.taxonomies)
    before = choose_all(base)
    count = len(site.cards)
    for _ in range(25):
        changed = sorted(rng.sample(range(count), rng.randint(1, 3)))
        cards = list(site.cards)
        for place in changed:
            members = rng.choice([None, 0, 7, 40517, 10**6, site.cards[rng.randrange(count)].members])
            cards[place] = cards[place]._replace(members=members,
                                               status=rng.choice(["active", "active", "defunct"]))
        patched = base.after(cards, changed)
        fresh = RelatedChooser(cards, site.index, site.taxonomies)
        assert (patched.by_size, patched.rank, patched.defunct) == (fresh.by_size, fresh.rank, fresh.defunct)
        after = choose_all(fresh)
        again = patched.touched_by(changed)
        assert {place for place in range(count) if after[place] != before[place]} <= set(again)
        assert patched.choose(again) == [after[place] for place in again]
        assert (base.by_size, base.rank) == (RelatedChooser(site.cards, site.index, site.taxonomies).by_size,
                                             RelatedChooser(site.cards, site.index, site.taxonomies).rank)


EDITS = {  # what is done to the 200-group site, and whether related groups need choosing only near it
    "size": ([("members: 32598\n", "members: 99999\n")], None, True),
    "size and tag": ([("members: 32598\n", "members: 99999\n"), ("tags: [python, energy]", "tags: [careers, energy]")],
                     None, False),
    "size and a group added": ([("members: 32598\n", "members: 99999\n")], "g00042b", False),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("kept", [True, False], ids=["state kept in memory", "command line"])
def test_a_rebuild_after_a_size_change_chooses_again_only_near_the_changed_group(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool, edit: str) -> None:
    """A rebuild after one group's size changed within its band (its place and terms kept), not patched by
    generator.delta: related groups are chosen again only for the cards whose candidates include it
    (assemble.rechosen; on the command line, from the last Site put back together: generator.plan_memo), and
    the site and its files are those a clean build makes. When its terms changed too, or a group was added,
    every card's are chosen again."""
    root = write_synthetic_site(tmp_path / "site", 200)
    first = run_build(root, use_cache=not kept)
    path = root / "content/groups/g00042.yaml"
    text = path.read_text("utf-8")
    changes, added, near = EDITS[edit]
    for old, new in changes:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, "utf-8")
    if added:
        (root / f"content/groups/{added}.yaml").write_text(text.replace("name: Group 00042", "name: Group 00042b"))
    chosen: list[int] = []
    original = RelatedChooser.choose

    def watched(chooser: RelatedChooser, positions: Iterable[int]) -> list[tuple[int, ...]]:
        places = list(positions)
        chosen.append(len(places))
        return original(chooser, places)

    monkeypatch.setattr(RelatedChooser, "choose", watched)
    again = run_build(root, state=first.state, use_cache=False) if kept else run_build(root)
    monkeypatch.undo()
    clean = run_build(root, tmp_path / "clean", use_cache=False)
    assert first.site is not None and again.site is not None and clean.site is not None
    assert again.site.cards[again.site.index["g00042"]].members == 99999
    assert again.site.related == clean.site.related != first.site.related  # the size change moved other choices
    assert tree(root / "output") == tree(tmp_path / "clean")
    count = len(clean.site.cards)
    assert (sum(chosen) < count // 2) if near else (chosen == [count]), chosen
