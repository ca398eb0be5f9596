"""The build cache: parsed files by stamp, and for every output the fingerprint and stamp it was written with.

It is an optimisation only. A cache that is missing, from another version, or corrupt (a checksum
guards every byte) is ignored, and the build does all the work again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from generator import __version__
from generator.diagnostics import Diagnostic
from generator.loading import SourceResult
from generator.model import Card, Document, Group, Rejected, SourceRef

FORMAT = 5
Entry = tuple[str, str, int, int]  # fingerprint, content digest, size, mtime_ns


def _layout() -> str:
    """The field layout of every class the cache pickles: a change in any of them invalidates the cache."""
    classes = (Card, Document, Group, Rejected, SourceRef, SourceResult, Diagnostic)
    text = repr([(c.__name__, [f.name for f in dataclasses.fields(c)]) for c in classes])
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _code() -> str:
    """The generator's own source: cached records and rendered Markdown are only as good as the code that made them."""
    digest = hashlib.blake2b(digest_size=8)
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


HEADER = (FORMAT, __version__, _layout(), _code())



@dataclass
class BuildState:
    parsed: dict[str, tuple[tuple[int, int], str, SourceResult]] = field(default_factory=dict)
    outputs: dict[str, Entry] = field(default_factory=dict)
    loaded_ok: bool = False
    related: tuple[str, tuple[tuple[int, ...], ...]] | None = None
    exports: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # generator.export_rows.Known


def _output_key(output: Path) -> str:
    return hashlib.blake2b(str(output.resolve()).encode(), digest_size=6).hexdigest()


def state_path(cache_dir: Path, output: Path) -> Path:
    return cache_dir / f"state-{_output_key(output)}.pickle"


def records_path(cache_dir: Path, output: Path) -> Path:
    """The record store (generator.records) that goes with the state of the same output."""
    return cache_dir / f"records-{_output_key(output)}.bin"


def manifest_path(cache_dir: Path, output: Path) -> Path:
    """The manifest (generator.manifest) of the last clean build into the same output."""
    return cache_dir / f"manifest-{_output_key(output)}.txt"


def load_state(path: Path) -> BuildState:
    try:
        blob = path.read_bytes()
    except OSError:
        return BuildState()
    if len(blob) < 32:
        return BuildState()
    body, checksum = blob[:-32], blob[-32:]
    if hashlib.blake2b(body, digest_size=32).digest() != checksum:
        return BuildState()
    try:
        header, parsed, outputs, related, exports = pickle.loads(body)
    except Exception:
        return BuildState()
    if header != HEADER:
        return BuildState()
    return BuildState(parsed, outputs, True, related, exports)


def save_state(path: Path, state: BuildState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", "utf-8")
    body = pickle.dumps((HEADER, state.parsed, state.outputs, state.related, state.exports),
                        protocol=pickle.HIGHEST_PROTOCOL)
    temp = path.with_suffix(f".tmp{os.getpid()}")
    temp.write_bytes(body + hashlib.blake2b(body, digest_size=32).digest())
    os.replace(temp, path)


def forget(path: Path) -> None:
    """Drop the state before publishing, so a build killed mid-publish is never trusted afterwards."""
    path.unlink(missing_ok=True)
