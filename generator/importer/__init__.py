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

from __future__ import annotations

import importlib
from typing import Any

# Loaded when first asked for: every command builds the parser, which reads the import subcommand's options
# from this package, and loading the stages cost each build 20 ms.
_WHERE = {"ImportOptions": "plan", "SetupProblem": "plan", "UsageProblem": "plan", "import_file": "plan",
          "Outcome": "report", "Summary": "report"}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
