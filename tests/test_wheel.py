"""The wheel, installed for real (not editable) into a fresh virtual environment, builds a new site."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_installed_elsewhere_builds_an_initialised_site(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)],
                   check=True, cwd=tmp_path, timeout=300)
    wheel = next(dist.glob("groupdir-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "generator/_themes/default/templates/base.html" in names
    assert "generator/_themes/default/static/css/site.css" in names
    assert "generator/schemas/group.schema.json" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)

    work = tmp_path / "elsewhere"
    work.mkdir()
    groupdir = venv / "bin" / "groupdir"
    subprocess.run([str(groupdir), "init", "my-directory"], check=True, cwd=work, timeout=60)
    site = work / "my-directory"
    done = subprocess.run([str(groupdir), "build"], cwd=site, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    home = (site / "output" / "index.html").read_text("utf-8")
    assert "Example Professionals Network" in home
    # The theme came from the installed package, not from this checkout.
    where = subprocess.run([str(python), "-c", "import generator.themes as t; print(t.builtin_themes_dir())"],
                           capture_output=True, text=True, check=True, cwd=work).stdout.strip()
    assert where.startswith(str(venv)) and where.endswith("_themes")
    assert list((site / "output" / "static" / "css").glob("site.*.css"))
