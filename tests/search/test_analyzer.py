"""The analyzer against the shared vectors, in Python and (through node --test) in JavaScript."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator.search.analyzer import analyze, normalize

REPO = Path(__file__).resolve().parents[2]
VECTORS = json.loads((REPO / "tests" / "vectors" / "analyzer.json").read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["text"][:24] or "empty" for v in VECTORS])
def test_python_analyzer_matches_the_shared_vectors(vector: dict[str, object]) -> None:
    assert analyze(str(vector["text"])) == vector["tokens"]


def test_vectors_cover_every_required_script() -> None:
    text = " ".join(str(v["text"]) for v in VECTORS)
    for sample in ("ü", "Москва", "Αθηνών", "شبكة", "אביב", "上海", "カ", "서울"):
        assert sample in text


def test_accents_and_case_fold_together() -> None:
    assert normalize("Zürich") == normalize("ZURICH") == "zurich"
    assert analyze("São Paulo") == analyze("sao paulo")


def test_javascript_analyzer_matches_the_shared_vectors() -> None:
    node = shutil.which("node")
    assert node is not None, "node is required (scripts/setup.sh test installs it)"
    done = subprocess.run([node, "--test", str(REPO / "tests" / "search" / "js")], cwd=REPO,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "# fail 0" in done.stdout
