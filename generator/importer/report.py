"""What an import did (or, with --dry-run, would do), and its printed summary."""

from __future__ import annotations

from dataclasses import dataclass, field

ACTIONS = ("created", "updated", "unchanged", "skipped")
LIST_LIMIT = 50


@dataclass(frozen=True)
class Outcome:
    action: str  # one of ACTIONS
    where: str  # "row 5", "record 3"
    path: str = ""  # the group file, relative to the site root
    detail: str = ""  # the reason for a skip, the changed fields for an update


@dataclass
class Summary:
    source: str
    read_as: str = ""
    rows: int = 0
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    def of(self, action: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.action == action]

    @property
    def exit_code(self) -> int:
        """0 when at least one row became (or already was) a group file; 1 when none did."""
        usable = sum(self.count(action) for action in ("created", "updated", "unchanged"))
        return 0 if usable else 1

    def format(self) -> str:
        lines = [f"{self.source}: {self.read_as}, {self.rows} {'group' if self.rows == 1 else 'groups'}"]
        lines += [f"note: {note}" for note in self.notes]
        would = "would be " if self.dry_run else ""
        for action in ("created", "updated"):
            done = self.of(action)
            for outcome in done[:LIST_LIMIT]:
                detail = f" ({outcome.detail})" if outcome.detail else ""
                lines.append(f"{would}{action}: {outcome.path}{detail}")
            if len(done) > LIST_LIMIT:
                lines.append(f"... and {len(done) - LIST_LIMIT} more {would}{action}")
        for outcome in self.of("skipped"):
            lines.append(f"skipped {outcome.where}: {outcome.detail}")
        counts = ", ".join(f"{self.count(action)} {action}" for action in ACTIONS)
        lines.append(f"{'Dry run, nothing written: ' if self.dry_run else ''}{counts}")
        return "\n".join(lines)
