"""`groupdir import`: turn a spreadsheet export or a JSON/YAML list of groups into group files.

The stages, each in its own module:

- `decoding`: bytes -> text (byte-order marks, UTF-16, Windows-1252, or a given encoding);
- `inputs`: text -> rows (CSV with any common delimiter, a JSON array, a YAML list);
- `columns`: header names in any case and spacing -> group fields, `--map` overrides;
- `values`, `htmltext`: cell text -> field values (numbers, dates, lists, safe Markdown);
- `convert`: one row -> one raw group mapping;
- `slugs`, `existing`: distinct slugs that never clobber a file already in the folder;
- `yamlout`: the YAML written (stable key order, block-literal descriptions);
- `plan`: merge, validate and write; `report`: the summary; `cli`: the `import` subcommand.
"""

from generator.importer.plan import ImportOptions, SetupProblem, UsageProblem, import_file
from generator.importer.report import Outcome, Summary

__all__ = ["ImportOptions", "Outcome", "SetupProblem", "Summary", "UsageProblem", "import_file"]
