"""The `groupdir import` subcommand: `add_parser` wires it into the main CLI, `run` executes it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.importer.inputs import FORMATS

HELP = "make group files from a spreadsheet export (CSV) or a JSON/YAML list of groups"
EPILOG = """\
exit codes: 0 when at least one row is (now) a group file, even if others were skipped;
1 when the file or site.yaml cannot be read, or no row could be imported; 2 for a bad option.
Existing files are never overwritten without --update; with it, only the fields the file provides change.
See docs/editing.md for the columns that are recognised."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("import", help=HELP, description=HELP, epilog=EPILOG,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    configure(parser)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="the CSV, JSON or YAML file to import")
    parser.add_argument("--format", dest="format", choices=FORMATS,
                        help="the file's format (default: from its extension, else sniffed)")
    parser.add_argument("--map", dest="map", action="append", default=[], metavar="FIELD=COLUMN",
                        help="read FIELD from COLUMN, e.g. --map members='Member count' (repeatable)")
    parser.add_argument("--into", type=Path, default=None, metavar="DIR",
                        help="where group files go (default: content/groups in the site folder)")
    parser.add_argument("--source", type=Path, default=None, metavar="DIR",
                        help="the site folder holding site.yaml (default: the current folder)")
    parser.add_argument("--dry-run", action="store_true", help="write nothing; print what would be done")
    parser.add_argument("--update", action="store_true",
                        help="change existing group files (only the fields the import provides)")
    parser.add_argument("--encoding", metavar="ENC",
                        help="the file's text encoding, e.g. cp1252 (default: detected)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Execute `groupdir import`; print the summary; return the exit code."""
    # Imported here: every other command builds this parser, and none of them needs the importer.
    from generator.importer.plan import ImportOptions, SetupProblem, import_file

    root = getattr(args, "source", None) or Path.cwd()
    options = ImportOptions(
        file=args.file, root=Path(root), into=args.into, fmt=args.format, maps=list(args.map or []),
        update=bool(args.update), dry_run=bool(args.dry_run), encoding=args.encoding,
    )
    try:
        summary = import_file(options)
    except SetupProblem as exc:
        print(f"groupdir import: {exc}", file=sys.stderr)
        return exc.exit_code
    print(summary.format())
    return summary.exit_code
