"""`python -m generator.importer FILE [options]`: the import subcommand on its own."""

from __future__ import annotations

import argparse
import sys

from generator.importer.cli import EPILOG, HELP, configure, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="groupdir import", description=HELP, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
