"""Options and exit codes: --map, --into, --format, dates that read two ways, and the command lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.importer.conftest import Run, check

REPO = Path(__file__).resolve().parents[2]


def test_map_reads_fields_from_named_columns(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "crm.csv"
    source.write_text("Team,Headcount,Kind\nPlatform Guild,42,topic\n", encoding="utf-8")
    result = run_import(source, "--map", "name=Team", "--map", "members=headcount", "--map", "category=Kind")
    assert result.count("created") == 1, result.out
    assert "members: 42\n" in (groups / "platform-guild.yaml").read_text(encoding="utf-8")


def test_map_problems_are_usage_errors(run_import: Run, site: Path) -> None:
    source = site.parent / "crm.csv"
    source.write_text("Team,Headcount\nPlatform Guild,42\n", encoding="utf-8")
    unknown_field = run_import(source, "--map", "membrs=Headcount")
    assert unknown_field.code == 2
    assert "did you mean 'members'?" in unknown_field.err
    missing_column = run_import(source, "--map", "name=Squad")
    assert missing_column.code == 2
    assert "no column 'Squad'" in missing_column.err
    assert run_import(source, "--map", "name").code == 2


def test_into_another_folder(run_import: Run, site: Path) -> None:
    source = site.parent / "in.csv"
    source.write_text("name,category\nElsewhere,topic\n", encoding="utf-8")
    target = site / "content" / "groups" / "imported"
    result = run_import(source, "--into", str(target))
    assert "created: content/groups/imported/elsewhere.yaml" in result.out
    assert check(site)[0] == 0
    again = run_import(source)  # the default folder sees the group in its sub-folder: no second copy
    assert again.count("unchanged") == 1 and again.count("created") == 0


def test_exit_codes(run_import: Run, site: Path, tmp_path: Path) -> None:
    assert run_import(site.parent / "missing.csv").code == 1
    empty = site.parent / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "has no header row" in run_import(empty).err
    all_bad = site.parent / "bad.csv"
    all_bad.write_text("name,category\nOne,nope\nTwo,\n", encoding="utf-8")
    result = run_import(all_bad)
    assert result.code == 1 and result.count("skipped") == 2
    (site / "site.yaml").unlink()
    no_site = run_import(all_bad)
    assert no_site.code == 1 and "no site.yaml here" in no_site.err
    with pytest.raises(SystemExit) as stop:
        run_import(all_bad, "--format", "xlsx")
    assert stop.value.code == 2


def test_dates_that_read_two_ways(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "dates.csv"
    source.write_text("name,category,founded\nA,topic,04/05/2011\n", encoding="utf-8")
    result = run_import(source)
    assert "were read as day/month/year" in result.out
    assert "founded: 2011-05-04\n" in (groups / "a.yaml").read_text(encoding="utf-8")
    source.write_text("name,category,founded\nB,topic,04/05/2011\nC,topic,12/31/2011\n", encoding="utf-8")
    run_import(source)
    assert "founded: 2011-04-05\n" in (groups / "b.yaml").read_text(encoding="utf-8")  # the file is month-first
    source.write_text("name,category,founded\nD,topic,04/05/2011\nE,topic,12/31/2011\nF,topic,31/12/2011\n",
                      encoding="utf-8")
    mixed = run_import(source)
    assert "skipped row 2: column C 'founded': '04/05/2011' could be day/month or month/day" in mixed.out
    assert mixed.count("created") == 2


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def test_python_m_generator_importer(site: Path, groups: Path) -> None:
    source = site.parent / "in.csv"
    source.write_text("name,category\nCommand Line,topic\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "generator.importer", str(source), "--dry-run"], cwd=site,
                          env=_env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "would be created: content/groups/command-line.yaml" in done.stdout
    assert not list(groups.iterdir())


def test_groupdir_import_then_check(site: Path, groups: Path) -> None:
    source = site.parent / "in.csv"
    source.write_text("name,category\nMain Command,topic\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "generator", "import", str(source), "--source", str(site)],
                          env=_env(), capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (groups / "main-command.yaml").exists()
    checked = subprocess.run([sys.executable, "-m", "generator", "check", "--source", str(site)], env=_env(),
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_text_in_columns_named_like_nested_fields_is_kept(run_import: Run, site: Path, groups: Path) -> None:
    source = site.parent / "crm.csv"
    source.write_text("Name,Category,Activity,Audience\nBusy Group,topic,High,Engineers\n", encoding="utf-8")
    assert run_import(source).count("created") == 1
    text = (groups / "busy-group.yaml").read_text(encoding="utf-8")
    assert text.endswith("extra:\n  activity: High\n  audience: Engineers\n")
    assert check(site)[0] == 0
