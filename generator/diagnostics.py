"""Diagnostics: errors and warnings as values that carry their source location."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in a source file, compiler style: ``path:line:col: severity: message``."""

    path: str
    line: int = 0
    col: int = 0
    severity: Severity = Severity.ERROR
    message: str = ""
    hint: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path

    def format(self, source_root: Path | None = None, *, context: bool = True) -> str:
        """The one-line form, then (when the file can be read) the offending line with a caret."""
        text = f"{self.location()}: {self.severity.value}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        if context and self.line and source_root is not None:
            snippet = source_snippet(source_root / self.path, self.line, self.col)
            if snippet:
                text += "\n" + snippet
        return text


def error(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, col, Severity.ERROR, message, hint)


def warning(path: str, line: int, col: int, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(path, line, col, Severity.WARNING, message, hint)


def source_snippet(path: Path, line: int, col: int) -> str:
    """The source line numbered, with a caret under the column; empty if unreadable."""
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if number == line:
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                    break
            else:
                return ""
    except OSError:
        return ""
    if len(text) > 200:
        text = text[:200] + "…"
    gutter = f"{line:>5} | "
    caret = " " * (len(gutter) + max(col - 1, 0)) + "^"
    return f"{gutter}{text}\n{caret}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest known word, or an empty string."""
    import difflib  # here: only a build with a mistake in its content needs it

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


@dataclass
class Report:
    """Collects diagnostics from every stage; the build stops only after all are gathered."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, diagnostic: Diagnostic) -> None:
        self.items.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        """Errors first, then warnings; each in file and line order, duplicates dropped."""
        unique = sorted(set(self.items), key=lambda d: (not d.is_error, d.path, d.line, d.col, d.message))
        return unique
