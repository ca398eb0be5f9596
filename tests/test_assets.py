"""Theme assets are published under fingerprinted names, with imports between modules rewritten."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.assets import AssetError, publish_assets


def theme(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    out = {}
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        out[rel] = path
    return out


FILES = {
    "css/site.css": "body { color: red; }\n",
    "js/a.js": 'import {b} from "./b.js";\nexport const a = b + 1;\n',
    "js/b.js": 'import {c} from "../lib/c.js";\nexport const b = c;\n',
    "lib/c.js": "export const c = 1;\n",
    "robots-extra.txt": "plain\n",
}


def test_names_carry_a_fingerprint_and_imports_follow(tmp_path: Path) -> None:
    assets = publish_assets(theme(tmp_path, FILES), fingerprint=True)
    assert re.fullmatch(r"static/css/site\.[0-9a-f]{8}\.css", assets["css/site.css"].output)
    assert assets["robots-extra.txt"].output == "static/robots-extra.txt"  # only web assets are renamed
    c_name = assets["lib/c.js"].output.rsplit("/", 1)[1]
    b_name = assets["js/b.js"].output.rsplit("/", 1)[1]
    assert f'from "../lib/{c_name}"' in assets["js/b.js"].data.decode()
    assert f'from "./{b_name}"' in assets["js/a.js"].data.decode()


def test_changing_a_module_renames_every_module_that_imports_it(tmp_path: Path) -> None:
    before = publish_assets(theme(tmp_path / "one", FILES), fingerprint=True)
    after = publish_assets(theme(tmp_path / "two", {**FILES, "lib/c.js": "export const c = 2;\n"}),
                           fingerprint=True)
    for rel in ("lib/c.js", "js/b.js", "js/a.js"):
        assert before[rel].output != after[rel].output, rel
    assert before["css/site.css"].output == after["css/site.css"].output


def test_preview_keeps_plain_names(tmp_path: Path) -> None:
    assets = publish_assets(theme(tmp_path, FILES), fingerprint=False)
    assert assets["js/a.js"].output == "static/js/a.js"
    assert assets["js/a.js"].data.decode() == FILES["js/a.js"]


def test_missing_import_and_cycles_are_errors(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="does not have"):
        publish_assets(theme(tmp_path / "x", {"a.js": 'import "./nope.js";\n'}), fingerprint=True)
    with pytest.raises(AssetError, match="cycle"):
        publish_assets(theme(tmp_path / "y", {"a.js": 'import "./b.js";\n', "b.js": 'import "./a.js";\n'}),
                       fingerprint=True)
