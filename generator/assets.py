"""Theme static files as published: fingerprinted names for long caching, imports between modules rewritten.

A published build names `css/site.css` `css/site.3f2a9c1e.css`: the name changes whenever the bytes do,
so hosts can serve /static/ with a year-long, immutable cache. A JavaScript module's fingerprint covers
the fingerprinted names of the modules it imports, so changing `codec.js` renames every module that
(indirectly) imports it. The preview keeps plain names, so the browser can swap a stylesheet in place.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FINGERPRINTED = (".css", ".js", ".svg", ".png", ".ico", ".woff2", ".webp", ".jpg")
_IMPORT = re.compile(r"""(\bfrom\s*|\bimport\s*\(?\s*)(["'])(\.{1,2}/[^"'\n]+?\.js)\2""")


class AssetError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Asset:
    source: str  # path under static/ in the theme, e.g. "search/search.js"
    output: str  # path in the output folder, e.g. "static/search/search.1a2b3c4d.js"
    data: bytes


def publish_assets(files: Mapping[str, Path], *, fingerprint: bool) -> dict[str, Asset]:
    """Every static file with its published name and bytes."""
    done: dict[str, Asset] = {}

    def visit(rel: str, trail: tuple[str, ...]) -> Asset:
        if rel in done:
            return done[rel]
        if rel in trail:
            raise AssetError(f"static/{rel}: modules import each other in a cycle ({' -> '.join(trail)})")
        data = files[rel].read_bytes()
        if fingerprint and rel.endswith(".js"):
            data = _rewrite_imports(rel, data, lambda target: visit(target, (*trail, rel)), files)
        output = f"static/{_fingerprinted(rel, data) if fingerprint else rel}"
        done[rel] = Asset(rel, output, data)
        return done[rel]

    for rel in sorted(files):
        visit(rel, ())
    return done


def _fingerprinted(rel: str, data: bytes) -> str:
    stem, dot, suffix = rel.rpartition(".")
    if not dot or f".{suffix}" not in FINGERPRINTED:
        return rel
    return f"{stem}.{hashlib.blake2b(data, digest_size=4).hexdigest()}.{suffix}"


def _rewrite_imports(rel: str, data: bytes, resolve: object, files: Mapping[str, Path]) -> bytes:
    text = data.decode("utf-8")
    folder = posixpath.dirname(rel)

    def replace(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(folder, match.group(3)))
        if target not in files:
            raise AssetError(f"static/{rel}: imports '{match.group(3)}', which the theme does not have")
        published = resolve(target).output.removeprefix("static/")  # type: ignore[operator]
        relative = posixpath.relpath(published, folder or ".")
        if not relative.startswith("."):
            relative = "./" + relative
        return f"{match.group(1)}{match.group(2)}{relative}{match.group(2)}"

    return _IMPORT.sub(replace, text).encode("utf-8")
