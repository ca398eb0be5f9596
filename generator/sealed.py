"""Checksummed blobs and the small cache files made of them (export layouts, search parts, template references).

A sealed blob is a checksum followed by its body; a damaged one opens to None. A cache file is one sealed
pickle of (context, dictionary): read back only when whole and made in the same context (what else its
entries depend on), else empty. Every such file is a shortcut only, so reading never fails and a failed
write only loses the shortcut.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import Any

_CHECK = 8  # bytes of checksum in front of each blob


def seal(body: bytes) -> bytes:
    """A blob: a checksum, then the body."""
    return hashlib.blake2b(body, digest_size=_CHECK).digest() + body


def opened(blob: bytes) -> bytes | None:
    """The body of a blob, or None when the checksum does not match."""
    body = blob[_CHECK:]
    if len(blob) <= _CHECK or hashlib.blake2b(body, digest_size=_CHECK).digest() != blob[:_CHECK]:
        return None
    return body


def read(path: Path, context: str = "") -> dict[Any, Any]:
    """The dictionary `write` saved in `path` in the same `context`; empty if missing, damaged or of another."""
    try:
        body = opened(path.read_bytes())
        found = pickle.loads(body) if body is not None else None
    except Exception:  # unreadable, or a pickle of classes that no longer exist: only a shortcut is lost
        return {}
    if not isinstance(found, tuple) or len(found) != 2 or found[0] != context or not isinstance(found[1], dict):
        return {}
    return found[1]


def write(path: Path, value: dict[Any, Any], context: str = "") -> None:
    """Save a dictionary with its context, atomically (a write that fails leaves the file as it was)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(seal(pickle.dumps((context, value), protocol=pickle.HIGHEST_PROTOCOL)))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
